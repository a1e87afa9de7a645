"""The index follows the database: after the commit, never before, never for a
rollback; a busy index never stalls a request and loses nothing."""
import logging

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.search import sync
from alliance.search.cli import compare_index
from alliance.search.startup import check_index_at_startup
from tests import factories


@pytest.fixture
def whoosh(app, tmp_path, monkeypatch):
    """The Whoosh backend on a fresh index, with sync turned on."""
    from alliance.search.whoosh_backend import WhooshBackend

    backend = WhooshBackend(str(tmp_path / "index"))
    backend.ensure()
    monkeypatch.setitem(app.extensions, "alliance_search", backend)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", "whoosh")
    monkeypatch.setitem(app.config, "SEARCH_SYNC", True)
    monkeypatch.setitem(app.config, "WHOOSH_INDEX_DIR", str(tmp_path / "index"))
    return backend


def keys(backend):
    return set(backend.fingerprints())


def test_sync_indexes_after_commit_not_before(whoosh):
    startup = factories.StartupFactory(name="Idrogeno Verde")
    db.session.flush()
    assert f"startup:{startup.id}" not in keys(whoosh)  # flushed, not committed
    db.session.commit()
    assert f"startup:{startup.id}" in keys(whoosh)
    assert sync.pending_count() == 0


def test_sync_nothing_for_a_rollback(whoosh):
    startup = factories.StartupFactory()
    startup_key = f"startup:{startup.id}"
    db.session.rollback()
    db.session.commit()
    assert startup_key not in keys(whoosh)
    assert sync.pending_count() == 0


def test_sync_update_and_delete_reach_the_index(whoosh):
    startup = factories.StartupFactory(pitch="Pompe di calore")
    db.session.commit()
    before = whoosh.fingerprints()[f"startup:{startup.id}"]
    startup.pitch = "Teleriscaldamento di quartiere"
    db.session.commit()
    assert whoosh.fingerprints()[f"startup:{startup.id}"] != before
    key = f"startup:{startup.id}"
    db.session.delete(startup)
    db.session.commit()
    assert key not in keys(whoosh)


def test_sync_challenge_change_updates_its_proposals(whoosh):
    proposal = factories.ProposalFactory()
    db.session.commit()
    before = whoosh.fingerprints()[f"proposal:{proposal.id}"]
    proposal.challenge.title = "A new title for the challenge"
    db.session.commit()
    assert whoosh.fingerprints()[f"proposal:{proposal.id}"] != before
    assert compare_index()["stale"] == []


def test_sync_partner_rename_updates_challenges(whoosh):
    challenge = factories.ChallengeFactory(published=True)
    db.session.commit()
    before = whoosh.fingerprints()[f"challenge:{challenge.id}"]
    challenge.lead_partner.name = "Renamed Partner S.p.A."
    db.session.commit()
    assert whoosh.fingerprints()[f"challenge:{challenge.id}"] != before


def test_sync_busy_index_does_not_stall_and_loses_nothing(whoosh, app):
    with whoosh.batch(timeout=1):  # another process is writing
        startup = factories.StartupFactory()
        db.session.commit()  # returns at once: the drain gives up on the lock
        assert sync.pending_count() == 1
    assert f"startup:{startup.id}" not in keys(whoosh)
    assert sync.drain(app) == 1
    assert f"startup:{startup.id}" in keys(whoosh)
    assert sync.pending_count() == 0


def test_search_check_reports_drift_and_rebuild_repairs_it(whoosh, runner):
    startup = factories.StartupFactory()
    db.session.commit()
    whoosh.write([], deleted=[f"startup:{startup.id}"])  # the index loses a document
    ghost = factories.StartupFactory.build(id=987654, name="Ghost")
    from alliance.search.documents import startup_document

    whoosh.write([startup_document(ghost)])  # and gains one the database lacks
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 1
    assert f"startup:{startup.id}" in result.output and "startup:987654" in result.output
    result = runner.invoke(args=["search", "rebuild"])
    assert result.exit_code == 0 and "Indexed" in result.output
    result = runner.invoke(args=["search", "check"])
    assert result.exit_code == 0, result.output
    assert "matches the database" in result.output


def test_missing_index_rebuilt_at_startup_with_a_log_line(whoosh, app, caplog, tmp_path,
                                                         monkeypatch):
    from alliance.search.whoosh_backend import WhooshBackend

    startup = factories.StartupFactory()
    db.session.commit()
    fresh = WhooshBackend(str(tmp_path / "never-built"))
    monkeypatch.setitem(app.extensions, "alliance_search", fresh)
    with caplog.at_level(logging.WARNING):
        check_index_at_startup(app)
    assert "rebuilding it from the database" in caplog.text
    assert f"startup:{startup.id}" in keys(fresh)


def test_outbox_left_by_a_killed_worker_is_applied_by_search_sync(whoosh, runner):
    startup = factories.StartupFactory()
    db.session.execute(sa.insert(sync.SearchOutbox).values(kind="startup",
                                                            object_id=startup.id,
                                                            queued_at=sa.func.now()))
    with pytest.MonkeyPatch.context() as mp:  # the worker dies before draining
        mp.setattr(sync, "drain", lambda *a, **k: 0)
        db.session.commit()
    assert f"startup:{startup.id}" not in keys(whoosh)
    result = runner.invoke(args=["search", "sync"])
    assert result.exit_code == 0
    assert f"startup:{startup.id}" in keys(whoosh)
