"""The mail outbox: a message exists iff its action committed, failures are kept and
retried with back-off, then given up."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_mailman.backends.base import BaseEmailBackend

from alliance.core import page_cache
from alliance.core.mail import queue_mail
from alliance.core.outbox import FAILED, PENDING, SENT, OutgoingMail
from alliance.core.outbox_send import BACKOFF, MAX_ATTEMPTS, retry_due, retry_now
from alliance.extensions import db
from tests import factories


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise ConnectionError("smtp down")


@pytest.fixture
def broken_mail(app, monkeypatch):
    monkeypatch.setattr(app.extensions["mailman"], "backend", BrokenBackend)


@pytest.fixture
def working_mail(app, monkeypatch, mail_outbox):
    monkeypatch.setattr(app.extensions["mailman"], "backend", "locmem")
    return mail_outbox


def _queue(**kwargs):
    user = factories.UserFactory(name="Chiara Esposito")
    queue_mail(to=user.email, subject="Conferma: città più pulita", template="confirm_email",
               user=user, link="http://alliance.test/x", hours=72, **kwargs)
    return user


def _rows() -> list[OutgoingMail]:
    return list(db.session.scalars(sa.select(OutgoingMail).order_by(OutgoingMail.id)))


def test_outbox_row_written_and_sent_after_commit(app, ctx, mail_outbox):
    user = _queue()
    [row] = _rows()
    assert (row.status, mail_outbox) == (PENDING, [])

    db.session.commit()

    [message] = mail_outbox
    assert message.to == [user.email] and message.subject == "Conferma: città più pulita"
    db.session.refresh(row)
    assert (row.status, row.attempts, row.recipients) == (SENT, 1, [user.email])
    assert row.body == message.body and row.template == "confirm_email"


def test_outbox_nothing_kept_or_sent_when_action_rolled_back(app, ctx, mail_outbox):
    _queue()
    db.session.rollback()
    db.session.commit()

    assert _rows() == [] and mail_outbox == []


def test_outbox_failure_kept_with_backoff_then_given_up(app, ctx, broken_mail):
    _queue()
    db.session.commit()
    [row] = _rows()
    waits, moment = [], row.created_at
    while row.status == PENDING:
        assert row.last_error == "ConnectionError: smtp down"
        due = row.next_attempt_at
        waits.append(due - moment)
        assert retry_due(now=due - timedelta(seconds=1)).not_sent == 0  # not due yet
        moment = due
        retry_due(now=moment)
        db.session.refresh(row)

    assert waits == list(BACKOFF)
    assert (row.status, row.attempts, row.next_attempt_at) == (FAILED, MAX_ATTEMPTS, None)
    assert row.last_error == "ConnectionError: smtp down"


def test_outbox_retry_due_sends_and_clears_error(app, ctx, broken_mail, monkeypatch,
                                                 mail_outbox):
    _queue()
    db.session.commit()
    [row] = _rows()
    monkeypatch.setattr(app.extensions["mailman"], "backend", "locmem")

    result = retry_due(now=row.next_attempt_at)

    assert (result.sent, result.not_sent) == (1, 0)
    assert len(mail_outbox) == 1
    db.session.refresh(row)
    assert (row.status, row.attempts, row.last_error, row.next_attempt_at) == (SENT, 2, "", None)
    assert retry_due(now=row.created_at + timedelta(days=1)).sent == 0  # sent once only


def test_outbox_retry_now_refuses_a_message_on_its_way_or_sent(app, ctx, working_mail):
    _queue()
    [row] = _rows()  # written, its first attempt not made yet: it is on its way
    db.session.flush()
    assert retry_now(mail_id=row.id, now=row.created_at) is None
    db.session.commit()
    assert retry_now(mail_id=row.id, now=row.created_at) is None  # sent
    assert len(working_mail) == 1


def test_outbox_bookkeeping_leaves_page_cache_version(app, ctx, broken_mail):
    _queue()
    db.session.commit()
    [row] = _rows()
    version = page_cache.read_version(app)

    retry_due(now=row.next_attempt_at)

    db.session.refresh(row)
    assert row.attempts == 2
    assert page_cache.read_version(app) == version


def test_admin_mail_page_lists_waiting_and_retries_all_due(app, client, login_as, broken_mail,
                                                          monkeypatch, mail_outbox):
    with app.test_request_context():
        _queue()
    db.session.commit()
    login_as(factories.UserFactory(admin=True))

    page = client.get("/admin/mail/").get_data(as_text=True)
    assert "Conferma: città più pulita" in page
    assert "ConnectionError: smtp down" in page
    assert "Retry the 0 messages due now" in page  # its next attempt is in 5 minutes

    monkeypatch.setattr(app.extensions["mailman"], "backend", "locmem")
    [row] = _rows()
    row.next_attempt_at = row.created_at  # due now
    db.session.commit()
    response = client.post("/admin/mail/retry", follow_redirects=True)

    assert "1 message sent." in response.get_data(as_text=True)
    assert len(mail_outbox) == 1
    assert "No message is waiting." in response.get_data(as_text=True)
