"""Pilot matching: which start-up pilots with which challenge. Pure functions over
ids and numbers (ids must be sortable among themselves, e.g. all ints); a pair is
always ``(startup_id, challenge_id)``.

* :func:`optimal_matching`: a maximum-weight b-matching. One variable
  ``x_sc`` in [0, 1] per candidate pair; maximise ``sum score_sc * x_sc`` subject
  to ``sum_c x_sc <= capacity_s`` and ``sum_s x_sc <= slots_c``. The constraint
  matrix is the incidence matrix of a bipartite graph, totally unimodular, so
  the vertex the (dual) simplex returns is integral: checked, and a MILP solve
  backs it up should rounding noise say otherwise.
* :func:`stable_matching`: deferred acceptance (hospitals/residents with
  capacities on both sides), start-ups proposing.
* :func:`blocking_pairs` and :func:`compare`: the "unhappy pairs" of a matching
  and what the optimum and the stable matching cost each other.
* :func:`rematch_after_decline`: who should take a declined pilot's slot.
"""
from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

Pair = tuple[Hashable, Hashable]  # (startup_id, challenge_id)

# Scores are compared to 4 decimals (aggregated scores are 0-100, shown to 2).
SCORE_DECIMALS = 4
# All the tie-break bonuses of one matching together stay below half of that
# resolution, so they only ever decide between totals that are equal.
TIE_BUDGET = 0.5 * 10.0 ** -SCORE_DECIMALS
DEFAULT_CAPACITY = 1


@dataclass(frozen=True)
class Matching:
    pairs: tuple[Pair, ...]  # sorted (start-up, challenge); locked ones included
    total_score: float | None  # sum of the pairs' scores (None: no scores given)
    slots: Mapping  # challenge -> pilot slots
    capacity: Mapping  # start-up -> pilots it may take
    locked: tuple[Pair, ...] = ()

    def challenges_of(self, startup_id) -> tuple:
        return tuple(c for s, c in self.pairs if s == startup_id)

    def startups_of(self, challenge_id) -> tuple:
        return tuple(s for s, c in self.pairs if c == challenge_id)

    @property
    def open_slots(self) -> dict:
        """Challenge -> slots left empty (only those with at least one)."""
        taken: dict = {}
        for _s, c in self.pairs:
            taken[c] = taken.get(c, 0) + 1
        return {c: n - taken.get(c, 0) for c, n in sorted(self.slots.items())
                if n - taken.get(c, 0) > 0}


def _capacities(startup_capacity, startups: Iterable) -> dict:
    if isinstance(startup_capacity, Mapping):
        return {s: int(startup_capacity.get(s, DEFAULT_CAPACITY)) for s in startups}
    return {s: int(startup_capacity) for s in startups}


def _total(pairs: Iterable[Pair], scores: Mapping | None) -> float | None:
    if scores is None:
        return None
    return round(float(sum(float(scores.get(p, 0.0)) for p in pairs)), 9)


def optimal_matching(*, scores: Mapping[Pair, float], slots: Mapping, startup_capacity=1,
                     allowed: Iterable[Pair] | None = None,
                     locked: Iterable[Pair] = ()) -> Matching:
    """The matching of highest total score: each challenge gets at most its
    ``slots``, each start-up at most its capacity (an int for all, or a dict;
    missing start-ups: 1). Candidates are the pairs of ``scores`` (limited to
    ``allowed`` when given); a pair with a negative score is never chosen.
    ``locked`` pairs stay (even if not allowed or unscored: the admin decided)
    and use up capacity; locks beyond a capacity raise ValueError.

    Ties (totals equal to 4 decimals): pair (s, c) gets a bonus
    ``b * f(s) * g(c)``, f and g decreasing from 1 along the sorted ids, with all
    bonuses together below half the resolution. So a slot two start-ups tie for
    goes to the lower id and, between two equal pairings, lower start-up ids go
    with lower challenge ids. The same input always gives the same matching (on
    very large instances the bonuses get too small to be sure of the id rule).
    """
    locked = sorted(set(locked))
    startups = sorted({s for s, _c in scores} | {s for s, _c in locked})
    capacity = _capacities(startup_capacity, startups)
    cap_left = dict(capacity)
    slot_left = {c: int(n) for c, n in slots.items()}
    for s, c in locked:
        if slot_left.get(c, 0) < 1:
            raise ValueError(f"the locked pairs exceed the slots of challenge {c!r}")
        if cap_left[s] < 1:
            raise ValueError(f"the locked pairs exceed the capacity of start-up {s!r}")
        slot_left[c] -= 1
        cap_left[s] -= 1
    allowed = None if allowed is None else set(allowed)
    fixed = set(locked)
    edges = sorted(p for p, v in scores.items()
                   if p not in fixed and (allowed is None or p in allowed) and float(v) >= 0
                   and slot_left.get(p[1], 0) > 0 and cap_left[p[0]] > 0)
    chosen = _solve(edges, scores, cap_left, slot_left) if edges else []
    pairs = tuple(sorted(locked + chosen))
    return Matching(pairs=pairs, total_score=_total(pairs, scores), slots=dict(slots),
                    capacity=capacity, locked=tuple(locked))


def _solve(edges: list[Pair], scores, cap_left, slot_left) -> list[Pair]:
    s_ids = sorted({s for s, _c in edges})
    c_ids = sorted({c for _s, c in edges})
    s_at = {s: i for i, s in enumerate(s_ids)}
    c_at = {c: i for i, c in enumerate(c_ids)}
    n_e, n_s, n_c = len(edges), len(s_ids), len(c_ids)
    e_s = np.fromiter((s_at[s] for s, _c in edges), dtype=np.int64, count=n_e)
    e_c = np.fromiter((c_at[c] for _s, c in edges), dtype=np.int64, count=n_e)
    value = np.round(np.fromiter((float(scores[p]) for p in edges), dtype=float, count=n_e),
                     SCORE_DECIMALS)
    most = min(sum(cap_left[s] for s in s_ids), sum(slot_left[c] for c in c_ids))
    bonus = (TIE_BUDGET / max(1, most)) * ((n_s - e_s) / n_s) * ((n_c - e_c) / n_c)
    cost = -(value + bonus)

    a_ub = sparse.csc_array(
        (np.ones(2 * n_e), (np.concatenate([e_s, n_s + e_c]), np.tile(np.arange(n_e), 2))),
        shape=(n_s + n_c, n_e))
    b_ub = np.array([cap_left[s] for s in s_ids] + [slot_left[c] for c in c_ids], dtype=float)
    result = linprog(cost, A_ub=a_ub, b_ub=b_ub, bounds=(0, 1), method="highs-ds",
                     options={"dual_feasibility_tolerance": 1e-10,
                              "primal_feasibility_tolerance": 1e-10})
    if result.status != 0:  # x = 0 is feasible and the region bounded: cannot happen
        raise RuntimeError(f"pilot matching LP failed: {result.message}")
    x = result.x
    if np.abs(x - np.round(x)).max(initial=0.0) > 1e-6:  # TU says never; be sure
        x = milp(cost, constraints=LinearConstraint(a_ub, -np.inf, b_ub),
                 integrality=np.ones(n_e), bounds=Bounds(0, 1)).x
    return [edges[i] for i in np.flatnonzero(x > 0.5)]


# -- stable matching -----------------------------------------------------------------

_TIED = (set, frozenset, list, tuple)


def _entries(prefs):
    """(level, id) along a ranking: an entry is an id, or a set/list/tuple of tied
    ids (same level, taken by ascending id); an id seen before is skipped."""
    seen: set = set()
    for level, entry in enumerate(prefs):
        for x in (sorted(entry) if isinstance(entry, _TIED) else (entry,)):
            if x not in seen:
                seen.add(x)
                yield level, x


def _rank(prefs) -> dict:
    """id -> its level in the ranking (tied ids share one; lower is better)."""
    return {x: level for level, x in _entries(prefs)}


def stable_matching(*, startup_prefs: Mapping, challenge_prefs: Mapping, slots: Mapping,
                    startup_capacity=1, scores: Mapping[Pair, float] | None = None) -> Matching:
    """Deferred acceptance (Gale-Shapley; Roth's hospitals/residents with
    capacities), start-ups proposing: each start-up with room proposes to its
    next-ranked challenge; a challenge holds its best ``slots`` proposers by the
    committee's ranking and rejects the rest, who propose further down. A pair
    is acceptable when each side ranks the other. Start-ups propose because the
    result is then the start-up-optimal stable matching (no start-up does better
    in any other stable one) and, with one pilot per start-up, no start-up gains
    by misreporting its ranking: it matters, as they state their rankings
    themselves, while the committees' rankings come from the evaluation.

    Ties in a ranking (an entry that is a set or tuple of ids) are broken by
    ascending id; the result is stable for the broken rankings, hence weakly
    stable for the given ones. ``scores`` only fills ``total_score``."""
    capacity = _capacities(startup_capacity, startup_prefs)
    order = {s: [c for _level, c in _entries(p)] for s, p in startup_prefs.items()}
    position = {c: {s: i for i, (_level, s) in enumerate(_entries(p))}
                for c, p in challenge_prefs.items()}
    held: dict = {c: [] for c in slots}
    count = dict.fromkeys(capacity, 0)
    next_at = dict.fromkeys(capacity, 0)
    queue = deque(sorted(startup_prefs))
    while queue:
        s = queue.popleft()
        while count[s] < capacity[s] and next_at[s] < len(order[s]):
            c = order[s][next_at[s]]
            next_at[s] += 1
            rank = position.get(c, {})
            if s not in rank or slots.get(c, 0) < 1:
                continue  # not acceptable to the committee, or no slot
            held[c].append(s)
            count[s] += 1
            if len(held[c]) > slots[c]:
                worst = max(held[c], key=rank.__getitem__)
                held[c].remove(worst)
                count[worst] -= 1
                if worst != s:
                    queue.append(worst)
    pairs = tuple(sorted((s, c) for c, group in held.items() for s in group))
    return Matching(pairs=pairs, total_score=_total(pairs, scores), slots=dict(slots),
                    capacity=capacity)


def blocking_pairs(matching: Matching, *, startup_prefs: Mapping,
                   challenge_prefs: Mapping) -> list[Pair]:
    """The "unhappy pairs": a start-up and a challenge, acceptable to each other
    and not matched together, who both prefer each other to what they got: the
    start-up has room or ranks the challenge strictly above its worst pilot, and
    the challenge has a free slot or ranks the start-up strictly above its worst
    pilot (a pilot outside a ranking counts as worse than anything ranked)."""
    return _blocking(matching, {s: _rank(p) for s, p in startup_prefs.items()},
                     {c: _rank(p) for c, p in challenge_prefs.items()})


def _blocking(matching: Matching, s_rank: dict, c_rank: dict) -> list[Pair]:
    matched = set(matching.pairs)
    worst_s: dict = {}
    worst_c: dict = {}
    for s, c in matching.pairs:
        worst_s.setdefault(s, []).append(s_rank.get(s, {}).get(c, np.inf))
        worst_c.setdefault(c, []).append(c_rank.get(c, {}).get(s, np.inf))
    found = []
    for s, ranks in sorted(s_rank.items()):
        held = worst_s.get(s, [])
        room = len(held) < matching.capacity.get(s, DEFAULT_CAPACITY)
        for c, r in ranks.items():
            if (s, c) in matched or s not in c_rank.get(c, {}):
                continue
            if not (room or (held and r < max(held))):
                continue
            taken = worst_c.get(c, [])
            if len(taken) < matching.slots.get(c, 0) or (taken and c_rank[c][s] < max(taken)):
                found.append((s, c))
    return sorted(found)


# -- comparison and re-matching -------------------------------------------------------

@dataclass(frozen=True)
class Difference:
    startup_id: Hashable
    optimal: tuple  # the start-up's challenges in the optimal matching
    stable: tuple  # ... and in the stable one


@dataclass(frozen=True)
class Comparison:
    common: tuple[Pair, ...]
    only_optimal: tuple[Pair, ...]
    only_stable: tuple[Pair, ...]
    differences: tuple[Difference, ...]  # start-ups placed differently
    optimal_total: float
    stable_total: float
    score_cost: float  # what choosing the stable matching gives up in total score
    blocking_optimal: tuple[Pair, ...]  # the optimum's unhappy pairs
    blocking_stable: tuple[Pair, ...]  # empty for a stable matching

    @property
    def same(self) -> bool:
        return not self.only_optimal and not self.only_stable


def compare(optimal: Matching, stable: Matching, *, scores: Mapping[Pair, float],
            startup_prefs: Mapping, challenge_prefs: Mapping) -> Comparison:
    """Where the two matchings differ and what each costs: the stable one in
    total score, the optimal one in blocking ("unhappy") pairs."""
    a, b = set(optimal.pairs), set(stable.pairs)
    startups = sorted({s for s, _c in a ^ b})
    optimal_total, stable_total = _total(a, scores), _total(b, scores)
    s_rank = {s: _rank(p) for s, p in startup_prefs.items()}
    c_rank = {c: _rank(p) for c, p in challenge_prefs.items()}
    return Comparison(
        common=tuple(sorted(a & b)), only_optimal=tuple(sorted(a - b)),
        only_stable=tuple(sorted(b - a)),
        differences=tuple(Difference(s, optimal.challenges_of(s), stable.challenges_of(s))
                          for s in startups),
        optimal_total=optimal_total, stable_total=stable_total,
        score_cost=round(optimal_total - stable_total, 9),
        blocking_optimal=tuple(_blocking(optimal, s_rank, c_rank)),
        blocking_stable=tuple(_blocking(stable, s_rank, c_rank)),
    )


@dataclass(frozen=True)
class Candidate:
    startup_id: Hashable
    score: float  # of the start-up with the freed challenge
    gain: float  # change of the total score if it takes the slot
    moved_from: Hashable | None = None  # the challenge it would leave, if any


@dataclass(frozen=True)
class Rematch:
    challenge_id: Hashable
    candidates: tuple[Candidate, ...]  # best first
    matching: Matching  # the declined pair removed and the best candidate placed

    @property
    def best(self) -> Candidate | None:
        return self.candidates[0] if self.candidates else None


def rematch_after_decline(*, matching: Matching, declined_pair: Pair,
                          scores: Mapping[Pair, float], slots: Mapping | None = None,
                          allowed: Iterable[Pair] | None = None, declined: Iterable[Pair] = (),
                          allow_moves: bool = True, limit: int = 5) -> Rematch:
    """Suggest who takes the slot ``declined_pair`` frees (the admin confirms).

    Candidates for the challenge: start-ups with a score >= 0 for it (and allowed),
    neither the declined pair nor one of the earlier ``declined`` ones, with room
    for a pilot (gain = their score) or, if ``allow_moves``, already placed
    elsewhere on a pair not locked and scoring less (gain = the difference; their
    old slot is then free). Best gain first; on equal gains a start-up with room
    before a move, then the lower id. ``matching`` is the matching after the
    decline with the best candidate placed (without it if there is none)."""
    c = declined_pair[1]
    if declined_pair not in matching.pairs:
        raise ValueError(f"{declined_pair!r} is not a pair of the matching")
    slots = dict(matching.slots if slots is None else slots)
    pairs = set(matching.pairs) - {declined_pair}
    excluded = set(declined) | {declined_pair}
    allowed = None if allowed is None else set(allowed)
    locked = set(matching.locked)
    load: dict = {}
    for s, _c in pairs:
        load[s] = load.get(s, 0) + 1
    found = []
    if sum(1 for _s, x in pairs if x == c) < slots.get(c, 0):
        for (s, x), value in scores.items():
            value = float(value)
            if (x != c or value < 0 or (s, c) in pairs or (s, c) in excluded
                    or (allowed is not None and (s, c) not in allowed)):
                continue
            if load.get(s, 0) < matching.capacity.get(s, DEFAULT_CAPACITY):
                found.append(Candidate(s, value, value))
            elif allow_moves:
                # Leave its lowest-scoring pilot that is not locked (equal: lower id).
                moves = [(value - float(scores.get((s, y), 0.0)), y)
                         for t, y in pairs if t == s and (s, y) not in locked]
                if moves:
                    gain, y = min(moves, key=lambda m: (-m[0], m[1]))
                    if gain > 0:
                        found.append(Candidate(s, value, round(gain, 9), y))
    found.sort(key=lambda k: (-k.gain, k.moved_from is not None, k.startup_id))
    if found:
        best = found[0]
        pairs.add((best.startup_id, c))
        if best.moved_from is not None:
            pairs.discard((best.startup_id, best.moved_from))
    pairs = tuple(sorted(pairs))
    after = Matching(pairs=pairs, total_score=_total(pairs, scores), slots=slots,
                     capacity=dict(matching.capacity),
                     locked=tuple(p for p in matching.locked if p != declined_pair))
    return Rematch(challenge_id=c, candidates=tuple(found[:limit]), matching=after)

