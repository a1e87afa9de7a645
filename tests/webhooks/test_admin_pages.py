"""The admin's webhook pages: register an endpoint (https, events), see its secret and
its deliveries with their outcome, retry one now, deactivate it."""
from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa

from alliance.core.audit import AuditEvent, record
from alliance.extensions import db
from alliance.webhooks.models import (
    DELIVERED,
    FAILED,
    PROPOSAL_SUBMITTED,
    WebhookDelivery,
    WebhookEndpoint,
)
from tests import factories as f

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


def _register(client, partner, url, events=(PROPOSAL_SUBMITTED,)):
    return client.post("/admin/webhooks/", data={"partner": partner.id, "url": url,
                                                 "events": list(events)})


def test_admin_registers_an_endpoint_and_sees_its_secret(client, login_as, admin, partner):
    login_as(admin)

    response = _register(client, partner, "https://hooks.example.com/alliance")

    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/webhooks/{endpoint.id}")
    assert (endpoint.partner_id, endpoint.events) == (partner.id, [PROPOSAL_SUBMITTED])
    page = client.get(f"/admin/webhooks/{endpoint.id}")
    assert endpoint.secret in page.text and page.headers["Cache-Control"] == "no-store"
    listing = client.get("/admin/webhooks/").text
    assert "https://hooks.example.com/alliance" in listing and partner.name in listing
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "webhook_endpoint")) == "webhook.endpoint_created"


def test_register_refuses_plain_http_and_no_events(client, login_as, admin, partner):
    login_as(admin)

    plain = _register(client, partner, "http://hooks.example.com/alliance")
    none = _register(client, partner, "https://hooks.example.com/alliance", events=())

    assert plain.status_code == 422 and "must start with https://" in plain.text
    assert none.status_code == 422 and "Choose at least one event" in none.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookEndpoint)) == 0


def test_deliveries_are_listed_with_their_outcome_and_retried_now(
        app, client, login_as, admin, receiver, travel):
    travel(NOW)
    challenge = f.ChallengeFactory(published=True)
    login_as(admin)
    _register(client, challenge.lead_partner, receiver.url)
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))
    receiver.statuses = [500]
    record(actor=None, action="proposal.submitted",
           obj=f.ProposalFactory(challenge=challenge, submitted=True), now=NOW)
    db.session.commit()

    page = client.get(f"/admin/webhooks/{endpoint.id}").text
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    assert delivery.event_id in page and "Pending" in page and "HTTP 500" in page

    response = client.post(f"/admin/webhooks/deliveries/{delivery.id}/retry",
                           follow_redirects=True)

    db.session.expire_all()
    assert "Delivered" in response.text
    assert (delivery.status, delivery.attempts) == (DELIVERED, 2)
    assert len(receiver.received) == 2


def test_deactivated_endpoint_hears_nothing_more(client, login_as, admin, receiver, travel):
    travel(NOW)
    challenge = f.ChallengeFactory(published=True)
    login_as(admin)
    _register(client, challenge.lead_partner, receiver.url)
    endpoint = db.session.scalar(sa.select(WebhookEndpoint))

    response = client.post(f"/admin/webhooks/{endpoint.id}/deactivate", follow_redirects=True)
    record(actor=None, action="proposal.submitted",
           obj=f.ProposalFactory(challenge=challenge, submitted=True), now=NOW)
    db.session.commit()

    assert "Inactive" in response.text and endpoint.active is False
    assert receiver.received == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(WebhookDelivery)) == 0


def test_failed_delivery_can_be_retried(client, login_as, admin, receiver, travel):
    travel(NOW)
    challenge = f.ChallengeFactory(published=True)
    login_as(admin)
    _register(client, challenge.lead_partner, receiver.url)
    receiver.statuses = [500]
    record(actor=None, action="proposal.submitted",
           obj=f.ProposalFactory(challenge=challenge, submitted=True), now=NOW)
    db.session.commit()
    delivery = db.session.scalar(sa.select(WebhookDelivery))
    delivery.status, delivery.attempts, delivery.next_attempt_at = FAILED, 6, None
    receiver.statuses = [500]

    client.post(f"/admin/webhooks/deliveries/{delivery.id}/retry")

    db.session.expire_all()
    assert (delivery.status, delivery.attempts) == (FAILED, 6)
    client.post(f"/admin/webhooks/deliveries/{delivery.id}/retry")
    db.session.expire_all()
    assert (delivery.status, delivery.attempts) == (DELIVERED, 6)


def test_webhook_pages_are_for_admins_only(client, login_as, partner_user):
    login_as(partner_user)

    assert client.get("/admin/webhooks/").status_code == 403
