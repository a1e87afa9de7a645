"""Several processes write at once (like gunicorn workers): the index ends up
exactly like the database, with nothing left waiting."""
import multiprocessing
import os

import pytest

WORKERS = 4
EACH = 12


def _config(tmp):
    return {
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/shared.db",
        "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"timeout": 30}},
        "WHOOSH_INDEX_DIR": f"{tmp}/index",
        "SEARCH_BACKEND": "whoosh",
        "SEARCH_SYNC": True,
        "SEARCH_STARTUP_CHECK": False,
        "MAIL_BACKEND": "locmem",
        "UPLOAD_FOLDER": f"{tmp}/uploads",
    }


def _worker(tmp, number, ready):
    from alliance import create_app
    from alliance.extensions import db
    from alliance.startups.models import Startup

    app = create_app(_config(tmp))
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


@pytest.mark.skipif(os.environ.get("TEST_DATABASE_URL") is not None,
                    reason="runs once, on the SQLite run (it uses its own SQLite file)")
def test_concurrent_writers_lose_no_update(tmp_path):
    import flask_migrate

    from alliance import create_app
    from alliance.search import get_backend
    from alliance.search.cli import compare_index
    from alliance.search.sync import pending_count

    app = create_app(_config(tmp_path))
    with app.app_context():
        flask_migrate.upgrade()
        get_backend().ensure()
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    processes = [context.Process(target=_worker, args=(str(tmp_path), n, ready))
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
