"""The mail outbox: every message is written in the transaction of the action that
sends it, then sent after the commit. A message that fails stays here with its error
and is retried with back-off (``flask mail retry``, run by cron), and admins see the
failures; a failed send never loses the user's action or the message."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.models import UTCDateTime, utcnow
from alliance.extensions import db

PENDING, SENT, FAILED = "pending", "sent", "failed"  # FAILED: gave up after the last attempt
MAIL_STATUSES = (PENDING, SENT, FAILED)


class OutgoingMail(db.Model):
    __tablename__ = "outgoing_mail"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    template: Mapped[str] = mapped_column(sa.String(60), nullable=False)
    recipients: Mapped[list] = mapped_column(sa.JSON, nullable=False)
    subject: Mapped[str] = mapped_column(sa.String(300), nullable=False)
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(12), default=PENDING, nullable=False)
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    last_error: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # When the next attempt is due (None once sent or given up).
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'sent', 'failed')", name="status"),
        sa.Index("ix_outgoing_mail_status_next_attempt_at", "status", "next_attempt_at"),
    )

    def __repr__(self) -> str:
        return f"<OutgoingMail {self.id} {self.template} {self.status}>"
