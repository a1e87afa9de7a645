"""The API's search (the policy's scope, plain-text snippets, refusals) and its OpenAPI
document (every route documented, every reference resolved)."""
from __future__ import annotations

import re

import pytest

from tests import factories as f
from tests.api.helpers import API, get

# -- search --------------------------------------------------------------------------------

def test_search_finds_only_what_the_visitor_may_see(client, spec, index_docs):
    public = f.ChallengeFactory(published=True, title="Zebra crossings that glow",
                                summary="Zebra crossings at night")
    draft = f.ChallengeFactory(title="Zebra draft", summary="Zebra secret")
    submitted = f.ProposalFactory(challenge=public, submitted=True, title="Zebra lights",
                                  abstract="Zebra crossings lit")
    index_docs(public, draft, submitted)

    body = get(client, "/search?q=zebra", spec, "SearchResults")

    assert body["total"] == 1 and len(body["items"]) == 1
    hit = body["items"][0]
    assert (hit["kind"], hit["id"], hit["title"]) == ("challenge", public.id, public.title)
    assert hit["url"] == f"http://alliance.test/challenges/{public.slug}"
    assert "zebra" in hit["snippet"].lower() and "<" not in hit["snippet"]
    assert [(v["value"], v["count"]) for v in body["facets"]["kind"]] == [("challenge", 1)]
    assert "proposal" not in {h["kind"] for h in body["items"]}
    assert get(client, "/search?q=zebra&kind=proposal")["total"] == 0


@pytest.mark.parametrize("query", ["", "q=", "q=%20", "q=x&kind=bogus", "q=x&page=501",
                                   "q=x&per_page=500"])
def test_search_bad_parameters_answer_400(client, spec, query):
    assert get(client, f"/search?{query}", spec, status=400)["error"]["status"] == 400


def test_search_with_nothing_to_search_for_is_empty(client, spec):
    body = get(client, "/search?q=NOT", spec, "SearchResults")

    assert (body["total"], body["items"]) == (0, [])


# -- the document --------------------------------------------------------------------------

def test_openapi_documents_every_route(app, client, spec):
    response = client.get(f"{API}/openapi.json")
    served = {re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(API))
              for rule in app.url_map.iter_rules() if rule.rule.startswith(API + "/")}

    assert response.status_code == 200 and spec["openapi"] == "3.1.0"
    assert served and served == set(spec["paths"])
    assert spec["servers"] == [{"url": "http://alliance.test/api/v1"}]
    for path, item in spec["paths"].items():
        for name in (p["name"] for p in item["get"]["parameters"] if p["in"] == "path"):
            assert "{" + name + "}" in path
    _refs_resolve(spec, spec)


def _refs_resolve(node, spec) -> None:
    """Every $ref of the document names a schema that exists."""
    if isinstance(node, dict):
        if "$ref" in node:
            name = node["$ref"].removeprefix("#/components/schemas/")
            assert name in spec["components"]["schemas"], node["$ref"]
        for value in node.values():
            _refs_resolve(value, spec)
    elif isinstance(node, list):
        for value in node:
            _refs_resolve(value, spec)


def test_unknown_methods_are_refused(client):
    assert client.post(f"{API}/challenges").status_code == 405


def test_search_unavailable_answers_503_in_json(app, client, spec, monkeypatch):
    class Broken:
        def search(self, request, scope):
            raise RuntimeError("index gone")

    monkeypatch.setitem(app.extensions, "alliance_search", Broken())

    body = get(client, "/search?q=zebra", spec, status=503)

    assert body["error"]["status"] == 503
