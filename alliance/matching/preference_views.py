"""The start-up's ranking of the challenges it may pilot, one form per call whose
matching is open (read-only once locked). Works without JavaScript: a place
select per challenge."""
from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.auth import policy
from alliance.core.converters import id_arg
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching import pilot_matching as service
from alliance.matching.matching_forms import PreferencesForm, preferences_form
from alliance.matching.pilot_candidates import load_call_data
from alliance.startups.models import Startup

bp = Blueprint("pilot_preferences", __name__)


@dataclass
class Section:
    entry: service.PreferenceCall
    rows: list  # (challenge, outcome) in the start-up's current order
    form: PreferencesForm

    @property
    def call(self):
        return self.entry.call


def _startup() -> Startup:
    startup_id = policy.startup_id_of(current_user)
    if startup_id is None:
        abort(403)
    startup = db.session.get(Startup, startup_id)
    policy.require(policy.can_rank_pilots(current_user, startup))
    return startup


def _sections(startup: Startup, posted_call_id: int | None) -> list[Section]:
    sections = []
    for entry in service.preference_calls(startup=startup, include_locked=True):
        data = load_call_data(entry.call, startup_id=startup.id)
        order = data.startup_prefs.get(startup.id, [])
        formdata = request.form if entry.call.id == posted_call_id else None
        sections.append(Section(
            entry, [(data.challenges[c], data.candidates[(startup.id, c)].outcome)
                    for c in order],
            preferences_form(entry.call.id, order, formdata=formdata)))
    return sections


@bp.route("/startup/pilot-preferences", methods=["GET", "POST"])
@login_required
def edit():
    startup = _startup()
    posted = request.form.get("call_id", type=id_arg) if request.method == "POST" else None
    sections = _sections(startup, posted)
    status = 200
    if request.method == "POST":
        section = next((s for s in sections if s.call.id == posted), None)
        if section is None:
            abort(404)
        form = section.form
        if section.entry.locked:
            form.form_errors.append(_("The matching of this call is locked: the ranking can "
                                      "no longer change."))
        elif form.validate_on_submit():
            with saving(form) as outcome:
                service.save_preferences(startup=startup, call=section.call,
                                         ranked_challenge_ids=form.ranked_ids(),
                                         user=current_user, now=utcnow())
            if outcome.ok:
                flash(_("Your ranking for “%(call)s” is saved.", call=section.call.title),
                      "success")
                return redirect(url_for(".edit"))
        status = 422
    return render_template("matching/preferences.html", startup=startup,
                           sections=sections), status
