"""Helpers shared by every package's forms and views."""
from __future__ import annotations

from contextlib import contextmanager

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField
from wtforms.validators import NumberRange

from alliance.core.errors import DomainError
from alliance.extensions import db

# The largest id (and count) a database integer column holds on every backend:
# a larger number typed into an id field must be refused, not sent to the database.
MAX_ID = 2**31 - 1


def id_range() -> NumberRange:
    """The validator of a field that names a row by its id."""
    return NumberRange(min=1, max=MAX_ID)


class FiniteDecimalField(DecimalField):
    """A :class:`~wtforms.DecimalField` that refuses "NaN", "sNaN" and "Infinity":
    ``Decimal()`` reads them, and a signalling NaN then breaks ``NumberRange``."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(_l("Give a number."))


def put_errors(form, error: DomainError, *, general: bool = True) -> None:
    """Copy a :class:`DomainError` onto ``form``: each message beside its field, the
    others at the top of the form. With ``general=False`` an error without field
    messages adds nothing (for views that flash it instead)."""
    for name, message in error.field_errors.items():
        field = form._fields.get(name)
        if field is not None:
            field.errors = [*field.errors, message]
        else:
            form.form_errors.append(message)
    if general and not error.field_errors:
        form.form_errors.append(error.message)


class Outcome:
    """Whether the service calls of a :func:`saving` block were committed."""

    ok = False


@contextmanager
def saving(form):
    """Run a view's service calls for ``form`` as one unit of work.

    On a :class:`DomainError` the session rolls back and the messages land on the
    form (beside their fields); otherwise the session commits. ``outcome.ok`` tells
    the view which::

        with saving(form) as outcome:
            call = services.create_call(data=..., user=current_user, now=utcnow())
        if outcome.ok:
            flash(...)
            return redirect(...)
    """
    outcome = Outcome()
    try:
        yield outcome
    except DomainError as error:
        db.session.rollback()
        put_errors(form, error)
    else:
        db.session.commit()
        outcome.ok = True
