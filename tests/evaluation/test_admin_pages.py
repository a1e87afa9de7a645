"""The admin's evaluation pages: access, committee, assignments, progress, ranking,
decisions, exports."""
from __future__ import annotations

import csv
import hashlib
import io
import re

import openpyxl
import pytest
import sqlalchemy as sa

from alliance.challenges.models import DECIDED, IN_EVALUATION
from alliance.evaluation import models as em
from alliance.extensions import db
from tests import factories as f

TOTAL = {1: 0, 2: 25, 3: 50, 4: 75, 5: 100}  # a review scoring s on every criterion


def _review(round_, proposal, juror, score):
    assignment = f.AssignmentFactory(round=round_, proposal=proposal, user=juror)
    return f.ReviewFactory(assignment=assignment, submitted=True, scores=score)


def _evaluated(scores: dict[str, list[int]], **round_options):
    """A challenge in evaluation, round one reviewing, one proposal per entry of
    ``scores`` (title -> each juror's score on every criterion)."""
    round_ = f.EvaluationRoundFactory(reviewing=True, **round_options)
    round_.challenge.status = IN_EVALUATION
    width = max((len(s) for s in scores.values()), default=0)
    jurors = [f.JuryUserFactory(name=f"Juror {n}") for n in range(width)]
    proposals = {}
    for title, marks in scores.items():
        proposal = f.ProposalFactory(submitted=True, challenge=round_.challenge, title=title)
        proposals[title] = proposal
        for juror, score in zip(jurors, marks, strict=False):
            _review(round_, proposal, juror, score)
    db.session.flush()
    return round_, proposals, jurors


def _order(html: str) -> list[str]:
    """The proposal titles of a ranking page, in table order."""
    body = html[html.index('<table class="table table-sm align-middle ranking"'):]
    body = body[:body.index("</table>")]
    return re.findall(r'<th scope="row" class="fw-normal">\s*<a [^>]*>([^<]+)</a>', body)


# -- access --------------------------------------------------------------------------

PAGES = ["/admin/evaluation/", "/admin/evaluation/challenges/{challenge}",
         "/admin/evaluation/rounds/{round}", "/admin/evaluation/rounds/{round}/assignments",
         "/admin/evaluation/rounds/{round}/progress", "/admin/evaluation/rounds/{round}/ranking",
         "/admin/evaluation/challenges/{challenge}/ranking",
         "/admin/evaluation/rounds/{round}/proposals/{proposal}",
         "/admin/evaluation/rounds/{round}/ranking.csv",
         "/admin/evaluation/rounds/{round}/ranking.xlsx"]


@pytest.fixture
def urls():
    round_, proposals, _jurors = _evaluated({"Solar benches": [4, 5]})
    ids = {"challenge": round_.challenge_id, "round": round_.id,
           "proposal": proposals["Solar benches"].id}
    return [page.format(**ids) for page in PAGES]


def test_evaluation_pages_anonymous_redirected_to_login(client, urls):
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("role", ["jury", "partner", "startup", "nobody"])
def test_evaluation_pages_forbidden_to_others(client, login_as, urls, role):
    user = {"jury": f.JuryUserFactory, "partner": f.PartnerUserFactory,
            "startup": f.StartupUserFactory, "nobody": f.UserFactory}[role]()
    login_as(user)
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_evaluation_posts_forbidden_to_jurors(client, login_as, urls):
    round_ = db.session.scalars(sa.select(em.EvaluationRound)).first()
    juror = f.JuryUserFactory()
    login_as(juror)
    assert client.post(f"/admin/evaluation/rounds/{round_.id}/close").status_code == 403
    assert client.post(f"/admin/evaluation/rounds/{round_.id}",
                       data={"email": "x@polimi.it"}).status_code == 403
    db.session.refresh(round_)
    assert round_.status == em.REVIEWING and len(round_.members) == 2


def test_evaluation_pages_open_to_admins(client, login_as, admin, urls):
    login_as(admin)
    for url in urls:
        assert client.get(url).status_code == 200, url


# -- lists and the challenge page -----------------------------------------------------------

def test_index_lists_challenges_past_deadline_with_rounds(client, login_as, admin):
    round_ = f.EvaluationRoundFactory(name="Pitch day", challenge=f.ChallengeFactory(
        closed=True, title="Quiet trams"))
    f.ChallengeFactory(closed=True, title="Waiting to start")
    f.ChallengeFactory(published=True, title="Still open")
    f.ChallengeFactory(title="A draft")
    login_as(admin)
    text = client.get("/admin/evaluation/").text
    assert "Quiet trams" in text and "Waiting to start" in text
    assert "Still open" not in text and "A draft" not in text
    assert f'href="/admin/evaluation/rounds/{round_.id}"' in text
    assert 'href="/admin/evaluation/"' in client.get("/admin/").text  # the console links here


def test_open_round_from_challenge_page(client, login_as, admin):
    challenge = f.ChallengeFactory(closed=True)
    login_as(admin)
    page = client.get(f"/admin/evaluation/challenges/{challenge.id}")
    assert "Open the first round" in page.text
    response = client.post(f"/admin/evaluation/challenges/{challenge.id}/open", data={
        "name": "", "reviewers_per_proposal": "2", "max_load": "", "blind": "y",
        "disagreement_threshold": "12", "share_reviews": "y", "weight": "1"})
    db.session.refresh(challenge)
    (round_,) = challenge.evaluation_rounds
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/evaluation/rounds/{round_.id}")
    assert challenge.status == IN_EVALUATION
    assert (round_.reviewers_per_proposal, round_.blind, round_.normalise) == (2, True, False)
    assert [c.name for c in round_.criteria] == ["Innovation", "Feasibility",
                                                  "Impact on the city"]


def test_open_round_bad_settings_rerendered(client, login_as, admin):
    challenge = f.ChallengeFactory(closed=True)
    login_as(admin)
    response = client.post(f"/admin/evaluation/challenges/{challenge.id}/open", data={
        "reviewers_per_proposal": "0", "disagreement_threshold": "12", "weight": "1"})
    assert response.status_code == 422
    assert 'value="0"' in response.text and "is-invalid" in response.text
    assert challenge.evaluation_rounds == []


def test_second_round_created_from_shortlist(client, login_as, admin):
    round_, proposals, _jurors = _evaluated({"Alpha": [5], "Beta": [4], "Gamma": [1]})
    round_.status = em.CLOSED
    f.DecisionFactory(proposal=proposals["Alpha"], outcome=em.SHORTLISTED)
    f.DecisionFactory(proposal=proposals["Beta"], outcome=em.SHORTLISTED)
    f.DecisionFactory(proposal=proposals["Gamma"], outcome=em.NOT_SELECTED)
    challenge = round_.challenge
    login_as(admin)
    page = client.get(f"/admin/evaluation/challenges/{challenge.id}").text
    form = page[page.index("Open a second round"):]
    assert "Alpha" in form and "Beta" in form and "Gamma" not in form

    response = client.post(f"/admin/evaluation/challenges/{challenge.id}/second-round", data={
        "name": "Pitch day", "proposals": [proposals["Alpha"].id], "weight": "2",
        "criteria-0-name": "Pitch", "criteria-0-weight": "60", "criteria-0-scale": "10",
        "criteria-0-comment_required": "y",
        "criteria-1-name": "Team", "criteria-1-weight": "40", "criteria-1-scale": "5"})
    assert response.status_code == 302
    second = db.session.scalar(sa.select(em.EvaluationRound).filter_by(
        challenge_id=challenge.id, number=2))
    assert second.name == "Pitch day" and second.weight == 2
    assert [e.proposal_id for e in second.entries] == [proposals["Alpha"].id]
    assert [(c.name, c.scale, c.comment_required) for c in second.criteria] == [
        ("Pitch", 10, True), ("Team", 5, False)]


# -- the round page ----------------------------------------------------------------------

def test_round_page_shows_members_and_conflict_state(client, login_as, admin):
    round_ = f.EvaluationRoundFactory()
    f.CommitteeMemberFactory(round=round_, user=f.JuryUserFactory(name="Declared Dora"))
    f.CommitteeMemberFactory(round=round_, user=f.JuryUserFactory(name="Pending Piero"),
                             undeclared=True)
    login_as(admin)
    text = client.get(f"/admin/evaluation/rounds/{round_.id}").text
    dora = text[text.index("Declared Dora"):text.index("Pending Piero")]
    piero = text[text.index("Pending Piero"):]
    assert "conflicts-pending" not in dora
    assert "conflicts-pending" in piero[:piero.index("</tr>")]
    assert "Start the reviews" in text  # the next step, as a POST form
    assert re.search(r'<form method="post" action="/admin/evaluation/rounds/\d+/start"', text)


def test_invite_juror_through_round_page(client, login_as, admin, mail_outbox):
    round_ = f.EvaluationRoundFactory()
    login_as(admin)
    response = client.post(f"/admin/evaluation/rounds/{round_.id}",
                           data={"email": "marta@polimi.it", "person_name": "Marta Rossi"})
    assert response.status_code == 302
    db.session.refresh(round_)
    assert [m.user.name for m in round_.members] == ["Marta Rossi"]
    assert mail_outbox[0].to == ["marta@polimi.it"]
    again = client.post(f"/admin/evaluation/rounds/{round_.id}",
                        data={"email": "marta@polimi.it"})
    assert again.status_code == 422
    assert "already on this committee" in again.text and 'value="marta@polimi.it"' in again.text


def test_transition_refusal_is_flashed(client, login_as, admin):
    round_ = f.EvaluationRoundFactory()
    login_as(admin)
    page = client.post(f"/admin/evaluation/rounds/{round_.id}/start", follow_redirects=True)
    assert "No proposal is assigned yet" in page.text
    db.session.refresh(round_)
    assert round_.status == em.SETUP


def test_close_round_button(client, login_as, admin):
    round_, _proposals, _jurors = _evaluated({"Alpha": [3]})
    login_as(admin)
    client.post(f"/admin/evaluation/rounds/{round_.id}/close")
    db.session.refresh(round_)
    assert round_.status == em.CLOSED


def test_settings_refuse_blind_change_once_reviewed(client, login_as, admin):
    round_, _proposals, _jurors = _evaluated({"Alpha": [3]})
    login_as(admin)
    response = client.post(f"/admin/evaluation/rounds/{round_.id}/settings", data={
        "reviewers_per_proposal": "3", "disagreement_threshold": "15", "weight": "1",
        "normalise": "y", "share_reviews": "y"})  # blind unticked
    assert response.status_code == 422
    assert "can no longer change" in response.text
    db.session.refresh(round_)
    assert round_.blind and not round_.normalise


def test_calibration_choice_and_spread_on_round_page(client, login_as, admin):
    round_ = f.EvaluationRoundFactory(calibration=True)
    members = [f.CommitteeMemberFactory(round=round_) for _ in range(2)]
    reference = f.ProposalFactory(submitted=True, challenge=round_.challenge,
                                  title="The reference")
    login_as(admin)
    response = client.post(f"/admin/evaluation/rounds/{round_.id}/references",
                           data={"first": str(reference.id), "second": "0"})
    assert response.status_code == 302
    assignments = db.session.scalars(sa.select(em.Assignment).filter_by(
        round_id=round_.id, source=em.REFERENCE)).all()
    assert sorted(a.user_id for a in assignments) == sorted(m.user_id for m in members)
    for assignment, score in zip(assignments, (2, 4), strict=True):
        f.ReviewFactory(assignment=assignment, submitted=True, scores=score)  # 25 and 75
    text = client.get(f"/admin/evaluation/rounds/{round_.id}").text
    table = text[text.index("calibration-spread"):]
    assert "The reference" in table and "<svg" in table
    assert '<td class="spread-mean-value">50.0</td>' in table
    assert '<td class="spread-sd-value">35.4</td>' in table  # sample sd of 25, 75


# -- assignments and progress --------------------------------------------------------------

def test_run_assignment_shows_shortfalls(client, login_as, admin):
    round_ = f.EvaluationRoundFactory(reviewers_per_proposal=2)
    juror = f.CommitteeMemberFactory(round=round_).user
    proposal = f.ProposalFactory(submitted=True, challenge=round_.challenge, title="Lonely")
    login_as(admin)
    response = client.post(f"/admin/evaluation/rounds/{round_.id}/assignments/run")
    assert response.status_code == 200
    report = response.text[response.text.index("assignment-report"):]
    assert "fall short" in report and "Lonely" in report
    assert db.session.scalar(sa.select(em.Assignment.user_id).filter_by(
        round_id=round_.id, proposal_id=proposal.id)) == juror.id


def test_add_and_remove_assignment_by_hand(client, login_as, admin):
    round_ = f.EvaluationRoundFactory()
    juror = f.CommitteeMemberFactory(round=round_, user=f.JuryUserFactory(name="Ugo")).user
    proposal = f.ProposalFactory(submitted=True, challenge=round_.challenge)
    login_as(admin)
    url = f"/admin/evaluation/rounds/{round_.id}/assignments"
    page = client.get(url).text
    assert f'name="proposal_id" value="{proposal.id}"' in page
    client.post(f"{url}/add", data={"proposal_id": proposal.id, "juror": juror.id,
                                    "next": url + "?short=1"})
    assignment = db.session.scalar(sa.select(em.Assignment).filter_by(round_id=round_.id))
    assert (assignment.user_id, assignment.source) == (juror.id, em.MANUAL)
    assert "Ugo" in client.get(url).text
    response = client.post(f"{url}/{assignment.id}/remove", data={"next": url})
    assert response.headers["Location"].endswith(url)
    assert db.session.scalars(sa.select(em.Assignment).filter_by(round_id=round_.id)).all() == []


def test_progress_page_counts(client, login_as, admin):
    round_, proposals, jurors = _evaluated({"Alpha": [3, 4], "Beta": [2]})
    f.AssignmentFactory(round=round_, proposal=proposals["Beta"], user=jurors[1])
    login_as(admin)
    text = client.get(f"/admin/evaluation/rounds/{round_.id}/progress").text
    assert "3 of 4 reviews submitted" in text
    row = text[text.index(f'data-juror="{jurors[1].id}"'):]
    row = row[:row.index("</tr>")]
    assert '<td class="assigned">2</td>' in row and '<td class="submitted">1</td>' in row
    pending = client.get(f"/admin/evaluation/rounds/{round_.id}/progress?pending=1").text
    assert "Beta" in pending and "#" + str(proposals["Alpha"].id) not in pending


# -- the ranking ------------------------------------------------------------------------

SCORES = {"Alpha": [5, 5, 4], "Beta": [4, 4, 4], "Gamma": [4, 4, 4], "Delta": [1, 5, 3],
          "Epsilon": [2, 2]}


def test_ranking_shows_ties_disagreement_alpha_and_spread(client, login_as, admin):
    round_, proposals, _jurors = _evaluated(SCORES)
    login_as(admin)
    text = client.get(f"/admin/evaluation/rounds/{round_.id}/ranking").text
    assert _order(text) == ["Alpha", "Beta", "Gamma", "Delta", "Epsilon"]
    assert text.count('<td class="rank text-nowrap"><span title="tied">=2</span></td>') == 2
    delta = text[text.index(f'data-proposal="{proposals["Delta"].id}"'):]
    delta = delta[:delta.index("</tr>")]
    assert "disagreement" in delta  # totals 0, 100, 50: sd 50 > 15
    # The spread is drawn: one dot per juror at its total, the range, the mean.
    svg = delta[delta.index("<svg"):delta.index("</svg>")]
    assert sorted(re.findall(r'<circle class="spread-point" cx="([\d.]+)"', svg)) == [
        "0.0", "100.0", "50.0"]
    assert 'class="spread-range" x1="0.0"' in svg and 'x2="100.0"' in svg
    assert 'class="spread-mean" x1="50.0"' in svg
    main = text[text.index("<main"):text.index("</main>")]
    assert "style=" not in main and "<script" not in main
    assert "Krippendorff's alpha is" in text.replace("&#39;", "'")


def test_ranking_figures_in_italian(client, login_as, admin):
    round_, proposals, _jurors = _evaluated({"Alpha": [5, 5, 4]})
    login_as(admin)
    with client.session_transaction() as session:
        session["lang"] = "it"
    text = client.get(f"/admin/evaluation/rounds/{round_.id}/ranking").text
    assert '<td class="final fw-semibold">91,67</td>' in text
    page = client.get(f"/admin/evaluation/rounds/{round_.id}/proposals/{proposals['Alpha'].id}")
    assert '<dd class="col-sm-9 final">91,67' in page.text


def test_combined_ranking_puts_second_round_entrants_first(client, login_as, admin, now):
    from alliance.evaluation import committees

    round_, proposals, jurors = _evaluated({"Alpha": [5, 5], "Beta": [3, 3], "Gamma": [4, 4]})
    round_.status = em.CLOSED
    for title in ("Alpha", "Beta"):
        f.DecisionFactory(proposal=proposals[title], outcome=em.SHORTLISTED)
    second = committees.create_second_round(
        challenge=round_.challenge, proposal_ids=[proposals["Alpha"].id, proposals["Beta"].id],
        criteria=[{"name": "Pitch", "weight": "1", "scale": 5}], weight=1, user=admin, now=now)
    second.status = em.REVIEWING
    _review(second, proposals["Alpha"], jurors[0], 1)  # Alpha: (100 + 0) / 2 = 50
    _review(second, proposals["Beta"], jurors[0], 5)  # Beta: (50 + 100) / 2 = 75
    login_as(admin)
    text = client.get(f"/admin/evaluation/challenges/{round_.challenge_id}/ranking").text
    assert _order(text) == ["Beta", "Alpha", "Gamma"]
    assert "Second round" in text
    overview = client.get(f"/admin/evaluation/challenges/{round_.challenge_id}").text
    assert "Combined ranking of both rounds" in overview


def test_ranking_sorts_by_any_column(client, login_as, admin):
    round_, _proposals, _jurors = _evaluated(SCORES)
    login_as(admin)
    url = f"/admin/evaluation/rounds/{round_.id}/ranking"
    assert _order(client.get(url + "?sort=final&dir=asc").text) == [
        "Epsilon", "Delta", "Beta", "Gamma", "Alpha"]
    assert _order(client.get(url + "?sort=sd&dir=desc").text)[:1] == ["Delta"]
    assert _order(client.get(url + "?sort=title&dir=desc").text) == [
        "Gamma", "Epsilon", "Delta", "Beta", "Alpha"]
    assert _order(client.get(url + "?sort=reviews&dir=asc").text)[0] == "Epsilon"
    text = client.get(url + "?sort=mean&dir=desc").text
    # The header links toggle the direction and keep the filters.
    assert 'href="/admin/evaluation/rounds/%d/ranking?sort=mean&amp;dir=asc"' % round_.id in text
    assert 'aria-sort="descending"' in text


def test_ranking_filters(client, login_as, admin):
    round_, proposals, _jurors = _evaluated(SCORES)
    f.DecisionFactory(proposal=proposals["Alpha"], outcome=em.WINNER)
    login_as(admin)
    url = f"/admin/evaluation/rounds/{round_.id}/ranking"
    assert _order(client.get(url + "?disagreement=1").text) == ["Delta"]
    assert _order(client.get(url + "?state=winner").text) == ["Alpha"]
    assert "Alpha" not in _order(client.get(url + "?state=none").text)
    assert _order(client.get(url + "?min_reviews=3").text) == [
        "Alpha", "Beta", "Gamma", "Delta"]
    assert _order(client.get(url + "?q=amm").text) == ["Gamma"]


def test_ranking_paginated_by_fifty(client, login_as, admin):
    round_ = f.EvaluationRoundFactory(reviewing=True)
    for n in range(55):
        f.ProposalFactory(submitted=True, challenge=round_.challenge, title=f"P{n:02d}")
    login_as(admin)
    url = f"/admin/evaluation/rounds/{round_.id}/ranking"
    first = client.get(url + "?sort=title").text
    assert len(_order(first)) == 50 and "55 proposals" in first
    assert 'href="/admin/evaluation/rounds/%d/ranking?sort=title&amp;page=2"' % round_.id in first
    second = _order(client.get(url + "?sort=title&page=2").text)
    assert second == [f"P{n}" for n in range(50, 55)]


def test_ranking_page_query_count_constant(client, login_as, admin, count_queries):
    def measure(n):
        round_, _proposals, _jurors = _evaluated(
            {f"Proposal {i}": [1 + i % 5, 1 + (i * 3) % 5, 3] for i in range(n)})
        login_as(admin)
        url = f"/admin/evaluation/rounds/{round_.id}/ranking"
        client.get(url)  # warm up
        with count_queries() as statements:
            response = client.get(url)
        assert response.status_code == 200
        return len(statements)

    assert measure(4) == measure(40)


# -- decisions --------------------------------------------------------------------------

def test_bulk_decision_goes_through_confirmation(client, login_as, admin):
    round_, proposals, _jurors = _evaluated(SCORES)
    ids = [proposals["Alpha"].id, proposals["Beta"].id]
    login_as(admin)
    url = f"/admin/evaluation/challenges/{round_.challenge_id}/decisions"
    back = f"/admin/evaluation/rounds/{round_.id}/ranking?sort=final"
    confirm = client.post(url, data={"proposal_ids": ids, "outcome": "shortlisted",
                                     "feedback": "See you at the pitch.", "next": back})
    assert confirm.status_code == 200
    assert "Confirm 2 decisions" in confirm.text
    assert "Alpha" in confirm.text and "Beta" in confirm.text and "Gamma" not in confirm.text
    assert db.session.scalars(sa.select(em.Decision)).all() == []  # nothing yet

    done = client.post(url, data={"proposal_ids": ids, "outcome": "shortlisted",
                                  "feedback": "See you at the pitch.", "next": back,
                                  "confirm": "1"})
    assert done.status_code == 302 and done.headers["Location"].endswith(back)
    decided = db.session.scalars(sa.select(em.Decision).order_by(em.Decision.proposal_id)).all()
    assert [(d.proposal_id, d.outcome, d.feedback) for d in decided] == [
        (i, em.SHORTLISTED, "See you at the pitch.") for i in sorted(ids)]
    ranking = client.get(back).text
    assert f"/admin/evaluation/challenges/{round_.challenge_id}/record/{decided[0].record_id}" \
        in ranking


def test_bulk_decision_without_ticks_refused(client, login_as, admin):
    round_, _proposals, _jurors = _evaluated({"Alpha": [3]})
    login_as(admin)
    page = client.post(f"/admin/evaluation/challenges/{round_.challenge_id}/decisions",
                       data={"outcome": "winner"}, follow_redirects=True)
    assert "Tick at least one proposal" in page.text
    assert db.session.scalars(sa.select(em.Decision)).all() == []


def test_decision_record_page_and_json_digest(client, login_as, admin):
    round_, proposals, _jurors = _evaluated({"Alpha": [4, 5]})
    login_as(admin)
    client.post(f"/admin/evaluation/challenges/{round_.challenge_id}/decisions",
                data={"proposal_ids": [proposals["Alpha"].id], "outcome": "winner",
                      "confirm": "1"})
    frozen = db.session.scalar(sa.select(em.DecisionRecord))
    base = f"/admin/evaluation/challenges/{round_.challenge_id}/record/{frozen.id}"
    text = client.get(base).text
    assert frozen.digest in text and "recomputes exactly" in text
    download = client.get(base + ".json")
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert hashlib.sha256(download.data).hexdigest() == frozen.digest


def test_record_exports_the_ranking_as_decided_not_as_it_is_now(client, login_as, admin):
    round_, proposals, _jurors = _evaluated({"Alpha": [4, 5], "Beta": [2, 2]})
    login_as(admin)
    client.post(f"/admin/evaluation/challenges/{round_.challenge_id}/decisions",
                data={"proposal_ids": [proposals["Alpha"].id], "outcome": "winner",
                      "confirm": "1"})
    frozen = db.session.scalar(sa.select(em.DecisionRecord))
    base = f"/admin/evaluation/challenges/{round_.challenge_id}/record/{frozen.id}"
    assert f'href="{base}.csv"' in client.get(base).text
    before = client.get(base + ".csv").data
    # later, Beta's score is overridden: the live ranking changes, the record does not
    client.post(f"/admin/evaluation/rounds/{round_.id}/proposals/{proposals['Beta'].id}",
                data={"score": "99", "reason": "Recounted by hand"})
    live = client.get(f"/admin/evaluation/rounds/{round_.id}/ranking.csv").data.decode("utf-8-sig")
    assert "Beta" in live.splitlines()[1]  # Beta now first
    after = client.get(base + ".csv")
    assert after.data == before
    rows = list(csv.reader(io.StringIO(before.decode("utf-8-sig"))))
    assert "Alpha" in ",".join(rows[1])  # as decided: Alpha first
    book = openpyxl.load_workbook(io.BytesIO(client.get(base + ".xlsx").data))
    assert "Alpha" in [c.value for c in book.active[2]]


def test_publish_decisions_button(client, login_as, admin, mail_outbox):
    round_, proposals, _jurors = _evaluated({"Alpha": [4]})
    f.DecisionFactory(proposal=proposals["Alpha"], outcome=em.WINNER)
    round_.status = em.CLOSED
    login_as(admin)
    response = client.post(f"/admin/evaluation/challenges/{round_.challenge_id}/publish")
    assert response.status_code == 302
    db.session.refresh(round_.challenge)
    assert round_.challenge.status == DECIDED


def test_proposal_page_reviews_and_override(client, login_as, admin):
    round_, proposals, _jurors = _evaluated({"Alpha": [4, 2]})
    alpha = proposals["Alpha"]
    login_as(admin)
    url = f"/admin/evaluation/rounds/{round_.id}/proposals/{alpha.id}"
    text = client.get(url).text
    assert "Juror 0" in text and "Juror 1" in text and "4 / 5" in text and "2 / 5" in text
    refused = client.post(url, data={"score": "90", "reason": ""})
    assert refused.status_code == 422 and 'value="90' in refused.text
    assert client.post(url, data={"score": "90", "reason": "Pitch video confirms it."}
                       ).status_code == 302
    override = db.session.scalar(sa.select(em.ScoreOverride))
    assert (override.score, override.reason) == (90, "Pitch video confirms it.")
    assert "Pitch video confirms it." in client.get(url).text
    ranking = client.get(f"/admin/evaluation/rounds/{round_.id}/ranking").text
    assert "overridden" in ranking and "90.00" in ranking


def test_proposal_page_shows_the_committees_discussion(client, login_as, admin):
    round_, proposals, jurors = _evaluated({"Alpha": [4, 2]})
    db.session.add(em.DiscussionComment(round_id=round_.id, proposal_id=proposals["Alpha"].id,
                                        author_id=jurors[0].id,
                                        body="<b>Budget</b> looks thin to me."))
    db.session.flush()
    login_as(admin)
    text = client.get(f"/admin/evaluation/rounds/{round_.id}/proposals/"
                      f"{proposals['Alpha'].id}").text
    assert "&lt;b&gt;Budget&lt;/b&gt; looks thin to me." in text and "Juror 0" in text


def test_proposal_page_of_another_challenge_not_found(client, login_as, admin):
    round_, _proposals, _jurors = _evaluated({"Alpha": [4]})
    stranger = f.ProposalFactory(submitted=True)
    login_as(admin)
    assert client.get(f"/admin/evaluation/rounds/{round_.id}/proposals/{stranger.id}"
                      ).status_code == 404


# -- exports -----------------------------------------------------------------------------

def test_csv_export_has_per_criterion_scores(client, login_as, admin):
    round_, _proposals, _jurors = _evaluated({"Alpha": [5, 4], "Beta": [2]})
    login_as(admin)
    response = client.get(f"/admin/evaluation/rounds/{round_.id}/ranking.csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["Content-Disposition"].endswith('.csv"')
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    header = rows[0]
    innovation = next(i for i, h in enumerate(header) if "Innovation" in h)
    alpha = next(r for r in rows[1:] if "Alpha" in r)
    assert float(alpha[innovation]) == 4.5


def test_xlsx_export_opens_with_openpyxl(client, login_as, admin):
    round_, _proposals, _jurors = _evaluated({"Alpha": [5, 4], "Beta": [2]})
    login_as(admin)
    response = client.get(f"/admin/evaluation/rounds/{round_.id}/ranking.xlsx")
    assert response.headers["Content-Disposition"].endswith('.xlsx"')
    sheet = openpyxl.load_workbook(io.BytesIO(response.data)).active
    rows = [[c for c in row] for row in sheet.iter_rows(values_only=True)]
    header = rows[0]
    feasibility = next(i for i, h in enumerate(header) if h and "Feasibility" in h)
    beta = next(r for r in rows[1:] if "Beta" in r)
    assert beta[feasibility] == 2
