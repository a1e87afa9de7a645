"""The admin part of ``/api/v1``: proposals and rankings, for an admin's API token.

Only ``Authorization: Bearer <token>`` authenticates these routes: the session
cookie is never read here, so a page on another site cannot make a signed-in
admin's browser read them. 401 (with ``WWW-Authenticate: Bearer``) when the token
is missing, unknown, revoked or expired; 403 when its owner is no longer an
active admin.
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.orm import lazyload

from alliance.api import admin_schemas, tokens
from alliance.api.views import _paging, _slug_arg, bp
from alliance.auth import policy
from alliance.challenges.models import Call, Challenge
from alliance.core.models import utcnow
from alliance.evaluation import ranking as rk
from alliance.extensions import db
from alliance.proposals.models import DRAFT, SUBMITTED, WITHDRAWN, Proposal

PROPOSAL_STATUSES = (SUBMITTED, WITHDRAWN)  # drafts are the start-up's own business


def _refuse(status: int, message: str):
    response = jsonify(error={"status": status, "message": message})
    response.status_code = status
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="alliance"'
    abort(response)


def require_admin_token():
    """The admin who owns the request's bearer token, or a 401/403 answer."""
    plain = tokens.parse_bearer(request.headers.get("Authorization"))
    _token, user = tokens.token_user(plain, now=utcnow())
    if user is None:
        _refuse(401, _("A valid API token is required: "
                       "“Authorization: Bearer <token>”."))
    if not policy.can_use_admin_api(user):
        _refuse(403, _("The token's owner is not an admin."))
    return user


def _row_options():
    return (lazyload(Proposal.challenge, Challenge.criteria),
            lazyload(Proposal.challenge, Challenge.cosponsors))


def _rankings(proposals) -> dict[int, rk.Ranking]:
    """The ranking of each challenge on the page (a fixed number of queries each;
    none for a challenge without an evaluation)."""
    challenges = {p.challenge_id: p.challenge for p in proposals}
    return {cid: rk.challenge_ranking(c) for cid, c in challenges.items()}


@bp.get("/proposals")
def proposals():
    require_admin_token()
    status = request.args.get("status")
    if status is not None and status not in PROPOSAL_STATUSES:
        abort(400, _("“status” must be one of: %(statuses)s.",
                     statuses=", ".join(PROPOSAL_STATUSES)))
    page, per_page = _paging()
    conditions = [Proposal.status.in_([status] if status else PROPOSAL_STATUSES)]
    challenge, call = _slug_arg("challenge"), _slug_arg("call")
    if challenge:
        conditions.append(Proposal.challenge_id.in_(
            sa.select(Challenge.id).where(Challenge.slug == challenge)))
    if call:
        conditions.append(Proposal.challenge_id.in_(
            sa.select(Challenge.id).join(Call, Call.id == Challenge.call_id)
            .where(Call.slug == call)))
    total = db.session.scalar(
        sa.select(sa.func.count()).select_from(Proposal).where(*conditions))
    rows = db.session.scalars(
        sa.select(Proposal).where(*conditions).options(*_row_options())
        .order_by(Proposal.id.desc()).offset((page - 1) * per_page).limit(per_page)
    ).unique().all()
    rankings = _rankings(rows)
    return jsonify(total=total, page=page, per_page=per_page,
                   items=[admin_schemas.proposal(p, rankings.get(p.challenge_id))
                          for p in rows])


@bp.get("/proposals/<int:proposal_id>")
def proposal(proposal_id):
    require_admin_token()
    found = db.session.scalar(sa.select(Proposal).where(Proposal.id == proposal_id)
                              .options(*_row_options()))
    policy.require(found is not None and found.status != DRAFT, hide=True)
    return jsonify(admin_schemas.proposal_detail(found, rk.challenge_ranking(found.challenge)))


@bp.get("/challenges/<slug>/ranking")
def challenge_ranking(slug):
    require_admin_token()
    found = db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug))
    policy.require(found is not None, hide=True)
    return jsonify(admin_schemas.ranking(found, rk.challenge_ranking(found)))
