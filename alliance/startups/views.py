"""Start-up profiles, members, invitations, customers/investors/competitors and the
start-up's dashboard."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from alliance.auth import policy
from alliance.challenges.models import PUBLISHED, Challenge
from alliance.core.errors import DomainError
from alliance.core.forms import put_errors, saving
from alliance.core.mail import queue_mail
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching.pilot_matching import preferences_prompt_context
from alliance.matching.pilot_queries import pilots_panel_context
from alliance.matching.scouting import startup_dashboard_context
from alliance.proposals.models import Proposal
from alliance.startups import services
from alliance.startups.forms import (
    InviteForm,
    RelationForm,
    StartupForm,
    relation_label,
    stage_label,
)
from alliance.startups.models import (
    Startup,
    StartupInvitation,
    StartupMembership,
    StartupRelation,
)

bp = Blueprint("startups", __name__)


def _get_startup(slug: str) -> Startup:
    startup = db.session.scalar(sa.select(Startup).where(Startup.slug == slug))
    if startup is None:
        abort(404)
    return startup


# -- registration and profile ------------------------------------------------

@bp.route("/startups/new", methods=["GET", "POST"])
@login_required
def create():
    if current_user.startup_membership is not None:
        flash(_("You already belong to a start-up."), "info")
        return redirect(url_for("startups.dashboard"))
    if not current_user.is_confirmed:
        flash(_("Please confirm your e-mail address before registering a start-up."), "warning")
    policy.require(policy.can_create_startup(current_user))
    form = StartupForm()
    if form.validate_on_submit():
        try:
            startup = services.create_startup(founder=current_user, details=form.details(),
                                              now=utcnow())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            put_errors(form, error)
        except IntegrityError:  # the same partita IVA registered a moment ago
            db.session.rollback()
            form.vat_number.errors = [
                *form.vat_number.errors,
                _("A start-up with this partita IVA is already registered."),
            ]
        else:
            flash(_("%(name)s is registered. Invite your co-founders and find a challenge.",
                    name=startup.name), "success")
            return redirect(url_for("startups.dashboard"))
    status = 422 if form.errors else 200
    return render_template("startups/form.html", form=form, startup=None), status


@bp.route("/startups/<slug>/edit", methods=["GET", "POST"])
@login_required
def edit(slug):
    startup = _get_startup(slug)
    policy.require(policy.can_view_startup(current_user, startup), hide=True)
    policy.require(policy.can_edit_startup(current_user, startup))
    form = StartupForm(obj=startup)
    if request.method == "GET":
        form.sectors.data = [theme.id for theme in startup.sectors]
    if form.validate_on_submit():
        try:
            services.update_startup(startup=startup, user=current_user, details=form.details(),
                                    now=utcnow())
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            put_errors(form, error)
        except IntegrityError:
            db.session.rollback()
            form.vat_number.errors = [
                *form.vat_number.errors,
                _("A start-up with this partita IVA is already registered."),
            ]
        else:
            flash(_("The profile is saved."), "success")
            return redirect(url_for("startups.detail", slug=startup.slug))
    status = 422 if form.errors else 200
    return render_template("startups/form.html", form=form, startup=startup), status


@bp.get("/startups/<slug>")
def detail(slug):
    startup = _get_startup(slug)
    policy.require(policy.can_view_startup(current_user, startup), hide=True)
    return render_template("startups/detail.html", startup=startup, stage_label=stage_label,
                           relation_label=relation_label)


# -- members and invitations ---------------------------------------------------

def _members(startup: Startup) -> list[StartupMembership]:
    return list(db.session.scalars(
        sa.select(StartupMembership)
        .where(StartupMembership.startup_id == startup.id)
        .options(selectinload(StartupMembership.user))
        .order_by(StartupMembership.is_founder.desc(), StartupMembership.joined_at)
    ))


def _send_invitation(invitation: StartupInvitation) -> None:
    link = url_for("startups.invitation", token=services.invitation_token(invitation),
                   _external=True)
    days = current_app.config["INVITE_TOKEN_MAX_AGE"] // (24 * 3600)
    queue_mail(
        to=invitation.email,
        subject=_("%(name)s invites you to join them on Milano Smart City Alliance",
                  name=invitation.startup.name),
        template="startup_invitation",
        invitation=invitation, startup=invitation.startup, inviter=current_user,
        link=link, days=days,
    )


@bp.route("/startups/<slug>/members", methods=["GET", "POST"])
@login_required
def members(slug):
    startup = _get_startup(slug)
    policy.require(policy.can_view_startup(current_user, startup), hide=True)
    policy.require(policy.can_edit_startup(current_user, startup))
    form = InviteForm()
    if request.method == "POST":
        policy.require(policy.can_invite_to_startup(current_user, startup))
        if form.validate_on_submit():
            try:
                invitation = services.invite_cofounder(
                    startup=startup, inviter=current_user, email=form.email.data, now=utcnow()
                )
                _send_invitation(invitation)
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                put_errors(form, error)
            else:
                flash(_("Invitation sent to %(email)s.", email=invitation.email), "success")
                return redirect(url_for("startups.members", slug=startup.slug))
    status = 422 if form.errors else 200
    return render_template(
        "startups/members.html", startup=startup, members=_members(startup),
        invitations=services.pending_invitations(startup), form=form,
    ), status


@bp.post("/startups/<slug>/invitations/<int:invitation_id>/cancel")
@login_required
def cancel_invitation(slug, invitation_id):
    startup = _get_startup(slug)
    policy.require(policy.can_invite_to_startup(current_user, startup),
                   hide=not policy.can_view_startup(current_user, startup))
    invitation = db.session.get(StartupInvitation, invitation_id)
    if invitation is None or invitation.startup_id != startup.id:
        abort(404)
    try:
        services.cancel_invitation(invitation=invitation, user=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("The invitation is cancelled."), "success")
    return redirect(url_for("startups.members", slug=startup.slug))


@bp.route("/startups/invitations/<token>", methods=["GET", "POST"])
def invitation(token):
    max_age = current_app.config["INVITE_TOKEN_MAX_AGE"]
    try:
        invitation = services.load_invitation(token, max_age=max_age)
    except DomainError as error:
        return render_template("startups/invitation.html", invitation=None,
                               problem=error.message), 400
    if not current_user.is_authenticated:
        return render_template("startups/invitation.html", invitation=invitation, problem=None,
                               next_url=request.path)
    problem = services.invitation_problem(invitation, current_user)
    if request.method == "POST" and problem is None:
        try:
            services.accept_invitation(invitation=invitation, user=current_user, now=utcnow())
            db.session.commit()
        except IntegrityError:  # joined another start-up a moment ago
            db.session.rollback()
            problem = _("You already belong to a start-up; a person can belong to one "
                        "start-up only.")
        except DomainError as error:
            db.session.rollback()
            problem = error.message
        else:
            flash(_("Welcome to %(name)s!", name=invitation.startup.name), "success")
            return redirect(url_for("startups.dashboard"))
    status = 200 if problem is None else (409 if request.method == "POST" else 200)
    return render_template("startups/invitation.html", invitation=invitation,
                           problem=problem), status


# -- customers, investors and competitors (private: the team and admins only) ------------

@bp.route("/startups/<slug>/relations", methods=["GET", "POST"])
@login_required
def relations(slug):
    startup = _get_startup(slug)
    policy.require(policy.can_view_startup(current_user, startup), hide=True)
    policy.require(policy.can_edit_startup(current_user, startup))
    form = RelationForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            row = services.add_relation(startup=startup, user=current_user,
                                        relation=form.relation(), now=utcnow())
        if outcome.ok:
            flash(_("%(company)s is on your list.", company=row.company_name), "success")
            return redirect(url_for("startups.relations", slug=startup.slug))
    status = 422 if form.errors else 200
    return render_template(
        "startups/relations.html", startup=startup, form=form,
        partner_names={p.id: p.name for p in form.partners}, relation_label=relation_label,
    ), status


@bp.post("/startups/<slug>/relations/<int:relation_id>/remove")
@login_required
def remove_relation(slug, relation_id):
    startup = _get_startup(slug)
    policy.require(policy.can_view_startup(current_user, startup), hide=True)
    policy.require(policy.can_edit_startup(current_user, startup))
    relation = db.session.get(StartupRelation, relation_id)
    if relation is None or relation.startup_id != startup.id:
        abort(404)
    name = relation.company_name
    try:
        services.remove_relation(relation=relation, user=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("%(company)s is off your list.", company=name), "success")
    return redirect(url_for("startups.relations", slug=startup.slug))


# -- dashboard -------------------------------------------------------------------

@bp.get("/startup/dashboard")
@login_required
def dashboard():
    startup_id = policy.startup_id_of(current_user)
    if startup_id is None:
        if policy.can_create_startup(current_user):
            flash(_("Register your start-up first."), "info")
            return redirect(url_for("startups.create"))
        abort(403)
    startup = current_user.startup
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.startup_id == startup_id)
        .options(selectinload(Proposal.submissions))
        .order_by(Proposal.updated_at.desc())
    ).unique().all()
    now = utcnow()
    open_count = db.session.scalar(
        sa.select(sa.func.count(Challenge.id))
        .where(Challenge.status == PUBLISHED, Challenge.opens_at <= now, Challenge.deadline > now)
    )
    return render_template("startups/dashboard.html", startup=startup, proposals=proposals,
                           now=now, open_count=open_count,
                           member_count=len(startup.memberships),
                           **startup_dashboard_context(startup=startup, now=now),
                           **preferences_prompt_context(startup=startup, now=now),
                           **pilots_panel_context(user=current_user, now=now))
