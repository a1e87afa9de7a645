"""Draft, submit, resubmit, withdraw: the rules, decided by the services with ``now``."""
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.errors import DeadlinePassed, DomainError, IllegalTransition
from alliance.extensions import db
from alliance.proposals import services
from alliance.proposals.models import DRAFT, SUBMITTED, WITHDRAWN, Submission
from alliance.proposals.services import ProposalContent
from tests import factories
from tests.proposals.conftest import make_pdf

pytestmark = pytest.mark.usefixtures("ctx")

FULL = ProposalContent(
    title="Sensors on every tram", abstract="Air quality, street by street.",
    description="We mount **sensors** on trams.", trl=6, pilot_duration_months=6,
    pilot_cost_eur=Decimal("45000"), team="Three engineers.",
)


def submit(proposal, user, now, content=FULL, terms_accepted=True):
    return services.submit_proposal(proposal=proposal, user=user, content=content,
                                    terms_accepted=terms_accepted, now=now)


def test_save_draft_keeps_partial_content(draft, founder, now):
    services.save_draft(proposal=draft, user=founder,
                        content=ProposalContent(title="Only a title"), now=now)
    assert (draft.title, draft.abstract, draft.trl, draft.status) == ("Only a title", "", None,
                                                                      DRAFT)
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "proposal.saved", AuditEvent.object_id == draft.id)) is not None


def test_save_draft_allowed_before_opening(founder, now):
    upcoming = factories.ChallengeFactory(upcoming=True)
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=upcoming)
    services.save_draft(proposal=proposal, user=founder, content=FULL, now=now)
    assert proposal.title == FULL.title


def test_save_draft_checks_lengths_only(draft, founder, now):
    with pytest.raises(DomainError) as caught:
        services.save_draft(proposal=draft, user=founder,
                            content=ProposalContent(title="x" * 201, trl=12), now=now)
    assert set(caught.value.field_errors) == {"title", "trl"}


def test_submit_refused_before_opening(founder, now):
    upcoming = factories.ChallengeFactory(upcoming=True)
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=upcoming)
    with pytest.raises(DomainError, match="open on") as caught:
        submit(proposal, founder, now)
    assert not isinstance(caught.value, DeadlinePassed)
    assert proposal.status == DRAFT


def test_submit_refused_after_deadline(founder, challenge, now):
    proposal = factories.ProposalFactory(startup=founder.startup, challenge=challenge)
    with pytest.raises(DeadlinePassed, match="deadline"):
        submit(proposal, founder, challenge.deadline)
    with pytest.raises(DeadlinePassed):
        submit(proposal, founder, challenge.deadline + timedelta(seconds=1))
    assert proposal.status == DRAFT


def test_submit_one_second_before_deadline_accepted(draft, founder, challenge):
    submission = submit(draft, founder, challenge.deadline - timedelta(seconds=1))
    assert submission.number == 1


def test_submit_requires_every_field_and_the_terms(draft, founder, now):
    with pytest.raises(DomainError) as caught:
        submit(draft, founder, now, content=ProposalContent(title="Half done"),
               terms_accepted=False)
    assert set(caught.value.field_errors) == {
        "abstract", "description", "trl", "pilot_duration_months", "pilot_cost_eur", "team",
        "accept_terms",
    }


def test_submit_records_submission_and_terms_acceptance(draft, founder, challenge, now):
    submission = submit(draft, founder, now)
    assert draft.status == SUBMITTED and draft.submitted_at == now
    assert submission.number == 1
    assert submission.submitted_by_id == founder.id
    assert draft.terms_id == challenge.current_terms.id
    assert draft.terms.version == 1
    assert draft.terms_accepted_at == now
    assert draft.terms_accepted_by_id == founder.id
    assert submission.terms_id == challenge.current_terms.id
    assert submission.content["title"] == FULL.title
    assert submission.content["terms_version"] == 1


def test_resubmit_creates_second_version_and_last_counts(draft, founder, challenge, now):
    submit(draft, founder, now)
    changed = ProposalContent(**{**FULL.__dict__, "title": "Sensors on every bus", "trl": 7})
    second = submit(draft, founder, now + timedelta(days=1), content=changed)
    assert second.number == 2
    assert [s.number for s in draft.submissions] == [1, 2]
    assert draft.submissions[0].content["title"] == "Sensors on every tram"
    assert draft.submissions[-1].content["title"] == "Sensors on every bus"
    assert (draft.title, draft.trl) == ("Sensors on every bus", 7)
    assert draft.submitted_at == now + timedelta(days=1)
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "proposal.resubmitted", AuditEvent.object_id == draft.id)) == 1


def test_resubmit_accepts_new_terms_version(draft, founder, challenge, now):
    submit(draft, founder, now)
    factories.ChallengeTermsFactory(challenge=challenge, version=2, text="New IP clause.")
    db.session.refresh(challenge)
    colleague = factories.StartupUserFactory(startup=founder.startup, founder=False)
    second = submit(draft, colleague, now + timedelta(hours=1))
    assert draft.terms.version == 2
    assert draft.terms_accepted_by_id == colleague.id
    assert second.content["terms_version"] == 2


def test_save_draft_refused_for_submitted_proposal(draft, founder, now):
    submit(draft, founder, now)
    with pytest.raises(IllegalTransition):
        services.save_draft(proposal=draft, user=founder,
                            content=ProposalContent(title="Sneaky"), now=now)
    assert draft.title == FULL.title


def test_withdraw_and_resubmit(draft, founder, now):
    submit(draft, founder, now)
    services.withdraw_proposal(proposal=draft, user=founder, now=now + timedelta(hours=1))
    assert draft.status == WITHDRAWN and draft.withdrawn_at == now + timedelta(hours=1)
    services.save_draft(proposal=draft, user=founder, content=FULL, now=now + timedelta(hours=2))
    submission = submit(draft, founder, now + timedelta(hours=3))
    assert draft.status == SUBMITTED and draft.withdrawn_at is None
    assert submission.number == 2


def test_withdraw_refused_for_draft(draft, founder, now):
    with pytest.raises(IllegalTransition):
        services.withdraw_proposal(proposal=draft, user=founder, now=now)


def test_every_change_refused_after_deadline(draft, founder, challenge, now, app):
    submit(draft, founder, now)
    after = challenge.deadline + timedelta(minutes=1)
    with pytest.raises(DeadlinePassed, match="deadline"):
        services.save_draft(proposal=draft, user=founder, content=FULL, now=after)
    with pytest.raises(DeadlinePassed, match="deadline"):
        submit(draft, founder, after)
    with pytest.raises(DeadlinePassed, match="deadline"):
        services.withdraw_proposal(proposal=draft, user=founder, now=after)
    with pytest.raises(DeadlinePassed, match="deadline"):
        services.attach_file(proposal=draft, user=founder, data=make_pdf(), filename="a.pdf",
                             folder=app.config["UPLOAD_FOLDER"], max_bytes=10**7, now=after)
    assert draft.status == SUBMITTED
    assert db.session.scalar(sa.select(sa.func.count(Submission.id)).where(
        Submission.proposal_id == draft.id)) == 1


def test_changes_refused_once_challenge_closed_by_admin(draft, founder, challenge, now):
    challenge.status = "closed"
    with pytest.raises(DeadlinePassed):
        services.save_draft(proposal=draft, user=founder, content=FULL, now=now)


def test_start_proposal_returns_existing(founder, challenge, now):
    first, created = services.start_proposal(challenge=challenge, startup=founder.startup,
                                             user=founder, now=now)
    again, created_again = services.start_proposal(challenge=challenge, startup=founder.startup,
                                                   user=founder, now=now)
    assert (created, created_again) == (True, False)
    assert again.id == first.id
