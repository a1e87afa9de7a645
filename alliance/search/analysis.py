"""Text analysis for the Whoosh index: the same chains index the documents and
analyse the query words, so "città" and "citta", "sensori" and "sensore",
"buildings" and "building" meet.

Italian: words -> lower case -> Italian stopwords (before folding, or "perché"
would become "perche" and slip through) -> accents folded -> Italian stemmer.
English: the same with English stopwords and the English stemmer. Folding
before stemming makes the stem of an accented word and of its unaccented
spelling identical by construction.

``raw``: words -> lower case -> accents folded, no stopwords, no stemming: used
for prefixes (``sens*``) and for "did you mean" (its vocabulary is made of real
words).

A document's title and body go into one text field per language, joined by
:data:`FIELD_BREAK`, which leaves a gap of one position so that no phrase spans
the two.
"""
from __future__ import annotations

import re

from whoosh.analysis import (
    CharsetFilter,
    Composable,
    LowercaseFilter,
    RegexTokenizer,
    StemFilter,
    StopFilter,
    Token,
)
from whoosh.lang import stopwords_for_language
from whoosh.support.charset import accent_map

# Words are runs of letters and digits: the same split as the query parser's
# (which cuts "e-bus" or "d.lgs" into pieces and searches them as a phrase).
WORD = r"\w+"
_WORD_RE = re.compile(WORD, re.UNICODE)
WORD_RE = _WORD_RE

# Between the parts of one field's text (title, body): a gap in the positions.
FIELD_BREAK = "\x1e"

IT_STOPWORDS = frozenset(stopwords_for_language("it"))
EN_STOPWORDS = frozenset(stopwords_for_language("en"))


def _italian_chain():
    return (RegexTokenizer(WORD) | LowercaseFilter()
            | StopFilter(stoplist=IT_STOPWORDS, minsize=2)
            | CharsetFilter(accent_map) | StemFilter(lang="it", cachesize=-1))


def _english_chain():
    return (RegexTokenizer(WORD) | LowercaseFilter()
            | StopFilter(stoplist=EN_STOPWORDS, minsize=2)
            | CharsetFilter(accent_map) | StemFilter(lang="en", cachesize=-1))


def _raw_chain():
    return RegexTokenizer(WORD) | LowercaseFilter() | CharsetFilter(accent_map)


_CHAINS = {"it": _italian_chain(), "en": _english_chain(), "raw": _raw_chain()}
_MISSING = object()
_CACHE_LIMIT = 300_000


class WordAnalyzer(Composable):
    """The chain above for ``lang``, word by word with a cache: every word of a
    language always gives the same term, so each distinct word is analysed once
    (indexing spends most of its time here otherwise). Stopwords leave no gap in
    the positions, as StopFilter's ``renumber`` does."""

    def __init__(self, lang: str):
        self.lang = lang
        self._cache: dict[str, str | None] = {}

    def __getstate__(self):  # pickled into the index's table of contents
        return {"lang": self.lang}

    def __setstate__(self, state):
        self.lang = state["lang"]
        self._cache = {}

    def __eq__(self, other):
        return isinstance(other, WordAnalyzer) and other.lang == self.lang

    def __hash__(self):
        return hash(("WordAnalyzer", self.lang))

    def __repr__(self):
        return f"WordAnalyzer({self.lang!r})"

    def term(self, word: str) -> str | None:
        term = self._cache.get(word, _MISSING)
        if term is _MISSING:
            terms = [t.text for t in _CHAINS[self.lang](word)]
            term = terms[0] if len(terms) == 1 else None
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[word] = term
        return term

    def terms(self, value: str) -> list[str]:
        """The terms of ``value`` in order (stopwords dropped): what the token
        stream below gives, without the tokens (for indexing)."""
        cache = self._cache
        found = []
        append = found.append
        for word in _WORD_RE.findall(value):
            term = cache.get(word, _MISSING)
            if term is _MISSING:
                term = self.term(word)
            if term is not None:
                append(term)
        return found

    def positions(self, value: str) -> dict[str, list[int]]:
        """{term: its positions in ``value``}: stopwords take no position, a
        :data:`FIELD_BREAK` leaves a gap of one."""
        cache = self._cache
        found: dict[str, list[int]] = {}
        pos = 0
        for k, part in enumerate(value.split(FIELD_BREAK)):
            if k:
                pos += 1
            for word in _WORD_RE.findall(part):
                term = cache.get(word, _MISSING)
                if term is _MISSING:
                    term = self.term(word)
                if term is None:
                    continue
                at = found.get(term)
                if at is None:
                    found[term] = [pos]
                else:
                    at.append(pos)
                pos += 1
        return found

    def __call__(self, value, positions=False, chars=False, keeporiginal=False,
                 removestops=True, start_pos=0, start_char=0, tokenize=True, mode="",
                 **kwargs):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        term_of = self.term
        pos = start_pos
        offset = start_char
        for k, part in enumerate(value.split(FIELD_BREAK)):
            if k:
                pos += 1  # as positions() does
            for match in _WORD_RE.finditer(part):
                text = term_of(match.group())
                if text is None:
                    continue
                token.text = text
                token.boost = 1.0
                token.stopped = False
                if keeporiginal:
                    token.original = match.group()
                if positions:
                    token.pos = pos
                    pos += 1
                if chars:
                    token.startchar = offset + match.start()
                    token.endchar = offset + match.end()
                yield token
            offset += len(part) + 1


def italian_analyzer():
    return WordAnalyzer("it")


def english_analyzer():
    return WordAnalyzer("en")


def raw_analyzer():
    return WordAnalyzer("raw")


ANALYZERS = {"it": italian_analyzer(), "en": english_analyzer(), "raw": raw_analyzer()}


def fold(word: str) -> str:
    """Lower case, accents removed ("Città" -> "citta")."""
    return word.lower().translate(accent_map)


def analyse(lang: str, text: str) -> list[str]:
    """The terms ``text`` becomes in the ``lang`` analysis ("it", "en", "raw")."""
    return [token.text for token in ANALYZERS[lang](text)]


def analyse_word(lang: str, word: str) -> str | None:
    """The term of one word in the ``lang`` analysis, None for a stopword."""
    return ANALYZERS[lang].term(word)


def words(text: str):
    """(start, end, word) for every word of ``text``."""
    for match in _WORD_RE.finditer(text):
        yield match.start(), match.end(), match.group()


_LINKS = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")  # links and images: their text
_BLOCK_MARKS = re.compile(r"^\s{0,3}(?:#{1,6}|>|[-*+]|\d+[.)])\s+", re.MULTILINE)
_EMPHASIS = re.compile(r"(\*\*|__|\*|`+|~~)")  # emphasis, code


def plain_text(markdown: str) -> str:
    """Markdown reduced to readable plain text for snippets (not HTML: escaped later)."""
    text = markdown or ""
    if "](" in text:
        text = _LINKS.sub(r"\1", text)
    text = _BLOCK_MARKS.sub("", text)
    if "*" in text or "_" in text or "`" in text or "~" in text:
        text = _EMPHASIS.sub("", text)
    return " ".join(text.split())  # runs of white space as one space, as re's \s+
