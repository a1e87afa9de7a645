"""The city's goals the Alliance serves (such as the action areas of Milan's Climate
City Contract): the list admins keep, and which goals a challenge names.

Plain functions with keyword-only arguments; they flush, never commit, and raise
:class:`DomainError` (with ``field_errors`` where a field is concerned). What each
goal has delivered (proposals, pilots) is counted in ``alliance.matching.goal_results``.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.challenges.models import (
    PUBLIC_STATUSES,
    Challenge,
    CityGoal,
    challenge_city_goal,
)
from alliance.challenges.services import _choose_slug, list_options
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.extensions import db


def goal_name(goal: CityGoal, locale: str) -> str:
    """The goal's name in ``locale`` (Italian unless English is asked for)."""
    return goal.name_en if locale == "en" and goal.name_en else goal.name_it


def goal_description(goal: CityGoal, locale: str) -> str:
    """The goal's description in ``locale``, or in the other language when missing."""
    if locale == "en":
        return goal.description_en or goal.description_it
    return goal.description_it or goal.description_en


def ordered_goals(*, active_only: bool = False) -> list[CityGoal]:
    """The goals in the order admins gave them."""
    query = sa.select(CityGoal).order_by(CityGoal.position, CityGoal.id)
    if active_only:
        query = query.where(CityGoal.active.is_(True))
    return list(db.session.scalars(query))


def goal_choices(challenge: Challenge | None = None) -> list[CityGoal]:
    """What a challenge form offers: the active goals, and the inactive ones the
    challenge already names (so saving the form does not drop them unseen)."""
    named = {g.id for g in challenge.city_goals} if challenge is not None else set()
    return [g for g in ordered_goals() if g.active or g.id in named]


def goal_usage() -> dict[int, int]:
    """How many challenges (in any state) name each goal, in one grouped query."""
    column = challenge_city_goal.c.city_goal_id
    return dict(db.session.execute(sa.select(column, sa.func.count()).group_by(column)).all())


# -- the admins' list ------------------------------------------------------------

@dataclass
class GoalData:
    name_it: str
    name_en: str
    description_it: str = ""
    description_en: str = ""
    slug: str | None = None
    position: int | None = None  # None: at the end (new goal) or unchanged


def _check_names(data: GoalData, *, goal: CityGoal | None = None) -> None:
    """Two goals with the same name would be two identical boxes on the challenge form."""
    others = sa.select(CityGoal.id)
    if goal is not None:
        others = others.where(CityGoal.id != goal.id)
    errors = {}
    for field, name, column in (("name_it", data.name_it, CityGoal.name_it),
                                ("name_en", data.name_en, CityGoal.name_en)):
        if db.session.scalar(others.where(sa.func.lower(column) == name.strip().lower())
                             .limit(1)) is not None:
            errors[field] = _("Another goal already has this name.")
    if errors:
        raise DomainError(_("Choose names that no other goal has."), field_errors=errors)


def _apply(goal: CityGoal, data: GoalData) -> None:
    goal.name_it = data.name_it.strip()
    goal.name_en = data.name_en.strip()
    goal.description_it = (data.description_it or "").strip()
    goal.description_en = (data.description_en or "").strip()
    if data.position is not None:
        goal.position = data.position


def create_goal(*, data: GoalData, user, now: datetime) -> CityGoal:
    """Add a goal (active), at the end of the list unless a position is given."""
    _check_names(data)
    goal = CityGoal(
        slug=_choose_slug(CityGoal, wanted=data.slug, title=data.name_en or data.name_it,
                          max_length=80),
        active=True, created_at=now, updated_at=now,
    )
    _apply(goal, data)
    if data.position is None:
        goal.position = (db.session.scalar(sa.select(sa.func.max(CityGoal.position))) or 0) + 1
    db.session.add(goal)
    db.session.flush()
    record(actor=user, action="city_goal.created", obj=goal, now=now, slug=goal.slug)
    return goal


def update_goal(*, goal: CityGoal, data: GoalData, user, now: datetime) -> CityGoal:
    """Change a goal's names, descriptions, address or place in the list."""
    _check_names(data, goal=goal)
    old = {"slug": goal.slug, "name_it": goal.name_it, "name_en": goal.name_en}
    goal.slug = _choose_slug(CityGoal, wanted=data.slug or goal.slug,
                             title=data.name_en or data.name_it, max_length=80,
                             exclude_id=goal.id)
    _apply(goal, data)
    db.session.flush()
    record(actor=user, action="city_goal.updated", obj=goal, now=now, old=old)
    return goal


def set_goal_active(*, goal: CityGoal, active: bool, user, now: datetime) -> CityGoal:
    """Deactivate a goal (no longer offered to new challenges, its page gone; the
    challenges that name it keep it) or activate it again."""
    if goal.active == active:
        return goal
    goal.active = active
    db.session.flush()
    record(actor=user, action="city_goal.activated" if active else "city_goal.deactivated",
           obj=goal, now=now)
    return goal


# -- the public pages ---------------------------------------------------------------

def public_goal(slug: str) -> CityGoal | None:
    """The active goal at ``slug`` (an inactive one has no page)."""
    return db.session.scalar(
        sa.select(CityGoal).where(CityGoal.slug == slug, CityGoal.active.is_(True)))


def goal_challenges(*, goal: CityGoal, visible) -> list[Challenge]:
    """The public challenges (among ``visible``) that name ``goal``, latest deadline first."""
    return list(db.session.scalars(
        sa.select(Challenge)
        .join(challenge_city_goal, challenge_city_goal.c.challenge_id == Challenge.id)
        .where(challenge_city_goal.c.city_goal_id == goal.id,
               Challenge.status.in_(PUBLIC_STATUSES), visible)
        .options(*list_options())
        .order_by(Challenge.deadline.desc(), Challenge.id)
    ))


__all__ = ["GoalData", "create_goal", "goal_challenges", "goal_choices",
           "goal_description", "goal_name", "goal_usage", "ordered_goals", "public_goal",
           "set_goal_active", "update_goal"]
