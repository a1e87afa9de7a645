"""What a juror does: keep an expertise profile, declare conflicts, state interest,
write, submit and reopen reviews, discuss proposals with the committee.

Plain functions with keyword-only arguments; they check the policy, flush, never
commit, and raise :class:`DomainError` (with ``field_errors`` named like the
review form's fields: :func:`score_field`, :func:`comment_field`).
"""
from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from alliance.auth import policy
from alliance.challenges.models import IN_EVALUATION
from alliance.core.audit import record
from alliance.core.errors import DomainError, IllegalTransition
from alliance.evaluation.conflicts import conflict_pairs
from alliance.evaluation.models import (
    CALIBRATION,
    CLOSED,
    DRAFT,
    INTEREST_LEVELS,
    NEUTRAL,
    REFERENCE,
    SETUP,
    SUBMITTED,
    Assignment,
    CommitteeMember,
    ConflictDeclaration,
    DiscussionComment,
    EvaluationCriterion,
    EvaluationRound,
    JurorProfile,
    Review,
    ReviewInterest,
    ReviewScore,
)
from alliance.evaluation.queries import round_proposal_ids
from alliance.extensions import db
from alliance.proposals.models import Proposal

MAX_TAGS_LENGTH = 500
MAX_TAG_LENGTH = 60
MAX_EXPERTISE_LENGTH = 5_000
MAX_ORGANISATION_LENGTH = 160
MAX_REASON_LENGTH = 500
MAX_CRITERION_COMMENT_LENGTH = 5_000
MAX_REVIEW_COMMENT_LENGTH = 10_000
MAX_DISCUSSION_LENGTH = 5_000


class IncompleteReview(DomainError):
    """A submission refused for missing or invalid content, raised only after the
    draft was saved: the caller may commit to keep what the juror typed."""


def score_field(criterion_id: int) -> str:
    return f"score_{criterion_id}"


def comment_field(criterion_id: int) -> str:
    return f"comment_{criterion_id}"


def _refuse(message: str | None = None) -> None:
    raise IllegalTransition(message or _("You are not allowed to do this."))


# -- profile -------------------------------------------------------------------------

def split_tags(tags: str | Iterable[str]) -> list[str]:
    """Tags from a comma list (or a list), trimmed, without repeats (case-insensitive)."""
    items = tags.split(",") if isinstance(tags, str) else list(tags)
    seen: set[str] = set()
    result = []
    for item in items:
        tag = " ".join(str(item).split())
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            result.append(tag)
    return result


def update_profile(*, user, tags: str | Iterable[str], expertise: str, organisation: str,
                   now: datetime) -> JurorProfile:
    """Save the juror's expertise (matched against proposals) and employer (checked
    for conflicts). A new employer can create conflicts: the juror's assignments
    that it makes conflicted, in rounds not closed, are removed."""
    if not policy.can_view_jury_dashboard(user):
        _refuse()
    tag_list = split_tags(tags)
    expertise = (expertise or "").strip()
    organisation = " ".join((organisation or "").split())
    errors = {}
    joined = ", ".join(tag_list)
    if len(joined) > MAX_TAGS_LENGTH:
        errors["tags"] = _("At most %(n)d characters in all.", n=MAX_TAGS_LENGTH)
    elif any(len(tag) > MAX_TAG_LENGTH for tag in tag_list):
        errors["tags"] = _("A tag has at most %(n)d characters; separate tags with commas.",
                           n=MAX_TAG_LENGTH)
    if len(expertise) > MAX_EXPERTISE_LENGTH:
        errors["expertise"] = _("At most %(n)d characters.", n=MAX_EXPERTISE_LENGTH)
    if len(organisation) > MAX_ORGANISATION_LENGTH:
        errors["organisation"] = _("At most %(n)d characters.", n=MAX_ORGANISATION_LENGTH)
    if errors:
        raise DomainError(_("The profile is not saved."), field_errors=errors)

    profile = db.session.get(JurorProfile, user.id)
    if profile is None:
        profile = JurorProfile(user_id=user.id)
        db.session.add(profile)
    changed_organisation = profile.organisation != organisation
    profile.tags, profile.expertise, profile.organisation = joined, expertise, organisation
    db.session.flush()
    record(actor=user, action="juror.profile_updated", obj=profile, now=now,
           tags=tag_list, organisation=organisation)
    if changed_organisation:
        _drop_conflicted_assignments(user=user, now=now)
    return profile


def _drop_conflicted_assignments(*, user, now: datetime) -> None:
    """Remove the user's assignments that have become conflicted (rounds not closed)."""
    rows = db.session.execute(
        sa.select(Assignment.proposal_id, Proposal.startup_id)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .join(Proposal, Proposal.id == Assignment.proposal_id)
        .where(Assignment.user_id == user.id, EvaluationRound.status != CLOSED)
    ).all()
    if not rows:
        return
    conflicted = conflict_pairs([user.id], [proposal_id for proposal_id, _s in rows])
    startups = sorted({startup_id for proposal_id, startup_id in rows
                       if (user.id, proposal_id) in conflicted})
    for startup_id in startups:
        _remove_assignments(user_id=user.id, startup_id=startup_id, now=now)


def _remove_assignments(*, user_id: int, startup_id: int, now: datetime) -> None:
    # Imported here: the assignment module is written alongside and imports more.
    from alliance.evaluation.assignment import remove_conflicted_assignments

    remove_conflicted_assignments(user_id=user_id, startup_id=startup_id, now=now)


# -- conflicts -----------------------------------------------------------------------

def round_startup_ids(round_: EvaluationRound) -> list[int]:
    """The start-ups whose proposals ``round_`` evaluates."""
    return list(db.session.scalars(
        sa.select(Proposal.startup_id).distinct()
        .where(Proposal.id.in_(round_proposal_ids(round_)))
    ))


def declare_conflicts(*, member: CommitteeMember, startup_ids: Iterable[int],
                      reasons: Mapping[int, str] | None = None, user,
                      now: datetime) -> list[ConflictDeclaration]:
    """Record the juror's conflicts with start-ups of ``member``'s round.

    An empty list is a valid declaration ("no conflict"): either way the juror has
    now gone through the list (``member.conflicts_declared_at``) and may see the
    round's proposals. Declarations add up: one made after assignment removes the
    juror's assignments to that start-up's proposals. A declaration is not withdrawn
    here (an admin can lift it). Returns the new declarations."""
    round_ = member.round
    if member.user_id != getattr(user, "id", None) or not policy.can_declare_conflicts(
            user, round_):
        _refuse()
    if round_.status == CLOSED:
        _refuse(_("This round is closed."))
    reasons = reasons or {}
    wanted = sorted({int(startup_id) for startup_id in startup_ids})
    allowed = set(round_startup_ids(round_))
    if any(startup_id not in allowed for startup_id in wanted):
        raise DomainError(_("A start-up in your declaration does not take part in this round."))
    for startup_id, reason in reasons.items():
        if len((reason or "").strip()) > MAX_REASON_LENGTH:
            raise DomainError(_("A reason has at most %(n)d characters.", n=MAX_REASON_LENGTH),
                              field_errors={f"reason_{startup_id}": _(
                                  "At most %(n)d characters.", n=MAX_REASON_LENGTH)})

    existing = {d.startup_id: d for d in db.session.scalars(
        sa.select(ConflictDeclaration).where(ConflictDeclaration.user_id == user.id,
                                             ConflictDeclaration.startup_id.in_(wanted))
    )} if wanted else {}
    created = []
    for startup_id in wanted:
        reason = (reasons.get(startup_id) or "").strip()
        declaration = existing.get(startup_id)
        if declaration is not None:
            if reason and reason != declaration.reason:
                declaration.reason = reason
            continue
        declaration = ConflictDeclaration(user_id=user.id, startup_id=startup_id,
                                          reason=reason, declared_at=now)
        db.session.add(declaration)
        created.append(declaration)
    first = member.conflicts_declared_at is None
    if first:
        member.conflicts_declared_at = now
    db.session.flush()
    for declaration in created:
        _remove_assignments(user_id=user.id, startup_id=declaration.startup_id, now=now)
    if first or created:
        record(actor=user, action="conflicts.declared", obj=member, now=now,
               round_id=round_.id, startup_ids=[d.startup_id for d in created],
               none=not wanted, first=first)
    return created


# -- interest ------------------------------------------------------------------------

def state_interest(*, round_: EvaluationRound, user, levels: Mapping[int, int],
                   now: datetime) -> None:
    """Record how much the juror wants to review each proposal (the "bid"), while
    the round is being set up. Neutral is the same as saying nothing: its row is
    removed. Proposals the juror is in conflict with are refused."""
    if not policy.can_state_interest(user, round_):
        if round_.status != SETUP:
            _refuse(_("Interest can be stated only before the reviews are assigned."))
        _refuse()
    wanted = {int(proposal_id): level for proposal_id, level in levels.items()}
    if any(level not in INTEREST_LEVELS for level in wanted.values()):
        raise DomainError(_("Choose one of the levels offered."))
    if not wanted:
        return
    in_round = set(db.session.scalars(
        round_proposal_ids(round_).where(Proposal.id.in_(list(wanted)))
    ))
    conflicted = conflict_pairs([user.id], list(in_round))
    if any(pid not in in_round or (user.id, pid) in conflicted for pid in wanted):
        raise DomainError(_("You cannot state interest in a proposal outside this round or "
                            "one you are in conflict with."))
    current = {row.proposal_id: row for row in db.session.scalars(
        sa.select(ReviewInterest).where(ReviewInterest.round_id == round_.id,
                                        ReviewInterest.user_id == user.id,
                                        ReviewInterest.proposal_id.in_(list(wanted)))
    )}
    changed = 0
    for proposal_id, level in wanted.items():
        row = current.get(proposal_id)
        if level == NEUTRAL:
            if row is not None:
                db.session.delete(row)
                changed += 1
        elif row is None:
            db.session.add(ReviewInterest(round_id=round_.id, user_id=user.id,
                                          proposal_id=proposal_id, level=level))
            changed += 1
        elif row.level != level:
            row.level = level
            changed += 1
    db.session.flush()
    if changed:
        record(actor=user, action="interest.stated", obj=round_, now=now, changed=changed)


# -- reviews -------------------------------------------------------------------------

def _check_can_review(assignment: Assignment, user) -> None:
    round_ = assignment.round
    if assignment.user_id != getattr(user, "id", None):
        _refuse()
    if round_.status == CLOSED:
        _refuse(_("The round is closed: reviews can no longer change."))
    if round_.challenge.status != IN_EVALUATION:
        _refuse(_("The decisions are taken: reviews can no longer change."))
    if not round_.is_open_for_reviews:
        _refuse(_("The reviews have not started yet."))
    if round_.status == CALIBRATION and assignment.source != REFERENCE:
        _refuse(_("Score the reference proposals first: the other reviews start after "
                  "calibration."))
    if not policy.can_review(user, assignment):
        _refuse()


def compute_total(criteria: Iterable[EvaluationCriterion],
                  scores: Mapping[int, int]) -> Decimal:
    """The weighted mean of the scores mapped onto 0-100 points ((score - 1) /
    (scale - 1) * 100), rounded to two decimals."""
    criteria = list(criteria)
    total_weight = sum((Decimal(c.weight) for c in criteria), Decimal(0))
    points = sum((Decimal(c.weight) * Decimal(scores[c.id] - 1) / Decimal(c.scale - 1)
                  for c in criteria), Decimal(0))
    return (points * 100 / total_weight).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def save_review(*, assignment: Assignment, user, scores: Mapping[int, int | None],
                comments: Mapping[int, str], comment_for_startup: str,
                comment_for_committee: str, now: datetime) -> Review:
    """Save the review of ``assignment`` as a draft: blanks allowed, scores within
    their criterion's scale. The arguments are the whole review (a criterion left
    out is blank). A submitted review must be reopened first."""
    _check_can_review(assignment, user)
    review = assignment.review
    if review is not None and review.status == SUBMITTED:
        _refuse(_("This review is submitted: reopen it to change it."))
    criteria = assignment.round.criteria
    known = {c.id for c in criteria}
    errors: dict[str, str] = {}
    for criterion_id in set(scores) | set(comments):
        if criterion_id not in known:
            raise DomainError(_("A score for a criterion of another round was sent."))
    for criterion in criteria:
        value = scores.get(criterion.id)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)
                                  or not 1 <= value <= criterion.scale):
            errors[score_field(criterion.id)] = _("Choose a score from 1 to %(scale)d.",
                                                  scale=criterion.scale)
        if len((comments.get(criterion.id) or "").strip()) > MAX_CRITERION_COMMENT_LENGTH:
            errors[comment_field(criterion.id)] = _("At most %(n)d characters.",
                                                    n=MAX_CRITERION_COMMENT_LENGTH)
    for name, text in (("comment_for_startup", comment_for_startup),
                       ("comment_for_committee", comment_for_committee)):
        if len((text or "").strip()) > MAX_REVIEW_COMMENT_LENGTH:
            errors[name] = _("At most %(n)d characters.", n=MAX_REVIEW_COMMENT_LENGTH)
    if errors:
        raise DomainError(_("The review is not saved: correct the fields marked."),
                          field_errors=errors)

    if review is None:
        review = Review(assignment=assignment, status=DRAFT)
        db.session.add(review)
    rows = {row.criterion_id: row for row in review.scores}
    for criterion in criteria:
        row = rows.get(criterion.id)
        if row is None:
            row = ReviewScore(criterion_id=criterion.id)
            review.scores.append(row)
        row.score = scores.get(criterion.id)
        row.comment = (comments.get(criterion.id) or "").strip()
    review.comment_for_startup = (comment_for_startup or "").strip()
    review.comment_for_committee = (comment_for_committee or "").strip()
    review.status, review.total, review.submitted_at = DRAFT, None, None
    review.updated_at = now
    db.session.flush()
    return review


def submit_review(*, assignment: Assignment, user, scores: Mapping[int, int | None],
                  comments: Mapping[int, str], comment_for_startup: str,
                  comment_for_committee: str, now: datetime) -> Review:
    """Save the draft, then submit it: every criterion scored, a comment wherever
    the criterion requires one. Otherwise :class:`IncompleteReview` (with the fields
    concerned) is raised after the draft is flushed, so the caller can keep it."""
    review = save_review(assignment=assignment, user=user, scores=scores, comments=comments,
                         comment_for_startup=comment_for_startup,
                         comment_for_committee=comment_for_committee, now=now)
    criteria = assignment.round.criteria
    rows = {row.criterion_id: row for row in review.scores}
    errors: dict[str, str] = {}
    for criterion in criteria:
        row = rows[criterion.id]
        if row.score is None:
            errors[score_field(criterion.id)] = _("Give a score to submit the review.")
        if criterion.comment_required and not row.comment:
            errors[comment_field(criterion.id)] = _("A comment is required for this "
                                                    "criterion.")
    if errors:
        raise IncompleteReview(
            ngettext("The review is not submitted: %(num)d field needs your attention. "
                     "Your draft is saved.",
                     "The review is not submitted: %(num)d fields need your attention. "
                     "Your draft is saved.", len(errors)),
            field_errors=errors,
        )
    review.total = compute_total(criteria, {c.id: rows[c.id].score for c in criteria})
    review.status, review.submitted_at = SUBMITTED, now
    db.session.flush()
    record(actor=user, action="review.submitted", obj=review, now=now,
           assignment_id=assignment.id, round_id=assignment.round_id,
           proposal_id=assignment.proposal_id, total=str(review.total),
           scores={str(c.id): rows[c.id].score for c in criteria})
    return review


def reopen_review(*, assignment: Assignment, user, now: datetime) -> Review:
    """Take a submitted review back to draft, until the round closes."""
    _check_can_review(assignment, user)
    review = assignment.review
    if review is None or review.status != SUBMITTED:
        _refuse(_("Only a submitted review can be reopened."))
    previous_total = review.total
    review.status, review.total, review.submitted_at = DRAFT, None, None
    review.updated_at = now
    db.session.flush()
    record(actor=user, action="review.reopened", obj=review, now=now,
           assignment_id=assignment.id, round_id=assignment.round_id,
           proposal_id=assignment.proposal_id,
           previous_total=str(previous_total) if previous_total is not None else None)
    return review


# -- discussion ----------------------------------------------------------------------

def post_comment(*, round_: EvaluationRound, proposal: Proposal, user, body: str,
                 now: datetime) -> DiscussionComment:
    """Add to the committee's thread on ``proposal`` (members who submitted their
    review of it, and admins)."""
    if not policy.can_discuss(user, proposal, round_):
        _refuse(_("The discussion opens to you once you have submitted your own review."))
    body = (body or "").strip()
    if not body:
        raise DomainError(_("Write something first."), field_errors={"body": _(
            "Write something first.")})
    if len(body) > MAX_DISCUSSION_LENGTH:
        raise DomainError(_("At most %(n)d characters.", n=MAX_DISCUSSION_LENGTH),
                          field_errors={"body": _("At most %(n)d characters.",
                                                  n=MAX_DISCUSSION_LENGTH)})
    comment = DiscussionComment(round_id=round_.id, proposal_id=proposal.id, author_id=user.id,
                                body=body, created_at=now)
    db.session.add(comment)
    db.session.flush()
    record(actor=user, action="discussion.commented", obj=comment, now=now,
           round_id=round_.id, proposal_id=proposal.id)
    return comment
