"""Registration, e-mail confirmation, login, logout, password reset."""
from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from alliance.auth import privacy, services
from alliance.auth.forms import (
    LoginForm,
    RegisterForm,
    ResendConfirmationForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from alliance.core.errors import DomainError
from alliance.core.models import utcnow
from alliance.core.redirects import is_safe_next
from alliance.extensions import db, limiter

bp = Blueprint("auth", __name__, url_prefix="/auth")


def _apply_errors(form, error: DomainError) -> None:
    """Put a service's refusal beside the fields it concerns (or above the form)."""
    placed = False
    for name, message in error.field_errors.items():
        field = getattr(form, name, None)
        if field is not None:
            field.errors = [*field.errors, message]
            placed = True
    if not placed:
        form.form_errors.append(error.message)


def _safe_next(*candidates: str | None) -> str | None:
    for target in candidates:
        if target and is_safe_next(target):
            return target
    return None


def _already_logged_in():
    flash(_("You are already logged in."), "info")
    return redirect(url_for("main.dashboard"))


# -- login and logout --------------------------------------------------------

@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["LOGIN_RATE_LIMIT"], methods=["POST"])
def login():
    if current_user.is_authenticated:
        return _already_logged_in()
    form = LoginForm()
    if request.method == "GET":
        form.next.data = _safe_next(request.args.get("next")) or ""
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(email=form.email.data, password=form.password.data)
        except DomainError as error:
            db.session.rollback()
            form.form_errors.append(error.message)
            status = 422
        else:
            db.session.commit()
            login_user(user, remember=bool(form.remember.data))
            flash(_("Welcome back, %(name)s.", name=user.name), "success")
            target = _safe_next(form.next.data, request.args.get("next"))
            return redirect(target or url_for("main.dashboard"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/login.html", form=form), status


@bp.post("/logout")
def logout():
    if current_user.is_authenticated:
        logout_user()
        flash(_("You have logged out. See you soon."), "info")
    return redirect(url_for("main.index"))


# -- registration and confirmation -------------------------------------------

@bp.route("/register", methods=["GET", "POST"])
def register():
    if current_user.is_authenticated:
        return _already_logged_in()
    form = RegisterForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = services.register_user(
                name=form.name.data,
                email=form.email.data,
                password=form.password.data,
                accepted_privacy=bool(form.accept_privacy.data),
            )
        except DomainError as error:
            db.session.rollback()
            _apply_errors(form, error)
            status = 422
        else:
            db.session.commit()
            login_user(user)
            flash(_("Welcome, %(name)s! We sent a link to %(email)s: open it to confirm your "
                    "e-mail address.", name=user.name, email=user.email), "success")
            return redirect(url_for("main.dashboard"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/register.html", form=form), status


@bp.get("/confirm/<token>")
def confirm_email(token: str):
    try:
        user = services.confirm_email(token=token)
    except services.AlreadyConfirmed as info:
        db.session.rollback()
        flash(info.message, "info")
        return redirect(url_for("main.dashboard" if current_user.is_authenticated
                                else "auth.login"))
    except DomainError as error:
        db.session.rollback()
        return render_template(
            "auth/link_invalid.html", purpose="confirm", message=error.message,
            resend_form=ResendConfirmationForm(),
        ), 400
    db.session.commit()
    flash(_("Thank you: your e-mail address %(email)s is confirmed.", email=user.email),
          "success")
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return redirect(url_for("auth.login"))


@bp.post("/confirm/resend")
@login_required
def resend_confirmation():
    form = ResendConfirmationForm()
    target = _safe_next(form.next.data) or url_for("main.dashboard")
    if not form.validate_on_submit():  # only the CSRF token can fail
        flash(_("The form has expired: please try again."), "warning")
        return redirect(target)
    try:
        services.send_confirmation_mail(user=current_user._get_current_object())
    except services.AlreadyConfirmed as info:
        flash(info.message, "info")
        return redirect(target)
    db.session.commit()
    flash(_("We sent a new confirmation link to %(email)s.", email=current_user.email),
          "success")
    return redirect(target)


# -- password reset ----------------------------------------------------------

@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: current_app.config["RESET_RATE_LIMIT"], methods=["POST"])
def reset_request():
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account.
        flash(_("If an account exists for %(email)s, we have sent it a link to choose a new "
                "password. The link is valid for a short time.",
                email=services.normalise_email(form.email.data)), "info")
        return redirect(url_for("auth.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("auth/reset_request.html", form=form), status


@bp.route("/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    try:
        user = services.user_for_reset_token(token=token)
    except DomainError as error:
        return render_template("auth/link_invalid.html", purpose="reset",
                               message=error.message), 400
    form = ResetPasswordForm()
    asks_consent = user.privacy_consent_at is None
    if not asks_consent:
        del form.accept_privacy
    status = 200
    if form.validate_on_submit():
        try:
            user = services.reset_password(token=token, password=form.password.data)
        except DomainError as error:
            db.session.rollback()
            _apply_errors(form, error)
            status = 422
        else:
            if asks_consent:
                privacy.record_consent(user=user, now=utcnow(), audit=True)
            db.session.commit()
            if current_user.is_authenticated and current_user.id != user.id:
                logout_user()
            login_user(user)
            flash(_("Your password has been changed and you are logged in."), "success")
            return redirect(url_for("main.dashboard"))
    elif form.is_submitted():
        status = 422
    return render_template("auth/reset_password.html", form=form, user=user), status
