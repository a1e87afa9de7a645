"""Security headers on every response.

The Content-Security-Policy allows scripts, styles, fonts and frames only from
the site itself (no ``unsafe-inline``: templates hold no inline script, style
attribute or event handler), images from the site and ``data:`` (Bootstrap's
form controls draw their arrows with them), and no framing by anyone.
Strict-Transport-Security is sent in production only, where HTTPS terminates at
the proxy.
"""
from __future__ import annotations

from flask import Flask

CONTENT_SECURITY_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'self'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))
HSTS = "max-age=31536000; includeSubDomains"

HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def install(app: Flask) -> None:
    items = list(HEADERS.items())
    if app.config["APP_ENV"] == "production":
        items.append(("Strict-Transport-Security", HSTS))

    @app.after_request
    def add_security_headers(response):
        # No view sets these: one look, then all at once (every response pays this).
        if "Content-Security-Policy" not in response.headers:
            response.headers.extend(items)
        return response
