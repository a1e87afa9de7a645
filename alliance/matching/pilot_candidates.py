"""What the pilot matching of a call is computed from, loaded in a fixed number of
queries: the call's decided challenges (with their pilot slots), the shortlisted
and winning start-ups of each (with the proposal's final score and the
committee's rank), and the start-ups' rankings of those challenges.

``load_call_data(call)`` runs 3 queries plus one ``challenge_ranking`` per decided
challenge (at most 6 each), whatever the number of proposals."""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from alliance.challenges.models import DECIDED, Call, Challenge
from alliance.evaluation.models import SHORTLISTED, WINNER, Decision
from alliance.evaluation.ranking import challenge_ranking
from alliance.extensions import db
from alliance.matching.models import PilotPreference
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

SELECTED = (SHORTLISTED, WINNER)

Pair = tuple[int, int]  # (startup_id, challenge_id)


@dataclass(frozen=True)
class Candidate:
    """A start-up shortlisted (or winning) on a decided challenge of the call."""

    startup_id: int
    challenge_id: int
    proposal_id: int
    outcome: str
    score: float  # the proposal's final score (0 when unscored)
    committee_rank: int | None  # its rank in the committee's ranking (1 = first)

    @property
    def pair(self) -> Pair:
        return (self.startup_id, self.challenge_id)


@dataclass
class CallData:
    call: Call
    challenges: dict[int, Challenge]  # the decided challenges, by id
    candidates: dict[Pair, Candidate]
    startup_names: dict[int, str]
    startup_prefs: dict[int, list[int]] = field(default_factory=dict)  # full order
    ranked: dict[int, int] = field(default_factory=dict)  # start-up -> challenges it ranked
    committee_prefs: dict[int, list] = field(default_factory=dict)  # tied start-ups in sets
    committee_size: dict[int, int] = field(default_factory=dict)  # candidates per challenge

    @property
    def scores(self) -> dict[Pair, float]:
        return {p: c.score for p, c in self.candidates.items()}

    @property
    def slots(self) -> dict[int, int]:
        return {i: c.pilot_slots for i, c in self.challenges.items()}

    def startup_rank(self, pair: Pair) -> int | None:
        """The challenge's place in the start-up's order (1 = first)."""
        order = self.startup_prefs.get(pair[0], [])
        return order.index(pair[1]) + 1 if pair[1] in order else None

    def startup_ranked(self, pair: Pair) -> bool:
        """Whether the start-up put the challenge in its ranking itself."""
        rank = self.startup_rank(pair)
        return rank is not None and rank <= self.ranked.get(pair[0], 0)

    def challenges_of(self, startup_id: int) -> list[int]:
        return [c for s, c in self.candidates if s == startup_id]


def decided_challenges(call_id: int) -> list[Challenge]:
    return list(db.session.scalars(
        sa.select(Challenge).where(Challenge.call_id == call_id, Challenge.status == DECIDED)
        .order_by(Challenge.id)
    ))


def load_call_data(call: Call, *, startup_id: int | None = None) -> CallData:
    """The candidates of ``call`` (only ``startup_id``'s when given: the rankings of
    its challenges are still read whole, the committee's order needing them)."""
    challenges = {c.id: c for c in decided_challenges(call.id)}
    data = CallData(call=call, challenges=challenges, candidates={}, startup_names={})
    if not challenges:
        return data
    where = [Proposal.challenge_id.in_(challenges), Decision.outcome.in_(SELECTED)]
    if startup_id is not None:
        where.append(Proposal.startup_id == startup_id)
    rows = db.session.execute(
        sa.select(Proposal.id, Proposal.startup_id, Proposal.challenge_id, Decision.outcome,
                  Startup.name)
        .join(Decision, Decision.proposal_id == Proposal.id)
        .join(Startup, Startup.id == Proposal.startup_id)
        .where(*where).order_by(Proposal.challenge_id, Proposal.id)
    ).all()
    wanted = sorted({row.challenge_id for row in rows})
    rankings = {i: challenge_ranking(challenges[i]) for i in wanted}
    for row in rows:
        ranked = rankings[row.challenge_id].row(row.id)
        score = ranked.final_score if ranked is not None else None
        candidate = Candidate(row.startup_id, row.challenge_id, row.id, row.outcome,
                              float(score) if score is not None else 0.0,
                              ranked.rank if ranked is not None else None)
        data.candidates[candidate.pair] = candidate
        data.startup_names[row.startup_id] = row.name
    _committee_preferences(data)
    _startup_preferences(data)
    return data


def _committee_preferences(data: CallData) -> None:
    """Each challenge's candidates by the committee's rank; equal ranks tie (a set),
    the unranked come last, tied together."""
    by_challenge: dict[int, list[Candidate]] = {}
    for candidate in data.candidates.values():
        by_challenge.setdefault(candidate.challenge_id, []).append(candidate)
    for challenge_id, group in by_challenge.items():
        levels: dict[float, set] = {}
        for c in group:
            levels.setdefault(c.committee_rank if c.committee_rank is not None
                              else float("inf"), set()).add(c.startup_id)
        data.committee_prefs[challenge_id] = [
            levels[k] if len(levels[k]) > 1 else next(iter(levels[k])) for k in sorted(levels)]
        data.committee_size[challenge_id] = len(group)


def _startup_preferences(data: CallData) -> None:
    """Each start-up's order: the challenges it ranked (among those it may pilot),
    then the others by score (best first; equal: lower id)."""
    startups = sorted({s for s, _c in data.candidates})
    stated: dict[int, list[int]] = {s: [] for s in startups}
    if startups:
        for s, c in db.session.execute(
            sa.select(PilotPreference.startup_id, PilotPreference.challenge_id)
            .where(PilotPreference.startup_id.in_(startups),
                   PilotPreference.challenge_id.in_(data.challenges))
            .order_by(PilotPreference.startup_id, PilotPreference.rank, PilotPreference.id)
        ):
            if (s, c) in data.candidates:
                stated[s].append(c)
    for s in startups:
        rest = sorted((c for c in data.challenges_of(s) if c not in stated[s]),
                      key=lambda c, s=s: (-data.candidates[(s, c)].score, c))
        data.startup_prefs[s] = stated[s] + rest
        data.ranked[s] = len(stated[s])
