"""The policy module: who may and who may not, predicate by predicate, and the
SQL filters agreeing with the predicates."""
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa
from flask_login import AnonymousUserMixin

from alliance.auth import policy
from alliance.challenges import models as cm
from alliance.extensions import db
from alliance.proposals.models import Proposal
from tests import factories as f

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def world():
    """Two partners, two start-ups, a juror, an admin, a visitor; one open and one
    closed challenge of partner X, a draft of partner X, proposals of start-up A."""
    px, py = f.PartnerFactory(), f.PartnerFactory()
    sa_, sb = f.StartupFactory(), f.StartupFactory()
    w = {
        "anonymous": AnonymousUserMixin(),
        "admin": f.UserFactory(admin=True),
        "jury": f.UserFactory(jury=True),
        "partner_x": f.PartnerUserFactory(partner=px),
        "partner_y": f.PartnerUserFactory(partner=py),
        "startup_a": f.StartupUserFactory(startup=sa_),
        "startup_b": f.StartupUserFactory(startup=sb),
        "plain": f.UserFactory(),
    }
    w["open"] = f.ChallengeFactory(lead_partner=px, published=True,
                                   opens_at=NOW - timedelta(days=10), deadline=NOW + timedelta(days=10))
    w["closed"] = f.ChallengeFactory(lead_partner=px, published=True,
                                     opens_at=NOW - timedelta(days=40), deadline=NOW - timedelta(days=1))
    w["draft"] = f.ChallengeFactory(lead_partner=px)
    w["open_prop"] = f.ProposalFactory(challenge=w["open"], startup=sa_, submitted=True)
    w["closed_prop"] = f.ProposalFactory(challenge=w["closed"], startup=sa_, submitted=True)
    w["closed_draft"] = f.ProposalFactory(challenge=w["closed"], startup=sb)
    return w


def who_may(world, predicate, *args, **kwargs):
    names = ["anonymous", "admin", "jury", "partner_x", "partner_y", "startup_a", "startup_b",
             "plain"]
    return {n for n in names if predicate(world[n], *args, **kwargs)}


def test_challenge_visibility(world):
    assert who_may(world, policy.can_view_challenge, world["open"]) == {
        "anonymous", "admin", "jury", "partner_x", "partner_y", "startup_a", "startup_b", "plain"}
    assert who_may(world, policy.can_view_challenge, world["draft"]) == {"admin", "partner_x"}


def test_challenge_editing(world):
    assert who_may(world, policy.can_edit_challenge, world["draft"]) == {"admin", "partner_x"}
    assert who_may(world, policy.can_edit_challenge, world["open"]) == set()
    assert who_may(world, policy.can_moderate_challenge, world["draft"]) == {"admin"}
    assert who_may(world, policy.can_create_challenge) == {"admin", "partner_x", "partner_y"}


def test_cosponsor_sees_draft_but_cannot_edit(world):
    world["draft"].cosponsors.append(world["partner_y"].partner)
    db.session.flush()
    assert policy.can_view_challenge(world["partner_y"], world["draft"])
    assert not policy.can_edit_challenge(world["partner_y"], world["draft"])


def test_proposal_visibility(world):
    assert who_may(world, policy.can_view_proposal, world["open_prop"], now=NOW) == {
        "admin", "startup_a"}
    assert who_may(world, policy.can_view_proposal, world["closed_prop"], now=NOW) == {
        "admin", "startup_a", "partner_x"}
    # A draft stays private to its start-up even after the deadline.
    assert who_may(world, policy.can_view_proposal, world["closed_draft"], now=NOW) == {
        "admin", "startup_b"}


def test_challenge_proposals_list_only_after_deadline(world):
    assert who_may(world, policy.can_view_challenge_proposals, world["open"], now=NOW) == {"admin"}
    assert who_may(world, policy.can_view_challenge_proposals, world["closed"], now=NOW) == {
        "admin", "partner_x"}


def test_apply_only_confirmed_startups_before_deadline(world):
    assert who_may(world, policy.can_apply, world["open"], now=NOW) == {"startup_a", "startup_b"}
    assert who_may(world, policy.can_apply, world["closed"], now=NOW) == set()
    assert who_may(world, policy.can_apply, world["draft"], now=NOW) == set()
    world["startup_a"].confirmed_at = None
    assert not policy.can_apply(world["startup_a"], world["open"], now=NOW)


def test_startup_rules(world):
    startup = world["startup_a"].startup
    assert who_may(world, policy.can_edit_startup, startup) == {"admin", "startup_a"}
    assert who_may(world, policy.can_invite_to_startup, startup) == {"startup_a"}
    startup.is_public = False
    assert who_may(world, policy.can_view_startup, startup) == {"admin", "startup_a"}
    assert who_may(world, policy.can_create_startup) == {"admin", "jury", "plain"}


def test_inactive_user_has_no_rights(world):
    world["admin"].active = False
    assert not policy.can_access_admin(world["admin"])


@pytest.mark.parametrize("role", ["anonymous", "admin", "jury", "partner_x", "partner_y",
                                  "startup_a", "startup_b", "plain"])
def test_visible_proposals_agrees_with_predicate(world, role):
    user = world[role]
    listed = set(db.session.scalars(
        sa.select(Proposal.id).where(policy.visible_proposals(user, now=NOW))))
    everything = db.session.scalars(sa.select(Proposal)).all()
    allowed = {p.id for p in everything if policy.can_view_proposal(user, p, now=NOW)}
    assert listed == allowed


@pytest.mark.parametrize("role", ["anonymous", "admin", "partner_x", "partner_y", "startup_a"])
def test_visible_challenges_agrees_with_predicate(world, role):
    user = world[role]
    listed = set(db.session.scalars(
        sa.select(cm.Challenge.id).where(policy.visible_challenges(user))))
    everything = db.session.scalars(sa.select(cm.Challenge)).all()
    assert listed == {c.id for c in everything if policy.can_view_challenge(user, c)}


def test_require_answers_403_or_404(app):
    from werkzeug.exceptions import Forbidden, NotFound

    with pytest.raises(Forbidden):
        policy.require(False)
    with pytest.raises(NotFound):
        policy.require(False, hide=True)
    assert policy.require(True) is None
