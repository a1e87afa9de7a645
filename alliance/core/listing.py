"""Lists shown a page at a time (admin lists, the jury's dashboard), and the text
filter that narrows them by name or e-mail."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

import sqlalchemy as sa

from alliance.extensions import db

T = TypeVar("T")


@dataclass
class ListPage(Generic[T]):
    """One page of a list: its rows, and what the page links need."""

    rows: list[T]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def count_of(select: sa.Select) -> int:
    """How many rows ``select`` finds."""
    return db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery()))


def page_of(select: sa.Select, *, page: int, per_page: int, scalars: bool = True) -> ListPage:
    """Page ``page`` of ``select`` (already ordered): its objects (``scalars``) or its
    rows, and the total."""
    sliced = select.limit(per_page).offset((page - 1) * per_page)
    result = db.session.scalars(sliced) if scalars else db.session.execute(sliced)
    return ListPage(list(result.unique().all()), count_of(select), page, per_page)


def like_pattern(text: str) -> str:
    """``%text%`` for a case-insensitive ``LIKE`` (on a lower-cased column), with the
    wildcards the user typed taken literally (use ``escape="\\\\"``)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
