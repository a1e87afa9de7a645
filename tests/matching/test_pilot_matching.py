"""The pilot matching services: candidates, rankings, both solutions, adjustments,
the lock (pilots, e-mails, audit) and the re-match of a declined slot."""
from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.extensions import db
from alliance.matching import pilot_matching as service
from alliance.matching.models import (
    DECLINED,
    EXCLUDE,
    LOCKED,
    PIN,
    PROPOSED,
    SOURCE_MATCHING,
    SOURCE_REMATCH,
    Pilot,
    PilotPreference,
)
from alliance.matching.pilot_solutions import pilot_reason
from tests import factories as f
from tests.matching.scoring import (
    decided_challenge,
    shortlist,
    two_by_two,
)

pytestmark = pytest.mark.usefixtures("ctx")


def _actions(*names) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.action.in_(names)).order_by(AuditEvent.id)))


def _pairs(*pairs) -> tuple:
    return tuple(sorted((s.id, c.id) for s, c in pairs))


# -- candidates and rankings -----------------------------------------------------------

def test_candidates_have_scores_and_both_rankings():
    call, (a, b), (x, y) = two_by_two()
    f.ChallengeFactory(call=call, closed=True)  # not decided: no candidates from it
    data = service.candidates(call)
    assert data.scores == {(a.id, x.id): 90.0, (a.id, y.id): 80.0, (b.id, x.id): 85.0,
                           (b.id, y.id): 50.0}
    assert data.slots == {x.id: 1, y.id: 1}
    assert data.committee_prefs == {x.id: [a.id, b.id], y.id: [a.id, b.id]}
    # Nobody ranked: each start-up's challenges by score.
    assert data.startup_prefs == {a.id: [x.id, y.id], b.id: [x.id, y.id]}
    assert data.candidates[(b.id, x.id)].outcome == "winner"


def test_not_selected_proposals_are_not_candidates():
    call, (a, b), (x, y) = two_by_two()
    c = f.StartupFactory()
    shortlist(x, c, 99, outcome="not_selected")
    assert c.id not in {s for s, _c in service.candidates(call).candidates}


# -- the two solutions ------------------------------------------------------------------

def test_solve_known_optimum_and_stable_matching():
    call, (a, b), (x, y) = two_by_two()
    result = service.solve(call)
    assert result.optimal.pairs == _pairs((a, y), (b, x))
    assert result.stable.pairs == _pairs((a, x), (b, y))
    cmp = result.comparison
    assert (cmp.optimal_total, cmp.stable_total, cmp.score_cost) == (165.0, 140.0, 25.0)
    assert cmp.blocking_optimal == ((a.id, x.id),)
    assert cmp.blocking_stable == ()
    # Every pair of either solution (and every candidate) is explained.
    assert set(result.explanations) == set(result.optimal.pairs) | set(result.stable.pairs)
    why = result.explanations[(a.id, y.id)]
    assert (why.score, why.startup_rank, why.committee_rank) == (80.0, 2, 1)
    assert why.reason == ("score 80.00; no. 2 of 2 for the start-up by score (it did not "
                          "rank it); no. 1 of 2 in the committee's ranking")
    assert why.differs and why.in_optimal and not why.in_stable


def test_two_pilots_per_startup(admin, now):
    call = f.CallFactory()
    x, y = decided_challenge(call), decided_challenge(call)
    a, b = f.StartupFactory(), f.StartupFactory()
    shortlist(x, a, 90), shortlist(y, a, 80), shortlist(x, b, 10), shortlist(y, b, 10)
    assert service.solve(call).optimal.pairs == _pairs((a, x), (b, y))
    service.set_pilots_per_startup(call=call, value=2, user=admin, now=now)
    result = service.solve(call)
    assert result.optimal.pairs == _pairs((a, x), (a, y))
    assert result.optimal.total_score == 170.0
    assert result.stable.pairs == _pairs((a, x), (a, y))
    assert _actions("matching.settings_changed") == ["matching.settings_changed"]
    with pytest.raises(DomainError):
        service.set_pilots_per_startup(call=call, value=0, user=admin, now=now)


def test_ties_go_to_the_lower_id_in_both_solutions():
    call = f.CallFactory()
    x = decided_challenge(call)
    first, second = f.StartupFactory(), f.StartupFactory()
    shortlist(x, second, 80)
    shortlist(x, first, 80)
    result = service.solve(call)
    low = min(first.id, second.id)
    assert result.comparison.same
    assert result.optimal.pairs == ((low, x.id),)
    assert result.stable.pairs == ((low, x.id),)
    assert result.data.committee_prefs[x.id] == [{first.id, second.id}]


def test_pin_and_exclude_are_honoured(admin, now):
    call, (a, b), (x, y) = two_by_two()
    pin = service.add_adjustment(call=call, startup_id=a.id, challenge_id=x.id, kind=PIN,
                                 user=admin, now=now)
    result = service.solve(call)
    assert result.optimal.pairs == _pairs((a, x), (b, y))
    assert result.optimal.locked == ((a.id, x.id),)
    service.remove_adjustment(adjustment=pin, user=admin, now=now)
    assert service.solve(call).optimal.pairs == _pairs((a, y), (b, x))
    service.add_adjustment(call=call, startup_id=b.id, challenge_id=x.id, kind=EXCLUDE,
                           user=admin, now=now)
    result = service.solve(call)
    assert result.optimal.pairs == _pairs((a, x), (b, y))
    assert (b.id, x.id) not in result.stable.pairs
    assert result.explanations[(b.id, x.id)].excluded
    assert _actions("matching.adjustment_added", "matching.adjustment_removed") == [
        "matching.adjustment_added", "matching.adjustment_removed", "matching.adjustment_added"]


def test_adjustments_refused_when_they_cannot_hold(admin, now):
    call, (a, b), (x, y) = two_by_two()
    outsider = f.StartupFactory()
    with pytest.raises(DomainError, match="not a candidate"):
        service.add_adjustment(call=call, startup_id=outsider.id, challenge_id=x.id, kind=PIN,
                               user=admin, now=now)
    service.add_adjustment(call=call, startup_id=a.id, challenge_id=x.id, kind=PIN,
                           user=admin, now=now)
    with pytest.raises(DomainError, match="more pilots"):  # A may take one pilot only
        service.add_adjustment(call=call, startup_id=a.id, challenge_id=y.id, kind=PIN,
                               user=admin, now=now)
    with pytest.raises(DomainError, match="already pinned"):
        service.add_adjustment(call=call, startup_id=a.id, challenge_id=x.id, kind=PIN,
                               user=admin, now=now)
    with pytest.raises(DomainError, match="administrators"):
        service.add_adjustment(call=call, startup_id=b.id, challenge_id=x.id, kind=PIN,
                               user=f.UserFactory(), now=now)


# -- the start-ups' rankings ---------------------------------------------------------------

def test_preferences_validated_and_replaced(now):
    call, (a, b), (x, y) = two_by_two()
    other = decided_challenge(f.CallFactory())
    user = f.StartupUserFactory(startup=a)
    with pytest.raises(DomainError, match="different place"):
        service.save_preferences(startup=a, call=call, ranked_challenge_ids=[x.id, x.id],
                                 user=user, now=now)
    with pytest.raises(DomainError, match="shortlisted for"):
        service.save_preferences(startup=a, call=call, ranked_challenge_ids=[other.id],
                                 user=user, now=now)
    outsider = f.StartupFactory()
    with pytest.raises(DomainError, match="not shortlisted"):
        service.save_preferences(startup=outsider, call=call, ranked_challenge_ids=[x.id],
                                 user=user, now=now)
    service.save_preferences(startup=a, call=call, ranked_challenge_ids=[x.id, y.id],
                             user=user, now=now)
    service.save_preferences(startup=a, call=call, ranked_challenge_ids=[y.id, x.id],
                             user=user, now=now)
    rows = db.session.execute(sa.select(PilotPreference.challenge_id, PilotPreference.rank)
                              .where(PilotPreference.startup_id == a.id)
                              .order_by(PilotPreference.rank)).all()
    assert [tuple(r) for r in rows] == [(y.id, 1), (x.id, 2)]
    assert _actions("matching.preferences_saved") == ["matching.preferences_saved"] * 2


def test_stable_matching_follows_the_startups_rankings(now):
    call, (a, b), (x, y) = two_by_two()
    service.save_preferences(startup=a, call=call, ranked_challenge_ids=[y.id],
                             user=f.StartupUserFactory(startup=a), now=now)
    result = service.solve(call)
    assert result.data.startup_prefs[a.id] == [y.id, x.id]  # the unranked one after
    assert result.stable.pairs == _pairs((a, y), (b, x))
    assert result.comparison.same
    assert "the start-up's choice no. 1 of 2" in result.explanations[(a.id, y.id)].reason


def test_preferences_prompt_lists_calls_to_rank(admin, now):
    call, (a, b), (x, y) = two_by_two()
    assert [(e.call.id, e.ranked) for e in service.preferences_prompt_context(
        startup=a, now=now)["preference_calls"]] == [(call.id, False)]
    service.save_preferences(startup=a, call=call, ranked_challenge_ids=[x.id, y.id],
                             user=f.StartupUserFactory(startup=a), now=now)
    assert service.preferences_prompt_context(startup=a, now=now)["preference_calls"][0].ranked
    assert service.preferences_prompt_context(startup=f.StartupFactory(),
                                              now=now)["preference_calls"] == []
    service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    assert service.preferences_prompt_context(startup=a, now=now)["preference_calls"] == []


# -- the lock ------------------------------------------------------------------------------

def test_lock_creates_pilots_mails_both_sides_in_their_languages(admin, now, mail_outbox):
    call, (a, b), (x, y) = two_by_two()
    f.StartupUserFactory(startup=a, email="anna@alpha.example", locale="it")
    f.StartupUserFactory(startup=b, email="bob@beta.example", locale="en")
    f.PartnerUserFactory(partner=x.lead_partner, email="xavier@x.example", locale="en")
    f.PartnerUserFactory(partner=y.lead_partner, email="ylenia@y.example", locale="it")
    created = service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    db.session.commit()
    pilots = {(p.startup_id, p.challenge_id): p for p in created}
    assert set(pilots) == set(_pairs((a, y), (b, x)))
    pilot = pilots[(a.id, y.id)]
    assert (pilot.status, pilot.source, pilot.score, pilot.proposed_at) == (
        PROPOSED, SOURCE_MATCHING, Decimal("80.0000"), now)
    assert pilot.proposal_id is not None and "score 80.00" in pilot_reason(pilot)
    matching = service.existing_matching(call)
    assert (matching.status, matching.solution, matching.locked_by_id) == (
        LOCKED, "optimal", admin.id)
    mails = {m.to[0]: m for m in mail_outbox}
    assert set(mails) == {"anna@alpha.example", "bob@beta.example", "xavier@x.example",
                          "ylenia@y.example"}
    assert mails["anna@alpha.example"].body.startswith("Ciao,")
    assert mails["bob@beta.example"].body.startswith("Hello,")
    assert f"/pilots/{pilot.id}" in mails["anna@alpha.example"].body
    assert f"/pilots/{pilot.id}" in mails["ylenia@y.example"].body
    assert f"/pilots/{pilots[(b.id, x.id)].id}" in mails["xavier@x.example"].body
    assert "Alpha Sense" in mails["ylenia@y.example"].subject
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "matching.locked"))
    assert event.data["solution"] == "optimal" and event.data["total_score"] == 165.0


def test_lock_the_stable_matching(admin, now):
    call, (a, b), (x, y) = two_by_two()
    created = service.lock_matching(call=call, solution="stable", user=admin, now=now)
    assert sorted((p.startup_id, p.challenge_id) for p in created) == list(_pairs((a, x),
                                                                                 (b, y)))


def test_lock_twice_refused_and_locked_matching_frozen(admin, now):
    call, (a, b), (x, y) = two_by_two()
    service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    with pytest.raises(DomainError, match="locked"):
        service.lock_matching(call=call, solution="stable", user=admin, now=now)
    with pytest.raises(DomainError, match="locked"):
        service.add_adjustment(call=call, startup_id=a.id, challenge_id=x.id, kind=PIN,
                               user=admin, now=now)
    with pytest.raises(DomainError, match="locked"):
        service.set_pilots_per_startup(call=call, value=2, user=admin, now=now)
    with pytest.raises(DomainError, match="locked"):
        service.save_preferences(startup=a, call=call, ranked_challenge_ids=[y.id, x.id],
                                 user=f.StartupUserFactory(startup=a), now=now)
    assert db.session.scalar(sa.select(sa.func.count(Pilot.id))) == 2


def test_lock_without_candidates_refused(admin, now):
    call = f.CallFactory()
    decided_challenge(call)
    with pytest.raises(DomainError, match="nothing to match"):
        service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    assert db.session.scalar(sa.select(sa.func.count(Pilot.id))) == 0


# -- a decline and its re-match -----------------------------------------------------------

def _declined(admin, now):
    call, (a, b), (x, y) = two_by_two()
    c, d = f.StartupFactory(name="Gamma Grid"), f.StartupFactory(name="Delta Data")
    shortlist(y, c, 70)
    shortlist(y, d, 60)
    created = service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    declined = next(p for p in created if (p.startup_id, p.challenge_id) == (a.id, y.id))
    declined.status, declined.declined_at = DECLINED, now
    db.session.flush()
    return call, (a, b, c, d), (x, y), declined


def test_decline_then_rematch_candidates_in_order(admin, now):
    call, (a, b, c, d), (x, y), declined = _declined(admin, now)
    # A declined, B already pilots X (one pilot each): C then D.
    assert [k.startup_id for k in service.rematch_candidates(declined)] == [c.id, d.id]
    slots = service.declined_slots(call)
    assert [(s.pilot.id, [k.startup_name for k in s.candidates]) for s in slots] == [
        (declined.id, ["Gamma Grid", "Delta Data"])]


def test_confirm_rematch_creates_the_pilot_and_mails(admin, now, mail_outbox):
    call, (a, b, c, d), (x, y), declined = _declined(admin, now)
    db.session.commit()
    mail_outbox.clear()
    f.StartupUserFactory(startup=c, email="gina@gamma.example")
    f.PartnerUserFactory(partner=y.lead_partner, email="yves@y.example")
    with pytest.raises(DomainError, match="not a candidate"):
        service.confirm_rematch(pilot=declined, startup=b, user=admin, now=now)
    new = service.confirm_rematch(pilot=declined, startup=c, user=admin, now=now)
    db.session.commit()
    assert (new.startup_id, new.challenge_id, new.status, new.source, new.replaces_id,
            new.score) == (c.id, y.id, PROPOSED, SOURCE_REMATCH, declined.id, Decimal("70.0000"))
    assert sorted(m.to[0] for m in mail_outbox) == ["gina@gamma.example", "yves@y.example"]
    assert all(f"/pilots/{new.id}" in m.body for m in mail_outbox)
    assert service.declined_slots(call) == []
    assert service.rematch_candidates(declined) == ()
    with pytest.raises(DomainError, match="already"):
        service.confirm_rematch(pilot=declined, startup=d, user=admin, now=now)
    assert _actions("matching.rematch_confirmed") == ["matching.rematch_confirmed"]


def test_rematch_refused_for_a_pilot_not_declined(admin, now):
    call, (a, b), (x, y) = two_by_two()
    created = service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    with pytest.raises(DomainError, match="declined"):
        service.confirm_rematch(pilot=created[0], startup=a, user=admin, now=now)
