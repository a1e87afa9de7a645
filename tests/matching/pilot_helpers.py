"""Shared set-up of the pilot and results tests."""
from __future__ import annotations

from tests import factories as f


def pilot_with_people(**kwargs):
    """A proposed pilot with one founder on the start-up side and one member of the
    lead partner; returns (pilot, startup_user, partner_user)."""
    pilot = f.PilotFactory(**kwargs)
    founder = f.StartupUserFactory(startup=pilot.startup, name="Sara Startup",
                                   email=f"sara{pilot.startup.id}@tramsense.example")
    partner_user = f.PartnerUserFactory(partner=pilot.challenge.lead_partner,
                                        name="Paolo Partner",
                                        email=f"paolo{pilot.challenge.lead_partner.id}@acme.example")
    return pilot, founder, partner_user
