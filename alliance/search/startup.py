"""At start-up: a missing or unreadable index is rebuilt from the database (with a
log line), and changes left in the outbox by a stopped process are applied."""
from __future__ import annotations

import logging

import sqlalchemy as sa

log = logging.getLogger(__name__)


def check_index_at_startup(app) -> None:
    from alliance.search import get_backend, sync
    from alliance.search.cli import rebuild_index

    with app.app_context():
        try:
            waiting = sync.pending_count()  # fails before `flask db upgrade`: nothing to do
            backend = get_backend(app)
            ensure = getattr(backend, "ensure", None)
            if ensure is not None and ensure():
                log.warning("search index missing or unreadable: rebuilding it from the database")
                count = rebuild_index()
                log.warning("search index rebuilt: %d documents", count)
            elif waiting:
                sync.drain(app)
        except (sa.exc.OperationalError, sa.exc.ProgrammingError) as error:
            # No schema yet (before `flask db upgrade`): nothing to index.
            log.info("search start-up check skipped: %s", str(error).splitlines()[0])
            from alliance.extensions import db

            db.session.rollback()
        finally:
            from alliance.extensions import db

            db.session.remove()
