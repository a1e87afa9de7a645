"""Test fixtures: one schema per run (built by the migrations), one rolled-back
transaction per test. ``TEST_DATABASE_URL`` points the run at PostgreSQL; each
xdist worker then gets a fresh database of its own."""
from __future__ import annotations

import os
import re
from datetime import UTC, datetime

import flask_migrate
import pytest
import sqlalchemy as sa
from flask import g
from flask.testing import FlaskClient
from sqlalchemy import event

from alliance import create_app
from alliance.extensions import db, mail
from tests import factories


def _fresh_postgres_database(base_url: str, worker: str) -> str:
    """Create (anew) a database for this worker next to ``base_url``'s."""
    url = sa.make_url(base_url).set(drivername="postgresql+psycopg")
    name = re.sub(r"\W", "_", f"{url.database}_{worker}")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return url.set(database=name).render_as_string(hide_password=False)


class IsolatedClient(FlaskClient):
    """Requests made in a test reuse the test's app context, and with it ``g``,
    where Flask-Login caches the user and Flask-Babel the locale. Start every
    request with a clean ``g``, as a real request would."""

    def open(self, *args, **kwargs):
        # What the test set up is committed data by the time a request arrives,
        # so a view's rollback after a refused action cannot undo it.
        db.session.commit()
        g.__dict__.clear()
        return super().open(*args, **kwargs)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory, worker_id) -> str:
    base = os.environ.get("TEST_DATABASE_URL")
    if base:
        return _fresh_postgres_database(base, worker_id)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory, database_url):
    instance = tmp_path_factory.mktemp("instance")
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "locmem",
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "WHOOSH_INDEX_DIR": str(instance / "search"),
        # Search tests turn these on; elsewhere the index stays out of the way.
        "SEARCH_SYNC": False,
        "RANKING_CACHE": False,  # rolled-back tests repeat ids and times: see ranking._cached
        # One shared connection (the rolled-back transaction): no second thread may use it.
        "WEBHOOKS_SEND_AFTER_COMMIT": "inline",
        "PAGE_CACHE": False,  # on in tests/core/test_page_cache.py
        "PAGE_CACHE_VERSION_FILE": str(instance / "page-cache-version"),
        # Limits so high no test reaches them; the rate-limit tests lower them.
        "LOGIN_RATE_LIMIT": "100000 per minute",
        "RESET_RATE_LIMIT": "100000 per minute",
        "SEARCH_STARTUP_CHECK": False,
        "MAIL_FILE_PATH": str(instance / "mail"),
        "SERVER_NAME": "alliance.test",
        # Assertions read the English source texts; tests of Italian ask for it.
        "BABEL_DEFAULT_LOCALE": "en",
    })
    app.test_client_class = IsolatedClient
    with app.app_context():
        engine = db.engine
        if engine.dialect.name == "sqlite":
            _make_sqlite_transactional(engine)
        flask_migrate.upgrade()
        yield app
        db.session.remove()
        engine.dispose()


def _make_sqlite_transactional(engine) -> None:
    """pysqlite's own transaction handling breaks SAVEPOINTs: take it over."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, connection_record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(conn):
        conn.exec_driver_sql("BEGIN")


@pytest.fixture(autouse=True)
def _transaction(app, monkeypatch):
    """Every test runs inside a transaction that is rolled back at its end;
    commits in app code become SAVEPOINT releases."""
    engine = db.engine
    connection = engine.connect()
    outer = connection.begin()
    monkeypatch.setitem(db.engines, None, connection)
    monkeypatch.setitem(db.session.session_factory.kw, "join_transaction_mode",
                        "create_savepoint")
    db.session.remove()
    yield connection
    db.session.remove()
    outer.rollback()
    connection.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def mail_outbox(app):
    """The messages sent during the test (after their transaction committed)."""
    mail.outbox = []
    state = app.extensions["mailman"]
    state.outbox = []
    return state.outbox


@pytest.fixture
def now():
    """A fixed instant to pass to services (the frozen clock for views: ``travel``)."""
    return datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture
def travel():
    """Move the whole process's clock: ``travel(datetime)`` (time-machine)."""
    import time_machine

    current = []

    def go(when: datetime):
        if current:
            current.pop().stop()
        traveller = time_machine.travel(when, tick=False)
        traveller.start()
        current.append(traveller)

    yield go
    if current:
        current.pop().stop()


class AuthActions:
    """Log a user in and out through the real forms."""

    def __init__(self, client):
        self.client = client

    def login(self, user, password: str = factories.PASSWORD, remember: bool = False):
        return self.client.post(
            "/auth/login",
            data={"email": user.email, "password": password, "remember": "y" if remember else ""},
        )

    def logout(self):
        return self.client.post("/auth/logout")


@pytest.fixture
def auth(client):
    return AuthActions(client)


@pytest.fixture
def login_as(client):
    """Log ``user`` in by putting their id in the session (fast, no form)."""

    def login(user):
        with client.session_transaction() as session:
            session["_user_id"] = user.get_id()
            session["_fresh"] = True
        return client

    return login


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a ``with count_queries() as counter:`` block."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        statements: list[str] = []

        def before(conn, cursor, statement, parameters, context, executemany):
            if not statement.lstrip().upper().startswith(("SAVEPOINT", "RELEASE", "ROLLBACK")):
                statements.append(statement)

        event.listen(db.engine, "before_cursor_execute", before)
        try:
            yield statements
        finally:
            event.remove(db.engine, "before_cursor_execute", before)

    return counting


@pytest.fixture
def ctx(app):
    """A request context, for code that reads the request (``url_for``, the locale)."""
    with app.test_request_context():
        yield


@pytest.fixture
def login(login_as):
    """``login_as`` under the name some tests use."""
    return login_as


@pytest.fixture
def winter(travel, client):
    """The clock on 15 January 2026, before the daylight-saving dates the tests use."""
    moment = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    travel(moment)
    return moment


@pytest.fixture
def admin():
    return factories.UserFactory(admin=True, name="Ada Admin")


@pytest.fixture
def partner():
    return factories.PartnerFactory(name="Acme Smart S.p.A.")


@pytest.fixture
def partner_user(partner):
    return factories.PartnerUserFactory(partner=partner, name="Paolo Partner")


@pytest.fixture
def startup_user():
    return factories.StartupUserFactory(name="Sara Startup")
