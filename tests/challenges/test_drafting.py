"""Drafting a challenge: the brief, its dates in Europe/Rome, criteria, terms, who may."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alliance.challenges import services
from alliance.challenges.models import DRAFT, Challenge, ChallengeTerms
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.extensions import db
from tests import factories


@pytest.fixture
def call():
    return factories.CallFactory(title="CyberSecureCity 2026")


@pytest.fixture
def theme():
    return factories.ThemeFactory(name_en="Cyber security")


def brief(call, theme, **changes) -> dict:
    data = {
        "call": str(call.id), "theme": str(theme.id),
        "title": "Fibre through the sewer network", "slug": "",
        "summary": "Lay fibre through Milan's sewers without digging the streets.",
        "description": "## Context\n\nMilan has **1,500 km** of sewers.",
        "expected_outcomes": "A tested robot and a 2 km pilot.",
        "rewards": "A pilot with 80,000 euro and mentoring.",
        "eligibility": "Start-ups registered in the EU.",
        "opens_at": "2026-02-01T09:00", "deadline": "2026-03-28T12:00", "pilot_slots": "2",
    }
    data.update(changes)
    return data


def _challenge(slug: str) -> Challenge:
    db.session.expire_all()
    return db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug))


# -- who may create ----------------------------------------------------------------

def test_create_anonymous_redirected_to_login(client):
    response = client.get("/challenges/new")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_create_startup_forbidden(client, login_as, startup_user):
    login_as(startup_user)
    assert client.get("/challenges/new").status_code == 403


def test_create_user_without_company_forbidden(client, login_as):
    login_as(factories.UserFactory())
    assert client.get("/challenges/new").status_code == 403


def test_create_partner_makes_draft_for_own_company(client, login_as, winter, partner,
                                                    partner_user, call, theme):
    other = factories.PartnerFactory()
    cosponsor = factories.PartnerFactory()
    login_as(partner_user)
    page = client.get("/challenges/new")
    assert page.status_code == 200
    assert 'name="lead_partner"' not in page.text  # fixed to the partner's company
    offered = re.findall(r'name="cosponsors" id="cosponsors-\d+" value="(\d+)"', page.text)
    assert offered and str(partner.id) not in offered  # not its own co-sponsor
    assert 'type="datetime-local"' in page.text
    response = client.post("/challenges/new", data={
        **brief(call, theme), "lead_partner": str(other.id),  # ignored
        "cosponsors": [str(cosponsor.id)],
    })
    assert response.status_code == 302
    challenge = _challenge("fibre-through-the-sewer-network")
    assert response.headers["Location"].endswith(
        "/challenges/fibre-through-the-sewer-network/criteria")
    assert challenge.status == DRAFT
    assert challenge.lead_partner_id == partner.id
    assert [p.id for p in challenge.cosponsors] == [cosponsor.id]
    assert challenge.created_by_id == partner_user.id
    assert challenge.pilot_slots == 2
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_id == challenge.id, AuditEvent.object_type == "challenge")
    ) == "challenge.created"


def test_create_admin_chooses_lead_partner(client, login_as, winter, admin, call, theme):
    lead = factories.PartnerFactory()
    login_as(admin)
    assert 'name="lead_partner"' in client.get("/challenges/new").text
    client.post("/challenges/new", data={**brief(call, theme), "lead_partner": str(lead.id),
                                         "slug": "sewer-fibre", "cosponsors": [str(lead.id)]})
    assert _challenge("sewer-fibre").lead_partner_id == lead.id
    assert _challenge("sewer-fibre").cosponsors == []  # the lead is not its own co-sponsor


def test_create_slug_taken_shows_field_error(client, login_as, winter, partner_user, call,
                                             theme):
    factories.ChallengeFactory(slug="sewer-fibre")
    db.session.commit()
    login_as(partner_user)
    response = client.post("/challenges/new", data=brief(call, theme, slug="sewer-fibre"))
    assert response.status_code == 422
    assert "is already taken" in response.text
    assert "Fibre through the sewer network" in response.text  # the input is kept
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Challenge)) == 1


def test_create_slug_from_title_made_unique(client, login_as, winter, partner_user, call,
                                            theme):
    factories.ChallengeFactory(slug="fibre-through-the-sewer-network")
    login_as(partner_user)
    client.post("/challenges/new", data=brief(call, theme))
    assert _challenge("fibre-through-the-sewer-network-2") is not None


def test_create_missing_fields_kept_and_marked(client, login_as, winter, partner_user, call,
                                               theme):
    login_as(partner_user)
    response = client.post("/challenges/new", data=brief(call, theme, summary=""))
    assert response.status_code == 422
    assert "is-invalid" in response.text
    assert "Milan has **1,500 km** of sewers." in response.text


def test_description_help_says_markdown(client, login_as, partner_user):
    login_as(partner_user)
    assert "Markdown" in client.get("/challenges/new").text


# -- dates in Europe/Rome ------------------------------------------------------------

@pytest.mark.parametrize("local, utc", [
    ("2026-03-28T12:00", datetime(2026, 3, 28, 11, 0, tzinfo=UTC)),  # CET, UTC+1
    ("2026-03-30T12:00", datetime(2026, 3, 30, 10, 0, tzinfo=UTC)),  # CEST, UTC+2
    ("2026-10-25T12:00", datetime(2026, 10, 25, 11, 0, tzinfo=UTC)),  # back to CET that night
])
def test_deadline_entered_in_rome_stored_in_utc(client, login_as, winter, partner_user, call,
                                                theme, local, utc):
    login_as(partner_user)
    client.post("/challenges/new", data=brief(call, theme, deadline=local, slug="dst"))
    challenge = _challenge("dst")
    assert challenge.deadline == utc
    # ... and shown back in Rome time, in the edit form and on the page
    assert f'value="{local}"' in client.get("/challenges/dst/edit").text
    assert "12:00" in client.get("/challenges/dst").text


def test_deadline_in_spring_gap_is_field_error(client, login_as, winter, partner_user, call,
                                               theme):
    login_as(partner_user)
    response = client.post("/challenges/new",
                           data=brief(call, theme, deadline="2026-03-29T02:30", slug="gap"))
    assert response.status_code == 422
    assert "does not exist in Milan" in response.text
    assert 'value="2026-03-29T02:30"' in response.text
    assert _challenge("gap") is None


def test_deadline_before_opening_refused(client, login_as, winter, partner_user, call, theme):
    login_as(partner_user)
    response = client.post("/challenges/new", data=brief(
        call, theme, opens_at="2026-03-01T09:00", deadline="2026-02-01T09:00", slug="backwards"))
    assert response.status_code == 422
    assert "must come after the opening" in response.text
    assert _challenge("backwards") is None


def test_deadline_years_away_refused(client, login_as, winter, partner_user, call, theme):
    login_as(partner_user)
    response = client.post("/challenges/new", data=brief(call, theme,
                                                         deadline="2036-03-28T12:00"))
    assert response.status_code == 422
    assert "at most two years" in response.text


def test_deadline_in_the_past_refused(client, login_as, winter, partner_user, call, theme):
    login_as(partner_user)
    response = client.post("/challenges/new", data=brief(
        call, theme, opens_at="2025-11-01T09:00", deadline="2026-01-10T12:00"))
    assert response.status_code == 422
    assert "already past" in response.text


# -- editing -------------------------------------------------------------------------

def test_edit_own_draft(client, login_as, winter, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, deadline=datetime(
        2026, 6, 1, 10, 0, tzinfo=UTC), opens_at=datetime(2026, 2, 1, 8, 0, tzinfo=UTC))
    login_as(partner_user)
    form = client.get(f"/challenges/{challenge.slug}/edit")
    assert form.status_code == 200
    assert 'value="2026-06-01T12:00"' in form.text  # 10:00 UTC is noon in Milan in June
    data = brief(challenge.call, challenge.theme, title="A clearer title", slug=challenge.slug,
                 opens_at="2026-02-01T09:00", deadline="2026-06-01T12:00")
    response = client.post(f"/challenges/{challenge.slug}/edit", data=data)
    assert response.status_code == 302
    assert _challenge(challenge.slug).title == "A clearer title"


def test_edit_other_companys_draft_is_not_found(client, login_as, partner_user):
    challenge = factories.ChallengeFactory()
    login_as(partner_user)
    assert client.get(f"/challenges/{challenge.slug}/edit").status_code == 404
    assert client.get(f"/challenges/{challenge.slug}").status_code == 404


def test_edit_other_companys_published_challenge_forbidden(client, login_as, partner_user):
    challenge = factories.ChallengeFactory(published=True)
    login_as(partner_user)
    assert client.get(f"/challenges/{challenge.slug}/edit").status_code == 403


def test_edit_published_challenge_forbidden_to_its_partner(client, login_as, partner,
                                                           partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, published=True)
    login_as(partner_user)
    assert client.get(f"/challenges/{challenge.slug}/edit").status_code == 403


def test_cosponsor_sees_draft_but_cannot_edit(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(cosponsors=[partner])
    login_as(partner_user)
    assert client.get(f"/challenges/{challenge.slug}").status_code == 200
    assert client.get(f"/challenges/{challenge.slug}/edit").status_code == 403


def test_startup_cannot_see_draft(client, login_as, startup_user):
    challenge = factories.ChallengeFactory()
    login_as(startup_user)
    assert client.get(f"/challenges/{challenge.slug}").status_code == 404


def test_update_published_challenge_refused_by_service(admin, now):
    challenge = factories.ChallengeFactory(published=True)
    data = services.ChallengeData(
        call_id=challenge.call_id, lead_partner_id=challenge.lead_partner_id, cosponsor_ids=[],
        title="New", slug=None, summary="s", description="d", theme_id=challenge.theme_id,
        expected_outcomes="", rewards="", eligibility="", opens_at=challenge.opens_at,
        deadline=challenge.deadline, pilot_slots=1)
    with pytest.raises(DomainError, match="no longer be edited"):
        services.update_challenge(challenge=challenge, data=data, user=admin, now=now)


# -- criteria ------------------------------------------------------------------------

def _rows(*rows) -> dict:
    data = {}
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"criteria-{i}-{key}"] = value
    return data


def test_criteria_page_shows_weights_as_share(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner)  # 40, 35, 25
    login_as(partner_user)
    page = client.get(f"/challenges/{challenge.slug}/criteria")
    assert page.status_code == 200
    assert "40 %" in page.text and "35 %" in page.text and "25 %" in page.text


def test_criteria_saved_updated_added_removed(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner)
    innovation, feasibility, impact = challenge.criteria
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/criteria", data={"save": "1", **_rows(
        {"id": innovation.id, "name": "Innovation", "description": "How new", "weight": "2",
         "scale": "10", "comment_required": "y"},
        {"id": feasibility.id, "name": "Feasibility", "weight": "1", "scale": "5",
         "remove": "y"},
        {"id": impact.id, "name": "Impact", "weight": "1", "scale": "5"},
        {"id": "", "name": "Team", "weight": "1", "scale": "4"},
    )})
    assert response.status_code == 302
    db.session.expire_all()
    saved = [(c.name, c.weight, c.scale, c.position, c.comment_required)
             for c in _challenge(challenge.slug).criteria]
    assert saved == [("Innovation", Decimal("2.00"), 10, 0, True),
                     ("Impact", Decimal("1.00"), 5, 1, False),
                     ("Team", Decimal("1.00"), 4, 2, False)]
    assert _challenge(challenge.slug).criteria[0].id == innovation.id  # updated in place
    page = client.get(f"/challenges/{challenge.slug}/criteria")
    assert "50 %" in page.text and "25 %" in page.text
    assert '<input checked class="form-check-input" id="criteria-0-comment_required"' in page.text


def test_criteria_add_row_keeps_typed_rows_without_saving(client, login_as, partner,
                                                          partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, with_criteria=False)
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/criteria", data={"add_row": "1", **_rows(
        {"id": "", "name": "Scalability", "weight": "3", "scale": "5"})})
    assert response.status_code == 200
    assert 'value="Scalability"' in response.text
    assert 'name="criteria-1-name"' in response.text
    assert _challenge(challenge.slug).criteria == []


def test_criteria_invalid_weight_shows_error(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, with_criteria=False)
    db.session.commit()
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/criteria", data={"save": "1", **_rows(
        {"id": "", "name": "Scalability", "weight": "0", "scale": "5"})})
    assert response.status_code == 422
    assert "is-invalid" in response.text
    assert _challenge(challenge.slug).criteria == []


def test_criteria_frozen_after_publication(client, login_as, admin, partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, published=True)
    login_as(partner_user)
    assert client.get(f"/challenges/{challenge.slug}/criteria").status_code == 403
    login_as(admin)
    assert client.post(f"/challenges/{challenge.slug}/criteria", data={"save": "1", **_rows(
        {"id": "", "name": "Other", "weight": "1", "scale": "5"})}).status_code == 403
    with pytest.raises(DomainError, match="frozen"):
        services.save_criteria(challenge=challenge, criteria=[], user=admin, now=now)
    assert len(_challenge(challenge.slug).criteria) == 3


def test_criteria_of_other_company_hidden(client, login_as, partner_user):
    challenge = factories.ChallengeFactory()
    login_as(partner_user)
    assert client.get(f"/challenges/{challenge.slug}/criteria").status_code == 404


def test_criteria_shares_rounding():
    assert services.criteria_shares([Decimal(1), Decimal(1), Decimal(1)]) == [
        Decimal("33.3"), Decimal("33.3"), Decimal("33.3")]
    assert services.criteria_shares([Decimal(3), None]) == [Decimal("100.0"), None]


# -- terms ---------------------------------------------------------------------------

def test_terms_versions_numbered(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, with_criteria=False)
    login_as(partner_user)
    client.post(f"/challenges/{challenge.slug}/terms", data={"text": "First **terms**."})
    client.post(f"/challenges/{challenge.slug}/terms", data={"text": "Second terms."})
    versions = db.session.execute(
        sa.select(ChallengeTerms.version, ChallengeTerms.text, ChallengeTerms.created_by_id)
        .where(ChallengeTerms.challenge_id == challenge.id).order_by(ChallengeTerms.version)
    ).all()
    assert versions == [(1, "First **terms**.", partner_user.id),
                        (2, "Second terms.", partner_user.id)]
    page = client.get(f"/challenges/{challenge.slug}/terms")
    assert "Version 2" in page.text and "Version 1" in page.text
    assert "Save as version 3" in page.text
    detail = client.get(f"/challenges/{challenge.slug}")
    assert "version 2" in detail.text and "Second terms." in detail.text


def test_terms_empty_refused(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, with_criteria=False)
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/terms", data={"text": ""})
    assert response.status_code == 422
    assert challenge.terms == []


def test_terms_after_publication_admin_only(client, login_as, admin, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, published=True)
    login_as(partner_user)
    assert client.post(f"/challenges/{challenge.slug}/terms",
                       data={"text": "Changed."}).status_code == 403
    login_as(admin)
    client.post(f"/challenges/{challenge.slug}/terms", data={"text": "Clarified."})
    db.session.expire_all()
    assert _challenge(challenge.slug).current_terms.version == 2


def test_terms_after_deadline_refused_by_service(admin, now):
    challenge = factories.ChallengeFactory(closed=True)
    with pytest.raises(DomainError, match="deadline"):
        services.add_terms(challenge=challenge, text="Late.", user=admin, now=now)


def test_terms_of_other_company_hidden(client, login_as, partner_user):
    challenge = factories.ChallengeFactory()
    login_as(partner_user)
    assert client.post(f"/challenges/{challenge.slug}/terms",
                       data={"text": "x"}).status_code == 404


# -- the walk: draft, criteria, terms, approval ---------------------------------------

def test_partner_drafts_and_admin_publishes(client, login_as, winter, partner, partner_user,
                                            admin, call, theme):
    login_as(partner_user)
    client.post("/challenges/new", data=brief(call, theme, slug="walk"))
    refused = client.post("/challenges/walk/submit", follow_redirects=True)
    assert "evaluation criterion" in refused.text
    client.post("/challenges/walk/criteria", data={"save": "1", **_rows(
        {"id": "", "name": "Innovation", "weight": "1", "scale": "5"})})
    client.post("/challenges/walk/terms", data={"text": "IP stays with the start-up."})
    client.post("/challenges/walk/submit")
    assert _challenge("walk").status == "submitted"
    login_as(admin)
    client.post("/challenges/walk/approve")
    assert _challenge("walk").status == "published"
