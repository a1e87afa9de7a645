"""The aggregated scores of many challenges at once, for the console's charts and the
proposals export.

``final_scores(challenge_ids)`` gives, per challenge, each ranked proposal's final
score exactly as the ranking page shows it (``evaluation.ranking.build``: override >
normalised > mean, the two rounds combined), but loads the inputs of every challenge
in a fixed number of queries (seven, whatever the number of challenges), where
``ranking.load_inputs`` takes up to six per challenge. The criterion scores come in
their own query (one row per score) rather than one join per criterion, which would
grow with the number of challenges.
"""
from __future__ import annotations

from collections import defaultdict

import sqlalchemy as sa

from alliance.evaluation import ranking
from alliance.evaluation.models import (
    SUBMITTED,
    Assignment,
    Decision,
    EvaluationCriterion,
    EvaluationRound,
    Review,
    ReviewScore,
    RoundEntry,
    ScoreOverride,
)
from alliance.extensions import db
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup


def _rounds(execute, challenge_ids) -> list[ranking.RoundInfo]:
    r = EvaluationRound
    rounds = [
        ranking.RoundInfo(id=row.id, challenge_id=row.challenge_id, number=row.number,
                          name=row.name, status=row.status, normalise=row.normalise,
                          disagreement_threshold=row.disagreement_threshold,
                          weight=row.weight, share_reviews=row.share_reviews)
        for row in execute(
            sa.select(r.id, r.challenge_id, r.number, r.name, r.status, r.normalise,
                      r.disagreement_threshold, r.weight, r.share_reviews)
            .where(r.challenge_id.in_(challenge_ids)).order_by(r.challenge_id, r.number)
        )
    ]
    if not rounds:
        return rounds
    c = EvaluationCriterion
    criteria: dict[int, list[ranking.CriterionInfo]] = {x.id: [] for x in rounds}
    for row in execute(
        sa.select(c.round_id, c.id, c.name, c.weight, c.scale, c.position)
        .where(c.round_id.in_(criteria)).order_by(c.round_id, c.position, c.id)
    ):
        criteria[row.round_id].append(ranking.CriterionInfo(row.id, row.name, row.weight,
                                                            row.scale, row.position))
    for x in rounds:
        x.criteria = tuple(criteria[x.id])
    return rounds


def load_many(challenge_ids) -> dict[int, ranking.Inputs]:
    """``ranking.Inputs`` of each challenge of ``challenge_ids`` that has a round."""
    execute = db.session.connection().execute
    rounds = _rounds(execute, list(challenge_ids))
    if not rounds:
        return {}
    ids = sorted({x.challenge_id for x in rounds})
    round_ids = [x.id for x in rounds]
    second = [x.id for x in rounds if x.number != 1]
    entries: dict[int, list[int]] = defaultdict(list)
    if second:
        for row in execute(
            sa.select(RoundEntry.round_id, RoundEntry.proposal_id)
            .where(RoundEntry.round_id.in_(second))
            .order_by(RoundEntry.round_id, RoundEntry.proposal_id)
        ):
            entries[row.round_id].append(row.proposal_id)
    entered = [p for ps in entries.values() for p in ps]
    wanted = Proposal.status == PROPOSAL_SUBMITTED
    if entered:
        wanted = sa.or_(wanted, Proposal.id.in_(entered))
    proposals: dict[int, list] = defaultdict(list)
    submitted: dict[int, list[int]] = defaultdict(list)
    decisions: dict[int, dict] = defaultdict(dict)
    for row in execute(
        sa.select(Proposal.id, Proposal.challenge_id, Proposal.title, Proposal.status,
                  Startup.name, Decision.outcome, Decision.feedback, Decision.decided_at,
                  Decision.decided_by_id, Decision.record_id, Decision.notified_at)
        .join(Startup, Startup.id == Proposal.startup_id)
        .outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .where(Proposal.challenge_id.in_(ids), wanted)
        .order_by(Proposal.id)
    ):
        proposals[row.challenge_id].append(ranking.ProposalInfo(row.id, row.title, row.name))
        if row.status == PROPOSAL_SUBMITTED:
            submitted[row.challenge_id].append(row.id)
        if row.outcome is not None:
            decisions[row.challenge_id][row.id] = ranking.DecisionInfo(
                row.outcome, row.feedback, row.decided_at, row.decided_by_id, row.record_id,
                row.notified_at)

    # The submitted reviews' scores, then one row per assignment (same order as
    # ranking.load_inputs: round, proposal, juror).
    scores: dict[int, dict[int, int | None]] = defaultdict(dict)
    for row in execute(
        sa.select(ReviewScore.review_id, ReviewScore.criterion_id, ReviewScore.score)
        .join(Review, Review.id == ReviewScore.review_id)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Assignment.round_id.in_(round_ids), Review.status == SUBMITTED)
    ):
        scores[row.review_id][row.criterion_id] = row.score
    by_round = {x.id: x for x in rounds}
    assignments: dict[int, list[ranking.AssignmentInput]] = defaultdict(list)
    a = Assignment
    for row in execute(
        sa.select(a.round_id, a.proposal_id, a.user_id, Review.status, Review.id)
        .select_from(a).outerjoin(Review, Review.assignment_id == a.id)
        .where(a.round_id.in_(round_ids)).order_by(a.round_id, a.proposal_id, a.user_id)
    ):
        round_ = by_round[row.round_id]
        given = scores.get(row.id, {})
        values = (tuple(given.get(c.id) for c in round_.criteria)
                  if row.status == SUBMITTED else ())
        assignments[round_.challenge_id].append(
            ranking.AssignmentInput(row.round_id, row.proposal_id, row.user_id, row.status,
                                    values))
    o = ScoreOverride
    overrides: dict[int, list[ranking.Override]] = defaultdict(list)
    for row in execute(
        sa.select(o.round_id, o.proposal_id, o.score, o.reason, o.created_at, o.created_by_id)
        .where(o.round_id.in_(round_ids)).order_by(o.id)
    ):
        overrides[by_round[row.round_id].challenge_id].append(ranking.Override(*row))

    inputs = {}
    for challenge_id in ids:
        mine = [x for x in rounds if x.challenge_id == challenge_id]
        known = {p.id for p in proposals[challenge_id]}
        members = {x.id: tuple(submitted[challenge_id]) if x.number == 1
                   else tuple(i for i in entries[x.id] if i in known) for x in mine}
        inputs[challenge_id] = ranking.Inputs(
            challenge_id=challenge_id, rounds=mine, proposals=proposals[challenge_id],
            members=members, assignments=assignments[challenge_id],
            overrides=overrides[challenge_id], decisions=decisions[challenge_id])
    return inputs


def final_scores(challenge_ids) -> dict[int, dict[int, float | None]]:
    """Per challenge with a round: proposal id -> final score (0-100, None unscored)."""
    return {
        challenge_id: {row.proposal_id: row.final_score for row in ranking.build(inputs).rows}
        for challenge_id, inputs in load_many(challenge_ids).items()
    }


__all__ = ["final_scores", "load_many"]
