"""What a search returns: facets, sorts, pages, snippets, suggestions, similar
items, translations; and the index following writes and rebuilds. Every backend."""
from __future__ import annotations

from datetime import timedelta

from alliance.search import documents
from alliance.search.base import Scope, SearchRequest
from alliance.search.query import parse
from tests import factories as f


def challenge(title: str, text: str = "", **kwargs):
    """A challenge whose text is ``text`` (long texts go on into the description:
    the summary holds 500 characters)."""
    kwargs.setdefault("published", True)
    text = text or title
    cut = text.rfind(" ", 0, 480) if len(text) > 480 else len(text)
    return f.ChallengeFactory(title=title, summary=text[:cut], description=text[cut:].strip(),
                              expected_outcomes="", rewards="", eligibility="", **kwargs)


def proposal(title: str, text: str = "", **kwargs):
    return f.ProposalFactory(title=title, abstract=text or title, description="", team="",
                             **kwargs)


def search(backend, text: str, now, **request):
    request.setdefault("expand_translations", False)
    return backend.search(SearchRequest(query=parse(text), **request),
                          Scope(now=now, everything=True))


def titles(results) -> list[str]:
    return [hit.title for hit in results.hits]


# -- facets -----------------------------------------------------------------------

def test_facets_count_the_matching_documents(backend, index_docs, now):
    energy, water = f.ThemeFactory(name_en="Energy"), f.ThemeFactory(name_en="Water")
    enel = f.PartnerFactory(name="Enel Test")
    solar = challenge("Solar schools", theme=energy, lead_partner=enel)
    index_docs(solar, challenge("Solar fountains", theme=water),
               challenge("Wind parks", theme=energy),
               proposal("Solar tiles", challenge=solar, trl=5, submitted=True),
               proposal("Solar glass", challenge=solar, trl=5))

    results = search(backend, "solar", now)

    facets = {name: {v.value: v.count for v in values} for name, values in results.facets.items()}
    assert results.total == 4
    assert facets["kind"] == {"challenge": 2, "proposal": 2}
    assert facets["theme"] == {energy.slug: 3, water.slug: 1}
    assert facets["partner"][enel.slug] == 3
    assert facets["trl"] == {"5": 2}
    assert facets["proposal_status"] == {"submitted": 1, "draft": 1}
    assert facets["challenge_status"] == {"open": 2}
    labels = {v.value: v.label for v in results.facets["theme"]}
    assert labels == {energy.slug: "Energy", water.slug: "Water"}
    assert {v.value: v.label for v in results.facets["partner"]}[enel.slug] == "Enel Test"
    assert [v.count for v in results.facets["theme"]] == [3, 1]  # by count, descending


def test_selected_facet_values_narrow_and_are_marked(backend, index_docs, now):
    energy, water = f.ThemeFactory(), f.ThemeFactory()
    index_docs(challenge("Solar schools", theme=energy), challenge("Solar fountains", theme=water),
               challenge("Solar draft", theme=energy, published=False))

    results = search(backend, "solar", now, selected={"theme": energy.slug})

    assert sorted(titles(results)) == ["Solar draft", "Solar schools"]
    themes = {v.value: (v.count, v.selected) for v in results.facets["theme"]}
    assert themes == {energy.slug: (2, True)}
    statuses = search(backend, "solar", now, selected={"theme": energy.slug,
                                                       "challenge_status": "draft"})
    assert titles(statuses) == ["Solar draft"]
    assert {v.value: v.selected for v in statuses.facets["challenge_status"]} == {"draft": True}


def test_challenge_status_facet_follows_the_time(backend, index_docs, now):
    index_docs(challenge("Window", opens_at=now + timedelta(days=5),
                         deadline=now + timedelta(days=20)))

    def phases(when):
        results = search(backend, "window", when)
        return {v.value: v.count for v in results.facets["challenge_status"]}

    assert phases(now) == {"upcoming": 1}
    assert phases(now + timedelta(days=10)) == {"open": 1}
    assert phases(now + timedelta(days=30)) == {"closed": 1}
    selected = search(backend, "window", now + timedelta(days=10),
                      selected={"challenge_status": "open"})
    assert selected.total == 1


# -- sorts and pages ---------------------------------------------------------------

def test_sort_by_deadline_puts_soonest_first_and_none_last(backend, index_docs, now):
    index_docs(challenge("Kiosk late", deadline=now + timedelta(days=90)),
               challenge("Kiosk soon", deadline=now + timedelta(days=3)),
               f.StartupFactory(name="Kiosk Srl", pitch="Kiosks"),
               challenge("Kiosk middle", deadline=now + timedelta(days=30)))

    results = search(backend, "kiosk", now, sort="deadline")

    assert titles(results) == ["Kiosk soon", "Kiosk middle", "Kiosk late", "Kiosk Srl"]


def test_sort_by_newest_puts_latest_first(backend, index_docs, now):
    old = challenge("Kiosk old")
    new = challenge("Kiosk new")
    mid = challenge("Kiosk mid")
    old.created_at, mid.created_at, new.created_at = (now - timedelta(days=30),
                                                      now - timedelta(days=10), now)
    index_docs(old, new, mid)

    assert titles(search(backend, "kiosk", now, sort="newest")) == ["Kiosk new", "Kiosk mid",
                                                                    "Kiosk old"]


def test_pages_split_the_results_and_total_counts_all(backend, index_docs, now):
    index_docs(*[challenge(f"Kiosk {n:02d}", deadline=now + timedelta(days=n + 1))
                 for n in range(7)])

    pages = [search(backend, "kiosk", now, sort="deadline", page=p, per_page=3)
             for p in (1, 2, 3, 4)]

    assert [titles(p) for p in pages] == [["Kiosk 00", "Kiosk 01", "Kiosk 02"],
                                          ["Kiosk 03", "Kiosk 04", "Kiosk 05"],
                                          ["Kiosk 06"], []]
    assert {p.total for p in pages} == {7}
    assert pages[0].pages == 3


# -- snippets ------------------------------------------------------------------------

def test_snippet_marks_the_matched_words(backend, index_docs, now):
    text = ("Milan wants to know more about its streets. " * 5
            + "Low-cost sensori on trams map the air street by street. " + "Filler words. " * 20)
    index_docs(challenge("Air quality", text))

    hit = search(backend, "sensore", now).hits[0]

    assert "<mark>sensori</mark>" in hit.snippet
    assert len(hit.snippet.striptags()) <= 260
    assert "trams" in hit.snippet


def test_snippet_escapes_user_html(backend, index_docs, now):
    index_docs(challenge("<script>alert(1)</script> kiosk",
                         "Kiosk <img src=x onerror=alert(1)> & <b>bold</b>"))

    hit = search(backend, "kiosk", now).hits[0]

    assert "<img" not in hit.snippet and "<b>" not in hit.snippet
    assert "&lt;img" in hit.snippet
    assert "<mark>Kiosk</mark>" in hit.snippet
    assert hit.title == "<script>alert(1)</script> kiosk"  # plain text: templates escape it


def test_snippet_without_match_in_body_shows_its_start(backend, index_docs, now):
    index_docs(challenge("Kiosk", "The beginning of a <long> text. " + "More words. " * 40))

    hit = search(backend, "kiosk", now).hits[0]

    assert hit.snippet.startswith("The beginning of a &lt;long&gt; text.")
    assert "<mark>" not in hit.snippet


def test_hits_carry_display_fields(backend, index_docs, now):
    target = challenge("Kiosk", deadline=now + timedelta(days=3))
    index_docs(target, proposal("Kiosk proposal", challenge=target))

    results = search(backend, "kiosk", now, kinds=("challenge",))

    hit = results.hits[0]
    assert (hit.kind, hit.object_id) == ("challenge", target.id)
    assert hit.deadline == target.deadline
    assert target.lead_partner.name in hit.subtitle


# -- suggestions, similar items, translations ---------------------------------------

def test_misspelt_word_gets_a_suggestion(backend, index_docs, now):
    index_docs(challenge("Urban mobility", "Buses and bikes"), challenge("Clean air", "Trees"))

    results = search(backend, "mobilty", now)

    assert results.total == 0
    assert results.suggestion == "mobility"
    assert search(backend, "mobility", now).suggestion is None


def test_suggestion_keeps_the_rest_of_the_query(backend, index_docs, now):
    index_docs(challenge("Urban mobility", "Buses and bikes"))

    assert search(backend, "urban mobilty", now).suggestion == "urban mobility"


def test_no_suggestion_for_nonsense(backend, index_docs, now):
    index_docs(challenge("Urban mobility", "Buses and bikes"))

    assert search(backend, "xqzzvw", now).suggestion is None


def test_similar_finds_related_documents_of_the_same_kind(backend, index_docs, now):
    target = challenge("Air quality sensors on trams",
                       "Low-cost air quality sensors mounted on trams map pollution")
    related = challenge("Air quality near schools",
                        "Sensors measure air pollution and quality around schools")
    unrelated = challenge("Library opening hours", "Evening opening of public libraries")
    startup = f.StartupFactory(name="Air Srl", pitch="Air quality sensors and pollution maps")
    index_docs(target, related, unrelated, startup)

    similar = backend.similar("challenge", target.id, Scope(now=now, everything=True))

    ids = [h.object_id for h in similar]
    assert ids[0] == related.id
    assert target.id not in ids
    assert all(h.kind == "challenge" for h in similar)


def test_similar_of_unknown_document_is_empty(backend, now):
    assert backend.similar("challenge", 999_999, Scope(now=now, everything=True)) == []


def test_translation_finds_the_other_language_and_says_so(backend, index_docs, now):
    index_docs(challenge("Mobilità sostenibile", "Biciclette e monopattini"),
               challenge("Mobility hubs", "Bikes and scooters"))

    results = search(backend, "mobility", now, expand_translations=True)

    by_title = {h.title: h.via_translation for h in results.hits}
    assert set(by_title) == {"Mobilità sostenibile", "Mobility hubs"}
    assert by_title["Mobility hubs"] == []
    assert len(by_title["Mobilità sostenibile"]) == 1
    assert "mobility" in by_title["Mobilità sostenibile"][0]
    assert "mobilità" in by_title["Mobilità sostenibile"][0]
    assert search(backend, "mobility", now).total == 1  # without expansion


# -- keeping up with the database ------------------------------------------------------

def test_write_replaces_and_deletes(backend, index_docs, now):
    kiosk = challenge("Kiosk one")
    other = challenge("Kiosk two")
    index_docs(kiosk, other)

    kiosk.title = kiosk.summary = "Totem one"
    index_docs(kiosk)
    backend.write([], deleted=[f"challenge:{other.id}"])

    assert titles(search(backend, "kiosk", now)) == []
    assert titles(search(backend, "totem", now)) == ["Totem one"]
    assert set(backend.fingerprints()) == {f"challenge:{kiosk.id}"}


def test_rebuild_replaces_the_index_and_fingerprints_match(backend, index_docs, now):
    stale = challenge("Kiosk stale")
    index_docs(stale)
    docs = [documents.BUILDERS["challenge"](challenge(f"Totem {n}")) for n in range(3)]
    docs.append(documents.BUILDERS["startup"](f.StartupFactory(name="Totem Srl")))
    seen = []

    count = backend.rebuild(iter(docs), len(docs), seen.append)

    assert count == 4 and seen[-1] == 4
    assert backend.fingerprints() == {d.key: d.fingerprint() for d in docs}
    assert search(backend, "kiosk", now).total == 0
    assert search(backend, "totem", now).total == 4


def test_fingerprint_changes_with_the_document(backend, index_docs, now):
    kiosk = challenge("Kiosk one")
    [before] = index_docs(kiosk)
    kiosk.summary = "A new summary"
    [after] = index_docs(kiosk)

    assert before.fingerprint() != after.fingerprint()
    assert backend.fingerprints() == {after.key: after.fingerprint()}


def test_no_spelling_suggestion_for_a_word_found_through_translation(backend, index_docs):
    challenge = f.ChallengeFactory(title="Fibra ottica nelle fognature", summary="Fognature",
                                   description="", published=True)
    index_docs(challenge)
    results = backend.search(SearchRequest(query=parse("sewer")),
                             Scope(now=f.FUTURE, everything=True))
    assert [h.object_id for h in results.hits] == [challenge.id]
    assert results.suggestion is None


def test_hits_carry_the_url_key(backend, index_docs):
    challenge = f.ChallengeFactory(title="Alberi per Milano", published=True)
    index_docs(challenge)
    results = backend.search(SearchRequest(query=parse("alberi")),
                             Scope(now=f.FUTURE, everything=True))
    assert [h.url_key for h in results.hits] == [challenge.slug]
