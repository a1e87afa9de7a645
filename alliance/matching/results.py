"""A call's public results: the winners of each challenge and the pilots agreed.

    publish_results(*, call, user, now) -> CallMatching
    unpublish_results(*, call, user, now) -> CallMatching
    matching_of(call) -> CallMatching | None
    call_results(call) -> list[ChallengeResults]

Results are published once every challenge of the call that received proposals is
decided. The page then follows the pilots as they are agreed, run and complete; a
proposed or declined pilot is never shown.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import lazyload

from alliance.auth import policy
from alliance.challenges.models import ARCHIVED, DECIDED, Call, Challenge
from alliance.core.audit import record as audit
from alliance.core.errors import DomainError
from alliance.evaluation.models import WINNER, Decision
from alliance.extensions import db
from alliance.matching.models import AGREED_STATUSES, CallMatching, Pilot
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

DECIDED_STATUSES = (DECIDED, ARCHIVED)


@dataclass(frozen=True, slots=True)
class PublicStartup:
    name: str
    slug: str | None  # only for a public profile: the page links to it


@dataclass(slots=True)
class ChallengeResults:
    challenge: Challenge
    winners: list[PublicStartup] = field(default_factory=list)
    pilots: list[tuple[PublicStartup, str]] = field(default_factory=list)  # (start-up, status)


def matching_of(call: Call) -> CallMatching | None:
    return db.session.scalar(sa.select(CallMatching).where(CallMatching.call_id == call.id))


def _allowed(user, call: Call) -> None:
    if not policy.can_run_matching(user, call):
        raise DomainError(_("You are not allowed to do this."))


def undecided_challenges(call: Call) -> list[str]:
    """Titles of the call's challenges that received proposals and are not decided."""
    with_proposals = sa.select(Proposal.challenge_id).where(
        Proposal.status == PROPOSAL_SUBMITTED)
    return list(db.session.scalars(
        sa.select(Challenge.title)
        .where(Challenge.call_id == call.id, Challenge.id.in_(with_proposals),
               Challenge.status.not_in(DECIDED_STATUSES))
        .order_by(Challenge.title)))


def publish_results(*, call: Call, user, now: datetime) -> CallMatching:
    """Make the call's results page public. Every challenge of the call that received
    proposals must be decided, and at least one must be."""
    _allowed(user, call)
    matching = matching_of(call)
    if matching is not None and matching.results_published:
        raise DomainError(_("The results of this call are already published."))
    undecided = undecided_challenges(call)
    if undecided:
        raise DomainError(_("Decide every challenge of the call before publishing its "
                            "results. Not decided yet: %(titles)s.",
                            titles="; ".join(undecided)))
    decided = db.session.scalar(
        sa.select(sa.func.count(Challenge.id))
        .where(Challenge.call_id == call.id, Challenge.status.in_(DECIDED_STATUSES)))
    if not decided:
        raise DomainError(_("No challenge of this call is decided yet: there are no results "
                            "to publish."))
    if matching is None:
        matching = CallMatching(call_id=call.id)
        db.session.add(matching)
    matching.results_published_at = now
    matching.results_published_by_id = getattr(user, "id", None)
    db.session.flush()
    audit(actor=user, action="matching.results_published", obj=matching, now=now,
          call_id=call.id)
    return matching


def unpublish_results(*, call: Call, user, now: datetime) -> CallMatching:
    """Take the call's results page back offline (to correct it)."""
    _allowed(user, call)
    matching = matching_of(call)
    if matching is None or not matching.results_published:
        raise DomainError(_("The results of this call are not published."))
    matching.results_published_at = None
    matching.results_published_by_id = None
    db.session.flush()
    audit(actor=user, action="matching.results_unpublished", obj=matching, now=now,
          call_id=call.id)
    return matching


def _public(name: str, slug: str, is_public: bool) -> PublicStartup:
    return PublicStartup(name, slug if is_public else None)


def call_results(call: Call) -> list[ChallengeResults]:
    """Per decided challenge of ``call`` (by title): its winners and its agreed
    pilots with their state. Three queries, whatever the size of the call."""
    challenges = db.session.scalars(
        sa.select(Challenge)
        .where(Challenge.call_id == call.id, Challenge.status.in_(DECIDED_STATUSES))
        .options(lazyload(Challenge.cosponsors), lazyload(Challenge.criteria))
        .order_by(Challenge.title, Challenge.id)
    ).unique().all()
    results = {c.id: ChallengeResults(c) for c in challenges}
    if not results:
        return []
    for challenge_id, name, slug, is_public in db.session.execute(
        sa.select(Proposal.challenge_id, Startup.name, Startup.slug, Startup.is_public)
        .join(Decision, Decision.proposal_id == Proposal.id)
        .join(Startup, Startup.id == Proposal.startup_id)
        .where(Proposal.challenge_id.in_(results), Decision.outcome == WINNER,
               Proposal.status == PROPOSAL_SUBMITTED)
        .order_by(Startup.name, Startup.id)
    ):
        results[challenge_id].winners.append(_public(name, slug, is_public))
    for challenge_id, name, slug, is_public, status in db.session.execute(
        sa.select(Pilot.challenge_id, Startup.name, Startup.slug, Startup.is_public,
                  Pilot.status)
        .join(Startup, Startup.id == Pilot.startup_id)
        .where(Pilot.call_id == call.id, Pilot.challenge_id.in_(results),
               Pilot.status.in_(AGREED_STATUSES))
        .order_by(Startup.name, Startup.id)
    ):
        results[challenge_id].pilots.append((_public(name, slug, is_public), status))
    return list(results.values())


def calls_with_results() -> list[tuple[Call, datetime]]:
    """The calls whose results are published, newest first."""
    return [tuple(row) for row in db.session.execute(
        sa.select(Call, CallMatching.results_published_at)
        .join(CallMatching, CallMatching.call_id == Call.id)
        .where(CallMatching.results_published_at.is_not(None))
        .order_by(CallMatching.results_published_at.desc(), Call.id.desc()))]


__all__ = ["ChallengeResults", "PublicStartup", "call_results", "calls_with_results",
           "matching_of", "publish_results", "undecided_challenges", "unpublish_results"]
