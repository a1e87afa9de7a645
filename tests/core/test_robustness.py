"""Bad input gets a clear answer, never a 500 (found by the review of issue 2)."""
import pytest

from alliance.core.taxonomy import Theme
from alliance.extensions import db
from tests import factories


@pytest.mark.parametrize("path", [
    "/proposals/99999999999999999999",
    "/proposals/1/receipts/99999999999999999999",
    "/proposals/2147483648",
])
def test_huge_ids_answer_404(client, path):
    assert client.get(path).status_code == 404


def test_huge_id_in_admin_page_answers_404(client, login_as, admin):
    login_as(admin)
    assert client.get("/admin/calls/99999999999999999999/edit").status_code == 404


def test_huge_page_number_is_clamped(client):
    response = client.get("/challenges/?page=99999999999999999999")
    assert response.status_code == 200


def test_year_one_is_a_field_error(client, login_as, partner_user):
    call = factories.CallFactory()
    login_as(partner_user)
    response = client.post("/challenges/new", data={
        "call": call.id, "title": "Year one", "summary": "s", "description": "d",
        "theme": db.session.query(Theme.id).first()[0], "expected_outcomes": "o",
        "rewards": "r", "eligibility": "e", "opens_at": "0001-01-01T00:00",
        "deadline": "2099-01-01T00:00", "pilot_slots": "1",
    })
    assert response.status_code == 422
    assert "between the years 2000 and 2100" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/challenges/a%00b", "/partners/a%00b", "/startups/%00",
                                  "/challenges/?theme=%00"])
def test_nul_byte_in_url_answers_400(client, path):
    response = client.get(path)
    assert response.status_code == 400
    assert "could not be understood" in response.get_data(as_text=True)


def test_nul_byte_in_form_answers_400(client):
    response = client.post("/auth/login", data={"email": "a\x00@b.it", "password": "x"})
    assert response.status_code == 400


def test_method_not_allowed_page_in_site_style(client):
    response = client.get("/auth/logout")
    assert response.status_code == 405
    assert "POST" in response.headers["Allow"]
    assert 'id="content"' in response.get_data(as_text=True)


def test_too_large_upload_page_names_the_configured_limit(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1024)
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", 3 * 1024 * 1024)
    response = client.post("/auth/login", data={"email": "x" * 4096, "password": "p"})
    assert response.status_code == 413
    assert "(3 MB)" in response.get_data(as_text=True)


def test_admin_opening_proposal_edit_gets_403_not_404(client, login_as, admin):
    proposal = factories.ProposalFactory()
    login_as(admin)
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403


def test_unconfirmed_cofounder_gets_403_on_own_proposal_edit(client, login_as):
    proposal = factories.ProposalFactory()
    cofounder = factories.StartupUserFactory(startup=proposal.startup, founder=False,
                                             unconfirmed=True)
    login_as(cofounder)
    assert client.get(f"/proposals/{proposal.id}/edit").status_code == 403


def test_only_founders_invite(client, login_as):
    founder = factories.StartupUserFactory()
    cofounder = factories.StartupUserFactory(startup=founder.startup, founder=False)
    login_as(cofounder)
    response = client.post(f"/startups/{founder.startup.slug}/members",
                           data={"email": "new@example.org"})
    assert response.status_code == 403


def test_duplicate_theme_name_is_a_field_error(client, login_as, admin):
    login_as(admin)
    response = client.post("/admin/themes/", data={"name_it": "Mobilità", "name_en": "New one"})
    assert response.status_code == 422
    assert "Another theme already has this name." in response.get_data(as_text=True)
    assert db.session.query(Theme).filter(Theme.name_en == "New one").count() == 0
