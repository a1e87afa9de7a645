"""Imports every model module, so that SQLAlchemy and Alembic see the whole schema."""
from alliance.api.models import ApiToken  # noqa: F401
from alliance.auth.models import User, UserRole  # noqa: F401
from alliance.challenges.models import (  # noqa: F401
    Call,
    Challenge,
    ChallengeTerms,
    ChallengeTranslation,
    CityGoal,
    Criterion,
)
from alliance.core.audit import AuditEvent  # noqa: F401
from alliance.core.outbox import OutgoingMail  # noqa: F401
from alliance.core.site_settings import SiteSetting  # noqa: F401
from alliance.core.taxonomy import Theme  # noqa: F401
from alliance.evaluation.models import (  # noqa: F401
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    Decision,
    DecisionRecord,
    DiscussionComment,
    EvaluationCriterion,
    EvaluationRound,
    JurorProfile,
    Review,
    ReviewInterest,
    ReviewScore,
    RoundEntry,
    ScoreOverride,
)
from alliance.matching.models import (  # noqa: F401
    CallMatching,
    MatchingAdjustment,
    Pilot,
    PilotPreference,
    ScoutingInvitation,
)
from alliance.notifications.models import ReminderSent  # noqa: F401
from alliance.partners.models import Partner, PartnerMembership  # noqa: F401
from alliance.proposals.models import Attachment, Proposal, Submission  # noqa: F401
from alliance.search.models import SearchIndexEntry, SearchWord  # noqa: F401
from alliance.search.sync import SearchOutbox  # noqa: F401
from alliance.startups.models import (  # noqa: F401
    Startup,
    StartupInvitation,
    StartupMembership,
    StartupRelation,
)
from alliance.webhooks.models import WebhookDelivery, WebhookEndpoint  # noqa: F401
