"""The start-up's pilot preferences page, and the dashboard's prompt to use it."""
from __future__ import annotations

import re

import sqlalchemy as sa
from flask import render_template

from alliance.extensions import db
from alliance.matching import pilot_matching as service
from alliance.matching.models import PilotPreference
from tests import factories as f
from tests.matching.scoring import (  # noqa: F401  (the fixture registers the pages)
    decided_challenge,
    shortlist,
    two_by_two,
)

URL = "/startup/pilot-preferences"


def _order(page: str) -> list[int]:
    return [int(i) for i in re.findall(r'<tr data-challenge="(\d+)">', page)]


def _saved(startup) -> list[tuple[int, int]]:
    return [tuple(r) for r in db.session.execute(
        sa.select(PilotPreference.challenge_id, PilotPreference.rank)
        .where(PilotPreference.startup_id == startup.id).order_by(PilotPreference.rank))]


def test_page_lists_own_challenges_in_score_order_until_ranked(client, login_as):
    call, (a, b), (x, y) = two_by_two()
    login_as(f.StartupUserFactory(startup=a))
    page = client.get(URL).get_data(as_text=True)
    assert "Milano Air 2026" in page
    assert _order(page) == [x.id, y.id]
    assert "You have not ranked these challenges yet" in page


def test_saving_a_ranking_reorders_the_page(client, login_as):
    call, (a, b), (x, y) = two_by_two()
    login_as(f.StartupUserFactory(startup=a))
    response = client.post(URL, data={"call_id": call.id, f"rank_{x.id}": "2",
                                      f"rank_{y.id}": "1"})
    assert response.status_code == 302
    assert _saved(a) == [(y.id, 1), (x.id, 2)]
    page = client.get(URL).get_data(as_text=True)
    assert "is saved." in page and "Your ranking is saved" in page
    assert _order(page) == [y.id, x.id]


def test_duplicate_places_refused_and_typed_ranking_kept(client, login_as):
    call, (a, b), (x, y) = two_by_two()
    login_as(f.StartupUserFactory(startup=a))
    response = client.post(URL, data={"call_id": call.id, f"rank_{x.id}": "1",
                                      f"rank_{y.id}": "1"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Give each challenge a different place" in page
    assert page.count("Another challenge has this place too.") == 2
    for challenge in (x, y):
        select = re.search(rf'<select[^>]*name="rank_{challenge.id}"[^>]*>(.*?)</select>', page,
                           re.S).group(1)
        assert re.search(r'<option selected value="1">|<option value="1" selected>', select)
    assert _saved(a) == []


def test_another_startup_sees_only_its_own_challenges(client, login_as, now):
    call, (a, b), (x, y) = two_by_two()
    other_call = f.CallFactory(title="Milano Energy 2026")
    z = decided_challenge(other_call, title="Z: greener roofs")
    c = f.StartupFactory()
    shortlist(z, c, 70)
    service.save_preferences(startup=a, call=call, ranked_challenge_ids=[y.id, x.id],
                             user=f.StartupUserFactory(startup=a), now=now)
    login_as(f.StartupUserFactory(startup=c))
    page = client.get(URL).get_data(as_text=True)
    assert "Z: greener roofs" in page
    assert "X: cleaner air" not in page and "Milano Air 2026" not in page
    # Posting to A's call: not found; slipping A's challenge into its own form: ignored.
    assert client.post(URL, data={"call_id": call.id, f"rank_{x.id}": "1"}).status_code == 404
    response = client.post(URL, data={"call_id": other_call.id, f"rank_{z.id}": "1",
                                      f"rank_{x.id}": "2"})
    assert response.status_code == 302
    assert _saved(c) == [(z.id, 1)]
    assert _saved(a) == [(y.id, 1), (x.id, 2)]


def test_locked_matching_is_read_only(client, login_as, admin, now):
    call, (a, b), (x, y) = two_by_two()
    service.lock_matching(call=call, solution="optimal", user=admin, now=now)
    login_as(f.StartupUserFactory(startup=a))
    page = client.get(URL).get_data(as_text=True)
    assert "The matching of this call is locked" in page
    assert "<select" not in page
    response = client.post(URL, data={"call_id": call.id, f"rank_{x.id}": "2",
                                      f"rank_{y.id}": "1"})
    assert response.status_code == 422
    assert _saved(a) == []


def test_only_startup_members_rank(client, login_as, partner_user):
    assert client.get(URL).status_code == 302  # to the login page
    login_as(partner_user)
    assert client.get(URL).status_code == 403
    assert client.post(URL, data={"call_id": 1}).status_code == 403


def test_startup_without_decisions_has_nothing_to_rank(client, login_as, startup_user):
    login_as(startup_user)
    page = client.get(URL).get_data(as_text=True)
    assert "there is nothing to rank" in page


def test_preferences_post_needs_csrf(client, login_as, app, monkeypatch):
    call, (a, b), (x, y) = two_by_two()
    login_as(f.StartupUserFactory(startup=a))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    response = client.post(URL, data={"call_id": call.id, f"rank_{x.id}": "2",
                                      f"rank_{y.id}": "1"})
    assert response.status_code == 400
    assert _saved(a) == []
    page = client.get(URL).get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(URL, data={"call_id": call.id, f"rank_{x.id}": "2",
                                      f"rank_{y.id}": "1", "csrf_token": token})
    assert response.status_code == 302
    assert _saved(a) == [(y.id, 1), (x.id, 2)]


def test_dashboard_prompt_links_to_the_page(app, now):
    call, (a, b), (x, y) = two_by_two()
    with app.test_request_context():
        html = render_template("matching/_preferences_prompt.html",
                               **service.preferences_prompt_context(startup=a, now=now))
        empty = render_template("matching/_preferences_prompt.html",
                                **service.preferences_prompt_context(startup=f.StartupFactory(),
                                                                     now=now))
    assert URL in html and "Milano Air 2026" in html
    assert "rank the challenges you are shortlisted for." in html
    assert empty.strip() == ""
