"""The anonymous page cache: served again only while nothing changed, never to a
signed-in user, never with another visitor's CSRF token, flash message or language."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from alliance.core import page_cache
from alliance.extensions import db
from tests import factories

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(autouse=True)
def cache_on(app, monkeypatch):
    monkeypatch.setitem(app.config, "PAGE_CACHE", True)
    page_cache.STORE.clear()
    yield
    page_cache.STORE.clear()


@pytest.fixture
def challenge():
    return factories.ChallengeFactory(published=True, title="Sensori per l'aria")


def _without_token(html: str) -> str:
    return TOKEN.sub("", html)


def test_second_visit_is_served_from_the_cache_with_its_own_token(app, client, challenge):
    first = client.get(f"/challenges/{challenge.slug}")
    other = app.test_client()
    second = other.get(f"/challenges/{challenge.slug}")

    assert first.headers["X-Page-Cache"] == "miss" and second.headers["X-Page-Cache"] == "hit"
    assert _without_token(first.text) == _without_token(second.text)
    assert page_cache.PLACEHOLDER not in second.text
    tokens = TOKEN.findall(first.text), TOKEN.findall(second.text)
    assert tokens[0] and tokens[1] and tokens[0][0] != tokens[1][0]
    # The security headers and the request id are the response's own.
    assert "Content-Security-Policy" in second.headers and "X-Request-ID" in second.headers


def test_cached_page_token_works_in_its_own_session_only(app, client, challenge, monkeypatch):
    client.get(f"/challenges/{challenge.slug}")  # fills the cache
    visitor, intruder = app.test_client(), app.test_client()
    page = visitor.get(f"/challenges/{challenge.slug}")
    assert page.headers["X-Page-Cache"] == "hit"
    intruder.get("/")  # a session of its own
    token = TOKEN.findall(page.text)[0]
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    mine = visitor.post("/language", data={"lang": "en", "csrf_token": token, "next": "/"})
    theirs = intruder.post("/language", data={"lang": "en", "csrf_token": token, "next": "/"})

    assert mine.status_code == 302 and theirs.status_code == 400


def test_any_commit_makes_the_next_visit_render_again(app, client, challenge):
    assert client.get(f"/challenges/{challenge.slug}").headers["X-Page-Cache"] == "miss"
    assert client.get(f"/challenges/{challenge.slug}").headers["X-Page-Cache"] == "hit"

    challenge.title = "Sensori per l'acqua"
    db.session.commit()
    again = client.get(f"/challenges/{challenge.slug}")

    assert again.headers["X-Page-Cache"] == "miss"
    assert "Sensori per l&#39;acqua" in again.text and "Sensori per l&#39;aria" not in again.text


def test_partner_page_follows_a_new_challenge(app, client, challenge):
    partner = challenge.lead_partner
    client.get(f"/partners/{partner.slug}")
    assert client.get(f"/partners/{partner.slug}").headers["X-Page-Cache"] == "hit"

    factories.ChallengeFactory(published=True, lead_partner=partner, title="Tetti verdi")
    page = client.get(f"/partners/{partner.slug}")

    assert page.headers["X-Page-Cache"] == "miss" and "Tetti verdi" in page.text


def test_a_deadline_passing_expires_the_page_without_any_write(app, client, travel):
    deadline = datetime(2030, 5, 1, 10, 0, tzinfo=UTC)
    challenge = factories.ChallengeFactory(published=True, deadline=deadline,
                                           opens_at=deadline - timedelta(days=30))
    db.session.commit()
    travel(deadline - timedelta(seconds=20))
    assert "Log in or register to apply" in client.get(f"/challenges/{challenge.slug}").text
    assert client.get(f"/challenges/{challenge.slug}").headers["X-Page-Cache"] == "hit"

    travel(deadline + timedelta(seconds=1))  # 21 s later: within the cache's lifetime
    page = client.get(f"/challenges/{challenge.slug}")

    assert page.headers["X-Page-Cache"] == "miss"
    assert "Log in or register to apply" not in page.text


def test_signed_in_users_never_get_or_leave_a_cached_page(app, client, login_as, challenge):
    founder = factories.StartupUserFactory(name="Chiara Colombo")
    client.get(f"/challenges/{challenge.slug}")  # an anonymous visit fills the cache
    login_as(founder)

    mine = client.get(f"/challenges/{challenge.slug}")

    assert "X-Page-Cache" not in mine.headers and "Chiara Colombo" in mine.text
    anonymous = app.test_client().get(f"/challenges/{challenge.slug}")
    assert anonymous.headers["X-Page-Cache"] == "hit" and "Chiara Colombo" not in anonymous.text


def test_a_remember_me_cookie_bypasses_the_cache(app, client, challenge):
    client.get(f"/challenges/{challenge.slug}")
    returning = app.test_client()
    returning.set_cookie("remember_token", "1|whatever", domain="alliance.test")

    assert "X-Page-Cache" not in returning.get(f"/challenges/{challenge.slug}").headers


def test_a_flashed_message_is_never_cached_nor_lost(app, client, challenge):
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Only for this visitor")]
    page = client.get("/challenges/")

    assert "Only for this visitor" in page.text and "X-Page-Cache" not in page.headers
    other = app.test_client().get("/challenges/")
    assert other.headers["X-Page-Cache"] == "miss" and "Only for this visitor" not in other.text


def test_languages_and_fragments_are_kept_apart(app, client, challenge):
    english = client.get("/challenges/")  # the tests' default language
    italian_visitor = app.test_client()
    with italian_visitor.session_transaction() as session:
        session["lang"] = "it"
    italian = italian_visitor.get("/challenges/")
    fragment = client.get("/search?q=sensori", headers={"HX-Request": "true"})
    full = client.get("/search?q=sensori")

    assert italian.headers["X-Page-Cache"] == "miss" and english.headers["X-Page-Cache"] == "miss"
    assert 'lang="it"' in italian.text and 'lang="en"' in english.text
    assert full.headers["X-Page-Cache"] == "miss" and "<html" not in fragment.text
    assert "<html" in full.text


def test_a_language_remembered_by_cookie_gets_its_own_page(app, client, challenge):
    english = client.get("/challenges/")
    returning_visitor = app.test_client()
    # chose Italian in an earlier visit
    returning_visitor.set_cookie("lang", "it", domain=app.config["SERVER_NAME"])

    italian = returning_visitor.get("/challenges/")

    assert english.headers["X-Page-Cache"] == "miss" and italian.headers["X-Page-Cache"] == "miss"
    assert '<html lang="it">' in italian.text


def test_pages_outside_the_list_and_posts_are_never_cached(client, challenge):
    assert "X-Page-Cache" not in client.get("/auth/login").headers
    assert "X-Page-Cache" not in client.get("/no-such-page").headers
    client.get(f"/challenges/{challenge.slug}")
    assert "X-Page-Cache" not in client.post("/language", data={"lang": "en"}).headers


def test_htmx_history_restore_gets_a_whole_page_and_is_never_kept(app, client, challenge):
    restore = {"HX-Request": "true", "HX-History-Restore-Request": "true"}
    whole = client.get("/search?q=sensori", headers=restore)
    fragment = client.get("/search?q=sensori", headers={"HX-Request": "true"})

    assert "<html" in whole.text and "X-Page-Cache" not in whole.headers
    assert fragment.headers["X-Page-Cache"] == "miss" and "<html" not in fragment.text
    again = client.get("/search?q=sensori", headers=restore)
    assert "<html" in again.text


def test_user_text_is_never_taken_for_the_token(app, client):
    challenge = factories.ChallengeFactory(published=True,
                                           summary=f"Read {page_cache.PLACEHOLDER} aloud")
    client.get(f"/challenges/{challenge.slug}")
    page = app.test_client().get(f"/challenges/{challenge.slug}")
    # The placeholder is random per process: no one can write it in advance.
    assert page.headers["X-Page-Cache"] == "hit"
    assert page_cache.PLACEHOLDER != "__csrf_" + "0" * 32 + "__"
    token = TOKEN.findall(page.text)[0]
    assert token not in page.text.split('name="csrf_token"')[0]


def test_an_unreadable_version_means_no_cache_not_an_error(app, client, challenge,
                                                          monkeypatch, tmp_path):
    # A folder where the version file should be: reading and writing it both fail.
    monkeypatch.setitem(app.config, "PAGE_CACHE_VERSION_FILE", str(tmp_path))

    first = client.get(f"/challenges/{challenge.slug}")
    second = client.get(f"/challenges/{challenge.slug}")

    challenge.title = "Changed"
    db.session.commit()  # the version cannot change either: logged, not an error

    assert first.status_code == second.status_code == 200
    assert "X-Page-Cache" not in first.headers and "X-Page-Cache" not in second.headers
    assert "Changed" in client.get(f"/challenges/{challenge.slug}").text
