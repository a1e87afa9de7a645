"""Settings that admins change from the site (not from the environment): one row
per key, with a JSON value. Readers ask :func:`get_setting` with a default."""
from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from alliance.core.models import UTCDateTime, utcnow
from alliance.extensions import db


class SiteSetting(db.Model):
    __tablename__ = "site_setting"

    key: Mapped[str] = mapped_column(sa.String(60), primary_key=True)
    value: Mapped[Any] = mapped_column(sa.JSON, nullable=False)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, nullable=False
    )
    updated_by_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("user.id", ondelete="SET NULL")
    )


def get_setting(key: str, default: Any = None) -> Any:
    """The value stored under ``key``, or ``default`` when none is."""
    row = db.session.get(SiteSetting, key)
    return default if row is None else row.value


def set_setting(*, key: str, value: Any, user=None) -> SiteSetting:
    """Store ``value`` under ``key`` (flushes; the caller audits and commits)."""
    row = db.session.get(SiteSetting, key)
    if row is None:
        row = SiteSetting(key=key, value=value)
        db.session.add(row)
    else:
        row.value = value
    row.updated_by_id = getattr(user, "id", None)
    db.session.flush()
    return row
