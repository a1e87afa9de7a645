"""The challenge lifecycle, one function per transition.

    draft -> submitted -> published -> closed -> in_evaluation -> decided -> archived
                 |            | (not yet open)
                 +-----+------+--> draft (sent back by an admin, with a comment)

Each function checks who acts (through the policy), the current state and the
time, changes the status, writes an audit event, queues the e-mails, and
raises :class:`IllegalTransition` with a message for the user otherwise.
Views never set ``status`` themselves.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.auth import policy
from alliance.challenges.models import (
    ARCHIVED,
    CLOSED,
    DECIDED,
    DRAFT,
    IN_EVALUATION,
    PUBLISHED,
    SUBMITTED,
    Challenge,
)
from alliance.challenges.services import active_admins, list_options, partner_members
from alliance.core.audit import record
from alliance.core.errors import IllegalTransition
from alliance.core.mail import in_language_of, queue_mail
from alliance.extensions import db


def _expect(challenge: Challenge, *states: str, message: str) -> None:
    if challenge.status not in states:
        raise IllegalTransition(message)


def _allowed(allowed: bool) -> None:
    if not allowed:
        raise IllegalTransition(_("You are not allowed to do this."))


def _move(challenge: Challenge, *, to: str, user, now: datetime, action: str, **data) -> None:
    previous = challenge.status
    challenge.status = to
    db.session.flush()
    record(actor=user, action=action, obj=challenge, now=now, **{"from": previous, "to": to},
           **data)


def submit_for_approval(*, challenge: Challenge, user, now: datetime) -> Challenge:
    """draft -> submitted: the lead partner (or an admin) asks for publication.
    The challenge needs evaluation criteria, terms and a deadline still ahead."""
    # Who first, then the state (with its own message), then the policy's whole rule.
    _allowed(policy.can_manage_challenge(user, challenge))
    _expect(challenge, DRAFT, message=_("Only a draft can be sent for approval."))
    _allowed(policy.can_submit_challenge_for_approval(user, challenge))
    if not challenge.criteria:
        raise IllegalTransition(_("Add at least one evaluation criterion before sending the "
                                  "challenge for approval."))
    if not challenge.terms:
        raise IllegalTransition(_("Add the terms (intellectual property and confidentiality) "
                                  "before sending the challenge for approval."))
    if challenge.deadline_passed(now):
        raise IllegalTransition(_("The deadline has already passed: set a new one first."))
    challenge.status_comment = ""
    _move(challenge, to=SUBMITTED, user=user, now=now, action="challenge.submitted")
    for admin in active_admins():
        with in_language_of(admin):
            queue_mail(to=admin.email, subject=_("Challenge to approve: %(title)s",
                                                 title=challenge.title),
                       template="challenge_submitted", challenge=challenge, user=user)
    return challenge


def approve(*, challenge: Challenge, user, now: datetime) -> Challenge:
    """submitted -> published (admins); open to start-ups from its opening time."""
    _allowed(policy.can_moderate_challenge(user, challenge))
    _expect(challenge, SUBMITTED, message=_("Only a challenge waiting for approval can be "
                                            "approved."))
    if challenge.deadline_passed(now):
        raise IllegalTransition(_("The deadline has already passed: send the challenge back "
                                  "to draft so that its partner sets a new one."))
    challenge.published_at = now
    challenge.status_comment = ""
    _move(challenge, to=PUBLISHED, user=user, now=now, action="challenge.approved")
    for member in partner_members(challenge.lead_partner_id):
        with in_language_of(member):
            queue_mail(to=member.email, subject=_("Your challenge is published: %(title)s",
                                                  title=challenge.title),
                       template="challenge_approved", challenge=challenge)
    return challenge


def return_to_draft(*, challenge: Challenge, user, now: datetime, comment: str) -> Challenge:
    """submitted, or published but not yet open -> draft, with a comment for the partner
    (admins)."""
    _allowed(policy.can_moderate_challenge(user, challenge))
    comment = (comment or "").strip()
    if not comment:
        raise IllegalTransition(_("Explain to the partner what to change: the comment is "
                                  "required."), field_errors={"comment": _("Write a comment.")})
    if challenge.status == PUBLISHED and challenge.opens_at <= now:
        raise IllegalTransition(_("The challenge is already open to start-ups: it can no "
                                  "longer go back to draft."))
    _expect(challenge, SUBMITTED, PUBLISHED,
            message=_("Only a challenge waiting for approval or not yet open can go back "
                      "to draft."))
    challenge.status_comment = comment
    challenge.published_at = None
    _move(challenge, to=DRAFT, user=user, now=now, action="challenge.returned", comment=comment)
    for member in partner_members(challenge.lead_partner_id):
        with in_language_of(member):
            queue_mail(to=member.email, subject=_("Your challenge needs changes: %(title)s",
                                                  title=challenge.title),
                       template="challenge_returned", challenge=challenge, comment=comment)
    return challenge


def _close(challenge: Challenge, *, user, now: datetime) -> Challenge:
    _expect(challenge, PUBLISHED, message=_("Only a published challenge can be closed."))
    if not challenge.deadline_passed(now):
        raise IllegalTransition(_("The challenge can be closed only once its deadline has "
                                  "passed."))
    _move(challenge, to=CLOSED, user=user, now=now, action="challenge.closed")
    return challenge


def close(*, challenge: Challenge, user, now: datetime) -> Challenge:
    """published -> closed, once the deadline has passed (admins)."""
    _allowed(policy.can_moderate_challenge(user, challenge))
    return _close(challenge, user=user, now=now)


def close_expired(*, now: datetime) -> list[Challenge]:
    """Close every published challenge whose deadline has passed (the scheduled job)."""
    due = list(db.session.scalars(
        sa.select(Challenge)
        .where(Challenge.status == PUBLISHED, Challenge.deadline <= now)
        .options(*list_options())
        .order_by(Challenge.deadline)
    ))
    for challenge in due:
        _close(challenge, user=None, now=now)
    return due


def start_evaluation(*, challenge: Challenge, user, now: datetime) -> Challenge:
    """closed -> in evaluation (admins)."""
    _allowed(policy.can_moderate_challenge(user, challenge))
    _expect(challenge, CLOSED, message=_("Only a closed challenge can go into evaluation."))
    _move(challenge, to=IN_EVALUATION, user=user, now=now, action="challenge.evaluation_started")
    return challenge


def decide(*, challenge: Challenge, user, now: datetime) -> Challenge:
    """in evaluation -> decided (admins)."""
    _allowed(policy.can_moderate_challenge(user, challenge))
    _expect(challenge, IN_EVALUATION,
            message=_("Only a challenge in evaluation can be marked as decided."))
    _move(challenge, to=DECIDED, user=user, now=now, action="challenge.decided")
    return challenge


def archive(*, challenge: Challenge, user, now: datetime) -> Challenge:
    """decided -> archived (admins)."""
    _allowed(policy.can_moderate_challenge(user, challenge))
    _expect(challenge, DECIDED, message=_("Only a decided challenge can be archived."))
    _move(challenge, to=ARCHIVED, user=user, now=now, action="challenge.archived")
    return challenge
