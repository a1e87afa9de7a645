"""The juror's pages: dashboard, profile, conflicts, interest, review, discussion."""
from __future__ import annotations

import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from alliance.evaluation import models as em
from alliance.extensions import db
from alliance.partners.models import PartnerMembership
from alliance.startups.models import StartupRelation
from tests import factories as f

STARTUP_NAME = "Zephyr Mobility S.r.l."
WEBSITE = "https://zephyr-mobility.example"
MEMBER_NAME = "Ottavia Fondatrice"
FILE_NAME = "zephyr-secret-plan.pdf"
IDENTITY = (STARTUP_NAME, WEBSITE, MEMBER_NAME, FILE_NAME)


def _identified_proposal(challenge):
    """A submitted proposal whose start-up's identity is easy to look for."""
    startup = f.StartupFactory(name=STARTUP_NAME, website=WEBSITE)
    f.StartupUserFactory(startup=startup, name=MEMBER_NAME)
    proposal = f.ProposalFactory(submitted=True, challenge=challenge, startup=startup,
                                 title="Trams that measure the air",
                                 team=f"{MEMBER_NAME} and two engineers.")
    f.AttachmentFactory(proposal=proposal, original_name=FILE_NAME)
    return proposal


def _assignment(*, blind=True, status=em.REVIEWING, **kwargs):
    round_ = f.EvaluationRoundFactory(status=status, blind=blind)
    proposal = _identified_proposal(round_.challenge)
    return f.AssignmentFactory(round=round_, proposal=proposal, **kwargs)


def _form(assignment, scores, comments=None, action="save", **extra):
    data = {"action": action, "comment_for_startup": extra.get("startup", ""),
            "comment_for_committee": extra.get("committee", "")}
    comments = comments or [""] * len(scores)
    for criterion, score, comment in zip(assignment.round.criteria, scores, comments,
                                         strict=True):
        if score is not None:
            data[f"score_{criterion.id}"] = str(score)
        data[f"comment_{criterion.id}"] = comment
    return data


def _review_of(assignment):
    db.session.expire_all()
    return db.session.scalar(sa.select(em.Review).filter_by(assignment_id=assignment.id))


def _left(html: str) -> str:
    return re.search(r"(\d+ of \d+ left)", html).group(1)


# -- access --------------------------------------------------------------------------

def test_jury_pages_refuse_users_without_the_jury_role(client, login_as):
    login_as(f.UserFactory())
    assert client.get("/jury/").status_code == 403


def test_jury_pages_send_visitors_to_login(client):
    response = client.get("/jury/")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_review_page_is_404_for_another_jurors_assignment(client, login_as):
    assignment = _assignment()
    login_as(f.JuryUserFactory())
    assert client.get(f"/jury/assignments/{assignment.id}").status_code == 404


def test_review_page_is_404_for_a_conflicted_juror(client, login_as):
    assignment = _assignment()
    f.ConflictDeclarationFactory(user=assignment.user, startup=assignment.proposal.startup)
    login_as(assignment.user)
    assert client.get(f"/jury/assignments/{assignment.id}").status_code == 404
    assert STARTUP_NAME not in client.get("/jury/").text


def test_review_page_is_404_before_conflicts_are_declared(client, login_as):
    assignment = _assignment()
    member = db.session.scalar(sa.select(em.CommitteeMember).filter_by(
        round_id=assignment.round_id, user_id=assignment.user_id))
    member.conflicts_declared_at = None
    login_as(assignment.user)
    assert client.get(f"/jury/assignments/{assignment.id}").status_code == 404
    assert "Trams that measure the air" not in client.get("/jury/").text


def test_review_page_is_404_while_the_round_is_set_up(client, login_as):
    assignment = _assignment(status=em.SETUP)
    login_as(assignment.user)
    assert client.get(f"/jury/assignments/{assignment.id}").status_code == 404


# -- blind review --------------------------------------------------------------------

def test_blind_round_hides_the_startup_on_dashboard_and_review_page(client, login_as):
    assignment = _assignment(blind=True)
    login_as(assignment.user)
    dashboard = client.get("/jury/")
    page = client.get(f"/jury/assignments/{assignment.id}")
    assert page.status_code == 200
    assert "Trams that measure the air" in dashboard.text
    assert "Attachment (PDF)" in page.text
    for html in (dashboard.text, page.text):
        for secret in IDENTITY:
            assert secret not in html


def test_open_round_shows_the_startup_on_dashboard_and_review_page(client, login_as):
    assignment = _assignment(blind=False)
    login_as(assignment.user)
    assert STARTUP_NAME in client.get("/jury/").text
    page = client.get(f"/jury/assignments/{assignment.id}").text
    for secret in IDENTITY:
        assert secret in page


def test_blind_round_hides_the_startup_on_the_interest_page(client, login_as):
    round_ = f.EvaluationRoundFactory(blind=True)
    _identified_proposal(round_.challenge)
    member = f.CommitteeMemberFactory(round=round_)
    login_as(member.user)
    html = client.get(f"/jury/rounds/{round_.id}/interest").text
    assert "Trams that measure the air" in html
    for secret in IDENTITY:
        assert secret not in html


def test_open_round_shows_the_startup_on_the_interest_page(client, login_as):
    round_ = f.EvaluationRoundFactory(blind=False)
    _identified_proposal(round_.challenge)
    member = f.CommitteeMemberFactory(round=round_)
    login_as(member.user)
    assert STARTUP_NAME in client.get(f"/jury/rounds/{round_.id}/interest").text


def test_blind_reviews_after_submission_still_hide_the_startup(client, login_as):
    assignment = _assignment(blind=True)
    f.ReviewFactory(submitted=True, assignment=assignment)
    f.ReviewFactory(submitted=True, assignment=f.AssignmentFactory(
        round=assignment.round, proposal=assignment.proposal))
    login_as(assignment.user)
    html = client.get(f"/jury/assignments/{assignment.id}").text
    assert "Discussion" in html
    for secret in IDENTITY:
        assert secret not in html


# -- dashboard -----------------------------------------------------------------------

def test_dashboard_says_how_many_reviews_are_left(client, login_as):
    first = f.AssignmentFactory()
    f.AssignmentFactory(round=first.round, user=first.user)
    f.ReviewFactory(submitted=True,
                    assignment=f.AssignmentFactory(round=first.round, user=first.user))
    f.ReviewFactory(assignment=f.AssignmentFactory(round=first.round, user=first.user))
    f.AssignmentFactory(round=f.EvaluationRoundFactory(closed=True), user=first.user)
    login_as(first.user)
    html = client.get("/jury/").text
    assert _left(html) == "3 of 4 left"
    assert "3 of 4 reviews left in this round." in html
    assert "5 assignments" in html  # the closed round's is listed, not counted


def test_dashboard_asks_to_declare_conflicts_first(client, login_as):
    member = f.CommitteeMemberFactory(undeclared=True)
    login_as(member.user)
    html = client.get("/jury/").text
    assert f"/jury/rounds/{member.round_id}/conflicts" in html
    assert "Declare your conflicts of interest" in html
    assert f"/jury/rounds/{member.round_id}/interest" not in html


def test_dashboard_offers_interest_during_setup_once_declared(client, login_as):
    member = f.CommitteeMemberFactory()
    login_as(member.user)
    assert f"/jury/rounds/{member.round_id}/interest" in client.get("/jury/").text


def _titled(round_, user, title, **kwargs):
    proposal = f.ProposalFactory(submitted=True, challenge=round_.challenge, title=title)
    return f.AssignmentFactory(round=round_, user=user, proposal=proposal, **kwargs)


def test_dashboard_filters_by_state(client, login_as):
    round_ = f.EvaluationRoundFactory(reviewing=True)
    juror = f.JuryUserFactory()
    _titled(round_, juror, "Untouched idea")
    f.ReviewFactory(assignment=_titled(round_, juror, "Half-written idea"))
    f.ReviewFactory(submitted=True, assignment=_titled(round_, juror, "Finished idea"))
    login_as(juror)
    for state, title in (("todo", "Untouched"), ("draft", "Half-written"),
                         ("submitted", "Finished")):
        html = client.get(f"/jury/?state={state}").text
        assert title in html
        assert "1 assignment" in html


def test_dashboard_filters_by_challenge_and_own_score(client, login_as):
    juror = f.JuryUserFactory()
    air = f.EvaluationRoundFactory(reviewing=True)
    water = f.EvaluationRoundFactory(reviewing=True)
    f.ReviewFactory(submitted=True, scores=5, assignment=_titled(air, juror, "Top air"))
    f.ReviewFactory(submitted=True, scores=2, assignment=_titled(air, juror, "Weak air"))
    _titled(water, juror, "Water idea")
    login_as(juror)
    html = client.get(f"/jury/?challenge={water.challenge_id}").text
    assert "Water idea" in html and "Top air" not in html
    html = client.get("/jury/?score_min=50&score_max=100").text
    assert "Top air" in html
    assert "Weak air" not in html and "Water idea" not in html


def test_dashboard_paginates(client, login_as):
    round_ = f.EvaluationRoundFactory(reviewing=True)
    juror = f.JuryUserFactory()
    for n in range(27):
        _titled(round_, juror, f"Idea {n:02d}")
    login_as(juror)
    first, second = client.get("/jury/").text, client.get("/jury/?page=2").text
    assert "Idea 00" in first and "Idea 25" not in first
    assert "Idea 25" in second and "Idea 26" in second and "Idea 00" not in second
    assert "page 2 of 2" in second


def test_dashboard_shows_only_reference_proposals_during_calibration(client, login_as):
    round_ = f.EvaluationRoundFactory(calibrating=True)
    juror = f.JuryUserFactory()
    reference = _titled(round_, juror, "Reference idea", source=em.REFERENCE)
    regular = _titled(round_, juror, "Regular idea")
    login_as(juror)
    html = client.get("/jury/").text
    assert "Reference idea" in html and "Regular idea" not in html
    assert _left(html) == "1 of 1 left"
    assert client.get(f"/jury/assignments/{regular.id}").status_code == 404
    assert client.get(f"/jury/assignments/{reference.id}").status_code == 200


def _dashboard_queries(client, count_queries):
    with count_queries() as statements:
        assert client.get("/jury/").status_code == 200
    return len(statements)


def test_dashboard_query_count_does_not_grow_with_assignments(client, login_as,
                                                                count_queries):
    round_ = f.EvaluationRoundFactory(reviewing=True)
    other_round = f.EvaluationRoundFactory(reviewing=True)
    juror = f.JuryUserFactory()

    def add(n):
        for i in range(n):
            assignment = _titled(round_ if i % 2 else other_round, juror, f"Idea {i}")
            if i % 3 == 0:
                f.ReviewFactory(submitted=True, assignment=assignment)

    add(3)
    login_as(juror)
    small = _dashboard_queries(client, count_queries)
    add(27)
    assert _dashboard_queries(client, count_queries) == small


# -- profile -------------------------------------------------------------------------

def test_profile_page_saves_the_expertise(client, login_as):
    juror = f.JuryUserFactory()
    login_as(juror)
    response = client.post("/jury/profile", data={
        "tags": "mobility, air quality", "expertise": "Twenty years of traffic models.",
        "organisation": "Politecnico di Milano"})
    assert response.status_code == 302
    profile = db.session.get(em.JurorProfile, juror.id)
    assert profile.tag_list == ["mobility", "air quality"]
    assert profile.organisation == "Politecnico di Milano"
    assert "Politecnico di Milano" in client.get("/jury/profile").text


def test_profile_page_refuses_a_too_long_tag_with_422(client, login_as):
    login_as(f.JuryUserFactory())
    response = client.post("/jury/profile", data={"tags": "x" * 80, "expertise": "",
                                                  "organisation": ""})
    assert response.status_code == 422
    assert "x" * 80 in response.text


# -- conflicts -----------------------------------------------------------------------

def _setup_round_with(*names):
    round_ = f.EvaluationRoundFactory()
    proposals = [f.ProposalFactory(submitted=True, challenge=round_.challenge,
                                   startup=f.StartupFactory(name=name),
                                   title=f"Proposal of {name}") for name in names]
    return round_, proposals


def test_conflicts_page_lists_startups_alphabetically_without_titles(client, login_as):
    round_, _proposals = _setup_round_with("Gamma Lab", "alpha Works", "Beta Energy")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    login_as(member.user)
    html = client.get(f"/jury/rounds/{round_.id}/conflicts").text
    positions = [html.index(name) for name in ("alpha Works", "Beta Energy", "Gamma Lab")]
    assert positions == sorted(positions)
    assert "Proposal of" not in html


def test_conflicts_page_ticks_and_explains_detected_conflicts(client, login_as):
    round_, (alpha, beta) = _setup_round_with("Alpha Works", "Beta Energy")
    partner = f.PartnerFactory(name="Enel X S.p.A.")
    juror = f.JuryUserFactory()
    db.session.add(PartnerMembership(user=juror, partner=partner))
    db.session.add(StartupRelation(startup=beta.startup, kind="customer",
                                   company_name="Enel X"))
    member = f.CommitteeMemberFactory(round=round_, user=juror, undeclared=True)
    login_as(member.user)
    html = client.get(f"/jury/rounds/{round_.id}/conflicts").text
    row = html[html.index(f'id="startup-{beta.startup_id}"'):]
    row = row[:row.index("</tr>")]
    assert "checked disabled" in row
    assert "customer, investor or competitor" in row
    assert f'name="conflict_{alpha.startup_id}"' in html
    assert f'name="conflict_{beta.startup_id}"' not in html


def test_conflicts_page_records_a_declaration(client, login_as):
    round_, (alpha, beta) = _setup_round_with("Alpha Works", "Beta Energy")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    login_as(member.user)
    response = client.post(f"/jury/rounds/{round_.id}/conflicts", data={
        "confirm": "y", f"conflict_{beta.startup_id}": "y",
        f"reason_{beta.startup_id}": "My brother founded it",
        f"reason_{alpha.startup_id}": "ignored, not ticked"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/jury/rounds/{round_.id}/interest")
    rows = db.session.execute(sa.select(em.ConflictDeclaration.startup_id,
                                        em.ConflictDeclaration.reason)).all()
    assert rows == [(beta.startup_id, "My brother founded it")]
    assert db.session.get(em.CommitteeMember, member.id).conflicts_declared_at is not None


def test_conflicts_page_needs_the_confirmation(client, login_as):
    round_, (alpha,) = _setup_round_with("Alpha Works")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    login_as(member.user)
    response = client.post(f"/jury/rounds/{round_.id}/conflicts", data={
        f"conflict_{alpha.startup_id}": "y", f"reason_{alpha.startup_id}": "Old friends"})
    assert response.status_code == 422
    assert "Old friends" in response.text
    assert db.session.get(em.CommitteeMember, member.id).conflicts_declared_at is None


def test_conflicts_page_is_404_for_someone_off_the_committee(client, login_as):
    round_, _proposals = _setup_round_with("Alpha Works")
    login_as(f.JuryUserFactory())
    assert client.get(f"/jury/rounds/{round_.id}/conflicts").status_code == 404


def test_conflict_declared_later_removes_the_assignment(client, login_as):
    assignment = _assignment()
    login_as(assignment.user)
    response = client.post(f"/jury/rounds/{assignment.round_id}/conflicts", data={
        "confirm": "y", f"conflict_{assignment.proposal.startup_id}": "y"})
    assert response.status_code == 302
    assert db.session.get(em.Assignment, assignment.id) is None
    assert "0 assignments" in client.get("/jury/").text


# -- interest ------------------------------------------------------------------------

def test_interest_page_waits_for_the_conflicts(client, login_as):
    round_, _proposals = _setup_round_with("Alpha Works")
    member = f.CommitteeMemberFactory(round=round_, undeclared=True)
    login_as(member.user)
    response = client.get(f"/jury/rounds/{round_.id}/interest")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/jury/rounds/{round_.id}/conflicts")


def test_interest_page_saves_the_levels(client, login_as):
    round_, (alpha, beta) = _setup_round_with("Alpha Works", "Beta Energy")
    member = f.CommitteeMemberFactory(round=round_)
    login_as(member.user)
    response = client.post(f"/jury/rounds/{round_.id}/interest", data={
        f"interest_{alpha.id}": str(em.WANT), f"interest_{beta.id}": str(em.RATHER_NOT)})
    assert response.status_code == 302
    rows = dict(db.session.execute(sa.select(em.ReviewInterest.proposal_id,
                                             em.ReviewInterest.level)).all())
    assert rows == {alpha.id: em.WANT, beta.id: em.RATHER_NOT}
    html = client.get(f"/jury/rounds/{round_.id}/interest").text
    assert re.search(rf'id="interest_{alpha.id}-0"[^>]*checked|checked[^>]*id="interest_'
                     rf'{alpha.id}-0"', html)


def test_interest_page_hides_conflicted_proposals(client, login_as):
    round_, (alpha, beta) = _setup_round_with("Alpha Works", "Beta Energy")
    member = f.CommitteeMemberFactory(round=round_)
    f.ConflictDeclarationFactory(user=member.user, startup=beta.startup)
    login_as(member.user)
    html = client.get(f"/jury/rounds/{round_.id}/interest").text
    assert "Proposal of Alpha Works" in html
    assert "Proposal of Beta Energy" not in html


def test_interest_page_is_closed_once_reviews_start(client, login_as):
    assignment = _assignment()
    login_as(assignment.user)
    response = client.get(f"/jury/rounds/{assignment.round_id}/interest")
    assert response.status_code == 302 and response.headers["Location"].endswith("/jury/")
    assert "interest can no longer be stated" in client.get("/jury/").text


# -- review --------------------------------------------------------------------------

def test_review_page_shows_the_form_generated_from_the_criteria(client, login_as):
    assignment = _assignment()
    criterion = assignment.round.criteria[0]
    criterion.description = "How new is it for Milan?"
    criterion.comment_required = True
    login_as(assignment.user)
    html = client.get(f"/jury/assignments/{assignment.id}").text
    assert "How new is it for Milan?" in html
    assert html.count(f'name="score_{criterion.id}"') == 5
    assert "(required to submit)" in html
    assert "We mount <strong>sensors</strong> on ATM trams." in html


def test_review_form_uses_a_list_for_a_long_scale(client, login_as):
    assignment = _assignment()
    criterion = assignment.round.criteria[2]
    criterion.scale = 20
    login_as(assignment.user)
    html = client.get(f"/jury/assignments/{assignment.id}").text
    assert f'<select class="form-select form-select-sm mb-2" id="score_{criterion.id}"' in html
    assert '<option value="20">20</option>' in html
    response = client.post(f"/jury/assignments/{assignment.id}",
                           data=_form(assignment, [5, 5, 17], action="submit"))
    assert response.status_code == 302
    # (40 * 4/4 + 35 * 4/4 + 25 * 16/19) / 100 * 100
    assert _review_of(assignment).total == Decimal("96.05")


def test_review_page_saves_a_draft(client, login_as):
    assignment = _assignment()
    login_as(assignment.user)
    response = client.post(f"/jury/assignments/{assignment.id}",
                           data=_form(assignment, [4, None, None], ["Fresh idea", "", ""]))
    assert response.status_code == 302
    review = _review_of(assignment)
    assert review.status == em.DRAFT
    assert "Fresh idea" in client.get(f"/jury/assignments/{assignment.id}").text


def test_failed_submit_keeps_what_was_typed_and_the_draft(client, login_as):
    assignment = _assignment()
    login_as(assignment.user)
    response = client.post(f"/jury/assignments/{assignment.id}", data=_form(
        assignment, [4, None, 2], ["Fresh idea", "Unclear budget", ""], action="submit",
        startup="Keep going"))
    assert response.status_code == 422
    assert "Fresh idea" in response.text and "Keep going" in response.text
    assert "Give a score to submit the review." in response.text
    review = _review_of(assignment)
    assert review.status == em.DRAFT
    assert sorted(r.score or 0 for r in review.scores) == [0, 2, 4]
    assert review.comment_for_startup == "Keep going"


def test_submit_then_reopen_through_the_page(client, login_as):
    assignment = _assignment()
    login_as(assignment.user)
    response = client.post(f"/jury/assignments/{assignment.id}",
                           data=_form(assignment, [5, 5, 5], action="submit"))
    assert response.status_code == 302
    review = _review_of(assignment)
    assert (review.status, review.total) == (em.SUBMITTED, Decimal("100.00"))
    assert "Reopen to change it" in client.get(f"/jury/assignments/{assignment.id}").text
    assert client.post(f"/jury/assignments/{assignment.id}/reopen").status_code == 302
    assert _review_of(assignment).status == em.DRAFT


def test_closed_round_shows_the_review_read_only(client, login_as):
    assignment = _assignment()
    f.ReviewFactory(submitted=True, assignment=assignment)
    assignment.round.status = em.CLOSED
    login_as(assignment.user)
    html = client.get(f"/jury/assignments/{assignment.id}").text
    assert "Reopen to change it" not in html
    assert client.post(f"/jury/assignments/{assignment.id}/reopen").status_code == 403
    assert client.post(f"/jury/assignments/{assignment.id}",
                       data=_form(assignment, [1, 1, 1])).status_code == 403


def test_save_and_next_goes_to_the_next_review_not_submitted(client, login_as):
    round_ = f.EvaluationRoundFactory(reviewing=True)
    juror = f.JuryUserFactory()
    alpha = _titled(round_, juror, "Alpha idea")
    bravo = _titled(round_, juror, "Bravo idea")
    charlie = _titled(round_, juror, "Charlie idea")
    f.ReviewFactory(submitted=True, assignment=bravo)
    login_as(juror)
    response = client.post(f"/jury/assignments/{alpha.id}",
                           data=_form(alpha, [3, None, None], action="next"))
    assert response.headers["Location"].endswith(f"/jury/assignments/{charlie.id}")
    response = client.post(f"/jury/assignments/{charlie.id}",
                           data=_form(charlie, [3, None, None], action="next"))
    assert response.headers["Location"].endswith(f"/jury/assignments/{alpha.id}")
    assert _review_of(charlie).scores


def test_save_and_next_on_the_last_one_goes_back_to_the_dashboard(client, login_as):
    assignment = _assignment()
    login_as(assignment.user)
    response = client.post(f"/jury/assignments/{assignment.id}",
                           data=_form(assignment, [3, None, None], action="next"))
    assert response.headers["Location"].endswith("/jury/")


# -- other reviews and the discussion ------------------------------------------------

def _committee_of_two():
    mine = _assignment()
    theirs = f.AssignmentFactory(round=mine.round, proposal=mine.proposal)
    f.ReviewFactory(submitted=True, assignment=theirs,
                    comment_for_committee="The budget looks inflated to me.")
    db.session.add(em.DiscussionComment(round_id=mine.round_id, proposal_id=mine.proposal_id,
                                        author_id=theirs.user_id, body="Shall we talk?"))
    return mine, theirs


def test_other_reviews_are_hidden_until_the_juror_submits(client, login_as):
    mine, _theirs = _committee_of_two()
    login_as(mine.user)
    html = client.get(f"/jury/assignments/{mine.id}").text
    assert "The budget looks inflated to me." not in html
    assert "Shall we talk?" not in html
    assert "open once you have submitted your own review" in html
    assert client.post(f"/jury/assignments/{mine.id}/comments",
                       data={"body": "Hello"}).status_code == 403


def test_other_reviews_and_thread_show_after_submitting(client, login_as):
    mine, theirs = _committee_of_two()
    login_as(mine.user)
    client.post(f"/jury/assignments/{mine.id}", data=_form(mine, [4, 4, 4], action="submit"))
    html = client.get(f"/jury/assignments/{mine.id}").text
    assert "The budget looks inflated to me." in html
    assert "Shall we talk?" in html
    assert theirs.user.name in html


def test_discussion_comment_is_posted(client, login_as):
    mine, _theirs = _committee_of_two()
    f.ReviewFactory(submitted=True, assignment=mine)
    login_as(mine.user)
    response = client.post(f"/jury/assignments/{mine.id}/comments",
                           data={"body": "I agree on the budget."})
    assert response.status_code == 302
    bodies = db.session.scalars(sa.select(em.DiscussionComment.body)
                                .order_by(em.DiscussionComment.id)).all()
    assert bodies == ["Shall we talk?", "I agree on the budget."]


@pytest.mark.parametrize("body", ["", "   "])
def test_discussion_refuses_an_empty_comment(client, login_as, body):
    mine, _theirs = _committee_of_two()
    f.ReviewFactory(submitted=True, assignment=mine)
    login_as(mine.user)
    response = client.post(f"/jury/assignments/{mine.id}/comments", data={"body": body})
    assert response.status_code == 422
    assert "Write something first." in response.text
