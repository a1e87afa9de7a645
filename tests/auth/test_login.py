"""Login, remember me, the ``next`` target, logout."""
from datetime import UTC, datetime

import pytest

from alliance.extensions import db
from tests import factories
from tests.auth.helpers import flashes

T0 = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _logged_in_id(client):
    with client.session_transaction() as session:
        session_id = session.get("_user_id")
        return session_id.partition(":")[0] if session_id else None


def test_login_good_password_logs_in_and_sets_last_login(client, auth, travel):
    travel(T0)
    user = factories.UserFactory(email="anna@example.org")

    response = client.post("/auth/login",
                           data={"email": " Anna@Example.org", "password": factories.PASSWORD})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert _logged_in_id(client) == str(user.id)
    db.session.refresh(user)
    assert user.last_login_at == T0


def test_login_wrong_password_refused(client, auth):
    user = factories.UserFactory()
    db.session.commit()

    response = auth.login(user, password="not the password")

    assert response.status_code == 422
    assert "Invalid e-mail or password" in response.get_data(as_text=True)
    assert _logged_in_id(client) is None
    db.session.refresh(user)
    assert user.last_login_at is None


def test_login_unknown_email_gets_same_message(client):
    response = client.post("/auth/login",
                           data={"email": "nobody@example.org", "password": "whatever it is"})

    assert response.status_code == 422
    assert "Invalid e-mail or password" in response.get_data(as_text=True)


def test_login_inactive_user_refused_with_generic_message(client, auth):
    user = factories.UserFactory(active=False)
    db.session.commit()

    response = auth.login(user)

    assert response.status_code == 422
    assert "Invalid e-mail or password" in response.get_data(as_text=True)
    assert _logged_in_id(client) is None


def test_login_unconfirmed_user_may_log_in(client, auth):
    user = factories.UserFactory(unconfirmed=True)

    response = auth.login(user)

    assert response.status_code == 302
    assert _logged_in_id(client) == str(user.id)


def test_login_remember_me_sets_remember_cookie(client, auth):
    user = factories.UserFactory()

    auth.login(user, remember=True)

    cookie = client.get_cookie("remember_token", domain="alliance.test")
    assert cookie is not None and cookie.value.startswith(f"{user.get_id()}|")
    assert cookie.http_only


def test_login_without_remember_me_sets_no_remember_cookie(client, auth):
    auth.login(factories.UserFactory(), remember=False)

    assert client.get_cookie("remember_token", domain="alliance.test") is None


def test_login_remember_cookie_restores_session(client, auth):
    user = factories.UserFactory()
    auth.login(user, remember=True)
    with client.session_transaction() as session:
        session.clear()  # the browser was closed: only the remember cookie is left

    client.get("/auth/reset")

    assert _logged_in_id(client) == str(user.id)


def test_login_follows_safe_next(client):
    user = factories.UserFactory()

    response = client.post("/auth/login?next=/challenges/%3Fpage%3D2",
                           data={"email": user.email, "password": factories.PASSWORD})

    assert response.headers["Location"] == "/challenges/?page=2"


def test_login_next_from_hidden_field(client):
    user = factories.UserFactory()
    page = client.get("/auth/login?next=/partners/").get_data(as_text=True)
    assert 'name="next" type="hidden" value="/partners/"' in page

    response = client.post("/auth/login", data={"email": user.email,
                                                "password": factories.PASSWORD,
                                                "next": "/partners/"})

    assert response.headers["Location"] == "/partners/"


@pytest.mark.parametrize("target", [
    "//evil.example", "https://evil.example", "https://evil.example/auth/login",
    "/\\evil.example", "javascript:alert(1)", "http:/evil.example",
])
def test_login_ignores_unsafe_next(client, target):
    user = factories.UserFactory()

    response = client.post("/auth/login", query_string={"next": target},
                           data={"email": user.email, "password": factories.PASSWORD,
                                 "next": target})

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")
    assert "evil" not in response.headers["Location"]


def test_login_page_drops_unsafe_next(client):
    html = client.get("/auth/login", query_string={"next": "//evil.example"}).get_data(
        as_text=True)

    assert 'name="next" type="hidden" value=""' in html


def test_login_required_page_sends_to_login_with_next(client):
    response = client.get("/dashboard")

    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


def test_login_page_redirects_logged_in_user(client, login_as):
    login_as(factories.UserFactory())

    response = client.get("/auth/login")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/dashboard")


def test_login_page_links_to_register_and_reset(client):
    html = client.get("/auth/login").get_data(as_text=True)

    assert 'href="/auth/register"' in html
    assert 'href="/auth/reset"' in html


def test_login_csrf_enforced_when_enabled(client, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = factories.UserFactory()

    response = client.post("/auth/login",
                           data={"email": user.email, "password": factories.PASSWORD})

    assert response.status_code == 400
    assert _logged_in_id(client) is None


def test_login_csrf_token_from_page_accepted(client, app, monkeypatch):
    import re

    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = factories.UserFactory()
    page = client.get("/auth/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)

    response = client.post("/auth/login", data={"email": user.email, "csrf_token": token,
                                                "password": factories.PASSWORD})

    assert response.status_code == 302
    assert _logged_in_id(client) == str(user.id)


def test_logout_requires_post(client, login_as):
    user = factories.UserFactory()
    login_as(user)

    assert client.get("/auth/logout").status_code == 405
    assert _logged_in_id(client) == str(user.id)


def test_logout_post_logs_out_and_goes_home(client, auth):
    user = factories.UserFactory()
    auth.login(user, remember=True)

    response = auth.logout()

    assert response.status_code == 302
    assert response.headers["Location"] in ("/", "http://alliance.test/")
    assert _logged_in_id(client) is None
    assert client.get_cookie("remember_token", domain="alliance.test") is None
    assert flashes(client)[-1] == "You have logged out. See you soon."


def test_logout_csrf_enforced_when_enabled(client, login_as, app, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = factories.UserFactory()
    login_as(user)

    assert client.post("/auth/logout").status_code == 400
    assert _logged_in_id(client) == str(user.id)


def test_login_attempts_are_rate_limited(app, client, monkeypatch):
    from alliance.extensions import limiter

    monkeypatch.setitem(app.config, "LOGIN_RATE_LIMIT", "3 per minute")
    limiter.reset()
    user = factories.UserFactory()
    codes = [client.post("/auth/login", data={"email": user.email, "password": "wrong"}
                         ).status_code for _ in range(4)]
    limiter.reset()
    assert codes[:3] != [429, 429, 429] and codes[3] == 429
    assert client.get("/auth/login").status_code == 200  # reading the form is not limited
