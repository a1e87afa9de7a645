"""The PostgreSQL full-text search backend.

Documents live in ``search_document`` (:class:`alliance.search.models.SearchIndexEntry`)
with two ``tsvector`` columns, the title (weight A) and the body (weight B)
analysed by ``alliance_it`` and by ``alliance_en`` (Italian / English with accents
folded before the stemmer; migration 0003). A query word matches when its
Italian analysis matches ``tsv_it`` or its English analysis matches ``tsv_en``.

All SQL goes through ``db.session``: the backend is *transactional* — the sync
module writes documents inside the transaction that changes the data, so the
index changes exactly when (and only if) the data does.

How a search runs (three statements at most, whatever the page size):

1. the query's words are analysed by PostgreSQL itself (``plainto_tsquery``,
   ``phraseto_tsquery``, ``to_tsquery(... ':*')``, and prefixes also expanded
   over the word list), and checked against the word list for "did you mean";
2. one statement selects the matching documents in scope (a materialized CTE)
   and returns the page's keys, the total and every facet's counts from it;
3. one statement fetches the page's rows with their highlighted snippets
   (``ts_headline``) and what matched through a translation.

The query tree becomes SQL: each word or phrase becomes ``(tsv_it @@ CAST(:a AS
tsquery) OR tsv_en @@ CAST(:b AS tsquery))``, the tsqueries being the text of
the lexemes PostgreSQL returned in step 1 (quoted by PostgreSQL, passed as bound
parameters); AND / OR / NOT combine these (a negated part as ``key NOT IN
(...)``, so that GIN serves it too). GIN answers such conditions exactly: no row's
vectors are read to find the matching set, its total or its facets. Filters,
scope, kinds and chosen facets are plain SQL predicates with bound parameters.

Ranking reads vectors, which costs about as much per row as the rest of the
search: with relevance sort, at most ``RANK_WINDOW`` matching documents are
ranked exactly — those whose title matches first, then the newest — and ranked
by ``ts_rank_cd`` over both languages.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from markupsafe import Markup

from alliance.extensions import db
from alliance.search import facets as facet_labels
from alliance.search import glossary
from alliance.search import query as sq
from alliance.search.base import (
    FACETS,
    KINDS,
    Hit,
    Scope,
    SearchBackend,
    SearchRequest,
    SearchResults,
)
from alliance.search.documents import SearchDocument

Translated = getattr(sq, "Translated", None)

# ts_headline marks matches with these (private-use characters, removed from the
# stored text), then they become <mark> tags in text that is already escaped.
START, STOP = "\ue000", "\ue001"
HEADLINE_OPTIONS = (f"StartSel={START}, StopSel={STOP}, MaxFragments=2, MaxWords=18, "
                    "MinWords=6, FragmentDelimiter=\" … \"")
SNIPPET_CHARS = 200
# ts_rank_cd weights {D, C, B, A}: a title match (A) outweighs several body matches (B).
RANK_WEIGHTS = "{0.05, 0.1, 0.2, 1.0}"
RANK_WINDOW = 300  # matching documents ranked exactly (at least a page's worth more)
BATCH = 500  # documents per INSERT in rebuild()
PREFIX_EXPANSION = 64  # words of the word list a prefix may expand to
SUGGESTION_CANDIDATES = 20
MIN_SIMILARITY = 0.2
# While searching (see _index_scans); PostgreSQL's defaults: on, 0.0025, on, 2.
PLANNER_SETTINGS = {"enable_seqscan": "off", "cpu_operator_cost": "0.25", "jit": "off",
                    "max_parallel_workers_per_gather": "0"}

VECTORS_SQL = ("setweight(t.it, 'A') || setweight(to_tsvector('alliance_it', r.body), 'B'), "
               "setweight(t.en, 'A') || setweight(to_tsvector('alliance_en', r.body), 'B'), "
               "t.it || t.en")
COLUMNS = ("key", "kind", "object_id", "title", "body", "public", "themes", "partners",
           "partner_ids", "call", "challenge", "status", "trl", "city", "startup_id",
           "opens_at", "deadline", "created_at", "subtitle", "url_key", "fingerprint")
RECORD = ("key text, kind text, object_id int, title text, body text, public boolean, "
          "themes text[], partners text[], partner_ids int[], call text, challenge text, "
          "status text, trl int, city text, startup_id int, opens_at timestamp, "
          "deadline timestamp, created_at timestamp, subtitle text, url_key text, "
          "fingerprint text")
UPSERT_SQL = (
    f"INSERT INTO search_document ({', '.join(COLUMNS)}, tsv_it, tsv_en, title_tsv) "
    f"SELECT {', '.join('r.' + c for c in COLUMNS)}, {VECTORS_SQL} "
    f"FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r({RECORD}) "
    "CROSS JOIN LATERAL (SELECT to_tsvector('alliance_it', r.title) AS it, "
    "to_tsvector('alliance_en', r.title) AS en) AS t "
    "ON CONFLICT (key) DO UPDATE SET "
    + ", ".join(f"{c} = EXCLUDED.{c}" for c in COLUMNS[1:] + ("tsv_it", "tsv_en", "title_tsv"))
)
WORDS_SQL = (
    "INSERT INTO search_word (word) "
    "SELECT w FROM unnest(CAST(:words AS text[])) AS w "
    "WHERE NOT EXISTS (SELECT 1 FROM search_word s WHERE s.word = w) ORDER BY w"
)

_WORD = re.compile(r"\w+", re.UNICODE)


# -- text ------------------------------------------------------------------------


def fold(text: str) -> str:
    """Lower case without accents (the word list's form; like ``unaccent``)."""
    from alliance.search.analysis import fold as analysis_fold

    return analysis_fold(text)


def _plain(markdown: str) -> str:
    from alliance.search.analysis import plain_text

    return plain_text(markdown)


def _fingerprints(docs: list[SearchDocument]) -> list[str]:
    return [doc.fingerprint() for doc in docs]


def stored_body(body: str) -> str:
    """The body as stored and analysed: Markdown made plain, ``& < >`` escaped.

    ``ts_headline`` copies its input into the snippet (and drops what its parser
    takes for HTML tags); fed escaped text it can only return escaped text, and
    entities are single tokens it never cuts. Our marker characters are removed.
    """
    text = _plain(body or "").replace(START, " ").replace(STOP, " ")
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def words_of(doc: SearchDocument) -> set[str]:
    """The words of a document for the word list ("did you mean", prefixes)."""
    return {word for word in set(_WORD.findall(fold(f"{doc.title}\n{doc.body}")))
            if 2 < len(word) <= 40 and not word.isdigit() and "_" not in word}


def _naive(value: datetime | None) -> str | None:
    if value is None:
        return None
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat()


def _aware(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def _utc_param(value: datetime) -> datetime:
    """A datetime to compare with the ``timestamp`` (UTC, without zone) columns."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _row(doc: SearchDocument, fingerprint: str) -> dict:
    return {
        "key": doc.key, "kind": doc.kind, "object_id": doc.object_id,
        "title": (doc.title or "").replace(START, " ").replace(STOP, " "),
        "body": stored_body(doc.body), "public": bool(doc.public),
        "themes": list(doc.themes), "partners": list(doc.partners),
        "partner_ids": [int(i) for i in doc.partner_ids], "call": doc.call,
        "challenge": doc.challenge, "status": doc.status or "", "trl": doc.trl,
        "city": doc.city, "startup_id": doc.startup_id, "opens_at": _naive(doc.opens_at),
        "deadline": _naive(doc.deadline), "created_at": _naive(doc.created_at),
        "subtitle": doc.subtitle or "", "url_key": getattr(doc, "url_key", "") or "",
        "fingerprint": fingerprint,
    }


def _tsquery_literal(lexeme: str) -> str:
    """A lexeme quoted for tsquery input."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"


def _any_of(parts: Iterable[str | None]) -> str | None:
    unique: list[str] = []
    for part in parts:
        if part and part not in unique:
            unique.append(part)
    if not unique:
        return None
    return unique[0] if len(unique) == 1 else "(" + " | ".join(f"({p})" for p in unique) + ")"


def _like_prefix(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


# -- the query tree as SQL -------------------------------------------------------


def _is_text(node) -> bool:
    """True for a part made only of words (it becomes one tsquery)."""
    if isinstance(node, (sq.Term, sq.Phrase)):
        return True
    if Translated is not None and isinstance(node, Translated):
        return True
    if isinstance(node, (sq.And, sq.Or)):
        return all(_is_text(c) for c in node.children)
    if isinstance(node, sq.Not):
        return _is_text(node.child)
    return False


def _leaves(node, found: list) -> list:
    """Every Term and Phrase of the tree (negated ones and translations too)."""
    if isinstance(node, (sq.Term, sq.Phrase)):
        found.append(node)
    elif Translated is not None and isinstance(node, Translated):
        _leaves(node.original, found)
        for alternative in node.alternatives:
            _leaves(alternative, found)
    elif isinstance(node, (sq.And, sq.Or)):
        for child in node.children:
            _leaves(child, found)
    elif isinstance(node, sq.Not):
        _leaves(node.child, found)
    return found


def _positive(node):
    """The tree without its negated parts and filters (what ranks and highlights)."""
    if node is None or isinstance(node, (sq.Filter, sq.Not)):
        return None
    if isinstance(node, (sq.Term, sq.Phrase)):
        return node
    if Translated is not None and isinstance(node, Translated):
        return node
    if isinstance(node, (sq.And, sq.Or)):
        children = [c for c in (_positive(c) for c in node.children) if c is not None]
        if not children:
            return None
        return children[0] if len(children) == 1 else type(node)(tuple(children))
    return None


def _phase_sql(now: str, prefix: str = "") -> str:
    """doc.phase(now) in SQL."""
    status, opens_at, deadline = (f"{prefix}{c}" for c in ("status", "opens_at", "deadline"))
    return (f"(CASE WHEN {status} = 'published' AND {opens_at} IS NOT NULL "
            f"AND {deadline} IS NOT NULL THEN CASE WHEN {now} < {opens_at} THEN 'upcoming' "
            f"WHEN {now} < {deadline} THEN 'open' ELSE 'closed' END ELSE {status} END)")


class _Sql:
    """Bound parameters for one statement, and the query tree compiled to SQL."""

    def __init__(self, now: datetime, lexemes: dict | None = None, params: dict | None = None):
        # Two compilers may share one statement's parameters (names stay unique).
        self.params: dict[str, object] = {} if params is None else params
        self.lexemes = lexemes or {}
        self.now = self.bind(_utc_param(now))

    def bind(self, value, cast: str | None = None) -> str:
        name = f"p{len(self.params)}"
        self.params[name] = value
        return f"CAST(:{name} AS {cast})" if cast else f":{name}"

    # words
    def text(self, node, lang: str) -> str | None:
        """The tsquery (as tsquery input text) of ``lang`` ("it" / "en") for a
        part made only of words; None when nothing is left of it (stopwords)."""
        if isinstance(node, (sq.Term, sq.Phrase)):
            it, en = self.lexemes.get(node) or (None, None)
            return it if lang == "it" else en
        if Translated is not None and isinstance(node, Translated):
            return _any_of([self.text(node.original, lang),
                            *(self.text(a, lang) for a in node.alternatives)])
        if isinstance(node, sq.Not):
            inner = self.text(node.child, lang)
            return None if inner is None else f"!({inner})"
        if isinstance(node, (sq.And, sq.Or)):
            parts = [p for p in (self.text(c, lang) for c in node.children) if p]
            if not parts:
                return None
            joiner = " & " if isinstance(node, sq.And) else " | "
            return parts[0] if len(parts) == 1 else "(" + joiner.join(f"({p})" for p in parts) + ")"
        return None

    def matches(self, node) -> str | None:
        """A word or phrase: its Italian lexemes in the Italian vector or its
        English lexemes in the English one."""
        it, en = self.lexemes.get(node) or (None, None)
        parts = []
        if it:
            parts.append(f"tsv_it @@ {self.bind(it, 'tsquery')}")
        if en:
            parts.append(f"tsv_en @@ {self.bind(en, 'tsquery')}")
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else f"({parts[0]} OR {parts[1]})"

    # the whole tree
    def condition(self, node) -> str | None:
        """A boolean SQL expression for the tree; None when it constrains nothing
        (an empty query, only stopwords)."""
        if node is None:
            return None
        if isinstance(node, (sq.Term, sq.Phrase)):
            return self.matches(node)
        if Translated is not None and isinstance(node, Translated):
            return self.combine(" OR ", [node.original, *node.alternatives])
        if isinstance(node, sq.Filter):
            return self.filter(node)
        if isinstance(node, sq.Not):
            inner = self.condition(node.child)
            if inner is None:
                return None
            if _is_text(node.child):  # the index finds what to leave out
                return f"key NOT IN (SELECT key FROM search_document WHERE {inner})"
            return f"NOT COALESCE(({inner}), false)"
        if isinstance(node, (sq.And, sq.Or)):
            return self.combine(" AND " if isinstance(node, sq.And) else " OR ", node.children)
        return None

    def combine(self, joiner: str, nodes) -> str | None:
        parts = [p for p in (self.condition(c) for c in nodes) if p is not None]
        if not parts:
            return None
        return parts[0] if len(parts) == 1 else "(" + joiner.join(f"({p})" for p in parts) + ")"

    def filter(self, node: sq.Filter) -> str:
        name, value = node.field, node.value
        if name == "status":
            return self.status(str(value))
        if name == "trl":
            return self.trl(node.op, value)
        if name in ("theme", "sector"):
            return f"themes @> {self.bind([str(value)], 'text[]')}"
        if name == "partner":
            return f"partners @> {self.bind([str(value)], 'text[]')}"
        if name in ("kind", "call", "challenge", "city"):
            return f"COALESCE({name} = {self.bind(str(value))}, false)"
        return "false"

    def status(self, value: str) -> str:
        if value in ("open", "upcoming", "closed"):
            return f"{_phase_sql(self.now)} = {self.bind(value)}"
        return f"status = {self.bind(value)}"

    def trl(self, op: str, value) -> str:
        try:
            if op == "range":
                lo, hi = (int(v) for v in value)
                return f"COALESCE(trl BETWEEN {self.bind(lo)} AND {self.bind(hi)}, false)"
            if op not in ("=", ">=", "<=", ">", "<"):
                return "false"
            return f"COALESCE(trl {op} {self.bind(int(value))}, false)"
        except (TypeError, ValueError):
            return "false"

    # scope, kinds, chosen facet values
    def scope(self, scope: Scope) -> str | None:
        """:meth:`Scope.allows` in SQL (None: everything)."""
        if scope.everything:
            return None
        parts = ["public"]
        if scope.startup_id is not None:
            parts.append(f"(kind IN ('startup', 'proposal') AND startup_id = "
                         f"{self.bind(int(scope.startup_id))})")
        if scope.partner_id is not None:
            partner = self.bind([int(scope.partner_id)], "int[]")
            parts.append(f"(kind = 'challenge' AND partner_ids @> {partner})")
            parts.append(f"(kind = 'proposal' AND partner_ids @> {partner} "
                         f"AND status = 'submitted' AND deadline <= {self.now})")
        if scope.proposal_ids:
            ids = self.bind(sorted(int(i) for i in scope.proposal_ids), "int[]")
            parts.append(f"(kind = 'proposal' AND object_id = ANY({ids}))")
        allowed = "(" + " OR ".join(parts) + ")"
        if scope.excluded_proposal_ids:
            excluded = self.bind(sorted(int(i) for i in scope.excluded_proposal_ids), "int[]")
            allowed = (f"({allowed} AND NOT (kind = 'proposal' "
                       f"AND object_id = ANY({excluded})))")
        return allowed

    def selected(self, name: str, value: str) -> str | None:
        value = str(value).lower()
        if name == "kind":
            return f"kind = {self.bind(value)}"
        if name == "theme":
            return f"themes @> {self.bind([value], 'text[]')}"
        if name == "partner":
            return f"partners @> {self.bind([value], 'text[]')}"
        if name in ("call", "challenge"):
            return f"COALESCE({name} = {self.bind(value)}, false)"
        if name == "challenge_status":
            return f"(kind = 'challenge' AND {_phase_sql(self.now)} = {self.bind(value)})"
        if name == "proposal_status":
            return f"(kind = 'proposal' AND status = {self.bind(value)})"
        if name == "trl":
            return f"trl = {self.bind(int(value))}" if value.isascii() and value.isdigit() else "false"
        return None  # not a facet: ignored

    def where(self, root, request: SearchRequest, scope: Scope) -> str:
        parts = [self.scope(scope)]
        kinds = tuple(request.kinds) if request.kinds is not None else KINDS
        if set(kinds) != set(KINDS):
            parts.append(f"kind = ANY({self.bind([str(k) for k in kinds], 'text[]')})")
        for name, value in (request.selected or {}).items():
            if value not in (None, ""):
                parts.append(self.selected(name, value))
        parts.append(self.condition(root))
        parts = [p for p in parts if p is not None]
        return " AND ".join(f"({p})" for p in parts) if parts else "true"


def _score_sql(sql: _Sql, rank_it: str | None, rank_en: str | None, prefix: str = "") -> str:
    """``ts_rank_cd`` over both languages (each vector against its language's query)."""
    parts = []
    for vector, tsquery in (("tsv_it", rank_it), ("tsv_en", rank_en)):
        if tsquery:
            parts.append(f"ts_rank_cd(CAST('{RANK_WEIGHTS}' AS float4[]), {prefix}{vector}, "
                         f"{sql.bind(tsquery, 'tsquery')})")
    return " + ".join(parts) if parts else "CAST(0 AS float4)"


# -- the query as text (for "did you mean") --------------------------------------


def _distance(a: str, b: str) -> int:
    """Edit distance with transpositions (optimal string alignment)."""
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        previous2, previous = previous, current
    return previous[-1]


# -- facet labels ------------------------------------------------------------------


# -- the backend ---------------------------------------------------------------------


@dataclass
class _Analysed:
    """What step 1 learnt about the query's words."""

    lexemes: dict = field(default_factory=dict)  # Term/Phrase -> tsquery text or None
    unknown: list[str] = field(default_factory=list)  # words not in the word list


def _execute(sql: str, params: dict | None = None):
    return db.session.execute(sa.text(sql), params or {})


@contextmanager
def _index_scans(wanted: bool = True):
    """Plan the statements inside for GIN (settings local to the transaction,
    restored after).

    The planner prices ``@@`` like any cheap operator, so for a common word it
    prefers reading the whole table, evaluating ``@@`` on every row's vectors
    (from TOAST) — several times slower than GIN's exact bitmaps; and it would
    rather filter the rows of one word's bitmap with the other words than AND
    their bitmaps. Operators made costlier (reading a vector is) set it right.
    The costlier plans must not bring JIT compilation (seconds) or parallel
    workers (their start-up costs more than these short statements).
    """
    if not wanted:
        yield
        return
    names = list(PLANNER_SETTINGS)
    current = ", ".join(f"current_setting('{name}')" for name in names)
    changes = ", ".join(f"set_config('{name}', :v{i}, true)" for i, name in enumerate(names))
    old = _execute(f"SELECT {current}, {changes}",
                   {f"v{i}": PLANNER_SETTINGS[name] for i, name in enumerate(names)}).first()
    yield  # on an error the transaction is rolled back, and the settings with it
    restore = ", ".join(f"set_config('{name}', :v{i}, true)" for i, name in enumerate(names))
    _execute(f"SELECT {restore}", {f"v{i}": old[i] for i in range(len(names))})


def _has_words(analysed: _Analysed) -> bool:
    return any(it or en for it, en in analysed.lexemes.values())


class PostgresBackend(SearchBackend):
    """PostgreSQL full-text search over the ``search_document`` table."""

    name = "postgres"
    transactional = True  # write() runs inside the transaction that changes the data

    # -- writing ----------------------------------------------------------------

    def write(self, documents: Iterable[SearchDocument], deleted: Iterable[str] = ()) -> None:
        """Add or replace ``documents`` and remove the ``deleted`` keys, in the
        current transaction (keys in a fixed order, so that concurrent writers
        touching the same documents wait for each other instead of deadlocking)."""
        docs = sorted({doc.key: doc for doc in documents}.values(), key=lambda d: d.key)
        keys = {doc.key for doc in docs}
        gone = sorted(set(deleted) - keys)
        if gone:
            _execute("DELETE FROM search_document WHERE key = ANY(CAST(:keys AS text[]))",
                     {"keys": gone})
        if docs:
            self._insert(docs)
            words: set[str] = set()
            for doc in docs:
                words |= words_of(doc)
            if words:
                _execute(WORDS_SQL, {"words": sorted(words)})

    @staticmethod
    def _insert(docs: list[SearchDocument]) -> None:
        rows = json.dumps([_row(doc, fp) for doc, fp in zip(docs, _fingerprints(docs),
                                                             strict=True)], ensure_ascii=False)
        _execute(UPSERT_SQL, {"rows": rows})

    def rebuild(self, documents: Iterator[SearchDocument], total: int, progress=None) -> int:
        """Replace the whole index, in the current transaction (the caller commits).

        ``TRUNCATE``, the secondary indexes dropped, one ``INSERT ... SELECT``
        per batch of documents, the indexes made again and the table analysed;
        the word list is rebuilt alongside, without duplicates. Readers wait for
        the commit (``TRUNCATE`` locks the table): meant for ``flask search rebuild``.
        """
        _execute("TRUNCATE search_document, search_word")
        # Building an index once over all rows is much faster than updating it row
        # by row: set the secondary indexes aside, and make them again at the end.
        indexes = _execute(
            "SELECT c.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
            "JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE i.indrelid = CAST('search_document' AS regclass) AND NOT i.indisprimary"
        ).all()
        for name, _definition in indexes:
            _execute(f'DROP INDEX "{name}"')
        count = 0
        seen_words: set[str] = set()
        batch: list[SearchDocument] = []

        def flush():
            nonlocal count
            unique = sorted({doc.key: doc for doc in batch}.values(), key=lambda d: d.key)
            self._insert(unique)
            new_words: set[str] = set()
            for doc in unique:
                new_words |= words_of(doc)
            new_words -= seen_words
            if new_words:
                _execute("INSERT INTO search_word (word) "
                         "SELECT unnest(CAST(:words AS text[]))", {"words": sorted(new_words)})
                seen_words.update(new_words)
            count += len(batch)
            batch.clear()
            if progress is not None:
                progress(count)

        for doc in documents:
            batch.append(doc)
            if len(batch) >= BATCH:
                flush()
        if batch:
            flush()
        elif progress is not None:
            progress(count)
        for _name, definition in indexes:
            _execute(definition)
        _execute("ANALYZE search_document")
        return count

    def fingerprints(self) -> dict[str, str]:
        return dict(_execute("SELECT key, fingerprint FROM search_document").all())

    def ensure(self) -> bool:
        """True when the index is empty while there are documents to index (e.g.
        just switched to this backend): the start-up check then rebuilds it."""
        if _execute("SELECT EXISTS (SELECT 1 FROM search_document)").scalar():
            return False
        from alliance.search.documents import count_documents

        return count_documents() > 0

    # -- searching ----------------------------------------------------------------

    def search(self, request: SearchRequest, scope: Scope) -> SearchResults:
        per_page = max(1, int(request.per_page or 20))
        page = max(1, int(request.page or 1))
        warnings = [str(w) for w in request.query.warnings]
        original = request.query
        expanded = self._expand(original) if request.expand_translations else original
        analysed = self._analyse(expanded.root, original.root)
        sql = _Sql(scope.now, analysed.lexemes)
        where = sql.where(expanded.root, request, scope)
        positive = _positive(expanded.root)
        rank_it = sql.text(positive, "it") if positive is not None else None
        rank_en = sql.text(positive, "en") if positive is not None else None

        # 2. matching set: page, total and facets in one statement
        relevance = request.sort not in ("deadline", "newest")
        limit, offset = sql.bind(per_page), sql.bind((page - 1) * per_page)
        ranked = relevance and (rank_it or rank_en)
        title_match = "false"
        if ranked:
            title_match = f"title_tsv @@ {sql.bind(_any_of([rank_it, rank_en]), 'tsquery')}"
        ctes = [
            "m AS MATERIALIZED (SELECT key, kind, themes, partners, call, status, trl, "
            f"opens_at, deadline, created_at, {title_match} AS title_match "
            f"FROM search_document WHERE {where})",
        ]
        if ranked:
            # The window: title matches first, then the newest; ranked exactly.
            window = sql.bind(max(RANK_WINDOW, page * per_page))
            score = _score_sql(sql, rank_it, rank_en, "d.")
            order = "score DESC, created_at DESC NULLS LAST, key"
            ctes += [
                "w AS (SELECT key, created_at FROM m ORDER BY title_match DESC, "
                f"created_at DESC NULLS LAST, key LIMIT {window})",
                f"page AS (SELECT w.key, w.created_at, {score} AS score FROM w "
                f"JOIN search_document AS d ON d.key = w.key ORDER BY {order} "
                f"LIMIT {limit} OFFSET {offset})",
            ]
        else:
            order = {
                "deadline": "deadline ASC NULLS LAST, created_at DESC NULLS LAST, key",
                "newest": "created_at DESC NULLS LAST, key",
            }.get(request.sort, "created_at DESC NULLS LAST, key")
            ctes.append(f"page AS (SELECT key, deadline, created_at, CAST(0 AS float4) AS score "
                        f"FROM m ORDER BY {order} LIMIT {limit} OFFSET {offset})")
        parts = [
            f"SELECT 'h' AS part, key AS value, row_number() OVER (ORDER BY {order}) AS n, "
            "score FROM page",
            "SELECT 't', NULL, count(*), NULL FROM m",
        ]
        if request.with_facets:
            phase = _phase_sql(sql.now)
            parts += [
                # one pass for the single-valued facets ...
                "SELECT CASE WHEN GROUPING(kind) = 0 THEN 'kind' WHEN GROUPING(call) = 0 "
                "THEN 'call' WHEN GROUPING(trl) = 0 THEN 'trl' WHEN GROUPING(cphase) = 0 "
                "THEN 'challenge_status' ELSE 'proposal_status' END, "
                "COALESCE(kind, call, trl::text, cphase, pstatus), count(*), NULL "
                "FROM (SELECT kind, call, trl, "
                f"CASE WHEN kind = 'challenge' THEN {phase} END AS cphase, "
                "CASE WHEN kind = 'proposal' THEN status END AS pstatus FROM m) AS g "
                "GROUP BY GROUPING SETS ((kind), (call), (trl), (cphase), (pstatus))",
                # ... and the arrays
                "SELECT 'theme', t, count(*), NULL FROM (SELECT unnest(themes) AS t FROM m) AS a "
                "GROUP BY t",
                "SELECT 'partner', p, count(*), NULL FROM (SELECT unnest(partners) AS p FROM m) "
                "AS a GROUP BY p",
            ]
        statement = "WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(parts)
        page_keys: list[tuple[int, str, float]] = []
        total = 0
        counts: dict[str, dict[str, int]] = {name: {} for name in FACETS}
        with _index_scans(_has_words(analysed)):
            rows = _execute(statement, sql.params).all()
        for part, value, n, row_score in rows:
            if part == "h":
                page_keys.append((n, value, float(row_score or 0.0)))
            elif part == "t":
                total = int(n)
            elif value is not None and part in counts:
                counts[part][value] = int(n)
        page_keys.sort()

        # 3. the page's rows, snippets and translations
        hits = self._hits([key for _, key, _ in page_keys], {k: s for _, k, s in page_keys},
                          scope, request, original, expanded, analysed.lexemes,
                          (rank_it, rank_en), relevance)
        facets = self._facets(counts, request) if request.with_facets else {}
        suggestion = None
        if analysed.unknown:
            suggestion = self._suggest(original, analysed.unknown, request, scope)
        return SearchResults(hits=hits, total=total, page=page, per_page=per_page,
                             facets=facets, suggestion=suggestion, warnings=warnings)

    @staticmethod
    def _expand(parsed: sq.ParsedQuery) -> sq.ParsedQuery:
        if parsed.root is None:
            return parsed
        try:
            from alliance.search import glossary
        except ImportError:
            return parsed
        expanded = glossary.expand(parsed)
        return expanded[0] if isinstance(expanded, tuple) else expanded

    def _analyse(self, root, original_root=None) -> _Analysed:
        """Step 1: each Term and Phrase as PostgreSQL analyses it (one statement,
        two with prefixes), and the typed words missing from the word list."""
        result = _Analysed()
        leaves = list(dict.fromkeys(_leaves(root, []) if root is not None else []))
        if not leaves:
            return result
        texts, modes = [], []
        for leaf in leaves:
            if isinstance(leaf, sq.Phrase):
                texts.append(" ".join(leaf.words))
                modes.append("phrase")
            elif leaf.prefix:
                texts.append(_tsquery_literal(leaf.text) + ":*")
                modes.append("prefix")
            else:
                texts.append(leaf.text)
                modes.append("word")
        # Words typed by the user (not translations) that may be misspelt.
        typed = []
        if original_root is not None:
            for leaf in dict.fromkeys(_leaves(_positive(original_root), [])):
                words = ([leaf.text] if isinstance(leaf, sq.Term) and not leaf.prefix
                         else list(leaf.words) if isinstance(leaf, sq.Phrase) else [])
                for word in words:
                    folded = fold(word)
                    if len(folded) >= 3 and not folded.isdigit() and _WORD.fullmatch(folded):
                        typed.append((word, folded))
        rows = _execute(
            "SELECT t.i, "
            "CASE t.mode WHEN 'phrase' THEN phraseto_tsquery('alliance_it', t.txt)::text "
            "WHEN 'prefix' THEN to_tsquery('alliance_it', t.txt)::text "
            "ELSE plainto_tsquery('alliance_it', t.txt)::text END, "
            "CASE t.mode WHEN 'phrase' THEN phraseto_tsquery('alliance_en', t.txt)::text "
            "WHEN 'prefix' THEN to_tsquery('alliance_en', t.txt)::text "
            "ELSE plainto_tsquery('alliance_en', t.txt)::text END "
            "FROM unnest(CAST(:txt AS text[]), CAST(:mode AS text[])) "
            "WITH ORDINALITY AS t(txt, mode, i) "
            "UNION ALL "
            "SELECT -w.i, w.word, NULL FROM unnest(CAST(:typed AS text[])) "
            "WITH ORDINALITY AS w(word, i) "
            "WHERE NOT EXISTS (SELECT 1 FROM search_word s WHERE s.word = w.word)",
            {"txt": texts, "mode": modes, "typed": [f for _, f in typed]},
        ).all()
        prefixes = {}
        for i, it, en in rows:
            if i < 0:
                word = typed[-i - 1][0]
                if word not in result.unknown:
                    result.unknown.append(word)
                continue
            leaf = leaves[i - 1]
            result.lexemes[leaf] = (it or None, en or None)
            if modes[i - 1] == "prefix":
                prefixes[i] = leaf
        if prefixes:
            self._expand_prefixes(prefixes, result)
        return result

    @staticmethod
    def _expand_prefixes(prefixes: dict, result: _Analysed) -> None:
        """A prefix also matches the words of the word list that start with it, by
        their stems: the stem of a cut word ("mobilit") is not always a prefix of
        the stem of the whole word ("mobilità" -> "mobil")."""
        order = list(prefixes)
        rows = _execute(
            "SELECT p.i, "
            "string_agg(DISTINCT NULLIF(plainto_tsquery('alliance_it', w.word)::text, ''), ' | '), "
            "string_agg(DISTINCT NULLIF(plainto_tsquery('alliance_en', w.word)::text, ''), ' | ') "
            "FROM unnest(CAST(:pats AS text[])) WITH ORDINALITY AS p(pat, i) "
            "CROSS JOIN LATERAL (SELECT DISTINCT word FROM search_word "
            "WHERE word LIKE p.pat ORDER BY word LIMIT :n) AS w "
            "GROUP BY p.i",
            {"pats": [_like_prefix(fold(prefixes[i].text)) for i in order],
             "n": PREFIX_EXPANSION},
        ).all()
        for p, it, en in rows:
            leaf = prefixes[order[p - 1]]
            own_it, own_en = result.lexemes.get(leaf) or (None, None)
            result.lexemes[leaf] = (_any_of([own_it, it]), _any_of([own_en, en]))

    def _hits(self, keys: list[str], scores: dict[str, float], scope: Scope,
              request: SearchRequest, original, expanded, lexemes: dict, rank: tuple,
              relevance: bool) -> list[Hit]:
        if not keys:
            return []
        sql = _Sql(scope.now, {})
        columns = ["key", "kind", "object_id", "title", "subtitle", "url_key", "deadline",
                   f"{_phase_sql(sql.now)} AS phase", "left(body, 1000) AS head"]
        if not relevance and any(rank):
            columns.append(f"{_score_sql(sql, *rank)} AS score")
        else:
            columns.append("NULL AS score")
        joins = ""
        # Highlights: the Italian analysis of the body against the Italian lexemes;
        # where that marks nothing, the English one against the English lexemes.
        words = _Sql(scope.now, lexemes, params=sql.params)
        positive = _positive(expanded.root)
        q_it = words.text(positive, "it") if positive is not None else None
        q_en = words.text(positive, "en") if positive is not None else None
        if request.with_snippets and (q_it or q_en):
            options = sql.bind(HEADLINE_OPTIONS)
            en = (f"ts_headline('alliance_en', body, {sql.bind(q_en, 'tsquery')}, {options})"
                  if q_en else "NULL")
            if q_it:
                columns.append(f"CASE WHEN strpos(h.it, {sql.bind(START)}) > 0 THEN h.it "
                               f"ELSE {en} END AS snippet")
                joins = (f" CROSS JOIN LATERAL (SELECT ts_headline('alliance_it', body, "
                         f"{sql.bind(q_it, 'tsquery')}, {options}) AS it) AS h")
            else:
                columns.append(f"{en} AS snippet")
        else:
            columns.append("NULL AS snippet")
        # Which hits matched only through a glossary translation: the whole query
        # as typed (without translations) tells whether a hit needs any; then each
        # translated part's original and alternatives.
        translations = []
        if expanded is not original and Translated is not None:
            plain = words.condition(original.root)
            columns.append(f"COALESCE(({plain}), false) AS plain" if plain else "false AS plain")
            for node in self._translated(expanded.root):
                alt = words.combine(" OR ", node.alternatives)
                orig = words.condition(node.original)
                if alt is None:
                    continue
                n = len(translations)
                columns.append(f"COALESCE(({alt}), false) AS alt{n}")
                columns.append(f"COALESCE(({orig}), false) AS orig{n}" if orig
                               else f"false AS orig{n}")
                translations.append(node)
        statement = (f"SELECT {', '.join(columns)} FROM search_document{joins} "
                     f"WHERE key = ANY({sql.bind(keys, 'text[]')})")
        rows = {row.key: row for row in _execute(statement, sql.params)}
        describe = self._describer()
        hits = []
        for key in keys:
            row = rows.get(key)
            if row is None:
                continue
            score = scores.get(key, 0.0) if relevance else float(row.score or 0.0)
            hit = Hit(kind=row.kind, object_id=row.object_id, title=row.title,
                      snippet=self._snippet(row.snippet, row.head), score=score,
                      subtitle=row.subtitle, status=row.phase, deadline=_aware(row.deadline))
            if hasattr(hit, "url_key"):
                hit.url_key = row.url_key
            if translations and not row.plain:
                for n, node in enumerate(translations):
                    if getattr(row, f"alt{n}") and not getattr(row, f"orig{n}"):
                        label = describe(node)
                        if label not in hit.via_translation:
                            hit.via_translation.append(label)
            hits.append(hit)
        return hits

    @staticmethod
    def _translated(root) -> list:
        found = []

        def walk(node, negated=False):
            if Translated is not None and isinstance(node, Translated):
                if not negated:
                    found.append(node)
            elif isinstance(node, (sq.And, sq.Or)):
                for child in node.children:
                    walk(child, negated)
            elif isinstance(node, sq.Not):
                walk(node.child, not negated)

        if root is not None:
            walk(root)
        return found

    @staticmethod
    def _describer():
        try:
            from alliance.search.glossary import describe
        except ImportError:
            describe = None
        if describe is not None:
            return describe
        return lambda node: "{} → {}".format(
            sq.to_text(node.original), ", ".join(sq.to_text(a) for a in node.alternatives))

    @staticmethod
    def _snippet(headline: str | None, head: str | None) -> Markup:
        """The highlighted snippet; the start of the body when nothing in it matched.
        Both come from the stored body, which is escaped text."""
        if headline and START in headline:
            text = headline.strip()
            text = text.replace(START, "<mark>").replace(STOP, "</mark>")
            return Markup(text)
        text = (head or "").replace(START, "").replace(STOP, "")
        if len(text) > SNIPPET_CHARS:
            cut = text.rfind(" ", 0, SNIPPET_CHARS)
            text = text[:cut if cut > SNIPPET_CHARS // 2 else SNIPPET_CHARS]
            # never end inside an entity (&amp; ...)
            amp = text.rfind("&")
            if amp != -1 and ";" not in text[amp:]:
                text = text[:amp]
            text = text.rstrip() + "…"
        return Markup(text)

    def _facets(self, counts: dict[str, dict[str, int]], request: SearchRequest) -> dict:
        from alliance.search.base import FacetValue

        chosen_values = request.selected or {}
        shown = {name: set(values) | ({chosen_values[name]} if chosen_values.get(name) else set())
                 for name, values in counts.items()}
        names = facet_labels.facet_names(shown)
        facets = {}
        for name in FACETS:
            chosen = chosen_values.get(name)
            items = [FacetValue(value=v, label=facet_labels.label(name, v, names),
                                count=counts[name].get(v, 0), selected=(v == chosen))
                     for v in shown[name]]
            items.sort(key=lambda f: (-f.count, f.label.lower()))
            facets[name] = items
        return facets

    # -- "did you mean" -------------------------------------------------------------

    def _suggest(self, parsed: sq.ParsedQuery, unknown: list[str], request: SearchRequest,
                 scope: Scope) -> str | None:
        """For words missing from the word list, the closest known words (trigrams
        narrow, edit distance decides), if the corrected query finds something in scope."""
        candidates: dict[str, list[str]] = {}
        for word in unknown:
            if glossary.lookup(word):  # found through its translation, not misspelt
                continue
            folded = fold(word)
            rows = _execute(
                "SELECT word, similarity(word, :w) AS s FROM ("
                "SELECT word FROM search_word ORDER BY word <-> :w LIMIT :n) AS c "
                "GROUP BY word ORDER BY s DESC, word",
                {"w": folded, "n": SUGGESTION_CANDIDATES},
            ).all()
            limit = 1 if len(folded) <= 4 else 2
            ranked = sorted(
                ((_distance(folded, w), -s, w) for w, s in rows
                 if w != folded and (s >= MIN_SIMILARITY or _distance(folded, w) <= 1)),
            )
            options = [w for d, _, w in ranked if d <= limit]
            if options:
                candidates[word] = options[:3]
        if not candidates:
            return None
        for attempt in range(3):
            fixes = {w: opts[min(attempt, len(opts) - 1)] for w, opts in candidates.items()}
            corrected = sq.ParsedQuery(root=sq.replace_words(parsed.root, fixes))
            if self._count(corrected, request, scope, expand=request.expand_translations):
                return sq.to_text(corrected.root)
            if all(len(opts) <= attempt + 1 for opts in candidates.values()):
                break
        return None

    def _count(self, parsed: sq.ParsedQuery, request: SearchRequest, scope: Scope,
               expand: bool) -> int:
        expanded = self._expand(parsed) if expand else parsed
        sql = _Sql(scope.now, self._analyse(expanded.root).lexemes)
        check = SearchRequest(query=expanded, kinds=request.kinds, selected=request.selected)
        where = sql.where(expanded.root, check, scope)
        with _index_scans():
            return int(_execute(f"SELECT count(*) FROM (SELECT 1 FROM search_document "
                                f"WHERE {where} LIMIT 1) AS x", sql.params).scalar())

    # -- similar items ----------------------------------------------------------------

    def similar(self, kind: str, object_id: int, scope: Scope, limit: int = 5) -> list[Hit]:
        """The same kind's documents sharing the most of this one's weightiest
        lexemes (title words count three times), in scope, itself excluded."""
        key = f"{kind}:{object_id}"
        sql = _Sql(scope.now)
        allowed = sql.scope(scope)
        source = sql.bind(key)
        visible = _execute(f"SELECT EXISTS (SELECT 1 FROM search_document WHERE key = {source}"
                           + (f" AND {allowed}" if allowed else "") + ")", sql.params).scalar()
        if not visible:
            return []  # not indexed, or not the caller's to look at
        queries = {}
        for vector in ("tsv_it", "tsv_en"):
            lexemes = _execute(
                f"SELECT u.lexeme FROM search_document d, unnest(d.{vector}) AS u "
                "WHERE d.key = :key AND length(u.lexeme) > 2 AND u.lexeme !~ '^[0-9]+$' "
                "ORDER BY (SELECT sum(CASE w WHEN 'A' THEN 3 ELSE 1 END) "
                "FROM unnest(u.weights) AS w) DESC, u.lexeme LIMIT 16",
                {"key": key},
            ).scalars().all()
            if lexemes:
                queries[vector] = " | ".join(_tsquery_literal(lexeme) for lexeme in lexemes)
        if not queries:
            return []
        q_it, q_en = queries.get("tsv_it"), queries.get("tsv_en")
        match = " OR ".join(f"{vector} @@ {sql.bind(q, 'tsquery')}"
                            for vector, q in queries.items())
        where = [f"({match})", f"kind = {sql.bind(kind)}", f"key <> {source}"]
        if allowed:
            where.append(allowed)
        # As for searches: a window of candidates (title overlap first) ranked exactly.
        title_q = sql.bind(_any_of([q_it, q_en]), "tsquery")
        score = _score_sql(sql, q_it, q_en, "d.")
        with _index_scans():
            rows = self._similar_rows(sql, where, title_q, score, limit)
        hits = []
        for row in rows:
            hit = Hit(kind=row.kind, object_id=row.object_id, title=row.title,
                      snippet=self._snippet(None, row.head), score=float(row.score),
                      subtitle=row.subtitle, status=row.phase, deadline=_aware(row.deadline))
            if hasattr(hit, "url_key"):
                hit.url_key = row.url_key
            hits.append(hit)
        return hits

    @staticmethod
    def _similar_rows(sql: _Sql, where: list[str], title_q: str, score: str, limit: int):
        return _execute(
            f"WITH w AS (SELECT key FROM search_document WHERE {' AND '.join(where)} "
            f"ORDER BY title_tsv @@ {title_q} DESC, created_at DESC NULLS LAST, key "
            f"LIMIT {sql.bind(RANK_WINDOW)}) "
            "SELECT d.kind, d.object_id, d.title, d.subtitle, d.url_key, d.deadline, "
            "left(d.body, 1000) AS head, "
            f"{_phase_sql(sql.now, 'd.')} AS phase, "
            f"{score} AS score FROM w JOIN search_document AS d ON d.key = w.key "
            f"ORDER BY score DESC, d.key LIMIT {sql.bind(int(limit))}",
            sql.params,
        ).all()
