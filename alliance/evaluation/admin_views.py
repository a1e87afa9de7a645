"""The admin's evaluation pages: rounds, committees, assignments, progress, ranking,
decisions, exports."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("evaluation", __name__, url_prefix="/admin/evaluation")
