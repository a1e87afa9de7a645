"""Proposals: apply, edit (save, submit, resubmit), withdraw, receipts, attachments,
and the list of a challenge's proposals for its partners and the admins."""
from __future__ import annotations

import io
import logging
import os

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from alliance.auth import policy
from alliance.challenges.models import Challenge
from alliance.core.errors import DeadlinePassed, DomainError
from alliance.core.forms import put_errors
from alliance.core.mail import queue_mail
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.proposals import receipts, services
from alliance.proposals.forms import ProposalForm, trl_label
from alliance.proposals.models import SUBMITTED, Proposal, Submission
from alliance.search import get_backend as get_search_backend

bp = Blueprint("proposals", __name__)
log = logging.getLogger(__name__)


def _get_challenge(slug: str) -> Challenge:
    challenge = db.session.scalar(sa.select(Challenge).where(Challenge.slug == slug))
    if challenge is None or not policy.can_view_challenge(current_user, challenge):
        abort(404)
    return challenge


def _get_proposal(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    return proposal


# -- apply -------------------------------------------------------------------------

@bp.post("/challenges/<slug>/apply")
@login_required
def apply(slug):
    challenge = _get_challenge(slug)
    if policy.startup_id_of(current_user) is None:
        if policy.can_create_startup(current_user):
            flash(_("Register your start-up first; then you can apply to this challenge."), "info")
            return redirect(url_for("startups.create"))
        abort(403)
    startup = current_user.startup
    existing = services.find_proposal(challenge=challenge, startup=startup)
    if existing is not None:
        return redirect(url_for("proposals.edit", proposal_id=existing.id))
    now = utcnow()
    if not policy.can_apply(current_user, challenge, now):
        if challenge.deadline_passed(now):
            flash(_("The deadline of this challenge has passed: it no longer accepts proposals."),
                  "danger")
            return redirect(url_for("challenges.detail", slug=challenge.slug))
        abort(403)
    try:
        proposal, created = services.start_proposal(challenge=challenge, startup=startup,
                                                    user=current_user, now=now)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
        return redirect(url_for("challenges.detail", slug=challenge.slug))
    if created:
        flash(_("Your draft is ready. Save it as often as you like; submit it before the "
                "deadline."), "success")
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))


# -- edit, save, submit, withdraw ----------------------------------------------------

def _render_edit(proposal: Proposal, form: ProposalForm, *, now, status: int = 200):
    challenge = proposal.challenge
    locked = challenge.deadline_passed(now) or challenge.status != "published"
    return render_template(
        "proposals/edit.html", proposal=proposal, challenge=challenge, form=form, now=now,
        locked=locked, terms=challenge.current_terms,
        max_mb=current_app.config["ATTACHMENT_MAX_BYTES"] // (1024 * 1024),
    ), status


def _attach_upload(proposal: Proposal, now) -> None:
    """Store the uploaded PDF, if the form carried one."""
    upload = request.files.get("attachment")
    if upload is None or not upload.filename:
        return
    max_bytes = current_app.config["ATTACHMENT_MAX_BYTES"]
    data = upload.stream.read(max_bytes + 1)  # one byte more tells us it is too large
    services.attach_file(proposal=proposal, user=current_user, data=data,
                         filename=upload.filename, folder=current_app.config["UPLOAD_FOLDER"],
                         max_bytes=max_bytes, now=now)


def _save_text_only(proposal: Proposal, form: ProposalForm, now) -> bool:
    """After a failure, keep at least the typed text as the draft (never for a submitted
    proposal, whose submitted version must stay as it was)."""
    if proposal.status == SUBMITTED:
        return False
    try:
        services.save_draft(proposal=proposal, user=current_user, content=form.content(), now=now)
        db.session.commit()
    except DomainError:
        db.session.rollback()
        return False
    return True


def _queue_receipt(submission: Submission) -> None:
    proposal = submission.proposal
    queue_mail(
        to=current_user.email,
        subject=_("Receipt: proposal submitted to “%(challenge)s”",
                  challenge=proposal.challenge.title),
        template="submission_receipt",
        submission=submission, proposal=proposal, user=current_user,
        iso_utc=receipts.iso_utc,
        receipt_url=url_for("proposals.receipt", proposal_id=proposal.id,
                            number=submission.number, _external=True),
        json_url=url_for("proposals.receipt_json", proposal_id=proposal.id,
                         number=submission.number, _external=True),
    )


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
def edit(proposal_id):
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_view_proposal(current_user, proposal), hide=True)
    policy.require(policy.can_edit_proposal(current_user, proposal))
    now = utcnow()
    if request.method == "GET":
        return _render_edit(proposal, ProposalForm(obj=proposal, challenge=proposal.challenge),
                            now=now)

    form = ProposalForm(challenge=proposal.challenge)
    try:
        services.ensure_changes_allowed(proposal.challenge, now=now)
    except DomainError as error:
        flash(error.message, "danger")
        return _render_edit(proposal, form, now=now, status=409)
    if not form.validate():
        return _render_edit(proposal, form, now=now, status=422)
    if request.form.get("action") == "submit":
        return _submit(proposal, form, now)
    return _save(proposal, form, now)


def _save(proposal: Proposal, form: ProposalForm, now):
    try:
        _attach_upload(proposal, now)
        services.save_draft(proposal=proposal, user=current_user, content=form.content(), now=now)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        put_errors(form, error, general=False)
        if "attachment" in error.field_errors and _save_text_only(proposal, form, now):
            flash(_("Your text is saved as a draft, but the attachment was refused."), "warning")
        else:
            flash(error.message, "danger")
        return _render_edit(proposal, form, now=now, status=422)
    flash(_("Draft saved."), "success")
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))


def _submit(proposal: Proposal, form: ProposalForm, now):
    try:
        _attach_upload(proposal, now)
        submission = services.submit_proposal(
            proposal=proposal, user=current_user, content=form.content(),
            terms_accepted=bool(form.accept_terms.data), now=now,
        )
        _queue_receipt(submission)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        put_errors(form, error, general=False)
        if not isinstance(error, DeadlinePassed) and _save_text_only(proposal, form, now):
            flash(_("The proposal was not submitted, but what you typed is saved as a draft. "
                    "%(reason)s", reason=error.message), "warning")
        else:
            flash(error.message, "danger")
        return _render_edit(proposal, form, now=now, status=422)
    flash(_("Your proposal is submitted (version %(number)d). A receipt is on its way by "
            "e-mail.", number=submission.number), "success")
    return redirect(url_for("proposals.receipt", proposal_id=proposal.id,
                            number=submission.number))


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id):
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_view_proposal(current_user, proposal), hide=True)
    policy.require(policy.can_edit_proposal(current_user, proposal))
    try:
        services.withdraw_proposal(proposal=proposal, user=current_user, now=utcnow())
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("Your proposal is withdrawn. You can submit it again until the deadline."),
              "success")
    return redirect(url_for("proposals.edit", proposal_id=proposal.id))


# -- reading -----------------------------------------------------------------------

@bp.get("/proposals/<int:proposal_id>")
@login_required
def detail(proposal_id):
    proposal = _get_proposal(proposal_id)
    now = utcnow()
    policy.require(policy.can_view_proposal(current_user, proposal, now), hide=True)
    # Blind review: no start-up name, link, members, team or file name for this reader.
    blind = not policy.can_see_proposal_identity(current_user, proposal, now)
    submissions = db.session.scalars(
        sa.select(Submission).where(Submission.proposal_id == proposal.id)
        .options(selectinload(Submission.submitted_by))
        .order_by(Submission.number.desc())
    ).all()
    similar = []
    # A blind reader gets no similar items: another proposal of the same start-up,
    # named in a non-blind round, would tell who wrote this one.
    if not blind:
        try:  # near-duplicates and related work, among what this user may see
            similar = get_search_backend().similar("proposal", proposal.id,
                                                   policy.search_scope(current_user, now))
        except Exception:  # the index being unavailable must not hide the proposal
            log.exception("similar proposals unavailable for proposal %s", proposal.id)
    return render_template("proposals/detail.html", proposal=proposal,
                           challenge=proposal.challenge, submissions=submissions, now=now,
                           trl_label=trl_label, similar=similar, blind=blind)


@bp.get("/challenges/<slug>/proposals")
@login_required
def for_challenge(slug):
    challenge = _get_challenge(slug)
    now = utcnow()
    policy.require(policy.can_view_challenge_proposals(current_user, challenge, now))
    proposals = db.session.scalars(
        sa.select(Proposal)
        .where(Proposal.challenge_id == challenge.id, Proposal.status == SUBMITTED,
               policy.visible_proposals(current_user, now))
        .options(selectinload(Proposal.attachment))
        .order_by(Proposal.submitted_at)
    ).unique().all()
    return render_template("proposals/for_challenge.html", challenge=challenge,
                           proposals=proposals, now=now)


def _require_receipt_access(proposal: Proposal) -> None:
    """Receipts name the start-up, the submitter and the file: not for blind jurors."""
    now = utcnow()
    policy.require(policy.can_view_proposal(current_user, proposal, now)
                   and policy.can_see_proposal_identity(current_user, proposal, now), hide=True)


def _get_submission(proposal: Proposal, number: int) -> Submission:
    submission = db.session.scalar(
        sa.select(Submission).where(Submission.proposal_id == proposal.id,
                                    Submission.number == number)
    )
    if submission is None:
        abort(404)
    return submission


@bp.get("/proposals/<int:proposal_id>/receipts/<int:number>")
@login_required
def receipt(proposal_id, number):
    proposal = _get_proposal(proposal_id)
    _require_receipt_access(proposal)
    submission = _get_submission(proposal, number)
    latest = db.session.scalar(
        sa.select(sa.func.max(Submission.number)).where(Submission.proposal_id == proposal.id)
    )
    return render_template("proposals/receipt.html", proposal=proposal, submission=submission,
                           challenge=proposal.challenge, is_latest=number == latest,
                           iso_utc=receipts.iso_utc, trl_label=trl_label)


@bp.get("/proposals/<int:proposal_id>/receipts/<int:number>.json")
@login_required
def receipt_json(proposal_id, number):
    proposal = _get_proposal(proposal_id)
    _require_receipt_access(proposal)
    submission = _get_submission(proposal, number)
    response = Response(receipts.canonical_json(submission.content),
                        mimetype="application/json")
    response.headers["Content-Disposition"] = (
        f'attachment; filename="proposal-{proposal.id}-submission-{number}.json"'
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/proposals/<int:proposal_id>/attachment")
@login_required
def attachment(proposal_id):
    proposal = _get_proposal(proposal_id)
    policy.require(policy.can_download_attachment(current_user, proposal), hide=True)
    stored = proposal.attachment
    if stored is None:
        abort(404)
    path = services.attachment_path(stored, folder=current_app.config["UPLOAD_FOLDER"])
    if not os.path.isfile(path):
        log.error("attachment %s of proposal %s is missing on disk", stored.id, proposal.id)
        abort(404)
    if policy.can_see_proposal_identity(current_user, proposal):
        response = send_file(path, mimetype="application/pdf", as_attachment=True,
                             download_name=stored.original_name, max_age=0)
    else:
        # Blind review: a neutral file name, and a copy without the document's
        # metadata (its author and creator often name the start-up).
        response = send_file(io.BytesIO(services.anonymous_pdf(path)),
                             mimetype="application/pdf", as_attachment=True,
                             download_name=f"proposal-{proposal.id}.pdf", max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    return response
