"""The query language: parsed into a tree, never failing."""
import random
import string

import pytest

from alliance.search.query import And, Filter, Not, Or, Phrase, Term, parse, to_text


@pytest.mark.parametrize(("text", "tree"), [
    ("heat pumps", And((Term("heat"), Term("pumps")))),
    ('"district heating"', Phrase(("district", "heating"))),
    ("bus OR tram", Or((Term("bus"), Term("tram")))),
    ("sensors NOT camera", And((Term("sensors"), Not(Term("camera"))))),
    ("sensors -camera", And((Term("sensors"), Not(Term("camera"))))),
    ("(bus OR tram) AND depot", And((Or((Term("bus"), Term("tram"))), Term("depot")))),
    ("teleriscald*", Term("teleriscald", prefix=True)),
    ("theme:mobility", Filter("theme", "=", "mobility")),
    ("tema:mobilita", Filter("theme", "=", "mobilita")),
    ("-theme:mobility", Not(Filter("theme", "=", "mobility"))),
    ("trl:>=6", Filter("trl", ">=", 6)),
    ("trl:7..4", Filter("trl", "range", (4, 7))),
    ("kind:proposal", Filter("kind", "=", "proposal")),
    ("Città", Term("città")),
])
def test_parse_builds_the_tree(text, tree):
    parsed = parse(text)
    assert parsed.root == tree
    assert parsed.warnings == []


@pytest.mark.parametrize(("text", "tree", "warning"), [
    ('"unclosed quote', And((Term("unclosed"), Term("quote"))), "quotation mark"),
    ("((bus", Term("bus"), "Brackets"),
    ("trl:99 sensori", Term("sensori"), "not a TRL"),
    ("kind:robot", None, "not a kind"),
    ("foo:bar", And((Term("foo"), Term("bar"))), "not a filter"),
    ("theme: sensori", Term("sensori"), "has no value"),
])
def test_parse_malformed_input_searches_the_words_and_says_so(text, tree, warning):
    parsed = parse(text)
    assert parsed.root == tree
    assert any(warning in str(w) for w in parsed.warnings)


def test_parse_cuts_long_queries_and_says_so():
    parsed = parse("parola " * 200)
    assert any("cut" in str(w) for w in parsed.warnings)


@pytest.mark.parametrize("text", ["", "NOT", "OR", ")(", '""', "-", "*", "AND OR NOT"])
def test_parse_nothing_to_search(text):
    assert parse(text).root is None


def test_parse_never_raises_on_random_input():
    alphabet = string.ascii_letters + ' ()":*-<>=.àèìòù' + "ANDORNOT"
    rng = random.Random(2026)
    for _ in range(5000):
        parse("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 40))))


@pytest.mark.parametrize("text", ['"district heating" OR bus', "theme:mobility trl:>=6 sens*",
                                  "NOT camera", "trl:4..7"])
def test_to_text_reads_back_the_same_tree(text):
    parsed = parse(text)
    assert parse(to_text(parsed.root)).root == parsed.root
