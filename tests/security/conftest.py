"""The authorisation matrix's world: the fewest rows that give every URL parameter of
every route a real object, and the eight personas who knock on each door.

Built anew for every test case (each case runs in its own rolled-back transaction, so
a POST that succeeds cannot change what the next case sees)."""
from __future__ import annotations

import io
import uuid
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from pypdf import PdfWriter

from alliance.api import tokens as api_tokens
from alliance.auth import tokens
from alliance.challenges import models as cm
from alliance.evaluation import models as em
from alliance.evaluation.decisions import freeze_record
from alliance.extensions import db
from alliance.matching import models as mm
from alliance.startups.services import invitation_token
from alliance.webhooks import services as webhook_services
from alliance.webhooks.models import FAILED, WebhookDelivery
from tests import factories as f

ATTACHMENT_STORAGE_NAME = "authz-matrix-business-plan"


def _pdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


@pytest.fixture(scope="session")
def _attachment_file(app) -> None:
    """The bytes of A's business plan, on disk once for the whole run."""
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / ATTACHMENT_STORAGE_NAME
    if not path.exists():
        path.write_bytes(_pdf())


def build_world() -> SimpleNamespace:
    """Every object a route of the site can name, in the states the rules care about
    (``world.users.<persona>`` are the personas of ``authz_matrix.PERSONAS``).

    - partner X leads: ``draft`` (draft), ``open`` (published, taking proposals),
      ``evaluated`` (in evaluation, round ``round`` reviewing, blind) and ``decided``;
      partner Y leads ``y_open``.
    - start-up A (public) submitted ``proposal`` to ``evaluated`` (attachment, receipt 1)
      and ``decided_proposal`` to ``decided`` (a decision, and ``pilot`` with X);
      start-up B (private profile) submitted ``b_proposal`` to ``evaluated``.
    - juror_assigned holds ``assignment`` to A's proposal (review submitted);
      juror_conflicted sits on the same committee, assigned to B's proposal, and
      declared a conflict with A.
    - matching: X invited A to ``open`` (``scouting_invitation``); A ranked ``decided``;
      the call's ``matching`` is open (results unpublished) with one ``adjustment``.
    """
    w = SimpleNamespace()
    now = datetime.now(UTC)
    w.theme = f.ThemeFactory()
    w.call = f.CallFactory()
    w.x = f.PartnerFactory(name="Partner X S.p.A.")
    w.y = f.PartnerFactory(name="Partner Y S.p.A.")
    w.a = f.StartupFactory(name="Startup A S.r.l.", is_public=True)
    w.b = f.StartupFactory(name="Startup B S.r.l.", is_public=False)

    users = w.users = SimpleNamespace()
    users.admin = f.UserFactory(admin=True)
    users.partner_x = f.PartnerUserFactory(partner=w.x)
    users.partner_y = f.PartnerUserFactory(partner=w.y)
    users.startup_a = f.StartupUserFactory(startup=w.a)
    users.startup_b = f.StartupUserFactory(startup=w.b)
    users.juror_assigned = f.JuryUserFactory()
    users.juror_conflicted = f.JuryUserFactory()
    w.x_membership = users.partner_x.partner_membership

    common = dict(call=w.call, theme=w.theme)
    w.draft = f.ChallengeFactory(lead_partner=w.x, **common)
    w.open = f.ChallengeFactory(lead_partner=w.x, published=True, **common)
    w.y_open = f.ChallengeFactory(lead_partner=w.y, published=True, **common)
    w.evaluated = f.ChallengeFactory(lead_partner=w.x, closed=True, status=cm.IN_EVALUATION,
                                     **common)
    w.decided = f.ChallengeFactory(lead_partner=w.x, closed=True, status=cm.DECIDED, **common)

    # A's proposal under evaluation, with its file and its first receipt.
    w.proposal = f.ProposalFactory(challenge=w.evaluated, startup=w.a, submitted=True)
    f.AttachmentFactory(proposal=w.proposal, storage_name=ATTACHMENT_STORAGE_NAME)
    w.submission = f.SubmissionFactory(proposal=w.proposal, number=1)
    w.b_proposal = f.ProposalFactory(challenge=w.evaluated, startup=w.b, submitted=True)

    w.round = f.EvaluationRoundFactory(challenge=w.evaluated, reviewing=True)
    w.assignment = f.AssignmentFactory(round=w.round, proposal=w.proposal,
                                       user=users.juror_assigned)
    f.ReviewFactory(assignment=w.assignment, submitted=True)
    f.ConflictDeclarationFactory(user=users.juror_conflicted, startup=w.a)
    w.conflicted_assignment = f.AssignmentFactory(round=w.round, proposal=w.b_proposal,
                                                  user=users.juror_conflicted)
    w.member = db.session.query(em.CommitteeMember).filter_by(
        round_id=w.round.id, user_id=users.juror_assigned.id).one()
    w.record = freeze_record(challenge=w.evaluated, user=users.admin, now=now)

    # A's decided proposal and the pilot it earned with X.
    w.decided_proposal = f.ProposalFactory(challenge=w.decided, startup=w.a, submitted=True)
    f.DecisionFactory(proposal=w.decided_proposal)
    w.pilot = f.PilotFactory(challenge=w.decided, call=w.call, startup=w.a,
                             proposal=w.decided_proposal)

    # A's own business: a pending co-founder invitation, a customer.
    w.cofounder_invitation = f.StartupInvitationFactory(startup=w.a,
                                                        invited_by=users.startup_a)
    w.relation = f.StartupRelationFactory(startup=w.a)

    # Matching: X scouted A for its open challenge; A ranked the challenges it may pilot.
    w.scouting_invitation = f.ScoutingInvitationFactory(challenge=w.open, startup=w.a)
    # (PilotPreference has no relationships: the factory's SubFactories cannot be used.)
    w.preference = mm.PilotPreference(startup_id=w.a.id, challenge_id=w.decided.id, rank=1)
    db.session.add(w.preference)
    w.matching = f.CallMatchingFactory(call=w.call)  # open: results not published
    w.adjustment = mm.MatchingAdjustment(matching=w.matching, startup_id=w.a.id,
                                         challenge_id=w.decided.id, kind=mm.PIN)
    db.session.add(w.adjustment)
    db.session.flush()

    # Issue 6: a city goal X's open challenge serves, an admin's API token, X's webhook
    # endpoint (a closed local port: a retry fails at once, no network) and a delivery
    # that gave up.
    w.goal = cm.CityGoal(slug="reti-energetiche", name_it="Reti energetiche",
                         name_en="Energy networks", position=1)
    w.open.city_goals.append(w.goal)
    w.api_token, _plain = api_tokens.create_token(user=users.admin, name="matrix",
                                                  expires_at=None, now=now)
    w.webhook = webhook_services.create_endpoint(
        partner=w.x, url="http://127.0.0.1:9/hooks", events=["proposal.submitted"],
        user=users.admin, now=now, allow_local_http=True)
    w.webhook_delivery = WebhookDelivery(endpoint=w.webhook, event="proposal.submitted",
                                         event_id=str(uuid.uuid4()), payload="{}",
                                         status=FAILED, attempts=6)
    db.session.add(w.webhook_delivery)
    db.session.flush()

    w.tokens = SimpleNamespace(
        confirm=tokens.make_confirm_token(users.startup_a, now=now),
        reset=tokens.make_reset_token(users.startup_a, now=now),
        invitation=invitation_token(w.cofounder_invitation),
    )
    return w


@pytest.fixture
def world(app, _attachment_file):
    return build_world()
