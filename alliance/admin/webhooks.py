"""The admin console's webhooks: partners' endpoints (register, deactivate) and each
endpoint's deliveries with their outcome ("retry now").

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register.

The signing secret stays visible to admins on the endpoint's page: it must be stored
in clear to sign (a digest would not do), so hiding it from the admins who can
register endpoints protects nothing, and a partner who lost it can be sent it again.
The page is never cached.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import current_app, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from wtforms import SelectChoice as Choice

from alliance.admin.forms import EVENT_LABELS, EndpointForm
from alliance.admin.views import bp
from alliance.auth import policy
from alliance.core.converters import page_number
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.listing import page_of
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.webhooks import services
from alliance.webhooks.deliver import deliver_due
from alliance.webhooks.models import (
    DELIVERED,
    FAILED,
    PENDING,
    WebhookDelivery,
    WebhookEndpoint,
)

STATUS_LABELS = {PENDING: _l("Pending"), DELIVERED: _l("Delivered"), FAILED: _l("Failed")}
PER_PAGE = 50


def _allow_local_http() -> bool:
    return current_app.config.get("APP_ENV") != "production"


@bp.route("/webhooks/", methods=["GET", "POST"])
def webhooks():
    policy.require(policy.can_manage_webhooks(current_user))
    form = EndpointForm()
    partners = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    form.partner.choices = [Choice(p.id, p.name) for p in partners]
    if form.validate_on_submit():
        partner = db.session.get(Partner, form.partner.data)
        with saving(form) as outcome:
            endpoint = services.create_endpoint(
                partner=partner, url=form.url.data, events=form.events.data, user=current_user,
                now=utcnow(), allow_local_http=_allow_local_http())
        if outcome.ok:
            flash(_("Endpoint registered. Send its secret to %(partner)s.",
                    partner=partner.name), "success")
            return redirect(url_for(".webhook_endpoint", endpoint_id=endpoint.id))
    counts = dict(db.session.execute(
        sa.select(WebhookDelivery.endpoint_id, sa.func.count())
        .where(WebhookDelivery.status == FAILED).group_by(WebhookDelivery.endpoint_id)).all())
    endpoints = db.session.scalars(
        sa.select(WebhookEndpoint).join(Partner, Partner.id == WebhookEndpoint.partner_id)
        .order_by(Partner.name, WebhookEndpoint.id)).all()
    return render_template("admin/webhooks.html", form=form, endpoints=endpoints,
                           failed=counts, event_labels=EVENT_LABELS), (
        422 if form.errors else 200)


def _endpoint(endpoint_id: int) -> WebhookEndpoint:
    endpoint = db.session.get(WebhookEndpoint, endpoint_id)
    policy.require(endpoint is not None, hide=True)
    return endpoint


@bp.get("/webhooks/<int:endpoint_id>")
def webhook_endpoint(endpoint_id):
    policy.require(policy.can_manage_webhooks(current_user))
    endpoint = _endpoint(endpoint_id)
    page = page_number(request.args.get("page", type=int))
    listing = page_of(sa.select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
                      .order_by(WebhookDelivery.id.desc()), page=page, per_page=PER_PAGE)
    response = make_response(render_template(
        "admin/webhooks_endpoint.html", endpoint=endpoint, listing=listing,
        event_labels=EVENT_LABELS, status_labels=STATUS_LABELS))
    response.headers["Cache-Control"] = "no-store"  # it shows the signing secret
    return response


@bp.post("/webhooks/<int:endpoint_id>/deactivate")
def deactivate_webhook(endpoint_id):
    policy.require(policy.can_manage_webhooks(current_user))
    endpoint = _endpoint(endpoint_id)
    try:
        services.deactivate_endpoint(endpoint=endpoint, user=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        flash(_("Endpoint deactivated: it is told of no more events."), "success")
    return redirect(url_for(".webhook_endpoint", endpoint_id=endpoint_id))


@bp.post("/webhooks/deliveries/<int:delivery_id>/retry")
def retry_webhook_delivery(delivery_id):
    policy.require(policy.can_manage_webhooks(current_user))
    delivery = db.session.get(WebhookDelivery, delivery_id)
    policy.require(delivery is not None, hide=True)
    endpoint_id, event_id = delivery.endpoint_id, delivery.event_id
    try:
        services.retry_delivery(delivery=delivery, user=current_user, now=utcnow())
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        db.session.commit()
        delivered, _not = deliver_due(now=utcnow(), event_ids=[event_id])
        if delivered:
            flash(_("Delivered."), "success")
        else:
            flash(_("Not delivered this time: see the error below."), "warning")
    return redirect(url_for(".webhook_endpoint", endpoint_id=endpoint_id))
