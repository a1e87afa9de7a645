"""Fixtures for the challenge tests: pages in English, a clock before the spring change."""
from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests import factories


@pytest.fixture(autouse=True)
def request_context(app):
    """Services translate their messages: give them a request to read the locale from."""
    with app.test_request_context():
        yield


@pytest.fixture(autouse=True)
def english(client):
    """Show pages in English whatever catalogues exist, so assertions read the source text."""
    with client.session_transaction() as session:
        session["lang"] = "en"


@pytest.fixture
def winter(travel, client):
    """The clock on 15 January 2026, before the daylight-saving dates the tests use."""
    moment = datetime(2026, 1, 15, 9, 0, tzinfo=UTC)
    travel(moment)
    # The session cookie is signed with a timestamp: sign it again in the new present.
    with client.session_transaction() as session:
        session["lang"] = "en"
    return moment


@pytest.fixture
def admin():
    return factories.UserFactory(admin=True, name="Ada Admin")


@pytest.fixture
def partner():
    return factories.PartnerFactory(name="Acme Smart S.p.A.")


@pytest.fixture
def partner_user(partner):
    return factories.PartnerUserFactory(partner=partner, name="Paolo Partner")


@pytest.fixture
def startup_user():
    return factories.StartupUserFactory(name="Sara Startup")
