"""Signed, expiring tokens for the links we e-mail: e-mail confirmation and
password reset.

Tokens are signed with ``SECRET_KEY`` and a salt per purpose, so a
confirmation token can never be used as a reset token. A reset token also
carries a fingerprint of the password hash it was issued for: once the
password changes, every earlier reset link stops working.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

CONFIRM_SALT = "alliance.auth.confirm-email"
RESET_SALT = "alliance.auth.reset-password"


class TokenError(Exception):
    """A token that is tampered with, malformed or meant for something else."""


class TokenExpired(TokenError):
    """A genuine token whose time is up."""


class _ClockSigner(TimestampSigner):
    """A timestamp signer that reads the time from ``now`` when given one, so
    that services (which take ``now``) decide expiry on the same clock."""

    def __init__(self, *args, now: datetime | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._now = now

    def get_timestamp(self) -> int:
        if self._now is not None:
            return int(self._now.timestamp())
        return super().get_timestamp()


def _serializer(salt: str, now: datetime | None) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(
        current_app.config["SECRET_KEY"], salt=salt,
        signer=_ClockSigner, signer_kwargs={"now": now},
    )


def _load(token: str, *, salt: str, max_age: int, now: datetime | None) -> dict:
    try:
        payload = _serializer(salt, now).loads(token, max_age=max_age)
    except SignatureExpired as error:
        raise TokenExpired(str(error)) from error
    except BadSignature as error:
        raise TokenError(str(error)) from error
    if not isinstance(payload, dict) or not isinstance(payload.get("uid"), int):
        raise TokenError("unexpected payload")
    return payload


def make_confirm_token(user, *, now: datetime | None = None) -> str:
    """A token confirming ``user``'s current e-mail address."""
    return _serializer(CONFIRM_SALT, now).dumps({"uid": user.id, "email": user.email})


def read_confirm_token(token: str, *, max_age: int, now: datetime | None = None) -> dict:
    """The payload ``{"uid", "email"}``; raises :class:`TokenExpired` or :class:`TokenError`."""
    payload = _load(token, salt=CONFIRM_SALT, max_age=max_age, now=now)
    if not isinstance(payload.get("email"), str):
        raise TokenError("unexpected payload")
    return payload


def make_reset_token(user, *, now: datetime | None = None) -> str:
    """A token allowing ``user`` to set a new password, valid until the password changes."""
    return _serializer(RESET_SALT, now).dumps(
        {"uid": user.id, "fp": user.password_fingerprint}
    )


def read_reset_token(token: str, *, max_age: int, now: datetime | None = None) -> dict:
    """The payload ``{"uid", "fp"}``; raises :class:`TokenExpired` or :class:`TokenError`."""
    payload = _load(token, salt=RESET_SALT, max_age=max_age, now=now)
    if not isinstance(payload.get("fp"), str):
        raise TokenError("unexpected payload")
    return payload
