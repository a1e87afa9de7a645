"""The admin console's audit log: who did what, when, to which object; newest first.

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register. The log is
only read here: ``alliance.core.audit_guard`` refuses any change to its rows.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, time, timedelta

import sqlalchemy as sa
from flask import render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import aliased
from wtforms import SelectChoice as Choice

from alliance.admin.forms import AuditFilterForm
from alliance.admin.views import bp
from alliance.auth import policy
from alliance.auth.models import User
from alliance.challenges.models import Challenge
from alliance.core.audit import AuditEvent
from alliance.core.converters import MAX_ID, page_number, plain_digits
from alliance.core.listing import ListPage, like_pattern, page_of
from alliance.core.timezones import rome_to_utc
from alliance.extensions import db

PER_PAGE = 50


@dataclass
class AuditRow:
    event: AuditEvent
    actor: User | None
    url: str | None  # the object's page, where there is one
    data: str  # the event's data as compact JSON


def _rome_midnight(day) -> datetime:
    return rome_to_utc(datetime.combine(day, time.min))


def _filtered(select, form: AuditFilterForm, actor_table):
    """``select`` narrowed by the filters that are filled in and valid."""
    who = (form.actor.data or "").strip()[:200]
    if plain_digits(who) and int(who) <= MAX_ID:
        select = select.where(AuditEvent.actor_id == int(who))
    elif who:
        pattern = like_pattern(who)
        select = select.where(sa.or_(
            sa.func.lower(actor_table.name).like(pattern, escape="\\"),
            sa.func.lower(actor_table.email).like(pattern, escape="\\")))
    action = (form.action.data or "").strip()[:80]
    if action.endswith("."):  # a prefix: every action of that kind
        select = select.where(AuditEvent.action.startswith(action, autoescape=True))
    elif action:
        select = select.where(AuditEvent.action == action)
    if form.since.data and not form.since.errors:
        select = select.where(AuditEvent.at >= _rome_midnight(form.since.data))
    if form.until.data and not form.until.errors:  # the whole day named
        select = select.where(AuditEvent.at < _rome_midnight(form.until.data
                                                             + timedelta(days=1)))
    if form.object_type.data:
        select = select.where(AuditEvent.object_type == form.object_type.data[:40])
    if form.object_id.data is not None and not form.object_id.errors:
        select = select.where(AuditEvent.object_id == form.object_id.data)
    return select


def _object_urls(events: list[AuditEvent]) -> dict[tuple[str, int], str]:
    """The pages of the objects on this page that have one (challenge, proposal, user)."""
    urls = {}
    challenge_ids = {e.object_id for e in events
                     if e.object_type == "challenge" and e.object_id is not None}
    if challenge_ids:
        for challenge_id, slug in db.session.execute(
                sa.select(Challenge.id, Challenge.slug).where(Challenge.id.in_(challenge_ids))):
            urls[("challenge", challenge_id)] = url_for("challenges.detail", slug=slug)
    for event in events:
        if event.object_id is None:
            continue
        if event.object_type == "proposal":
            urls[("proposal", event.object_id)] = url_for("proposals.detail",
                                                          proposal_id=event.object_id)
        elif event.object_type == "user":
            urls[("user", event.object_id)] = url_for(".user_detail", user_id=event.object_id)
    return urls


def _compact(data) -> str:
    if not data:
        return ""
    return json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(", ", ": "),
                      default=str)


def _listed(form: AuditFilterForm, page: int) -> ListPage[AuditRow]:
    actor = aliased(User)
    select = _filtered(
        sa.select(AuditEvent, actor).outerjoin(actor, actor.id == AuditEvent.actor_id),
        form, actor)
    listing = page_of(select.order_by(AuditEvent.at.desc(), AuditEvent.id.desc()),
                      page=page, per_page=PER_PAGE, scalars=False)
    urls = _object_urls([event for event, _actor in listing.rows])
    listing.rows = [AuditRow(event, who, urls.get((event.object_type, event.object_id)),
                             _compact(event.data)) for event, who in listing.rows]
    return listing


def _action_choices() -> list[Choice]:
    """Every action recorded so far, each kind of action ("proposal.") first."""
    actions = db.session.scalars(
        sa.select(AuditEvent.action).distinct().order_by(AuditEvent.action)).all()
    kinds = sorted({action.split(".", 1)[0] for action in actions if "." in action})
    return ([Choice("", _("Any action"))]
            + [Choice(kind + ".", _("%(kind)s.* (every one)", kind=kind)) for kind in kinds]
            + [Choice(action, action) for action in actions])


@bp.get("/audit/")
def audit_log():
    policy.require(policy.can_read_audit_log(current_user))
    form = AuditFilterForm(request.args)
    form.action.choices = _action_choices()
    types = db.session.scalars(
        sa.select(AuditEvent.object_type).distinct().order_by(AuditEvent.object_type)).all()
    form.object_type.choices = [Choice("", _("Any object"))] + [Choice(t, t) for t in types]
    form.validate()  # errors are shown beside the fields; invalid filters are ignored
    listing = _listed(form, page_number(request.args.get("page", type=int), last=10_000))
    filtered = any((request.args.get(name) or "").strip() for name in form._fields)
    return render_template("admin/audit.html", form=form, listing=listing, filtered=filtered)
