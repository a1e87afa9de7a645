"""Sending what the mail outbox holds (:class:`~alliance.core.outbox.OutgoingMail`).

Each attempt is *claimed* first: one UPDATE counts it and schedules the next one
(back-off), guarded by the attempts seen, so two processes (the after-commit send,
``flask mail retry`` run by cron, an admin's "retry now") never send the same
attempt twice; a process that dies mid-send leaves the message due again later.
Then the message is sent, and the outcome written: sent, or the error (and, after
the last attempt, failed).

The bookkeeping runs in short transactions of its own, as plain Core statements on a
connection: it never flushes the caller's objects and, having no ORM flush, does not
change the page cache's data version (nothing a visitor sees depends on it).
"""
from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from flask_mailman import EmailMultiAlternatives
from sqlalchemy.orm import Session

from alliance.core.models import utcnow
from alliance.core.outbox import FAILED, PENDING, SENT, OutgoingMail
from alliance.extensions import db

log = logging.getLogger(__name__)

# The wait after the 1st, 2nd, 3rd and 4th failed attempt; the 5th failure is final.
BACKOFF = (timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2), timedelta(hours=12))
MAX_ATTEMPTS = len(BACKOFF) + 1
# What ``flask mail retry`` sends in one run, at most (the next run goes on).
BATCH = 500
ERROR_CHARS = 2000

table = OutgoingMail.__table__


def next_attempt_at(attempts: int, now: datetime) -> datetime:
    """When attempt ``attempts + 1`` is due, should attempt ``attempts`` fail."""
    return now + BACKOFF[min(attempts, len(BACKOFF)) - 1]


@dataclass(frozen=True)
class Message:
    """What an attempt needs: the row's content and the attempt's number."""

    id: int
    recipients: list[str]
    subject: str
    body: str
    html_body: str | None
    attempt: int


@contextmanager
def own_transaction() -> Iterator[sa.Connection]:
    """A short transaction of its own, committed on leaving the block. (In the
    tests ``db.engines`` holds the test's connection: this is then a savepoint.)"""
    session = Session(bind=db.engines[None], join_transaction_mode="create_savepoint")
    try:
        with session.begin():
            yield session.connection()
    finally:
        session.close()


def send_message(message: Message, *, now: datetime | None = None) -> bool:
    """Send one claimed attempt and write its outcome; True when it was sent."""
    try:
        email = EmailMultiAlternatives(
            subject=message.subject, body=message.body, to=message.recipients,
            from_email=current_app.config["MAIL_DEFAULT_SENDER"],
        )
        if message.html_body:
            email.attach_alternative(message.html_body, "text/html")
        if not email.send():
            raise RuntimeError("the mail backend sent nothing")
    except Exception as exc:  # any failure: kept, retried, shown to the admins
        error = f"{type(exc).__name__}: {exc}"[:ERROR_CHARS]
        # The id, not the addresses: logs are kept longer than personal data should be.
        log.warning("mail %s (attempt %d) not sent: %s", message.id, message.attempt, error)
        _write_failure(message, error)
        return False
    with own_transaction() as conn:
        conn.execute(table.update().where(table.c.id == message.id).values(
            status=SENT, sent_at=now or utcnow(), next_attempt_at=None, last_error=""))
    return True


def _write_failure(message: Message, error: str) -> None:
    values = {"last_error": error}
    if message.attempt >= MAX_ATTEMPTS:
        values.update(status=FAILED, next_attempt_at=None)
    with own_transaction() as conn:
        # Only while no later attempt was claimed meanwhile (its outcome will count).
        conn.execute(table.update().where(table.c.id == message.id,
                                          table.c.attempts == message.attempt,
                                          table.c.status == PENDING).values(**values))


def _claim(conn: sa.Connection, row, now: datetime) -> Message | None:
    attempt = row.attempts + 1
    claimed = conn.execute(
        table.update()
        .where(table.c.id == row.id, table.c.attempts == row.attempts,
               table.c.status == row.status)
        .values(attempts=attempt, status=PENDING, next_attempt_at=next_attempt_at(attempt, now))
    ).rowcount
    if claimed != 1:
        return None  # another process claimed it first
    return Message(row.id, list(row.recipients), row.subject, row.body, row.html_body, attempt)


_COLUMNS = (table.c.id, table.c.attempts, table.c.status, table.c.recipients,
            table.c.subject, table.c.body, table.c.html_body, table.c.last_error)


@dataclass(frozen=True)
class RetryResult:
    sent: int
    not_sent: int


def retry_due(*, now: datetime, limit: int = BATCH) -> RetryResult:
    """Send every pending message whose next attempt is due (oldest due first)."""
    with own_transaction() as conn:
        rows = conn.execute(
            sa.select(*_COLUMNS)
            .where(table.c.status == PENDING, table.c.next_attempt_at <= now)
            .order_by(table.c.next_attempt_at, table.c.id).limit(limit)
        ).all()
    sent = not_sent = 0
    for row in rows:
        with own_transaction() as conn:
            message = _claim(conn, row, now)
        if message is None:
            continue
        if send_message(message, now=now):
            sent += 1
        else:
            not_sent += 1
    return RetryResult(sent, not_sent)


def retry_now(*, mail_id: int, now: datetime) -> bool | None:
    """An admin's "retry now": one more attempt at a message that failed (given up, or
    waiting for its next attempt). True if sent, False if not, None if there was
    nothing to retry (sent already, or never attempted yet)."""
    with own_transaction() as conn:
        row = conn.execute(sa.select(*_COLUMNS).where(table.c.id == mail_id)).first()
        # A pending message with no error is on its way: its first attempt runs now.
        if row is None or row.status == SENT or (row.status == PENDING and not row.last_error):
            return None
        message = _claim(conn, row, now)
    if message is None:
        return None
    return send_message(message, now=now)

