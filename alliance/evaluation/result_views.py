"""The start-up's result page: the decision on its proposal, the committee's
feedback and, where the round shares them, the reviewers' comments for the
start-up, without names ("Reviewer 1", "Reviewer 2"). Committee-only comments
never leave the committee."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Blueprint, abort, render_template
from flask_login import current_user, login_required

from alliance.auth import policy
from alliance.evaluation.decisions import OUTCOME_LABELS
from alliance.evaluation.models import (
    SUBMITTED,
    Assignment,
    EvaluationCriterion,
    EvaluationRound,
    Review,
    ReviewScore,
)
from alliance.extensions import db
from alliance.proposals.models import Proposal

bp = Blueprint("results", __name__)


@dataclass(slots=True)
class SharedReview:
    label_number: int  # "Reviewer <n>" within its round
    comment: str
    criteria: list[tuple[str, str]] = field(default_factory=list)  # (criterion, comment)


@dataclass(slots=True)
class SharedRound:
    number: int
    name: str
    reviews: list[SharedReview]


def shared_comments(proposal: Proposal) -> list[SharedRound]:
    """The comments for the start-up of the submitted reviews of ``proposal``, in
    the rounds that share them; reviews with nothing to say are left out."""
    rounds = db.session.execute(
        sa.select(EvaluationRound.id, EvaluationRound.number, EvaluationRound.name)
        .where(EvaluationRound.challenge_id == proposal.challenge_id,
               EvaluationRound.share_reviews.is_(True))
        .order_by(EvaluationRound.number)
    ).all()
    if not rounds:
        return []
    reviews = db.session.execute(
        sa.select(Review.id, Assignment.round_id, Review.comment_for_startup)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Assignment.proposal_id == proposal.id, Review.status == SUBMITTED,
               Assignment.round_id.in_([r.id for r in rounds]))
        .order_by(Review.submitted_at, Review.id)
    ).all()
    per_criterion: dict[int, list[tuple[str, str]]] = {}
    for review_id, name, comment in db.session.execute(
        sa.select(ReviewScore.review_id, EvaluationCriterion.name, ReviewScore.comment)
        .join(EvaluationCriterion, EvaluationCriterion.id == ReviewScore.criterion_id)
        .where(ReviewScore.review_id.in_([r.id for r in reviews]), ReviewScore.comment != "")
        .order_by(EvaluationCriterion.position, EvaluationCriterion.id)
    ):
        if comment.strip():
            per_criterion.setdefault(review_id, []).append((name, comment.strip()))
    shared = []
    for round_ in rounds:
        items = []
        for review in reviews:
            if review.round_id != round_.id:
                continue
            comment = review.comment_for_startup.strip()
            criteria = per_criterion.get(review.id, [])
            if comment or criteria:
                items.append(SharedReview(len(items) + 1, comment, criteria))
        if items:
            shared.append(SharedRound(round_.number, round_.name, items))
    return shared


@bp.get("/proposals/<int:proposal_id>/result")
@login_required
def proposal(proposal_id):
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    policy.require(policy.can_view_result(current_user, proposal), hide=True)
    decision = proposal.decision
    return render_template(
        "evaluation/result.html", proposal=proposal, challenge=proposal.challenge,
        decision=decision, outcome_label=OUTCOME_LABELS[decision.outcome],
        rounds=shared_comments(proposal),
    )
