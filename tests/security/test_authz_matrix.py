"""The authorisation matrix: every route of the site, every method, eight personas,
each answer compared with the table in ``authz_matrix.py``.

Each (endpoint, method, persona) is its own test against a freshly built world, so a
POST that succeeds changes nothing the next case sees. A route without an entry (or an
entry without a route) fails ``test_every_route_has_an_entry``.
"""
from __future__ import annotations

from operator import attrgetter
from urllib.parse import urlsplit

import pytest
from flask import url_for

from tests.security.authz_matrix import KNOWN_BUGS, MATRIX, PERSONAS, endpoint_of, raw

SKIPPED_ENDPOINTS = {"static"}
IGNORED_METHODS = {"HEAD", "OPTIONS"}
LOGIN_PATH = "/auth/login"


def _cases():
    for key, spec in MATRIX.items():
        for method, answers in spec.methods.items():
            for persona in PERSONAS:
                marks = ()
                bug = KNOWN_BUGS.get((key, method, persona))
                if bug:
                    marks = (pytest.mark.xfail(reason=bug, strict=True),)
                yield pytest.param(key, method, persona, answers[persona], marks=marks,
                                   id=f"{key}-{method}-{persona}")


def classify(response) -> str:
    """The table's word for what the user got."""
    code = response.status_code
    if code >= 500:
        return f"server error {code}"
    if 300 <= code < 400:
        target = urlsplit(response.headers.get("Location", "")).path
        return "login" if target == LOGIN_PATH else "ok"
    if code < 300 or code in (400, 409, 422):
        return "ok"
    return {403: "forbidden", 404: "hidden"}.get(code, f"status {code}")


def _resolve(world, values: dict) -> dict:
    return {name: source.value if isinstance(source, raw) else attrgetter(source)(world)
            for name, source in values.items()}


def _url(app, world, key: str) -> str:
    with app.test_request_context():
        return url_for(endpoint_of(key), **_resolve(world, MATRIX[key].args))


@pytest.mark.parametrize(("key", "method", "persona", "expected"), list(_cases()))
def test_authz(app, client, login_as, world, key, method, persona, expected):
    url = _url(app, world, key)
    if persona != "anonymous":
        login_as(getattr(world.users, persona))
    data = _resolve(world, MATRIX[key].data) if method == "POST" else None
    response = client.open(url, method=method, data=data)
    got = classify(response)
    response.close()  # a downloaded file stays open until then
    assert got == expected, (
        f"{method} {url} as {persona}: expected {expected}, got {got} "
        f"({response.status_code} {response.headers.get('Location', '')})")


def test_every_route_has_an_entry(app):
    """Every endpoint and method of the URL map has its row, and no row is stale."""
    served = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint in SKIPPED_ENDPOINTS:
            continue
        served.setdefault(rule.endpoint, set()).update(rule.methods - IGNORED_METHODS)
    tabled = {}
    for key, spec in MATRIX.items():
        tabled.setdefault(endpoint_of(key), set()).update(spec.methods)
    missing = sorted(f"{endpoint} {method}" for endpoint, methods in served.items()
                     for method in methods - tabled.get(endpoint, set()))
    stale = sorted(f"{endpoint} {method}" for endpoint, methods in tabled.items()
                   for method in methods - served.get(endpoint, set()))
    assert not missing, ("routes without an entry in tests/security/authz_matrix.py: "
                         + ", ".join(missing))
    assert not stale, "entries in tests/security/authz_matrix.py for no route: " + ", ".join(stale)


def test_every_url_argument_is_filled(app):
    """Each entry names exactly the arguments its rule takes."""
    rules = {rule.endpoint: rule for rule in app.url_map.iter_rules()}
    wrong = []
    for key, spec in MATRIX.items():
        rule = rules.get(endpoint_of(key))
        if rule is not None and set(spec.args) != set(rule.arguments):
            wrong.append(f"{key}: rule takes {sorted(rule.arguments)}, "
                         f"table fills {sorted(spec.args)}")
    assert not wrong, "; ".join(wrong)


def test_known_bugs_name_real_cases():
    for key, method, persona in KNOWN_BUGS:
        assert method in MATRIX[key].methods and persona in PERSONAS
