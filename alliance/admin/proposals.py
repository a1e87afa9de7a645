"""The admin console's list of every proposal: filters, a search box, pages.

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register.
"""
from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy.orm import joinedload, lazyload
from wtforms import Form, SearchField, SelectField
from wtforms import SelectChoice as Choice
from wtforms.validators import Length, Optional

from alliance.admin.views import bp
from alliance.auth import policy
from alliance.challenges.models import Call, Challenge
from alliance.core.converters import page_number
from alliance.core.listing import ListPage, page_of
from alliance.extensions import db
from alliance.proposals.forms import trl_label
from alliance.proposals.models import STATUSES, Proposal
from alliance.search import query as query_module
from alliance.search import search as run_search
from alliance.search.base import SearchRequest

log = logging.getLogger(__name__)

PER_PAGE = 25
STATUS_LABELS = {"draft": _l("Draft"), "submitted": _l("Submitted"), "withdrawn": _l("Withdrawn")}


class ProposalFilterForm(Form):
    """A GET form (no CSRF): it only reads."""

    q = SearchField(_l("Search the proposals"), validators=[Optional(), Length(max=500)])
    call = SelectField(_l("Call"), validators=[Optional()], validate_choice=False)
    challenge = SelectField(_l("Challenge"), validators=[Optional()], validate_choice=False)
    status = SelectField(_l("Status"), validators=[Optional()], validate_choice=False)


def _row_options():
    # The list shows the start-up and the challenge: joined in the same query; the
    # challenge's criteria and co-sponsors are not shown, so not loaded.
    return (joinedload(Proposal.startup), joinedload(Proposal.challenge),
            lazyload(Proposal.challenge, Challenge.criteria),
            lazyload(Proposal.challenge, Challenge.cosponsors))


def _searched(parsed, filters, page: int) -> ListPage[Proposal]:
    """Through the search backend: rank the matching proposals, then load one page."""
    Filter, And = query_module.Filter, query_module.And
    nodes = [parsed.root] + [Filter(name, "=", value) for name, value in filters.items()]
    search_request = SearchRequest(
        query=query_module.ParsedQuery(root=And(tuple(nodes)) if len(nodes) > 1 else nodes[0]),
        page=page, per_page=PER_PAGE, kinds=("proposal",), with_facets=False,
        with_snippets=False,
    )
    results = run_search(current_user, search_request)
    ids = [hit.object_id for hit in results.hits if hit.kind == "proposal"]
    found = {p.id: p for p in db.session.scalars(
        sa.select(Proposal).where(Proposal.id.in_(ids)).options(*_row_options())
    ).unique()} if ids else {}
    return ListPage([found[i] for i in ids if i in found], results.total, page, PER_PAGE)


def _listed(filters, page: int) -> ListPage[Proposal]:
    """Plain SQL, newest first."""
    select = sa.select(Proposal)
    if "status" in filters:
        select = select.where(Proposal.status == filters["status"])
    if "call" in filters or "challenge" in filters:
        select = select.join(Proposal.challenge)
        if "challenge" in filters:
            select = select.where(Challenge.slug == filters["challenge"])
        if "call" in filters:
            select = select.join(Challenge.call).where(Call.slug == filters["call"])
    return page_of(select.options(*_row_options())
                   .order_by(Proposal.created_at.desc(), Proposal.id.desc()),
                   page=page, per_page=PER_PAGE)


@bp.get("/proposals")
def proposals():
    policy.require(policy.can_access_admin(current_user))
    form = ProposalFilterForm(request.args)
    calls = db.session.scalars(sa.select(Call).order_by(Call.opens_at.desc())).all()
    challenges = db.session.execute(
        sa.select(Challenge.slug, Challenge.title).order_by(Challenge.title)
    ).all()
    form.call.choices = [Choice("", _("All calls"))] + [Choice(c.slug, c.title) for c in calls]
    form.challenge.choices = [Choice("", _("All challenges"))] + [Choice(s, t)
                                                                  for s, t in challenges]
    form.status.choices = [Choice("", _("Any status"))] + [
        Choice(s, STATUS_LABELS[s]) for s in STATUSES]
    filters = {name: value for name in ("call", "challenge", "status")
               if (value := (request.args.get(name) or "").strip())}
    if filters.get("status") not in (None, *STATUSES):
        filters.pop("status")
    page = page_number(request.args.get("page", type=int), last=2_000)
    text = (form.q.data or "")[:500]
    parsed = query_module.parse(text)
    warnings = [str(w) for w in parsed.warnings]
    unavailable = False
    if parsed.root is not None:
        try:
            listing = _searched(parsed, filters, page)
        except Exception:  # the index is down: say so and fall back to the plain list
            log.exception("admin proposal search failed for %r", text)
            unavailable = True
            listing = _listed(filters, page)
    else:
        listing = _listed(filters, page)
    return render_template(
        "admin/proposals.html", form=form, listing=listing, filtered=bool(filters or text),
        searched=parsed.root is not None and not unavailable, warnings=warnings,
        unavailable=unavailable, trl_label=trl_label,
    )
