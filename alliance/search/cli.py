"""``flask search rebuild | check | sync``."""
from __future__ import annotations

import click
from flask.cli import AppGroup

from alliance.search import documents, get_backend, sync

search_cli = AppGroup("search", help="Build and check the search index.")


def rebuild_index(progress=None) -> int:
    """Rebuild the whole index from the database; return the number of documents."""
    import sqlalchemy as sa

    from alliance.extensions import db

    backend = get_backend()
    outbox = sync.SearchOutbox
    # What the outbox holds now is in the rebuilt index; what arrives meanwhile
    # (refused by the lock the rebuild holds) is applied after it.
    applied_up_to = db.session.scalar(sa.select(sa.func.max(outbox.id))) or 0
    total = documents.count_documents()
    count = backend.rebuild(documents.all_documents(), total, progress)
    db.session.execute(sa.delete(outbox).where(outbox.id <= applied_up_to))
    db.session.commit()
    sync.drain()
    return count


def compare_index() -> dict[str, list[str]]:
    """Keys missing from the index, stale in it (changed since), or extra in it."""
    indexed = get_backend().fingerprints()
    expected = {doc.key: doc.fingerprint() for doc in documents.all_documents()}
    return {
        "missing": sorted(k for k in expected if k not in indexed),
        "stale": sorted(k for k in expected if k in indexed and indexed[k] != expected[k]),
        "extra": sorted(k for k in indexed if k not in expected),
    }


@search_cli.command("rebuild")
def rebuild() -> None:
    """Rebuild the index from the database (the database is the truth)."""
    total = documents.count_documents()
    with click.progressbar(length=total, label="Indexing", show_pos=True) as bar:
        seen = [0]

        def progress(n: int) -> None:
            bar.update(n - seen[0])
            seen[0] = n

        count = rebuild_index(progress)
    click.echo(f"Indexed {count} documents ({get_backend().name}).")


@search_cli.command("check")
def check() -> None:
    """List what the index misses, holds stale or holds extra; exit 1 on any drift."""
    drift = compare_index()
    pending = sync.pending_count()
    for label, keys in drift.items():
        if keys:
            shown = ", ".join(keys[:20]) + (" ..." if len(keys) > 20 else "")
            click.echo(f"{label}: {len(keys)}: {shown}")
    if pending:
        click.echo(f"waiting in the outbox: {pending}")
    if any(drift.values()):
        raise SystemExit(1)
    click.echo("The search index matches the database.")


@search_cli.command("sync")
def sync_command() -> None:
    """Apply the changes waiting in the outbox (after a crash, or from cron)."""
    done = sync.drain()
    click.echo(f"Applied {done} changes; {sync.pending_count()} still waiting.")
