"""Helpers shared by every package's forms and views."""
from __future__ import annotations

from contextlib import contextmanager

from alliance.core.errors import DomainError
from alliance.extensions import db


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
