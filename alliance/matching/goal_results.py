"""What the Alliance has delivered for each city goal: its public challenges, the
proposals they received and the pilots agreed (the public pages ``/goals/``).

    goal_counts(goal_ids) -> dict[int, GoalCounts]
    goal_pilots(goal) -> GoalPilots

Only public challenges count. Proposals are counted (submitted ones), never shown.
Pilots agreed (accepted, running, completed) are counted; they are named (start-up and
challenge) once their call's results are published, as on the call's results page.
Here, in ``matching``, because it reads challenges, proposals and pilots together.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa

from alliance.challenges.models import PUBLIC_STATUSES, Challenge, challenge_city_goal
from alliance.extensions import db
from alliance.matching.models import AGREED_STATUSES, CallMatching, Pilot
from alliance.matching.results import PublicStartup
from alliance.proposals.models import SUBMITTED, Proposal
from alliance.startups.models import Startup


@dataclass(frozen=True, slots=True)
class GoalCounts:
    challenges: int = 0
    proposals: int = 0
    pilots: int = 0


@dataclass(frozen=True, slots=True)
class PublicPilot:
    startup: PublicStartup
    challenge_title: str
    challenge_slug: str
    challenge_locale: str  # the title's language
    status: str


@dataclass(slots=True)
class GoalPilots:
    named: list[PublicPilot] = field(default_factory=list)  # results published
    unnamed: int = 0  # agreed, their call's results not published yet


def _public_links(goal_ids):
    """(goal id, challenge id) of the public challenges naming one of ``goal_ids``."""
    return (
        sa.select(challenge_city_goal.c.city_goal_id.label("goal_id"),
                  challenge_city_goal.c.challenge_id.label("challenge_id"))
        .join(Challenge, Challenge.id == challenge_city_goal.c.challenge_id)
        .where(challenge_city_goal.c.city_goal_id.in_(goal_ids),
               Challenge.status.in_(PUBLIC_STATUSES))
        .subquery()
    )


def goal_counts(goal_ids: list[int]) -> dict[int, GoalCounts]:
    """Per goal: public challenges, submitted proposals to them, pilots agreed on them.
    One query (three grouped subqueries), whatever the number of goals."""
    if not goal_ids:
        return {}
    links = _public_links(goal_ids)
    challenges = (sa.select(links.c.goal_id, sa.func.count().label("n"))
                  .group_by(links.c.goal_id).subquery())
    proposals = (sa.select(links.c.goal_id, sa.func.count(Proposal.id).label("n"))
                 .join(Proposal, Proposal.challenge_id == links.c.challenge_id)
                 .where(Proposal.status == SUBMITTED)
                 .group_by(links.c.goal_id).subquery())
    pilots = (sa.select(links.c.goal_id, sa.func.count(Pilot.id).label("n"))
              .join(Pilot, Pilot.challenge_id == links.c.challenge_id)
              .where(Pilot.status.in_(AGREED_STATUSES))
              .group_by(links.c.goal_id).subquery())
    query = (
        sa.select(challenges.c.goal_id, challenges.c.n,
                  sa.func.coalesce(proposals.c.n, 0), sa.func.coalesce(pilots.c.n, 0))
        .outerjoin(proposals, proposals.c.goal_id == challenges.c.goal_id)
        .outerjoin(pilots, pilots.c.goal_id == challenges.c.goal_id)
    )
    return {goal_id: GoalCounts(c, p, q) for goal_id, c, p, q in db.session.execute(query)}


def goal_pilots(goal_id: int) -> GoalPilots:
    """The pilots agreed on the goal's public challenges: named where their call's
    results are published, counted otherwise. One query."""
    links = _public_links([goal_id])
    published = sa.select(CallMatching.call_id).where(
        CallMatching.results_published_at.is_not(None))
    result = GoalPilots()
    for name, slug, is_public, title, challenge_slug, locale, status, named in db.session.execute(
        sa.select(Startup.name, Startup.slug, Startup.is_public, Challenge.title,
                  Challenge.slug, Challenge.locale, Pilot.status, Pilot.call_id.in_(published))
        .join(links, links.c.challenge_id == Pilot.challenge_id)
        .join(Startup, Startup.id == Pilot.startup_id)
        .join(Challenge, Challenge.id == Pilot.challenge_id)
        .where(Pilot.status.in_(AGREED_STATUSES))
        .order_by(Challenge.title, Startup.name, Pilot.id)
    ):
        if named:
            result.named.append(PublicPilot(PublicStartup(name, slug if is_public else None),
                                            title, challenge_slug, locale, status))
        else:
            result.unnamed += 1
    return result


__all__ = ["GoalCounts", "GoalPilots", "PublicPilot", "goal_counts", "goal_pilots"]
