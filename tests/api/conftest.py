"""Fixtures of the API tests."""
from __future__ import annotations

import pytest

from tests.api.helpers import API, index_docs, register_api  # noqa: F401 (a fixture)


@pytest.fixture(autouse=True)
def _api(app):
    register_api(app)


@pytest.fixture
def spec(client):
    """The OpenAPI document as served."""
    return client.get(f"{API}/openapi.json").get_json()
