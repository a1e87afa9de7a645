"""Which audit events are webhook events, which partners hear of them, and what they
are told (public-safe fields only: what the partner could read on the site about
its own challenges).

``describe(session, audit_event)`` returns ``(event name, partner ids, data)`` or
None. A start-up that hides its proposal from a partner (``Proposal.hidden_from``)
hides its events from that partner too.
"""
from __future__ import annotations

from typing import NamedTuple

import sqlalchemy as sa
from flask import url_for

from alliance.challenges.models import Challenge, challenge_cosponsor
from alliance.matching.models import Pilot
from alliance.proposals.models import Proposal
from alliance.webhooks.models import (
    CHALLENGE_PUBLISHED,
    DECISION_MADE,
    PILOT_AGREED,
    PROPOSAL_SUBMITTED,
)

# The audit log's action names (grep -rn 'record(' alliance) -> webhook events.
ACTIONS = {
    "challenge.approved": CHALLENGE_PUBLISHED,  # submitted -> published
    "proposal.submitted": PROPOSAL_SUBMITTED,  # the first submission (not re-submissions)
    "evaluation.decided": DECISION_MADE,
    "matching.pilot_agreed": PILOT_AGREED,  # both sides accepted
}


class Described(NamedTuple):
    event: str
    partner_ids: set[int]
    data: dict


def _iso(moment) -> str | None:
    from alliance.api.schemas import iso

    return iso(moment)


def _url(endpoint: str, **values) -> str | None:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:  # no SERVER_NAME outside a request: leave the link out
        return None


def partners_of(session, challenge: Challenge) -> set[int]:
    """The challenge's lead partner and co-sponsors."""
    ids = {challenge.lead_partner_id}
    ids |= set(session.scalars(sa.select(challenge_cosponsor.c.partner_id).where(
        challenge_cosponsor.c.challenge_id == challenge.id)))
    return ids


def _challenge_ref(challenge: Challenge) -> dict:
    return {"slug": challenge.slug, "title": challenge.title}


def _proposal_partners(session, proposal: Proposal) -> set[int]:
    return partners_of(session, proposal.challenge) - {p.id for p in proposal.hidden_from}


def _challenge_published(session, challenge: Challenge) -> tuple[set[int], dict]:
    return partners_of(session, challenge), {
        "challenge": {**_challenge_ref(challenge), "opens_at": _iso(challenge.opens_at),
                      "deadline": _iso(challenge.deadline),
                      "url": _url("api.challenge", slug=challenge.slug)}}


def _proposal_submitted(session, proposal: Proposal) -> tuple[set[int], dict]:
    return _proposal_partners(session, proposal), {
        "proposal": {"id": proposal.id, "title": proposal.title,
                     "submitted_at": _iso(proposal.submitted_at)},
        "startup": {"name": proposal.startup.name},
        "challenge": _challenge_ref(proposal.challenge)}


def _decision_made(session, proposal: Proposal, outcome: str) -> tuple[set[int], dict]:
    return _proposal_partners(session, proposal), {
        "proposal": {"id": proposal.id, "title": proposal.title},
        "startup": {"name": proposal.startup.name},
        "challenge": _challenge_ref(proposal.challenge), "outcome": outcome}


def _pilot_agreed(session, pilot: Pilot) -> tuple[set[int], dict]:
    challenge = session.get(Challenge, pilot.challenge_id)
    proposal = session.get(Proposal, pilot.proposal_id) if pilot.proposal_id else None
    partners = partners_of(session, challenge)
    if proposal is not None:
        partners -= {p.id for p in proposal.hidden_from}
    return partners, {
        "pilot": {"id": pilot.id, "proposal_id": pilot.proposal_id},
        "startup": {"name": pilot.startup.name},
        "challenge": _challenge_ref(challenge)}


def describe(session, audit_event) -> Described | None:
    """The webhook event an audit event stands for, or None."""
    event = ACTIONS.get(audit_event.action)
    if event is None or audit_event.object_id is None:
        return None
    if event == CHALLENGE_PUBLISHED:
        challenge = session.get(Challenge, audit_event.object_id)
        found = challenge and _challenge_published(session, challenge)
    elif event == PILOT_AGREED:
        pilot = session.get(Pilot, audit_event.object_id)
        found = pilot and _pilot_agreed(session, pilot)
    else:
        proposal = session.get(Proposal, audit_event.object_id)
        if proposal is None:
            return None
        found = (_proposal_submitted(session, proposal) if event == PROPOSAL_SUBMITTED else
                 _decision_made(session, proposal, (audit_event.data or {}).get("outcome")))
    if not found:
        return None
    partner_ids, data = found
    return Described(event, partner_ids, data)
