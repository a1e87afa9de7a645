"""The admin console's API tokens: create one (shown once), list them, revoke one.

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register.
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.admin.forms import ApiTokenForm
from alliance.admin.views import bp
from alliance.api import tokens
from alliance.api.models import ApiToken
from alliance.auth import policy
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.core.timezones import rome_to_utc
from alliance.extensions import db


def _expiry(day) -> datetime | None:
    if day is None:
        return None
    return rome_to_utc(datetime.combine(day + timedelta(days=1), time(0, 0)))


def _page(form, plain: str | None = None, status: int = 200):
    response = make_response(render_template(
        "admin/api_tokens.html", form=form, plain=plain, tokens=tokens.all_tokens(),
        now=utcnow()), status)
    if plain:  # the token is on this page only: keep it out of every cache
        response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/api-tokens/", methods=["GET", "POST"])
def api_tokens():
    policy.require(policy.can_manage_api_tokens(current_user))
    form = ApiTokenForm()
    plain = None
    if form.validate_on_submit():
        with saving(form) as outcome:
            _token, plain = tokens.create_token(
                user=current_user, name=form.name.data, expires_at=_expiry(form.expires_on.data),
                now=utcnow())
        if outcome.ok:
            # Rendered, not redirected: the token must never travel through the session.
            return _page(ApiTokenForm(formdata=None), plain=plain)
    return _page(form, status=422 if form.errors else 200)


@bp.post("/api-tokens/<int:token_id>/revoke")
def revoke_api_token(token_id):
    policy.require(policy.can_manage_api_tokens(current_user))
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id))
    policy.require(token is not None, hide=True)
    try:
        tokens.revoke_token(token=token, user=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Token “%(name)s” revoked.", name=token.name), "success")
    return redirect(url_for(".api_tokens"))
