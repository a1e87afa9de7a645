"""Admin API tokens: created (shown once), listed, revoked, and checked on each
``Authorization: Bearer`` request.

Only the SHA-256 digest of a token is stored. A lookup by digest is constant-time
safe by construction: the secret is never compared character by character, only
its digest is searched for in a unique index.
"""
from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from alliance.api.models import ApiToken
from alliance.auth import policy
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.extensions import db

TOKEN_PREFIX = "alk_"
PREFIX_LENGTH = 12  # what lists show: "alk_" and the first 8 characters
TOUCH_EVERY = timedelta(minutes=1)  # last_used_at is written at most this often


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()


def create_token(*, user, name: str, expires_at: datetime | None,
                 now: datetime) -> tuple[ApiToken, str]:
    """Create a token for the admin ``user``; return it with the plain token, which
    is never stored and so can be shown only now."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the token a name."))
    if expires_at is not None and expires_at <= now:
        raise DomainError(_("The expiry must be in the future."))
    if not policy.can_use_admin_api(user):
        raise DomainError(_("You are not allowed to do this."))
    plain = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user_id=user.id, name=name[:80], token_hash=digest(plain),
                     prefix=plain[:PREFIX_LENGTH], created_at=now, expires_at=expires_at)
    db.session.add(token)
    db.session.flush()
    record(actor=user, action="api_token.created", obj=token, now=now, name=token.name,
           prefix=token.prefix, owner_id=user.id)
    return token, plain


def revoke_token(*, token: ApiToken, user, now: datetime) -> ApiToken:
    """Revoke ``token`` at once (an admin may revoke any admin's token)."""
    if token.revoked_at is not None:
        raise DomainError(_("This token is already revoked."))
    token.revoked_at = now
    db.session.flush()
    record(actor=user, action="api_token.revoked", obj=token, now=now, name=token.name,
           prefix=token.prefix, owner_id=token.user_id)
    return token


def all_tokens() -> list[ApiToken]:
    """Every token, newest first, with its owner."""
    return list(db.session.scalars(
        sa.select(ApiToken).options(joinedload(ApiToken.user))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())))


def parse_bearer(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None."""
    scheme, _sep, value = (header or "").strip().partition(" ")
    value = value.strip()
    if scheme.lower() != "bearer" or not value or len(value) > 200:
        return None
    return value


def token_user(plain: str | None, *, now: datetime):
    """``(token, user)`` for a usable token, or ``(None, None)``. Notes the use, at most
    once a minute per token (a write on every request would cost more than it tells)."""
    if not plain:
        return None, None
    token = db.session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == digest(plain))
        .options(joinedload(ApiToken.user)))
    if token is None or not token.is_usable(now):
        return None, None
    if token.last_used_at is None or now - token.last_used_at >= TOUCH_EVERY:
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token.id)
                           .values(last_used_at=now)
                           .execution_options(synchronize_session=False))
        db.session.commit()
    return token, token.user
