"""The read-only public JSON API: ``/api/v1/...`` (GET only; what an anonymous
visitor may see, or what the signed-in user may see through the same policy rules
as the site's pages)."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, jsonify, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from werkzeug.exceptions import HTTPException

from alliance.api import schemas
from alliance.api.openapi import document
from alliance.auth import policy
from alliance.challenges import services as challenge_services
from alliance.challenges.models import Call, Challenge
from alliance.core.converters import plain_digits
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching import results
from alliance.matching.models import CallMatching
from alliance.partners.models import Partner
from alliance.search import query as query_module
from alliance.search import search as run_search
from alliance.search.base import FACETS, KINDS, SearchRequest

bp = Blueprint("api", __name__, url_prefix="/api/v1")
log = logging.getLogger(__name__)

PER_PAGE, MAX_PER_PAGE = 20, 100
MAX_PAGE = 10_000
MAX_SEARCH_PAGE = 500  # as the search page: deep pages cost more than anyone reads


@bp.errorhandler(HTTPException)
@bp.errorhandler(400)  # by code too: the site's handlers by code would come first
@bp.errorhandler(403)
@bp.errorhandler(404)
@bp.errorhandler(503)
def _error(error: HTTPException):
    """Errors of the API as JSON, never the site's HTML pages."""
    message = error.description if error.code == 400 else {
        404: _("Not found, or not visible to you."),
        503: _("The search index is unavailable; try again later."),
    }.get(error.code, error.name)
    return jsonify(error={"status": error.code, "message": str(message)}), error.code


def _int_arg(name: str, default: int, highest: int) -> int:
    """A whole number between 1 and ``highest`` from the query string; 400 otherwise."""
    value = request.args.get(name)
    if value is None:
        return default
    number = int(value) if plain_digits(value) and len(value) <= 9 else 0
    if not 1 <= number <= highest:
        abort(400, _("“%(name)s” must be a whole number from 1 to %(n)d.", name=name, n=highest))
    return number


def _paging(highest_page: int = MAX_PAGE) -> tuple[int, int]:
    return _int_arg("page", 1, highest_page), _int_arg("per_page", PER_PAGE, MAX_PER_PAGE)


def _slug_arg(name: str) -> str | None:
    return (request.args.get(name) or "").strip()[:120] or None


# -- challenges --------------------------------------------------------------------------

@bp.get("/challenges")
def challenges():
    state = request.args.get("state")
    if state is not None and state not in challenge_services.STATES:
        abort(400, _("“state” must be one of: %(states)s.",
                     states=", ".join(challenge_services.STATES)))
    page, per_page = _paging()
    now = utcnow()
    pagination = challenge_services.public_challenges_page(
        visible=policy.visible_challenges(current_user), now=now, page=page,
        per_page=per_page, theme=_slug_arg("theme"), partner=_slug_arg("partner"),
        call=_slug_arg("call"), state=state)
    return jsonify(total=pagination.total, page=page, per_page=per_page,
                   items=[schemas.challenge_summary(c, now) for c in pagination.items])


@bp.get("/challenges/<slug>")
def challenge(slug):
    found = db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug))
    # The list shows public challenges only; so does the API's page of one.
    policy.require(found is not None and found.is_public
                   and policy.can_view_challenge(current_user, found), hide=True)
    return jsonify(schemas.challenge_detail(found, utcnow()))


# -- partners ----------------------------------------------------------------------------

@bp.get("/partners")
def partners():
    counts = challenge_services.open_counts_by_partner(utcnow())
    rows = db.session.scalars(sa.select(Partner).order_by(Partner.name)).all()
    return jsonify(items=[schemas.partner_summary(p, counts.get(p.id, 0)) for p in rows])


@bp.get("/partners/<slug>")
def partner(slug):
    found = db.session.scalar(sa.select(Partner).where(Partner.slug == slug))
    policy.require(found is not None, hide=True)
    now = utcnow()
    shown = challenge_services.partner_page_challenges(
        partner_id=found.id, visible=policy.visible_challenges(current_user), now=now)
    return jsonify({
        **schemas.partner_summary(found, shown.current_total),
        "description": found.description,
        "current_challenges": [schemas.challenge_summary(c, now) for c in shown.current],
        "current_total": shown.current_total,
        "past_challenges": [schemas.challenge_summary(c, now) for c in shown.past],
        "past_total": shown.past_total,
        "challenges_url": _list_url(partner=found.slug),
    })


def _list_url(**filters) -> str:
    return url_for("api.challenges", _external=True, **filters)


# -- calls and their results -------------------------------------------------------------

@bp.get("/calls")
def calls():
    rows = db.session.execute(
        sa.select(Call, CallMatching.results_published_at)
        .outerjoin(CallMatching, CallMatching.call_id == Call.id)
        .order_by(Call.opens_at.desc(), Call.id.desc()))
    return jsonify(items=[schemas.call_summary(call, published) for call, published in rows])


@bp.get("/calls/<slug>/results")
def call_results(slug):
    call = db.session.scalar(sa.select(Call).where(Call.slug == slug))
    policy.require(call is not None, hide=True)
    matching = results.matching_of(call)
    policy.require(policy.can_view_call_results(current_user, matching), hide=True)
    published = matching is not None and matching.results_published
    return jsonify({
        **schemas.call_summary(call, matching.results_published_at if published else None),
        "challenges": [schemas.challenge_results(r) for r in results.call_results(call)],
    })


# -- search ------------------------------------------------------------------------------

@bp.get("/search")
def search():
    text = (request.args.get("q") or "")[:2000]
    kind = request.args.get("kind")
    if not text.strip():
        abort(400, _("“q” is required: the words to search for."))
    if kind is not None and kind not in KINDS:
        abort(400, _("“kind” must be one of: %(kinds)s.", kinds=", ".join(KINDS)))
    page, per_page = _paging(MAX_SEARCH_PAGE)
    parsed = query_module.parse(text)
    warnings = [str(w) for w in parsed.warnings]
    if parsed.is_empty:
        return jsonify(total=0, page=page, per_page=per_page, items=[], facets={},
                       warnings=warnings)
    selected = {"kind": kind} if kind else {}
    try:  # the same search as /search: the policy's scope for this user
        found = run_search(current_user, SearchRequest(query=parsed, page=page,
                                                       per_page=per_page, selected=selected))
    except Exception:
        log.exception("API search failed for %r", text)
        abort(503)
    warnings += [str(w) for w in found.warnings if str(w) not in warnings]
    return jsonify(
        total=found.total, page=page, per_page=per_page,
        items=[{"kind": hit.kind, "id": hit.object_id, "title": hit.title,
                "url": schemas.hit_url(hit),
                "snippet": Markup(hit.snippet).striptags()} for hit in found.hits],
        facets={name: [{"value": v.value, "label": str(v.label), "count": v.count}
                       for v in found.facets.get(name, [])]
                for name in FACETS if name in found.facets},
        warnings=warnings,
    )


# -- the document ------------------------------------------------------------------------

@bp.get("/openapi.json")
def openapi():
    return jsonify(document())


# The admin part (proposals, rankings; an API token) registers its routes on ``bp``.
from alliance.api import admin_views as _admin_views  # noqa: E402,F401
