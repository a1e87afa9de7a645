"""Partner companies: who works for them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.auth.models import User
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.extensions import db
from alliance.partners.models import Partner, PartnerMembership


def add_member(*, partner: Partner, email: str, user, now: datetime) -> PartnerMembership:
    """Make the account registered with ``email`` a member of ``partner`` (admins).

    A person works for one company: someone already in another partner or in a
    start-up is refused.
    """
    email = (email or "").strip()
    member = db.session.scalar(sa.select(User).where(sa.func.lower(User.email) == email.lower()))
    if member is None:
        raise DomainError(_("Nobody has registered with this address; ask them to register "
                            "first."), field_errors={"email": _("No account with this e-mail.")})
    existing = member.partner_membership
    if existing is not None:
        if existing.partner_id == partner.id:
            message = _("%(name)s is already a member of %(partner)s.", name=member.name,
                        partner=partner.name)
        else:
            message = _("%(name)s already works for %(partner)s: remove them there first.",
                        name=member.name, partner=existing.partner.name)
        raise DomainError(message, field_errors={"email": message})
    if member.startup_membership is not None:
        message = _("%(name)s belongs to a start-up and cannot also be a partner member.",
                    name=member.name)
        raise DomainError(message, field_errors={"email": message})
    membership = PartnerMembership(user=member, partner=partner, added_at=now)
    db.session.add(membership)
    db.session.flush()
    record(actor=user, action="partner.member_added", obj=partner, now=now,
           user_id=member.id)
    return membership


def remove_member(*, membership: PartnerMembership, user, now: datetime) -> None:
    """End a user's membership of a partner company (admins)."""
    partner, member = membership.partner, membership.user
    record(actor=user, action="partner.member_removed", obj=partner, now=now,
           user_id=member.id)
    db.session.delete(membership)
    db.session.flush()
    db.session.expire(member, ["partner_membership"])
    db.session.expire(partner, ["memberships"])
