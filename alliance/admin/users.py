"""The admin console's user management: find accounts, see one, grant and revoke the
granted roles, deactivate and reactivate, and delete (anonymise) an account when its
owner asks for it by other means than the site.

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register. The rules
live in ``alliance.auth.management``.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import aliased
from wtforms import SelectChoice as Choice

from alliance.admin.forms import RoleForm, UserFilterForm
from alliance.admin.views import bp
from alliance.auth import management, policy
from alliance.auth.models import ADMIN, JURY, PARTNER, ROLES, STARTUP, User, UserRole
from alliance.core.audit import AuditEvent
from alliance.core.converters import page_number
from alliance.core.errors import DomainError
from alliance.core.listing import ListPage, like_pattern, page_of
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.partners.models import PartnerMembership
from alliance.startups.models import StartupMembership

PER_PAGE = 25
RECENT_EVENTS = 10
ROLE_LABELS = {ADMIN: _l("Admin"), JURY: _l("Jury"), PARTNER: _l("Partner"),
               STARTUP: _l("Start-up")}
STATUS_LABELS = {"active": _l("Active"), "inactive": _l("Deactivated")}


def _role_condition(role: str):
    if role in (ADMIN, JURY):
        return sa.exists().where(UserRole.user_id == User.id, UserRole.role == role)
    membership = PartnerMembership if role == PARTNER else StartupMembership
    return sa.exists().where(membership.user_id == User.id)


def _listed(*, text: str, role: str | None, status: str | None, page: int) -> ListPage[User]:
    select = sa.select(User)
    if text:
        pattern = like_pattern(text)
        select = select.where(sa.or_(sa.func.lower(User.name).like(pattern, escape="\\"),
                                     sa.func.lower(User.email).like(pattern, escape="\\")))
    if role:
        select = select.where(_role_condition(role))
    if status:
        select = select.where(User.active.is_(status == "active"))
    return page_of(select.order_by(sa.func.lower(User.name), User.id), page=page,
                   per_page=PER_PAGE)


@bp.get("/users/")
def users():
    policy.require(policy.can_manage_users(current_user))
    form = UserFilterForm(request.args)
    form.role.choices = [Choice("", _("Any role"))] + [Choice(r, ROLE_LABELS[r]) for r in ROLES]
    form.status.choices = [Choice("", _("Active or not"))] + [
        Choice(s, label) for s, label in STATUS_LABELS.items()]
    role = request.args.get("role") if request.args.get("role") in ROLES else None
    status = request.args.get("status") if request.args.get("status") in STATUS_LABELS else None
    text = (form.q.data or "").strip()[:200]
    listing = _listed(text=text, role=role, status=status,
                      page=page_number(request.args.get("page", type=int), last=2_000))
    return render_template("admin/users.html", form=form, listing=listing,
                           filtered=bool(text or role or status), role_labels=ROLE_LABELS)


@bp.get("/users/<int:user_id>")
def user_detail(user_id):
    policy.require(policy.can_manage_users(current_user))
    user = db.get_or_404(User, user_id)
    actor = aliased(User)
    events = db.session.execute(
        sa.select(AuditEvent, actor).outerjoin(actor, actor.id == AuditEvent.actor_id)
        .where(sa.or_(AuditEvent.actor_id == user.id,
                      sa.and_(AuditEvent.object_type == User.__tablename__,
                              AuditEvent.object_id == user.id)))
        .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(RECENT_EVENTS)
    ).all()
    return render_template(
        "admin/user.html", user=user, events=events, role_labels=ROLE_LABELS,
        grants={grant.role: grant for grant in user.granted_roles},
        is_self=user.id == current_user.id,
    )


def _act(user_id: int, action):
    """Run ``action(user)`` (a management service, returning the message to flash),
    commit, and go back to the user's page; a refusal is flashed instead."""
    policy.require(policy.can_manage_users(current_user))
    user = db.get_or_404(User, user_id)
    try:
        message = action(user)
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(message, "success")
    return redirect(url_for(".user_detail", user_id=user_id))


def _role() -> str | None:
    form = RoleForm()
    return form.role.data if form.validate_on_submit() else None


@bp.post("/users/<int:user_id>/roles/grant")
def grant_user_role(user_id):
    role = _role()

    def grant(user):
        if role is None:
            raise DomainError(_("Choose a role: admin or jury."))
        management.grant_role(user=user, role=role, actor=current_user, now=utcnow())
        return _("%(name)s now holds the %(role)s role.", name=user.name,
                 role=ROLE_LABELS[role])

    return _act(user_id, grant)


@bp.post("/users/<int:user_id>/roles/revoke")
def revoke_user_role(user_id):
    role = _role()

    def revoke(user):
        if role is None:
            raise DomainError(_("Choose a role: admin or jury."))
        management.revoke_role(user=user, role=role, actor=current_user, now=utcnow())
        return _("%(name)s no longer holds the %(role)s role.", name=user.name,
                 role=ROLE_LABELS[role])

    return _act(user_id, revoke)


@bp.post("/users/<int:user_id>/deactivate")
def deactivate_user(user_id):
    def deactivate(user):
        management.deactivate_user(user=user, actor=current_user, now=utcnow())
        return _("%(name)s's account is deactivated: their sessions have ended.",
                 name=user.name)

    return _act(user_id, deactivate)


@bp.post("/users/<int:user_id>/reactivate")
def reactivate_user(user_id):
    def reactivate(user):
        management.reactivate_user(user=user, actor=current_user, now=utcnow())
        return _("%(name)s's account is active again.", name=user.name)

    return _act(user_id, reactivate)


@bp.post("/users/<int:user_id>/anonymise")
def anonymise_user(user_id):
    """The owner asked (by letter or e-mail) for their account to be deleted."""
    def anonymise(user):
        management.delete_account_on_request(user=user, actor=current_user, now=utcnow())
        return _("The account is deleted: its personal data is gone, its evaluations stay.")

    return _act(user_id, anonymise)
