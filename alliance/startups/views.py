"""Start-up profiles, members and invitations. (stub: to be built)"""
from flask import Blueprint, abort

bp = Blueprint("startups", __name__)


@bp.route("/startups/new", methods=["GET", "POST"])
def create():
    abort(501)


@bp.get("/startup/dashboard")
def dashboard():
    abort(501)


@bp.get("/startups/<slug>")
def detail(slug):
    abort(501)
