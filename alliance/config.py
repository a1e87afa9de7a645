"""Settings, read from the environment.

Every setting has a development default that works out of the box (SQLite and
Whoosh under ``instance/``, mail written to ``instance/mail/``). In production
(``APP_ENV=production``) the application refuses to start with the development
secret key.
"""
from __future__ import annotations

import os
from pathlib import Path

DEV_SECRET_KEY = "dev-only-secret-change-me"

PROJECT_ROOT = Path(__file__).resolve().parent.parent
INSTANCE_PATH = Path(os.environ.get("INSTANCE_PATH", PROJECT_ROOT / "instance"))


def _bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


def _database_url(instance: Path) -> str:
    url = os.environ.get("DATABASE_URL", f"sqlite:///{instance / 'alliance.db'}")
    # Heroku-style URLs name the old driver; SQLAlchemy wants psycopg 3.
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://"):]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def load_config() -> dict:
    """Return the settings for the current environment."""
    env = os.environ.get("APP_ENV", "development")
    instance = INSTANCE_PATH
    return {
        "APP_ENV": env,
        "SECRET_KEY": os.environ.get("SECRET_KEY", DEV_SECRET_KEY),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "UPLOAD_FOLDER": os.environ.get("UPLOAD_FOLDER", str(instance / "uploads")),
        "MAX_CONTENT_LENGTH": _int("MAX_UPLOAD_MB", 10) * 1024 * 1024 + 256 * 1024,
        "ATTACHMENT_MAX_BYTES": _int("MAX_UPLOAD_MB", 10) * 1024 * 1024,
        "SEARCH_BACKEND": os.environ.get("SEARCH_BACKEND", "whoosh"),
        "WHOOSH_INDEX_DIR": os.environ.get("WHOOSH_INDEX_DIR", str(instance / "search")),
        # Index every change after its commit; check (and rebuild) the index at start-up.
        "SEARCH_SYNC": _bool("SEARCH_SYNC", True),
        "SEARCH_STARTUP_CHECK": _bool("SEARCH_STARTUP_CHECK", True),
        # Mail: the default (development) backend writes every message to the log and to
        # MAIL_FILE_PATH; MAIL_BACKEND=smtp sends through MAIL_SERVER (README "E-mail").
        "MAIL_BACKEND": os.environ.get("MAIL_BACKEND", "alliance.core.mail_backend.EmailBackend"),
        "MAIL_FILE_PATH": os.environ.get("MAIL_FILE_PATH", str(instance / "mail")),
        "MAIL_SERVER": os.environ.get("MAIL_SERVER", "localhost"),
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME"),
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD"),
        "MAIL_USE_TLS": _bool("MAIL_USE_TLS", False),
        "MAIL_USE_SSL": _bool("MAIL_USE_SSL", False),
        "MAIL_TIMEOUT": _int("MAIL_TIMEOUT", 10),  # seconds; a stuck server must not hang us
        # Webhooks: turned into deliveries from the audit log; the first attempt right after
        # the commit (thread: in the background | inline: in the request | off; true/false
        # mean thread/off), the retries by `flask webhooks deliver` (cron).
        "WEBHOOKS_ENABLED": _bool("WEBHOOKS_ENABLED", True),
        "WEBHOOKS_SEND_AFTER_COMMIT": os.environ.get("WEBHOOKS_SEND_AFTER_COMMIT", "thread"),
        # The site's address, for links in e-mails sent by commands (cron), outside requests.
        "SITE_URL": os.environ.get("SITE_URL", "http://127.0.0.1:5000").rstrip("/"),
        "MAIL_DEFAULT_SENDER": os.environ.get(
            "MAIL_DEFAULT_SENDER", "Milano Smart City Alliance <noreply@alliance.example>"
        ),
        # Signed links: e-mail confirmation and password reset expire.
        "CONFIRM_TOKEN_MAX_AGE": _int("CONFIRM_TOKEN_MAX_AGE", 3 * 24 * 3600),
        "RESET_TOKEN_MAX_AGE": _int("RESET_TOKEN_MAX_AGE", 2 * 3600),
        "INVITE_TOKEN_MAX_AGE": _int("INVITE_TOKEN_MAX_AGE", 14 * 24 * 3600),
        "REMEMBER_COOKIE_DURATION": _int("REMEMBER_DAYS", 30) * 24 * 3600,
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": env == "production",
        "REMEMBER_COOKIE_SECURE": env == "production",
        "WTF_CSRF_TIME_LIMIT": None,
        "BABEL_DEFAULT_LOCALE": os.environ.get("DEFAULT_LOCALE", "it"),
        "BABEL_DEFAULT_TIMEZONE": "Europe/Rome",
        "SUPPORTED_LOCALES": ["it", "en"],
        "SITE_NAME": "Milano Smart City Alliance",
        "RATELIMIT_ENABLED": _bool("RATELIMIT_ENABLED", True),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        "LOGIN_RATE_LIMIT": os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour"),
        "RESET_RATE_LIMIT": os.environ.get("RESET_RATE_LIMIT", "5 per minute;20 per hour"),
        "PREFERRED_URL_SCHEME": "https" if env == "production" else "http",
        # The anonymous visitors' public pages, kept per process (core/page_cache.py).
        "PAGE_CACHE": _bool("PAGE_CACHE", True),
        "PAGE_CACHE_SECONDS": _int("PAGE_CACHE_SECONDS", 60),
        "PAGE_CACHE_ENTRIES": _int("PAGE_CACHE_ENTRIES", 2000),
        "PAGE_CACHE_REDIS_URL": os.environ.get("PAGE_CACHE_REDIS_URL") or None,
        # Logs: JSON lines in production (for the log collector), text in development.
        "LOG_FORMAT": os.environ.get("LOG_FORMAT", "json" if env == "production" else "text"),
        "LOG_LEVEL": os.environ.get("LOG_LEVEL", "INFO").upper(),
    }
