"""The admin's pilot matching pages: the calls, a call's two solutions with their
costs, adjustments, the lock and the re-match of declined slots."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.matching import pilot_matching as service
from alliance.matching.models import DECLINED, MatchingAdjustment, Pilot
from tests import factories as f
from tests.matching.scoring import (  # noqa: F401  (the fixture registers the pages)
    decided_challenge,
    shortlist,
    two_by_two,
)


def _page(client, call) -> str:
    response = client.get(f"/admin/matching/calls/{call.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_index_lists_calls_with_their_state(client, login_as, admin):
    call, _startups, _challenges = two_by_two()
    f.CallFactory(title="A call still open")
    login_as(admin)
    page = client.get("/admin/matching/").get_data(as_text=True)
    row = re.search(rf'<tr data-call="{call.id}">(.*?)</tr>', page, re.S).group(1)
    assert "Milano Air 2026" in row and "Open" in row
    assert re.search(r'class="text-end slots">2<', row)
    assert re.search(r'class="text-end candidates">4<', row)
    assert "A call still open" not in page


def test_call_page_shows_both_solutions_their_costs_and_differences(client, login_as, admin):
    call, (a, b), (x, y) = two_by_two()
    login_as(admin)
    page = _page(client, call)
    summary = re.search(r'class="table table-sm align-middle solutions-summary">(.*?)</table>',
                        page, re.S).group(1)
    assert re.search(r'data-value="165.0000">165.00<.*data-value="140.0000">140.00<', summary,
                     re.S)
    assert "gives up 25.00 points of total score" in page
    assert "leaves 1 unhappy pair." in page
    # All four pairs differ: each solution places both start-ups elsewhere.
    assert len(re.findall(r'data-differs="1"', page)) == 4
    unhappy = re.search(r'<ul class="small unhappy-pairs">(.*?)</ul>', page, re.S).group(1)
    assert "Alpha Sense – X: cleaner air" in unhappy
    assert "no. 1 of 2 in the committee&#39;s ranking" in page  # every pair explained
    assert "Lock and propose pilots" in page


def test_settings_form_keeps_bad_input_and_saves(client, login_as, admin):
    call, _startups, _challenges = two_by_two()
    login_as(admin)
    response = client.post(f"/admin/matching/calls/{call.id}/settings",
                           data={"pilots_per_startup": "0"})
    assert response.status_code == 422
    assert 'value="0"' in response.get_data(as_text=True)
    response = client.post(f"/admin/matching/calls/{call.id}/settings",
                           data={"pilots_per_startup": "2"})
    assert response.status_code == 302
    assert service.existing_matching(call).pilots_per_startup == 2


def test_pin_exclude_and_remove_from_the_page(client, login_as, admin):
    call, (a, b), (x, y) = two_by_two()
    login_as(admin)
    url = f"/admin/matching/calls/{call.id}/adjustments"
    assert client.post(url, data={"startup_id": a.id, "challenge_id": x.id,
                                  "kind": "pin"}).status_code == 302
    page = _page(client, call)
    assert "pinned" in page and "The two solutions are the same." in page
    adjustment = db.session.scalar(sa.select(MatchingAdjustment))
    assert adjustment.pair == (a.id, x.id)
    # A start-up that is not a candidate: refused with a message.
    client.post(url, data={"startup_id": f.StartupFactory().id, "challenge_id": x.id,
                           "kind": "exclude"})
    assert "not a candidate" in _page(client, call)
    response = client.post(f"/admin/matching/calls/{call.id}/adjustments/{adjustment.id}/remove")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(MatchingAdjustment.id))) == 0


def test_lock_needs_confirmation_then_locks_once(client, login_as, admin, mail_outbox):
    call, (a, b), (x, y) = two_by_two()
    f.StartupUserFactory(startup=a)
    login_as(admin)
    url = f"/admin/matching/calls/{call.id}/lock"
    response = client.post(url, data={"solution": "stable"})
    assert response.status_code == 422
    assert "Tick the box to confirm." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Pilot.id))) == 0
    response = client.post(url, data={"solution": "stable", "confirm": "y"})
    assert response.status_code == 302
    pilots = db.session.scalars(sa.select(Pilot).order_by(Pilot.startup_id)).all()
    assert sorted((p.startup_id, p.challenge_id) for p in pilots) == sorted(
        [(a.id, x.id), (b.id, y.id)])
    assert len(mail_outbox) == 1  # A's founder (no partner member in this call)
    page = _page(client, call)
    assert 'class="badge text-bg-success matching-state"' in page
    assert len(re.findall(r'data-status="proposed"', page)) == 2
    response = client.post(url, data={"solution": "optimal", "confirm": "y"})
    assert response.status_code == 422
    assert "locked" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(Pilot.id))) == 2


def test_declined_slot_rematched_from_the_page(client, login_as, admin, now):
    call, (a, b), (x, y) = two_by_two()
    c = f.StartupFactory(name="Gamma Grid")
    shortlist(y, c, 70)
    created = service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    declined = next(p for p in created if p.startup_id == a.id)
    declined.status, declined.declined_at = DECLINED, now
    login_as(admin)
    page = _page(client, call)
    slot = re.search(rf'data-pilot="{declined.id}">(.*?)</div>\s*</div>', page, re.S).group(1)
    assert "Gamma Grid" in slot and "Confirm" in slot
    response = client.post(f"/admin/matching/calls/{call.id}/pilots/{declined.id}/rematch",
                           data={"startup_id": c.id})
    assert response.status_code == 302
    new = db.session.scalar(sa.select(Pilot).where(Pilot.replaces_id == declined.id))
    assert (new.startup_id, new.challenge_id, new.source) == (c.id, y.id, "rematch")
    assert "No declined pilot waits for a new match." in _page(client, call)


def test_lock_post_needs_csrf(client, login_as, admin, app, monkeypatch):
    call, _startups, _challenges = two_by_two()
    login_as(admin)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(f"/admin/matching/calls/{call.id}/lock",
                           data={"solution": "optimal", "confirm": "y"})
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(Pilot.id))) == 0


def _routes(call, pilot_id=1, adjustment_id=1):
    base = f"/admin/matching/calls/{call.id}"
    return [("get", "/admin/matching/"), ("get", base), ("post", base + "/settings"),
            ("post", base + "/adjustments"),
            ("post", f"{base}/adjustments/{adjustment_id}/remove"), ("post", base + "/lock"),
            ("post", f"{base}/pilots/{pilot_id}/rematch")]


@pytest.mark.parametrize("who", ["startup", "partner", "jury"])
def test_every_admin_route_is_403_for_others(client, login_as, who, admin, now):
    call, (a, b), (x, y) = two_by_two()
    adjustment = service.add_adjustment(call=call, startup_id=a.id, challenge_id=x.id,
                                        kind="pin", user=admin, now=now)
    user = {"startup": lambda: f.StartupUserFactory(startup=a),
            "partner": lambda: f.PartnerUserFactory(partner=x.lead_partner),
            "jury": lambda: f.UserFactory(jury=True)}[who]()
    login_as(user)
    for method, url in _routes(call, adjustment_id=adjustment.id):
        assert getattr(client, method)(url, data={"solution": "optimal", "confirm": "y",
                                                  "pilots_per_startup": "2"}).status_code == 403
    assert service.existing_matching(call).pilots_per_startup == 1
    assert not service.existing_matching(call).is_locked


def test_anonymous_sent_to_login(client):
    response = client.get("/admin/matching/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def _call_with(n: int):
    call = f.CallFactory()
    challenges = [decided_challenge(call, slots=2) for _ in range(3)]
    for i in range(n):
        startup = f.StartupFactory()
        for k, challenge in enumerate(challenges):
            shortlist(challenge, startup, 40 + (i * 7 + k * 13) % 60)
    return call


def test_call_page_queries_do_not_grow_with_candidates(client, login_as, admin, count_queries,
                                                       now):
    small, large = _call_with(3), _call_with(9)
    login_as(admin)
    counts = []
    for call in (small, large):
        db.session.commit()
        with count_queries() as statements:
            page = _page(client, call)
        assert "Lock and propose pilots" in page
        counts.append(len(statements))
    assert counts[0] == counts[1]
    # Locked, with a declined slot each: the same again.
    locked = []
    for call in (small, large):
        pilot = service.lock_matching(call=call, solution="optimal", user=admin, now=now)[0]
        pilot.status, pilot.declined_at = DECLINED, now
        db.session.commit()
        with count_queries() as statements:
            page = _page(client, call)
        assert "declined-slot" in page
        locked.append(len(statements))
    assert locked[0] == locked[1]
