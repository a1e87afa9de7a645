"""User management in the admin console: find, see, grant and revoke roles,
deactivate and reactivate; the rules that keep an admin on the site."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.auth import management, privacy
from alliance.auth.models import User, UserRole
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.extensions import db
from tests import factories
from tests.auth.helpers import flashes


def _events(user, action):
    return db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == action, AuditEvent.object_type == "user",
        AuditEvent.object_id == user.id)).all()


def _roles(user) -> set[str]:
    return set(db.session.scalars(sa.select(UserRole.role).where(UserRole.user_id == user.id)))


# -- who may -----------------------------------------------------------------------------

@pytest.mark.parametrize("url", ["/admin/users/", "/admin/users/{id}", "/admin/audit/"])
def test_user_pages_forbidden_to_non_admins(client, login_as, url):
    juror = factories.UserFactory(jury=True)
    login_as(juror)
    assert client.get(url.format(id=juror.id)).status_code == 403


def test_user_posts_forbidden_to_non_admins(client, login_as):
    juror = factories.UserFactory(jury=True)
    other = factories.UserFactory()
    login_as(juror)

    assert client.post(f"/admin/users/{juror.id}/roles/grant",
                       data={"role": "admin"}).status_code == 403
    assert client.post(f"/admin/users/{other.id}/deactivate").status_code == 403

    assert _roles(juror) == {"jury"}
    db.session.refresh(other)
    assert other.active


def test_user_pages_send_anonymous_to_login(client):
    response = client.get("/admin/users/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


# -- the list ----------------------------------------------------------------------------

def test_user_list_search_by_name_or_email(client, login_as, admin):
    factories.UserFactory(name="Giulia Rossi", email="giulia@example.org")
    factories.UserFactory(name="Marco Bianchi", email="mb@rossi-studio.example")
    factories.UserFactory(name="Luca Verdi", email="luca@example.org")
    login_as(admin)

    page = client.get("/admin/users/?q=ROSSI").get_data(as_text=True)

    assert "Giulia Rossi" in page and "Marco Bianchi" in page
    assert "Luca Verdi" not in page
    assert "2 users" in page


def test_user_list_search_takes_wildcards_literally(client, login_as, admin):
    factories.UserFactory(name="Percent Person", email="pp@example.org")
    login_as(admin)

    page = client.get("/admin/users/?q=%25").get_data(as_text=True)

    assert "Percent Person" not in page
    assert "No user matches" in page


def test_user_list_filters_by_role(client, login_as, admin, partner_user, startup_user):
    factories.UserFactory(jury=True, name="Jolanda Jury")
    login_as(admin)

    jury = client.get("/admin/users/?role=jury").get_data(as_text=True)
    partners = client.get("/admin/users/?role=partner").get_data(as_text=True)
    startups = client.get("/admin/users/?role=startup").get_data(as_text=True)
    admins = client.get("/admin/users/?role=admin").get_data(as_text=True)

    assert "Jolanda Jury" in jury and "Paolo Partner" not in jury
    assert "Paolo Partner" in partners and "Sara Startup" not in partners
    assert "Sara Startup" in startups and "Jolanda Jury" not in startups
    assert "Ada Admin" in admins and "Jolanda Jury" not in admins


def test_user_list_filters_active_and_inactive(client, login_as, admin):
    factories.UserFactory(name="Dora Deactivated", active=False)
    factories.UserFactory(name="Alba Active")
    login_as(admin)

    inactive = client.get("/admin/users/?status=inactive").get_data(as_text=True)
    active = client.get("/admin/users/?status=active").get_data(as_text=True)

    assert "Dora Deactivated" in inactive and "Alba Active" not in inactive
    assert "Alba Active" in active and "Dora Deactivated" not in active


def test_user_list_paginated(client, login_as, admin):
    for n in range(30):
        factories.UserFactory(name=f"Paged User {n:02d}")
    login_as(admin)

    first = client.get("/admin/users/?q=Paged").get_data(as_text=True)
    second = client.get("/admin/users/?q=Paged&page=2").get_data(as_text=True)

    assert "30 users" in first and "page 1 of 2" in first
    assert "Paged User 00" in first and "Paged User 24" in first
    assert "Paged User 25" not in first
    assert "Paged User 25" in second and "Paged User 29" in second
    assert "page=2" in first and "q=Paged" in first


# -- one user ----------------------------------------------------------------------------

def test_user_page_shows_roles_memberships_and_last_login(client, login_as, admin, partner_user):
    login_as(admin)

    page = client.get(f"/admin/users/{partner_user.id}").get_data(as_text=True)

    assert partner_user.email in page
    assert "Acme Smart S.p.A." in page
    assert f"/partners/{partner_user.partner.slug}" in page
    assert "Last login" in page and "never" in page
    assert "Grant" in page and "Deactivate the account" in page


def test_user_page_unknown_user_is_404(client, login_as, admin):
    login_as(admin)
    assert client.get("/admin/users/2147483000").status_code == 404


# -- roles -------------------------------------------------------------------------------

def test_grant_role_adds_it_and_records_it(client, login_as, admin):
    user = factories.UserFactory(name="Gianni")
    login_as(admin)

    response = client.post(f"/admin/users/{user.id}/roles/grant", data={"role": "jury"})

    assert response.status_code == 302
    assert _roles(user) == {"jury"}
    [event] = _events(user, "user.role_granted")
    assert event.actor_id == admin.id and event.data == {"role": "jury"}
    assert "Gianni now holds the Jury role." in flashes(client)
    page = client.get(f"/admin/users/{user.id}").get_data(as_text=True)
    assert "user.role_granted" in page and "by Ada Admin" in page


def test_grant_role_unknown_role_refused(client, login_as, admin):
    user = factories.UserFactory()
    login_as(admin)

    client.post(f"/admin/users/{user.id}/roles/grant", data={"role": "partner"})

    assert _roles(user) == set()
    assert "Choose a role: admin or jury." in flashes(client)


def test_grant_role_already_held_refused():
    user = factories.UserFactory(jury=True)
    actor = factories.UserFactory(admin=True)
    with pytest.raises(DomainError):
        management.grant_role(user=user, role="jury", actor=actor)


def test_revoke_role_removes_it_and_records_it(client, login_as, admin):
    juror = factories.UserFactory(jury=True)
    login_as(admin)

    client.post(f"/admin/users/{juror.id}/roles/revoke", data={"role": "jury"})

    assert _roles(juror) == set()
    [event] = _events(juror, "user.role_revoked")
    assert event.actor_id == admin.id and event.data == {"role": "jury"}


def test_revoke_admin_of_another_admin_allowed(client, login_as, admin):
    other = factories.UserFactory(admin=True)
    login_as(admin)

    client.post(f"/admin/users/{other.id}/roles/revoke", data={"role": "admin"})

    assert _roles(other) == set()


def test_revoke_own_admin_role_refused(client, login_as, admin):
    factories.UserFactory(admin=True)  # not the last admin: the self rule alone refuses
    login_as(admin)

    client.post(f"/admin/users/{admin.id}/roles/revoke", data={"role": "admin"})

    assert _roles(admin) == {"admin"}
    assert "You cannot revoke your own admin role: ask another admin." in flashes(client)
    assert _events(admin, "user.role_revoked") == []


def test_revoke_last_active_admin_refused():
    last = factories.UserFactory(admin=True, name="Last One")
    factories.UserFactory(admin=True, active=False)  # an inactive admin does not count
    db.session.execute(sa.update(User).where(User.id != last.id, User.active.is_(True))
                       .values(active=False))  # any admin of other tests' data, too
    with pytest.raises(DomainError, match="Last One is the last active admin"):
        management.revoke_role(user=last, role="admin", actor=None)
    assert _roles(last) == {"admin"}


def test_revoke_role_not_held_refused():
    with pytest.raises(DomainError):
        management.revoke_role(user=factories.UserFactory(), role="jury",
                               actor=factories.UserFactory(admin=True))


# -- deactivation ------------------------------------------------------------------------

def test_deactivate_user_records_it(client, login_as, admin):
    user = factories.UserFactory(name="Dino")
    login_as(admin)

    client.post(f"/admin/users/{user.id}/deactivate")

    db.session.refresh(user)
    assert not user.active
    [event] = _events(user, "user.deactivated")
    assert event.actor_id == admin.id
    assert "Dino's account is deactivated: their sessions have ended." in flashes(client)


def test_deactivate_ends_the_users_session_at_once(app, client, login_as, admin):
    victim = factories.UserFactory(jury=True)
    victim_client = app.test_client()
    with victim_client.session_transaction() as session:
        session["_user_id"] = victim.get_id()
    assert victim_client.get("/jury/").status_code == 200

    login_as(admin)
    client.post(f"/admin/users/{victim.id}/deactivate")

    response = victim_client.get("/jury/")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_deactivate_refuses_the_remember_me_cookie(app, client, login_as, admin):
    victim = factories.UserFactory()
    victim_client = app.test_client()
    victim_client.post("/auth/login", data={"email": victim.email,
                                            "password": factories.PASSWORD, "remember": "y"})
    assert victim_client.get_cookie("remember_token", domain="alliance.test") is not None
    with victim_client.session_transaction() as session:
        session.clear()
    restored = victim_client.get("/dashboard")  # the cookie alone logs them in...
    assert "/auth/login" not in restored.headers.get("Location", "")

    login_as(admin)
    client.post(f"/admin/users/{victim.id}/deactivate")
    with victim_client.session_transaction() as session:
        session.clear()  # the browser was closed again: only the cookie is left

    # ...until the account is deactivated. (Flask-Login copies the cookie's id into the session before asking the loader,
    # which refuses it: every later request is refused in the same way.)
    for _ in range(2):
        response = victim_client.get("/dashboard")
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_deactivate_self_refused(client, login_as, admin):
    factories.UserFactory(admin=True)
    login_as(admin)

    client.post(f"/admin/users/{admin.id}/deactivate")

    db.session.refresh(admin)
    assert admin.active
    assert "You cannot deactivate your own account." in flashes(client)


def test_deactivate_last_active_admin_refused():
    last = factories.UserFactory(admin=True, name="Only Admin")
    db.session.execute(sa.update(User).where(User.id != last.id).values(active=False))
    with pytest.raises(DomainError, match="Only Admin is the last active admin"):
        management.deactivate_user(user=last, actor=factories.UserFactory())
    assert last.active


def test_deactivate_another_admin_allowed_when_one_is_left(client, login_as, admin):
    other = factories.UserFactory(admin=True)
    login_as(admin)

    client.post(f"/admin/users/{other.id}/deactivate")

    db.session.refresh(other)
    assert not other.active


def test_reactivate_user_lets_them_log_in_again(client, login_as, admin, auth):
    user = factories.UserFactory(active=False, name="Rita")
    login_as(admin)

    client.post(f"/admin/users/{user.id}/reactivate")

    db.session.refresh(user)
    assert user.active
    [event] = _events(user, "user.reactivated")
    assert event.actor_id == admin.id
    auth.logout()
    assert auth.login(user).status_code == 302


def test_reactivate_active_user_refused(client, login_as, admin):
    user = factories.UserFactory()
    login_as(admin)

    client.post(f"/admin/users/{user.id}/reactivate")

    assert _events(user, "user.reactivated") == []
    assert "already active" in flashes(client)[0]


@pytest.mark.parametrize("query", ["role=owner", "status=maybe", "page=-3", "page=99999999999",
                                   "q=%25_%5C", "q=" + "a" * 500, "role=%C2%B2"])
def test_user_list_odd_filters_answer_without_error(client, login_as, admin, query):
    login_as(admin)
    response = client.get(f"/admin/users/?{query}")
    assert response.status_code == 200


def test_deleted_account_cannot_be_reactivated_nor_given_a_role():
    actor = factories.UserFactory(admin=True)
    factories.UserFactory(admin=True)  # not the last admin
    user = factories.UserFactory()
    privacy.anonymise_user(user=user, actor=user)
    db.session.flush()

    with pytest.raises(DomainError, match="deleted"):
        management.reactivate_user(user=user, actor=actor)
    with pytest.raises(DomainError, match="deleted"):
        management.grant_role(user=user, role="jury", actor=actor)
    assert not user.active and _roles(user) == set()


def test_admin_deletes_an_account_on_its_owners_request(client, login_as, admin):
    user = factories.UserFactory(name="Rita Richiesta", email="rita@example.org")
    login_as(admin)

    response = client.post(f"/admin/users/{user.id}/anonymise", follow_redirects=True)

    db.session.refresh(user)
    assert "The account is deleted" in response.text
    assert user.anonymised_at is not None and not user.active
    assert user.email != "rita@example.org" and "Rita" not in user.name
    [event] = _events(user, "user.anonymised")
    assert event.actor_id == admin.id and event.data["by_self"] is False
    assert "Delete the account (anonymise)" not in client.get(f"/admin/users/{user.id}").text


def test_admin_cannot_anonymise_themselves_from_the_console(client, login_as, admin):
    factories.UserFactory(admin=True)
    login_as(admin)

    response = client.post(f"/admin/users/{admin.id}/anonymise", follow_redirects=True)

    db.session.refresh(admin)
    assert "Delete your own account from" in response.text and admin.anonymised_at is None
