"""The application factory, settings, health check and the schema."""
import pytest
import sqlalchemy as sa

from alliance import create_app
from alliance.config import DEV_SECRET_KEY
from alliance.extensions import db
from alliance.partners.models import Partner
from tests import factories


def test_production_refuses_development_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app()


def test_production_starts_with_its_own_secret(monkeypatch):
    monkeypatch.setenv("APP_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    app = create_app()
    assert app.config["SECRET_KEY"] != DEV_SECRET_KEY
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_database_url_from_environment(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@db.example/alliance")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@db.example/alliance"


def test_healthz_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}


def test_healthz_database_unreachable(client, monkeypatch):
    def broken(*args, **kwargs):
        raise sa.exc.OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "unreachable"


def test_nine_partners_exist_after_migrations(app):
    slugs = set(db.session.scalars(sa.select(Partner.slug)))
    assert {"a2a-smart-city", "accenture", "atm", "cisco", "coima", "enel-x", "ibm",
            "siemens", "tim"} <= slugs


def test_factories_build_every_model():
    proposal = factories.ProposalFactory(submitted=True)
    factories.AttachmentFactory(proposal=proposal)
    factories.SubmissionFactory(proposal=proposal, number=1)
    assert proposal.challenge.criteria and proposal.challenge.current_terms.version == 1
    assert proposal.startup.vat_number and len(proposal.startup.vat_number) == 11
    assert factories.SearchOutboxFactory().id is not None
    entry = factories.SearchIndexEntryFactory()
    assert entry.key == f"startup:{entry.object_id}"
    assert factories.SearchWordFactory().id is not None
