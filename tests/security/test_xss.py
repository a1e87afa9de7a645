"""Issue 7: XSS payloads typed into the start-ups' text fields (registration, profile,
relations, proposals) and reflected through query strings come back escaped on every
page that shows them. The corpus and the HTML checker: ``xss_corpus``.

Each case writes one chunk of payloads per field through the real form (CSRF is off in
tests) and reads the pages back as the users who may see them; chunks rotate so every
payload passes through every field."""
from __future__ import annotations

from urllib.parse import quote

import pytest

from alliance.extensions import db
from alliance.search import documents
from tests import factories as f
from tests.security.xss_corpus import (
    ALL_PAYLOADS,
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


@pytest.fixture
def search(app, tmp_path, monkeypatch):
    """An empty index of the run's backend (PostgreSQL full text on PostgreSQL, Whoosh
    on SQLite); ``search(*objects)`` writes their documents."""
    if db.engine.dialect.name == "postgresql":
        from alliance.search.postgres_backend import PostgresBackend

        backend = PostgresBackend()
        name = "postgres"
    else:
        from alliance.search.whoosh_backend import WhooshBackend

        backend = WhooshBackend(str(tmp_path / "whoosh"))
        name = "whoosh"
    monkeypatch.setitem(app.extensions, "alliance_search", backend)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", name)

    def write(*objects):
        db.session.flush()
        backend.write([documents.BUILDERS[o.__tablename__](o) for o in objects])

    yield write
    backend.close()


@pytest.fixture
def world():
    """A partner's open challenge, a start-up with its draft proposal, a juror assigned
    to review a submitted proposal of the same start-up, and an admin."""
    partner_user = f.PartnerUserFactory()
    challenge = f.ChallengeFactory(published=True, lead_partner=partner_user.partner_membership.partner)
    founder = f.StartupUserFactory()
    startup = founder.startup_membership.startup
    draft = f.ProposalFactory(challenge=challenge, startup=startup)
    f.ScoutingInvitationFactory(challenge=challenge, startup=startup)
    assignment = f.AssignmentFactory(proposal__startup=startup)
    f.DecisionFactory(proposal=assignment.proposal)
    return {"partner": partner_user, "challenge": challenge, "founder": founder,
            "startup": startup, "draft": draft, "assignment": assignment,
            "juror": assignment.user, "admin": f.UserFactory(admin=True)}


def test_startup_profile_fields_come_back_escaped(client, world, search):
    startup, founder = world["startup"], world["founder"]
    assignment = world["assignment"]
    for values in rounds(name=chunks(120, PAYLOADS), city=chunks(80, PAYLOADS),
                         pitch=chunks(600), registration_number=chunks(40, PAYLOADS)):
        name, city, pitch = values["name"], values["city"], values["pitch"]
        form = {**values, "vat_number": startup.vat_number, "country": "IT",
                "founded_year": "2020", "team_size": "5", "stage": "mvp",
                "website": "https://ok.example/", "is_public": "y"}
        logged_in(client, founder)
        # refused (bad year): the form comes back with what was typed, in its attributes
        refused = client.post(f"/startups/{startup.slug}/edit", data={**form, "founded_year": "1"})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=[name.strip(), city.strip()])
        posted(client.post(f"/startups/{startup.slug}/edit", data=form))
        db.session.refresh(startup)
        assert startup.name == name.strip()
        search(startup)

        visit(client, founder, [
            f"/startups/{startup.slug}", f"/startups/{startup.slug}/edit",
            f"/startups/{startup.slug}/relations", f"/startups/{startup.slug}/members",
            "/startup/dashboard", f"/proposals/{world['draft'].id}/edit",
        ], shows=marker(name))
        visit(client, None, [f"/startups/{startup.slug}"],
              shows=[marker(name), marker(city), marker(pitch)])
        visit(client, None, ["/search?q=xss"], shows="xss")
        visit(client, world["juror"], [f"/jury/assignments/{assignment.id}", "/jury/"])
        visit(client, world["admin"], ["/admin/proposals", f"/proposals/{assignment.proposal.id}"],
              shows=marker(name))
        visit(client, world["admin"], [
            f"/admin/evaluation/rounds/{assignment.round.id}/assignments",
            f"/admin/evaluation/challenges/{assignment.proposal.challenge.id}",
        ])
        visit(client, world["partner"], [f"/challenges/{world['challenge'].slug}/scouting"],
              shows=marker(name))


@pytest.mark.parametrize("website", [
    "javascript:alert(1)", "JavaScript://ok.example/%0Aalert(1)",
    "javascript://ok.example/%0Aalert(document.cookie)", "data://ok.example/,<script>",
    " javascript://ok.example/%0Aalert(1)", "vbscript://ok.example/%0Amsgbox(1)",
])
def test_startup_website_never_becomes_a_script_link(website, client, world):
    startup, founder = world["startup"], world["founder"]
    logged_in(client, founder)
    client.post(f"/startups/{startup.slug}/edit", data={
        "name": startup.name, "vat_number": startup.vat_number, "country": "IT",
        "city": "Milano", "founded_year": "2020", "team_size": "5", "stage": "mvp",
        "website": website, "pitch": "We sense the city.", "is_public": "y"})
    visit(client, None, [f"/startups/{startup.slug}"])
    visit(client, founder, [f"/startups/{startup.slug}/edit"])
    visit(client, world["juror"], [f"/jury/assignments/{world['assignment'].id}"])


def test_relation_company_name_comes_back_escaped(client, world):
    startup, founder = world["startup"], world["founder"]
    for name in chunks(160, PAYLOADS):
        logged_in(client, founder)
        posted(client.post(f"/startups/{startup.slug}/relations",
                           data={"kind": "investor", "company_name": name, "partner": ""}))
        visit(client, founder, [f"/startups/{startup.slug}/relations",
                                f"/startups/{startup.slug}"], shows=marker(name))


def test_registration_name_comes_back_escaped(client):
    for case, name in enumerate(chunks(120, PAYLOADS)):
        logged_in(client, None)
        form = {"name": name, "email": f"new{case}@example.org",
                "password": "a long passphrase 42", "password_confirm": "a long passphrase 42",
                "accept_privacy": "y"}
        refused = client.post("/auth/register", data={**form, "accept_privacy": ""})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=name.strip())
        registered = client.post("/auth/register", data=form, follow_redirects=True)
        assert registered.status_code == 200
        check_page(registered.get_data(as_text=True), shows=marker(name))
        for url in ("/", "/challenges/", "/startups/new"):
            check_page(client.get(url).get_data(as_text=True), shows=marker(name))


def test_proposal_fields_come_back_escaped(client, world, search):
    proposal, founder = world["draft"], world["founder"]
    for values in rounds(title=chunks(200, PAYLOADS), abstract=chunks(1500),
                         description=[MARKDOWN_TEXT, LONG_PAYLOAD], team=chunks(5000)):
        title = values["title"]
        form = {**values, "trl": "6", "pilot_duration_months": "6", "pilot_cost_eur": "1000",
                "action": "save"}
        logged_in(client, founder)
        refused = client.post(f"/proposals/{proposal.id}/edit",
                              data={**form, "pilot_duration_months": "-1"})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True),
                   shows=[title.strip(), marker(values["abstract"])])
        if proposal.status == "draft":
            posted(client.post(f"/proposals/{proposal.id}/edit", data=form))
        # submitted (or resubmitted), it reaches the admin's pages
        posted(client.post(f"/proposals/{proposal.id}/edit",
                           data={**form, "action": "submit", "accept_terms": "y"}))
        search(proposal)
        pages = [f"/proposals/{proposal.id}", "/startup/dashboard"]
        visit(client, founder, pages + [f"/proposals/{proposal.id}/receipts/1"],
              shows=marker(title))
        visit(client, founder, [f"/proposals/{proposal.id}"],
              shows=[marker(values["abstract"]), marker(values["description"])])
        visit(client, world["admin"], pages[:1] + ["/admin/proposals", "/search?q=xss"],
              shows=marker(title))
    visit(client, founder, [f"/proposals/{proposal.id}"],
          shows=["xss-m1", "xss-m16", SHOWN_TEMPLATE_TEXT])


@pytest.mark.parametrize("payload", PAYLOADS + ALL_PAYLOADS[-17::4])
def test_reflected_query_strings_come_back_escaped(payload, client, world):
    q = quote(payload)
    visit(client, None, [f"/search?q={q}", f"/challenges/?q={q}", f"/challenges/?sort={q}",
                         f"/search?kind={q}&q=x", f"/partners/?q={q}"])
    logged_in(client, world["admin"])
    assert client.get(f"/admin/proposals?q={q}").status_code == 200
    response = client.get(f"/auth/login?next={q}")
    check_page(response.get_data(as_text=True))
