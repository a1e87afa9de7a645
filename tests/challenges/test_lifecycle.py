"""The challenge lifecycle: every transition, its refusals, its audit events and e-mails."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.challenges import lifecycle
from alliance.challenges.models import (
    ARCHIVED,
    CLOSED,
    DECIDED,
    DRAFT,
    IN_EVALUATION,
    PUBLISHED,
    SUBMITTED,
)
from alliance.core.audit import AuditEvent
from alliance.core.errors import IllegalTransition
from alliance.extensions import db
from tests import factories
from tests.factories import FUTURE, PAST


def _actions(challenge) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action)
        .where(AuditEvent.object_type == "challenge", AuditEvent.object_id == challenge.id)
        .order_by(AuditEvent.id)
    ))


# -- submit for approval ---------------------------------------------------------

def test_submit_for_approval_draft_becomes_submitted(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, status_comment="old note")
    lifecycle.submit_for_approval(challenge=challenge, user=partner_user, now=now)
    assert challenge.status == SUBMITTED
    assert challenge.status_comment == ""
    assert _actions(challenge) == ["challenge.submitted"]


def test_submit_for_approval_without_criteria_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, with_criteria=False)
    factories.ChallengeTermsFactory(challenge=challenge, version=1)
    with pytest.raises(IllegalTransition, match="evaluation criterion"):
        lifecycle.submit_for_approval(challenge=challenge, user=partner_user, now=now)
    assert challenge.status == DRAFT


def test_submit_for_approval_without_terms_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, with_criteria=False)
    factories.CriterionFactory(challenge=challenge)
    db.session.refresh(challenge)
    with pytest.raises(IllegalTransition, match="terms"):
        lifecycle.submit_for_approval(challenge=challenge, user=partner_user, now=now)
    assert challenge.status == DRAFT


def test_submit_for_approval_by_other_partner_refused(partner_user, now):
    challenge = factories.ChallengeFactory()  # another company's
    with pytest.raises(IllegalTransition, match="not allowed"):
        lifecycle.submit_for_approval(challenge=challenge, user=partner_user, now=now)


def test_submit_for_approval_by_cosponsor_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(cosponsors=[partner])
    with pytest.raises(IllegalTransition):
        lifecycle.submit_for_approval(challenge=challenge, user=partner_user, now=now)


def test_submit_for_approval_twice_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, submitted=True)
    with pytest.raises(IllegalTransition, match="Only a draft"):
        lifecycle.submit_for_approval(challenge=challenge, user=partner_user, now=now)


def test_submit_for_approval_deadline_passed_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, deadline=now - timedelta(days=1),
                                           opens_at=PAST)
    with pytest.raises(IllegalTransition, match="deadline"):
        lifecycle.submit_for_approval(challenge=challenge, user=partner_user, now=now)


# -- approve -----------------------------------------------------------------------

def test_approve_publishes_and_sets_published_at(admin, now):
    challenge = factories.ChallengeFactory(submitted=True)
    lifecycle.approve(challenge=challenge, user=admin, now=now)
    assert challenge.status == PUBLISHED
    assert challenge.published_at == now
    assert _actions(challenge) == ["challenge.approved"]


def test_approve_by_partner_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, submitted=True)
    with pytest.raises(IllegalTransition):
        lifecycle.approve(challenge=challenge, user=partner_user, now=now)
    assert challenge.status == SUBMITTED


def test_approve_draft_refused(admin, now):
    challenge = factories.ChallengeFactory()
    with pytest.raises(IllegalTransition, match="waiting for approval"):
        lifecycle.approve(challenge=challenge, user=admin, now=now)


def test_approve_after_deadline_refused(admin, now):
    challenge = factories.ChallengeFactory(submitted=True, deadline=now - timedelta(hours=1))
    with pytest.raises(IllegalTransition, match="deadline"):
        lifecycle.approve(challenge=challenge, user=admin, now=now)


# -- return to draft -------------------------------------------------------------

def test_return_to_draft_from_submitted_keeps_comment(admin, now):
    challenge = factories.ChallengeFactory(submitted=True)
    lifecycle.return_to_draft(challenge=challenge, user=admin, now=now,
                              comment="Add a budget figure.")
    assert challenge.status == DRAFT
    assert challenge.status_comment == "Add a budget figure."
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.object_id == challenge.id, AuditEvent.action == "challenge.returned")).one()
    assert event.data["comment"] == "Add a budget figure."


def test_return_to_draft_published_not_yet_open(admin, now):
    challenge = factories.ChallengeFactory(upcoming=True)
    lifecycle.return_to_draft(challenge=challenge, user=admin, now=now, comment="Wrong dates.")
    assert challenge.status == DRAFT
    assert challenge.published_at is None


def test_return_to_draft_once_open_refused(admin, now):
    challenge = factories.ChallengeFactory(published=True)
    with pytest.raises(IllegalTransition, match="already open"):
        lifecycle.return_to_draft(challenge=challenge, user=admin, now=now, comment="No.")
    assert challenge.status == PUBLISHED


def test_return_to_draft_without_comment_refused(admin, now):
    challenge = factories.ChallengeFactory(submitted=True)
    with pytest.raises(IllegalTransition, match="comment"):
        lifecycle.return_to_draft(challenge=challenge, user=admin, now=now, comment="  ")
    assert challenge.status == SUBMITTED


def test_return_to_draft_by_partner_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, submitted=True)
    with pytest.raises(IllegalTransition):
        lifecycle.return_to_draft(challenge=challenge, user=partner_user, now=now, comment="x")


def test_return_to_draft_from_closed_refused(admin, now):
    challenge = factories.ChallengeFactory(status=CLOSED)
    with pytest.raises(IllegalTransition):
        lifecycle.return_to_draft(challenge=challenge, user=admin, now=now, comment="x")


# -- close -------------------------------------------------------------------------

def test_close_after_deadline(admin, now):
    challenge = factories.ChallengeFactory(closed=True)
    lifecycle.close(challenge=challenge, user=admin, now=now)
    assert challenge.status == CLOSED
    assert _actions(challenge) == ["challenge.closed"]


def test_close_before_deadline_refused(admin, now):
    challenge = factories.ChallengeFactory(published=True, deadline=now + timedelta(minutes=1))
    with pytest.raises(IllegalTransition, match="deadline"):
        lifecycle.close(challenge=challenge, user=admin, now=now)
    assert challenge.status == PUBLISHED


def test_close_exactly_at_deadline(admin, now):
    challenge = factories.ChallengeFactory(published=True, deadline=now)
    lifecycle.close(challenge=challenge, user=admin, now=now)
    assert challenge.status == CLOSED


def test_close_by_partner_refused(partner, partner_user, now):
    challenge = factories.ChallengeFactory(lead_partner=partner, closed=True)
    with pytest.raises(IllegalTransition):
        lifecycle.close(challenge=challenge, user=partner_user, now=now)


def test_close_draft_refused(admin, now):
    challenge = factories.ChallengeFactory(deadline=PAST + timedelta(days=1))
    with pytest.raises(IllegalTransition, match="Only a published"):
        lifecycle.close(challenge=challenge, user=admin, now=now)


def test_close_expired_closes_only_due_published(now):
    due = factories.ChallengeFactory(closed=True)
    running = factories.ChallengeFactory(published=True)
    draft = factories.ChallengeFactory(deadline=PAST + timedelta(days=1))
    closed = lifecycle.close_expired(now=now)
    assert closed == [due]
    assert (due.status, running.status, draft.status) == (CLOSED, PUBLISHED, DRAFT)


# -- evaluation, decision, archive -------------------------------------------------

@pytest.mark.parametrize("function, before, after, action", [
    (lifecycle.start_evaluation, CLOSED, IN_EVALUATION, "challenge.evaluation_started"),
    (lifecycle.decide, IN_EVALUATION, DECIDED, "challenge.decided"),
    (lifecycle.archive, DECIDED, ARCHIVED, "challenge.archived"),
])
def test_late_transitions_move_on(admin, now, function, before, after, action):
    challenge = factories.ChallengeFactory(status=before, deadline=PAST + timedelta(days=30))
    function(challenge=challenge, user=admin, now=now)
    assert challenge.status == after
    assert _actions(challenge) == [action]


@pytest.mark.parametrize("function, wrong", [
    (lifecycle.start_evaluation, PUBLISHED),
    (lifecycle.decide, CLOSED),
    (lifecycle.archive, IN_EVALUATION),
])
def test_late_transitions_from_wrong_state_refused(admin, now, function, wrong):
    challenge = factories.ChallengeFactory(status=wrong, deadline=PAST + timedelta(days=30))
    with pytest.raises(IllegalTransition):
        function(challenge=challenge, user=admin, now=now)
    assert challenge.status == wrong


@pytest.mark.parametrize("function, state", [
    (lifecycle.start_evaluation, CLOSED),
    (lifecycle.decide, IN_EVALUATION),
    (lifecycle.archive, DECIDED),
])
def test_late_transitions_by_partner_refused(partner, partner_user, now, function, state):
    challenge = factories.ChallengeFactory(lead_partner=partner, status=state,
                                           deadline=PAST + timedelta(days=30))
    with pytest.raises(IllegalTransition):
        function(challenge=challenge, user=partner_user, now=now)
    assert challenge.status == state


# -- through the web: buttons, messages, e-mails ---------------------------------

def test_submit_view_tells_admins(client, login_as, partner, partner_user, admin, mail_outbox):
    challenge = factories.ChallengeFactory(lead_partner=partner, title="Fibre in the sewers")
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/submit", follow_redirects=True)
    assert "sent for approval" in response.text
    db.session.refresh(challenge)
    assert challenge.status == SUBMITTED
    assert len(mail_outbox) == 1
    assert mail_outbox[0].to == [admin.email]
    assert "Fibre in the sewers" in mail_outbox[0].subject


def test_submit_view_refusal_shows_message(client, login_as, partner, partner_user, mail_outbox):
    challenge = factories.ChallengeFactory(lead_partner=partner, with_criteria=False)
    db.session.commit()  # the view rolls its failed transaction back: keep the setup
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/submit", follow_redirects=True)
    assert "Add at least one evaluation criterion" in response.text
    db.session.refresh(challenge)
    assert challenge.status == DRAFT
    assert mail_outbox == []


def test_approve_view_tells_lead_partner_each_in_their_language(
        client, login_as, admin, partner, partner_user, mail_outbox):
    colleague = factories.PartnerUserFactory(partner=partner, locale="it")
    factories.PartnerUserFactory()  # someone at another company
    challenge = factories.ChallengeFactory(lead_partner=partner, submitted=True)
    login_as(admin)
    response = client.post(f"/challenges/{challenge.slug}/approve", follow_redirects=True)
    assert "The challenge is published." in response.text
    db.session.refresh(challenge)
    assert challenge.status == PUBLISHED and challenge.published_at is not None
    subjects = {tuple(m.to): m.subject for m in mail_outbox}
    assert subjects.keys() == {(partner_user.email,), (colleague.email,)}
    assert subjects[(partner_user.email,)].startswith("Your challenge is published")
    assert subjects[(colleague.email,)].startswith("La tua sfida è pubblicata")


def test_return_view_mails_comment(client, login_as, admin, partner, partner_user, mail_outbox):
    challenge = factories.ChallengeFactory(lead_partner=partner, submitted=True)
    login_as(admin)
    client.post(f"/challenges/{challenge.slug}/return",
                data={"comment": "Say how many schools.", "next": "/admin/"})
    db.session.refresh(challenge)
    assert challenge.status == DRAFT
    assert mail_outbox[0].to == [partner_user.email]
    assert "Say how many schools." in mail_outbox[0].body


def test_return_view_without_comment_refused(client, login_as, admin):
    challenge = factories.ChallengeFactory(submitted=True)
    db.session.commit()
    login_as(admin)
    response = client.post(f"/challenges/{challenge.slug}/return", data={"comment": ""},
                           follow_redirects=True)
    assert "the comment is required" in response.text
    db.session.refresh(challenge)
    assert challenge.status == SUBMITTED


def test_return_view_redirects_to_safe_next_only(client, login_as, admin):
    challenge = factories.ChallengeFactory(submitted=True)
    login_as(admin)
    response = client.post(f"/challenges/{challenge.slug}/return",
                           data={"comment": "x", "next": "https://evil.example/"})
    assert response.headers["Location"].endswith(f"/challenges/{challenge.slug}")


@pytest.mark.parametrize("action", ["approve", "return", "close", "start-evaluation", "decide",
                                    "archive"])
def test_admin_transitions_forbidden_to_partner(client, login_as, partner, partner_user, action):
    challenge = factories.ChallengeFactory(lead_partner=partner, submitted=True)
    login_as(partner_user)
    assert client.post(f"/challenges/{challenge.slug}/{action}",
                       data={"comment": "x"}).status_code == 403
    db.session.refresh(challenge)
    assert challenge.status == SUBMITTED


def test_transition_of_other_companys_draft_is_hidden(client, login_as, partner_user):
    challenge = factories.ChallengeFactory()
    login_as(partner_user)
    assert client.post(f"/challenges/{challenge.slug}/submit").status_code == 404


def test_transition_anonymous_redirected_to_login(client):
    challenge = factories.ChallengeFactory(submitted=True)
    response = client.post(f"/challenges/{challenge.slug}/approve")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_close_view_before_deadline_shows_message(client, login_as, admin):
    challenge = factories.ChallengeFactory(published=True, deadline=FUTURE)
    db.session.commit()
    login_as(admin)
    response = client.post(f"/challenges/{challenge.slug}/close", follow_redirects=True)
    assert "only once its deadline has passed" in response.text
    db.session.refresh(challenge)
    assert challenge.status == PUBLISHED


def test_whole_admin_walk_from_closed_to_archived(client, login_as, admin):
    challenge = factories.ChallengeFactory(closed=True)
    login_as(admin)
    for action, status in [("close", CLOSED), ("start-evaluation", IN_EVALUATION),
                           ("decide", DECIDED), ("archive", ARCHIVED)]:
        client.post(f"/challenges/{challenge.slug}/{action}")
        db.session.refresh(challenge)
        assert challenge.status == status


def test_cli_close_expired(runner):
    due = factories.ChallengeFactory(closed=True)
    running = factories.ChallengeFactory(published=True)
    result = runner.invoke(args=["challenges", "close-expired"])
    assert result.exit_code == 0, result.output
    assert f"closed {due.slug}" in result.output
    assert "challenges closed: 1" in result.output
    db.session.refresh(due)
    db.session.refresh(running)
    assert (due.status, running.status) == (CLOSED, PUBLISHED)


def test_transition_without_csrf_token_refused(app, client, login_as, admin, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    challenge = factories.ChallengeFactory(submitted=True)
    login_as(admin)
    assert client.post(f"/challenges/{challenge.slug}/approve").status_code == 400
    db.session.refresh(challenge)
    assert challenge.status == SUBMITTED
