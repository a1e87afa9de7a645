"""Password reset by a signed link that expires and works once."""
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.extensions import db
from tests import factories
from tests.auth.helpers import flashes, link_in

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)
NEW = "a brand new passphrase"


def _ask_reset(client, mail_outbox, email):
    response = client.post("/auth/reset", data={"email": email})
    return response, (link_in(mail_outbox[-1], "/auth/reset/") if mail_outbox else None)


def _logged_in_id(client):
    with client.session_transaction() as session:
        session_id = session.get("_user_id")
        return session_id.partition(":")[0] if session_id else None


def test_reset_flow_end_to_end_link_works_once(client, auth, mail_outbox):
    user = factories.UserFactory(email="marco@example.org")

    response, link = _ask_reset(client, mail_outbox, "Marco@example.org")
    assert response.status_code == 302
    assert [m.to for m in mail_outbox] == [["marco@example.org"]]
    assert "http://alliance.test/auth/reset/" in mail_outbox[0].body

    page = client.get(link)
    assert page.status_code == 200
    assert "Choose a new password" in page.get_data(as_text=True)

    response = client.post(link, data={"password": NEW, "password_confirm": NEW})
    assert response.status_code == 302
    assert _logged_in_id(client) == str(user.id)
    db.session.refresh(user)
    assert user.check_password(NEW) and not user.check_password(factories.PASSWORD)
    assert user.password_hash.startswith("scrypt:")
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_id == user.id, AuditEvent.action == "user.password_reset"))

    # The link has done its job: the password it was issued for is gone.
    again = client.post(link, data={"password": "yet another passphrase",
                                    "password_confirm": "yet another passphrase"})
    assert again.status_code == 400
    assert "already been used" in again.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(NEW)

    auth.logout()
    assert auth.login(user, password=NEW).status_code == 302


def test_reset_link_invalid_after_password_changed_otherwise(client, mail_outbox):
    user = factories.UserFactory()
    _response, link = _ask_reset(client, mail_outbox, user.email)
    user.set_password("changed some other way")
    db.session.commit()

    response = client.get(link)

    assert response.status_code == 400
    assert 'href="/auth/reset"' in response.get_data(as_text=True)


def test_reset_expired_link_refused(client, mail_outbox, travel, app):
    travel(T0)
    user = factories.UserFactory()
    _response, link = _ask_reset(client, mail_outbox, user.email)
    travel(T0 + timedelta(seconds=app.config["RESET_TOKEN_MAX_AGE"] + 1))

    response = client.post(link, data={"password": NEW, "password_confirm": NEW})

    assert response.status_code == 400
    assert "has expired" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(factories.PASSWORD)


def test_reset_tampered_link_refused(client, mail_outbox):
    user = factories.UserFactory()
    _response, link = _ask_reset(client, mail_outbox, user.email)

    response = client.get(link + "x")

    assert response.status_code == 400
    assert "is not valid" in response.get_data(as_text=True)


def test_reset_unknown_email_same_answer_and_no_mail(client, mail_outbox):
    user = factories.UserFactory(email="known@example.org")
    known, _link = _ask_reset(client, mail_outbox, "known@example.org")
    known_flash = flashes(client)
    client.get("/auth/login")  # shows and clears the flash
    mail_outbox.clear()

    unknown = client.post("/auth/reset", data={"email": "unknown@example.org"})

    assert mail_outbox == []
    assert unknown.status_code == known.status_code == 302
    assert unknown.headers["Location"] == known.headers["Location"]
    assert flashes(client) == [m.replace("known@", "unknown@") for m in known_flash]
    assert user.email == "known@example.org"


def test_reset_inactive_user_gets_no_mail(client, mail_outbox):
    user = factories.UserFactory(active=False)

    client.post("/auth/reset", data={"email": user.email})

    assert mail_outbox == []


def test_reset_short_password_refused_and_link_still_good(client, mail_outbox):
    user = factories.UserFactory()
    _response, link = _ask_reset(client, mail_outbox, user.email)

    response = client.post(link, data={"password": "short", "password_confirm": "short"})

    assert response.status_code == 422
    assert "At least 10 characters." in response.get_data(as_text=True)
    assert client.get(link).status_code == 200


def test_reset_password_equal_to_email_refused(client, mail_outbox):
    user = factories.UserFactory(email="lucia.verdi@example.org")
    _response, link = _ask_reset(client, mail_outbox, user.email)

    response = client.post(link, data={"password": "lucia.verdi@example.org",
                                       "password_confirm": "lucia.verdi@example.org"})

    assert response.status_code == 422
    assert "must not be your e-mail address" in response.get_data(as_text=True)
    db.session.refresh(user)
    assert user.check_password(factories.PASSWORD)


def test_reset_confirms_unconfirmed_address(client, mail_outbox):
    user = factories.UserFactory(unconfirmed=True)
    _response, link = _ask_reset(client, mail_outbox, user.email)

    client.post(link, data={"password": NEW, "password_confirm": NEW})

    db.session.refresh(user)
    assert user.is_confirmed


def test_reset_page_links_back_to_login(client):
    html = client.get("/auth/reset").get_data(as_text=True)

    assert 'href="/auth/login"' in html
    assert 'href="/auth/register"' in html


def test_password_change_ends_other_sessions(app, client, login_as):
    user = factories.UserFactory()
    other_device = app.test_client()
    login_as(user)
    with other_device.session_transaction() as session:
        session["_user_id"] = user.get_id()
    still_in = other_device.get("/dashboard")
    assert "/auth/login" not in still_in.headers["Location"]  # logged in: sent on
    user.set_password("a brand new password 2026")
    db.session.commit()
    response = other_device.get("/dashboard")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_first_password_of_invited_account_asks_for_consent(client, mail_outbox):
    user = factories.UserFactory(invited=True, email="giurata@example.org")
    _response, link = _ask_reset(client, mail_outbox, "giurata@example.org")

    page = client.get(link).get_data(as_text=True)
    refused = client.post(link, data={"password": NEW, "password_confirm": NEW})
    db.session.refresh(user)
    assert 'name="accept_privacy"' in page
    assert refused.status_code == 422 and "Please accept the privacy notice" in refused.text
    assert not user.check_password(NEW) and user.privacy_consent_at is None

    accepted = client.post(link, data={"password": NEW, "password_confirm": NEW,
                                       "accept_privacy": "y"})
    db.session.refresh(user)
    assert accepted.status_code == 302 and user.check_password(NEW)
    assert user.privacy_consent_at is not None and user.privacy_notice_version
    assert db.session.scalar(sa.select(AuditEvent.data).where(
        AuditEvent.action == "user.consented", AuditEvent.object_id == user.id)) == {
        "privacy_notice_version": user.privacy_notice_version}


def test_reset_does_not_ask_again_who_already_consented(client, mail_outbox):
    factories.UserFactory(email="marta@example.org")
    _response, link = _ask_reset(client, mail_outbox, "marta@example.org")

    assert 'name="accept_privacy"' not in client.get(link).get_data(as_text=True)
