"""The Whoosh backend (the default): a file index under ``instance/search``.

Layout: ``<index_dir>`` is a symbolic link to the generation in use
(``<index_dir>.gen-<ns>-<pid>`` next to it), so ``whoosh.index.open_dir(index_dir)``
opens the current index. A rebuild fills a new generation and swaps the link
atomically (a rename), so searches never see a half-built index.

Writers never wait long: ``write(..., timeout=)`` raises :class:`IndexBusy`
when another process holds the lock (the sync outbox keeps the documents for
the lock holder to drain).

Scope is applied inside the search (the matching set is intersected with the
scope's before anything is counted, scored or shown), so the total, the facet
counts, the snippets and the suggestions only ever see documents in scope.
Matching sets are computed with Python set operations over posting blocks;
facets are counted with bit sets (one per facet value and index segment,
cached until the segment goes away) ANDed with the matching set's.
"""
from __future__ import annotations

import bisect
import heapq
import logging
import math
import os
import re
import shutil
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

from markupsafe import Markup, escape
from whoosh import collectors, columns, fields, formats, index, multiproc
from whoosh import query as wq
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.index import LockError
from whoosh.matching.wrappers import FilterMatcher
from whoosh.system import pack_uint
from whoosh.util.filelock import try_for
from whoosh.util.numeric import byte_to_length, from_sortable
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

TITLE_BOOST = 2.0
SNIPPET_CHARS = 200
EXCERPT_CHARS = 3000  # how much of the body is stored for snippets and similar items
NO_DEADLINE = 2**62  # sorts after every real deadline
PROCS_FROM = 2000  # rebuilds of at least this many documents use two processes

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


class _Positions(formats.Positions):
    """Whoosh's Positions, read from our analyzers' term lists directly (no token
    objects): the same postings, a third of the time."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, analysis.WordAnalyzer) or not isinstance(value, str):
            yield from super().word_values(value, analyzer, **kwargs)
            return
        poses: dict[str, list[int]] = {}
        for pos, term in enumerate(analyzer.terms(value)):
            found = poses.get(term)
            if found is None:
                poses[term] = [pos]
            else:
                found.append(pos)
        fb = self.field_boost
        encode = self.encode
        for term, poslist in poses.items():
            yield (term, len(poslist), float(len(poslist)) * fb, encode(poslist))


class _Frequency(formats.Frequency):
    """Whoosh's Frequency, read from our analyzers' term lists directly."""

    def word_values(self, value, analyzer, **kwargs):
        if not isinstance(analyzer, analysis.WordAnalyzer) or not isinstance(value, str):
            return super().word_values(value, analyzer, **kwargs)
        freqs: dict[str, int] = {}
        get = freqs.get
        for term in analyzer.terms(value):
            freqs[term] = get(term, 0) + 1
        fb = self.field_boost
        return ((term, freq, float(freq) * fb, pack_uint(freq)) for term, freq in freqs.items())


def _text(analyzer, phrase: bool = True) -> fields.TEXT:
    field = fields.TEXT(analyzer=analyzer, phrase=phrase)
    field.format = (_Positions if phrase else _Frequency)(field_boost=field.format.field_boost)
    return field


def _sort_column():
    return fields.COLUMN(columns.NumericColumn("q", default=0))


def make_schema() -> fields.Schema:
    it, en, raw = analysis.italian_analyzer(), analysis.english_analyzer(), analysis.raw_analyzer()
    keyword = dict(lowercase=True, commas=False, scorable=False)
    return fields.Schema(
        key=fields.ID(unique=True, stored=True),
        kind=fields.ID(stored=True),
        object_id=fields.STORED(),
        title_it=_text(it),
        body_it=_text(it),
        title_en=_text(en),
        body_en=_text(en),
        raw=_text(raw, phrase=False),  # prefixes and spelling
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
    values = {
        "key": doc.key,
        "kind": doc.kind,
        "object_id": doc.object_id,
        "title_it": title,
        "body_it": body,
        "title_en": title,
        "body_en": body,
        "raw": f"{title}\n{body}",
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

_LANG_FIELDS = (("it", "title_it", TITLE_BOOST), ("it", "body_it", 1.0),
                ("en", "title_en", TITLE_BOOST), ("en", "body_en", 1.0))


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
    """Or over the Italian and English title and body fields; None when ``text``
    analyses to nothing (stopwords) in both languages."""
    alternatives = []
    cache: dict[str, list[str]] = {}
    for lang, field, boost in _LANG_FIELDS:
        if lang not in cache:
            cache[lang] = analysis.analyse(lang, text)
        terms = cache[lang]
        if not terms:
            continue
        if len(terms) == 1:
            alternatives.append(wq.Term(field, terms[0], boost=boost))
        else:
            alternatives.append(wq.Phrase(field, terms, boost=boost))
    return _or(alternatives)


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
        return trl_query("=", value) if value.isdigit() else wq.NullQuery
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


def snippet(text: str, terms, length: int = SNIPPET_CHARS) -> Markup:
    """About ``length`` characters of ``text`` around its best match, the matched
    words in <mark>, everything escaped; the start of the text when nothing matches."""
    it_terms, en_terms, prefixes = terms
    marks = []
    if it_terms or en_terms or prefixes:
        it_term, en_term = analysis.ANALYZERS["it"].term, analysis.ANALYZERS["en"].term
        fold = analysis.fold
        hits = [word for word in set(analysis.WORD_RE.findall(text))
                if (it_terms and it_term(word) in it_terms)
                or (en_terms and en_term(word) in en_terms)
                or (prefixes and any(fold(word).startswith(p) for p in prefixes))]
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


# -- the query as text (for "did you mean") -------------------------------------

# -- facets ---------------------------------------------------------------------

# facet name -> index field whose terms are its values
_FACET_FIELDS = {"kind": "kind", "theme": "themes", "partner": "partners", "call": "call",
                 "challenge_status": "cstatus", "trl": "trl_kw", "proposal_status": "pstatus"}


def _mask(docnums: Iterable[int], size: int) -> int:
    bits = bytearray((size >> 3) + 1)
    for d in docnums:
        bits[d >> 3] |= 1 << (d & 7)
    return int.from_bytes(bits, "little")


def _term_docs(searcher, field: str, text, live: set[int]) -> set[int]:
    """The live documents holding a term, read a posting block at a time (an
    array per block instead of a Python step per document)."""
    found: set[int] = set()
    deletions = False
    for sub, offset in searcher.leaf_searchers():
        reader = sub.reader()
        if (field, text) not in reader:
            continue
        matcher = reader.postings(field, text)
        if isinstance(matcher, FilterMatcher):  # the segment's deletions: removed below
            matcher = matcher.child
            deletions = True
        if isinstance(matcher, W3LeafMatcher):
            while matcher.is_active():
                if matcher._ids is None:
                    matcher._read_ids()
                ids = matcher._ids
                found.update(ids if not offset else (i + offset for i in ids))
                matcher._next_block()
        else:
            found.update(d + offset for d in matcher.all_ids())
    if deletions:
        found &= live
    return found


LEAF_CACHE_DOCS = 1_000_000  # document numbers kept per searcher, all leaves together


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


def _leaf_cache_put(searcher, q, found: set[int]) -> None:
    """Keep the documents of a word, phrase, prefix or range for the searcher's
    life (a searcher is replaced whenever the index changes, deletions included),
    least recently used out first past LEAF_CACHE_DOCS document numbers."""
    if len(found) > LEAF_CACHE_DOCS // 4:
        return
    cache = getattr(searcher, "_alliance_leaves", None)
    if cache is None:
        cache = searcher._alliance_leaves = {}
        searcher._alliance_leaf_docs = 0
    try:
        if q in cache:
            return
    except TypeError:  # an unhashable query
        return
    cache[q] = found
    searcher._alliance_leaf_docs += len(found)
    while searcher._alliance_leaf_docs > LEAF_CACHE_DOCS and cache:
        oldest = next(iter(cache))
        searcher._alliance_leaf_docs -= len(cache.pop(oldest))


def _values_of(matcher, wanted: list[int]) -> dict[int, bytes]:
    """{document: posting value} for the ``wanted`` documents (sorted, all in the
    postings), a block at a time: blocks without any of them are not decoded."""
    found: dict[int, bytes] = {}
    if not isinstance(matcher, W3LeafMatcher):
        for d in wanted:
            if matcher.id() < d:
                matcher.skip_to(d)
            found[d] = matcher.value()
        return found
    k, n = 0, len(wanted)
    while k < n and matcher.is_active():
        if matcher._maxid >= wanted[k]:
            if matcher._ids is None:
                matcher._read_ids()
            if matcher._values is None:
                matcher._read_values()
            ids, values = matcher._ids, matcher._values
            j = 0
            while k < n and wanted[k] <= matcher._maxid:
                j = bisect.bisect_left(ids, wanted[k], j)
                found[wanted[k]] = values[j]
                k += 1
        matcher._next_block()
    return found


def _positive_leaves(q):
    """The scoring parts of a compiled query (words, phrases, prefixes), not the
    negated ones nor the filters."""
    if isinstance(q, (wq.And, wq.Or)):
        for child in q.subqueries:
            yield from _positive_leaves(child)
    elif isinstance(q, wq.AndNot):
        yield from _positive_leaves(q.a)
    elif isinstance(q, (wq.Term, wq.Phrase, wq.Prefix)) and q.fieldname in _TEXT_FIELDS:
        yield q


_RANGE_FIELDS = {"trl", "opens_at", "deadline"}  # NUMERIC with shift_step=0: one term per value
_TEXT_FIELDS = {"title_it", "body_it", "title_en", "body_en", "raw"}


def _scored(searcher, q, allowed, limit: int) -> list[tuple[float, int]]:
    """The best ``limit`` (score, docnum) of ``q`` among ``allowed`` documents, with
    Whoosh's block-quality skipping (only blocks that can reach the top are scored)."""
    try:
        collector = collectors.TopCollector(limit=limit)
        searcher.search_with_collector(q, collectors.FilterCollector(collector, allow=allowed))
    except AssertionError:  # Whoosh's skipping trips over some nested matchers
        collector = collectors.TopCollector(limit=limit, usequality=False)
        searcher.search_with_collector(q, collectors.FilterCollector(collector, allow=allowed))
    return collector.results().top_n


def _segment_id(reader) -> str:
    segment = reader.segment() if hasattr(reader, "segment") else None
    return segment.segment_id() if segment is not None else f"empty-{id(reader)}"


class _SearcherData:
    """What one searcher (one set of segments) needs again and again: the live
    documents, the bit set of every facet value, the sort columns. Segments never
    change once written (deletions only hide documents, and matching sets never
    hold hidden ones), so per-segment parts survive later writes."""

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
        self.live = set(searcher.reader().all_doc_ids())  # shared: never changed in place
        self._masks: dict[str, dict[str, int]] | None = None
        self._columns: dict[str, list] = {}
        self._values: dict[str, list[tuple[int, set[int]]]] = {}

    def range_docs(self, searcher, q) -> set[int]:
        """The documents of a NumericRange/DateRange on a field indexed with one
        term per value (shift_step=0): the union of the documents of the values
        in range, each value's set read once per searcher (few distinct values:
        deadlines, TRLs), instead of Whoosh's range matchers at every search."""
        values = self._values.get(q.fieldname)
        if values is None:
            field = searcher.schema[q.fieldname]
            values = []
            for btext in searcher.reader().lexicon(q.fieldname):
                if btext[0] != 0:  # another precision (not written with shift_step=0)
                    continue
                raw = field._struct.unpack(btext[1:])[0]
                number = from_sortable(field.numtype, field.bits, field.signed, raw)
                values.append((number, _term_docs(searcher, q.fieldname, btext, self.live)))
            self._values[q.fieldname] = values
        start, end = q.start, q.end
        found: set[int] = set()
        for number, docs in values:
            if start is not None and (number < start or (q.startexcl and number == start)):
                continue
            if end is not None and (number > end or (q.endexcl and number == end)):
                continue
            found |= docs
        return found

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
                                ids = reader.postings(field, btext).all_ids()
                                masks[field][btext.decode("utf-8")] = _mask(ids, size)
                    cache["masks"] = masks
                for field, values in masks.items():
                    target = combined[field]
                    for value, mask in values.items():
                        target[value] = target.get(value, 0) | (mask << offset)
            self._masks = combined
        return self._masks

    def column(self, searcher, field: str) -> list:
        """The values of a sort column, indexed by document number."""
        if field not in self._columns:
            values: list = []
            for reader, _ in self._leaves:
                cache = self._segment(reader)
                column = cache.get(f"column:{field}")
                if column is None:
                    count = reader.doc_count_all()
                    if reader.has_column(field):
                        column = list(reader.column_reader(field))
                    else:
                        column = [0] * count
                    cache[f"column:{field}"] = column
                values.extend(column)
            self._columns[field] = values
        return self._columns[field]


# -- fast rebuilds --------------------------------------------------------------

class _MemoryPool:
    """The postings of a new segment kept in memory and sorted once (Whoosh's pool
    pickles every posting to a temporary file and back, to bound memory; a
    rebuild's postings fit in memory easily)."""

    def __init__(self):
        self.current: list = []
        self.add = self.current.append

    @property
    def fieldnames(self) -> set:
        return {item[0] for item in self.current}

    def iter_postings(self):
        self.current.sort()
        return iter(self.current)

    def cleanup(self) -> None:
        self.current = []
        self.add = self.current.append


class _Lengths:
    """The field lengths of the new segment read once per field (Whoosh's reader
    looks each one up in the column file, once per posting)."""

    def __init__(self, reader):
        self._reader = reader
        self._fields: dict[str, list | None] = {}

    def doc_field_length(self, docnum, fieldname, default=0):
        values = self._fields.get(fieldname, False)
        if values is False:
            column = self._reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
            if column is None:
                values = None
            else:
                table = [None] + [byte_to_length(b) for b in range(1, 256)]
                values = [table[b] for b in column]
            self._fields[fieldname] = values
        if values is None:
            return default
        return values[docnum]


class _FastSegmentWriter(SegmentWriter):
    """A SegmentWriter for rebuilds: postings sorted in memory, lengths read once."""

    def __init__(self, ix, **kwargs):
        super().__init__(ix, **kwargs)
        self.pool.cleanup()
        self.pool = _MemoryPool()

    def _flush_segment(self):
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        lengths = _Lengths(pdr) if pdr is not None else None
        self.fieldwriter.add_postings(self.schema, lengths, self.pool.iter_postings())
        self.fieldwriter.close()
        if pdr:
            pdr.close()


class _FastSubWriterTask(multiproc.SubWriterTask):
    def run(self):
        # A child process of its own (fork): replacing the name here changes
        # nothing in the parent.
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
        try:
            ix = self._index()
            if ix is None:
                return False
            with ix.reader() as reader:
                reader.doc_count_all()
            return True
        except Exception:  # noqa: BLE001 - any failure means "rebuild it"
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
                writer = ix.writer(timeout=left, delay=min(0.02, max(left / 5, 0.001)))
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
        total = len(matched)
        page_top = top[(page - 1) * per_page: page * per_page]

        terms = highlight_terms(expanded.root) if request.with_snippets else (set(), set(), [])
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
        if sort == "deadline":
            column = data.column(searcher, "deadline_sort")
            return [(d, 0.0) for d in heapq.nsmallest(limit, matched,
                                                       key=lambda d: (column[d], d))]
        if sort == "newest":
            column = data.column(searcher, "created_sort")
            return [(d, 0.0) for d in heapq.nsmallest(limit, matched,
                                                       key=lambda d: (-column[d], d))]
        if text_q is None or not matched:
            return [(d, 0.0) for d in heapq.nsmallest(limit, matched)]
        return self._scores(searcher, text_q, matched, memo, limit)

    def _docs(self, searcher, q, memo: dict | None = None) -> set[int]:
        """The document numbers matching ``q``, with set operations for the
        boolean parts (much faster than stepping Whoosh's matchers in Python).
        ``memo`` keeps the sets of the leaves within one search. The result may
        be shared: never change it in place."""
        if q is None or isinstance(q, wq.Every):
            return self._data(searcher).live
        if q is wq.NullQuery:
            return set()
        if isinstance(q, wq.And):
            parts = sorted((self._docs(searcher, c, memo) for c in q.subqueries), key=len)
            return parts[0].intersection(*parts[1:]) if parts else set()
        if isinstance(q, wq.Or):
            return set().union(*(self._docs(searcher, c, memo) for c in q.subqueries))
        if isinstance(q, wq.AndNot):
            return self._docs(searcher, q.a, memo) - self._docs(searcher, q.b, memo)
        if isinstance(q, wq.Require):
            return self._docs(searcher, q.a, memo) & self._docs(searcher, q.b, memo)
        found = memo.get(q) if memo is not None else None
        if found is None:
            found = _leaf_cache_get(searcher, q)
            if found is not None and memo is not None:
                memo[q] = found
        if found is None:
            live = self._data(searcher).live
            if isinstance(q, wq.Term):
                found = _term_docs(searcher, q.fieldname, q.text, live)
            elif (isinstance(q, wq.Phrase) and q.slop == 1 and q.fieldname in _TEXT_FIELDS
                  and q.words):
                found = self._phrase_docs(searcher, q, memo)
            elif isinstance(q, wq.NumericRange) and q.fieldname in _RANGE_FIELDS:
                found = self._data(searcher).range_docs(searcher, q)
            elif isinstance(q, wq.Prefix):
                found = set()
                for text in searcher.reader().expand_prefix(q.fieldname, q.text):
                    found |= _term_docs(searcher, q.fieldname, text, live)
            else:
                found = set(searcher.docs_for_query(q))
            if memo is not None:
                memo[q] = found
            _leaf_cache_put(searcher, q, found)
        return found

    def _phrase_docs(self, searcher, q, memo) -> set[int]:
        """The documents holding the phrase's words next to one another: the
        documents holding all the words (sets), then the positions of those only."""
        words = list(q.words)
        sets = sorted((self._docs(searcher, wq.Term(q.fieldname, w), memo) for w in words),
                      key=len)
        candidates = sets[0].intersection(*sets[1:])
        if len(words) == 1 or not candidates:
            return candidates
        distinct = list(dict.fromkeys(words))
        found: set[int] = set()
        for sub, offset in searcher.leaf_searchers():
            reader = sub.reader()
            end = offset + reader.doc_count_all()
            local = sorted(d - offset for d in candidates if offset <= d < end)
            if not local:
                continue
            decode = searcher.schema[q.fieldname].format.decode_positions
            positions = {}
            for word in distinct:
                matcher = reader.postings(q.fieldname, word)
                if isinstance(matcher, FilterMatcher):  # deletions: candidates are live
                    matcher = matcher.child
                positions[word] = _values_of(matcher, local)
            rest_words = list(enumerate(words[1:], 1))
            first = positions[words[0]]
            for d in local:
                rest = [(i, set(decode(positions[w][d]))) for i, w in rest_words]
                if any(all(p + i in s for i, s in rest) for p in decode(first[d])):
                    found.add(d + offset)
        return found

    def _scores(self, searcher, text_q, matched, memo, limit: int) -> list[tuple[int, float]]:
        """The best ``limit`` of ``matched`` by relevance: the sum, over the query's
        positive words that a document holds, of the word's boost (titles weigh
        double) times its rarity (idf). Term frequency and length are left out:
        scoring every match through Whoosh's matchers costs ten times more."""
        total = max(1, searcher.doc_count())
        scores: dict[int, float] = {}
        get = scores.get
        for leaf in _positive_leaves(text_q):
            docs = self._docs(searcher, leaf, memo)
            if not docs:
                continue
            weight = getattr(leaf, "boost", 1.0) * math.log(1 + total / len(docs))
            for d in (docs & matched if len(docs) > len(matched) else docs):
                if d in matched:
                    scores[d] = get(d, 0.0) + weight
        if not scores:  # only negations or filters: no word to score
            return [(d, 0.0) for d in heapq.nsmallest(limit, matched)]
        best = heapq.nlargest(limit, scores.items(), key=lambda item: (item[1], -item[0]))
        if len(best) < limit and len(scores) < len(matched):
            rest = heapq.nsmallest(limit - len(best), matched - scores.keys())
            best += [(d, 0.0) for d in rest]
        return best

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
        unmatched = [(hit, d) for hit, d in zip(hits, docnums, strict=True) if d not in plain]
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
            by_orig = self._docs(searcher, orig_q, memo) if orig_q is not None else set()
            if describe is not None:
                label = describe(node)
            else:
                label = "{} → {}".format(sq.to_text(node.original),
                                         ", ".join(sq.to_text(a) for a in node.alternatives))
            for hit, d in unmatched:
                if d in by_alt and d not in by_orig and label not in hit.via_translation:
                    hit.via_translation.append(label)

    # -- facets ---------------------------------------------------------------

    def _facets(self, searcher, matched, request: SearchRequest, now: datetime):
        data = self._data(searcher)
        masks = data.masks()
        hits = _mask(matched, data.size)
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
                statuses[value] = (_mask(docs, data.size) & hits).bit_count()
        shown: dict[str, set[str]] = {}
        for name, values in counts.items():
            chosen = (request.selected or {}).get(name)
            shown[name] = {v for v, c in values.items() if c or v == chosen}
        names = facet_labels.facet_names(shown)
        facets = {}
        for name in FACETS:
            chosen = (request.selected or {}).get(name)
            items = [FacetValue(value=v, label=facet_labels.label(name, v, names), count=counts[name].get(v, 0),
                                selected=(v == chosen))
                     for v in shown[name]]
            if chosen and chosen not in shown[name]:
                items.append(FacetValue(value=chosen, label=facet_labels.label(name, chosen, names), count=0,
                                        selected=True))
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
        return sq.to_text(corrected) if found else None

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
        if docnum not in in_scope:
            return []  # not the caller's to look at
        data = searcher.stored_fields(docnum).get("data") or {}
        text = f"{data.get('title', '')}\n{data.get('title', '')}\n{data.get('excerpt', '')}"
        alternatives = []
        for lang in ("it", "en"):
            for term, weight in searcher.key_terms_from_text(f"body_{lang}", text, numterms=12):
                alternatives.append(wq.Term(f"body_{lang}", term, boost=weight))
                alternatives.append(wq.Term(f"title_{lang}", term, boost=weight * TITLE_BOOST))
        if not alternatives:
            return []
        candidates = (in_scope & self._docs(searcher, wq.Term("kind", kind))) - {docnum}
        if not candidates:
            return []
        empty = (set(), set(), [])
        return [self._hit(searcher.stored_fields(d), s, empty, scope.now)
                for s, d in _scored(searcher, wq.Or(alternatives), candidates, limit)]

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
        old_lock = self._hold_lock(timeout=60.0) if self._index() is not None else None
        previous = self._target()
        gen = self._new_generation()
        count = 0
        try:
            ix = index.create_in(gen, make_schema())
            if procs is None:
                procs = 2 if total >= PROCS_FROM and (os.cpu_count() or 1) > 1 else 1
            if procs > 1:
                writer = _FastMpWriter(ix, procs=procs, multisegment=True, batchsize=256)
            else:
                writer = _FastSegmentWriter(ix)
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
        ix = self._index()
        if ix is None:
            return {}
        with ix.reader() as reader:
            return {stored["key"]: stored["fingerprint"] for stored in reader.all_stored_fields()}
