"""Who sees which proposal, its attachment and a challenge's list of proposals."""
import hashlib
import os
import secrets

import pytest

from tests import factories
from tests.proposals.conftest import make_pdf


def with_attachment(app, proposal) -> bytes:
    data = make_pdf()
    name = secrets.token_hex(16)
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(data)
    factories.AttachmentFactory(proposal=proposal, storage_name=name, size=len(data),
                                original_name="piano-progetto.pdf",
                                sha256=hashlib.sha256(data).hexdigest())
    return data


@pytest.fixture
def open_submitted(app, founder, challenge):
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=challenge,
                                         submitted=True)
    return proposal, with_attachment(app, proposal)


@pytest.fixture
def closed_submitted(app, founder):
    challenge = factories.ChallengeFactory(closed=True)
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=challenge,
                                         submitted=True)
    return proposal, with_attachment(app, proposal)


def download(client, proposal):
    response = client.get(f"/proposals/{proposal.id}/attachment")
    body = response.data
    response.close()
    return response, body


def test_attachment_download_for_member(client, login, founder, open_submitted):
    proposal, data = open_submitted
    login(founder)
    response, body = download(client, proposal)
    assert response.status_code == 200
    assert body == data
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert "piano-progetto.pdf" in response.headers["Content-Disposition"]


def test_attachment_hidden_from_other_startup(client, login, open_submitted):
    proposal, _ = open_submitted
    login(factories.StartupUserFactory())
    assert download(client, proposal)[0].status_code == 404


def test_attachment_partner_only_after_deadline(client, login, open_submitted,
                                                closed_submitted):
    open_proposal, _ = open_submitted
    closed_proposal, data = closed_submitted
    login(factories.PartnerUserFactory(partner=open_proposal.challenge.lead_partner))
    assert download(client, open_proposal)[0].status_code == 404
    login(factories.PartnerUserFactory(partner=closed_proposal.challenge.lead_partner))
    response, body = download(client, closed_proposal)
    assert response.status_code == 200 and body == data


def test_attachment_cosponsor_after_deadline(client, login, closed_submitted):
    proposal, _ = closed_submitted
    cosponsor = factories.PartnerFactory()
    proposal.challenge.cosponsors.append(cosponsor)
    login(factories.PartnerUserFactory(partner=cosponsor))
    assert download(client, proposal)[0].status_code == 200


def test_attachment_hidden_from_other_partner(client, login, closed_submitted):
    proposal, _ = closed_submitted
    login(factories.PartnerUserFactory())
    assert download(client, proposal)[0].status_code == 404


def test_attachment_of_draft_hidden_from_partner_after_deadline(client, login, app, founder):
    challenge = factories.ChallengeFactory(closed=True)
    draft = factories.ProposalFactory(startup=founder.startup, challenge=challenge)
    with_attachment(app, draft)
    login(factories.PartnerUserFactory(partner=challenge.lead_partner))
    assert download(client, draft)[0].status_code == 404


def test_attachment_anonymous_redirected_to_login(client, open_submitted):
    proposal, _ = open_submitted
    response, _ = download(client, proposal)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_attachment_for_admin(client, login, open_submitted):
    proposal, data = open_submitted
    login(factories.UserFactory(admin=True))
    response, body = download(client, proposal)
    assert response.status_code == 200 and body == data


def test_proposal_list_partner_only_after_deadline(client, login, founder):
    closed = factories.ChallengeFactory(closed=True)
    submitted = factories.ProposalFactory(challenge=closed, submitted=True,
                                          title="Visible submitted proposal")
    factories.ProposalFactory(challenge=closed, title="Hidden draft proposal")
    factories.ProposalFactory(challenge=closed, withdrawn=True, title="Hidden withdrawn one")
    login(factories.PartnerUserFactory(partner=closed.lead_partner))
    page = client.get(f"/challenges/{closed.slug}/proposals")
    assert page.status_code == 200
    assert "Visible submitted proposal" in page.text
    assert submitted.startup.name in page.text
    assert "Hidden draft proposal" not in page.text
    assert "Hidden withdrawn one" not in page.text


def test_proposal_list_refused_before_deadline(client, login, challenge):
    factories.ProposalFactory(challenge=challenge, submitted=True)
    login(factories.PartnerUserFactory(partner=challenge.lead_partner))
    assert client.get(f"/challenges/{challenge.slug}/proposals").status_code == 403


def test_proposal_list_refused_for_other_partner_and_startup(client, login):
    closed = factories.ChallengeFactory(closed=True)
    login(factories.PartnerUserFactory())
    assert client.get(f"/challenges/{closed.slug}/proposals").status_code == 403
    login(factories.StartupUserFactory())
    assert client.get(f"/challenges/{closed.slug}/proposals").status_code == 403


def test_proposal_list_for_admin_any_time(client, login, challenge):
    factories.ProposalFactory(challenge=challenge, submitted=True, title="Admin sees this")
    login(factories.UserFactory(admin=True))
    page = client.get(f"/challenges/{challenge.slug}/proposals")
    assert page.status_code == 200
    assert "Admin sees this" in page.text


def test_proposal_detail_partner_after_deadline(client, login, closed_submitted):
    proposal, _ = closed_submitted
    login(factories.PartnerUserFactory(partner=proposal.challenge.lead_partner))
    page = client.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200
    assert proposal.title in page.text
    assert "<strong>sensors</strong>" in page.text  # Markdown rendered
    assert "piano-progetto.pdf" in page.text


def test_proposal_detail_hidden_before_deadline_and_from_others(client, login, open_submitted):
    proposal, _ = open_submitted
    login(factories.PartnerUserFactory(partner=proposal.challenge.lead_partner))
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    login(factories.StartupUserFactory())
    assert client.get(f"/proposals/{proposal.id}").status_code == 404


def test_proposal_detail_for_own_startup(client, login, founder, open_submitted):
    proposal, _ = open_submitted
    login(founder)
    page = client.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200
    assert proposal.title in page.text
