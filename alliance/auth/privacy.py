"""Privacy: the notice users consent to, the copy of their data, the deletion of their
account (GDPR articles 13, 15, 17 and 20).

Deleting an account *anonymises* it: the user row stays (its id is what reviews,
scores, decisions and the audit log point at, so rankings stay consistent), but
nothing in it identifies the person any more, and it can never log in again.
"""
from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.auth.models import ADMIN, User
from alliance.auth.privacy_export import export_user_data
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.core.models import utcnow
from alliance.extensions import db

# The version of the privacy notice (templates/account/notice.html). Change it when
# the notice changes: users' consent records which version they read.
PRIVACY_NOTICE_VERSION = "2026-11"

# Stored, not translated: the row outlives any request and its language.
ANONYMOUS_NAME = "Deleted user #{id}"
# ".invalid" never resolves (RFC 2606): no mail can reach it, and the id keeps it unique.
ANONYMOUS_EMAIL = "deleted-{id}@anonymised.invalid"


def record_consent(*, user: User, now: datetime, audit: bool = False) -> None:
    """Note that ``user`` accepted the current privacy notice at ``now`` (with an audit
    event of its own when ``audit``: registration records it in ``user.registered``)."""
    user.privacy_consent_at = now
    user.privacy_notice_version = PRIVACY_NOTICE_VERSION
    if audit:
        record(actor=user, action="user.consented", obj=user, now=now,
               privacy_notice_version=PRIVACY_NOTICE_VERSION)


def is_anonymised(user: User) -> bool:
    return user.anonymised_at is not None


def _forget_elsewhere(user: User, *, old_email: str, new_email: str, now: datetime) -> dict:
    """Remove what other packages keep about the person (imported here: auth comes
    before them in the import order). Evaluation records are kept."""
    from alliance.api.models import ApiToken
    from alliance.core.outbox import OutgoingMail
    from alliance.evaluation.models import JurorProfile
    from alliance.startups.models import StartupInvitation

    profile = db.session.get(JurorProfile, user.id)
    if profile is not None:  # expertise and employer describe the person
        db.session.delete(profile)
    tokens = db.session.scalars(sa.select(ApiToken).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))).all()
    for token in tokens:
        token.revoked_at = now
    # Invitations addressed to them: the address goes; a pending link stops working
    # (its signed payload carries the old address).
    for invitation in db.session.scalars(sa.select(StartupInvitation).where(
            sa.func.lower(StartupInvitation.email) == old_email)):
        invitation.email = new_email
    # Mail to them (sent or waiting) holds their address and name.
    mails = 0
    for mail in db.session.scalars(sa.select(OutgoingMail).where(
            sa.cast(OutgoingMail.recipients, sa.Text).contains(old_email))):
        recipients = [r for r in mail.recipients if str(r).strip().lower() != old_email]
        if len(recipients) == len(mail.recipients):
            continue  # the address was only part of another one
        mails += 1
        if recipients:
            mail.recipients = recipients
        else:
            db.session.delete(mail)
    return {"juror_profile": profile is not None, "api_tokens_revoked": len(tokens),
            "mails_forgotten": mails}


def anonymise_user(*, user: User, actor: User | None, now: datetime | None = None) -> User:
    """Delete ``user``'s account by anonymising it (by the user, or later by an admin).

    Name, address, password, language and login times are replaced; the account is
    deactivated (every session ends); granted roles, memberships, the juror profile
    and API tokens go. Reviews, scores, comments for the committee, conflicts,
    decisions and audit events stay, pointing at the same (now anonymous) user, so
    evaluations and rankings read the same. A start-up whose last member leaves
    stays, with its proposals: they are the company's. Refused for the last
    active admin and for an account already anonymised.
    """
    now = now or utcnow()
    if is_anonymised(user):
        raise DomainError(_("This account has already been deleted."))
    # The admins' rows are locked before counting: two admins deleting each other at
    # once cannot both see "another admin is left".
    from alliance.auth.management import active_admin_count  # management -> services -> here

    if ADMIN in user.roles and user.active and active_admin_count() <= 1:
        raise DomainError(_("You are the only active administrator: give the admin role to "
                            "someone else before deleting this account."))
    old_email = (user.email or "").strip().lower()
    new_email = ANONYMOUS_EMAIL.format(id=user.id)
    roles = sorted(user.roles)
    forgotten = _forget_elsewhere(user, old_email=old_email, new_email=new_email, now=now)
    user.granted_roles.clear()
    user.partner_membership = None
    user.startup_membership = None
    user.name = ANONYMOUS_NAME.format(id=user.id)
    user.email = new_email
    user.set_password(secrets.token_urlsafe(48))  # nobody knows it
    user.active = False
    user.locale = None
    user.confirmed_at = None
    user.last_login_at = None
    user.anonymised_at = now
    user.updated_at = now
    db.session.flush()
    record(actor=actor, action="user.anonymised", obj=user, now=now,
           by_self=getattr(actor, "id", None) == user.id, roles=roles, **forgotten)
    return user


def delete_own_account(*, user: User, password: str, now: datetime | None = None) -> User:
    """The user deletes their own account ("My data"), proving with their password
    that it is them; then as :func:`anonymise_user`."""
    if not user.check_password(password or ""):
        message = _("This is not your password.")
        raise DomainError(message, field_errors={"password": message})
    return anonymise_user(user=user, actor=user, now=now)


def export_own_data(*, user: User, now: datetime) -> dict:
    """Everything held about ``user`` (:func:`export_user_data`), for them to download;
    the download is audited."""
    data = export_user_data(user=user, now=now)
    record(actor=user, action="user.data_exported", obj=user, now=now)
    return data


__all__ = ["ANONYMOUS_EMAIL", "ANONYMOUS_NAME", "PRIVACY_NOTICE_VERSION", "anonymise_user",
           "delete_own_account", "export_own_data", "export_user_data", "is_anonymised", "record_consent"]
