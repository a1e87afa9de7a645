"""The start-up's dashboard lists its proposals with their status and deadline."""
from tests import factories
from tests.proposals.conftest import form_data


def test_dashboard_lists_proposals_with_status_and_actions(client, login, founder, draft):
    other = factories.ChallengeFactory(published=True, title="Fibre through the sewers")
    submitted = factories.ProposalFactory(startup=founder.startup, challenge=other)
    login(founder)
    client.post(f"/proposals/{submitted.id}/edit", data=form_data("submit", accept_terms=True))
    page = client.get("/startup/dashboard")
    assert page.status_code == 200
    assert draft.challenge.title in page.text
    assert "Fibre through the sewers" in page.text
    assert f"/proposals/{draft.id}/edit" in page.text
    assert f"/proposals/{submitted.id}/receipts/1" in page.text
    assert f"/startups/{founder.startup.slug}/members" in page.text


def test_dashboard_hides_other_startups_proposals(client, login, founder):
    foreign = factories.ProposalFactory(title="Someone else's idea")
    login(founder)
    page = client.get("/startup/dashboard").text
    assert "Someone else's idea" not in page
    assert f"/proposals/{foreign.id}/" not in page


def test_dashboard_without_startup_sends_to_registration(client, login):
    login(factories.UserFactory())
    response = client.get("/startup/dashboard")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/startups/new")


def test_dashboard_refused_for_partner(client, login):
    login(factories.PartnerUserFactory())
    assert client.get("/startup/dashboard").status_code == 403
