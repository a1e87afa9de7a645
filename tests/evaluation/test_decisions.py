"""Overrides, decisions, the decision record, publication, the start-up's result page."""
from __future__ import annotations

import json
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alliance.challenges.models import CLOSED, DECIDED, IN_EVALUATION
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError, IllegalTransition
from alliance.evaluation import models as em
from alliance.evaluation.decisions import (
    canonical_json,
    decide,
    digest_of,
    freeze_record,
    notify_decisions,
    override_score,
    publish_decisions,
    recompute,
    verify_record,
)
from alliance.evaluation.ranking import challenge_ranking
from alliance.evaluation.reviews import reopen_review
from alliance.extensions import db
from tests import factories as f
from tests.evaluation.scoring_data import (
    evaluating_challenge,
    proposal_of,
    review,
    round_of,
    second_round,
)

pytestmark = pytest.mark.usefixtures("ctx")


def _actions(obj) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == obj.__tablename__,
                                           AuditEvent.object_id == obj.id)
        .order_by(AuditEvent.id)))


def _reviewed(n: int = 2):
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    proposals = [proposal_of(challenge) for _ in range(n)]
    for i, proposal in enumerate(proposals):
        review(round_, proposal, scores=(1 + i % 5, 3, 3))
        review(round_, proposal, scores=(5, 1 + i % 5, 2))
    return challenge, round_, proposals


# -- overrides -------------------------------------------------------------------------

@pytest.mark.parametrize("reason", ["", "   ", None])
def test_override_requires_reason(admin, now, reason):
    _, round_, (proposal, _) = _reviewed()
    with pytest.raises(DomainError) as refused:
        override_score(round_=round_, proposal=proposal, score="80", reason=reason,
                       user=admin, now=now)
    assert "reason" in refused.value.field_errors
    assert "Write why the score is overridden" in refused.value.message
    assert db.session.scalar(sa.select(sa.func.count(em.ScoreOverride.id))) == 0


@pytest.mark.parametrize("score", ["101", "-1", "abc", "NaN"])
def test_override_score_must_be_on_0_100(admin, now, score):
    _, round_, (proposal, _) = _reviewed()
    with pytest.raises(DomainError) as refused:
        override_score(round_=round_, proposal=proposal, score=score, reason="Because",
                       user=admin, now=now)
    assert refused.value.field_errors == {"score": "Give a score between 0 and 100."}


def test_override_appended_and_audited(admin, now):
    _, round_, (proposal, _) = _reviewed()
    override_score(round_=round_, proposal=proposal, score="80,5", reason=" Budget misread ",
                   user=admin, now=now)
    override_score(round_=round_, proposal=proposal, score=70, reason="Second look",
                   user=admin, now=now)

    rows = db.session.execute(sa.select(em.ScoreOverride.score, em.ScoreOverride.reason)
                              .order_by(em.ScoreOverride.id)).all()
    assert rows == [(Decimal("80.50"), "Budget misread"), (Decimal("70.00"), "Second look")]
    assert _actions(proposal) == ["evaluation.score_overridden"] * 2


def test_override_refused_outside_round_or_evaluation(admin, now):
    challenge, round_, (proposal, _) = _reviewed()
    stranger = proposal_of(evaluating_challenge())
    with pytest.raises(DomainError, match="not evaluated in this round"):
        override_score(round_=round_, proposal=stranger, score=50, reason="x", user=admin,
                       now=now)
    with pytest.raises(DomainError, match="not overridden"):
        override_score(round_=round_, proposal=proposal, score=None, reason="x", user=admin,
                       now=now)
    challenge.status = DECIDED
    with pytest.raises(IllegalTransition):
        override_score(round_=round_, proposal=proposal, score=50, reason="x", user=admin,
                       now=now)


def test_override_refused_to_non_admin(now):
    _, round_, (proposal, _) = _reviewed()
    with pytest.raises(DomainError, match="not allowed"):
        override_score(round_=round_, proposal=proposal, score=50, reason="x",
                       user=f.JuryUserFactory(), now=now)


# -- decisions -------------------------------------------------------------------------

def test_decide_creates_decisions_linked_to_new_record(admin, now):
    challenge, _, (p1, p2) = _reviewed()

    decisions = decide(challenge=challenge, proposal_ids=[p1.id, str(p2.id)],
                       outcome=em.SHORTLISTED, feedback="Come to the pitch day.", user=admin,
                       now=now)

    assert [(d.proposal_id, d.outcome, d.feedback) for d in decisions] == [
        (p1.id, em.SHORTLISTED, "Come to the pitch day."),
        (p2.id, em.SHORTLISTED, "Come to the pitch day.")]
    frozen = db.session.get(em.DecisionRecord, decisions[0].record_id)
    assert frozen.challenge_id == challenge.id and decisions[1].record_id == frozen.id
    assert [d["outcome"] for d in frozen.content["decisions"]] == [em.SHORTLISTED] * 2
    assert _actions(p1) == ["evaluation.decided"]
    assert "evaluation.record_frozen" in _actions(challenge)


def test_decide_updates_and_keeps_feedback_when_none(admin, now):
    challenge, _, (p1, _) = _reviewed()
    decide(challenge=challenge, proposal_ids=[p1.id], outcome=em.SHORTLISTED,
           feedback="Good.", user=admin, now=now)
    decide(challenge=challenge, proposal_ids=[p1.id], outcome=em.WINNER, feedback=None,
           user=admin, now=now)

    decision = db.session.scalar(sa.select(em.Decision).filter_by(proposal_id=p1.id))
    assert (decision.outcome, decision.feedback) == (em.WINNER, "Good.")
    assert db.session.scalar(sa.select(sa.func.count(em.DecisionRecord.id))
                             .filter_by(challenge_id=challenge.id)) == 2


@pytest.mark.parametrize("status", [CLOSED, DECIDED])
def test_decide_refused_outside_evaluation(admin, now, status):
    challenge, _, (p1, _) = _reviewed()
    challenge.status = status
    with pytest.raises(IllegalTransition, match="only while the challenge is in evaluation"):
        decide(challenge=challenge, proposal_ids=[p1.id], outcome=em.WINNER, feedback="",
               user=admin, now=now)
    assert db.session.scalar(sa.select(sa.func.count(em.Decision.id))) == 0


def test_decide_refuses_proposals_of_other_challenge(admin, now):
    challenge, _, (p1, _) = _reviewed()
    other = proposal_of(evaluating_challenge())
    withdrawn = f.ProposalFactory(withdrawn=True, challenge=challenge)
    for ids in ([p1.id, other.id], [withdrawn.id], []):
        with pytest.raises(DomainError):
            decide(challenge=challenge, proposal_ids=ids, outcome=em.WINNER, feedback="",
                   user=admin, now=now)
    with pytest.raises(DomainError, match="Choose an outcome"):
        decide(challenge=challenge, proposal_ids=[p1.id], outcome="maybe", feedback="",
               user=admin, now=now)
    assert db.session.scalar(sa.select(sa.func.count(em.Decision.id))) == 0


# -- the record ------------------------------------------------------------------------

def _rich_challenge(admin, now):
    """Normalised round one, an override, a lifted override, a second round."""
    challenge = evaluating_challenge()
    first = round_of(challenge, normalise=True, weight=Decimal("2"))
    jurors = [f.JuryUserFactory(name=f"Juror Name{i}") for i in range(4)]
    proposals = [proposal_of(challenge) for _ in range(6)]
    for i, proposal in enumerate(proposals):
        for k in range(3):
            review(first, proposal, jurors[(i + k) % 4], scores=((i + k) % 5 + 1, k + 1, 5 - k),
                   for_committee="Secret committee note")
    review(first, proposals[0], jurors[3], scores=(1, 1, 1), status=em.DRAFT)
    override_score(round_=first, proposal=proposals[1], score="66.66", reason="Checked",
                   user=admin, now=now)
    override_score(round_=first, proposal=proposals[2], score="10", reason="Oops", user=admin,
                   now=now)
    override_score(round_=first, proposal=proposals[2], score=None, reason="Lifted",
                   user=admin, now=now)
    second = second_round(first, proposals[:3], weight=Decimal("1"))
    for proposal in proposals[:3]:
        review(second, proposal, jurors[0], scores=(4, 2, 3))
        review(second, proposal, jurors[1], scores=(5, 3, 1))
    return challenge, jurors, proposals


def test_record_recomputes_exactly_and_digest_matches(admin, now):
    challenge, jurors, proposals = _rich_challenge(admin, now)
    decide(challenge=challenge, proposal_ids=[p.id for p in proposals[:3]],
           outcome=em.SHORTLISTED, feedback="", user=admin, now=now)
    frozen = freeze_record(challenge=challenge, user=admin, now=now)
    record_id = frozen.id
    db.session.commit()
    db.session.expire_all()

    stored = db.session.get(em.DecisionRecord, record_id)
    assert stored.digest == digest_of(stored.content)
    assert recompute(stored.content) == stored.content["result"]
    assert verify_record(stored)
    ranking = challenge_ranking(challenge)
    assert [(r["proposal"], r["rank"], r["final_score"]) for r in stored.content["result"]["rows"]
            ] == [(r.proposal_id, r.rank, r.final_score) for r in ranking.rows]
    assert len(stored.content["overrides"]) == 3
    assert stored.content["result"]["rounds"][0]["alpha"] == ranking.alpha


def test_record_keeps_jurors_pseudonymous_and_committee_notes_out(admin, now):
    challenge, jurors, _ = _rich_challenge(admin, now)
    frozen = freeze_record(challenge=challenge, user=admin, now=now)
    text = canonical_json(frozen.content).decode()
    assert {a["juror"] for a in frozen.content["assignments"]} == {"J1", "J2", "J3", "J4"}
    for juror in jurors:
        assert juror.name not in text and juror.email not in text
    assert "Secret committee note" not in text


def test_record_tampering_is_detected(admin, now):
    challenge, _, _ = _rich_challenge(admin, now)
    frozen = freeze_record(challenge=challenge, user=admin, now=now)
    content = json.loads(canonical_json(frozen.content))
    content["assignments"][0]["scores"][0][1] = 5 if content["assignments"][0]["scores"][0][
        1] != 5 else 1
    assert digest_of(content) != frozen.digest
    assert recompute(content) != content["result"]


# -- publication -------------------------------------------------------------------------

def test_publish_refused_while_proposals_undecided(admin, now):
    challenge, _, (p1, _) = _reviewed()
    decide(challenge=challenge, proposal_ids=[p1.id], outcome=em.WINNER, feedback="",
           user=admin, now=now)
    with pytest.raises(DomainError, match="1 proposal has no decision yet"):
        publish_decisions(challenge=challenge, user=admin, now=now)
    assert challenge.status == IN_EVALUATION


def test_publish_refused_while_a_round_is_open(admin, now):
    challenge, round_, proposals = _reviewed()
    decide(challenge=challenge, proposal_ids=[p.id for p in proposals],
           outcome=em.NOT_SELECTED, feedback="", user=admin, now=now)
    with pytest.raises(DomainError, match="Close the evaluation rounds"):
        publish_decisions(challenge=challenge, user=admin, now=now)
    assert challenge.status == IN_EVALUATION


def test_published_decisions_freeze_a_record_and_the_reviews(admin, now):
    challenge, round_, proposals = _reviewed()
    decide(challenge=challenge, proposal_ids=[p.id for p in proposals],
           outcome=em.NOT_SELECTED, feedback="", user=admin, now=now)
    round_.status = em.CLOSED
    publish_decisions(challenge=challenge, user=admin, now=now)
    records = db.session.scalars(sa.select(em.DecisionRecord).where(
        em.DecisionRecord.challenge_id == challenge.id).order_by(em.DecisionRecord.id)).all()
    decisions_ = db.session.scalars(sa.select(em.Decision)).all()
    assert {d.record_id for d in decisions_} == {records[-1].id}  # the published record
    # Even reopened by mistake, the round takes no more reviews once decided.
    round_.status = em.REVIEWING
    assignment = db.session.scalars(sa.select(em.Assignment).filter_by(round_id=round_.id)).first()
    with pytest.raises(DomainError, match="decisions are taken"):
        reopen_review(assignment=assignment, user=assignment.user, now=now)


def test_publish_decides_challenge_and_mails_outcome(admin, now, mail_outbox):
    challenge, round_, (p1, p2) = _reviewed()
    round_.status = em.CLOSED
    founder = f.StartupUserFactory(startup=p1.startup, email="anna@tramsense.it")
    colleague = f.StartupUserFactory(startup=p1.startup, founder=False, locale="it")
    other = f.StartupUserFactory(startup=p2.startup, email="bob@other.it")
    decide(challenge=challenge, proposal_ids=[p1.id], outcome=em.WINNER,
           feedback="A pilot with ATM next spring.", user=admin, now=now)
    decide(challenge=challenge, proposal_ids=[p2.id], outcome=em.NOT_SELECTED, feedback="",
           user=admin, now=now)

    assert publish_decisions(challenge=challenge, user=admin, now=now) == 2
    db.session.commit()

    assert challenge.status == DECIDED
    assert all(d.notified_at == now for d in db.session.scalars(sa.select(em.Decision)))
    by_recipient = {tuple(m.to): m for m in mail_outbox}
    assert set(by_recipient) == {(founder.email,), (colleague.email,), (other.email,)}
    winner = by_recipient[(founder.email,)]
    assert challenge.title in winner.subject
    assert "Outcome: Winner" in winner.body and "A pilot with ATM next spring." in winner.body
    assert f"/proposals/{p1.id}/result" in winner.body
    # Winners and shortlisted start-ups are asked to rank the pilots they could run.
    assert "/startup/pilot-preferences" in winner.body and "rank them" in winner.body
    assert "Outcome: Not selected" in by_recipient[(other.email,)].body
    assert "/startup/pilot-preferences" not in by_recipient[(other.email,)].body
    assert "evaluation.decisions_notified" in _actions(challenge)


# -- the start-up's result page ------------------------------------------------------------

def _decided_with_comments(admin, now, share=True):
    challenge = evaluating_challenge()
    round_ = round_of(challenge, share_reviews=share)
    proposal = proposal_of(challenge)
    member = f.StartupUserFactory(startup=proposal.startup)
    first = f.JuryUserFactory(name="Marta Giurata")
    second = f.JuryUserFactory(name="Bruno Valutatore")
    review(round_, proposal, first, for_startup="Great field tests.",
           for_committee="Between us: the CEO is my cousin.",
           comments=["Novel sensor fusion.", "", ""])
    review(round_, proposal, second, for_startup="Budget is thin.")
    review(round_, proposal, f.JuryUserFactory(), status=em.DRAFT,
           for_startup="Draft text never shared.")
    decide(challenge=challenge, proposal_ids=[proposal.id], outcome=em.SHORTLISTED,
           feedback="Well argued.", user=admin, now=now)
    round_.status = em.CLOSED
    publish_decisions(challenge=challenge, user=admin, now=now)
    return proposal, member


def test_result_page_shows_comments_without_names(client, login_as, admin, now):
    proposal, member = _decided_with_comments(admin, now)
    login_as(member)
    page = client.get(f"/proposals/{proposal.id}/result")
    assert page.status_code == 200
    text = page.text
    assert "Shortlisted" in text and "Well argued." in text
    assert "Reviewer 1" in text and "Reviewer 2" in text and "Reviewer 3" not in text
    assert "Great field tests." in text and "Budget is thin." in text
    assert "Novel sensor fusion." in text and "Innovation" in text
    assert "Marta Giurata" not in text and "Bruno Valutatore" not in text
    assert "cousin" not in text and "Draft text never shared." not in text


def test_result_page_without_shared_reviews_shows_outcome_only(client, login_as, admin, now):
    proposal, member = _decided_with_comments(admin, now, share=False)
    login_as(member)
    text = client.get(f"/proposals/{proposal.id}/result").text
    assert "Well argued." in text
    assert "Reviewer 1" not in text and "Great field tests." not in text


def test_result_page_hidden_from_other_startup_and_before_publication(
        client, login_as, admin, now):
    proposal, member = _decided_with_comments(admin, now)
    login_as(f.StartupUserFactory())
    assert client.get(f"/proposals/{proposal.id}/result").status_code == 404
    proposal.challenge.status = IN_EVALUATION
    login_as(member)
    assert client.get(f"/proposals/{proposal.id}/result").status_code == 404


def test_notify_sends_once_and_publish_needs_evaluation(admin, now, mail_outbox):
    challenge, round_, proposals = _reviewed()
    round_.status = em.CLOSED
    for proposal in proposals:
        f.StartupUserFactory(startup=proposal.startup)
    decide(challenge=challenge, proposal_ids=[p.id for p in proposals],
           outcome=em.NOT_SELECTED, feedback="", user=admin, now=now)
    assert publish_decisions(challenge=challenge, user=admin, now=now) == 2
    assert notify_decisions(challenge=challenge, user=admin, now=now) == 0
    db.session.commit()
    assert len(mail_outbox) == 2
    with pytest.raises(IllegalTransition):
        publish_decisions(challenge=challenge, user=admin, now=now)
