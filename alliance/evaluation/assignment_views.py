"""The admin's pages on a round's assignments (who reviews what: run, add, remove)
and on its progress; on the ``evaluation`` blueprint of :mod:`admin_views`."""
from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from alliance.auth.models import User
from alliance.core.converters import id_arg
from alliance.core.errors import DomainError
from alliance.core.models import utcnow
from alliance.evaluation import assignment as assignment_services
from alliance.evaluation.admin_forms import AddAssignmentForm
from alliance.evaluation.admin_views import _back, _flash_error, _paginate, _round, _status, bp
from alliance.evaluation.models import Assignment, CommitteeMember, EvaluationRound
from alliance.evaluation.progress import (
    Progress,
    assignments_by_proposal,
    juror_progress,
    proposal_progress,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import Proposal

# -- assignments ----------------------------------------------------------------------

def _assignments_page(round_: EvaluationRound, *, report=None, add_form=None):
    members = db.session.execute(
        sa.select(CommitteeMember.user_id, User.name, CommitteeMember.conflicts_declared_at)
        .join(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.round_id == round_.id).order_by(User.name, User.id)
    ).all()
    juror_filter = request.args.get("juror", type=id_arg)
    text = (request.args.get("q") or "").strip()
    short_only = request.args.get("short") == "1"
    counted = (
        sa.select(Proposal.id, Proposal.title, sa.func.count(Assignment.id).label("n"))
        .outerjoin(Assignment, sa.and_(Assignment.proposal_id == Proposal.id,
                                       Assignment.round_id == round_.id))
        .where(Proposal.id.in_(round_proposal_ids(round_)))
        .group_by(Proposal.id, Proposal.title).order_by(Proposal.id)
    )
    if text:
        counted = counted.where(Proposal.title.ilike(f"%{text}%"))
    if juror_filter:
        counted = counted.where(Proposal.id.in_(
            sa.select(Assignment.proposal_id).where(Assignment.round_id == round_.id,
                                                    Assignment.user_id == juror_filter)))
    if short_only:
        counted = counted.having(sa.func.count(Assignment.id) < round_.reviewers_per_proposal)
    page = _paginate(db.session.execute(counted).all())
    assigned = assignments_by_proposal(round_, [p.id for p in page.items])
    loads = juror_progress(round_)
    return render_template(
        "evaluation/assignments.html", round=round_, challenge=round_.challenge, page=page,
        assigned=assigned, members=members, loads=loads, report=report,
        add_form=add_form or AddAssignmentForm(formdata=None),
        filters={"q": text, "juror": juror_filter, "short": short_only},
        active="assignments",
    ), _status(add_form)


@bp.get("/rounds/<int:round_id>/assignments")
def assignments(round_id):
    return _assignments_page(_round(round_id))


@bp.post("/rounds/<int:round_id>/assignments/run")
def run_assignment(round_id):
    round_ = _round(round_id)
    try:
        report = assignment_services.run_assignment(round_=round_, user=current_user,
                                                    now=utcnow())
    except DomainError as error:
        _flash_error(error)
        return redirect(url_for(".assignments", round_id=round_.id))
    db.session.commit()
    # The report is shown at once: it says which proposals fall short, and why.
    return _assignments_page(round_, report=report)


@bp.post("/rounds/<int:round_id>/assignments/add")
def add_assignment(round_id):
    round_ = _round(round_id)
    form = AddAssignmentForm()
    form.juror.choices = [(m.user_id, str(m.user_id)) for m in round_.members]
    back = _back(url_for(".assignments", round_id=round_.id))
    if not form.validate_on_submit():
        flash(_("Choose a juror of the committee."), "danger")
        return redirect(back)
    proposal = db.session.get(Proposal, form.proposal_id.data)
    juror = db.session.get(User, form.juror.data)
    if proposal is None or juror is None:
        abort(404)
    try:
        assignment_services.add_assignment(round_=round_, proposal=proposal, juror=juror,
                                           user=current_user, now=utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("%(name)s now reviews “%(title)s”.", name=juror.name, title=proposal.title),
              "success")
    return redirect(back)


@bp.post("/rounds/<int:round_id>/assignments/<int:assignment_id>/remove")
def remove_assignment(round_id, assignment_id):
    round_ = _round(round_id)
    assignment = db.session.get(Assignment, assignment_id)
    if assignment is None or assignment.round_id != round_.id:
        abort(404)
    back = _back(url_for(".assignments", round_id=round_.id))
    name, title = assignment.user.name, assignment.proposal.title
    try:
        assignment_services.remove_assignment(assignment=assignment, user=current_user,
                                              now=utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("%(name)s no longer reviews “%(title)s”.", name=name, title=title), "success")
    return redirect(back)


# -- progress -------------------------------------------------------------------------

@bp.get("/rounds/<int:round_id>/progress")
def progress(round_id):
    round_ = _round(round_id)
    jurors = juror_progress(round_)
    proposals = proposal_progress(round_)
    pending_only = request.args.get("pending") == "1"
    if pending_only:
        proposals = [p for p in proposals if p.pending]
    totals = Progress(assigned=sum(j.assigned for j in jurors),
                      submitted=sum(j.submitted for j in jurors),
                      drafts=sum(j.drafts for j in jurors))
    return render_template("evaluation/progress.html", round=round_,
                           challenge=round_.challenge, jurors=jurors,
                           page=_paginate(proposals), totals=totals,
                           pending_only=pending_only, active="progress")


