"""The figures of the admin console: each call at a glance, and the data of its charts.

Every figure is computed for all the calls shown at once, with grouped SQL (a fixed
number of queries, whatever the number of calls, challenges, proposals or reviews):
challenges by status, proposals by status, submissions per day, per theme and per
lead partner, review progress, decisions, pilots, and the distribution of the
challenges' aggregated scores (``score_stats``).
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

import sqlalchemy as sa

from alliance.admin.score_stats import final_scores
from alliance.challenges.models import (
    CLOSED,
    IN_EVALUATION,
    PUBLISHED,
    SUBMITTED,
    Call,
    Challenge,
)
from alliance.core.taxonomy import Theme
from alliance.core.timezones import utc_to_rome
from alliance.evaluation.models import SUBMITTED as REVIEW_SUBMITTED
from alliance.evaluation.models import Assignment, Decision, EvaluationRound, Review
from alliance.extensions import db
from alliance.matching.models import Pilot
from alliance.partners.models import Partner
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal

# Score bands of the distribution chart: [0, 20), [20, 40), ... [80, 100].
BANDS = ((0, 20), (20, 40), (40, 60), (60, 80), (80, 100))
# A call is "current" while it takes proposals or its challenges are being evaluated.
_CURRENT_STATUSES = (SUBMITTED, PUBLISHED, CLOSED, IN_EVALUATION)


@dataclass
class ChallengeReviews:
    slug: str
    title: str
    done: int = 0
    pending: int = 0


@dataclass
class ChallengeScores:
    slug: str
    title: str
    scores: list[float] = field(default_factory=list)  # the ranked proposals', ascending

    @property
    def bands(self) -> list[int]:
        """How many scores fall in each of ``BANDS`` (100 in the last one)."""
        counts = [0] * len(BANDS)
        for score in self.scores:
            counts[min(int(score // 20), len(BANDS) - 1)] += 1
        return counts

    @property
    def median(self) -> float | None:
        n = len(self.scores)
        if not n:
            return None
        return (self.scores[(n - 1) // 2] + self.scores[n // 2]) / 2


@dataclass
class CallFigures:
    """One call at a glance."""

    call: Call
    challenges: dict[str, int] = field(default_factory=dict)  # status -> count
    proposals: dict[str, int] = field(default_factory=dict)  # status -> count
    decisions: dict[str, int] = field(default_factory=dict)  # outcome -> count
    pilots: dict[str, int] = field(default_factory=dict)  # status -> count
    per_day: list[tuple[date, int]] = field(default_factory=list)  # Europe/Rome days
    per_theme: list[tuple[str, int]] = field(default_factory=list)
    per_partner: list[tuple[str, int]] = field(default_factory=list)
    reviews: list[ChallengeReviews] = field(default_factory=list)
    scores: list[ChallengeScores] = field(default_factory=list)

    @property
    def challenge_total(self) -> int:
        return sum(self.challenges.values())

    @property
    def waiting_approval(self) -> int:
        return self.challenges.get(SUBMITTED, 0)

    @property
    def submitted(self) -> int:
        return self.proposals.get(PROPOSAL_SUBMITTED, 0)

    @property
    def reviews_done(self) -> int:
        return sum(r.done for r in self.reviews)

    @property
    def reviews_pending(self) -> int:
        return sum(r.pending for r in self.reviews)

    @property
    def decision_total(self) -> int:
        return sum(self.decisions.values())

    @property
    def pilot_total(self) -> int:
        return sum(self.pilots.values())


def current_calls(*, now: datetime) -> list[Call]:
    """The calls open now or with challenges waiting, open or in evaluation, oldest
    first; the latest call when none is."""
    busy = sa.select(Challenge.call_id).where(Challenge.status.in_(_CURRENT_STATUSES))
    calls = db.session.scalars(
        sa.select(Call).where(sa.or_(sa.and_(Call.opens_at <= now, Call.closes_at > now),
                                     Call.id.in_(busy)))
        .order_by(Call.opens_at, Call.id)
    ).all()
    if not calls:
        latest = db.session.scalar(sa.select(Call).order_by(Call.opens_at.desc()).limit(1))
        calls = [latest] if latest else []
    return list(calls)


def all_calls() -> list[Call]:
    """Every call, newest first (the console's call filter)."""
    return list(db.session.scalars(sa.select(Call).order_by(Call.opens_at.desc(), Call.id)))


def _hour(column):
    """The UTC hour of an instant (Rome is a whole number of hours ahead, so the hour
    tells the Rome day)."""
    if db.session.get_bind().dialect.name == "postgresql":
        return sa.func.date_trunc("hour", column)
    return sa.func.strftime("%Y-%m-%d %H:00:00", column)


def _rome_day(value) -> date:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return utc_to_rome(value.replace(tzinfo=UTC)).date()


def _counts(statement, figures: dict[int, CallFigures], attribute: str) -> None:
    for call_id, key, n in db.session.execute(statement):
        getattr(figures[call_id], attribute)[key] = n


def _submissions(figures: dict[int, CallFigures], locale: str) -> None:
    """Per day, per theme and per lead partner: the submitted proposals."""
    ids = list(figures)
    base = (sa.select(Challenge.call_id).select_from(Proposal)
            .join(Challenge, Challenge.id == Proposal.challenge_id)
            .where(Challenge.call_id.in_(ids), Proposal.status == PROPOSAL_SUBMITTED,
                   Proposal.submitted_at.is_not(None)))
    hour = _hour(Proposal.submitted_at)
    days: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for call_id, at, n in db.session.execute(
        base.add_columns(hour, sa.func.count()).group_by(Challenge.call_id, hour)
    ):
        days[call_id][_rome_day(at)] += n
    for call_id, by_day in days.items():
        figures[call_id].per_day = sorted(by_day.items())

    name = Theme.name_en if locale == "en" else Theme.name_it
    for call_id, label, n in db.session.execute(
        base.join(Theme, Theme.id == Challenge.theme_id).add_columns(name, sa.func.count())
        .group_by(Challenge.call_id, Theme.id, name).order_by(sa.func.count().desc(), name)
    ):
        figures[call_id].per_theme.append((label, n))
    for call_id, label, n in db.session.execute(
        base.join(Partner, Partner.id == Challenge.lead_partner_id)
        .add_columns(Partner.name, sa.func.count())
        .group_by(Challenge.call_id, Partner.id, Partner.name)
        .order_by(sa.func.count().desc(), Partner.name)
    ):
        figures[call_id].per_partner.append((label, n))


def _reviews(figures: dict[int, CallFigures]) -> None:
    """Per challenge with assignments: reviews submitted and still to do."""
    submitted = sa.func.count(Review.id).filter(Review.status == REVIEW_SUBMITTED)
    for row in db.session.execute(
        sa.select(Challenge.call_id, Challenge.slug, Challenge.title,
                  sa.func.count(Assignment.id), submitted)
        .select_from(Assignment)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .join(Challenge, Challenge.id == EvaluationRound.challenge_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Challenge.call_id.in_(list(figures)))
        .group_by(Challenge.call_id, Challenge.id, Challenge.slug, Challenge.title)
        .order_by(Challenge.title)
    ):
        call_id, slug, title, assigned, done = row
        figures[call_id].reviews.append(ChallengeReviews(slug, title, done, assigned - done))


def _scores(figures: dict[int, CallFigures]) -> None:
    """The ranked proposals' final scores, per challenge with an evaluation round."""
    challenges = db.session.execute(
        sa.select(Challenge.id, Challenge.call_id, Challenge.slug, Challenge.title)
        .where(Challenge.call_id.in_(list(figures)),
               Challenge.id.in_(sa.select(EvaluationRound.challenge_id)))
        .order_by(Challenge.title)
    ).all()
    scores = final_scores([c.id for c in challenges])
    for challenge_id, call_id, slug, title in challenges:
        given = sorted(s for s in scores.get(challenge_id, {}).values() if s is not None)
        if given:
            figures[call_id].scores.append(ChallengeScores(slug, title, given))


def call_figures(calls: list[Call], *, locale: str) -> list[CallFigures]:
    """The figures of ``calls``, in their order; theme names in ``locale``."""
    figures = {call.id: CallFigures(call) for call in calls}
    if not figures:
        return []
    ids = list(figures)
    _counts(sa.select(Challenge.call_id, Challenge.status, sa.func.count())
            .where(Challenge.call_id.in_(ids)).group_by(Challenge.call_id, Challenge.status),
            figures, "challenges")
    _counts(sa.select(Challenge.call_id, Proposal.status, sa.func.count())
            .join(Challenge, Challenge.id == Proposal.challenge_id)
            .where(Challenge.call_id.in_(ids)).group_by(Challenge.call_id, Proposal.status),
            figures, "proposals")
    _counts(sa.select(Challenge.call_id, Decision.outcome, sa.func.count())
            .select_from(Decision).join(Proposal, Proposal.id == Decision.proposal_id)
            .join(Challenge, Challenge.id == Proposal.challenge_id)
            .where(Challenge.call_id.in_(ids)).group_by(Challenge.call_id, Decision.outcome),
            figures, "decisions")
    _counts(sa.select(Pilot.call_id, Pilot.status, sa.func.count())
            .where(Pilot.call_id.in_(ids)).group_by(Pilot.call_id, Pilot.status),
            figures, "pilots")
    _submissions(figures, locale)
    _reviews(figures)
    _scores(figures)
    return [figures[call.id] for call in calls]


__all__ = ["BANDS", "CallFigures", "ChallengeReviews", "ChallengeScores", "all_calls",
           "call_figures", "current_calls"]
