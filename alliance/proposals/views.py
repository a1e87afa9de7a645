"""Proposals: apply, edit, submit, withdraw, receipts, attachments. (stub: to be built)"""
from flask import Blueprint, abort

bp = Blueprint("proposals", __name__)


# Stubs so that other templates can link here; replaced by the real views.
@bp.post("/challenges/<slug>/apply")
def apply(slug):
    abort(501)


@bp.get("/challenges/<slug>/proposals")
def for_challenge(slug):
    abort(501)


@bp.get("/proposals/<int:proposal_id>")
def detail(proposal_id):
    abort(501)


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
def edit(proposal_id):
    abort(501)
