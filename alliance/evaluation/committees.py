"""Rounds and their committees: what the admin does before and around the reviews.

    open round one (the challenge goes into evaluation, its criteria are copied)
    -> invite jurors -> (choose the reference proposals, calibration)
    -> start reviews (jurors are told how many proposals wait) -> close (-> reopen)
    -> second round on the shortlist, with its own criteria and committee

Calibration (reference proposals, their spread, starting it) is in :mod:`calibration`;
progress figures and the e-mails telling jurors what waits for them in :mod:`progress`.

Plain functions with keyword-only arguments: they flush, never commit, write an
audit event for every change and raise :class:`DomainError` with a message for
the admin. E-mails leave after the caller commits.
"""
from __future__ import annotations

import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import gettext as _

from alliance.auth import policy, tokens
from alliance.auth.models import JURY, User
from alliance.auth.services import find_user_by_email, grant_role, normalise_email
from alliance.challenges import lifecycle
from alliance.challenges.models import CLOSED as CHALLENGE_CLOSED
from alliance.challenges.models import IN_EVALUATION, PUBLISHED, Challenge
from alliance.core.audit import record
from alliance.core.errors import DomainError, IllegalTransition
from alliance.core.mail import in_language_of, queue_mail
from alliance.evaluation.models import (
    CALIBRATION,
    CLOSED,
    REFERENCE,
    REVIEWING,
    SETUP,
    SHORTLISTED,
    SUBMITTED,
    Assignment,
    CommitteeMember,
    Decision,
    EvaluationCriterion,
    EvaluationRound,
    Review,
    RoundEntry,
)
from alliance.evaluation.progress import _jury_dashboard_link, notify_assignments
from alliance.extensions import db
from alliance.proposals.models import Proposal

# The settings an admin may set on a round, with their model attribute.
SETTINGS = ("name", "reviewers_per_proposal", "max_load", "blind", "calibration", "normalise",
            "disagreement_threshold", "share_reviews", "weight")
# Settings that would change what jurors already did: frozen once a review exists.
FROZEN_BY_REVIEWS = ("reviewers_per_proposal", "blind")


def _allowed(user, challenge: Challenge) -> None:
    if not policy.can_manage_evaluation(user, challenge):
        raise IllegalTransition(_("You are not allowed to do this."))


def _expect(round_: EvaluationRound, *states: str, message: str) -> None:
    if round_.status not in states:
        raise IllegalTransition(message)


def _has_reviews(round_: EvaluationRound) -> bool:
    return db.session.scalar(
        sa.select(sa.exists().where(Review.assignment_id == Assignment.id,
                                    Assignment.round_id == round_.id))
    )


# -- settings -------------------------------------------------------------------------

def _clean_settings(settings: dict) -> dict:
    """Check the values of ``settings`` (a subset of :data:`SETTINGS`); raise a
    DomainError naming the field at fault."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown round settings: {sorted(unknown)}")
    clean = dict(settings)
    if "name" in clean:
        clean["name"] = (clean["name"] or "").strip()[:120]
    if "reviewers_per_proposal" in clean:
        k = clean["reviewers_per_proposal"]
        if not isinstance(k, int) or k < 1:
            message = _("Each proposal needs at least one reviewer.")
            raise DomainError(message, field_errors={"reviewers_per_proposal": message})
    if clean.get("max_load") is not None:
        if not isinstance(clean["max_load"], int) or clean["max_load"] < 1:
            message = _("The maximum load is at least one proposal, or empty for no cap.")
            raise DomainError(message, field_errors={"max_load": message})
    for name in ("blind", "calibration", "normalise", "share_reviews"):
        if name in clean:
            clean[name] = bool(clean[name])
    if "disagreement_threshold" in clean:
        value = _decimal(clean["disagreement_threshold"])
        if value is None or not Decimal(0) <= value <= Decimal(100):
            message = _("The disagreement threshold is between 0 and 100 points.")
            raise DomainError(message, field_errors={"disagreement_threshold": message})
        clean["disagreement_threshold"] = value
    if "weight" in clean:
        value = _decimal(clean["weight"])
        if value is None or not Decimal(0) < value < Decimal(1000):
            message = _("The round's weight is a positive number.")
            raise DomainError(message, field_errors={"weight": message})
        clean["weight"] = value
    return clean


def _decimal(value) -> Decimal | None:
    try:
        return Decimal(str(value)).quantize(Decimal("0.01"))
    except (InvalidOperation, ValueError, TypeError):
        return None


def open_round(*, challenge: Challenge, user, now: datetime, **settings) -> EvaluationRound:
    """Open round one of ``challenge`` (admins).

    The challenge must be past its deadline (published or closed) or already in
    evaluation; it moves to "in evaluation". The round copies the challenge's
    criteria, so the weights the decision rests on stay with the round."""
    _allowed(user, challenge)
    if any(r.number == 1 for r in challenge.evaluation_rounds):
        raise IllegalTransition(_("This challenge's first round is already open."))
    if challenge.status == PUBLISHED:
        if not challenge.deadline_passed(now):
            raise IllegalTransition(_("The evaluation can start only once the deadline has "
                                      "passed."))
        lifecycle.close(challenge=challenge, user=user, now=now)
    if challenge.status == CHALLENGE_CLOSED:
        lifecycle.start_evaluation(challenge=challenge, user=user, now=now)
    if challenge.status != IN_EVALUATION:
        raise IllegalTransition(_("Only a challenge past its deadline can be evaluated."))
    if not challenge.criteria:
        raise IllegalTransition(_("The challenge has no evaluation criteria."))
    clean = _clean_settings(settings)
    round_ = EvaluationRound(challenge=challenge, number=1, status=SETUP, opened_at=now,
                             created_at=now, updated_at=now)
    round_.name = clean.pop("name", "") or _("First round")
    for name, value in clean.items():
        setattr(round_, name, value)
    round_.criteria = [
        EvaluationCriterion(position=c.position, name=c.name, description=c.description,
                            weight=c.weight, scale=c.scale, comment_required=c.comment_required)
        for c in sorted(challenge.criteria, key=lambda c: c.position)
    ]
    db.session.add(round_)
    db.session.flush()
    record(actor=user, action="evaluation.round_opened", obj=round_, now=now,
           challenge_id=challenge.id, number=1, settings=_settings_snapshot(round_),
           criteria=[_criterion_snapshot(c) for c in round_.criteria])
    return round_


def _settings_snapshot(round_: EvaluationRound) -> dict:
    snapshot = {}
    for name in SETTINGS:
        value = getattr(round_, name)
        snapshot[name] = f"{value:.2f}" if isinstance(value, Decimal) else value
    return snapshot


def _criterion_snapshot(c: EvaluationCriterion) -> dict:
    return {"name": c.name, "weight": str(c.weight), "scale": c.scale,
            "comment_required": c.comment_required}


def update_round_settings(*, round_: EvaluationRound, user, now: datetime,
                          **settings) -> EvaluationRound:
    """Change a round's settings (admins). The number of reviewers per proposal and
    blind reviewing are frozen once a review exists; calibration can be turned on
    or off only during setup."""
    _allowed(user, round_.challenge)
    clean = _clean_settings(settings)
    if "name" in clean and not clean["name"]:
        clean.pop("name")
    changes = {name: value for name, value in clean.items() if getattr(round_, name) != value}
    frozen = [name for name in FROZEN_BY_REVIEWS if name in changes]
    if frozen and _has_reviews(round_):
        message = _("Reviews have been written: the number of reviewers per proposal and "
                    "blind reviewing can no longer change.")
        raise DomainError(message, field_errors={name: message for name in frozen})
    if "calibration" in changes and round_.status != SETUP:
        message = _("Calibration can be turned on or off only before the reviews start.")
        raise DomainError(message, field_errors={"calibration": message})
    if not changes:
        return round_
    before = _settings_snapshot(round_)
    for name, value in changes.items():
        setattr(round_, name, value)
    round_.updated_at = now
    db.session.flush()
    after = _settings_snapshot(round_)
    record(actor=user, action="evaluation.round_settings_changed", obj=round_, now=now,
           changes={name: {"from": before[name], "to": after[name]} for name in changes})
    return round_


# -- committee --------------------------------------------------------------------------

def _invitation_link(member: User, *, new_account: bool, now: datetime) -> str:
    if new_account:
        # The reset link lets the new juror choose a password; it confirms the address too.
        token = tokens.make_reset_token(member, now=now)
        return url_for("auth.reset_password", token=token, _external=True)
    return _jury_dashboard_link()


def invite_juror(*, round_: EvaluationRound, email: str, name: str = "", user,
                 now: datetime) -> CommitteeMember:
    """Seat the person with ``email`` on ``round_``'s committee (admins).

    An unknown address gets a new account (with a random password nobody knows and
    a link to choose one); the account, new or not, is given the jury role. The
    invitation is e-mailed."""
    _allowed(user, round_.challenge)
    _expect(round_, SETUP, CALIBRATION, REVIEWING,
            message=_("The round is closed: reopen it to change its committee."))
    email = normalise_email(email)
    local, at, domain = email.partition("@")
    if not local or not at or "." not in domain:
        message = _("Enter a valid e-mail address.")
        raise DomainError(message, field_errors={"email": message})
    juror = find_user_by_email(email)
    new_account = juror is None
    if new_account:
        juror = User(email=email, name=(name or "").strip()[:120] or local, active=True,
                     created_at=now, updated_at=now)
        juror.set_password(secrets.token_urlsafe(32))  # unusable until they choose one
        db.session.add(juror)
        db.session.flush()
        record(actor=user, action="user.created", obj=juror, now=now, via="jury_invitation")
    elif not juror.active:
        message = _("This account is deactivated.")
        raise DomainError(message, field_errors={"email": message})
    seated = db.session.scalar(sa.select(CommitteeMember).filter_by(round_id=round_.id,
                                                                    user_id=juror.id))
    if seated is not None:
        message = _("%(name)s is already on this committee.", name=juror.name)
        raise DomainError(message, field_errors={"email": message})
    grant_role(user=juror, role=JURY, actor=user, now=now)
    member = CommitteeMember(round=round_, user=juror, invited_by_id=user.id, invited_at=now)
    db.session.add(member)
    db.session.flush()
    record(actor=user, action="evaluation.juror_invited", obj=round_, now=now,
           user_id=juror.id, new_account=new_account)
    with in_language_of(juror):
        queue_mail(
            to=juror.email,
            subject=_("You are invited to evaluate “%(title)s”", title=round_.challenge.title),
            template="jury_invitation",
            juror=juror, round=round_, challenge=round_.challenge, inviter=user,
            new_account=new_account,
            link=_invitation_link(juror, new_account=new_account, now=now),
            hours=int(current_app.config["RESET_TOKEN_MAX_AGE"]) // 3600,
            reset_link=url_for("auth.reset_request", _external=True),
        )
    return member


def remove_member(*, member: CommitteeMember, user, now: datetime) -> None:
    """Take a juror off a committee (admins), with their unreviewed assignments.

    A juror who submitted a review stays: their scores count in the ranking."""
    round_ = member.round
    _allowed(user, round_.challenge)
    assignments = db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == round_.id,
                                    Assignment.user_id == member.user_id)
    ).all()
    if any(a.review is not None and a.review.status == SUBMITTED for a in assignments):
        raise DomainError(_("%(name)s has submitted reviews in this round: they stay on the "
                            "committee.", name=member.user.name))
    record(actor=user, action="evaluation.juror_removed", obj=round_, now=now,
           user_id=member.user_id,
           assignments_removed=[a.proposal_id for a in assignments])
    for assignment in assignments:
        db.session.delete(assignment)
    db.session.delete(member)
    db.session.flush()


# -- transitions --------------------------------------------------------------------------

def _move(round_: EvaluationRound, *, to: str, user, now: datetime, action: str,
          **data) -> None:
    previous = round_.status
    round_.status = to
    round_.updated_at = now
    db.session.flush()
    record(actor=user, action=action, obj=round_, now=now, **{"from": previous, "to": to},
           **data)


def start_reviews(*, round_: EvaluationRound, user, now: datetime) -> EvaluationRound:
    """setup or calibration -> reviewing (admins); every juror is told how many
    proposals wait for them. Refused while the round has no assignment, and from
    setup when calibration is on (calibrate first)."""
    _allowed(user, round_.challenge)
    _expect(round_, SETUP, CALIBRATION,
            message=_("The reviews can start only from setup or calibration."))
    if round_.status == SETUP and round_.calibration:
        raise IllegalTransition(_("Calibration is on: start the calibration first, or turn "
                                  "it off in the settings."))
    assigned = db.session.scalar(
        sa.select(sa.func.count()).select_from(Assignment)
        .where(Assignment.round_id == round_.id, Assignment.source != REFERENCE)
    )
    if not assigned:
        raise IllegalTransition(_("No proposal is assigned yet: run the assignment first."))
    _move(round_, to=REVIEWING, user=user, now=now, action="evaluation.reviews_started",
          assignments=assigned)
    notify_assignments(round_=round_, user=user, now=now)
    return round_


def close_round(*, round_: EvaluationRound, user, now: datetime) -> EvaluationRound:
    """reviewing -> closed (admins): no more reviews; drafts stay drafts and do not
    count."""
    _allowed(user, round_.challenge)
    _expect(round_, REVIEWING, message=_("Only a round taking reviews can be closed."))
    drafts = db.session.scalar(
        sa.select(sa.func.count()).select_from(Review)
        .join(Assignment, Assignment.id == Review.assignment_id)
        .where(Assignment.round_id == round_.id, Review.status != SUBMITTED)
    )
    round_.closed_at = now
    _move(round_, to=CLOSED, user=user, now=now, action="evaluation.round_closed",
          drafts_left=drafts)
    return round_


def reopen_round(*, round_: EvaluationRound, user, now: datetime) -> EvaluationRound:
    """closed -> reviewing (admins), while the challenge is not decided."""
    _allowed(user, round_.challenge)
    _expect(round_, CLOSED, message=_("Only a closed round can be reopened."))
    if round_.challenge.status != IN_EVALUATION:
        raise IllegalTransition(_("The challenge is decided: its rounds can no longer "
                                  "reopen."))
    later = [r for r in round_.challenge.evaluation_rounds if r.number > round_.number]
    if later:
        raise IllegalTransition(_("A later round exists: this one can no longer reopen."))
    round_.closed_at = None
    _move(round_, to=REVIEWING, user=user, now=now, action="evaluation.round_reopened")
    return round_


# -- second round --------------------------------------------------------------------------

@dataclass
class CriterionData:
    name: str
    weight: Decimal
    scale: int = 5
    comment_required: bool = False
    description: str = ""


def shortlisted_ids(challenge: Challenge) -> list[int]:
    """The challenge's proposals with a "shortlisted" decision, by id."""
    return list(db.session.scalars(
        sa.select(Decision.proposal_id).join(Proposal, Proposal.id == Decision.proposal_id)
        .where(Proposal.challenge_id == challenge.id, Decision.outcome == SHORTLISTED)
        .order_by(Decision.proposal_id)
    ))


def _clean_criteria(criteria: Iterable) -> list[CriterionData]:
    clean = []
    for item in criteria:
        data = item if isinstance(item, CriterionData) else CriterionData(**item)
        name = (data.name or "").strip()
        if not name:
            continue
        weight = _decimal(data.weight)
        if weight is None or not Decimal(0) < weight < Decimal(1000):
            message = _("Each criterion needs a positive weight (%(name)s).", name=name)
            raise DomainError(message, field_errors={"criteria": message})
        if not isinstance(data.scale, int) or not 2 <= data.scale <= 100:
            message = _("A criterion's scale goes from 2 to 100 (%(name)s).", name=name)
            raise DomainError(message, field_errors={"criteria": message})
        clean.append(CriterionData(name=name[:120], weight=weight, scale=data.scale,
                                   comment_required=bool(data.comment_required),
                                   description=(data.description or "").strip()))
    if not clean:
        message = _("The second round needs at least one criterion.")
        raise DomainError(message, field_errors={"criteria": message})
    return clean


def second_round_refusal(challenge: Challenge) -> str | None:
    """Why ``challenge`` cannot have a second round now, or None when it can."""
    rounds = {r.number: r for r in challenge.evaluation_rounds}
    if 2 in rounds:
        return _("This challenge already has a second round.")
    if 1 not in rounds or rounds[1].status != CLOSED:
        return _("Close the first round before opening a second one.")
    if challenge.status != IN_EVALUATION:
        return _("Only a challenge in evaluation can have a second round.")
    return None


def create_second_round(*, challenge: Challenge, proposal_ids: Iterable[int], criteria: Iterable,
                        weight, user, now: datetime, **settings) -> EvaluationRound:
    """Open round two (for example a pitch day) on shortlisted proposals only, with
    its own criteria (name, weight, scale, comment required) and an empty committee
    (admins). Round one must be closed. ``weight`` is round two's weight in the
    final score."""
    _allowed(user, challenge)
    refusal = second_round_refusal(challenge)
    if refusal:
        raise IllegalTransition(refusal)
    ids = sorted(set(int(i) for i in proposal_ids))
    if not ids:
        message = _("Choose the shortlisted proposals that go on to the second round.")
        raise DomainError(message, field_errors={"proposals": message})
    if set(ids) - set(shortlisted_ids(challenge)):
        message = _("Only shortlisted proposals can go on to the second round.")
        raise DomainError(message, field_errors={"proposals": message})
    clean_criteria = _clean_criteria(criteria)
    clean = _clean_settings({**settings, "weight": weight})
    round_ = EvaluationRound(challenge=challenge, number=2, status=SETUP, opened_at=now,
                             created_at=now, updated_at=now)
    round_.name = clean.pop("name", "") or _("Second round")
    for name, value in clean.items():
        setattr(round_, name, value)
    round_.criteria = [
        EvaluationCriterion(position=i, name=c.name, description=c.description,
                            weight=c.weight, scale=c.scale, comment_required=c.comment_required)
        for i, c in enumerate(clean_criteria)
    ]
    round_.entries = [RoundEntry(proposal_id=i) for i in ids]
    db.session.add(round_)
    db.session.flush()
    record(actor=user, action="evaluation.round_opened", obj=round_, now=now,
           challenge_id=challenge.id, number=2, proposal_ids=ids,
           settings=_settings_snapshot(round_),
           criteria=[_criterion_snapshot(c) for c in round_.criteria])
    return round_
