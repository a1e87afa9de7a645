"""What happens to a pilot once the matching has proposed it.

    accept_pilot(*, pilot, user, now)              one side accepts; both -> accepted
    decline_pilot(*, pilot, user, reason, now)     either side declines -> declined
    start_pilot(*, pilot, user, now)               accepted -> running
    complete_pilot(*, pilot, user, outcome, now)   running -> completed
    contacts(pilot) -> PilotContacts               the two sides' people

Each transition checks the rule (``policy``), writes an audit event and e-mails the
people who must act, each in their own language: both sides get each other's
contact details once both have accepted; a decline goes to the other side and to
the admins, who may re-match the slot.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from alliance.auth import policy
from alliance.auth.models import ADMIN, User, UserRole
from alliance.core.audit import record as audit
from alliance.core.errors import DomainError, IllegalTransition
from alliance.core.mail import in_language_of, queue_mail
from alliance.extensions import db
from alliance.matching.models import (
    ACCEPTED,
    COMPLETED,
    DECLINED,
    PARTNER_SIDE,
    PROPOSED,
    RUNNING,
    STARTUP_SIDE,
    Pilot,
)
from alliance.partners.models import PartnerMembership
from alliance.startups.models import StartupMembership

STATUS_LABELS = {
    PROPOSED: _l("Waiting for answers"),
    ACCEPTED: _l("Agreed"),
    DECLINED: _l("Declined"),
    RUNNING: _l("Running"),
    COMPLETED: _l("Completed"),
}
REASON_MAX = 2000


@dataclass(frozen=True, slots=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True, slots=True)
class PilotContacts:
    startup_name: str
    startup_people: list[Person]
    partner_name: str
    partner_people: list[Person]


# -- who is on each side -----------------------------------------------------------------

def _startup_members(pilot: Pilot) -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(StartupMembership, StartupMembership.user_id == User.id)
        .where(StartupMembership.startup_id == pilot.startup_id, User.active.is_(True))
        .order_by(User.name, User.id)))


def _partner_members(pilot: Pilot) -> list[User]:
    """The lead partner's people: the slot is theirs."""
    return list(db.session.scalars(
        sa.select(User).join(PartnerMembership, PartnerMembership.user_id == User.id)
        .where(PartnerMembership.partner_id == pilot.challenge.lead_partner_id,
               User.active.is_(True))
        .order_by(User.name, User.id)))


def _admins() -> list[User]:
    return list(db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == ADMIN, User.active.is_(True)).order_by(User.id)))


def _people(users: list[User]) -> list[Person]:
    return [Person(u.name, u.email) for u in users]


def contacts(pilot: Pilot) -> PilotContacts:
    """Both sides' names and e-mail addresses. Call it only where
    ``policy.can_view_pilot_contacts`` allows."""
    return PilotContacts(
        startup_name=pilot.startup.name, startup_people=_people(_startup_members(pilot)),
        partner_name=pilot.challenge.lead_partner.name,
        partner_people=_people(_partner_members(pilot)),
    )


# -- mail ----------------------------------------------------------------------------------

def _mail_each(users, *, subject, template: str, **context) -> None:
    """One message per recipient, in their language; ``subject`` is a function
    called inside it (so that it is translated for them)."""
    for user in users:
        with in_language_of(user):
            queue_mail(to=user.email, subject=subject(), template=template, recipient=user,
                       **context)


def _pilot_url(pilot: Pilot) -> str:
    return url_for("pilots.detail", pilot_id=pilot.id, _external=True)


def _rematch_url(pilot: Pilot) -> str:
    return url_for("matching_admin.call", call_id=pilot.call_id, _external=True)


# -- transitions ---------------------------------------------------------------------------

def _side_of(user, pilot: Pilot) -> str:
    side = policy.pilot_side(user, pilot)
    if side is None:
        raise DomainError(_("Only the start-up and the partner whose slot it is can answer "
                            "this pilot."))
    return side


def _still_proposed(pilot: Pilot) -> None:
    if pilot.status != PROPOSED:
        raise IllegalTransition(_("This pilot is no longer waiting for answers. Its state: "
                                  "%(status)s.", status=STATUS_LABELS[pilot.status]))


def _lock(pilot: Pilot) -> None:
    """Read the pilot afresh under a row lock: when both sides answer at the same
    moment, the second must see the first's acceptance (or the pilot would stay
    proposed with both sides having accepted)."""
    db.session.execute(sa.select(Pilot.id).where(Pilot.id == pilot.id).with_for_update())
    db.session.refresh(pilot)


def _may_respond(user, pilot: Pilot) -> str:
    _lock(pilot)
    side = _side_of(user, pilot)
    _still_proposed(pilot)
    if pilot.accepted_by(side):
        raise IllegalTransition(_("Your side has already accepted this pilot."))
    if not policy.can_respond_to_pilot(user, pilot):
        raise DomainError(_("You are not allowed to do this."))
    return side


def accept_pilot(*, pilot: Pilot, user, now: datetime) -> Pilot:
    """Record the acceptance of ``user``'s side. When both sides have accepted, the
    pilot is agreed and each side is e-mailed the other's contact details."""
    side = _may_respond(user, pilot)
    if side == STARTUP_SIDE:
        pilot.startup_accepted_at, pilot.startup_accepted_by_id = now, user.id
    else:
        pilot.partner_accepted_at, pilot.partner_accepted_by_id = now, user.id
    db.session.flush()
    audit(actor=user, action="matching.pilot_accepted", obj=pilot, now=now, side=side)
    if pilot.accepted_by(STARTUP_SIDE) and pilot.accepted_by(PARTNER_SIDE):
        pilot.status = ACCEPTED
        db.session.flush()
        audit(actor=user, action="matching.pilot_agreed", obj=pilot, now=now)
        _mail_agreed(pilot)
    return pilot


def _mail_agreed(pilot: Pilot) -> None:
    startup_users, partner_users = _startup_members(pilot), _partner_members(pilot)
    challenge = pilot.challenge

    def subject():
        return _("Pilot agreed: “%(challenge)s”", challenge=challenge.title)

    common = dict(pilot=pilot, challenge=challenge, url=_pilot_url(pilot))
    _mail_each(startup_users, subject=subject, template="pilot_agreed",
               other_name=challenge.lead_partner.name, other_people=_people(partner_users),
               **common)
    _mail_each(partner_users, subject=subject, template="pilot_agreed",
               other_name=pilot.startup.name, other_people=_people(startup_users), **common)


def decline_pilot(*, pilot: Pilot, user, reason: str, now: datetime) -> Pilot:
    """Decline the pilot for ``user``'s side, with a reason. The other side and the
    admins are told; the admins may offer the slot to the next best candidate."""
    side = _may_respond(user, pilot)
    reason = (reason or "").strip()
    if not reason:
        message = _("Write why you decline: the other side and the Alliance's staff read it.")
        raise DomainError(message, field_errors={"reason": _("A reason is required.")})
    if len(reason) > REASON_MAX:
        message = _("Keep the reason under %(n)d characters.", n=REASON_MAX)
        raise DomainError(message, field_errors={"reason": message})
    pilot.status = DECLINED
    pilot.declined_at, pilot.declined_by_id = now, user.id
    pilot.declined_side, pilot.decline_reason = side, reason
    db.session.flush()
    audit(actor=user, action="matching.pilot_declined", obj=pilot, now=now, side=side,
          reason=reason)
    _mail_declined(pilot, side)
    return pilot


def _mail_declined(pilot: Pilot, side: str) -> None:
    challenge = pilot.challenge
    others = _partner_members(pilot) if side == STARTUP_SIDE else _startup_members(pilot)
    by = pilot.startup.name if side == STARTUP_SIDE else challenge.lead_partner.name
    common = dict(pilot=pilot, challenge=challenge, declined_by=by, side=side,
                  reason=pilot.decline_reason)
    _mail_each(others, template="pilot_declined", url=_pilot_url(pilot),
               subject=lambda: _("Pilot declined: “%(challenge)s”", challenge=challenge.title),
               **common)
    _mail_each(_admins(), template="pilot_declined_admin", url=_rematch_url(pilot),
               pilot_url=_pilot_url(pilot),
               subject=lambda: _("A pilot was declined: “%(challenge)s” needs a re-match",
                                 challenge=challenge.title),
               **common)


def _may_advance(user, pilot: Pilot, expected: str, message: str) -> None:
    _lock(pilot)
    if pilot.status != expected:
        raise IllegalTransition(message)
    if not policy.can_advance_pilot(user, pilot):
        raise DomainError(_("Only the partner whose slot it is, or the Alliance's staff, can "
                            "move a pilot forward."))


def start_pilot(*, pilot: Pilot, user, now: datetime) -> Pilot:
    """An agreed pilot starts running."""
    _may_advance(user, pilot, ACCEPTED,
                 _("Only an agreed pilot (accepted by both sides) can start."))
    pilot.status, pilot.started_at = RUNNING, now
    db.session.flush()
    audit(actor=user, action="matching.pilot_started", obj=pilot, now=now)
    return pilot


def complete_pilot(*, pilot: Pilot, user, outcome: str, now: datetime) -> Pilot:
    """A running pilot is completed, with a short account of its outcome."""
    _may_advance(user, pilot, RUNNING, _("Only a running pilot can be completed."))
    outcome = (outcome or "").strip()
    if not outcome:
        message = _("Describe the outcome of the pilot.")
        raise DomainError(message, field_errors={"outcome": _("The outcome is required.")})
    pilot.status, pilot.completed_at, pilot.outcome = COMPLETED, now, outcome
    db.session.flush()
    audit(actor=user, action="matching.pilot_completed", obj=pilot, now=now, outcome=outcome)
    return pilot


__all__ = [
    "STATUS_LABELS", "PilotContacts", "Person", "accept_pilot",
    "complete_pilot", "contacts", "decline_pilot", "start_pilot",
]
