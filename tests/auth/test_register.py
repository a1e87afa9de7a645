"""Registration: the account, its hashed password, the confirmation mail."""
import sqlalchemy as sa

from alliance.auth.models import User
from alliance.core.audit import AuditEvent
from alliance.extensions import db
from tests import factories

GOOD = {
    "name": "Giulia Bianchi",
    "email": "Giulia.Bianchi@Example.org ",
    "password": "a long enough secret",
    "password_confirm": "a long enough secret",
    "accept_privacy": "y",
}


def _user(email):
    return db.session.scalar(sa.select(User).where(User.email == email))


def test_register_success_logs_in_and_queues_confirmation(client, mail_outbox):
    response = client.post("/auth/register", data=GOOD)

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    user = _user("giulia.bianchi@example.org")
    assert user is not None and user.name == "Giulia Bianchi"
    assert user.confirmed_at is None
    assert [m.to for m in mail_outbox] == [["giulia.bianchi@example.org"]]
    assert "http://alliance.test/auth/confirm/" in mail_outbox[0].body
    with client.session_transaction() as session:
        assert session["_user_id"] == user.get_id()
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "confirm your e-mail address" in page
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "user.registered", AuditEvent.object_id == user.id))
    assert event.data == {"privacy_accepted": True, "privacy_notice_version": "2026-11"}


def test_register_password_stored_hashed_with_scrypt(client):
    client.post("/auth/register", data=GOOD)

    user = _user("giulia.bianchi@example.org")
    assert user.password_hash != GOOD["password"]
    assert user.password_hash.startswith("scrypt:")
    assert user.check_password(GOOD["password"])


def test_register_duplicate_email_refused_case_insensitively(client, mail_outbox):
    factories.UserFactory(email="giulia.bianchi@example.org")
    db.session.commit()  # the view rolls its failed transaction back: keep the setup

    response = client.post("/auth/register", data=GOOD)

    assert response.status_code == 422
    assert "An account with this e-mail address already exists" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(
        sa.func.lower(User.email) == "giulia.bianchi@example.org")) == 1
    assert mail_outbox == []


def test_register_mismatched_passwords_refused(client):
    response = client.post("/auth/register", data={**GOOD, "password_confirm": "something else!"})

    assert response.status_code == 422
    assert "The two passwords do not match." in response.get_data(as_text=True)
    assert _user("giulia.bianchi@example.org") is None


def test_register_short_password_refused(client):
    response = client.post("/auth/register",
                           data={**GOOD, "password": "short", "password_confirm": "short"})

    assert response.status_code == 422
    assert "At least 10 characters." in response.get_data(as_text=True)
    assert _user("giulia.bianchi@example.org") is None


def test_register_password_equal_to_email_refused(client):
    email = "giulia.bianchi@example.org"
    response = client.post("/auth/register",
                           data={**GOOD, "password": email, "password_confirm": email})

    assert response.status_code == 422
    assert "must not be your e-mail address" in response.get_data(as_text=True)
    assert _user(email) is None


def test_register_missing_consent_keeps_input_and_marks_field(client):
    data = {k: v for k, v in GOOD.items() if k != "accept_privacy"}

    response = client.post("/auth/register", data=data)

    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="Giulia Bianchi"' in html
    assert 'value="Giulia.Bianchi@Example.org"' in html
    assert ('<div class="invalid-feedback d-block" id="accept_privacy-error">'
            "Please accept the privacy notice to register.</div>") in html
    assert _user("giulia.bianchi@example.org") is None


def test_register_form_requires_post_csrf_when_enabled(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    response = client.post("/auth/register", data=GOOD)

    assert response.status_code == 400
    assert _user("giulia.bianchi@example.org") is None


def test_register_page_redirects_logged_in_user(client, login_as):
    login_as(factories.UserFactory())

    response = client.get("/auth/register")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")


def test_register_page_links_to_login(client):
    html = client.get("/auth/register").get_data(as_text=True)

    assert 'href="/auth/login"' in html
    assert 'name="accept_privacy"' in html


def test_register_then_confirm_through_mailed_link(client, mail_outbox):
    from tests.auth.helpers import link_in

    client.post("/auth/register", data=GOOD)
    link = link_in(mail_outbox[0], "/auth/confirm/")

    response = client.get(link)

    assert response.status_code == 302
    user = _user("giulia.bianchi@example.org")
    db.session.refresh(user)
    assert user.is_confirmed
    assert client.get(link).status_code == 302  # a second click only says "already confirmed"

