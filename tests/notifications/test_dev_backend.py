"""Development: no mail server; each message is a readable file under instance/mail/."""
from __future__ import annotations

import sqlalchemy as sa

from alliance.core.outbox import SENT, OutgoingMail
from alliance.extensions import db


def test_dev_backend_writes_each_message_to_a_file(app, client, monkeypatch, tmp_path):
    monkeypatch.setattr(app.extensions["mailman"], "backend",
                        "alliance.core.mail_backend.EmailBackend")
    monkeypatch.setitem(app.config, "MAIL_FILE_PATH", str(tmp_path))

    client.post("/auth/register", data={
        "name": "Nicolò Bellè", "email": "nicolo.belle@example.org",
        "password": "a long enough secret", "password_confirm": "a long enough secret",
        "accept_privacy": "y",
    })

    [path] = tmp_path.iterdir()
    text = path.read_text(encoding="utf-8")
    assert "To: nicolo.belle@example.org" in text
    assert "Subject: Confirm your e-mail address" in text
    assert "Hello Nicolò Bellè," in text
    assert db.session.scalar(sa.select(OutgoingMail.status)) == SENT
