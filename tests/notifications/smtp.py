"""A real SMTP server on 127.0.0.1 (aiosmtpd), and the app sending through it.

``smtp_server`` is started on a free port and collects what arrives
(``smtp_server.received``: parsed messages); ``smtp_server.stop()`` takes it down and
``smtp_server.start()`` brings it back on the same port. ``smtp_app`` points the
app's mail at that port, with the SMTP backend.
"""
from __future__ import annotations

import email
import email.policy
import socket
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    """A port nobody listens on (aiosmtpd's start-up check refuses port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Collect:
    def __init__(self, received: list):
        self.received = received

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's name
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        self.received.append(message)
        return "250 Message accepted for delivery"


class SMTPServer:
    def __init__(self, port: int):
        self.port = port
        self.received: list[EmailMessage] = []
        self.controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(_Collect(self.received), hostname="127.0.0.1",
                                     port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def bodies(self) -> list[str]:
        return [message.get_body(("plain",)).get_content() for message in self.received]


@pytest.fixture
def smtp_server():
    server = SMTPServer(free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_app(app, smtp_server, monkeypatch):
    """The app sends through ``smtp_server`` (its port, even while it is down)."""
    state = app.extensions["mailman"]
    monkeypatch.setattr(state, "backend", "smtp")
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", smtp_server.port)
    monkeypatch.setattr(state, "timeout", 5)
    monkeypatch.setattr(state, "use_tls", False)
    monkeypatch.setattr(state, "use_ssl", False)
    return app
