"""The read-only public API under /api/v1: what each endpoint answers, what it never
shows, its paging, filters and refusals, and that every answer matches its schema."""
from __future__ import annotations

from datetime import timedelta

import pytest

from alliance.challenges.models import DECIDED
from alliance.evaluation.models import WINNER
from alliance.matching import models as mm
from tests import factories as f
from tests.api.helpers import API, get


def _world():
    """X leads an open challenge Y co-sponsors, an upcoming and a closed one, a draft and
    one waiting for approval."""
    x = f.PartnerFactory(slug="acme", name="Acme")
    y = f.PartnerFactory(slug="bolt", name="Bolt")
    theme = f.ThemeFactory(slug="air")
    call = f.CallFactory(slug="smart-2026")
    w = {"x": x, "y": y, "call": call, "theme": theme}
    w["open"] = f.ChallengeFactory(slug="clean-air", title="Clean air", lead_partner=x,
                                   theme=theme, call=call, published=True, pilot_slots=2,
                                   cosponsors=[y])
    w["upcoming"] = f.ChallengeFactory(slug="soon", lead_partner=x, upcoming=True)
    w["closed"] = f.ChallengeFactory(slug="gone", lead_partner=y, closed=True)
    w["draft"] = f.ChallengeFactory(slug="secret-draft", lead_partner=x, call=call)
    w["waiting"] = f.ChallengeFactory(slug="secret-waiting", lead_partner=x, submitted=True)
    return w


# -- challenges ----------------------------------------------------------------------------

def test_challenges_lists_public_ones_with_their_fields(client, spec):
    w = _world()

    body = get(client, "/challenges", spec, "ChallengePage")

    assert (body["total"], body["page"], body["per_page"]) == (3, 1, 20)
    # Running ones first (soonest deadline, then id), then the past ones.
    assert [c["slug"] for c in body["items"]] == ["clean-air", "soon", "gone"]
    item = body["items"][0]
    assert item["id"] == w["open"].id and item["title"] == "Clean air"
    assert (item["status"], item["state"], item["pilot_slots"]) == ("published", "open", 2)
    assert item["deadline"] == "2099-06-30T10:00:00Z"
    assert item["opens_at"] == item["published_at"] == "2020-01-15T10:00:00Z"
    assert item["partner"] == {"slug": "acme", "name": "Acme",
                               "url": "http://alliance.test/api/v1/partners/acme"}
    assert [p["slug"] for p in item["cosponsors"]] == ["bolt"]
    assert item["theme"]["slug"] == "air" and item["call"]["slug"] == "smart-2026"
    assert item["url"] == "http://alliance.test/api/v1/challenges/clean-air"
    assert item["html_url"] == "http://alliance.test/challenges/clean-air"
    assert [c["state"] for c in body["items"]] == ["open", "upcoming", "closed"]


@pytest.mark.parametrize(("query", "slugs"), [
    ("state=open", ["clean-air"]),
    ("state=upcoming", ["soon"]),
    ("state=current", ["clean-air", "soon"]),
    ("state=closed", ["gone"]),
    ("theme=air", ["clean-air"]),
    ("partner=bolt", ["clean-air", "gone"]),  # leads one, co-sponsors the other
    ("call=smart-2026", ["clean-air"]),
    ("partner=acme&state=upcoming", ["soon"]),
    ("theme=no-such-theme", []),
])
def test_challenges_filters(client, query, slugs):
    _world()

    body = get(client, f"/challenges?{query}")

    assert [c["slug"] for c in body["items"]] == slugs and body["total"] == len(slugs)


def test_challenges_pages(client, spec):
    made = [f.ChallengeFactory(published=True, deadline=f.FUTURE - timedelta(days=n))
            for n in range(5)]
    by_deadline = [c.slug for c in reversed(made)]

    second = get(client, "/challenges?page=2&per_page=2", spec, "ChallengePage")
    last = get(client, "/challenges?page=3&per_page=2")
    beyond = get(client, "/challenges?page=9&per_page=2")

    assert (second["total"], second["page"], second["per_page"]) == (5, 2, 2)
    assert [c["slug"] for c in second["items"]] == by_deadline[2:4]
    assert [c["slug"] for c in last["items"]] == by_deadline[4:]
    assert beyond["items"] == [] and beyond["total"] == 5


@pytest.mark.parametrize("query", [
    "page=abc", "page=0", "page=-1", "page=²", "page=99999999999999999999", "per_page=101",
    "per_page=0", "per_page=x", "state=bogus", "state=OPEN",
])
def test_challenges_bad_parameters_answer_400_in_json(client, spec, query):
    body = get(client, f"/challenges?{query}", spec, status=400)

    assert body["error"]["status"] == 400 and body["error"]["message"]


def test_challenge_detail_has_criteria_and_never_proposals(client, spec):
    w = _world()
    proposal = f.ProposalFactory(challenge=w["open"], submitted=True, title="Tram sensors")

    body = get(client, "/challenges/clean-air", spec, "Challenge")

    assert body["slug"] == "clean-air" and body["status"] == "published"
    assert body["description"] == w["open"].description
    assert body["rewards"] == "A six-month pilot and 50,000 euro."
    assert [(c["name"], c["weight"], c["share"], c["scale"]) for c in body["criteria"]] == [
        ("Innovation", 40.0, 40.0, 5), ("Feasibility", 35.0, 35.0, 5),
        ("Impact on the city", 25.0, 25.0, 5)]
    assert [p["slug"] for p in body["cosponsors"]] == ["bolt"]
    assert "proposals" not in body and proposal.title not in str(body)


@pytest.mark.parametrize("slug", ["secret-draft", "secret-waiting", "no-such-challenge"])
def test_hidden_challenges_do_not_exist(client, spec, login_as, slug):
    w = _world()

    body = get(client, f"/challenges/{slug}", spec, status=404)
    listed = get(client, "/challenges?per_page=100")
    login_as(f.UserFactory(admin=True))  # the API shows public challenges only, to all
    as_admin = get(client, "/challenges?per_page=100")

    assert body == {"error": {"status": 404, "message": "Not found, or not visible to you."}}
    for seen in (listed, as_admin):
        assert {c["slug"] for c in seen["items"]} == {"clean-air", "soon", "gone"}
    assert w["draft"].slug not in str(listed)


# -- partners ------------------------------------------------------------------------------

def test_partners_list_with_open_counts(client, spec):
    _world()

    body = get(client, "/partners", spec, "PartnerList")

    # By name, among the nine partners the migrations create.
    names = [p["name"] for p in body["items"]]
    assert names == sorted(names) and {"Acme", "Bolt", "Enel X"} <= set(names)
    counts = {p["slug"]: p["open_challenges"] for p in body["items"]}
    assert (counts["acme"], counts["bolt"], counts["enel-x"]) == (1, 1, 0)
    acme = next(p for p in body["items"] if p["slug"] == "acme")
    assert acme["html_url"] == "http://alliance.test/partners/acme"


def test_partner_detail_lists_its_public_challenges(client, spec):
    _world()

    body = get(client, "/partners/acme", spec, "PartnerDetail")

    assert (body["name"], body["website"]) == ("Acme", "https://partner.example.com")
    assert [c["slug"] for c in body["current_challenges"]] == ["clean-air", "soon"]
    assert (body["current_total"], body["past_total"], body["past_challenges"]) == (2, 0, [])
    assert "secret" not in str(body)
    assert body["challenges_url"] == "http://alliance.test/api/v1/challenges?partner=acme"
    assert get(client, "/partners/nobody", spec, status=404)["error"]["status"] == 404


# -- calls and results ---------------------------------------------------------------------

def _results(call, published=True):
    challenge = f.ChallengeFactory(call=call, status=DECIDED, published_at=f.PAST,
                                   slug=f"decided-{call.slug}", title="Decided one")
    public = f.StartupFactory(name=f"TramSense {call.slug}", slug=f"tramsense-{call.slug}")
    private = f.StartupFactory(name=f"Hidden Labs {call.slug}", slug=f"hidden-{call.slug}",
                               is_public=False)
    for startup in (public, private):
        f.DecisionFactory(proposal=f.ProposalFactory(challenge=challenge, startup=startup,
                                                     submitted=True), outcome=WINNER)
    f.PilotFactory(challenge=challenge, startup=public, accepted=True)
    f.PilotFactory(challenge=challenge, startup=f.StartupFactory(name="Still Proposed"))
    f.CallMatchingFactory(call=call, published=published)
    return challenge


def test_calls_list_says_which_results_are_published(client, spec):
    done = f.CallFactory(slug="done", opens_at=f.PAST + timedelta(days=1))
    _results(done)
    pending = f.CallFactory(slug="pending", opens_at=f.PAST)
    _results(pending, published=False)

    body = get(client, "/calls", spec, "CallList")

    assert [(c["slug"], c["results_published"]) for c in body["items"]] == [
        ("done", True), ("pending", False)]
    assert body["items"][0]["results_url"] == "http://alliance.test/api/v1/calls/done/results"
    assert body["items"][1]["results_url"] is None


def test_call_results_shows_winners_and_agreed_pilots(client, spec):
    call = f.CallFactory(slug="done")
    _results(call)

    body = get(client, "/calls/done/results", spec, "CallResults")

    assert body["results_published"] is True
    [challenge] = body["challenges"]
    assert challenge["slug"] == "decided-done"
    assert challenge["winners"] == [
        {"name": "Hidden Labs done", "slug": None, "html_url": None},
        {"name": "TramSense done", "slug": "tramsense-done",
         "html_url": "http://alliance.test/startups/tramsense-done"}]
    assert [(p["startup"]["name"], p["status"]) for p in challenge["pilots"]] == [
        ("TramSense done", mm.ACCEPTED)]


def test_unpublished_results_do_not_exist_but_for_admins(client, spec, login_as):
    _results(f.CallFactory(slug="pending"), published=False)
    f.CallFactory(slug="bare")

    for slug in ("pending", "bare", "no-such-call"):
        assert get(client, f"/calls/{slug}/results", spec, status=404)["error"]["status"] == 404
    login_as(f.UserFactory(admin=True))
    body = get(client, "/calls/pending/results", spec, "CallResults")
    assert body["results_published"] is False and len(body["challenges"]) == 1


# -- queries do not grow with rows ---------------------------------------------------------

def _rows(n: int) -> None:
    call = f.CallFactory()
    for _ in range(n):
        partner = f.PartnerFactory()
        f.ChallengeFactory(published=True, lead_partner=partner, call=call,
                           cosponsors=[f.PartnerFactory()])
        f.ChallengeFactory(closed=True, lead_partner=partner, call=call)
    _results(call)


@pytest.mark.parametrize("path", ["/challenges?per_page=100", "/partners", "/calls",
                                  "/challenges?partner={partner}"])
def test_query_count_does_not_grow(client, count_queries, path):
    counts = []
    for n in (2, 6):
        _rows(n)
        partner = f.PartnerFactory()
        for _ in range(n):
            f.ChallengeFactory(published=True, lead_partner=partner)
        url = path.format(partner=partner.slug)
        client.get(API + url)  # warm (the session's first request loads the user etc.)
        with count_queries() as statements:
            assert client.get(API + url).status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("n", [2, 6])
def test_partner_and_results_query_counts_are_fixed(client, count_queries, n):
    partner = f.PartnerFactory(slug="many")
    call = f.CallFactory(slug="big")
    for _ in range(n):
        f.ChallengeFactory(published=True, lead_partner=partner, cosponsors=[f.PartnerFactory()])
        f.ChallengeFactory(closed=True, lead_partner=partner)
        challenge = _results(call) if _ == 0 else f.ChallengeFactory(
            call=call, status=DECIDED, published_at=f.PAST)
        f.DecisionFactory(proposal=f.ProposalFactory(challenge=challenge, submitted=True),
                          outcome=WINNER)
    with count_queries() as partner_statements:
        assert client.get(f"{API}/partners/many").status_code == 200
    with count_queries() as result_statements:
        assert client.get(f"{API}/calls/big/results").status_code == 200
    assert (len(partner_statements), len(result_statements)) == EXPECTED_COUNTS


EXPECTED_COUNTS = (5, 5)  # partner: 5 (partner, totals, slices, co-sponsors, briefs); results: 5


def test_unknown_address_and_wrong_method_answer_json(client):
    missing = client.get("/api/v1/no-such-thing")
    wrong = client.post("/api/v1/challenges")

    assert missing.status_code == 404 and missing.json["error"]["status"] == 404
    assert wrong.status_code == 405 and wrong.json["error"]["status"] == 405
    assert "GET" in wrong.headers["Allow"]
