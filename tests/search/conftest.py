"""Search fixtures: the same tests run against every backend.

The PostgreSQL backend needs the database to be PostgreSQL: on the SQLite run
its tests are skipped with that reason, and they run in ``make test-postgres``.
"""
from __future__ import annotations

import pytest

from alliance.auth import policy
from alliance.extensions import db
from alliance.search import documents


def _make_backend(name: str, tmp_path):
    if name == "whoosh":
        from alliance.search.whoosh_backend import WhooshBackend

        return WhooshBackend(str(tmp_path / "whoosh"))
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend runs in `make test-postgres` "
                    "(this run's database is SQLite)")
    from alliance.search.postgres_backend import PostgresBackend

    return PostgresBackend()


@pytest.fixture(params=["whoosh", "postgres"])
def backend(request, app, tmp_path, monkeypatch):
    """A fresh, empty index of each backend, installed as the app's backend."""
    backend = _make_backend(request.param, tmp_path)
    monkeypatch.setitem(app.extensions, "alliance_search", backend)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    yield backend
    backend.close()


@pytest.fixture
def index_docs(backend):
    """Write the documents of model objects (challenges, proposals, start-ups) to the index."""

    def write(*objects):
        db.session.flush()
        docs = []
        for obj in objects:
            kind = obj.__tablename__
            docs.append(documents.BUILDERS[kind](obj))
        backend.write(docs)
        return docs

    return write


@pytest.fixture
def scope_for(now):
    """The search scope of ``user`` at ``when`` (default: the ``now`` fixture)."""

    def scope(user, when=None):
        return policy.search_scope(user, when or now)

    return scope
