"""Applying: one proposal per start-up per challenge."""
import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from alliance.core.audit import AuditEvent
from alliance.extensions import db
from alliance.proposals.models import DRAFT, Proposal
from tests import factories


def proposals_of(startup, challenge):
    return db.session.scalars(sa.select(Proposal).where(
        Proposal.startup_id == startup.id, Proposal.challenge_id == challenge.id)).all()


def test_apply_creates_one_draft_and_second_apply_returns_it(client, login, founder, challenge):
    login(founder)
    first = client.post(f"/challenges/{challenge.slug}/apply")
    assert first.status_code == 302
    [proposal] = proposals_of(founder.startup, challenge)
    assert proposal.status == DRAFT
    assert proposal.created_by_id == founder.id
    assert first.headers["Location"].endswith(f"/proposals/{proposal.id}/edit")
    second = client.post(f"/challenges/{challenge.slug}/apply")
    assert second.headers["Location"] == first.headers["Location"]
    assert len(proposals_of(founder.startup, challenge)) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "proposal.created", AuditEvent.object_id == proposal.id)) == 1


def test_apply_second_member_gets_the_same_proposal(client, login, founder, challenge):
    colleague = factories.StartupUserFactory(startup=founder.startup, founder=False)
    login(founder)
    first = client.post(f"/challenges/{challenge.slug}/apply")
    login(colleague)
    second = client.post(f"/challenges/{challenge.slug}/apply")
    assert second.headers["Location"] == first.headers["Location"]
    assert len(proposals_of(founder.startup, challenge)) == 1


def test_one_proposal_per_startup_enforced_by_database(founder, challenge):
    factories.ProposalFactory(startup=founder.startup, challenge=challenge)
    with pytest.raises(IntegrityError):
        with db.session.begin_nested():
            db.session.add(Proposal(startup_id=founder.startup.id, challenge_id=challenge.id))


def test_apply_before_opening_allowed(client, login, founder):
    upcoming = factories.ChallengeFactory(upcoming=True)
    login(founder)
    assert client.post(f"/challenges/{upcoming.slug}/apply").status_code == 302
    assert len(proposals_of(founder.startup, upcoming)) == 1


def test_apply_after_deadline_refused(client, login, founder):
    closed = factories.ChallengeFactory(closed=True)
    login(founder)
    response = client.post(f"/challenges/{closed.slug}/apply", follow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/challenges/{closed.slug}")
    assert proposals_of(founder.startup, closed) == []
    with client.session_transaction() as session:
        assert "deadline" in str(session["_flashes"])


def test_apply_to_draft_challenge_404(client, login, founder):
    draft_challenge = factories.ChallengeFactory()
    login(founder)
    assert client.post(f"/challenges/{draft_challenge.slug}/apply").status_code == 404
    assert proposals_of(founder.startup, draft_challenge) == []


def test_apply_refused_for_partner(client, login, challenge):
    login(factories.PartnerUserFactory(partner=challenge.lead_partner))
    assert client.post(f"/challenges/{challenge.slug}/apply").status_code == 403


def test_apply_refused_for_unconfirmed_member(client, login, challenge):
    user = factories.StartupUserFactory(unconfirmed=True)
    login(user)
    assert client.post(f"/challenges/{challenge.slug}/apply").status_code == 403
    assert proposals_of(user.startup, challenge) == []


def test_apply_user_without_startup_sent_to_registration(client, login, challenge):
    login(factories.UserFactory())
    response = client.post(f"/challenges/{challenge.slug}/apply")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/startups/new")


def test_apply_anonymous_sent_to_login(client, challenge):
    response = client.post(f"/challenges/{challenge.slug}/apply")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
