"""The public pages as an anonymous visitor sees them, kept by each worker process.

**What is cached.** A GET (or HEAD) of one of :data:`PAGES` by a visitor who is not
signed in (no user in the session, no remember-me cookie) and has no message
waiting to be flashed; only answers 200 with HTML are kept. Signed-in users always
get a page rendered for them, so no user's page is ever served to someone else.

**The key** is the visitor's language, the full path with its query string and
whether htmx asked for a fragment.

**The CSRF token.** Pages carry a form (the language switch) whose token belongs to
the visitor's session. A page is rendered for the cache with a placeholder where
the token goes; every response, cached or not, gets a token of its own session.

**Invalidation.** Each entry remembers the *data version* it was rendered at. The
version changes after every commit that wrote anything (any flush with new,
changed or deleted rows, or an insert, update or delete statement): a new random
value, stored in a file of the instance folder (read on each request; shared by
the processes of one host) or, with ``PAGE_CACHE_REDIS_URL``, in Redis (shared by
several hosts). The change is made after the commit and after its after-commit
work (search indexing), and a page is rendered only after the version is read, so
an entry never holds data older than its version. Pages also change with time
alone: a deadline passes and the Apply button goes. So an entry also expires at
the next opening or deadline of any challenge or call, and at the latest
``PAGE_CACHE_SECONDS`` after it was made ("3 days left").
"""
from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask, Response, current_app, g, has_app_context, request, session
from flask_babel import get_locale
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event
from sqlalchemy.orm import Session

from alliance.core.models import utcnow

log = logging.getLogger(__name__)

PAGES = frozenset({"main.index", "challenges.index", "challenges.detail", "partners.index",
                   "goals.index", "goals.detail",
                   "partners.detail", "search.index"})
# Random per process: text a user writes can never be taken for it.
PLACEHOLDER = f"__csrf_{secrets.token_hex(16)}__"
KEPT_HEADERS = ("Content-Type", "Vary")
_CHANGED = "alliance_page_cache_changed"


@dataclass(frozen=True, slots=True)
class Entry:
    version: str
    expires: float  # time.time()
    body: bytes  # with the placeholder
    headers: tuple[tuple[str, str], ...]


class _Store:
    """A bounded LRU of entries, per process."""

    def __init__(self):
        self.lock = threading.Lock()
        self.entries: OrderedDict[tuple, Entry] = OrderedDict()

    def get(self, key: tuple) -> Entry | None:
        with self.lock:
            entry = self.entries.get(key)
            if entry is not None:
                self.entries.move_to_end(key)
            return entry

    def put(self, key: tuple, entry: Entry, limit: int) -> None:
        with self.lock:
            self.entries[key] = entry
            self.entries.move_to_end(key)
            while len(self.entries) > limit:
                self.entries.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


STORE = _Store()


# -- the data version ----------------------------------------------------------------

def _version_file(app: Flask) -> Path:
    return Path(app.config.get("PAGE_CACHE_VERSION_FILE")
                or Path(app.instance_path) / "page-cache-version")


def _redis(app: Flask):
    client = app.extensions.get("alliance_page_cache_redis")
    if client is None:
        import redis

        client = redis.Redis.from_url(app.config["PAGE_CACHE_REDIS_URL"])
        app.extensions["alliance_page_cache_redis"] = client
    return client


REDIS_KEY = "alliance:page-cache-version"


def read_version(app: Flask) -> str | None:
    """The current data version ("" when none was ever written; None when it cannot
    be read: the page is then rendered and not cached)."""
    try:
        if app.config.get("PAGE_CACHE_REDIS_URL"):
            value = _redis(app).get(REDIS_KEY)
            return value.decode() if value else ""
        return _version_file(app).read_text()
    except FileNotFoundError:
        return ""
    except Exception:
        log.exception("page cache: the data version cannot be read; not caching")
        return None


def bump_version(app: Flask) -> None:
    """A new version: every entry made before is stale from now on. The commit has
    happened: a failure here is logged, never turned into an error page (and the
    entries still expire within ``PAGE_CACHE_SECONDS``)."""
    value = secrets.token_hex(8)
    try:
        if app.config.get("PAGE_CACHE_REDIS_URL"):
            _redis(app).set(REDIS_KEY, value)
            return
        path = _version_file(app)
        partial = path.with_name(f"{path.name}.{os.getpid()}.{value}")
        partial.write_text(value)
        os.replace(partial, path)  # atomic: readers see the old value or the new one
    except Exception:
        log.exception("page cache: the data version cannot be changed")


def _note_flush(session: Session, flush_context) -> None:
    if session.new or session.deleted or any(session.is_modified(o) for o in session.dirty):
        session.info[_CHANGED] = True


def _note_statement(state) -> None:
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[_CHANGED] = True


def _after_commit(session: Session) -> None:
    if session.info.pop(_CHANGED, False) and has_app_context():
        bump_version(current_app._get_current_object())


def _forget(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:
        session.info.pop(_CHANGED, None)


def _install_listeners() -> None:
    """On every session (idempotent). Installed after ``aftercommit``, so the new
    version is written after the commit's after-commit work (search indexing)."""
    if not event.contains(Session, "after_flush", _note_flush):
        event.listen(Session, "after_flush", _note_flush)
        event.listen(Session, "do_orm_execute", _note_statement)
        event.listen(Session, "after_commit", _after_commit)
        event.listen(Session, "after_soft_rollback", _forget)


# -- serving -------------------------------------------------------------------------

def _key() -> tuple | None:
    """The key of this request's page, or None when it must not be cached."""
    if request.method not in ("GET", "HEAD") or request.endpoint not in PAGES:
        return None
    if request.cookies.get("remember_token") or "_user_id" in session or "_flashes" in session:
        return None
    if request.headers.get("HX-History-Restore-Request") == "true":
        return None  # htmx restoring history wants a whole page despite HX-Request
    return (str(get_locale()), request.full_path, request.headers.get("HX-Request") == "true")


def _next_boundary(now: datetime) -> float | None:
    """The next time a page may change without a write: an opening or a deadline."""
    from alliance.challenges.models import Call, Challenge

    times = [
        db_time for db_time in (
            _min_after(Challenge.opens_at, now), _min_after(Challenge.deadline, now),
            _min_after(Call.opens_at, now), _min_after(Call.closes_at, now),
            _min_after(Call.results_at, now))
        if db_time is not None
    ]
    return min(times).timestamp() if times else None


def _min_after(column, now: datetime) -> datetime | None:
    from alliance.extensions import db

    return db.session.scalar(sa.select(sa.func.min(column)).where(column > now))


def _with_token(body: bytes) -> bytes:
    return body.replace(PLACEHOLDER.encode(), generate_csrf().encode())


def _before_request():
    if not current_app.config["PAGE_CACHE"] or current_app.debug:  # debug: templates change
        return None
    key = _key()
    if key is None:
        return None
    version = read_version(current_app)
    if version is None:
        return None
    entry = STORE.get(key)
    if entry is not None and entry.version == version and entry.expires > time.time():
        response = Response(_with_token(entry.body), status=200, headers=list(entry.headers))
        response.headers["X-Page-Cache"] = "hit"
        return response
    # Read before any data: the page will hold data at least as new as this version,
    # and expire at the first boundary after the moment its data was read.
    g.page_cache = (key, version, utcnow())
    return None


def _after_request(response: Response) -> Response:
    fill = g.pop("page_cache", None)
    if fill is None:
        return response
    if response.direct_passthrough or response.is_streamed:
        return response
    body = response.get_data()
    if (response.status_code == 200 and response.mimetype == "text/html"
            and "_flashes" not in session and "_user_id" not in session):
        key, version, now = fill
        expires = time.time() + current_app.config["PAGE_CACHE_SECONDS"]
        boundary = _next_boundary(now)
        if boundary is not None:
            expires = min(expires, boundary)
        headers = tuple((name, response.headers[name]) for name in KEPT_HEADERS
                        if name in response.headers)
        STORE.put(key, Entry(version, expires, body, headers),
                  current_app.config["PAGE_CACHE_ENTRIES"])
        response.headers["X-Page-Cache"] = "miss"
    response.set_data(_with_token(body))
    return response


def skip() -> None:
    """Render this request's page without keeping it (call before rendering): for a
    page built in a degraded way, such as without the search index."""
    g.pop("page_cache", None)


def _csrf_token() -> str:
    """The template's ``csrf_token()``: a placeholder while a page is rendered for
    the cache (each response then gets its own token)."""
    return PLACEHOLDER if "page_cache" in g else generate_csrf()


def install(app: Flask) -> None:
    _install_listeners()
    app.before_request(_before_request)
    app.after_request(_after_request)
    # Flask-WTF offers ``csrf_token`` both as a global and from a context processor
    # (which wins): replace both; this processor is registered after Flask-WTF's.
    app.jinja_env.globals["csrf_token"] = _csrf_token
    app.context_processor(lambda: {"csrf_token": _csrf_token})
