"""Recommendations for a start-up, scouting for a challenge's partners, and the
invitations to apply that connect the two."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from alliance.auth import policy
from alliance.challenges.models import Challenge
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.core.redirects import is_safe_next
from alliance.extensions import db
from alliance.matching import scouting
from alliance.matching.models import ScoutingInvitation
from alliance.matching.scouting_forms import MESSAGE_MAX, InviteForm
from alliance.startups.models import Startup

bp = Blueprint("scouting", __name__)

RECOMMENDATIONS = 20
CANDIDATES = 30


# -- the start-up's side ---------------------------------------------------------------

def _own_startup() -> Startup:
    startup_id = policy.startup_id_of(current_user)
    if startup_id is None:
        abort(403)
    startup = current_user.startup
    policy.require(policy.can_view_recommendations(current_user, startup))
    return startup


@bp.get("/startup/recommendations")
@login_required
def recommendations():
    startup = _own_startup()
    now = utcnow()
    rows = scouting.recommended_challenges(startup=startup, now=now, limit=RECOMMENDATIONS)
    invitations = scouting.invitations_of_startup(startup, now)
    html = render_template("matching/recommendations.html", startup=startup, now=now,
                           recommendations=rows, invitations=invitations)
    # Rendered first: the page still shows "new" on what this visit is the first to show.
    if scouting.mark_seen(invitations=[r.invitation for r in invitations], user=current_user,
                          now=now):
        db.session.commit()
    return html


@bp.post("/startup/invitations/<int:invitation_id>/decline")
@login_required
def decline(invitation_id):
    invitation = db.session.get(ScoutingInvitation, invitation_id)
    if invitation is None:
        abort(404)
    policy.require(policy.can_answer_invitation(current_user, invitation), hide=True)
    try:
        scouting.decline_invitation(invitation=invitation, user=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("You declined the invitation to “%(title)s”.", title=invitation.challenge.title),
              "success")
    target = request.form.get("next")
    return redirect(target if is_safe_next(target) else url_for("scouting.recommendations"))


# -- the partners' side ----------------------------------------------------------------

def _scouted_challenge(slug: str) -> Challenge:
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug))
    if challenge is None or not policy.can_view_challenge(current_user, challenge):
        abort(404)
    policy.require(policy.can_scout_for_challenge(current_user, challenge))
    return challenge


def _render_scouting(challenge: Challenge, *, now, failed: tuple[Startup, InviteForm] | None = None,
                     status: int = 200):
    candidates = scouting.scouting_candidates(challenge=challenge, now=now, limit=CANDIDATES)
    invitations = scouting.invitations_of_challenge(challenge, now)
    return render_template(
        "matching/scouting.html", challenge=challenge, now=now, candidates=candidates,
        invitations=invitations, counts=scouting.outcome_counts(invitations),
        failed_startup=failed[0] if failed else None, failed_form=failed[1] if failed else None,
        message_max=MESSAGE_MAX,
    ), status


@bp.get("/challenges/<slug>/scouting")
@login_required
def challenge_scouting(slug):
    challenge = _scouted_challenge(slug)
    return _render_scouting(challenge, now=utcnow())


@bp.post("/challenges/<slug>/scouting/<startup_slug>/invite")
@login_required
def invite(slug, startup_slug):
    challenge = _scouted_challenge(slug)
    startup = db.session.scalar(sa.select(Startup).where(Startup.slug == startup_slug))
    # A private profile is not there for partners: no hint that it exists.
    if startup is None or not (policy.scoutable(startup) or policy.is_admin(current_user)):
        abort(404)
    now = utcnow()
    form = InviteForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            scouting.invite_startup(challenge=challenge, startup=startup, user=current_user,
                                    message=form.message.data or "", now=now)
        if outcome.ok:
            flash(_("%(name)s is invited to apply: its members have been e-mailed.",
                    name=startup.name), "success")
            return redirect(url_for("scouting.challenge_scouting", slug=challenge.slug))
    return _render_scouting(challenge, now=now, failed=(startup, form), status=422)
