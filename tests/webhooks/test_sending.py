"""Sending webhook deliveries: each attempt claimed first, so that two senders never
send one twice; no transaction open during the POST; after a commit, the first attempt
runs in the background (the request does not wait) or inline or not at all."""
from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alliance.core.audit import record
from alliance.core.outbox_send import own_transaction
from alliance.extensions import db
from alliance.webhooks import deliver, services
from alliance.webhooks.deliver import LEASE, MAX_ATTEMPTS, deliver_due
from alliance.webhooks.listen import send_mode
from alliance.webhooks.models import DELIVERED, EVENTS, FAILED, PENDING, WebhookDelivery
from tests import factories as f

NOW = datetime(2026, 3, 10, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock(travel):
    travel(NOW)


def deliveries():
    db.session.expire_all()
    return db.session.scalars(sa.select(WebhookDelivery).order_by(WebhookDelivery.id)).all()


@pytest.fixture
def pending(app, receiver, ctx, monkeypatch):
    """One pending delivery to ``receiver``, due now, not sent after its commit."""
    monkeypatch.setitem(app.config, "WEBHOOKS_SEND_AFTER_COMMIT", "off")
    challenge = f.ChallengeFactory(published=True)
    services.create_endpoint(partner=challenge.lead_partner, url=receiver.url,
                             events=list(EVENTS), user=None, now=NOW, allow_local_http=True)
    proposal = f.ProposalFactory(challenge=challenge, submitted=True)
    record(actor=None, action="proposal.submitted", obj=proposal, now=NOW)
    db.session.commit()
    [delivery] = deliveries()
    return delivery


def test_two_senders_that_read_the_same_row_send_it_once(pending, receiver):
    with own_transaction() as conn:
        [row] = deliver._due(conn, NOW, None, set())
    with own_transaction() as conn:
        first = deliver._claim(conn, row, NOW)
    with own_transaction() as conn:
        second = deliver._claim(conn, row, NOW)  # read before the first claim

    assert first is not None and second is None
    assert deliver.send(first, now=NOW) is True
    assert len(receiver.received) == 1
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == (DELIVERED, 1)


def test_sender_running_during_a_send_skips_it_and_no_transaction_is_open(
        pending, receiver, monkeypatch, _transaction):
    post, during = deliver._post, []

    def post_meanwhile(url, body, headers):
        if not during:
            during.append(_transaction.in_nested_transaction())  # a savepoint: a transaction
            during.append(deliver_due(now=NOW))  # the cron, say, while the first one sends
        return post(url, body, headers)

    monkeypatch.setattr(deliver, "_post", post_meanwhile)
    db.session.commit()  # nor does the test's own session hold a savepoint

    assert deliver_due(now=NOW) == (1, 0)
    assert during == [False, (0, 0)]
    assert len(receiver.received) == 1
    assert deliveries()[0].status == DELIVERED


def test_delivery_of_a_sender_that_died_is_due_again_after_the_lease(pending, receiver):
    with own_transaction() as conn:
        [row] = deliver._due(conn, NOW, None, set())
        assert deliver._claim(conn, row, NOW) is not None  # ... and the sender dies

    assert deliver_due(now=NOW + LEASE - timedelta(seconds=1)) == (0, 0)
    assert deliver_due(now=NOW + LEASE) == (1, 0)
    assert len(receiver.received) == 1
    assert deliveries()[0].attempts == 2


def test_attempts_used_up_by_senders_that_died_make_it_failed(pending, receiver):
    pending.attempts = MAX_ATTEMPTS
    db.session.commit()

    assert deliver_due(now=NOW) == (0, 0)

    assert receiver.received == [] and deliveries()[0].status == FAILED


@pytest.mark.parametrize(("value", "mode"), [
    ("thread", "thread"), (" Inline ", "inline"), ("off", "off"), (True, "thread"),
    ("true", "thread"), ("1", "thread"), (False, "off"), ("false", "off"), ("0", "off")])
def test_send_after_commit_modes_accept_the_old_booleans(value, mode):
    assert send_mode(value) == mode


def test_request_does_not_wait_for_a_slow_receiver_in_thread_mode(
        app, receiver, client, login_as, admin, monkeypatch):
    monkeypatch.setitem(app.config, "WEBHOOKS_SEND_AFTER_COMMIT", "thread")
    # The tests run on one shared connection: hold the thread until the request is over,
    # so that the two never use it at once.
    gate, send_pending = threading.Event(), deliver.send_pending
    monkeypatch.setattr(deliver, "send_pending",
                        lambda app, ids: gate.wait(10) and send_pending(app, ids))
    receiver.delay = 3
    challenge = f.ChallengeFactory(submitted=True, deadline=NOW + timedelta(days=30))
    services.create_endpoint(partner=challenge.lead_partner, url=receiver.url,
                             events=list(EVENTS), user=None, now=NOW, allow_local_http=True)
    login_as(admin)

    started = time.perf_counter()
    response = client.post(f"/challenges/{challenge.slug}/approve")
    took = time.perf_counter() - started
    gate.set()
    deliver.join_threads()

    assert response.status_code == 302
    assert took < 1.5
    assert len(receiver.received) == 1
    [delivery] = deliveries()
    assert (delivery.status, delivery.attempts) == (DELIVERED, 1)


def test_off_mode_leaves_the_delivery_to_the_cron(pending, receiver):
    assert receiver.received == [] and pending.status == PENDING and pending.attempts == 0
