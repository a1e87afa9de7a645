"""City goals: the admins' list, the goals a challenge names, the public pages and
their counts."""
from __future__ import annotations

import itertools

import pytest
import sqlalchemy as sa

from alliance.challenges import goals as goal_services
from alliance.challenges.models import Challenge, CityGoal
from alliance.core.audit import AuditEvent
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching.goal_results import goal_counts
from alliance.proposals.models import Proposal
from tests import factories

_numbers = itertools.count(1)


def make_goal(**changes) -> CityGoal:
    n = next(_numbers)
    data = {"slug": f"goal-{n}", "name_it": f"Obiettivo {n}", "name_en": f"Goal {n}",
            "description_it": f"Descrizione {n}.", "description_en": f"Description {n}.",
            "position": n, "active": True}
    data.update(changes)
    goal = CityGoal(**data)
    db.session.add(goal)
    db.session.flush()
    return goal


def _goal(slug: str) -> CityGoal:
    db.session.expire_all()
    return db.session.scalar(sa.select(CityGoal).where(CityGoal.slug == slug))


# -- the admins' list -------------------------------------------------------------

def test_admin_goals_list_shows_names_and_usage(client, login_as, admin):
    goal = make_goal(name_it="Mobilità sostenibile", name_en="Sustainable mobility")
    factories.ChallengeFactory(city_goals=[goal])
    login_as(admin)
    page = client.get("/admin/goals/").get_data(as_text=True)
    assert "Mobilità sostenibile" in page and "Sustainable mobility" in page
    assert f'href="/goals/{goal.slug}"' in page


def test_admin_goals_list_forbidden_for_partner(client, login_as, partner_user):
    login_as(partner_user)
    assert client.get("/admin/goals/").status_code == 403


def test_admin_create_goal_saves_and_audits(client, login_as, admin):
    login_as(admin)
    response = client.post("/admin/goals/new", data={
        "name_it": "Reti energetiche", "name_en": "Energy networks",
        "description_it": "Teleriscaldamento.", "description_en": "District heating.",
        "slug": "", "position": ""})
    assert response.status_code == 302
    goal = _goal("energy-networks")
    assert (goal.name_it, goal.description_en, goal.active) == \
        ("Reti energetiche", "District heating.", True)
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "city_goal", AuditEvent.object_id == goal.id)) == \
        "city_goal.created"


def test_admin_create_goal_duplicate_name_keeps_input(client, login_as, admin):
    make_goal(name_en="Cyber security")
    login_as(admin)
    response = client.post("/admin/goals/new", data={
        "name_it": "Sicurezza informatica", "name_en": "cyber security",
        "description_it": "Testo scritto.", "description_en": "", "slug": "", "position": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Another goal already has this name." in page
    assert "Testo scritto." in page


def test_admin_edit_goal_changes_names_and_slug(client, login_as, admin):
    goal = make_goal()
    login_as(admin)
    response = client.post(f"/admin/goals/{goal.id}/edit", data={
        "name_it": "Infrastruttura digitale", "name_en": "Digital infrastructure",
        "description_it": "", "description_en": "Fibre.", "slug": "digital",
        "position": "7"})
    assert response.status_code == 302
    goal = _goal("digital")
    assert (goal.name_en, goal.description_en, goal.position) == \
        ("Digital infrastructure", "Fibre.", 7)


def test_admin_deactivate_goal_hides_page_and_choice(client, login_as, admin, partner_user):
    goal = make_goal(name_en="Urban forestry")
    login_as(admin)
    response = client.post(f"/admin/goals/{goal.id}/active", data={"active": "0"})
    assert response.status_code == 302
    assert _goal(goal.slug).active is False
    assert client.get(f"/goals/{goal.slug}").status_code == 404
    assert "Urban forestry" not in client.get("/goals/").get_data(as_text=True)
    client.post(f"/admin/goals/{goal.id}/active", data={"active": "1"})
    assert _goal(goal.slug).active is True


# -- the challenge form --------------------------------------------------------------

def _brief(challenge: Challenge, **changes) -> dict:
    data = {
        "call": str(challenge.call_id), "theme": str(challenge.theme_id),
        "title": challenge.title, "slug": challenge.slug, "summary": challenge.summary,
        "description": challenge.description, "expected_outcomes": "Outcomes.",
        "rewards": "Rewards.", "eligibility": "Eligibility.",
        "opens_at": "2030-02-01T09:00", "deadline": "2030-03-28T12:00", "pilot_slots": "1",
        "locale": "it",
    }
    data.update(changes)
    return data


def test_challenge_form_offers_active_goals_only(client, login_as, partner_user):
    make_goal(name_en="Building retrofits")
    make_goal(name_en="Old goal", active=False)
    login_as(partner_user)
    client.post("/language", data={"lang": "en"})
    page = client.get("/challenges/new").get_data(as_text=True)
    assert "Building retrofits" in page and "Old goal" not in page


def test_challenge_form_saves_goals(client, login_as, partner_user):
    first, second, third = make_goal(), make_goal(), make_goal()
    challenge = factories.ChallengeFactory(lead_partner=partner_user.partner_membership.partner,
                                           city_goals=[first])
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/edit", data=_brief(
        challenge, city_goals=[str(third.id), str(second.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    saved = db.session.get(Challenge, challenge.id)
    assert [g.id for g in saved.city_goals] == [second.id, third.id]


def test_challenge_form_refuses_inactive_goal(client, login_as, partner_user):
    hidden = make_goal(active=False)
    challenge = factories.ChallengeFactory(lead_partner=partner_user.partner_membership.partner)
    login_as(partner_user)
    response = client.post(f"/challenges/{challenge.slug}/edit", data=_brief(
        challenge, city_goals=[str(hidden.id)], title="Changed title"))
    assert response.status_code == 422
    assert "Changed title" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Challenge, challenge.id).city_goals == []


def test_challenge_form_keeps_inactive_goal_already_named(client, login_as, partner_user):
    old = make_goal(active=False, name_en="Retired goal")
    challenge = factories.ChallengeFactory(lead_partner=partner_user.partner_membership.partner,
                                           city_goals=[old])
    login_as(partner_user)
    client.post("/language", data={"lang": "en"})
    assert "Retired goal" in client.get(f"/challenges/{challenge.slug}/edit").get_data(
        as_text=True)
    response = client.post(f"/challenges/{challenge.slug}/edit", data=_brief(
        challenge, city_goals=[str(old.id)]))
    assert response.status_code == 302
    db.session.expire_all()
    assert [g.id for g in db.session.get(Challenge, challenge.id).city_goals] == [old.id]


def test_challenge_detail_links_its_goals(client):
    goal = make_goal(name_it="Mobilità sostenibile", name_en="Sustainable mobility")
    challenge = factories.ChallengeFactory(published=True, city_goals=[goal])
    page = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert f'<a href="/goals/{goal.slug}">Sustainable mobility</a>' in page
    client.post("/language", data={"lang": "it"})
    page = client.get(f"/challenges/{challenge.slug}").get_data(as_text=True)
    assert f'<a href="/goals/{goal.slug}">Mobilità sostenibile</a>' in page


# -- the public pages ----------------------------------------------------------------

@pytest.fixture
def delivered():
    """A goal with two public challenges (proposals, pilots) and a draft."""
    goal = make_goal(name_it="Reti energetiche", name_en="Energy networks",
                     description_en="District heating and smart grids.")
    other = make_goal()
    heat = factories.ChallengeFactory(published=True, title="Heat forecast",
                                      city_goals=[goal, other])
    grid = factories.ChallengeFactory(closed=True, title="Grid balancing", city_goals=[goal])
    draft = factories.ChallengeFactory(title="Secret draft", city_goals=[goal])
    for challenge, n in ((heat, 2), (grid, 1), (draft, 4)):
        for _ in range(n):
            factories.ProposalFactory(challenge=challenge, submitted=True)
    factories.ProposalFactory(challenge=heat)  # a draft: not received
    factories.ProposalFactory(challenge=heat, withdrawn=True)
    published = factories.CallMatchingFactory(published=True, call=grid.call)
    named = factories.PilotFactory(challenge=grid, accepted=True,
                                   startup=factories.StartupFactory(name="Calore Srl"))
    factories.PilotFactory(challenge=heat, running=True,
                           startup=factories.StartupFactory(name="Unannounced Srl"))
    factories.PilotFactory(challenge=heat)  # proposed: not agreed
    factories.PilotFactory(challenge=draft, accepted=True)
    return {"goal": goal, "other": other, "heat": heat, "grid": grid, "draft": draft,
            "named": named, "matching": published}


def test_goal_counts_public_challenges_submitted_proposals_agreed_pilots(delivered):
    counts = goal_counts([delivered["goal"].id, delivered["other"].id])
    goal, other = counts[delivered["goal"].id], counts[delivered["other"].id]
    assert (goal.challenges, goal.proposals, goal.pilots) == (2, 3, 2)
    assert (other.challenges, other.proposals, other.pilots) == (1, 2, 1)


def test_goals_index_shows_active_goals_with_counts(client, delivered):
    make_goal(name_en="Retired goal", active=False)
    client.post("/language", data={"lang": "en"})
    page = client.get("/goals/").get_data(as_text=True)
    assert "Energy networks" in page and "Retired goal" not in page
    card = page[page.index("Energy networks"):]
    card = card[:card.index("</article>")]
    assert "<dt>Challenges</dt><dd>2</dd>" in card
    assert "<dt>Proposals</dt><dd>3</dd>" in card
    assert "<dt>Pilots</dt><dd>2</dd>" in card


def test_goal_page_shows_public_challenges_only(client, delivered):
    page = client.get(f"/goals/{delivered['goal'].slug}").get_data(as_text=True)
    assert "Heat forecast" in page and "Grid balancing" in page
    assert "Secret draft" not in page


def test_goal_page_names_pilots_of_published_results_only(client, delivered):
    client.post("/language", data={"lang": "en"})
    page = client.get(f"/goals/{delivered['goal'].slug}").get_data(as_text=True)
    assert "District heating and smart grids." in page
    assert "Calore Srl" in page
    assert "Unannounced Srl" not in page
    assert "1 more pilot agreed" in page


def test_goal_page_never_shows_proposal_content(client, delivered):
    titles = db.session.scalars(sa.select(Proposal.title)).all()
    page = client.get(f"/goals/{delivered['goal'].slug}").get_data(as_text=True)
    assert not any(title in page for title in titles)


def test_goal_page_unknown_or_inactive_is_404(client):
    inactive = make_goal(active=False)
    assert client.get("/goals/no-such-goal").status_code == 404
    assert client.get(f"/goals/{inactive.slug}").status_code == 404


def _queries(client, count_queries, url: str) -> int:
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_goal_pages_queries_constant(client, count_queries):
    goal = make_goal()
    factories.ChallengeFactory(published=True, city_goals=[goal])
    slug = goal.slug
    few_index = _queries(client, count_queries, "/goals/")
    few_detail = _queries(client, count_queries, f"/goals/{slug}")
    goal = db.session.merge(goal)
    for _ in range(8):
        extra = make_goal()
        challenge = factories.ChallengeFactory(published=True, city_goals=[goal, extra],
                                               cosponsors=[factories.PartnerFactory()])
        factories.ProposalFactory(challenge=challenge, submitted=True)
        factories.PilotFactory(challenge=challenge, accepted=True)
    assert _queries(client, count_queries, "/goals/") == few_index
    assert _queries(client, count_queries, f"/goals/{slug}") == few_detail


def test_set_goal_active_audits_once(admin):
    goal = make_goal()
    goal_services.set_goal_active(goal=goal, active=False, user=admin, now=utcnow())
    goal_services.set_goal_active(goal=goal, active=False, user=admin, now=utcnow())
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "city_goal", AuditEvent.object_id == goal.id)).all()
    assert actions == ["city_goal.deactivated"]


def test_goal_texts_come_back_escaped(client, login_as, admin):
    from tests.security.xss_corpus import PAYLOADS, check_page, chunks, marker, rounds

    goal = make_goal()
    challenge = factories.ChallengeFactory(published=True, city_goals=[goal])
    draft = factories.ChallengeFactory(city_goals=[goal])
    login_as(admin)
    for values in rounds(name_it=chunks(120, PAYLOADS), name_en=chunks(120, PAYLOADS[::-1]),
                         description_en=chunks(1000, PAYLOADS)):
        form = {**values, "description_it": values["description_en"], "slug": goal.slug,
                "position": "1"}
        refused = client.post(f"/admin/goals/{goal.id}/edit", data={**form, "name_it": ""})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=marker(values["name_en"]))
        assert client.post(f"/admin/goals/{goal.id}/edit", data=form).status_code == 302
        for url in ("/admin/goals/", "/goals/", f"/goals/{goal.slug}",
                    f"/challenges/{challenge.slug}", f"/challenges/{draft.slug}/edit"):
            check_page(client.get(url).get_data(as_text=True), shows=marker(values["name_en"]))
