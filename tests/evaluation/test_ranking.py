"""The ranking as the admin's page, the exports and the decision record see it."""
from __future__ import annotations

import io
import random
from decimal import Decimal

import openpyxl
import pytest
import sqlalchemy as sa

from alliance.evaluation import models as em
from alliance.evaluation.decisions import override_score
from alliance.evaluation.exports import ranking_csv, ranking_xlsx
from alliance.evaluation.ranking import (
    AssignmentInput,
    CriterionInfo,
    Inputs,
    ProposalInfo,
    RoundInfo,
    build,
    challenge_ranking,
    round_ranking,
)
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


def _scored_challenge(n: int, jurors: int = 4):
    """``n`` proposals, three reviews each among ``jurors`` jurors, one override and
    one decision, a second round on the first two proposals."""
    challenge = evaluating_challenge()
    first = round_of(challenge, normalise=True)
    people = [f.JuryUserFactory() for _ in range(jurors)]
    proposals = [proposal_of(challenge) for _ in range(n)]
    for i, proposal in enumerate(proposals):
        for k in range(3):
            review(first, proposal, people[(i + k) % jurors],
                   scores=(1 + (i + k) % 5, 1 + (i * k) % 5, 1 + k))
    second = second_round(first, proposals[:2])
    for proposal in proposals[:2]:
        review(second, proposal, people[0], scores=(4, 4, 4))
    db.session.add(em.ScoreOverride(round_id=first.id, proposal_id=proposals[-1].id,
                                    score=Decimal("99"), reason="Checked by hand"))
    f.DecisionFactory(proposal=proposals[0], outcome=em.WINNER)
    db.session.flush()
    return challenge, first, proposals


# -- queries ---------------------------------------------------------------------------

def test_challenge_ranking_query_count_constant_when_proposals_grow_tenfold(count_queries):
    small, _, _ = _scored_challenge(3)
    large, _, _ = _scored_challenge(30)
    with count_queries() as at_n:
        assert len(challenge_ranking(small).rows) == 3
    with count_queries() as at_10n:
        assert len(challenge_ranking(large).rows) == 30
    assert len(at_n) == len(at_10n) <= 6


def test_round_ranking_query_count_constant_when_proposals_grow_tenfold(count_queries):
    _, small, _ = _scored_challenge(3)
    _, large, _ = _scored_challenge(30)
    with count_queries() as at_n:
        round_ranking(small)
    with count_queries() as at_10n:
        round_ranking(large)
    assert len(at_n) == len(at_10n)


# -- figures -----------------------------------------------------------------------------

def test_row_figures_from_criterion_scores():
    challenge = evaluating_challenge()
    round_ = round_of(challenge, disagreement_threshold=Decimal("15"))
    proposal = proposal_of(challenge, title="Sensors on trams")
    # totals: (5, 3, 1) -> 57.5; (5, 5, 5) -> 100; a draft and an untouched assignment
    review(round_, proposal, scores=(5, 3, 1))
    review(round_, proposal, scores=(5, 5, 5))
    review(round_, proposal, scores=(2, 2, 2), status=em.DRAFT)
    review(round_, proposal, status=None)

    row = challenge_ranking(challenge).rows[0]

    assert (row.proposal_id, row.title, row.startup_name) == (
        proposal.id, "Sensors on trams", proposal.startup.name)
    assert (row.reviews, row.assigned) == (2, 4)
    assert row.totals == (57.5, 100)
    # mean = median = 78.75; sd = 42.5 / sqrt(2) = 30.05 > 15
    assert (row.mean, row.median) == (78.75, 78.75)
    assert row.sd == pytest.approx(30.052, abs=1e-3) and row.disagreement
    assert row.normalised is None and row.override is None
    assert row.final_score == 78.75 and row.rank == 1 and not row.tied
    assert row.criterion_means == (5, 4, 3)
    assert (row.spread.min, row.spread.max) == (57.5, 100)


def test_round_figures_count_jurors_and_reviews():
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    a, b, c = (f.JuryUserFactory() for _ in range(3))
    p1, p2 = proposal_of(challenge), proposal_of(challenge)
    review(round_, p1, a, scores=(5, 5, 5))
    review(round_, p1, b, scores=(4, 4, 4))
    review(round_, p2, a, scores=(2, 2, 2))
    review(round_, p2, c, scores=(1, 1, 1), status=em.DRAFT)

    ranking = challenge_ranking(challenge)

    assert (ranking.jurors, ranking.reviews_done, ranking.reviews_pending) == (3, 3, 1)
    # only p1 has two values: 100 and 75; pairable values n = 2, expected 2*S2 - S1^2
    # = 2*15625 - 30625 = 625; observed 625: alpha = 1 - 1 * 625 / 625 = 0
    assert ranking.alpha == pytest.approx(0)
    assert "Krippendorff" in ranking.alpha_text
    assert [r.proposal_id for r in ranking.rows] == [p1.id, p2.id]


def test_ties_shown_as_ties_and_unscored_last():
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    p1, p2, p3, p4 = (proposal_of(challenge) for _ in range(4))
    review(round_, p1, scores=(3, 3, 3))
    review(round_, p2, scores=(3, 3, 3))
    review(round_, p3, scores=(5, 5, 5))

    rows = challenge_ranking(challenge).rows

    assert [(r.proposal_id, r.rank, r.tied) for r in rows] == [
        (p3.id, 1, False), (p1.id, 2, True), (p2.id, 2, True), (p4.id, None, False)]


def test_override_replaces_score_and_reorders(admin, now):
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    low, high = proposal_of(challenge), proposal_of(challenge)
    review(round_, low, scores=(2, 2, 2))
    review(round_, high, scores=(4, 4, 4))

    override_score(round_=round_, proposal=low, score="90", reason="Juror misread the budget",
                   user=admin, now=now)
    rows = challenge_ranking(challenge).rows

    assert [r.proposal_id for r in rows] == [low.id, high.id]
    assert rows[0].override.score == Decimal("90.00")
    assert rows[0].override.reason == "Juror misread the budget"
    assert rows[0].mean == 25 and rows[0].final_score == 90

    override_score(round_=round_, proposal=low, score=None, reason="Lifted after discussion",
                   user=admin, now=now)
    rows = challenge_ranking(challenge).rows
    assert [r.proposal_id for r in rows] == [high.id, low.id]
    assert rows[1].override is None and rows[1].final_score == 25


def test_normalised_round_ranks_on_normalised_score():
    # The hand example of test_aggregation: raw means P1 40, P2 40, P3 70;
    # normalised P1 40, P2 50, P3 60. Totals 20, 30, ... come from single criteria
    # scores on a 1-11 scale (score s -> (s - 1) * 10 points).
    challenge = evaluating_challenge()
    round_ = round_of(challenge, normalise=True, with_criteria=False)
    round_.criteria = [em.EvaluationCriterion(name="Overall", weight=Decimal("1"), scale=11)]
    db.session.flush()
    a, b, c = (f.JuryUserFactory() for _ in range(3))
    p1, p2, p3 = (proposal_of(challenge) for _ in range(3))
    for juror, proposal, points in [(a, p1, 20), (a, p2, 30), (b, p2, 50), (b, p3, 80),
                                    (c, p1, 60), (c, p3, 60)]:
        review(round_, proposal, juror, scores=(points // 10 + 1,))

    rows = {r.proposal_id: r for r in challenge_ranking(challenge).rows}

    assert [rows[p.id].mean for p in (p1, p2, p3)] == [40, 40, 70]
    assert [rows[p.id].normalised for p in (p1, p2, p3)] == pytest.approx([40, 50, 60])
    assert [rows[p.id].rank for p in (p3, p2, p1)] == [1, 2, 3]


def test_second_round_combines_and_ranks_entrants_first():
    challenge = evaluating_challenge()
    first = round_of(challenge, weight=Decimal("1"))
    p1, p2, p3 = (proposal_of(challenge) for _ in range(3))
    review(first, p1, scores=(5, 5, 5))  # 100
    review(first, p2, scores=(3, 3, 3))  # 50
    review(first, p3, scores=(4, 4, 4))  # 75
    second = second_round(first, [p1, p2], weight=Decimal("3"))
    review(second, p1, scores=(1, 1, 1))  # 0  -> (100 + 0) / 4 = 25
    review(second, p2, scores=(5, 5, 5))  # 100 -> (50 + 300) / 4 = 87.5

    ranking = challenge_ranking(challenge)

    assert ranking.combined
    assert [(r.proposal_id, r.final_score, r.rank) for r in ranking.rows] == [
        (p2.id, 87.5, 1), (p1.id, 25, 2), (p3.id, 75, 3)]
    assert ranking.rows[0].second.score == 100 and ranking.rows[2].second is None
    alone = round_ranking(second)
    assert [(r.proposal_id, r.final_score) for r in alone.rows] == [(p2.id, 100), (p1.id, 0)]


def test_decision_appears_in_row():
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    proposal = proposal_of(challenge)
    review(round_, proposal)
    f.DecisionFactory(proposal=proposal, outcome=em.SHORTLISTED, feedback="Strong team.")

    row = challenge_ranking(challenge).rows[0]

    assert row.outcome == em.SHORTLISTED and row.decision.feedback == "Strong team."


def test_ranking_of_challenge_without_rounds_is_empty():
    ranking = challenge_ranking(evaluating_challenge())
    assert ranking.rows == [] and ranking.alpha is None


# -- scale --------------------------------------------------------------------------------

def test_aggregation_of_6000_reviews_ranks_every_proposal():
    """The bench's size (its time is measured by ``python -m bench.evaluation``)."""
    rng = random.Random(4)
    criteria = tuple(CriterionInfo(i, f"C{i}", Decimal(w), 5, i)
                     for i, w in enumerate((40, 35, 25)))
    round_ = RoundInfo(id=1, challenge_id=1, number=1, name="", status="reviewing",
                       normalise=True, disagreement_threshold=Decimal("15"),
                       weight=Decimal("1"), share_reviews=True, criteria=criteria)
    proposals = [ProposalInfo(i, f"P{i}", f"S{i}") for i in range(2000)]
    assignments = [
        AssignmentInput(1, p, (p * 3 + k) % 30, em.SUBMITTED,
                        tuple(rng.randint(1, 5) for _ in criteria))
        for p in range(2000) for k in range(3)
    ]
    inputs = Inputs(challenge_id=1, rounds=[round_], proposals=proposals,
                    members={1: tuple(range(2000))}, assignments=assignments, overrides=[])

    ranking = build(inputs)

    assert len(ranking.rows) == 2000 and ranking.rows[0].rank == 1
    assert [r.rank for r in ranking.rows] == sorted(r.rank for r in ranking.rows)


# -- cache --------------------------------------------------------------------------------

def test_cached_ranking_is_reused_until_an_input_changes(app, admin, now, monkeypatch):
    monkeypatch.setitem(app.config, "RANKING_CACHE", True)
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    low, high = proposal_of(challenge), proposal_of(challenge)
    review(round_, low, scores=(2, 2, 2))
    late = review(round_, high, scores=(4, 4, 4))

    first = challenge_ranking(challenge)
    assert challenge_ranking(challenge) is first  # nothing changed: served from the cache

    override_score(round_=round_, proposal=low, score="90", reason="Checked by hand",
                   user=admin, now=now)
    db.session.flush()
    overridden = challenge_ranking(challenge)
    assert overridden is not first
    assert [r.proposal_id for r in overridden.rows] == [low.id, high.id]

    score = late.scores[0]  # a score changed in place, the review row untouched
    score.score = 1
    db.session.flush()
    rescored = challenge_ranking(challenge)
    assert rescored is not overridden
    assert rescored.row(high.id).mean < overridden.row(high.id).mean

    high.title = "Renamed by the start-up"
    db.session.flush()
    assert challenge_ranking(challenge).row(high.id).title == "Renamed by the start-up"

    f.DecisionFactory(proposal=low, outcome=em.WINNER)
    db.session.flush()
    assert challenge_ranking(challenge).row(low.id).outcome == em.WINNER


def test_round_revision_bumped_by_each_input_and_by_nothing_else():
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    proposal = proposal_of(challenge)

    def revision():
        db.session.flush()
        return db.session.scalar(sa.select(em.EvaluationRound.revision)
                                 .where(em.EvaluationRound.id == round_.id))

    before = revision()
    f.StartupFactory(name="Someone else entirely")  # not in this challenge
    assert revision() == before
    done = review(round_, proposal)
    assert revision() > before
    before = revision()
    done.comment_for_startup = "Edited"
    assert revision() > before
    before = revision()
    proposal.startup.name = "New name S.r.l."
    assert revision() > before


# -- exports ------------------------------------------------------------------------------

def test_exports_carry_per_criterion_scores(admin, now):
    challenge = evaluating_challenge()
    round_ = round_of(challenge)
    proposal = proposal_of(challenge, title="=HYPERLINK(\"http://evil\") città")
    review(round_, proposal, scores=(5, 3, 1))
    review(round_, proposal, scores=(3, 3, 3))
    ranking = challenge_ranking(challenge)

    text = ranking_csv(ranking).decode("utf-8")
    assert text.startswith("\ufeffRank,Tie,Proposal ID,Proposal,Start-up,Final score")
    assert "Innovation (1-5, weight 40)" in text
    lines = text.splitlines()
    # total 57.5 and 50: mean 53.75; Innovation (5 + 3) / 2 = 4, Impact (1 + 3) / 2 = 2
    assert lines[1].startswith(f"1,,{proposal.id},\"'=HYPERLINK(\"\"http://evil\"\") città\"")
    assert ",53.75," in lines[1] and lines[1].endswith(",4.0,3.0,2.0,")

    book = openpyxl.load_workbook(io.BytesIO(ranking_xlsx(ranking)))
    sheet = book.active
    header = [c.value for c in sheet[1]]
    assert header[:6] == ["Rank", "Tie", "Proposal ID", "Proposal", "Start-up", "Final score"]
    assert sheet["A1"].font.b
    values = [c.value for c in sheet[2]]
    assert values[0] == 1 and values[5] == 53.75 and isinstance(values[5], float)
    assert sheet["D2"].data_type == "s" and values[3].startswith("=HYPERLINK")
    assert values[header.index("Innovation (1-5, weight 40)")] == 4


def test_exports_of_two_rounds_prefix_round_columns():
    challenge = evaluating_challenge()
    first = round_of(challenge)
    proposal, other = proposal_of(challenge), proposal_of(challenge)
    review(first, proposal, scores=(5, 5, 5))
    review(first, other, scores=(1, 1, 1))
    second = second_round(first, [proposal])
    review(second, proposal, scores=(3, 3, 3))
    headers = ranking_csv(challenge_ranking(challenge)).decode("utf-8").splitlines()[0]
    assert "Round 1: Mean" in headers and "Round 2: Round score" in headers

    book = openpyxl.load_workbook(io.BytesIO(ranking_xlsx(challenge_ranking(challenge))))
    header = [c.value for c in book.active[1]]
    rows = [[c.value for c in row] for row in book.active.iter_rows(min_row=2)]
    # (100 + 50) / 2 = 75 for the entrant; the other keeps 0, and has no round-two cells
    assert [(r[2], r[5]) for r in rows] == [(proposal.id, 75), (other.id, 0)]
    assert rows[1][header.index("Round 2: Round score")] is None
