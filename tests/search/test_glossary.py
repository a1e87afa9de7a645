"""The Italian–English glossary and query expansion (pure unit tests: no backend)."""
from __future__ import annotations

import pytest

from alliance.search import glossary
from alliance.search.glossary_data import ENTRIES
from alliance.search.query import And, Filter, Not, Or, Phrase, Term, Translated, parse


def expanded(text):
    return glossary.expand(parse(text)).root


def tr(original, *alternatives):
    """Translated(original, alternatives) written briefly: strings are Terms,
    tuples of words are Phrases."""

    def node(x):
        return Phrase(x) if isinstance(x, tuple) else Term(x) if isinstance(x, str) else x

    return Translated(original=node(original), alternatives=tuple(node(a) for a in alternatives))


# -- the glossary itself ------------------------------------------------------------


def test_glossary_has_at_least_150_pairs():
    assert len(ENTRIES) >= 180
    assert len(glossary.GLOSSARY) == len(ENTRIES)


def test_glossary_has_no_conflicts():
    assert glossary.conflicts() == []


def test_glossary_entries_are_unique():
    forms = []
    keys = []
    for entry in glossary.GLOSSARY:
        forms.extend(entry.it + entry.en)
        # "raccolta rifiuti" and "raccolta dei rifiuti" are one key, two phrases
        keys.extend({glossary.key(form) for form in entry.it + entry.en})
    assert len(forms) == len(set(forms))  # no form written twice
    assert len(keys) == len(set(keys))  # no form in two entries


def test_glossary_entries_are_non_empty_and_normalised():
    for it, en in ENTRIES:
        for side in (it, en):
            forms = [f.strip() for f in side.split("|")]
            assert forms and all(forms), (it, en)
            for form in forms:
                assert form == form.lower(), form
                assert form == " ".join(form.split()), form  # single spaces, trimmed
                assert glossary.key(form), form  # not only stopwords


def test_glossary_needs_no_entry_for_words_spelt_alike():
    for entry in glossary.GLOSSARY:
        assert {glossary.key(f) for f in entry.it} != {glossary.key(f) for f in entry.en}, entry


def test_glossary_covers_the_domain():
    expected = {
        "mobilità": "mobility", "energia": "energy", "teleriscaldamento": "district heating",
        "pompa di calore": "heat pump", "sicurezza informatica": "cyber security",
        "fibra ottica": "optical fibre", "fognatura": "sewer",
        "rigenerazione urbana": "urban regeneration",
        "infrastruttura verde": "green infrastructure", "forestazione urbana": "urban forestry",
        "depavimentazione": "depaving", "edificio": "building", "riqualificazione": "retrofit",
        "economia circolare": "circular economy", "rifiuti": "waste", "acqua": "water",
        "sensore": "sensor", "telecamera del traffico": "traffic camera",
        "qualità dell'aria": "air quality", "illuminazione pubblica": "street lighting",
        "piattaforma dati": "data platform", "gemello digitale": "digital twin",
        "apprendimento automatico": "machine learning", "ricarica": "charging",
        "connettività": "connectivity", "trasporto pubblico": "public transport",
        "autobus elettrico": "e-bus", "appalto pubblico": "public procurement",
    }
    for italian, english in expected.items():
        assert english in glossary.translations_of(italian), italian
        assert italian in glossary.translations_of(english), english


# -- lookups ------------------------------------------------------------------------


def test_translations_of_ignores_case_and_accents():
    assert glossary.translations_of("Mobilità") == ["mobility"]
    assert glossary.translations_of("MOBILITA") == ["mobility"]
    assert glossary.translations_of("citta") == ["city"]
    assert glossary.translations_of("city") == ["città"]


def test_translations_of_matches_plurals_of_both_languages():
    assert glossary.translations_of("sensori") == ["sensor"]
    assert glossary.translations_of("sensore") == ["sensor"]
    assert glossary.translations_of("buildings") == ["edificio"]
    assert glossary.translations_of("edifici") == ["building"]
    assert glossary.translations_of("cities") == ["città"]
    assert glossary.translations_of("pompe di calore") == ["heat pump"]
    assert glossary.translations_of("heat pumps") == ["pompa di calore"]
    assert glossary.translations_of("infrastrutture verdi") == ["green infrastructure"]


def test_translations_of_gives_every_synonym():
    assert glossary.translations_of("fognatura") == ["sewer", "sewerage", "sewer network"]
    assert glossary.translations_of("sewerage") == ["fognatura", "rete fognaria"]


def test_translations_of_a_shared_spelling_gives_the_other_forms():
    # "fibre" is English and the Italian plural of "fibra"
    assert glossary.translations_of("fibre") == ["fibra", "fiber"]


def test_translations_of_unknown_text_is_empty():
    assert glossary.translations_of("zanzara") == []
    assert glossary.translations_of("") == []
    assert glossary.translations_of("di") == []  # a stopword alone


def test_translations_of_ignores_articles_and_apostrophes():
    assert glossary.translations_of("qualità aria") == ["air quality"]
    assert glossary.translations_of("Qualita dell’aria") == ["air quality"]


# -- expand ---------------------------------------------------------------------------


def test_expand_translates_an_english_word():
    assert expanded("mobility") == tr("mobility", "mobilità")


def test_expand_translates_an_italian_word():
    assert expanded("mobilità") == tr("mobilità", "mobility")
    assert expanded("energia") == tr("energia", "energy")


def test_expand_translates_accentless_and_plural_input():
    assert expanded("citta") == tr("citta", "city")
    assert expanded("città") == tr("città", "city")
    assert expanded("sensori") == tr("sensori", "sensor")
    assert expanded("buildings") == tr("buildings", "edificio")


def test_expand_gives_multi_word_alternatives_as_phrases():
    assert expanded("teleriscaldamento") == tr("teleriscaldamento", ("district", "heating"))
    assert expanded("fognatura") == tr(
        "fognatura", "sewer", "sewerage", ("sewer", "network"))


def test_expand_cuts_alternatives_into_single_words():
    assert expanded("autobus elettrico") == Translated(
        And((Term("autobus"), Term("elettrico"))),
        (Phrase(("electric", "bus")), Phrase(("e", "bus"))))
    assert expanded("air quality") == Translated(
        And((Term("air"), Term("quality"))), (Phrase(("qualità", "dell", "aria")),))


def test_expand_translates_a_whole_phrase():
    assert expanded('"district heating"') == tr(("district", "heating"), "teleriscaldamento")
    assert expanded('"pompe di calore"') == tr(("pompe", "di", "calore"), ("heat", "pump"))


def test_expand_does_not_translate_part_of_a_phrase():
    assert expanded('"mobility plan"') == Phrase(("mobility", "plan"))


def test_expand_translates_consecutive_terms_as_one_entry():
    original = And((Term("district"), Term("heating")))
    assert expanded("district heating") == Translated(original, (Term("teleriscaldamento"),))


def test_expand_consecutive_terms_within_a_longer_query():
    result = expanded("telecamere del traffico milano")
    assert result == And((
        Translated(And((Term("telecamere"), Term("del"), Term("traffico"))),
                   (Phrase(("traffic", "camera")),)),
        Term("milano"),
    ))


def test_expand_prefers_the_longest_entry():
    # "district heating network" is one entry; "district" and "network" are others
    result = expanded("district heating network")
    assert result == Translated(
        And((Term("district"), Term("heating"), Term("network"))),
        (Phrase(("rete", "di", "teleriscaldamento")),))


def test_expand_translates_words_one_by_one_when_they_form_no_entry():
    assert expanded("energy water") == And((tr("energy", "energia"), tr("water", "acqua")))


def test_expand_does_not_join_terms_across_or():
    result = expanded("district OR heating")
    assert result == Or((tr("district", "quartiere"), tr("heating", "riscaldamento")))


def test_expand_translates_inside_or_and_not():
    result = expanded("(mobility OR traffico) -energia")
    assert result == And((
        Or((tr("mobility", "mobilità"), tr("traffico", "traffic"))),
        Not(tr("energia", "energy")),
    ))


def test_expand_does_not_translate_prefixes():
    assert expanded("mobil*") == Term("mobil", prefix=True)
    assert expanded("district* heating") == And(
        (Term("district", prefix=True), tr("heating", "riscaldamento")))


def test_expand_leaves_filters_untouched():
    result = expanded("theme:energy energia trl:>=6 status:open")
    assert result == And((
        Filter("theme", "=", "energy"),
        tr("energia", "energy"),
        Filter("trl", ">=", 6),
        Filter("status", "=", "open"),
    ))


def test_expand_a_filter_breaks_a_run_of_terms():
    result = expanded("district kind:challenge heating")
    assert result == And((
        tr("district", "quartiere"), Filter("kind", "=", "challenge"),
        tr("heating", "riscaldamento")))


def test_expand_twice_does_not_nest():
    once = glossary.expand(parse('district heating "heat pumps" -mobilità sensori OR acqua'))
    assert glossary.expand(once) == once


def test_expand_without_known_words_returns_an_equal_query():
    for text in ["zanzara tigre", '"foo bar" OR baz -qux', "theme:energy trl:4..7", "", "NOT x"]:
        parsed = parse(text)
        assert glossary.expand(parsed) == parsed


def test_expand_does_not_change_its_input():
    parsed = parse("mobility energia")
    before = parsed.root
    glossary.expand(parsed)
    assert parsed.root == before


def test_expand_keeps_the_warnings():
    parsed = parse('"mobility')
    result = glossary.expand(parsed)
    assert [str(w) for w in result.warnings] == [str(w) for w in parsed.warnings]
    assert result.warnings


# -- reading an expanded query -----------------------------------------------------------


def test_describe_a_translation():
    assert glossary.describe(expanded("mobility")) == "mobility → mobilità"
    assert glossary.describe(expanded("district heating")) == "district heating → teleriscaldamento"
    assert glossary.describe(expanded("sewerage")) == "sewerage → fognatura, rete fognaria"
    assert glossary.describe(expanded("bus elettrico")) == "bus elettrico → electric bus, e-bus"
    assert glossary.describe(expanded("e-bus")) == "e-bus → autobus elettrico, bus elettrico"
    assert glossary.describe(expanded("air quality")) == "air quality → qualità dell'aria"


def test_translated_lists_positive_translations_only():
    parsed = glossary.expand(parse("energia -mobility"))
    assert [glossary.describe(t) for t in glossary.translated(parsed)] == ["energia → energy"]
    assert [glossary.describe(t) for t in glossary.translated(parsed, negated=True)] == [
        "mobility → mobilità"]


def test_words_includes_originals_and_alternatives():
    parsed = glossary.expand(parse("district heating -energia"))
    assert glossary.words(parsed) == [Term("district"), Term("heating"),
                                      Term("teleriscaldamento")]


@pytest.mark.parametrize("text", ["AND", "OR OR", "()", '"', "-", "***", "d'", "e-bus ((", "a" * 600])
def test_expand_copes_with_odd_queries(text):
    parsed = parse(text)
    result = glossary.expand(parsed)
    assert glossary.expand(result) == result
