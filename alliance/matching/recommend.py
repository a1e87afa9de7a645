"""Recommendations: the open challenges that fit a start-up, the start-ups worth
inviting to a challenge. Pure functions over texts and theme ids (no database):
the caller passes only what the viewer may see (open challenges, public
profiles: the policy decides, not this module).

The fit of a candidate with the query (the start-up, or the challenge) is

    score = TEXT_WEIGHT * cosine + THEME_WEIGHT * jaccard

* ``cosine``: TF-IDF cosine of the two texts. Terms come from the evaluation's
  term extraction (``alliance.evaluation.assignment.terms``: every word read by
  the Italian and by the English analyser of the search module, so "sensori"
  meets "sensore" and "sensors"), less the words that either language lists as
  stopwords ("per", "the"). A start-up's text is its profile plus its past
  proposals, which count PAST_WEIGHT each per word. Term frequency
  ``log(1 + count)``, smoothed ``idf = log((1 + N) / (1 + df)) + 1`` over the N
  texts of the call (query and candidates), rows normalised to unit length.
* ``jaccard``: shared themes / themes of either (0 when neither has one).

Each :class:`Recommendation` says why: the shared words that contribute most to
the cosine (``idf^2``-weighted product of the two texts' frequencies), as
readable words (a stem shows as the word the two texts use most for it), and
the shared theme ids.

Speed: a text is read once per process (while it stays in a bounded cache):
its words become weighted term counts, one row of a sparse matrix kept between
calls (reading the words is most of the work, and the same profiles and
challenges come back on every dashboard). A call gathers its rows, weighs them
with the idf of this call's texts and ranks every candidate with one sparse
matrix-vector product; only the reasons of the results kept read words again.
"""
from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import sparse

from alliance.evaluation.assignment import terms as text_terms
from alliance.matching.generic_words import GENERIC_WORDS
from alliance.search.analysis import WORD_RE

TEXT_WEIGHT = 0.7
THEME_WEIGHT = 0.3
PAST_WEIGHT = 0.5  # a word of a past proposal counts half a word of the profile
REASON_TERMS = 5  # at most this many shared words per recommendation


@dataclass(frozen=True)
class Item:
    """A challenge (or anything with a text and themes)."""

    id: Hashable
    text: str
    theme_ids: frozenset = frozenset()


@dataclass(frozen=True)
class Profile:
    """A start-up: its profile text (description, sector, tags) and past proposals."""

    text: str
    theme_ids: frozenset = frozenset()
    past_proposal_texts: tuple[str, ...] = ()
    id: Hashable = None


@dataclass(frozen=True)
class Recommendation:
    id: Hashable
    score: float  # in [0, 1]
    text_score: float  # the cosine
    theme_score: float  # the Jaccard index of the themes
    reason_terms: tuple[str, ...]  # shared words, most telling first
    shared_themes: tuple  # theme ids, sorted


def recommend_challenges(startup_profile: Profile, challenges: Sequence[Item],
                         limit: int = 10) -> list[Recommendation]:
    """The ``challenges`` that fit ``startup_profile`` best, best first (equal
    scores: lower id first); candidates with nothing in common are left out."""
    return _rank(_profile_texts(startup_profile), startup_profile.theme_ids,
                 [((c.text, 1.0),) for c in challenges], [c.theme_ids for c in challenges],
                 [c.id for c in challenges], limit)


def recommend_startups(challenge: Item, startups: Sequence[Profile],
                       limit: int = 10) -> list[Recommendation]:
    """The start-ups (profiles with an ``id``) that fit ``challenge`` best, as
    :func:`recommend_challenges` ranks them."""
    return _rank(((challenge.text, 1.0),), challenge.theme_ids,
                 [_profile_texts(s) for s in startups], [s.theme_ids for s in startups],
                 [s.id for s in startups], limit)


def _profile_texts(profile: Profile) -> tuple[tuple[str, float], ...]:
    return ((profile.text, 1.0),) + tuple((t, PAST_WEIGHT) for t in profile.past_proposal_texts)


# -- the analysis -------------------------------------------------------------------

DOC_CACHE = 20_000  # documents (a text and its weighted companions) kept between calls
WORD_CACHE = 300_000  # distinct words kept between calls
Doc = tuple[tuple[str, float], ...]  # a document: its texts and their weights


class _Lexicon:
    """Words, their terms and the documents already read, kept between calls.
    Emptied, when past its limits, at the start of a call; in between ids only
    grow and the matrix is replaced, never changed, so a call's view stays valid."""

    def __init__(self):
        self.lock = threading.Lock()
        self.clear()

    def clear(self) -> None:
        self.word_index: dict[str, int] = {}
        self.word_terms: list[tuple[int, ...]] = []  # per word id: its term ids
        self.term_index: dict[str, int] = {}
        self.terms: list[str] = []
        self.rows: dict[Doc, int] = {}  # document -> its row of ``store``
        self.store = sparse.csr_array((0, 0))  # weighted term counts, a row per document

    def rows_of(self, docs: Sequence[Doc]) -> np.ndarray:
        rows = self.rows
        new = [doc for doc in docs if doc not in rows]
        if new:
            self._read(list(dict.fromkeys(new)))
        return np.fromiter((rows[doc] for doc in docs), dtype=np.int64, count=len(docs))

    def _read(self, docs: list[Doc]) -> None:
        """Word counts (docs x words) times word terms (words x terms), appended."""
        index, word_ids, owners, weights, lengths = self.word_index, [], [], [], []
        for d, parts in enumerate(docs):
            for text, weight in parts:
                found = WORD_RE.findall(text.lower())
                ids = list(map(index.get, found))
                if None in ids:  # a word never seen: add it (only then a Python loop)
                    ids = [index[w] if w in index else self._add(w) for w in found]
                word_ids.extend(ids)
                owners.append(d)
                weights.append(weight)
                lengths.append(len(found))
        lengths_a = np.asarray(lengths, dtype=np.int64)
        doc_words = sparse.csr_array(
            (np.repeat(np.asarray(weights, dtype=float), lengths_a),
             (np.repeat(np.asarray(owners, dtype=np.int64), lengths_a),
              np.asarray(word_ids, dtype=np.int64))),
            shape=(len(docs), len(self.word_terms)))
        term_lengths = np.fromiter(map(len, self.word_terms), dtype=np.int64,
                                   count=len(self.word_terms))
        word_matrix = sparse.csr_array(
            (np.ones(int(term_lengths.sum())),
             (np.repeat(np.arange(len(self.word_terms)), term_lengths),
              np.fromiter((t for ts in self.word_terms for t in ts), dtype=np.int64))),
            shape=(len(self.word_terms), len(self.terms)))
        counts = sparse.csr_array(doc_words @ word_matrix)
        counts.sum_duplicates()
        counts.eliminate_zeros()
        old = self.store
        if old.shape[0]:
            old = sparse.csr_array((old.data, old.indices, old.indptr),
                                   shape=(old.shape[0], len(self.terms)))
            counts = sparse.csr_array(sparse.vstack([old, counts], format="csr"))
        for d, doc in enumerate(docs):
            self.rows[doc] = old.shape[0] + d
        self.store = counts

    def _add(self, word: str) -> int:
        w = self.word_index[word] = len(self.word_terms)
        terms = text_terms(word)
        # Each analyser drops only its own language's stopwords: "per", "dell" or
        # "the" would pass as terms of the other. A stopword of either yields none,
        # and so do numbers, two-letter words and generic prose ("every", "nuovo").
        ids = []
        if len(terms) == 2 and len(word) > 2 and not word.isdigit() \
                and word not in GENERIC_WORDS:
            for term in terms:
                t = self.term_index.get(term)
                if t is None:
                    t = self.term_index[term] = len(self.terms)
                    self.terms.append(term)
                ids.append(t)
        self.word_terms.append(tuple(ids))
        return w


_LEXICON = _Lexicon()


@dataclass
class _Corpus:
    docs: list[Doc]
    tfidf: sparse.csr_array  # docs x terms, rows of unit length (or empty)
    word_index: dict[str, int]
    word_terms: list[tuple[int, ...]]
    terms: list[str]


def _corpus(docs: list[Doc]) -> _Corpus:
    """Doc 0 is the query: weighted term counts, then TF-IDF over these docs."""
    lexicon = _LEXICON
    with lexicon.lock:
        if len(lexicon.rows) > DOC_CACHE or len(lexicon.word_terms) > WORD_CACHE:
            lexicon.clear()
        rows = lexicon.rows_of(docs)  # may replace the store: read it after
        tfidf = sparse.csr_array(lexicon.store[rows])  # a copy
        word_index, word_terms, terms = lexicon.word_index, lexicon.word_terms, lexicon.terms
    df = np.bincount(tfidf.indices, minlength=tfidf.shape[1])
    idf = np.log((1.0 + len(docs)) / (1.0 + df)) + 1.0
    tfidf.data = np.log1p(tfidf.data) * idf[tfidf.indices]
    row_of = np.repeat(np.arange(len(docs)), np.diff(tfidf.indptr))
    norms = np.sqrt(np.bincount(row_of, weights=tfidf.data ** 2, minlength=len(docs)))
    tfidf.data /= norms[row_of]  # a stored entry's row has a norm > 0
    return _Corpus(docs, tfidf, word_index, word_terms, terms)


def _jaccard(query: Iterable, candidates: Sequence[Iterable]) -> np.ndarray:
    query = set(query)
    sizes = np.fromiter((len(set(t)) for t in candidates), dtype=float, count=len(candidates))
    shared = np.fromiter((len(query.intersection(t)) for t in candidates), dtype=float,
                         count=len(candidates))
    union = sizes + len(query) - shared
    return np.divide(shared, union, out=np.zeros_like(shared), where=union > 0)


def _rank(query: Doc, query_themes, docs: list[Doc], themes, ids, limit) -> list[Recommendation]:
    if not ids or limit <= 0:
        return []
    corpus = _corpus([query, *docs])
    vector = corpus.tfidf[[0]].toarray().ravel()
    cosine = np.clip(corpus.tfidf[1:] @ vector, 0.0, 1.0)
    jaccard = _jaccard(query_themes, themes)
    score = np.round(TEXT_WEIGHT * cosine + THEME_WEIGHT * jaccard, 9)
    hits = np.flatnonzero(score > 0)
    if len(hits) > limit:  # keep the best and whatever ties with the last one kept
        cut = -np.partition(-score[hits], limit - 1)[limit - 1]
        hits = hits[score[hits] >= cut]
    hits = sorted(hits.tolist(), key=lambda i: (-score[i], ids[i]))[:limit]
    query_themes = set(query_themes)
    return [Recommendation(
        id=ids[i], score=float(score[i]), text_score=round(float(cosine[i]), 9),
        theme_score=round(float(jaccard[i]), 9), reason_terms=_reasons(corpus, vector, i + 1),
        shared_themes=tuple(sorted(query_themes.intersection(themes[i]))),
    ) for i in hits]


def _reasons(corpus: _Corpus, query: np.ndarray, doc: int) -> tuple[str, ...]:
    """The shared words of the query and ``doc``, by their part of the cosine;
    a term shows as the word the two texts use most for it (equal: alphabetical)."""
    row = corpus.tfidf[[doc]]
    contribution = (row.data * query[row.indices]).tolist()
    order = sorted((-c, corpus.terms[t], t)
                   for c, t in zip(contribution, row.indices.tolist()) if c > 0)
    used: Counter = Counter()
    for text, weight in corpus.docs[0] + corpus.docs[doc]:
        for word in WORD_RE.findall(text.lower()):
            used[word] += weight
    best: dict[int, tuple[float, str]] = {}
    for word, count in used.items():
        for t in corpus.word_terms[corpus.word_index[word]]:
            if t not in best or (-count, word) < best[t]:
                best[t] = (-count, word)
    found: list[str] = []
    for _c, _term, t in order:
        word = best[t][1]
        if word not in found:
            found.append(word)
            if len(found) == REASON_TERMS:
                break
    return tuple(found)
