"""Partner companies and the users who work for them."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.models import TimestampMixin, UTCDateTime, utcnow
from alliance.extensions import db


class Partner(TimestampMixin, db.Model):
    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(60), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), unique=True, nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    website: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)

    memberships: Mapped[list[PartnerMembership]] = relationship(
        back_populates="partner", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Partner {self.slug}>"


class PartnerMembership(db.Model):
    """A user works for one partner company (and so holds the partner role)."""

    __tablename__ = "partner_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner.id", ondelete="CASCADE"), nullable=False, index=True
    )
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship("User", back_populates="partner_membership")
    partner: Mapped[Partner] = relationship(back_populates="memberships", lazy="joined")
