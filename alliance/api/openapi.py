"""The OpenAPI 3.1 document of ``/api/v1`` (served at ``/api/v1/openapi.json``).

Every route of the blueprint has its path here; the tests check both that no route
is missing and that the answers match these schemas."""
from __future__ import annotations

from flask import url_for

from alliance.challenges.models import STATUSES
from alliance.challenges.services import STATES
from alliance.search.base import FACETS, KINDS


def _s(type_, **extra) -> dict:
    return {"type": type_, **extra}


def _obj(properties: dict, optional: tuple[str, ...] = ()) -> dict:
    return {"type": "object", "properties": properties,
            "required": [name for name in properties if name not in optional]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _list(schema: dict) -> dict:
    return {"type": "array", "items": schema}


STRING, INT, BOOL, URL = _s("string"), _s("integer"), _s("boolean"), _s("string", format="uri")
# What a request may carry: the site refuses NUL characters anywhere (400).
TEXT = _s("string", pattern=r"^[^\x00]*$")
WORDS = _s("string", pattern=r"^[^\x00]*[^\s\x00][^\x00]*$")  # not only blanks
WHEN = _s("string", format="date-time")
MAYBE_WHEN = {"type": ["string", "null"], "format": "date-time"}
MAYBE_URL = {"type": ["string", "null"], "format": "uri"}

PARTNER_REF = _obj({"slug": STRING, "name": STRING, "url": URL})
CHALLENGE_SUMMARY = _obj({
    "id": INT, "slug": STRING, "title": STRING, "summary": STRING,
    "status": _s("string", enum=list(STATUSES)),
    "state": _s("string", enum=["upcoming", "open", "closed"]),
    "opens_at": WHEN, "deadline": WHEN, "published_at": MAYBE_WHEN,
    "pilot_slots": INT,
    "theme": _obj({"slug": STRING, "name_it": STRING, "name_en": STRING}),
    "call": _obj({"slug": STRING, "title": STRING}),
    "partner": _ref("PartnerRef"), "cosponsors": _list(_ref("PartnerRef")),
    "locale": _s("string", enum=["it", "en"],
                 description="The language the challenge's brief is written in."),
    "translations": _list(_obj({"locale": _s("string", enum=["it", "en"]),
                                "title": STRING, "summary": STRING})),
    "url": URL, "html_url": URL,
})
CRITERION = _obj({"name": STRING, "description": STRING, "weight": _s("number"),
                  "share": {"type": ["number", "null"],
                            "description": "The weight as a percentage of all weights."},
                  "scale": INT})
CHALLENGE = {"allOf": [_ref("ChallengeSummary"), _obj({
    "description": _s("string", description="Markdown"), "expected_outcomes": STRING,
    "rewards": STRING, "eligibility": STRING, "criteria": _list(_ref("Criterion")),
    "translations": _list(_obj({
        "locale": _s("string", enum=["it", "en"]), "title": STRING, "summary": STRING,
        "description": _s("string", description="Markdown"), "expected_outcomes": STRING,
        "rewards": STRING, "eligibility": STRING}))})]}
PARTNER = _obj({"slug": STRING, "name": STRING, "url": URL, "website": STRING,
                "open_challenges": INT, "html_url": URL})
PARTNER_DETAIL = {"allOf": [_ref("Partner"), _obj({
    "description": STRING,
    "current_challenges": _list(_ref("ChallengeSummary")), "current_total": INT,
    "past_challenges": _list(_ref("ChallengeSummary")), "past_total": INT,
    "challenges_url": URL})]}
CALL = _obj({"slug": STRING, "title": STRING, "description": STRING, "opens_at": WHEN,
             "closes_at": WHEN, "results_at": MAYBE_WHEN, "results_published": BOOL,
             "results_url": MAYBE_URL})
STARTUP = _obj({"name": STRING, "slug": {"type": ["string", "null"]}, "html_url": MAYBE_URL})
CALL_RESULTS = {"allOf": [_ref("Call"), _obj({"challenges": _list(_obj({
    "slug": STRING, "title": STRING, "partner": _ref("PartnerRef"), "url": URL,
    "winners": _list(_ref("PublicStartup")),
    "pilots": _list(_obj({"startup": _ref("PublicStartup"), "status": STRING})),
}))})]}
SEARCH_RESULTS = _obj({
    "total": INT, "page": INT, "per_page": INT,
    "items": _list(_obj({"kind": _s("string", enum=list(KINDS)), "id": INT, "title": STRING,
                         "url": URL, "snippet": _s("string", description="Plain text")})),
    "facets": _s("object", additionalProperties=_list(_obj(
        {"value": STRING, "label": STRING, "count": INT})),
        propertyNames={"enum": list(FACETS)}),
    "warnings": _list(STRING),
})
ERROR = _obj({"error": _obj({"status": INT, "message": STRING})})

SCHEMAS = {
    "PartnerRef": PARTNER_REF, "ChallengeSummary": CHALLENGE_SUMMARY, "Criterion": CRITERION,
    "Challenge": CHALLENGE, "Partner": PARTNER, "PartnerDetail": PARTNER_DETAIL,
    "Call": CALL, "PublicStartup": STARTUP, "CallResults": CALL_RESULTS,
    "SearchResults": SEARCH_RESULTS, "Error": ERROR,
    "ChallengePage": _obj({"total": INT, "page": INT, "per_page": INT,
                           "items": _list(_ref("ChallengeSummary"))}),
    "PartnerList": _obj({"items": _list(_ref("Partner"))}),
    "CallList": _obj({"items": _list(_ref("Call"))}),
}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {"name": name, "in": "query", "required": required, "schema": schema,
            "description": description}


SLUG = {"name": "slug", "in": "path", "required": True, "schema": TEXT}
PAGE = _query("page", _s("integer", minimum=1, maximum=10_000, default=1), "Page number.")
PER_PAGE = _query("per_page", _s("integer", minimum=1, maximum=100, default=20),
                  "Items per page (at most 100).")


def _answers(schema: str, *errors: int) -> dict:
    answers = {"200": {"description": "OK", "content": {
        "application/json": {"schema": _ref(schema)}}}}
    for code in errors:
        answers[str(code)] = {"description": {400: "Bad parameters", 404: "Not found",
                                              503: "Search unavailable"}[code],
                              "content": {"application/json": {"schema": _ref("Error")}}}
    return answers


def _get(summary: str, schema: str, parameters: list, *errors: int) -> dict:
    return {"get": {"summary": summary, "parameters": parameters,
                    "responses": _answers(schema, *errors)}}


PATHS = {
    "/challenges": _get(
        "Public challenges: open first (soonest deadline), then past ones.", "ChallengePage",
        [_query("state", _s("string", enum=list(STATES)), "open, upcoming, current (open or "
                "upcoming) or closed."),
         _query("theme", TEXT, "A theme's slug."),
         _query("partner", TEXT, "A partner's slug (lead or co-sponsor)."),
         _query("call", TEXT, "A call's slug."), PAGE, PER_PAGE], 400),
    "/challenges/{slug}": _get("One public challenge with its weighted criteria.",
                               "Challenge", [SLUG], 404),
    "/partners": _get("The partner companies.", "PartnerList", []),
    "/partners/{slug}": _get("A partner with its first current and past challenges.",
                             "PartnerDetail", [SLUG], 404),
    "/calls": _get("The calls, newest first.", "CallList", []),
    "/calls/{slug}/results": _get("A call's published results: winners and agreed pilots.",
                                  "CallResults", [SLUG], 404),
    "/search": _get(
        "Full-text search over what the caller may see.", "SearchResults",
        [_query("q", WORDS,
                "Words, phrases, AND/OR/NOT and field filters.", True),
         _query("kind", _s("string", enum=list(KINDS)), "Only this kind of result."),
         {**PAGE, "schema": _s("integer", minimum=1, maximum=500, default=1)}, PER_PAGE],
        400, 503),
    "/openapi.json": {"get": {"summary": "This document.", "parameters": [], "responses": {
        "200": {"description": "OK", "content": {"application/json": {
            "schema": _s("object")}}}}}},
}


def document() -> dict:
    """The document, with the server's own address."""
    from alliance.api import admin_openapi

    return {
        "openapi": "3.1.0",
        "info": {"title": "Milano Smart City Alliance API", "version": "1.0.0",
                 "description": "Read-only public data: published challenges, partners, "
                                "calls, public results and search; with an admin's API "
                                "token (bearerAuth), proposals and rankings."},
        "servers": [{"url": url_for("api.challenges", _external=True).rsplit("/", 1)[0]}],
        "paths": {**PATHS, **admin_openapi.PATHS},
        "components": {"schemas": {**SCHEMAS, **admin_openapi.SCHEMAS},
                       "securitySchemes": admin_openapi.SECURITY_SCHEMES},
    }
