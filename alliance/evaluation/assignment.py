"""Who reviews which proposal: the automatic assignment and the admin's changes.

Three layers, each usable alone:

* :func:`solve`, a pure optimiser (no database): k distinct jurors per proposal,
  never a conflicted pair, loads balanced (or under a cap), the sum of the
  affinities as high as possible. It is a min-cost flow (proposals -> jurors ->
  sink), written as a linear program for HiGHS. Its constraint matrix is an
  incidence matrix of a bipartite graph plus unit columns, so it is totally
  unimodular: the simplex optimum is integral (checked; a MILP solve backs it up).
  Priorities come from the costs: a missing reviewer costs more than any
  imbalance, and an imbalance more than any gain in affinity.
* :func:`expertise_similarity` and :func:`affinities`: TF-IDF cosine between a
  juror's tags and expertise and a proposal's text, analysed with the search
  module's Italian and English analysers (so "sensori" meets "sensore"), plus the
  juror's stated interest.
* The services on the database: :func:`run_assignment`, :func:`add_assignment`,
  :func:`remove_assignment`, :func:`remove_conflicted_assignments`.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple

import numpy as np
import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from alliance.auth import policy
from alliance.auth.models import User
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.evaluation import conflicts, revisions
from alliance.evaluation.models import (
    AUTO,
    CALIBRATION,
    CLOSED,
    MANUAL,
    NEUTRAL,
    RATHER_NOT,
    REFERENCE,
    SETUP,
    SUBMITTED,
    WANT,
    WILLING,
    Assignment,
    CommitteeMember,
    EvaluationRound,
    JurorProfile,
    Review,
    ReviewInterest,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import Proposal
from alliance.search import glossary
from alliance.search.analysis import ANALYZERS

# -- the optimiser ----------------------------------------------------------------

# Why a proposal has fewer than k reviewers.
SHORT_OF_JURORS = "conflicts"  # fewer jurors without a conflict than k
LOAD_CAPS = "load_caps"  # enough jurors, but their caps are reached

# Costs, in units of affinity (about -2 to 3 per pair). A missing reviewer must cost
# more than any rearrangement of loads, and one unit of imbalance more than any
# exchange of affinities it could buy (an exchange runs along a path of at most
# two pairs per juror).
MISSING_COST = 1e6
BALANCE_COST = 1e3
OVERLOAD_STEPS = 8  # loads above the balanced range cost 1, 2, ... 8 times more per unit
TIE_BREAK = 1e-6  # equal affinities: the pair of lower ids wins


class Shortfall(NamedTuple):
    missing: int  # reviewers short of k
    reason: str  # SHORT_OF_JURORS or LOAD_CAPS
    eligible: int  # jurors without a conflict with the proposal (assigned ones included)


@dataclass
class Solution:
    pairs: list[tuple[int, int]]  # (juror, proposal), fixed ones included, by proposal
    shortfalls: dict[int, Shortfall]
    loads: dict[int, int]  # juror -> number of proposals, fixed ones included
    objective: float  # sum of the affinities of ``pairs``
    new_pairs: list[tuple[int, int]] = field(default_factory=list)  # pairs minus fixed


def solve(
    *,
    proposal_ids: Iterable[int],
    juror_ids: Iterable[int],
    k: int,
    max_load: int | None = None,
    affinity: Mapping[tuple[int, int], float],
    forbidden: Iterable[tuple[int, int]],
    fixed: Iterable[tuple[int, int]] = (),
) -> Solution:
    """Assign ``k`` distinct jurors to each proposal.

    ``affinity[(juror, proposal)]`` says how good a pair is (missing pairs: 0);
    ``forbidden`` pairs are never chosen; ``fixed`` pairs are kept as they are and
    count towards k and towards their juror's load (a fixed pair's juror need not
    be in ``juror_ids``: then it counts towards k only; a fixed pair is kept even if
    forbidden: the caller decides what to keep).

    Loads: with ``max_load`` None every juror of ``juror_ids`` gets, as far as the
    conflicts allow, floor or ceil of (assignments that can be made) / (jurors);
    otherwise at most ``max_load`` each. What cannot be met is in ``shortfalls``.
    The same input always gives the same output.
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    proposals = sorted(set(proposal_ids))
    jurors = sorted(set(juror_ids))
    p_index = {p: i for i, p in enumerate(proposals)}
    j_index = {j: i for i, j in enumerate(jurors)}
    n_p, n_j = len(proposals), len(jurors)

    fixed = sorted(set(fixed), key=lambda pair: (pair[1], pair[0]))
    fixed_count = np.zeros(n_p, dtype=np.int64)
    fixed_load = np.zeros(n_j, dtype=np.int64)
    allowed = np.ones((n_j, n_p), dtype=bool)
    for juror, proposal in fixed:
        if proposal not in p_index:
            raise ValueError(f"fixed pair {(juror, proposal)} names an unknown proposal")
        fixed_count[p_index[proposal]] += 1
        if juror in j_index:
            fixed_load[j_index[juror]] += 1
            allowed[j_index[juror], p_index[proposal]] = False
    eligible = fixed_count.copy()  # jurors without a conflict, per proposal
    for juror, proposal in forbidden:
        ji, pi = j_index.get(juror), p_index.get(proposal)
        if ji is not None and pi is not None:
            allowed[ji, pi] = False
    eligible += allowed.sum(axis=0)
    need = np.maximum(0, k - fixed_count)
    allowed[:, need == 0] = False

    scores = np.zeros((n_j, n_p))
    for (juror, proposal), value in affinity.items():
        ji, pi = j_index.get(juror), p_index.get(proposal)
        if ji is not None and pi is not None:
            scores[ji, pi] = value

    # Edges ordered by proposal, then juror (the order HiGHS sees is part of the input).
    e_p, e_j = np.nonzero(allowed.T)
    chosen = np.zeros(len(e_p), dtype=bool)
    slack = need.astype(float)
    if n_j and len(e_p):
        chosen, slack = _solve_flow(e_p, e_j, scores[e_j, e_p], need, fixed_load, n_p, n_j,
                                    max_load)

    new_pairs = [(jurors[j], proposals[p]) for p, j in zip(e_p[chosen], e_j[chosen],
                                                            strict=True)]
    pairs = sorted(fixed + new_pairs, key=lambda pair: (pair[1], pair[0]))
    loads = {j: 0 for j in jurors}
    for juror, _proposal in pairs:
        if juror in loads:
            loads[juror] += 1
    shortfalls = {}
    for pi, missing in enumerate(slack):
        missing = int(round(missing))
        if missing > 0:
            reason = SHORT_OF_JURORS if eligible[pi] < k else LOAD_CAPS
            shortfalls[proposals[pi]] = Shortfall(missing, reason, int(eligible[pi]))
    objective = float(sum(affinity.get(pair, 0.0) for pair in pairs))
    return Solution(pairs=pairs, shortfalls=shortfalls, loads=loads,
                    objective=round(objective, 9), new_pairs=sorted(
                        new_pairs, key=lambda pair: (pair[1], pair[0])))


def _load_tiers(fixed_load: np.ndarray, total: int, max_load: int | None):
    """Per juror, the columns that carry their new load to the sink:
    (juror row, capacity, cost). Convex costs: the LP fills cheap tiers first."""
    n_j = len(fixed_load)
    tiers: list[tuple[int, float, float]] = []
    if max_load is not None:
        for j in range(n_j):
            tiers.append((j, float(max(0, max_load - fixed_load[j])), 0.0))
        return tiers
    low, high = total // n_j, -(-total // n_j)
    for j in range(n_j):
        f = int(fixed_load[j])
        if low > f:  # up to the floor: every unit there is worth a unit of balance
            tiers.append((j, float(low - f), -BALANCE_COST))
        if high > max(low, f):
            tiers.append((j, float(high - max(low, f)), 0.0))
        over = max(f, high) - high  # units above the range already held
        for step in range(1, OVERLOAD_STEPS + 1):
            tiers.append((j, 1.0, BALANCE_COST * (over + step)))
        tiers.append((j, math.inf, BALANCE_COST * (over + OVERLOAD_STEPS + 1)))
    return tiers


def _solve_flow(e_p, e_j, e_score, need, fixed_load, n_p, n_j, max_load):
    """The min-cost flow over the candidate edges: (chosen edges, slack per proposal).

    Variables = edges, then one slack per proposal, then the load tiers; rows =
    proposals (edges + slack = need), then jurors (edges - tiers = 0). (Column
    generation from each proposal's best edges was tried: the balance costs make
    the first duals poor, half the edges enter, and it ends slower.)"""
    n_e = len(e_p)
    # Assignments that can land on the pool's jurors (for the balanced range).
    per_proposal = np.bincount(e_p, minlength=n_p)
    total = int(fixed_load.sum() + np.minimum(need, per_proposal).sum())
    tiers = _load_tiers(fixed_load, total, max_load)
    n_t = len(tiers)
    t_row = np.array([t[0] for t in tiers], dtype=np.int64)

    rows = np.concatenate([e_p, n_p + e_j, np.arange(n_p), n_p + t_row])
    cols = np.concatenate([np.arange(n_e), np.arange(n_e), n_e + np.arange(n_p),
                           n_e + n_p + np.arange(n_t)])
    data = np.concatenate([np.ones(2 * n_e), np.ones(n_p), -np.ones(n_t)])
    a_eq = sparse.csc_array((data, (rows, cols)), shape=(n_p + n_j, n_e + n_p + n_t))
    b_eq = np.concatenate([need.astype(float), np.zeros(n_j)])

    # Ties: a tiny preference for lower ids (edges are already in id order).
    tie = TIE_BREAK * (np.arange(n_e) / max(1, n_e))
    cost = np.concatenate([-np.round(e_score, 6) + tie, np.full(n_p, MISSING_COST),
                           np.array([t[2] for t in tiers])])
    upper = np.concatenate([np.ones(n_e), need.astype(float), np.array([t[1] for t in tiers])])
    lower = np.zeros(n_e + n_p + n_t)

    result = linprog(cost, A_eq=a_eq, b_eq=b_eq, bounds=np.column_stack([lower, upper]),
                     method="highs-ds")
    if result.status != 0:  # cannot happen (the slack makes it feasible): say so loudly
        raise RuntimeError(f"assignment LP failed: {result.message}")
    values = result.x
    # Totally unimodular: the simplex vertex is integral. Should rounding noise ever
    # say otherwise, the MILP settles it.
    if np.abs(values - np.round(values)).max(initial=0.0) > 1e-6:
        result = milp(cost, constraints=LinearConstraint(a_eq, b_eq, b_eq),
                      integrality=np.ones(len(cost)), bounds=Bounds(lower, upper))
        values = result.x
    values = np.round(values)
    return values[:n_e] > 0.5, values[n_e:n_e + n_p]


# -- affinity: expertise and interest ----------------------------------------------

TAG_WEIGHT = 3  # a tag counts as three words of the expertise text
TITLE_WEIGHT = 2
INTEREST_WEIGHTS = {WANT: 2.0, WILLING: 0.75, NEUTRAL: 0.0, RATHER_NOT: -2.0}


def terms(text: str) -> list[str]:
    """Terms of ``text`` in both analyses: proposals come in Italian and English,
    and a word read with the wrong language's stemmer still meets itself."""
    return ANALYZERS["it"].terms(text) + ANALYZERS["en"].terms(text)


def juror_terms(tags: Iterable[str], expertise: str) -> Counter:
    """A juror's profile as term counts: tags (with their glossary translations,
    so "mobilità" also reads "mobility") weigh more than the free text."""
    counts: Counter = Counter(terms(expertise))
    for tag in tags:
        text = " ".join([tag, *glossary.translations_of(tag)])
        for term in terms(text):
            counts[term] += TAG_WEIGHT
    return counts


def proposal_terms(title: str, abstract: str, description: str) -> Counter:
    counts: Counter = Counter(terms(f"{abstract}\n{description}"))
    for term in terms(title):
        counts[term] += TITLE_WEIGHT
    return counts


def expertise_similarity(
    jurors: Mapping[int, Counter], proposals: Mapping[int, Counter]
) -> tuple[list[int], list[int], np.ndarray]:
    """TF-IDF cosine (sub-linear term frequency, smoothed idf over all the texts)
    of every juror with every proposal: (juror ids, proposal ids, matrix in [0, 1])."""
    juror_ids, proposal_ids = sorted(jurors), sorted(proposals)
    docs = [jurors[j] for j in juror_ids] + [proposals[p] for p in proposal_ids]
    vocabulary: dict[str, int] = {}
    rows, cols, tf = [], [], []
    for r, counts in enumerate(docs):
        for term, count in counts.items():
            rows.append(r)
            cols.append(vocabulary.setdefault(term, len(vocabulary)))
            tf.append(count)
    if not juror_ids or not proposal_ids or not vocabulary:
        return juror_ids, proposal_ids, np.zeros((len(juror_ids), len(proposal_ids)))
    matrix = sparse.csr_array(
        (1.0 + np.log(np.asarray(tf, dtype=float)), (rows, cols)),
        shape=(len(docs), len(vocabulary)),
    )
    df = np.bincount(np.asarray(cols), minlength=len(vocabulary))
    idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
    matrix = matrix @ sparse.diags_array(idf)
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1))).ravel()
    norms[norms == 0] = 1.0
    matrix = sparse.diags_array(1.0 / norms) @ matrix
    matrix = sparse.csr_array(matrix)
    n_j = len(juror_ids)
    similarity = (matrix[:n_j] @ matrix[n_j:].T).toarray()
    return juror_ids, proposal_ids, np.clip(similarity, 0.0, 1.0)


def affinities(
    similarity: tuple[list[int], list[int], np.ndarray],
    interests: Iterable[tuple[int, int, int]] = (),
) -> dict[tuple[int, int], float]:
    """``{(juror, proposal): expertise + interest}`` from :func:`expertise_similarity`
    and (juror, proposal, level) interests."""
    juror_ids, proposal_ids, matrix = similarity
    matrix = matrix.copy()
    j_index = {j: i for i, j in enumerate(juror_ids)}
    p_index = {p: i for i, p in enumerate(proposal_ids)}
    for juror, proposal, level in interests:
        ji, pi = j_index.get(juror), p_index.get(proposal)
        if ji is not None and pi is not None:
            matrix[ji, pi] += INTEREST_WEIGHTS.get(level, 0.0)
    keys = [(j, p) for j in juror_ids for p in proposal_ids]
    return dict(zip(keys, matrix.ravel().tolist(), strict=True))


# -- the services -------------------------------------------------------------------

@dataclass
class ShortfallLine:
    proposal_id: int
    title: str
    missing: int
    reason: str  # translated


@dataclass
class JurorLoad:
    user_id: int
    name: str
    load: int


@dataclass
class Report:
    """What an automatic assignment did, for the admin's page."""

    round_id: int
    proposals: int  # assigned by this run (reference proposals left out)
    reviewers_per_proposal: int
    created: int
    kept: int  # manual ones and those with a review
    removed: int  # automatic ones replaced
    removed_conflicted: int  # kept ones that turned out conflicted: the conflict wins
    loads: list[JurorLoad]
    left_out: list[JurorLoad]  # members who have not declared their conflicts yet
    reference_proposals: list[int]
    shortfalls: list[ShortfallLine]
    objective: float

    @property
    def complete(self) -> bool:
        return not self.shortfalls


def shortfall_reason(shortfall: Shortfall) -> str:
    """The reason of a shortfall, in words."""
    if shortfall.reason == SHORT_OF_JURORS:
        if shortfall.eligible == 0:
            return _("no juror without a conflict")
        return ngettext("only %(num)d juror without a conflict",
                        "only %(num)d jurors without a conflict", shortfall.eligible)
    return _("jurors' load caps reached")


CONFLICT_LABELS = {
    conflicts.DECLARED: lambda: _("declared by the juror"),
    conflicts.MEMBER: lambda: _("member of the start-up"),
    conflicts.MAIL_DOMAIN: lambda: _("same e-mail domain as the start-up"),
    conflicts.RELATION: lambda: _("works for a customer, investor or competitor of the "
                                  "start-up"),
    conflicts.HIDDEN_FROM: lambda: _("works for a partner the proposal is hidden from"),
}


def conflict_labels(reasons: Iterable[str]) -> list[str]:
    return [CONFLICT_LABELS[r]() for r in sorted(reasons) if r in CONFLICT_LABELS]


def _allowed(user, round_: EvaluationRound) -> None:
    if not policy.can_manage_evaluation(user, round_.challenge):
        raise DomainError(_("You are not allowed to do this."))


def run_assignment(*, round_: EvaluationRound, user, now: datetime) -> Report:
    """Assign ``round_.reviewers_per_proposal`` jurors to each proposal of the round.

    The pool is the committee members who have declared their conflicts (the
    others are left out and named in the report). Manual assignments and those
    with a review stay and count; the other automatic ones are replaced; any kept
    one found conflicted is removed (the conflict wins). Reference proposals
    (calibration) are reviewed by everyone and are left out. Only in set-up or
    calibration: once reviewing starts, the admin changes assignments by hand.
    """
    _allowed(user, round_)
    if round_.status not in (SETUP, CALIBRATION):
        raise DomainError(_("Reviewers can be assigned automatically only before the reviews "
                            "start. Add or remove assignments by hand instead."))
    db.session.flush()

    members = db.session.execute(
        sa.select(CommitteeMember.user_id, CommitteeMember.conflicts_declared_at, User.name,
                  User.active)
        .join(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.round_id == round_.id)
        .order_by(User.name, User.id)
    ).all()
    pool = [m.user_id for m in members if m.conflicts_declared_at is not None and m.active]
    names = {m.user_id: m.name for m in members}
    left_out = [JurorLoad(m.user_id, m.name, 0) for m in members
                if m.conflicts_declared_at is None or not m.active]

    proposals = db.session.execute(
        sa.select(Proposal.id, Proposal.title, Proposal.abstract, Proposal.description)
        .where(Proposal.id.in_(round_proposal_ids(round_)))
        .order_by(Proposal.id)
    ).all()
    existing = db.session.execute(
        sa.select(Assignment.id, Assignment.user_id, Assignment.proposal_id, Assignment.source,
                  Review.id.label("review_id"))
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id)
    ).all()
    reference = sorted({a.proposal_id for a in existing if a.source == REFERENCE})
    titles = {p.id: p.title for p in proposals if p.id not in set(reference)}
    proposal_ids = sorted(titles)

    kept = [a for a in existing if a.source != REFERENCE
            and (a.source == MANUAL or a.review_id is not None)]
    conflicted = conflicts.conflict_pairs(set(pool) | {a.user_id for a in kept}, proposal_ids)
    removed_conflicted = [a.id for a in kept if (a.user_id, a.proposal_id) in conflicted]
    fixed = [(a.user_id, a.proposal_id) for a in kept
             if a.proposal_id in titles and (a.user_id, a.proposal_id) not in conflicted]

    affinity = _round_affinities(round_, pool, proposals, set(proposal_ids))
    solution = solve(proposal_ids=proposal_ids, juror_ids=pool,
                     k=round_.reviewers_per_proposal, max_load=round_.max_load,
                     affinity=affinity, forbidden=conflicted, fixed=fixed)

    removed = db.session.execute(
        sa.delete(Assignment)
        .where(Assignment.round_id == round_.id, Assignment.source == AUTO,
               Assignment.id.not_in(sa.select(Review.assignment_id)))
        .execution_options(synchronize_session="fetch")
    ).rowcount
    for assignment in db.session.scalars(
        sa.select(Assignment).where(Assignment.id.in_(removed_conflicted))
    ):
        db.session.delete(assignment)  # the ORM cascade takes its review along
    db.session.flush()
    if solution.new_pairs:
        db.session.execute(sa.insert(Assignment), [
            {"round_id": round_.id, "proposal_id": proposal, "user_id": juror, "source": AUTO,
             "created_at": now, "created_by_id": user.id}
            for juror, proposal in solution.new_pairs
        ])
    revisions.bump(db.session, round_ids=[round_.id])  # bulk statements: no flush saw them

    shortfalls = [ShortfallLine(pid, titles[pid], s.missing, shortfall_reason(s))
                  for pid, s in sorted(solution.shortfalls.items())]
    record(actor=user, action="evaluation.assignment_run", obj=round_, now=now,
           proposals=len(proposal_ids), jurors=len(pool), k=round_.reviewers_per_proposal,
           max_load=round_.max_load, created=len(solution.new_pairs), kept=len(fixed),
           removed=removed, removed_conflicted=removed_conflicted,
           left_out=[m.user_id for m in left_out], reference_proposals=reference,
           shortfalls={str(pid): [s.missing, s.reason]
                       for pid, s in sorted(solution.shortfalls.items())})
    db.session.flush()
    return Report(
        round_id=round_.id, proposals=len(proposal_ids),
        reviewers_per_proposal=round_.reviewers_per_proposal,
        created=len(solution.new_pairs), kept=len(fixed), removed=removed,
        removed_conflicted=len(removed_conflicted),
        loads=[JurorLoad(j, names.get(j, ""), solution.loads.get(j, 0)) for j in
               sorted(pool, key=lambda j: (names.get(j, ""), j))],
        left_out=left_out, reference_proposals=reference, shortfalls=shortfalls,
        objective=solution.objective,
    )


def _round_affinities(round_, pool, proposals, proposal_ids) -> dict[tuple[int, int], float]:
    profiles = {
        user_id: juror_terms([t.strip() for t in tags.split(",") if t.strip()], expertise)
        for user_id, tags, expertise in db.session.execute(
            sa.select(JurorProfile.user_id, JurorProfile.tags, JurorProfile.expertise)
            .where(JurorProfile.user_id.in_(pool))
        )
    }
    jurors = {j: profiles.get(j, Counter()) for j in pool}
    texts = {p.id: proposal_terms(p.title, p.abstract, p.description)
             for p in proposals if p.id in proposal_ids}
    interests = db.session.execute(
        sa.select(ReviewInterest.user_id, ReviewInterest.proposal_id, ReviewInterest.level)
        .where(ReviewInterest.round_id == round_.id)
    ).all()
    return affinities(expertise_similarity(jurors, texts), interests)


def _in_round(round_: EvaluationRound, proposal: Proposal) -> bool:
    return db.session.scalar(
        sa.select(Proposal.id).where(Proposal.id == proposal.id,
                                     Proposal.id.in_(round_proposal_ids(round_)))
    ) is not None


def add_assignment(*, round_: EvaluationRound, proposal: Proposal, juror, user,
                   now: datetime) -> Assignment:
    """Assign ``juror`` to ``proposal`` by hand (kept by later automatic runs)."""
    _allowed(user, round_)
    if round_.status == CLOSED:
        raise DomainError(_("The round is closed: its assignments can no longer change."))
    if not _in_round(round_, proposal):
        raise DomainError(_("This proposal is not evaluated in this round."))
    if policy.committee_membership(juror, round_) is None:
        raise DomainError(_("%(name)s is not a member of this round's committee.",
                            name=juror.name))
    reasons = conflicts.conflict_reasons(juror, proposal)
    if reasons:
        raise DomainError(_("%(name)s has a conflict of interest with this proposal: "
                            "%(reasons)s.", name=juror.name,
                            reasons="; ".join(conflict_labels(reasons))))
    already = db.session.scalar(
        sa.select(Assignment.id).filter_by(round_id=round_.id, proposal_id=proposal.id,
                                           user_id=juror.id)
    )
    if already is not None:
        raise DomainError(_("%(name)s is already assigned to this proposal.", name=juror.name))
    assignment = Assignment(round=round_, proposal=proposal, user=juror, source=MANUAL,
                            created_at=now, created_by_id=user.id)
    db.session.add(assignment)
    db.session.flush()
    record(actor=user, action="evaluation.assignment_added", obj=round_, now=now,
           assignment_id=assignment.id, juror_id=juror.id, proposal_id=proposal.id)
    return assignment


def remove_assignment(*, assignment: Assignment, user, now: datetime) -> None:
    """Remove an assignment (and its draft review, if any); refused once its review
    has been submitted."""
    round_ = assignment.round
    _allowed(user, round_)
    if round_.status == CLOSED:
        raise DomainError(_("The round is closed: its assignments can no longer change."))
    review = assignment.review
    if review is not None and review.status == SUBMITTED:
        raise DomainError(_("This juror has already submitted the review: the assignment "
                            "cannot be removed."))
    record(actor=user, action="evaluation.assignment_removed", obj=round_, now=now,
           assignment_id=assignment.id, juror_id=assignment.user_id,
           proposal_id=assignment.proposal_id, source=assignment.source,
           draft_deleted=review is not None)
    db.session.delete(assignment)
    db.session.flush()


def remove_conflicted_assignments(*, user_id: int, startup_id: int, now: datetime) -> int:
    """A juror declared a conflict with a start-up: remove their assignments to its
    proposals in every round not yet closed, reviews included (the conflict wins;
    closed rounds keep their history, and the policy hides the proposal anyway).
    Returns how many were removed."""
    found = db.session.scalars(
        sa.select(Assignment)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .where(Assignment.user_id == user_id, Proposal.startup_id == startup_id,
               EvaluationRound.status != CLOSED)
        .order_by(Assignment.id)
    ).all()
    actor = db.session.get(User, user_id)
    for assignment in found:
        review = assignment.review
        record(actor=actor, action="evaluation.assignment_removed", obj=assignment.round,
               now=now, assignment_id=assignment.id, juror_id=user_id,
               proposal_id=assignment.proposal_id, source=assignment.source,
               reason="conflict", startup_id=startup_id,
               review_status=review.status if review is not None else None)
        db.session.delete(assignment)
    db.session.flush()
    return len(found)


def drop_conflicted(*, startup_ids=(), proposal_ids=(), user_ids=(), now: datetime) -> int:
    """Remove the assignments, in rounds not yet closed, that a change has put in
    conflict: of the given start-ups' or proposals' jurors, or of the given jurors.
    Each removal is audited (reason "conflict"). Returns how many were removed."""
    startup_ids, proposal_ids, user_ids = set(startup_ids), set(proposal_ids), set(user_ids)
    if not (startup_ids or proposal_ids or user_ids):
        return 0
    candidates = db.session.execute(
        sa.select(Assignment.id, Assignment.user_id, Assignment.proposal_id)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .where(EvaluationRound.status != CLOSED, sa.or_(
            Proposal.startup_id.in_(startup_ids), Proposal.id.in_(proposal_ids),
            Assignment.user_id.in_(user_ids)))
    ).all()
    if not candidates:
        return 0
    conflicted = conflicts.conflict_pairs({c.user_id for c in candidates},
                                {c.proposal_id for c in candidates})
    doomed = [c.id for c in candidates if (c.user_id, c.proposal_id) in conflicted]
    for assignment in db.session.scalars(
        sa.select(Assignment).where(Assignment.id.in_(doomed)).order_by(Assignment.id)
    ):
        review = assignment.review
        record(actor=None, action="evaluation.assignment_removed", obj=assignment.round,
               now=now, assignment_id=assignment.id, juror_id=assignment.user_id,
               proposal_id=assignment.proposal_id, source=assignment.source,
               reason="conflict",
               conflicts=sorted(conflicted[(assignment.user_id, assignment.proposal_id)]),
               review_status=review.status if review is not None else None)
        db.session.delete(assignment)
    db.session.flush()
    return len(doomed)
