"""Reviewer assignment: the optimiser on hand-made cases, the expertise match, and
the services that run it and let admins change assignments by hand."""
from __future__ import annotations

import itertools
import random
from collections import Counter

import numpy as np
import pytest
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.evaluation import assignment as A
from alliance.evaluation import models as em
from alliance.extensions import db
from tests import factories as f

# -- the optimiser ------------------------------------------------------------------


def _matrix(jurors, proposals, rows):
    return {(j, p): rows[a][b] for a, j in enumerate(jurors) for b, p in enumerate(proposals)}


def _spread(solution):
    return max(solution.loads.values()) - min(solution.loads.values())


def test_solve_finds_the_best_one_to_one_assignment_not_the_greedy_one():
    # Greedy (the best pair first) takes 1-10 (3.0), then 2-30 and 3-20: 3.0 + 0 + 0.
    # The optimum gives 10 to juror 2 and 20 to juror 1: 2.5 + 2.5 + 1.0 = 6.0.
    jurors, proposals = [1, 2, 3], [10, 20, 30]
    affinity = _matrix(jurors, proposals, [[3.0, 2.5, 0.0],
                                           [2.5, 0.0, 0.0],
                                           [0.0, 0.0, 1.0]])
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=1, affinity=affinity,
                       forbidden=set())
    assert solution.pairs == [(2, 10), (1, 20), (3, 30)]
    assert solution.objective == pytest.approx(6.0)
    assert solution.shortfalls == {}
    assert solution.loads == {1: 1, 2: 1, 3: 1}


def test_solve_two_reviewers_each_optimum_known():
    # k=2, 3 jurors, 3 proposals: 6 assignments, 2 each. Juror 3 must take two
    # proposals; it is by far the best on 30 and 20. Pairs left: 10 needs two of
    # {1, 2}; 20 and 30 need one more each from {1, 2}: 1 prefers 20, 2 prefers 30.
    jurors, proposals = [1, 2, 3], [10, 20, 30]
    affinity = _matrix(jurors, proposals, [[0.5, 0.9, 0.1],
                                           [0.5, 0.1, 0.9],
                                           [0.0, 2.0, 2.0]])
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=2, affinity=affinity,
                       forbidden=set())
    assert solution.pairs == [(1, 10), (2, 10), (1, 20), (3, 20), (2, 30), (3, 30)]
    assert solution.objective == pytest.approx(0.5 + 0.5 + 0.9 + 2.0 + 0.9 + 2.0)


def _brute_force(jurors, proposals, k, affinity, forbidden):
    """The best objective over every assignment with loads within one."""
    choices = [[c for c in itertools.combinations(jurors, k)
                if not any((j, p) in forbidden for j in c)] for p in proposals]
    best = None
    for combo in itertools.product(*choices):
        loads = Counter(j for c in combo for j in c)
        counts = [loads.get(j, 0) for j in jurors]
        if max(counts) - min(counts) > 1:
            continue
        value = sum(affinity[(j, p)] for c, p in zip(combo, proposals, strict=True) for j in c)
        best = value if best is None else max(best, value)
    return best


@pytest.mark.parametrize("seed", range(6))
def test_solve_matches_brute_force_on_small_random_cases(seed):
    rng = random.Random(seed)
    jurors, proposals = [1, 2, 3, 4], [10, 20, 30, 40]
    affinity = {(j, p): round(rng.uniform(-2, 3), 2) for j in jurors for p in proposals}
    forbidden = {(rng.choice(jurors), rng.choice(proposals)) for _ in range(2)}
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=2, affinity=affinity,
                       forbidden=forbidden)
    assert solution.objective == pytest.approx(
        _brute_force(jurors, proposals, 2, affinity, forbidden))
    assert _spread(solution) <= 1


def test_solve_constraints_hold_on_a_larger_case():
    rng = random.Random(7)
    jurors, proposals = list(range(1, 8)), list(range(100, 140))
    affinity = {(j, p): rng.random() for j in jurors for p in proposals}
    forbidden = {(j, p) for j in jurors for p in proposals if rng.random() < 0.15}
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=3, affinity=affinity,
                       forbidden=forbidden)
    per_proposal = Counter(p for _j, p in solution.pairs)
    assert all(per_proposal[p] == 3 for p in proposals)
    assert len(set(solution.pairs)) == len(solution.pairs)  # distinct jurors
    assert not set(solution.pairs) & forbidden
    assert sorted(solution.loads.values()) == [17] * 6 + [18]  # 120 over 7: within one
    assert solution.loads == Counter(j for j, _p in solution.pairs)


def test_solve_balances_loads_against_affinity():
    # Juror 1 is the best for everything, but loads must stay within one.
    jurors, proposals = [1, 2, 3], list(range(10, 16))
    affinity = {(j, p): (3.0 if j == 1 else 0.0) for j in jurors for p in proposals}
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=1, affinity=affinity,
                       forbidden=set())
    assert solution.loads == {1: 2, 2: 2, 3: 2}


def test_solve_respects_max_load_and_lets_affinity_decide_under_it():
    jurors, proposals = [1, 2, 3], list(range(10, 16))
    affinity = {(j, p): (3.0 if j == 1 else 0.0) for j in jurors for p in proposals}
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=1, max_load=4,
                       affinity=affinity, forbidden=set())
    assert solution.loads[1] == 4
    assert max(solution.loads.values()) <= 4
    assert solution.shortfalls == {}


def test_solve_reports_load_caps_when_capacity_runs_out():
    # 4 proposals x 2 reviewers = 8, but 3 jurors x cap 2 = 6.
    solution = A.solve(proposal_ids=[10, 20, 30, 40], juror_ids=[1, 2, 3], k=2, max_load=2,
                       affinity={}, forbidden=set())
    assert len(solution.pairs) == 6
    assert sum(s.missing for s in solution.shortfalls.values()) == 2
    assert {s.reason for s in solution.shortfalls.values()} == {A.LOAD_CAPS}
    assert max(solution.loads.values()) == 2


def test_solve_reports_too_few_jurors_without_conflict_and_assigns_the_rest():
    jurors, proposals = [1, 2, 3, 4], [10, 20]
    forbidden = {(3, 10), (4, 10)}
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=3, affinity={},
                       forbidden=forbidden)
    assert solution.shortfalls == {10: A.Shortfall(missing=1, reason=A.SHORT_OF_JURORS,
                                                   eligible=2)}
    assert sorted(j for j, p in solution.pairs if p == 10) == [1, 2]
    assert len([1 for _j, p in solution.pairs if p == 20]) == 3


def test_solve_without_jurors_reports_every_proposal():
    solution = A.solve(proposal_ids=[10, 20], juror_ids=[], k=2, affinity={}, forbidden=())
    assert solution.pairs == []
    assert solution.shortfalls == {
        10: A.Shortfall(2, A.SHORT_OF_JURORS, 0), 20: A.Shortfall(2, A.SHORT_OF_JURORS, 0)}


def test_solve_keeps_fixed_pairs_and_counts_them():
    jurors, proposals = [1, 2, 3], [10, 20, 30]
    # Juror 3 is the worst for 10 but is fixed there; juror 1 is the best for everything.
    affinity = {(j, p): {1: 2.0, 2: 1.0, 3: -1.0}[j] for j in jurors for p in proposals}
    solution = A.solve(proposal_ids=proposals, juror_ids=jurors, k=2, affinity=affinity,
                       forbidden=set(), fixed=[(3, 10), (1, 10)])
    assert (3, 10) in solution.pairs and (1, 10) in solution.pairs
    assert [p for p in solution.pairs if p[1] == 10] == [(1, 10), (3, 10)]  # k already met
    assert solution.new_pairs == [pair for pair in solution.pairs
                                  if pair not in {(3, 10), (1, 10)}]
    assert solution.loads == {1: 2, 2: 2, 3: 2}  # fixed pairs count towards the loads


def test_solve_fixed_pair_of_a_juror_outside_the_pool_counts_towards_k():
    solution = A.solve(proposal_ids=[10], juror_ids=[1, 2], k=2, affinity={}, forbidden=(),
                       fixed=[(99, 10)])
    assert len(solution.pairs) == 2 and (99, 10) in solution.pairs
    assert sum(solution.loads.values()) == 1


def test_solve_is_deterministic_whatever_the_input_order():
    rng = random.Random(3)
    jurors, proposals = list(range(1, 10)), list(range(50, 80))
    # Many ties: affinities on a coarse grid.
    affinity = {(j, p): rng.choice([0.0, 0.5, 1.0]) for j in jurors for p in proposals}
    forbidden = {(j, p) for j in jurors for p in proposals if rng.random() < 0.1}
    first = A.solve(proposal_ids=proposals, juror_ids=jurors, k=3, affinity=affinity,
                    forbidden=forbidden)
    shuffled_j, shuffled_p = jurors[:], proposals[:]
    rng.shuffle(shuffled_j)
    rng.shuffle(shuffled_p)
    again = A.solve(proposal_ids=shuffled_p, juror_ids=shuffled_j, k=3,
                    affinity=dict(reversed(list(affinity.items()))), forbidden=list(forbidden))
    assert again.pairs == first.pairs
    assert again.objective == first.objective


def test_solve_prefers_stated_interest():
    # Two jurors of equal expertise, one proposal: the one who wants it gets it,
    # the one who would rather not does not.
    similarity = ([1, 2, 3], [10], np.array([[0.4], [0.4], [0.45]]))
    affinity = A.affinities(similarity, [(1, 10, em.WANT), (3, 10, em.RATHER_NOT)])
    solution = A.solve(proposal_ids=[10], juror_ids=[1, 2, 3], k=2, max_load=1,
                       affinity=affinity, forbidden=())
    assert solution.pairs == [(1, 10), (2, 10)]


# -- expertise ----------------------------------------------------------------------


def test_expertise_similarity_matches_stems_in_both_languages():
    jurors = {1: A.juror_terms(["sensori", "qualità dell'aria"], "Reti di sensori urbani."),
              2: A.juror_terms(["waste"], "Recycling plants and circular economy.")}
    proposals = {
        10: A.proposal_terms("Un sensore su ogni tram", "Sensori a basso costo.", ""),
        20: A.proposal_terms("Recycled packaging", "We recycle packaging waste.", ""),
    }
    juror_ids, proposal_ids, sim = A.expertise_similarity(jurors, proposals)
    assert (juror_ids, proposal_ids) == ([1, 2], [10, 20])
    assert sim[0, 0] > 0.1 and sim[0, 1] == 0  # "sensori" meets "sensore"
    assert sim[1, 1] > 0.1 and sim[1, 0] == 0  # "recycling" meets "recycle"
    assert ((sim >= 0) & (sim <= 1)).all()


def test_expertise_tags_are_translated_with_the_glossary():
    # "mobilità" in the tags meets "mobility" in an English proposal.
    jurors = {1: A.juror_terms(["mobilità"], ""), 2: A.juror_terms(["teatro"], "")}
    proposals = {10: A.proposal_terms("Mobility for everyone", "Better mobility.", "")}
    _j, _p, sim = A.expertise_similarity(jurors, proposals)
    assert sim[0, 0] > 0.3
    assert sim[1, 0] == 0


def test_expertise_similarity_of_an_empty_profile_is_zero():
    _j, _p, sim = A.expertise_similarity({1: Counter()},
                                         {10: A.proposal_terms("Tram", "Sensors", "")})
    assert sim.tolist() == [[0.0]]


# -- the services --------------------------------------------------------------------


def _round(**kwargs):
    round_ = f.EvaluationRoundFactory(**kwargs)
    return round_


def _proposals(round_, count, **kwargs):
    return [f.ProposalFactory(submitted=True, challenge=round_.challenge, **kwargs)
            for _ in range(count)]


def _members(round_, count, **kwargs):
    return [f.CommitteeMemberFactory(round=round_, **kwargs).user for _ in range(count)]


def _assignments(round_):
    return db.session.execute(
        sa.select(em.Assignment.user_id, em.Assignment.proposal_id, em.Assignment.source)
        .where(em.Assignment.round_id == round_.id)
        .order_by(em.Assignment.proposal_id, em.Assignment.user_id)
    ).all()


def _events(action):
    return db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
    ).all()


def test_run_assignment_assigns_k_jurors_each_balanced(app, admin, now):
    round_ = _round(reviewers_per_proposal=2)
    proposals = _proposals(round_, 6)
    jurors = _members(round_, 4)
    report = A.run_assignment(round_=round_, user=admin, now=now)
    rows = _assignments(round_)
    per_proposal = Counter(r.proposal_id for r in rows)
    assert per_proposal == {p.id: 2 for p in proposals}
    assert sorted(Counter(r.user_id for r in rows).values()) == [3, 3, 3, 3]
    assert {r.source for r in rows} == {em.AUTO}
    assert report.created == 12 and report.shortfalls == []
    assert sorted(load.load for load in report.loads) == [3, 3, 3, 3]
    assert {load.user_id for load in report.loads} == {j.id for j in jurors}
    created_by = db.session.scalars(sa.select(em.Assignment.created_by_id)
                                    .where(em.Assignment.round_id == round_.id)).all()
    assert set(created_by) == {admin.id}


def test_run_assignment_keeps_manual_replaces_auto_and_audits(app, admin, now):
    round_ = _round(reviewers_per_proposal=1)
    p1, p2 = _proposals(round_, 2)
    j1, j2 = _members(round_, 2)
    manual = f.AssignmentFactory(round=round_, proposal=p1, user=j1, source=em.MANUAL)
    f.AssignmentFactory(round=round_, proposal=p2, user=j1, source=em.AUTO)
    report = A.run_assignment(round_=round_, user=admin, now=now)
    rows = _assignments(round_)
    assert (j1.id, p1.id, em.MANUAL) in rows
    assert (j2.id, p2.id, em.AUTO) in rows  # balanced: j1 already has p1
    assert len(rows) == 2  # the automatic (j1, p2) is gone
    assert db.session.get(em.Assignment, manual.id) is not None
    assert (report.kept, report.removed, report.created) == (1, 1, 1)
    [event] = _events("evaluation.assignment_run")
    assert event.object_type == "evaluation_round" and event.object_id == round_.id
    assert event.actor_id == admin.id
    assert event.data["created"] == 1 and event.data["kept"] == 1 and event.data["removed"] == 1
    assert event.data["shortfalls"] == {}


def test_run_assignment_keeps_an_auto_assignment_with_a_review(app, admin, now):
    round_ = _round(reviewers_per_proposal=1, status=em.CALIBRATION)
    [proposal] = _proposals(round_, 1)
    j1, _j2 = _members(round_, 2)
    review = f.ReviewFactory(assignment=f.AssignmentFactory(round=round_, proposal=proposal,
                                                            user=j1))
    report = A.run_assignment(round_=round_, user=admin, now=now)
    assert _assignments(round_) == [(j1.id, proposal.id, em.AUTO)]
    assert db.session.get(em.Review, review.id) is not None
    assert (report.kept, report.created) == (1, 0)


def test_run_assignment_leaves_out_members_without_declared_conflicts(app, admin, now):
    round_ = _round(reviewers_per_proposal=1)
    _proposals(round_, 3)
    declared = _members(round_, 1)[0]
    undeclared = f.CommitteeMemberFactory(round=round_, undeclared=True).user
    report = A.run_assignment(round_=round_, user=admin, now=now)
    assert {r.user_id for r in _assignments(round_)} == {declared.id}
    assert [(m.user_id, m.name) for m in report.left_out] == [(undeclared.id, undeclared.name)]
    assert _events("evaluation.assignment_run")[0].data["left_out"] == [undeclared.id]


def test_run_assignment_never_assigns_a_conflicted_juror(app, admin, now):
    round_ = _round(reviewers_per_proposal=2)
    p1, p2 = _proposals(round_, 2)
    j1, j2, j3 = _members(round_, 3)
    f.ConflictDeclarationFactory(user=j1, startup=p1.startup)
    report = A.run_assignment(round_=round_, user=admin, now=now)
    rows = _assignments(round_)
    assert sorted(r.user_id for r in rows if r.proposal_id == p1.id) == [j2.id, j3.id]
    assert len([r for r in rows if r.proposal_id == p2.id]) == 2
    assert report.shortfalls == []


def test_run_assignment_reports_shortfalls_with_their_reason(app, admin, now):
    round_ = _round(reviewers_per_proposal=3)
    [proposal] = _proposals(round_, 1)
    j1, _j2, _j3 = _members(round_, 3)
    f.ConflictDeclarationFactory(user=j1, startup=proposal.startup)
    report = A.run_assignment(round_=round_, user=admin, now=now)
    assert [(s.proposal_id, s.title, s.missing, s.reason) for s in report.shortfalls] == [
        (proposal.id, proposal.title, 1, "only 2 jurors without a conflict")]
    assert not report.complete
    assert len(_assignments(round_)) == 2
    assert _events("evaluation.assignment_run")[0].data["shortfalls"] == {
        str(proposal.id): [1, A.SHORT_OF_JURORS]}


def test_run_assignment_removes_a_kept_assignment_found_conflicted(app, admin, now):
    round_ = _round(reviewers_per_proposal=1)
    [proposal] = _proposals(round_, 1)
    j1, j2 = _members(round_, 2)
    f.AssignmentFactory(round=round_, proposal=proposal, user=j1, source=em.MANUAL)
    f.ConflictDeclarationFactory(user=j1, startup=proposal.startup)
    report = A.run_assignment(round_=round_, user=admin, now=now)
    assert _assignments(round_) == [(j2.id, proposal.id, em.AUTO)]
    assert report.removed_conflicted == 1


def test_run_assignment_leaves_reference_proposals_alone(app, admin, now):
    round_ = _round(reviewers_per_proposal=1, status=em.CALIBRATION, calibration=True)
    reference, other = _proposals(round_, 2)
    j1, j2 = _members(round_, 2)
    for juror in (j1, j2):
        f.AssignmentFactory(round=round_, proposal=reference, user=juror, source=em.REFERENCE)
    report = A.run_assignment(round_=round_, user=admin, now=now)
    rows = _assignments(round_)
    assert [r.source for r in rows if r.proposal_id == reference.id] == [em.REFERENCE] * 2
    assert len([r for r in rows if r.proposal_id == other.id]) == 1
    assert report.reference_proposals == [reference.id] and report.proposals == 1


def test_run_assignment_uses_expertise_and_interest(app, admin, now):
    round_ = _round(reviewers_per_proposal=1)
    tram = f.ProposalFactory(submitted=True, challenge=round_.challenge,
                             title="Sensori sui tram", abstract="Sensori sui tram di Milano.",
                             description="")
    waste = f.ProposalFactory(submitted=True, challenge=round_.challenge,
                              title="Raccolta dei rifiuti", abstract="Riciclo dei rifiuti.",
                              description="")
    mobility, recycling = _members(round_, 2)
    f.JurorProfileFactory(user=mobility, tags="tram, sensori", expertise="")
    f.JurorProfileFactory(user=recycling, tags="rifiuti, riciclo", expertise="")
    A.run_assignment(round_=round_, user=admin, now=now)
    assert {(r.user_id, r.proposal_id) for r in _assignments(round_)} == {
        (mobility.id, tram.id), (recycling.id, waste.id)}
    # Stated interest outweighs expertise.
    f.ReviewInterestFactory(round=round_, user=mobility, proposal=waste, level=em.WANT)
    f.ReviewInterestFactory(round=round_, user=recycling, proposal=tram, level=em.WANT)
    A.run_assignment(round_=round_, user=admin, now=now)
    assert {(r.user_id, r.proposal_id) for r in _assignments(round_)} == {
        (mobility.id, waste.id), (recycling.id, tram.id)}


@pytest.mark.parametrize("status", [em.REVIEWING, em.CLOSED])
def test_run_assignment_refused_once_reviewing_started(app, admin, now, status):
    round_ = _round(status=status)
    _proposals(round_, 1)
    _members(round_, 1)
    with pytest.raises(DomainError, match="only before the reviews start"):
        A.run_assignment(round_=round_, user=admin, now=now)
    assert _assignments(round_) == []


def test_run_assignment_refused_to_a_juror(app, now):
    round_ = _round()
    juror = _members(round_, 1)[0]
    with pytest.raises(DomainError, match="not allowed"):
        A.run_assignment(round_=round_, user=juror, now=now)


def test_add_assignment_creates_a_manual_one_and_audits(app, admin, now):
    round_ = _round(status=em.REVIEWING)
    [proposal] = _proposals(round_, 1)
    juror = _members(round_, 1)[0]
    created = A.add_assignment(round_=round_, proposal=proposal, juror=juror, user=admin,
                               now=now)
    assert _assignments(round_) == [(juror.id, proposal.id, em.MANUAL)]
    assert created.created_by_id == admin.id
    [event] = _events("evaluation.assignment_added")
    assert event.data == {"assignment_id": created.id, "juror_id": juror.id,
                          "proposal_id": proposal.id}


def test_add_assignment_refused_for_a_conflicted_juror(app, admin, now):
    round_ = _round()
    [proposal] = _proposals(round_, 1)
    juror = _members(round_, 1)[0]
    f.ConflictDeclarationFactory(user=juror, startup=proposal.startup)
    with pytest.raises(DomainError, match="conflict of interest.*declared by the juror"):
        A.add_assignment(round_=round_, proposal=proposal, juror=juror, user=admin, now=now)
    assert _assignments(round_) == []
    assert _events("evaluation.assignment_added") == []


def test_add_assignment_refused_for_a_non_member(app, admin, now):
    round_ = _round()
    [proposal] = _proposals(round_, 1)
    outsider = f.JuryUserFactory()
    with pytest.raises(DomainError, match="not a member of this round's committee"):
        A.add_assignment(round_=round_, proposal=proposal, juror=outsider, user=admin, now=now)


def test_add_assignment_refused_when_already_assigned(app, admin, now):
    round_ = _round()
    [proposal] = _proposals(round_, 1)
    juror = _members(round_, 1)[0]
    f.AssignmentFactory(round=round_, proposal=proposal, user=juror)
    with pytest.raises(DomainError, match="already assigned"):
        A.add_assignment(round_=round_, proposal=proposal, juror=juror, user=admin, now=now)


def test_add_assignment_refused_for_a_proposal_outside_the_round(app, admin, now):
    round_ = _round()
    juror = _members(round_, 1)[0]
    elsewhere = f.ProposalFactory(submitted=True)  # another challenge
    draft = f.ProposalFactory(challenge=round_.challenge)  # never submitted
    for proposal in (elsewhere, draft):
        with pytest.raises(DomainError, match="not evaluated in this round"):
            A.add_assignment(round_=round_, proposal=proposal, juror=juror, user=admin,
                             now=now)


def test_add_assignment_refused_in_a_closed_round(app, admin, now):
    round_ = _round(status=em.CLOSED)
    [proposal] = _proposals(round_, 1)
    juror = _members(round_, 1)[0]
    with pytest.raises(DomainError, match="round is closed"):
        A.add_assignment(round_=round_, proposal=proposal, juror=juror, user=admin, now=now)


def test_remove_assignment_deletes_it_with_its_draft_and_audits(app, admin, now):
    review = f.ReviewFactory()  # a draft
    assignment = review.assignment
    ids = (assignment.id, assignment.user_id, assignment.proposal_id, review.id)
    A.remove_assignment(assignment=assignment, user=admin, now=now)
    assert db.session.get(em.Assignment, ids[0]) is None
    assert db.session.get(em.Review, ids[3]) is None
    [event] = _events("evaluation.assignment_removed")
    assert event.data["assignment_id"] == ids[0]
    assert (event.data["juror_id"], event.data["proposal_id"]) == ids[1:3]
    assert event.data["draft_deleted"] is True


def test_remove_assignment_refused_once_its_review_is_submitted(app, admin, now):
    review = f.ReviewFactory(submitted=True)
    with pytest.raises(DomainError, match="already submitted"):
        A.remove_assignment(assignment=review.assignment, user=admin, now=now)
    assert db.session.get(em.Assignment, review.assignment.id) is not None
    assert _events("evaluation.assignment_removed") == []


def test_remove_conflicted_assignments_removes_only_that_startups(app, now):
    round_, second = _round(status=em.REVIEWING), _round()
    startup = f.StartupFactory()
    [mine] = _proposals(round_, 1, startup=startup)
    [also_mine] = _proposals(second, 1, startup=startup)
    [other] = _proposals(round_, 1)
    juror = _members(round_, 1)[0]
    colleague = _members(round_, 1)[0]
    for proposal in (mine, other):
        f.AssignmentFactory(round=round_, proposal=proposal, user=juror)
    f.AssignmentFactory(round=second, proposal=also_mine, user=juror)
    f.AssignmentFactory(round=round_, proposal=mine, user=colleague)
    f.ReviewFactory(assignment=db.session.scalar(
        sa.select(em.Assignment).filter_by(proposal_id=mine.id, user_id=juror.id)),
        submitted=True)
    closed = _round(status=em.CLOSED)
    old = f.ProposalFactory(submitted=True, challenge=closed.challenge, startup=startup)
    f.AssignmentFactory(round=closed, proposal=old, user=juror)

    removed = A.remove_conflicted_assignments(user_id=juror.id, startup_id=startup.id, now=now)
    assert removed == 2
    assert _assignments(round_) == sorted(
        [(colleague.id, mine.id, em.AUTO), (juror.id, other.id, em.AUTO)],
        key=lambda r: (r[1], r[0]))
    assert _assignments(second) == []
    assert len(_assignments(closed)) == 1  # a closed round keeps its history
    events = _events("evaluation.assignment_removed")
    assert sorted(e.data["proposal_id"] for e in events) == sorted([mine.id, also_mine.id])
    assert {e.actor_id for e in events} == {juror.id}
    assert {e.data["reason"] for e in events} == {"conflict"}
