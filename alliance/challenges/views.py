"""Challenge list and detail, drafting and lifecycle. (stub: to be built)"""
from flask import Blueprint, abort

bp = Blueprint("challenges", __name__, url_prefix="/challenges")


@bp.get("/")
def index():
    abort(501)


@bp.get("/<slug>")
def detail(slug):
    abort(501)
