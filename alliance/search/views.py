"""The search page: ``/search?q=...`` for everyone, a partial of the results for htmx."""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from alliance.auth import policy
from alliance.challenges.models import Challenge
from alliance.extensions import db
from alliance.search import query as query_module
from alliance.search import search as run_search
from alliance.search.base import FACETS, KINDS, SORTS, Hit, SearchRequest
from alliance.startups.models import Startup

bp = Blueprint("search", __name__)
log = logging.getLogger(__name__)

MAX_PAGE = 500  # deep pages cost the backend more than anyone reads them

FACET_TITLES = {
    "kind": _l("Type"),
    "theme": _l("Theme"),
    "partner": _l("Partner"),
    "call": _l("Call"),
    "challenge_status": _l("Challenge status"),
    "trl": _l("Technology readiness (TRL)"),
    "proposal_status": _l("Proposal status"),
}
KIND_LABELS = {"challenge": _l("Challenge"), "proposal": _l("Proposal"), "startup": _l("Start-up")}
STATUS_LABELS = {
    "draft": _l("draft"), "submitted": _l("submitted"), "withdrawn": _l("withdrawn"),
    "published": _l("published"), "closed": _l("closed"), "in_evaluation": _l("in evaluation"),
    "decided": _l("decided"), "archived": _l("archived"), "public": _l("public profile"),
    "private": _l("private profile"), "open": _l("open"), "upcoming": _l("opening soon"),
}
SORT_LABELS = {"relevance": _l("Relevance"), "deadline": _l("Deadline (soonest first)"),
               "newest": _l("Newest")}
EXAMPLES = [
    ("mobilità", _l("a word, in Italian or English; accents optional")),
    ('"district heating"', _l("an exact phrase")),
    ("sensori OR sensors", _l("either word")),
    ("energia -gas", _l("without a word (also NOT gas)")),
    ("teleriscald*", _l("words that start with…")),
    ("theme:mobility status:open", _l("open challenges of a theme")),
    ("kind:proposal trl:>=6", _l("proposals at TRL 6 or more")),
    ("partner:enel-x trl:4..7", _l("a partner's items, TRL between 4 and 7")),
    ("kind:startup city:milano", _l("start-ups based in Milan")),
]


def _selected_facets(args) -> dict[str, str]:
    """The facet values chosen by clicking, keeping only well-formed ones."""
    selected = {}
    for name in FACETS:
        value = (args.get(name) or "").strip().lower()[:80]
        if not value:
            continue
        if name == "kind" and value not in KINDS:
            continue
        if name == "trl" and value not in {str(n) for n in range(1, 10)}:
            continue
        selected[name] = value
    return selected


def describe(node) -> str:
    """A parsed query written back as query text ("how the query was read")."""
    Q = query_module
    if node is None:
        return ""
    translated = getattr(Q, "Translated", None)
    if translated is not None and isinstance(node, translated):
        return describe(node.original)
    if isinstance(node, Q.Term):
        return node.text + ("*" if node.prefix else "")
    if isinstance(node, Q.Phrase):
        return '"' + " ".join(node.words) + '"'
    if isinstance(node, Q.Filter):
        if node.op == "range":
            value = f"{node.value[0]}..{node.value[1]}"
        else:
            value = ("" if node.op == "=" else node.op) + str(node.value)
        return f"{node.field}:{value}"
    if isinstance(node, Q.Not):
        inner = describe(node.child)
        return f"NOT ({inner})" if isinstance(node.child, (Q.And, Q.Or)) else f"NOT {inner}"
    if isinstance(node, Q.And):
        return " ".join(f"({describe(c)})" if isinstance(c, Q.Or) else describe(c)
                        for c in node.children)
    if isinstance(node, Q.Or):
        return " OR ".join(describe(c) for c in node.children)
    return ""


@bp.app_template_global("search_page_window")
def page_window(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page numbers to show: first, last and those around ``page``; None for a gap."""
    shown: list[int | None] = []
    for n in range(1, pages + 1):
        if n in (1, pages) or abs(n - page) <= around:
            shown.append(n)
        elif shown and shown[-1] is not None:
            shown.append(None)
    return shown


@bp.app_template_global()
def search_hit_url(hit: Hit) -> str:
    """The page of a search hit, without a query per hit (the slug travels in the index)."""
    if hit.kind == "proposal":
        return url_for("proposals.detail", proposal_id=hit.object_id)
    if hit.url_key and hit.kind == "challenge":
        return url_for("challenges.detail", slug=hit.url_key)
    if hit.url_key and hit.kind == "startup":
        return url_for("startups.detail", slug=hit.url_key)
    return url_for("search.go", kind=hit.kind, object_id=hit.object_id)


def _wants_partial() -> bool:
    """htmx asks for the results only; a history restore needs the whole page."""
    return (request.headers.get("HX-Request") == "true"
            and request.headers.get("HX-History-Restore-Request") != "true")


@bp.get("/search")
def index():
    # parse() cuts an over-long query itself, and says so; this only bounds the work.
    text = (request.args.get("q") or "")[:2000]
    parsed = query_module.parse(text)
    selected = _selected_facets(request.args)
    sort = request.args.get("sort") if request.args.get("sort") in SORTS else "relevance"
    page = min(max(request.args.get("page", 1, type=int) or 1, 1), MAX_PAGE)
    searched = not parsed.is_empty or bool(selected)
    results = None
    unavailable = False
    warnings = [str(w) for w in parsed.warnings]
    if text.strip() and parsed.is_empty and not warnings:  # "NOT", "-", "()"...
        warnings.append(_("“%(q)s” has no words or filters to search for.", q=text.strip()))
    if searched:
        search_request = SearchRequest(query=parsed, sort=sort, page=page, selected=selected)
        try:
            results = run_search(current_user, search_request)
        except Exception:  # a broken index must not break the page: say so, log it
            log.exception("search failed for %r", text)
            unavailable = True
        else:
            warnings += [str(w) for w in results.warnings if str(w) not in warnings]
    context = dict(
        q=text, parsed=parsed, read_as=describe(parsed.root) if parsed.warnings else "",
        selected=selected, sort=sort, results=results, searched=searched,
        warnings=warnings, unavailable=unavailable, facet_titles=FACET_TITLES,
        kind_labels=KIND_LABELS, status_labels=STATUS_LABELS, sort_labels=SORT_LABELS,
        examples=EXAMPLES, page_window=page_window,
    )
    template = "search/_results.html" if _wants_partial() else "search/index.html"
    # The same URL answers a page or a fragment: caches must keep them apart.
    return render_template(template, **context), 503 if unavailable else 200, {"Vary": "HX-Request"}


@bp.get("/search/go/<kind>/<int:object_id>")
def go(kind, object_id):
    """Open a hit whose slug the index did not carry (one query, on click only)."""
    if kind == "proposal":
        return redirect(url_for("proposals.detail", proposal_id=object_id))
    if kind == "challenge":
        challenge = db.session.scalar(sa.select(Challenge).where(Challenge.id == object_id))
        policy.require(challenge is not None and policy.can_view_challenge(current_user, challenge),
                       hide=True)
        return redirect(url_for("challenges.detail", slug=challenge.slug))
    if kind == "startup":
        startup = db.session.get(Startup, object_id)
        policy.require(startup is not None and policy.can_view_startup(current_user, startup),
                       hide=True)
        return redirect(url_for("startups.detail", slug=startup.slug))
    abort(404)


@bp.app_template_filter("search_status")
def search_status(value: str) -> str:
    """A stored status as translated words (also used by the similar-items boxes)."""
    return str(STATUS_LABELS.get(value, value.replace("_", " ")))
