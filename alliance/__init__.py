"""Alliance: the open-innovation marketplace of the Milano Smart City Alliance."""
from __future__ import annotations

import os

from flask import Flask, current_app, has_request_context, request, session
from flask_babel import lazy_gettext
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from alliance.config import DEV_SECRET_KEY, INSTANCE_PATH, PROJECT_ROOT, load_config
from alliance.core import aftercommit, audit_guard, page_cache, security_headers
from alliance.core.languages import LANGUAGE_COOKIE, LANGUAGES
from alliance.core.logs import configure_logging
from alliance.extensions import babel, csrf, db, limiter, login_manager, mail, migrate


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides the environment's settings."""
    app = Flask(
        __name__,
        instance_path=str(INSTANCE_PATH),
        template_folder=str(PROJECT_ROOT / "templates"),
        static_folder=str(PROJECT_ROOT / "static"),
    )
    app.config.update(load_config())
    if config:
        app.config.update(config)
    _refuse_unsafe_production(app)
    os.makedirs(app.instance_path, exist_ok=True)
    configure_logging(app)
    security_headers.install(app)

    from alliance.core.converters import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter
    _init_extensions(app)
    _register_blueprints(app)
    _register_template_helpers(app)
    page_cache.install(app)
    _register_error_pages(app)
    _register_cli(app)
    if app.config["SEARCH_STARTUP_CHECK"]:
        from alliance.search.startup import check_index_at_startup

        check_index_at_startup(app)
    return app


def _refuse_unsafe_production(app: Flask) -> None:
    if app.config["APP_ENV"] == "production" and app.config["SECRET_KEY"] == DEV_SECRET_KEY:
        raise RuntimeError(
            "APP_ENV=production needs a SECRET_KEY of its own: the development key is public."
        )


def _init_extensions(app: Flask) -> None:
    # Every model module must be imported before migrations or mappers run.
    from alliance import models  # noqa: F401

    db.init_app(app)
    migrate.init_app(app, db, directory=str(PROJECT_ROOT / "migrations"), compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    babel.init_app(
        app,
        locale_selector=_select_locale,
        default_translation_directories=str(PROJECT_ROOT / "translations"),
    )
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message_category = "info"
    login_manager.login_message = lazy_gettext("Please log in to open this page.")
    login_manager.session_protection = "basic"
    aftercommit.install(Session)
    audit_guard.install()
    from alliance.evaluation import conflict_watch, revisions
    from alliance.search import sync

    sync.install()
    revisions.install()
    conflict_watch.install()
    from alliance.webhooks import listen as webhooks_listen

    webhooks_listen.install()

    @login_manager.user_loader
    def load_user(user_id: str):
        from alliance.auth.models import User

        return User.from_session_id(user_id)


def _select_locale() -> str:
    supported = LANGUAGES
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    if not has_request_context():  # CLI and after-commit work: the default language
        return default
    chosen = session.get("lang")
    if chosen in supported:
        return chosen
    if current_user and current_user.is_authenticated and current_user.locale in supported:
        return current_user.locale
    remembered = request.cookies.get(LANGUAGE_COOKIE)
    return remembered if remembered in supported else default


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record):
    """SQLite enforces foreign keys only when asked, connection by connection. The
    write-ahead log lets readers go on while a worker writes (the deadline rush);
    ``synchronous=NORMAL`` is safe with it (a crash loses no committed database
    state, at worst the last commits of a power cut)."""
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _register_blueprints(app: Flask) -> None:
    from alliance.admin.views import bp as admin_bp
    from alliance.api.views import bp as api_bp
    from alliance.auth.privacy_views import bp as account_bp
    from alliance.auth.views import bp as auth_bp
    from alliance.challenges.goal_views import bp as goals_bp
    from alliance.challenges.views import bp as challenges_bp
    from alliance.core.views import bp as main_bp
    from alliance.evaluation.admin_views import bp as evaluation_bp
    from alliance.evaluation.jury_views import bp as jury_bp
    from alliance.evaluation.result_views import bp as results_bp
    from alliance.matching.admin_views import bp as matching_admin_bp
    from alliance.matching.pilot_views import bp as pilots_bp
    from alliance.matching.preference_views import bp as pilot_preferences_bp
    from alliance.matching.results_views import bp as call_results_bp
    from alliance.matching.scouting_views import bp as scouting_bp
    from alliance.partners.views import bp as partners_bp
    from alliance.proposals.views import bp as proposals_bp
    from alliance.search.views import bp as search_bp
    from alliance.startups.views import bp as startups_bp

    for blueprint in (main_bp, auth_bp, partners_bp, startups_bp, challenges_bp,
                      proposals_bp, admin_bp, search_bp, evaluation_bp, jury_bp,
                      results_bp, scouting_bp, pilot_preferences_bp, matching_admin_bp,
                      pilots_bp, call_results_bp, api_bp, goals_bp, account_bp):
        app.register_blueprint(blueprint)


def _register_template_helpers(app: Flask) -> None:
    from alliance.auth import policy
    from alliance.challenges.briefs import brief_for
    from alliance.core import templating
    from alliance.matching.pilot_solutions import pilot_reason
    from alliance.matching.scouting import invitation_reason

    app.jinja_env.globals["policy"] = policy
    app.jinja_env.globals["brief_for"] = brief_for  # a challenge's brief in the reader's language
    templating.register(app)
    # Reasons are stored as facts and said in the reader's language.
    app.jinja_env.filters["invitation_reason"] = invitation_reason
    app.jinja_env.filters["pilot_reason"] = pilot_reason


def _register_error_pages(app: Flask) -> None:
    from alliance.core.views import register_error_pages

    register_error_pages(app)


def _register_cli(app: Flask) -> None:
    from alliance.cli import register

    register(app)


__all__ = ["create_app"]
