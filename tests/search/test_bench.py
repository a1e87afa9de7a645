"""The search benchmark (``python -m bench.search``), run small: its figures are sane."""
from __future__ import annotations

import json

import pytest

from alliance.search import query as Q
from bench import datagen
from bench import search as bench

pytest.importorskip("alliance.search.whoosh_backend")

KEYS = {"backend", "proposals", "build_docs_per_s", "query_p50_ms", "query_p95_ms",
        "fts5_p50_ms", "fts5_p95_ms", "ratio_p95"}


def test_bench_prints_one_json_object_with_sane_figures(capsys, tmp_path):
    assert bench.main(["--proposals", "300", "--queries", "40", "--quiet",
                       "--index-dir", str(tmp_path)]) == 0

    out = capsys.readouterr().out.strip()
    figures = json.loads(out)  # one object, nothing else on stdout
    assert KEYS <= figures.keys()
    assert figures["backend"] == "whoosh"
    assert figures["proposals"] == 300
    assert figures["queries"] == 40
    assert figures["build_docs_per_s"] > 0
    assert 0 < figures["query_p50_ms"] <= figures["query_p95_ms"] < 10_000
    assert 0 < figures["fts5_p50_ms"] <= figures["fts5_p95_ms"] < 10_000
    assert figures["ratio_p95"] == pytest.approx(
        figures["query_p95_ms"] / figures["fts5_p95_ms"], rel=0.02)


def test_bench_data_is_deterministic_and_realistic():
    first, again = datagen.generate(200), datagen.generate(200)

    assert [d.fingerprint() for d in first] == [d.fingerprint() for d in again]
    proposals = [d for d in first if d.kind == "proposal"]
    assert len(proposals) == 200
    assert all(130 <= len(d.body.split()) <= 230 for d in proposals)
    assert {d.status for d in proposals} == {"draft", "submitted", "withdrawn"}
    assert {d.trl for d in proposals} <= set(range(1, 10))
    assert any("à" in d.body for d in proposals) and any(" the " in d.body for d in proposals)


def test_bench_query_mix_is_fixed_and_varied():
    mix = bench.query_mix()

    assert mix == bench.query_mix()
    assert len(mix) == 200
    texts = [text for text, _sort in mix]
    assert sum('"' in t for t in texts) >= 20  # phrases
    assert sum(":" in t for t in texts) >= 30  # filters
    assert sum(t.endswith("*") for t in texts) >= 10  # prefixes
    assert sum(" OR " in t or "NOT" in t or " -" in t for t in texts) >= 10


def test_bench_fts5_reference_finds_what_the_query_says(ctx):
    docs = datagen.generate(300)
    conn, _rate = bench.build_fts5(docs)
    admin = bench.Scope(now=datagen.NOW, everything=True)

    def total(text):
        return bench.fts5_search(conn, Q.parse(text).root, "relevance", admin)[1]

    proposals = sum(d.kind == "proposal" for d in docs)
    assert total("kind:proposal") == proposals
    high = sum(d.kind == "proposal" and d.trl >= 6 for d in docs)
    assert total("kind:proposal trl:>=6") == high
    with_word = sum("ransomware" in (d.title + d.body).lower() for d in docs)
    assert total("ransomware") == with_word > 0
    assert total("ransomware -ransomware") == 0
    assert total("NOT ransomware") == len(docs) - with_word
    rows, _ = bench.fts5_search(conn, Q.parse("ransomware").root, "relevance", admin)
    assert "<mark>" in rows[0][3]
