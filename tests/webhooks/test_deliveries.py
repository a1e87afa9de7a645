"""Webhook deliveries: made from the audit log for the concerned partners' endpoints,
signed, sent after the commit, retried with back-off, never followed through a
redirect."""
from __future__ import annotations

import hashlib
import hmac
import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alliance.challenges import lifecycle
from alliance.core.audit import record
from alliance.evaluation import decisions
from alliance.evaluation import models as em
from alliance.extensions import db
from alliance.webhooks import services
from alliance.webhooks.deliver import BACKOFF, deliver_due
from alliance.webhooks.models import (
    CHALLENGE_PUBLISHED,
    DECISION_MADE,
    DELIVERED,
    EVENTS,
    FAILED,
    PENDING,
    PILOT_AGREED,
    PROPOSAL_SUBMITTED,
    WebhookDelivery,
)
from tests import factories as f
from tests.evaluation.scoring_data import evaluating_challenge, proposal_of

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(travel):
    travel(NOW)  # the first attempt, after the commit, happens "now"


def endpoint_for(partner, url, events=EVENTS, admin=None):
    return services.create_endpoint(partner=partner, url=url, events=list(events),
                                    user=admin, now=NOW, allow_local_http=True)


def deliveries():
    db.session.expire_all()
    return db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


def submitted(proposal):
    record(actor=None, action="proposal.submitted", obj=proposal, now=NOW)
    db.session.commit()


def test_proposal_submission_is_posted_signed_to_the_challenge_partner(app, receiver, ctx):
    challenge = f.ChallengeFactory(published=True)
    endpoint = endpoint_for(challenge.lead_partner, receiver.url)
    proposal = f.ProposalFactory(challenge=challenge, submitted=True, title="Trams that sense")

    submitted(proposal)

    [got] = receiver.received
    expected = "sha256=" + hmac.new(endpoint.secret.encode(), got.body,
                                    hashlib.sha256).hexdigest()
    assert hmac.compare_digest(got.headers["X-Alliance-Signature"], expected)
    assert got.headers["Content-Type"] == "application/json"
    assert got.headers["X-Alliance-Event"] == PROPOSAL_SUBMITTED
    body = got.json
    assert body["event"] == PROPOSAL_SUBMITTED
    assert body["event_id"] == got.headers["X-Alliance-Delivery"]
    assert body["occurred_at"] == "2026-03-10T09:00:00Z"
    assert body["data"] == {
        "proposal": {"id": proposal.id, "title": "Trams that sense",
                     "submitted_at": body["data"]["proposal"]["submitted_at"]},
        "startup": {"name": proposal.startup.name},
        "challenge": {"slug": challenge.slug, "title": challenge.title}}
    assert "description" not in got.body.decode() and "team" not in got.body.decode()
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (DELIVERED, 1, 200)
    assert delivery.payload.encode() == got.body


def test_only_concerned_subscribed_active_endpoints_not_hidden_from_get_it(app, receiver, ctx):
    lead, cosponsor, stranger, hidden = (f.PartnerFactory() for _ in range(4))
    challenge = f.ChallengeFactory(published=True, lead_partner=lead,
                                   cosponsors=[cosponsor, hidden])
    endpoint_for(lead, receiver.url + "/lead")
    endpoint_for(cosponsor, receiver.url + "/cosponsor")
    endpoint_for(stranger, receiver.url + "/stranger")
    endpoint_for(hidden, receiver.url + "/hidden")
    endpoint_for(lead, receiver.url + "/other-events", events=[CHALLENGE_PUBLISHED])
    inactive = endpoint_for(lead, receiver.url + "/inactive")
    inactive.active = False
    proposal = f.ProposalFactory(challenge=challenge, submitted=True, hidden_from=[hidden])

    submitted(proposal)

    assert sorted(r.path for r in receiver.received) == ["/hooks/cosponsor", "/hooks/lead"]
    assert len({r.headers["X-Alliance-Delivery"] for r in receiver.received}) == 2


def test_rolled_back_event_makes_and_sends_nothing(app, receiver, ctx):
    challenge = f.ChallengeFactory(published=True)
    endpoint_for(challenge.lead_partner, receiver.url)
    db.session.commit()
    proposal = f.ProposalFactory(challenge=challenge, submitted=True)
    record(actor=None, action="proposal.submitted", obj=proposal, now=NOW)
    db.session.flush()
    assert len(deliveries()) == 1

    db.session.rollback()

    assert deliveries() == [] and receiver.received == []


def test_failing_receiver_is_retried_with_back_off_then_delivered(app, receiver, ctx):
    challenge = f.ChallengeFactory(published=True)
    endpoint_for(challenge.lead_partner, receiver.url)
    receiver.statuses = [500, 503]

    submitted(f.ProposalFactory(challenge=challenge, submitted=True))

    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.response_status) == (PENDING, 1, 500)
    assert delivery.last_error == "HTTP 500"
    first_retry = delivery.next_attempt_at
    assert first_retry == NOW + BACKOFF[0]

    assert deliver_due(now=first_retry - timedelta(seconds=1)) == (0, 0)  # not yet due
    assert deliver_due(now=first_retry) == (0, 1)
    [delivery] = deliveries()
    assert (delivery.attempts, delivery.next_attempt_at) == (2, first_retry + BACKOFF[1])

    assert deliver_due(now=first_retry + BACKOFF[1]) == (1, 0)
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.last_error) == (DELIVERED, 3, "")
    assert len(receiver.received) == 3
    assert len({r.headers["X-Alliance-Delivery"] for r in receiver.received}) == 1


def test_delivery_gives_up_after_the_last_back_off(app, receiver, ctx):
    challenge = f.ChallengeFactory(published=True)
    endpoint_for(challenge.lead_partner, receiver.url)
    receiver.statuses = [500] * 10
    submitted(f.ProposalFactory(challenge=challenge, submitted=True))

    moment = NOW
    for wait in BACKOFF:
        moment += wait
        deliver_due(now=moment + timedelta(hours=1))
        moment += timedelta(hours=1)

    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == (FAILED, 6, None)
    assert deliver_due(now=moment + timedelta(days=7)) == (0, 0)


def test_redirects_are_not_followed(app, receiver, ctx):
    challenge = f.ChallengeFactory(published=True)
    endpoint_for(challenge.lead_partner, receiver.url)
    receiver.statuses = [302]
    receiver.redirect_to = receiver.url + "/elsewhere"

    submitted(f.ProposalFactory(challenge=challenge, submitted=True))

    [delivery] = deliveries()
    assert (delivery.status, delivery.response_status) == (PENDING, 302)
    assert [r.path for r in receiver.received] == ["/hooks"]


def test_unreachable_receiver_is_noted_not_raised(app, ctx):
    challenge = f.ChallengeFactory(published=True)
    endpoint_for(challenge.lead_partner, "http://127.0.0.1:9/nobody")

    submitted(f.ProposalFactory(challenge=challenge, submitted=True))

    [delivery] = deliveries()
    assert delivery.status == PENDING and delivery.response_status is None
    assert delivery.last_error


def test_challenge_approval_is_challenge_published(app, receiver, ctx, admin):
    challenge = f.ChallengeFactory(submitted=True, deadline=NOW + timedelta(days=30))
    endpoint_for(challenge.lead_partner, receiver.url)

    lifecycle.approve(challenge=challenge, user=admin, now=NOW)
    db.session.commit()

    [got] = receiver.received
    assert got.json["event"] == CHALLENGE_PUBLISHED
    assert got.json["data"]["challenge"]["slug"] == challenge.slug


def test_decision_is_decision_made(app, receiver, ctx, admin):
    challenge = evaluating_challenge()
    proposal = proposal_of(challenge)
    endpoint_for(challenge.lead_partner, receiver.url, events=[DECISION_MADE])

    decisions.decide(challenge=challenge, proposal_ids=[proposal.id], outcome=em.WINNER,
                     feedback="Well done", user=admin, now=NOW)
    db.session.commit()

    [got] = receiver.received
    assert got.json["event"] == DECISION_MADE
    assert got.json["data"]["outcome"] == "winner"
    assert "Well done" not in got.body.decode()  # the feedback is the start-up's


def test_pilot_agreed(app, receiver, ctx):
    pilot = f.PilotFactory()
    endpoint_for(pilot.challenge.lead_partner, receiver.url, events=[PILOT_AGREED])

    record(actor=None, action="matching.pilot_agreed", obj=pilot, now=NOW)
    db.session.commit()

    [got] = receiver.received
    assert got.json["data"]["pilot"]["id"] == pilot.id
    assert got.json["data"]["startup"] == {"name": pilot.startup.name}


def test_cli_sends_due_deliveries(app, receiver, ctx, runner, monkeypatch):
    challenge = f.ChallengeFactory(published=True)
    endpoint_for(challenge.lead_partner, receiver.url)
    monkeypatch.setitem(app.config, "WEBHOOKS_SEND_AFTER_COMMIT", "off")
    submitted(f.ProposalFactory(challenge=challenge, submitted=True))
    assert receiver.received == []

    result = runner.invoke(args=["webhooks", "deliver"])

    assert result.exit_code == 0, result.output
    assert "1 delivered" in result.output
    assert len(receiver.received) == 1 and deliveries()[0].status == DELIVERED


@pytest.mark.parametrize("url", ["http://example.com/hooks", "ftp://example.com/x", "nope",
                                 "https://user:pw@example.com/"])
def test_endpoint_addresses_must_be_https(url):
    with pytest.raises(services.DomainError):
        services.check_url(url, allow_local_http=True)


def test_local_http_only_outside_production():
    assert services.check_url(" http://localhost:8000/h ", allow_local_http=True) == \
        "http://localhost:8000/h"
    with pytest.raises(services.DomainError):
        services.check_url("http://localhost:8000/h", allow_local_http=False)


def test_payload_is_compact_sorted_json(app, receiver, ctx):
    challenge = f.ChallengeFactory(published=True)
    endpoint_for(challenge.lead_partner, receiver.url)
    submitted(f.ProposalFactory(challenge=challenge, submitted=True))

    body = receiver.received[0].body.decode()

    assert body == json.dumps(json.loads(body), sort_keys=True, separators=(",", ":"),
                              ensure_ascii=False)
