"""The public list of challenges (filters, sort, pagination) and a challenge's page."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from alliance.challenges.models import ARCHIVED, CLOSED, DECIDED, IN_EVALUATION
from tests import factories
from tests.factories import FUTURE, PAST


def titles(response) -> list[str]:
    """The challenge titles listed on a page, in order."""
    return re.findall(r'class="stretched-link text-decoration-none" href="[^"]+">([^<]+)</a>',
                      response.text)


# -- the list ----------------------------------------------------------------------

def test_list_shows_public_challenges_only(client):
    factories.ChallengeFactory(title="Open one", published=True)
    factories.ChallengeFactory(title="A draft")
    factories.ChallengeFactory(title="Waiting", submitted=True)
    factories.ChallengeFactory(title="Evaluated", status=IN_EVALUATION,
                               deadline=PAST + timedelta(days=1))
    response = client.get("/challenges/")
    assert response.status_code == 200
    assert sorted(titles(response)) == ["Evaluated", "Open one"]
    assert "2 challenges" in response.text


def test_list_hides_own_drafts_too(client, login_as, partner, partner_user):
    factories.ChallengeFactory(title="Our draft", lead_partner=partner)
    login_as(partner_user)
    assert titles(client.get("/challenges/")) == []


def test_list_filter_by_theme(client):
    energy = factories.ThemeFactory(slug="energy-x")
    factories.ChallengeFactory(title="Heat pumps", theme=energy, published=True)
    factories.ChallengeFactory(title="Traffic cameras", published=True)
    assert titles(client.get("/challenges/?theme=energy-x")) == ["Heat pumps"]


def test_list_filter_by_partner_lead_or_cosponsor(client):
    tim = factories.PartnerFactory(slug="tim-x")
    factories.ChallengeFactory(title="Led by TIM", lead_partner=tim, published=True)
    factories.ChallengeFactory(title="Co-sponsored by TIM", cosponsors=[tim], published=True)
    factories.ChallengeFactory(title="Not TIM", published=True)
    assert sorted(titles(client.get("/challenges/?partner=tim-x"))) == [
        "Co-sponsored by TIM", "Led by TIM"]


def test_list_filter_by_call(client):
    call = factories.CallFactory(slug="cybersecurecity-2026")
    factories.ChallengeFactory(title="Secure cameras", call=call, published=True)
    factories.ChallengeFactory(title="Other call", published=True)
    assert titles(client.get("/challenges/?call=cybersecurecity-2026")) == ["Secure cameras"]


def test_list_filter_by_state(client):
    factories.ChallengeFactory(title="Open", published=True)
    factories.ChallengeFactory(title="Upcoming", upcoming=True)
    factories.ChallengeFactory(title="Past deadline", closed=True)
    factories.ChallengeFactory(title="Decided", status=DECIDED, deadline=PAST + timedelta(1))
    assert titles(client.get("/challenges/?state=open")) == ["Open"]
    assert titles(client.get("/challenges/?state=upcoming")) == ["Upcoming"]
    assert sorted(titles(client.get("/challenges/?state=closed"))) == ["Decided", "Past deadline"]


def test_list_unknown_filter_values_show_empty_state(client):
    factories.ChallengeFactory(published=True)
    response = client.get("/challenges/?partner=nobody&theme=nothing")
    assert response.status_code == 200
    assert titles(response) == []
    assert "No challenge matches these filters" in response.text


def test_list_empty_state_without_filters(client):
    response = client.get("/challenges/")
    assert "No challenge has been published yet" in response.text
    assert "0 challenges" in response.text


def test_list_sort_by_deadline_open_first(client):
    factories.ChallengeFactory(title="Later", published=True, deadline=FUTURE)
    factories.ChallengeFactory(title="Sooner", published=True, deadline=FUTURE - timedelta(days=9))
    factories.ChallengeFactory(title="Old", status=CLOSED, deadline=PAST + timedelta(days=1))
    factories.ChallengeFactory(title="Recent", status=ARCHIVED, deadline=PAST + timedelta(days=90))
    assert titles(client.get("/challenges/")) == ["Sooner", "Later", "Recent", "Old"]
    assert titles(client.get("/challenges/?sort=deadline")) == ["Sooner", "Later", "Recent", "Old"]


def test_list_sort_newest(client):
    factories.ChallengeFactory(title="First", published=True, published_at=PAST)
    factories.ChallengeFactory(title="Second", published=True, published_at=PAST + timedelta(2))
    assert titles(client.get("/challenges/?sort=newest")) == ["Second", "First"]


def test_list_paginates_by_twenty(client):
    for day in range(25):
        factories.ChallengeFactory(title=f"Challenge day {day:02d}", published=True,
                                   deadline=FUTURE - timedelta(days=100 - day))
    first = client.get("/challenges/")
    assert titles(first) == [f"Challenge day {d:02d}" for d in range(20)]
    assert "25 challenges" in first.text and "page 1 of 2" in first.text
    assert 'href="/challenges/?page=2"' in first.text or "page=2" in first.text
    second = client.get("/challenges/?page=2")
    assert titles(second) == [f"Challenge day {d:02d}" for d in range(20, 25)]
    assert client.get("/challenges/?page=9").status_code == 200


def test_list_pagination_keeps_filters(client):
    theme = factories.ThemeFactory(slug="mob")
    for _ in range(21):
        factories.ChallengeFactory(theme=theme, published=True)
    page = client.get("/challenges/?theme=mob")
    assert re.search(r'href="/challenges/\?[^"]*theme=mob[^"]*page=2|href="/challenges/\?[^"]*'
                     r'page=2[^"]*theme=mob', page.text)


def test_list_filter_form_is_a_get_form(client):
    page = client.get("/challenges/?theme=energy")
    assert re.search(r'<form method="get" action="/challenges/"', page.text)
    assert 'name="theme"' in page.text and 'name="sort"' in page.text


# -- the page ----------------------------------------------------------------------

def test_detail_shows_brief_partners_criteria_and_deadline(client):
    lead = factories.PartnerFactory(name="Lead Co")
    cosponsor = factories.PartnerFactory(name="Helper Co", slug="helper-co")
    challenge = factories.ChallengeFactory(
        published=True, lead_partner=lead, cosponsors=[cosponsor],
        expected_outcomes="Three schools monitored.", rewards="A pilot and 50,000 euro.",
        eligibility="EU start-ups.",
    )
    page = client.get(f"/challenges/{challenge.slug}")
    assert page.status_code == 200
    text = page.text
    assert "<strong>cleaner air</strong>" in text  # Markdown rendered
    for expected in ("Three schools monitored.", "A pilot and 50,000 euro.", "EU start-ups.",
                     "Lead Co", 'href="/partners/helper-co"', challenge.call.title,
                     "Innovation", "40 %", "35 %", "25 %", "1–5", "2099", "left"):
        assert expected in text, expected
    assert "Confidentiality: <strong>all</strong> data." in text
    assert "<details" in text  # the terms are collapsed


def test_detail_deadline_in_rome_time(client, winter):
    summer = factories.ChallengeFactory(
        published=True, deadline=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    winter_deadline = factories.ChallengeFactory(
        published=True, deadline=datetime(2026, 2, 1, 10, 0, tzinfo=UTC))
    assert "1 July 2026, 12:00" in client.get(f"/challenges/{summer.slug}").text  # CEST
    assert "1 February 2026, 11:00" in client.get(f"/challenges/{winter_deadline.slug}").text
    assert "weeks left" in client.get(f"/challenges/{winter_deadline.slug}").text


def test_detail_markdown_is_sanitised(client):
    challenge = factories.ChallengeFactory(
        published=True, description="Hello <script>alert('x')</script> [a](javascript:alert(1))")
    text = client.get(f"/challenges/{challenge.slug}").text
    assert "<script>alert" not in text
    assert 'href="javascript' not in text


def test_detail_unknown_slug_not_found(client):
    assert client.get("/challenges/no-such-thing").status_code == 404


def test_detail_anonymous_invited_to_log_in(client):
    challenge = factories.ChallengeFactory(published=True)
    text = client.get(f"/challenges/{challenge.slug}").text
    assert "Log in or register to apply" in text
    assert f"/challenges/{challenge.slug}/apply" not in text


def test_detail_startup_sees_apply_form(client, login_as, startup_user):
    challenge = factories.ChallengeFactory(published=True)
    login_as(startup_user)
    text = client.get(f"/challenges/{challenge.slug}").text
    assert re.search(rf'<form method="post" action="/challenges/{challenge.slug}/apply">', text)
    assert "Log in or register" not in text


def test_detail_startup_with_proposal_continues_it(client, login_as, startup_user):
    challenge = factories.ChallengeFactory(published=True)
    proposal = factories.ProposalFactory(challenge=challenge, startup=startup_user.startup)
    login_as(startup_user)
    text = client.get(f"/challenges/{challenge.slug}").text
    assert "Continue your proposal" in text
    assert f'href="/proposals/{proposal.id}/edit"' in text
    assert f"/challenges/{challenge.slug}/apply" not in text


def test_detail_no_apply_after_deadline(client, login_as, startup_user):
    challenge = factories.ChallengeFactory(closed=True)
    login_as(startup_user)
    assert f"/challenges/{challenge.slug}/apply" not in client.get(
        f"/challenges/{challenge.slug}").text


def test_detail_partner_sees_no_apply_but_own_actions(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner)
    login_as(partner_user)
    text = client.get(f"/challenges/{challenge.slug}").text
    assert "/apply" not in text
    assert f"/challenges/{challenge.slug}/edit" in text
    assert f"/challenges/{challenge.slug}/criteria" in text
    assert f"/challenges/{challenge.slug}/terms" in text
    assert f"/challenges/{challenge.slug}/submit" in text
    assert f"/challenges/{challenge.slug}/approve" not in text


def test_detail_admin_sees_moderation_actions(client, login_as, admin):
    challenge = factories.ChallengeFactory(submitted=True)
    login_as(admin)
    text = client.get(f"/challenges/{challenge.slug}").text
    assert f"/challenges/{challenge.slug}/approve" in text
    assert f"/challenges/{challenge.slug}/return" in text


def test_detail_returned_draft_shows_comment_to_partner(client, login_as, partner, partner_user):
    challenge = factories.ChallengeFactory(lead_partner=partner, status_comment="Add a budget.")
    login_as(partner_user)
    assert "Add a budget." in client.get(f"/challenges/{challenge.slug}").text


@pytest.mark.parametrize("who", ["anonymous", "startup", "other_partner"])
def test_detail_draft_hidden(client, login_as, who):
    challenge = factories.ChallengeFactory()
    if who == "startup":
        login_as(factories.StartupUserFactory())
    elif who == "other_partner":
        login_as(factories.PartnerUserFactory())
    assert client.get(f"/challenges/{challenge.slug}").status_code == 404


def test_home_page_lists_open_challenges(client):
    factories.ChallengeFactory(title="Open on the home page", published=True)
    factories.ChallengeFactory(title="Draft not on the home page")
    text = client.get("/").text
    assert "Open on the home page" in text
    assert "Draft not on the home page" not in text
