"""The admin's evaluation pages: rounds, committees, assignments, progress, ranking,
decisions, exports."""
from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from babel.numbers import get_decimal_symbol
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import selectinload

from alliance.auth import policy
from alliance.auth.models import User
from alliance.challenges.models import CLOSED as CHALLENGE_CLOSED
from alliance.challenges.models import DECIDED, IN_EVALUATION, PUBLISHED, Challenge
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.evaluation import assignment as assignment_services
from alliance.evaluation import committees, decisions, exports
from alliance.evaluation import ranking as rk
from alliance.evaluation.admin_forms import (
    AddAssignmentForm,
    BulkDecisionForm,
    InviteForm,
    OverrideForm,
    ReferenceForm,
    RoundSettingsForm,
    SecondRoundForm,
)
from alliance.evaluation.models import (
    CLOSED,
    Assignment,
    CommitteeMember,
    Decision,
    DecisionRecord,
    EvaluationRound,
    Review,
    ScoreOverride,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db, login_manager
from alliance.proposals.models import SUBMITTED as PROPOSAL_SUBMITTED
from alliance.proposals.models import Proposal
from alliance.startups.models import Startup

bp = Blueprint("evaluation", __name__, url_prefix="/admin/evaluation")

PER_PAGE = 50


@bp.before_request
def admins_only():
    """Every page here is for admins: log in first, 403 for everyone else."""
    if not current_user.is_authenticated:
        return login_manager.unauthorized()
    policy.require(policy.can_manage_evaluation(current_user))
    return None


def _status(*forms) -> int:
    return 422 if any(form is not None and form.errors for form in forms) else 200


def _round(round_id: int) -> EvaluationRound:
    round_ = db.get_or_404(EvaluationRound, round_id)
    policy.require(policy.can_manage_evaluation(current_user, round_.challenge))
    return round_


def _challenge(challenge_id: int) -> Challenge:
    challenge = db.get_or_404(Challenge, challenge_id)
    policy.require(policy.can_manage_evaluation(current_user, challenge))
    return challenge


def _back(default: str) -> str:
    """The ``next`` address of a form, when it is one of these pages."""
    target = request.values.get("next") or ""
    parts = urlsplit(target)
    if not parts.scheme and not parts.netloc and parts.path.startswith(bp.url_prefix + "/"):
        return target
    return default


def _flash_error(error: DomainError) -> None:
    db.session.rollback()
    flash(error.message, "danger")


@dataclass
class Page:
    """One page of a list: ``number`` from 1."""

    items: list
    number: int
    total: int
    per_page: int = PER_PAGE

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.per_page))


def _paginate(items: list, per_page: int = PER_PAGE) -> Page:
    pages = max(1, math.ceil(len(items) / per_page))
    number = min(max(request.args.get("page", 1, type=int) or 1, 1), pages)
    start = (number - 1) * per_page
    return Page(items[start:start + per_page], number, len(items), per_page)


# -- lists of challenges --------------------------------------------------------------

@bp.get("/")
def index():
    now = utcnow()
    challenges = db.session.scalars(
        sa.select(Challenge)
        .where(sa.or_(Challenge.status.in_((CHALLENGE_CLOSED, IN_EVALUATION, DECIDED)),
                      sa.and_(Challenge.status == PUBLISHED, Challenge.deadline <= now)))
        .options(selectinload(Challenge.evaluation_rounds))
        .order_by(Challenge.deadline.desc(), Challenge.id)
    ).all()
    return render_template("evaluation/index.html", challenges=challenges, now=now)


def _challenge_page(challenge: Challenge, *, open_form=None, second_form=None):
    rounds = {r.number: r for r in challenge.evaluation_rounds}
    if open_form is None and 1 not in rounds:
        open_form = RoundSettingsForm(formdata=None)
    shortlisted = committees.shortlisted_ids(challenge)
    can_second = (1 in rounds and 2 not in rounds and rounds[1].status == CLOSED
                  and challenge.status == IN_EVALUATION and bool(shortlisted))
    shortlist = []
    if can_second:
        shortlist = db.session.execute(
            sa.select(Proposal.id, Proposal.title, Startup.name)
            .join(Startup, Startup.id == Proposal.startup_id)
            .where(Proposal.id.in_(shortlisted)).order_by(Proposal.title, Proposal.id)
        ).all()
        if second_form is None:
            second_form = SecondRoundForm(formdata=None, proposals=[p.id for p in shortlist])
        second_form.proposals.choices = [(p.id, f"{p.title} ({p.name})") for p in shortlist]
    outcomes = dict(db.session.execute(
        sa.select(Decision.outcome, sa.func.count())
        .join(Proposal, Proposal.id == Decision.proposal_id)
        .where(Proposal.challenge_id == challenge.id).group_by(Decision.outcome)
    ).all())
    submitted = db.session.scalar(
        sa.select(sa.func.count()).select_from(Proposal)
        .where(Proposal.challenge_id == challenge.id, Proposal.status == PROPOSAL_SUBMITTED)
    )
    records = db.session.scalars(
        sa.select(DecisionRecord).where(DecisionRecord.challenge_id == challenge.id)
        .order_by(DecisionRecord.id.desc())
    ).all()
    return render_template(
        "evaluation/challenge.html", challenge=challenge, rounds=rounds, open_form=open_form,
        second_form=second_form if can_second else None, outcomes=outcomes,
        submitted=submitted, undecided=submitted - sum(outcomes.values()), records=records,
        labels=decisions.OUTCOME_LABELS, now=utcnow(),
    ), _status(open_form, second_form)


@bp.get("/challenges/<int:challenge_id>")
def challenge(challenge_id):
    return _challenge_page(_challenge(challenge_id))


@bp.post("/challenges/<int:challenge_id>/open")
def open_round(challenge_id):
    challenge = _challenge(challenge_id)
    form = RoundSettingsForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            round_ = committees.open_round(challenge=challenge, user=current_user,
                                           now=utcnow(), **form.settings())
        if outcome.ok:
            flash(_("“%(name)s” is open: invite the committee.", name=round_.name), "success")
            return redirect(url_for(".round", round_id=round_.id))
    return _challenge_page(challenge, open_form=form)


@bp.post("/challenges/<int:challenge_id>/second-round")
def second_round(challenge_id):
    challenge = _challenge(challenge_id)
    form = SecondRoundForm()
    form.proposals.choices = [(i, str(i)) for i in committees.shortlisted_ids(challenge)]
    if form.validate_on_submit():
        with saving(form) as outcome:
            round_ = committees.create_second_round(
                challenge=challenge, proposal_ids=form.proposals.data,
                criteria=form.criteria_data(), weight=form.weight.data,
                name=form.name.data or "", user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("“%(name)s” is open with %(n)d proposals: invite its committee.",
                    name=round_.name, n=len(form.proposals.data)), "success")
            return redirect(url_for(".round", round_id=round_.id))
    return _challenge_page(challenge, second_form=form)


@bp.post("/challenges/<int:challenge_id>/publish")
def publish(challenge_id):
    challenge = _challenge(challenge_id)
    try:
        notified = decisions.publish_decisions(challenge=challenge, user=current_user,
                                               now=utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("Decisions published: %(n)d proposals notified.", n=notified), "success")
    return redirect(url_for(".challenge", challenge_id=challenge.id))


# -- a round: committee, settings, transitions, calibration ------------------------------

def _round_page(round_: EvaluationRound, *, settings_form=None, invite_form=None,
                reference_form=None):
    members = db.session.scalars(
        sa.select(CommitteeMember).where(CommitteeMember.round_id == round_.id)
        .order_by(CommitteeMember.invited_at, CommitteeMember.id)
    ).all()
    settings_form = settings_form or RoundSettingsForm(formdata=None, obj=round_)
    invite_form = invite_form or InviteForm(formdata=None)
    references = committees.reference_proposal_ids(round_)
    if round_.calibration and reference_form is None:
        reference_form = ReferenceForm(formdata=None, first=references[0] if references else 0,
                                       second=references[1] if len(references) > 1 else 0)
    if reference_form is not None:
        _reference_choices(round_, reference_form)
    assigned = db.session.scalar(
        sa.select(sa.func.count()).select_from(Assignment)
        .where(Assignment.round_id == round_.id))
    has_reviews = db.session.scalar(
        sa.select(sa.exists().where(Review.assignment_id == Assignment.id,
                                    Assignment.round_id == round_.id)))
    return render_template(
        "evaluation/round.html", round=round_, challenge=round_.challenge, members=members,
        settings_form=settings_form, invite_form=invite_form, reference_form=reference_form,
        references=references, spread=committees.calibration_spread(round_) if references
        else [], assigned=assigned, has_reviews=has_reviews, active="round",
    ), _status(settings_form, invite_form, reference_form)


def _reference_choices(round_: EvaluationRound, form: ReferenceForm) -> None:
    proposals = db.session.execute(
        sa.select(Proposal.id, Proposal.title).where(Proposal.id.in_(round_proposal_ids(round_)))
        .order_by(Proposal.title, Proposal.id)
    ).all()
    choices = [(p.id, f"#{p.id} {p.title}") for p in proposals]
    form.first.choices = [(0, _("Choose a proposal"))] + choices
    form.second.choices = [(0, _("None"))] + choices


@bp.route("/rounds/<int:round_id>", methods=["GET", "POST"], endpoint="round")
def round_page(round_id):
    """The round's page; its own form invites a juror."""
    round_ = _round(round_id)
    form = InviteForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            member = committees.invite_juror(round_=round_, email=form.email.data,
                                             name=form.person_name.data or "",
                                             user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("%(name)s is invited: the e-mail is on its way.", name=member.user.name),
                  "success")
            return redirect(url_for(".round", round_id=round_.id))
    return _round_page(round_, invite_form=form)


@bp.post("/rounds/<int:round_id>/settings")
def round_settings(round_id):
    round_ = _round(round_id)
    form = RoundSettingsForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            committees.update_round_settings(round_=round_, user=current_user, now=utcnow(),
                                             **form.settings())
        if outcome.ok:
            flash(_("Settings saved."), "success")
            return redirect(url_for(".round", round_id=round_.id))
    return _round_page(round_, settings_form=form)


@bp.post("/rounds/<int:round_id>/members/<int:member_id>/remove")
def remove_member(round_id, member_id):
    round_ = _round(round_id)
    member = db.session.get(CommitteeMember, member_id)
    if member is None or member.round_id != round_.id:
        abort(404)
    name = member.user.name
    try:
        committees.remove_member(member=member, user=current_user, now=utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("%(name)s is no longer on the committee.", name=name), "success")
    return redirect(url_for(".round", round_id=round_.id))


@bp.post("/rounds/<int:round_id>/references")
def references(round_id):
    round_ = _round(round_id)
    form = ReferenceForm()
    _reference_choices(round_, form)
    if form.validate_on_submit():
        with saving(form) as outcome:
            committees.choose_reference_proposals(round_=round_,
                                                  proposal_ids=form.proposal_ids(),
                                                  user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Reference proposals chosen: every juror is assigned to them."),
                  "success")
            return redirect(url_for(".round", round_id=round_.id))
    return _round_page(round_, reference_form=form)


TRANSITIONS = {
    "calibrate": (committees.start_calibration, lambda: _("Calibration has started.")),
    "start": (committees.start_reviews,
              lambda: _("The reviews have started: the jurors have been told.")),
    "close": (committees.close_round, lambda: _("The round is closed.")),
    "reopen": (committees.reopen_round, lambda: _("The round is open again for reviews.")),
}


@bp.post("/rounds/<int:round_id>/<any(calibrate, start, close, reopen):action>")
def transition(round_id, action):
    round_ = _round(round_id)
    service, message = TRANSITIONS[action]
    try:
        service(round_=round_, user=current_user, now=utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(message(), "success")
    return redirect(url_for(".round", round_id=round_.id))


# -- assignments ----------------------------------------------------------------------

def _assignments_page(round_: EvaluationRound, *, report=None, add_form=None):
    members = db.session.execute(
        sa.select(CommitteeMember.user_id, User.name, CommitteeMember.conflicts_declared_at)
        .join(User, User.id == CommitteeMember.user_id)
        .where(CommitteeMember.round_id == round_.id).order_by(User.name, User.id)
    ).all()
    juror_filter = request.args.get("juror", type=int)
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
    assigned = committees.assignments_by_proposal(round_, [p.id for p in page.items])
    loads = committees.juror_progress(round_)
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
    jurors = committees.juror_progress(round_)
    proposals = committees.proposal_progress(round_)
    pending_only = request.args.get("pending") == "1"
    if pending_only:
        proposals = [p for p in proposals if p.pending]
    totals = committees.Progress(assigned=sum(j.assigned for j in jurors),
                                 submitted=sum(j.submitted for j in jurors),
                                 drafts=sum(j.drafts for j in jurors))
    return render_template("evaluation/progress.html", round=round_,
                           challenge=round_.challenge, jurors=jurors,
                           page=_paginate(proposals), totals=totals,
                           pending_only=pending_only, active="progress")


# -- ranking --------------------------------------------------------------------------

def _second_score(row):
    return row.second.score if row.second is not None else None


def _range(row):
    return (row.totals[-1] - row.totals[0]) if row.totals else None


SORTS = {
    "rank": lambda r: r.rank,
    "title": lambda r: r.title.casefold(),
    "startup": lambda r: r.startup_name.casefold(),
    "final": lambda r: r.display_score,
    "mean": lambda r: r.mean,
    "median": lambda r: r.median,
    "sd": lambda r: r.sd,
    "range": _range,
    "normalised": lambda r: r.normalised,
    "second": _second_score,
    "reviews": lambda r: r.reviews,
    "state": lambda r: r.outcome,
}
STATE_FILTERS = ("none", "shortlisted", "winner", "not_selected")


def _sort_key(column: str):
    if column in SORTS:
        return SORTS[column]
    if column.startswith("c") and column[1:].isdigit():
        index = int(column[1:])
        return lambda r: r.criterion_means[index] if index < len(r.criterion_means) else None
    return None


def _sorted_rows(rows: list, column: str, descending: bool) -> list:
    """Rows ordered by ``column``; rows without a value come last either way."""
    key = _sort_key(column)
    if key is None or column == "rank":
        ordered = list(reversed(rows)) if descending else list(rows)
        valued = [r for r in ordered if r.rank is not None]
        return valued + [r for r in ordered if r.rank is None]
    valued = [r for r in rows if key(r) is not None]
    missing = [r for r in rows if key(r) is None]
    valued.sort(key=lambda r: (key(r), r.rank or 0), reverse=descending)
    return valued + missing


def _filtered_rows(rows: list, args) -> list:
    state = args.get("state") or ""
    if state == "none":
        rows = [r for r in rows if r.outcome is None]
    elif state in STATE_FILTERS:
        rows = [r for r in rows if r.outcome == state]
    if args.get("disagreement") == "1":
        rows = [r for r in rows if r.disagreement]
    min_reviews = args.get("min_reviews", type=int)
    if min_reviews:
        rows = [r for r in rows if r.reviews >= min_reviews]
    text = (args.get("q") or "").strip().casefold()
    if text:
        rows = [r for r in rows if text in r.title.casefold()
                or text in r.startup_name.casefold()]
    return rows


class TableFormat:
    """Formatting for the ranking table, in plain Python: Babel's formatting and
    Jinja macros cost too much for a table of many figures per row."""

    dash = Markup('<span class="text-body-secondary">–</span>')

    def __init__(self):
        self.sign = get_decimal_symbol(get_locale())
        self.totals_word = _("Jurors' totals")
        self.mean_word = _("mean")

    def num(self, value, digits: int = 1):
        """``value`` with ``digits`` decimals in the reader's locale (scores stay
        below 1,000: no grouping); a dash for None."""
        if value is None:
            return self.dash
        text = f"{value:.{digits}f}"
        return text if self.sign == "." else text.replace(".", self.sign)

    def spread_label(self, totals, mean) -> str:
        """What the spread drawing shows, in words (for screen readers)."""
        values = ", ".join(str(self.num(t)) for t in totals)
        return f"{self.totals_word}: {values}; {self.mean_word} {self.num(mean)}"


def _ranking_page(ranking: rk.Ranking, *, challenge: Challenge, round_=None):
    column = request.args.get("sort") or "rank"
    if _sort_key(column) is None:
        column = "rank"
    descending = request.args.get("dir") == "desc"
    rows = _sorted_rows(_filtered_rows(ranking.rows, request.args), column, descending)
    page = _paginate(rows)  # only this page's rows are rendered
    latest_record = db.session.execute(
        sa.select(DecisionRecord.id, DecisionRecord.created_at, DecisionRecord.digest)
        .where(DecisionRecord.challenge_id == challenge.id)
        .order_by(DecisionRecord.id.desc()).limit(1)
    ).first()
    first_round = next((r for r in ranking.rounds if r.number == 1), None)
    detail_round_id = round_.id if round_ is not None else (first_round.id if first_round
                                                            else None)
    # One url_for, not one per row: the proposals' pages share this prefix.
    detail_prefix = (url_for(".round", round_id=detail_round_id) + "/proposals/"
                     if detail_round_id else None)
    return render_template(
        "evaluation/ranking.html", ranking=ranking, challenge=challenge, round=round_,
        page=page, sort=column, descending=descending, latest_record=latest_record,
        decision_form=BulkDecisionForm(formdata=None), labels=decisions.OUTCOME_LABELS,
        detail_prefix=detail_prefix, args=request.args, active="ranking", fmt=TableFormat(),
        export_args={"round_id": round_.id} if round_ is not None
        else {"challenge_id": challenge.id},
    )


@bp.get("/rounds/<int:round_id>/ranking")
def ranking(round_id):
    round_ = _round(round_id)
    return _ranking_page(rk.round_ranking(round_), challenge=round_.challenge, round_=round_)


@bp.get("/challenges/<int:challenge_id>/ranking")
def challenge_ranking(challenge_id):
    challenge = _challenge(challenge_id)
    return _ranking_page(rk.challenge_ranking(challenge), challenge=challenge)


def _export(ranking: rk.Ranking, name: str, kind: str) -> Response:
    if kind == "csv":
        body, mimetype = exports.ranking_csv(ranking), "text/csv; charset=utf-8"
    else:
        body = exports.ranking_xlsx(ranking)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{name}.{kind}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/rounds/<int:round_id>/ranking.<any(csv, xlsx):kind>")
def ranking_export(round_id, kind):
    round_ = _round(round_id)
    return _export(rk.round_ranking(round_),
                   f"ranking-{round_.challenge.slug}-round-{round_.number}", kind)


@bp.get("/challenges/<int:challenge_id>/ranking.<any(csv, xlsx):kind>")
def challenge_ranking_export(challenge_id, kind):
    challenge = _challenge(challenge_id)
    return _export(rk.challenge_ranking(challenge), f"ranking-{challenge.slug}", kind)


# -- decisions ------------------------------------------------------------------------

@bp.post("/challenges/<int:challenge_id>/decisions")
def decide(challenge_id):
    """Bulk decisions: the ranking's form leads to a confirmation page, whose form
    (with ``confirm``) takes them."""
    challenge = _challenge(challenge_id)
    back = _back(url_for(".challenge_ranking", challenge_id=challenge.id))
    form = BulkDecisionForm()
    form.proposal_ids.choices = [(i, str(i)) for i in db.session.scalars(
        sa.select(Proposal.id).where(Proposal.challenge_id == challenge.id,
                                     Proposal.status == PROPOSAL_SUBMITTED))]
    if not form.validate_on_submit():
        messages = [m for errors in form.errors.values() for m in errors]
        flash(" ".join(str(m) for m in messages) or _("Tick at least one proposal."),
              "danger")
        return redirect(back)
    if request.form.get("confirm") != "1":
        rows = db.session.execute(
            sa.select(Proposal.id, Proposal.title, Startup.name, Decision.outcome,
                      Decision.feedback)
            .join(Startup, Startup.id == Proposal.startup_id)
            .outerjoin(Decision, Decision.proposal_id == Proposal.id)
            .where(Proposal.id.in_(form.proposal_ids.data)).order_by(Proposal.title)
        ).all()
        return render_template("evaluation/decision_confirm.html", challenge=challenge,
                               form=form, rows=rows, back=back,
                               labels=decisions.OUTCOME_LABELS)
    try:
        taken = decisions.decide(challenge=challenge, proposal_ids=form.proposal_ids.data,
                                 outcome=form.outcome.data, feedback=form.feedback.data or None,
                                 user=current_user, now=utcnow())
    except DomainError as error:
        _flash_error(error)
    else:
        db.session.commit()
        flash(_("%(n)d decisions taken: %(outcome)s. A new decision record is frozen.",
                n=len(taken), outcome=decisions.OUTCOME_LABELS[form.outcome.data]), "success")
    return redirect(back)


@bp.route("/rounds/<int:round_id>/proposals/<int:proposal_id>", methods=["GET", "POST"])
def proposal(round_id, proposal_id):
    """Every review of a proposal in a round, its overrides, and the override form."""
    round_ = _round(round_id)
    proposal = db.get_or_404(Proposal, proposal_id)
    in_round = db.session.scalar(sa.select(sa.literal(proposal.id).in_(
        round_proposal_ids(round_))))
    policy.require(bool(in_round), hide=True)
    form = OverrideForm()
    if form.validate_on_submit():
        with saving(form) as outcome:
            decisions.override_score(round_=round_, proposal=proposal, score=form.score.data,
                                     reason=form.reason.data, user=current_user,
                                     now=utcnow())
        if outcome.ok:
            flash(_("Override recorded."), "success")
            return redirect(url_for(".proposal", round_id=round_.id, proposal_id=proposal.id))
    reviews = db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == round_.id,
                                    Assignment.proposal_id == proposal.id)
        .options(selectinload(Assignment.user), selectinload(Assignment.review))
        .order_by(Assignment.id)
    ).all()
    overrides = db.session.scalars(
        sa.select(ScoreOverride).where(ScoreOverride.round_id == round_.id,
                                       ScoreOverride.proposal_id == proposal.id)
        .options(selectinload(ScoreOverride.created_by)).order_by(ScoreOverride.id.desc())
    ).all()
    row = rk.round_ranking(round_).row(proposal.id)
    return render_template("evaluation/proposal.html", round=round_, challenge=round_.challenge,
                           proposal=proposal, assignments=reviews, overrides=overrides, row=row,
                           form=form, labels=decisions.OUTCOME_LABELS,
                           active="ranking"), _status(form)


# -- decision records ---------------------------------------------------------------------

def _record(challenge: Challenge, record_id: int) -> DecisionRecord:
    record = db.session.get(DecisionRecord, record_id)
    if record is None or record.challenge_id != challenge.id:
        abort(404)
    return record


@bp.get("/challenges/<int:challenge_id>/record/<int:record_id>")
def record(challenge_id, record_id):
    challenge = _challenge(challenge_id)
    frozen = _record(challenge, record_id)
    verified = decisions.verify_record(frozen)
    return render_template("evaluation/record.html", challenge=challenge, record=frozen,
                           verified=verified, labels=decisions.OUTCOME_LABELS)


@bp.get("/challenges/<int:challenge_id>/record/<int:record_id>.json")
def record_json(challenge_id, record_id):
    challenge = _challenge(challenge_id)
    frozen = _record(challenge, record_id)
    response = Response(decisions.canonical_json(frozen.content), mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="decision-record-{challenge.slug}-{frozen.id}.json"')
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


__all__ = ["bp"]
