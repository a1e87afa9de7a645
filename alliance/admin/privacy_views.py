"""The admin console's privacy page: how long proposals that were not selected are
kept after the challenge's decision, what the next purge would remove, the last run.

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register. The rules
live in ``alliance.auth.retention``; ``flask --app wsgi privacy purge`` applies them.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.admin.forms import RetentionForm
from alliance.admin.views import bp
from alliance.auth import policy, retention
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.core.models import utcnow
from alliance.extensions import db


def _page(form: RetentionForm, status: int = 200):
    last_run = db.session.scalar(
        sa.select(AuditEvent).where(AuditEvent.action == "privacy.proposals_purged")
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(1))
    plan = retention.plan_purge(now=utcnow())
    return render_template("admin/privacy.html", form=form, days=retention.retention_days(),
                           due=len(plan.proposal_ids), last_run=last_run), status


@bp.get("/privacy/")
def privacy():
    policy.require(policy.can_manage_privacy_settings(current_user))
    form = RetentionForm(data={"days": retention.retention_days()})
    return _page(form)


@bp.post("/privacy/")
def save_privacy():
    policy.require(policy.can_manage_privacy_settings(current_user))
    form = RetentionForm()
    if not form.validate_on_submit():
        return _page(form, 422)
    try:
        retention.set_retention_days(days=form.days.data, user=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        form.days.errors = [*form.days.errors, error.message]
        return _page(form, 422)
    db.session.commit()
    flash(_("The retention period is saved."), "success")
    return redirect(url_for("admin.privacy"))
