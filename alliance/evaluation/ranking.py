"""The ranking of a challenge's proposals, as the admin's ranking page, the exports
and the decision record see it.

``challenge_ranking(challenge)`` ranks every proposal of round one, the rounds
combined (round-two entrants first, by combined score); ``round_ranking(round_)``
ranks one round's proposals on that round alone. Both load everything in a fixed
number of SQL queries (6 at most, whatever the number of proposals), selecting
columns, never ORM objects per review; the figures come from
:mod:`alliance.evaluation.aggregation` (conventions documented there). Totals are
recomputed from the criterion scores (not read from ``Review.total``, which is
rounded), so that a decision record recomputes to the same bits.

Rows and figures are immutable named tuples (read-only; sort or filter copies).

``Ranking``:
    rows                list of ``Row``, in rank order (unscored rows last)
    rounds              tuple of ``RoundInfo`` (the rounds ranked, by number)
    round_number        the round ranked alone, or None for the challenge ranking
    combined            True when two rounds are combined
    criteria, alpha, alpha_text, jurors, reviews_done, reviews_pending
                        those of the main round (round one for the challenge ranking)
    row(proposal_id)    a row by proposal id
``RoundInfo``: id, number, name, status, normalise, disagreement_threshold, weight,
    share_reviews, criteria (``CriterionInfo``: id, name, weight, scale, position),
    alpha (float | None), alpha_text, jurors (assigned in the round), reviews_done
    (submitted), reviews_pending (assigned, not submitted).
``Row``:
    proposal_id, title, startup_name
    final_score         override > normalised > mean of the main round, combined with
                        round two for entrants (challenge ranking); 0-100 float or None
    display_score       final_score rounded to 2 decimals (what ties are decided on)
    rank, tied          competition rank ("1, 2, 2, 4"), None when unscored
    decision            ``DecisionInfo`` (outcome, feedback, decided_at, record_id,
                        notified_at) or None; ``outcome`` shortcut
    figures             ``RoundFigures`` of the main round; ``second``: of round two
                        (challenge ranking, entrants only), else None
    reviews, assigned, mean, median, sd, disagreement, normalised, override,
    score, criterion_means, totals, spread
                        shortcuts to ``figures``
``RoundFigures``: round_number, reviews (submitted), assigned, mean, median, sd
    (sample), disagreement (bool), normalised (None unless the round normalises),
    override (``Override``: score, reason, created_at, created_by_id; or None),
    score (the round's own: override > normalised > mean), criterion_means (tuple
    aligned with the round's criteria, on each criterion's 1..scale), totals
    (the jurors' totals on 0-100, ascending), spread (``aggregation.Spread`` for
    an inline SVG: points, min, q1, median, q3, max on 0-100; None without reviews).
"""
from __future__ import annotations

from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from itertools import chain
from operator import itemgetter
from typing import NamedTuple

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased

from alliance.evaluation import aggregation as agg
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
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

# -- inputs: what a ranking is computed from (also what a decision record keeps) -----


@dataclass(frozen=True, slots=True)
class CriterionInfo:
    id: int
    name: str
    weight: Decimal
    scale: int
    position: int


@dataclass(slots=True)
class RoundInfo:
    id: int
    challenge_id: int
    number: int
    name: str
    status: str
    normalise: bool
    disagreement_threshold: Decimal
    weight: Decimal
    share_reviews: bool
    criteria: tuple[CriterionInfo, ...] = ()
    alpha: float | None = None
    jurors: int = 0
    reviews_done: int = 0
    reviews_pending: int = 0

    @property
    def alpha_text(self) -> str:
        return agg.alpha_explanation(self.alpha)


class ProposalInfo(NamedTuple):
    id: int
    title: str
    startup_name: str


class AssignmentInput(NamedTuple):
    round_id: int
    proposal_id: int
    juror: Hashable  # a user id, or a pseudonym in a decision record
    status: str | None  # the review's status; None when no review was started
    scores: tuple  # submitted reviews: the scores in the round's criteria order


class Override(NamedTuple):
    round_id: int
    proposal_id: int
    score: Decimal | None  # None lifts the previous override
    reason: str
    created_at: datetime | str
    created_by_id: int | None


class DecisionInfo(NamedTuple):
    outcome: str
    feedback: str
    decided_at: datetime | str
    decided_by_id: int | None
    record_id: int | None
    notified_at: datetime | str | None


@dataclass(slots=True)
class Inputs:
    challenge_id: int
    rounds: list[RoundInfo]  # by number
    proposals: list[ProposalInfo]  # by id
    members: dict[int, tuple[int, ...]]  # round id -> the proposal ids it evaluates
    assignments: list[AssignmentInput]
    overrides: list[Override]  # in the order they were made
    decisions: dict[int, DecisionInfo] = field(default_factory=dict)  # by proposal id


# -- results -----------------------------------------------------------------------


class RoundFigures(NamedTuple):
    round_number: int
    reviews: int
    assigned: int
    mean: float | None
    median: float | None
    sd: float | None
    disagreement: bool
    normalised: float | None
    override: Override | None
    score: float | None
    criterion_means: tuple[float | None, ...]
    totals: tuple[float, ...]

    @property
    def spread(self) -> agg.Spread | None:
        return agg.spread(self.totals)


class Row(NamedTuple):
    proposal_id: int
    title: str
    startup_name: str
    figures: RoundFigures
    second: RoundFigures | None
    final_score: float | None
    rank: int | None
    tied: bool
    decision: DecisionInfo | None

    @property
    def display_score(self) -> float | None:
        return agg.displayed(self.final_score)

    @property
    def outcome(self) -> str | None:
        return self.decision.outcome if self.decision else None

    reviews = property(lambda self: self.figures.reviews)
    assigned = property(lambda self: self.figures.assigned)
    mean = property(lambda self: self.figures.mean)
    median = property(lambda self: self.figures.median)
    sd = property(lambda self: self.figures.sd)
    disagreement = property(lambda self: self.figures.disagreement)
    normalised = property(lambda self: self.figures.normalised)
    override = property(lambda self: self.figures.override)
    score = property(lambda self: self.figures.score)
    criterion_means = property(lambda self: self.figures.criterion_means)
    totals = property(lambda self: self.figures.totals)
    spread = property(lambda self: self.figures.spread)


@dataclass(slots=True)
class Ranking:
    challenge_id: int
    rounds: tuple[RoundInfo, ...]
    rows: list[Row]
    round_number: int | None  # None: the challenge's rounds combined
    _by_id: dict[int, Row] = field(default_factory=dict, repr=False)

    @property
    def main_round(self) -> RoundInfo | None:
        return self.rounds[0] if self.rounds else None

    @property
    def combined(self) -> bool:
        return self.round_number is None and len(self.rounds) > 1

    @property
    def criteria(self) -> tuple[CriterionInfo, ...]:
        return self.main_round.criteria if self.main_round else ()

    @property
    def alpha(self) -> float | None:
        return self.main_round.alpha if self.main_round else None

    @property
    def alpha_text(self) -> str:
        return agg.alpha_explanation(self.alpha)

    @property
    def jurors(self) -> int:
        return self.main_round.jurors if self.main_round else 0

    @property
    def reviews_done(self) -> int:
        return self.main_round.reviews_done if self.main_round else 0

    @property
    def reviews_pending(self) -> int:
        return self.main_round.reviews_pending if self.main_round else 0

    def row(self, proposal_id: int) -> Row | None:
        if not self._by_id:
            self._by_id = {r.proposal_id: r for r in self.rows}
        return self._by_id.get(proposal_id)


# -- loading ---------------------------------------------------------------------


def challenge_ranking(challenge) -> Ranking:
    """Every proposal of the challenge's round one, ranked on the rounds combined."""
    return _cached(("challenge", challenge.id), challenge.id,
                   lambda: build(load_inputs(challenge_id=challenge.id)))


def round_ranking(round_) -> Ranking:
    """The proposals of one round, ranked on that round alone."""
    return _cached(
        ("round", round_.id), round_.challenge_id,
        lambda: build(load_inputs(challenge_id=round_.challenge_id, round_id=round_.id),
                      round_number=round_.number),
    )


# -- cache -------------------------------------------------------------------------
#
# The admin's ranking page is asked again for every sort, filter and page; the
# ranking only changes when its inputs do. Each process keeps the last rankings
# with the revisions of their rounds (one indexed query), which every change to
# what a ranking reads bumps in its own transaction (``revisions``), whichever
# process makes it: nothing stale is served. Off when ``RANKING_CACHE`` is false (the tests, whose rolled-back rows
# can repeat ids and times).

_CACHE: dict[tuple, tuple[tuple, Ranking]] = {}
_CACHE_SIZE = 16


def _cached(key: tuple, challenge_id: int, compute) -> Ranking:
    if not current_app.config.get("RANKING_CACHE", True):
        return compute()
    version = data_version(challenge_id)
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    ranking = compute()
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (version, ranking)
    return ranking


def data_version(challenge_id: int) -> tuple:
    """The revisions of the challenge's rounds (see ``revisions``): they change with
    anything a ranking reads."""
    return tuple(db.session.execute(
        sa.select(EvaluationRound.id, EvaluationRound.revision)
        .where(EvaluationRound.challenge_id == challenge_id).order_by(EvaluationRound.id)
    ).all())


def _picker(indices: list[int]):
    """A function giving the values at ``indices`` of a row, as a tuple."""
    if len(indices) > 1:
        return itemgetter(*indices)
    return lambda row: tuple(row[i] for i in indices)


def load_inputs(*, challenge_id: int, round_id: int | None = None) -> Inputs:
    """Everything the ranking of a challenge (or of one of its rounds) needs, in
    at most six queries, run as Core statements (plain rows, no ORM objects)."""
    execute = db.session.connection().execute
    where = [EvaluationRound.challenge_id == challenge_id]
    if round_id is not None:
        where.append(EvaluationRound.id == round_id)
    r = EvaluationRound
    rounds = [
        RoundInfo(id=row.id, challenge_id=row.challenge_id, number=row.number, name=row.name,
                  status=row.status, normalise=row.normalise,
                  disagreement_threshold=row.disagreement_threshold, weight=row.weight,
                  share_reviews=row.share_reviews)
        for row in execute(
            sa.select(r.id, r.challenge_id, r.number, r.name, r.status, r.normalise,
                      r.disagreement_threshold, r.weight, r.share_reviews)
            .where(*where).order_by(r.number)
        )
    ]
    if not rounds:
        return Inputs(challenge_id=challenge_id, rounds=[], proposals=[], members={},
                      assignments=[], overrides=[])
    round_ids = [x.id for x in rounds]
    c = EvaluationCriterion
    criteria: dict[int, list[CriterionInfo]] = {x.id: [] for x in rounds}
    for row in execute(
        sa.select(c.round_id, c.id, c.name, c.weight, c.scale, c.position)
        .where(c.round_id.in_(round_ids)).order_by(c.round_id, c.position, c.id)
    ):
        criteria[row.round_id].append(CriterionInfo(row.id, row.name, row.weight, row.scale,
                                                    row.position))
    for x in rounds:
        x.criteria = tuple(criteria[x.id])

    # Proposals (with their decision): the union of the rounds' proposals.
    wanted = sa.or_(*(Proposal.status == PROPOSAL_SUBMITTED if x.number == 1
                      else Proposal.id.in_(round_proposal_ids(x)) for x in rounds))
    proposals, decisions, submitted = [], {}, []
    for row in execute(
        sa.select(Proposal.id, Proposal.title, Proposal.status, Startup.name,
                  Decision.outcome, Decision.feedback, Decision.decided_at,
                  Decision.decided_by_id, Decision.record_id, Decision.notified_at)
        .join(Startup, Startup.id == Proposal.startup_id)
        .outerjoin(Decision, Decision.proposal_id == Proposal.id)
        .where(Proposal.challenge_id == challenge_id, wanted)
        .order_by(Proposal.id)
    ):
        proposals.append(ProposalInfo(row.id, row.title, row.name))
        if row.status == PROPOSAL_SUBMITTED:
            submitted.append(row.id)
        if row.outcome is not None:
            decisions[row.id] = DecisionInfo(row.outcome, row.feedback, row.decided_at,
                                             row.decided_by_id, row.record_id, row.notified_at)
    second = [x.id for x in rounds if x.number != 1]
    entries: dict[int, list[int]] = {x: [] for x in second}
    if second:
        for row in execute(
            sa.select(RoundEntry.round_id, RoundEntry.proposal_id)
            .where(RoundEntry.round_id.in_(second))
            .order_by(RoundEntry.round_id, RoundEntry.proposal_id)
        ):
            entries[row.round_id].append(row.proposal_id)
    known = {p.id for p in proposals}
    members = {x.id: tuple(submitted) if x.number == 1
               else tuple(i for i in entries[x.id] if i in known) for x in rounds}

    # One row per assignment, with its submitted review's scores in columns (one
    # join per criterion: primary-key lookups, no grouping).
    a = Assignment
    statement = (sa.select(a.round_id, a.proposal_id, a.user_id, Review.status)
                 .select_from(a).outerjoin(Review, Review.assignment_id == a.id))
    position: dict[int, int] = {}
    for x in rounds:
        for crit in x.criteria:
            score = aliased(ReviewScore)
            statement = statement.outerjoin(score, sa.and_(
                score.review_id == Review.id, score.criterion_id == crit.id,
                Review.status == SUBMITTED,
            )).add_columns(score.score)
            position[crit.id] = 3 + len(position) + 1
    pick = {x.id: _picker([position[crit.id] for crit in x.criteria]) for x in rounds}
    assignments = [
        AssignmentInput(row[0], row[1], row[2], row[3],
                        pick[row[0]](row) if row[3] == SUBMITTED else ())
        for row in execute(
            statement.where(a.round_id.in_(round_ids))
            .order_by(a.round_id, a.proposal_id, a.user_id)
        ).all()
    ]
    o = ScoreOverride
    overrides = [
        Override(row.round_id, row.proposal_id, row.score, row.reason, row.created_at,
                 row.created_by_id)
        for row in execute(
            sa.select(o.round_id, o.proposal_id, o.score, o.reason, o.created_at,
                      o.created_by_id)
            .where(o.round_id.in_(round_ids)).order_by(o.id)
        )
    ]
    return Inputs(challenge_id=challenge_id, rounds=rounds, proposals=proposals,
                  members=members, assignments=assignments, overrides=overrides,
                  decisions=decisions)


# -- computing (pure: also what a decision record is recomputed with) ---------------


def _nones(values: np.ndarray) -> list:
    """A float array as a list, NaN as None."""
    return [None if v != v else v for v in values.tolist()]


def _round_figures(round_: RoundInfo, inputs: Inputs) -> dict[int, RoundFigures]:
    """Figures of every proposal of ``round_``; fills in the round's own figures.
    Vectorised: Python loops only build the output."""
    members = inputs.members.get(round_.id, ())
    index = {proposal_id: i for i, proposal_id in enumerate(members)}
    size, width = len(members), len(round_.criteria)
    mine = [a for a in inputs.assignments if a.round_id == round_.id]
    proposal_ids, juror_keys, statuses, score_rows = (
        list(map(itemgetter(column), mine)) for column in (1, 2, 3, 4))
    proposal_codes = np.array([index.get(p, -1) for p in proposal_ids], dtype=np.intp)
    codes: dict[Hashable, int] = {}
    juror_codes = np.array([codes.setdefault(j, len(codes)) for j in juror_keys],
                           dtype=np.intp)
    kept = proposal_codes >= 0
    submitted = kept & (np.array(statuses, dtype=object) == SUBMITTED)
    assigned = np.bincount(proposal_codes[kept], minlength=size).tolist()
    picked = np.flatnonzero(submitted).tolist()
    scores = np.array(list(chain.from_iterable([score_rows[k] for k in picked])),
                      dtype=float).reshape(len(picked), width)
    if width:
        totals = agg.review_totals(scores, [float(c.weight) for c in round_.criteria],
                                   [c.scale for c in round_.criteria])
    else:
        totals = np.full(len(scores), np.nan)
    scored = ~np.isnan(totals)  # a submitted review without any score counts as pending
    groups = proposal_codes[submitted][scored]
    jurors = juror_codes[submitted][scored]
    totals, scores = totals[scored], scores[scored]

    stats = agg.group_stats(groups, totals, size)
    means, medians, sds = _nones(stats.mean), _nones(stats.median), _nones(stats.sd)
    with np.errstate(invalid="ignore"):
        disagreement = (stats.sd > float(round_.disagreement_threshold)).tolist()
    normalised = (_nones(agg.group_means(groups, agg.normalise(jurors, totals), size))
                  if round_.normalise else [None] * size)
    criterion_means = (list(zip(*(_nones(agg.group_means(groups, scores[:, k], size))
                                  for k in range(width))))
                       if width else [()] * size)
    sorted_totals = totals[np.lexsort((totals, groups))].tolist()
    counts = stats.count.tolist()
    ends = np.cumsum(stats.count).tolist()

    in_force: dict[int, Override] = {}
    for item in inputs.overrides:  # the latest one is in force; a None score lifts it
        if item.round_id == round_.id:
            in_force[item.proposal_id] = item
    overrides = [None] * size
    for proposal_id, item in in_force.items():
        if item.score is not None and proposal_id in index:
            overrides[index[proposal_id]] = item
    scores_ = [float(o.score) if o is not None else (n if n is not None else m)
               for o, n, m in zip(overrides, normalised, means, strict=True)]
    totals_ = [tuple(sorted_totals[end - count:end]) for count, end in zip(counts, ends,
                                                                            strict=True)]
    figures = dict(zip(members, map(RoundFigures._make, zip(
        [round_.number] * size, counts, assigned, means, medians, sds, disagreement,
        normalised, overrides, scores_, criterion_means, totals_, strict=True,
    )), strict=True))
    round_.alpha = agg.alpha_by_groups(groups, totals)
    round_.jurors = len(np.unique(juror_codes[kept]))
    round_.reviews_done = len(totals)
    round_.reviews_pending = sum(assigned) - len(totals)
    return figures


def build(inputs: Inputs, *, round_number: int | None = None) -> Ranking:
    """Rank ``inputs``: one round alone (``round_number``) or the rounds combined."""
    rounds = [r for r in inputs.rounds if round_number is None or r.number == round_number]
    if not rounds:
        return Ranking(inputs.challenge_id, (), [], round_number)
    figures = {r.id: _round_figures(r, inputs) for r in rounds}
    main, later = rounds[0], rounds[1:]
    own = figures[main.id]
    seconds = figures[later[0].id] if later else {}
    weights = (float(main.weight), float(later[0].weight)) if later else (1.0, 1.0)
    finals = {
        proposal_id: agg.combine_rounds(first.score, seconds[proposal_id].score, *weights)
        if proposal_id in seconds else first.score
        for proposal_id, first in own.items()
    }
    entrants = [(i, score) for i, score in finals.items() if i in seconds]
    others = [(i, score) for i, score in finals.items() if i not in seconds]
    titles = {p.id: p for p in inputs.proposals}
    ordered = []
    for proposal_id, rank, tied in agg.competition_ranking([entrants, others]):
        info = titles[proposal_id]
        ordered.append(Row(proposal_id, info.title, info.startup_name, own[proposal_id],
                           seconds.get(proposal_id), finals[proposal_id], rank, tied,
                           inputs.decisions.get(proposal_id)))
    return Ranking(inputs.challenge_id, tuple(rounds), ordered, round_number)


__all__ = [
    "AssignmentInput", "CriterionInfo", "DecisionInfo", "Inputs", "Override", "ProposalInfo",
    "Ranking", "RoundFigures", "RoundInfo", "Row", "build", "challenge_ranking", "load_inputs",
    "round_ranking",
]
