"""The two solutions of a call's pilot matching, what each costs, and why each pair
is (or is not) in them. Pure: works on a loaded :class:`CallData`.

* the optimal matching: the highest total score under the capacities, with the
  admin's pins kept and exclusions left out;
* the stable matching: deferred acceptance, start-ups proposing along their own
  rankings, each challenge holding the best by its committee's ranking. The
  admin's adjustments apply to it too: excluded pairs are unacceptable to both
  sides, pinned pairs are placed first and use up their slot and capacity.
"""
from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from alliance.core.errors import DomainError
from alliance.matching import pilots
from alliance.matching.models import EXCLUDE, OPTIMAL, PIN, STABLE
from alliance.matching.pilot_candidates import CallData, Pair


@dataclass(frozen=True)
class Explanation:
    """Why a pair is where it is: its score and both sides' view of each other."""

    startup_id: int
    challenge_id: int
    startup_name: str
    challenge_title: str
    score: float
    startup_rank: int | None  # the challenge's place in the start-up's order
    startup_ranked: bool  # the start-up ranked it itself (else: by score)
    startup_choices: int  # how many challenges the start-up may pilot
    committee_rank: int | None  # the start-up's rank in the committee's ranking
    committee_size: int  # the challenge's candidates
    pinned: bool
    excluded: bool
    in_optimal: bool
    in_stable: bool

    @property
    def facts(self) -> dict:
        """What a pilot stores to explain itself (``Pilot.explanation``)."""
        return explanation_facts(score=self.score, startup_rank=self.startup_rank,
                                 startup_ranked=self.startup_ranked,
                                 startup_choices=self.startup_choices,
                                 committee_rank=self.committee_rank,
                                 committee_size=self.committee_size)

    @property
    def reason(self) -> str:
        return reason_line(**self.facts)

    @property
    def pair(self) -> Pair:
        return (self.startup_id, self.challenge_id)

    @property
    def differs(self) -> bool:
        return self.in_optimal != self.in_stable


@dataclass
class Solution:
    data: CallData
    capacity: int
    optimal: pilots.Matching
    stable: pilots.Matching
    comparison: pilots.Comparison
    explanations: dict[Pair, Explanation]  # every candidate pair
    pins: frozenset
    excludes: frozenset

    def matching(self, name: str) -> pilots.Matching:
        return self.optimal if name == OPTIMAL else self.stable

    def pairs_by_challenge(self) -> list[tuple[int, list[Explanation]]]:
        """Every candidate pair, grouped by challenge, in the committee's order."""
        groups: dict[int, list[Explanation]] = {c: [] for c in self.data.challenges}
        for explanation in self.explanations.values():
            groups[explanation.challenge_id].append(explanation)
        return [(c, sorted(group, key=lambda e: (e.committee_rank or 10**9, e.startup_name,
                                                 e.startup_id)))
                for c, group in groups.items() if group]

    def blocking(self, name: str) -> tuple[Pair, ...]:
        return (self.comparison.blocking_optimal if name == OPTIMAL
                else self.comparison.blocking_stable)


def explanation_facts(*, score: float, startup_rank: int | None, startup_ranked: bool,
                      startup_choices: int, committee_rank: int | None,
                      committee_size: int) -> dict:
    return dict(score=round(float(score), 4), startup_rank=startup_rank,
                startup_ranked=bool(startup_ranked), startup_choices=startup_choices,
                committee_rank=committee_rank, committee_size=committee_size)


def pilot_reason(pilot) -> str:
    """A pilot's stored explanation in the current language (a template filter:
    ``pilot|pilot_reason``); "" for a pilot without one."""
    return reason_line(**pilot.explanation) if pilot.explanation else ""


def reason_line(*, score: float, startup_rank: int | None, startup_ranked: bool,
                startup_choices: int, committee_rank: int | None, committee_size: int) -> str:
    """One line, in the current language: the score, the start-up's choice, the
    committee's rank."""
    parts = [_("score %(score).2f", score=score)]
    if startup_rank is not None:
        if startup_ranked:
            parts.append(_("the start-up's choice no. %(rank)d of %(n)d", rank=startup_rank,
                           n=startup_choices))
        else:
            parts.append(_("no. %(rank)d of %(n)d for the start-up by score (it did not rank "
                           "it)", rank=startup_rank, n=startup_choices))
    if committee_rank is not None:
        parts.append(_("no. %(rank)d of %(n)d in the committee's ranking", rank=committee_rank,
                       n=committee_size))
    return "; ".join(parts)[:500]


def _without(prefs: list, excluded: set) -> list:
    """A ranking (entries: an id or a set of tied ids) without ``excluded`` ids."""
    kept = []
    for entry in prefs:
        if isinstance(entry, set):
            left = entry - excluded
            if left:
                kept.append(left if len(left) > 1 else next(iter(left)))
        elif entry not in excluded:
            kept.append(entry)
    return kept


def _total(pairs, scores) -> float:
    return round(float(sum(scores.get(p, 0.0) for p in pairs)), 9)


def solve_data(data: CallData, *, capacity: int, adjustments) -> Solution:
    """Both solutions of ``data`` with ``adjustments`` (MatchingAdjustment rows) and
    every start-up taking up to ``capacity`` pilots; DomainError when the pins do
    not fit the slots or the capacities."""
    pins = frozenset(a.pair for a in adjustments if a.kind == PIN and a.pair in data.candidates)
    excludes = frozenset(a.pair for a in adjustments
                         if a.kind == EXCLUDE and a.pair in data.candidates)
    scores = data.scores
    slots = data.slots
    try:
        optimal = pilots.optimal_matching(
            scores=scores, slots=slots, startup_capacity=capacity,
            allowed=set(data.candidates) - excludes, locked=pins)
    except ValueError:
        raise DomainError(_("The pinned pairs need more pilot slots or more pilots per "
                            "start-up than there are: remove a pin.")) from None
    startup_prefs = {s: [c for c in order if (s, c) not in excludes]
                     for s, order in data.startup_prefs.items()}
    challenge_prefs = {c: _without(order, {s for s, x in excludes if x == c})
                       for c, order in data.committee_prefs.items()}
    stable = _stable(startup_prefs, challenge_prefs, slots, capacity, pins, scores)
    comparison = pilots.compare(optimal, stable, scores=scores, startup_prefs=startup_prefs,
                                challenge_prefs=challenge_prefs)
    in_optimal, in_stable = set(optimal.pairs), set(stable.pairs)
    explanations = {}
    for pair, candidate in sorted(data.candidates.items()):
        s, c = pair
        facts = dict(score=candidate.score, startup_rank=data.startup_rank(pair),
                     startup_ranked=data.startup_ranked(pair),
                     startup_choices=len(data.startup_prefs.get(s, ())),
                     committee_rank=candidate.committee_rank,
                     committee_size=data.committee_size.get(c, 0))
        explanations[pair] = Explanation(
            startup_id=s, challenge_id=c, startup_name=data.startup_names[s],
            challenge_title=data.challenges[c].title, pinned=pair in pins,
            excluded=pair in excludes, in_optimal=pair in in_optimal,
            in_stable=pair in in_stable, **facts)
    return Solution(data=data, capacity=capacity, optimal=optimal, stable=stable,
                    comparison=comparison, explanations=explanations, pins=pins,
                    excludes=excludes)


def _stable(startup_prefs, challenge_prefs, slots, capacity, pins, scores) -> pilots.Matching:
    """Deferred acceptance after placing the pinned pairs."""
    slots_left = dict(slots)
    cap_left = dict.fromkeys(startup_prefs, capacity)
    for s, c in pins:
        slots_left[c] -= 1
        cap_left[s] = cap_left.get(s, capacity) - 1
    prefs_left = {s: [c for c in order if (s, c) not in pins]
                  for s, order in startup_prefs.items()}
    found = pilots.stable_matching(startup_prefs=prefs_left, challenge_prefs=challenge_prefs,
                                   slots=slots_left, startup_capacity=cap_left)
    pairs = tuple(sorted(set(found.pairs) | pins))
    return pilots.Matching(pairs=pairs, total_score=_total(pairs, scores), slots=dict(slots),
                           capacity=dict.fromkeys(startup_prefs, capacity),
                           locked=tuple(sorted(pins)))


__all__ = ["OPTIMAL", "STABLE", "Explanation", "Solution", "reason_line", "solve_data"]
