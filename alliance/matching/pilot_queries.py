"""The pilots a user sees, those waiting for their answer first.

    (the rules are policy.visible_pilots and policy.awaiting_pilot_answer)
    pilots_for_user(user, ...)      a page of them, in a fixed number of queries
    pilots_panel_context(*, user, now) -> dict    for the start-up and partner dashboards
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, lazyload

from alliance.auth import policy
from alliance.challenges.models import Call, Challenge
from alliance.extensions import db
from alliance.matching.models import (
    ACCEPTED,
    COMPLETED,
    DECLINED,
    PROPOSED,
    RUNNING,
    Pilot,
)
from alliance.matching.pilot_lifecycle import STATUS_LABELS
from alliance.startups.models import Startup

PAGE_SIZE = 50
PANEL_SIZE = 5
# After "waiting for me": what still moves, then what is over.
_STATUS_ORDER = {PROPOSED: 0, ACCEPTED: 1, RUNNING: 2, COMPLETED: 3, DECLINED: 4}

# A pilot's list row needs its challenge (with lead partner and call) and start-up,
# not their collections.
_ROW = (
    joinedload(Pilot.challenge).options(lazyload(Challenge.cosponsors),
                                        lazyload(Challenge.criteria)),
    joinedload(Pilot.startup).options(lazyload(Startup.sectors), lazyload(Startup.relations)),
)


def _ordered(user, query):
    return query.order_by(
        sa.case((policy.awaiting_pilot_answer(user), 0), else_=1),
        sa.case(_STATUS_ORDER, value=Pilot.status, else_=9),
        Pilot.proposed_at.desc(), Pilot.id.desc(),
    )


@dataclass(slots=True)
class PilotPage:
    pilots: list[Pilot]
    total: int
    to_answer: int
    number: int
    pages: int


def pilots_for_user(user, *, call_id: int | None = None, page: int = 1,
                    per_page: int = PAGE_SIZE) -> PilotPage:
    """One page of the pilots ``user`` may see (of one call, if given): those
    waiting for the user's answer first, then by state, newest first."""
    where = [policy.visible_pilots(user)]
    if call_id is not None:
        where.append(Pilot.call_id == call_id)
    total, to_answer = db.session.execute(
        sa.select(sa.func.count(Pilot.id),
                  sa.func.count(sa.case((policy.awaiting_pilot_answer(user), Pilot.id))))
        .where(*where)
    ).one()
    pages = max(1, -(-total // per_page))
    number = min(max(1, page), pages)
    pilots = db.session.scalars(
        _ordered(user, sa.select(Pilot).where(*where).options(*_ROW))
        .limit(per_page).offset((number - 1) * per_page)
    ).unique().all()
    return PilotPage(list(pilots), total, to_answer or 0, number, pages)


def calls_with_pilots() -> list[tuple[int, str]]:
    """(id, title) of the calls that have pilots: the admin's filter."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Call.id, Call.title).where(Call.id.in_(sa.select(Pilot.call_id)))
        .order_by(Call.opens_at.desc(), Call.id.desc()))]


def pilots_panel_context(*, user, now: datetime) -> dict:
    """For ``matching/_pilots_panel.html`` on a dashboard: the user's pilots, those
    waiting for their answer first (at most five), and how many wait in all."""
    page = pilots_for_user(user, per_page=PANEL_SIZE)
    return {"pilots": page.pilots, "pilots_total": page.total,
            "pilots_to_answer": page.to_answer, "pilot_status_labels": STATUS_LABELS}


__all__ = ["PAGE_SIZE", "PilotPage", "calls_with_pilots", "pilots_for_user",
           "pilots_panel_context"]
