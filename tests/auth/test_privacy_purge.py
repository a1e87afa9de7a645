"""Retention: the admin's setting and ``flask privacy purge``, which removes the content
of proposals that were not selected once the period after the decision is over."""
import os
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from alliance.auth import retention
from alliance.challenges.models import DECIDED
from alliance.core.audit import AuditEvent
from alliance.core.site_settings import set_setting
from alliance.evaluation import models as em
from alliance.extensions import db
from alliance.proposals.models import Attachment, Proposal
from alliance.search import documents
from tests import factories as f


def _file(app, proposal) -> str:
    attachment = f.AttachmentFactory(proposal=proposal)
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, attachment.storage_name)
    with open(path, "wb") as handle:
        handle.write(b"%PDF-1.4 business plan")
    return path


@pytest.fixture
def decided(app):
    """A challenge decided 100 days ago, reviewed in one round: a winner, a shortlisted
    proposal, one not selected (with its attachment and a submission), a withdrawn one
    and a draft never submitted."""
    decided_at = datetime.now(UTC) - timedelta(days=100)
    round_ = f.EvaluationRoundFactory(closed=True)
    challenge = round_.challenge
    challenge.status = DECIDED
    juror = f.JuryUserFactory()
    made = {}
    for name, outcome in (("winner", em.WINNER), ("shortlisted", em.SHORTLISTED),
                          ("rejected", em.NOT_SELECTED)):
        proposal = f.ProposalFactory(submitted=True, challenge=challenge,
                                     title=f"The {name} proposal")
        assignment = f.AssignmentFactory(round=round_, proposal=proposal, user=juror)
        f.ReviewFactory(assignment=assignment, submitted=True, scores=4)
        f.DecisionFactory(proposal=proposal, outcome=outcome, decided_at=decided_at)
        made[name] = proposal
    f.SubmissionFactory(proposal=made["rejected"])
    made["withdrawn"] = f.ProposalFactory(withdrawn=True, challenge=challenge)
    made["draft"] = f.ProposalFactory(challenge=challenge)
    paths = {name: _file(app, made[name]) for name in ("winner", "rejected")}
    db.session.flush()
    return round_, made, paths


def _keep(days):
    set_setting(key=retention.RETENTION_KEY, value=days)
    db.session.commit()  # the command commits (or rolls back) its own transaction


def test_purge_without_setting_keeps_everything(runner, decided):
    _round, made, paths = decided
    db.session.commit()

    result = runner.invoke(args=["privacy", "purge"])

    assert result.exit_code == 0, result.output
    assert "No retention period is set" in result.output
    assert made["rejected"].purged_at is None and os.path.exists(paths["rejected"])


def test_purge_dry_run_lists_and_changes_nothing(runner, decided):
    _round, made, paths = decided
    _keep(30)

    result = runner.invoke(args=["privacy", "purge", "--dry-run"])

    assert result.exit_code == 0, result.output
    ids = sorted(made[n].id for n in ("rejected", "withdrawn", "draft"))
    assert f"3 proposal(s) would be purged: {', '.join(f'#{i}' for i in ids)}." in result.output
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Proposal.id))
                             .where(Proposal.purged_at.is_not(None))) == 0
    assert os.path.exists(paths["rejected"])
    assert db.session.scalar(sa.select(AuditEvent)
                             .where(AuditEvent.action == "privacy.proposals_purged")) is None


def test_purge_removes_content_of_proposals_not_selected(runner, decided):
    _round, made, paths = decided
    rejected_id = made["rejected"].id
    _keep(30)

    result = runner.invoke(args=["privacy", "purge"])

    assert result.exit_code == 0, result.output
    assert "purged 3 proposal(s)" in result.output and "removed 1 attachment(s)" in result.output
    db.session.expire_all()
    rejected = db.session.get(Proposal, rejected_id)
    assert rejected.title == f"Removed proposal #{rejected_id}"
    assert (rejected.abstract, rejected.description, rejected.team) == ("", "", "")
    assert rejected.pilot_cost_eur is None and rejected.purged_at is not None
    assert [s.content for s in rejected.submissions] == [{"purged": True}]
    assert db.session.scalar(sa.select(Attachment).where(Attachment.proposal_id == rejected_id)
                             ) is None
    assert not os.path.exists(paths["rejected"])
    assert all(db.session.get(Proposal, made[n].id).purged_at for n in ("withdrawn", "draft"))
    # Scores, reviews and the decision stay.
    assert rejected.decision.outcome == em.NOT_SELECTED
    review = db.session.scalar(sa.select(em.Review).join(em.Assignment)
                               .where(em.Assignment.proposal_id == rejected_id))
    assert review.total is not None and review.scores
    event = db.session.scalar(sa.select(AuditEvent)
                              .where(AuditEvent.action == "privacy.proposals_purged"))
    assert event.data["proposals"] == 3 and event.data["attachments"] == 1


def test_purge_leaves_selected_proposals_untouched(runner, decided):
    _round, made, paths = decided
    titles = {n: made[n].title for n in ("winner", "shortlisted")}
    _keep(30)

    runner.invoke(args=["privacy", "purge"])

    db.session.expire_all()
    for name, title in titles.items():
        proposal = db.session.get(Proposal, made[name].id)
        assert proposal.title == title and proposal.purged_at is None
    assert os.path.exists(paths["winner"])


def test_purge_waits_for_the_period_to_pass(runner, decided):
    _round, made, _paths = decided
    _keep(120)  # decided 100 days ago

    result = runner.invoke(args=["privacy", "purge"])

    assert "purged 0 proposal(s) (none)" in result.output
    db.session.expire_all()
    assert db.session.get(Proposal, made["rejected"].id).purged_at is None


def test_purge_skips_challenges_not_decided(runner):
    f.ProposalFactory(withdrawn=True, challenge=f.ChallengeFactory(closed=True))
    _keep(0)

    result = runner.invoke(args=["privacy", "purge"])

    assert "purged 0 proposal(s)" in result.output


def test_purge_twice_changes_nothing_more(runner, decided):
    _keep(30)
    runner.invoke(args=["privacy", "purge"])

    result = runner.invoke(args=["privacy", "purge"])

    assert "purged 0 proposal(s) (none), removed 0 attachment(s)" in result.output
    events = db.session.scalars(sa.select(AuditEvent)
                                .where(AuditEvent.action == "privacy.proposals_purged")).all()
    assert [e.data["proposals"] for e in events] == [3, 0]


def test_purged_proposal_ranking_still_renders(runner, client, login_as, admin, decided):
    round_, made, _paths = decided
    db.session.commit()
    _keep(30)
    runner.invoke(args=["privacy", "purge"])
    login_as(admin)

    page = client.get(f"/admin/evaluation/rounds/{round_.id}/ranking")

    assert page.status_code == 200
    assert f"Removed proposal #{made['rejected'].id}" in page.text
    assert "The winner proposal" in page.text


def test_purged_proposal_leaves_the_search_index(decided, now):
    _round, made, _paths = decided
    set_setting(key=retention.RETENTION_KEY, value=30)
    retention.purge_proposals(folder="/nonexistent", now=datetime.now(UTC))

    found, gone = documents.load_documents("proposal", [made["rejected"].id, made["winner"].id])

    assert [d.object_id for d in found] == [made["winner"].id]
    assert gone == [f"proposal:{made['rejected'].id}"]


# -- the admin page -----------------------------------------------------------------------

def test_admin_privacy_page_saves_the_period(client, login_as, admin):
    login_as(admin)
    assert client.get("/admin/privacy/").status_code == 200

    response = client.post("/admin/privacy/", data={"days": "365"})

    assert response.status_code == 302
    assert retention.retention_days() == 365
    page = client.get("/admin/privacy/").text
    assert 'value="365"' in page and "365 days after the decision" in page
    event = db.session.scalar(sa.select(AuditEvent)
                              .where(AuditEvent.action == "privacy.retention_changed"))
    assert event.data == {"from": None, "to": 365} and event.actor_id == admin.id


def test_admin_privacy_empty_keeps_for_ever(client, login_as, admin):
    set_setting(key=retention.RETENTION_KEY, value=30)
    login_as(admin)

    client.post("/admin/privacy/", data={"days": ""})

    assert retention.retention_days() is None
    assert "None: proposals are kept for ever." in client.get("/admin/privacy/").text


@pytest.mark.parametrize("value", ["-1", "99999999", "ten"])
def test_admin_privacy_bad_period_refused(client, login_as, admin, value):
    login_as(admin)

    response = client.post("/admin/privacy/", data={"days": value})

    assert response.status_code == 422
    assert retention.retention_days() is None


def test_admin_privacy_page_forbidden_to_others(client, login_as, partner_user):
    login_as(partner_user)

    assert client.get("/admin/privacy/").status_code == 403


def test_purge_forgets_mail_sent_long_ago_only(runner):
    from alliance.core.outbox import FAILED, PENDING, SENT, OutgoingMail

    now = datetime.now(UTC)
    old, recent = now - timedelta(days=31), now - timedelta(days=2)

    def mail(status, **times):
        row = OutgoingMail(template="confirm_email", recipients=["a@example.org"],
                           subject="s", body="b", status=status, **times)
        db.session.add(row)
        return row

    kept = [mail(SENT, created_at=recent, sent_at=recent), mail(PENDING, created_at=old),
            mail(FAILED, created_at=recent)]
    mail(SENT, created_at=old, sent_at=old)
    mail(FAILED, created_at=old)
    db.session.commit()

    result = runner.invoke(args=["privacy", "purge"])

    assert result.exit_code == 0, result.output
    assert "E-mail older than 30 days: 2 message(s) deleted." in result.output
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(OutgoingMail.id))) == sorted(m.id for m in kept)
