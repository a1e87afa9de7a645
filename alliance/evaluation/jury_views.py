"""The juror's pages: profile, conflicts, interest, dashboard, reviews, discussion.
The dashboard's queries are in :mod:`jury_queries`.

Every page asks the policy. An assignment the juror may not open (someone else's,
conflicted, a round still in set-up, conflicts not yet declared) answers 404, as
if it did not exist. In a blind round nothing here shows who the start-up is.
"""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload
from wtforms.fields.choices import SelectChoice

from alliance.auth import policy
from alliance.auth.models import User
from alliance.core.converters import page_number
from alliance.core.errors import DomainError
from alliance.core.forms import put_errors, saving
from alliance.core.models import utcnow
from alliance.evaluation import conflicts, reviews
from alliance.evaluation.forms import (
    STATE_CHOICES,
    CommentForm,
    DashboardFilterForm,
    ProfileForm,
    ReopenForm,
    make_conflicts_form,
    make_interest_form,
    make_review_form,
)
from alliance.evaluation.jury_queries import (
    OPEN_STATUSES,
    STATE_DRAFT,
    STATE_SUBMITTED,
    TODO,
    RoundSteps,
    _listing,
    _next_to_review,
    _seats,
)
from alliance.evaluation.models import (
    SUBMITTED,
    Assignment,
    ConflictDeclaration,
    DiscussionComment,
    EvaluationRound,
    JurorProfile,
    Review,
    ReviewInterest,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.forms import trl_label
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup, StartupMembership

bp = Blueprint("jury", __name__, url_prefix="/jury")

INTEREST_PER_PAGE = 20
CONFLICT_EXPLANATIONS = {
    conflicts.MEMBER: _l("You are a member of this start-up."),
    conflicts.MAIL_DOMAIN: _l("Your e-mail address is at the start-up's domain."),
    conflicts.RELATION: _l("You work for a customer, investor or competitor of this "
                           "start-up."),
    conflicts.HIDDEN_FROM: _l("The start-up keeps its proposal from your company."),
}


@bp.before_request
@login_required
def _jurors_only():
    policy.require(policy.can_view_jury_dashboard(current_user))


# -- dashboard -----------------------------------------------------------------------

def _filters(form: DashboardFilterForm, seats: list[RoundSteps]) -> dict:
    challenges = {seat.challenge_id: seat.challenge_title for seat in seats}
    form.challenge.choices = [SelectChoice("", _("All challenges"))] + [
        SelectChoice(str(cid), title) for cid, title in challenges.items()]
    valid = form.validate()
    filters = {}
    if form.challenge.data in challenges:
        filters["challenge"] = form.challenge.data
    if form.state.data in (TODO, STATE_DRAFT, STATE_SUBMITTED):
        filters["state"] = form.state.data
    if valid:
        for name in ("score_min", "score_max"):
            if form[name].data is not None:
                filters[name] = form[name].data
    return filters


@bp.get("/")
def dashboard():
    seats = _seats(current_user)
    form = DashboardFilterForm(request.args)
    filters = _filters(form, seats)
    listing = _listing(current_user, filters, page_number(request.args.get("page", type=int)))
    open_seats = [s for s in seats if s.status in OPEN_STATUSES]
    return render_template(
        "jury/dashboard.html", seats=seats, form=form, listing=listing,
        filtered=bool(filters), assigned=sum(s.assigned for s in open_seats),
        left=sum(s.left for s in open_seats), state_labels=dict(STATE_CHOICES),
        has_profile=db.session.get(JurorProfile, current_user.id) is not None,
    )


# -- profile -------------------------------------------------------------------------

@bp.route("/profile", methods=["GET", "POST"])
def profile():
    current = db.session.get(JurorProfile, current_user.id)
    if request.method == "GET":
        return render_template("jury/profile.html", form=ProfileForm(obj=current))
    form = ProfileForm()
    if form.validate():
        with saving(form) as outcome:
            reviews.update_profile(user=current_user, tags=form.tags.data or "",
                                   expertise=form.expertise.data or "",
                                   organisation=form.organisation.data or "", now=utcnow())
        if outcome.ok:
            flash(_("Your profile is saved."), "success")
            return redirect(url_for("jury.dashboard"))
    return render_template("jury/profile.html", form=form), 422


# -- conflicts -----------------------------------------------------------------------

def _get_round(round_id: int) -> EvaluationRound:
    round_ = db.session.get(EvaluationRound, round_id)
    if round_ is None:
        abort(404)
    policy.require(policy.can_declare_conflicts(current_user, round_), hide=True)
    return round_


@dataclass
class StartupLine:
    id: int
    name: str
    declaration: ConflictDeclaration | None
    detected: list[str]

    @property
    def locked(self) -> bool:
        return self.declaration is not None or bool(self.detected)


def _startup_lines(round_: EvaluationRound, user) -> list[StartupLine]:
    """The round's start-ups, alphabetically, with the juror's conflicts with each.
    No proposal title goes with a name: in a blind round that would tell who wrote it."""
    pairs = db.session.execute(
        sa.select(Proposal.id, Proposal.startup_id)
        .where(Proposal.id.in_(round_proposal_ids(round_)))
    ).all()
    startup_of = dict(pairs)
    names = db.session.execute(
        sa.select(Startup.id, Startup.name).where(Startup.id.in_(set(startup_of.values())))
    ).all() if pairs else []
    detected: dict[int, set[str]] = defaultdict(set)
    for (_user_id, proposal_id), found in conflicts.conflict_pairs(
            [user.id], list(startup_of)).items():
        detected[startup_of[proposal_id]] |= found - {conflicts.DECLARED}
    declared = {d.startup_id: d for d in db.session.scalars(
        sa.select(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id,
                                             ConflictDeclaration.startup_id.in_(
                                                 [i for i, _n in names]))
    )} if names else {}
    lines = [StartupLine(id=i, name=name, declaration=declared.get(i),
                         detected=[str(CONFLICT_EXPLANATIONS[r]) for r in sorted(detected[i])])
             for i, name in names]
    return sorted(lines, key=lambda line: (line.name.casefold(), line.id))


@bp.route("/rounds/<int:round_id>/conflicts", methods=["GET", "POST"])
def conflicts_page(round_id):
    round_ = _get_round(round_id)
    member = policy.committee_membership(current_user, round_)
    lines = _startup_lines(round_, current_user)
    open_ids = [line.id for line in lines if not line.locked]
    if request.method == "GET":
        form = make_conflicts_form(open_ids)
        return render_template("jury/conflicts.html", round_=round_, member=member,
                               lines=lines, form=form)
    form = make_conflicts_form(open_ids, formdata=request.form)
    if form.validate():
        startup_ids, reasons = form.declared()
        with saving(form) as outcome:
            created = reviews.declare_conflicts(member=member, startup_ids=startup_ids,
                                                reasons=reasons, user=current_user,
                                                now=utcnow())
        if outcome.ok:
            if created:
                flash(ngettext("Your declaration is recorded: %(num)d conflict of interest.",
                               "Your declaration is recorded: %(num)d conflicts of interest.",
                               len(created)), "success")
            else:
                flash(_("Your declaration is recorded: no new conflict."), "success")
            if policy.can_state_interest(current_user, round_):
                return redirect(url_for("jury.interest", round_id=round_.id))
            return redirect(url_for("jury.dashboard"))
    return render_template("jury/conflicts.html", round_=round_, member=member, lines=lines,
                           form=form), 422


# -- interest ------------------------------------------------------------------------

@bp.route("/rounds/<int:round_id>/interest", methods=["GET", "POST"])
def interest(round_id):
    round_ = _get_round(round_id)
    member = policy.committee_membership(current_user, round_)
    if member.conflicts_declared_at is None:
        flash(_("Declare your conflicts of interest first: then you will see the proposals."),
              "info")
        return redirect(url_for("jury.conflicts_page", round_id=round_.id))
    if not policy.can_state_interest(current_user, round_):
        flash(_("The assignment is done: interest can no longer be stated in this round."),
              "info")
        return redirect(url_for("jury.dashboard"))
    conflicted = [pid for (_u, pid) in conflicts.conflict_pairs(
        [current_user.id], db.session.scalars(round_proposal_ids(round_)).all())]
    columns = [Proposal.id, Proposal.title, Proposal.abstract]
    if not round_.blind:
        columns.append(Startup.name.label("startup_name"))
    select = (sa.select(*columns).join(Startup, Startup.id == Proposal.startup_id)
              .where(Proposal.id.in_(round_proposal_ids(round_))))
    if conflicted:
        select = select.where(Proposal.id.not_in(conflicted))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(select.subquery()))
    pages = max(1, -(-total // INTEREST_PER_PAGE))
    page = min(page_number(request.args.get("page", type=int)), pages)
    proposals = db.session.execute(
        select.order_by(Proposal.title, Proposal.id)
        .limit(INTEREST_PER_PAGE).offset((page - 1) * INTEREST_PER_PAGE)
    ).all()
    ids = [p.id for p in proposals]
    current = dict(db.session.execute(
        sa.select(ReviewInterest.proposal_id, ReviewInterest.level)
        .where(ReviewInterest.round_id == round_.id, ReviewInterest.user_id == current_user.id,
               ReviewInterest.proposal_id.in_(ids))
    ).all()) if ids else {}
    status = 200
    if request.method == "POST":
        form = make_interest_form(ids, formdata=request.form)
        if form.validate():
            with saving(form) as outcome:
                reviews.state_interest(round_=round_, user=current_user, levels=form.levels(),
                                       now=utcnow())
            if outcome.ok:
                flash(_("Your interest is saved."), "success")
                target = page + 1 if request.form.get("action") == "next" and page < pages \
                    else page
                return redirect(url_for("jury.interest", round_id=round_.id, page=target))
        status = 422
    else:
        form = make_interest_form(ids, current)
    return render_template("jury/interest.html", round_=round_, proposals=proposals,
                           form=form, page=page, pages=pages, total=total), status


# -- review --------------------------------------------------------------------------

def _get_assignment(assignment_id: int) -> Assignment:
    """The juror's own assignment they may open, or 404."""
    assignment = db.get_or_404(Assignment, assignment_id)
    policy.require(policy.can_open_assignment(current_user, assignment), hide=True)
    return assignment


def _others(assignment: Assignment) -> list[Review]:
    """The other jurors' submitted reviews of the proposal in the round."""
    return list(db.session.scalars(
        sa.select(Review).join(Assignment, Assignment.id == Review.assignment_id)
        .where(Assignment.round_id == assignment.round_id,
               Assignment.proposal_id == assignment.proposal_id,
               Assignment.id != assignment.id, Review.status == SUBMITTED)
        .options(selectinload(Review.assignment).joinedload(Assignment.user))
        .order_by(Review.submitted_at, Review.id)
    ).unique())


def _render_review(assignment: Assignment, form=None, comment_form=None, status: int = 200):
    round_, proposal = assignment.round, assignment.proposal
    review = assignment.review
    identity = policy.can_see_proposal_identity(current_user, proposal)
    members = []
    if identity:
        members = db.session.scalars(
            sa.select(User.name).join(StartupMembership, StartupMembership.user_id == User.id)
            .where(StartupMembership.startup_id == proposal.startup_id).order_by(User.name)
        ).all()
    may_review = policy.can_review(current_user, assignment)
    submitted = review is not None and review.status == SUBMITTED
    if form is None and may_review and not submitted:
        form = make_review_form(round_.criteria, review)
    may_view_reviews = policy.can_view_reviews(current_user, proposal, round_)
    thread = []
    if may_view_reviews:
        thread = db.session.scalars(
            sa.select(DiscussionComment)
            .where(DiscussionComment.round_id == round_.id,
                   DiscussionComment.proposal_id == proposal.id)
            .options(selectinload(DiscussionComment.author))
            .order_by(DiscussionComment.created_at, DiscussionComment.id)
        ).all()
    may_discuss = policy.can_discuss(current_user, proposal, round_)
    if comment_form is None and may_discuss:
        comment_form = CommentForm(formdata=None)
    criteria = {c.id: c for c in round_.criteria}
    return render_template(
        "jury/review.html", assignment=assignment, round_=round_, proposal=proposal,
        challenge=round_.challenge, review=review, submitted=submitted, form=form,
        may_review=may_review, identity=identity, members=members, trl_label=trl_label,
        others=_others(assignment) if may_view_reviews else [], criteria=criteria,
        may_view_reviews=may_view_reviews, thread=thread, may_discuss=may_discuss,
        comment_form=comment_form, reopen_form=ReopenForm(formdata=None),
        next_id=_next_to_review(current_user, assignment.id) if may_review else None,
    ), status


@bp.route("/assignments/<int:assignment_id>", methods=["GET", "POST"])
def review(assignment_id):
    assignment = _get_assignment(assignment_id)
    if request.method == "GET":
        return _render_review(assignment)
    policy.require(policy.can_review(current_user, assignment))
    form = make_review_form(assignment.round.criteria, formdata=request.form)
    if not form.validate():
        return _render_review(assignment, form, status=422)
    action = request.form.get("action", "save")
    service = reviews.submit_review if action == "submit" else reviews.save_review
    try:
        service(assignment=assignment, user=current_user, now=utcnow(), **form.content())
    except reviews.IncompleteReview as error:
        db.session.commit()  # the draft is saved: what the juror typed is kept
        put_errors(form, error, general=False)
        flash(error.message, "warning")
        return _render_review(assignment, form, status=422)
    except DomainError as error:
        db.session.rollback()
        put_errors(form, error, general=False)
        flash(error.message, "danger")
        return _render_review(assignment, form, status=422)
    db.session.commit()
    if action == "submit":
        flash(_("Your review is submitted. You can now read the other reviews of this "
                "proposal and join the committee's discussion."), "success")
        return redirect(url_for("jury.review", assignment_id=assignment.id))
    flash(_("Draft saved."), "success")
    if action == "next":
        next_id = _next_to_review(current_user, assignment.id)
        if next_id is not None:
            return redirect(url_for("jury.review", assignment_id=next_id))
        flash(_("No other review is waiting for you."), "info")
        return redirect(url_for("jury.dashboard"))
    return redirect(url_for("jury.review", assignment_id=assignment.id))


@bp.post("/assignments/<int:assignment_id>/reopen")
def reopen(assignment_id):
    assignment = _get_assignment(assignment_id)
    policy.require(policy.can_review(current_user, assignment))
    form = ReopenForm()
    if not form.validate():
        abort(400)
    try:
        reviews.reopen_review(assignment=assignment, user=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("Your review is a draft again: submit it once more when you are done."),
              "success")
    return redirect(url_for("jury.review", assignment_id=assignment.id))


@bp.post("/assignments/<int:assignment_id>/comments")
def comment(assignment_id):
    assignment = _get_assignment(assignment_id)
    round_, proposal = assignment.round, assignment.proposal
    policy.require(policy.can_discuss(current_user, proposal, round_))
    form = CommentForm()
    if form.validate():
        with saving(form) as outcome:
            reviews.post_comment(round_=round_, proposal=proposal, user=current_user,
                                 body=form.body.data, now=utcnow())
        if outcome.ok:
            flash(_("Your comment is posted."), "success")
            return redirect(url_for("jury.review", assignment_id=assignment.id,
                                    _anchor="discussion"))
    return _render_review(assignment, comment_form=form, status=422)

