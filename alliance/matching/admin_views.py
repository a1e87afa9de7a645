"""The admin's pilot matching pages: the calls with their matching state, and a
call's matching (settings, the two solutions side by side, adjustments, the lock,
then the pilots and the re-matching of declined slots). Admins only."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth import policy
from alliance.challenges.models import DECIDED, Call, Challenge
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.evaluation.models import Decision
from alliance.extensions import db, login_manager
from alliance.matching import pilot_matching as service
from alliance.matching.matching_forms import AdjustmentForm, LockForm, RematchForm, SettingsForm
from alliance.matching.models import (
    ACCEPTED,
    COMPLETED,
    DECLINED,
    PILOT_STATUSES,
    PROPOSED,
    RUNNING,
    CallMatching,
    MatchingAdjustment,
    Pilot,
)
from alliance.matching.pilot_candidates import SELECTED
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

bp = Blueprint("matching_admin", __name__, url_prefix="/admin/matching")


@bp.before_request
def admins_only():
    """Every page here is for admins: log in first, 403 for everyone else."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.require(policy.can_run_matching(current_user))
    return None


def _call(call_id: int) -> Call:
    call = db.get_or_404(Call, call_id)
    policy.require(policy.can_run_matching(current_user, call))
    return call


def _to_call(call: Call):
    return redirect(url_for(".call", call_id=call.id))


def status_labels() -> dict[str, str]:
    return {PROPOSED: _("Proposed"), ACCEPTED: _("Accepted"), DECLINED: _("Declined"),
            RUNNING: _("Running"), COMPLETED: _("Completed")}


def _flash_error(error: DomainError) -> None:
    db.session.rollback()
    flash(error.message, "danger")


# -- the calls ------------------------------------------------------------------------

@bp.get("/")
def index():
    """Calls with decided challenges: candidates, slots, state, pilots by status
    (five queries, whatever the number of calls)."""
    decided = (sa.select(Challenge.call_id, sa.func.count(Challenge.id).label("challenges"),
                         sa.func.sum(Challenge.pilot_slots).label("slots"))
               .where(Challenge.status == DECIDED).group_by(Challenge.call_id).subquery())
    calls = db.session.execute(
        sa.select(Call, decided.c.challenges, decided.c.slots)
        .join(decided, decided.c.call_id == Call.id)
        .order_by(Call.closes_at.desc(), Call.id)
    ).all()
    ids = [row[0].id for row in calls]
    counts = dict(db.session.execute(
        sa.select(Challenge.call_id, sa.func.count(Proposal.id))
        .join(Proposal, Proposal.challenge_id == Challenge.id)
        .join(Decision, Decision.proposal_id == Proposal.id)
        .where(Challenge.call_id.in_(ids), Challenge.status == DECIDED,
               Decision.outcome.in_(SELECTED))
        .group_by(Challenge.call_id)
    ).all()) if ids else {}
    matchings = {m.call_id: m for m in db.session.scalars(
        sa.select(CallMatching).where(CallMatching.call_id.in_(ids)))} if ids else {}
    pilots: dict[int, dict[str, int]] = {}
    if ids:
        for call_id, status, n in db.session.execute(
            sa.select(Pilot.call_id, Pilot.status, sa.func.count(Pilot.id))
            .where(Pilot.call_id.in_(ids)).group_by(Pilot.call_id, Pilot.status)
        ):
            pilots.setdefault(call_id, {})[status] = n
    rows = [dict(call=call, challenges=n, slots=int(slots or 0), candidates=counts.get(call.id, 0),
                 matching=matchings.get(call.id), pilots=pilots.get(call.id, {}))
            for call, n, slots in calls]
    return render_template("matching/admin_index.html", rows=rows, statuses=PILOT_STATUSES,
                           status_labels=status_labels())


# -- one call -------------------------------------------------------------------------

def _call_page(call: Call, *, settings_form=None, lock_form=None, status: int = 200):
    matching = service.existing_matching(call)
    data = service.candidates(call)
    solution = error = None
    pilots, declined = [], []
    if matching is not None and matching.is_locked:
        pilots = list(db.session.scalars(
            sa.select(Pilot).where(Pilot.call_id == call.id).order_by(Pilot.challenge_id,
                                                                       Pilot.id)))
        declined = service.declined_slots(call, data=data)
    elif data.candidates:
        try:
            solution = service.solve(call, data=data, matching=matching)
        except DomainError as refused:
            error = refused.message
    if settings_form is None:
        settings_form = SettingsForm(
            formdata=None, pilots_per_startup=matching.pilots_per_startup if matching else 1)
    adjustments = list(matching.adjustments) if matching else []
    return render_template(
        "matching/admin_call.html", call=call, matching=matching, data=data,
        solution=solution, error=error, pilots=pilots, declined=declined,
        adjustments=adjustments, settings_form=settings_form,
        lock_form=lock_form or LockForm(formdata=None), status_labels=status_labels(),
    ), status


@bp.get("/calls/<int:call_id>")
def call(call_id):
    return _call_page(_call(call_id))


@bp.post("/calls/<int:call_id>/settings")
def settings(call_id):
    call = _call(call_id)
    form = SettingsForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            service.set_pilots_per_startup(call=call, value=form.pilots_per_startup.data,
                                           user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Settings saved."), "success")
            return _to_call(call)
    return _call_page(call, settings_form=form, status=422)


@bp.post("/calls/<int:call_id>/adjustments")
def add_adjustment(call_id):
    call = _call(call_id)
    form = AdjustmentForm()
    if not form.validate_on_submit():
        flash(_("This adjustment could not be read."), "danger")
        return _to_call(call)
    try:
        service.add_adjustment(call=call, startup_id=form.startup_id.data,
                               challenge_id=form.challenge_id.data, kind=form.kind.data,
                               user=current_user, now=utcnow())
        db.session.commit()
        flash(_("Pair pinned.") if form.kind.data == "pin" else _("Pair excluded."), "success")
    except DomainError as refused:
        _flash_error(refused)
    return _to_call(call)


@bp.post("/calls/<int:call_id>/adjustments/<int:adjustment_id>/remove")
def remove_adjustment(call_id, adjustment_id):
    call = _call(call_id)
    adjustment = db.get_or_404(MatchingAdjustment, adjustment_id)
    if adjustment.matching.call_id != call.id:
        abort(404)
    try:
        service.remove_adjustment(adjustment=adjustment, user=current_user, now=utcnow())
        db.session.commit()
        flash(_("Adjustment removed."), "success")
    except DomainError as refused:
        _flash_error(refused)
    return _to_call(call)


@bp.post("/calls/<int:call_id>/lock")
def lock(call_id):
    call = _call(call_id)
    form = LockForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            created = service.lock_matching(call=call, solution=form.solution.data,
                                            user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Matching locked: %(n)d pilots proposed, both sides e-mailed.",
                    n=len(created)), "success")
            return _to_call(call)
    return _call_page(call, lock_form=form, status=422)


@bp.post("/calls/<int:call_id>/pilots/<int:pilot_id>/rematch")
def rematch(call_id, pilot_id):
    call = _call(call_id)
    pilot = db.get_or_404(Pilot, pilot_id)
    form = RematchForm()
    if pilot.call_id != call.id:
        abort(404)
    startup = db.session.get(Startup, form.startup_id.data) if form.validate_on_submit() else None
    if startup is None:
        flash(_("Choose a start-up for the slot."), "danger")
        return _to_call(call)
    try:
        service.confirm_rematch(pilot=pilot, startup=startup, user=current_user, now=utcnow())
        db.session.commit()
        flash(_("%(name)s takes the slot: both sides e-mailed.", name=startup.name), "success")
    except DomainError as refused:
        _flash_error(refused)
    return _to_call(call)
