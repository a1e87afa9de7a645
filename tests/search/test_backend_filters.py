"""Field filters (theme:, partner:, status:, trl: ...) on every backend."""
from __future__ import annotations

from datetime import timedelta

import pytest

from alliance.search.base import Scope, SearchRequest
from alliance.search.query import parse
from tests import factories as f


def challenge(title: str, **kwargs):
    kwargs.setdefault("published", True)
    return f.ChallengeFactory(title=title, summary=title, description="", expected_outcomes="",
                              rewards="", eligibility="", **kwargs)


def proposal(title: str, **kwargs):
    return f.ProposalFactory(title=title, abstract=title, description="", team="", **kwargs)


def keys(backend, text: str, now, **request) -> set[str]:
    results = backend.search(SearchRequest(query=parse(text), per_page=100,
                                           expand_translations=False, **request),
                             Scope(now=now, everything=True))
    assert results.total == len(results.hits)
    return {f"{hit.kind}:{hit.title}" for hit in results.hits}


def test_theme_filter(backend, index_docs, now):
    mobility = f.ThemeFactory()
    index_docs(challenge("Bus lanes", theme=mobility), challenge("Solar roofs"))

    assert keys(backend, f"theme:{mobility.slug}", now) == {"challenge:Bus lanes"}
    assert keys(backend, f"tema:{mobility.slug}", now) == {"challenge:Bus lanes"}


def test_sector_filter_finds_startups(backend, index_docs, now):
    energy = f.ThemeFactory()
    solar = f.StartupFactory(name="Sunny Srl")
    solar.sectors = [energy]
    index_docs(solar, f.StartupFactory(name="Wheels Srl"))

    assert keys(backend, f"sector:{energy.slug}", now) == {"startup:Sunny Srl"}


def test_partner_filter_includes_cosponsors(backend, index_docs, now):
    lead = f.PartnerFactory(slug="test-enel-x")
    sponsor = f.PartnerFactory(slug="test-atm")
    led = challenge("Charging hubs", lead_partner=lead)
    cosponsored = challenge("Tram depots")
    cosponsored.cosponsors = [sponsor, lead]
    index_docs(led, cosponsored, challenge("Clean rivers"))

    assert keys(backend, "partner:test-enel-x", now) == {"challenge:Charging hubs",
                                                    "challenge:Tram depots"}
    assert keys(backend, "partner:test-atm", now) == {"challenge:Tram depots"}


def test_call_and_challenge_filters(backend, index_docs, now):
    call = f.CallFactory(slug="test-cybersecurecity-2026")
    target = challenge("Secure cameras", call=call, slug="secure-cameras")
    index_docs(target, challenge("Clean rivers"),
               proposal("Encrypted streams", challenge=target),
               proposal("River drones"))

    assert keys(backend, "call:test-cybersecurecity-2026", now) == {
        "challenge:Secure cameras", "proposal:Encrypted streams"}
    assert keys(backend, "challenge:secure-cameras", now) == {"proposal:Encrypted streams"}
    assert keys(backend, "kind:proposal call:test-cybersecurecity-2026", now) == {
        "proposal:Encrypted streams"}


def test_status_phase_follows_the_scope_time(backend, index_docs, now):
    index_docs(challenge("Window", opens_at=now + timedelta(days=5),
                         deadline=now + timedelta(days=20)),
               challenge("Draft idea", published=False))

    assert keys(backend, "status:upcoming", now) == {"challenge:Window"}
    assert keys(backend, "status:open", now) == set()
    assert keys(backend, "status:open", now + timedelta(days=10)) == {"challenge:Window"}
    assert keys(backend, "status:closed", now + timedelta(days=10)) == set()
    assert keys(backend, "status:closed", now + timedelta(days=30)) == {"challenge:Window"}
    assert keys(backend, "status:draft", now) == {"challenge:Draft idea"}


def test_status_filter_compares_stored_status_of_proposals(backend, index_docs, now):
    index_docs(proposal("Sent one", submitted=True), proposal("Kept one"),
               proposal("Gone one", withdrawn=True))

    assert keys(backend, "status:submitted", now) == {"proposal:Sent one"}
    assert keys(backend, "status:draft kind:proposal", now) == {"proposal:Kept one"}
    assert keys(backend, "stato:withdrawn", now) == {"proposal:Gone one"}


@pytest.mark.parametrize(("query", "expected"), [
    ("trl:6", {"T6"}),
    ("trl:=6", {"T6"}),
    ("trl:>=6", {"T6", "T8"}),
    ("trl:>6", {"T8"}),
    ("trl:<=3", {"T3"}),
    ("trl:<6", {"T3"}),
    ("trl:4..8", {"T6", "T8"}),
    ("trl:8..4", {"T6", "T8"}),
])
def test_trl_comparisons(backend, index_docs, now, query, expected):
    index_docs(proposal("T3", trl=3), proposal("T6", trl=6), proposal("T8", trl=8),
               proposal("Tnone", trl=None))

    assert keys(backend, query, now) == {f"proposal:{t}" for t in expected}


def test_kind_and_city_filters(backend, index_docs, now):
    index_docs(f.StartupFactory(name="Torino Labs", city="Torino"),
               f.StartupFactory(name="Milano Labs", city="Milano"),
               challenge("Labs for Milano"))

    assert keys(backend, "city:milano", now) == {"startup:Milano Labs"}
    assert keys(backend, "kind:startup", now) == {"startup:Torino Labs", "startup:Milano Labs"}
    assert keys(backend, "labs kind:challenge", now) == {"challenge:Labs for Milano"}


def test_filters_combine_with_words_and_negation(backend, index_docs, now):
    mobility = f.ThemeFactory(slug="test-mobility")
    index_docs(challenge("Bus lanes", theme=mobility), challenge("Bus shelters"),
               challenge("Bike lanes", theme=mobility))

    assert keys(backend, "bus theme:test-mobility", now) == {"challenge:Bus lanes"}
    assert keys(backend, "lanes NOT theme:test-mobility", now) == set()
    assert keys(backend, "bus NOT theme:test-mobility", now) == {"challenge:Bus shelters"}
    assert keys(backend, "bike OR theme:test-mobility", now) == {"challenge:Bus lanes",
                                                            "challenge:Bike lanes"}


def test_kinds_of_the_request_restrict_results(backend, index_docs, now):
    target = challenge("Quiet streets")
    index_docs(target, proposal("Quiet asphalt", challenge=target),
               f.StartupFactory(name="Quiet Srl", pitch="Quiet machines"))

    assert keys(backend, "quiet", now, kinds=("proposal",)) == {"proposal:Quiet asphalt"}
    assert keys(backend, "quiet", now, kinds=("challenge", "startup")) == {
        "challenge:Quiet streets", "startup:Quiet Srl"}
