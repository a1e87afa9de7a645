"""Everything the platform holds about one user, as JSON-ready data (GDPR art. 15 and 20).

Only the user's own data: other people appear by the name of their organisation
at most (never a name or address of another person). Dates are ISO 8601 (UTC).

The auth package comes second in the import order, yet a person's data lies in
every package: the models of later packages are imported inside the function, as
the policy module reads them, so that nothing imports this module back.
"""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from alliance.auth.models import User
from alliance.core.audit import AuditEvent
from alliance.core.models import utcnow
from alliance.extensions import db

EXPORT_FORMAT = "alliance-user-data/1"
# Keys of audit data that may name another person (an invited juror's address...).
_OTHERS_KEYS = {"email", "emails", "to", "recipients", "name"}


def _value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, *names: str) -> dict:
    return {name: _value(getattr(obj, name)) for name in names}


def _all(statement) -> list:
    return db.session.scalars(statement).all()


def _profile(user: User) -> dict:
    profile = _row(user, "id", "name", "email", "locale", "active", "created_at", "updated_at",
                   "confirmed_at", "last_login_at", "privacy_consent_at",
                   "privacy_notice_version")
    profile["roles"] = sorted(user.roles)
    profile["granted_roles"] = [_row(g, "role", "granted_at") for g in user.granted_roles]
    return profile


def _memberships(user: User) -> dict:
    from alliance.startups.models import StartupInvitation

    partner, startup = user.partner_membership, user.startup_membership
    return {
        "partner": None if partner is None else {
            "partner": partner.partner.name, "added_at": _value(partner.added_at)},
        "startup": None if startup is None else {
            "startup": startup.startup.name, "slug": startup.startup.slug,
            "is_founder": startup.is_founder, "joined_at": _value(startup.joined_at)},
        # Invitations sent: the invitee's address is theirs, so it is left out.
        "startup_invitations_sent": [
            {"startup": i.startup.name, "created_at": _value(i.created_at),
             "accepted": i.accepted_at is not None}
            for i in _all(sa.select(StartupInvitation)
                          .where(StartupInvitation.invited_by_id == user.id)
                          .order_by(StartupInvitation.id))],
        "startup_invitations_accepted": [
            {"startup": i.startup.name, "accepted_at": _value(i.accepted_at)}
            for i in _all(sa.select(StartupInvitation)
                          .where(StartupInvitation.accepted_by_id == user.id)
                          .order_by(StartupInvitation.id))],
    }


def _proposals(user: User) -> dict:
    from alliance.proposals.models import Attachment, Proposal, Submission

    authored = _all(sa.select(Proposal).where(sa.or_(
        Proposal.created_by_id == user.id, Proposal.terms_accepted_by_id == user.id,
        Proposal.id.in_(sa.select(Submission.proposal_id)
                        .where(Submission.submitted_by_id == user.id)),
    )).order_by(Proposal.id))
    return {
        "proposals": [
            {**_row(p, "id", "title", "abstract", "description", "team", "trl",
                    "pilot_duration_months", "pilot_cost_eur", "status", "created_at",
                    "updated_at", "submitted_at", "withdrawn_at", "purged_at"),
             "challenge": p.challenge.title, "startup": p.startup.name,
             "created_by_you": p.created_by_id == user.id}
            for p in authored],
        "submissions": [
            {**_row(s, "proposal_id", "number", "submitted_at", "digest"), "content": s.content}
            for s in _all(sa.select(Submission).where(Submission.submitted_by_id == user.id)
                          .order_by(Submission.id))],
        "attachments_uploaded": [
            _row(a, "proposal_id", "original_name", "size", "sha256", "uploaded_at")
            for a in _all(sa.select(Attachment).where(Attachment.uploaded_by_id == user.id)
                          .order_by(Attachment.id))],
    }


def _challenges(user: User) -> dict:
    from alliance.challenges.models import Challenge, ChallengeTerms

    return {
        "challenges_created": [
            _row(c, "id", "slug", "title", "status", "created_at")
            for c in _all(sa.select(Challenge).where(Challenge.created_by_id == user.id)
                          .order_by(Challenge.id))],
        "terms_written": [
            _row(t, "challenge_id", "version", "created_at")
            for t in _all(sa.select(ChallengeTerms).where(ChallengeTerms.created_by_id == user.id)
                          .order_by(ChallengeTerms.id))],
    }


def _jury(user: User) -> dict:
    from alliance.evaluation import models as ev

    profile = db.session.get(ev.JurorProfile, user.id)
    reviews = []
    for assignment in _all(sa.select(ev.Assignment).where(ev.Assignment.user_id == user.id)
                           .order_by(ev.Assignment.id)):
        review = assignment.review
        # The proposal by id and title only: in a blind round the juror never saw the
        # start-up's name, and the export must not reveal it either.
        reviews.append({
            "round_id": assignment.round_id, "challenge": assignment.round.challenge.title,
            "proposal_id": assignment.proposal_id, "proposal": assignment.proposal.title,
            "assigned_at": _value(assignment.created_at),
            "review": None if review is None else {
                **_row(review, "status", "total", "submitted_at", "comment_for_startup",
                       "comment_for_committee", "created_at", "updated_at"),
                "scores": [{"criterion": s.criterion.name, "score": s.score, "comment": s.comment}
                           for s in sorted(review.scores, key=lambda s: s.criterion.position)],
            },
        })
    return {
        "juror_profile": None if profile is None else _row(
            profile, "tags", "expertise", "organisation", "created_at", "updated_at"),
        "committees": [
            {"round_id": m.round_id, "challenge": m.round.challenge.title,
             "round": m.round.number, "invited_at": _value(m.invited_at),
             "conflicts_declared_at": _value(m.conflicts_declared_at)}
            for m in _all(sa.select(ev.CommitteeMember).where(ev.CommitteeMember.user_id == user.id)
                          .order_by(ev.CommitteeMember.id))],
        "conflicts_declared": [
            {"startup": c.startup.name, "reason": c.reason, "declared_at": _value(c.declared_at)}
            for c in _all(sa.select(ev.ConflictDeclaration)
                          .where(ev.ConflictDeclaration.user_id == user.id)
                          .order_by(ev.ConflictDeclaration.id))],
        "review_interests": [
            _row(i, "round_id", "proposal_id", "level")
            for i in _all(sa.select(ev.ReviewInterest).where(ev.ReviewInterest.user_id == user.id)
                          .order_by(ev.ReviewInterest.round_id, ev.ReviewInterest.proposal_id))],
        "reviews": reviews,
        "discussion_comments": [
            _row(c, "round_id", "proposal_id", "body", "created_at")
            for c in _all(sa.select(ev.DiscussionComment)
                          .where(ev.DiscussionComment.author_id == user.id)
                          .order_by(ev.DiscussionComment.id))],
        "score_overrides": [
            _row(o, "round_id", "proposal_id", "score", "reason", "created_at")
            for o in _all(sa.select(ev.ScoreOverride).where(ev.ScoreOverride.created_by_id == user.id)
                          .order_by(ev.ScoreOverride.id))],
        "decisions_taken": [
            _row(d, "proposal_id", "outcome", "feedback", "decided_at")
            for d in _all(sa.select(ev.Decision).where(ev.Decision.decided_by_id == user.id)
                          .order_by(ev.Decision.id))],
    }


def _matching(user: User) -> dict:
    from alliance.matching.models import Pilot, PilotPreference, ScoutingInvitation

    pilots = _all(sa.select(Pilot).where(sa.or_(
        Pilot.startup_accepted_by_id == user.id, Pilot.partner_accepted_by_id == user.id,
        Pilot.declined_by_id == user.id)).order_by(Pilot.id))
    return {
        "pilot_preferences_set": [
            {"startup": p.startup.name, "challenge": p.challenge.title, "rank": p.rank,
             "updated_at": _value(p.updated_at)}
            for p in _all(sa.select(PilotPreference).where(PilotPreference.updated_by_id == user.id)
                          .order_by(PilotPreference.id))],
        "pilots": [
            {"id": p.id, "challenge": p.challenge.title, "startup": p.startup.name,
             "status": p.status,
             "you_accepted_at": _value(p.startup_accepted_at if p.startup_accepted_by_id == user.id
                                       else p.partner_accepted_at
                                       if p.partner_accepted_by_id == user.id else None),
             "you_declined_at": _value(p.declined_at if p.declined_by_id == user.id else None),
             "decline_reason": p.decline_reason if p.declined_by_id == user.id else ""}
            for p in pilots],
        "scouting_invitations": [
            {"challenge": i.challenge.title, "startup": i.startup.name,
             "sent_by_you": i.invited_by_id == user.id, "message": (
                 i.message if i.invited_by_id == user.id else ""),
             "created_at": _value(i.created_at),
             "declined_by_you_at": _value(i.declined_at if i.declined_by_id == user.id else None)}
            for i in _all(sa.select(ScoutingInvitation).where(sa.or_(
                ScoutingInvitation.invited_by_id == user.id,
                ScoutingInvitation.declined_by_id == user.id)).order_by(ScoutingInvitation.id))],
    }


def _account_extras(user: User) -> dict:
    from alliance.api.models import ApiToken
    from alliance.notifications.models import ReminderSent

    return {
        "api_tokens": [
            _row(t, "name", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at")
            for t in _all(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                          .order_by(ApiToken.id))],
        "reminders_sent": [
            {"kind": r.kind, "challenge_id": r.challenge_id, "sent_at": _value(r.sent_at)}
            for r in _all(sa.select(ReminderSent).where(ReminderSent.user_id == user.id)
                          .order_by(ReminderSent.id))],
    }


def _audit(user: User) -> list[dict]:
    events = []
    for event in _all(sa.select(AuditEvent).where(AuditEvent.actor_id == user.id)
                      .order_by(AuditEvent.id)):
        about_self = event.object_type == "user" and event.object_id == user.id
        data = {k: v for k, v in (event.data or {}).items()
                if about_self or k not in _OTHERS_KEYS}
        events.append({**_row(event, "at", "action", "object_type", "object_id"), "data": data})
    return events


def export_user_data(*, user: User, now: datetime | None = None) -> dict:
    """Everything held about ``user``: profile, roles, memberships, the proposals they
    wrote or submitted, their jury work, matching answers, tokens and the audit
    events they caused. Reads only."""
    return {
        "format": EXPORT_FORMAT,
        "exported_at": _value(now or utcnow()),
        "profile": _profile(user),
        "memberships": _memberships(user),
        **_proposals(user),
        **_challenges(user),
        "jury": _jury(user),
        "matching": _matching(user),
        **_account_extras(user),
        "audit_events": _audit(user),
    }
