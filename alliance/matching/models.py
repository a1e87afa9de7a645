"""Matching: scouting invitations before a call, the pilot matching after it.

    invitation: pending -> applied (a submitted proposal) | declined | expired
    call matching: open (start-ups rank, the admin adjusts) -> locked (pilots proposed)
    pilot: proposed -> accepted (both sides) -> running -> completed
                    -> declined (either side; the admin may re-match the slot)
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.challenges.models import Call, Challenge
from alliance.core.models import TimestampMixin, UTCDateTime, utcnow
from alliance.extensions import db
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

# Call matching states.
OPEN, LOCKED = "open", "locked"
MATCHING_STATUSES = (OPEN, LOCKED)

# The solution the admin started from.
OPTIMAL, STABLE = "optimal", "stable"
SOLUTIONS = (OPTIMAL, STABLE)

# The admin's adjustments to a matching.
PIN, EXCLUDE = "pin", "exclude"
ADJUSTMENTS = (PIN, EXCLUDE)

# Pilot states.
PROPOSED = "proposed"
ACCEPTED = "accepted"  # by both sides: contact details are exchanged
DECLINED = "declined"
RUNNING = "running"
COMPLETED = "completed"
PILOT_STATUSES = (PROPOSED, ACCEPTED, DECLINED, RUNNING, COMPLETED)
AGREED_STATUSES = (ACCEPTED, RUNNING, COMPLETED)

# Which side of a pilot acts.
STARTUP_SIDE, PARTNER_SIDE = "startup", "partner"
SIDES = (STARTUP_SIDE, PARTNER_SIDE)

# How a pilot came to be.
SOURCE_MATCHING, SOURCE_REMATCH = "matching", "rematch"
PILOT_SOURCES = (SOURCE_MATCHING, SOURCE_REMATCH)


class ScoutingInvitation(db.Model):
    """A partner invites a start-up to apply to one of its challenges. Whether it
    applied is read from its proposals; declining is the start-up's answer."""

    __tablename__ = "scouting_invitation"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False, index=True
    )
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False, index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    message: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # Why the pair fits, in no language: the shared words (as the texts write them)
    # and whether the start-up's sectors include the challenge's theme. Each reader
    # gets the line in their own language (``scouting.invitation_reason``).
    shared_terms: Mapped[list] = mapped_column(sa.JSON, default=list, nullable=False)
    shares_theme: Mapped[bool] = mapped_column(default=False, server_default=sa.false(),
                                               nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    seen_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    challenge: Mapped[Challenge] = relationship(lazy="joined")
    startup: Mapped[Startup] = relationship(lazy="joined")

    __table_args__ = (sa.UniqueConstraint("challenge_id", "startup_id"),)


class CallMatching(TimestampMixin, db.Model):
    """The pilot matching of one call, and the publication of its results."""

    __tablename__ = "call_matching"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(
        sa.ForeignKey("call.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    pilots_per_startup: Mapped[int] = mapped_column(default=1, server_default="1",
                                                    nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=OPEN, server_default=OPEN,
                                        nullable=False)
    solution: Mapped[str] = mapped_column(sa.String(20), default=OPTIMAL,
                                          server_default=OPTIMAL, nullable=False)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    results_published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    results_published_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )

    call: Mapped[Call] = relationship(lazy="joined")
    adjustments: Mapped[list[MatchingAdjustment]] = relationship(
        back_populates="matching", cascade="all, delete-orphan",
        order_by="MatchingAdjustment.id",
    )

    __table_args__ = (
        sa.CheckConstraint("status IN ('open', 'locked')", name="status"),
        sa.CheckConstraint("solution IN ('optimal', 'stable')", name="solution"),
        sa.CheckConstraint("pilots_per_startup >= 1", name="pilots_per_startup"),
    )

    @property
    def is_locked(self) -> bool:
        return self.status == LOCKED

    @property
    def results_published(self) -> bool:
        return self.results_published_at is not None


class MatchingAdjustment(db.Model):
    """The admin keeps a pair in the matching (pin) or out of it (exclude)."""

    __tablename__ = "matching_adjustment"

    id: Mapped[int] = mapped_column(primary_key=True)
    matching_id: Mapped[int] = mapped_column(
        sa.ForeignKey("call_matching.id", ondelete="CASCADE"), nullable=False, index=True
    )
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False
    )
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False
    )
    kind: Mapped[str] = mapped_column(sa.String(10), nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    matching: Mapped[CallMatching] = relationship(back_populates="adjustments")

    __table_args__ = (
        sa.UniqueConstraint("matching_id", "startup_id", "challenge_id"),
        sa.CheckConstraint("kind IN ('pin', 'exclude')", name="kind"),
    )

    @property
    def pair(self) -> tuple[int, int]:
        return (self.startup_id, self.challenge_id)


class PilotPreference(db.Model):
    """A shortlisted start-up's ranking of the challenges it may pilot (1 = first)."""

    __tablename__ = "pilot_preference"

    id: Mapped[int] = mapped_column(primary_key=True)
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False, index=True
    )
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False, index=True
    )
    rank: Mapped[int] = mapped_column(nullable=False)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    startup: Mapped[Startup] = relationship()
    challenge: Mapped[Challenge] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("startup_id", "challenge_id"),
        sa.CheckConstraint("rank >= 1", name="rank"),
    )


class Pilot(TimestampMixin, db.Model):
    """A match between a start-up and a challenge, and the pilot it becomes."""

    __tablename__ = "pilot"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(
        sa.ForeignKey("call.id", ondelete="CASCADE"), nullable=False, index=True
    )
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False, index=True
    )
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False, index=True
    )
    proposal_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(sa.String(20), default=PROPOSED, nullable=False,
                                        index=True)
    source: Mapped[str] = mapped_column(sa.String(20), default=SOURCE_MATCHING, nullable=False)
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(9, 4))  # the pair's score
    # Why this pair, in no language: score, the start-up's rank of the challenge, the
    # committee's rank of the start-up (``pilot_solutions.reason_line`` reads it).
    explanation: Mapped[dict] = mapped_column(sa.JSON, default=dict, nullable=False)
    proposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    startup_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    startup_accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    partner_accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    partner_accepted_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )
    declined_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    declined_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    declined_side: Mapped[str | None] = mapped_column(sa.String(10))
    decline_reason: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)  # on completion
    # The declined pilot whose slot this one took.
    replaces_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pilot.id", ondelete="SET NULL"))

    call: Mapped[Call] = relationship()
    challenge: Mapped[Challenge] = relationship(lazy="joined")
    startup: Mapped[Startup] = relationship(lazy="joined")
    proposal: Mapped[Proposal | None] = relationship()
    replaces: Mapped[Pilot | None] = relationship(remote_side=[id])

    __table_args__ = (
        sa.UniqueConstraint("challenge_id", "startup_id"),
        sa.CheckConstraint(
            "status IN ('proposed', 'accepted', 'declined', 'running', 'completed')",
            name="status",
        ),
        sa.CheckConstraint("source IN ('matching', 'rematch')", name="source"),
        sa.CheckConstraint("declined_side IS NULL OR declined_side IN ('startup', 'partner')",
                           name="declined_side"),
    )

    @property
    def is_agreed(self) -> bool:
        """Both sides accepted: contact details are exchanged from here on."""
        return self.status in AGREED_STATUSES

    def accepted_by(self, side: str) -> bool:
        return (self.startup_accepted_at if side == STARTUP_SIDE
                else self.partner_accepted_at) is not None
