"""A local receiver for webhook deliveries: an HTTP server in a thread, on a free port,
answering the statuses it is told to (after ``delay`` seconds) and keeping what it
received. Deliveries after a commit are sent inline here (the app's default sends them
in a background thread: see test_sending.py)."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Received:
    path: str
    headers: dict
    body: bytes

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class Receiver:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; then 200
    received: list[Received] = field(default_factory=list)
    redirect_to: str | None = None
    delay: float = 0  # seconds before answering


@pytest.fixture(autouse=True)
def _send_inline(app, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_SEND_AFTER_COMMIT", "inline")


@pytest.fixture
def receiver():
    state = Receiver(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length", 0))
            state.received.append(Received(self.path, dict(self.headers),
                                           self.rfile.read(length)))
            time.sleep(state.delay)
            status = state.statuses.pop(0) if state.statuses else 200
            self.send_response(status)
            if 300 <= status < 400 and state.redirect_to:
                self.send_header("Location", state.redirect_to)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}/hooks"
    thread = threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)
