"""What is indexed: one :class:`SearchDocument` per challenge, proposal and start-up,
built from the database (the truth) and identical for both backends."""
from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from alliance.challenges.models import PUBLIC_STATUSES, PUBLISHED, Challenge
from alliance.extensions import db
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup


@dataclass
class SearchDocument:
    kind: str  # challenge | proposal | startup
    object_id: int
    title: str
    body: str  # the searchable text besides the title
    public: bool  # findable by anyone
    # Filters and facets
    themes: list[str] = field(default_factory=list)  # theme slugs (start-ups: sectors)
    partners: list[str] = field(default_factory=list)  # partner slugs (lead first)
    partner_ids: list[int] = field(default_factory=list)
    call: str | None = None  # call slug
    challenge: str | None = None  # challenge slug (proposals)
    status: str = ""  # the stored status
    trl: int | None = None
    city: str | None = None
    startup_id: int | None = None  # proposals: the start-up; start-ups: itself
    opens_at: datetime | None = None  # challenges; proposals carry their challenge's
    deadline: datetime | None = None
    created_at: datetime | None = None
    subtitle: str = ""  # shown under the title in results (partner, start-up, call)
    url_key: str = ""  # the object's URL part: slug (challenges, start-ups), id (proposals)

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.object_id}"

    def phase(self, now: datetime) -> str:
        """open / upcoming / closed for a published challenge, else its status."""
        if self.status != PUBLISHED or self.opens_at is None or self.deadline is None:
            return self.status
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.deadline else "closed"

    def fingerprint(self) -> str:
        """Changes whenever anything indexed changes (for ``search check``)."""
        data = {f.name: getattr(self, f.name) for f in fields(self)}  # asdict is slower
        raw = json.dumps(data, sort_keys=True, default=str, ensure_ascii=False)
        return hashlib.sha256(raw.encode("utf-8")).hexdigest()[:32]


def _join(*parts: str | None) -> str:
    return "\n\n".join(p for p in parts if p)


def challenge_document(challenge: Challenge) -> SearchDocument:
    partners = challenge.partners
    return SearchDocument(
        kind="challenge",
        object_id=challenge.id,
        title=challenge.title,
        # Themes are filters and facets, not text: in the text they would win every
        # snippet ("Mobilità Mobility") over the sentences that say something.
        body=_join(challenge.summary, challenge.description, challenge.expected_outcomes,
                   challenge.rewards, challenge.eligibility, " ".join(p.name for p in partners),
                   challenge.call.title,  # then the brief in the other language, if any:
                   *(_join(t.title, t.summary, t.description) for t in challenge.translations)),
        public=challenge.status in PUBLIC_STATUSES,
        themes=[challenge.theme.slug],
        partners=[p.slug for p in partners],
        partner_ids=[p.id for p in partners],
        call=challenge.call.slug,
        status=challenge.status,
        opens_at=challenge.opens_at,
        deadline=challenge.deadline,
        created_at=challenge.created_at,
        subtitle=" · ".join([partners[0].name, challenge.call.title]),
        url_key=challenge.slug,
    )


def proposal_document(proposal: Proposal) -> SearchDocument:
    challenge = proposal.challenge
    partners = challenge.partners
    return SearchDocument(
        kind="proposal",
        object_id=proposal.id,
        title=proposal.title or "",
        body=_join(proposal.abstract, proposal.description, proposal.team,
                   proposal.startup.name, challenge.title),
        public=False,
        themes=[challenge.theme.slug],
        partners=[p.slug for p in partners],
        partner_ids=[p.id for p in partners],
        call=challenge.call.slug,
        challenge=challenge.slug,
        status=proposal.status,
        trl=proposal.trl,
        startup_id=proposal.startup_id,
        opens_at=challenge.opens_at,
        deadline=challenge.deadline,
        created_at=proposal.created_at,
        subtitle=" · ".join([proposal.startup.name, challenge.title]),
        url_key=str(proposal.id),
    )


def startup_document(startup: Startup) -> SearchDocument:
    return SearchDocument(
        kind="startup",
        object_id=startup.id,
        title=startup.name,
        # A start-up's sectors are what it does: searchable as words too.
        body=_join(startup.pitch, startup.city,
                   " ".join(f"{t.name_it} {t.name_en}" for t in startup.sectors)),
        public=startup.is_public,
        themes=[t.slug for t in startup.sectors],
        status="public" if startup.is_public else "private",
        city=(startup.city or "").lower() or None,
        startup_id=startup.id,
        created_at=startup.created_at,
        subtitle=startup.city,
        url_key=startup.slug,
    )


BUILDERS = {"challenge": challenge_document, "proposal": proposal_document,
            "startup": startup_document}
MODELS = {"challenge": Challenge, "proposal": Proposal, "startup": Startup}


def _loader(kind: str):
    model = MODELS[kind]
    select = sa.select(model)
    if kind == "challenge":
        select = select.options(selectinload(Challenge.cosponsors))
    elif kind == "proposal":
        select = select.options(selectinload(Proposal.challenge).selectinload(Challenge.cosponsors))
        # A purged proposal (retention period over) leaves the index: nothing to find.
        select = select.where(Proposal.purged_at.is_(None))
    elif kind == "startup":
        select = select.options(selectinload(Startup.sectors))
    return select


def load_documents(kind: str, ids: list[int], session=None
                   ) -> tuple[list[SearchDocument], list[str]]:
    """The documents for ``ids`` of ``kind``, and the keys of those that no longer exist."""
    model = MODELS[kind]
    session = session or db.session
    rows = session.scalars(_loader(kind).where(model.id.in_(ids))).all()
    found = {row.id for row in rows}
    return ([BUILDERS[kind](row) for row in rows],
            [f"{kind}:{i}" for i in ids if i not in found])


def all_documents(batch: int = 500) -> Iterator[SearchDocument]:
    """Every document, from the database, in batches (for rebuild and check)."""
    for kind, model in MODELS.items():
        last = 0
        while True:
            rows = db.session.scalars(
                _loader(kind).where(model.id > last).order_by(model.id).limit(batch)
            ).all()
            if not rows:
                break
            for row in rows:
                yield BUILDERS[kind](row)
            last = rows[-1].id
            db.session.expunge_all()


def count_documents() -> int:
    return sum(db.session.scalar(sa.select(sa.func.count()).select_from(m)) for m in MODELS.values())
