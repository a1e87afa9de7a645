"""CSRF on every state-changing request: each POST route of the authorisation matrix,
sent without a token by a user the route lets in, is refused with 400 and changes
no row. The matrix lists every route, so a new POST route is covered here too."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from tests.security.authz_matrix import MATRIX, PERSONAS
from tests.security.test_authz_matrix import _resolve, _url

# The order in which a persona is picked: the first one the route lets in.
PREFERENCE = ("admin", "startup_a", "partner_x", "juror_assigned", "anonymous") + PERSONAS


def _post_cases():
    for key, spec in MATRIX.items():
        answers = spec.methods.get("POST")
        if not answers:
            continue
        persona = next((p for p in PREFERENCE if answers.get(p) == "ok"), None)
        if persona is not None:
            yield pytest.param(key, persona, id=key)


def _row_counts() -> dict[str, int]:
    counts = {}
    for table in db.metadata.sorted_tables:
        counts[table.name] = db.session.scalar(sa.select(sa.func.count()).select_from(table))
    return counts


@pytest.mark.parametrize(("key", "persona"), list(_post_cases()))
def test_post_without_csrf_token_is_refused(app, client, login_as, world, monkeypatch, key,
                                            persona):
    url = _url(app, world, key)
    if persona != "anonymous":
        login_as(getattr(world.users, persona))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    before = _row_counts()

    response = client.post(url, data=_resolve(world, MATRIX[key].data))

    assert response.status_code == 400, f"POST {url} as {persona}: {response.status_code}"
    db.session.rollback()
    after = _row_counts()
    # Logging in (before the request) is the only write; the refused POST adds none.
    assert after == before


def test_every_post_route_is_covered():
    posts = [key for key, spec in MATRIX.items() if "POST" in spec.methods]
    covered = {p.values[0] for p in _post_cases()}
    assert posts and set(posts) == covered, sorted(set(posts) - covered)
