"""Keeping the index in step with the database, never before the commit and never
for a rollback.

While a transaction flushes, the changed challenges, proposals and start-ups (and
what their documents depend on: calls, partners, themes) are noted. Just before
the commit:

* a *transactional* backend (PostgreSQL) writes the documents in the same
  transaction, so the index changes exactly when the data does;
* otherwise (Whoosh) one row per document goes into the ``search_outbox`` table,
  in the same transaction. After the commit the outbox is drained into the
  index. If another process holds the index lock the drain gives up at once (no
  request waits); the holder drains again after releasing the lock and so picks
  the rows up. A process killed mid-drain leaves its rows in the outbox: nothing
  is lost, and the next drain (or ``flask search sync``, or the start-up) applies
  them.
"""
from __future__ import annotations

import logging
from datetime import datetime
from itertools import chain

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Mapped, Session, mapped_column

from alliance.challenges.models import Call, Challenge, challenge_cosponsor
from alliance.core.aftercommit import after_commit
from alliance.core.models import UTCDateTime, utcnow
from alliance.core.taxonomy import Theme
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.proposals.models import Proposal
from alliance.search import documents
from alliance.startups.models import Startup, startup_sector

log = logging.getLogger(__name__)

_PENDING = "alliance_search_pending"
_DIRECT = {Challenge: "challenge", Proposal: "proposal", Startup: "startup"}
_DEPENDENCIES = {Call: "call", Partner: "partner", Theme: "theme"}


class SearchOutbox(db.Model):
    """Documents to (re)index or remove, written in the transaction that changed them."""

    __tablename__ = "search_outbox"
    __table_args__ = {"sqlite_autoincrement": True}  # ids never reused

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    object_id: Mapped[int] = mapped_column(nullable=False)
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)


def _enabled() -> bool:
    return has_app_context() and current_app.config.get("SEARCH_SYNC", True)


def _note_changes(session: Session, flush_context) -> None:
    if not _enabled():
        return
    pending = session.info.setdefault(_PENDING, set())
    for obj in chain(session.new, session.dirty, session.deleted):
        kind = _DIRECT.get(type(obj)) or _DEPENDENCIES.get(type(obj))
        if kind is not None and obj.id is not None:
            pending.add((kind, obj.id))


def _resolve(session: Session, pending: set[tuple[str, int]]) -> dict[str, set[int]]:
    """Turn the noted changes into the documents to rewrite (a challenge's proposals
    carry its title, theme, partners and deadline; a start-up's, its name)."""
    ids: dict[str, set[int]] = {"challenge": set(), "proposal": set(), "startup": set()}
    for kind, object_id in pending:
        if kind in ids:
            ids[kind].add(object_id)
    dependencies = {kind: {i for k, i in pending if k == kind} for kind in _DEPENDENCIES.values()}
    if dependencies["call"]:
        ids["challenge"] |= set(session.scalars(
            sa.select(Challenge.id).where(Challenge.call_id.in_(dependencies["call"]))))
    if dependencies["partner"]:
        ids["challenge"] |= set(session.scalars(sa.select(Challenge.id).where(sa.or_(
            Challenge.lead_partner_id.in_(dependencies["partner"]),
            Challenge.id.in_(sa.select(challenge_cosponsor.c.challenge_id).where(
                challenge_cosponsor.c.partner_id.in_(dependencies["partner"])))))))
    if dependencies["theme"]:
        ids["challenge"] |= set(session.scalars(
            sa.select(Challenge.id).where(Challenge.theme_id.in_(dependencies["theme"]))))
        ids["startup"] |= set(session.scalars(
            sa.select(startup_sector.c.startup_id).where(
                startup_sector.c.theme_id.in_(dependencies["theme"]))))
    if ids["challenge"] or ids["startup"]:
        ids["proposal"] |= set(session.scalars(sa.select(Proposal.id).where(sa.or_(
            Proposal.challenge_id.in_(ids["challenge"]),
            Proposal.startup_id.in_(ids["startup"])))))
    return ids


def _before_commit(session: Session) -> None:
    if not _enabled():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # the last changes, noted by _note_changes
    pending = session.info.pop(_PENDING, set())
    if not pending:
        return
    from alliance.search import get_backend

    backend = get_backend()
    ids = _resolve(session, pending)
    if getattr(backend, "transactional", False):
        for kind, kind_ids in ids.items():
            if kind_ids:
                docs, deleted = documents.load_documents(kind, sorted(kind_ids), session=session)
                backend.write(docs, deleted)
        return
    rows = [{"kind": kind, "object_id": i, "queued_at": utcnow()}
            for kind, kind_ids in ids.items() for i in sorted(kind_ids)]
    if rows:
        session.execute(sa.insert(SearchOutbox), rows)
        app = current_app._get_current_object()
        after_commit(session, lambda: drain(app))


def _forget(session: Session, previous_transaction=None) -> None:
    if previous_transaction is None or previous_transaction.parent is None:
        session.info.pop(_PENDING, None)


def install() -> None:
    """Listen to every session (idempotent)."""
    if not event.contains(Session, "after_flush", _note_changes):
        event.listen(Session, "after_flush", _note_changes)
        event.listen(Session, "before_commit", _before_commit)
        event.listen(Session, "after_soft_rollback", _forget)


def drain(app=None, *, rounds: int = 50, batch: int = 500, timeout: float = 0.05) -> int:
    """Apply the outbox to the index; return how many documents were written.

    Each round takes the index lock first, then reads the outbox and the current
    data, writes, and deletes the rows it applied: nothing older than what is in
    the index can be written over it. When another process holds the lock, give
    up at once: a drainer looks at the outbox again *after* releasing the lock,
    so a row committed while it held the lock is never left behind.
    Uses sessions of its own: it runs from an after-commit hook, where the
    committing session cannot run SQL.
    """
    from alliance.search import get_backend

    app = app or current_app._get_current_object()
    done = 0
    with app.app_context():
        backend = get_backend(app)
        for _ in range(rounds):
            try:
                done += _drain_round(backend, batch=batch, timeout=timeout)
            except Exception as error:
                if _is_busy(error):
                    log.info("search index busy: the lock holder will apply the outbox")
                else:
                    log.exception("search index write failed; the outbox keeps the changes")
                return done
            # The lock is released: anything still waiting is ours to take.
            with Session(bind=db.engine) as session:
                if not session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox)):
                    return done
    return done


def _drain_round(backend, *, batch: int, timeout: float) -> int:
    with Session(bind=db.engine) as session:
        # The lock first, then the reading.
        with backend.batch(timeout=timeout) as index:
            rows = session.execute(
                sa.select(SearchOutbox.id, SearchOutbox.kind, SearchOutbox.object_id)
                .order_by(SearchOutbox.id).limit(batch)
            ).all()
            if not rows:
                return 0
            docs, deleted = [], []
            for kind in ("challenge", "proposal", "startup"):
                kind_ids = sorted({r.object_id for r in rows if r.kind == kind})
                if kind_ids:
                    found, gone = documents.load_documents(kind, kind_ids, session=session)
                    docs += found
                    deleted += gone
            index.write(docs, deleted)  # committed to the index here
        # Only once the index holds them do the rows go.
        # By id *and* content: SQLite may give a deleted row's id to a newer row.
        for row in rows:
            session.execute(sa.delete(SearchOutbox).where(
                SearchOutbox.id == row.id, SearchOutbox.kind == row.kind,
                SearchOutbox.object_id == row.object_id))
        session.commit()
        return len(docs) + len(deleted)


def _is_busy(error: Exception) -> bool:
    from whoosh.index import LockError

    return isinstance(error, LockError) or type(error).__name__ == "IndexBusy"


def pending_count() -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(SearchOutbox))
