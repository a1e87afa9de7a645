"""What the API tests share: the blueprint registered, a search backend, and a small
JSON Schema check (jsonschema is not installed) of the subset openapi.py uses."""
from __future__ import annotations

from datetime import datetime

import pytest

from alliance.extensions import db
from alliance.search import documents

API = "/api/v1"

TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def register_api(app) -> None:
    """Until create_app registers the blueprint, the tests do."""
    if "api" not in app.blueprints:
        from alliance.api.views import bp

        started, app._got_first_request = app._got_first_request, False
        app.register_blueprint(bp)
        app._got_first_request = started


def resolve(document: dict, schema: dict) -> dict:
    while "$ref" in schema:
        node = document
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def check(value, schema: dict, document: dict, path: str = "$") -> None:
    """Assert that ``value`` matches ``schema`` (type, enum, required, properties,
    additionalProperties, propertyNames, items, allOf, $ref, uri and date-time)."""
    schema = resolve(document, schema)
    for part in schema.get("allOf", []):
        check(value, part, document, path)
    types = schema.get("type")
    if types:
        types = [types] if isinstance(types, str) else types
        assert any(TYPES[t](value) for t in types), f"{path}: {value!r} is not {types}"
    if "enum" in schema:
        assert value in schema["enum"], f"{path}: {value!r} not in {schema['enum']}"
    if isinstance(value, str) and schema.get("format") == "date-time":
        assert value.endswith("Z") and datetime.fromisoformat(value), f"{path}: {value!r}"
    if isinstance(value, str) and schema.get("format") == "uri":
        assert value.startswith(("http://", "https://")), f"{path}: {value!r}"
    if isinstance(value, dict):
        missing = set(schema.get("required", [])) - set(value)
        assert not missing, f"{path}: missing {sorted(missing)}"
        properties = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                check(item, properties[name], document, f"{path}.{name}")
            elif isinstance(extra, dict):
                check(item, extra, document, f"{path}.{name}")
            if "propertyNames" in schema:
                check(name, schema["propertyNames"], document, f"{path}[{name!r}]")
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            check(item, schema["items"], document, f"{path}[{n}]")


def get(client, path: str, spec: dict | None = None, schema: str | None = None,
        status: int = 200):
    """GET ``API + path`` and return its JSON, checked against the document's schema
    (``Error`` for an error status)."""
    response = client.get(API + path)
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    if spec is not None:
        name = schema or ("Error" if status >= 400 else None)
        check(body, {"$ref": f"#/components/schemas/{name}"}, spec)
    return body


@pytest.fixture(params=["whoosh", "postgres"])
def index_docs(request, app, tmp_path, monkeypatch):
    """A fresh index of each backend (PostgreSQL's only on PostgreSQL), and a function
    writing the documents of model objects to it."""
    if request.param == "whoosh":
        from alliance.search.whoosh_backend import WhooshBackend

        backend = WhooshBackend(str(tmp_path / "whoosh"))
    else:
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the PostgreSQL search backend needs PostgreSQL")
        from alliance.search.postgres_backend import PostgresBackend

        backend = PostgresBackend()
    monkeypatch.setitem(app.extensions, "alliance_search", backend)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)

    def write(*objects):
        db.session.flush()
        backend.write([documents.BUILDERS[obj.__tablename__](obj) for obj in objects])

    yield write
    backend.close()
