"""The public pages of the city's goals: what the Alliance delivers for each of them."""
from __future__ import annotations

from flask import Blueprint, render_template
from flask_babel import get_locale
from flask_login import current_user

from alliance.auth import policy
from alliance.challenges import goals
from alliance.core.models import utcnow
from alliance.matching.goal_results import GoalCounts, goal_counts, goal_pilots

bp = Blueprint("goals", __name__, url_prefix="/goals")


@bp.app_template_filter("goal_name")
def goal_name_filter(goal) -> str:
    return goals.goal_name(goal, str(get_locale()))


@bp.app_template_filter("goal_description")
def goal_description_filter(goal) -> str:
    return goals.goal_description(goal, str(get_locale()))


@bp.get("/")
def index():
    active = goals.ordered_goals(active_only=True)
    counts = goal_counts([g.id for g in active])
    rows = [(goal, counts.get(goal.id, GoalCounts())) for goal in active]
    return render_template("goals/index.html", rows=rows)


@bp.get("/<slug>")
def detail(slug):
    goal = goals.public_goal(slug)
    policy.require(goal is not None, hide=True)
    return render_template(
        "goals/detail.html", goal=goal, now=utcnow(),
        counts=goal_counts([goal.id]).get(goal.id, GoalCounts()),
        challenges=goals.goal_challenges(goal=goal,
                                         visible=policy.visible_challenges(current_user)),
        pilots=goal_pilots(goal.id),
    )
