"""Issue 7: XSS payloads typed into the partners' and the admin's text fields (challenge,
criteria, terms, calls, themes) come back escaped, or sanitised Markdown, on every page
that shows them. The corpus and the checker: ``xss_corpus``."""
from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from alliance.challenges import models as cm
from alliance.extensions import db
from alliance.search import documents
from tests import factories as f
from tests.security.xss_corpus import (
    LONG_PAYLOAD,
    MARKDOWN_TEXT,
    PAYLOADS,
    SHOWN_TEMPLATE_TEXT,
    check_page,
    chunks,
    logged_in,
    marker,
    posted,
    rounds,
    visit,
)

WHEN = "%Y-%m-%dT%H:%M"


@pytest.fixture
def world(tmp_path, app, monkeypatch):
    partner_user = f.PartnerUserFactory()
    partner = partner_user.partner_membership.partner
    challenge = f.ChallengeFactory(published=True, lead_partner=partner)
    founder = f.StartupUserFactory()
    draft = f.ProposalFactory(challenge=challenge, startup=founder.startup_membership.startup)
    f.PilotPreferenceFactory(challenge=challenge, startup=draft.startup)
    from alliance.search.whoosh_backend import WhooshBackend

    if db.engine.dialect.name == "postgresql":
        from alliance.search.postgres_backend import PostgresBackend

        backend = PostgresBackend()
    else:
        backend = WhooshBackend(str(tmp_path / "whoosh"))
    monkeypatch.setitem(app.extensions, "alliance_search", backend)
    yield {"partner": partner_user, "challenge": challenge, "founder": founder,
           "draft": draft, "admin": f.UserFactory(admin=True), "backend": backend}
    backend.close()


def _challenge_form(challenge, **values) -> dict:
    return {"call": challenge.call_id, "title": challenge.title, "slug": challenge.slug,
            "summary": challenge.summary, "description": challenge.description,
            "theme": challenge.theme_id, "expected_outcomes": challenge.expected_outcomes,
            "rewards": challenge.rewards, "eligibility": challenge.eligibility,
            "opens_at": (datetime.now() - timedelta(days=1)).strftime(WHEN),
            "deadline": (datetime.now() + timedelta(days=30)).strftime(WHEN),
            "pilot_slots": "1", **values}


def test_challenge_fields_come_back_escaped(client, world):
    challenge, partner = world["challenge"], world["partner"]
    for values in rounds(title=chunks(200, PAYLOADS), summary=chunks(500),
                         description=[MARKDOWN_TEXT, LONG_PAYLOAD],
                         expected_outcomes=[LONG_PAYLOAD, MARKDOWN_TEXT],
                         rewards=[MARKDOWN_TEXT], eligibility=[MARKDOWN_TEXT]):
        title = values["title"]
        challenge.status = cm.DRAFT  # partners edit drafts; the text is what matters here
        logged_in(client, partner)
        form = _challenge_form(challenge, **values)
        refused = client.post(f"/challenges/{challenge.slug}/edit", data={**form, "pilot_slots": "-1"})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=[title.strip(), marker(values["summary"])])
        posted(client.post(f"/challenges/{challenge.slug}/edit", data=form))
        db.session.refresh(challenge)
        assert challenge.title == title.strip()
        challenge.status = cm.SUBMITTED  # in the admin's approval queue
        visit(client, world["admin"], ["/admin/", f"/challenges/{challenge.slug}"],
              shows=marker(title))
        challenge.status, challenge.published_at = cm.PUBLISHED, challenge.opens_at
        world["backend"].write([documents.BUILDERS["challenge"](challenge)])
        visit(client, None, [f"/challenges/{challenge.slug}", "/challenges/", "/",
                             f"/partners/{challenge.lead_partner.slug}"], shows=marker(title))
        visit(client, None, [f"/challenges/{challenge.slug}"],
              shows=[marker(values["summary"]), SHOWN_TEMPLATE_TEXT])
        visit(client, None, ["/search?q=xss"])
        visit(client, partner, ["/partner/dashboard", f"/challenges/{challenge.slug}",
                                f"/challenges/{challenge.slug}/scouting"], shows=marker(title))
        visit(client, world["founder"], [
            "/startup/dashboard", f"/proposals/{world['draft'].id}/edit",
        ], shows=marker(title))
        visit(client, world["founder"], ["/startup/recommendations", "/startup/pilot-preferences"])
    html = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert 'href="https://ok.example/safe"' in html  # Markdown rendered, not just escaped


def test_criteria_come_back_escaped(client, world):
    challenge, partner = world["challenge"], world["partner"]
    challenge.status = cm.DRAFT
    for values in rounds(name=chunks(120, PAYLOADS), description=[MARKDOWN_TEXT]):
        logged_in(client, partner)
        form = {"criteria-0-name": values["name"], "criteria-0-description": values["description"],
                "criteria-0-weight": "10", "criteria-0-scale": "5", "save": "1"}
        refused = client.post(f"/challenges/{challenge.slug}/criteria",
                              data={**form, "criteria-0-scale": "1000"})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=values["name"].strip())
        posted(client.post(f"/challenges/{challenge.slug}/criteria", data=form))
        visit(client, partner, [f"/challenges/{challenge.slug}/criteria",
                                f"/challenges/{challenge.slug}"], shows=marker(values["name"]))
        visit(client, world["admin"], [f"/challenges/{challenge.slug}"],
              shows=marker(values["name"]))


def test_terms_come_back_as_safe_markdown(client, world):
    challenge, partner = world["challenge"], world["partner"]
    challenge.status = cm.DRAFT
    for text in (MARKDOWN_TEXT, LONG_PAYLOAD):
        logged_in(client, partner)
        posted(client.post(f"/challenges/{challenge.slug}/terms", data={"text": text}))
        visit(client, partner, [f"/challenges/{challenge.slug}/terms"], shows=marker(text))
    challenge.status = cm.PUBLISHED
    visit(client, None, [f"/challenges/{challenge.slug}"], shows="xss-long")
    visit(client, world["founder"], [f"/proposals/{world['draft'].id}/edit"], shows="xss-long")
    visit(client, partner, [f"/challenges/{challenge.slug}/terms"],
          shows=["xss-m1", "xss-m16", SHOWN_TEMPLATE_TEXT])


def test_call_fields_come_back_escaped(client, world):
    call, admin, challenge = world["challenge"].call, world["admin"], world["challenge"]
    for values in rounds(title=chunks(160, PAYLOADS), description=chunks(2000)):
        logged_in(client, admin)
        form = {**values, "slug": call.slug, "opens_at": call.opens_at.strftime(WHEN),
                "closes_at": call.closes_at.strftime(WHEN), "results_at": ""}
        refused = client.post(f"/admin/calls/{call.id}/edit", data={**form, "opens_at": "x"})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=values["title"].strip())
        posted(client.post(f"/admin/calls/{call.id}/edit", data=form))
        visit(client, admin, ["/admin/calls/", f"/admin/calls/{call.id}/edit"],
              shows=marker(values["title"]))
        visit(client, admin, ["/admin/matching/", "/calls/"])
        visit(client, None, ["/challenges/", f"/challenges/{challenge.slug}"],
              shows=marker(values["title"]))


def test_theme_names_come_back_escaped(client, world):
    theme, admin, challenge = world["challenge"].theme, world["admin"], world["challenge"]
    founder = world["founder"]
    for values in rounds(name_it=chunks(80, PAYLOADS), name_en=chunks(80, PAYLOADS[::-1])):
        logged_in(client, admin)
        refused = client.post("/admin/themes/", data={**values, "name_en": ""})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=values["name_it"].strip())
        posted(client.post(f"/admin/themes/{theme.id}/edit", data=values))
        visit(client, admin, ["/admin/themes/", f"/admin/themes/{theme.id}/edit"],
              shows=marker(values["name_en"]))
        visit(client, None, ["/challenges/", f"/challenges/{challenge.slug}"],
              shows=marker(values["name_en"]))
        visit(client, founder, [f"/startups/{founder.startup_membership.startup.slug}/edit",
                                "/startup/recommendations"])
