"""Rounds and committees: opening, settings, invitations, calibration, transitions,
second rounds, reminders."""
from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alliance.auth.models import JURY, User
from alliance.challenges.models import IN_EVALUATION
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError, IllegalTransition
from alliance.evaluation import calibration, committees, progress
from alliance.evaluation import models as em
from alliance.extensions import db
from tests import factories as f
from tests.auth.helpers import link_in

pytestmark = pytest.mark.usefixtures("ctx")


def _actions(obj) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == obj.__tablename__,
                                           AuditEvent.object_id == obj.id)
        .order_by(AuditEvent.id)))


def _round_with_members(n: int = 2, **kwargs) -> tuple[em.EvaluationRound, list]:
    round_ = f.EvaluationRoundFactory(**kwargs)
    members = [f.CommitteeMemberFactory(round=round_) for _ in range(n)]
    return round_, members


# -- open round one -------------------------------------------------------------------

def test_open_round_copies_criteria_and_starts_evaluation(admin, now):
    challenge = f.ChallengeFactory(closed=True, with_criteria=False)
    challenge.criteria = [
        f.cm.Criterion(name="Innovation", weight=Decimal("60"), scale=5, position=0),
        f.cm.Criterion(name="Team", weight=Decimal("40"), scale=10, position=1,
                       comment_required=True, description="Who does the work"),
    ]
    f.ChallengeTermsFactory(challenge=challenge)
    db.session.flush()

    round_ = committees.open_round(challenge=challenge, user=admin, now=now,
                                   reviewers_per_proposal=2, blind=False, normalise=True,
                                   disagreement_threshold="12.5")

    assert challenge.status == IN_EVALUATION
    assert (round_.number, round_.status, round_.opened_at) == (1, em.SETUP, now)
    assert (round_.reviewers_per_proposal, round_.blind, round_.normalise) == (2, False, True)
    assert round_.disagreement_threshold == Decimal("12.50")
    assert [(c.name, c.weight, c.scale, c.comment_required, c.description)
            for c in round_.criteria] == [
        ("Innovation", Decimal("60"), 5, False, ""),
        ("Team", Decimal("40"), 10, True, "Who does the work"),
    ]
    # The round's criteria are copies: editing the challenge's leaves them alone.
    challenge.criteria[0].weight = Decimal("1")
    db.session.flush()
    db.session.refresh(round_.criteria[0])
    assert round_.criteria[0].weight == Decimal("60")
    assert "evaluation.round_opened" in _actions(round_)
    assert "challenge.evaluation_started" in _actions(challenge)


def test_open_round_refused_before_deadline(admin, now):
    challenge = f.ChallengeFactory(published=True)
    with pytest.raises(IllegalTransition, match="deadline"):
        committees.open_round(challenge=challenge, user=admin, now=now)
    assert challenge.evaluation_rounds == []


def test_open_round_refused_twice_and_to_non_admins(admin, now):
    challenge = f.ChallengeFactory(closed=True)
    with pytest.raises(IllegalTransition, match="not allowed"):
        committees.open_round(challenge=challenge, user=f.JuryUserFactory(), now=now)
    committees.open_round(challenge=challenge, user=admin, now=now)
    with pytest.raises(IllegalTransition, match="already open"):
        committees.open_round(challenge=challenge, user=admin, now=now)


def test_open_round_bad_setting_lands_on_its_field(admin, now):
    challenge = f.ChallengeFactory(closed=True)
    with pytest.raises(DomainError) as error:
        committees.open_round(challenge=challenge, user=admin, now=now,
                              reviewers_per_proposal=0)
    assert "reviewers_per_proposal" in error.value.field_errors


# -- settings ------------------------------------------------------------------------------

def test_update_settings_records_changes(admin, now):
    round_ = f.EvaluationRoundFactory()
    committees.update_round_settings(round_=round_, user=admin, now=now,
                                     reviewers_per_proposal=4, weight="2", max_load=None)
    assert (round_.reviewers_per_proposal, round_.weight) == (4, Decimal("2.00"))
    event = db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "evaluation.round_settings_changed"))
    assert event.data["changes"]["reviewers_per_proposal"] == {"from": 3, "to": 4}
    assert event.data["changes"]["weight"] == {"from": "1.00", "to": "2.00"}


def test_update_settings_k_and_blind_frozen_once_reviews_exist(admin, now):
    review = f.ReviewFactory()
    round_ = review.assignment.round
    with pytest.raises(DomainError) as error:
        committees.update_round_settings(round_=round_, user=admin, now=now, blind=False)
    assert "blind" in error.value.field_errors
    with pytest.raises(DomainError):
        committees.update_round_settings(round_=round_, user=admin, now=now,
                                         reviewers_per_proposal=5)
    # Aggregation settings may still change.
    committees.update_round_settings(round_=round_, user=admin, now=now, normalise=True,
                                     disagreement_threshold=20)
    assert round_.normalise and round_.blind and round_.reviewers_per_proposal == 3


# -- invitations ------------------------------------------------------------------------

def test_invite_new_person_creates_jury_account_with_set_password_link(
        admin, client, mail_outbox):
    round_ = f.EvaluationRoundFactory()
    moment = datetime.now(UTC)  # the link is checked against the real clock

    member = committees.invite_juror(round_=round_, email=" Giulia.Neri@Polimi.it ",
                                     name="Giulia Neri", user=admin, now=moment)
    db.session.commit()

    juror = member.user
    assert (juror.email, juror.name, juror.has_role(JURY)) == (
        "giulia.neri@polimi.it", "Giulia Neri", True)
    assert member.invited_by_id == admin.id and member.conflicts_declared_at is None
    assert not juror.check_password("")
    assert [m.to for m in mail_outbox] == [["giulia.neri@polimi.it"]]
    assert round_.challenge.title in mail_outbox[0].subject
    link = link_in(mail_outbox[0], "/auth/reset/")

    new_password = "a juror's own passphrase"
    response = client.post(link, data={"password": new_password,
                                       "password_confirm": new_password,
                                       "accept_privacy": "y"})  # never consented before
    assert response.status_code == 302
    db.session.refresh(juror)
    assert juror.check_password(new_password) and juror.is_confirmed
    assert juror.privacy_consent_at is not None
    assert "evaluation.juror_invited" in _actions(round_)


def test_invite_existing_user_grants_jury_role_without_new_account(admin, now, mail_outbox):
    round_ = f.EvaluationRoundFactory()
    person = f.PartnerUserFactory(email="luca@a2a.eu")
    users_before = db.session.scalar(sa.select(sa.func.count()).select_from(User))

    committees.invite_juror(round_=round_, email="LUCA@a2a.eu", user=admin, now=now)
    db.session.commit()

    assert person.has_role(JURY) and person.check_password(f.PASSWORD)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == users_before
    assert [m.user_id for m in round_.members] == [person.id]
    body = mail_outbox[0].body
    assert "/auth/reset/" not in body and "/jury/" in body


def test_invitation_mail_in_the_jurors_language(admin, now, mail_outbox):
    round_ = f.EvaluationRoundFactory()
    f.UserFactory(email="giulia@unimi.it", locale="it")
    committees.invite_juror(round_=round_, email="giulia@unimi.it", user=admin, now=now)
    db.session.commit()
    assert mail_outbox[0].subject == f"Invito a valutare “{round_.challenge.title}”"


def test_invite_same_person_twice_refused(admin, now):
    round_, (member,) = _round_with_members(1)
    with pytest.raises(DomainError) as error:
        committees.invite_juror(round_=round_, email=member.user.email, user=admin, now=now)
    assert "already on this committee" in error.value.field_errors["email"]


def test_invite_refused_for_bad_address_and_closed_round(admin, now):
    with pytest.raises(DomainError) as error:
        committees.invite_juror(round_=f.EvaluationRoundFactory(), email="nobody", user=admin,
                                now=now)
    assert "email" in error.value.field_errors
    with pytest.raises(IllegalTransition):
        committees.invite_juror(round_=f.EvaluationRoundFactory(closed=True),
                                email="x@polimi.it", user=admin, now=now)


def test_remove_member_drops_unreviewed_assignments(admin, now):
    assignment = f.AssignmentFactory()
    round_ = assignment.round
    member = round_.members[0]
    committees.remove_member(member=member, user=admin, now=now)
    assert db.session.scalars(sa.select(em.Assignment).filter_by(round_id=round_.id)).all() == []
    assert db.session.scalars(
        sa.select(em.CommitteeMember).filter_by(round_id=round_.id)).all() == []
    assert "evaluation.juror_removed" in _actions(round_)


def test_remove_member_with_submitted_review_refused(admin, now):
    review = f.ReviewFactory(submitted=True)
    member = review.assignment.round.members[0]
    with pytest.raises(DomainError, match="submitted reviews"):
        committees.remove_member(member=member, user=admin, now=now)


# -- calibration ------------------------------------------------------------------------

def test_choose_references_assigns_every_member_not_conflicted(admin, now):
    round_, members = _round_with_members(3, calibration=True)
    first, second, _other = (f.ProposalFactory(submitted=True, challenge=round_.challenge)
                             for _ in range(3))
    f.ConflictDeclarationFactory(user=members[2].user, startup=first.startup)

    calibration.choose_reference_proposals(round_=round_, proposal_ids=[first.id, second.id],
                                           user=admin, now=now)

    pairs = set(tuple(row) for row in db.session.execute(
        sa.select(em.Assignment.user_id, em.Assignment.proposal_id)
        .where(em.Assignment.round_id == round_.id, em.Assignment.source == em.REFERENCE)
    ).all())
    assert pairs == {(m.user_id, second.id) for m in members} | {
        (members[0].user_id, first.id), (members[1].user_id, first.id)}
    assert calibration.reference_proposal_ids(round_) == [first.id, second.id]

    # A new choice replaces the old one.
    calibration.choose_reference_proposals(round_=round_, proposal_ids=[second.id], user=admin,
                                           now=now)
    assert calibration.reference_proposal_ids(round_) == [second.id]


def test_choose_references_refused_outside_round_or_too_many(admin, now):
    round_, _members = _round_with_members(1, calibration=True)
    stranger = f.ProposalFactory(submitted=True)
    with pytest.raises(DomainError, match="one of the round's proposals"):
        calibration.choose_reference_proposals(round_=round_, proposal_ids=[stranger.id],
                                               user=admin, now=now)
    own = [f.ProposalFactory(submitted=True, challenge=round_.challenge).id for _ in range(3)]
    with pytest.raises(DomainError, match="one or two"):
        calibration.choose_reference_proposals(round_=round_, proposal_ids=own, user=admin,
                                               now=now)
    round_.calibration = False
    with pytest.raises(DomainError, match="Turn calibration on"):
        calibration.choose_reference_proposals(round_=round_, proposal_ids=own[:1], user=admin,
                                               now=now)


def test_calibration_spread_numbers(admin, now):
    round_ = f.EvaluationRoundFactory(calibrating=True)
    proposal = f.ProposalFactory(submitted=True, challenge=round_.challenge, title="Reference")
    scores = {"Anna": 2, "Bruno": 4, "Carla": 5}  # totals 25, 75, 100
    for name, score in scores.items():
        assignment = f.AssignmentFactory(round=round_, proposal=proposal, source=em.REFERENCE,
                                         user=f.JuryUserFactory(name=name))
        f.ReviewFactory(assignment=assignment, submitted=True, scores=score)
    late = f.AssignmentFactory(round=round_, proposal=proposal, source=em.REFERENCE,
                               user=f.JuryUserFactory(name="Dario"))
    f.ReviewFactory(assignment=late)  # a draft does not count yet

    (spread,) = calibration.calibration_spread(round_)

    assert spread.title == "Reference"
    assert spread.totals == [("Anna", Decimal("25")), ("Bruno", Decimal("75")),
                             ("Carla", Decimal("100"))]
    assert spread.pending == ["Dario"]
    assert spread.mean == pytest.approx(66.6667, abs=1e-3)
    # sample sd of 25, 75, 100: sqrt((41.667^2 + 8.333^2 + 33.333^2) / 2) = sqrt(1458.33)
    assert spread.sd == pytest.approx(38.1881, abs=1e-3)
    assert (spread.min, spread.max) == (25, 100)


# -- transitions ---------------------------------------------------------------------------

def test_start_reviews_refused_without_assignments(admin, now):
    round_, _members = _round_with_members(2)
    with pytest.raises(IllegalTransition, match="No proposal is assigned"):
        committees.start_reviews(round_=round_, user=admin, now=now)
    assert round_.status == em.SETUP


def test_start_reviews_notifies_each_juror_of_their_count(admin, now, mail_outbox):
    round_ = f.EvaluationRoundFactory()
    anna, bruno = f.JuryUserFactory(name="Anna"), f.JuryUserFactory(name="Bruno")
    for _ in range(2):
        f.AssignmentFactory(round=round_, user=anna)
    f.AssignmentFactory(round=round_, user=bruno)

    committees.start_reviews(round_=round_, user=admin, now=now)
    db.session.commit()

    assert round_.status == em.REVIEWING
    bodies = {m.to[0]: m.body for m in mail_outbox}
    assert "2 proposals wait for your review" in bodies[anna.email]
    assert "1 proposal waits for your review" in bodies[bruno.email]
    assert "/jury/" in bodies[anna.email]
    assert _actions(round_)[:1] == ["evaluation.reviews_started"]


def test_calibration_flow_setup_calibration_reviewing(admin, now, mail_outbox):
    round_, members = _round_with_members(2, calibration=True)
    reference = f.ProposalFactory(submitted=True, challenge=round_.challenge)
    f.AssignmentFactory(round=round_, user=members[0].user)

    with pytest.raises(IllegalTransition, match="Choose the reference"):
        calibration.start_calibration(round_=round_, user=admin, now=now)
    with pytest.raises(IllegalTransition, match="Calibration is on"):
        committees.start_reviews(round_=round_, user=admin, now=now)
    calibration.choose_reference_proposals(round_=round_, proposal_ids=[reference.id],
                                           user=admin, now=now)
    newcomer = f.CommitteeMemberFactory(round=round_)  # joins after the choice
    calibration.start_calibration(round_=round_, user=admin, now=now)
    db.session.commit()

    assert round_.status == em.CALIBRATION
    referenced = set(db.session.scalars(sa.select(em.Assignment.user_id).where(
        em.Assignment.round_id == round_.id, em.Assignment.source == em.REFERENCE)))
    assert newcomer.user_id in referenced and len(referenced) == 3
    assert len(mail_outbox) == 3 and "1 reference proposal," in mail_outbox[0].body

    committees.start_reviews(round_=round_, user=admin, now=now)
    assert round_.status == em.REVIEWING


def test_close_keeps_drafts_and_reopen(admin, now):
    round_ = f.EvaluationRoundFactory(reviewing=True)
    round_.challenge.status = IN_EVALUATION
    draft = f.ReviewFactory(assignment=f.AssignmentFactory(round=round_))

    committees.close_round(round_=round_, user=admin, now=now)
    assert (round_.status, round_.closed_at, draft.status) == (em.CLOSED, now, em.DRAFT)
    with pytest.raises(IllegalTransition):
        committees.close_round(round_=round_, user=admin, now=now)

    committees.reopen_round(round_=round_, user=admin, now=now)
    assert (round_.status, round_.closed_at) == (em.REVIEWING, None)
    assert _actions(round_) == ["evaluation.round_closed", "evaluation.round_reopened"]


def test_reopen_refused_once_challenge_decided(admin, now):
    round_ = f.EvaluationRoundFactory(closed=True)
    round_.challenge.status = "decided"
    with pytest.raises(IllegalTransition, match="decided"):
        committees.reopen_round(round_=round_, user=admin, now=now)


# -- second round --------------------------------------------------------------------------

def _closed_round_one():
    round_ = f.EvaluationRoundFactory(closed=True)
    round_.challenge.status = IN_EVALUATION
    challenge = round_.challenge
    short = [f.ProposalFactory(submitted=True, challenge=challenge) for _ in range(2)]
    for proposal in short:
        f.DecisionFactory(proposal=proposal, outcome=em.SHORTLISTED)
    out = f.ProposalFactory(submitted=True, challenge=challenge)
    f.DecisionFactory(proposal=out, outcome=em.NOT_SELECTED)
    db.session.flush()
    return challenge, short, out


PITCH = [{"name": "Pitch", "weight": "70", "scale": 10, "comment_required": True},
         {"name": "Q&A", "weight": "30", "scale": 5},
         {"name": "", "weight": "", "scale": 5}]  # blank rows of the form are skipped


def test_second_round_on_shortlisted_proposals_with_own_criteria(admin, now):
    challenge, short, _out = _closed_round_one()

    round_ = committees.create_second_round(
        challenge=challenge, proposal_ids=[p.id for p in short], criteria=PITCH, weight="2",
        user=admin, now=now)

    assert (round_.number, round_.status, round_.weight) == (2, em.SETUP, Decimal("2.00"))
    assert sorted(e.proposal_id for e in round_.entries) == sorted(p.id for p in short)
    assert [(c.name, c.weight, c.scale, c.comment_required) for c in round_.criteria] == [
        ("Pitch", Decimal("70"), 10, True), ("Q&A", Decimal("30"), 5, False)]
    assert round_.members == []
    from alliance.evaluation.queries import round_proposal_ids
    assert sorted(db.session.scalars(round_proposal_ids(round_))) == sorted(p.id for p in short)


def test_second_round_refuses_proposals_not_shortlisted(admin, now):
    challenge, short, out = _closed_round_one()
    with pytest.raises(DomainError, match="Only shortlisted") as error:
        committees.create_second_round(challenge=challenge,
                                       proposal_ids=[short[0].id, out.id], criteria=PITCH,
                                       weight=1, user=admin, now=now)
    assert "proposals" in error.value.field_errors
    assert [r.number for r in challenge.evaluation_rounds] == [1]


def test_second_round_needs_round_one_closed_and_a_criterion(admin, now):
    challenge, short, _out = _closed_round_one()
    with pytest.raises(DomainError, match="at least one criterion"):
        committees.create_second_round(challenge=challenge, proposal_ids=[short[0].id],
                                       criteria=PITCH[2:], weight=1, user=admin, now=now)
    challenge.evaluation_rounds[0].status = em.REVIEWING
    with pytest.raises(IllegalTransition, match="Close the first round"):
        committees.create_second_round(challenge=challenge, proposal_ids=[short[0].id],
                                       criteria=PITCH, weight=1, user=admin, now=now)


# -- reminders ------------------------------------------------------------------------------

def _pending_setup():
    """Anna: 2 pending (one draft) in a reviewing round, 1 submitted; Bruno: all done;
    Carla: pending only in a round still in setup."""
    round_ = f.EvaluationRoundFactory(reviewing=True)
    anna, bruno, carla = (f.JuryUserFactory(name=n) for n in ("Anna", "Bruno", "Carla"))
    f.AssignmentFactory(round=round_, user=anna)
    f.ReviewFactory(assignment=f.AssignmentFactory(round=round_, user=anna))
    f.ReviewFactory(assignment=f.AssignmentFactory(round=round_, user=anna), submitted=True)
    f.ReviewFactory(assignment=f.AssignmentFactory(round=round_, user=bruno), submitted=True)
    f.AssignmentFactory(round=f.EvaluationRoundFactory(), user=carla)
    return round_, anna


def test_send_reminders_mails_jurors_with_pending_reviews(now, mail_outbox):
    _round, anna = _pending_setup()
    assert progress.send_reminders(now=now) == 1
    db.session.commit()
    assert [m.to for m in mail_outbox] == [[anna.email]]
    assert mail_outbox[0].subject == "2 reviews wait for you"
    assert "2 of your reviews are still to be submitted" in mail_outbox[0].body
    assert "http://alliance.test/jury/" in mail_outbox[0].body


def test_reviews_remind_command(app, runner, mail_outbox, monkeypatch):
    _round, anna = _pending_setup()
    db.session.commit()
    monkeypatch.setitem(app.config, "SITE_URL", "https://alliance.example.org")
    monkeypatch.setitem(app.config, "SERVER_NAME", None)  # as in production
    result = runner.invoke(args=["reviews", "remind"])
    assert result.exit_code == 0, result.output
    assert "reminders sent: 1" in result.output
    assert [m.to for m in mail_outbox] == [[anna.email]]
    # cron runs outside any request: the link is built on SITE_URL
    assert "https://alliance.example.org/jury/" in mail_outbox[0].body


# -- progress --------------------------------------------------------------------------------

def test_progress_per_juror_and_per_proposal():
    round_, anna = _pending_setup()
    by_juror = {p.name: (p.assigned, p.submitted, p.drafts, p.not_started)
                for p in progress.juror_progress(round_)}
    assert by_juror == {"Anna": (3, 1, 1, 1), "Bruno": (1, 1, 0, 0)}
    by_proposal = [(p.assigned, p.submitted, p.pending)
                   for p in progress.proposal_progress(round_)]
    assert sorted(by_proposal) == [(1, 0, 1), (1, 0, 1), (1, 1, 0), (1, 1, 0)]
