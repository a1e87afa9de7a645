"""The admin console's list of the city's goals: add, edit, deactivate, activate.

Routes on the admin blueprint (``alliance.admin.views.bp``, whose ``before_request``
lets only admins in); ``views.py`` imports this module so they register.
"""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from alliance.admin.forms import GoalForm
from alliance.admin.views import bp
from alliance.auth import policy
from alliance.challenges import goals
from alliance.challenges.models import CityGoal
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.extensions import db


def _status(form) -> int:
    return 422 if form.errors else 200


def _goal_data(form: GoalForm) -> goals.GoalData:
    return goals.GoalData(
        name_it=form.name_it.data, name_en=form.name_en.data,
        description_it=form.description_it.data or "",
        description_en=form.description_en.data or "",
        slug=form.slug.data, position=form.position.data,
    )


@bp.get("/goals/")
def goals_list():
    policy.require(policy.can_manage_city_goals(current_user))
    return render_template("admin/goals.html", goals=goals.ordered_goals(),
                           usage=goals.goal_usage())


@bp.route("/goals/new", methods=["GET", "POST"])
def new_goal():
    policy.require(policy.can_manage_city_goals(current_user))
    form = GoalForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            goal = goals.create_goal(data=_goal_data(form), user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Goal “%(name)s” added.", name=goals.goal_name(goal, str(get_locale()))),
                  "success")
            return redirect(url_for(".goals_list"))
    return render_template("admin/goal_form.html", form=form, goal=None), _status(form)


@bp.route("/goals/<int:goal_id>/edit", methods=["GET", "POST"])
def edit_goal(goal_id):
    policy.require(policy.can_manage_city_goals(current_user))
    goal = db.get_or_404(CityGoal, goal_id)
    form = GoalForm(obj=goal)
    if form.validate_on_submit():
        with saving(form) as outcome:
            goals.update_goal(goal=goal, data=_goal_data(form), user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Goal saved."), "success")
            return redirect(url_for(".goals_list"))
    return render_template("admin/goal_form.html", form=form, goal=goal), _status(form)


@bp.post("/goals/<int:goal_id>/active")
def set_goal_active(goal_id):
    policy.require(policy.can_manage_city_goals(current_user))
    goal = db.get_or_404(CityGoal, goal_id)
    active = request.form.get("active") == "1"
    goals.set_goal_active(goal=goal, active=active, user=current_user, now=utcnow())
    db.session.commit()
    name = goals.goal_name(goal, str(get_locale()))
    flash(_("Goal “%(name)s” is listed again.", name=name) if active else
          _("Goal “%(name)s” deactivated: new challenges no longer offer it and its page is "
            "gone; the challenges that name it keep it.", name=name), "success")
    return redirect(url_for(".goals_list"))
