"""The pilot matching of a call, from the start-ups' rankings to the locked matching.

After the decisions, each decided challenge of a call offers its pilot slots; its
shortlisted and winning start-ups rank the challenges they may pilot
(:func:`save_preferences`). The admin sets how many pilots a start-up may take,
pins or excludes pairs, compares the optimal and the stable matching
(:func:`solve`) and locks one (:func:`lock_matching`): each pair becomes a
proposed pilot and both sides are e-mailed. Re-matching a declined pilot's slot:
:mod:`alliance.matching.pilot_rematch` (re-exported here)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.challenges.models import DECIDED, Call, Challenge
from alliance.core.audit import record as audit
from alliance.core.errors import DomainError
from alliance.evaluation.models import Decision
from alliance.extensions import db
from alliance.matching.models import (
    ADJUSTMENTS,
    LOCKED,
    OPEN,
    PIN,
    PROPOSED,
    SOLUTIONS,
    SOURCE_MATCHING,
    CallMatching,
    MatchingAdjustment,
    Pilot,
    PilotPreference,
)
from alliance.matching.pilot_candidates import SELECTED, CallData, load_call_data
from alliance.matching.pilot_rematch import (
    DeclinedSlot,
    RematchCandidate,
    allowed,
    as_decimal,
    confirm_rematch,
    declined_slots,
    notify_pilots,
    rematch_candidates,
)
from alliance.matching.pilot_solutions import Explanation, Solution, solve_data
from alliance.proposals.models import Proposal

MAX_PILOTS_PER_STARTUP = 10


def existing_matching(call: Call) -> CallMatching | None:
    return db.session.scalar(sa.select(CallMatching).where(CallMatching.call_id == call.id))


def matching_for_call(call: Call) -> CallMatching:
    """The call's matching, created (open, one pilot per start-up) on first use."""
    matching = existing_matching(call)
    if matching is None:
        matching = CallMatching(call_id=call.id, call=call)
        db.session.add(matching)
        db.session.flush()
    return matching


def _open(matching: CallMatching) -> None:
    if matching.is_locked:
        raise DomainError(_("The matching of this call is locked: it can no longer change."))


def candidates(call: Call) -> CallData:
    """The start-ups shortlisted or winning on the call's decided challenges, with
    their scores, the committees' and the start-ups' rankings."""
    return load_call_data(call)


# -- the start-ups' rankings ----------------------------------------------------------

def shortlisted_challenge_ids(*, startup, call: Call) -> set[int]:
    """The decided challenges of ``call`` on which ``startup`` is shortlisted or won."""
    return set(db.session.scalars(
        sa.select(Proposal.challenge_id)
        .join(Decision, Decision.proposal_id == Proposal.id)
        .join(Challenge, Challenge.id == Proposal.challenge_id)
        .where(Proposal.startup_id == startup.id, Challenge.call_id == call.id,
               Challenge.status == DECIDED, Decision.outcome.in_(SELECTED))
    ))


def save_preferences(*, startup, call: Call, ranked_challenge_ids: list[int], user,
                     now: datetime) -> list[PilotPreference]:
    """Replace ``startup``'s ranking of the challenges it may pilot in ``call``
    (first = preferred). Only its own shortlisted challenges, each once."""
    matching = existing_matching(call)
    if matching is not None:
        _open(matching)
    mine = shortlisted_challenge_ids(startup=startup, call=call)
    if not mine:
        raise DomainError(_("Your start-up is not shortlisted on any challenge of this call."))
    ranked = [int(i) for i in ranked_challenge_ids]
    if len(set(ranked)) != len(ranked):
        raise DomainError(_("Give each challenge a different place in your ranking."))
    if not set(ranked) <= mine:
        raise DomainError(_("You can only rank the challenges your start-up is shortlisted "
                            "for."))
    matching = matching_for_call(call)
    db.session.execute(sa.delete(PilotPreference).where(
        PilotPreference.startup_id == startup.id, PilotPreference.challenge_id.in_(mine)))
    rows = [PilotPreference(startup_id=startup.id, challenge_id=c, rank=i, updated_at=now,
                            updated_by_id=getattr(user, "id", None))
            for i, c in enumerate(ranked, start=1)]
    db.session.add_all(rows)
    db.session.flush()
    audit(actor=user, action="matching.preferences_saved", obj=matching, now=now,
          startup_id=startup.id, ranking=ranked)
    return rows


@dataclass(frozen=True)
class PreferenceCall:
    call: Call
    ranked: bool  # the start-up has saved a ranking for this call
    locked: bool


def preference_calls(*, startup, include_locked: bool = False) -> list[PreferenceCall]:
    """The calls in which ``startup`` may rank challenges (two queries)."""
    calls = db.session.execute(
        sa.select(Call, CallMatching.status).distinct()
        .join(Challenge, Challenge.call_id == Call.id)
        .join(Proposal, Proposal.challenge_id == Challenge.id)
        .join(Decision, Decision.proposal_id == Proposal.id)
        .outerjoin(CallMatching, CallMatching.call_id == Call.id)
        .where(Proposal.startup_id == startup.id, Challenge.status == DECIDED,
               Decision.outcome.in_(SELECTED))
        .order_by(Call.closes_at.desc(), Call.id)
    ).all()
    calls = [(c, status) for c, status in calls if include_locked or status != LOCKED]
    if not calls:
        return []
    ranked = set(db.session.scalars(
        sa.select(Challenge.call_id).distinct()
        .join(PilotPreference, PilotPreference.challenge_id == Challenge.id)
        .where(PilotPreference.startup_id == startup.id,
               Challenge.call_id.in_([c.id for c, _s in calls]))
    ))
    return [PreferenceCall(c, c.id in ranked, status == LOCKED) for c, status in calls]


def preferences_prompt_context(*, startup, now: datetime) -> dict:
    """For the start-up's dashboard: the calls whose matching waits for its ranking."""
    return {"preference_calls": preference_calls(startup=startup)}


# -- the admin's settings and adjustments ---------------------------------------------

def _pins_fit(data: CallData, pins: list[tuple[int, int]], capacity: int) -> bool:
    per_startup: dict[int, int] = {}
    per_challenge: dict[int, int] = {}
    for s, c in pins:
        per_startup[s] = per_startup.get(s, 0) + 1
        per_challenge[c] = per_challenge.get(c, 0) + 1
    return (all(n <= capacity for n in per_startup.values())
            and all(n <= data.challenges[c].pilot_slots for c, n in per_challenge.items()))


def set_pilots_per_startup(*, call: Call, value: int, user, now: datetime) -> CallMatching:
    """How many pilots one start-up may take in this call (1 unless the call allows
    more)."""
    allowed(user)
    matching = matching_for_call(call)
    _open(matching)
    if not 1 <= int(value) <= MAX_PILOTS_PER_STARTUP:
        raise DomainError(_("A start-up takes between 1 and %(n)d pilots.",
                            n=MAX_PILOTS_PER_STARTUP),
                          field_errors={"pilots_per_startup": _(
                              "Choose a number between 1 and %(n)d.",
                              n=MAX_PILOTS_PER_STARTUP)})
    pins = [a.pair for a in matching.adjustments if a.kind == PIN]
    if pins and not _pins_fit(load_call_data(call), pins, int(value)):
        raise DomainError(_("Some start-ups have more pinned pilots than that: remove a pin "
                            "first."), field_errors={"pilots_per_startup": _(
                                "Some start-ups have more pinned pilots than that.")})
    before = matching.pilots_per_startup
    if before != int(value):
        matching.pilots_per_startup = int(value)
        db.session.flush()
        audit(actor=user, action="matching.settings_changed", obj=matching, now=now,
              pilots_per_startup=[before, int(value)])
    return matching


def add_adjustment(*, call: Call, startup_id: int, challenge_id: int, kind: str, user,
                   now: datetime) -> MatchingAdjustment:
    """Pin a candidate pair into the matching, or exclude it (replacing the pair's
    other adjustment, if any)."""
    allowed(user)
    if kind not in ADJUSTMENTS:
        raise DomainError(_("Unknown adjustment."))
    matching = matching_for_call(call)
    _open(matching)
    data = load_call_data(call)
    pair = (int(startup_id), int(challenge_id))
    if pair not in data.candidates:
        raise DomainError(_("This start-up is not a candidate for this challenge."))
    current = {a.pair: a for a in matching.adjustments}
    if pair in current and current[pair].kind == kind:
        raise DomainError(_("This pair is already pinned.") if kind == PIN
                          else _("This pair is already excluded."))
    if kind == PIN:
        pins = [p for p, a in current.items() if a.kind == PIN] + [pair]
        if not _pins_fit(data, pins, matching.pilots_per_startup):
            raise DomainError(_("Pinning this pair would give the start-up more pilots than "
                                "it may take, or the challenge more than its slots."))
    adjustment = current.get(pair)
    if adjustment is None:
        adjustment = MatchingAdjustment(startup_id=pair[0], challenge_id=pair[1], kind=kind,
                                        created_by_id=getattr(user, "id", None),
                                        created_at=now)
        matching.adjustments.append(adjustment)
    else:
        adjustment.kind = kind
        adjustment.created_at = now
    db.session.flush()
    audit(actor=user, action="matching.adjustment_added", obj=matching, now=now,
          kind=kind, startup_id=pair[0], challenge_id=pair[1])
    return adjustment


def remove_adjustment(*, adjustment: MatchingAdjustment, user, now: datetime) -> None:
    allowed(user)
    matching = adjustment.matching
    _open(matching)
    matching.adjustments.remove(adjustment)
    db.session.flush()
    audit(actor=user, action="matching.adjustment_removed", obj=matching, now=now,
          kind=adjustment.kind, startup_id=adjustment.startup_id,
          challenge_id=adjustment.challenge_id)


# -- solving and locking --------------------------------------------------------------

def solve(call: Call, *, data: CallData | None = None,
          matching: CallMatching | None = None) -> Solution:
    """Both solutions with the admin's settings and adjustments, their comparison,
    and an explanation for every candidate pair (see :mod:`pilot_solutions`)."""
    matching = matching or existing_matching(call)
    data = data or load_call_data(call)
    return solve_data(data, capacity=matching.pilots_per_startup if matching else 1,
                      adjustments=matching.adjustments if matching else ())


def lock_matching(*, call: Call, solution: str, user, now: datetime) -> list[Pilot]:
    """Lock the matching on ``solution`` ("optimal" or "stable"): each pair becomes a
    proposed pilot, with its score and reason, and both sides are e-mailed."""
    allowed(user)
    if solution not in SOLUTIONS:
        raise DomainError(_("Choose the optimal or the stable matching."))
    matching = matching_for_call(call)
    _open(matching)
    data = load_call_data(call)
    if not data.candidates:
        raise DomainError(_("This call has no shortlisted start-up on a decided challenge: "
                            "there is nothing to match."))
    result = solve(call, data=data, matching=matching)
    chosen = result.matching(solution)
    if not chosen.pairs:
        raise DomainError(_("This matching proposes no pilot."))
    created = []
    for pair in chosen.pairs:
        candidate = data.candidates[pair]
        created.append(Pilot(
            call_id=call.id, challenge_id=pair[1], startup_id=pair[0],
            proposal_id=candidate.proposal_id, status=PROPOSED, source=SOURCE_MATCHING,
            score=as_decimal(candidate.score), explanation=result.explanations[pair].facts,
            proposed_at=now))
    db.session.add_all(created)
    matching.status, matching.solution = LOCKED, solution
    matching.locked_at, matching.locked_by_id = now, getattr(user, "id", None)
    db.session.flush()
    audit(actor=user, action="matching.locked", obj=matching, now=now, solution=solution,
          pilots=[p.id for p in created], total_score=chosen.total_score,
          unhappy_pairs=len(result.blocking(solution)))
    notify_pilots(created)
    return created


__all__ = [
    "OPEN", "CallData", "DeclinedSlot", "Explanation", "PreferenceCall", "RematchCandidate",
    "Solution", "add_adjustment", "candidates", "confirm_rematch", "declined_slots",
    "existing_matching", "lock_matching", "matching_for_call", "preference_calls",
    "preferences_prompt_context", "rematch_candidates", "remove_adjustment",
    "save_preferences", "set_pilots_per_startup", "shortlisted_challenge_ids", "solve",
]
