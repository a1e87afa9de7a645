"""The matching models: constraints and derived properties."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.matching import models as mm
from tests import factories as f


def test_pilot_is_agreed_only_once_both_sides_accepted():
    proposed = f.PilotFactory()
    agreed = f.PilotFactory(accepted=True)
    assert (proposed.is_agreed, agreed.is_agreed) == (False, True)
    assert agreed.accepted_by(mm.STARTUP_SIDE) and agreed.accepted_by(mm.PARTNER_SIDE)
    assert not proposed.accepted_by(mm.PARTNER_SIDE)


def test_pilot_pair_is_unique():
    pilot = f.PilotFactory()
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            f.PilotFactory(challenge=pilot.challenge, startup=pilot.startup)


def test_pilot_status_is_checked_by_the_database():
    pilot = f.PilotFactory()
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            pilot.status = "dreaming"
            db.session.flush()


def test_call_matching_results_published_follows_its_date():
    draft, published = f.CallMatchingFactory(), f.CallMatchingFactory(published=True)
    assert (draft.results_published, published.results_published) == (False, True)
    assert (draft.is_locked, published.is_locked) == (False, True)


def test_scouting_invitation_once_per_challenge_and_startup():
    invitation = f.ScoutingInvitationFactory()
    with pytest.raises(sa.exc.IntegrityError):
        with db.session.begin_nested():
            f.ScoutingInvitationFactory(challenge=invitation.challenge,
                                        startup=invitation.startup)


def test_pilot_preference_factory_builds_a_ranked_pair():
    preference = f.PilotPreferenceFactory(rank=2)
    assert preference.startup_id == preference.startup.id and preference.rank == 2
    assert preference.challenge.id == preference.challenge_id
