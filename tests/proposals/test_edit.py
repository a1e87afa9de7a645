"""The edit page: save draft, submit, resubmit, withdraw, through the browser's forms."""
from datetime import timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.proposals.models import DRAFT, SUBMITTED, WITHDRAWN, Proposal, Submission
from tests import factories
from tests.proposals.conftest import form_data


def reload(proposal):
    db.session.expire_all()
    return db.session.get(Proposal, proposal.id)


def submissions_of(proposal):
    return db.session.scalars(sa.select(Submission).where(
        Submission.proposal_id == proposal.id).order_by(Submission.number)).all()


def test_edit_page_shows_terms_and_buttons(client, login, founder, draft):
    login(founder)
    page = client.get(f"/proposals/{draft.id}/edit")
    assert page.status_code == 200
    assert "Save draft" in page.text and "Submit" in page.text
    assert "Confidentiality" in page.text  # the terms text of the challenge
    assert "TRL 9" in page.text


def test_save_draft_keeps_partial_input(client, login, founder, draft):
    login(founder)
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=form_data("save", abstract="", trl="", pilot_cost_eur=""))
    assert response.status_code == 302
    proposal = reload(draft)
    assert proposal.title == "Sensors on every tram"
    assert proposal.abstract == "" and proposal.trl is None and proposal.pilot_cost_eur is None
    assert proposal.status == DRAFT


def test_submit_then_receipt_page(client, login, founder, draft):
    login(founder)
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=form_data("submit", accept_terms=True))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/proposals/{draft.id}/receipts/1")
    proposal = reload(draft)
    assert proposal.status == SUBMITTED
    assert proposal.pilot_cost_eur == 45000
    [submission] = submissions_of(draft)
    page = client.get(response.headers["Location"]).text
    assert submission.digest in page


def test_failed_submit_keeps_typed_text_in_draft_and_form(client, login, founder, draft):
    login(founder)
    response = client.post(f"/proposals/{draft.id}/edit", data=form_data(
        "submit", accept_terms=False, title="My typed title", team=""))
    assert response.status_code == 422
    assert "My typed title" in response.text  # in the form
    assert "Required to submit" in response.text
    assert "Accept the terms" in response.text
    proposal = reload(draft)
    assert proposal.title == "My typed title"  # and saved as the draft
    assert proposal.status == DRAFT
    assert submissions_of(draft) == []


def test_failed_submit_before_opening_saves_draft(client, login, founder):
    upcoming = factories.ChallengeFactory(upcoming=True)
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=upcoming)
    login(founder)
    response = client.post(f"/proposals/{proposal.id}/edit",
                           data=form_data("submit", accept_terms=True, title="Early bird"))
    assert response.status_code == 422
    assert "open on" in response.text
    assert reload(proposal).title == "Early bird"
    assert reload(proposal).status == DRAFT


def test_failed_resubmit_leaves_submitted_version_unchanged(client, login, founder, draft):
    login(founder)
    client.post(f"/proposals/{draft.id}/edit", data=form_data("submit", accept_terms=True))
    response = client.post(f"/proposals/{draft.id}/edit", data=form_data(
        "submit", accept_terms=True, title="Changed title", abstract=""))
    assert response.status_code == 422
    assert "Changed title" in response.text  # the typed input stays in the form
    proposal = reload(draft)
    assert proposal.title == "Sensors on every tram"
    assert proposal.abstract.startswith("Low-cost sensors")
    assert proposal.status == SUBMITTED
    assert len(submissions_of(draft)) == 1


def test_resubmit_creates_version_two(client, login, founder, draft, mail_outbox):
    login(founder)
    client.post(f"/proposals/{draft.id}/edit", data=form_data("submit", accept_terms=True))
    page = client.get(f"/proposals/{draft.id}/edit").text
    assert "Save and resubmit" in page and "Withdraw the proposal" in page
    response = client.post(f"/proposals/{draft.id}/edit", data=form_data(
        "submit", accept_terms=True, title="Sensors on every bus"))
    assert response.headers["Location"].endswith(f"/proposals/{draft.id}/receipts/2")
    first, second = submissions_of(draft)
    assert (first.content["title"], second.content["title"]) == (
        "Sensors on every tram", "Sensors on every bus")
    assert reload(draft).title == "Sensors on every bus"
    assert len(mail_outbox) == 2


def test_save_draft_button_refused_on_submitted_proposal(client, login, founder, draft):
    login(founder)
    client.post(f"/proposals/{draft.id}/edit", data=form_data("submit", accept_terms=True))
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=form_data("save", title="Sneaky change"))
    assert response.status_code == 422
    assert reload(draft).title == "Sensors on every tram"


def test_withdraw_and_resubmit_through_views(client, login, founder, draft):
    login(founder)
    client.post(f"/proposals/{draft.id}/edit", data=form_data("submit", accept_terms=True))
    assert client.post(f"/proposals/{draft.id}/withdraw").status_code == 302
    assert reload(draft).status == WITHDRAWN
    page = client.get(f"/proposals/{draft.id}/edit").text
    assert "Submit again" in page
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=form_data("submit", accept_terms=True))
    assert response.status_code == 302
    assert reload(draft).status == SUBMITTED
    assert len(submissions_of(draft)) == 2


def test_every_change_refused_after_deadline(client, login, founder, soon_closing, travel):
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=soon_closing)
    login(founder)
    assert client.post(f"/proposals/{proposal.id}/edit",
                       data=form_data("submit", accept_terms=True)).status_code == 302
    travel(soon_closing.deadline + timedelta(seconds=1))
    attempts = [
        client.post(f"/proposals/{proposal.id}/edit", data=form_data("save", title="Late")),
        client.post(f"/proposals/{proposal.id}/edit",
                    data=form_data("submit", accept_terms=True, title="Late")),
        client.post(f"/proposals/{proposal.id}/edit", data=form_data(
            "save", title="Late", attachment=("late.pdf", b"%PDF-1.4"))),
    ]
    for response in attempts:
        assert response.status_code == 409
        assert "deadline of this challenge passed" in response.text
    withdraw = client.post(f"/proposals/{proposal.id}/withdraw", follow_redirects=True)
    assert "deadline of this challenge passed" in withdraw.text
    stored = reload(proposal)
    assert stored.title == "Sensors on every tram"
    assert stored.status == SUBMITTED
    assert stored.attachment is None
    assert len(submissions_of(proposal)) == 1
    page = client.get(f"/proposals/{proposal.id}/edit").text
    assert "can no longer be changed" in page
    assert "Save draft" not in page


def test_draft_save_refused_after_deadline_via_apply_too(client, login, founder):
    closed = factories.ChallengeFactory(closed=True)
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=closed)
    login(founder)
    response = client.post(f"/proposals/{proposal.id}/edit", data=form_data("save", title="X"))
    assert response.status_code == 409
    assert reload(proposal).title != "X"


def test_edit_hidden_from_other_startup_and_partner(client, login, draft, challenge):
    login(factories.StartupUserFactory())
    assert client.get(f"/proposals/{draft.id}/edit").status_code == 404
    assert client.post(f"/proposals/{draft.id}/edit",
                       data=form_data("save", title="Hijack")).status_code == 404
    assert client.post(f"/proposals/{draft.id}/withdraw").status_code == 404
    login(factories.PartnerUserFactory(partner=challenge.lead_partner))
    assert client.get(f"/proposals/{draft.id}/edit").status_code == 404
    assert reload(draft).title != "Hijack"


def test_edit_anonymous_redirected_to_login(client, draft):
    response = client.get(f"/proposals/{draft.id}/edit")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_edit_unknown_proposal_404(client, login, founder):
    login(founder)
    assert client.get("/proposals/999999/edit").status_code == 404
