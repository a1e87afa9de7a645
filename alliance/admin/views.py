"""Admin console. (stub: to be built)"""
from flask import Blueprint, abort

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.get("/")
def index():
    abort(501)
