"""What users see of search: /search, the admin's proposal list, similar items,
the challenge list's search box. Each runs on every backend (``backend`` fixture)."""
from __future__ import annotations

import re
from html import unescape

import pytest

from tests import factories as f


def challenge(title: str, text: str = "", **kwargs):
    """A published challenge whose own text is only ``title`` and ``text``."""
    kwargs.setdefault("published", True)
    return f.ChallengeFactory(title=title, summary=text or title, description="",
                              expected_outcomes="", rewards="", eligibility="", **kwargs)


def proposal(title: str, text: str = "", **kwargs):
    return f.ProposalFactory(title=title, abstract=text or title, description="", team="",
                             **kwargs)


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def facet(html: str, name: str) -> dict[str, int]:
    """The facet ``name``'s values as {label: count}."""
    match = re.search(rf'<section class="facet[^"]*" aria-labelledby="facet-{name}">(.*?)</section>',
                      html, re.S)
    if match is None:
        return {}
    pairs = re.findall(r'<span>(?:<span aria-hidden="true">×</span> )?([^<]+?)'
                       r'(?:<span class="visually-hidden">[^<]*</span>)?</span>\s*'
                       r'<span class="facet-count[^"]*">(\d+)</span>', match.group(1))
    return {label.strip(): int(count) for label, count in pairs}


def hit_titles(html: str) -> list[str]:
    return [t.strip() for t in re.findall(r'<h3 class="h5 mb-1"><a href="[^"]+">([^<]+)</a>', html)]


# -- /search ------------------------------------------------------------------------

def test_search_page_shows_highlighted_results_total_and_facets(backend, index_docs, client):
    mobility = f.ThemeFactory(name_en="Mobility")
    energy = f.ThemeFactory(name_en="Energy")
    first = challenge("Sensors on trams", "Low-cost sensors map the air", theme=mobility)
    second = challenge("Sensors for buses", "Counting passengers with sensors", theme=mobility)
    third = challenge("Sensors in substations", "Grid sensors", theme=energy)
    index_docs(first, second, third, challenge("Bike lanes", "Paint and kerbs"))

    html = page(client.get("/search?q=sensors"))

    assert "3 results" in html
    assert sorted(hit_titles(html)) == sorted([first.title, second.title, third.title])
    assert re.search(r"<mark>sensors?</mark>", html, re.I)
    assert facet(html, "theme") == {"Mobility": 2, "Energy": 1}
    assert facet(html, "kind") == {"Challenges": 3}
    assert html.count("<h1") == 1


def test_search_hit_links_open_the_object_page(backend, index_docs, client):
    found = challenge("Hydrogen depots", "Refuelling buses at night")
    index_docs(found)

    html = page(client.get("/search?q=hydrogen"))
    link = re.search(r'<h3 class="h5 mb-1"><a href="([^"]+)">', html).group(1)

    opened = client.get(link, follow_redirects=True)
    assert opened.status_code == 200
    assert opened.request.path == f"/challenges/{found.slug}"


def test_search_go_hides_a_draft_challenge(backend, client):
    draft = challenge("Secret depaving plan", published=False)

    assert client.get(f"/search/go/challenge/{draft.id}").status_code == 404


def test_search_selected_facet_narrows_and_can_be_removed(backend, index_docs, client):
    mobility = f.ThemeFactory(name_en="Mobility")
    energy = f.ThemeFactory(name_en="Energy")
    index_docs(challenge("Sensors on trams", theme=mobility),
               challenge("Sensors in substations", theme=energy))

    html = page(client.get(f"/search?q=sensors&theme={energy.slug}"))

    assert hit_titles(html) == ["Sensors in substations"]
    assert "1 result" in html
    assert "Theme: Energy" in html  # the active filter, with its remove link
    assert 'href="/search?q=sensors"' in html


def test_search_suggests_a_spelling(backend, index_docs, client):
    index_docs(challenge("District heating for schools", "Heat networks in Milan"))

    html = page(client.get("/search?q=heatng"))

    match = re.search(r'Did you mean: <a href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert match is not None
    assert "heating" in match.group(2)
    assert "District heating for schools" in page(client.get(match.group(1)))


def test_search_paginates(backend, index_docs, client):
    theme, call, partner = f.ThemeFactory(), f.CallFactory(), f.PartnerFactory()
    index_docs(*[challenge(f"Streetlight pilot {n}", "Smart streetlights", theme=theme,
                           call=call, lead_partner=partner) for n in range(23)])

    first = page(client.get("/search?q=streetlights"))
    second = page(client.get("/search?q=streetlights&page=2"))

    assert "23 results" in first
    assert len(hit_titles(first)) == 20
    assert 'href="/search?q=streetlights&page=2"' in first
    assert len(hit_titles(second)) == 3
    assert not set(hit_titles(first)) & set(hit_titles(second))
    assert 'rel="prev"' in second


def test_search_page_query_count_does_not_grow_with_hits(backend, index_docs, client,
                                                        count_queries, login_as, admin):
    theme, call, partner = f.ThemeFactory(), f.CallFactory(), f.PartnerFactory()
    index_docs(challenge("Kiosk pilot", "Kiosks", theme=theme, call=call, lead_partner=partner))
    login_as(admin)
    client.get("/search?q=kiosks")
    with count_queries() as few:
        page(client.get("/search?q=kiosks"))
    index_docs(*[challenge(f"Kiosk pilot {n}", "Kiosks", theme=f.ThemeFactory(),
                           call=f.CallFactory(), lead_partner=f.PartnerFactory())
                 for n in range(6)])
    with count_queries() as many:
        html = page(client.get("/search?q=kiosks"))

    assert "7 results" in html
    assert len(many) == len(few)


def test_search_without_htmx_answers_the_full_page(backend, index_docs, client):
    index_docs(challenge("Noise maps", "Microphones on lamp posts"))

    html = page(client.get("/search?q=noise"))

    assert "<html" in html
    assert 'id="results"' in html and 'aria-live="polite"' in html
    assert '<input type="search" id="q" name="q" value="noise"' in html
    assert "htmx.min.js" in html
    assert "Noise maps" in html


def test_search_with_htmx_answers_the_results_only(backend, index_docs, client):
    index_docs(challenge("Noise maps", "Microphones on lamp posts"))

    response = client.get("/search?q=noise", headers={"HX-Request": "true"})
    html = page(response)

    assert "<html" not in html and "<h1" not in html
    assert "Noise maps" in html
    assert "1 result" in html
    assert "HX-Request" in response.headers["Vary"]


def test_search_history_restore_gets_the_full_page(backend, client):
    html = page(client.get("/search?q=noise", headers={
        "HX-Request": "true", "HX-History-Restore-Request": "true"}))

    assert "<html" in html


def test_search_empty_query_explains_the_language(backend, client):
    html = page(client.get("/search"))

    assert "How to search" in html
    assert "trl:&gt;=6" in html or "trl:>=6" in html
    assert 'href="/search?q=%22district+heating%22"' in html


def test_search_anonymous_never_sees_drafts(backend, index_docs, client):
    public = challenge("Zebra crossings that glow", "Zebra crossings at night")
    draft_challenge = challenge("Zebra crossings draft", "Zebra secret", published=False)
    draft_proposal = proposal("Zebra lights draft proposal", "Zebra crossings lit",
                              challenge=public)
    submitted = proposal("Zebra submitted proposal", "Zebra crossings", challenge=public,
                         submitted=True)
    index_docs(public, draft_challenge, draft_proposal, submitted)

    html = page(client.get("/search?q=zebra"))

    assert hit_titles(html) == [public.title]
    assert "1 result" in html
    for hidden in (draft_challenge, draft_proposal, submitted):
        assert hidden.title not in html
    assert facet(html, "kind") == {"Challenges": 1}
    assert facet(html, "proposal_status") == {}
    assert "kind=proposal" not in html


def test_search_owner_finds_own_draft_proposal(backend, index_docs, client, login_as):
    user = f.StartupUserFactory()
    own = proposal("Zebra lights draft proposal", "Zebra crossings lit",
                   startup=user.startup_membership.startup)
    other = proposal("Zebra other draft", "Zebra crossings lit")
    index_docs(own, other)
    login_as(user)

    html = page(client.get("/search?q=zebra"))

    assert hit_titles(html) == [own.title]
    assert other.title not in html


@pytest.mark.parametrize(("query", "warning"), [
    ('"unclosed', "quotation mark was not closed"),
    ("trl:99", "is not a TRL"),
    ("((", "Brackets did not match"),
    ("NOT", "has no words or filters"),
    ("kind:robot sensors", "is not a kind"),
])
def test_search_malformed_query_answers_with_a_warning(backend, index_docs, client, query,
                                                       warning):
    index_docs(challenge("Unclosed sensors", "Sensors everywhere"))

    response = client.get("/search", query_string={"q": query})

    assert response.status_code == 200
    assert warning in page(response)


def test_search_shows_how_a_query_was_read(backend, index_docs, client):
    index_docs(challenge("Sensors on trams"))

    html = page(client.get("/search", query_string={"q": '"sensors trams'}))

    assert "The query was read as:" in html
    assert '<code class="read-as">sensors trams</code>' in html
    assert "Sensors on trams" in html


def test_search_reports_a_match_through_translation(backend, index_docs, client):
    index_docs(challenge("Mobilità elettrica in periferia", "Autobus elettrici"))

    html = page(client.get("/search?q=mobility"))

    assert "Mobilità elettrica in periferia" in html
    assert "Matched through translation:" in html


def test_search_ignores_malformed_facets_and_pages(backend, index_docs, client):
    index_docs(challenge("Sensors on trams"))

    for url in ("/search?q=sensors&kind=robot", "/search?q=sensors&trl=99",
                "/search?q=sensors&page=-4", "/search?q=sensors&page=abc",
                "/search?q=sensors&sort=price", "/search?q=sensors&page=999999"):
        assert client.get(url).status_code == 200, url


# -- search boxes -----------------------------------------------------------------

def test_challenge_list_has_a_search_box(client):
    html = page(client.get("/challenges/"))

    form = re.search(r'<form method="get" action="/search"[^>]*role="search".*?</form>', html, re.S)
    assert form is not None
    assert '<input type="hidden" name="kind" value="challenge">' in form.group(0)
    assert 'type="search"' in form.group(0) and 'name="q"' in form.group(0)


def test_challenge_list_search_box_finds_only_challenges(backend, index_docs, client):
    user = f.StartupUserFactory()
    found = challenge("Tram depots", "Charging trams")
    startup = user.startup_membership.startup
    startup.pitch = "We build tram chargers"
    index_docs(found, startup)

    html = page(client.get("/search?q=tram&kind=challenge"))

    assert hit_titles(html) == [found.title]


# -- the admin's proposal list -------------------------------------------------------

def test_admin_proposals_refuses_non_admins(client, login_as):
    assert client.get("/admin/proposals").status_code == 302  # to the login page
    login_as(f.StartupUserFactory())
    assert client.get("/admin/proposals").status_code == 403
    login_as(f.PartnerUserFactory())
    assert client.get("/admin/proposals").status_code == 403


def test_admin_proposals_lists_and_filters(client, login_as, admin):
    target = f.ChallengeFactory(published=True, title="Cool roofs")
    draft = proposal("Reflective paint", challenge=target)
    sent = proposal("Green roof kits", challenge=target, submitted=True)
    elsewhere = proposal("Parking sensors", submitted=True)
    login_as(admin)

    html = page(client.get("/admin/proposals"))
    assert all(p.title in html for p in (draft, sent, elsewhere))
    assert "3 proposals" in html
    assert html.index(elsewhere.title) < html.index(draft.title)  # newest first

    html = page(client.get("/admin/proposals?status=submitted"))
    assert sent.title in html and elsewhere.title in html and draft.title not in html

    html = page(client.get(f"/admin/proposals?challenge={target.slug}&status=submitted"))
    assert sent.title in html and draft.title not in html and elsewhere.title not in html

    html = page(client.get(f"/admin/proposals?call={elsewhere.challenge.call.slug}"))
    assert elsewhere.title in html and sent.title not in html


def test_admin_proposals_search_box_uses_the_index(backend, index_docs, client, login_as, admin):
    target = f.ChallengeFactory(published=True)
    wanted = proposal("Hydrogen buses", "Fuel cells for ATM buses", challenge=target,
                      submitted=True)
    draft = proposal("Hydrogen boilers", "Fuel cells in basements", challenge=target)
    other = proposal("Bike racks", "Parking for bicycles", submitted=True)
    index_docs(wanted, draft, other)
    login_as(admin)

    html = page(client.get("/admin/proposals?q=hydrogen"))
    assert wanted.title in html and draft.title in html and other.title not in html
    assert "2 proposals" in html

    html = page(client.get("/admin/proposals?q=hydrogen&status=draft"))
    assert draft.title in html and wanted.title not in html


def test_admin_proposals_query_count_is_constant(client, login_as, admin, count_queries):
    login_as(admin)
    proposal("One", submitted=True)
    client.get("/admin/proposals")
    with count_queries() as few:
        client.get("/admin/proposals")
    for n in range(8):
        proposal(f"More {n}", submitted=True)
    with count_queries() as many:
        client.get("/admin/proposals")

    assert len(many) == len(few)


# -- similar items -----------------------------------------------------------------

def test_proposal_page_lists_similar_proposals_for_the_admin(backend, index_docs, client,
                                                           login_as, admin):
    target = f.ChallengeFactory(published=True)
    shown = proposal("Hydrogen buses for ATM", "Fuel cell buses refuelled at the depot",
                     challenge=target, submitted=True)
    twin = proposal("Fuel cell buses", "Hydrogen fuel cell buses and a depot refuelling station",
                    challenge=target, submitted=True)
    unrelated = proposal("Bike racks", "Parking for bicycles near schools", submitted=True)
    index_docs(shown, twin, unrelated)
    login_as(admin)

    html = page(client.get(f"/proposals/{shown.id}"))

    similar = re.search(r'id="similar-title".*?</section>', html, re.S)
    assert similar is not None
    listed = re.findall(r'<a href="[^"]+">([^<]+)</a>', similar.group(0))
    assert listed[0] == twin.title  # the closest first (the others share only boilerplate)
    assert shown.title not in listed


def test_proposal_page_similar_items_stay_in_scope(backend, index_docs, client, login_as):
    user = f.StartupUserFactory()
    target = f.ChallengeFactory(published=True)
    own = proposal("Hydrogen buses for ATM", "Fuel cell buses refuelled at the depot",
                   challenge=target, startup=user.startup_membership.startup)
    competitor = proposal("Competing coaches", "Hydrogen fuel cell buses refuelled at the depot",
                          challenge=target, submitted=True)
    index_docs(own, competitor)
    login_as(user)

    html = page(client.get(f"/proposals/{own.id}"))

    assert competitor.title not in html
    assert "Similar proposals" not in html


def test_challenge_page_lists_related_challenges(backend, index_docs, client):
    shown = challenge("Hydrogen buses", "Fuel cell buses and depot refuelling")
    related = challenge("Hydrogen depots", "Refuelling fuel cell buses at the depot")
    draft = challenge("Hydrogen trams draft", "Fuel cell trams and depot refuelling",
                      published=False)
    index_docs(shown, related, draft, challenge("Bike racks", "Parking for bicycles"))

    html = page(client.get(f"/challenges/{shown.slug}"))

    box = re.search(r'id="related-title".*?</section>', html, re.S)
    assert box is not None
    listed = re.findall(r'<a href="[^"]+">([^<]+)</a>', box.group(0))
    assert listed[0] == related.title  # the closest first (the others share only boilerplate)
    assert shown.title not in listed
    assert draft.title not in html
