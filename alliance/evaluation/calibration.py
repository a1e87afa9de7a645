"""Calibration: before the real reviews, every juror scores the same one or two
reference proposals, and the admin compares the totals.

    choose the reference proposals (setup) -> start calibration (jurors review them)
    -> look at the spread -> start reviews (:func:`committees.start_reviews`)

Plain functions with keyword-only arguments, like :mod:`committees`: they flush,
never commit, write an audit event for every change and raise :class:`DomainError`.
"""
from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from alliance.auth.models import User
from alliance.core.audit import record
from alliance.core.errors import DomainError, IllegalTransition
from alliance.evaluation import aggregation as agg
from alliance.evaluation.committees import _allowed, _expect, _move
from alliance.evaluation.conflicts import conflict_pairs
from alliance.evaluation.models import (
    CALIBRATION,
    REFERENCE,
    SETUP,
    SUBMITTED,
    Assignment,
    CommitteeMember,
    EvaluationRound,
    Review,
)
from alliance.evaluation.progress import notify_assignments
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import Proposal

MAX_REFERENCE_PROPOSALS = 2


def _reference_assignments(round_: EvaluationRound) -> list[Assignment]:
    return list(db.session.scalars(
        sa.select(Assignment).where(Assignment.round_id == round_.id,
                                    Assignment.source == REFERENCE)
    ))


def reference_proposal_ids(round_: EvaluationRound) -> list[int]:
    """The reference proposals chosen for ``round_``'s calibration, by id."""
    return list(db.session.scalars(
        sa.select(Assignment.proposal_id).distinct()
        .where(Assignment.round_id == round_.id, Assignment.source == REFERENCE)
        .order_by(Assignment.proposal_id)
    ))


def _seat_on_references(round_: EvaluationRound, proposal_ids: list[int], *, user,
                        now: datetime) -> list[Assignment]:
    """Give every member without a conflict a reference assignment on each of
    ``proposal_ids`` they do not have yet."""
    members = db.session.scalars(
        sa.select(CommitteeMember).where(CommitteeMember.round_id == round_.id)
    ).all()
    conflicts = conflict_pairs([m.user_id for m in members], proposal_ids)
    existing = set(tuple(row) for row in db.session.execute(
        sa.select(Assignment.user_id, Assignment.proposal_id)
        .where(Assignment.round_id == round_.id, Assignment.proposal_id.in_(proposal_ids))
    ).all())
    created = []
    for proposal_id in proposal_ids:
        for member in members:
            pair = (member.user_id, proposal_id)
            if pair in existing or pair in conflicts:
                continue
            assignment = Assignment(round_id=round_.id, proposal_id=proposal_id,
                                    user_id=member.user_id, source=REFERENCE, created_at=now,
                                    created_by_id=getattr(user, "id", None))
            db.session.add(assignment)
            created.append(assignment)
    db.session.flush()
    return created


def choose_reference_proposals(*, round_: EvaluationRound, proposal_ids: Iterable[int], user,
                               now: datetime) -> list[Assignment]:
    """Choose the one or two proposals every juror scores first (admins), replacing
    an earlier choice; each member without a conflict is assigned to them."""
    _allowed(user, round_.challenge)
    if not round_.calibration:
        raise DomainError(_("Turn calibration on in the round's settings first."))
    _expect(round_, SETUP, message=_("The reference proposals can be chosen only before "
                                     "calibration starts."))
    ids = sorted(set(int(i) for i in proposal_ids))
    if not 1 <= len(ids) <= MAX_REFERENCE_PROPOSALS:
        message = _("Choose one or two reference proposals.")
        raise DomainError(message, field_errors={"first": message})
    in_round = set(db.session.scalars(
        sa.select(Proposal.id).where(Proposal.id.in_(ids),
                                     Proposal.id.in_(round_proposal_ids(round_)))
    ))
    if set(ids) - in_round:
        message = _("A reference proposal must be one of the round's proposals.")
        raise DomainError(message, field_errors={"first": message})
    previous = _reference_assignments(round_)
    if any(a.review is not None for a in previous if a.proposal_id not in ids):
        raise DomainError(_("Jurors have started reviewing the current reference proposals: "
                            "they can no longer change."))
    for assignment in previous:
        if assignment.proposal_id not in ids:
            db.session.delete(assignment)
    db.session.flush()
    created = _seat_on_references(round_, ids, user=user, now=now)
    record(actor=user, action="evaluation.references_chosen", obj=round_, now=now,
           proposal_ids=ids, previous=sorted({a.proposal_id for a in previous}),
           assignments=len(created))
    return created


@dataclass
class ReferenceSpread:
    """How the jurors scored one reference proposal (totals on 0-100), with the
    figures computed as the ranking computes them (:mod:`aggregation`: sample sd)."""

    proposal_id: int
    title: str
    totals: list[tuple[str, Decimal]] = field(default_factory=list)  # (juror, total)
    pending: list[str] = field(default_factory=list)  # jurors yet to submit

    @property
    def values(self) -> list[float]:
        return [float(total) for _name, total in self.totals]

    @property
    def summary(self) -> agg.Summary:
        return agg.summarise(self.values)

    @property
    def mean(self) -> float | None:
        return self.summary.mean

    @property
    def sd(self) -> float | None:
        """Sample standard deviation (None below two scores)."""
        return self.summary.sd

    @property
    def min(self) -> float | None:
        return min(self.values) if self.values else None

    @property
    def max(self) -> float | None:
        return max(self.values) if self.values else None

    @property
    def spread(self) -> agg.Spread | None:
        return agg.spread(sorted(self.values))


def calibration_spread(round_: EvaluationRound) -> list[ReferenceSpread]:
    """For each reference proposal, every juror's submitted total with the mean,
    standard deviation, minimum and maximum: shown to the admin before the real
    reviews start."""
    rows = db.session.execute(
        sa.select(Assignment.proposal_id, Proposal.title, User.name, Review.status,
                  Review.total)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .join(User, User.id == Assignment.user_id)
        .outerjoin(Review, Review.assignment_id == Assignment.id)
        .where(Assignment.round_id == round_.id, Assignment.source == REFERENCE)
        .order_by(Assignment.proposal_id, User.name, User.id)
    ).all()
    spreads: dict[int, ReferenceSpread] = {}
    for proposal_id, title, juror, status, total in rows:
        spread = spreads.setdefault(proposal_id, ReferenceSpread(proposal_id, title))
        if status == SUBMITTED and total is not None:
            spread.totals.append((juror, total))
        else:
            spread.pending.append(juror)
    return list(spreads.values())


# -- transition ---------------------------------------------------------------------------

def start_calibration(*, round_: EvaluationRound, user, now: datetime) -> EvaluationRound:
    """setup -> calibration (admins): jurors score the reference proposals first.
    Members who joined since the references were chosen are assigned to them too."""
    _allowed(user, round_.challenge)
    _expect(round_, SETUP, message=_("Calibration can start only from the setup stage."))
    if not round_.calibration:
        raise IllegalTransition(_("Calibration is off for this round: turn it on in the "
                                  "settings, or start the reviews."))
    references = reference_proposal_ids(round_)
    if not references:
        raise IllegalTransition(_("Choose the reference proposals first."))
    _seat_on_references(round_, references, user=user, now=now)
    _move(round_, to=CALIBRATION, user=user, now=now, action="evaluation.calibration_started",
          proposal_ids=references)
    notify_assignments(round_=round_, user=user, now=now)
    return round_

