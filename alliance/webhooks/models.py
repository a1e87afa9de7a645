"""Webhook endpoints (registered by an admin for a partner) and their deliveries."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.models import UTCDateTime, utcnow
from alliance.extensions import db
from alliance.partners.models import Partner

CHALLENGE_PUBLISHED = "challenge.published"
PROPOSAL_SUBMITTED = "proposal.submitted"
DECISION_MADE = "decision.made"
PILOT_AGREED = "pilot.agreed"
EVENTS = (CHALLENGE_PUBLISHED, PROPOSAL_SUBMITTED, DECISION_MADE, PILOT_AGREED)

PENDING, DELIVERED, FAILED = "pending", "delivered", "failed"  # FAILED: gave up
DELIVERY_STATUSES = (PENDING, DELIVERED, FAILED)


class WebhookEndpoint(db.Model):
    __tablename__ = "webhook_endpoint"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True
    )
    url: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    secret: Mapped[str] = mapped_column(sa.String(80), nullable=False)  # HMAC-SHA256 key
    events: Mapped[list] = mapped_column(sa.JSON, nullable=False)  # names from EVENTS
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    partner: Mapped[Partner] = relationship(lazy="joined")
    deliveries: Mapped[list[WebhookDelivery]] = relationship(
        back_populates="endpoint", cascade="all, delete-orphan", passive_deletes=True,
        order_by="WebhookDelivery.id.desc()", lazy="dynamic",
    )

    def __repr__(self) -> str:
        return f"<WebhookEndpoint {self.id} {self.url}>"


class WebhookDelivery(db.Model):
    """One event sent (or to be sent) to one endpoint, with its attempts' outcome."""

    __tablename__ = "webhook_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint_id: Mapped[int] = mapped_column(
        sa.ForeignKey("webhook_endpoint.id", ondelete="CASCADE"), nullable=False, index=True
    )
    event: Mapped[str] = mapped_column(sa.String(40), nullable=False)
    event_id: Mapped[str] = mapped_column(sa.String(36), unique=True, nullable=False)  # uuid4
    payload: Mapped[str] = mapped_column(sa.Text, nullable=False)  # the exact body signed
    status: Mapped[str] = mapped_column(sa.String(12), default=PENDING, nullable=False)
    attempts: Mapped[int] = mapped_column(default=0, nullable=False)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column()
    last_error: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    endpoint: Mapped[WebhookEndpoint] = relationship(back_populates="deliveries")

    __table_args__ = (
        sa.CheckConstraint("status IN ('pending', 'delivered', 'failed')", name="status"),
        sa.Index("ix_webhook_delivery_status_next_attempt_at", "status", "next_attempt_at"),
    )
