"""Browser tests: a real Chromium (Playwright) against the app served from a thread.

The rest of the suite wraps every test in a rolled-back transaction, which a server
thread would never see. Here each pytest worker builds an app of its own on a database
of its own (a SQLite file, or a fresh PostgreSQL database when ``TEST_DATABASE_URL`` is
set), migrated and loaded with the demo data, with real commits."""
from __future__ import annotations

import os
import threading

import flask_migrate
import pytest

from alliance import create_app
from alliance.extensions import db
from tests.browser.support import CHROMIUM, CHROMIUM_ARGS, MISSING
from tests.conftest import _fresh_postgres_database


@pytest.fixture(autouse=True)
def _transaction():
    """The suite's rolled-back transaction does not apply: the server commits."""
    yield


@pytest.fixture(scope="session")
def browser_app(tmp_path_factory, worker_id):
    if MISSING:
        pytest.skip(MISSING)
    base = os.environ.get("TEST_DATABASE_URL")
    instance = tmp_path_factory.mktemp("browser-instance")
    url = (_fresh_postgres_database(base, f"browser_{worker_id}") if base
           else f"sqlite:///{instance / 'browser.db'}")
    app = create_app({
        "SQLALCHEMY_DATABASE_URI": url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "MAIL_BACKEND": "locmem",
        "MAIL_FILE_PATH": str(instance / "mail"),
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "WHOOSH_INDEX_DIR": str(instance / "search"),
        "PAGE_CACHE": False,
        "PAGE_CACHE_VERSION_FILE": str(instance / "page-cache-version"),
        "SEARCH_STARTUP_CHECK": False,
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "RESET_RATE_LIMIT": "100000 per minute",
        "BABEL_DEFAULT_LOCALE": "en",
    })
    with app.app_context():
        flask_migrate.upgrade()
        _load_demo(instance)
    yield app
    with app.app_context():
        from alliance.search import get_backend

        get_backend().close()
        db.session.remove()
        db.engine.dispose()


def _load_demo(instance) -> None:
    from alliance.core.models import utcnow
    from alliance.search.cli import rebuild_index
    from alliance.seed import ensure_partners, ensure_themes
    from alliance.seed.demo import load_demo

    ensure_partners()
    ensure_themes()
    load_demo(now=utcnow(), upload_folder=str(instance / "uploads"))
    db.session.commit()
    rebuild_index()
    db.session.remove()


@pytest.fixture(scope="session")
def live_server(browser_app):
    """The app served on a free port of 127.0.0.1 by a thread; yields its base URL."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, browser_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)
    server.server_close()


@pytest.fixture(scope="session")
def browser(live_server):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser, live_server):
    """``new_page()``: a page in a fresh browser context (its own cookies)."""
    contexts = []

    def make(**options):
        context = browser.new_context(base_url=live_server, locale="en-GB", **options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()


@pytest.fixture
def outbox(browser_app):
    """The messages the app has sent (the locmem backend keeps them on the app)."""
    state = browser_app.extensions["mailman"]
    if not hasattr(state, "outbox"):
        state.outbox = []
    return state.outbox


@pytest.fixture
def in_app(browser_app):
    """``with in_app():`` runs database queries on the browser tests' app."""
    return browser_app.app_context
