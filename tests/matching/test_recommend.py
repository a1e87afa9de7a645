"""Recommendations: text similarity across Italian and English, theme overlap,
the reasons a view shows, determinism and the cache between calls."""
from __future__ import annotations

import random

import pytest

from alliance.matching import recommend as R
from alliance.matching.recommend import Item, Profile, recommend_challenges, recommend_startups

MOBILITY, ENVIRONMENT, ENERGY, SECURITY = 1, 2, 3, 4

CHALLENGES = [
    Item(11, "Ricarica dei veicoli elettrici nei depositi degli autobus e mobilità "
             "sostenibile", frozenset({MOBILITY})),
    Item(12, "Monitoraggio della qualità dell'aria con sensori diffusi nei quartieri e "
             "dati aperti per i cittadini", frozenset({ENVIRONMENT})),
    Item(13, "Teleriscaldamento ed efficienza energetica degli edifici pubblici",
         frozenset({ENERGY})),
    Item(14, "Cyber security of the charging points: vulnerabilities and threat monitoring",
         frozenset({SECURITY, MOBILITY})),
]


def test_recommend_challenges_air_quality_sensors_first():
    startup = Profile("Sensori a basso costo per misurare la qualità dell'aria in città",
                      frozenset({ENVIRONMENT}))

    found = recommend_challenges(startup, CHALLENGES, limit=3)

    assert found[0].id == 12
    assert found[0].shared_themes == (ENVIRONMENT,)
    assert found[0].theme_score == 1.0
    assert set(found[0].reason_terms) >= {"sensori", "qualità", "aria"}
    assert [r.id for r in found] == [12]  # nothing else shares a word or a theme


def test_recommend_challenges_meets_italian_and_english_forms():
    # "sensors" (English) and "sensori" (Italian) share a stem; so do "buildings"
    # and "building", "scuole" and "scuola".
    startup = Profile("We make air sensors for public buildings")
    challenges = [Item(1, "Una rete di sensori per le scuole"),
                  Item(2, "Smart building management"),
                  Item(3, "Trasporto pubblico locale")]

    found = {r.id: r for r in recommend_challenges(startup, challenges, limit=5)}

    # One word each side: the reason shows the alphabetically first of the two.
    assert found[1].reason_terms == ("sensori",)
    assert found[2].reason_terms == ("building",)
    # "pubblico" and "public" do not share a stem: no reason to recommend 3.
    assert 3 not in found
    assert recommend_challenges(Profile("Riqualifichiamo il cortile di una scuola"),
                                challenges, limit=5)[0].id == 1


def test_recommend_reasons_are_readable_words_most_telling_first():
    startup = Profile("Teleriscaldamento, teleriscaldamento e ancora teleriscaldamento "
                      "per gli edifici pubblici")

    best = recommend_challenges(startup, CHALLENGES, limit=1)[0]

    assert best.id == 13
    # Words as written (accents kept, no stems), the rarest and most repeated first.
    assert best.reason_terms[0] == "teleriscaldamento"
    assert set(best.reason_terms) == {"teleriscaldamento", "edifici", "pubblici"}
    assert len(best.reason_terms) <= R.REASON_TERMS


def test_recommend_stopwords_of_either_language_are_no_reason():
    # "per", "la", "dei" (Italian) and "the", "of" (English) are shared, nothing else.
    startup = Profile("per la città dei bambini, the best of")
    challenges = [Item(1, "per la mobilità dei pendolari, the end of")]

    assert recommend_challenges(startup, challenges) == []


def test_recommend_generic_words_and_numbers_are_no_reason():
    # Shared by chance: "every", "next", "without", "30", "anni", "nuovo"; and "sensori".
    startup = Profile("every next step without 30 anni di nuovo lavoro: sensori")
    challenges = [Item(1, "every city, next year, without cost: 30 anni, un nuovo bando"),
                  Item(2, "sensori per l'aria, every day")]

    found = recommend_challenges(startup, challenges)

    assert [r.id for r in found] == [2]
    assert found[0].reason_terms == ("sensori",)


def test_recommend_theme_overlap_is_a_jaccard_index():
    startup = Profile("Nothing in common", frozenset({MOBILITY, ENVIRONMENT}))
    challenges = [Item(1, "Zzz", frozenset({ENVIRONMENT, ENERGY})),  # 1 shared of 3
                  Item(2, "Zzz", frozenset({MOBILITY, ENVIRONMENT})),  # 2 of 2
                  Item(3, "Zzz", frozenset({SECURITY}))]  # 0

    found = recommend_challenges(startup, challenges)

    assert [r.id for r in found] == [2, 1]
    assert found[0].theme_score == 1.0
    assert found[1].theme_score == pytest.approx(1 / 3)
    assert found[1].shared_themes == (ENVIRONMENT,)
    assert found[1].score == pytest.approx(R.THEME_WEIGHT / 3)
    assert found[1].text_score == 0.0
    assert found[1].reason_terms == ()


def test_recommend_past_proposals_count_for_the_startup():
    startup = Profile("Una startup milanese", past_proposal_texts=(
        "Proponiamo il teleriscaldamento a bassa temperatura per i quartieri",))

    found = recommend_challenges(startup, CHALLENGES, limit=2)

    assert found[0].id == 13
    assert "teleriscaldamento" in found[0].reason_terms


def test_recommend_startups_ranks_profiles_for_a_challenge():
    challenge = CHALLENGES[1]  # air quality
    startups = [
        Profile("Piattaforma di e-commerce per la moda", id=5),
        Profile("Sensori per la qualità dell'aria", frozenset({ENVIRONMENT}), id=7),
        Profile("Air quality sensors and open data", id=3),
        Profile("Dati aperti per la pubblica amministrazione", id=9),
    ]

    found = recommend_startups(challenge, startups, limit=3)

    assert [r.id for r in found][:1] == [7]
    assert {r.id for r in found} == {7, 3, 9}
    assert "dati" in found[[r.id for r in found].index(9)].reason_terms
    assert recommend_startups(challenge, startups, limit=1)[0].id == 7


def test_recommend_is_deterministic_equal_scores_by_id():
    items = [Item(i, "Sensori per la qualità dell'aria nei parchi") for i in (8, 3, 5)]
    startup = Profile("Sensori per l'aria")

    first = recommend_challenges(startup, items, limit=2)
    shuffled = items[:]
    random.Random(1).shuffle(shuffled)

    assert [r.id for r in first] == [3, 5]
    assert recommend_challenges(startup, shuffled, limit=2) == first
    assert first[0].score == first[1].score


def test_recommend_same_results_with_a_cold_or_tiny_cache(monkeypatch):
    startup = Profile("Sensori a basso costo per la qualità dell'aria", frozenset({2}))
    warm = recommend_challenges(startup, CHALLENGES, limit=4)

    R._LEXICON.clear()
    assert recommend_challenges(startup, CHALLENGES, limit=4) == warm
    monkeypatch.setattr(R, "DOC_CACHE", 1)  # emptied at the start of every call
    assert recommend_challenges(startup, CHALLENGES, limit=4) == warm
    assert recommend_challenges(startup, CHALLENGES, limit=4) == warm


def test_recommend_empty_inputs():
    startup = Profile("Sensori per l'aria")
    assert recommend_challenges(startup, []) == []
    assert recommend_challenges(startup, CHALLENGES, limit=0) == []
    assert recommend_challenges(Profile(""), [Item(1, "")]) == []
    assert recommend_startups(CHALLENGES[0], []) == []
