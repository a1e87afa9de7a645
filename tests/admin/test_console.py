"""The admin console: overview, calls, themes, partner members; admins only."""
from __future__ import annotations

import re
from datetime import UTC, datetime
from html import unescape

import pytest
import sqlalchemy as sa

from alliance.auth.models import User
from alliance.challenges.models import PUBLISHED, Call, Challenge
from alliance.core.audit import AuditEvent
from alliance.core.taxonomy import Theme
from alliance.extensions import db
from alliance.partners.models import PartnerMembership
from tests import factories

ADMIN_PAGES = ["/admin/", "/admin/calls/", "/admin/calls/new", "/admin/themes/",
               "/admin/partners/", "/admin/partners/tim/members"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_anonymous_redirected_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", ADMIN_PAGES)
@pytest.mark.parametrize("role", ["partner", "startup", "jury", "nobody"])
def test_admin_pages_forbidden_to_others(client, login_as, url, role):
    user = {
        "partner": lambda: factories.PartnerUserFactory(),
        "startup": lambda: factories.StartupUserFactory(),
        "jury": lambda: factories.UserFactory(jury=True),
        "nobody": lambda: factories.UserFactory(),
    }[role]()
    login_as(user)
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", ADMIN_PAGES)
def test_admin_pages_open_to_admins(client, login_as, admin, url):
    login_as(admin)
    assert client.get(url).status_code == 200


def test_admin_posts_forbidden_to_partner(client, login_as, partner_user):
    theme = factories.ThemeFactory()
    login_as(partner_user)
    assert client.post("/admin/themes/", data={"name_it": "X", "name_en": "X"}).status_code == 403
    assert client.post(f"/admin/themes/{theme.id}/delete").status_code == 403
    assert client.post("/admin/partners/tim/members",
                       data={"email": partner_user.email}).status_code == 403
    assert db.session.get(Theme, theme.id) is not None


# -- overview ------------------------------------------------------------------------

def test_overview_queue_counts_and_overdue(client, login_as, admin):
    waiting = factories.ChallengeFactory(title="Waiting for you", submitted=True)
    overdue = factories.ChallengeFactory(title="Past its deadline", closed=True)
    factories.ChallengeFactory(title="Running", published=True)
    factories.ProposalFactory(submitted=True, challenge=overdue)
    factories.ProposalFactory(challenge=overdue)
    login_as(admin)
    text = client.get("/admin/").text
    queue = text[text.index("Approval queue"):text.index("Past their deadline")]
    assert "Waiting for you" in queue and "Running" not in queue
    assert f"/challenges/{waiting.slug}/approve" in queue
    assert f"/challenges/{waiting.slug}/return" in queue
    late = text[text.index("Past their deadline"):]
    assert "Past its deadline" in late and f"/challenges/{overdue.slug}/close" in late
    assert re.search(r'id="count-proposals">1<', text)
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    assert re.search(rf'id="count-users">{users}<', text)
    assert re.search(r'data-status="published">2<', text)  # running and overdue
    assert re.search(r'data-status="submitted">1<', text)


def test_overview_close_button_closes_and_returns(client, login_as, admin):
    overdue = factories.ChallengeFactory(closed=True)
    login_as(admin)
    response = client.post(f"/challenges/{overdue.slug}/close", data={"next": "/admin/"})
    assert response.headers["Location"].endswith("/admin/")
    db.session.refresh(overdue)
    assert overdue.status == "closed"


def test_overview_approve_from_queue(client, login_as, admin):
    waiting = factories.ChallengeFactory(submitted=True)
    login_as(admin)
    client.post(f"/challenges/{waiting.slug}/approve", data={"next": "/admin/"})
    db.session.refresh(waiting)
    assert waiting.status == PUBLISHED


# -- calls ---------------------------------------------------------------------------

def test_create_call_in_rome_time(client, login_as, admin):
    login_as(admin)
    response = client.post("/admin/calls/new", data={
        "title": "CyberSecureCity 2026", "slug": "", "description": "Secure the city.",
        "opens_at": "2026-03-01T09:00", "closes_at": "2026-06-30T18:00", "results_at": "",
    })
    assert response.status_code == 302
    call = db.session.scalar(sa.select(Call).where(Call.slug == "cybersecurecity-2026"))
    assert call.opens_at == datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
    assert call.closes_at == datetime(2026, 6, 30, 16, 0, tzinfo=UTC)
    assert call.results_at is None
    assert "CyberSecureCity 2026" in client.get("/admin/calls/").text
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "call", AuditEvent.object_id == call.id)) == "call.created"


def test_create_call_closing_before_opening_refused(client, login_as, admin):
    login_as(admin)
    response = client.post("/admin/calls/new", data={
        "title": "Backwards", "opens_at": "2026-06-01T09:00", "closes_at": "2026-03-01T09:00",
    })
    assert response.status_code == 422
    assert "must close after it opens" in response.text
    assert db.session.scalar(sa.select(Call).where(Call.title == "Backwards")) is None


def test_create_call_slug_taken_refused(client, login_as, admin):
    factories.CallFactory(slug="taken")
    db.session.commit()
    login_as(admin)
    response = client.post("/admin/calls/new", data={
        "title": "Another", "slug": "taken", "opens_at": "2026-03-01T09:00",
        "closes_at": "2026-06-01T09:00",
    })
    assert response.status_code == 422
    assert "already taken" in response.text


def test_edit_call(client, login_as, admin):
    call = factories.CallFactory(title="Old title", opens_at=datetime(2026, 3, 1, 8, 0, tzinfo=UTC),
                                 closes_at=datetime(2026, 7, 1, 10, 0, tzinfo=UTC))
    login_as(admin)
    form = client.get(f"/admin/calls/{call.id}/edit").text
    assert 'value="2026-03-01T09:00"' in form and 'value="2026-07-01T12:00"' in form
    client.post(f"/admin/calls/{call.id}/edit", data={
        "title": "New title", "slug": call.slug, "description": "",
        "opens_at": "2026-03-01T09:00", "closes_at": "2026-07-01T12:00",
        "results_at": "2026-09-15T10:00",
    })
    db.session.refresh(call)
    assert call.title == "New title"
    assert call.results_at == datetime(2026, 9, 15, 8, 0, tzinfo=UTC)


def test_edit_unknown_call_not_found(client, login_as, admin):
    login_as(admin)
    assert client.get("/admin/calls/999999/edit").status_code == 404


# -- themes --------------------------------------------------------------------------

def test_add_theme(client, login_as, admin):
    login_as(admin)
    client.post("/admin/themes/", data={"name_it": "Acqua", "name_en": "Water"})
    theme = db.session.scalar(sa.select(Theme).where(Theme.name_en == "Water"))
    assert theme.name_it == "Acqua" and theme.slug == "water"
    themes = list(db.session.scalars(sa.select(Theme).order_by(Theme.position)))
    assert themes[-1].id == theme.id  # added at the end


def test_rename_theme(client, login_as, admin):
    theme = factories.ThemeFactory(name_it="Vecchio", name_en="Old")
    login_as(admin)
    client.post(f"/admin/themes/{theme.id}/edit", data={"name_it": "Nuovo", "name_en": "New"})
    db.session.refresh(theme)
    assert (theme.name_it, theme.name_en) == ("Nuovo", "New")


def test_reorder_themes(client, login_as, admin):
    login_as(admin)
    before = [t.id for t in db.session.scalars(sa.select(Theme).order_by(Theme.position,
                                                                          Theme.id))]
    client.post(f"/admin/themes/{before[1]}/move", data={"direction": "up"})
    db.session.expire_all()
    after = [t.id for t in db.session.scalars(sa.select(Theme).order_by(Theme.position))]
    assert after == [before[1], before[0], *before[2:]]
    client.post(f"/admin/themes/{before[1]}/move", data={"direction": "down"})
    db.session.expire_all()
    assert [t.id for t in db.session.scalars(sa.select(Theme).order_by(Theme.position))] == before


def test_delete_unused_theme(client, login_as, admin):
    theme = factories.ThemeFactory()
    login_as(admin)
    client.post(f"/admin/themes/{theme.id}/delete")
    db.session.expire_all()
    assert db.session.get(Theme, theme.id) is None


def test_delete_theme_in_use_refused(client, login_as, admin):
    challenge = factories.ChallengeFactory()
    theme_id = challenge.theme_id
    db.session.commit()
    login_as(admin)
    response = client.post(f"/admin/themes/{theme_id}/delete", follow_redirects=True)
    assert "is in use" in response.text
    assert db.session.get(Theme, theme_id) is not None


def test_delete_theme_used_by_startup_refused(client, login_as, admin):
    theme = factories.ThemeFactory()
    factories.StartupFactory(sectors=[theme])
    db.session.commit()
    login_as(admin)
    client.post(f"/admin/themes/{theme.id}/delete")
    assert db.session.get(Theme, theme.id) is not None


# -- partner members -----------------------------------------------------------------

def test_members_page_lists_members(client, login_as, admin, partner, partner_user):
    login_as(admin)
    text = client.get(f"/admin/partners/{partner.slug}/members").text
    assert partner_user.email in text


def test_add_member_by_email(client, login_as, admin, partner):
    person = factories.UserFactory(email="Giulia@Example.org")
    login_as(admin)
    response = client.post(f"/admin/partners/{partner.slug}/members",
                           data={"email": "giulia@example.org"})
    assert response.status_code == 302
    membership = db.session.scalar(sa.select(PartnerMembership).where(
        PartnerMembership.user_id == person.id))
    assert membership.partner_id == partner.id
    assert db.session.scalar(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "partner", AuditEvent.object_id == partner.id)
    ) == "partner.member_added"


def test_add_member_unknown_email_refused(client, login_as, admin, partner):
    db.session.commit()
    login_as(admin)
    response = client.post(f"/admin/partners/{partner.slug}/members",
                           data={"email": "nobody@example.org"})
    assert response.status_code == 422
    assert "No account with this e-mail" in response.text
    assert 'value="nobody@example.org"' in response.text


def test_add_member_of_other_partner_refused(client, login_as, admin, partner):
    elsewhere = factories.PartnerUserFactory()
    db.session.commit()
    login_as(admin)
    response = client.post(f"/admin/partners/{partner.slug}/members",
                           data={"email": elsewhere.email})
    assert response.status_code == 422
    assert "already works for" in response.text
    db.session.expire_all()
    assert elsewhere.partner_membership.partner_id != partner.id


def test_add_startup_member_refused(client, login_as, admin, partner):
    founder = factories.StartupUserFactory()
    db.session.commit()
    login_as(admin)
    response = client.post(f"/admin/partners/{partner.slug}/members",
                           data={"email": founder.email})
    assert response.status_code == 422
    assert "belongs to a start-up" in response.text
    db.session.expire_all()
    assert founder.partner_membership is None


def test_remove_member(client, login_as, admin, partner, partner_user):
    membership_id = partner_user.partner_membership.id
    login_as(admin)
    response = client.post(f"/admin/partners/{partner.slug}/members/{membership_id}/remove")
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(PartnerMembership, membership_id) is None
    assert db.session.get(User, partner_user.id) is not None  # the account stays
    assert "partner.member_removed" in db.session.scalars(sa.select(AuditEvent.action))


def test_remove_member_through_wrong_partner_not_found(client, login_as, admin, partner_user):
    other = factories.PartnerFactory()
    login_as(admin)
    assert client.post(f"/admin/partners/{other.slug}/members/"
                       f"{partner_user.partner_membership.id}/remove").status_code == 404


def test_removed_member_loses_dashboard(client, login_as, admin, partner, partner_user):
    membership_id = partner_user.partner_membership.id
    login_as(admin)
    client.post(f"/admin/partners/{partner.slug}/members/{membership_id}/remove")
    login_as(partner_user)
    assert client.get("/partner/dashboard").status_code == 403


def test_challenges_list_counts_all_statuses_once(client, login_as, admin):
    factories.ChallengeFactory()
    login_as(admin)
    text = client.get("/admin/").text
    total = db.session.scalar(sa.select(sa.func.count()).select_from(Challenge))
    counts = [int(n) for n in re.findall(r'data-status="\w+">(\d+)<', text)]
    assert sum(counts) == total and len(counts) == 7


# -- each call at a glance, and its charts ------------------------------------------------

def _glance(text: str, slug: str) -> dict[str, int]:
    """The figures of one call's row in the console's table of calls."""
    row = text[text.index(f'<tr data-call="{slug}">'):]
    row = row[:row.index("</tr>")]
    figures = {k: int(v) for k, v in re.findall(r'data-figure="([\w-]+)">(\d+)<', row)}
    for kind in ("challenge-status", "outcome", "pilot-status"):
        figures.update({f"{kind}:{k}": int(v) for k, v in re.findall(
            rf'data-{kind}="(\w+)"><span class="figure-count">(\d+)<', row)})
    return figures


def _chart_rows(text: str, slug: str, key: str) -> list[list[str]]:
    """The body rows of a chart's table in a call's section: the cells' text."""
    section = text[text.index(f'<section aria-labelledby="call-{slug}-title"'):]
    following = section.find("<section", 1)
    section = section[:following] if following > 0 else section
    table = section[section.index(f'data-chart-table="{key}"'):]
    body = table[table.index("<tbody>"):table.index("</table>")]
    return [[unescape(re.sub(r"<[^>]+>", "", cell)).strip()
             for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]
            for row in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def _at(day: int, hour: int) -> datetime:
    return datetime(2026, 3, day, hour, 30, tzinfo=UTC)


def _build_call(*, slug: str, partner_name: str, theme_name: str, reviewed: bool):
    """A call: a draft, a challenge waiting for approval, one open and one in evaluation
    (when ``reviewed``), their proposals (submitted at known instants), reviews, a
    decision and a pilot."""
    call = factories.CallFactory(slug=slug, title=f"Call {slug}")
    partner = factories.PartnerFactory(name=partner_name)
    theme = factories.ThemeFactory(name_en=theme_name, name_it=theme_name)
    other_theme = factories.ThemeFactory(name_en=f"{theme_name} bis", name_it=f"{theme_name} bis")
    common = dict(call=call, lead_partner=partner)
    factories.ChallengeFactory(title=f"{slug} draft", theme=theme, **common)
    factories.ChallengeFactory(title=f"{slug} waiting", submitted=True, theme=theme, **common)
    open_ = factories.ChallengeFactory(title=f"{slug} open", published=True, theme=theme,
                                       **common)
    # 22:30 UTC is 23:30 in Rome (2 March); 23:30 UTC is 00:30 in Rome (3 March).
    factories.ProposalFactory(challenge=open_, submitted=True, submitted_at=_at(2, 22))
    factories.ProposalFactory(challenge=open_, submitted=True, submitted_at=_at(2, 23))
    factories.ProposalFactory(challenge=open_)  # a draft: not counted
    factories.ProposalFactory(challenge=open_, withdrawn=True, submitted_at=_at(1, 9))
    if not reviewed:
        return call
    judged = factories.ChallengeFactory(title=f"{slug} judged", closed=True,
                                        status="in_evaluation", theme=other_theme,
                                        **common)
    round_ = factories.EvaluationRoundFactory(challenge=judged, reviewing=True)
    high = factories.ProposalFactory(challenge=judged, submitted=True, submitted_at=_at(3, 10))
    low = factories.ProposalFactory(challenge=judged, submitted=True, submitted_at=_at(3, 11))
    jurors = [factories.JuryUserFactory() for _ in range(2)]
    for juror, score in zip(jurors, (5, 3), strict=True):  # 100 and 50: mean 75
        assignment = factories.AssignmentFactory(round=round_, proposal=high, user=juror)
        factories.ReviewFactory(assignment=assignment, submitted=True, scores=score)
    assignment = factories.AssignmentFactory(round=round_, proposal=low, user=jurors[0])
    factories.ReviewFactory(assignment=assignment, submitted=True, scores=1)  # 0
    factories.AssignmentFactory(round=round_, proposal=low, user=jurors[1])  # pending
    factories.DecisionFactory(proposal=high, outcome="winner")
    factories.DecisionFactory(proposal=low, outcome="not_selected")
    factories.PilotFactory(challenge=judged, call=call, startup=high.startup, accepted=True)
    return call


def test_console_shows_each_call_at_a_glance(client, login_as, admin):
    _build_call(slug="alpha", partner_name="Alpha Energia", theme_name="Water",
                reviewed=True)
    _build_call(slug="beta", partner_name="Beta Mobilità", theme_name="Roads",
                reviewed=False)
    login_as(admin)
    text = client.get("/admin/").text

    assert _glance(text, "alpha") == {
        "challenges": 4, "waiting": 1, "submitted": 4, "reviews-done": 3,
        "reviews-pending": 1, "decisions": 2, "pilots": 1,
        "challenge-status:draft": 1, "challenge-status:submitted": 1,
        "challenge-status:published": 1, "challenge-status:in_evaluation": 1,
        "outcome:winner": 1, "outcome:not_selected": 1, "pilot-status:accepted": 1,
    }
    assert _glance(text, "beta") == {
        "challenges": 3, "waiting": 1, "submitted": 2, "reviews-done": 0,
        "reviews-pending": 0, "decisions": 0, "pilots": 0,
        "challenge-status:draft": 1, "challenge-status:submitted": 1,
        "challenge-status:published": 1,
    }


def test_console_chart_tables_carry_the_numbers(client, login_as, admin):
    _build_call(slug="alpha", partner_name="Alpha Energia", theme_name="Water",
                reviewed=True)
    _build_call(slug="beta", partner_name="Beta Mobilità", theme_name="Roads",
                reviewed=False)
    login_as(admin)
    text = client.get("/admin/").text

    # Days in Europe/Rome: the withdrawn proposal and the draft are not counted.
    days = _chart_rows(text, "alpha", "days")
    assert [row[1] for row in days] == ["1", "3"]
    assert re.findall(r'data-value="(2026-03-0\d)"', text[text.index('id="call-alpha"'):]
                      )[:2] == ["2026-03-02", "2026-03-03"]
    assert _chart_rows(text, "alpha", "themes") == [["Water", "2"], ["Water bis", "2"]]
    assert _chart_rows(text, "alpha", "partners") == [["Alpha Energia", "4"]]
    assert _chart_rows(text, "beta", "partners") == [["Beta Mobilità", "2"]]
    assert _chart_rows(text, "alpha", "reviews") == [["alpha judged", "3", "1"]]
    # Aggregated scores: 75 (band 60-80) and 0 (band 0-20); median 37.5.
    assert _chart_rows(text, "alpha", "scores") == [
        ["alpha judged", "1", "0", "0", "1", "0", "37.5"]]
    beta = text[text.index('<section aria-labelledby="call-beta-title"'):]
    assert 'data-chart-table="reviews"' not in beta
    assert "No aggregated score in this call yet." in beta
    assert "vendor/chartjs-4.6.1/chart.umd.min.js" in text
    assert 'canvas aria-hidden="true"' in text


def test_console_scores_match_the_ranking(app, admin):
    from alliance.admin.score_stats import final_scores
    from alliance.evaluation.ranking import challenge_ranking

    call = _build_call(slug="alpha", partner_name="Alpha Energia", theme_name="Water",
                       reviewed=True)
    judged = db.session.scalar(sa.select(Challenge).where(Challenge.call_id == call.id,
                                                          Challenge.status == "in_evaluation"))
    expected = {row.proposal_id: row.final_score for row in challenge_ranking(judged).rows}
    assert final_scores([judged.id]) == {judged.id: expected}
    assert sorted(expected.values()) == [0.0, 75.0]


def test_console_call_filter_shows_one_call(client, login_as, admin):
    _build_call(slug="alpha", partner_name="Alpha Energia", theme_name="Water",
                reviewed=False)
    _build_call(slug="beta", partner_name="Beta Mobilità", theme_name="Roads",
                reviewed=False)
    login_as(admin)
    text = client.get("/admin/?call=beta").text
    assert '<tr data-call="beta">' in text and '<tr data-call="alpha">' not in text
    assert 'id="call-beta"' in text and 'id="call-alpha"' not in text
    assert '<option value="beta" selected>' in text
    assert client.get("/admin/?call=no-such-call").status_code == 404


def test_console_default_shows_current_calls_only(client, login_as, admin):
    _build_call(slug="alpha", partner_name="Alpha Energia", theme_name="Water",
                reviewed=False)
    factories.CallFactory(slug="long-ago", opens_at=datetime(2019, 1, 1, tzinfo=UTC),
                          closes_at=datetime(2019, 6, 1, tzinfo=UTC))
    login_as(admin)
    text = client.get("/admin/").text
    assert '<tr data-call="alpha">' in text and '<tr data-call="long-ago">' not in text
    assert '<option value="long-ago">' in text  # still there to pick


def test_console_links_the_exports(client, login_as, admin):
    _build_call(slug="alpha", partner_name="Alpha Energia", theme_name="Water",
                reviewed=False)
    login_as(admin)
    text = client.get("/admin/").text
    for what in ("challenges", "proposals", "startups"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/admin/calls/alpha/export/{what}.{fmt}"' in text


def _grow(n: int) -> None:
    for i in range(n):
        _build_call(slug=f"grown-{_grow.count}-{i}", partner_name=f"Partner {_grow.count}-{i}",
                    theme_name=f"Theme {_grow.count}-{i}", reviewed=True)
    _grow.count += 1


_grow.count = 0


def _console_queries(client, count_queries) -> int:
    db.session.commit()
    db.session.expunge_all()
    assert client.get("/admin/").status_code == 200
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get("/admin/")
    assert response.status_code == 200
    return len(statements)


def test_console_queries_do_not_grow_with_calls(client, login_as, admin, count_queries):
    login_as(admin)
    _grow(1)
    few = _console_queries(client, count_queries)
    _grow(4)
    many = _console_queries(client, count_queries)
    assert many == few, f"{few} queries with 1 call, {many} with 5"
    assert client.get("/admin/").text.count('<tr data-call="grown-') == 5


def test_calls_page_links_the_exports(client, login_as, admin):
    factories.CallFactory(slug="gamma")
    login_as(admin)
    text = client.get("/admin/calls/").text
    for what in ("challenges", "proposals", "startups"):
        for fmt in ("csv", "xlsx"):
            assert f'href="/admin/calls/gamma/export/{what}.{fmt}"' in text
