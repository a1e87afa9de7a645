"""Aggregation: every expected figure below was computed by hand (shown in comments)."""
from __future__ import annotations

import pytest

from alliance.evaluation import aggregation as agg

CRITERIA = [agg.CriterionSpec("innovation", 40, 5), agg.CriterionSpec("feasibility", 35, 5),
            agg.CriterionSpec("impact", 25, 5)]


# -- review totals ----------------------------------------------------------------------

def test_review_total_is_weighted_mean_on_0_100():
    # 5, 3, 1 on 1-5 are 100, 50 and 0 points: (40*100 + 35*50 + 25*0) / 100 = 57.5
    total = agg.review_total({"innovation": 5, "feasibility": 3, "impact": 1}, CRITERIA)
    assert total == pytest.approx(57.5)


def test_review_total_mixes_scales():
    # 7 on 1-10 is 6/9*100 = 66.667; 2 on 1-3 is 50: (1*66.667 + 3*50) / 4 = 54.1667
    criteria = [agg.CriterionSpec(1, 1, 10), agg.CriterionSpec(2, 3, 3)]
    assert agg.review_total({1: 7, 2: 2}, criteria) == pytest.approx(54.1666667)


def test_review_total_leaves_blank_scores_out():
    # only feasibility scored: 4 on 1-5 is 75 points whatever the other weights
    assert agg.review_total({"feasibility": 4, "impact": None}, CRITERIA) == pytest.approx(75)
    assert agg.review_total({}, CRITERIA) is None


# -- one proposal's figures ----------------------------------------------------------------

def test_summarise_mean_median_sample_sd():
    # 40, 60, 80: mean 60, median 60, sd = sqrt((400 + 0 + 400) / 2) = 20
    summary = agg.summarise([80.0, 40.0, 60.0])
    assert (summary.count, summary.mean, summary.median, summary.sd) == (3, 60, 60, 20)


def test_summarise_even_count_median_is_middle_mean():
    assert agg.summarise([10.0, 90.0, 20.0, 30.0]).median == 25


def test_summarise_single_review_has_no_sd_and_no_disagreement():
    summary = agg.summarise([70.0])
    assert (summary.mean, summary.median, summary.sd) == (70, 70, None)
    assert agg.disagreement(summary.sd, 15) is False


def test_disagreement_only_above_threshold():
    assert agg.disagreement(20.0, 20) is False
    assert agg.disagreement(20.01, 20) is True


# -- normalisation -------------------------------------------------------------------------

def test_normalisation_on_three_jurors_three_proposals():
    # Jurors A, B, C; each reviews two of P1, P2, P3 (totals on 0-100):
    #        P1   P2   P3   juror mean  population sd   z-scores
    #   A    20   30    .   25          5               P1 -1, P2 +1
    #   B     .   50   80   65          15              P2 -1, P3 +1
    #   C    60    .   60   60          0               0, 0 (equal totals)
    # All six totals: mean 50; deviations -30 -20 0 30 10 10, squares 2400 / 6 = 400,
    # population sd 20. Mapped back: 50 + 20 z:
    #   A: P1 30, P2 70;  B: P2 30, P3 70;  C: P1 50, P3 50
    # Per proposal: P1 (30 + 50) / 2 = 40, P2 (70 + 30) / 2 = 50, P3 (70 + 50) / 2 = 60,
    # where the raw means are 40, 40, 70: the harsh juror A no longer ties P1 and P2.
    reviews = [("A", 20.0), ("A", 30.0), ("B", 50.0), ("B", 80.0), ("C", 60.0), ("C", 60.0)]
    assert agg.normalise_totals(reviews) == pytest.approx([30, 70, 30, 70, 50, 50])
    normalised = agg.normalise_totals(reviews)
    assert agg.mean([normalised[0], normalised[4]]) == pytest.approx(40)
    assert agg.mean([normalised[1], normalised[2]]) == pytest.approx(50)
    assert agg.mean([normalised[3], normalised[5]]) == pytest.approx(60)


def test_normalisation_juror_with_one_review_gets_overall_mean():
    # overall mean (40 + 60 + 90) / 3 = 63.33; D has a single review: z = 0
    result = agg.normalise_totals([("A", 40.0), ("A", 60.0), ("D", 90.0)])
    assert result[2] == pytest.approx(190 / 3)


def test_normalisation_clips_to_scale():
    # totals 0, 100, 100, 100: mean 75, population sd sqrt(1875) = 43.30;
    # A's 100 has z = +1: 75 + 43.30 = 118.3, clipped to 100; A's 0: 75 - 43.30 = 31.70
    result = agg.normalise_totals([("A", 0.0), ("A", 100.0), ("B", 100.0), ("B", 100.0)])
    assert result[1] == 100
    assert result[0] == pytest.approx(75 - 1875 ** 0.5)


# -- ranking --------------------------------------------------------------------------------

def test_ranking_ties_on_displayed_score():
    # 80.004 and 79.996 are both shown as 80.00: tied with the 80, so "1, 1, 1, 4"
    ranked = agg.competition_ranking([[(3, 80.004), (1, 70.0), (2, 79.996), (5, None),
                                       (4, 80.0)]])
    assert ranked == [(2, 1, True), (3, 1, True), (4, 1, True), (1, 4, False),
                      (5, None, False)]


def test_ranking_without_ties():
    ranked = agg.competition_ranking([[(1, 50.0), (2, 60.0), (3, 55.0)]])
    assert ranked == [(2, 1, False), (3, 2, False), (1, 3, False)]


def test_ranking_groups_rank_first_group_ahead():
    # round-two entrants (first group) ahead of proposals with a higher round-one score
    ranked = agg.competition_ranking([[(7, 50.0), (8, 50.0)], [(9, 90.0), (10, 40.0)]])
    assert ranked == [(7, 1, True), (8, 1, True), (9, 3, False), (10, 4, False)]


def test_combine_rounds_with_weights():
    # (1 * 60 + 3 * 80) / 4 = 75
    assert agg.combine_rounds(60.0, 80.0, 1, 3) == 75
    assert agg.combine_rounds(60.0, None, 1, 3) == 60


# -- agreement ------------------------------------------------------------------------------

def test_alpha_matches_hand_computation():
    # Two jurors, three proposals (and one proposal with a single value, left out):
    #   J1: 10 20 30 50     units {10,20} {20,20} {30,40}, n = 6 pairable values
    #   J2: 20 20 40  .
    # Observed: per unit (a - b)^2 = 100, 0, 100 -> sum 200.
    # Expected: S1 = 140, S2 = 3800, n S2 - S1^2 = 22800 - 19600 = 3200.
    # alpha = 1 - (n - 1) * 200 / 3200 = 1 - 1000 / 3200 = 0.6875
    assert agg.interval_alpha_matrix([[10, 20, 30, 50], [20, 20, 40, None]]) == \
        pytest.approx(0.6875)
    assert agg.interval_alpha([[10, 20], [20, 20], [30, 40], [50]]) == pytest.approx(0.6875)


def test_alpha_matches_krippendorff_2011_interval_example():
    # "Computing Krippendorff's Alpha-Reliability" (2011), 4 observers x 12 units with
    # missing values: alpha interval = 0.849.
    n = None
    matrix = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, n, n, n],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, n, 3],
        [n, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, n],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, n],
    ]
    assert round(agg.interval_alpha_matrix(matrix), 3) == 0.849


def test_alpha_perfect_agreement_is_one_and_undefined_cases_none():
    assert agg.interval_alpha([[10, 10], [50, 50], [90, 90]]) == 1
    assert agg.interval_alpha([[10], [50]]) is None  # nothing to pair
    assert agg.interval_alpha([[50, 50], [50, 50]]) is None  # no variation at all


def test_alpha_explanation_says_what_the_figure_means(app):
    with app.test_request_context():
        text = agg.alpha_explanation(0.6875)
        assert "0.69" in text and "1 means the jurors agree perfectly" in text
        assert "cannot be measured yet" in agg.alpha_explanation(None)


# -- spread -----------------------------------------------------------------------------------

def test_spread_gives_points_and_quartiles_on_0_100():
    # 20, 40, 60, 100: q1 at position 0.75 -> 35, median 50, q3 at 2.25 -> 70
    data = agg.spread([60.0, 20.0, 100.0, 40.0])
    assert data.points == (20, 40, 60, 100)
    assert (data.min, data.q1, data.median, data.q3, data.max) == (20, 35, 50, 70, 100)
    assert agg.spread([]) is None
