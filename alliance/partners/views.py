"""Public partner pages, the partner dashboard. (stub: to be built)"""
from flask import Blueprint, abort

bp = Blueprint("partners", __name__)


@bp.get("/partners/")
def index():
    abort(501)


@bp.get("/partner/dashboard")
def dashboard():
    abort(501)


@bp.get("/partners/<slug>")
def detail(slug):
    abort(501)
