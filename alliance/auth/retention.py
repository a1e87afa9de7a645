"""Retention of proposals that were not selected (GDPR storage limitation).

An admin sets how many days after a challenge's decision its proposals that were
not selected are kept (``proposal_retention_days``; unset: forever). The purge
(``flask --app wsgi privacy purge``, run by cron) then removes their content: the
texts, the attachment (file and row) and the submitted snapshots. The proposal row
stays with its id, start-up, status, digests, scores, reviews and decision, so
rankings and decision records remain readable; ``purged_at`` marks it.

Selected means a decision ``shortlisted`` or ``winner`` (or a pilot). Not selected:
decided ``not_selected``, withdrawn, or never submitted (a draft), on a challenge
that is decided (or archived).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.core.aftercommit import after_commit
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.core.models import utcnow
from alliance.core.site_settings import get_setting, set_setting
from alliance.extensions import db

RETENTION_KEY = "proposal_retention_days"
# Sent e-mail (its body holds names and one-time links) is kept this long for support,
# then forgotten by the same purge; messages given up stay until then after the last try.
SENT_MAIL_KEPT_DAYS = 30
MAX_RETENTION_DAYS = 36500
REMOVED_TITLE = "Removed proposal #{id}"  # stored, in no language, like the rest


def retention_days() -> int | None:
    """Days proposals that were not selected are kept after the decision (None: forever)."""
    value = get_setting(RETENTION_KEY)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def set_retention_days(*, days: int | None, user, now: datetime | None = None) -> None:
    """Store the retention period (None keeps proposals forever) and audit the change."""
    if days is not None and not 0 <= days <= MAX_RETENTION_DAYS:
        message = _("Enter a number of days between 0 and %(max)d, or leave it empty.",
                    max=MAX_RETENTION_DAYS)
        raise DomainError(message, field_errors={"days": message})
    before = retention_days()
    set_setting(key=RETENTION_KEY, value=days, user=user)
    record(actor=user, action="privacy.retention_changed", obj=None, now=now,
           **{"from": before, "to": days})


@dataclass
class PurgePlan:
    days: int | None
    proposal_ids: list[int] = field(default_factory=list)


def _decided_on() -> dict[int, datetime]:
    """When each decided (or archived) challenge was decided: its latest decision
    record, else its latest decision, else its deadline."""
    from alliance.challenges.models import ARCHIVED, DECIDED, Challenge
    from alliance.evaluation.models import Decision, DecisionRecord
    from alliance.proposals.models import Proposal

    dates: dict[int, datetime] = {}
    for challenge_id, deadline in db.session.execute(
            sa.select(Challenge.id, Challenge.deadline)
            .where(Challenge.status.in_((DECIDED, ARCHIVED)))):
        dates[challenge_id] = deadline
    if not dates:
        return dates
    for challenge_id, at in db.session.execute(
            sa.select(Proposal.challenge_id, sa.func.max(Decision.decided_at))
            .join(Decision, Decision.proposal_id == Proposal.id)
            .where(Proposal.challenge_id.in_(dates)).group_by(Proposal.challenge_id)):
        if at is not None:
            dates[challenge_id] = at
    for challenge_id, at in db.session.execute(
            sa.select(DecisionRecord.challenge_id, sa.func.max(DecisionRecord.created_at))
            .where(DecisionRecord.challenge_id.in_(dates))
            .group_by(DecisionRecord.challenge_id)):
        if at is not None:
            dates[challenge_id] = at
    # max() over a UTCDateTime column skips the type on some drivers: read it back aware.
    return {k: v if v.tzinfo else v.replace(tzinfo=utcnow().tzinfo) for k, v in dates.items()}


def plan_purge(*, now: datetime | None = None) -> PurgePlan:
    """The proposals whose retention period is over (nothing when none is set)."""
    from alliance.evaluation.models import NOT_SELECTED, Decision
    from alliance.matching.models import Pilot
    from alliance.proposals.models import Proposal

    now = now or utcnow()
    days = retention_days()
    plan = PurgePlan(days=days)
    if days is None:
        return plan
    limit = now - timedelta(days=days)
    expired = [cid for cid, at in _decided_on().items() if at <= limit]
    if not expired:
        return plan
    has_pilot = sa.exists().where(Pilot.proposal_id == Proposal.id)
    plan.proposal_ids = list(db.session.scalars(
        sa.select(Proposal.id)
        .outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .where(Proposal.challenge_id.in_(expired), Proposal.purged_at.is_(None), ~has_pilot,
               sa.or_(Decision.outcome == NOT_SELECTED, Decision.id.is_(None)))
        .order_by(Proposal.id)
    ))
    return plan


def _purge_one(proposal, *, folder: str, now: datetime) -> bool:
    """Blank one proposal's content; True if it had an attachment."""
    from alliance.proposals import uploads

    proposal.title = REMOVED_TITLE.format(id=proposal.id)
    proposal.abstract = proposal.description = proposal.team = ""
    proposal.trl = proposal.pilot_duration_months = proposal.pilot_cost_eur = None
    for submission in proposal.submissions:
        # The digest stays: it still proves what was sent, without holding it.
        submission.content = {"purged": True}
    attachment = proposal.attachment
    if attachment is not None:
        path = uploads.storage_path(folder, attachment.storage_name)
        after_commit(db.session(), lambda: uploads.remove_file(path))
        proposal.attachment = None
    proposal.purged_at = now
    proposal.updated_at = now
    return attachment is not None


def purge_proposals(*, folder: str, now: datetime | None = None, dry_run: bool = False,
                    actor=None) -> dict:
    """Remove the content of the proposals whose retention period is over.

    Flushes (the caller commits); attachment files go after the commit. Each run
    writes one audit event with its counts; with ``dry_run`` nothing changes. Returns the counts (and the ids concerned).
    Running it again finds nothing new: purged proposals are skipped.
    """
    from alliance.proposals.models import Proposal

    now = now or utcnow()
    plan = plan_purge(now=now)
    result = {"retention_days": plan.days, "proposals": len(plan.proposal_ids),
              "attachments": 0, "proposal_ids": plan.proposal_ids, "dry_run": dry_run}
    if dry_run:
        return result
    for proposal in db.session.scalars(sa.select(Proposal)
                                       .where(Proposal.id.in_(plan.proposal_ids))):
        result["attachments"] += _purge_one(proposal, folder=folder, now=now)
    db.session.flush()
    record(actor=actor, action="privacy.proposals_purged", obj=None, now=now,
           retention_days=plan.days, proposals=result["proposals"],
           attachments=result["attachments"], proposal_ids=plan.proposal_ids)
    return result


def forget_old_mail(*, now: datetime | None = None, dry_run: bool = False) -> int:
    """Delete the outbox's messages sent (or given up) more than ``SENT_MAIL_KEPT_DAYS``
    ago; return how many (flushes; the caller commits)."""
    from alliance.core.outbox import FAILED, SENT, OutgoingMail

    cutoff = (now or utcnow()) - timedelta(days=SENT_MAIL_KEPT_DAYS)
    old = sa.or_(sa.and_(OutgoingMail.status == SENT, OutgoingMail.sent_at < cutoff),
                 sa.and_(OutgoingMail.status == FAILED, OutgoingMail.created_at < cutoff))
    count = db.session.scalar(sa.select(sa.func.count()).select_from(OutgoingMail).where(old))
    if count and not dry_run:
        db.session.execute(sa.delete(OutgoingMail).where(old))
    return count
