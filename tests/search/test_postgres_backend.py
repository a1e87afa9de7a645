"""The PostgreSQL backend's own machinery: configurations, vectors, indexes,
escaping, transactions. Skipped on SQLite (the `backend` fixture says why)."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.search.base import Scope, SearchRequest
from alliance.search.documents import SearchDocument
from alliance.search.query import parse
from tests import factories as f

# Only the PostgreSQL parameter of the shared fixture (skipped with its reason on SQLite).
pytestmark = pytest.mark.parametrize("backend", ["postgres"], indirect=True)


def scalar(sql: str, **params):
    return db.session.execute(sa.text(sql), params).scalar()


def challenge(title: str, text: str = "", **kwargs):
    kwargs.setdefault("published", True)
    return f.ChallengeFactory(title=title, summary="", description=text or title,
                              expected_outcomes="", rewards="", eligibility="", **kwargs)


def search(backend, text: str, now, **request):
    request.setdefault("expand_translations", False)
    return backend.search(SearchRequest(query=parse(text), **request),
                          Scope(now=now, everything=True))


def document(n: int, title: str, body: str, **kwargs) -> SearchDocument:
    return SearchDocument(kind="proposal", object_id=n, title=title, body=body, public=False,
                          **kwargs)


def test_configurations_fold_accents_before_the_stemmer(backend):
    configs = set(db.session.execute(sa.text("SELECT cfgname FROM pg_ts_config")).scalars())
    extensions = set(db.session.execute(sa.text("SELECT extname FROM pg_extension")).scalars())

    assert {"alliance_it", "alliance_en"} <= configs
    assert {"unaccent", "pg_trgm"} <= extensions
    assert scalar("SELECT to_tsvector('alliance_it', 'Città')::text") == "'citt':1"
    assert scalar("SELECT to_tsvector('alliance_it', 'citta')::text") == "'citt':1"
    assert scalar("SELECT to_tsvector('alliance_en', 'Perché buildings')::text") == (
        "'build':2 'perch':1")


def test_vectors_hold_each_language_with_title_weighing_more(backend, index_docs):
    target = challenge("Smarter buildings", "Sensori di città")
    index_docs(target)

    it, en, title = db.session.execute(sa.text(
        "SELECT tsv_it::text, tsv_en::text, title_tsv::text FROM search_document WHERE key = :k"),
        {"k": f"challenge:{target.id}"}).one()

    assert "'buildings':2A" in it and "'sensor':3" in it and "'citt':5" in it
    assert "'build':2A" in en and "'sensori':3" in en and "'citta':5" in en
    assert "'sensor'" not in en  # the English analysis keeps the Italian plural
    assert title == "'build':4 'buildings':2 'smarter':1,3"


def test_english_stem_does_not_match_italian_analysis(backend, index_docs, now):
    # "mobility" -> English "mobil"; "Mobilità" -> Italian "mobil": only the glossary links them.
    index_docs(challenge("Mobilità sostenibile", "Biciclette"), challenge("Mobility hubs", "Bikes"))

    assert [h.title for h in search(backend, "mobility", now).hits] == ["Mobility hubs"]


def test_prefix_expands_over_the_word_list(backend, index_docs, now):
    # The stem of "mobilit" is not a prefix of the stem of "mobilità" ("mobil").
    index_docs(challenge("Mobilità dolce", "Percorsi"), challenge("Rifiuti", "Raccolta"))

    assert [h.title for h in search(backend, "mobilit*", now).hits] == ["Mobilità dolce"]


def test_search_uses_the_gin_index(backend, now):
    docs = [document(n, f"Proposal number {n}", f"Common words about the city, item {n}. "
                     + ("Teleriscaldamento di quartiere." if n % 500 == 0 else "Nothing else."))
            for n in range(1, 3001)]
    backend.rebuild(iter(docs), len(docs))
    db.session.execute(sa.text("ANALYZE search_document"))
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if "FROM search_document WHERE" in statement and "WITH m AS" in statement:
            captured.append((statement, parameters))

    connection = db.session.connection()
    event.listen(connection, "before_cursor_execute", capture)
    try:
        results = search(backend, "teleriscaldamento", now)
    finally:
        event.remove(connection, "before_cursor_execute", capture)

    assert results.total == 6
    statement, parameters = captured[0]
    plan = "\n".join(connection.exec_driver_sql("EXPLAIN " + statement, parameters).scalars())
    assert "Bitmap Index Scan on ix_search_document_tsv_it" in plan
    assert "Bitmap Index Scan on ix_search_document_tsv_en" in plan


def test_snippet_escapes_html_and_marks_only_matches(backend, index_docs, now):
    index_docs(challenge("Kiosk", "Before <script>alert('kiosk')</script> & after, a kiosk."))

    hit = search(backend, "kiosk", now).hits[0]

    assert "<script" not in hit.snippet
    assert "&lt;script&gt;" in hit.snippet and "&amp;" in hit.snippet
    assert hit.snippet.count("<mark>") == hit.snippet.count("</mark>") == 2
    assert "<mark>kiosk</mark>" in hit.snippet
    assert hit.snippet.replace("<mark>", "").replace("</mark>", "").count("<") == 0


def test_marker_characters_in_user_text_do_not_make_marks(backend, index_docs, now):
    index_docs(challenge("Kiosk", "A \ue000fake\ue001 mark near the kiosk"))

    hit = search(backend, "kiosk", now).hits[0]

    assert hit.snippet.count("<mark>") == 1 and "<mark>kiosk</mark>" in hit.snippet


def test_write_in_a_rolled_back_transaction_leaves_no_row(backend, index_docs):
    db.session.flush()
    savepoint = db.session.begin_nested()
    backend.write([document(1, "Kiosk", "Ephemeral")])
    assert "proposal:1" in backend.fingerprints()
    savepoint.rollback()

    assert backend.fingerprints() == {}
    assert scalar("SELECT count(*) FROM search_word WHERE word = 'ephemeral'") == 0


def test_write_replaces_and_deletes(backend):
    backend.write([document(1, "Kiosk", "First"), document(2, "Bench", "Second")])
    renamed = document(1, "Kiosk renamed", "First", themes=["energy"], deadline=utcnow())
    backend.write([renamed], deleted=["proposal:2"])

    assert backend.fingerprints() == {"proposal:1": renamed.fingerprint()}
    assert scalar("SELECT title FROM search_document WHERE key = 'proposal:1'") == "Kiosk renamed"


def test_rebuild_replaces_the_index_and_reports_progress(backend):
    backend.write([document(9999, "Old", "Gone soon")])
    seen = []

    count = backend.rebuild(iter([document(n, f"Doc {n}", "Body text") for n in range(1, 1202)]),
                            1201, seen.append)

    assert count == 1201
    assert seen[-1] == 1201 and seen == sorted(seen) and len(seen) >= 3
    assert len(backend.fingerprints()) == 1201 and "proposal:9999" not in backend.fingerprints()
    assert scalar("SELECT count(*) FROM search_word WHERE word = 'body'") == 1


def test_word_list_index_is_trigram(backend):
    definition = scalar("SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_search_word_trgm'")

    assert "gist" in definition and "gist_trgm_ops" in definition


def test_writers_adding_the_same_new_word_do_not_wait(backend, app):
    """No unique index on the word list: two transactions adding the same new
    word at once neither block nor fail."""
    engine = sa.create_engine(db.session.get_bind().engine.url)
    try:
        with engine.connect() as first, engine.connect() as second:
            first.begin()
            second.begin()
            second.exec_driver_sql("SET LOCAL lock_timeout = '500ms'")
            for connection in (first, second):
                connection.execute(sa.text(
                    "INSERT INTO search_word (word) SELECT 'zyzzyva' WHERE NOT EXISTS "
                    "(SELECT 1 FROM search_word WHERE word = 'zyzzyva')"))
            first.rollback()
            second.rollback()
    finally:
        engine.dispose()


def test_sync_writes_in_the_committing_transaction(backend, app, monkeypatch):
    monkeypatch.setitem(app.config, "SEARCH_SYNC", True)
    startup = f.StartupFactory(name="Idrogeno Verde", pitch="Elettrolizzatori")
    db.session.flush()
    key = f"startup:{startup.id}"
    assert key not in backend.fingerprints()

    db.session.commit()
    assert key in backend.fingerprints()

    startup.pitch = "Teleriscaldamento"
    db.session.flush()
    db.session.rollback()
    assert [h.title for h in search(backend, "teleriscaldamento", utcnow()).hits] == []

    db.session.delete(db.session.get(type(startup), startup.id))
    db.session.flush()
    db.session.commit()
    assert key not in backend.fingerprints()


def test_scope_in_sql_matches_scope_allows(backend, index_docs, now):
    partner = f.PartnerFactory()
    own = f.StartupFactory(is_public=False)
    closed = challenge("Kiosk closed", lead_partner=partner, deadline=now - timedelta(days=1),
                       opens_at=now - timedelta(days=30))
    draft = challenge("Kiosk draft", lead_partner=partner, published=False)
    objects = [closed, draft, own,
               f.ProposalFactory(title="Kiosk sent", abstract="kiosk", challenge=closed,
                                 submitted=True),
               f.ProposalFactory(title="Kiosk kept", abstract="kiosk", challenge=closed),
               f.ProposalFactory(title="Kiosk own", abstract="kiosk", startup=own)]
    docs = index_docs(*objects)
    scopes = [Scope(now=now), Scope(now=now, partner_id=partner.id),
              Scope(now=now, startup_id=own.id), Scope(now=now, everything=True),
              Scope(now=now, proposal_ids=frozenset({objects[4].id}))]

    for scope in scopes:
        results = backend.search(SearchRequest(query=parse(""), per_page=50), scope)
        assert {(h.kind, h.object_id) for h in results.hits} == {
            (d.kind, d.object_id) for d in docs if scope.allows(d)}, scope
