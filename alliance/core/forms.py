"""Helpers shared by every package's forms and views."""
from __future__ import annotations

from alliance.core.errors import DomainError


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
