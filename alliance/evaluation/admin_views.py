"""The admin's evaluation pages: the blueprint (admins only) with the helpers its
pages share, the list of challenges, a challenge's page, and a round's page with its
committee, settings, calibration and transitions.

The other pages of this blueprint live in their own modules, imported at the bottom:
:mod:`assignment_views` (assignments, progress) and :mod:`ranking_views` (ranking,
proposal detail and overrides, decisions, decision records, exports)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from alliance.auth import policy
from alliance.challenges.models import CLOSED as CHALLENGE_CLOSED
from alliance.challenges.models import DECIDED, IN_EVALUATION, PUBLISHED, Challenge
from alliance.core.errors import DomainError
from alliance.core.forms import saving
from alliance.core.models import utcnow
from alliance.evaluation import calibration, committees, decisions
from alliance.evaluation.admin_forms import (
    InviteForm,
    ReferenceForm,
    RoundSettingsForm,
    SecondRoundForm,
)
from alliance.evaluation.models import (
    Assignment,
    CommitteeMember,
    Decision,
    DecisionRecord,
    EvaluationRound,
    Review,
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
    can_second = committees.second_round_refusal(challenge) is None and bool(shortlisted)
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
    references = calibration.reference_proposal_ids(round_)
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
        references=references, spread=calibration.calibration_spread(round_) if references
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
            calibration.choose_reference_proposals(round_=round_,
                                                   proposal_ids=form.proposal_ids(),
                                                   user=current_user, now=utcnow())
        if outcome.ok:
            flash(_("Reference proposals chosen: every juror is assigned to them."),
                  "success")
            return redirect(url_for(".round", round_id=round_.id))
    return _round_page(round_, reference_form=form)


TRANSITIONS = {
    "calibrate": (calibration.start_calibration, lambda: _("Calibration has started.")),
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


# The assignment and ranking pages live in their own modules on this blueprint:
# importing them registers their routes.
from alliance.evaluation import assignment_views as _assignment_views  # noqa: E402,F401
from alliance.evaluation import ranking_views as _ranking_views  # noqa: E402,F401

__all__ = ["bp"]
