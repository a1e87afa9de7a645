"""Site-wide pages: error pages in the site's style, the language switch, redirects."""
import pytest

from alliance.core.redirects import is_safe_next


def test_404_page_in_site_style(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "Milano Smart City Alliance" in page and 'id="content"' in page


def test_500_page_in_site_style(app, client, monkeypatch):
    def boom():
        raise RuntimeError("boom")

    monkeypatch.setitem(app.view_functions, "main.healthz", boom)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    response = client.get("/healthz")
    assert response.status_code == 500
    assert "Nothing was saved" in response.get_data(as_text=True)


def test_language_switch_remembered(client):
    response = client.post("/language", data={"lang": "en", "next": "/healthz"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/healthz")
    page = client.get("/").get_data(as_text=True)
    assert '<html lang="en">' in page


def test_language_switch_refuses_offsite_next(client):
    response = client.post("/language", data={"lang": "it", "next": "//evil.example/"})
    assert response.headers["Location"] in ("/", "http://alliance.test/")


@pytest.mark.parametrize(
    ("target", "safe"),
    [("/challenges/", True), ("//evil.example", False), ("https://evil.example", False),
     ("/\\evil.example", False), ("", False), (None, False), ("javascript:alert(1)", False)],
)
def test_is_safe_next(target, safe):
    assert is_safe_next(target) is safe
