"""The Whoosh backend (the default): a file index under ``instance/search``.

Layout: ``<index_dir>`` is a symbolic link to the generation in use
(``<index_dir>.gen-<ns>-<pid>`` next to it), so ``whoosh.index.open_dir(index_dir)``
opens the current index. A rebuild fills a new generation and swaps the link
atomically (a rename), so searches never see a half-built index.

Writers never wait long: ``write(..., timeout=)`` raises :class:`IndexBusy`
when another process holds the lock (the sync outbox keeps the documents for
the lock holder to drain).

What is indexed (schema version :data:`SCHEMA_VERSION`; an index built with
another version counts as unreadable and is rebuilt at start-up): per language,
the terms of the title and body (``text_it``, ``text_en``: which documents hold
a term, cheap to read), the same terms with their positions (``pos_it``,
``pos_en``: read only to check phrases) and the title's terms alone
(``title_it``, ``title_en``: for ranking); the unstemmed words (``raw``:
prefixes, "did you mean"); the filter and facet fields. Positions are stored as
packed integers (a rebuild packs each block's into one array of the narrowest
type), so that a phrase is checked for all its candidate documents at once with
numpy. A rebuild writes the segments itself (:class:`_FastSegmentWriter`), in
Whoosh's file format; ordinary writes go through Whoosh's writer.

Scope is applied inside the search (the matching set is intersected with the
scope's before anything is counted, scored or shown), so the total, the facet
counts, the snippets and the suggestions only ever see documents in scope.
Matching sets are numpy boolean arrays over the searcher's document numbers,
combined with array operations; facets are counted with bit sets (one per facet
value and index segment, cached until the segment goes away).
"""
from __future__ import annotations

import gc
import itertools
import logging
import math
import os
import pickle
import re
import shutil
import threading
import time
from array import array
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import numpy as np
from markupsafe import Markup, escape
from whoosh import columns, fields, formats, index, multiproc
from whoosh import query as wq
from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC, W3LeafMatcher, W3TermInfo
from whoosh.fields import UnknownFieldError
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import pack_ushort
from whoosh.util.filelock import try_for
from whoosh.util.numeric import from_sortable, length_to_byte
from whoosh.writing import SegmentWriter

from alliance.search import analysis, glossary
from alliance.search import facets as facet_labels
from alliance.search import query as sq
from alliance.search.base import (
    FACETS,
    KINDS,
    FacetValue,
    Hit,
    Scope,
    SearchBackend,
    SearchRequest,
    SearchResults,
)
from alliance.search.documents import SearchDocument

log = logging.getLogger(__name__)

SCHEMA_VERSION = 2  # change it with the schema or the analysis: older indexes are rebuilt
TITLE_BOOST = 2.0
SNIPPET_CHARS = 200
EXCERPT_CHARS = 3000  # how much of the body is stored for snippets and similar items
NO_DEADLINE = 2**62  # sorts after every real deadline
PROCS_FROM = 2000  # rebuilds of at least this many documents use two processes
REBUILD_BLOCK = 1024  # postings per block in a rebuilt index (Whoosh writes 128)
# Segments are written as separate files, not Whoosh's default compound file: Whoosh
# copies a compound segment's parts into memory whenever a reader opens it (each new
# searcher, so after each write), about 50 ms per 100 MB.
COMPOUND = False

Translated = getattr(sq, "Translated", None)


class IndexBusy(LockError):
    """Another process holds the index's write lock (try again later)."""


def _naive(value: datetime | None) -> datetime | None:
    """Whoosh stores naive datetimes: UTC."""
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _aware(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value


def _micro(value: datetime | None, default: int) -> int:
    if value is None:
        return default
    return int(_aware(value).timestamp() * 1_000_000)


class _Date(fields.DATETIME):
    """A datetime indexed as one term (Whoosh's default writes eight, for fast wide
    ranges; ours are few distinct deadlines, and indexing speed matters more)."""

    def __init__(self):
        fields.NUMERIC.__init__(self, int, 64, shift_step=0)


# -- the schema -------------------------------------------------------------------

_POSITION = np.dtype("=u4")  # one position in a posting value (array("I"): native order)


class _PositionArray(formats.Format):
    """Positions as a packed array of unsigned 32-bit integers: encoded and decoded
    in C (Whoosh's Positions pickles a list per posting), and the values of many
    postings decode together with one ``numpy.frombuffer``. The frequency is the
    number of positions; the weight is the field's boost (positions fields are
    read for phrases, never scored)."""

    posting_size = -1
    textual = True

    def word_values(self, value, analyzer, **kwargs):
        fb = self.field_boost
        if isinstance(analyzer, analysis.WordAnalyzer) and isinstance(value, str):
            found = analyzer.positions(value)
        else:
            found = {}
            for token in formats.tokens(value, analyzer, dict(kwargs, positions=True)):
                found.setdefault(token.text, []).append(token.pos)
        for term, poslist in found.items():
            yield (term, len(poslist), fb, array("I", poslist).tobytes())

    def encode(self, poslist):
        return array("I", poslist).tobytes()

    def decode_positions(self, valuestring):
        found = array("I")
        found.frombytes(valuestring)
        return found.tolist()

    def decode_frequency(self, valuestring):
        return len(valuestring) // 4

    def decode_weight(self, valuestring):
        return self.field_boost

    def decode_position_boosts(self, valuestring):
        return [(pos, 1) for pos in self.decode_positions(valuestring)]

    def combine(self, vs):
        found: set[int] = set()
        for v in vs:
            found.update(self.decode_positions(v))
        return self.encode(sorted(found))


def _narrow(values: np.ndarray) -> np.dtype:
    """The smallest unsigned type holding every one of ``values`` (non-negative)."""
    top = int(values.max()) if values.size else 0
    return np.dtype("=u1" if top < 2**8 else "=u2" if top < 2**16 else "=u4")


class _PackedPositions:
    """The values of a block of postings of a positions field, as a rebuild writes
    them: the positions of all the postings in one buffer of the narrowest
    integers that hold them (one byte for documents of up to 256 words), and the
    postings' counts in another. A block unpickles as two byte strings and
    decodes without a Python step per posting. For Whoosh's own readers (merges,
    its Phrase query) it is the sequence of per-posting values that
    :class:`_PositionArray` encodes."""

    __slots__ = ("positions", "counts", "_starts")

    def __init__(self, positions: np.ndarray, counts: np.ndarray):
        self.positions, self.counts = positions, counts
        self._starts = None

    @classmethod
    def of(cls, positions: np.ndarray, counts: np.ndarray) -> _PackedPositions:
        """The postings whose positions are ``positions``, ``counts[i]`` each in turn."""
        return cls(positions.astype(_narrow(positions)), counts.astype(_narrow(counts)))

    def __reduce__(self):
        return (_load_packed, (self.positions.dtype.str, self.positions.tobytes(),
                               self.counts.dtype.str, self.counts.tobytes()))

    def arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """(count of positions of each posting, all the positions) as int64 arrays."""
        return self.counts.astype(np.int64), self.positions.astype(np.int64)

    def __len__(self) -> int:
        return len(self.counts)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(self[j] for j in range(*i.indices(len(self))))
        if self._starts is None:
            self._starts = [0, *itertools.accumulate(self.counts.tolist())]
        if i < 0:
            i += len(self)
        lo, hi = self._starts[i], self._starts[i + 1]
        return array("I", self.positions[lo:hi].tolist()).tobytes()

    def __iter__(self):
        return (self[i] for i in range(len(self)))


def _load_packed(positions_type: str, positions: bytes, counts_type: str,
                 counts: bytes) -> _PackedPositions:
    """Unpickling :class:`_PackedPositions` (the name is part of the index format)."""
    return _PackedPositions(np.frombuffer(positions, dtype=positions_type),
                            np.frombuffer(counts, dtype=counts_type))


# Names that indexes of schema version 1 refer to: such an index still opens, is
# found to be of an older version, and is rebuilt (searching it meanwhile finds
# no text, but does not fail).
_Positions, _Frequency = formats.Positions, formats.Frequency


class _SchemaVersion(fields.STORED):
    """Never holds a value: its ``version`` says which layout built the index."""

    def __init__(self, version: int = SCHEMA_VERSION):
        super().__init__()
        self.version = version


def _text(analyzer, positions: bool = True, scorable: bool = True) -> fields.TEXT:
    field = fields.TEXT(analyzer=analyzer, phrase=positions)
    field.format = _PositionArray() if positions else formats.Existence()
    field.scorable = scorable
    return field


def _sort_column():
    return fields.COLUMN(columns.NumericColumn("q", default=0))


def make_schema() -> fields.Schema:
    it, en, raw = analysis.italian_analyzer(), analysis.english_analyzer(), analysis.raw_analyzer()
    keyword = dict(lowercase=True, commas=False, scorable=False)
    return fields.Schema(
        schema_version=_SchemaVersion(),
        key=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True),
        object_id=fields.STORED(),
        text_it=_text(it, positions=False),  # title and body: which documents hold a term
        text_en=_text(en, positions=False),
        pos_it=_text(it, scorable=False),  # the same, with positions: phrases
        pos_en=_text(en, scorable=False),
        title_it=_text(it, positions=False),  # for ranking: the title's terms
        title_en=_text(en, positions=False),
        raw=_text(raw, positions=False, scorable=False),  # prefixes and spelling
        public=fields.ID(),
        startup_id=fields.ID(),
        partner_ids=fields.KEYWORD(**keyword),
        themes=fields.KEYWORD(**keyword),
        partners=fields.KEYWORD(**keyword),
        call=fields.ID(),
        challenge=fields.ID(),
        status=fields.ID(),
        cstatus=fields.ID(),  # a challenge's stored status (facet)
        pstatus=fields.ID(),  # a proposal's status (facet)
        city=fields.ID(),
        trl=fields.NUMERIC(int, bits=32, shift_step=0),
        trl_kw=fields.ID(),
        opens_at=_Date(),
        deadline=_Date(),
        deadline_sort=_sort_column(),
        created_sort=_sort_column(),
        data=fields.STORED(),
        fingerprint=fields.STORED(),
    )


def document_fields(doc: SearchDocument) -> dict:
    """What Whoosh stores and indexes for one document."""
    body = analysis.plain_text(doc.body)
    title = doc.title or ""
    text = f"{title}{analysis.FIELD_BREAK}{body}"  # one object: analysed once in rebuilds
    values = {
        "key": doc.key,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "text_it": text,
        "text_en": text,
        "pos_it": text,
        "pos_en": text,
        "title_it": title,
        "title_en": title,
        "raw": text,
        "public": "1" if doc.public else "0",
        "partner_ids": " ".join(str(i) for i in doc.partner_ids),
        "themes": " ".join(doc.themes),
        "partners": " ".join(doc.partners),
        "status": doc.status or "",
        "deadline_sort": _micro(doc.deadline, NO_DEADLINE),
        "created_sort": _micro(doc.created_at, 0),
        "data": {
            "title": title,
            "subtitle": doc.subtitle or "",
            "url_key": doc.url_key or "",
            "status": doc.status or "",
            "opens_at": _aware(doc.opens_at),
            "deadline": _aware(doc.deadline),
            "excerpt": body[:EXCERPT_CHARS],
        },
        "fingerprint": doc.fingerprint(),
    }
    if doc.kind == "challenge":
        values["cstatus"] = doc.status
    if doc.kind == "proposal":
        values["pstatus"] = doc.status
    if doc.startup_id is not None:
        values["startup_id"] = str(doc.startup_id)
    for name in ("call", "challenge"):
        if getattr(doc, name):
            values[name] = getattr(doc, name)
    if doc.city:
        values["city"] = doc.city.lower()
    if doc.trl is not None:
        values["trl"] = doc.trl
        values["trl_kw"] = str(doc.trl)
    for name in ("opens_at", "deadline"):
        if getattr(doc, name) is not None:
            values[name] = _naive(getattr(doc, name))
    return values


def phase(data: dict, now: datetime) -> str:
    """open / upcoming / closed for a published challenge, else the stored status."""
    status, opens_at, deadline = data.get("status", ""), data.get("opens_at"), data.get("deadline")
    if status != "published" or opens_at is None or deadline is None:
        return status
    if now < opens_at:
        return "upcoming"
    return "open" if now < deadline else "closed"




# -- compiling the query tree ---------------------------------------------------

_LANG_FIELDS = (("it", "text_it", "pos_it", "title_it"), ("en", "text_en", "pos_en", "title_en"))
_TERMS_OF = {pos: text for _lang, text, pos, _title in _LANG_FIELDS}  # positions -> terms field
_TITLE_OF = {f: title for _lang, text, pos, title in _LANG_FIELDS for f in (text, pos)}


class _Words(wq.Or):
    """A word or phrase of the query in every language: its analyses as a Term on
    a terms field (one word) or a Phrase on a positions field, Or-ed. The unit
    that is matched (a phrase found in one language is not checked again in the
    other) and scored (its rarity counts once)."""


def _or(queries):
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.Or(queries)


def _and(queries):
    queries = [q for q in queries if q is not None]
    if not queries:
        return None
    return queries[0] if len(queries) == 1 else wq.And(queries)



def _words_query(text: str):
    """The word or phrase in Italian and in English (a :class:`_Words`); None when
    ``text`` analyses to nothing (stopwords) in both languages."""
    alternatives = []
    for lang, field, positions, _title in _LANG_FIELDS:
        terms = analysis.analyse(lang, text)
        if not terms:
            continue
        if len(terms) == 1:
            alternatives.append(wq.Term(field, terms[0]))
        else:
            alternatives.append(wq.Phrase(positions, terms))
    return _Words(alternatives) if alternatives else None


def status_query(value: str, now: datetime):
    """``status:`` — open/upcoming/closed are the phase of a published challenge at
    ``now``; anything else compares the stored status."""
    now = _naive(now)
    published = wq.Term("status", "published")
    if value == "open":
        return wq.And([published, wq.DateRange("opens_at", None, now),
                       wq.DateRange("deadline", now, None, startexcl=True)])
    if value == "upcoming":
        return wq.And([published, wq.DateRange("opens_at", now, None, startexcl=True)])
    if value == "closed":
        return wq.Or([wq.And([published, wq.DateRange("deadline", None, now)]),
                      wq.Term("status", "closed")])
    return wq.Term("status", value)


def trl_query(op: str, value):
    if op == "range":
        lo, hi = value
        return wq.NumericRange("trl", lo, hi)
    n = int(value)
    return {
        "=": lambda: wq.NumericRange("trl", n, n),
        ">=": lambda: wq.NumericRange("trl", n, None),
        "<=": lambda: wq.NumericRange("trl", None, n),
        ">": lambda: wq.NumericRange("trl", n, None, startexcl=True),
        "<": lambda: wq.NumericRange("trl", None, n, endexcl=True),
    }.get(op, lambda: wq.NullQuery)()


_FILTER_FIELDS = {"kind": "kind", "theme": "themes", "sector": "themes", "partner": "partners",
                  "call": "call", "challenge": "challenge", "city": "city"}


def filter_query(node: sq.Filter, now: datetime):
    try:
        if node.field == "status":
            return status_query(str(node.value), now)
        if node.field == "trl":
            return trl_query(node.op, node.value)
        field = _FILTER_FIELDS.get(node.field)
        if field is None:
            return wq.NullQuery
        return wq.Term(field, str(node.value).lower())
    except (TypeError, ValueError):
        return wq.NullQuery


class Compiler:
    """The query tree (:mod:`alliance.search.query`) as a ``whoosh.query`` query."""

    def __init__(self, now: datetime):
        self.now = now

    def compile(self, node):
        """A whoosh query, or None when nothing searchable is left (only stopwords)."""
        if node is None:
            return None
        if isinstance(node, sq.Term):
            if node.prefix:
                folded = analysis.fold(node.text)
                return wq.Prefix("raw", folded) if folded else None
            return _words_query(node.text)
        if isinstance(node, sq.Phrase):
            return _words_query(" ".join(node.words))
        if isinstance(node, sq.Filter):
            return filter_query(node, self.now)
        if isinstance(node, sq.Not):
            child = self.compile(node.child)
            return None if child is None else wq.AndNot(wq.Every(), child)
        if isinstance(node, sq.And):
            positive, negative = [], []
            for child in node.children:
                if isinstance(child, sq.Not):
                    negative.append(self.compile(child.child))
                else:
                    positive.append(self.compile(child))
            pos, neg = _and(positive), _or(negative)
            if neg is None:
                return pos
            return wq.AndNot(pos if pos is not None else wq.Every(), neg)
        if isinstance(node, sq.Or):
            return _or([self.compile(child) for child in node.children])
        if Translated is not None and isinstance(node, Translated):
            return _or([self.compile(node.original),
                        *(self.compile(alt) for alt in node.alternatives)])
        return None

    def top(self, node):
        """The whole tree; an empty or fully stopworded query matches everything."""
        compiled = self.compile(node)
        return compiled if compiled is not None else wq.Every()


def scope_query(scope: Scope):
    """The documents ``scope`` allows (None: everything), as :meth:`Scope.allows`."""
    if scope.everything:
        return None
    parts = [wq.Term("public", "1")]
    if scope.startup_id is not None:
        parts.append(wq.Term("startup_id", str(scope.startup_id)))
    if scope.partner_id is not None:
        partner = wq.Term("partner_ids", str(scope.partner_id))
        parts.append(wq.And([wq.Term("kind", "challenge"), partner]))
        parts.append(wq.And([wq.Term("kind", "proposal"), partner,
                             wq.Term("status", "submitted"),
                             wq.DateRange("deadline", None, _naive(scope.now))]))
    if scope.proposal_ids:
        parts.append(wq.Or([wq.Term("key", f"proposal:{i}") for i in sorted(scope.proposal_ids)]))
    if scope.excluded_proposal_ids:
        return wq.AndNot(wq.Or(parts), wq.Or(
            [wq.Term("key", f"proposal:{i}") for i in sorted(scope.excluded_proposal_ids)]))
    return wq.Or(parts)


def selected_query(name: str, value: str, now: datetime):
    """A facet value chosen by the user."""
    value = str(value).lower()
    if name == "kind":
        return wq.Term("kind", value)
    if name == "theme":
        return wq.Term("themes", value)
    if name == "partner":
        return wq.Term("partners", value)
    if name == "call":
        return wq.Term("call", value)
    if name == "challenge":
        return wq.Term("challenge", value)
    if name == "challenge_status":
        return wq.And([wq.Term("kind", "challenge"), status_query(value, now)])
    if name == "proposal_status":
        return wq.And([wq.Term("kind", "proposal"), wq.Term("status", value)])
    if name == "trl":
        return trl_query("=", value) if value.isascii() and value.isdigit() else wq.NullQuery
    return None  # not a facet: ignored



def highlight_terms(node, found=None):
    """(Italian terms, English terms, prefixes) of the positive words of the tree."""
    found = found or (set(), set(), [])
    if node is None:
        return found
    if isinstance(node, sq.Term):
        if node.prefix:
            found[2].append(analysis.fold(node.text))
        else:
            found[0].update(analysis.analyse("it", node.text))
            found[1].update(analysis.analyse("en", node.text))
    elif isinstance(node, sq.Phrase):
        text = " ".join(node.words)
        found[0].update(analysis.analyse("it", text))
        found[1].update(analysis.analyse("en", text))
    elif isinstance(node, (sq.And, sq.Or)):
        for child in node.children:
            highlight_terms(child, found)
    elif Translated is not None and isinstance(node, Translated):
        highlight_terms(node.original, found)
        for alt in node.alternatives:
            highlight_terms(alt, found)
    return found  # Not and Filter: nothing to highlight


class _Marker:
    """Which words to mark for one query's terms (as :func:`highlight_terms` gives
    them): each distinct word is decided once per query, for all its snippets."""

    def __init__(self, terms):
        self.it_terms, self.en_terms, self.prefixes = terms
        self.active = bool(self.it_terms or self.en_terms or self.prefixes)
        self._seen: set[str] = set()
        self._marked: set[str] = set()

    def marked(self, words: set[str]) -> set[str]:
        new = words - self._seen
        if new:
            it_term, en_term = analysis.ANALYZERS["it"].term, analysis.ANALYZERS["en"].term
            it_terms, en_terms, prefixes = self.it_terms, self.en_terms, self.prefixes
            fold = analysis.fold
            self._marked.update(
                word for word in new
                if (it_terms and it_term(word) in it_terms)
                or (en_terms and en_term(word) in en_terms)
                or (prefixes and any(fold(word).startswith(p) for p in prefixes)))
            self._seen |= new
        return words & self._marked


def snippet(text: str, terms, length: int = SNIPPET_CHARS) -> Markup:
    """About ``length`` characters of ``text`` around its best match, the matched
    words in <mark>, everything escaped; the start of the text when nothing matches.
    ``terms``: what :func:`highlight_terms` gives, or a :class:`_Marker` of it."""
    marker = terms if isinstance(terms, _Marker) else _Marker(terms)
    marks = []
    if marker.active:
        hits = list(marker.marked(set(analysis.WORD_RE.findall(text))))
        if hits:  # each distinct word decided once; then their places found by one regex
            hits.sort(key=len, reverse=True)
            pattern = re.compile(r"(?<!\w)(?:{})(?!\w)".format("|".join(map(re.escape, hits))))
            marks = [match.span() for match in pattern.finditer(text)]
    if not marks:
        return _cut(text, 0, length, [])
    best, best_count = 0, 0
    j = 0  # marks are in order and do not overlap: the window's end moves forward only
    for i, (start, _) in enumerate(marks):
        lo = max(0, start - length // 4)
        j = max(j, i)
        while j < len(marks) and marks[j][1] <= lo + length:
            j += 1
        count = j - i
        if count > best_count:
            best, best_count = lo, count
    return _cut(text, best, length, marks)


def _cut(text: str, lo: int, length: int, marks) -> Markup:
    hi = min(len(text), lo + length)
    if lo > 0:  # start on a word
        space = text.find(" ", lo, lo + 30)
        if space != -1 and not any(s <= space < e for s, e in marks):
            lo = space + 1
    if hi < len(text):
        space = text.rfind(" ", max(lo, hi - 30), hi)
        if space != -1:
            hi = space
    pieces = ["…" if lo > 0 else ""]
    pos = lo
    for start, end in marks:
        if start < lo or end > hi:
            continue
        pieces.append(str(escape(text[pos:start])))
        pieces.append(f"<mark>{escape(text[start:end])}</mark>")
        pos = end
    pieces.append(str(escape(text[pos:hi])))
    if hi < len(text):
        pieces.append("…")
    return Markup("".join(pieces))




# -- document sets ----------------------------------------------------------------
#
# A set of documents is a numpy boolean array indexed by the searcher's document
# numbers. Sets kept in caches or shared between queries are read-only: combine
# them into new arrays, never change them in place.

# facet name -> index field whose terms are its values
_FACET_FIELDS = {"kind": "kind", "theme": "themes", "partner": "partners", "call": "call",
                 "challenge_status": "cstatus", "trl": "trl_kw", "proposal_status": "pstatus"}
_RANGE_FIELDS = {"trl", "opens_at", "deadline"}  # NUMERIC with shift_step=0: one term per value
_POSITION_FIELDS = set(_TERMS_OF)
LEAF_CACHE_BYTES = 64 * 2**20  # per searcher: the sets of words, phrases, prefixes and ranges


def _frozen(mask: np.ndarray) -> np.ndarray:
    mask.flags.writeable = False
    return mask


def _union(masks: list[np.ndarray], size: int) -> np.ndarray:
    if not masks:
        return np.zeros(size, dtype=bool)
    found = masks[0].copy()
    for mask in masks[1:]:
        found |= mask
    return found


def _intersection(masks: list[np.ndarray]) -> np.ndarray:
    found = masks[0].copy()
    for mask in masks[1:]:
        found &= mask
    return found


def _bits(mask: np.ndarray) -> int:
    """A boolean array as a Python integer (bit ``d`` for document ``d``)."""
    return int.from_bytes(np.packbits(mask, bitorder="little").tobytes(), "little")


def _blocks(matcher):
    """(document numbers, posting values) of each block of a posting list, from
    its first block on; the numbers as an int64 array."""
    while matcher.is_active():
        if matcher._data is None:
            matcher._read_data()
        deltas, _weights, values = matcher._data
        yield np.cumsum(np.asarray(deltas, dtype=np.int64)), values
        matcher._next_block()


def _leaf_matcher(reader, field: str, text):
    """The raw posting list of a term in one segment (deleted documents included:
    callers intersect with the live set), or None."""
    if (field, text) not in reader:
        return None
    matcher = reader.postings(field, text)
    if isinstance(matcher, FilterMatcher):  # the segment's deletions
        matcher = matcher.child
    return matcher


def _term_ids(reader, field: str, text) -> np.ndarray | None:
    """The document numbers (in the segment) holding a term."""
    matcher = _leaf_matcher(reader, field, text)
    if matcher is None:
        return None
    if isinstance(matcher, W3LeafMatcher):
        parts = [ids for ids, _values in _blocks(matcher)]
        return np.concatenate(parts) if parts else None
    return np.fromiter(matcher.all_ids(), dtype=np.int64)


def _term_mask(searcher, data: _SearcherData, field: str, text) -> np.ndarray:
    """The live documents holding a term, a posting block at a time."""
    found = np.zeros(data.size, dtype=bool)
    for sub, offset in searcher.leaf_searchers():
        ids = _term_ids(sub.reader(), field, text)
        if ids is not None:
            found[ids + offset] = True
    found &= data.live
    return found


def _term_positions(reader, field: str, text, wanted: np.ndarray):
    """(documents, positions) of every occurrence of a term in the ``wanted``
    documents of one segment (a boolean array over the segment): two aligned
    arrays, in document then position order. Blocks holding none of the wanted
    documents are not decoded."""
    matcher = _leaf_matcher(reader, field, text)
    empty = np.zeros(0, dtype=np.int64)
    if matcher is None:
        return empty, empty
    if not isinstance(matcher, W3LeafMatcher):  # inlined postings: few
        docs, poses = [], []
        decode = reader.schema[field].format.decode_positions
        while matcher.is_active():
            d = matcher.id()
            if wanted[d]:
                for p in decode(matcher.value()):
                    docs.append(d)
                    poses.append(p)
            matcher.next()
        return np.asarray(docs, dtype=np.int64), np.asarray(poses, dtype=np.int64)
    ids_parts, counts_parts, pos_parts = [], [], []  # decoded all at once below
    first = 0
    while matcher.is_active():
        last = matcher._maxid
        if wanted[first:last + 1].any():
            if matcher._data is None:
                matcher._read_data()
            gaps, _weights, values = matcher._data
            ids_parts.append(gaps)
            if isinstance(values, _PackedPositions):  # written by a rebuild
                counts_parts.append(values.counts)
                pos_parts.append(values.positions)
            else:  # written by Whoosh: one value per posting, 4-byte positions
                counts_parts.append(
                    np.fromiter(map(len, values), dtype=np.int64, count=len(values)) >> 2)
                pos_parts.append(np.frombuffer(b"".join(values), dtype=_POSITION))
        first = last + 1
        matcher._next_block()
    if not ids_parts:
        return empty, empty
    # Each block's gaps start from 0: their running sums restart at each block.
    ids = np.concatenate([np.cumsum(np.asarray(g, dtype=np.int64)) for g in ids_parts])
    counts = np.concatenate(counts_parts).astype(np.int64)
    keep = wanted[ids]
    if keep.all():
        return np.repeat(ids, counts), np.concatenate(pos_parts).astype(np.int64)
    positions = np.concatenate(pos_parts)[np.repeat(keep, counts)].astype(np.int64)
    return np.repeat(ids[keep], counts[keep]), positions


def _sorted_intersection(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The values in both ascending arrays of distinct values, ascending."""
    if len(a) > len(b):
        a, b = b, a
    if not len(a):
        return a
    at = np.searchsorted(b, a)
    at[at == len(b)] = 0
    return a[b[at] == a]


def _leaf_cache_get(searcher, q):
    cache = getattr(searcher, "_alliance_leaves", None)
    if cache is None:
        return None
    try:
        found = cache.pop(q)
    except (KeyError, TypeError):
        return None
    cache[q] = found  # most recently used last
    return found


def _leaf_cache_put(searcher, q, found: np.ndarray) -> None:
    """Keep the documents of a word, phrase, prefix or range for the searcher's
    life (a searcher is replaced whenever the index changes, deletions included),
    least recently used out first past LEAF_CACHE_BYTES."""
    cache = getattr(searcher, "_alliance_leaves", None)
    if cache is None:
        cache = searcher._alliance_leaves = {}
        searcher._alliance_leaf_bytes = 0
    try:
        if q in cache:
            return
    except TypeError:  # an unhashable query
        return
    cache[q] = found
    searcher._alliance_leaf_bytes += found.nbytes
    while searcher._alliance_leaf_bytes > LEAF_CACHE_BYTES and len(cache) > 1:
        oldest = next(iter(cache))
        searcher._alliance_leaf_bytes -= cache.pop(oldest).nbytes


def _positive_leaves(q):
    """The scoring parts of a compiled query (words and phrases, prefixes), not
    the negated ones nor the filters."""
    if isinstance(q, _Words) or isinstance(q, wq.Prefix) and q.fieldname == "raw":
        yield q
    elif isinstance(q, (wq.And, wq.Or)):
        for child in q.subqueries:
            yield from _positive_leaves(child)
    elif isinstance(q, wq.AndNot):
        yield from _positive_leaves(q.a)


def _title_query(unit):
    """The documents whose title holds the words of a word or phrase (in one of
    its languages), or None."""
    if not isinstance(unit, _Words):
        return None
    alternatives = []
    for leaf in unit.subqueries:
        field = _TITLE_OF[leaf.fieldname]
        if isinstance(leaf, wq.Term):
            alternatives.append(wq.Term(field, leaf.text))
        else:
            alternatives.append(_and([wq.Term(field, w) for w in dict.fromkeys(leaf.words)]))
    return _or(alternatives)


def _first(docs: np.ndarray, keys: np.ndarray, limit: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``limit`` first of ``docs`` (ascending document numbers) ordered by
    ``keys`` then document number, without sorting them all; and their keys."""
    if len(docs) > limit > 0:
        kth = np.partition(keys, limit - 1)[limit - 1]
        below = np.flatnonzero(keys < kth)
        ties = np.flatnonzero(keys == kth)[: limit - len(below)]  # lowest numbers first
        chosen = np.concatenate([below, ties])
        docs, keys = docs[chosen], keys[chosen]
    order = np.lexsort((docs, keys))[:limit]
    return docs[order], keys[order]


def _segment_id(reader) -> str:
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else f"empty-{id(reader)}"


class _SearcherData:
    """What one searcher (one set of segments) needs again and again: the live
    documents, the bit set of every facet value, the sort and range columns.
    Segments never change once written (deletions only hide documents, and
    matching sets never hold hidden ones), so per-segment parts survive later
    writes."""

    def __init__(self, key, searcher, backend: WhooshBackend):
        self.key = key
        self.size = searcher.doc_count_all()
        self._leaves = [(s.reader(), offset) for s, offset in searcher.leaf_searchers()]
        self._segments = backend._segments  # {segment key: {name: value}}, shared
        self._target = backend._ix_target
        alive = {f"{self._target}/{_segment_id(r)}" for r, _ in self._leaves}
        for seg_key in list(self._segments):
            if seg_key not in alive:
                self._segments.pop(seg_key, None)
        live = np.ones(self.size, dtype=bool)
        for reader, offset in self._leaves:
            if reader.has_deletions():
                deleted = np.fromiter(reader.deleted_docs_set, dtype=np.int64)
                live[deleted + offset] = False
        self.live = _frozen(live)
        self._masks: dict[str, dict[str, int]] | None = None
        self._columns: dict[str, np.ndarray] = {}
        self._ranges: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def range_docs(self, searcher, q) -> np.ndarray:
        """The documents of a NumericRange/DateRange on a field indexed with one
        term per value (shift_step=0) and one value per document, compared on a
        column of the values read once per searcher."""
        found = self._ranges.get(q.fieldname)
        if found is None:
            field = searcher.schema[q.fieldname]
            parts = []
            for reader, _offset in self._leaves:  # each segment's column read once
                cache = self._segment(reader)
                column = cache.get(f"range:{q.fieldname}")
                if column is None:
                    size = reader.doc_count_all()
                    values = np.zeros(size, dtype=np.int64)
                    present = np.zeros(size, dtype=bool)
                    if q.fieldname in set(reader.indexed_field_names()):
                        for btext in reader.lexicon(q.fieldname):
                            if btext[0] != 0:  # another precision (not shift_step=0)
                                continue
                            raw = field._struct.unpack(btext[1:])[0]
                            ids = _term_ids(reader, q.fieldname, btext)
                            if ids is not None:
                                values[ids] = from_sortable(field.numtype, field.bits,
                                                            field.signed, raw)
                                present[ids] = True
                    column = cache[f"range:{q.fieldname}"] = (_frozen(values), _frozen(present))
                parts.append(column)
            found = self._ranges[q.fieldname] = (
                np.concatenate([v for v, _ in parts]) if parts else np.zeros(0, dtype=np.int64),
                np.concatenate([p for _, p in parts]) & self.live if parts
                else np.zeros(0, dtype=bool))
        values, present = found
        docs = present.copy()
        if q.start is not None:
            docs &= (values > q.start) if q.startexcl else (values >= q.start)
        if q.end is not None:
            docs &= (values < q.end) if q.endexcl else (values <= q.end)
        return docs

    def _segment(self, reader) -> dict:
        return self._segments.setdefault(f"{self._target}/{_segment_id(reader)}", {})

    def masks(self) -> dict[str, dict[str, int]]:
        """{index field: {value: bit set of the documents holding it}}."""
        if self._masks is None:
            combined: dict[str, dict[str, int]] = {f: {} for f in _FACET_FIELDS.values()}
            for reader, offset in self._leaves:
                cache = self._segment(reader)
                masks = cache.get("masks")
                if masks is None:
                    masks = {}
                    size = reader.doc_count_all()
                    indexed = set(reader.indexed_field_names())
                    for field in combined:
                        masks[field] = {}
                        if field in indexed:
                            for btext in reader.lexicon(field):
                                docs = np.zeros(size, dtype=bool)
                                ids = _term_ids(reader, field, btext)
                                if ids is not None:
                                    docs[ids] = True
                                masks[field][btext.decode("utf-8")] = _bits(docs)
                    cache["masks"] = masks
                for field, values in masks.items():
                    target = combined[field]
                    for value, mask in values.items():
                        target[value] = target.get(value, 0) | (mask << offset)
            self._masks = combined
        return self._masks

    def column(self, searcher, field: str) -> np.ndarray:
        """The values of a sort column, indexed by document number."""
        if field not in self._columns:
            parts = []
            for reader, _ in self._leaves:
                cache = self._segment(reader)
                column = cache.get(f"column:{field}")
                if column is None:
                    if reader.has_column(field):
                        column = np.fromiter(reader.column_reader(field), dtype=np.int64,
                                             count=reader.doc_count_all())
                    else:
                        column = np.zeros(reader.doc_count_all(), dtype=np.int64)
                    cache[f"column:{field}"] = _frozen(column)
                parts.append(column)
            self._columns[field] = _frozen(np.concatenate(parts) if parts
                                           else np.zeros(0, dtype=np.int64))
        return self._columns[field]


# -- fast rebuilds --------------------------------------------------------------

class _Vocabulary(dict):
    """word -> number of its term in one analysis (-1: a stopword), the terms
    numbered as they come; ``terms[number]`` is the term."""

    def __init__(self, analyzer: analysis.WordAnalyzer):
        super().__init__()
        self._term_of = analyzer.term
        self._numbers: dict[str, int] = {}
        self.terms: list[str] = []

    def __missing__(self, word: str) -> int:
        term = self._term_of(word)
        if term is None:
            number = -1
        else:
            number = self._numbers.get(term)
            if number is None:
                number = self._numbers[term] = len(self.terms)
                self.terms.append(term)
        self[word] = number
        return number


class _FastSegmentWriter(SegmentWriter):
    """A SegmentWriter for rebuilding into a new, empty index.

    Whoosh's writer turns every posting into a tuple, pools them on disk, sorts
    them and feeds them one by one to the block writer: about 260 postings and a
    dozen Python calls each for one of our documents. This one appends each
    document's terms to flat arrays (term numbers, documents, positions: C-level
    loops), groups them by term with numpy at the end, and writes each term's
    postings in blocks of :data:`REBUILD_BLOCK`, in Whoosh 3's file format (Whoosh
    reads the segment as its own). Field and document boosts are not supported
    (the schema uses none).
    """

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self._tokens: dict[str, tuple[array, array, array]] = {}  # terms, docs, positions
        self._pairs: dict[str, tuple[array, array]] = {}  # terms, docs (no values)
        self._other: dict[str, dict[bytes, list]] = {}  # bytes: [docs, weights, values]
        self._items: dict[str, dict] = {}  # plain fields: value -> its term numbers
        self._lengths: dict[str, array] = {}  # scorable fields: length by document number
        self._plan: dict[str, tuple] = {}
        self._terms: dict[str, list] = {}  # the terms of each field, by number
        self._numbers: dict[str, dict[bytes, int]] = {}  # plain fields: term -> number
        vocabularies: dict = {}  # analyzer -> _Vocabulary, shared by its fields
        for name, field in self.schema.items():
            words = isinstance(field.analyzer, analysis.WordAnalyzer)
            existence = isinstance(field.format, formats.Existence)
            vocabulary = None
            if not field.indexed:
                kind = None
            elif words and (existence or isinstance(field.format, _PositionArray)):
                kind = "words" if existence else "text"
                vocabulary = vocabularies.get(field.analyzer)
                if vocabulary is None:
                    vocabulary = vocabularies[field.analyzer] = _Vocabulary(field.analyzer)
                self._terms[name] = vocabulary.terms
            elif existence and field.format.field_boost == 1.0 and not field.unique:
                kind = "plain"  # few distinct values (kinds, statuses, themes...)
                self._items[name], self._numbers[name], self._terms[name] = {}, {}, []
            else:
                kind = "other"
            self._plan[name] = (field, kind, field.stored, field.column_type,
                                field.scorable, vocabulary)

    def add_document(self, **values):
        self._check_state()
        docnum = self.docnum
        plan = self._plan
        words: dict = {}  # the same text in several fields: split and numbered once
        perdoc = self.perdocwriter
        perdoc.start_doc(docnum)
        try:
            for name in sorted(values):
                entry = plan.get(name)
                if entry is None:
                    if name.startswith("_"):
                        continue
                    raise UnknownFieldError(f"No field named {name!r} in {self.schema}")
                value = values[name]
                if value is None:
                    continue
                field, kind, stored, column, scorable, vocabulary = entry
                length = 0
                if kind == "plain":
                    self._index_plain(name, field, value, docnum)
                elif kind == "other":
                    length = self._index_other(name, field, value, docnum)
                elif kind is not None:
                    length = self._index_words(name, kind, vocabulary, value, docnum, words)
                if length and scorable:
                    self._length(name, docnum, length)
                else:
                    length = 0
                perdoc.add_field(name, field, value if stored else None, length)
                if column:
                    perdoc.add_column_value(name, column, field.to_column_value(value))
        except Exception:
            perdoc.cancel_doc()
            raise
        perdoc.finish_doc()
        self._added = True
        self.docnum += 1

    def _index_words(self, name, kind, vocabulary, value, docnum: int, words: dict) -> int:
        """A text field's postings; its length."""
        if not isinstance(value, str):
            raise TypeError(f"{name}: {value!r} is not text")
        numbers = words.get((id(vocabulary), value))
        if numbers is None:  # the term numbers of each part, stopwords left out
            parts = words.get(value)
            if parts is None:
                parts = words[value] = [analysis.WORD_RE.findall(part)
                                        for part in value.split(analysis.FIELD_BREAK)]
            number = vocabulary.__getitem__
            numbers = words[(id(vocabulary), value)] = [
                [n for n in map(number, part) if n >= 0] for part in parts]
        if kind == "text":  # positions: stopwords take none, a part break leaves a gap
            terms, docs, positions = self._tokens.setdefault(
                name, (array("I"), array("I"), array("I")))
            length = pos = 0
            for k, found in enumerate(numbers):
                if k:
                    pos += 1
                terms.extend(found)
                positions.extend(range(pos, pos + len(found)))
                pos += len(found)
                length += len(found)
            docs.extend(itertools.repeat(docnum, length))
            return length
        # Existence: each distinct term once; the length counts them
        found = set(itertools.chain.from_iterable(numbers))
        terms, docs = self._pairs.setdefault(name, (array("I"), array("I")))
        terms.extend(found)
        docs.extend(itertools.repeat(docnum, len(found)))
        return len(found)

    def _index_plain(self, name, field, value, docnum: int) -> None:
        """An Existence field of few distinct values: each value analysed once."""
        cache = self._items[name]
        try:
            numbers = cache.get(value)
        except TypeError:  # unhashable: analysed each time
            numbers, cache = None, {}
        if numbers is None:
            terms, known = self._terms[name], self._numbers[name]
            found = set()
            for btext, _freq, _weight, _vbytes in field.index(value):
                number = known.get(btext)
                if number is None:
                    number = known[btext] = len(terms)
                    terms.append(btext)
                found.add(number)
            numbers = cache[value] = sorted(found)
        terms, docs = self._pairs.setdefault(name, (array("I"), array("I")))
        terms.extend(numbers)
        docs.extend(itertools.repeat(docnum, len(numbers)))

    def _index_other(self, name, field, value, docnum: int) -> int:
        """Any other field, posting by posting; its length."""
        terms = self._other.setdefault(name, {})
        length = 0
        for btext, freq, weight, vbytes in field.index(value):
            postings = terms.get(btext)
            if postings is None:
                postings = terms[btext] = [array("I"), [], []]
            postings[0].append(docnum)
            postings[1].append(weight)
            postings[2].append(vbytes)
            length += freq
        return length

    def _length(self, name, docnum: int, length: int) -> None:
        lengths = self._lengths.get(name)
        if lengths is None:
            lengths = self._lengths[name] = array("I")
        if len(lengths) < docnum:
            lengths.extend(itertools.repeat(0, docnum - len(lengths)))
        lengths.append(length)


    def _flush_segment(self):
        self.perdocwriter.close()
        fieldwriter = self.fieldwriter
        for name in sorted(set(self._tokens) | set(self._pairs) | set(self._other)):
            field = self.schema[name]
            fieldwriter.start_field(name, field)
            writer = _BlockWriter(fieldwriter, field, self._lengths.get(name), self.docnum)
            if name in self._other:
                for btext, (docs, weights, vbytes) in sorted(self._other[name].items()):
                    writer.other(btext, docs, weights, vbytes)
            else:
                self._flush_words(name, field, writer)
            fieldwriter.finish_field()
        fieldwriter.close()
        self._tokens, self._pairs, self._other, self._lengths = {}, {}, {}, {}

    def _flush_words(self, name, field, writer: _BlockWriter) -> None:
        """Group a field's arrays by term (in the terms' order), then by document,
        and write each term's postings."""
        terms = self._terms[name]
        by_name = sorted(range(len(terms)), key=terms.__getitem__)  # str order = UTF-8 order
        rank = np.empty(len(terms), dtype=np.int64)
        rank[by_name] = np.arange(len(terms))
        if name in self._tokens:
            numbers, docs, positions = self._tokens.pop(name)
        else:
            (numbers, docs), positions = self._pairs.pop(name), None
        keys = rank[np.frombuffer(numbers, dtype=np.uint32)]
        order = _stable_order(keys, len(terms))  # documents stay in order within a term
        keys = keys[order]
        docs = np.frombuffer(docs, dtype=np.uint32).astype(np.int64)[order]
        n = len(keys)
        if not n:
            return
        if positions is not None:
            positions = np.frombuffer(positions, dtype=np.uint32)[order]
            starts = np.flatnonzero(np.concatenate(
                ([True], (keys[1:] != keys[:-1]) | (docs[1:] != docs[:-1]))))
            ends = np.append(starts[1:], n)
            counts = ends - starts
            token_starts, token_ends = starts.tolist(), ends.tolist()
            keys, docs = keys[starts], docs[starts]
        firsts = np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))
        lasts = np.append(firsts[1:], len(keys))
        small = (lasts - firsts) <= 32  # numpy costs more than it saves on short lists
        doc_list = docs.tolist()
        gaps = np.diff(docs, prepend=0)  # within a term; a block's first is made absolute
        for lo, hi, short in zip(firsts.tolist(), lasts.tolist(), small.tolist(), strict=True):
            btext = terms[by_name[int(keys[lo])]]
            if isinstance(btext, str):
                btext = btext.encode("utf-8")
            term_docs = doc_list[lo:hi] if short else (docs[lo:hi], gaps[lo:hi])
            if positions is None:
                writer.words(btext, term_docs)
                continue

            def values(a, b, lo=lo):
                return _PackedPositions.of(
                    positions[token_starts[lo + a]:token_ends[lo + b - 1]],
                    counts[lo + a:lo + b])

            writer.text(btext, term_docs, values)


def _stable_order(keys: np.ndarray, distinct: int) -> np.ndarray:
    """``numpy.argsort(keys, kind="stable")`` for keys in ``range(distinct)``, with
    numpy's radix sort (16-bit keys: one pass, or two for larger ones)."""
    if distinct <= 2**16:
        return np.argsort(keys.astype(np.uint16), kind="stable")
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    return order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]


class _BlockWriter:
    """Writes the posting lists of one field as Whoosh 3 blocks: for each term a
    header, then blocks of (info pickle, pickle of (document number deltas,
    weights, values)), and the term's row in the terms table."""

    def __init__(self, fieldwriter, field, lengths: array | None, doc_count: int):
        self._fw = fieldwriter
        self._post = fieldwriter._postfile
        self._fieldid = pack_ushort(fieldwriter._fieldid)
        self._boost = field.format.field_boost
        self._fixed = field.format.fixed_value_size()
        self._lengths = None
        if lengths is not None:
            padded = np.zeros(doc_count, dtype=np.int64)
            found = np.frombuffer(lengths, dtype=np.uint32)
            padded[:len(found)] = found
            self._lengths = padded
            self._length_list = padded.tolist()

    def text(self, btext: bytes, docs, values) -> None:
        self._term(btext, docs, None, values)

    def words(self, btext: bytes, docs) -> None:
        self._term(btext, docs, None, lambda lo, hi: None)

    def other(self, btext: bytes, docs: array, weights: list, vbytes: list) -> None:
        fixed = self._fixed

        def values(lo, hi):
            if fixed is None or fixed < 0:
                return tuple(vbytes[lo:hi])
            return None if fixed == 0 else b"".join(vbytes[lo:hi])

        self._term(btext, docs.tolist(), weights, values)

    def _term(self, btext: bytes, ids_all, weights, values) -> None:
        """One term's postings: document numbers and weights (None: all the
        field's boost) as lists, or for long ones numpy arrays, the numbers as
        (numbers, their differences)."""
        gaps_all = None
        if isinstance(ids_all, tuple):
            ids_all, gaps_all = ids_all
        post = self._post
        start = post.tell()
        post.write(WHOOSH3_HEADER_MAGIC)
        info = W3TermInfo()
        n = len(ids_all)
        for lo in range(0, n, REBUILD_BLOCK):
            hi = min(n, lo + REBUILD_BLOCK)
            ids = ids_all[lo:hi]
            if isinstance(ids, np.ndarray):
                gaps = gaps_all[lo:hi].copy()
                gaps[0] = ids[0]
                deltas = array(_narrow(gaps).char)
                deltas.frombytes(gaps.astype(_narrow(gaps)).tobytes())
                first, last = int(ids[0]), int(ids[-1])
            else:
                deltas = array("I", ids)
                for i in range(len(deltas) - 1, 0, -1):
                    deltas[i] -= deltas[i - 1]
                first, last = ids[0], ids[-1]
            if weights is None:
                total, top = float(hi - lo) * self._boost, self._boost
                block_weights = None if self._boost == 1.0 else self._boost
            else:
                chunk = weights[lo:hi]
                if isinstance(chunk, np.ndarray):
                    total, top, low = float(chunk.sum()), float(chunk.max()), float(chunk.min())
                else:
                    total, top, low = float(sum(chunk)), float(max(chunk)), float(min(chunk))
                if low == top:
                    block_weights = None if top == 1.0 else top
                else:
                    block_weights = array("f", chunk.tolist() if isinstance(chunk, np.ndarray)
                                          else chunk)
            shortest, longest = None, 0
            if self._lengths is not None:
                if isinstance(ids, np.ndarray):
                    found = self._lengths[ids]
                    found = found[found > 0]
                    if found.size:
                        shortest, longest = int(found.min()), int(found.max())
                else:
                    every = self._length_list
                    found = [every[d] for d in ids if every[d]]
                    if found:
                        shortest, longest = min(found), max(found)
            # Not compressed: the narrow integers are nearly as small, and read faster.
            data = pickle.dumps((deltas, block_weights, values(lo, hi)), 5)
            head = pickle.dumps((hi - lo, last, top, 0, length_to_byte(shortest),
                                 length_to_byte(longest)), 2)
            size = len(head) + len(data)
            post.write_int(-size if hi == n else size)
            post.write(head)
            post.write(data)
            info._weight += total
            info._df += hi - lo
            if shortest is not None:
                info._minlength = (shortest if info._minlength is None
                                   else min(info._minlength, shortest))
            info._maxlength = max(info._maxlength, longest)
            info._maxweight = max(info._maxweight, top)
            if info._minid is None:
                info._minid = first
            info._maxid = last
        info.set_extent(start, post.tell() - start)
        self._fw._tindex.add(self._fieldid + btext, info.to_bytes())


class _FastSubWriterTask(multiproc.SubWriterTask):
    def run(self):
        # A child process of its own (fork): replacing the name here changes
        # nothing in the parent. The objects inherited from the parent are left
        # out of garbage collection: the collector would walk them all (and copy
        # their pages) again and again while the worker indexes.
        gc.freeze()
        multiproc.SegmentWriter = _FastSegmentWriter
        super().run()


class _FastMpWriter(multiproc.MpWriter):
    """Whoosh's multi-process writer whose workers use :class:`_FastSegmentWriter`."""

    def _new_task(self):
        task = _FastSubWriterTask(self.storage, self.indexname, self.jobqueue,
                                  self.resultqueue, self.subargs, self.multisegment)
        self.tasks.append(task)
        task.start()
        return task


# -- the backend ----------------------------------------------------------------

class WhooshBackend(SearchBackend):
    name = "whoosh"

    def __init__(self, index_dir: str):
        self.index_dir = os.path.abspath(index_dir).rstrip(os.sep)
        self._parent, self._base = os.path.split(self.index_dir)
        self._ix = None
        self._ix_target: str | None = None
        self._local = threading.local()
        self._searchers: list = []
        self._lock = threading.RLock()
        self._segments: dict[str, dict] = {}
        self._searcher_data: _SearcherData | None = None

    # -- the index on disk --------------------------------------------------

    def _target(self) -> str | None:
        """The directory of the generation in use (None when there is none)."""
        try:
            return os.path.join(self._parent, os.readlink(self.index_dir))
        except OSError:  # not a link: a plain directory (made by hand or an old layout)
            return self.index_dir if os.path.isdir(self.index_dir) else None

    def _index(self):
        """The Index in use (None when there is none); reopened after a swap."""
        target = self._target()
        if target is None or not index.exists_in(target):
            return None
        with self._lock:
            if target != self._ix_target or self._ix is None:
                self._ix = index.open_dir(target)
                self._ix_target = target
            return self._ix

    @property
    def index_path(self) -> str | None:
        """The directory holding the current index files."""
        return self._target()

    def exists(self) -> bool:
        target = self._target()
        return target is not None and index.exists_in(target)

    def is_readable(self) -> bool:
        """True when the index opens and was built with this schema version (an
        older index counts as unreadable: the start-up check rebuilds it)."""
        try:
            ix = self._index()
            if ix is None:
                return False
            field = ix.schema["schema_version"] if "schema_version" in ix.schema else None
            version = getattr(field, "version", 1)  # version 1 had no such field
            if version != SCHEMA_VERSION:
                log.warning("search index %s has schema version %s, not %s",
                            self.index_dir, version, SCHEMA_VERSION)
                return False
            with ix.reader() as reader:
                reader.doc_count_all()
            return True
        except Exception:  # noqa: BLE001 - any failure (an old schema too) means "rebuild it"
            return False

    def ensure(self) -> bool:
        """Create an empty index when none is usable; True if it had to (the caller
        then rebuilds it from the database)."""
        if self.is_readable():
            return False
        gen = self._new_generation()
        index.create_in(gen, make_schema())
        self._swap(gen)
        return True

    def _new_generation(self) -> str:
        os.makedirs(self._parent, exist_ok=True)
        gen = f"{self.index_dir}.gen-{time.time_ns()}-{os.getpid()}"
        os.makedirs(gen)
        return gen

    def _swap(self, gen: str) -> None:
        """Point ``index_dir`` (a symbolic link) at ``gen`` in one atomic rename."""
        if os.path.isdir(self.index_dir) and not os.path.islink(self.index_dir):
            # A plain directory cannot be swapped atomically: move it aside first
            # (once: from then on ``index_dir`` is a link).
            os.rename(self.index_dir, f"{self.index_dir}.gen-{time.time_ns()}-old")
        tmp = f"{self.index_dir}.tmp-{os.getpid()}-{time.time_ns()}"
        os.symlink(os.path.basename(gen), tmp)
        os.replace(tmp, self.index_dir)
        with self._lock:
            self._ix, self._ix_target = None, None

    def _cleanup(self, keep: set[str]) -> None:
        """Remove old generations, keeping the current and ``keep`` (the previous
        one stays a while for searches still reading it)."""
        prefix = f"{self._base}.gen-"
        for name in os.listdir(self._parent):
            path = os.path.join(self._parent, name)
            if name.startswith(prefix) and path not in keep:
                shutil.rmtree(path, ignore_errors=True)

    def _writer(self, timeout: float):
        """A writer on the current index, or IndexBusy after ``timeout`` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            ix = self._index()
            if ix is None:
                self.ensure()
                ix = self._index()
            target = self._ix_target
            left = max(0.0, deadline - time.monotonic())
            try:
                writer = ix.writer(timeout=left, delay=min(0.02, max(left / 5, 0.001)),
                                   compound=COMPOUND)
            except LockError as error:
                raise IndexBusy(f"the search index is locked by another writer "
                                f"({self.index_dir})") from error
            if self._target() == target:
                return writer
            writer.cancel()  # a rebuild swapped the index while we waited: use the new one

    def _hold_lock(self, timeout: float):
        """The current index's write lock itself (no writer: nothing to clean up
        if the directory moves), or IndexBusy."""
        while True:
            ix = self._index()
            target = self._ix_target
            lock = ix.lock("WRITELOCK")  # the one SegmentWriter takes
            if not try_for(lock.acquire, timeout=timeout, delay=0.05):
                raise IndexBusy(f"the search index is locked by another writer ({self.index_dir})")
            if self._target() == target:
                return lock
            lock.release()

    # -- searchers ------------------------------------------------------------

    def _searcher(self):
        """This thread's searcher, brought up to date (None when there is no index)."""
        ix = self._index()
        if ix is None:
            return None
        cached = getattr(self._local, "searcher", None)
        if cached is not None and self._local.target == self._ix_target and cached.up_to_date():
            return cached
        # Not Searcher.refresh(): it reuses segment readers by segment id and so
        # misses deletions made since (and revives merged-away segments).
        searcher = ix.searcher()
        self._track(searcher, cached)
        self._local.searcher, self._local.target = searcher, self._ix_target
        return searcher

    def _track(self, new, old):
        with self._lock:
            if old is not None:
                if old in self._searchers:
                    self._searchers.remove(old)
                try:
                    old.close()
                except Exception:  # noqa: BLE001,S110 - already closed or files gone
                    pass
            if new is not None:
                self._searchers.append(new)

    def close(self) -> None:
        with self._lock:
            for searcher in self._searchers:
                try:
                    searcher.close()
                except Exception:  # noqa: BLE001,S110
                    pass
            self._searchers.clear()
            self._local = threading.local()
            self._ix, self._ix_target = None, None


    # -- search ---------------------------------------------------------------

    def search(self, request: SearchRequest, scope: Scope) -> SearchResults:
        per_page = max(1, int(request.per_page or 20))
        page = max(1, int(request.page or 1))
        warnings = [str(w) for w in request.query.warnings]
        searcher = self._searcher()
        if searcher is None:
            return SearchResults(hits=[], total=0, page=page, per_page=per_page,
                                 warnings=warnings)
        original = request.query
        expanded = self._expand(original) if request.expand_translations else original
        compiler = Compiler(scope.now)
        text_q = compiler.compile(expanded.root)  # None: every document
        data = self._data(searcher)
        memo: dict = {}
        matched = data.live if text_q is None else self._docs(searcher, text_q, memo)
        restrictions = self._restrictions(request, scope)
        if restrictions is not None:
            matched = matched & self._docs(searcher, restrictions, memo)
        top = self._top(searcher, data, text_q, matched, memo, request.sort, page * per_page)
        total = int(np.count_nonzero(matched))
        page_top = top[(page - 1) * per_page: page * per_page]

        terms = _Marker(highlight_terms(expanded.root) if request.with_snippets
                        else (set(), set(), []))
        hits = []
        for docnum, score in page_top:
            stored = searcher.stored_fields(docnum)
            hits.append(self._hit(stored, score, terms, scope.now))
        if hits and expanded.root != original.root:
            self._mark_translations(searcher, hits, [d for d, _ in page_top], original, expanded,
                                    compiler, memo)
        facets = (self._facets(searcher, matched, request, scope.now)
                  if request.with_facets else {})
        suggestion = self._suggest(searcher, original, request, scope, memo)
        return SearchResults(hits=hits, total=total, page=page, per_page=per_page,
                             facets=facets, suggestion=suggestion, warnings=warnings)

    def _top(self, searcher, data, text_q, matched, memo, sort: str, limit: int):
        """The first ``limit`` (docnum, score) of ``matched`` in the order asked."""
        docs = np.flatnonzero(matched)
        if sort in ("deadline", "newest"):
            if sort == "deadline":
                keys = data.column(searcher, "deadline_sort")[docs]
            else:
                keys = -data.column(searcher, "created_sort")[docs]
            best, _keys = _first(docs, keys, limit)
            return [(int(d), 0.0) for d in best]
        if text_q is None or not len(docs):
            return [(int(d), 0.0) for d in docs[:limit]]
        return self._scores(searcher, text_q, docs, memo, limit)

    def _docs(self, searcher, q, memo: dict | None = None) -> np.ndarray:
        """The documents matching ``q`` (a boolean array by document number), with
        array operations for the boolean parts (much faster than stepping Whoosh's
        matchers in Python). ``memo`` keeps the sets of the leaves within one
        search. The result may be shared: never change it in place."""
        if q is None or isinstance(q, wq.Every):
            return self._data(searcher).live
        if q is wq.NullQuery:
            return np.zeros(self._data(searcher).size, dtype=bool)
        if isinstance(q, wq.And):
            parts = [self._docs(searcher, c, memo) for c in q.subqueries]
            return _intersection(parts) if parts else self._data(searcher).live
        if isinstance(q, wq.Or) and not isinstance(q, _Words):
            return _union([self._docs(searcher, c, memo) for c in q.subqueries],
                          self._data(searcher).size)
        if isinstance(q, wq.AndNot):
            return self._docs(searcher, q.a, memo) & ~self._docs(searcher, q.b, memo)
        if isinstance(q, wq.Require):
            return self._docs(searcher, q.a, memo) & self._docs(searcher, q.b, memo)
        found = memo.get(q) if memo is not None else None
        if found is None:
            found = _leaf_cache_get(searcher, q)
            if found is not None and memo is not None:
                memo[q] = found
        if found is None:
            data = self._data(searcher)
            if isinstance(q, _Words):
                found = self._words_docs(searcher, q, memo)
            elif isinstance(q, wq.Term):
                found = _term_mask(searcher, data, q.fieldname, q.text)
            elif (isinstance(q, wq.Phrase) and q.slop == 1 and q.fieldname in _POSITION_FIELDS
                  and q.words):
                found = self._phrase_docs(searcher, q, memo)
            elif isinstance(q, wq.NumericRange) and q.fieldname in _RANGE_FIELDS:
                found = data.range_docs(searcher, q)
            elif isinstance(q, wq.Prefix):
                found = np.zeros(data.size, dtype=bool)
                for text in searcher.reader().expand_prefix(q.fieldname, q.text):
                    found |= self._docs(searcher, wq.Term(q.fieldname, text), memo)
            else:
                found = np.zeros(data.size, dtype=bool)
                docnums = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
                found[docnums] = True
            found = _frozen(found)
            if memo is not None:
                memo[q] = found
            _leaf_cache_put(searcher, q, found)
        return found

    def _words_docs(self, searcher, q: _Words, memo) -> np.ndarray:
        """The documents holding a word or phrase in one of its languages; a
        phrase's positions are only checked where an earlier language did not
        already find it."""
        found = None
        for child in q.subqueries:
            if isinstance(child, wq.Phrase) and child.fieldname in _POSITION_FIELDS:
                docs = self._phrase_docs(searcher, child, memo, skip=found)
            else:
                docs = self._docs(searcher, child, memo)
            found = docs.copy() if found is None else found | docs
        return found if found is not None else np.zeros(self._data(searcher).size, dtype=bool)

    def _phrase_docs(self, searcher, q, memo, skip: np.ndarray | None = None) -> np.ndarray:
        """The documents holding the phrase's words next to one another (leaving
        out the ``skip`` ones): the documents holding all the words (from the
        terms field), then the positions of the words in those documents only,
        compared all at once. An occurrence of the phrase's ``i``-th word at
        position ``p`` in document ``d`` is the key ``(d << 32) + p - i``: the
        phrase starts where every word has the key."""
        words = list(q.words)
        distinct = list(dict.fromkeys(words))
        field = _TERMS_OF[q.fieldname]
        candidates = _intersection([self._docs(searcher, wq.Term(field, w), memo)
                                    for w in distinct])
        if skip is not None:
            candidates &= ~skip
        if len(words) == 1 or not candidates.any():
            return candidates
        found = np.zeros(len(candidates), dtype=bool)
        span = len(words)
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            wanted = candidates[offset:offset + reader.doc_count_all()]
            if not wanted.any():
                continue
            # The rarest word first; each next word is read in the documents where
            # the phrase can still start only.
            order = sorted(range(span), key=lambda i: reader.doc_frequency(q.fieldname,
                                                                          words[i]))
            keys = None
            read: dict[str, tuple[np.ndarray, np.ndarray]] = {}
            for i in order:
                docs, poses = read.get(words[i]) or _term_positions(
                    reader, q.fieldname, words[i], wanted)
                read[words[i]] = (docs, poses)
                these = (docs << 32) + (poses + (span - i))  # ascending
                keys = these if keys is None else _sorted_intersection(keys, these)
                if not keys.size:
                    break
                if len(read) < len(distinct):
                    wanted = np.zeros(len(wanted), dtype=bool)
                    wanted[keys >> 32] = True
            if keys is not None and keys.size:
                found[(keys >> 32) + offset] = True
        return found

    def _scores(self, searcher, text_q, docs, memo, limit: int) -> list[tuple[int, float]]:
        """The best ``limit`` of the matched ``docs`` by relevance: the sum, over
        the query's positive words and phrases that a document holds, of their
        rarity (idf), plus twice the rarity in titles when the title holds their
        words. Term frequency and length are left out: scoring every match through
        Whoosh's matchers costs ten times more."""
        total = max(1, searcher.doc_count())
        scores = np.zeros(len(docs), dtype=np.float64)
        for leaf in _positive_leaves(text_q):
            leaf_docs = self._docs(searcher, leaf, memo)
            count = int(np.count_nonzero(leaf_docs))
            if not count:
                continue
            holds = leaf_docs[docs]
            scores += holds * (getattr(leaf, "boost", 1.0) * math.log(1 + total / count))
            title_q = _title_query(leaf)
            if title_q is None:
                continue
            title_docs = self._docs(searcher, title_q, memo)
            count = int(np.count_nonzero(title_docs))
            if count:
                weight = TITLE_BOOST * getattr(leaf, "boost", 1.0) * math.log(1 + total / count)
                scores += (holds & title_docs[docs]) * weight
        best, keys = _first(docs, -scores, limit)
        return [(int(d), float(-k)) for d, k in zip(best, keys, strict=True)]

    def _data(self, searcher) -> _SearcherData:
        leaves = [(s.reader(), offset) for s, offset in searcher.leaf_searchers()]
        # The live count too: deleting documents keeps the segments' ids.
        key = (self._ix_target,
               tuple((_segment_id(r), offset, r.doc_count()) for r, offset in leaves))
        with self._lock:
            data = self._searcher_data
            if data is None or data.key != key:
                data = self._searcher_data = _SearcherData(key, searcher, self)
            return data

    @staticmethod
    def _expand(parsed: sq.ParsedQuery) -> sq.ParsedQuery:
        if parsed.root is None:
            return parsed
        try:
            expanded = glossary.expand(parsed)
        except Exception:  # a glossary bug must not break searching
            log.exception("glossary expansion failed; searching without translations")
            return parsed
        return expanded[0] if isinstance(expanded, tuple) else expanded

    def _restrictions(self, request: SearchRequest, scope: Scope):
        """Scope, kinds and chosen facet values: they filter without scoring."""
        parts = [scope_query(scope)]
        kinds = tuple(request.kinds) if request.kinds is not None else KINDS
        if set(kinds) != set(KINDS):
            parts.append(_or([wq.Term("kind", k) for k in kinds]) or wq.NullQuery)
        for name, value in (request.selected or {}).items():
            if value not in (None, ""):
                parts.append(selected_query(name, value, scope.now))
        return _and(parts)

    def _hit(self, stored: dict, score: float, terms, now: datetime) -> Hit:
        data = stored.get("data") or {}
        excerpt = data.get("excerpt", "")
        return Hit(
            kind=stored["kind"],
            object_id=int(stored["object_id"]),
            title=data.get("title", ""),
            snippet=snippet(excerpt, terms),
            score=float(score or 0.0),
            subtitle=data.get("subtitle", ""),
            url_key=data.get("url_key", ""),
            status=phase(data, now),
            deadline=data.get("deadline"),
        )

    def _mark_translations(self, searcher, hits, docnums, original, expanded, compiler, memo):
        """Say which hits matched only through a glossary translation (the
        words' document sets are already in ``memo``: this costs little)."""
        if Translated is None:
            return
        plain = self._docs(searcher, compiler.compile(original.root), memo)
        unmatched = [(hit, d) for hit, d in zip(hits, docnums, strict=True) if not plain[d]]
        if not unmatched:
            return
        nodes = []

        def walk(node, negated=False):
            if isinstance(node, Translated):
                if not negated:
                    nodes.append(node)
            elif isinstance(node, (sq.And, sq.Or)):
                for child in node.children:
                    walk(child, negated)
            elif isinstance(node, sq.Not):
                walk(node.child, not negated)

        walk(expanded.root)
        try:
            from alliance.search.glossary import describe
        except ImportError:
            describe = None
        for node in nodes:
            orig_q = compiler.compile(node.original)
            alt_q = _or([compiler.compile(a) for a in node.alternatives])
            if alt_q is None:
                continue
            by_alt = self._docs(searcher, alt_q, memo)
            by_orig = self._docs(searcher, orig_q, memo) if orig_q is not None else None
            if describe is not None:
                label = describe(node)
            else:
                label = "{} → {}".format(sq.to_text(node.original),
                                         ", ".join(sq.to_text(a) for a in node.alternatives))
            for hit, d in unmatched:
                if (by_alt[d] and (by_orig is None or not by_orig[d])
                        and label not in hit.via_translation):
                    hit.via_translation.append(label)

    # -- facets ---------------------------------------------------------------

    def _facets(self, searcher, matched, request: SearchRequest, now: datetime):
        data = self._data(searcher)
        masks = data.masks()
        hits = _bits(matched)
        counts: dict[str, dict[str, int]] = {}
        for name in FACETS:
            values = masks[_FACET_FIELDS[name]]
            counts[name] = {v: (m & hits).bit_count() for v, m in values.items()}
        # The challenge phase depends on the time: split "published".
        statuses = counts["challenge_status"]
        statuses.pop("published", None)
        if masks["cstatus"].get("published", 0) & hits:
            for value in ("open", "upcoming", "closed"):
                docs = self._docs(searcher, wq.And([wq.Term("kind", "challenge"),
                                                    status_query(value, now)]))
                statuses[value] = int(np.count_nonzero(docs & matched))
        shown: dict[str, set[str]] = {}
        for name, values in counts.items():
            chosen = (request.selected or {}).get(name)
            shown[name] = {v for v, c in values.items() if c or v == chosen}
        names = facet_labels.facet_names(shown)
        facets = {}
        for name in FACETS:
            chosen = (request.selected or {}).get(name)
            items = [FacetValue(value=v, label=facet_labels.label(name, v, names),
                                count=counts[name].get(v, 0), selected=(v == chosen))
                     for v in shown[name]]
            if chosen and chosen not in shown[name]:
                items.append(FacetValue(value=chosen, label=facet_labels.label(name, chosen, names),
                                        count=0, selected=True))
            items.sort(key=lambda f: (-f.count, f.label.lower()))
            facets[name] = items
        return facets

    # -- "did you mean" ------------------------------------------------------

    def _suggest(self, searcher, parsed: sq.ParsedQuery, request: SearchRequest, scope: Scope,
                 memo: dict | None = None):
        reader = searcher.reader()
        fixes: dict[str, str] = {}
        for node in parsed.terms():
            words = [node.text] if isinstance(node, sq.Term) and not node.prefix else (
                list(node.words) if isinstance(node, sq.Phrase) else [])
            for word in words:
                terms = analysis.analyse("raw", word)
                if len(terms) != 1 or len(terms[0]) < 3 or terms[0].isdigit():
                    continue
                folded = terms[0]
                if ("raw", folded) in reader or glossary.lookup(word):
                    continue  # known here, or a glossary word found through its translation
                best = self._closest(reader, folded)
                if best:
                    fixes[word] = best
        if not fixes:
            return None
        corrected = sq.replace_words(parsed.root, fixes)
        found = self._docs(searcher, Compiler(scope.now).compile(corrected), memo)
        restrictions = self._restrictions(SearchRequest(query=parsed, kinds=request.kinds), scope)
        if restrictions is not None:
            found = found & self._docs(searcher, restrictions, memo)
        return sq.to_text(corrected) if found.any() else None

    @staticmethod
    def _closest(reader, word: str) -> str | None:
        for distance in (1, 2) if len(word) > 4 else (1,):
            candidates = [c for c in reader.terms_within("raw", word, distance, prefix=1)
                          if c != word]
            if candidates:
                return max(candidates, key=lambda c: (reader.doc_frequency("raw", c), c))
        return None

    # -- similar items --------------------------------------------------------

    def similar(self, kind: str, object_id: int, scope: Scope, limit: int = 5) -> list[Hit]:
        searcher = self._searcher()
        if searcher is None:
            return []
        key = f"{kind}:{object_id}"
        docnum = searcher.document_number(key=key)
        if docnum is None:
            return []
        in_scope = self._docs(searcher, scope_query(scope))
        if not in_scope[docnum]:
            return []  # not the caller's to look at
        data = searcher.stored_fields(docnum).get("data") or {}
        text = f"{data.get('title', '')}\n{data.get('title', '')}\n{data.get('excerpt', '')}"
        candidates = in_scope & self._docs(searcher, wq.Term("kind", kind))
        candidates[docnum] = False
        docs = np.flatnonzero(candidates)
        if not len(docs):
            return []
        # The document's key terms in each language, weighted by how telling they
        # are; a candidate scores the weights of those it holds (twice in its title).
        scores = np.zeros(len(docs), dtype=np.float64)
        memo: dict = {}
        for lang in ("it", "en"):
            for term, weight in searcher.key_terms_from_text(f"text_{lang}", text, numterms=12):
                scores += self._docs(searcher, wq.Term(f"text_{lang}", term), memo)[docs] * weight
                scores += (self._docs(searcher, wq.Term(f"title_{lang}", term), memo)[docs]
                           * (weight * TITLE_BOOST))
        related = scores > 0
        best, keys = _first(docs[related], -scores[related], limit)
        empty = (set(), set(), [])
        return [self._hit(searcher.stored_fields(int(d)), float(-k), empty, scope.now)
                for d, k in zip(best, keys, strict=True)]

    # -- writing --------------------------------------------------------------

    def write(self, documents: Iterable[SearchDocument], deleted: Iterable[str] = (),
              timeout: float = 0.5) -> None:
        """Add or replace ``documents``, remove ``deleted``; :class:`IndexBusy` if the
        lock cannot be had within ``timeout`` seconds."""
        documents, deleted = list(documents), list(deleted)
        if not documents and not deleted:
            return
        writer = self._writer(timeout)
        try:
            for key in deleted:
                writer.delete_by_term("key", key)
            for doc in documents:
                writer.update_document(**document_fields(doc))
        except BaseException:
            writer.cancel()
            raise
        writer.commit()

    @contextmanager
    def batch(self, timeout: float = 0.05):
        """Hold the write lock while the caller reads what to write (see
        :meth:`SearchBackend.batch`); ``write`` inside the block commits at once."""
        writer = self._writer(timeout)
        state = {"open": True}

        class _Batch:
            @staticmethod
            def write(documents, deleted=()) -> None:
                for key in deleted:
                    writer.delete_by_term("key", key)
                for doc in documents:
                    writer.update_document(**document_fields(doc))
                writer.commit()
                state["open"] = False

        try:
            yield _Batch()
        finally:
            if state["open"]:
                writer.cancel()

    def rebuild(self, documents: Iterator[SearchDocument], total: int, progress=None,
                procs: int | None = None) -> int:
        """Build a new generation next to the current one and swap it in.

        The current index's lock is held meanwhile, so concurrent writes fail fast
        (:class:`IndexBusy`) instead of landing in an index about to be replaced.
        """
        try:
            current = self._index()
        except Exception:  # noqa: BLE001 - unreadable (an old schema): replaced below
            current = None
        old_lock = self._hold_lock(timeout=60.0) if current is not None else None
        previous = self._target()
        gen = self._new_generation()
        count = 0
        try:
            ix = index.create_in(gen, make_schema())
            if procs is None:
                procs = 2 if total >= PROCS_FROM and (os.cpu_count() or 1) > 1 else 1
            if procs > 1:
                writer = _FastMpWriter(ix, procs=procs, multisegment=True, batchsize=256,
                                       compound=COMPOUND)
            else:
                writer = _FastSegmentWriter(ix, compound=COMPOUND)
            try:
                for doc in documents:
                    writer.add_document(**document_fields(doc))
                    count += 1
                    if progress is not None and count % 250 == 0:
                        progress(count)
            except BaseException:
                writer.cancel()
                raise
            writer.commit()
            self._swap(gen)
        except BaseException:
            shutil.rmtree(gen, ignore_errors=True)
            raise
        finally:
            if old_lock is not None:
                old_lock.release()
        if progress is not None:
            progress(count)
        self._cleanup(keep={gen, previous} if previous else {gen})
        return count

    def fingerprints(self) -> dict[str, str]:
        """{key: fingerprint} of the indexed documents; none for an index of an
        older schema version (``search check`` then lists everything as missing)."""
        if not self.is_readable():
            return {}
        ix = self._index()
        with ix.reader() as reader:
            return {stored["key"]: stored["fingerprint"] for stored in reader.all_stored_fields()}
