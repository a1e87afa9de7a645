"""Words, languages and the query language: the same tests run on every backend."""
from __future__ import annotations

from alliance.search.base import Scope, SearchRequest
from alliance.search.query import parse
from tests import factories as f


def challenge(title: str, text: str = "", **kwargs):
    """A published challenge whose searchable text is only ``title`` and ``text``
    (besides the theme, partner and call names every challenge carries)."""
    kwargs.setdefault("published", True)
    return f.ChallengeFactory(title=title, summary=text or title, description="",
                              expected_outcomes="", rewards="", eligibility="", **kwargs)


def found(backend, text: str, now, **request) -> list[str]:
    """The titles found by an admin's search for ``text``, best first."""
    results = backend.search(SearchRequest(query=parse(text), per_page=50,
                                           expand_translations=False, **request),
                             Scope(now=now, everything=True))
    return [hit.title for hit in results.hits]


def test_accented_query_finds_unaccented_text(backend, index_docs, now):
    index_docs(challenge("Traffico in citta", "Parcheggi e semafori"),
               challenge("Rifiuti urbani", "Raccolta differenziata"))

    assert found(backend, "città", now) == ["Traffico in citta"]


def test_unaccented_query_finds_accented_text(backend, index_docs, now):
    index_docs(challenge("Mobilità sostenibile in città", "Biciclette condivise"),
               challenge("Rifiuti urbani", "Raccolta differenziata"))

    assert found(backend, "citta", now) == ["Mobilità sostenibile in città"]
    assert found(backend, "mobilita", now) == ["Mobilità sostenibile in città"]


def test_italian_plural_finds_singular(backend, index_docs, now):
    index_docs(challenge("Un sensore per ogni incrocio", "Rilevazione del rumore"),
               challenge("Rifiuti urbani", "Raccolta differenziata"))

    assert found(backend, "sensori", now) == ["Un sensore per ogni incrocio"]


def test_english_singular_finds_plural(backend, index_docs, now):
    index_docs(challenge("Smarter public buildings", "Heating that listens"),
               challenge("Clean rivers", "Water quality sampling"))

    assert found(backend, "building", now) == ["Smarter public buildings"]


def test_words_are_anded_by_default(backend, index_docs, now):
    index_docs(challenge("Solar roofs", "Panels on schools"),
               challenge("Solar benches", "Charging phones in parks"),
               challenge("Green roofs", "Gardens on schools"))

    assert found(backend, "solar roofs", now) == ["Solar roofs"]
    assert found(backend, "solar AND roofs", now) == ["Solar roofs"]


def test_or_finds_either_word(backend, index_docs, now):
    index_docs(challenge("Electric buses", "Depots"), challenge("Night trams", "Timetables"),
               challenge("Clean rivers", "Water quality"))

    assert sorted(found(backend, "buses OR trams", now)) == ["Electric buses", "Night trams"]


def test_not_and_minus_exclude_a_word(backend, index_docs, now):
    index_docs(challenge("Flood sensors", "Sensors under bridges and cameras"),
               challenge("Noise sensors", "Sensors on lamp posts"))

    assert found(backend, "sensors NOT cameras", now) == ["Noise sensors"]
    assert found(backend, "sensors -cameras", now) == ["Noise sensors"]


def test_lone_not_finds_everything_else(backend, index_docs, now):
    index_docs(challenge("Flood sensors", "Rivers"), challenge("Noise sensors", "Lamp posts"))

    assert found(backend, "NOT flood", now) == ["Noise sensors"]
    assert found(backend, "-flood", now) == ["Noise sensors"]


def test_grouping_combines_operators(backend, index_docs, now):
    index_docs(challenge("Bus depot", "Charging"), challenge("Tram depot", "Rails"),
               challenge("Bus stop", "Shelters"))

    assert sorted(found(backend, "(bus OR tram) AND depot", now)) == ["Bus depot", "Tram depot"]


def test_phrase_needs_adjacent_words(backend, index_docs, now):
    index_docs(challenge("District heating for Milan", "Pipes"),
               challenge("Heating the district school", "Boilers"))

    assert found(backend, '"district heating"', now) == ["District heating for Milan"]
    assert sorted(found(backend, "district heating", now)) == [
        "District heating for Milan", "Heating the district school"]


def test_phrase_is_matched_after_analysis(backend, index_docs, now):
    index_docs(challenge("Teleriscaldamento delle città", "Reti di calore urbane"),
               challenge("Calore per le scuole", "Reti elettriche"))

    assert found(backend, '"reti di calore"', now) == ["Teleriscaldamento delle città"]


def test_prefix_matches_word_starts(backend, index_docs, now):
    index_docs(challenge("Sensoristica ambientale", "Qualità dell'aria"),
               challenge("Sensors for noise", "Lamp posts"),
               challenge("Clean rivers", "Water"))

    assert sorted(found(backend, "sens*", now)) == ["Sensoristica ambientale",
                                                    "Sensors for noise"]


def test_title_match_ranks_above_body_match(backend, index_docs, now):
    index_docs(challenge("Parks and gardens", "Benches and lighting near the photovoltaic"),
               challenge("Photovoltaic canopies", "Shade over car parks"))

    assert found(backend, "photovoltaic", now) == ["Photovoltaic canopies", "Parks and gardens"]


def test_stopwords_alone_do_not_fail(backend, index_docs, now):
    index_docs(challenge("Bus depot", "Charging"))

    backend.search(SearchRequest(query=parse("the of and")), Scope(now=now, everything=True))


def test_malformed_queries_do_not_raise(backend, index_docs, now):
    index_docs(challenge("Bus depot", "Charging"), challenge("Tram depot", "Rails"))
    scope = Scope(now=now)

    for text in ["", "NOT", "-", "AND OR NOT", '"unclosed', "((bus", "bus)", "trl:abc",
                 "status:", "nosuchfield:x", "*", "a*", "NOT NOT bus", "-bus -tram",
                 "\"\"", "theme:", "💥 bus", "kind:nothing", "bus" * 200]:
        results = backend.search(SearchRequest(query=parse(text)), scope)
        assert results.total >= 0
    assert found(backend, "", now) and len(found(backend, "", now)) == 2
