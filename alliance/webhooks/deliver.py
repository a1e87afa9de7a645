"""Sending webhook deliveries: signed POSTs, retried with back-off.

Each delivery is POSTed as its stored ``payload`` (the exact bytes signed) with
``Content-Type: application/json``, ``X-Alliance-Event``, ``X-Alliance-Delivery``
(its ``event_id``, for the receiver to drop duplicates) and ``X-Alliance-Signature:
sha256=<hex HMAC-SHA256(endpoint secret, body)>``. A 2xx answer within
:data:`TIMEOUT` seconds delivers it. Anything else (another status, a redirect,
which is never followed, a timeout, a refused connection) counts an attempt and
schedules the next one after :data:`BACKOFF`; when those run out the delivery is
``failed``. Nothing here raises: every outcome is written on the delivery.

Never twice: each attempt is *claimed* first, in a short transaction of its own, by
one UPDATE guarded by the attempts seen (as the mail outbox does,
``alliance/core/outbox_send.py``): it counts the attempt and leases the delivery
(``next_attempt_at`` moves :data:`LEASE` ahead), so whichever sender (the one after
the commit, the cron, an admin's "retry now") changes the row first sends it and the
others skip it; a sender that dies mid-send leaves it due again when the lease ends.
The POST runs with no transaction open and no row locked; its outcome is written in
another short transaction. The bookkeeping is plain Core statements (no ORM flush).
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa

from alliance.core.models import utcnow
from alliance.core.outbox_send import own_transaction
from alliance.webhooks.models import DELIVERED, FAILED, PENDING, WebhookDelivery, WebhookEndpoint

log = logging.getLogger(__name__)

TIMEOUT = 5  # seconds
# After the 1st, 2nd, ... failed attempt, wait this long; after the last, give up.
BACKOFF = (timedelta(minutes=1), timedelta(minutes=5), timedelta(minutes=30),
           timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
BATCH = 100
# A claimed delivery is due again this long after its claim, should its sender die.
LEASE = timedelta(minutes=10)

deliveries = WebhookDelivery.__table__
endpoints = WebhookEndpoint.__table__


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: what ``X-Alliance-Signature`` carries."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None  # the 3xx is the answer: an attempt that failed


_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())


def _post(url: str, body: bytes, headers: dict) -> tuple[int | None, str]:
    """``(status, error)``: the answer's status (None when there was none) and what
    went wrong ("" for a 2xx)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
        error.close()
    except Exception as error:  # timeouts, refused connections, bad addresses, TLS
        return None, f"{type(error).__name__}: {error}"[:500]
    return status, "" if 200 <= status < 300 else f"HTTP {status}"


@dataclass(frozen=True)
class Claimed:
    """One attempt claimed by this sender: what the POST needs."""

    id: int
    attempt: int  # its number (1 for the first)
    event: str
    event_id: str
    payload: str
    url: str
    secret: str


_COLUMNS = (deliveries.c.id, deliveries.c.attempts, deliveries.c.event,
            deliveries.c.event_id, deliveries.c.payload, endpoints.c.url,
            endpoints.c.secret, endpoints.c.active)


def _pending(conn: sa.Connection, row, **values) -> int:
    """Update ``row``'s delivery if no one changed it since it was read; the rowcount."""
    return conn.execute(deliveries.update().where(
        deliveries.c.id == row.id, deliveries.c.status == PENDING,
        deliveries.c.attempts == row.attempts).values(**values)).rowcount


def _claim(conn: sa.Connection, row, now: datetime) -> Claimed | None:
    """Claim the next attempt of ``row`` (read earlier); None when another sender was
    first, or when there is nothing to send (endpoint deactivated, attempts used up by
    senders that died: the delivery is then ``failed``)."""
    if not row.active:  # deactivated since: nobody is listening
        _pending(conn, row, status=FAILED, next_attempt_at=None,
                 last_error="Endpoint deactivated")
        return None
    if row.attempts >= MAX_ATTEMPTS:
        _pending(conn, row, status=FAILED, next_attempt_at=None)
        return None
    attempt = row.attempts + 1
    if _pending(conn, row, attempts=attempt, next_attempt_at=now + LEASE) != 1:
        return None  # another sender claimed it first
    return Claimed(row.id, attempt, row.event, row.event_id, row.payload, row.url, row.secret)


def send(claimed: Claimed, *, now: datetime) -> bool:
    """POST a claimed attempt (no transaction open), then write its outcome in a short
    transaction of its own; True when it was delivered."""
    body = claimed.payload.encode("utf-8")
    status, error = _post(claimed.url, body, {
        "Content-Type": "application/json",
        "User-Agent": "Alliance-Webhooks/1",
        "X-Alliance-Event": claimed.event,
        "X-Alliance-Delivery": claimed.event_id,
        "X-Alliance-Signature": signature(claimed.secret, body),
    })
    mine = (deliveries.c.id == claimed.id, deliveries.c.status == PENDING)
    with own_transaction() as conn:
        if not error:  # delivered, whoever claimed the latest attempt
            conn.execute(deliveries.update().where(*mine).values(
                status=DELIVERED, delivered_at=now, next_attempt_at=None, last_error="",
                response_status=status))
            return True
        values = {"response_status": status, "last_error": error}
        if claimed.attempt >= MAX_ATTEMPTS:
            values.update(status=FAILED, next_attempt_at=None)
        else:
            values["next_attempt_at"] = now + BACKOFF[claimed.attempt - 1]
        # Only while no later attempt was claimed meanwhile (its outcome will count).
        conn.execute(deliveries.update().where(
            *mine, deliveries.c.attempts == claimed.attempt).values(**values))
    return False


def _due(conn: sa.Connection, now: datetime, event_ids, skip: set[int]):
    query = (sa.select(*_COLUMNS).join(endpoints, endpoints.c.id == deliveries.c.endpoint_id)
             .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
             .order_by(deliveries.c.next_attempt_at, deliveries.c.id).limit(BATCH))
    if event_ids is not None:
        query = query.where(deliveries.c.event_id.in_(event_ids))
    if skip:
        query = query.where(deliveries.c.id.not_in(skip))
    return conn.execute(query).all()


def deliver_due(*, now: datetime | None = None, event_ids=None) -> tuple[int, int]:
    """Send the pending deliveries that are due (all of them, in batches); return
    ``(delivered, not delivered)``, counting only the attempts this call claimed."""
    now = now or utcnow()
    started = utcnow()

    def moment() -> datetime:
        """``now`` moved on by the time this run has taken: a long run (many slow
        receivers) must not claim with a lease, nor back off from a time, already past."""
        return now + (utcnow() - started)

    delivered = failed = 0
    seen: set[int] = set()
    while True:
        with own_transaction() as conn:
            rows = _due(conn, now, event_ids, seen)
        if not rows:
            return delivered, failed
        for row in rows:
            seen.add(row.id)
            with own_transaction() as conn:
                claimed = _claim(conn, row, moment())
            if claimed is None:
                failed += not row.active
                continue
            if send(claimed, now=moment()):
                delivered += 1
            else:
                failed += 1


def send_pending(app, event_ids: list[str]) -> None:
    """After a commit: send the deliveries it created (their first attempt)."""
    with app.app_context():
        deliver_due(now=utcnow(), event_ids=event_ids)


# The background senders started after commits ("thread" mode), for tests to join.
_threads: list[threading.Thread] = []


def _send_in_background(app, event_ids: list[str]) -> None:
    try:
        send_pending(app, event_ids)
    except Exception:  # the cron retries
        log.exception("webhook deliveries after commit failed; the cron will retry")


def start_sending(app, event_ids: list[str]) -> threading.Thread | None:
    """Send the deliveries a commit created in a daemon thread, so that the request
    never waits for a receiver (a process that stops first leaves them to the cron)."""
    thread = threading.Thread(target=_send_in_background, args=(app, list(event_ids)),
                              name="webhooks-after-commit", daemon=True)
    _threads[:] = [t for t in _threads if t.is_alive()]
    _threads.append(thread)
    thread.start()
    return thread


def join_threads(timeout: float = 30) -> None:
    """Wait for the background senders started so far (tests)."""
    while _threads:
        _threads.pop().join(timeout)
