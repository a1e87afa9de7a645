"""Users and the roles granted to them.

Roles ``admin`` and ``jury`` are granted explicitly (``UserRole`` rows); the
``partner`` and ``startup`` roles follow from membership of a partner company
or of a start-up (see ``partners.models`` and ``startups.models``).
"""
from __future__ import annotations

import hashlib
import hmac
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship
from werkzeug.security import check_password_hash, generate_password_hash

from alliance.core.models import TimestampMixin, UTCDateTime, utcnow
from alliance.extensions import db

ADMIN, PARTNER, JURY, STARTUP = "admin", "partner", "jury", "startup"
ROLES = (ADMIN, PARTNER, JURY, STARTUP)
GRANTED_ROLES = (ADMIN, JURY)  # the others come from memberships

# scrypt is werkzeug's current default; named here so a change is deliberate.
PASSWORD_METHOD = "scrypt"


class User(UserMixin, TimestampMixin, db.Model):
    __tablename__ = "user"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True, nullable=False)
    name: Mapped[str] = mapped_column(sa.String(120), nullable=False)
    password_hash: Mapped[str] = mapped_column(sa.String(255), nullable=False)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    active: Mapped[bool] = mapped_column(default=True, server_default=sa.true(), nullable=False)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    # Privacy: the notice version the user consented to at registration, and when;
    # anonymised_at is set when the account is deleted (its personal data replaced).
    privacy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_notice_version: Mapped[str | None] = mapped_column(sa.String(20))
    anonymised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    granted_roles: Mapped[list[UserRole]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )
    partner_membership = relationship(
        "PartnerMembership", back_populates="user", uselist=False, lazy="selectin",
        cascade="all, delete-orphan",
    )
    startup_membership = relationship(
        "StartupMembership", back_populates="user", uselist=False, lazy="selectin",
        cascade="all, delete-orphan",
    )

    @property
    def password_fingerprint(self) -> str:
        """A short digest of the stored hash: it changes with the password and reveals
        nothing of the hash (session ids and reset links carry it)."""
        return hashlib.sha256(self.password_hash.encode()).hexdigest()[:20]

    def get_id(self) -> str:
        """The id kept in the session and the remember cookie. It carries a
        fingerprint of the password hash, so changing the password ends every
        other session and remember-me cookie."""
        return f"{self.id}:{self.password_fingerprint}"

    @classmethod
    def from_session_id(cls, session_id: str) -> User | None:
        """The active user whose :meth:`get_id` is ``session_id``, or None."""
        user_id, _, fingerprint = session_id.partition(":")
        if not user_id.isdigit() or not fingerprint:
            return None
        user = db.session.get(cls, int(user_id))
        if user is None or not user.active or not hmac.compare_digest(user.get_id(), session_id):
            return None
        return user

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=PASSWORD_METHOD)

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)

    @property
    def is_active(self) -> bool:  # Flask-Login refuses inactive users
        return self.active

    @property
    def is_confirmed(self) -> bool:
        return self.confirmed_at is not None

    @property
    def roles(self) -> set[str]:
        roles = {grant.role for grant in self.granted_roles}
        if self.partner_membership is not None:
            roles.add(PARTNER)
        if self.startup_membership is not None:
            roles.add(STARTUP)
        return roles

    def has_role(self, role: str) -> bool:
        return role in self.roles

    @property
    def partner(self):
        membership = self.partner_membership
        return membership.partner if membership else None

    @property
    def startup(self):
        membership = self.startup_membership
        return membership.startup if membership else None

    def __repr__(self) -> str:
        return f"<User {self.email}>"


class UserRole(db.Model):
    __tablename__ = "user_role"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user.id", ondelete="CASCADE"), primary_key=True
    )
    role: Mapped[str] = mapped_column(sa.String(20), primary_key=True)
    granted_at: Mapped[datetime] = mapped_column(
        UTCDateTime, nullable=False, default=utcnow
    )

    user: Mapped[User] = relationship(back_populates="granted_roles")

    __table_args__ = (
        sa.CheckConstraint("role IN ('admin', 'jury')", name="granted_role"),
    )
