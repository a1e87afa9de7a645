"""Accounts: registration, e-mail confirmation, login, password reset, admins.

Plain functions with keyword-only arguments. They flush, never commit, and
raise :class:`~alliance.core.errors.DomainError` (with ``field_errors`` where a
form field is at fault); e-mail is queued and leaves after the caller commits.
"""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash, generate_password_hash

from alliance.auth import tokens
from alliance.auth.models import ADMIN, GRANTED_ROLES, PASSWORD_METHOD, User, UserRole
from alliance.auth.privacy import record_consent
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.core.mail import queue_mail
from alliance.core.models import utcnow
from alliance.extensions import db

PASSWORD_MIN_LENGTH = 10


class AlreadyConfirmed(DomainError):
    """The e-mail address was confirmed before: nothing left to do."""


# -- helpers -----------------------------------------------------------------

def normalise_email(email: str | None) -> str:
    """E-mail addresses are compared and stored trimmed and lower-case."""
    return (email or "").strip().lower()


def find_user_by_email(email: str) -> User | None:
    """The user with this address (case-insensitive), or None."""
    email = normalise_email(email)
    if not email:
        return None
    return db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email))


def check_password_rules(*, password: str, email: str, field: str = "password") -> None:
    """Raise a DomainError on ``field`` unless ``password`` is acceptable."""
    if len(password or "") < PASSWORD_MIN_LENGTH:
        raise DomainError(
            _("Choose a password of at least %(n)d characters.", n=PASSWORD_MIN_LENGTH),
            field_errors={field: _("At least %(n)d characters.", n=PASSWORD_MIN_LENGTH)},
        )
    if password.strip().lower() == normalise_email(email):
        raise DomainError(
            _("The password must not be your e-mail address."),
            field_errors={field: _("The password must not be your e-mail address.")},
        )


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    # Checking a password against it costs as much as a real check, so the
    # response time does not tell whether an address has an account.
    return generate_password_hash("not a real password", method=PASSWORD_METHOD)


def _config(name: str) -> int:
    return int(current_app.config[name])


# -- registration and confirmation -------------------------------------------

def register_user(*, name: str, email: str, password: str, accepted_privacy: bool,
                  now: datetime | None = None) -> User:
    """Create an unconfirmed account and queue the confirmation e-mail."""
    now = now or utcnow()
    email = normalise_email(email)
    name = (name or "").strip()
    if not accepted_privacy:
        raise DomainError(
            _("Please accept the privacy notice to register."),
            field_errors={"accept_privacy": _("Please accept the privacy notice to register.")},
        )
    if find_user_by_email(email) is not None:
        raise DomainError(
            _("An account with this e-mail address already exists."),
            field_errors={"email": _("An account with this e-mail address already exists. "
                                     "Log in, or reset your password if you forgot it.")},
        )
    check_password_rules(password=password, email=email)
    user = User(name=name, email=email, active=True, created_at=now, updated_at=now)
    user.set_password(password)
    record_consent(user=user, now=now)
    try:
        with db.session.begin_nested():  # two sign-ups racing for one address
            db.session.add(user)
    except IntegrityError:
        raise DomainError(
            _("An account with this e-mail address already exists."),
            field_errors={"email": _("An account with this e-mail address already exists.")},
        ) from None
    record(actor=user, action="user.registered", obj=user, now=now, privacy_accepted=True,
           privacy_notice_version=user.privacy_notice_version)
    send_confirmation_mail(user=user, now=now)
    return user


def send_confirmation_mail(*, user: User, now: datetime | None = None) -> None:
    """Queue a mail with a fresh confirmation link for ``user``."""
    if user.is_confirmed:
        raise AlreadyConfirmed(_("Your e-mail address is already confirmed."))
    token = tokens.make_confirm_token(user, now=now)
    queue_mail(
        to=user.email,
        subject=_("Confirm your e-mail address"),
        template="confirm_email",
        user=user,
        link=url_for("auth.confirm_email", token=token, _external=True),
        hours=_config("CONFIRM_TOKEN_MAX_AGE") // 3600,
    )


def confirm_email(*, token: str, now: datetime | None = None) -> User:
    """Mark the address in ``token`` as confirmed.

    Raises DomainError for an expired, tampered or outdated link and
    :class:`AlreadyConfirmed` when there is nothing to do.
    """
    now = now or utcnow()
    try:
        payload = tokens.read_confirm_token(
            token, max_age=_config("CONFIRM_TOKEN_MAX_AGE"), now=now)
    except tokens.TokenExpired:
        raise DomainError(_("This confirmation link has expired. Ask for a new one.")) from None
    except tokens.TokenError:
        raise DomainError(_("This confirmation link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, payload["uid"])
    # An address changed since the link was sent must be confirmed anew.
    if user is None or not user.active or user.email != payload["email"]:
        raise DomainError(_("This confirmation link is not valid. Ask for a new one.")) from None
    if user.is_confirmed:
        raise AlreadyConfirmed(_("Your e-mail address is already confirmed."))
    user.confirmed_at = now
    record(actor=user, action="user.email_confirmed", obj=user, now=now)
    db.session.flush()
    return user


# -- login -------------------------------------------------------------------

def authenticate(*, email: str, password: str, now: datetime | None = None) -> User:
    """The active user with this e-mail and password, with ``last_login_at`` set.

    Every refusal (unknown address, wrong password, deactivated account) says
    the same thing, so the answer does not reveal which accounts exist.
    """
    now = now or utcnow()
    user = find_user_by_email(email)
    if user is None:
        check_password_hash(_dummy_hash(), password or "")
        ok = False
    else:
        ok = user.check_password(password or "") and user.active
    if not ok:
        raise DomainError(_("Invalid e-mail or password."))
    user.last_login_at = now
    record(actor=user, action="user.logged_in", obj=user, now=now)
    db.session.flush()
    return user


# -- password reset ----------------------------------------------------------

def request_password_reset(*, email: str, now: datetime | None = None) -> None:
    """Queue a reset link if an active account has this address; otherwise do
    nothing. The caller answers the same either way."""
    user = find_user_by_email(email)
    if user is None or not user.active:
        return
    token = tokens.make_reset_token(user, now=now)
    queue_mail(
        to=user.email,
        subject=_("Reset your password"),
        template="reset_password",
        user=user,
        link=url_for("auth.reset_password", token=token, _external=True),
        minutes=_config("RESET_TOKEN_MAX_AGE") // 60,
    )


def user_for_reset_token(*, token: str, now: datetime | None = None) -> User:
    """The user a reset link was issued to, if the link is still good: signed,
    not expired, and the password unchanged since it was sent."""
    now = now or utcnow()
    try:
        payload = tokens.read_reset_token(token, max_age=_config("RESET_TOKEN_MAX_AGE"), now=now)
    except tokens.TokenExpired:
        raise DomainError(_("This password reset link has expired. Ask for a new one.")) from None
    except tokens.TokenError:
        raise DomainError(_("This password reset link is not valid. Ask for a new one.")) from None
    user = db.session.get(User, payload["uid"])
    if (user is None or not user.active
            or payload["fp"] != user.password_fingerprint):
        raise DomainError(
            _("This password reset link has already been used or is no longer valid. "
              "Ask for a new one."))
    return user


def reset_password(*, token: str, password: str, now: datetime | None = None) -> User:
    """Set a new password through a reset link; the link then stops working.

    The link reached the user's mailbox, so an unconfirmed address counts as
    confirmed from now on.
    """
    now = now or utcnow()
    user = user_for_reset_token(token=token, now=now)
    check_password_rules(password=password, email=user.email)
    user.set_password(password)
    confirmed_now = not user.is_confirmed
    if confirmed_now:
        user.confirmed_at = now
    record(actor=user, action="user.password_reset", obj=user, now=now,
           email_confirmed=confirmed_now)
    db.session.flush()
    return user


# -- administration ----------------------------------------------------------

def grant_role(*, user: User, role: str, actor: User | None = None,
               now: datetime | None = None) -> bool:
    """Grant ``role`` (admin or jury) to ``user``; False if they already hold it."""
    if role not in GRANTED_ROLES:
        raise DomainError(_("Unknown role %(role)s: choose one of %(roles)s.",
                            role=role, roles=", ".join(GRANTED_ROLES)))
    now = now or utcnow()
    if any(grant.role == role for grant in user.granted_roles):
        return False
    user.granted_roles.append(UserRole(role=role, granted_at=now))
    record(actor=actor, action="user.role_granted", obj=user, now=now, role=role)
    db.session.flush()
    return True


def create_admin(*, email: str, name: str | None = None, password: str | None = None,
                 now: datetime | None = None) -> tuple[User, bool]:
    """Create a confirmed admin, or grant the admin role to an existing user.

    Returns ``(user, created)``. A new account needs ``password``.
    """
    now = now or utcnow()
    email = normalise_email(email)
    user = find_user_by_email(email)
    if user is not None:
        grant_role(user=user, role=ADMIN, now=now)
        return user, False
    if "@" not in email or email.startswith("@") or email.endswith("@"):
        raise DomainError(_("%(email)s is not an e-mail address.", email=email),
                          field_errors={"email": _("Enter a valid e-mail address.")})
    if password is None:
        raise DomainError(_("A new account needs a password."),
                          field_errors={"password": _("Required.")})
    check_password_rules(password=password, email=email)
    user = User(email=email, name=(name or email.split("@")[0]).strip(), active=True,
                confirmed_at=now, created_at=now, updated_at=now)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    record(actor=None, action="user.created", obj=user, now=now, via="cli")
    grant_role(user=user, role=ADMIN, now=now)
    return user, True
