"""Whoosh only: the index on disk, its lock, its generations, its analysis."""
from __future__ import annotations

import os
import time

import numpy as np
import pytest
from whoosh.index import LockError, create_in, open_dir

from alliance.search import analysis, documents
from alliance.search.base import Scope, SearchRequest
from alliance.search.query import parse
from alliance.search.whoosh_backend import IndexBusy, WhooshBackend, make_schema
from tests import factories as f


@pytest.fixture
def index_dir(tmp_path):
    return str(tmp_path / "whoosh")


@pytest.fixture
def whoosh(index_dir):
    backend = WhooshBackend(index_dir)
    yield backend
    backend.close()


def doc(title: str, **kwargs):
    kwargs.setdefault("published", True)
    return documents.BUILDERS["challenge"](f.ChallengeFactory(
        title=title, summary=title, description="", expected_outcomes="", rewards="",
        eligibility="", **kwargs))


def total(backend, text, now) -> int:
    return backend.search(SearchRequest(query=parse(text), expand_translations=False),
                          Scope(now=now, everything=True)).total


def generations(index_dir) -> list[str]:
    parent, base = os.path.split(index_dir)
    return sorted(n for n in os.listdir(parent) if n.startswith(f"{base}.gen-"))


def test_second_writer_gets_index_busy_quickly(whoosh, index_dir):
    whoosh.ensure()
    other = WhooshBackend(index_dir)  # as another process would
    holder = other._writer(timeout=1)
    try:
        started = time.monotonic()
        with pytest.raises(IndexBusy) as error:
            whoosh.write([doc("Kiosk")], timeout=0.2)
        assert time.monotonic() - started < 1.5
        assert isinstance(error.value, LockError)  # what the sync module also catches
    finally:
        holder.cancel()
        other.close()
    whoosh.write([doc("Kiosk")], timeout=0.2)  # free again


def test_writes_of_another_process_are_seen(whoosh, index_dir, now):
    other = WhooshBackend(index_dir)
    try:
        whoosh.write([doc("Kiosk one")])
        assert total(other, "kiosk", now) == 1
        whoosh.write([doc("Kiosk two")])
        assert total(other, "kiosk", now) == 2  # the cached searcher was refreshed
    finally:
        other.close()


def test_ensure_creates_a_missing_index_once(whoosh, index_dir, now):
    assert not whoosh.exists()
    assert whoosh.ensure() is True
    assert whoosh.exists() and whoosh.is_readable()
    assert whoosh.ensure() is False
    assert total(whoosh, "", now) == 0
    assert open_dir(index_dir).doc_count() == 0  # the directory opens as the index


def test_a_plain_index_directory_is_taken_over(index_dir, now):
    os.makedirs(index_dir)
    create_in(index_dir, make_schema())  # e.g. made by hand, or an older layout
    backend = WhooshBackend(index_dir)
    try:
        assert backend.ensure() is False
        backend.write([doc("Kiosk")])
        backend.rebuild(iter([doc("Totem")]), 1)
        assert os.path.islink(index_dir)
        assert total(backend, "totem", now) == 1 and total(backend, "kiosk", now) == 0
    finally:
        backend.close()


def test_ensure_replaces_an_unreadable_index(whoosh, index_dir, now):
    whoosh.write([doc("Kiosk")])
    current = whoosh.index_path
    for name in os.listdir(current):
        if name.endswith(".toc"):
            os.remove(os.path.join(current, name))
    fresh = WhooshBackend(index_dir)
    try:
        assert fresh.is_readable() is False
        assert fresh.ensure() is True
        assert fresh.is_readable() and total(fresh, "", now) == 0
    finally:
        fresh.close()


def test_search_without_an_index_is_empty(whoosh, now):
    assert total(whoosh, "kiosk", now) == 0
    assert whoosh.fingerprints() == {}
    assert whoosh.similar("challenge", 1, Scope(now=now, everything=True)) == []


def test_rebuild_swaps_generations_and_keeps_one_old(whoosh, index_dir, now):
    whoosh.write([doc("Kiosk")])
    reader = WhooshBackend(index_dir)
    try:
        assert total(reader, "kiosk", now) == 1  # an open searcher on the old generation
        for n in range(3):
            whoosh.rebuild(iter([doc(f"Totem {n}")]), 1)
            assert total(reader, "totem", now) == 1
            assert total(reader, "kiosk", now) == 0
        assert len(generations(index_dir)) == 2
    finally:
        reader.close()


def test_writes_during_a_rebuild_fail_fast(whoosh, index_dir):
    whoosh.write([doc("Kiosk")])
    other = WhooshBackend(index_dir)
    errors = []

    def docs():
        yield doc("Totem one")
        try:
            other.write([doc("Lost")], timeout=0.1)
        except IndexBusy as error:
            errors.append(error)
        yield doc("Totem two")

    try:
        assert whoosh.rebuild(docs(), 2) == 2
        assert len(errors) == 1
        other.write([doc("Kept")], timeout=0.5)  # the new index takes writes
        assert len(whoosh.fingerprints()) == 3
    finally:
        other.close()


def test_rebuild_with_two_processes_indexes_everything(whoosh, now):
    docs = [doc(f"Kiosk {n}") for n in range(40)]

    assert whoosh.rebuild(iter(docs), len(docs), procs=2) == 40

    assert whoosh.fingerprints() == {d.key: d.fingerprint() for d in docs}
    assert total(whoosh, "kiosk", now) == 40


def test_facet_counts_follow_updates_and_deletions(whoosh, now):
    theme_a, theme_b = f.ThemeFactory(), f.ThemeFactory()
    one, two = doc("Kiosk one", theme=theme_a), doc("Kiosk two", theme=theme_a)
    whoosh.write([one, two])

    def themes():
        results = whoosh.search(SearchRequest(query=parse("kiosk")),
                                Scope(now=now, everything=True))
        return {v.value: v.count for v in results.facets["theme"]}

    assert themes() == {theme_a.slug: 2}
    two.themes = [theme_b.slug]
    whoosh.write([two])
    assert themes() == {theme_a.slug: 1, theme_b.slug: 1}
    whoosh.write([], deleted=[one.key])
    assert themes() == {theme_b.slug: 1}


def test_italian_stopwords_are_dropped_before_folding():
    assert analysis.analyse("it", "perché") == []
    assert analysis.analyse("it", "più") == []


def test_accented_and_plain_spellings_share_a_stem():
    for accented, plain in [("città", "citta"), ("mobilità", "mobilita"),
                            ("università", "universita"), ("perché", "perche")]:
        assert analysis.analyse("en", accented) == analysis.analyse("en", plain)
    for accented, plain in [("città", "citta"), ("mobilità", "mobilita"),
                            ("università", "universita")]:
        assert analysis.analyse("it", accented) == analysis.analyse("it", plain)
    assert analysis.analyse("it", "sensori") == analysis.analyse("it", "sensore")
    assert analysis.analyse("en", "buildings") == analysis.analyse("en", "building")


def _postings(index_dir) -> dict:
    """Every posting of an index, by document key: what a reader sees."""
    ix = open_dir(index_dir)
    with ix.reader() as reader:
        keys = {d: stored["key"] for d, stored in reader.iter_docs()}
        found = {}
        for field in sorted(reader.indexed_field_names()):
            for btext in reader.lexicon(field):
                matcher = reader.postings(field, btext)
                postings = []
                while matcher.is_active():
                    postings.append((keys[matcher.id()], matcher.weight(), matcher.value()))
                    matcher.next()
                found[(field, btext)] = (sorted(postings), reader.doc_frequency(field, btext))
        lengths = {(keys[d], field): reader.doc_field_length(d, field)
                   for d in keys for field in reader.indexed_field_names()}
        stored = {keys[d]: fields for d, fields in reader.iter_docs()}
    return {"postings": found, "lengths": lengths, "stored": stored}


def test_rebuild_writes_the_postings_of_ordinary_writes(tmp_path, monkeypatch):
    from alliance.search import whoosh_backend
    from bench import datagen

    monkeypatch.setattr(whoosh_backend, "REBUILD_BLOCK", 7)  # several blocks per word
    docs = datagen.generate(40)
    docs[0].title, docs[0].body = "Il e la", ""  # only stopwords; no body
    docs[1].title = "Dati dati dati: città, CITTÀ e citta"  # repeated and accented words
    written, rebuilt = (WhooshBackend(str(tmp_path / name)) for name in ("written", "rebuilt"))
    try:
        written.write(docs)
        assert rebuilt.rebuild(iter(docs), len(docs), procs=1) == len(docs)
        assert _postings(rebuilt.index_path) == _postings(written.index_path)
    finally:
        written.close()
        rebuilt.close()


def test_phrase_does_not_span_title_and_body(whoosh, now):
    whoosh.write([documents.BUILDERS["challenge"](f.ChallengeFactory(
        title="Smart district", summary="Heating pipes", description="", expected_outcomes="",
        rewards="", eligibility="", published=True))])

    assert total(whoosh, '"smart district"', now) == 1
    assert total(whoosh, '"heating pipes"', now) == 1
    assert total(whoosh, '"district heating"', now) == 0


def test_an_index_of_an_older_schema_is_rebuilt(index_dir, now):
    from whoosh import fields

    os.makedirs(index_dir)
    old = create_in(index_dir, fields.Schema(key=fields.ID(unique=True, stored=True),
                                             fingerprint=fields.STORED()))
    with old.writer() as writer:
        writer.add_document(key="challenge:1", fingerprint="f")
    backend = WhooshBackend(index_dir)
    try:
        assert backend.is_readable() is False
        assert backend.fingerprints() == {}  # `search check`: everything missing
        assert backend.ensure() is True  # the start-up check then rebuilds it
        backend.write([doc("Kiosk")])
        assert total(backend, "kiosk", now) == 1
    finally:
        backend.close()


def test_phrases_survive_a_merge_of_rebuilt_segments(whoosh, now):
    whoosh.rebuild(iter([doc("District heating for Milan"), doc("Heating an old district")]), 2)
    whoosh.write([doc("A district heating pilot")])  # merges the small segments

    assert total(whoosh, '"district heating"', now) == 2
    assert total(whoosh, '"heating district"', now) == 0


def test_packed_positions_read_as_whoosh_values():
    from alliance.search.whoosh_backend import _PackedPositions, _PositionArray

    decode = _PositionArray().decode_positions
    for positions in ([0, 5, 9, 2, 3, 70_000], [1, 2, 3, 4, 5, 6]):
        packed = _PackedPositions.of(np.array(positions), np.array([3, 1, 2], dtype=np.uint32))
        assert [decode(v) for v in packed] == [positions[:3], positions[3:4], positions[4:]]
        counts, found = packed.arrays()
        assert counts.tolist() == [3, 1, 2] and found.tolist() == positions


@pytest.mark.parametrize("distinct", [10, 70_000])
def test_rebuild_groups_terms_in_a_stable_order(distinct):
    from alliance.search.whoosh_backend import _stable_order

    keys = np.random.default_rng(7).integers(0, distinct, 50_000)
    assert (_stable_order(keys, distinct) == np.argsort(keys, kind="stable")).all()
