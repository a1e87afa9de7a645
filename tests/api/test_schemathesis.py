"""Schemathesis against the served OpenAPI document: generated requests to every
operation (the admin ones with an admin's token) find no 5xx and no answer that
breaks the document.

The app is built at import (``schemathesis.pytest.from_fixture`` breaks under pytest
9.2.0), on a SQLite database of its own under a temporary folder, migrated and filled
with committed rows: the suite's rolled-back transaction cannot serve a WSGI app
called from schemathesis. SQLite even when ``TEST_DATABASE_URL`` names PostgreSQL:
what is checked here is the document against the views.
"""
from __future__ import annotations

import atexit
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import flask_migrate
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import negative_data_rejection

from alliance import create_app
from alliance.api import tokens
from alliance.extensions import db

_FOLDER = Path(tempfile.mkdtemp(prefix="alliance-schemathesis-"))
atexit.register(shutil.rmtree, _FOLDER, ignore_errors=True)


def _seed() -> str:
    """A small world (public and draft challenges, an evaluated one with reviews and
    decisions, submitted, withdrawn and draft proposals); an admin's token."""
    from alliance.evaluation import models as em
    from tests import factories as f
    from tests.evaluation.scoring_data import evaluating_challenge, review, round_of

    admin = f.UserFactory(admin=True)
    call = f.CallFactory(slug="city-2026")
    lead, cosponsor = f.PartnerFactory(slug="acme"), f.PartnerFactory(slug="beta")
    f.ChallengeFactory(call=call, lead_partner=lead, published=True, cosponsors=[cosponsor],
                       slug="open-air")
    f.ChallengeFactory(call=call, lead_partner=lead, slug="draft-one")
    evaluated = evaluating_challenge(call=call, lead_partner=lead, slug="evaluated")
    first = round_of(evaluated)
    people = [f.JuryUserFactory() for _ in range(3)]
    for i in range(3):
        proposal = f.ProposalFactory(challenge=evaluated, submitted=True)
        for k, juror in enumerate(people):
            review(first, proposal, juror, scores=(1 + (i + k) % 5, 3, 2 + i))
        if i == 0:
            f.DecisionFactory(proposal=proposal, outcome=em.WINNER)
    f.ProposalFactory(challenge=evaluated, withdrawn=True)
    f.ProposalFactory(challenge=evaluated)  # a draft
    _token, plain = tokens.create_token(user=admin, name="schemathesis", expires_at=None,
                                        now=datetime.now(UTC) - timedelta(minutes=1))
    db.session.commit()
    return plain


def _build():
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": f"sqlite:///{_FOLDER / 'api.db'}",
        "SQLALCHEMY_ENGINE_OPTIONS": {},
        "WTF_CSRF_ENABLED": False,
        "MAIL_BACKEND": "locmem",
        "UPLOAD_FOLDER": str(_FOLDER / "uploads"),
        "WHOOSH_INDEX_DIR": str(_FOLDER / "search"),
        "SEARCH_SYNC": False,
        "RANKING_CACHE": False,
        "PAGE_CACHE": False,
        "PAGE_CACHE_VERSION_FILE": str(_FOLDER / "page-cache-version"),
        "SEARCH_STARTUP_CHECK": False,
        "RATELIMIT_ENABLED": False,
        "SERVER_NAME": "alliance.test",
        "BABEL_DEFAULT_LOCALE": "en",
        "WEBHOOKS_ENABLED": False,
    })
    with app.app_context():
        flask_migrate.upgrade()
        plain = _seed()
        db.session.remove()
    return app, plain


APP, TOKEN = _build()
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", APP)


@schema.auth()
class AdminToken:
    """The admin's token on every request (the public operations ignore it)."""

    def get(self, case, context):
        return TOKEN

    def set(self, case, data, context):
        case.headers = {**(case.headers or {}), "Authorization": f"Bearer {data}"}


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                 HealthCheck.function_scoped_fixture])
def test_api(case):
    # Unknown query parameters are ignored, as most APIs do: schemathesis counts a
    # request carrying one as invalid data that should have been refused, so that one
    # check is left out. Every other check runs on every request, invalid ones included.
    with APP.app_context():
        case.call_and_validate(excluded_checks=[negative_data_rejection])
