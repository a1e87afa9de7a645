"""Start-ups, the people in them and the invitations that bring co-founders in."""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.core.models import TimestampMixin, UTCDateTime, utcnow
from alliance.core.taxonomy import Theme
from alliance.extensions import db

STAGES = ("idea", "prototype", "mvp", "revenue", "growth")
# Companies a start-up names as its current customers, investors or competitors:
# jurors working for them are in conflict with it.
RELATION_KINDS = ("customer", "investor", "competitor")

startup_sector = db.Table(
    "startup_sector",
    sa.Column("startup_id", sa.ForeignKey("startup.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("theme_id", sa.ForeignKey("theme.id", ondelete="CASCADE"), primary_key=True),
)


class Startup(TimestampMixin, db.Model):
    __tablename__ = "startup"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    # Italian partita IVA (11 digits, validated) or a foreign registration number.
    vat_number: Mapped[str | None] = mapped_column(sa.String(11), unique=True)
    registration_number: Mapped[str | None] = mapped_column(sa.String(40))
    country: Mapped[str] = mapped_column(sa.String(2), default="IT", nullable=False)
    city: Mapped[str] = mapped_column(sa.String(80), nullable=False)
    founded_year: Mapped[int] = mapped_column(nullable=False)
    team_size: Mapped[int] = mapped_column(nullable=False)
    stage: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    website: Mapped[str] = mapped_column(sa.String(255), default="", nullable=False)
    pitch: Mapped[str] = mapped_column(sa.Text, nullable=False)
    is_public: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), nullable=False)

    sectors: Mapped[list[Theme]] = relationship(secondary=startup_sector, lazy="selectin",
                                                order_by=Theme.position)
    memberships: Mapped[list[StartupMembership]] = relationship(
        back_populates="startup", cascade="all, delete-orphan"
    )
    relations: Mapped[list[StartupRelation]] = relationship(
        back_populates="startup", cascade="all, delete-orphan", lazy="selectin",
        order_by="(StartupRelation.kind, StartupRelation.company_name)",
    )

    __table_args__ = (
        sa.CheckConstraint(
            "vat_number IS NOT NULL OR registration_number IS NOT NULL", name="has_registration"
        ),
        sa.CheckConstraint(
            "stage IN ('idea', 'prototype', 'mvp', 'revenue', 'growth')", name="stage"
        ),
    )

    def __repr__(self) -> str:
        return f"<Startup {self.slug}>"


class StartupMembership(db.Model):
    """A user belongs to one start-up (and so holds the start-up role)."""

    __tablename__ = "startup_membership"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False, index=True
    )
    is_founder: Mapped[bool] = mapped_column(default=False, server_default=sa.false(),
                                             nullable=False)
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship("User", back_populates="startup_membership")
    startup: Mapped[Startup] = relationship(back_populates="memberships", lazy="joined")


class StartupInvitation(db.Model):
    """A member invites a co-founder by e-mail; the signed link carries the id."""

    __tablename__ = "startup_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False, index=True
    )
    email: Mapped[str] = mapped_column(sa.String(254), nullable=False)
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    startup: Mapped[Startup] = relationship()
    invited_by = relationship("User", foreign_keys=[invited_by_id])


class StartupRelation(db.Model):
    """A current customer, investor or competitor of the start-up, by company name
    (and the partner company, when it is one of the Alliance's)."""

    __tablename__ = "startup_relation"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False, index=True
    )
    kind: Mapped[str] = mapped_column(sa.String(20), nullable=False)
    company_name: Mapped[str] = mapped_column(sa.String(160), nullable=False)
    partner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("partner.id", ondelete="SET NULL"))

    startup: Mapped[Startup] = relationship(back_populates="relations")
    partner = relationship("Partner")

    __table_args__ = (
        sa.UniqueConstraint("startup_id", "kind", "company_name"),
        sa.CheckConstraint("kind IN ('customer', 'investor', 'competitor')", name="kind"),
    )
