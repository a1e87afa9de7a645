"""Domain errors: raised by services, turned into messages or form errors by views."""
from __future__ import annotations


class DomainError(Exception):
    """A rule of the domain refused an action.

    ``message`` is shown to the user (already translated); ``field_errors``
    maps form field names to messages, so that a view can put them beside
    the fields they concern.
    """

    def __init__(self, message: str, *, field_errors: dict[str, str] | None = None):
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class IllegalTransition(DomainError):
    """A lifecycle transition that the current state does not allow."""


class DeadlinePassed(DomainError):
    """A change to a proposal after its challenge's deadline."""
