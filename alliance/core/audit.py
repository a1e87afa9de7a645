"""The audit log: one append-only row per state change, in the same transaction.

Its ``data`` names people by id, never by e-mail address or name: the rows are never
changed (``audit_guard``), so an account deleted at its owner's request must leave no
personal data in them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.models import UTCDateTime, utcnow
from alliance.extensions import db


class AuditEvent(db.Model):
    __tablename__ = "audit_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False, index=True)
    actor_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(sa.String(80), nullable=False, index=True)
    object_type: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    object_id: Mapped[int | None] = mapped_column()
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)

    __table_args__ = (sa.Index("ix_audit_event_object", "object_type", "object_id"),)


def record(*, actor, action: str, obj, now: datetime | None = None, **data) -> AuditEvent:
    """Append an audit event for ``action`` done by ``actor`` on ``obj``.

    The event joins the caller's transaction: it is written if and only if
    the change it describes is.
    """
    if obj is not None and getattr(obj, "id", None) is None:
        db.session.flush()  # a new object gets its id before we point at it
    event = AuditEvent(
        at=now or utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__ if obj is not None else "site",
        object_id=getattr(obj, "id", None),
        data=data,
    )
    db.session.add(event)
    return event
