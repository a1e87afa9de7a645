"""Account management by admins: grant and revoke roles, deactivate and reactivate.

Plain functions with keyword-only arguments. They flush, never commit, write an
audit event and raise :class:`~alliance.core.errors.DomainError` when a rule
refuses the action. Two rules keep the site governable: an admin cannot lock
themselves out (deactivate themselves, drop their own admin role), and the last
active admin can be neither deactivated nor demoted.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.auth import privacy, services
from alliance.auth.models import ADMIN, GRANTED_ROLES, User, UserRole
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.core.models import utcnow
from alliance.extensions import db


def _check_role(role: str) -> None:
    if role not in GRANTED_ROLES:
        raise DomainError(_("Unknown role %(role)s: choose one of %(roles)s.",
                            role=role, roles=", ".join(GRANTED_ROLES)))


def active_admin_count() -> int:
    """How many active accounts hold the admin role.

    The admins' rows are locked first (``FOR UPDATE`` on PostgreSQL; SQLite writes one
    at a time anyway), then counted again in a fresh statement: two admins demoting
    each other at the same moment cannot both see "another admin is left".
    """
    active_admins = (sa.select(User.id).join(UserRole, UserRole.user_id == User.id)
                     .where(UserRole.role == ADMIN, User.active.is_(True)))
    db.session.execute(active_admins.with_for_update(of=User)).all()
    return db.session.scalar(sa.select(sa.func.count()).select_from(active_admins.subquery()))


def _is_active_admin(user: User) -> bool:
    return user.active and any(grant.role == ADMIN for grant in user.granted_roles)


def _refuse_losing_last_admin(user: User) -> None:
    if _is_active_admin(user) and active_admin_count() <= 1:
        raise DomainError(_("%(name)s is the last active admin: make someone else an admin "
                            "first.", name=user.name))


def _refuse_deleted(user: User) -> None:
    if user.anonymised_at is not None:
        raise DomainError(_("This account was deleted at its owner’s request: it cannot be "
                            "used again."))


def grant_role(*, user: User, role: str, actor: User, now: datetime | None = None) -> None:
    """Grant ``role`` (admin or jury) to ``user``; refused if they already hold it, and
    for a deleted (anonymised) account."""
    _check_role(role)
    _refuse_deleted(user)
    if not services.grant_role(user=user, role=role, actor=actor, now=now or utcnow()):
        raise DomainError(_("%(name)s already holds the %(role)s role.",
                            name=user.name, role=role))


def revoke_role(*, user: User, role: str, actor: User, now: datetime | None = None) -> None:
    """Take the granted ``role`` away from ``user``.

    Refused for a role they do not hold, for an admin's own admin role and for the
    last active admin's.
    """
    _check_role(role)
    grant = next((g for g in user.granted_roles if g.role == role), None)
    if grant is None:
        raise DomainError(_("%(name)s does not hold the %(role)s role.",
                            name=user.name, role=role))
    if role == ADMIN:
        if user.id == getattr(actor, "id", None):
            raise DomainError(_("You cannot revoke your own admin role: ask another admin."))
        _refuse_losing_last_admin(user)
    user.granted_roles.remove(grant)
    record(actor=actor, action="user.role_revoked", obj=user, now=now or utcnow(), role=role)
    db.session.flush()


def deactivate_user(*, user: User, actor: User, now: datetime | None = None) -> None:
    """Close ``user``'s account: they can no longer log in, and every session and
    remember-me cookie of theirs stops working at its next request (the session
    loader refuses inactive users)."""
    if not user.active:
        raise DomainError(_("%(name)s's account is already deactivated.", name=user.name))
    if user.id == getattr(actor, "id", None):
        raise DomainError(_("You cannot deactivate your own account."))
    _refuse_losing_last_admin(user)
    user.active = False
    record(actor=actor, action="user.deactivated", obj=user, now=now or utcnow())
    db.session.flush()


def delete_account_on_request(*, user: User, actor: User,
                              now: datetime | None = None) -> User:
    """An admin deletes (anonymises) ``user``'s account because its owner asked by
    letter or e-mail; an admin's own account goes from "My data", with the password."""
    if user.id == getattr(actor, "id", None):
        raise DomainError(_("Delete your own account from “My data”."))
    return privacy.anonymise_user(user=user, actor=actor, now=now or utcnow())


def reactivate_user(*, user: User, actor: User, now: datetime | None = None) -> None:
    """Open a deactivated account again (its roles and memberships were kept); never a
    deleted (anonymised) one."""
    _refuse_deleted(user)
    if user.active:
        raise DomainError(_("%(name)s's account is already active.", name=user.name))
    user.active = True
    record(actor=actor, action="user.reactivated", obj=user, now=now or utcnow())
    db.session.flush()
