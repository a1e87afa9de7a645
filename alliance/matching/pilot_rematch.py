"""After the lock: the e-mails that tell both sides of a proposed pilot to answer,
and the re-matching of a declined pilot's slot (suggested by
:func:`pilots.rematch_after_decline`, confirmed by the admin)."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale
from flask_babel import gettext as _

from alliance.auth import policy
from alliance.auth.models import User
from alliance.core.audit import record as audit
from alliance.core.errors import DomainError
from alliance.core.mail import queue_mail
from alliance.extensions import db
from alliance.matching import pilots as algorithms
from alliance.matching.models import (
    DECLINED,
    EXCLUDE,
    PARTNER_SIDE,
    PROPOSED,
    SOURCE_REMATCH,
    STARTUP_SIDE,
    CallMatching,
    Pilot,
)
from alliance.matching.pilot_candidates import CallData, load_call_data
from alliance.matching.pilot_solutions import explanation_facts, reason_line
from alliance.partners.models import PartnerMembership
from alliance.startups.models import Startup, StartupMembership

REMATCH_LIMIT = 10


def allowed(user) -> None:
    if not policy.can_run_matching(user):
        raise DomainError(_("Only the administrators run the pilot matching."))


def as_decimal(score: float) -> Decimal:
    return Decimal(str(round(score, 4)))


# -- e-mails ------------------------------------------------------------------------

def notify_pilots(pilots: list[Pilot]) -> None:
    """Tell both sides of each proposed pilot (the start-up's members, the members of
    the challenge's lead partner), each in their language, to accept or decline."""
    if not pilots:
        return
    db.session.flush()
    startup_members: dict[int, dict[str | None, list[str]]] = {}
    for key, email, locale in db.session.execute(
        sa.select(StartupMembership.startup_id, User.email, User.locale)
        .join(User, User.id == StartupMembership.user_id)
        .where(StartupMembership.startup_id.in_({p.startup_id for p in pilots}),
               User.active.is_(True)).order_by(User.id)
    ):
        startup_members.setdefault(key, {}).setdefault(locale, []).append(email)
    partner_members: dict[int, dict[str | None, list[str]]] = {}
    for key, email, locale in db.session.execute(
        sa.select(PartnerMembership.partner_id, User.email, User.locale)
        .join(User, User.id == PartnerMembership.user_id)
        .where(PartnerMembership.partner_id.in_({p.challenge.lead_partner_id for p in pilots}),
               User.active.is_(True)).order_by(User.id)
    ):
        partner_members.setdefault(key, {}).setdefault(locale, []).append(email)
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    for pilot in pilots:
        link = url_for("pilots.detail", pilot_id=pilot.id, _external=True)
        sides = ((STARTUP_SIDE, startup_members.get(pilot.startup_id, {})),
                 (PARTNER_SIDE, partner_members.get(pilot.challenge.lead_partner_id, {})))
        for side, groups in sides:
            for locale, emails in groups.items():
                with force_locale(locale or default):
                    subject = (_("A pilot is proposed to you: “%(challenge)s”",
                                 challenge=pilot.challenge.title) if side == STARTUP_SIDE
                               else _("A pilot is proposed for “%(challenge)s”: %(startup)s",
                                      challenge=pilot.challenge.title,
                                      startup=pilot.startup.name))
                    queue_mail(to=emails, subject=subject, template="pilot_proposed",
                               pilot=pilot, side=side, link=link)


# -- re-matching a declined slot -------------------------------------------------------

@dataclass(frozen=True)
class RematchCandidate:
    startup_id: int
    startup_name: str
    proposal_id: int
    score: float
    facts: dict  # see pilot_solutions.explanation_facts

    @property
    def reason(self) -> str:
        return reason_line(**self.facts)


@dataclass(frozen=True)
class DeclinedSlot:
    pilot: Pilot
    candidates: tuple[RematchCandidate, ...]  # best first


def _call_pilots(call_id: int) -> list[Pilot]:
    return list(db.session.scalars(
        sa.select(Pilot).where(Pilot.call_id == call_id).order_by(Pilot.id)))


def _replaced_ids(pilots: list[Pilot]) -> set[int]:
    return {p.replaces_id for p in pilots if p.replaces_id is not None}


def _candidates_for(pilot: Pilot, *, data: CallData, pilots: list[Pilot],
                    matching: CallMatching | None) -> tuple[RematchCandidate, ...]:
    """Who may take ``pilot``'s slot: the current pilots (proposed or agreed) stay
    as they are; declined pairs are never proposed again; excluded pairs neither."""
    declined_pair = (pilot.startup_id, pilot.challenge_id)
    if pilot.challenge_id not in data.challenges:
        return ()
    current = sorted({(p.startup_id, p.challenge_id) for p in pilots if p.status != DECLINED})
    capacity = matching.pilots_per_startup if matching is not None else 1
    startups = {s for s, _c in data.candidates} | {s for s, _c in current} | {pilot.startup_id}
    state = algorithms.Matching(
        pairs=tuple(sorted(set(current) | {declined_pair})), total_score=None,
        slots=data.slots, capacity=dict.fromkeys(startups, capacity), locked=tuple(current))
    excludes = {a.pair for a in matching.adjustments if a.kind == EXCLUDE} if matching else set()
    found = algorithms.rematch_after_decline(
        matching=state, declined_pair=declined_pair, scores=data.scores,
        allowed=set(data.candidates) - excludes,
        declined=[(p.startup_id, p.challenge_id) for p in pilots if p.status == DECLINED],
        allow_moves=False, limit=REMATCH_LIMIT)
    result = []
    for candidate in found.candidates:
        pair = (candidate.startup_id, pilot.challenge_id)
        info = data.candidates[pair]
        result.append(RematchCandidate(
            candidate.startup_id, data.startup_names[candidate.startup_id], info.proposal_id,
            info.score,
            explanation_facts(
                score=info.score, startup_rank=data.startup_rank(pair),
                startup_ranked=data.startup_ranked(pair),
                startup_choices=len(data.startup_prefs.get(candidate.startup_id, ())),
                committee_rank=info.committee_rank,
                committee_size=data.committee_size.get(pilot.challenge_id, 0))))
    return tuple(result)


def _matching_of(call_id: int) -> CallMatching | None:
    return db.session.scalar(sa.select(CallMatching).where(CallMatching.call_id == call_id))


def declined_slots(call, *, data: CallData | None = None) -> list[DeclinedSlot]:
    """The declined pilots of ``call`` whose slot is not yet refilled, each with its
    candidates (loaded once for all)."""
    pilots = _call_pilots(call.id)
    replaced = _replaced_ids(pilots)
    open_ = [p for p in pilots if p.status == DECLINED and p.id not in replaced]
    if not open_:
        return []
    data = data or load_call_data(call)
    matching = _matching_of(call.id)
    return [DeclinedSlot(p, _candidates_for(p, data=data, pilots=pilots, matching=matching))
            for p in open_]


def rematch_candidates(pilot: Pilot) -> tuple[RematchCandidate, ...]:
    """Who should take the slot a declined ``pilot`` freed, best first (empty when
    it is not declined or already refilled)."""
    pilots = _call_pilots(pilot.call_id)
    if pilot.status != DECLINED or pilot.id in _replaced_ids(pilots):
        return ()
    return _candidates_for(pilot, data=load_call_data(pilot.call), pilots=pilots,
                           matching=_matching_of(pilot.call_id))


def confirm_rematch(*, pilot: Pilot, startup: Startup, user, now: datetime) -> Pilot:
    """The admin gives a declined pilot's slot to ``startup`` (one of its candidates):
    a new proposed pilot replacing it, both sides told."""
    allowed(user)
    if pilot.status != DECLINED:
        raise DomainError(_("Only the slot of a declined pilot can be matched again."))
    pilots = _call_pilots(pilot.call_id)
    if pilot.id in _replaced_ids(pilots):
        raise DomainError(_("This slot has already been matched again."))
    candidates = {c.startup_id: c for c in rematch_candidates(pilot)}
    candidate = candidates.get(startup.id)
    if candidate is None:
        raise DomainError(_("%(name)s is not a candidate for this slot.", name=startup.name))
    new = Pilot(call_id=pilot.call_id, challenge_id=pilot.challenge_id, startup_id=startup.id,
                proposal_id=candidate.proposal_id, status=PROPOSED,
                source=SOURCE_REMATCH, score=as_decimal(candidate.score),
                explanation=candidate.facts, proposed_at=now, replaces_id=pilot.id)
    db.session.add(new)
    db.session.flush()
    audit(actor=user, action="matching.rematch_confirmed", obj=new, now=now,
          replaces=pilot.id, startup_id=startup.id, challenge_id=pilot.challenge_id,
          score=round(candidate.score, 4))
    notify_pilots([new])
    return new

