"""Deadline reminders: a start-up whose proposal to an open challenge is still a draft
hears about the deadline 7 days and 24 hours before it (``flask reminders send``, run
by cron).

Each reminder goes once only to each person: a :class:`ReminderSent` row is written
with the message, in the same transaction; a run skips those already written, and
their unique key (challenge, kind, user, deadline) stops a second one when two runs
overlap; a deadline moved later is reminded of again. A run that comes late (inside the last
24 hours, the 7-day reminder never sent) sends only the 24-hour one. Start-ups that
submitted hear nothing: their receipt told them what they need.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _

from alliance.auth.models import User
from alliance.challenges.briefs import brief_for
from alliance.challenges.models import PUBLISHED, Challenge
from alliance.core.audit import record
from alliance.core.mail import in_language_of, queue_mail
from alliance.extensions import db
from alliance.notifications.models import DEADLINE_7D, DEADLINE_24H, ReminderSent
from alliance.proposals.models import DRAFT, Proposal
from alliance.startups.models import StartupMembership

WINDOWS = {DEADLINE_7D: timedelta(days=7), DEADLINE_24H: timedelta(hours=24)}


@dataclass
class ReminderRun:
    """What one run sent: ``(challenge id, kind, user id)`` for each e-mail."""

    sent: list[tuple[int, str, int]] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for _challenge, k, _user in self.sent if k == kind)


def reminder_kind(challenge: Challenge, now: datetime) -> str | None:
    """The reminder due for ``challenge`` now: the 24-hour one inside the last 24 hours,
    the 7-day one inside the last 7 days, else none."""
    left = challenge.deadline - now
    if left <= timedelta(0):
        return None
    if left <= WINDOWS[DEADLINE_24H]:
        return DEADLINE_24H
    if left <= WINDOWS[DEADLINE_7D]:
        return DEADLINE_7D
    return None


def _challenges_closing(now: datetime) -> list[Challenge]:
    return list(db.session.scalars(
        sa.select(Challenge)
        .where(Challenge.status == PUBLISHED, Challenge.opens_at <= now,
               Challenge.deadline > now, Challenge.deadline <= now + WINDOWS[DEADLINE_7D])
        .order_by(Challenge.deadline, Challenge.id)
    ))


def _drafters(challenge: Challenge, kind: str) -> list[tuple[User, Proposal]]:
    """Active members of the start-ups whose proposal to ``challenge`` is a draft, who
    have not had this reminder yet."""
    already = (sa.select(ReminderSent.id)
               .where(ReminderSent.challenge_id == challenge.id, ReminderSent.kind == kind,
                      ReminderSent.deadline == challenge.deadline,
                      ReminderSent.user_id == User.id))
    return list(db.session.execute(
        sa.select(User, Proposal)
        .join(StartupMembership, StartupMembership.user_id == User.id)
        .join(Proposal, Proposal.startup_id == StartupMembership.startup_id)
        .where(Proposal.challenge_id == challenge.id, Proposal.status == DRAFT,
               User.active.is_(True), ~already.exists())
        .order_by(User.id)
    ).all())


def _queue(challenge: Challenge, kind: str, user: User, proposal: Proposal) -> None:
    with in_language_of(user):
        title = brief_for(challenge, user.locale or None).title
        if kind == DEADLINE_24H:
            subject = _("Last 24 hours to submit your proposal to “%(title)s”", title=title)
        else:
            subject = _("7 days left to submit your proposal to “%(title)s”", title=title)
        queue_mail(to=user.email, subject=subject, template="deadline_reminder", user=user,
                   challenge=challenge, title=title, kind=kind, last_day=kind == DEADLINE_24H,
                   link=url_for("proposals.edit", proposal_id=proposal.id, _external=True))


def send_deadline_reminders(*, now: datetime) -> ReminderRun:
    """Queue the deadline reminders due at ``now`` (in each recipient's language, the
    deadline in Europe/Rome), each (challenge, kind, person) once only; the caller
    commits. Should another run send the same reminders at the same moment, the unique
    key makes this run's flush or commit raise ``IntegrityError``: roll back (the other
    run sent them). Links are built with ``url_for``: commands run this inside
    ``core.mail.site_context()``."""
    run = ReminderRun()
    for challenge in _challenges_closing(now):
        kind = reminder_kind(challenge, now)
        if kind is None:
            continue
        for user, proposal in _drafters(challenge, kind):
            db.session.add(ReminderSent(kind=kind, challenge_id=challenge.id, user_id=user.id,
                                        deadline=challenge.deadline, sent_at=now))
            _queue(challenge, kind, user, proposal)
            run.sent.append((challenge.id, kind, user.id))
    if run.sent:  # one event per run that sent something (cron runs often)
        record(actor=None, action="notifications.deadline_reminders_sent", obj=None, now=now,
               deadline_7d=run.count(DEADLINE_7D), deadline_24h=run.count(DEADLINE_24H),
               challenges=sorted({challenge_id for challenge_id, _k, _u in run.sent}))
    return run
