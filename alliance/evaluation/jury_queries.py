"""The queries behind the juror's dashboard: which assignments it lists (and which
it never shows), the juror's committee seats with what each asks of them now, one page
of the filtered list, and the next proposal waiting for a review.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from flask import g

from alliance.challenges.models import Challenge
from alliance.core.listing import ListPage, count_of
from alliance.evaluation import conflicts
from alliance.evaluation.models import (
    CALIBRATION,
    CLOSED,
    REFERENCE,
    REVIEWING,
    SETUP,
    SUBMITTED,
    Assignment,
    CommitteeMember,
    EvaluationRound,
    Review,
)
from alliance.extensions import db
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

PER_PAGE = 25
OPEN_STATUSES = (CALIBRATION, REVIEWING)
# The review states the dashboard filters on.
TODO, STATE_DRAFT, STATE_SUBMITTED = "todo", "draft", "submitted"


# -- the juror's assignments, as the dashboard lists them ---------------------------

def _listed(user, *columns):
    """SELECT ``columns`` of the assignments the dashboard lists: rounds past set-up
    whose conflicts the juror declared, only the reference proposals during
    calibration, and never a conflicted one."""
    select = (
        sa.select(*columns)
        .select_from(Assignment)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .join(CommitteeMember, sa.and_(CommitteeMember.round_id == Assignment.round_id,
                                       CommitteeMember.user_id == Assignment.user_id))
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.user_id == user.id, EvaluationRound.status != SETUP,
               CommitteeMember.conflicts_declared_at.is_not(None),
               sa.or_(EvaluationRound.status != CALIBRATION, Assignment.source == REFERENCE))
    )
    conflicted = _conflicted_assignment_ids(user)
    if conflicted:
        select = select.where(Assignment.id.not_in(conflicted))
    return select


def _conflicted_assignment_ids(user) -> list[int]:
    """Declared conflicts remove assignments; this catches the other kinds (an
    assignment made by hand, a profile changed since) in a fixed number of queries."""
    cache = g.get("jury_conflicted")
    if cache is not None:
        return cache
    pairs = db.session.execute(
        sa.select(Assignment.id, Assignment.proposal_id).where(Assignment.user_id == user.id)
    ).all()
    found = conflicts.conflict_pairs([user.id], [p for _a, p in pairs]) if pairs else {}
    cache = [a for a, p in pairs if (user.id, p) in found]
    g.jury_conflicted = cache
    return cache


def _dashboard_order():
    """Open rounds first, then by challenge, round, reference proposals first, title."""
    return (
        sa.case((EvaluationRound.status == CLOSED, 1), else_=0),
        Challenge.title, Challenge.id, EvaluationRound.number,
        sa.case((Assignment.source == REFERENCE, 0), else_=1),
        Proposal.title, Assignment.id,
    )


def _next_to_review(user, current_id: int) -> int | None:
    """The juror's next assignment not yet submitted, in dashboard order, after
    ``current_id`` (wrapping round), in rounds that take reviews."""
    rows = db.session.execute(
        _listed(user, Assignment.id, Review.status)
        .join(Challenge, Challenge.id == EvaluationRound.challenge_id)
        .where(EvaluationRound.status.in_(OPEN_STATUSES))
        .order_by(*_dashboard_order())
    ).all()
    ids = [a for a, _s in rows]
    start = ids.index(current_id) + 1 if current_id in ids else 0
    for assignment_id, status in rows[start:] + rows[:start]:
        if assignment_id != current_id and status != SUBMITTED:
            return assignment_id
    return None


# -- dashboard -----------------------------------------------------------------------

@dataclass
class RoundSteps:
    """One committee seat of the juror and what it asks of them now."""

    member_id: int
    round_id: int
    round_number: int
    round_name: str
    status: str
    challenge_id: int
    challenge_title: str
    declared: bool
    assigned: int = 0
    left: int = 0

    @property
    def may_state_interest(self) -> bool:
        return self.declared and self.status == SETUP


def _seats(user) -> list[RoundSteps]:
    rows = db.session.execute(
        sa.select(CommitteeMember.id, EvaluationRound.id, EvaluationRound.number,
                  EvaluationRound.name, EvaluationRound.status, Challenge.id, Challenge.title,
                  CommitteeMember.conflicts_declared_at)
        .join(EvaluationRound, EvaluationRound.id == CommitteeMember.round_id)
        .join(Challenge, Challenge.id == EvaluationRound.challenge_id)
        .where(CommitteeMember.user_id == user.id)
        .order_by(sa.case((EvaluationRound.status == CLOSED, 1), else_=0), Challenge.title,
                  Challenge.id, EvaluationRound.number)
    ).all()
    seats = [RoundSteps(member_id=m, round_id=r, round_number=n, round_name=name, status=s,
                        challenge_id=c, challenge_title=t, declared=d is not None)
             for m, r, n, name, s, c, t, d in rows]
    counts = db.session.execute(
        _listed(user, Assignment.round_id, sa.func.count(Assignment.id),
                sa.func.count(Review.id).filter(Review.status == SUBMITTED))
        .group_by(Assignment.round_id)
    ).all()
    by_round = {round_id: (assigned, submitted) for round_id, assigned, submitted in counts}
    for seat in seats:
        assigned, submitted = by_round.get(seat.round_id, (0, 0))
        seat.assigned, seat.left = assigned, assigned - submitted
    return seats


def _listing(user, filters: dict, page: int) -> ListPage:
    startup_name = sa.case((EvaluationRound.blind, sa.null()), else_=Startup.name)
    select = (
        _listed(user, Assignment.id.label("id"), Assignment.source.label("source"),
                EvaluationRound.id.label("round_id"), EvaluationRound.number.label("number"),
                EvaluationRound.status.label("round_status"),
                Challenge.title.label("challenge_title"), Proposal.title.label("title"),
                startup_name.label("startup_name"), Review.status.label("review_status"),
                Review.total.label("total"), Review.updated_at.label("updated_at"))
        .join(Challenge, Challenge.id == EvaluationRound.challenge_id)
        .join(Startup, Startup.id == Proposal.startup_id)
    )
    if "challenge" in filters:
        select = select.where(Challenge.id == filters["challenge"])
    state = filters.get("state")
    if state == TODO:
        select = select.where(Review.id.is_(None))
    elif state == STATE_DRAFT:
        select = select.where(Review.id.is_not(None), Review.status != SUBMITTED)
    elif state == STATE_SUBMITTED:
        select = select.where(Review.status == SUBMITTED)
    if "score_min" in filters:
        select = select.where(Review.total >= filters["score_min"])
    if "score_max" in filters:
        select = select.where(Review.total <= filters["score_max"])
    total = count_of(select)
    page = min(page, max(1, -(-total // PER_PAGE)))  # past the end: the last page
    rows = db.session.execute(
        select.order_by(*_dashboard_order()).limit(PER_PAGE).offset((page - 1) * PER_PAGE)
    ).all()
    return ListPage(rows, total, page, PER_PAGE)
