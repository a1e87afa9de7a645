"""Builders for the ranking, decision and result tests (helper module, not a test)."""
from __future__ import annotations

from datetime import UTC, datetime

from alliance.challenges.models import IN_EVALUATION
from alliance.evaluation import aggregation as agg
from alliance.evaluation import models as em
from alliance.extensions import db
from tests import factories as f


def evaluating_challenge(**kwargs):
    """A challenge in evaluation (criteria: Innovation 40, Feasibility 35, Impact 25,
    all scored 1-5)."""
    return f.ChallengeFactory(closed=True, status=IN_EVALUATION, **kwargs)


def round_of(challenge, **kwargs) -> em.EvaluationRound:
    kwargs.setdefault("reviewing", True)
    return f.EvaluationRoundFactory(challenge=challenge, **kwargs)


def second_round(first: em.EvaluationRound, entrants, **kwargs) -> em.EvaluationRound:
    round_ = f.EvaluationRoundFactory(challenge=first.challenge, number=2, reviewing=True,
                                      **kwargs)
    round_.entries = [em.RoundEntry(proposal_id=p.id) for p in entrants]
    db.session.flush()
    return round_


def proposal_of(challenge, **kwargs):
    return f.ProposalFactory(submitted=True, challenge=challenge, **kwargs)


def review(round_, proposal, juror=None, scores=(3, 3, 3), *, status=em.SUBMITTED,
           for_startup: str = "", for_committee: str = "", comments=None) -> em.Review:
    """``juror``'s review of ``proposal`` in ``round_`` scoring its criteria ``scores``
    (in the criteria's order); ``comments`` per criterion, same order."""
    juror = juror or f.JuryUserFactory()
    assignment = f.AssignmentFactory(round=round_, proposal=proposal, user=juror)
    if status is None:  # assigned, never started
        return None
    criteria = round_.criteria
    comments = comments or [""] * len(criteria)
    review = em.Review(
        assignment=assignment, status=status, comment_for_startup=for_startup,
        comment_for_committee=for_committee,
        scores=[em.ReviewScore(criterion=c, score=s, comment=t)
                for c, s, t in zip(criteria, scores, comments, strict=True)],
    )
    if status == em.SUBMITTED:
        specs = [agg.CriterionSpec(c.id, float(c.weight), c.scale) for c in criteria]
        total = agg.review_total({c.id: s for c, s in zip(criteria, scores, strict=True)}, specs)
        review.total = round(total, 2)
        review.submitted_at = datetime.now(UTC)
    db.session.add(review)
    db.session.flush()
    return review
