"""Mail through a real SMTP server: what arrives, and what happens when it is down."""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from alliance.auth.models import User
from alliance.core.outbox import FAILED, PENDING, SENT, OutgoingMail
from alliance.core.outbox_send import MAX_ATTEMPTS, retry_due
from alliance.extensions import db
from tests import factories

REGISTRATION = {
    "name": "Nicolò Bellè", "email": "nicolo.belle@example.org",
    "password": "a long enough secret", "password_confirm": "a long enough secret",
    "accept_privacy": "y",
}


def _outbox(template: str) -> list[OutgoingMail]:
    return list(db.session.scalars(sa.select(OutgoingMail)
                                   .where(OutgoingMail.template == template)
                                   .order_by(OutgoingMail.id)))


def test_confirmation_arrives_in_italian_with_accents(smtp_app, smtp_server, client):
    client.post("/language", data={"lang": "it"})

    response = client.post("/auth/register", data=REGISTRATION)

    assert response.status_code == 302
    [message] = smtp_server.received
    assert message["Subject"] == "Conferma il tuo indirizzo e-mail"
    assert message["X-Envelope-To"] == "nicolo.belle@example.org"
    assert "Milano Smart City Alliance" in message["From"]
    body = message.get_body(("plain",)).get_content()
    assert body.startswith("Ciao Nicolò Bellè,")
    assert "Il link è valido per 72 ore." in body
    assert "http://alliance.test/auth/confirm/" in body
    [row] = _outbox("confirm_email")
    assert (row.status, row.attempts, row.last_error) == (SENT, 1, "")
    assert row.sent_at is not None


def test_server_down_action_commits_and_retry_delivers(smtp_app, smtp_server, client, runner,
                                                       travel):
    smtp_server.stop()

    response = client.post("/auth/register", data=REGISTRATION)

    assert response.status_code == 302
    assert db.session.scalar(sa.select(User).where(User.email == "nicolo.belle@example.org"))
    [row] = _outbox("confirm_email")
    assert (row.status, row.attempts) == (PENDING, 1)
    assert "ConnectionRefusedError" in row.last_error
    assert row.next_attempt_at - row.created_at == timedelta(minutes=5)

    smtp_server.start()
    result = runner.invoke(args=["mail", "retry"])  # not due yet: nothing sent
    assert "mail sent: 0" in result.output
    assert smtp_server.received == []
    travel(row.next_attempt_at + timedelta(seconds=1))
    result = runner.invoke(args=["mail", "retry"])

    assert "mail sent: 1" in result.output, result.output
    [message] = smtp_server.received
    assert message["Subject"] == "Confirm your e-mail address"
    assert "Nicolò Bellè" in message.get_body(("plain",)).get_content()
    db.session.refresh(row)
    assert (row.status, row.attempts, row.last_error) == (SENT, 2, "")


def test_server_down_until_last_attempt_failed_and_shown_to_admins(
        smtp_app, smtp_server, client, login_as, now):
    smtp_server.stop()
    user = factories.UserFactory(unconfirmed=True, name="Zoë Rossi")
    login_as(user)
    client.post("/auth/confirm/resend")
    [row] = _outbox("confirm_email")

    moment = now
    for _attempt in range(2, MAX_ATTEMPTS + 1):
        db.session.refresh(row)
        assert row.status == PENDING
        moment = max(moment, row.next_attempt_at) + timedelta(seconds=1)
        assert retry_due(now=moment).not_sent == 1

    db.session.refresh(row)
    assert (row.status, row.attempts, row.next_attempt_at) == (FAILED, MAX_ATTEMPTS, None)
    assert retry_due(now=moment + timedelta(days=30)).not_sent == 0  # given up

    login_as(factories.UserFactory(admin=True))
    page = client.get("/admin/mail/").get_data(as_text=True)
    assert "Confirm your e-mail address" in page
    assert user.email in page
    assert "ConnectionRefusedError" in page

    smtp_server.start()
    response = client.post("/admin/mail/retry", data={"mail_id": row.id})

    assert response.status_code == 302
    assert [m["Subject"] for m in smtp_server.received] == ["Confirm your e-mail address"]
    db.session.refresh(row)
    assert (row.status, row.attempts) == (SENT, MAX_ATTEMPTS + 1)
    page = client.get("/admin/mail/").get_data(as_text=True)
    assert "No message was given up." in page
