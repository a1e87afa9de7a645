"""Every change to what a ranking reads bumps its rounds' ``revision``.

The ranking cache (``ranking._cached``) compares the challenge's round revisions,
one indexed read, instead of aggregating thousands of reviews on every request.
The counter is bumped in the flushing transaction, by a listener on every
session, for rounds, criteria, entries, assignments, reviews, scores,
overrides, decisions, proposals and start-ups; code that writes those tables
with bulk statements (``sa.insert``/``sa.delete``) calls :func:`bump` itself.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from alliance.evaluation.models import (
    Assignment,
    Decision,
    EvaluationCriterion,
    EvaluationRound,
    Review,
    ReviewScore,
    RoundEntry,
    ScoreOverride,
)
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup


def _round_of(obj) -> int | None:
    """The round an evaluation row belongs to, from what is in memory."""
    if isinstance(obj, EvaluationRound):
        return obj.id
    if isinstance(obj, Assignment | ScoreOverride | RoundEntry | EvaluationCriterion):
        return obj.round_id
    if isinstance(obj, ReviewScore):
        obj = obj.review
    if isinstance(obj, Review) and obj is not None and obj.assignment is not None:
        return obj.assignment.round_id
    return None


def _touched(session: Session, flush_context) -> None:
    round_ids: set[int] = set()
    proposal_ids: set[int] = set()
    challenge_ids: set[int] = set()
    startup_ids: set[int] = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        if isinstance(obj, Decision):
            proposal_ids.add(obj.proposal_id)
        elif isinstance(obj, Proposal):
            challenge_ids.add(obj.challenge_id)
        elif isinstance(obj, Startup):
            startup_ids.add(obj.id)
        elif (round_id := _round_of(obj)) is not None:
            round_ids.add(round_id)
    if round_ids or proposal_ids or challenge_ids or startup_ids:
        bump(session, round_ids=round_ids, proposal_ids=proposal_ids,
             challenge_ids=challenge_ids, startup_ids=startup_ids)


def bump(session: Session, *, round_ids: Iterable[int] = (), proposal_ids: Iterable[int] = (),
         challenge_ids: Iterable[int] = (), startup_ids: Iterable[int] = ()) -> None:
    """Mark the rounds as changed: by id, or every round of the challenges of the
    given proposals, challenges and start-ups."""
    challenges = sa.select(Proposal.challenge_id).where(sa.or_(
        Proposal.id.in_(list(proposal_ids)), Proposal.startup_id.in_(list(startup_ids))))
    which = sa.or_(
        EvaluationRound.id.in_([i for i in round_ids if i is not None]),
        EvaluationRound.challenge_id.in_([i for i in challenge_ids if i is not None]),
        EvaluationRound.challenge_id.in_(challenges),
    )
    # On the flush's own connection, so that the autoflush never runs here.
    # ``updated_at`` kept as it is: the round itself did not change.
    session.connection().execute(
        sa.update(EvaluationRound).where(which)
        .values(revision=EvaluationRound.revision + 1, updated_at=EvaluationRound.updated_at)
    )


def install() -> None:
    """Listen to every session (idempotent)."""
    if not event.contains(Session, "after_flush", _touched):
        event.listen(Session, "after_flush", _touched)
