"""The deadline rush's data set, and what the database and the index hold afterwards.

One published challenge (with terms to accept) and N start-ups, each with one
confirmed member and a complete draft proposal, written straight through the
models (no HTTP). The challenge's deadline is set later, once every client is
logged in (``set_deadline``), so that the rush lands in its last seconds.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

PASSWORD = "rush hour before the deadline"
CHALLENGE_SLUG = "deadline-rush"


@dataclass
class Applicant:
    email: str
    proposal_id: int


def app_config(*, database_url: str, instance, search_backend: str) -> dict:
    """Settings for a process of the bench's own (building, counting)."""
    options = {"connect_args": {"timeout": 30}} if database_url.startswith("sqlite") else {}
    return {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": options,
        "SEARCH_BACKEND": search_backend,
        "WHOOSH_INDEX_DIR": str(instance / "search"),
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "MAIL_FILE_PATH": str(instance / "mail"),
        "SEARCH_SYNC": True,
        "SEARCH_STARTUP_CHECK": False,
        "RATELIMIT_ENABLED": False,
    }


def draft_fields(n: int) -> dict:
    return {
        "title": f"Sensori per il tram {n}: qualità dell'aria",
        "abstract": f"Start-up {n} misura la qualità dell'aria lungo le linee tranviarie.",
        "description": "## Soluzione\n\nSensori a basso costo **sui tram** di ATM.",
        "trl": 6, "pilot_duration_months": 6, "pilot_cost_eur": Decimal("45000.00"),
        "team": "Tre ingegneri e una data scientist.",
    }


def submitted_form(n: int) -> dict[str, str]:
    """What the client posts: the draft, its title changed, the terms accepted."""
    fields = draft_fields(n)
    return {
        "title": f"{fields['title']} (final)", "abstract": fields["abstract"],
        "description": fields["description"], "trl": "6", "pilot_duration_months": "6",
        "pilot_cost_eur": "45000", "team": fields["team"], "accept_terms": "y",
        "action": "submit",
    }


def build(*, startups: int, now: datetime, password_method: str = "scrypt") -> list[Applicant]:
    """Write the call, the challenge and the start-ups; commit. Runs in an app context.
    (The bench logs in with the real password hash; a test may ask for a cheaper one.)"""
    from alliance.auth.models import User
    from alliance.challenges.models import PUBLISHED, Call, Challenge, ChallengeTerms, Criterion
    from alliance.core.taxonomy import Theme
    from alliance.extensions import db
    from alliance.partners.models import Partner
    from alliance.proposals.models import DRAFT, Proposal
    from alliance.startups.models import Startup, StartupMembership

    partner = db.session.scalars(sa.select(Partner).order_by(Partner.id)).first()
    theme = db.session.scalars(sa.select(Theme).order_by(Theme.id)).first()
    far = now + timedelta(days=1)
    call = Call(slug="rush-2026", title="Deadline rush 2026", opens_at=now - timedelta(days=30),
                closes_at=far)
    challenge = Challenge(
        call=call, lead_partner=partner, theme=theme, slug=CHALLENGE_SLUG,
        title="Aria pulita vicino alle scuole", summary="Misurare e ridurre l'inquinamento.",
        description="Milano vuole **aria pulita** vicino alle scuole.",
        opens_at=now - timedelta(days=30), deadline=far, status=PUBLISHED,
        published_at=now - timedelta(days=30),
        criteria=[Criterion(name="Innovation", weight=Decimal("50"), scale=5, position=0),
                  Criterion(name="Feasibility", weight=Decimal("50"), scale=5, position=1)],
        terms=[ChallengeTerms(version=1, text="The start-up keeps its intellectual property.")],
    )
    db.session.add(challenge)
    # Hashed once: scrypt is slow on purpose.
    password_hash = generate_password_hash(PASSWORD, method=password_method)
    proposals = []
    for n in range(startups):
        user = User(email=f"rush{n}@example.org", name=f"Founder {n}",
                    password_hash=password_hash, confirmed_at=now - timedelta(days=10),
                    locale="en")
        startup = Startup(slug=f"rush-startup-{n}", name=f"Rush {n} S.r.l.",
                          registration_number=f"RUSH-{n:05d}", country="IT", city="Milano",
                          founded_year=2022, team_size=4, stage="mvp",
                          pitch=f"Sensori ambientali, start-up {n}.")
        startup.memberships.append(StartupMembership(user=user, is_founder=True))
        proposal = Proposal(challenge=challenge, startup=startup, created_by=user, status=DRAFT,
                            created_at=now, updated_at=now, **draft_fields(n))
        db.session.add_all([user, startup, proposal])
        proposals.append((user, proposal))
    db.session.commit()
    return [Applicant(email=user.email, proposal_id=proposal.id) for user, proposal in proposals]


def set_deadline(deadline: datetime) -> None:
    """Move the challenge's deadline (as an admin would); commit. In an app context."""
    from alliance.challenges.models import Challenge
    from alliance.extensions import db

    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == CHALLENGE_SLUG))
    challenge.deadline = deadline
    challenge.call.closes_at = deadline
    db.session.commit()


def stored(proposal_ids: list[int]) -> dict[int, dict]:
    """What the database holds for each proposal: status, title, its submissions."""
    from alliance.extensions import db
    from alliance.proposals.models import Proposal, Submission

    result = {pid: {"status": None, "title": None, "submissions": []} for pid in proposal_ids}
    for pid, status, title, submitted_at in db.session.execute(
        sa.select(Proposal.id, Proposal.status, Proposal.title, Proposal.submitted_at)
        .where(Proposal.id.in_(proposal_ids))
    ):
        result[pid].update(status=status, title=title, submitted_at=submitted_at)
    for row in db.session.execute(
        sa.select(Submission.proposal_id, Submission.number, Submission.submitted_at,
                  Submission.content, Submission.digest)
        .where(Submission.proposal_id.in_(proposal_ids)).order_by(Submission.number)
    ):
        result[row.proposal_id]["submissions"].append(row)
    db.session.rollback()
    return result


def indexed_as_stored(proposal_ids: list[int]) -> set[int]:
    """The proposals whose index entry is the document the database gives today."""
    from alliance.extensions import db
    from alliance.search import documents, get_backend

    fingerprints = get_backend().fingerprints()
    docs, _ = documents.load_documents("proposal", sorted(proposal_ids), session=db.session)
    db.session.rollback()
    return {int(doc.key.split(":")[1]) for doc in docs
            if fingerprints.get(doc.key) == doc.fingerprint()}
