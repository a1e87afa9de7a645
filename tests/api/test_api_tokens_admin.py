"""The admin's API token page: a token shown once, listed by its prefix, revoked."""
from __future__ import annotations

import re

import sqlalchemy as sa

from alliance.api import tokens
from alliance.api.models import ApiToken
from alliance.core.audit import AuditEvent
from alliance.extensions import db
from tests.api.helpers import API


def test_admin_creates_a_token_shown_once_that_opens_the_api(client, login_as, admin):
    login_as(admin)

    response = client.post("/admin/api-tokens/", data={"name": "Monthly report",
                                                       "expires_on": "2099-12-31"})

    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    plain = re.search(r'id="new-token">(alk_[\w-]+)<', response.text).group(1)
    row = db.session.scalar(sa.select(ApiToken))
    assert (row.name, row.user_id, row.token_hash) == ("Monthly report", admin.id,
                                                       tokens.digest(plain))
    assert row.expires_at.year == 2099
    listing = client.get("/admin/api-tokens/").text
    assert plain not in listing and row.prefix in listing and "Monthly report" in listing
    assert client.get(f"{API}/proposals",
                      headers={"Authorization": f"Bearer {plain}"}).status_code == 200


def test_admin_revokes_a_token(client, login_as, admin):
    _row, plain = tokens.create_token(user=admin, name="Old script", expires_at=None,
                                      now=tokens_now())
    row = db.session.scalar(sa.select(ApiToken))
    login_as(admin)

    response = client.post(f"/admin/api-tokens/{row.id}/revoke", follow_redirects=True)

    assert "Revoked" in response.text and row.revoked_at is not None
    assert client.get(f"{API}/proposals",
                      headers={"Authorization": f"Bearer {plain}"}).status_code == 401
    actions = db.session.scalars(sa.select(AuditEvent.action).where(
        AuditEvent.object_type == "api_token").order_by(AuditEvent.id)).all()
    assert actions == ["api_token.created", "api_token.revoked"]


def test_token_needs_a_name_and_a_future_expiry(client, login_as, admin):
    login_as(admin)

    nameless = client.post("/admin/api-tokens/", data={"name": ""})
    past = client.post("/admin/api-tokens/", data={"name": "x", "expires_on": "2001-01-01"})

    assert nameless.status_code == 422 and past.status_code == 422
    assert "The expiry must be in the future" in past.text
    assert db.session.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_token_page_is_for_admins_only(client, login_as, partner_user):
    login_as(partner_user)

    assert client.get("/admin/api-tokens/").status_code == 403


def tokens_now():
    from alliance.core.models import utcnow

    return utcnow()
