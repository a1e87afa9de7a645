"""E-mail confirmation by a signed, expiring link."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alliance.auth import tokens
from alliance.core.audit import AuditEvent
from alliance.extensions import db
from tests import factories
from tests.auth.helpers import flashes, link_in

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _confirm_link(client, mail_outbox, user):
    client.post("/auth/confirm/resend")
    return link_in(mail_outbox[-1], "/auth/confirm/")


def test_confirm_valid_link_confirms_and_audits(client, login_as, mail_outbox, travel):
    travel(T0)
    user = factories.UserFactory(unconfirmed=True)
    login_as(user)
    link = _confirm_link(client, mail_outbox, user)

    response = client.get(link)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    db.session.refresh(user)
    assert user.confirmed_at == T0
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_id == user.id, AuditEvent.action == "user.email_confirmed"))


def test_confirm_works_without_being_logged_in(client, app, mail_outbox):
    user = factories.UserFactory(unconfirmed=True)
    with app.test_request_context():
        token = tokens.make_confirm_token(user)

    response = client.get(f"/auth/confirm/{token}", follow_redirects=True)

    assert "is confirmed" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.is_confirmed


def test_confirm_expired_link_refused_with_way_to_new_one(client, login_as, mail_outbox,
                                                          travel, app):
    travel(T0)
    user = factories.UserFactory(unconfirmed=True)
    login_as(user)
    link = _confirm_link(client, mail_outbox, user)
    travel(T0 + timedelta(seconds=app.config["CONFIRM_TOKEN_MAX_AGE"] + 60))

    response = client.get(link)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "This confirmation link has expired" in html
    assert 'action="/auth/confirm/resend"' in html
    db.session.refresh(user)
    assert user.confirmed_at is None


def test_confirm_link_just_before_expiry_works(client, login_as, mail_outbox, travel, app):
    travel(T0)
    user = factories.UserFactory(unconfirmed=True)
    login_as(user)
    link = _confirm_link(client, mail_outbox, user)
    travel(T0 + timedelta(seconds=app.config["CONFIRM_TOKEN_MAX_AGE"] - 60))

    assert client.get(link).status_code == 302
    db.session.refresh(user)
    assert user.is_confirmed


def test_confirm_tampered_link_refused(client, login_as, mail_outbox):
    user = factories.UserFactory(unconfirmed=True)
    login_as(user)
    link = _confirm_link(client, mail_outbox, user)
    tampered = link[:-3] + ("aaa" if not link.endswith("aaa") else "bbb")

    response = client.get(tampered)

    assert response.status_code == 400
    assert "This confirmation link is not valid" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.confirmed_at is None


def test_confirm_reset_token_is_not_a_confirmation(client, app):
    user = factories.UserFactory(unconfirmed=True)
    db.session.commit()  # the view rolls its failed transaction back: keep the setup
    with app.test_request_context():
        token = tokens.make_reset_token(user)

    assert client.get(f"/auth/confirm/{token}").status_code == 400
    db.session.refresh(user)
    assert user.confirmed_at is None


def test_confirm_link_for_old_address_refused(client, app):
    user = factories.UserFactory(unconfirmed=True, email="old@example.org")
    with app.test_request_context():
        token = tokens.make_confirm_token(user)
    user.email = "new@example.org"
    db.session.commit()

    assert client.get(f"/auth/confirm/{token}").status_code == 400
    db.session.refresh(user)
    assert user.confirmed_at is None


def test_confirm_already_confirmed_says_so(client, login_as, app):
    confirmed_at = datetime(2026, 1, 1, tzinfo=UTC)
    user = factories.UserFactory(confirmed_at=confirmed_at)
    db.session.commit()
    login_as(user)
    with app.test_request_context():
        token = tokens.make_confirm_token(user)

    response = client.get(f"/auth/confirm/{token}")

    assert response.headers["Location"].endswith("/dashboard")
    assert flashes(client) == ["Your e-mail address is already confirmed."]
    db.session.refresh(user)
    assert user.confirmed_at == confirmed_at


def test_resend_sends_new_link_to_unconfirmed_user(client, login_as, mail_outbox):
    user = factories.UserFactory(unconfirmed=True)
    login_as(user)

    response = client.post("/auth/confirm/resend", data={"next": "/challenges/"})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/challenges/")
    assert [m.to for m in mail_outbox] == [[user.email]]


def test_resend_ignores_unsafe_next(client, login_as, mail_outbox):
    login_as(factories.UserFactory(unconfirmed=True))

    response = client.post("/auth/confirm/resend", data={"next": "//evil.example/x"})

    assert response.headers["Location"].endswith("/dashboard")


def test_resend_for_confirmed_user_sends_nothing(client, login_as, mail_outbox):
    login_as(factories.UserFactory())

    client.post("/auth/confirm/resend")

    assert flashes(client) == ["Your e-mail address is already confirmed."]
    assert mail_outbox == []


def test_resend_needs_login(client, mail_outbox):
    response = client.post("/auth/confirm/resend")

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]
    assert mail_outbox == []


def test_unconfirmed_banner_shows_only_to_unconfirmed_user(app, login_as, client):
    from flask import render_template_string

    template = '{% include "auth/_unconfirmed_banner.html" %}'
    unconfirmed = factories.UserFactory(unconfirmed=True)
    login_as(unconfirmed)
    with client:
        client.get("/auth/reset")
        html = render_template_string(template)
    assert "Confirm your e-mail address to apply to challenges" in html
    assert 'action="/auth/confirm/resend"' in html

    login_as(factories.UserFactory())
    with client:
        client.get("/auth/reset")
        assert "Confirm your e-mail" not in render_template_string(template)
