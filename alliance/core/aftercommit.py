"""Work that must run only once the database transaction has committed.

Search indexing and e-mail are queued during the request with
:func:`after_commit` and run after a successful commit; a rollback throws
the queue away, so nothing is sent or indexed for a change that never
happened.
"""
from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import event
from sqlalchemy.orm import Session

log = logging.getLogger(__name__)

_KEY = "alliance_after_commit"


def after_commit(session: Session, callback: Callable[[], None]) -> None:
    """Queue ``callback`` to run after ``session``'s current transaction commits."""
    session.info.setdefault(_KEY, []).append(callback)


def _run_queue(session: Session) -> None:
    callbacks = session.info.pop(_KEY, [])
    for callback in callbacks:
        try:
            callback()
        except Exception:  # one failing side effect must not stop the others
            log.exception("after-commit callback %r failed", callback)


def _drop_queue(session: Session) -> None:
    session.info.pop(_KEY, None)


def install(session_class) -> None:
    """Listen to commit and rollback on every session of ``session_class``."""
    if not event.contains(session_class, "after_commit", _run_queue):
        event.listen(session_class, "after_commit", _run_queue)
        event.listen(session_class, "after_soft_rollback", _drop_queue_on_outer)


def _drop_queue_on_outer(session: Session, previous_transaction) -> None:
    if previous_transaction.parent is None:  # the outermost transaction rolled back
        _drop_queue(session)
