"""What the recommenders read from the database: open challenges as
:class:`~alliance.matching.recommend.Item`, start-ups as
:class:`~alliance.matching.recommend.Profile`. Columns, not ORM objects, and a
fixed number of queries however many start-ups there are (the scouting page
reads every public profile)."""
from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime

import sqlalchemy as sa

from alliance.auth import policy
from alliance.challenges.models import PUBLISHED, Challenge
from alliance.extensions import db
from alliance.matching.recommend import Item, Profile
from alliance.proposals.models import SUBMITTED, Proposal
from alliance.startups.models import Startup, startup_sector

PAST_PROPOSALS = 3  # a start-up's most recent submitted proposals that join its profile


def open_challenges_clause(now: datetime):
    """Accepting proposals: published, opened, deadline not reached (as ``Challenge.is_open``)."""
    return sa.and_(Challenge.status == PUBLISHED, Challenge.opens_at <= now,
                   Challenge.deadline > now)


def challenge_text(title: str, summary: str, description: str, outcomes: str) -> str:
    return "\n".join((title, summary, description, outcomes))


def challenge_item(challenge: Challenge) -> Item:
    return Item(challenge.id, challenge_text(challenge.title, challenge.summary,
                                             challenge.description, challenge.expected_outcomes),
                frozenset({challenge.theme_id}))


def open_challenge_items(now: datetime, *, exclude_ids: Iterable[int] = ()) -> list[Item]:
    """Every open challenge, less ``exclude_ids``: one query."""
    query = (sa.select(Challenge.id, Challenge.title, Challenge.summary, Challenge.description,
                       Challenge.expected_outcomes, Challenge.theme_id)
             .where(open_challenges_clause(now)).order_by(Challenge.id))
    exclude = set(exclude_ids)
    return [Item(id_, challenge_text(title, summary, description, outcomes), frozenset({theme}))
            for id_, title, summary, description, outcomes, theme in db.session.execute(query)
            if id_ not in exclude]


def proposal_text(title: str, abstract: str, description: str) -> str:
    return "\n".join((title, abstract, description))


def _past_proposals(where) -> dict[int, list[str]]:
    """The texts of the most recent submitted proposals (at most PAST_PROPOSALS a
    start-up) of the start-ups ``where`` selects: one query."""
    recent = sa.func.row_number().over(
        partition_by=Proposal.startup_id,
        order_by=(Proposal.submitted_at.desc(), Proposal.id.desc())).label("recent")
    ranked = (sa.select(Proposal.startup_id, Proposal.title, Proposal.abstract,
                        Proposal.description, recent)
              .join(Startup, Startup.id == Proposal.startup_id)
              .where(Proposal.status == SUBMITTED, where).subquery())
    texts: dict[int, list[str]] = defaultdict(list)
    for startup_id, title, abstract, description in db.session.execute(
        sa.select(ranked.c.startup_id, ranked.c.title, ranked.c.abstract, ranked.c.description)
        .where(ranked.c.recent <= PAST_PROPOSALS)
        .order_by(ranked.c.startup_id, ranked.c.recent)
    ):
        texts[startup_id].append(proposal_text(title, abstract, description))
    return texts


def _sectors(where) -> dict[int, set[int]]:
    sectors: dict[int, set[int]] = defaultdict(set)
    for startup_id, theme_id in db.session.execute(
        sa.select(startup_sector.c.startup_id, startup_sector.c.theme_id)
        .join(Startup, Startup.id == startup_sector.c.startup_id).where(where)
    ):
        sectors[startup_id].add(theme_id)
    return sectors


def startup_profile(startup_id: int) -> Profile:
    """A start-up's profile: its pitch, sectors and recent submitted proposals
    (three queries)."""
    where = Startup.id == startup_id
    pitch = db.session.scalar(sa.select(Startup.pitch).where(where)) or ""
    return Profile(pitch, frozenset(_sectors(where).get(startup_id, ())),
                   tuple(_past_proposals(where).get(startup_id, ())), id=startup_id)


def public_profile(startup_id: int) -> Profile:
    """What a partner may read of a start-up: its pitch and sectors (two queries).
    Its proposals to other challenges are sealed: their words must neither rank it
    nor show up as the reason a partner reads."""
    where = Startup.id == startup_id
    pitch = db.session.scalar(sa.select(Startup.pitch).where(where)) or ""
    return Profile(pitch, frozenset(_sectors(where).get(startup_id, ())), id=startup_id)


def scoutable_profiles(*, exclude_submitted_to: int | None = None) -> list[Profile]:
    """The public profiles partners may scout (``policy.scoutable_startups``; pitch
    and sectors, see :func:`public_profile`), less those that submitted a proposal
    to challenge ``exclude_submitted_to``: two queries."""
    where = policy.scoutable_startups()
    if exclude_submitted_to is not None:
        where = sa.and_(where, Startup.id.not_in(
            sa.select(Proposal.startup_id).where(Proposal.challenge_id == exclude_submitted_to,
                                                 Proposal.status == SUBMITTED)))
    sectors = _sectors(where)
    return [Profile(pitch, frozenset(sectors.get(id_, ())), id=id_)
            for id_, pitch in db.session.execute(
                sa.select(Startup.id, Startup.pitch).where(where).order_by(Startup.id))]


def challenge_ids_with_proposal(startup_id: int) -> set[int]:
    """The challenges the start-up already answered (a proposal in any state)."""
    return set(db.session.scalars(
        sa.select(Proposal.challenge_id).where(Proposal.startup_id == startup_id)))


def applied_pairs(pairs: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """Which (challenge id, start-up id) pairs have a submitted proposal: one query."""
    pairs = set(pairs)
    if not pairs:
        return set()
    challenge_ids = {c for c, _s in pairs}
    startup_ids = {s for _c, s in pairs}
    found = db.session.execute(
        sa.select(Proposal.challenge_id, Proposal.startup_id)
        .where(Proposal.status == SUBMITTED, Proposal.challenge_id.in_(challenge_ids),
               Proposal.startup_id.in_(startup_ids)))
    return {(c, s) for c, s in found} & pairs
