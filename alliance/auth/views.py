"""Registration, e-mail confirmation, login, logout, password reset. (stub: to be built)"""
from flask import Blueprint, abort

bp = Blueprint("auth", __name__, url_prefix="/auth")


@bp.route("/login", methods=["GET", "POST"])
def login():
    abort(501)


@bp.route("/register", methods=["GET", "POST"])
def register():
    abort(501)


@bp.post("/logout")
def logout():
    abort(501)
