"""The juror's pages: profile, conflicts, interest, dashboard, reviews, discussion."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("jury", __name__, url_prefix="/jury")
