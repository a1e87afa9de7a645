"""Registering a partner's webhook endpoint, deactivating it, retrying a delivery."""
from __future__ import annotations

import secrets
from datetime import datetime
from urllib.parse import urlsplit

from flask_babel import gettext as _

from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.extensions import db
from alliance.webhooks.deliver import BACKOFF
from alliance.webhooks.models import EVENTS, FAILED, PENDING, WebhookDelivery, WebhookEndpoint

LOCAL_HOSTS = ("localhost", "127.0.0.1", "::1")


def check_url(url: str, *, allow_local_http: bool) -> str:
    """The URL, stripped, if deliveries may go there: ``https://`` always; ``http://``
    only to this machine and only outside production (development, tests)."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 (raises on a bad port)
    except ValueError:
        host = None
    if not host or len(url) > 500 or parts.username or parts.password:
        raise DomainError(_("Enter a full address, e.g. https://example.com/hooks."),
                          field_errors={"url": _("Enter a full address.")})
    if parts.scheme == "https" or (parts.scheme == "http" and allow_local_http
                                   and host in LOCAL_HOSTS):
        return url
    message = _("The address must start with https://.")
    raise DomainError(message, field_errors={"url": message})


def create_endpoint(*, partner, url: str, events: list[str], user, now: datetime,
                    allow_local_http: bool = False) -> WebhookEndpoint:
    """Register ``url`` to hear ``events`` of ``partner``'s challenges; its signing
    secret is generated here."""
    url = check_url(url, allow_local_http=allow_local_http)
    chosen = [e for e in EVENTS if e in set(events or ())]
    if not chosen:
        message = _("Choose at least one event.")
        raise DomainError(message, field_errors={"events": message})
    endpoint = WebhookEndpoint(partner_id=partner.id, url=url, events=chosen,
                               secret="whsec_" + secrets.token_urlsafe(32), active=True,
                               created_at=now, created_by_id=getattr(user, "id", None))
    db.session.add(endpoint)
    db.session.flush()
    record(actor=user, action="webhook.endpoint_created", obj=endpoint, now=now,
           partner_id=partner.id, url=url, events=chosen)
    return endpoint


def deactivate_endpoint(*, endpoint: WebhookEndpoint, user, now: datetime) -> WebhookEndpoint:
    """Stop telling ``endpoint`` of events; its deliveries stay listed."""
    if not endpoint.active:
        raise DomainError(_("This endpoint is already inactive."))
    endpoint.active = False
    db.session.flush()
    record(actor=user, action="webhook.endpoint_deactivated", obj=endpoint, now=now)
    return endpoint


def retry_delivery(*, delivery: WebhookDelivery, user, now: datetime) -> WebhookDelivery:
    """Make ``delivery`` due now (a failed one gets one more attempt)."""
    if delivery.status not in (PENDING, FAILED):
        raise DomainError(_("This delivery has already been delivered."))
    if not delivery.endpoint.active:
        raise DomainError(_("The endpoint is inactive."))
    if delivery.status == FAILED:
        delivery.attempts = min(delivery.attempts, len(BACKOFF))  # one more try
    delivery.status, delivery.next_attempt_at = PENDING, now
    db.session.flush()
    record(actor=user, action="webhook.delivery_retried", obj=delivery, now=now)
    return delivery

