"""Evaluation: rounds and their committees, conflicts, assignments, reviews, decisions.

A challenge is evaluated in one or two rounds (the second, for example a pitch
day, on the shortlisted proposals only). Each round has its own criteria (round
one copies the challenge's published criteria), its own committee and settings.

    round: setup -> (calibration) -> reviewing -> closed
    review: draft -> submitted (reopened back to draft until the round closes)
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from alliance.challenges.models import Challenge, CriterionFields
from alliance.core.models import TimestampMixin, UTCDateTime, utcnow
from alliance.extensions import db
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

# Round states.
SETUP = "setup"  # committee, conflicts, interest, assignments
CALIBRATION = "calibration"  # every juror scores the reference proposals first
REVIEWING = "reviewing"
CLOSED = "closed"
ROUND_STATUSES = (SETUP, CALIBRATION, REVIEWING, CLOSED)

# Review states.
DRAFT = "draft"
SUBMITTED = "submitted"
REVIEW_STATUSES = (DRAFT, SUBMITTED)

# How an assignment came to be.
AUTO, MANUAL, REFERENCE = "auto", "manual", "calibration"
ASSIGNMENT_SOURCES = (AUTO, MANUAL, REFERENCE)

# A juror's stated interest in reviewing a proposal (the "bid").
WANT, WILLING, NEUTRAL, RATHER_NOT = 2, 1, 0, -1
INTEREST_LEVELS = (WANT, WILLING, NEUTRAL, RATHER_NOT)

# Decisions.
SHORTLISTED, WINNER, NOT_SELECTED = "shortlisted", "winner", "not_selected"
OUTCOMES = (SHORTLISTED, WINNER, NOT_SELECTED)


class JurorProfile(TimestampMixin, db.Model):
    """What a juror knows about (matched against proposals) and where they work."""

    __tablename__ = "juror_profile"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    tags: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)  # comma list
    expertise: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # The employer, for conflicts with start-ups' customers, investors, competitors.
    organisation: Mapped[str] = mapped_column(sa.String(160), default="", nullable=False)

    user = relationship("User", backref=db.backref("juror_profile", uselist=False))

    @property
    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.tags.split(",") if t.strip()]


class EvaluationRound(TimestampMixin, db.Model):
    __tablename__ = "evaluation_round"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False, index=True
    )
    number: Mapped[int] = mapped_column(default=1, nullable=False)  # 1, or 2 for a second round
    name: Mapped[str] = mapped_column(sa.String(120), default="", nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=SETUP, nullable=False)
    reviewers_per_proposal: Mapped[int] = mapped_column(default=3, nullable=False)
    max_load: Mapped[int | None] = mapped_column()  # per juror; None: balanced within one
    blind: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), nullable=False)
    calibration: Mapped[bool] = mapped_column(default=False, server_default=sa.false(),
                                              nullable=False)
    normalise: Mapped[bool] = mapped_column(default=False, server_default=sa.false(),
                                            nullable=False)
    # Standard deviation of the jurors' totals (0-100 points) above which a proposal is flagged.
    disagreement_threshold: Mapped[Decimal] = mapped_column(
        sa.Numeric(5, 2), default=Decimal("15"), nullable=False
    )
    # Weight of this round in the final score when the challenge has two.
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), default=Decimal("1"),
                                            nullable=False)
    # Start-ups see the reviewers' comments for them (without names) with their result.
    share_reviews: Mapped[bool] = mapped_column(default=True, server_default=sa.true(),
                                                nullable=False)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped by every change to what the ranking reads (see ``revisions``).
    revision: Mapped[int] = mapped_column(default=0, server_default="0", nullable=False)

    challenge: Mapped[Challenge] = relationship(
        backref=db.backref("evaluation_rounds", order_by="EvaluationRound.number"),
        lazy="joined",
    )
    criteria: Mapped[list[EvaluationCriterion]] = relationship(
        back_populates="round", cascade="all, delete-orphan",
        order_by="EvaluationCriterion.position", lazy="selectin",
    )
    members: Mapped[list[CommitteeMember]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )
    # Round two reviews only these (the shortlist of round one); empty for round one.
    entries: Mapped[list[RoundEntry]] = relationship(
        back_populates="round", cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("challenge_id", "number"),
        sa.CheckConstraint("number IN (1, 2)", name="number"),
        sa.CheckConstraint(
            "status IN ('setup', 'calibration', 'reviewing', 'closed')", name="status"
        ),
        sa.CheckConstraint("reviewers_per_proposal >= 1", name="reviewers_per_proposal"),
        sa.CheckConstraint("max_load IS NULL OR max_load >= 1", name="max_load"),
        sa.CheckConstraint("weight > 0", name="weight"),
    )

    @property
    def is_open_for_reviews(self) -> bool:
        return self.status in (CALIBRATION, REVIEWING)

    def __repr__(self) -> str:
        return f"<EvaluationRound {self.challenge_id}#{self.number} {self.status}>"


class EvaluationCriterion(CriterionFields, db.Model):
    """A criterion of one round: round one copies the challenge's, so the weights
    used for the decision stay with it."""

    __tablename__ = "evaluation_criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_round.id", ondelete="CASCADE"), nullable=False, index=True
    )

    round: Mapped[EvaluationRound] = relationship(back_populates="criteria")


class RoundEntry(db.Model):
    """A proposal admitted to a second round."""

    __tablename__ = "round_entry"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_round.id", ondelete="CASCADE"), primary_key=True
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), primary_key=True
    )

    round: Mapped[EvaluationRound] = relationship(back_populates="entries")
    proposal: Mapped[Proposal] = relationship()


class CommitteeMember(db.Model):
    __tablename__ = "committee_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_round.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    invited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    # Set when the juror has gone through the start-ups and declared their conflicts:
    # until then they see no proposal of the round.
    conflicts_declared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    round: Mapped[EvaluationRound] = relationship(back_populates="members")
    user = relationship("User", foreign_keys=[user_id], lazy="joined")

    __table_args__ = (sa.UniqueConstraint("round_id", "user_id"),)


class ConflictDeclaration(db.Model):
    """A juror's own statement of a conflict of interest with a start-up."""

    __tablename__ = "conflict_declaration"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    startup_id: Mapped[int] = mapped_column(
        sa.ForeignKey("startup.id", ondelete="CASCADE"), nullable=False, index=True
    )
    reason: Mapped[str] = mapped_column(sa.String(500), default="", nullable=False)
    declared_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    user = relationship("User")
    startup: Mapped[Startup] = relationship()

    __table_args__ = (sa.UniqueConstraint("user_id", "startup_id"),)


class ReviewInterest(db.Model):
    """How much a juror would like to review a proposal (stated before assignment)."""

    __tablename__ = "review_interest"

    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_round.id", ondelete="CASCADE"), primary_key=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user.id", ondelete="CASCADE"),
                                         primary_key=True)
    proposal_id: Mapped[int] = mapped_column(sa.ForeignKey("proposal.id", ondelete="CASCADE"),
                                             primary_key=True)
    level: Mapped[int] = mapped_column(nullable=False)

    __table_args__ = (sa.CheckConstraint("level >= -1 AND level <= 2", name="level"),)


class Assignment(db.Model):
    """Juror ``user`` reviews ``proposal`` in ``round``."""

    __tablename__ = "assignment"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_round.id", ondelete="CASCADE"), nullable=False, index=True
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False, index=True
    )
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), nullable=False, index=True
    )
    source: Mapped[str] = mapped_column(sa.String(20), default=AUTO, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    round: Mapped[EvaluationRound] = relationship()
    proposal: Mapped[Proposal] = relationship()
    user = relationship("User", foreign_keys=[user_id])
    review: Mapped[Review | None] = relationship(
        back_populates="assignment", uselist=False, cascade="all, delete-orphan"
    )

    __table_args__ = (
        sa.UniqueConstraint("round_id", "proposal_id", "user_id"),
        sa.CheckConstraint("source IN ('auto', 'manual', 'calibration')", name="source"),
    )


class Review(TimestampMixin, db.Model):
    __tablename__ = "review"

    id: Mapped[int] = mapped_column(primary_key=True)
    assignment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("assignment.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    status: Mapped[str] = mapped_column(sa.String(20), default=DRAFT, nullable=False, index=True)
    comment_for_startup: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    comment_for_committee: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    # Weighted mean of the criterion scores on 0-100, kept when submitted.
    total: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    assignment: Mapped[Assignment] = relationship(back_populates="review", lazy="joined")
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan", lazy="selectin"
    )

    __table_args__ = (sa.CheckConstraint("status IN ('draft', 'submitted')", name="status"),)


class ReviewScore(db.Model):
    __tablename__ = "review_score"

    review_id: Mapped[int] = mapped_column(sa.ForeignKey("review.id", ondelete="CASCADE"),
                                           primary_key=True)
    criterion_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_criterion.id", ondelete="CASCADE"), primary_key=True
    )
    score: Mapped[int | None] = mapped_column()  # None while the draft leaves it blank
    comment: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)

    review: Mapped[Review] = relationship(back_populates="scores")
    criterion: Mapped[EvaluationCriterion] = relationship()


class DiscussionComment(db.Model):
    """The committee's thread on a proposal, open to members who submitted their review."""

    __tablename__ = "discussion_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_round.id", ondelete="CASCADE"), nullable=False
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False
    )
    author_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    author = relationship("User")

    __table_args__ = (sa.Index("ix_discussion_comment_thread", "round_id", "proposal_id"),)


class ScoreOverride(db.Model):
    """An admin's replacement of a proposal's aggregated score in a round, with the
    reason. Rows are never changed: the latest one is in force."""

    __tablename__ = "score_override"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(
        sa.ForeignKey("evaluation_round.id", ondelete="CASCADE"), nullable=False
    )
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), nullable=False
    )
    score: Mapped[Decimal | None] = mapped_column(sa.Numeric(6, 2))  # None lifts an override
    reason: Mapped[str] = mapped_column(sa.Text, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)

    created_by = relationship("User")

    __table_args__ = (sa.Index("ix_score_override_target", "round_id", "proposal_id"),)


class DecisionRecord(db.Model):
    """Everything a ranking was decided on, frozen: settings, weights, every score,
    overrides, the ranking and the decisions, with the SHA-256 of its JSON."""

    __tablename__ = "decision_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    content: Mapped[dict] = mapped_column(sa.JSON, nullable=False)
    digest: Mapped[str] = mapped_column(sa.String(64), nullable=False)

    challenge: Mapped[Challenge] = relationship()
    created_by = relationship("User")


class Decision(TimestampMixin, db.Model):
    """The outcome for one proposal, with feedback for the start-up."""

    __tablename__ = "decision"

    id: Mapped[int] = mapped_column(primary_key=True)
    proposal_id: Mapped[int] = mapped_column(
        sa.ForeignKey("proposal.id", ondelete="CASCADE"), unique=True, nullable=False
    )
    outcome: Mapped[str] = mapped_column(sa.String(20), nullable=False, index=True)
    feedback: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    record_id: Mapped[int | None] = mapped_column(sa.ForeignKey("decision_record.id"))
    notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    proposal: Mapped[Proposal] = relationship(
        backref=db.backref("decision", uselist=False), lazy="joined"
    )
    record: Mapped[DecisionRecord | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("outcome IN ('shortlisted', 'winner', 'not_selected')",
                           name="outcome"),
    )
