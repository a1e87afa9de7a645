"""``flask seed demo``: the demo data set the README promises, and its consistency."""
import hashlib
import json
import os

import pytest
import sqlalchemy as sa

from alliance.auth.models import User
from alliance.challenges import models as cm
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.proposals import models as pm
from alliance.proposals.uploads import check_pdf
from alliance.startups.models import Startup
from alliance.startups.vat import is_valid
from tests import factories

DEMO_PASSWORD = "demo-password-2026"


def run_seed(runner, *options):
    result = runner.invoke(args=["seed", "demo", *options])
    assert result.exit_code == 0, result.output + repr(result.exception)
    db.session.expire_all()
    return result


def count(model, *where) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def user(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


@pytest.fixture
def demo(runner):
    return run_seed(runner)


def test_seed_demo_creates_challenges_startups_and_proposals(demo):
    public = list(db.session.scalars(
        sa.select(cm.Challenge).where(cm.Challenge.status.in_(cm.PUBLIC_STATUSES))))
    assert len(public) >= 12
    assert len({c.call_id for c in public}) >= 2
    assert count(cm.Call) >= 2
    assert len({c.lead_partner_id for c in public}) >= 8
    assert len({c.theme_id for c in public}) >= 6
    statuses = set(db.session.scalars(sa.select(cm.Challenge.status)))
    assert {cm.DRAFT, cm.SUBMITTED, cm.PUBLISHED, cm.CLOSED} <= statuses
    assert count(Startup) >= 20
    assert count(pm.Proposal) >= 30
    assert count(pm.Proposal, pm.Proposal.status == pm.SUBMITTED) >= 20
    assert count(pm.Proposal, pm.Proposal.status == pm.DRAFT) >= 1
    assert count(pm.Proposal, pm.Proposal.status == pm.WITHDRAWN) == 1
    assert "Demo logins (password: demo-password-2026)" in demo.output


def test_seed_demo_has_one_confirmed_account_per_role(demo):
    expected = {
        "admin@alliance.demo": "admin",
        "partner@alliance.demo": "partner",
        "partner2@alliance.demo": "partner",
        "jury@alliance.demo": "jury",
        "startup@alliance.demo": "startup",
    }
    for email, role in expected.items():
        account = user(email)
        assert account.has_role(role), email
        assert account.is_confirmed and account.active
        assert account.check_password(DEMO_PASSWORD)
        assert email in demo.output
    assert not user("admin@alliance.demo").check_password("wrong password")


def test_seed_demo_accounts_have_something_to_show(demo):
    now = utcnow()
    partner = user("partner@alliance.demo").partner
    led = list(db.session.scalars(
        sa.select(cm.Challenge).where(cm.Challenge.lead_partner_id == partner.id)))
    assert any(c.status == cm.DRAFT for c in led)
    closed = [c for c in led if c.deadline_passed(now) and c.status in cm.PUBLIC_STATUSES]
    assert closed and count(pm.Proposal, pm.Proposal.challenge_id.in_([c.id for c in closed]))
    assert count(cm.Challenge, cm.Challenge.status == cm.SUBMITTED) >= 1  # approval queue

    startup = user("startup@alliance.demo").startup
    mine = list(db.session.scalars(
        sa.select(pm.Proposal).where(pm.Proposal.startup_id == startup.id)))
    assert {p.status for p in mine if p.challenge.is_open(now)} >= {pm.DRAFT, pm.SUBMITTED}
    assert user("startup@alliance.demo").startup_membership.is_founder


def test_seed_demo_data_is_valid(demo):
    now = utcnow()
    for startup in db.session.scalars(sa.select(Startup)):
        if startup.country == "IT":
            assert is_valid(startup.vat_number), startup.slug
        else:
            assert startup.vat_number is None and startup.registration_number
        assert startup.website.startswith("https://") and ".example.com" in startup.website
        assert startup.sectors and any(m.is_founder for m in startup.memberships)
    for challenge in db.session.scalars(sa.select(cm.Challenge)):
        assert 3 <= len(challenge.criteria) <= 5
        assert sum(c.weight for c in challenge.criteria) == 100, challenge.slug
        assert all(c.scale in (5, 10) for c in challenge.criteria)
        assert challenge.deadline.tzinfo is not None and challenge.opens_at < challenge.deadline
        if challenge.is_public:
            assert challenge.current_terms is not None and challenge.published_at is not None
            assert "\n## " in f"\n{challenge.description}" and "- " in challenge.description
        if challenge.status == cm.PUBLISHED:
            assert challenge.is_open(now), challenge.slug
        if challenge.status in (cm.CLOSED, cm.IN_EVALUATION, cm.DECIDED):
            assert challenge.deadline_passed(now), challenge.slug


def test_seed_demo_submissions_match_their_receipts(demo):
    proposals = list(db.session.scalars(
        sa.select(pm.Proposal).where(pm.Proposal.status != pm.DRAFT)))
    assert any(len(p.submissions) == 2 for p in proposals)  # edited after submission
    for proposal in proposals:
        assert proposal.submissions, proposal.id
        last = proposal.submissions[-1]
        assert [s.number for s in proposal.submissions] == list(
            range(1, len(proposal.submissions) + 1))
        assert proposal.submitted_at == last.submitted_at
        assert proposal.challenge.opens_at < last.submitted_at < proposal.challenge.deadline
        assert proposal.terms_id == last.terms_id and proposal.terms.challenge_id == \
            proposal.challenge_id
        assert proposal.terms_accepted_at == last.submitted_at
        assert proposal.terms_accepted_by.startup.id == proposal.startup_id
        assert last.content["title"] == proposal.title
        assert last.content["terms_version"] == proposal.terms.version
        for submission in proposal.submissions:
            canonical = json.dumps(submission.content, sort_keys=True, separators=(",", ":"),
                                   ensure_ascii=False).encode("utf-8")
            assert submission.digest == hashlib.sha256(canonical).hexdigest()
        if proposal.status == pm.WITHDRAWN:
            assert proposal.withdrawn_at > last.submitted_at
    # The terms changed during one challenge: earlier proposals accepted version 1.
    assert {p.terms.version for p in proposals} == {1, 2}


def test_seed_demo_attachments_are_real_pdfs(demo, app):
    attachments = list(db.session.scalars(sa.select(pm.Attachment)))
    assert attachments
    for attachment in attachments:
        path = os.path.join(app.config["UPLOAD_FOLDER"], attachment.storage_name)
        with open(path, "rb") as handle:
            data = handle.read()
        checked = check_pdf(data=data, filename=attachment.original_name, max_bytes=10**6)
        assert checked.sha256 == attachment.sha256 and checked.size == attachment.size


def test_seed_demo_twice_adds_nothing(demo, runner):
    before = (count(User), count(Startup), count(cm.Challenge), count(pm.Proposal),
              count(pm.Submission), count(Partner))
    again = run_seed(runner)
    assert "Demo data added: 0 users, 0 start-ups, 0 calls, 0 challenges" in again.output
    assert (count(User), count(Startup), count(cm.Challenge), count(pm.Proposal),
            count(pm.Submission), count(Partner)) == before


def test_seed_demo_if_empty_does_nothing_when_users_exist(runner):
    factories.UserFactory()
    db.session.commit()
    result = run_seed(runner, "--if-empty")
    assert "already has users" in result.output
    assert count(User) == 1
    assert count(cm.Challenge) == 0 and count(Startup) == 0


def test_seed_demo_if_empty_loads_an_empty_database(runner):
    assert count(User) == 0
    result = run_seed(runner, "--if-empty")
    assert "Demo data added" in result.output
    assert user("admin@alliance.demo") is not None
    assert count(pm.Proposal) >= 30
