"""The proposal lifecycle: draft -> submitted (again and again) -> withdrawn -> submitted.

Every function takes ``now``: the deadline rules are decided here, on the
server, whatever the browser sends. After the deadline every change (save,
submit, withdraw, upload) raises :class:`DeadlinePassed`.
"""
from __future__ import annotations

import io
import os
import warnings
from dataclasses import dataclass, fields
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_datetime
from flask_babel import gettext as _
from pypdf import PdfReader, PdfWriter
from sqlalchemy.exc import IntegrityError

from alliance.challenges.models import (
    ARCHIVED,
    CLOSED,
    DECIDED,
    IN_EVALUATION,
    PUBLISHED,
    Challenge,
)
from alliance.core.aftercommit import after_commit
from alliance.core.audit import record
from alliance.core.errors import DeadlinePassed, DomainError, IllegalTransition
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.proposals import receipts, uploads
from alliance.proposals.models import (
    DRAFT,
    SUBMITTED,
    WITHDRAWN,
    Attachment,
    Proposal,
    Submission,
)
from alliance.startups.models import Startup

# Longest accepted texts (characters); the title is bounded by its column.
MAX_LENGTHS = {"title": 200, "abstract": 1500, "description": 50_000, "team": 5_000}
MAX_DURATION_MONTHS = 120
MAX_COST = Decimal("9999999999.99")  # Numeric(12, 2)
TRL_RANGE = range(1, 10)
_AFTER_DEADLINE = (CLOSED, IN_EVALUATION, DECIDED, ARCHIVED)


@dataclass
class ProposalContent:
    """What a start-up types in the proposal form."""

    title: str = ""
    abstract: str = ""
    description: str = ""
    trl: int | None = None
    pilot_duration_months: int | None = None
    pilot_cost_eur: Decimal | None = None
    team: str = ""
    # Ids of the partner companies (never the challenge's sponsors) the start-up keeps
    # the proposal from; None leaves the current choice as it is.
    hidden_from: tuple[int, ...] | None = None

    @classmethod
    def of(cls, proposal: Proposal) -> ProposalContent:
        values = {f.name: getattr(proposal, f.name) for f in fields(cls) if f.name != "hidden_from"}
        return cls(**values, hidden_from=tuple(p.id for p in proposal.hidden_from))


# -- rules shared by every change ------------------------------------------------

def _deadline_text(challenge: Challenge) -> str:
    return format_datetime(challenge.deadline, "d MMMM y, HH:mm zzz")


def ensure_changes_allowed(challenge: Challenge, *, now: datetime) -> None:
    """Refuse any change to a proposal once the challenge's deadline has passed."""
    if challenge.deadline_passed(now) or challenge.status in _AFTER_DEADLINE:
        raise DeadlinePassed(_(
            "The deadline of this challenge passed on %(deadline)s: proposals can no longer "
            "be changed, submitted or withdrawn.", deadline=_deadline_text(challenge)))
    if challenge.status != PUBLISHED:
        raise DomainError(_("This challenge is not accepting proposals."))


def _length_errors(content: ProposalContent) -> dict[str, str]:
    """The lenient checks of a draft: types, ranges and lengths only."""
    errors: dict[str, str] = {}
    for name, limit in MAX_LENGTHS.items():
        if len(getattr(content, name) or "") > limit:
            errors[name] = _("At most %(limit)d characters.", limit=limit)
    if content.trl is not None and content.trl not in TRL_RANGE:
        errors["trl"] = _("Choose a level between 1 and 9.")
    if content.pilot_duration_months is not None and not (
        1 <= content.pilot_duration_months <= MAX_DURATION_MONTHS
    ):
        errors["pilot_duration_months"] = _("Between 1 and %(max)d months.",
                                            max=MAX_DURATION_MONTHS)
    if content.pilot_cost_eur is not None and not (0 <= content.pilot_cost_eur <= MAX_COST):
        errors["pilot_cost_eur"] = _("Give an amount in euro, zero or more.")
    return errors


def hideable_partners(challenge: Challenge) -> list[Partner]:
    """The partner companies a start-up may keep its proposal from: all but the
    challenge's lead partner and co-sponsors (who read the proposals after the deadline)."""
    sponsors = {p.id for p in challenge.partners}
    return sorted((p for p in db.session.scalars(sa.select(Partner)) if p.id not in sponsors),
                  key=lambda p: p.name.casefold())


def _confidentiality_errors(challenge: Challenge, content: ProposalContent) -> dict[str, str]:
    if not content.hidden_from:
        return {}
    allowed = {p.id for p in hideable_partners(challenge)}
    if not set(content.hidden_from) <= allowed:
        return {"hidden_from": _("The challenge's own partner companies read every proposal "
                                 "after the deadline: they cannot be left out.")}
    return {}


def _missing_errors(content: ProposalContent) -> dict[str, str]:
    """The strict checks of a submission: every field is required."""
    errors: dict[str, str] = {}
    for name in ("title", "abstract", "description", "team"):
        if not (getattr(content, name) or "").strip():
            errors[name] = _("Required to submit.")
    for name in ("trl", "pilot_duration_months", "pilot_cost_eur"):
        if getattr(content, name) is None:
            errors[name] = _("Required to submit.")
    return errors


def _apply(proposal: Proposal, content: ProposalContent, *, user, now: datetime) -> None:
    proposal.title = (content.title or "").strip()
    proposal.abstract = (content.abstract or "").strip()
    proposal.description = content.description or ""
    proposal.trl = content.trl
    proposal.pilot_duration_months = content.pilot_duration_months
    proposal.pilot_cost_eur = content.pilot_cost_eur
    proposal.team = content.team or ""
    if content.hidden_from is None:
        return
    wanted = set(content.hidden_from)
    if wanted == {p.id for p in proposal.hidden_from}:
        return
    partners = list(db.session.scalars(
        sa.select(Partner).where(Partner.id.in_(wanted)).order_by(Partner.name)
    )) if wanted else []
    proposal.hidden_from = partners
    record(actor=user, action="proposal.confidentiality_changed", obj=proposal, now=now,
           hidden_from=[p.slug for p in partners])


# -- transitions -----------------------------------------------------------------

def find_proposal(*, challenge: Challenge, startup: Startup) -> Proposal | None:
    return db.session.scalar(
        sa.select(Proposal).where(Proposal.challenge_id == challenge.id,
                                  Proposal.startup_id == startup.id)
    )


def start_proposal(*, challenge: Challenge, startup: Startup, user,
                   now: datetime) -> tuple[Proposal, bool]:
    """The start-up's proposal for ``challenge``: the existing one, or a new draft.

    Returns ``(proposal, created)``. One proposal per start-up per challenge:
    when two requests race, the database's unique constraint decides and the
    loser gets the winner's proposal.
    """
    existing = find_proposal(challenge=challenge, startup=startup)
    if existing is not None:
        return existing, False
    ensure_changes_allowed(challenge, now=now)
    proposal = Proposal(challenge=challenge, startup=startup, created_by=user, status=DRAFT,
                        created_at=now, updated_at=now)
    try:
        with db.session.begin_nested():
            db.session.add(proposal)
    except IntegrityError:
        existing = find_proposal(challenge=challenge, startup=startup)
        if existing is None:
            raise
        return existing, False
    record(actor=user, action="proposal.created", obj=proposal, now=now,
           challenge=challenge.slug)
    return proposal, True


def save_draft(*, proposal: Proposal, user, content: ProposalContent,
               now: datetime) -> Proposal:
    """Keep what was typed, complete or not, any time before the deadline.

    A submitted proposal is changed by resubmitting it, so that every change
    the partner will read has a receipt.
    """
    ensure_changes_allowed(proposal.challenge, now=now)
    if proposal.status == SUBMITTED:
        raise IllegalTransition(_(
            "This proposal has been submitted: change it with “Save and resubmit”, so that "
            "the new version is recorded with a receipt."))
    errors = {**_length_errors(content), **_confidentiality_errors(proposal.challenge, content)}
    if errors:
        raise DomainError(_("Please correct the fields marked below."), field_errors=errors)
    _apply(proposal, content, user=user, now=now)
    proposal.updated_at = now
    db.session.flush()
    record(actor=user, action="proposal.saved", obj=proposal, now=now)
    return proposal


def submit_proposal(*, proposal: Proposal, user, content: ProposalContent,
                    terms_accepted: bool, now: datetime) -> Submission:
    """Submit (or resubmit) while the challenge is open; the last submission counts.

    Records a :class:`Submission` with the canonical snapshot and its SHA-256,
    and the acceptance of the terms in force (version, time, user).
    """
    challenge = proposal.challenge
    ensure_changes_allowed(challenge, now=now)
    if not challenge.is_open(now):
        raise DomainError(_("Submissions for this challenge open on %(opens)s. You can save "
                            "your draft until then.",
                            opens=format_datetime(challenge.opens_at, "d MMMM y, HH:mm zzz")))
    errors = {**_missing_errors(content), **_length_errors(content),
              **_confidentiality_errors(challenge, content)}
    terms = challenge.current_terms
    if terms is not None and not terms_accepted:
        errors["accept_terms"] = _("Accept the terms of the challenge to submit.")
    if errors:
        raise DomainError(_("The proposal was not submitted: please complete the fields "
                            "marked below."), field_errors=errors)
    resubmission = proposal.status == SUBMITTED
    _apply(proposal, content, user=user, now=now)
    proposal.status = SUBMITTED
    proposal.submitted_at = now
    proposal.withdrawn_at = None
    proposal.updated_at = now
    proposal.terms = terms
    proposal.terms_accepted_at = now
    proposal.terms_accepted_by_id = user.id
    db.session.flush()
    last_number = db.session.scalar(
        sa.select(sa.func.max(Submission.number)).where(Submission.proposal_id == proposal.id)
    ) or 0
    content_json = receipts.snapshot(proposal, submitted_at=now)
    # The start-up's confidentiality choice is part of what it sent (and signed for).
    content_json["hidden_from"] = sorted(p.name for p in proposal.hidden_from)
    submission = Submission(
        proposal=proposal, number=last_number + 1, submitted_at=now, submitted_by_id=user.id,
        content=content_json, digest=receipts.digest(content_json),
        terms_id=terms.id if terms is not None else None,
    )
    db.session.add(submission)
    db.session.flush()
    record(actor=user, action="proposal.resubmitted" if resubmission else "proposal.submitted",
           obj=proposal, now=now, number=submission.number, digest=submission.digest,
           terms_version=terms.version if terms is not None else None)
    return submission


def withdraw_proposal(*, proposal: Proposal, user, now: datetime) -> Proposal:
    """Take a submitted proposal back; it can be submitted again while the challenge is open."""
    ensure_changes_allowed(proposal.challenge, now=now)
    if proposal.status != SUBMITTED:
        raise IllegalTransition(_("Only a submitted proposal can be withdrawn."))
    proposal.status = WITHDRAWN
    proposal.withdrawn_at = now
    proposal.updated_at = now
    db.session.flush()
    record(actor=user, action="proposal.withdrawn", obj=proposal, now=now)
    return proposal


def attach_file(*, proposal: Proposal, user, data: bytes, filename: str | None, folder: str,
                max_bytes: int, now: datetime) -> Attachment:
    """Check and store the proposal's PDF, replacing the previous one.

    The new file is removed again if the transaction does not commit; the old
    one is removed only after the commit. For a submitted proposal the caller
    resubmits in the same transaction, so the partner never sees a file
    without a receipt.
    """
    ensure_changes_allowed(proposal.challenge, now=now)
    checked = uploads.check_pdf(data=data, filename=filename, max_bytes=max_bytes)
    storage_name = uploads.store(session=db.session(), folder=folder, data=checked.data)
    attachment = proposal.attachment
    if attachment is None:
        attachment = Attachment(proposal=proposal)
        db.session.add(attachment)
    else:
        old_path = uploads.storage_path(folder, attachment.storage_name)
        after_commit(db.session(), lambda: uploads.remove_file(old_path))
    attachment.storage_name = storage_name
    attachment.original_name = checked.original_name
    attachment.size = checked.size
    attachment.sha256 = checked.sha256
    attachment.uploaded_at = now
    attachment.uploaded_by_id = user.id
    proposal.updated_at = now
    db.session.flush()
    record(actor=user, action="proposal.attachment_uploaded", obj=proposal, now=now,
           name=checked.original_name, size=checked.size, sha256=checked.sha256)
    return attachment


def attachment_path(attachment: Attachment, *, folder: str) -> str:
    """Where the attachment's bytes are on disk."""
    return os.path.join(folder, attachment.storage_name)


def anonymous_pdf(path: str) -> bytes:
    """A copy of the PDF at ``path`` without its document information (Author, Creator,
    Producer, Title...) and XMP metadata, which often name the start-up: what a blind
    juror downloads. The pages are unchanged; the file was checked on upload."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        writer = PdfWriter(clone_from=PdfReader(path, strict=False))
        writer.metadata = None
        writer.xmp_metadata = None
        buffer = io.BytesIO()
        writer.write(buffer)
    return buffer.getvalue()
