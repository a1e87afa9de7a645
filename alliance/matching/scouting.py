"""Recommendations and scouting: the open challenges that fit a start-up, the
start-ups worth inviting to a challenge, and the invitations to apply.

    recommended_challenges(*, startup, now, limit) -> [ChallengeRow]
    scouting_candidates(*, challenge, now, limit) -> [CandidateRow]
    invite_startup(*, challenge, startup, user, message, now) -> ScoutingInvitation
    decline_invitation(*, invitation, user, now)
    mark_seen(*, invitations, user, now) -> int
    invitations_of_challenge(challenge, now), invitations_of_startup(startup, now),
    open_invitations_of_startup(startup, now) -> [InvitationRow]
    startup_dashboard_context(*, startup, now) -> dict for the dashboard's partials

A start-up's own recommendations read its pitch, sectors and past proposals; the
partners' scouting reads only what a partner may: the public profile (pitch and
sectors), never the words of proposals sealed to other companies.

An invitation's outcome is read, never stored: "applied" when the start-up has a
submitted proposal to the challenge, "declined" when it declined, "expired" when
the deadline passed without either, "pending" otherwise (shown as "seen" once a
member of the start-up opened its invitations page).
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from flask import current_app, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defaultload, lazyload

from alliance.auth import policy
from alliance.auth.models import User
from alliance.challenges.models import PUBLISHED, Challenge
from alliance.core.audit import record as audit
from alliance.core.errors import DomainError
from alliance.core.mail import queue_mail
from alliance.extensions import db
from alliance.matching import scouting_sources as sources
from alliance.matching.models import ScoutingInvitation
from alliance.matching.recommend import Recommendation, recommend_challenges, recommend_startups
from alliance.startups.models import Startup, StartupMembership

PENDING, SEEN, APPLIED, DECLINED, EXPIRED = "pending", "seen", "applied", "declined", "expired"
SHOWN_OUTCOMES = (PENDING, SEEN, APPLIED, DECLINED, EXPIRED)  # the scouting page's counts
DASHBOARD_RECOMMENDATIONS = 3


# -- the one-line reason -----------------------------------------------------------------

def reason_line(recommendation: Recommendation | None, theme_names: Mapping[int, str]) -> str:
    """Why a pair was recommended, in the current language:
    "Shared: energia, sensori · Themes: Energy and decarbonisation"."""
    if recommendation is None:
        return ""
    return _reason(recommendation.reason_terms,
                   [theme_names[t] for t in recommendation.shared_themes if t in theme_names])


def _reason(terms: Sequence[str], theme_names: Sequence[str]) -> str:
    parts = []
    if terms:
        parts.append(_("Shared: %(terms)s", terms=", ".join(terms)))
    if theme_names:
        parts.append(_("Themes: %(themes)s", themes=", ".join(theme_names)))
    return " · ".join(parts)


def invitation_reason(invitation: ScoutingInvitation) -> str:
    """The stored reason of ``invitation`` in the current language (a template
    filter: ``invitation|invitation_reason``)."""
    challenge = invitation.challenge
    themes = [challenge.theme.name(_locale())] if invitation.shares_theme else []
    return _reason(invitation.shared_terms or (), themes)


def _locale() -> str:
    return str(get_locale() or current_app.config["BABEL_DEFAULT_LOCALE"])


def _challenge_themes(challenges: Sequence[Challenge], locale: str) -> dict[int, str]:
    # A challenge has one theme: the only theme a pair can share.
    return {c.theme_id: c.theme.name(locale) for c in challenges}


# -- view models -------------------------------------------------------------------------

@dataclass(frozen=True)
class ChallengeRow:
    """An open challenge recommended to a start-up."""

    challenge: Challenge
    score: float
    reason: str

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class CandidateRow:
    """A start-up worth inviting to a challenge (``invitation``: already invited)."""

    startup: Startup
    score: float
    reason: str
    invitation: ScoutingInvitation | None

    @property
    def percent(self) -> int:
        return round(self.score * 100)


@dataclass(frozen=True)
class InvitationRow:
    invitation: ScoutingInvitation
    outcome: str  # pending, applied, declined, expired

    @property
    def shown(self) -> str:
        """The outcome, with "seen" for a pending invitation the start-up opened."""
        if self.outcome == PENDING and self.invitation.seen_at is not None:
            return SEEN
        return self.outcome

    @property
    def is_open(self) -> bool:
        return self.outcome == PENDING


# -- recommendations ---------------------------------------------------------------------

# Below this fit a recommendation is chance (a word or two in common): not shown.
MIN_FIT = 0.03


def _fitting(found: list[Recommendation]) -> list[Recommendation]:
    return [r for r in found if r.score >= MIN_FIT]


def recommended_challenges(*, startup: Startup, now: datetime, limit: int = 10) -> list[ChallengeRow]:
    """The open challenges that fit ``startup`` best, best first, with their
    reasons; challenges it already has a proposal for are left out."""
    items = sources.open_challenge_items(
        now, exclude_ids=sources.challenge_ids_with_proposal(startup.id))
    found = _fitting(recommend_challenges(sources.startup_profile(startup.id), items,
                                          limit=limit))
    if not found:
        return []
    challenges = {c.id: c for c in db.session.scalars(
        sa.select(Challenge).where(Challenge.id.in_([r.id for r in found]))
        .options(lazyload(Challenge.criteria), lazyload(Challenge.cosponsors)))}
    themes = _challenge_themes(list(challenges.values()), _locale())
    return [ChallengeRow(challenges[r.id], r.score, reason_line(r, themes)) for r in found]


def scouting_candidates(*, challenge: Challenge, now: datetime, limit: int = 20) -> list[CandidateRow]:
    """The public start-ups that fit ``challenge`` best, best first, with their
    reasons; those that submitted a proposal to it are left out, those already
    invited carry their invitation."""
    profiles = sources.scoutable_profiles(exclude_submitted_to=challenge.id)
    found = _fitting(recommend_startups(sources.challenge_item(challenge), profiles,
                                        limit=limit))
    if not found:
        return []
    startups = {s.id: s for s in db.session.scalars(
        sa.select(Startup).where(Startup.id.in_([r.id for r in found]))
        .options(lazyload(Startup.relations)))}
    invited = {i.startup_id: i for i in db.session.scalars(
        _invitations().where(ScoutingInvitation.challenge_id == challenge.id,
                             ScoutingInvitation.startup_id.in_(list(startups))))}
    themes = _challenge_themes([challenge], _locale())
    return [CandidateRow(startups[r.id], r.score, reason_line(r, themes), invited.get(r.id))
            for r in found]


# -- invitations -------------------------------------------------------------------------

def _invitations():
    """Invitations with their challenge (title, partner, theme, deadline) and
    start-up, without the collections neither list shows."""
    return sa.select(ScoutingInvitation).options(
        defaultload(ScoutingInvitation.challenge).lazyload(Challenge.criteria),
        defaultload(ScoutingInvitation.challenge).lazyload(Challenge.cosponsors),
        defaultload(ScoutingInvitation.startup).lazyload(Startup.relations),
        defaultload(ScoutingInvitation.startup).lazyload(Startup.sectors),
    )


def invitation_outcome(invitation: ScoutingInvitation, *, applied: bool, now: datetime) -> str:
    """applied, declined, expired or pending (``applied``: a submitted proposal)."""
    if applied:
        return APPLIED
    if invitation.declined_at is not None:
        return DECLINED
    if invitation.challenge.deadline_passed(now):
        return EXPIRED
    return PENDING


def _rows(invitations: Sequence[ScoutingInvitation], now: datetime) -> list[InvitationRow]:
    applied = sources.applied_pairs((i.challenge_id, i.startup_id) for i in invitations)
    return [InvitationRow(i, invitation_outcome(i, applied=(i.challenge_id, i.startup_id) in applied,
                                                now=now)) for i in invitations]


def invitations_of_challenge(challenge: Challenge, now: datetime) -> list[InvitationRow]:
    """Every invitation to ``challenge``, newest first, with its outcome."""
    return _rows(db.session.scalars(
        _invitations().where(ScoutingInvitation.challenge_id == challenge.id)
        .order_by(ScoutingInvitation.created_at.desc(), ScoutingInvitation.id.desc())).all(), now)


def outcome_counts(rows: Sequence[InvitationRow]) -> dict[str, int]:
    """How many invitations show each outcome (pending, seen, applied, declined, expired)."""
    counts = Counter(row.shown for row in rows)
    return {outcome: counts[outcome] for outcome in SHOWN_OUTCOMES}


def invitations_of_startup(startup: Startup, now: datetime) -> list[InvitationRow]:
    """Every invitation ``startup`` received: the open ones first, newest first."""
    rows = _rows(db.session.scalars(
        _invitations().where(ScoutingInvitation.startup_id == startup.id)
        .order_by(ScoutingInvitation.created_at.desc(), ScoutingInvitation.id.desc())).all(), now)
    return sorted(rows, key=lambda row: not row.is_open)  # stable: newest first kept


def open_invitations_of_startup(startup: Startup, now: datetime) -> list[InvitationRow]:
    """The invitations ``startup`` may still answer (pending, seen or not)."""
    return [row for row in invitations_of_startup(startup, now) if row.is_open]


def startup_dashboard_context(*, startup: Startup, now: datetime) -> dict:
    """The variables of ``matching/_recommended_challenges.html`` and
    ``matching/_invitations_panel.html`` (a fixed number of queries)."""
    return {
        "recommendations": recommended_challenges(startup=startup, now=now,
                                                  limit=DASHBOARD_RECOMMENDATIONS),
        "invitations": open_invitations_of_startup(startup, now),
    }


def _refusal(user, challenge: Challenge, startup: Startup, now: datetime) -> str:
    if not policy.can_scout_for_challenge(user, challenge):
        return _("Only the challenge's partners can invite start-ups to it.")
    if challenge.status != PUBLISHED:
        return _("Start-ups can be invited once the challenge is published.")
    if challenge.deadline <= now:
        return _("The deadline of this challenge has passed: start-ups can no longer be invited.")
    if not policy.scoutable(startup):
        return _("This start-up's profile is not public: it cannot be invited.")
    return _("You cannot invite this start-up to this challenge.")


def pair_match(*, challenge: Challenge, startup: Startup) -> Recommendation | None:
    """The pair on its own: the words and theme ``startup``'s public profile
    shares with ``challenge`` (None: nothing in common)."""
    found = recommend_startups(sources.challenge_item(challenge),
                               [sources.public_profile(startup.id)], limit=1)
    return found[0] if found else None


def invite_startup(*, challenge: Challenge, startup: Startup, user, message: str,
                   now: datetime) -> ScoutingInvitation:
    """Invite ``startup`` to apply to ``challenge``: one invitation per pair, with
    the one-line reason of the match (in the site's language); e-mails each active
    member of the start-up in their language."""
    if not policy.can_invite_startup(user, challenge, startup, now):
        raise DomainError(_refusal(user, challenge, startup, now))
    already = _("%(name)s has already been invited to this challenge.", name=startup.name)
    if db.session.scalar(sa.select(ScoutingInvitation.id).filter_by(
            challenge_id=challenge.id, startup_id=startup.id)) is not None:
        raise DomainError(already)
    if sources.applied_pairs([(challenge.id, startup.id)]):
        raise DomainError(_("%(name)s has already submitted a proposal to this challenge.",
                            name=startup.name))
    match = pair_match(challenge=challenge, startup=startup)
    invitation = ScoutingInvitation(
        challenge_id=challenge.id, startup_id=startup.id, invited_by_id=user.id,
        message=(message or "").strip(), created_at=now,
        shared_terms=list(match.reason_terms) if match else [],
        shares_theme=bool(match and match.shared_themes))
    try:
        with db.session.begin_nested():  # the same pair invited a moment ago
            db.session.add(invitation)
            db.session.flush()
    except IntegrityError:
        raise DomainError(already) from None
    audit(actor=user, action="matching.invitation_sent", obj=invitation, now=now,
          challenge_id=challenge.id, startup_id=startup.id,
          shared_terms=invitation.shared_terms, shares_theme=invitation.shares_theme)
    _mail_invitation(invitation, challenge, startup, user)
    return invitation


def _mail_invitation(invitation, challenge: Challenge, startup: Startup, user) -> None:
    by_locale: dict[str | None, list[str]] = {}
    for email, locale in db.session.execute(
        sa.select(User.email, User.locale).join(StartupMembership,
                                                StartupMembership.user_id == User.id)
        .where(StartupMembership.startup_id == startup.id, User.active.is_(True))
        .order_by(User.id)
    ):
        by_locale.setdefault(locale, []).append(email)
    default = current_app.config["BABEL_DEFAULT_LOCALE"]
    # A co-sponsor's staff invite in their own company's name.
    membership = getattr(user, "partner_membership", None)
    partner_name = membership.partner.name if membership else challenge.lead_partner.name
    for locale, emails in by_locale.items():
        locale = locale or default
        with force_locale(locale):
            queue_mail(
                to=emails,
                subject=_("%(partner)s invites %(startup)s to apply to “%(title)s”",
                          partner=partner_name, startup=startup.name,
                          title=challenge.title),
                template="scouting_invitation", challenge=challenge, startup=startup,
                partner_name=partner_name,
                message=invitation.message,
                reason=invitation_reason(invitation),
                challenge_url=url_for("challenges.detail", slug=challenge.slug, _external=True),
                invitations_url=url_for("scouting.recommendations", _external=True,
                                        _anchor=f"invitation-{invitation.id}"),
            )


def decline_invitation(*, invitation: ScoutingInvitation, user, now: datetime) -> None:
    """A member of the invited start-up declines (while the invitation is pending)."""
    if not policy.can_answer_invitation(user, invitation):
        raise DomainError(_("Only the invited start-up can answer this invitation."))
    applied = bool(sources.applied_pairs([(invitation.challenge_id, invitation.startup_id)]))
    outcome = invitation_outcome(invitation, applied=applied, now=now)
    if outcome == DECLINED:
        raise DomainError(_("You have already declined this invitation."))
    if outcome == APPLIED:
        raise DomainError(_("You have already applied to this challenge."))
    if outcome == EXPIRED:
        raise DomainError(_("The deadline of this challenge has passed: the invitation has expired."))
    invitation.declined_at = now
    invitation.declined_by_id = user.id
    db.session.flush()
    audit(actor=user, action="matching.invitation_declined", obj=invitation, now=now,
          challenge_id=invitation.challenge_id, startup_id=invitation.startup_id)


def mark_seen(*, invitations: Sequence[ScoutingInvitation], user, now: datetime) -> int:
    """Record that a member of the start-up saw its invitations (the first time
    only); returns how many were new to it."""
    fresh = [i for i in invitations
             if i.seen_at is None and policy.can_answer_invitation(user, i)]
    for invitation in fresh:
        invitation.seen_at = now
        audit(actor=user, action="matching.invitation_seen", obj=invitation, now=now)
    if fresh:
        db.session.flush()
    return len(fresh)
