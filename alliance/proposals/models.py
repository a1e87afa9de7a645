"""A start-up's answer to a challenge, its attachment and its submitted versions."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.challenges.models import Challenge, ChallengeTerms
from alliance.core.models import TimestampMixin, UTCDateTime, utcnow
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.startups.models import Startup

DRAFT = "draft"
SUBMITTED = "submitted"
WITHDRAWN = "withdrawn"
STATUSES = (DRAFT, SUBMITTED, WITHDRAWN)

# Partner companies (other than the challenge's sponsors) the start-up keeps the
# proposal from: their employees never see it, as jurors either.
proposal_hidden_from = db.Table(
    "proposal_hidden_from",
    sa.Column("proposal_id", sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("partner_id", sa.ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True),
)


class Proposal(TimestampMixin, db.Model):
    __tablename__ = "proposal"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id"), nullable=False, index=True
    )
    startup_id: Mapped[int] = mapped_column(sa.ForeignKey("startup.id"), nullable=False, index=True)
    title: Mapped[str] = mapped_column(sa.String(200), default="", nullable=False)
    abstract: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)  # Markdown
    trl: Mapped[int | None] = mapped_column()
    pilot_duration_months: Mapped[int | None] = mapped_column()
    pilot_cost_eur: Mapped[Decimal | None] = mapped_column(sa.Numeric(12, 2))
    team: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=DRAFT, nullable=False, index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # latest submission
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Set when the retention period removed the content of a proposal that was not
    # selected (``flask privacy purge``); its scores and decision records stay.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The terms accepted with the latest submission.
    terms_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challenge_terms.id"))
    terms_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    terms_accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    challenge: Mapped[Challenge] = relationship(lazy="joined")
    startup: Mapped[Startup] = relationship(lazy="joined")
    terms: Mapped[ChallengeTerms | None] = relationship()
    terms_accepted_by = relationship("User", foreign_keys=[terms_accepted_by_id])
    created_by = relationship("User", foreign_keys=[created_by_id])
    attachment: Mapped[Attachment | None] = relationship(
        back_populates="proposal", uselist=False, cascade="all, delete-orphan"
    )
    submissions: Mapped[list[Submission]] = relationship(
        back_populates="proposal", cascade="all, delete-orphan", order_by="Submission.number"
    )
    hidden_from: Mapped[list[Partner]] = relationship(
        secondary=proposal_hidden_from, lazy="selectin", order_by=Partner.name
    )

    __table_args__ = (
        sa.UniqueConstraint("challenge_id", "startup_id"),
        sa.CheckConstraint("trl IS NULL OR (trl >= 1 AND trl <= 9)", name="trl"),
        sa.CheckConstraint("status IN ('draft', 'submitted', 'withdrawn')", name="status"),
    )

    def __repr__(self) -> str:
        return f"<Proposal {self.id} {self.status}>"


class Attachment(db.Model):
    """The proposal's PDF, stored outside ``static/`` under a random name."""

    __tablename__ = "attachment"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    storage_name: Mapped[str] = mapped_column(sa.String(64), unique=True, nullable=False)
    original_name: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    size: Mapped[int] = mapped_column(nullable=False)
    sha256: Mapped[str] = mapped_column(sa.String(64), nullable=False)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    uploaded_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    proposal: Mapped[Proposal] = relationship(back_populates="attachment")


class Submission(db.Model):
    """One submitted version: what was sent, when, by whom, and its SHA-256 digest."""

    __tablename__ = "submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False
    )
    number: Mapped[int] = mapped_column(nullable=False)  # 1, 2, ... per proposal
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    submitted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    content: Mapped[dict] = mapped_column(sa.JSON, nullable=False)  # the canonical snapshot
    digest: Mapped[str] = mapped_column(sa.String(64), nullable=False)  # SHA-256 of content
    terms_id: Mapped[int | None] = mapped_column(sa.ForeignKey("challenge_terms.id"))

    proposal: Mapped[Proposal] = relationship(back_populates="submissions")
    submitted_by = relationship("User")

    __table_args__ = (sa.UniqueConstraint("proposal_id", "number"),)
