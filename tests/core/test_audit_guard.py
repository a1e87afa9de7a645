"""The audit log is append-only: the ORM refuses to change or delete its rows, one by
one or in bulk, while adding events and deleting users keep working."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.auth.models import User
from alliance.core.audit import AuditEvent, record
from alliance.core.audit_guard import AuditLogIsAppendOnly
from alliance.extensions import db
from tests import factories


@pytest.fixture
def event():
    event = factories.AuditEventFactory(action="challenge.published", data={"n": 1})
    db.session.commit()  # stored: a rollback after a refusal keeps it
    return event


def _stored(event_id):
    return db.session.execute(
        sa.select(AuditEvent.action, AuditEvent.data).where(AuditEvent.id == event_id)).one()


def test_audit_guard_refuses_changing_an_event(event):
    event.action = "challenge.deleted"

    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()

    db.session.rollback()
    assert _stored(event.id) == ("challenge.published", {"n": 1})


def test_audit_guard_refuses_changing_an_events_data(event):
    event.data = {"n": 2}

    with pytest.raises(AuditLogIsAppendOnly):
        db.session.commit()


def test_audit_guard_refuses_deleting_an_event(event):
    db.session.delete(event)

    with pytest.raises(AuditLogIsAppendOnly):
        db.session.flush()

    db.session.rollback()
    assert _stored(event.id) == ("challenge.published", {"n": 1})


@pytest.mark.parametrize("statement", [
    sa.update(AuditEvent).values(action="x"),
    sa.delete(AuditEvent),
    sa.update(AuditEvent.__table__).values(action="x"),
    sa.delete(AuditEvent.__table__).where(AuditEvent.__table__.c.id > 0),
], ids=["orm-update", "orm-delete", "table-update", "table-delete"])
def test_audit_guard_refuses_bulk_statements(event, statement):
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.execute(statement)

    db.session.rollback()
    assert _stored(event.id) == ("challenge.published", {"n": 1})


def test_audit_guard_refuses_legacy_query_update_and_delete(event):
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.query(AuditEvent).filter_by(id=event.id).update({"action": "x"})
    with pytest.raises(AuditLogIsAppendOnly):
        db.session.query(AuditEvent).filter_by(id=event.id).delete()


def test_audit_guard_lets_events_be_added_and_other_rows_change():
    user = factories.UserFactory(name="Before")
    record(actor=user, action="user.renamed", obj=user)
    user.name = "After"
    db.session.flush()
    db.session.execute(sa.update(User).where(User.id == user.id).values(locale="it"))

    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.object_id == user.id)) == 1


def test_audit_guard_reading_an_event_is_not_changing_it(event):
    event.action = event.action  # the same value: nothing to write

    db.session.flush()


def test_deleting_a_user_keeps_their_events_with_no_actor():
    user = factories.UserFactory()
    event = record(actor=user, action="user.logged_in", obj=user)
    db.session.flush()
    event_id = event.id

    db.session.delete(user)  # no relationship to AuditEvent: the ORM leaves the rows alone
    db.session.flush()
    db.session.expire_all()

    stored = db.session.get(AuditEvent, event_id)
    assert stored is not None
    assert stored.actor_id is None  # the database's ON DELETE SET NULL
    assert stored.object_id == user.id  # the log still says whom it was about


@pytest.mark.parametrize("statement", [
    "UPDATE audit_event SET action = 'challenge.deleted' WHERE id = :id",
    "UPDATE audit_event SET actor_id = NULL, action = 'x' WHERE id = :id",
    "DELETE FROM audit_event WHERE id = :id",
])
def test_database_refuses_raw_sql_changing_or_deleting_an_event(event, statement):
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        with db.session.begin_nested():  # the failed statement only undoes its savepoint
            db.session.connection().execute(sa.text(statement), {"id": event.id})

    assert _stored(event.id) == ("challenge.published", {"n": 1})
