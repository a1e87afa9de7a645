"""What was reminded to whom, so that each deadline reminder goes out once only
(once per deadline: a deadline moved later is reminded of again)."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.models import UTCDateTime, utcnow
from alliance.extensions import db

DEADLINE_7D, DEADLINE_24H = "deadline_7d", "deadline_24h"
REMINDER_KINDS = (DEADLINE_7D, DEADLINE_24H)


class ReminderSent(db.Model):
    __tablename__ = "reminder_sent"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    # The deadline reminded of: if it moves, the new one is reminded of again.
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    __table_args__ = (
        sa.UniqueConstraint("challenge_id", "kind", "user_id", "deadline"),
        sa.CheckConstraint("kind IN ('deadline_7d', 'deadline_24h')", name="kind"),
    )
