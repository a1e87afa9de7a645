"""Demo matching: partners' invitations to apply, and the 2025 call's pilot matching.

* Enel X (the partner demo account's company) has invited two start-ups to its
  street-lighting challenge: one has applied since, one has not answered. Siemens
  has invited Lumen Grid (the start-up demo account) to its traffic-camera
  challenge: the invitation waits on the start-up's dashboard.
* Smart Mobility Milano 2025 has two decided challenges. Vedetta Vision is
  shortlisted on both and ranks the tram-switch challenge (which it won) first;
  the metro challenge offers two pilot slots. So the admin's matching page shows
  the optimum (three pilots) beside the stable matching (two), with the unhappy
  pair the optimum leaves; the matching is open, for the admin to adjust and lock.

Invitations are written as rows (the services would e-mail the start-ups); the
preferences go through the service, which sends nothing.
"""
from __future__ import annotations

import sqlalchemy as sa

from alliance.challenges import models as cm
from alliance.core.audit import record
from alliance.extensions import db
from alliance.matching import pilot_matching
from alliance.matching.models import PilotPreference, ScoutingInvitation
from alliance.matching.scouting import pair_match
from alliance.startups.models import Startup

# (partner, challenge, start-up, days ago, message)
INVITATIONS = [
    ("enel-x", "smart-lighting-sensor-network", "vedetta-vision", 18,
     "Your cameras already count people without identifying them: on our poles they could "
     "do the same for pedestrians and cyclists. We would be glad to read a proposal."),
    ("enel-x", "smart-lighting-sensor-network", "flexa-energia", 6,
     "Street lights are a flexible load too: an aggregator's view would help this pilot."),
    ("siemens", "ai-traffic-cameras", "lumen-grid", 3,
     "Your controllers turn every light pole into a sensing platform: they could host the "
     "edge processing of our traffic cameras. Would you apply?"),
]
# A start-up's ranking of the challenges it is shortlisted for, first preferred.
PREFERENCES = {
    "vedetta-vision": ["tram-switch-predictive-maintenance", "metro-crowding-information"],
    "passo-mobility": ["metro-crowding-information"],
}
MATCHING_CALL = "smart-mobility-2025"


def build_matching(*, challenges: dict[str, cm.Challenge], partner_contacts: dict,
                   founders: dict, day) -> int:
    """Create what is missing; returns the number of invitations created."""
    startups = {s.slug: s for s in db.session.scalars(sa.select(Startup))}
    created = 0
    for partner, slug, startup_slug, days, message in INVITATIONS:
        challenge, startup = challenges.get(slug), startups.get(startup_slug)
        if challenge is None or startup is None or db.session.scalar(
                sa.select(ScoutingInvitation.id).filter_by(challenge_id=challenge.id,
                                                           startup_id=startup.id)):
            continue
        inviter = partner_contacts.get(partner)
        when = day(-days, 10)
        match = pair_match(challenge=challenge, startup=startup)
        invitation = ScoutingInvitation(
            challenge_id=challenge.id, startup_id=startup.id,
            invited_by_id=getattr(inviter, "id", None), message=message, created_at=when,
            shared_terms=list(match.reason_terms) if match else [],
            shares_theme=bool(match and match.shared_themes),
            seen_at=day(-days + 1, 9) if days > 5 else None)
        db.session.add(invitation)
        db.session.flush()
        record(actor=inviter, action="matching.invitation_sent", obj=invitation, now=when,
               challenge_id=challenge.id, startup_id=startup.id,
               shared_terms=invitation.shared_terms, shares_theme=invitation.shares_theme)
        created += 1
    _rank_pilots(challenges=challenges, startups=startups, founders=founders, day=day)
    return created


def _rank_pilots(*, challenges, startups, founders, day) -> None:
    call = next((c.call for c in challenges.values() if c.call.slug == MATCHING_CALL), None)
    if call is None:
        return
    for startup_slug, ranking in PREFERENCES.items():
        startup = startups.get(startup_slug)
        ids = [challenges[s].id for s in ranking if s in challenges]
        if startup is None or not ids or not pilot_matching.shortlisted_challenge_ids(
                startup=startup, call=call) >= set(ids) or db.session.scalar(
                sa.select(PilotPreference.id).filter_by(startup_id=startup.id).limit(1)):
            continue
        founder = founders.get(startup_slug, (None, None))[0]
        pilot_matching.save_preferences(startup=startup, call=call, ranked_challenge_ids=ids,
                                        user=founder, now=day(-10, 11))


__all__ = ["build_matching"]
