"""Calls and the challenges published under them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, declared_attr, mapped_column, relationship

from alliance.core.models import TimestampMixin, UTCDateTime, utcnow
from alliance.core.taxonomy import Theme
from alliance.extensions import db
from alliance.partners.models import Partner

# The lifecycle (see lifecycle.py for the transitions).
DRAFT = "draft"
SUBMITTED = "submitted"  # sent for approval
PUBLISHED = "published"  # open from opens_at until deadline
CLOSED = "closed"
IN_EVALUATION = "in_evaluation"
DECIDED = "decided"
ARCHIVED = "archived"
STATUSES = (DRAFT, SUBMITTED, PUBLISHED, CLOSED, IN_EVALUATION, DECIDED, ARCHIVED)
PUBLIC_STATUSES = (PUBLISHED, CLOSED, IN_EVALUATION, DECIDED, ARCHIVED)


class Call(TimestampMixin, db.Model):
    """A call for proposals ("CyberSecureCity 2026") grouping challenges in one timeline."""

    __tablename__ = "call"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(160), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    results_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    challenges: Mapped[list[Challenge]] = relationship(back_populates="call")

    __table_args__ = (sa.CheckConstraint("closes_at > opens_at", name="timeline"),)

    def __repr__(self) -> str:
        return f"<Call {self.slug}>"


challenge_cosponsor = db.Table(
    "challenge_cosponsor",
    sa.Column("challenge_id", sa.ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("partner_id", sa.ForeignKey("partner.id", ondelete="CASCADE"), primary_key=True,
              index=True),  # a partner's co-sponsored challenges (the key starts with the id)
)


# The city goals a challenge serves (see CityGoal).
challenge_city_goal = db.Table(
    "challenge_city_goal",
    sa.Column("challenge_id", sa.ForeignKey("challenge.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("city_goal_id", sa.ForeignKey("city_goal.id", ondelete="CASCADE"), primary_key=True,
              index=True),
)


class CityGoal(TimestampMixin, db.Model):
    """A goal of the city the Alliance serves, such as an action area of Milan's
    Climate City Contract ("Reti energetiche", "Mobilità sostenibile"). Admins keep the
    list; challenges name the goals they serve; each goal has a public page."""

    __tablename__ = "city_goal"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(80), unique=True, nullable=False)
    name_it: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    name_en: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description_it: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    description_en: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    position: Mapped[int] = mapped_column(default=0, nullable=False)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), nullable=False)

    challenges: Mapped[list[Challenge]] = relationship(
        secondary=challenge_city_goal, back_populates="city_goals"
    )

    def __repr__(self) -> str:
        return f"<CityGoal {self.slug}>"


class Challenge(TimestampMixin, db.Model):
    __tablename__ = "challenge"

    id: Mapped[int] = mapped_column(primary_key=True)
    call_id: Mapped[int] = mapped_column(sa.ForeignKey("call.id"), nullable=False, index=True)
    lead_partner_id: Mapped[int] = mapped_column(
        sa.ForeignKey("partner.id"), nullable=False, index=True
    )
    theme_id: Mapped[int] = mapped_column(sa.ForeignKey("theme.id"), nullable=False, index=True)
    slug: Mapped[str] = mapped_column(sa.String(120), unique=True, nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    summary: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)  # Markdown
    expected_outcomes: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    rewards: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)  # pilot, budget...
    eligibility: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    opens_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    deadline: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    pilot_slots: Mapped[int] = mapped_column(default=1, nullable=False)
    status: Mapped[str] = mapped_column(sa.String(20), default=DRAFT, nullable=False, index=True)
    status_comment: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    # The language the brief (title, summary, description...) is written in; a
    # ChallengeTranslation may carry it in the other one.
    locale: Mapped[str] = mapped_column(sa.String(5), default="it", server_default="it",
                                        nullable=False)

    call: Mapped[Call] = relationship(back_populates="challenges", lazy="joined")
    lead_partner: Mapped[Partner] = relationship(lazy="joined")
    cosponsors: Mapped[list[Partner]] = relationship(
        secondary=challenge_cosponsor, lazy="selectin", order_by=Partner.name
    )
    theme: Mapped[Theme] = relationship(lazy="joined")
    criteria: Mapped[list[Criterion]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan",
        order_by="Criterion.position", lazy="selectin",
    )
    terms: Mapped[list[ChallengeTerms]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan",
        order_by="ChallengeTerms.version",
    )
    created_by = relationship("User")
    # Loaded when read (one query for a single challenge); lists that show the brief
    # ask for the translations in one query (services.list_options).
    city_goals: Mapped[list[CityGoal]] = relationship(
        secondary=challenge_city_goal, back_populates="challenges", order_by=CityGoal.position,
    )
    translations: Mapped[list[ChallengeTranslation]] = relationship(
        back_populates="challenge", cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.CheckConstraint("deadline > opens_at", name="timeline"),
        sa.CheckConstraint("pilot_slots >= 0", name="pilot_slots"),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'published', 'closed', 'in_evaluation', "
            "'decided', 'archived')",
            name="status",
        ),
        # The home page, /challenges/ and the partner pages read challenges in deadline
        # (or publication) order from these, filtered by theme or call, without reading rows.
        sa.Index("ix_challenge_status_deadline", "status", "deadline"),
        sa.Index("ix_challenge_theme_id_status_deadline", "theme_id", "status", "deadline"),
        sa.Index("ix_challenge_call_id_status_deadline", "call_id", "status", "deadline"),
        sa.Index("ix_challenge_status_published_at", "status", "published_at"),
    )

    @property
    def partners(self) -> list[Partner]:
        """The lead partner first, then the co-sponsors."""
        return [self.lead_partner, *[p for p in self.cosponsors if p.id != self.lead_partner_id]]

    @property
    def is_public(self) -> bool:
        return self.status in PUBLIC_STATUSES

    def is_open(self, now: datetime) -> bool:
        """Accepting submissions: published, opened, deadline not reached."""
        return self.status == PUBLISHED and self.opens_at <= now < self.deadline

    def deadline_passed(self, now: datetime) -> bool:
        return now >= self.deadline

    @property
    def current_terms(self) -> ChallengeTerms | None:
        return self.terms[-1] if self.terms else None

    def __repr__(self) -> str:
        return f"<Challenge {self.slug}>"


class CriterionFields:
    """What a criterion is, for the challenge's (here) and for an evaluation round's
    (``evaluation.models.EvaluationCriterion``, copied from these)."""

    position: Mapped[int] = mapped_column(default=0, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    weight: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2), nullable=False)
    scale: Mapped[int] = mapped_column(default=5, nullable=False)  # scored 1..scale
    # Jurors must explain their score on this criterion.
    comment_required: Mapped[bool] = mapped_column(default=False, server_default=sa.false(),
                                                   nullable=False)

    @declared_attr.directive
    def __table_args__(cls):
        return (
            sa.CheckConstraint("weight > 0", name="weight"),
            sa.CheckConstraint("scale >= 2 AND scale <= 100", name="scale"),
        )


class Criterion(CriterionFields, db.Model):
    """An evaluation criterion of a challenge: scored on ``1..scale`` and weighted."""

    __tablename__ = "criterion"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False, index=True
    )

    challenge: Mapped[Challenge] = relationship(back_populates="criteria")


class ChallengeTerms(db.Model):
    """One version of a challenge's terms (intellectual property, confidentiality)."""

    __tablename__ = "challenge_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False
    )
    version: Mapped[int] = mapped_column(nullable=False)
    text: Mapped[str] = mapped_column(sa.Text, nullable=False)  # Markdown
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user.id", ondelete="SET NULL"))

    challenge: Mapped[Challenge] = relationship(back_populates="terms")

    __table_args__ = (sa.UniqueConstraint("challenge_id", "version"),)


class ChallengeTranslation(db.Model):
    """The brief of a challenge in a language other than its own (``Challenge.locale``):
    the page shows it to readers of that language."""

    __tablename__ = "challenge_translation"

    id: Mapped[int] = mapped_column(primary_key=True)
    challenge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("challenge.id", ondelete="CASCADE"), nullable=False
    )
    locale: Mapped[str] = mapped_column(sa.String(5), nullable=False)
    title: Mapped[str] = mapped_column(sa.String(200), nullable=False)
    summary: Mapped[str] = mapped_column(sa.String(500), nullable=False)
    description: Mapped[str] = mapped_column(sa.Text, nullable=False)  # Markdown
    expected_outcomes: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    rewards: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)
    eligibility: Mapped[str] = mapped_column(sa.Text, default="", nullable=False)

    challenge: Mapped[Challenge] = relationship(back_populates="translations")

    __table_args__ = (sa.UniqueConstraint("challenge_id", "locale"),)
