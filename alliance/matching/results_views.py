"""A call's public results page (winners and agreed pilots), the list of calls
with published results, and the admin's publish / unpublish buttons."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.auth import policy
from alliance.challenges.models import Call
from alliance.core.errors import DomainError
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching import results
from alliance.matching.pilot_lifecycle import STATUS_LABELS

bp = Blueprint("call_results", __name__)


@bp.get("/calls/")
def index():
    return render_template("matching/call_results_index.html", calls=results.calls_with_results())


@bp.get("/calls/<slug>/results")
def call(slug):
    call = db.first_or_404(sa.select(Call).where(Call.slug == slug))
    matching = results.matching_of(call)
    policy.require(policy.can_view_call_results(current_user, matching), hide=True)
    return render_template(
        "matching/call_results.html", call=call, matching=matching,
        published=matching is not None and matching.results_published,
        challenges=results.call_results(call), labels=STATUS_LABELS,
        undecided=results.undecided_challenges(call)
        if policy.can_run_matching(current_user, call) else [],
    )


def _admin_post(call_id: int, action, success: str):
    call = db.get_or_404(Call, call_id)
    policy.require(policy.can_run_matching(current_user, call))
    try:
        action(call=call, user=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for(".call", slug=call.slug))


@bp.post("/admin/calls/<int:call_id>/results/publish")
@login_required
def publish(call_id):
    return _admin_post(call_id, results.publish_results,
                       _("The results of the call are public."))


@bp.post("/admin/calls/<int:call_id>/results/unpublish")
@login_required
def unpublish(call_id):
    return _admin_post(call_id, results.unpublish_results,
                       _("The results of the call are no longer public."))
