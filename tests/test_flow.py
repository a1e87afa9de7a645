"""The whole flow through the test client, as its users would walk it:
a partner drafts a challenge, an admin publishes it, a start-up registers,
confirms its e-mail, applies, submits, edits, and is refused after the deadline."""
import hashlib
import re
from datetime import UTC, datetime

import sqlalchemy as sa

from alliance.challenges.models import PUBLISHED, Challenge
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.proposals.models import SUBMITTED, Proposal
from tests import factories

# 31 March 2026, 18:00 in Milan is 16:00 UTC: summer time began two days earlier.
DEADLINE_UTC = datetime(2026, 3, 31, 16, 0, tzinfo=UTC)


def _link(message, path):
    return re.search(r"https?://[^/\s]+(" + re.escape(path) + r"\S+)", message.body).group(1)


def test_flow_from_challenge_draft_to_refusal_after_deadline(app, travel, mail_outbox):
    travel(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    enel = db.session.scalar(sa.select(Partner).where(Partner.slug == "enel-x"))
    partner_user = factories.PartnerUserFactory(partner=enel)
    admin = factories.UserFactory(admin=True, email="staff@assolombarda.example")
    call = factories.CallFactory(title="Milano Net Zero 2030")
    theme_id = db.session.execute(sa.text("SELECT id FROM theme WHERE slug = 'energy'")).scalar()
    partner, staff, founder = app.test_client(), app.test_client(), app.test_client()

    # 1. The partner drafts the challenge, its criteria and terms, and sends it for approval.
    assert partner.post("/auth/login", data={"email": partner_user.email,
                                              "password": factories.PASSWORD}).status_code == 302
    response = partner.post("/challenges/new", data={
        "call": call.id, "lead_partner": enel.id, "title": "Heat pumps for social housing",
        "slug": "", "summary": "Replace gas boilers in 40 ALER buildings.",
        "description": "## Context\n\nMilan's **2030** goal.", "theme": theme_id,
        "expected_outcomes": "A pilot in two buildings.", "rewards": "Pilot and 80,000 euro.",
        "eligibility": "EU start-ups.", "opens_at": "2026-03-05T09:00",
        "deadline": "2026-03-31T18:00", "pilot_slots": "2",
    })
    assert response.status_code == 302, response.get_data(as_text=True)
    challenge = db.session.scalar(sa.select(Challenge).where(
        Challenge.title == "Heat pumps for social housing"))
    slug = challenge.slug
    assert challenge.deadline == DEADLINE_UTC
    assert partner.post(f"/challenges/{slug}/criteria", data={
        "criteria-0-name": "Energy saved", "criteria-0-weight": "60", "criteria-0-scale": "5",
        "criteria-1-name": "Cost", "criteria-1-weight": "40", "criteria-1-scale": "5",
    }).status_code == 302
    assert partner.post(f"/challenges/{slug}/terms",
                        data={"text": "The start-up keeps its IP."}).status_code == 302
    partner.post(f"/challenges/{slug}/submit")
    db.session.refresh(challenge)
    assert challenge.status == "submitted"
    assert [c.name for c in challenge.criteria] == ["Energy saved", "Cost"]

    # 2. The admin approves it: it is published and listed.
    staff.post("/auth/login", data={"email": admin.email, "password": factories.PASSWORD})
    staff.post(f"/challenges/{slug}/approve")
    db.session.refresh(challenge)
    assert challenge.status == PUBLISHED
    assert "Heat pumps for social housing" in founder.get("/challenges/").get_data(as_text=True)

    # 3. A founder registers, confirms the e-mail through the link, registers the start-up.
    travel(datetime(2026, 3, 10, 9, 0, tzinfo=UTC))
    mail_outbox.clear()
    response = founder.post("/auth/register", data={
        "name": "Chiara Neri", "email": "chiara@termoverde.it",
        "password": "una password lunga 2026", "password_confirm": "una password lunga 2026",
        "accept_privacy": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    founder.get(_link(mail_outbox[-1], "/auth/confirm/"))
    response = founder.post("/startups/new", data={
        "name": "TermoVerde", "vat_number": "12345678903", "country": "IT", "city": "Milano",
        "founded_year": "2022", "team_size": "5", "stage": "mvp", "sectors": [str(theme_id)],
        "website": "https://termoverde.example", "pitch": "Heat pumps that fit old buildings.",
        "is_public": "y",
    })
    assert response.status_code == 302, response.get_data(as_text=True)

    # 4. It applies, saves a draft, submits, and gets the receipt by e-mail.
    response = founder.post(f"/challenges/{slug}/apply")
    edit_url = response.headers["Location"]
    proposal = db.session.scalar(sa.select(Proposal).where(Proposal.challenge_id == challenge.id))
    fields = {
        "title": "Hybrid heat pumps for 1960s blocks", "abstract": "Hybrid pumps, no works.",
        "description": "We install **hybrid** pumps.", "trl": "7",
        "pilot_duration_months": "6", "pilot_cost_eur": "45000", "team": "Four engineers.",
    }
    assert founder.post(edit_url, data={**fields, "action": "save"}).status_code == 302
    mail_outbox.clear()
    response = founder.post(edit_url, data={**fields, "action": "submit", "accept_terms": "y"})
    assert response.status_code == 302 and "/receipts/1" in response.headers["Location"]
    db.session.refresh(proposal)
    assert proposal.status == SUBMITTED and proposal.terms.version == 1
    receipt_mail = mail_outbox[-1]
    first = proposal.submissions[0]
    assert first.digest in receipt_mail.body
    receipt_json = founder.get(f"/proposals/{proposal.id}/receipts/1.json").get_data()
    assert hashlib.sha256(receipt_json).hexdigest() == first.digest

    # 5. It edits before the deadline (one minute before): version 2 counts.
    travel(datetime(2026, 3, 31, 15, 59, tzinfo=UTC))
    fields["title"] = "Hybrid heat pumps for 1960s blocks, v2"
    response = founder.post(edit_url, data={**fields, "action": "submit", "accept_terms": "y"})
    assert response.status_code == 302, response.get_data(as_text=True)[-3000:]
    db.session.refresh(proposal)
    assert len(proposal.submissions) == 2 and proposal.title.endswith("v2")

    # 6. At the deadline (18:00 in Milan) every change is refused, with a message.
    travel(datetime(2026, 3, 31, 16, 0, tzinfo=UTC))
    fields["title"] = "Too late"
    response = founder.post(edit_url, data={**fields, "action": "submit", "accept_terms": "y"})
    assert response.status_code in (409, 422)
    assert "deadline" in response.get_data(as_text=True).lower()
    db.session.refresh(proposal)
    assert proposal.title.endswith("v2") and len(proposal.submissions) == 2

    # 7. Now the partner sees the proposal to its challenge.
    page = partner.get(f"/challenges/{slug}/proposals").get_data(as_text=True)
    assert "Hybrid heat pumps for 1960s blocks, v2" in page
