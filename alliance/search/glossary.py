"""Query expansion across Italian and English with the curated glossary of
:mod:`alliance.search.glossary_data`, so that "district heating" also finds a
proposal that only says "teleriscaldamento", and the reverse.

:func:`expand` rewrites a parsed query: each word or phrase the glossary knows
becomes a :class:`~alliance.search.query.Translated` node holding what the
user typed (``original``) and its translations (``alternatives``). Backends
compile it as ``Or(original, *alternatives)`` and, for a hit that matches an
alternative but not the original, show :func:`describe` ("mobility →
mobilità").

The rules, so that the expanded tree stays a correct boolean query:

* Matching is on normalised forms: lower case, accents folded ("citta" =
  "città"), apostrophes and hyphens split words, articles and "di/of" are
  ignored ("qualità dell'aria" = "qualità aria"), and the glossary's forms
  also match in the plural (Italian "sensore/sensori", "pompa di calore/pompe
  di calore"; English "building/buildings", "city/cities").
* A :class:`Term` is translated when its word is a glossary form. A
  :class:`Phrase` only when the whole phrase is one (a phrase is exact:
  translating half of it would mix languages).
* Consecutive Terms of an :class:`And` that together form a multi-word
  entry (``district heating`` typed without quotes) are translated as one:
  ``And(Term("district"), Term("heating"))`` becomes
  ``Translated(original=And(Term("district"), Term("heating")),
  alternatives=(Term("teleriscaldamento"),))`` — the original keeps its
  AND meaning (it is not turned into a phrase). The longest entry wins,
  scanning from the left, and its words are not also translated one by one.
* Inside :class:`Not` words are translated too: ``-mobility`` excludes the
  documents about mobility in both languages, just as ``mobility`` finds them
  in both. (Backends report "via translation" only for positive matches:
  see :func:`translated`.)
* Prefix terms (``mobil*``) are not translated; filters are left as they are;
  a Translated node is never expanded again (``expand`` is idempotent).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from alliance.search.glossary_data import ENTRIES
from alliance.search.query import (
    And,
    Node,
    Not,
    Or,
    ParsedQuery,
    Phrase,
    Term,
    Translated,
)

ARROW = "→"
MAX_RUN = 12  # consecutive Terms tried as one entry (stopwords included)

# Ignored when matching (articles, "di"/"of" and its forms): "pompe di calore"
# and "pompe calore" meet. Deliberately short: "e"/"and" and "ai" stay words
# ("e-bus", "AI").
STOPWORDS = frozenset(
    "il lo la i gli le l un uno una un "
    "di d del dello della dei degli delle dell "
    "da dal dallo dalla dai dagli dalle dall "
    "a al allo alla agli alle all "
    "sul sullo sulla sui sugli sulle sull "
    "the a an of".split()
)
# Italian words without a plural of their own (their regular one means
# something else: "saluti" are greetings).
_IT_NO_PLURAL = frozenset({"salute", "auto", "meteo", "zero", "sanità", "mobilità"})
# Italian words after which a phrase is no longer inflected ("pompe di calore").
_IT_INVARIANT_TAIL = STOPWORDS | {"come", "in", "con", "per", "su", "tra", "fra", "senza"}
_IT_CONJUNCTIONS = frozenset({"e", "ed", "o"})
_ACCENTED_END = set("àèéìòùáíóú")
_VOWELS = set("aeiou")
_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)


# -- normalising ---------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case with accents removed ("Città" -> "citta")."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def key(text: str) -> tuple[str, ...]:
    """The matching key of a word or phrase: folded words without stopwords."""
    return tuple(t for t in _TOKEN.findall(fold(text)) if t not in STOPWORDS)


def _italian_plural(word: str) -> set[str]:
    """Plural spellings of an Italian singular (a superset: wrong ones never match)."""
    if len(word) < 3 or word in _IT_NO_PLURAL or word[-1] in _ACCENTED_END or word[-1] not in _VOWELS:
        return {word}  # città, bus, gas: invariable
    stem, last = word[:-1], word[-1]
    if word.endswith(("cia", "gia")):
        return {word[:-1] + "e", word[:-2] + "e"}  # farmacie / spiagge
    if word.endswith(("ca", "ga")):
        return {stem + "he"}  # banca -> banche
    if word.endswith(("co", "go")):
        return {stem + "hi", stem + "i"}  # parco -> parchi, pubblico -> pubblici
    if word.endswith("io"):
        return {word[:-1]}  # edificio -> edifici
    if word.endswith("ma"):
        return {stem + "e", stem + "i"}  # piattaforma -> piattaforme, sistema -> sistemi
    if last == "a":
        return {stem + "e"}
    if last in "oe":
        return {stem + "i"}
    return {word}  # -i, -u: crisi, analisi


_EN_IRREGULAR = {"analysis": "analyses", "criterion": "criteria", "criteria": "criteria",
                 "data": "data", "person": "people", "child": "children"}


def _english_plural(word: str) -> str:
    if word in _EN_IRREGULAR:
        return _EN_IRREGULAR[word]
    if word.endswith(("ss", "us", "is", "as", "x", "z", "ch", "sh")):
        return word + "es"  # buses, gases, switches
    if word.endswith("s"):
        return word  # logistics, renewables: already plural
    if word.endswith("y") and len(word) > 1 and word[-2] not in _VOWELS:
        return word[:-1] + "ies"  # city -> cities
    return word + "s"


def _variants(form: str, lang: str) -> set[str]:
    """The form and its plural: English inflects the last word ("heat pumps"),
    Italian the words before the first preposition ("pompe di calore",
    "infrastrutture verdi")."""
    words = form.split()
    if lang == "en":
        return {form, " ".join([*words[:-1], _english_plural(words[-1])])}
    plurals: list[set[str]] = []
    for i, word in enumerate(words):
        if any(t in _IT_INVARIANT_TAIL for t in _TOKEN.findall(fold(word))):
            plurals.extend({w} for w in words[i:])
            break
        plurals.append({word} if word in _IT_CONJUNCTIONS else _italian_plural(word))
    result = {form}
    partial = [""]
    for options in plurals:
        partial = [f"{p} {o}".strip() for p in partial for o in sorted(options)]
    result.update(partial)
    return result


# -- the glossary ---------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """One concept: its Italian and its English forms (as written, lower case)."""

    it: tuple[str, ...]
    en: tuple[str, ...]

    def side(self, lang: str) -> tuple[str, ...]:
        return self.it if lang == "it" else self.en


def _split(forms: str) -> tuple[str, ...]:
    return tuple(f.strip().lower() for f in forms.split("|") if f.strip())


GLOSSARY: tuple[Entry, ...] = tuple(Entry(_split(it), _split(en)) for it, en in ENTRIES)


@lru_cache(maxsize=1)
def _index() -> tuple[dict[tuple[str, ...], tuple[int, str]], tuple[str, ...], int]:
    """key -> (entry number, "it" | "en" | "both"); the conflicts; the longest key."""
    index: dict[tuple[str, ...], tuple[int, str]] = {}
    conflicts: list[str] = []
    for number, entry in enumerate(GLOSSARY):
        for lang in ("it", "en"):
            for form in entry.side(lang):
                _as_node(form)  # registers how describe() shows it
                for variant in sorted(_variants(form, lang)):
                    k = key(variant)
                    if not k:
                        conflicts.append(f"{form!r} is only stopwords")
                        continue
                    seen = index.setdefault(k, (number, lang))
                    if seen[0] != number:
                        other = GLOSSARY[seen[0]].it[0]
                        conflicts.append(f"{variant!r} ({form}) is also a form of {other!r}")
                    elif seen[1] != lang:  # a cognate ("fibre"): both sides, same entry
                        index[k] = (number, "both")
    longest = max((len(k) for k in index), default=1)
    return index, tuple(conflicts), longest


def conflicts() -> list[str]:
    """Forms (or their plurals) that belong to more than one entry: must be none."""
    return list(_index()[1])


def lookup(text: str) -> tuple[Entry, str] | None:
    """The entry that ``text`` (a word or phrase, any case, accents or not, singular
    or plural) is a form of, and its language ("it", "en", or "both" for a
    spelling both sides share, like "fibre"); None if unknown."""
    return _lookup_key(key(text))


def _lookup_key(k: tuple[str, ...]) -> tuple[Entry, str] | None:
    if not k:
        return None
    found = _index()[0].get(k)
    if found is None:
        return None
    return GLOSSARY[found[0]], found[1]


def _translations(k: tuple[str, ...]) -> list[str]:
    found = _lookup_key(k)
    if found is None:
        return []
    entry, lang = found
    others = {"it": entry.en, "en": entry.it, "both": entry.it + entry.en}[lang]
    return [form for form in others if key(form) != k]


def translations_of(text: str) -> list[str]:
    """The other language's forms for ``text`` ("Mobilità" -> ["mobility"]); [] if
    the glossary does not know it."""
    return _translations(key(text))


# -- expanding a query -------------------------------------------------------------


_DISPLAY: dict[Term | Phrase, str] = {}  # alternative -> the glossary form it came from


def _as_node(form: str) -> Term | Phrase:
    """A glossary form as a query node, cut into words the way the analysers cut
    text ("e-bus" -> Phrase(("e", "bus")), "qualità dell'aria" -> Phrase(("qualità",
    "dell", "aria"))): every word of an alternative is exactly one index token."""
    words = tuple(_TOKEN.findall(form.lower()))
    node = Term(words[0]) if len(words) == 1 else Phrase(words)
    _DISPLAY.setdefault(node, form)
    return node


def _translate(original: Node, k: tuple[str, ...]) -> Translated | None:
    alternatives = tuple(dict.fromkeys(_as_node(f) for f in _translations(k)))
    if not alternatives:
        return None
    return Translated(original=original, alternatives=alternatives)


def _term_key(node: Node) -> tuple[str, ...] | None:
    """The key of a Term that may take part in a translation (None otherwise)."""
    if isinstance(node, Term) and not node.prefix:
        return key(node.text)
    return None


def _expand_and(children: tuple[Node, ...]) -> Node:
    longest = _index()[2]
    out: list[Node] = []
    i = 0
    while i < len(children):
        child = children[i]
        first = _term_key(child)
        if not first:  # not a Term, a prefix, or only a stopword: no run starts here
            out.append(_expand(child))
            i += 1
            continue
        match = None
        tokens: list[str] = []
        stop = min(len(children), i + MAX_RUN)
        for j in range(i, stop):
            part = _term_key(children[j])
            if part is None:
                break
            tokens.extend(part)
            if len(tokens) > longest:
                break
            if part and j > i:  # a run ends on a real word, never on a stopword
                found = _translate(And(children[i:j + 1]), tuple(tokens))
                if found is not None:
                    match = (found, j + 1)
        if match is None:
            out.append(_expand(child))
            i += 1
        else:
            out.append(match[0])
            i = match[1]
    return out[0] if len(out) == 1 else And(tuple(out))


def _expand(node: Node) -> Node:
    if isinstance(node, Term):
        if node.prefix:
            return node
        return _translate(node, key(node.text)) or node
    if isinstance(node, Phrase):
        return _translate(node, key(" ".join(node.words))) or node
    if isinstance(node, And):
        return _expand_and(node.children)
    if isinstance(node, Or):
        return Or(tuple(_expand(c) for c in node.children))
    if isinstance(node, Not):
        return Not(_expand(node.child))
    return node  # Filter, Translated (already expanded)


def expand(parsed: ParsedQuery) -> ParsedQuery:
    """A new query in which every word or phrase the glossary knows is a
    :class:`Translated` node (see the module docstring for the rules). A query
    with nothing to translate comes back equal; ``parsed`` is not changed."""
    root = parsed.root
    return ParsedQuery(root=None if root is None else _expand(root),
                       warnings=list(parsed.warnings))


# -- reading an expanded query ---------------------------------------------------


def translated(parsed: ParsedQuery | Node | None, *, negated: bool = False) -> list[Translated]:
    """The Translated nodes of a query: those outside any NOT (the ones a hit can
    match "via translation"), or with ``negated=True`` those under a NOT."""
    root = parsed.root if isinstance(parsed, ParsedQuery) else parsed
    found: list[Translated] = []

    def walk(node, under_not):
        if isinstance(node, Translated):
            if under_not == negated:
                found.append(node)
        elif isinstance(node, (And, Or)):
            for child in node.children:
                walk(child, under_not)
        elif isinstance(node, Not):
            walk(node.child, not under_not)

    if root is not None:
        walk(root, False)
    return found


def words(parsed: ParsedQuery) -> list[Term | Phrase]:
    """The positive words and phrases, originals and translations alike (for
    highlighting): :meth:`ParsedQuery.terms` that also looks inside Translated."""
    found: list[Term | Phrase] = []

    def walk(node, under_not):
        if isinstance(node, (Term, Phrase)):
            if not under_not:
                found.append(node)
        elif isinstance(node, Translated):
            walk(node.original, under_not)
            for alternative in node.alternatives:
                walk(alternative, under_not)
        elif isinstance(node, (And, Or)):
            for child in node.children:
                walk(child, under_not)
        elif isinstance(node, Not):
            walk(node.child, not under_not)

    if parsed.root is not None:
        walk(parsed.root, False)
    return found


def text_of(node: Node) -> str:
    """The words of a Term, Phrase or And of Terms, as typed ("district heating")."""
    if isinstance(node, Term):
        return node.text
    if isinstance(node, Phrase):
        return " ".join(node.words)
    if isinstance(node, Translated):
        return text_of(node.original)
    if isinstance(node, (And, Or)):
        return " ".join(text_of(c) for c in node.children)
    if isinstance(node, Not):
        return text_of(node.child)
    return ""  # a Filter


def describe(node: Translated) -> str:
    """How a translation reads on the results page: "mobility → mobilità",
    "sewer → fognatura, rete fognaria"."""
    alternatives = ", ".join(_DISPLAY.get(a) or text_of(a) for a in node.alternatives)
    return f"{text_of(node.original)} {ARROW} {alternatives}"


__all__ = ["ARROW", "GLOSSARY", "Entry", "conflicts", "describe", "expand", "fold", "key",
           "lookup", "text_of", "translated", "translations_of", "words"]
