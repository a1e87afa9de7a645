"""Partner-level confidentiality: a start-up keeps its proposal from partner companies
other than the challenge's sponsors, with drafts and submissions."""
import hashlib
import json
import re
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.evaluation import conflicts
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.proposals import services
from alliance.proposals.services import ProposalContent
from tests import factories
from tests.proposals.conftest import form_data


def seeded(name: str) -> Partner:
    """One of the nine partner companies the migrations put in place."""
    return db.session.scalar(sa.select(Partner).where(Partner.name == name))


def hidden_names(proposal) -> list[str]:
    db.session.expire(proposal, ["hidden_from"])
    return [p.name for p in proposal.hidden_from]


def checkbox_labels(page: str) -> dict[str, bool]:
    """The "Keep this proposal from" checkboxes as {partner name: ticked}."""
    found = re.findall(
        r'<input class="form-check-input" type="checkbox" name="hidden_from" id="([^"]+)" '
        r'value="\d+"( checked)?>\s*<label class="form-check-label" for="\1">([^<]+)</label>',
        page)
    return {label: bool(checked) for _, checked, label in found}


@pytest.fixture
def cosponsor(challenge):
    partner = seeded("Siemens")
    challenge.cosponsors.append(partner)
    return partner


def test_form_offers_partners_except_sponsors_none_ticked(client, login, founder, draft,
                                                          cosponsor):
    login(founder)
    page = client.get(f"/proposals/{draft.id}/edit").get_data(as_text=True)
    boxes = checkbox_labels(page)
    assert "Confidentiality" in page
    assert {"Enel X", "TIM", "IBM"} <= set(boxes)
    assert "Siemens" not in boxes
    assert draft.challenge.lead_partner.name not in boxes
    assert not any(boxes.values())


def test_draft_saves_the_partners_kept_out(client, login, founder, draft):
    enel, tim = seeded("Enel X"), seeded("TIM")
    login(founder)
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=form_data(hidden_from=[str(enel.id), str(tim.id)]))
    assert response.status_code == 302
    assert hidden_names(draft) == ["Enel X", "TIM"]
    page = client.get(f"/proposals/{draft.id}/edit").get_data(as_text=True)
    assert checkbox_labels(page)["Enel X"] and checkbox_labels(page)["TIM"]
    assert not checkbox_labels(page)["IBM"]


def test_change_of_confidentiality_audited(client, login, founder, draft):
    enel = seeded("Enel X")
    login(founder)
    client.post(f"/proposals/{draft.id}/edit", data=form_data(hidden_from=[str(enel.id)]))
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "proposal.confidentiality_changed",
        AuditEvent.object_id == draft.id))
    assert event.actor_id == founder.id
    assert event.data["hidden_from"] == [enel.slug]


def test_unticking_every_box_clears_the_choice(client, login, founder, draft):
    draft.hidden_from = [seeded("IBM")]
    login(founder)
    client.post(f"/proposals/{draft.id}/edit", data=form_data())
    assert hidden_names(draft) == []


def test_sponsor_cannot_be_chosen_in_the_form(client, login, founder, draft, cosponsor):
    login(founder)
    for sponsor in (draft.challenge.lead_partner, cosponsor):
        response = client.post(f"/proposals/{draft.id}/edit",
                               data=form_data(hidden_from=[str(sponsor.id)]))
        assert response.status_code == 422
    assert hidden_names(draft) == []


def test_sponsor_cannot_be_chosen_in_the_service(founder, draft, cosponsor, now):
    for sponsor in (draft.challenge.lead_partner, cosponsor):
        with pytest.raises(DomainError) as caught:
            services.save_draft(proposal=draft, user=founder,
                                content=ProposalContent(title="x", hidden_from=(sponsor.id,)),
                                now=now)
        assert "hidden_from" in caught.value.field_errors
    assert hidden_names(draft) == []


def test_content_without_a_choice_keeps_the_current_one(founder, draft, now):
    draft.hidden_from = [seeded("IBM")]
    services.save_draft(proposal=draft, user=founder, content=ProposalContent(title="New"),
                        now=now)
    assert hidden_names(draft) == ["IBM"]


def test_submission_keeps_choice_in_its_snapshot(client, login, founder, draft, travel):
    travel(datetime(2026, 7, 1, 10, 30, tzinfo=UTC))
    tim, enel = seeded("TIM"), seeded("Enel X")
    login(founder)
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=form_data("submit", accept_terms=True,
                                          hidden_from=[str(tim.id), str(enel.id)]))
    assert response.status_code == 302
    submission = draft.submissions[-1]
    assert hidden_names(draft) == ["Enel X", "TIM"]
    assert submission.content["hidden_from"] == ["Enel X", "TIM"]
    canonical = json.dumps(submission.content, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False).encode()
    assert submission.digest == hashlib.sha256(canonical).hexdigest()


def test_proposal_page_shows_choice_to_the_startup_only(client, login, founder):
    challenge = factories.ChallengeFactory(closed=True)
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=challenge,
                                         submitted=True)
    proposal.hidden_from = [seeded("Coima")]
    login(founder)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Kept from these partner companies" in page and "Coima" in page
    login(factories.PartnerUserFactory(partner=challenge.lead_partner))
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Kept from these partner companies" not in page and "Coima" not in page


def test_juror_of_a_partner_kept_out_is_conflicted(founder):
    enel = seeded("Enel X")
    proposal = factories.ProposalFactory(startup=founder.startup, submitted=True)
    juror = factories.PartnerUserFactory(partner=enel, jury=True)
    assert conflicts.conflict_reasons(juror, proposal) == set()
    proposal.hidden_from = [enel]
    db.session.flush()
    assert conflicts.conflict_reasons(juror, proposal) == {conflicts.HIDDEN_FROM}
