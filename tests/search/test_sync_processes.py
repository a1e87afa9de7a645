"""Several processes write at once (like gunicorn workers): the index ends up
exactly like the database, with nothing left waiting."""
import multiprocessing
import os

import pytest

WORKERS = 4
EACH = 12


def _config(tmp, database_url=None):
    if database_url:  # PostgreSQL: the index is written in the data's own transaction
        database = {"SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ENGINE_OPTIONS": {},
                    "SEARCH_BACKEND": "postgres"}
    else:
        database = {"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/shared.db",
                    "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}},
                    "SEARCH_BACKEND": "whoosh"}
    return {
        **database,
        "WHOOSH_INDEX_DIR": f"{tmp}/index",
        "SEARCH_SYNC": True,
        "SEARCH_STARTUP_CHECK": False,
        "MAIL_BACKEND": "locmem",
        "UPLOAD_FOLDER": f"{tmp}/uploads",
    }


def _worker(tmp, number, ready, database_url=None):
    from alliance import create_app
    from alliance.extensions import db
    from alliance.startups.models import Startup

    app = create_app(_config(tmp, database_url))
    with app.app_context():
        ready.wait()
        for i in range(EACH):
            startup = Startup(slug=f"w{number}-{i}", name=f"Worker {number} start-up {i}",
                              registration_number=f"REG-{number}-{i}", country="DE",
                              city="Berlin", founded_year=2020, team_size=3, stage="mvp",
                              pitch=f"Pitch {number} {i} sensori mobilità")
            db.session.add(startup)
            db.session.commit()
            if i % 3 == 0:  # and some updates, to race with other writers
                startup.pitch += " aggiornato"
                db.session.commit()


def _run_writers(tmp_path, database_url=None):
    import flask_migrate

    from alliance import create_app
    from alliance.search import get_backend
    from alliance.search.cli import compare_index
    from alliance.search.sync import pending_count

    app = create_app(_config(tmp_path, database_url))
    with app.app_context():
        flask_migrate.upgrade()
        get_backend().ensure()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    processes = [context.Process(target=_worker, args=(str(tmp_path), n, ready, database_url))
                 for n in range(WORKERS)]
    for process in processes:
        process.start()
    ready.set()
    for process in processes:
        process.join(timeout=120)
        assert process.exitcode == 0
    with app.app_context():
        assert pending_count() == 0
        drift = compare_index()
        assert drift == {"missing": [], "stale": [], "extra": []}
        assert len([k for k in get_backend().fingerprints() if k.startswith("startup:")]) \
            == WORKERS * EACH
        from alliance.extensions import db

        db.session.remove()
        db.engine.dispose()  # no connection left to the database dropped next run


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL") is not None,
                    reason="runs once, on the SQLite run (it uses its own SQLite file)")
def test_concurrent_writers_lose_no_update(tmp_path):
    _run_writers(tmp_path)


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL") is None,
                    reason="the PostgreSQL backend runs in `make test-postgres`")
def test_concurrent_writers_lose_no_update_on_postgres(tmp_path, worker_id):
    from tests.conftest import _fresh_postgres_database

    url = _fresh_postgres_database(os.environ["TEST_DATABASE_URL"], f"procs_{worker_id}")
    _run_writers(tmp_path, url)
