"""Site-wide pages: home, health check, language switch, dashboards' entry, error pages."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import (
    Blueprint,
    Flask,
    abort,
    current_app,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from alliance.auth import policy
from alliance.challenges import services as challenge_services
from alliance.challenges.models import PUBLISHED, Call, Challenge
from alliance.core.languages import LANGUAGE_COOKIE, LANGUAGES
from alliance.core.models import utcnow
from alliance.core.redirects import is_safe_next
from alliance.extensions import db
from alliance.partners.models import Partner

bp = Blueprint("main", __name__)
log = logging.getLogger(__name__)


@bp.get("/")
def index():
    now = utcnow()
    open_challenges = db.session.scalars(
        sa.select(Challenge)
        .where(Challenge.status == PUBLISHED, Challenge.deadline > now)
        .order_by(Challenge.deadline, Challenge.id)  # read in order from ix_challenge_status_deadline
        .limit(6)
        .options(*challenge_services.list_options())
    ).all()
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    calls = db.session.scalars(
        sa.select(Call).where(Call.closes_at > now).order_by(Call.closes_at).limit(3)
    ).all()
    return render_template("main/index.html", challenges=open_challenges, partners=partners,
                           calls=calls, now=now)


@bp.get("/healthz")
def healthz():
    try:
        db.session.execute(sa.text("SELECT 1"))
    except Exception:
        log.exception("health check: database unreachable")
        db.session.rollback()
        return {"status": "error", "database": "unreachable"}, 503
    return {"status": "ok", "database": "ok"}, 200


@bp.post("/language")
def set_language():
    lang = request.form.get("lang")
    if lang in LANGUAGES:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    target = request.form.get("next") or ""
    response = redirect(target if is_safe_next(target) else url_for("main.index"))
    if lang in LANGUAGES:
        # The choice outlives the browser session (and the login) for a year.
        response.set_cookie(LANGUAGE_COOKIE, lang, max_age=365 * 24 * 3600, httponly=True,
                            samesite="Lax", secure=current_app.config["SESSION_COOKIE_SECURE"])
    return response


@bp.get("/dashboard")
@login_required
def dashboard():
    """Send each user to the page where their work is."""
    if policy.can_access_admin(current_user):
        return redirect(url_for("admin.index"))
    if policy.can_view_jury_dashboard(current_user):
        return redirect(url_for("jury.dashboard"))
    if policy.can_view_partner_dashboard(current_user):
        return redirect(url_for("partners.dashboard"))
    if policy.startup_id_of(current_user) is not None:
        return redirect(url_for("startups.dashboard"))
    if policy.can_create_startup(current_user):
        return redirect(url_for("startups.create"))
    return redirect(url_for("main.index"))


def register_error_pages(app: Flask) -> None:
    def render_error(code: int, title: str, message: str):
        if request.path.startswith("/api/"):  # the API answers JSON, even to 404 and 405
            return jsonify(error={"status": code, "message": str(message)}), code
        return render_template("errors/error.html", code=code, title=title,
                               message=message), code

    @app.errorhandler(403)
    def forbidden(error):
        return render_error(403, _("Access denied"),
                            _("You do not have permission to open this page."))

    @app.errorhandler(404)
    def not_found(error):
        return render_error(404, _("Page not found"),
                            _("The page you asked for does not exist or is not visible to you."))

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_error(400, _("The form has expired"),
                            _("Please go back, reload the page and send the form again."))

    @app.errorhandler(413)
    def too_large(error):
        limit = app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024)
        return render_error(413, _("File too large"),
                            _("The file you sent is larger than the site accepts (%(mb)d MB). "
                              "Go back: what you typed is still in the form, choose a smaller "
                              "file.", mb=limit))

    @app.errorhandler(HTTPException)
    def other_http_error(error):
        """Every other HTTP error (400, 405, 429...) in the site's style too."""
        if error.code is None or error.code < 400:
            return error
        titles = {400: _("Bad request"), 405: _("Not allowed here"),
                  429: _("Too many attempts")}
        messages = {
            400: _("The request could not be understood. Go back and try again."),
            405: _("This address does not accept that kind of request."),
            429: _("Too many attempts in a short time. Wait a little and try again."),
        }
        body, code = render_error(error.code, titles.get(error.code, _("Error")),
                                  messages.get(error.code, _("The request could not be served.")))
        response = make_response(body, code)
        for name, value in error.get_headers():  # Allow (405), Retry-After (429)...
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @app.before_request
    def refuse_nul_bytes():
        """A NUL byte is never valid text; PostgreSQL would refuse it with a 500."""
        values = [request.path, *request.args.values()]
        if request.method in ("POST", "PUT", "PATCH"):
            values += list(request.form.values())
        if any("\x00" in value for value in values):
            abort(400)

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_error(500, _("Something went wrong"),
                            _("An unexpected error happened. Nothing was saved; please try again."))
