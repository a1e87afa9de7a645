"""The pilot pages: my pilots, one pilot with its timeline, and the buttons that
move it (accept, decline, start, complete). A pilot the user may not view is a
404, so that guessing ids tells nothing."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.auth import policy
from alliance.auth.models import User
from alliance.core.converters import plain_digits
from alliance.core.errors import DomainError
from alliance.core.forms import put_errors
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching import pilot_lifecycle as lifecycle
from alliance.matching import pilot_queries as queries
from alliance.matching.models import ACCEPTED, SOURCE_REMATCH, STARTUP_SIDE, Pilot
from alliance.matching.pilot_forms import CompleteForm, DeclineForm

bp = Blueprint("pilots", __name__, url_prefix="/pilots")


def _pilot(pilot_id: int) -> Pilot:
    pilot = db.session.get(Pilot, pilot_id)
    if pilot is None:
        abort(404)
    policy.require(policy.can_view_pilot(current_user, pilot), hide=True)
    return pilot


def _int_arg(name: str) -> int | None:
    value = request.args.get(name, "")
    return int(value) if plain_digits(value) and len(value) < 10 else None


@bp.get("/")
@login_required
def index():
    call_id = _int_arg("call_id") if policy.is_admin(current_user) else None
    page = queries.pilots_for_user(current_user, call_id=call_id, page=_int_arg("page") or 1)
    calls = queries.calls_with_pilots() if policy.is_admin(current_user) else []
    return render_template("matching/pilots.html", page=page, calls=calls, call_id=call_id,
                           labels=lifecycle.STATUS_LABELS)


def _timeline(pilot: Pilot) -> list[tuple]:
    """(instant, text, person or None) of each step so far, in order."""
    ids = {pilot.startup_accepted_by_id, pilot.partner_accepted_by_id, pilot.declined_by_id}
    ids.discard(None)
    names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(ids)))
                 .all()) if ids else {}
    steps = [(pilot.proposed_at, _("Proposed by a re-match") if pilot.source == SOURCE_REMATCH
              else _("Proposed by the matching"), None)]
    if pilot.startup_accepted_at:
        steps.append((pilot.startup_accepted_at, _("Accepted by the start-up"),
                      names.get(pilot.startup_accepted_by_id)))
    if pilot.partner_accepted_at:
        steps.append((pilot.partner_accepted_at, _("Accepted by the partner"),
                      names.get(pilot.partner_accepted_by_id)))
    if pilot.declined_at:
        steps.append((pilot.declined_at, _("Declined by the start-up")
                      if pilot.declined_side == STARTUP_SIDE else _("Declined by the partner"),
                      names.get(pilot.declined_by_id)))
    if pilot.started_at:
        steps.append((pilot.started_at, _("Started"), None))
    if pilot.completed_at:
        steps.append((pilot.completed_at, _("Completed"), None))
    return sorted(steps, key=lambda step: step[0])


def _render(pilot: Pilot, *, decline_form=None, complete_form=None, status: int = 200):
    user = current_user
    show_contacts = policy.can_view_pilot_contacts(user, pilot)
    return render_template(
        "matching/pilot.html", pilot=pilot, challenge=pilot.challenge, startup=pilot.startup,
        side=policy.pilot_side(user, pilot), labels=lifecycle.STATUS_LABELS,
        timeline=_timeline(pilot),
        can_respond=policy.can_respond_to_pilot(user, pilot),
        can_advance=policy.can_advance_pilot(user, pilot),
        contacts=lifecycle.contacts(pilot) if show_contacts else None,
        decline_form=decline_form or DeclineForm(formdata=None),
        complete_form=complete_form or CompleteForm(formdata=None),
        ACCEPTED=ACCEPTED,
    ), status


@bp.get("/<int:pilot_id>")
@login_required
def detail(pilot_id):
    return _render(_pilot(pilot_id))


def _button(pilot: Pilot, action, success: str):
    """A button post: run the service, commit, say so; or roll back and say why."""
    try:
        action(pilot=pilot, user=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(success, "success")
    return redirect(url_for(".detail", pilot_id=pilot.id))


@bp.post("/<int:pilot_id>/accept")
@login_required
def accept(pilot_id):
    pilot = _pilot(pilot_id)
    return _button(pilot, lifecycle.accept_pilot, _("You accepted the pilot."))


@bp.post("/<int:pilot_id>/start")
@login_required
def start(pilot_id):
    pilot = _pilot(pilot_id)
    return _button(pilot, lifecycle.start_pilot, _("The pilot is running."))


def _form_post(pilot: Pilot, form, action, field: str, success: str, form_name: str):
    """A form post. The service holds the rules (the text is required): a refusal
    about the field re-renders the page with what was typed (422); other refusals
    (wrong side, wrong state) are flashed. CSRF is checked before the view runs."""
    try:
        action(pilot=pilot, user=current_user, now=utcnow(), **{field: form[field].data})
    except DomainError as error:
        db.session.rollback()
        if not error.field_errors:
            flash(error.message, "danger")
            return redirect(url_for(".detail", pilot_id=pilot.id))
        put_errors(form, error)
        return _render(pilot, status=422, **{form_name: form})
    db.session.commit()
    flash(success, "success")
    return redirect(url_for(".detail", pilot_id=pilot.id))


@bp.post("/<int:pilot_id>/decline")
@login_required
def decline(pilot_id):
    pilot = _pilot(pilot_id)
    return _form_post(pilot, DeclineForm(), lifecycle.decline_pilot, "reason",
                      _("You declined the pilot. The other side and the Alliance's staff "
                        "are told."), "decline_form")


@bp.post("/<int:pilot_id>/complete")
@login_required
def complete(pilot_id):
    pilot = _pilot(pilot_id)
    return _form_post(pilot, CompleteForm(), lifecycle.complete_pilot, "outcome",
                      _("The pilot is completed."), "complete_form")
