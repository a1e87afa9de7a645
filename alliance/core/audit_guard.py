"""The audit log is append-only: the ORM refuses to change or delete its rows.

Two listeners on the :class:`~sqlalchemy.orm.Session` class (so on every session):

- ``before_flush`` refuses a flush that would UPDATE an :class:`AuditEvent` (a loaded
  event whose attributes were changed) or DELETE one (``session.delete(event)``);
- ``do_orm_execute`` refuses ``update(AuditEvent)`` / ``delete(AuditEvent)`` statements
  (and the legacy ``query(AuditEvent).update()/.delete()``, which run as such).

Deleting a user does not touch the audit rows through the ORM (``AuditEvent`` has no
relationship to ``User``): the database sets their ``actor_id`` to NULL
(``ondelete="SET NULL"``). Raw SQL text run on a connection is out of reach here.
"""
from __future__ import annotations

from sqlalchemy import event
from sqlalchemy.orm import ORMExecuteState, Session

from alliance.core.audit import AuditEvent


class AuditLogIsAppendOnly(RuntimeError):
    """Code tried to change or delete an audit event: a bug, never a user's mistake."""


def _refuse_changed_events(session: Session, flush_context, instances) -> None:
    for obj in session.deleted:
        if isinstance(obj, AuditEvent):
            raise AuditLogIsAppendOnly(f"audit event {obj.id} cannot be deleted")
    for obj in session.dirty:
        if isinstance(obj, AuditEvent) and session.is_modified(obj):
            raise AuditLogIsAppendOnly(f"audit event {obj.id} cannot be changed")


def _targets_audit_table(statement) -> bool:
    table = getattr(statement, "table", None)
    return getattr(table, "name", None) == AuditEvent.__tablename__


def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if (state.is_update or state.is_delete) and _targets_audit_table(state.statement):
        verb = "updated" if state.is_update else "deleted"
        raise AuditLogIsAppendOnly(f"audit events cannot be {verb} in bulk")


def install() -> None:
    """Listen on every session (idempotent: ``create_app`` may run many times)."""
    for name, listener in (("before_flush", _refuse_changed_events),
                           ("do_orm_execute", _refuse_bulk_changes)):
        if not event.contains(Session, name, listener):
            event.listen(Session, name, listener)
