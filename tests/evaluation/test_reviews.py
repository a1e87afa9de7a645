"""The juror's services: profile, conflicts, interest, reviews, discussion."""
from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.evaluation import models as em
from alliance.evaluation import reviews
from alliance.extensions import db
from alliance.startups.models import StartupRelation
from tests import factories as f


def _content(assignment, scores=None, comments=None, **extra):
    """Keyword arguments for save/submit: ``scores`` by criterion position."""
    criteria = assignment.round.criteria
    scores = scores or [None] * len(criteria)
    comments = comments or [""] * len(criteria)
    return {
        "scores": {c.id: s for c, s in zip(criteria, scores, strict=True)},
        "comments": {c.id: t for c, t in zip(criteria, comments, strict=True)},
        "comment_for_startup": extra.get("comment_for_startup", ""),
        "comment_for_committee": extra.get("comment_for_committee", ""),
    }


def _actions(obj_type=None):
    select = sa.select(AuditEvent.action).order_by(AuditEvent.id)
    if obj_type:
        select = select.where(AuditEvent.object_type == obj_type)
    return db.session.scalars(select).all()


# -- reviews -------------------------------------------------------------------------

def test_save_review_keeps_a_draft_with_blanks(app, now):
    assignment = f.AssignmentFactory()
    review = reviews.save_review(assignment=assignment, user=assignment.user, now=now,
                                 **_content(assignment, [4, None, None], ["Bold idea", "", ""]))
    assert review.status == em.DRAFT
    assert review.total is None
    assert sorted((r.score, r.comment) for r in review.scores if r.score) == [(4, "Bold idea")]
    assert len(review.scores) == 3


def test_save_review_refuses_a_score_outside_the_scale(app, now):
    assignment = f.AssignmentFactory()
    first = assignment.round.criteria[0]
    with pytest.raises(DomainError) as error:
        reviews.save_review(assignment=assignment, user=assignment.user, now=now,
                            **_content(assignment, [6, None, None]))
    assert list(error.value.field_errors) == [f"score_{first.id}"]
    assert assignment.review is None


def test_submit_review_computes_the_weighted_total(app, now):
    assignment = f.AssignmentFactory()  # weights 40, 35, 25 on 1-5
    review = reviews.submit_review(assignment=assignment, user=assignment.user, now=now,
                                   **_content(assignment, [5, 3, 1]))
    # (40 * 4/4 + 35 * 2/4 + 25 * 0/4) / 100 * 100
    assert review.total == Decimal("57.50")
    assert review.status == em.SUBMITTED
    assert review.submitted_at == now
    assert "review.submitted" in _actions("review")


def test_compute_total_mixes_scales_and_rounds_to_two_decimals(app):
    criteria = [em.EvaluationCriterion(id=1, name="a", weight=Decimal("1"), scale=10),
                em.EvaluationCriterion(id=2, name="b", weight=Decimal("2"), scale=3)]
    # (1 * 3/9 + 2 * 1/2) / 3 * 100 = 44.444...
    assert reviews.compute_total(criteria, {1: 4, 2: 2}) == Decimal("44.44")
    assert reviews.compute_total(criteria, {1: 10, 2: 3}) == Decimal("100.00")
    assert reviews.compute_total(criteria, {1: 1, 2: 1}) == Decimal("0.00")


def test_submit_review_without_every_score_fails_but_keeps_the_draft(app, now):
    assignment = f.AssignmentFactory()
    second = assignment.round.criteria[1]
    with pytest.raises(reviews.IncompleteReview) as error:
        reviews.submit_review(assignment=assignment, user=assignment.user, now=now,
                              **_content(assignment, [5, None, 2], ["Typed text", "", ""]))
    assert list(error.value.field_errors) == [f"score_{second.id}"]
    db.session.expire_all()
    review = db.session.scalar(sa.select(em.Review).filter_by(assignment_id=assignment.id))
    assert review.status == em.DRAFT
    assert sorted(r.score or 0 for r in review.scores) == [0, 2, 5]
    assert "Typed text" in [r.comment for r in review.scores]


def test_submit_review_requires_comments_where_the_criterion_says_so(app, now):
    assignment = f.AssignmentFactory()
    feasibility = assignment.round.criteria[1]
    feasibility.comment_required = True
    with pytest.raises(reviews.IncompleteReview) as error:
        reviews.submit_review(assignment=assignment, user=assignment.user, now=now,
                              **_content(assignment, [4, 4, 4], ["", "  ", ""]))
    assert list(error.value.field_errors) == [f"comment_{feasibility.id}"]
    review = reviews.submit_review(assignment=assignment, user=assignment.user, now=now,
                                   **_content(assignment, [4, 4, 4], ["", "Sound plan", ""]))
    assert review.status == em.SUBMITTED


def test_submitted_review_must_be_reopened_before_it_changes(app, now):
    assignment = f.AssignmentFactory()
    reviews.submit_review(assignment=assignment, user=assignment.user, now=now,
                          **_content(assignment, [3, 3, 3]))
    with pytest.raises(DomainError, match="reopen"):
        reviews.save_review(assignment=assignment, user=assignment.user, now=now,
                            **_content(assignment, [5, 5, 5]))
    review = reviews.reopen_review(assignment=assignment, user=assignment.user,
                                   now=now + timedelta(hours=1))
    assert (review.status, review.total, review.submitted_at) == (em.DRAFT, None, None)
    assert _actions("review") == ["review.submitted", "review.reopened"]
    review = reviews.submit_review(assignment=assignment, user=assignment.user, now=now,
                                   **_content(assignment, [5, 5, 5]))
    assert review.total == Decimal("100.00")


def test_reopen_review_is_refused_once_the_round_is_closed(app, now):
    review = f.ReviewFactory(submitted=True)
    review.assignment.round.status = em.CLOSED
    with pytest.raises(DomainError, match="closed"):
        reviews.reopen_review(assignment=review.assignment, user=review.assignment.user,
                              now=now)
    assert review.status == em.SUBMITTED


def test_save_review_is_refused_to_another_juror(app, now):
    assignment = f.AssignmentFactory()
    other = f.AssignmentFactory(round=assignment.round, proposal=assignment.proposal)
    with pytest.raises(DomainError):
        reviews.save_review(assignment=assignment, user=other.user, now=now,
                            **_content(assignment, [3, 3, 3]))
    assert assignment.review is None


def test_save_review_is_refused_before_the_round_starts(app, now):
    assignment = f.AssignmentFactory()
    assignment.round.status = em.SETUP
    with pytest.raises(DomainError, match="not started"):
        reviews.save_review(assignment=assignment, user=assignment.user, now=now,
                            **_content(assignment, [3, 3, 3]))


def test_calibration_takes_only_the_reference_reviews(app, now):
    round_ = f.EvaluationRoundFactory(calibrating=True)
    reference = f.AssignmentFactory(round=round_, source=em.REFERENCE)
    regular = f.AssignmentFactory(round=round_, user=reference.user)
    with pytest.raises(DomainError, match="reference"):
        reviews.save_review(assignment=regular, user=regular.user, now=now,
                            **_content(regular, [3, 3, 3]))
    review = reviews.submit_review(assignment=reference, user=reference.user, now=now,
                                   **_content(reference, [2, 3, 4]))
    assert review.status == em.SUBMITTED


# -- conflicts -----------------------------------------------------------------------

def _round_with_startups(*names, status=em.SETUP):
    round_ = f.EvaluationRoundFactory(status=status)
    proposals = [f.ProposalFactory(submitted=True, challenge=round_.challenge,
                                   startup=f.StartupFactory(name=name)) for name in names]
    return round_, proposals


def test_declare_no_conflict_is_a_declaration(app, now):
    round_, _proposals = _round_with_startups("Alpha")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    created = reviews.declare_conflicts(member=member, startup_ids=[], user=member.user,
                                        now=now)
    assert created == []
    assert member.conflicts_declared_at == now
    assert db.session.scalar(sa.select(sa.func.count(em.ConflictDeclaration.id))) == 0
    assert _actions("committee_member") == ["conflicts.declared"]


def test_declare_conflicts_records_them_with_reasons(app, now):
    round_, (alpha, beta) = _round_with_startups("Alpha", "Beta")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    reviews.declare_conflicts(member=member, startup_ids=[beta.startup_id],
                              reasons={beta.startup_id: "I advise them"}, user=member.user,
                              now=now)
    rows = db.session.execute(sa.select(em.ConflictDeclaration.startup_id,
                                        em.ConflictDeclaration.reason)).all()
    assert rows == [(beta.startup_id, "I advise them")]


def test_declare_conflicts_refuses_a_startup_outside_the_round(app, now):
    round_, _proposals = _round_with_startups("Alpha")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    with pytest.raises(DomainError):
        reviews.declare_conflicts(member=member, startup_ids=[f.StartupFactory().id],
                                  user=member.user, now=now)
    assert member.conflicts_declared_at is None


def test_declare_conflicts_for_someone_else_is_refused(app, now):
    round_, (alpha,) = _round_with_startups("Alpha")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    other = f.CommitteeMemberFactory(round=round_, undeclared=True)
    with pytest.raises(DomainError):
        reviews.declare_conflicts(member=member, startup_ids=[alpha.startup_id],
                                  user=other.user, now=now)


def test_conflict_declared_after_assignment_removes_it_and_its_review(app, now):
    review = f.ReviewFactory()  # a draft, in a reviewing round
    assignment = review.assignment
    kept = f.AssignmentFactory(round=assignment.round, user=assignment.user)
    member = db.session.scalar(sa.select(em.CommitteeMember).filter_by(
        round_id=assignment.round_id, user_id=assignment.user_id))
    reviews.declare_conflicts(member=member, startup_ids=[assignment.proposal.startup_id],
                              user=assignment.user, now=now)
    remaining = db.session.scalars(sa.select(em.Assignment.id)).all()
    assert remaining == [kept.id]
    assert db.session.scalar(sa.select(sa.func.count(em.Review.id))) == 0


# -- interest ------------------------------------------------------------------------

def test_state_interest_records_levels_and_neutral_removes(app, now):
    round_, (alpha, beta) = _round_with_startups("Alpha", "Beta")
    member = f.CommitteeMemberFactory(round=round_)
    reviews.state_interest(round_=round_, user=member.user, now=now,
                           levels={alpha.id: em.WANT, beta.id: em.RATHER_NOT})
    reviews.state_interest(round_=round_, user=member.user, now=now,
                           levels={alpha.id: em.NEUTRAL, beta.id: em.WILLING})
    rows = db.session.execute(sa.select(em.ReviewInterest.proposal_id,
                                        em.ReviewInterest.level)).all()
    assert rows == [(beta.id, em.WILLING)]


def test_state_interest_only_during_setup(app, now):
    round_, (alpha,) = _round_with_startups("Alpha", status=em.REVIEWING)
    member = f.CommitteeMemberFactory(round=round_)
    with pytest.raises(DomainError, match="before the reviews"):
        reviews.state_interest(round_=round_, user=member.user, now=now,
                               levels={alpha.id: em.WANT})


def test_state_interest_needs_conflicts_declared_first(app, now):
    round_, (alpha,) = _round_with_startups("Alpha")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    with pytest.raises(DomainError):
        reviews.state_interest(round_=round_, user=member.user, now=now,
                               levels={alpha.id: em.WANT})


def test_state_interest_refuses_a_conflicted_or_foreign_proposal(app, now):
    round_, (alpha, beta) = _round_with_startups("Alpha", "Beta")
    member = f.CommitteeMemberFactory(round=round_)
    f.ConflictDeclarationFactory(user=member.user, startup=beta.startup)
    foreign = f.ProposalFactory(submitted=True)
    for proposal in (beta, foreign):
        with pytest.raises(DomainError):
            reviews.state_interest(round_=round_, user=member.user, now=now,
                                   levels={proposal.id: em.WANT})
    assert db.session.scalar(sa.select(sa.func.count()).select_from(em.ReviewInterest)) == 0


# -- profile -------------------------------------------------------------------------

def test_update_profile_cleans_the_tags(app, now):
    juror = f.JuryUserFactory()
    profile = reviews.update_profile(user=juror, tags=" mobility,Sensors, , mobility ,  energy ",
                                     expertise=" Trams. ", organisation=" Enel  X ", now=now)
    assert profile.tag_list == ["mobility", "Sensors", "energy"]
    assert (profile.expertise, profile.organisation) == ("Trams.", "Enel X")


def test_update_profile_with_a_conflicting_employer_removes_the_assignment(app, now):
    assignment = f.AssignmentFactory()
    # (StartupRelationFactory passes ``partner=``, which the model does not take.)
    db.session.add(StartupRelation(startup=assignment.proposal.startup, kind="investor",
                                   company_name="Fondo Verde S.r.l."))
    reviews.update_profile(user=assignment.user, tags="", expertise="",
                           organisation="Fondo Verde", now=now)
    assert db.session.scalar(sa.select(sa.func.count(em.Assignment.id))) == 0


def test_update_profile_is_for_jurors(app, now):
    with pytest.raises(DomainError):
        reviews.update_profile(user=f.UserFactory(), tags="", expertise="", organisation="",
                               now=now)


# -- discussion ----------------------------------------------------------------------

def test_post_comment_waits_for_the_jurors_own_review(app, now):
    assignment = f.AssignmentFactory()
    with pytest.raises(DomainError, match="submitted your own review"):
        reviews.post_comment(round_=assignment.round, proposal=assignment.proposal,
                             user=assignment.user, body="Thoughts?", now=now)
    reviews.submit_review(assignment=assignment, user=assignment.user, now=now,
                          **_content(assignment, [3, 3, 3]))
    comment = reviews.post_comment(round_=assignment.round, proposal=assignment.proposal,
                                   user=assignment.user, body="  Thoughts? ", now=now)
    assert (comment.body, comment.author_id) == ("Thoughts?", assignment.user.id)


def test_post_comment_refuses_an_empty_body(app, now):
    review = f.ReviewFactory(submitted=True)
    with pytest.raises(DomainError) as error:
        reviews.post_comment(round_=review.assignment.round, proposal=review.assignment.proposal,
                             user=review.assignment.user, body="   ", now=now)
    assert "body" in error.value.field_errors
