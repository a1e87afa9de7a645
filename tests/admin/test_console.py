"""The admin console: overview, calls, themes, partner members; admins only."""
from __future__ import annotations

import re
from datetime import UTC, datetime

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
