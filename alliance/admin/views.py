"""The admin console: approval queue, counts, calls, themes, partner members."""
from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import format_date, format_decimal, get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alliance.admin import stats
from alliance.admin.forms import CallForm, ThemeForm
from alliance.auth import policy
from alliance.auth.models import User
from alliance.challenges import services as challenge_services
from alliance.challenges.models import PUBLISHED, STATUSES, SUBMITTED, Call, Challenge
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.core.taxonomy import Theme
from alliance.evaluation.decisions import OUTCOME_LABELS
from alliance.extensions import db, login_manager
from alliance.matching.pilot_lifecycle import STATUS_LABELS as PILOT_LABELS
from alliance.partners import services as partner_services
from alliance.partners.forms import MemberForm
from alliance.partners.models import Partner, PartnerMembership
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.before_request
def admins_only():
    """Every page here is for admins: log in first, 403 for everyone else."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.require(policy.can_access_admin(current_user))
    return None


def _status(form) -> int:
    return 422 if form.errors else 200


@bp.get("/")
def index():
    now = utcnow()
    queue = db.session.scalars(
        sa.select(Challenge).where(Challenge.status == SUBMITTED)
        .options(*challenge_services.list_options()).order_by(Challenge.updated_at)
    ).all()
    overdue = db.session.scalars(
        sa.select(Challenge).where(Challenge.status == PUBLISHED, Challenge.deadline <= now)
        .options(*challenge_services.list_options()).order_by(Challenge.deadline)
    ).all()
    by_status = dict(db.session.execute(
        sa.select(Challenge.status, sa.func.count()).group_by(Challenge.status)
    ).all())
    counts = {
        "users": db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        "startups": db.session.scalar(sa.select(sa.func.count()).select_from(Startup)),
        "proposals": db.session.scalar(
            sa.select(sa.func.count()).select_from(Proposal)
            .where(Proposal.status == PROPOSAL_SUBMITTED)
        ),
    }
    # Each call at a glance: the current ones unless ?call=<slug> picks one.
    calls = stats.all_calls()
    chosen = request.args.get("call", "")
    if chosen:
        shown = [call for call in calls if call.slug == chosen]
        policy.require(bool(shown), hide=True)
    else:
        shown = stats.current_calls(now=now)
    return render_template(
        "admin/index.html", queue=queue, overdue=overdue, now=now, counts=counts,
        by_status=[(status, by_status.get(status, 0)) for status in STATUSES],
        calls=calls, chosen=chosen, bands=stats.BANDS,
        figures=stats.call_figures(shown, locale=str(get_locale())),
        outcome_labels=OUTCOME_LABELS, pilot_labels=PILOT_LABELS,
        format_date=format_date, format_decimal=format_decimal,
    )


# -- calls ----------------------------------------------------------------------

@bp.get("/calls/")
def calls():
    policy.require(policy.can_manage_calls(current_user))
    rows = db.session.execute(
        sa.select(Call, sa.func.count(Challenge.id))
        .outerjoin(Challenge, Challenge.call_id == Call.id)
        .group_by(Call.id).order_by(Call.opens_at.desc())
    ).all()
    return render_template("admin/calls.html", rows=rows)


def _call_data(form: CallForm) -> challenge_services.CallData:
    return challenge_services.CallData(
        title=form.title.data, slug=form.slug.data, description=form.description.data or "",
        opens_at=form.opens_at.data, closes_at=form.closes_at.data,
        results_at=form.results_at.data,
    )


@bp.route("/calls/new", methods=["GET", "POST"])
def new_call():
    policy.require(policy.can_manage_calls(current_user))
    form = CallForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            call = challenge_services.create_call(data=_call_data(form), user=current_user,
                                                  now=utcnow())
        if outcome.ok:
            flash(_("Call “%(title)s” created.", title=call.title), "success")
            return redirect(url_for(".calls"))
    return render_template("admin/call_form.html", form=form, call=None), _status(form)


@bp.route("/calls/<int:call_id>/edit", methods=["GET", "POST"])
def edit_call(call_id):
    policy.require(policy.can_manage_calls(current_user))
    call = db.get_or_404(Call, call_id)
    form = CallForm(obj=call)
    if form.validate_on_submit():
        with saving(form) as outcome:
            challenge_services.update_call(call=call, data=_call_data(form), user=current_user,
                                           now=utcnow())
        if outcome.ok:
            flash(_("Call “%(title)s” saved.", title=call.title), "success")
            return redirect(url_for(".calls"))
    return render_template("admin/call_form.html", form=form, call=call), _status(form)


# -- themes ---------------------------------------------------------------------

@bp.route("/themes/", methods=["GET", "POST"])
def themes():
    policy.require(policy.can_manage_themes(current_user))
    form = ThemeForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            theme = challenge_services.create_theme(name_it=form.name_it.data,
                                                    name_en=form.name_en.data,
                                                    user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Theme “%(name)s” added.", name=theme.name(str(get_locale()))), "success")
            return redirect(url_for(".themes"))
    return render_template(
        "admin/themes.html", form=form, themes=challenge_services.ordered_themes(),
        usage=challenge_services.theme_usage(),
    ), _status(form)


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
def edit_theme(theme_id):
    policy.require(policy.can_manage_themes(current_user))
    theme = db.get_or_404(Theme, theme_id)
    form = ThemeForm(obj=theme)
    if form.validate_on_submit():
        with saving(form) as outcome:
            challenge_services.rename_theme(theme=theme, name_it=form.name_it.data,
                                            name_en=form.name_en.data, user=current_user,
                                            now=utcnow())
        if outcome.ok:
            flash(_("Theme renamed."), "success")
            return redirect(url_for(".themes"))
    return render_template("admin/theme_form.html", form=form, theme=theme), _status(form)


@bp.post("/themes/<int:theme_id>/move")
def move_theme(theme_id):
    policy.require(policy.can_manage_themes(current_user))
    theme = db.get_or_404(Theme, theme_id)
    direction = -1 if request.form.get("direction") == "up" else 1
    challenge_services.move_theme(theme=theme, direction=direction, user=current_user,
                                  now=utcnow())
    db.session.commit()
    return redirect(url_for(".themes"))


@bp.post("/themes/<int:theme_id>/delete")
def delete_theme(theme_id):
    policy.require(policy.can_manage_themes(current_user))
    theme = db.get_or_404(Theme, theme_id)
    try:
        challenge_services.delete_theme(theme=theme, user=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Theme deleted."), "success")
    return redirect(url_for(".themes"))


# -- partner members ------------------------------------------------------------

@bp.get("/partners/")
def partners():
    policy.require(policy.can_manage_partner_members(current_user))
    rows = db.session.execute(
        sa.select(Partner, sa.func.count(PartnerMembership.id))
        .outerjoin(PartnerMembership, PartnerMembership.partner_id == Partner.id)
        .group_by(Partner.id).order_by(Partner.name)
    ).all()
    return render_template("admin/partners.html", rows=rows)


def _partner(slug: str) -> Partner:
    partner = db.session.scalar(sa.select(Partner).where(Partner.slug == slug))
    policy.require(partner is not None, hide=True)
    return partner


@bp.route("/partners/<slug>/members", methods=["GET", "POST"])
def members(slug):
    policy.require(policy.can_manage_partner_members(current_user))
    partner = _partner(slug)
    form = MemberForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            membership = partner_services.add_member(partner=partner, email=form.email.data,
                                                     user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("%(name)s now works for %(partner)s.", name=membership.user.name,
                    partner=partner.name), "success")
            return redirect(url_for(".members", slug=slug))
    memberships = db.session.scalars(
        sa.select(PartnerMembership).where(PartnerMembership.partner_id == partner.id)
        .options(sa.orm.joinedload(PartnerMembership.user))
        .order_by(PartnerMembership.added_at)
    ).all()
    return render_template("admin/members.html", partner=partner, form=form,
                           memberships=memberships), _status(form)


@bp.post("/partners/<slug>/members/<int:membership_id>/remove")
def remove_member(slug, membership_id):
    policy.require(policy.can_manage_partner_members(current_user))
    partner = _partner(slug)
    membership = db.session.get(PartnerMembership, membership_id)
    policy.require(membership is not None and membership.partner_id == partner.id, hide=True)
    name = membership.user.name
    partner_services.remove_member(membership=membership, user=current_user, now=utcnow())
    db.session.commit()
    flash(_("%(name)s no longer works for %(partner)s.", name=name, partner=partner.name),
          "success")
    return redirect(url_for(".members", slug=slug))


# The proposal list lives in its own module on this blueprint: importing it registers its routes.
from alliance.admin import api_tokens as _api_tokens  # noqa: E402,F401
from alliance.admin import audit_log as _audit_log  # noqa: E402,F401
from alliance.admin import export_views as _export_views  # noqa: E402,F401
from alliance.admin import goals as _goals  # noqa: E402,F401
from alliance.admin import mail_views as _mail_views  # noqa: E402,F401
from alliance.admin import privacy_views as _privacy_views  # noqa: E402,F401
from alliance.admin import proposals as _proposals  # noqa: E402,F401
from alliance.admin import users as _users  # noqa: E402,F401
from alliance.admin import webhooks as _webhooks  # noqa: E402,F401
