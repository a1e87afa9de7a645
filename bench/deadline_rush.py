"""The deadline rush: ``python -m bench.deadline_rush``; prints one JSON object.

For SQLite (Whoosh index) and for PostgreSQL (``SEARCH_BACKEND=postgres``, the
README's choice for several hosts), each in a fresh database built by the
migrations:

1. N start-ups (default 320), each with a confirmed member and a complete draft
   proposal to one challenge, written through the models (``bench.rush_data``);
2. gunicorn with 4 workers on 127.0.0.1 (``gunicorn.conf.py``, rate limits off);
3. every member logs in through ``/auth/login`` and opens the edit page (the
   session cookie and the CSRF token), before the rush;
4. the challenge's deadline is moved to a few seconds ahead; 300 submissions are
   fired from a pool of concurrent clients, spread over the last 10 seconds
   before it (ending ``--margin`` s before it), and 20 more just after it;
5. then, from the database and the index: ``accepted`` (answered with the
   receipt), ``persisted`` (submitted with the sent text and a submission row),
   ``indexed`` (the index holds the database's document), ``refused_after_deadline``,
   ``accepted_after_deadline`` (answered with a receipt, or stored with a time at
   or after the deadline), ``server_errors`` (5xx or no answer), and the latency
   (``p50_ms``, ``p95_ms``) of the 300 in-window submissions. Extra keys say what
   else was seen (refusals in the window, statuses, the search check).

``RUSH_DATABASE_URL`` names the PostgreSQL database to create and drop
(default ``postgresql+psycopg://postgres@127.0.0.1:5432/alliance_rush_bench``).
gunicorn is stopped at the end, whatever happens.
"""
from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import sqlalchemy as sa

from bench import rush_data
from bench.rush_server import Client, Server, free_port, server_env

DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/alliance_rush_bench"


@dataclass
class Shot:
    proposal_id: int
    late: bool
    status: int | None
    location: str
    ms: float
    sent_at: float = 0.0  # wall clock (time.time())
    done_at: float = 0.0

    @property
    def accepted(self) -> bool:
        return self.status == 302 and "/receipts/" in self.location


def fresh_postgres(url: str) -> str:
    url = sa.make_url(url).set(drivername="postgresql+psycopg")
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{url.database}"'))
    admin.dispose()
    return url.render_as_string(hide_password=False)


def drop_postgres(url: str) -> None:
    url = sa.make_url(url)
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
    admin.dispose()


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def _prepare(clients: list[Client], applicants, threads: int = 8) -> None:
    """Log everyone in and open their edit pages (session cookie, CSRF token)."""
    def one(pair):
        client, applicant = pair
        client.login(applicant.email, rush_data.PASSWORD)
        status = client.get(f"/proposals/{applicant.proposal_id}/edit")[0]
        if status != 200 or not client.csrf:
            raise RuntimeError(f"edit page of proposal {applicant.proposal_id}: {status}")

    with ThreadPoolExecutor(threads) as pool:
        list(pool.map(one, zip(clients, applicants, strict=True)))


def _fire(client: Client, applicant, number: int, at: float, late: bool) -> Shot:
    time.sleep(max(0.0, at - time.time()))
    sent_at, start = time.time(), time.perf_counter()
    try:
        status, headers, _ = client.post(f"/proposals/{applicant.proposal_id}/edit",
                                         rush_data.submitted_form(number), timeout=60)
        location = headers.get("Location", "")
    except (OSError, http.client.HTTPException):
        status, location = None, ""
    return Shot(applicant.proposal_id, late, status, location,
                (time.perf_counter() - start) * 1000, sent_at, time.time())


def rush(clients, applicants, *, deadline: datetime, on_time: int, concurrency: int,
         window: float, margin: float, after: float) -> list[Shot]:
    """``on_time`` posts spread over ``[deadline - window, deadline - margin]``, the
    rest over ``(deadline, deadline + after]``."""
    end = deadline.timestamp()
    step = (window - margin) / max(1, on_time - 1)
    late = len(applicants) - on_time
    plan = [(end - window + i * step, False) for i in range(on_time)]
    plan += [(end + 0.05 + j * after / max(1, late), True) for j in range(late)]
    with ThreadPoolExecutor(concurrency) as pool:
        futures = [pool.submit(_fire, client, applicant, n, at, is_late)
                   for n, (client, applicant, (at, is_late))
                   in enumerate(zip(clients, applicants, plan, strict=True))]
        return [f.result() for f in futures]


def _wait_for_outbox(seconds: float) -> int:
    from alliance.extensions import db
    from alliance.search.sync import pending_count

    stop = time.monotonic() + seconds
    while True:
        waiting = pending_count()
        db.session.rollback()
        if not waiting or time.monotonic() > stop:
            return waiting
        time.sleep(0.25)


def measure(shots: list[Shot], applicants, *, deadline: datetime, wait: float) -> dict:
    """The figures, from the answers, the database and the index. In an app context."""
    from alliance.extensions import db
    from alliance.search.cli import compare_index

    waiting = _wait_for_outbox(wait)  # the app's own after-commit drains; we never sync
    sent = {a.proposal_id: rush_data.submitted_form(n)["title"] for n, a in enumerate(applicants)}
    data = rush_data.stored([a.proposal_id for a in applicants])
    accepted = [s for s in shots if s.accepted]

    def persisted(pid: int) -> bool:
        row = data[pid]
        return (row["status"] == "submitted" and row["title"] == sent[pid]
                and any(sub.content.get("title") == sent[pid] for sub in row["submissions"]))

    indexed = rush_data.indexed_as_stored([s.proposal_id for s in accepted])
    stored_late = {pid for pid, row in data.items()
                   if any(sub.submitted_at >= deadline for sub in row["submissions"])}
    late = [s for s in shots if s.late]
    in_window = [s for s in shots if not s.late]
    errors = [s for s in shots if s.status is None or s.status >= 500]
    drift = compare_index()
    db.session.rollback()
    return {
        "accepted": len(accepted),
        "persisted": sum(persisted(s.proposal_id) for s in accepted),
        "indexed": len(indexed),
        "refused_after_deadline": sum(
            1 for s in late if s.status in (409, 422) and data[s.proposal_id]["status"] == "draft"),
        "accepted_after_deadline": len({s.proposal_id for s in late if s.accepted} | stored_late),
        "server_errors": len(errors),
        "p50_ms": round(statistics.median(s.ms for s in in_window), 1) if in_window else 0.0,
        "p95_ms": round(percentile([s.ms for s in in_window], 0.95), 1),
        "max_ms": round(max((s.ms for s in in_window), default=0.0), 1),
        # Answers per second, from the first post to the last answer of the rush.
        "answered_per_s": round(len(shots) / (max(s.done_at for s in shots)
                                               - min(s.sent_at for s in shots)), 1),
        "sent_before_deadline": len(in_window),
        "sent_after_deadline": len(late),
        "refused_before_deadline": sum(1 for s in in_window if not s.accepted),
        "statuses": dict(sorted(Counter(str(s.status) for s in shots).items())),
        "outbox_waiting": waiting,
        "search_check_clean": not any(drift.values()),
    }


def run_one(kind: str, args) -> dict:
    from alliance import create_app
    from alliance.core.models import utcnow
    from alliance.extensions import db

    folder = Path(tempfile.mkdtemp(prefix=f"rush-{kind}-"))
    instance = folder / "instance"
    instance.mkdir()
    if kind == "sqlite":
        url, backend = f"sqlite:///{instance / 'rush.db'}", "whoosh"
    else:
        url, backend = fresh_postgres(os.environ.get("RUSH_DATABASE_URL", DEFAULT_PG)), "postgres"
    app = create_app(rush_data.app_config(database_url=url, instance=instance,
                                          search_backend=backend))
    server = Server(server_env(database_url=url, instance=instance, search_backend=backend,
                              port=free_port(), workers=args.workers), folder / "gunicorn.log")
    try:
        import flask_migrate

        from alliance.search import get_backend

        with app.app_context():
            flask_migrate.upgrade()
            get_backend().ensure()
            applicants = rush_data.build(startups=args.on_time + args.late, now=utcnow())
        server.start()
        clients = [Client(server.port) for _ in applicants]
        _prepare(clients, applicants)
        deadline = (utcnow() + timedelta(seconds=args.window + args.lead)).replace(microsecond=0)
        with app.app_context():
            rush_data.set_deadline(deadline)
        shots = rush(clients, applicants, deadline=deadline, on_time=args.on_time,
                     concurrency=args.concurrency, window=args.window, margin=args.margin,
                     after=args.after)
        with app.app_context():
            result = measure(shots, applicants, deadline=deadline, wait=args.settle)
        log = (folder / "gunicorn.log").read_text(errors="replace")
        result["server_tracebacks"] = log.count("Traceback")
        result["database_locked"] = log.count("database is locked")
        return result
    finally:
        server.stop()
        with app.app_context():
            db.session.remove()
            db.engine.dispose()
        if kind == "postgresql":
            drop_postgres(url)
        if args.keep:
            print(f"kept {folder}", file=sys.stderr)
        else:
            shutil.rmtree(folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=["sqlite", "postgresql"])
    parser.add_argument("--on-time", type=int, default=300, help="submissions before the deadline")
    parser.add_argument("--late", type=int, default=20, help="submissions just after it")
    parser.add_argument("--concurrency", type=int, default=50, help="clients at once")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn workers")
    parser.add_argument("--window", type=float, default=10.0, help="seconds before the deadline")
    parser.add_argument("--margin", type=float, default=0.5,
                        help="the last post leaves this long before the deadline")
    parser.add_argument("--after", type=float, default=2.0, help="late posts spread over this")
    parser.add_argument("--lead", type=float, default=3.0,
                        help="seconds between moving the deadline and the rush")
    parser.add_argument("--settle", type=float, default=20.0,
                        help="at most this long for the index to catch up")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    started = datetime.now(UTC)
    results: dict = {}
    with contextlib.redirect_stdout(sys.stderr):  # only the JSON goes to stdout
        for kind in ("sqlite", "postgresql"):
            if args.only in (None, kind):
                results[kind] = run_one(kind, args)
    results["load_average"] = [round(x, 2) for x in os.getloadavg()]
    results["seconds"] = round((datetime.now(UTC) - started).total_seconds(), 1)
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
