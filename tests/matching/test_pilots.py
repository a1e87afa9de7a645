"""Pilot matching on hand-made instances (optimum and stable matching worked out
by hand in the comments), capacities, ties, locks, a decline and its re-match."""
from __future__ import annotations

import itertools
import json
import random

import pytest

from alliance.matching import pilots as P
from bench import matching as bench

# Start-ups are 1, 2, 3...; challenges 10, 20, 30.

# Greedy takes (1, 10) = 9 first and is left with (2, 20) = 1 and (3, 30) = 5: 15.
# The optimum gives 10 to start-up 2 instead: (1, 20) 8 + (2, 10) 8 + (3, 30) 5 = 21.
GREEDY_TRAP = {(1, 10): 9, (1, 20): 8, (2, 10): 8, (2, 20): 1, (3, 10): 4, (3, 30): 5}
ONE_SLOT = {10: 1, 20: 1, 30: 1}


def test_optimal_matching_beats_greedy_on_a_hand_made_instance():
    matching = P.optimal_matching(scores=GREEDY_TRAP, slots=ONE_SLOT)

    assert matching.pairs == ((1, 20), (2, 10), (3, 30))
    assert matching.total_score == 21
    assert matching.open_slots == {}
    assert matching.challenges_of(1) == (20,)
    assert matching.startups_of(10) == (2,)


def test_optimal_matching_capacities_slots_two_and_startup_capacity_two():
    scores = {(1, 10): 9, (1, 20): 7, (2, 10): 8, (2, 20): 6, (3, 10): 5, (3, 20): 6}
    slots = {10: 2, 20: 1}
    # One pilot each: 10 <- {1, 2} = 17 and 20 <- 3 = 6 make 23 (20 <- 1 would leave
    # 10 with {2, 3} = 13: 20).
    single = P.optimal_matching(scores=scores, slots=slots)
    assert single.pairs == ((1, 10), (2, 10), (3, 20))
    assert single.total_score == 23
    # Start-up 1 may take two: 10 <- {1, 2} = 17 and 20 <- 1 = 7 make 24.
    double = P.optimal_matching(scores=scores, slots=slots, startup_capacity={1: 2})
    assert double.pairs == ((1, 10), (1, 20), (2, 10))
    assert double.total_score == 24
    assert double.capacity == {1: 2, 2: 1, 3: 1}
    # Everyone may take two: the same 24 (slots bind).
    assert P.optimal_matching(scores=scores, slots=slots, startup_capacity=2).total_score == 24


def test_optimal_matching_ties_go_to_lower_ids_whatever_the_input_order():
    one_slot = {(2, 10): 5, (1, 10): 5}
    assert P.optimal_matching(scores=one_slot, slots={10: 1}).pairs == ((1, 10),)
    # Four equal scores: two equal pairings; lower start-ups go with lower challenges.
    square = {(s, c): 5.0 for s in (1, 2) for c in (10, 20)}
    for order in itertools.permutations(square.items()):
        matching = P.optimal_matching(scores=dict(order), slots={20: 1, 10: 1})
        assert matching.pairs == ((1, 10), (2, 20))


def test_optimal_matching_a_tie_never_beats_a_real_difference():
    # The tie bonus favours (1, 10), but (2, 10) is better by the smallest step.
    scores = {(1, 10): 70.0, (2, 10): 70.0001}
    assert P.optimal_matching(scores=scores, slots={10: 1}).pairs == ((2, 10),)


def test_optimal_matching_keeps_locked_pairs_and_optimises_the_rest():
    # (1, 10) locked: start-up 2 can only have 20 (1), start-up 3 takes 30 (5): 15.
    matching = P.optimal_matching(scores=GREEDY_TRAP, slots=ONE_SLOT, locked=[(1, 10)])
    assert matching.pairs == ((1, 10), (2, 20), (3, 30))
    assert matching.locked == ((1, 10),)
    assert matching.total_score == 15
    # A lock is kept even outside ``allowed`` and without a score (it counts 0).
    matching = P.optimal_matching(scores=GREEDY_TRAP, slots=ONE_SLOT, locked=[(3, 20)],
                                  allowed={(1, 10), (2, 10)})
    assert matching.pairs == ((1, 10), (3, 20))
    assert matching.total_score == 9


def test_optimal_matching_refuses_locks_beyond_capacities():
    with pytest.raises(ValueError, match="slots of challenge 10"):
        P.optimal_matching(scores=GREEDY_TRAP, slots=ONE_SLOT, locked=[(1, 10), (2, 10)])
    with pytest.raises(ValueError, match="capacity of start-up 1"):
        P.optimal_matching(scores=GREEDY_TRAP, slots=ONE_SLOT, locked=[(1, 10), (1, 20)])


def test_optimal_matching_respects_allowed_pairs():
    allowed = {(1, 10), (2, 20), (3, 30)}
    matching = P.optimal_matching(scores=GREEDY_TRAP, slots=ONE_SLOT, allowed=allowed)
    assert matching.pairs == ((1, 10), (2, 20), (3, 30))
    assert matching.total_score == 15


def test_optimal_matching_empty_and_degenerate_inputs():
    empty = P.optimal_matching(scores={}, slots={})
    assert (empty.pairs, empty.total_score, empty.open_slots) == ((), 0, {})
    # No slots, an unknown challenge, a negative score: nothing to match.
    assert P.optimal_matching(scores=GREEDY_TRAP, slots={10: 0}).pairs == ()
    assert P.optimal_matching(scores={(1, 99): 5}, slots={10: 1}).open_slots == {10: 1}
    assert P.optimal_matching(scores={(1, 10): -1}, slots={10: 1}).pairs == ()
    # A start-up with capacity 0 gets nothing.
    assert P.optimal_matching(scores=GREEDY_TRAP, slots=ONE_SLOT,
                              startup_capacity={2: 0}).challenges_of(2) == ()


def _brute_force_optimum(scores, slots, capacity):
    best = 0.0
    pairs = sorted(scores)
    for k in range(len(pairs) + 1):
        for chosen in itertools.combinations(pairs, k):
            if all(sum(1 for s, _c in chosen if s == x) <= capacity for x, _ in chosen) and \
                    all(sum(1 for _s, c in chosen if c == y) <= slots[y] for _, y in chosen):
                best = max(best, sum(scores[p] for p in chosen))
    return best


@pytest.mark.parametrize("seed", range(6))
def test_optimal_matching_equals_brute_force_on_small_random_instances(seed):
    rng = random.Random(seed)
    scores = {(s, c): rng.randint(0, 9) for s in range(1, 5) for c in (10, 20, 30)
              if rng.random() < 0.7}
    slots = {10: rng.randint(1, 2), 20: 1, 30: rng.randint(0, 2)}
    capacity = rng.randint(1, 2)
    matching = P.optimal_matching(scores=scores, slots=slots, startup_capacity=capacity)
    assert matching.total_score == _brute_force_optimum(scores, slots, capacity)


# -- stable matching ---------------------------------------------------------------------

# Gale and Shapley (1962), example 1: men alpha, beta, gamma (start-ups 1, 2, 3) and
# women A, B, C (challenges 10, 20, 30). Each man's first choice differs, and each
# woman likes best the man who likes her least. Three stable matchings: every man
# his first choice (men-optimal), every woman hers, everyone their second.
GS_STARTUPS = {1: [10, 20, 30], 2: [20, 30, 10], 3: [30, 10, 20]}
GS_CHALLENGES = {10: [2, 3, 1], 20: [3, 1, 2], 30: [1, 2, 3]}


def test_stable_matching_gale_shapley_example_is_startup_optimal():
    matching = P.stable_matching(startup_prefs=GS_STARTUPS, challenge_prefs=GS_CHALLENGES,
                                 slots=ONE_SLOT)
    assert matching.pairs == ((1, 10), (2, 20), (3, 30))  # every start-up's first choice
    assert matching.total_score is None
    # Proposing the other way round gives the other extreme: every challenge's first.
    reverse = P.stable_matching(startup_prefs=GS_CHALLENGES, challenge_prefs=GS_STARTUPS,
                                slots={1: 1, 2: 1, 3: 1})
    assert sorted((s, c) for c, s in reverse.pairs) == [(1, 30), (2, 10), (3, 20)]


def test_blocking_pairs_of_the_gale_shapley_matchings():
    def blocking(pairs):
        matching = P.Matching(pairs=pairs, total_score=None, slots=ONE_SLOT,
                              capacity={1: 1, 2: 1, 3: 1})
        return P.blocking_pairs(matching, startup_prefs=GS_STARTUPS,
                                challenge_prefs=GS_CHALLENGES)

    assert blocking(((1, 10), (2, 20), (3, 30))) == []
    assert blocking(((1, 30), (2, 10), (3, 20))) == []
    assert blocking(((1, 20), (2, 30), (3, 10))) == []  # everyone's second: stable too
    # 1-10, 2-30, 3-20: start-up 3 (has its last) prefers 10, and 10 prefers 3 (its
    # second) to 1 (its last): one blocking pair. 2 prefers 20 but 20 holds its first.
    assert blocking(((1, 10), (2, 30), (3, 20))) == [(3, 10)]
    # Nobody matched: every mutually acceptable pair blocks.
    assert len(blocking(())) == 9


def test_stable_matching_hospitals_residents_with_two_slots():
    # 10 has two slots, 20 one. Start-ups propose in id order:
    # 1->10, 2->10 held; 3->10: 10 drops 2 (its last); 4->20 held; 2->20: 20 drops 4;
    # 4->10: 10 drops 1; 1->20: 20 keeps 2. Start-up 1 ends with nothing.
    startup_prefs = {1: [10, 20], 2: [10, 20], 3: [10], 4: [20, 10]}
    challenge_prefs = {10: [4, 3, 1, 2], 20: [2, 1, 4]}
    matching = P.stable_matching(startup_prefs=startup_prefs, challenge_prefs=challenge_prefs,
                                 slots={10: 2, 20: 1})
    assert matching.pairs == ((2, 20), (3, 10), (4, 10))
    assert matching.challenges_of(1) == ()
    assert P.blocking_pairs(matching, startup_prefs=startup_prefs,
                            challenge_prefs=challenge_prefs) == []


def test_stable_matching_startup_capacity_two():
    # 1 (capacity 2) holds 10 and 20; 2 takes 10 from it (10 prefers 2); 1 goes on to 30.
    startup_prefs = {1: [10, 20, 30], 2: [10]}
    challenge_prefs = {10: [2, 1], 20: [1], 30: [1]}
    matching = P.stable_matching(startup_prefs=startup_prefs, challenge_prefs=challenge_prefs,
                                 slots={10: 1, 20: 1, 30: 1}, startup_capacity={1: 2})
    assert matching.pairs == ((1, 20), (1, 30), (2, 10))


def test_stable_matching_ties_are_broken_by_id_and_pairs_must_be_mutual():
    slots = {10: 1, 20: 1}
    startup_prefs = {2: [10], 1: [10, 20]}
    tied = {10: [{2, 1}], 20: [2]}  # 10 ranks 1 and 2 equal; 20 does not rank 1
    matching = P.stable_matching(startup_prefs=startup_prefs, challenge_prefs=tied,
                                 slots=slots, scores={(1, 10): 60, (2, 10): 70})
    assert matching.pairs == ((1, 10),)  # 2 never listed 20; 1 is not ranked by 20
    assert matching.total_score == 60
    # With the tie, giving 10 to 2 instead is weakly stable too: 10 is indifferent.
    other = P.Matching(pairs=((2, 10),), total_score=None, slots=slots, capacity={1: 1, 2: 1})
    assert P.blocking_pairs(other, startup_prefs=startup_prefs, challenge_prefs=tied) == []


def test_stable_matching_empty_inputs():
    assert P.stable_matching(startup_prefs={}, challenge_prefs={}, slots={}).pairs == ()
    no_slot = P.stable_matching(startup_prefs={1: [10]}, challenge_prefs={10: [1]},
                                slots={10: 0})
    assert no_slot.pairs == ()
    assert P.blocking_pairs(no_slot, startup_prefs={1: [10]}, challenge_prefs={10: [1]}) == []


@pytest.mark.parametrize("seed", range(5))
def test_stable_matching_has_no_blocking_pair_and_is_startup_optimal(seed):
    rng = random.Random(seed)
    challenges = [10, 20, 30]
    startup_prefs = {s: rng.sample(challenges, rng.randint(1, 3)) for s in range(1, 5)}
    challenge_prefs = {c: rng.sample(range(1, 5), 4) for c in challenges}
    slots = {10: 1, 20: 2, 30: 1}
    matching = P.stable_matching(startup_prefs=startup_prefs, challenge_prefs=challenge_prefs,
                                 slots=slots)
    assert P.blocking_pairs(matching, startup_prefs=startup_prefs,
                            challenge_prefs=challenge_prefs) == []
    # Every stable matching (brute force): no start-up does better in any of them.
    acceptable = [(s, c) for s, cs in startup_prefs.items() for c in cs]
    rank = {s: {c: i for i, c in enumerate(cs)} for s, cs in startup_prefs.items()}
    mine = {s: matching.challenges_of(s) for s in startup_prefs}
    for k in range(len(acceptable) + 1):
        for pairs in itertools.combinations(acceptable, k):
            if len({s for s, _c in pairs}) < k or any(
                    sum(1 for _s, x in pairs if x == c) > n for c, n in slots.items()):
                continue
            other = P.Matching(pairs=tuple(sorted(pairs)), total_score=None, slots=slots,
                               capacity=dict.fromkeys(startup_prefs, 1))
            if P.blocking_pairs(other, startup_prefs=startup_prefs,
                                challenge_prefs=challenge_prefs):
                continue
            for s, c in pairs:
                assert mine[s] and rank[s][mine[s][0]] <= rank[s][c]


# -- comparison ---------------------------------------------------------------------------

# Both start-ups want 10, and 10's committee prefers 1 (90 > 85).
# Optimal: (1, 20) 80 + (2, 10) 85 = 165. Stable: 1 gets 10, 2 falls back on 20:
# 90 + 50 = 140. The optimum has one unhappy pair: 1 and 10 prefer each other.
CMP_SCORES = {(1, 10): 90, (1, 20): 80, (2, 10): 85, (2, 20): 50}
CMP_STARTUPS = {1: [10, 20], 2: [10, 20]}
CMP_CHALLENGES = {10: [1, 2], 20: [1, 2]}


def test_compare_reports_differences_score_cost_and_unhappy_pairs():
    slots = {10: 1, 20: 1}
    optimal = P.optimal_matching(scores=CMP_SCORES, slots=slots)
    stable = P.stable_matching(startup_prefs=CMP_STARTUPS, challenge_prefs=CMP_CHALLENGES,
                               slots=slots, scores=CMP_SCORES)
    comparison = P.compare(optimal, stable, scores=CMP_SCORES, startup_prefs=CMP_STARTUPS,
                           challenge_prefs=CMP_CHALLENGES)

    assert optimal.pairs == ((1, 20), (2, 10))
    assert stable.pairs == ((1, 10), (2, 20))
    assert comparison.common == ()
    assert comparison.only_optimal == ((1, 20), (2, 10))
    assert comparison.only_stable == ((1, 10), (2, 20))
    assert comparison.differences == (P.Difference(1, (20,), (10,)),
                                      P.Difference(2, (10,), (20,)))
    assert (comparison.optimal_total, comparison.stable_total) == (165, 140)
    assert comparison.score_cost == 25
    assert comparison.blocking_optimal == ((1, 10),)
    assert comparison.blocking_stable == ()
    assert not comparison.same


def test_compare_identical_matchings_cost_nothing():
    matching = P.stable_matching(startup_prefs=GS_STARTUPS, challenge_prefs=GS_CHALLENGES,
                                 slots=ONE_SLOT)
    comparison = P.compare(matching, matching, scores={}, startup_prefs=GS_STARTUPS,
                           challenge_prefs=GS_CHALLENGES)
    assert comparison.same
    assert comparison.score_cost == 0
    assert comparison.differences == ()


# -- decline and re-match -----------------------------------------------------------------

def test_rematch_after_decline_proposes_the_best_free_startup():
    # Optimum: 10 <- 1 (90), 20 <- 4 (65). 1 declines: 2 (80) beats 3 (70).
    scores = {(1, 10): 90, (2, 10): 80, (3, 10): 70, (3, 20): 60, (4, 20): 65}
    matching = P.optimal_matching(scores=scores, slots={10: 1, 20: 1})
    assert matching.pairs == ((1, 10), (4, 20))

    rematch = P.rematch_after_decline(matching=matching, declined_pair=(1, 10), scores=scores,
                                      slots={10: 1, 20: 1})
    assert rematch.challenge_id == 10
    assert rematch.best == P.Candidate(2, 80.0, 80.0)
    assert [c.startup_id for c in rematch.candidates] == [2, 3]
    assert rematch.matching.pairs == ((2, 10), (4, 20))
    assert rematch.matching.total_score == 145
    # 2 declines in turn: 3 is next, and 2 is not proposed again.
    again = P.rematch_after_decline(matching=rematch.matching, declined_pair=(2, 10),
                                    scores=scores, declined=[(1, 10)])
    assert [c.startup_id for c in again.candidates] == [3]
    assert again.matching.pairs == ((3, 10), (4, 20))


def test_rematch_after_decline_may_move_a_placed_startup():
    # 10 <- 1 (90), 20 <- 4 (65). 1 declines; 2 is free but weak (10); moving 4 from 20
    # to 10 gains 85 - 65 = 20 and leaves 20 open.
    scores = {(1, 10): 90, (2, 10): 10, (4, 10): 85, (4, 20): 65, (3, 20): 60}
    matching = P.optimal_matching(scores=scores, slots={10: 1, 20: 1})
    assert matching.pairs == ((1, 10), (4, 20))

    rematch = P.rematch_after_decline(matching=matching, declined_pair=(1, 10), scores=scores)
    assert rematch.candidates == (P.Candidate(4, 85.0, 20.0, moved_from=20),
                                  P.Candidate(2, 10.0, 10.0))
    assert rematch.matching.pairs == ((4, 10),)
    assert rematch.matching.open_slots == {20: 1}
    # Without moves, or with 4's pilot locked, the free start-up is proposed.
    no_moves = P.rematch_after_decline(matching=matching, declined_pair=(1, 10),
                                       scores=scores, allow_moves=False)
    assert no_moves.best == P.Candidate(2, 10.0, 10.0)
    locked = P.optimal_matching(scores=scores, slots={10: 1, 20: 1}, locked=[(4, 20)])
    assert P.rematch_after_decline(matching=locked, declined_pair=(1, 10),
                                   scores=scores).best.startup_id == 2


def test_rematch_after_decline_without_candidates_leaves_the_slot_open():
    # A locked pair may be declined too; a negative score is no candidate.
    scores = {(1, 10): 50, (2, 10): -3}
    matching = P.optimal_matching(scores=scores, slots={10: 1}, locked=[(1, 10)])
    rematch = P.rematch_after_decline(matching=matching, declined_pair=(1, 10), scores=scores)
    assert rematch.best is None
    assert rematch.matching.pairs == ()
    assert rematch.matching.locked == ()
    assert rematch.matching.open_slots == {10: 1}
    with pytest.raises(ValueError, match="not a pair"):
        P.rematch_after_decline(matching=matching, declined_pair=(2, 10), scores={})


def test_bench_prints_one_json_object_with_sane_figures(capsys):
    assert bench.main(["--quiet", "--scale", "0.02", "--queries", "2"]) == 0

    figures = json.loads(capsys.readouterr().out)
    assert figures["sizes"] == {"challenges": 4, "startups": 100, "pilot_startups": 10,
                                "pilot_challenges": 2}
    for key in ("recommend_startup_ms", "recommend_challenge_ms", "pilot_matching_s"):
        assert 0 < figures[key] < 10_000
    assert figures["targets"] == bench.TARGETS
    details = figures["pilot_matching_details"]
    assert details["blocking_pairs_stable"] == 0
    assert details["optimal_total"] >= details["stable_total"]
