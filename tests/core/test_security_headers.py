"""Security headers on every response; HSTS in production only."""
from __future__ import annotations

from alliance import create_app
from alliance.core.security_headers import CONTENT_SECURITY_POLICY
from alliance.extensions import db


def test_pages_carry_a_strict_content_security_policy(client):
    response = client.get("/")
    policy = response.headers["Content-Security-Policy"]
    assert policy == CONTENT_SECURITY_POLICY
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_error_pages_and_static_files_carry_them_too(client):
    assert "Content-Security-Policy" in client.get("/no-such-page").headers
    with client.get("/static/css/site.css") as response:
        assert "Content-Security-Policy" in response.headers


def test_hsts_only_in_production(client, app, tmp_path):
    assert "Strict-Transport-Security" not in client.get("/").headers
    production = create_app({
        "APP_ENV": "production", "SECRET_KEY": "a-real-secret-for-this-test",
        "SQLALCHEMY_DATABASE_URI": app.config["SQLALCHEMY_DATABASE_URI"],
        "SEARCH_STARTUP_CHECK": False, "WHOOSH_INDEX_DIR": str(tmp_path / "search"),
    })
    response = production.test_client().get("/healthz")
    with production.app_context():  # its own engine: close its connections now
        db.engine.dispose()
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
