"""The admin part of the OpenAPI document: proposals and rankings, behind
``bearerAuth`` (an admin's API token)."""
from __future__ import annotations

from alliance.api.openapi import (
    BOOL,
    INT,
    MAYBE_WHEN,
    PAGE,
    PER_PAGE,
    SLUG,
    STRING,
    TEXT,
    URL,
    _list,
    _obj,
    _query,
    _ref,
    _s,
)
from alliance.evaluation.models import OUTCOMES

NUMBER = _s("number")
MAYBE_NUMBER = {"type": ["number", "null"]}
MAYBE_INT = {"type": ["integer", "null"]}
MAYBE_STRING = {"type": ["string", "null"]}
DECISION = {"type": ["string", "null"], "enum": [*OUTCOMES, None]}
STATUS = _s("string", enum=["submitted", "withdrawn"])

PROPOSAL = _obj({
    "id": INT, "title": STRING, "abstract": STRING, "status": STATUS,
    "submitted_at": MAYBE_WHEN,
    "startup": _obj({"name": STRING, "slug": MAYBE_STRING}),
    "challenge": _obj({"slug": STRING, "title": STRING}),
    "score": {**MAYBE_NUMBER, "description": "The ranking's final score (0-100), once "
                                             "evaluated."},
    "rank": MAYBE_INT, "decision": DECISION, "url": URL,
})
PROPOSAL_DETAIL = {"allOf": [_ref("Proposal"), _obj({
    "description": _s("string", description="Markdown"), "trl": MAYBE_INT,
    "pilot_duration_months": MAYBE_INT, "pilot_cost_eur": MAYBE_NUMBER, "team": STRING,
    "withdrawn_at": MAYBE_WHEN, "html_url": URL})]}
RANKING_ROW = _obj({
    "position": {**MAYBE_INT, "description": "Competition rank (1, 2, 2, 4); null when "
                                             "unscored."},
    "tied": BOOL,
    "proposal": _obj({"id": INT, "title": STRING, "url": URL}),
    "startup": _obj({"name": STRING}),
    "score": MAYBE_NUMBER, "reviews": INT, "assigned": INT, "mean": MAYBE_NUMBER,
    "median": MAYBE_NUMBER, "sd": MAYBE_NUMBER, "normalised": MAYBE_NUMBER,
    "criterion_means": _list(MAYBE_NUMBER),
    "flags": _obj({"disagreement": BOOL, "overridden": BOOL}),
    "decision": DECISION,
})
RANKING = _obj({
    "challenge": _obj({"slug": STRING, "title": STRING, "status": STRING}),
    "combined": BOOL,
    "criteria": _list(_obj({"name": STRING, "weight": NUMBER, "scale": INT})),
    "jurors": INT, "reviews_done": INT, "reviews_pending": INT,
    "rows": _list(_ref("RankingRow")),
})

SCHEMAS = {
    "Proposal": PROPOSAL, "ProposalDetail": PROPOSAL_DETAIL, "RankingRow": RANKING_ROW,
    "Ranking": RANKING,
    "ProposalPage": _obj({"total": INT, "page": INT, "per_page": INT,
                          "items": _list(_ref("Proposal"))}),
}

SECURITY_SCHEMES = {"bearerAuth": {
    "type": "http", "scheme": "bearer",
    "description": "An admin's API token (created at /admin/api-tokens/)."}}

_ERRORS = {400: "Bad parameters", 401: "Missing, unknown, revoked or expired token",
           403: "The token's owner is not an admin", 404: "Not found"}


def _get(summary: str, schema: str, parameters: list, *errors: int) -> dict:
    answers = {"200": {"description": "OK", "content": {
        "application/json": {"schema": _ref(schema)}}}}
    for code in (*errors, 401, 403):
        answers[str(code)] = {"description": _ERRORS[code],
                              "content": {"application/json": {"schema": _ref("Error")}}}
    answers["401"]["headers"] = {"WWW-Authenticate": {"schema": STRING}}
    return {"get": {"summary": summary, "parameters": parameters, "responses": answers,
                    "security": [{"bearerAuth": []}]}}


PROPOSAL_ID = {"name": "proposal_id", "in": "path", "required": True,
               "schema": _s("integer", minimum=1, maximum=2**31 - 1)}

PATHS = {
    "/proposals": _get(
        "Submitted and withdrawn proposals (never drafts), newest first.", "ProposalPage",
        [_query("challenge", TEXT, "A challenge's slug."),
         _query("call", TEXT, "A call's slug."),
         _query("status", STATUS, "submitted or withdrawn."), PAGE, PER_PAGE], 400),
    "/proposals/{proposal_id}": _get("One proposal (not a draft).", "ProposalDetail",
                                     [PROPOSAL_ID], 404),
    "/challenges/{slug}/ranking": _get(
        "The challenge's evaluation ranking: positions, scores, criterion means, flags "
        "and decisions.", "Ranking", [SLUG], 404),
}
