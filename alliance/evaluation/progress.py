"""What the jurors of a round have done and have left: progress figures for the
admin's pages, and the e-mails that tell jurors what waits for them (when reviews
start, and the reminders sent by ``flask reviews remind``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from alliance.auth.models import User
from alliance.core.audit import record
from alliance.core.mail import in_language_of, queue_mail
from alliance.evaluation.models import (
    CALIBRATION,
    REFERENCE,
    REVIEWING,
    SUBMITTED,
    Assignment,
    CommitteeMember,
    EvaluationRound,
    Review,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import Proposal


def _jury_dashboard_link() -> str:
    """The juror's dashboard as a full URL (commands run in ``core.mail.site_context``)."""
    return url_for("jury.dashboard", _external=True)


# -- e-mails to jurors ---------------------------------------------------------------------

def _pending_condition():
    """Assignments whose review is not submitted (missing or draft)."""
    return sa.or_(Review.id.is_(None), Review.status != SUBMITTED)


def _phase_condition():
    """During calibration, only the reference assignments can be reviewed."""
    return sa.or_(EvaluationRound.status != CALIBRATION, Assignment.source == REFERENCE)


def notify_assignments(*, round_: EvaluationRound, user, now: datetime) -> int:
    """E-mail each member of ``round_`` how many proposals wait for their review now
    (during calibration: the reference proposals); returns the number of e-mails."""
    counts = db.session.execute(
        sa.select(User, sa.func.count(Assignment.id))
        .join(Assignment, Assignment.user_id == User.id)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .join(CommitteeMember, sa.and_(CommitteeMember.round_id == Assignment.round_id,
                                       CommitteeMember.user_id == Assignment.user_id))
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, User.active.is_(True), _pending_condition(),
               _phase_condition())
        .group_by(User.id).order_by(User.id)
    ).all()
    link = _jury_dashboard_link()
    for juror, count in counts:
        with in_language_of(juror):
            queue_mail(to=juror.email,
                       subject=_("Proposals to review: %(title)s",
                                 title=round_.challenge.title),
                       template="jury_assignments", juror=juror, round=round_,
                       challenge=round_.challenge, count=count, link=link,
                       calibration=round_.status == CALIBRATION)
    record(actor=user, action="evaluation.assignments_notified", obj=round_, now=now,
           jurors=len(counts))
    return len(counts)


@dataclass
class PendingWork:
    """What one juror still has to review, per round."""

    juror: User
    rounds: list[tuple[EvaluationRound, int]] = field(default_factory=list)

    @property
    def left(self) -> int:
        return sum(n for _round, n in self.rounds)


def pending_reviews() -> list[PendingWork]:
    """Every active juror with reviews to write in rounds open for reviews."""
    rows = db.session.execute(
        sa.select(User, EvaluationRound, sa.func.count(Assignment.id))
        .join(Assignment, Assignment.user_id == User.id)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .join(CommitteeMember, sa.and_(CommitteeMember.round_id == Assignment.round_id,
                                       CommitteeMember.user_id == Assignment.user_id))
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(EvaluationRound.status.in_((CALIBRATION, REVIEWING)), User.active.is_(True),
               _pending_condition(), _phase_condition())
        .group_by(User.id, EvaluationRound.id)
        .order_by(User.id, EvaluationRound.id)
    ).all()
    work: dict[int, PendingWork] = {}
    for juror, round_, count in rows:
        work.setdefault(juror.id, PendingWork(juror)).rounds.append((round_, count))
    return list(work.values())


def send_reminders(*, now: datetime) -> int:
    """E-mail every juror with pending reviews (in rounds open for reviews) how many
    are left, with a link to their dashboard; returns the number of e-mails."""
    work = pending_reviews()
    link = _jury_dashboard_link()
    for item in work:
        with in_language_of(item.juror):
            queue_mail(to=item.juror.email,
                       subject=ngettext("%(num)d review waits for you",
                                        "%(num)d reviews wait for you", item.left),
                       template="jury_reminder", juror=item.juror, rounds=item.rounds,
                       left=item.left, link=link)
    record(actor=None, action="evaluation.reminders_sent", obj=None, now=now,
           jurors=[item.juror.id for item in work])
    return len(work)


# -- reading: progress ---------------------------------------------------------------------

@dataclass
class Progress:
    """Reviews done and pending in a round."""

    assigned: int = 0
    submitted: int = 0
    drafts: int = 0

    @property
    def not_started(self) -> int:
        return self.assigned - self.submitted - self.drafts

    @property
    def pending(self) -> int:
        return self.assigned - self.submitted


@dataclass
class JurorProgress(Progress):
    user_id: int = 0
    name: str = ""
    email: str = ""
    conflicts_declared_at: datetime | None = None


@dataclass
class ProposalProgress(Progress):
    proposal_id: int = 0
    title: str = ""


def _progress_counts():
    return (
        sa.func.count(Assignment.id),
        sa.func.count(Review.id).filter(Review.status == SUBMITTED),
        sa.func.count(Review.id).filter(Review.status != SUBMITTED),
    )


def juror_progress(round_: EvaluationRound) -> list[JurorProgress]:
    """Per committee member: assignments, submitted reviews, drafts."""
    rows = db.session.execute(
        sa.select(CommitteeMember.user_id, User.name, User.email,
                  CommitteeMember.conflicts_declared_at, *_progress_counts())
        .join(User, User.id == CommitteeMember.user_id)
        .outerjoin(Assignment, sa.and_(Assignment.round_id == CommitteeMember.round_id,
                                       Assignment.user_id == CommitteeMember.user_id))
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(CommitteeMember.round_id == round_.id)
        .group_by(CommitteeMember.user_id, User.name, User.email,
                  CommitteeMember.conflicts_declared_at)
        .order_by(User.name, CommitteeMember.user_id)
    ).all()
    return [JurorProgress(user_id=uid, name=name, email=email, conflicts_declared_at=declared,
                          assigned=assigned, submitted=submitted, drafts=drafts)
            for uid, name, email, declared, assigned, submitted, drafts in rows]


def proposal_progress(round_: EvaluationRound) -> list[ProposalProgress]:
    """Per proposal of the round: assignments, submitted reviews, drafts."""
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.title, *_progress_counts())
        .outerjoin(Assignment, sa.and_(Assignment.proposal_id == Proposal.id,
                                       Assignment.round_id == round_.id))
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Proposal.id.in_(round_proposal_ids(round_)))
        .group_by(Proposal.id, Proposal.title)
        .order_by(Proposal.id)
    ).all()
    return [ProposalProgress(proposal_id=pid, title=title, assigned=assigned,
                             submitted=submitted, drafts=drafts)
            for pid, title, assigned, submitted, drafts in rows]


def members_by_user(round_: EvaluationRound) -> dict[int, CommitteeMember]:
    return {m.user_id: m for m in db.session.scalars(
        sa.select(CommitteeMember).where(CommitteeMember.round_id == round_.id))}


def assignments_by_proposal(round_: EvaluationRound,
                            proposal_ids: list[int]) -> dict[int, list[dict]]:
    """``{proposal_id: [{assignment_id, user_id, name, source, review_status}]}`` for
    the given proposals of ``round_``, in one query."""
    by_proposal: dict[int, list[dict]] = defaultdict(list)
    if not proposal_ids:
        return by_proposal
    rows = db.session.execute(
        sa.select(Assignment.id, Assignment.proposal_id, Assignment.user_id, User.name,
                  Assignment.source, Review.status)
        .join(User, User.id == Assignment.user_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.proposal_id.in_(proposal_ids))
        .order_by(Assignment.proposal_id, User.name)
    ).all()
    for aid, pid, uid, name, source, status in rows:
        by_proposal[pid].append({"assignment_id": aid, "user_id": uid, "name": name,
                                 "source": source, "review_status": status})
    return by_proposal
