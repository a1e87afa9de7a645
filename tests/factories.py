"""factory-boy factories for every model; traits for states."""
from __future__ import annotations

import hashlib
import json
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import factory
from factory.alchemy import SQLAlchemyModelFactory
from werkzeug.security import generate_password_hash

from alliance.auth.models import User, UserRole
from alliance.challenges import models as cm
from alliance.core.audit import AuditEvent
from alliance.core.taxonomy import Theme
from alliance.evaluation import models as em
from alliance.extensions import db
from alliance.matching import models as mm
from alliance.partners.models import Partner, PartnerMembership
from alliance.proposals import models as pm
from alliance.search.models import SearchIndexEntry, SearchWord
from alliance.search.sync import SearchOutbox
from alliance.startups.models import (
    Startup,
    StartupInvitation,
    StartupMembership,
    StartupRelation,
)

PASSWORD = "correct horse battery staple"
_PASSWORD_HASH = generate_password_hash(PASSWORD)  # hashed once: scrypt is slow on purpose

# Far enough ahead that "open" challenges stay open whatever the date of the run.
FUTURE = datetime(2099, 6, 30, 10, 0, tzinfo=UTC)
PAST = datetime(2020, 1, 15, 10, 0, tzinfo=UTC)


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "flush"


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@example.org")
    name = factory.Faker("name", locale="it_IT")
    password_hash = _PASSWORD_HASH
    confirmed_at = factory.LazyFunction(lambda: datetime.now(UTC))
    active = True
    # Registered on the site: consented to the privacy notice then.
    privacy_consent_at = factory.LazyFunction(lambda: datetime.now(UTC))
    privacy_notice_version = "2026-11"

    class Params:
        unconfirmed = factory.Trait(confirmed_at=None)
        invited = factory.Trait(privacy_consent_at=None, privacy_notice_version=None)
        admin = factory.Trait(
            granted_roles=factory.LazyFunction(lambda: [UserRole(role="admin")])
        )
        jury = factory.Trait(
            granted_roles=factory.LazyFunction(lambda: [UserRole(role="jury")])
        )


class UserRoleFactory(Base):
    class Meta:
        model = UserRole

    user = factory.SubFactory(UserFactory)
    role = "jury"


class ThemeFactory(Base):
    class Meta:
        model = Theme

    slug = factory.Sequence(lambda n: f"theme-{n}")
    name_it = factory.Sequence(lambda n: f"Tema {n}")
    name_en = factory.Sequence(lambda n: f"Theme {n}")
    position = factory.Sequence(lambda n: 100 + n)


class PartnerFactory(Base):
    class Meta:
        model = Partner

    slug = factory.Sequence(lambda n: f"partner-{n}")
    name = factory.Sequence(lambda n: f"Partner {n} S.p.A.")
    description = "A partner company of the Alliance."
    website = "https://partner.example.com"


class PartnerMembershipFactory(Base):
    class Meta:
        model = PartnerMembership

    user = factory.SubFactory(UserFactory)
    partner = factory.SubFactory(PartnerFactory)


class PartnerUserFactory(UserFactory):
    """A user who works for a partner: ``PartnerUserFactory(partner=p)``."""

    class Params:
        partner = factory.SubFactory(PartnerFactory)

    partner_membership = factory.LazyAttribute(lambda o: PartnerMembership(partner=o.partner))


def vat_with_check_digit(first_ten: str) -> str:
    """Complete ten digits into a valid partita IVA."""
    total = 0
    for i, ch in enumerate(first_ten):
        d = int(ch)
        if i % 2 == 1:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return first_ten + str((10 - total % 10) % 10)


class StartupFactory(Base):
    class Meta:
        model = Startup

    slug = factory.Sequence(lambda n: f"startup-{n}")
    name = factory.Sequence(lambda n: f"Startup {n} S.r.l.")
    vat_number = factory.Sequence(lambda n: vat_with_check_digit(f"{n:010d}"))
    registration_number = None
    country = "IT"
    city = "Milano"
    founded_year = 2021
    team_size = 6
    stage = "mvp"
    website = "https://startup.example.com"
    pitch = "We turn city data into services people use every day."
    is_public = True


class StartupMembershipFactory(Base):
    class Meta:
        model = StartupMembership

    user = factory.SubFactory(UserFactory)
    startup = factory.SubFactory(StartupFactory)
    is_founder = True


class StartupUserFactory(UserFactory):
    """A founder of a start-up: ``StartupUserFactory(startup=s)``."""

    class Params:
        startup = factory.SubFactory(StartupFactory)
        founder = True

    startup_membership = factory.LazyAttribute(
        lambda o: StartupMembership(startup=o.startup, is_founder=o.founder)
    )


class StartupInvitationFactory(Base):
    class Meta:
        model = StartupInvitation

    startup = factory.SubFactory(StartupFactory)
    email = factory.Sequence(lambda n: f"cofounder{n}@example.org")
    invited_by = None


class CallFactory(Base):
    class Meta:
        model = cm.Call

    slug = factory.Sequence(lambda n: f"call-{n}")
    title = factory.Sequence(lambda n: f"Smart City Call {n}")
    description = "A call of the Milano Smart City Alliance."
    opens_at = PAST
    closes_at = FUTURE


class ChallengeFactory(Base):
    """A draft by default; traits ``submitted``, ``published`` (open), ``closed``
    (deadline passed), ``upcoming`` (published, not yet open)."""

    class Meta:
        model = cm.Challenge

    call = factory.SubFactory(CallFactory)
    lead_partner = factory.SubFactory(PartnerFactory)
    theme = factory.SubFactory(ThemeFactory)
    slug = factory.Sequence(lambda n: f"challenge-{n}")
    title = factory.Sequence(lambda n: f"Challenge {n}: cleaner air near schools")
    summary = "Measure and reduce air pollution around Milan's schools."
    description = "## Context\n\nMilan wants **cleaner air** near schools."
    expected_outcomes = "A pilot in three schools."
    rewards = "A six-month pilot and 50,000 euro."
    eligibility = "Start-ups registered in the EU."
    opens_at = PAST
    deadline = FUTURE
    pilot_slots = 1
    status = cm.DRAFT

    class Params:
        submitted = factory.Trait(status=cm.SUBMITTED)
        published = factory.Trait(status=cm.PUBLISHED, published_at=PAST)
        closed = factory.Trait(
            status=cm.PUBLISHED, published_at=PAST, deadline=PAST + timedelta(days=30),
            opens_at=PAST,
        )
        upcoming = factory.Trait(
            status=cm.PUBLISHED, published_at=PAST, opens_at=FUTURE - timedelta(days=30),
        )

    @factory.post_generation
    def with_criteria(obj, create, extracted, **kwargs):
        if extracted is False:
            return
        if not obj.criteria:
            obj.criteria = [
                cm.Criterion(name="Innovation", weight=Decimal("40"), scale=5, position=0),
                cm.Criterion(name="Feasibility", weight=Decimal("35"), scale=5, position=1),
                cm.Criterion(name="Impact on the city", weight=Decimal("25"), scale=5, position=2),
            ]
        if not obj.terms:
            obj.terms = [cm.ChallengeTerms(version=1, text="Confidentiality: **all** data.")]
        if create:
            db.session.flush()


class CriterionFactory(Base):
    class Meta:
        model = cm.Criterion

    challenge = factory.SubFactory(ChallengeFactory, with_criteria=False)
    name = factory.Sequence(lambda n: f"Criterion {n}")
    description = ""
    weight = Decimal("10")
    scale = 5
    position = factory.Sequence(lambda n: n)


class ChallengeTermsFactory(Base):
    class Meta:
        model = cm.ChallengeTerms

    challenge = factory.SubFactory(ChallengeFactory, with_criteria=False)
    version = factory.Sequence(lambda n: n + 1)
    text = "The start-up keeps its intellectual property."


def snapshot(proposal: pm.Proposal) -> dict:
    return {
        "title": proposal.title, "abstract": proposal.abstract,
        "description": proposal.description, "trl": proposal.trl,
    }


class ProposalFactory(Base):
    """A draft by default; trait ``submitted``."""

    class Meta:
        model = pm.Proposal

    challenge = factory.SubFactory(ChallengeFactory, published=True)
    startup = factory.SubFactory(StartupFactory)
    title = factory.Sequence(lambda n: f"Proposal {n}: sensors on every tram")
    abstract = "Low-cost sensors on trams map air quality street by street."
    description = "We mount **sensors** on ATM trams."
    trl = 6
    pilot_duration_months = 6
    pilot_cost_eur = Decimal("45000")
    team = "Three engineers and a data scientist."
    status = pm.DRAFT

    class Params:
        submitted = factory.Trait(
            status=pm.SUBMITTED,
            submitted_at=factory.LazyFunction(lambda: datetime.now(UTC)),
        )
        withdrawn = factory.Trait(
            status=pm.WITHDRAWN,
            withdrawn_at=factory.LazyFunction(lambda: datetime.now(UTC)),
        )


class AttachmentFactory(Base):
    class Meta:
        model = pm.Attachment

    proposal = factory.SubFactory(ProposalFactory)
    storage_name = factory.LazyFunction(lambda: secrets.token_hex(16))
    original_name = "business-plan.pdf"
    size = 1024
    sha256 = factory.LazyFunction(lambda: hashlib.sha256(b"").hexdigest())


class SubmissionFactory(Base):
    class Meta:
        model = pm.Submission

    proposal = factory.SubFactory(ProposalFactory, submitted=True)
    number = factory.Sequence(lambda n: n + 1)
    submitted_at = factory.LazyFunction(lambda: datetime.now(UTC))
    content = factory.LazyAttribute(lambda o: snapshot(o.proposal))
    digest = factory.LazyAttribute(
        lambda o: hashlib.sha256(json.dumps(o.content, sort_keys=True).encode()).hexdigest()
    )


class AuditEventFactory(Base):
    class Meta:
        model = AuditEvent

    actor_id = None
    action = "challenge.published"
    object_type = "challenge"
    object_id = 1
    data = factory.LazyFunction(dict)


# -- search: the index tables (normally written by alliance.search.sync) ---------------

class SearchOutboxFactory(Base):
    class Meta:
        model = SearchOutbox

    kind = "startup"
    object_id = factory.Sequence(lambda n: n + 1)
    queued_at = factory.LazyFunction(lambda: datetime.now(UTC))


class SearchIndexEntryFactory(Base):
    """A row of the PostgreSQL backend's table (its text vectors stay empty)."""

    class Meta:
        model = SearchIndexEntry

    kind = "startup"
    object_id = factory.Sequence(lambda n: n + 1)
    key = factory.LazyAttribute(lambda o: f"{o.kind}:{o.object_id}")
    title = "Indexed start-up"
    body = "A pitch."
    public = True
    themes = factory.LazyFunction(list)
    partners = factory.LazyFunction(list)
    partner_ids = factory.LazyFunction(list)
    status = "public"
    subtitle = "Milano"
    url_key = factory.LazyAttribute(lambda o: f"startup-{o.object_id}")
    fingerprint = "0" * 32


class SearchWordFactory(Base):
    class Meta:
        model = SearchWord

    word = factory.Sequence(lambda n: f"parola{n}")


# -- start-ups' relations and evaluation ---------------------------------------------

class StartupRelationFactory(Base):
    class Meta:
        model = StartupRelation

    startup = factory.SubFactory(StartupFactory)
    kind = "customer"
    company_name = factory.Sequence(lambda n: f"Customer {n} S.p.A.")
    partner = None


class JuryUserFactory(UserFactory):
    """A user with the jury role."""

    jury = True


class JurorProfileFactory(Base):
    class Meta:
        model = em.JurorProfile

    user = factory.SubFactory(JuryUserFactory)
    tags = "mobility, sensors"
    expertise = "Urban mobility and sensor networks."
    organisation = ""


class EvaluationRoundFactory(Base):
    """Round one of a challenge in evaluation (its deadline passed), its criteria copied
    from the challenge's; trait ``reviewing`` (open for reviews)."""

    class Meta:
        model = em.EvaluationRound

    challenge = factory.SubFactory(ChallengeFactory, closed=True, status=cm.IN_EVALUATION)
    number = 1
    status = em.SETUP
    reviewers_per_proposal = 3

    class Params:
        reviewing = factory.Trait(status=em.REVIEWING)
        calibrating = factory.Trait(status=em.CALIBRATION, calibration=True)
        closed = factory.Trait(status=em.CLOSED)

    @factory.post_generation
    def with_criteria(obj, create, extracted, **kwargs):
        if extracted is False or obj.criteria:
            return
        obj.criteria = [
            em.EvaluationCriterion(name=c.name, description=c.description, weight=c.weight,
                                   scale=c.scale, position=c.position,
                                   comment_required=c.comment_required)
            for c in obj.challenge.criteria
        ]
        if create:
            db.session.flush()


class CommitteeMemberFactory(Base):
    """A seat on a committee, conflicts already declared (``undeclared=True`` not)."""

    class Meta:
        model = em.CommitteeMember

    round = factory.SubFactory(EvaluationRoundFactory)
    user = factory.SubFactory(JuryUserFactory)
    conflicts_declared_at = factory.LazyFunction(lambda: datetime.now(UTC))

    class Params:
        undeclared = factory.Trait(conflicts_declared_at=None)


class ConflictDeclarationFactory(Base):
    class Meta:
        model = em.ConflictDeclaration

    user = factory.SubFactory(JuryUserFactory)
    startup = factory.SubFactory(StartupFactory)
    reason = "I advised them last year."


class ReviewInterestFactory(Base):
    class Meta:
        model = em.ReviewInterest

    round_id = factory.LazyAttribute(lambda o: o.round.id)
    user_id = factory.LazyAttribute(lambda o: o.user.id)
    proposal_id = factory.LazyAttribute(lambda o: o.proposal.id)
    level = em.WANT

    class Params:
        round = factory.SubFactory(EvaluationRoundFactory)
        user = factory.SubFactory(JuryUserFactory)
        proposal = factory.SubFactory(ProposalFactory, submitted=True)


class AssignmentFactory(Base):
    """A juror assigned to a submitted proposal of the round's challenge; the juror
    gets a seat on the committee (conflicts declared) unless they have one."""

    class Meta:
        model = em.Assignment

    round = factory.SubFactory(EvaluationRoundFactory, reviewing=True)
    proposal = factory.SubFactory(
        ProposalFactory, submitted=True, challenge=factory.SelfAttribute("..round.challenge")
    )
    user = factory.SubFactory(JuryUserFactory)
    source = em.AUTO

    @factory.post_generation
    def seat(obj, create, extracted, **kwargs):
        if extracted is False or not create:
            return
        seated = db.session.query(em.CommitteeMember).filter_by(
            round_id=obj.round.id, user_id=obj.user.id).one_or_none()
        if seated is None:
            db.session.add(em.CommitteeMember(round=obj.round, user=obj.user,
                                              conflicts_declared_at=datetime.now(UTC)))
            db.session.flush()


class ReviewFactory(Base):
    """A draft review with no scores; trait ``submitted`` scores every criterion
    ``score`` (default 3) and sets the total."""

    class Meta:
        model = em.Review

    assignment = factory.SubFactory(AssignmentFactory)
    status = em.DRAFT
    comment_for_startup = "Clear plan; the budget needs detail."
    comment_for_committee = ""

    class Params:
        score = 3
        submitted = factory.Trait(
            status=em.SUBMITTED,
            submitted_at=factory.LazyFunction(lambda: datetime.now(UTC)),
        )

    @factory.post_generation
    def scores(obj, create, extracted, **kwargs):
        if obj.status != em.SUBMITTED or obj.scores:
            return
        criteria = obj.assignment.round.criteria
        value = extracted if isinstance(extracted, int) else 3
        obj.scores = [em.ReviewScore(criterion=c, score=value, comment="") for c in criteria]
        total_weight = sum(c.weight for c in criteria)
        obj.total = (sum(c.weight * Decimal(value - 1) / Decimal(c.scale - 1) for c in criteria)
                     * 100 / total_weight).quantize(Decimal("0.01"))
        if create:
            db.session.flush()


class DecisionFactory(Base):
    class Meta:
        model = em.Decision

    proposal = factory.SubFactory(ProposalFactory, submitted=True)
    outcome = em.SHORTLISTED
    feedback = "A strong proposal."


# -- matching ------------------------------------------------------------------------

class ScoutingInvitationFactory(Base):
    class Meta:
        model = mm.ScoutingInvitation

    challenge = factory.SubFactory(ChallengeFactory, published=True)
    startup = factory.SubFactory(StartupFactory)
    message = "Your profile fits our challenge: we would be glad to read a proposal."
    shared_terms = factory.LazyFunction(lambda: ["energy", "sensors"])
    shares_theme = True


class CallMatchingFactory(Base):
    class Meta:
        model = mm.CallMatching

    call = factory.SubFactory(CallFactory)
    pilots_per_startup = 1

    class Params:
        locked = factory.Trait(status=mm.LOCKED, locked_at=PAST)
        published = factory.Trait(status=mm.LOCKED, locked_at=PAST, results_published_at=PAST)


class PilotPreferenceFactory(Base):
    class Meta:
        model = mm.PilotPreference

    startup = factory.SubFactory(StartupFactory)
    challenge = factory.SubFactory(ChallengeFactory, published=True)
    rank = factory.Sequence(lambda n: n + 1)


class PilotFactory(Base):
    class Meta:
        model = mm.Pilot

    challenge = factory.SubFactory(ChallengeFactory, published=True)
    call = factory.SelfAttribute("challenge.call")
    startup = factory.SubFactory(StartupFactory)
    proposal = None
    status = mm.PROPOSED
    score = Decimal("75.0000")
    explanation = factory.LazyFunction(lambda: {
        "score": 75.0, "startup_rank": 1, "startup_ranked": True, "startup_choices": 1,
        "committee_rank": 1, "committee_size": 2})

    class Params:
        accepted = factory.Trait(status=mm.ACCEPTED, startup_accepted_at=PAST,
                                 partner_accepted_at=PAST)
        running = factory.Trait(status=mm.RUNNING, startup_accepted_at=PAST,
                                partner_accepted_at=PAST, started_at=PAST)
