"""A gunicorn worker killed (SIGKILL) in the middle of submissions leaves no
half-written proposal, and ``flask --app wsgi search check`` is clean afterwards.

gunicorn serves a database of its own (SQLite with the Whoosh index, or a fresh
PostgreSQL database with ``SEARCH_BACKEND=postgres`` on the PostgreSQL run);
start-ups submit from several threads while the test kills a busy worker again
and again. The master starts a new worker each time, and that worker's start-up
applies what a killed one left in the search outbox: that is what the app
promises, and the check runs with no ``search sync`` before it.
"""
from __future__ import annotations

import http.client
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import flask_migrate
import pytest
import sqlalchemy as sa

from bench import rush_data
from bench.rush_server import Client, Server, free_port, request, server_env

STARTUPS = 24
KILLS = 3
CLIENTS = 8
WORKERS = 2

pytestmark = pytest.mark.skipif(
    not Path("/proc/self/stat").exists() or shutil.which("gunicorn", path=Path(
        sys.executable).parent) is None,
    reason="needs gunicorn and /proc (Linux) to find and kill a worker",
)


@pytest.fixture
def served_database(tmp_path, worker_id):
    """A database of the server's own: an SQLite file, or on the PostgreSQL run a
    fresh PostgreSQL database (dropped afterwards)."""
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'instance' / 'killed.db'}", "whoosh"
        return
    from bench.deadline_rush import drop_postgres
    from tests.conftest import _fresh_postgres_database

    url = _fresh_postgres_database(base, f"killed_{worker_id}")
    yield url, "postgres"
    drop_postgres(url)


def _storm(server: Server, clients: list[Client], applicants) -> tuple[list[list], int]:
    """CLIENTS threads submit (then resubmit) the start-ups' proposals over and over
    while a busy worker is killed KILLS times, one always left serving. Returns each
    proposal's answers (a status, or the error of a connection cut by a kill) and
    how many kills were sent."""
    answers: list[list] = [[] for _ in applicants]
    kills = 0
    killing_done = threading.Event()

    def client_loop(k: int) -> None:
        for _ in range(100):  # rounds; the kills end it long before
            for i in range(k, len(applicants), CLIENTS):
                try:
                    answer = clients[i].post(f"/proposals/{applicants[i].proposal_id}/edit",
                                             rush_data.submitted_form(i), timeout=30)[0]
                except (OSError, http.client.HTTPException) as error:  # killed under it
                    answer = type(error).__name__
                answers[i].append(answer)
            if killing_done.is_set():
                return

    def killer() -> None:
        # Only when every worker has served a while: one still booting holds no
        # request, and the other one keeps the submissions going.
        nonlocal kills
        first_seen: dict[int, float] = {}
        killed: set[int] = set()
        give_up = time.monotonic() + 90
        while kills < KILLS and time.monotonic() < give_up:
            time.sleep(0.1)
            now = time.monotonic()
            for pid in set(server.worker_pids()) - killed:
                first_seen.setdefault(pid, now)
            serving = sorted(pid for pid, seen in first_seen.items() if now - seen > 0.3)
            if len(serving) == WORKERS:
                victim = serving[kills % WORKERS]
                os.kill(victim, signal.SIGKILL)
                killed.add(victim)
                del first_seen[victim]
                kills += 1
        killing_done.set()

    thread = threading.Thread(target=killer)
    thread.start()
    try:
        with ThreadPoolExecutor(CLIENTS) as pool:
            list(pool.map(client_loop, range(CLIENTS)))
    finally:
        killing_done.set()
        thread.join()
    return answers, kills


def _wait_healthy(server: Server, seconds: float = 30.0) -> None:
    stop = time.monotonic() + seconds
    while time.monotonic() < stop:
        try:
            if request(server.port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError("gunicorn did not come back after the kills")


def test_killed_worker_leaves_no_half_written_proposal(tmp_path, served_database):
    from alliance import create_app
    from alliance.core.audit import AuditEvent
    from alliance.core.models import utcnow
    from alliance.extensions import db
    from alliance.proposals import receipts
    from alliance.search import get_backend

    instance = tmp_path / "instance"
    instance.mkdir()
    url, backend = served_database
    app = create_app({**rush_data.app_config(database_url=url, instance=instance,
                                             search_backend=backend), "LOG_LEVEL": "WARNING"})
    with app.app_context():
        flask_migrate.upgrade()
        get_backend().ensure()
        applicants = rush_data.build(startups=STARTUPS, now=utcnow(),
                                     password_method="pbkdf2:sha256:1000")
        db.session.remove()
        db.engine.dispose()
    env = server_env(database_url=url, instance=instance, search_backend=backend,
                     port=free_port(), workers=WORKERS, GUNICORN_TIMEOUT="20")
    server = Server(env, tmp_path / "gunicorn.log")
    with server:
        clients = [Client(server.port) for _ in applicants]
        for client, applicant in zip(clients, applicants, strict=True):
            client.login(applicant.email, rush_data.PASSWORD)
            assert client.get(f"/proposals/{applicant.proposal_id}/edit")[0] == 200
        answers, kills = _storm(server, clients, applicants)
        _wait_healthy(server)
    assert kills == KILLS
    everything = [a for each in answers for a in each]
    assert [a for a in everything if isinstance(a, str)], "no kill cut a submission"
    # Each answer is the receipt's redirect or a connection cut by a kill: never a 5xx.
    log = (tmp_path / "gunicorn.log").read_text(errors="replace")
    assert {a for a in everything if isinstance(a, int)} == {302}, (everything, log[-3000:])
    assert "Traceback" not in log, log[-3000:]

    sent = {a.proposal_id: n for n, a in enumerate(applicants)}
    with app.app_context():
        from alliance.proposals.models import Proposal, Submission

        proposals = db.session.scalars(sa.select(Proposal).order_by(Proposal.id)).all()
        assert len(proposals) == STARTUPS
        for proposal in proposals:
            n = sent[proposal.id]
            subs = db.session.scalars(sa.select(Submission).where(
                Submission.proposal_id == proposal.id).order_by(Submission.number)).all()
            events = db.session.scalars(sa.select(AuditEvent.action).where(
                AuditEvent.object_type == "proposal", AuditEvent.object_id == proposal.id)
                .order_by(AuditEvent.id)).all()
            if proposal.status == "draft":  # untouched: the previous content, no receipt
                assert 302 not in answers[n], proposal
                assert proposal.title == rush_data.draft_fields(n)["title"]
                assert (subs, events, proposal.submitted_at) == ([], [], None)
                continue
            # Whole: the sent text, one receipt per submission (no gap, each with its
            # audit event), the latest one the proposal's own.
            title = rush_data.submitted_form(n)["title"]
            assert proposal.status == "submitted" and proposal.title == title
            assert proposal.terms_id is not None
            assert [s.number for s in subs] == list(range(1, len(subs) + 1))
            assert len(subs) >= answers[n].count(302)
            assert all(s.content["title"] == title for s in subs)
            assert all(s.digest == receipts.digest(s.content) for s in subs)
            assert subs[-1].submitted_at == proposal.submitted_at
            assert events == ["proposal.submitted"] + ["proposal.resubmitted"] * (len(subs) - 1)
        db.session.remove()
        db.engine.dispose()

    # What the app guarantees after a crash, checked the way an operator would.
    check_env = {**env, "SEARCH_STARTUP_CHECK": "false"}
    result = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "search", "check"],
        cwd=Path(__file__).resolve().parents[2], env=check_env, capture_output=True, text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "waiting in the outbox" not in result.stdout
