"""Registering a start-up, editing its profile, and who may see or change it."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.core.taxonomy import Theme
from alliance.extensions import db
from alliance.startups import services
from alliance.startups.models import Startup, StartupMembership
from tests import factories


def form(**changes):
    data = {
        "name": "Verde Città S.r.l.",
        "vat_number": "12345678903",
        "registration_number": "",
        "country": "IT",
        "city": "Milano",
        "founded_year": "2021",
        "team_size": "5",
        "stage": "mvp",
        "website": "https://verdecitta.example.it",
        "pitch": "Sensors that tell the city when trees need water.",
        "is_public": "y",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_create_startup_makes_creator_founder(client, login):
    user = factories.UserFactory()
    themes = db.session.scalars(sa.select(Theme).order_by(Theme.position).limit(2)).all()
    login(user)
    data = form()
    data["sectors"] = [str(t.id) for t in themes]
    response = client.post("/startups/new", data=data)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/startup/dashboard")
    startup = db.session.scalar(sa.select(Startup).where(Startup.vat_number == "12345678903"))
    assert startup.slug == "verde-citta-s-r-l"
    assert startup.stage == "mvp"
    assert {t.id for t in startup.sectors} == {t.id for t in themes}
    membership = db.session.scalar(
        sa.select(StartupMembership).where(StartupMembership.user_id == user.id))
    assert membership.startup_id == startup.id and membership.is_founder is True
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "startup.created", AuditEvent.object_id == startup.id)) is not None


def test_create_startup_form_shows_readable_stages(client, login):
    login(factories.UserFactory())
    page = client.get("/startups/new").text
    assert "Minimum viable product" in page
    assert 'name="sectors"' in page


def test_create_startup_wrong_check_digit_field_error(client, login):
    login(factories.UserFactory())
    response = client.post("/startups/new", data=form(vat_number="12345678904"))
    assert response.status_code == 422
    assert "check digit" in response.text
    assert "Verde Città S.r.l." in response.text  # the input is kept
    assert db.session.scalar(sa.select(sa.func.count(Startup.id)).where(
        Startup.name == "Verde Città S.r.l.")) == 0


def test_create_startup_vat_not_eleven_digits_field_error(client, login):
    login(factories.UserFactory())
    response = client.post("/startups/new", data=form(vat_number="1234567"))
    assert response.status_code == 422
    assert "11 digits" in response.text


def test_create_startup_needs_vat_or_registration_number(client, login):
    login(factories.UserFactory())
    response = client.post("/startups/new", data=form(vat_number=""))
    assert response.status_code == 422
    assert "foreign registration number" in response.text


def test_create_startup_foreign_registration_number_accepted(client, login):
    login(factories.UserFactory())
    response = client.post("/startups/new", data=form(
        name="Berlin Mobility GmbH", vat_number="", registration_number="HRB 123456",
        country="DE", city="Berlin"))
    assert response.status_code == 302
    startup = db.session.scalar(sa.select(Startup).where(Startup.name == "Berlin Mobility GmbH"))
    assert startup.vat_number is None
    assert (startup.registration_number, startup.country) == ("HRB 123456", "DE")


def test_create_startup_duplicate_vat_field_error(client, login):
    factories.StartupFactory(vat_number="12345678903")
    login(factories.UserFactory())
    response = client.post("/startups/new", data=form())
    assert response.status_code == 422
    assert "already registered" in response.text


@pytest.mark.parametrize("changes, message", [
    ({"founded_year": str(datetime.now(UTC).year + 1)}, "Give a year between"),
    ({"founded_year": "1200"}, "Give a year between"),
    ({"team_size": "0"}, "team_size-error"),
    ({"pitch": "x" * 601}, "pitch-error"),
    ({"website": "not a url"}, "https://"),
    ({"stage": "unicorn"}, "stage-error"),
])
def test_create_startup_invalid_fields_refused(client, login, changes, message):
    login(factories.UserFactory())
    response = client.post("/startups/new", data=form(**changes))
    assert response.status_code == 422
    assert message in response.text
    assert db.session.scalar(sa.select(sa.func.count(Startup.id)).where(
        Startup.name == "Verde Città S.r.l.")) == 0


def test_create_startup_slug_unique(client, login, ctx):
    factories.StartupFactory(slug="verde-citta-s-r-l")
    assert services.unique_slug("Verde Città S.r.l.") == "verde-citta-s-r-l-2"
    assert services.unique_slug("New") == "new-2"


def test_create_startup_refused_for_unconfirmed_user(client, login):
    login(factories.UserFactory(unconfirmed=True))
    assert client.get("/startups/new").status_code == 403
    assert client.post("/startups/new", data=form()).status_code == 403


def test_create_startup_refused_for_partner_member(client, login):
    login(factories.PartnerUserFactory())
    assert client.post("/startups/new", data=form()).status_code == 403


def test_create_startup_member_sent_to_dashboard(client, login):
    login(factories.StartupUserFactory())
    response = client.post("/startups/new", data=form())
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/startup/dashboard")
    assert db.session.scalar(sa.select(Startup).where(Startup.vat_number == "12345678903")) is None


def test_create_startup_anonymous_redirected_to_login(client):
    response = client.get("/startups/new")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_create_startup_service_refuses_second_membership(ctx):
    user = factories.StartupUserFactory()
    details = services.StartupDetails(name="Other", city="Milano", founded_year=2020,
                                      team_size=2, stage="idea", pitch="x",
                                      vat_number="12345678903")
    with pytest.raises(DomainError):
        services.create_startup(founder=user, details=details, now=datetime.now(UTC))


def test_edit_startup_by_member(client, login):
    user = factories.StartupUserFactory(founder=False)
    startup = user.startup
    login(user)
    page = client.get(f"/startups/{startup.slug}/edit")
    assert page.status_code == 200
    assert startup.vat_number in page.text
    response = client.post(f"/startups/{startup.slug}/edit", data=form(
        name="Renamed S.r.l.", vat_number=startup.vat_number, is_public=None))
    assert response.status_code == 302
    db.session.refresh(startup)
    assert startup.name == "Renamed S.r.l."
    assert startup.is_public is False
    assert startup.slug.startswith("startup-")  # links keep working


def test_edit_startup_keeps_own_vat_but_refuses_another(client, login):
    other = factories.StartupFactory()
    user = factories.StartupUserFactory()
    login(user)
    response = client.post(f"/startups/{user.startup.slug}/edit",
                           data=form(vat_number=other.vat_number))
    assert response.status_code == 422
    assert "already registered" in response.text


def test_edit_startup_refused_for_other_startup(client, login):
    startup = factories.StartupFactory()
    login(factories.StartupUserFactory())
    assert client.get(f"/startups/{startup.slug}/edit").status_code == 403
    response = client.post(f"/startups/{startup.slug}/edit", data=form(name="Hijacked"))
    assert response.status_code == 403
    assert db.session.get(Startup, startup.id).name != "Hijacked"


def test_edit_private_startup_hidden_from_others(client, login):
    startup = factories.StartupFactory(is_public=False)
    login(factories.StartupUserFactory())
    assert client.get(f"/startups/{startup.slug}/edit").status_code == 404


def test_edit_startup_by_admin(client, login):
    startup = factories.StartupFactory()
    login(factories.UserFactory(admin=True))
    assert client.get(f"/startups/{startup.slug}/edit").status_code == 200


def test_public_profile_visible_to_anyone(client):
    startup = factories.StartupFactory(pitch="We map every pothole in Milan.")
    response = client.get(f"/startups/{startup.slug}")
    assert response.status_code == 200
    assert "We map every pothole in Milan." in response.text
    assert "Edit profile" not in response.text


def test_private_profile_hidden(client, login):
    startup = factories.StartupFactory(is_public=False)
    assert client.get(f"/startups/{startup.slug}").status_code == 404
    login(factories.StartupUserFactory())
    assert client.get(f"/startups/{startup.slug}").status_code == 404


def test_private_profile_visible_to_member_and_admin(client, login):
    user = factories.StartupUserFactory(startup__is_public=False)
    login(user)
    response = client.get(f"/startups/{user.startup.slug}")
    assert response.status_code == 200
    assert "Edit profile" in response.text
    login(factories.UserFactory(admin=True))
    assert client.get(f"/startups/{user.startup.slug}").status_code == 200


def test_unknown_startup_404(client):
    assert client.get("/startups/does-not-exist").status_code == 404
