"""Who may do what: every permission of the site is decided here.

Predicates are named ``can_<verb>_<thing>(user, obj) -> bool`` and are used by
views (through :func:`require`), by templates (``policy`` is a template
global) and, as SQL filters (``visible_*``), by lists and search, so a list
never shows what its detail page would refuse.

``user`` may be Flask-Login's anonymous user.
"""
from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort

from alliance.auth.models import ADMIN, JURY
from alliance.challenges.models import (
    ARCHIVED as CHALLENGE_ARCHIVED,
)
from alliance.challenges.models import (
    DRAFT as CHALLENGE_DRAFT,
)
from alliance.challenges.models import (
    PUBLIC_STATUSES,
    PUBLISHED,
    Challenge,
    challenge_cosponsor,
)
from alliance.challenges.models import (
    SUBMITTED as CHALLENGE_SUBMITTED,
)
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching.models import ACCEPTED as PILOT_ACCEPTED
from alliance.matching.models import PARTNER_SIDE, STARTUP_SIDE, Pilot
from alliance.matching.models import PROPOSED as PILOT_PROPOSED
from alliance.matching.models import RUNNING as PILOT_RUNNING
from alliance.proposals.models import SUBMITTED, Proposal
from alliance.startups.models import Startup


def require(allowed: bool, *, hide: bool = False) -> None:
    """Stop the request unless ``allowed``: 403, or 404 when ``hide`` (where even
    the existence of the object must not leak)."""
    if not allowed:
        abort(404 if hide else 403)


# -- who is this -------------------------------------------------------------

def _authenticated(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_admin(user) -> bool:
    return _authenticated(user) and user.has_role(ADMIN)


def is_jury(user) -> bool:
    return _authenticated(user) and user.has_role(JURY)


def partner_id_of(user) -> int | None:
    if not _authenticated(user) or user.partner_membership is None:
        return None
    return user.partner_membership.partner_id


def startup_id_of(user) -> int | None:
    if not _authenticated(user) or user.startup_membership is None:
        return None
    return user.startup_membership.startup_id


def has_role(user, role: str) -> bool:
    return _authenticated(user) and user.has_role(role)


def _works_for_challenge(user, challenge: Challenge) -> bool:
    """A member of the lead partner or of a co-sponsor."""
    partner_id = partner_id_of(user)
    if partner_id is None:
        return False
    return partner_id == challenge.lead_partner_id or any(
        p.id == partner_id for p in challenge.cosponsors
    )


def _leads_challenge(user, challenge: Challenge) -> bool:
    partner_id = partner_id_of(user)
    return partner_id is not None and partner_id == challenge.lead_partner_id


# -- admin -------------------------------------------------------------------

def can_access_admin(user) -> bool:
    return is_admin(user)


def can_manage_calls(user) -> bool:
    return is_admin(user)


def can_manage_themes(user) -> bool:
    return is_admin(user)


def can_manage_partner_members(user) -> bool:
    return is_admin(user)


def can_create_admin(user) -> bool:
    return is_admin(user)


def can_manage_users(user) -> bool:
    """Find users, grant and revoke roles, deactivate accounts."""
    return is_admin(user)


def can_read_audit_log(user) -> bool:
    return is_admin(user)


def can_export_call_data(user) -> bool:
    return is_admin(user)


def can_manage_city_goals(user) -> bool:
    return is_admin(user)


def can_manage_mail(user) -> bool:
    """See the messages that failed and send them again."""
    return is_admin(user)


def can_manage_privacy_settings(user) -> bool:
    return is_admin(user)


def can_manage_api_tokens(user) -> bool:
    return is_admin(user)


def can_use_admin_api(user) -> bool:
    """The API's proposals and rankings, read with an active admin's token."""
    return is_admin(user)


def can_manage_webhooks(user) -> bool:
    return is_admin(user)


# -- partners ----------------------------------------------------------------

def can_view_partner_dashboard(user) -> bool:
    return partner_id_of(user) is not None


# -- challenges --------------------------------------------------------------

def can_view_challenge(user, challenge: Challenge) -> bool:
    """Published challenges are public; drafts only for their partner and admins."""
    return challenge.is_public or is_admin(user) or _works_for_challenge(user, challenge)


def can_create_challenge(user) -> bool:
    return is_admin(user) or partner_id_of(user) is not None


def can_edit_challenge(user, challenge: Challenge) -> bool:
    """Partners edit their drafts; admins also edit what waits for approval.
    Criteria are editable under the same rule, so they freeze at publication."""
    if is_admin(user):
        return challenge.status in (CHALLENGE_DRAFT, CHALLENGE_SUBMITTED)
    return challenge.status == CHALLENGE_DRAFT and _leads_challenge(user, challenge)


def can_translate_challenge(user, challenge: Challenge) -> bool:
    """The brief in the other language: admins and the lead partner's members, until
    the challenge is archived (a translation does not change what applicants answer)."""
    if challenge.status == CHALLENGE_ARCHIVED:
        return False
    return is_admin(user) or _leads_challenge(user, challenge)


def can_manage_challenge(user, challenge: Challenge) -> bool:
    """The challenge's own people: admins and members of its lead partner, in any state
    (they read the history of its terms, send it for approval when it is a draft)."""
    return is_admin(user) or _leads_challenge(user, challenge)


def can_submit_challenge_for_approval(user, challenge: Challenge) -> bool:
    return challenge.status == CHALLENGE_DRAFT and (
        is_admin(user) or _leads_challenge(user, challenge)
    )


def can_moderate_challenge(user, challenge: Challenge | None = None) -> bool:
    """Approve, send back, close, evaluate, decide, archive: admins only."""
    return is_admin(user)


def can_edit_terms(user, challenge: Challenge) -> bool:
    """New versions of the terms: the lead partner before publication, admins any time
    before the deadline (a submission keeps the version it accepted)."""
    if is_admin(user):
        return challenge.status in (CHALLENGE_DRAFT, CHALLENGE_SUBMITTED, PUBLISHED)
    return challenge.status == CHALLENGE_DRAFT and _leads_challenge(user, challenge)


def can_view_challenge_proposals(user, challenge: Challenge, now: datetime | None = None) -> bool:
    """The proposals of a challenge: admins; its partners once the deadline has passed."""
    if is_admin(user):
        return True
    now = now or utcnow()
    return _works_for_challenge(user, challenge) and challenge.deadline_passed(now)


# -- start-ups ---------------------------------------------------------------

def can_create_startup(user) -> bool:
    return (
        _authenticated(user)
        and user.is_confirmed
        and user.startup_membership is None
        and user.partner_membership is None
    )


def can_view_startup(user, startup: Startup) -> bool:
    return startup.is_public or is_admin(user) or startup_id_of(user) == startup.id


def can_edit_startup(user, startup: Startup) -> bool:
    return is_admin(user) or startup_id_of(user) == startup.id


def can_invite_to_startup(user, startup: Startup) -> bool:
    """Founders bring their co-founders in."""
    return startup_id_of(user) == startup.id and user.startup_membership.is_founder


# -- proposals ---------------------------------------------------------------

def can_apply(user, challenge: Challenge, now: datetime | None = None) -> bool:
    """Start a proposal: a confirmed start-up member, on a published challenge
    whose deadline has not passed (drafts may be started before it opens)."""
    now = now or utcnow()
    return (
        startup_id_of(user) is not None
        and user.is_confirmed
        and challenge.status == PUBLISHED
        and not challenge.deadline_passed(now)
    )


def _partner_may_see(user, proposal: Proposal, now: datetime) -> bool:
    """Its challenge's partners, once the deadline has passed. (Other partner
    companies never do; those the start-up keeps the proposal from cannot even judge
    it: see ``evaluation.conflicts``.)"""
    return (
        proposal.status == SUBMITTED
        and _works_for_challenge(user, proposal.challenge)
        and proposal.challenge.deadline_passed(now)
    )


def can_view_proposal(user, proposal: Proposal, now: datetime | None = None) -> bool:
    if is_admin(user):
        return True
    if startup_id_of(user) == proposal.startup_id:
        return True
    now = now or utcnow()
    if is_jury(user) and _conflicted(user, proposal):
        return False  # a conflicted juror may not open it, whatever their company
    return _partner_may_see(user, proposal, now) or judges_proposal(user, proposal)


def _conflicted(user, proposal: Proposal) -> bool:
    from alliance.evaluation.conflicts import is_conflicted

    return is_conflicted(user, proposal)


def can_edit_proposal(user, proposal: Proposal) -> bool:
    """Members of the start-up; the deadline rule is the service's (with a message)."""
    return startup_id_of(user) == proposal.startup_id and user.is_confirmed


def can_withdraw_proposal(user, proposal: Proposal) -> bool:
    return can_edit_proposal(user, proposal) and proposal.status == SUBMITTED


def can_download_attachment(user, proposal: Proposal, now: datetime | None = None) -> bool:
    return can_view_proposal(user, proposal, now)


def can_see_proposal_identity(user, proposal: Proposal, now: datetime | None = None) -> bool:
    """The start-up's name, members, website and the attachment's file name: hidden
    from a juror whose only ways to the proposal are blind rounds."""
    if is_admin(user) or startup_id_of(user) == proposal.startup_id:
        return True
    if _partner_may_see(user, proposal, now or utcnow()):
        return True
    # Once a round that is not blind shows the start-up to the juror, hiding it
    # elsewhere protects nothing (and search follows the same rule).
    return not all(a.round.blind for a in juror_assignments(user, proposal))


# -- evaluation ----------------------------------------------------------------

def can_manage_evaluation(user, challenge: Challenge | None = None) -> bool:
    """Rounds, committees, assignments, ranking, decisions: admins."""
    return is_admin(user)


def can_view_jury_dashboard(user) -> bool:
    return is_jury(user)


def committee_membership(user, round_):
    """The user's seat on ``round_``'s committee, or None."""
    from alliance.evaluation.models import CommitteeMember

    if not _authenticated(user):
        return None
    return db.session.execute(
        sa.select(CommitteeMember).filter_by(round_id=round_.id, user_id=user.id)
    ).scalar_one_or_none()


def can_declare_conflicts(user, round_) -> bool:
    return is_jury(user) and committee_membership(user, round_) is not None


def juror_assignments(user, proposal: Proposal) -> list:
    """The user's assignments to ``proposal`` that give access to it: in rounds past
    set-up (during calibration, only the reference proposals), after they declared
    their conflicts, and with no conflict."""
    from alliance.evaluation.conflicts import is_conflicted
    from alliance.evaluation.models import (
        CALIBRATION,
        REFERENCE,
        SETUP,
        Assignment,
        CommitteeMember,
        EvaluationRound,
    )

    if not is_jury(user):
        return []
    assignments = db.session.execute(
        sa.select(Assignment)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .join(CommitteeMember, sa.and_(CommitteeMember.round_id == Assignment.round_id,
                                       CommitteeMember.user_id == Assignment.user_id))
        .where(Assignment.user_id == user.id, Assignment.proposal_id == proposal.id,
               EvaluationRound.status != SETUP,
               sa.or_(EvaluationRound.status != CALIBRATION, Assignment.source == REFERENCE),
               CommitteeMember.conflicts_declared_at.is_not(None))
    ).scalars().all()
    if not assignments or is_conflicted(user, proposal):
        return []
    return assignments


def can_open_assignment(user, assignment) -> bool:
    """A juror's own assignment, while it gives access to its proposal (see
    :func:`juror_assignments`: past set-up, conflicts declared, no conflict, and
    during calibration only the reference proposals)."""
    return assignment.user_id == getattr(user, "id", None) and any(
        a.id == assignment.id for a in juror_assignments(user, assignment.proposal))


def judges_proposal(user, proposal: Proposal) -> bool:
    return bool(juror_assignments(user, proposal))


def can_state_interest(user, round_) -> bool:
    """Bids, before assignment, once the juror has declared their conflicts."""
    from alliance.evaluation.models import SETUP

    member = committee_membership(user, round_)
    return (is_jury(user) and member is not None and member.conflicts_declared_at is not None
            and round_.status == SETUP)


def can_review(user, assignment) -> bool:
    """Write or reopen one's own review while the round takes reviews and the
    challenge is still in evaluation (decisions freeze the reviews); during
    calibration only the reference proposals (see :func:`can_open_assignment`)."""
    from alliance.challenges.models import IN_EVALUATION

    round_ = assignment.round
    return (round_.is_open_for_reviews and round_.challenge.status == IN_EVALUATION
            and can_open_assignment(user, assignment))


def can_view_reviews(user, proposal: Proposal, round_) -> bool:
    """Other jurors' reviews and the committee's thread: admins, and the proposal's
    non-conflicted jurors once they have submitted their own review of it."""
    from alliance.evaluation.models import SUBMITTED as REVIEW_SUBMITTED

    if is_admin(user):
        return True
    return any(
        a.round_id == round_.id and a.review is not None
        and a.review.status == REVIEW_SUBMITTED
        for a in juror_assignments(user, proposal)
    )


def can_discuss(user, proposal: Proposal, round_) -> bool:
    return can_view_reviews(user, proposal, round_) and round_.status != "setup"


def can_view_result(user, proposal: Proposal) -> bool:
    """A start-up sees the decision on its proposal once the challenge is decided."""
    from alliance.challenges.models import ARCHIVED, DECIDED

    return (
        (startup_id_of(user) == proposal.startup_id or is_admin(user))
        and proposal.challenge.status in (DECIDED, ARCHIVED)
        and getattr(proposal, "decision", None) is not None
    )


# -- matching ------------------------------------------------------------------

def can_view_recommendations(user, startup: Startup) -> bool:
    """The challenges recommended to a start-up: its members (and admins)."""
    return startup_id_of(user) == startup.id or is_admin(user)


def can_scout_for_challenge(user, challenge: Challenge) -> bool:
    """The start-ups worth inviting to a challenge, and the invitations sent:
    the challenge's partners (lead and co-sponsors) and admins, until it closes."""
    return (challenge.status in (CHALLENGE_DRAFT, CHALLENGE_SUBMITTED, PUBLISHED)
            and (_works_for_challenge(user, challenge) or is_admin(user)))


def can_invite_startup(user, challenge: Challenge, startup: Startup,
                       now: datetime | None = None) -> bool:
    """Invite a start-up to apply: a partner of the challenge (or an admin), to a
    published challenge before its deadline, and only a public start-up profile."""
    now = now or utcnow()
    return (can_scout_for_challenge(user, challenge) and challenge.status == PUBLISHED
            and challenge.deadline > now and scoutable(startup))


def scoutable(startup: Startup) -> bool:
    """Partners scout public profiles only (see :func:`scoutable_startups`)."""
    return bool(startup.is_public)


def scoutable_startups():
    """The same rule as a WHERE clause, for the candidate lists."""
    return Startup.is_public.is_(True)


def can_answer_invitation(user, invitation) -> bool:
    """A member of the invited start-up declines (or applies)."""
    return startup_id_of(user) == invitation.startup_id


def can_rank_pilots(user, startup: Startup) -> bool:
    """A start-up's members rank the challenges it may pilot (which ones, and
    until when, the matching service decides)."""
    return startup_id_of(user) == startup.id


def can_run_matching(user, call=None) -> bool:
    return is_admin(user)


def pilot_side(user, pilot) -> str | None:
    """Which side of ``pilot`` the user acts for: "startup", "partner" (a member
    of the challenge's lead partner, whose slot it is) or None."""
    if startup_id_of(user) == pilot.startup_id:
        return STARTUP_SIDE
    if _leads_challenge(user, pilot.challenge):
        return PARTNER_SIDE
    return None


def can_view_pilot(user, pilot) -> bool:
    """Each side of a pilot (the challenge's co-sponsors too) and admins."""
    return (is_admin(user) or pilot_side(user, pilot) is not None
            or _works_for_challenge(user, pilot.challenge))


def can_respond_to_pilot(user, pilot) -> bool:
    """Accept or decline a proposed pilot, once, for one's own side."""
    side = pilot_side(user, pilot)
    return side is not None and pilot.status == PILOT_PROPOSED and not pilot.accepted_by(side)


def can_view_pilot_contacts(user, pilot) -> bool:
    """Contact details are exchanged only once both sides have accepted."""
    return pilot.is_agreed and (is_admin(user) or pilot_side(user, pilot) is not None)


def can_advance_pilot(user, pilot) -> bool:
    """Mark an agreed pilot running, then completed: the partner whose slot it is,
    or an admin."""
    return (pilot.status in (PILOT_ACCEPTED, PILOT_RUNNING)
            and (is_admin(user) or pilot_side(user, pilot) == PARTNER_SIDE))


def can_view_call_results(user, matching) -> bool:
    """A call's public results page: everyone once published; admins before."""
    return is_admin(user) or (matching is not None and matching.results_published)


# -- the same rules as SQL filters ------------------------------------------

def visible_challenges(user):
    """A WHERE clause for the challenges ``user`` may open."""
    clause = Challenge.status.in_(PUBLIC_STATUSES)
    if is_admin(user):
        return sa.true()
    partner_id = partner_id_of(user)
    if partner_id is not None:
        cosponsored = sa.select(challenge_cosponsor.c.challenge_id).where(
            challenge_cosponsor.c.partner_id == partner_id
        )
        clause = sa.or_(
            clause, Challenge.lead_partner_id == partner_id, Challenge.id.in_(cosponsored)
        )
    return clause


def visible_proposals(user, now: datetime | None = None):
    """A WHERE clause for the proposals ``user`` may open (join Challenge for partners)."""
    if is_admin(user):
        return sa.true()
    now = now or utcnow()
    clauses = []
    startup_id = startup_id_of(user)
    if startup_id is not None:
        clauses.append(Proposal.startup_id == startup_id)
    partner_id = partner_id_of(user)
    if partner_id is not None:
        cosponsored = sa.select(challenge_cosponsor.c.challenge_id).where(
            challenge_cosponsor.c.partner_id == partner_id
        )
        partner_challenges = sa.select(Challenge.id).where(
            Challenge.deadline <= now,
            sa.or_(Challenge.lead_partner_id == partner_id, Challenge.id.in_(cosponsored)),
        )
        clauses.append(
            sa.and_(Proposal.status == SUBMITTED, Proposal.challenge_id.in_(partner_challenges))
        )
    if is_jury(user):
        clauses.append(Proposal.id.in_(assigned_proposal_ids_query(user)))
    return sa.or_(*clauses) if clauses else sa.false()


def _led_challenges(partner_id: int):
    return sa.select(Challenge.id).where(Challenge.lead_partner_id == partner_id)


def visible_pilots(user):
    """The rule of :func:`can_view_pilot` as a WHERE clause: admins all; a
    start-up its own; a partner those of the challenges it leads or co-sponsors."""
    if is_admin(user):
        return sa.true()
    clauses = []
    startup_id = startup_id_of(user)
    if startup_id is not None:
        clauses.append(Pilot.startup_id == startup_id)
    partner_id = partner_id_of(user)
    if partner_id is not None:
        cosponsored = sa.select(challenge_cosponsor.c.challenge_id).where(
            challenge_cosponsor.c.partner_id == partner_id)
        clauses.append(sa.or_(Pilot.challenge_id.in_(_led_challenges(partner_id)),
                              Pilot.challenge_id.in_(cosponsored)))
    return sa.or_(*clauses) if clauses else sa.false()


def awaiting_pilot_answer(user):
    """The rule of :func:`can_respond_to_pilot` as a WHERE clause."""
    clauses = []
    startup_id = startup_id_of(user)
    if startup_id is not None:
        clauses.append(sa.and_(Pilot.startup_id == startup_id,
                               Pilot.startup_accepted_at.is_(None)))
    partner_id = partner_id_of(user)
    if partner_id is not None:
        clauses.append(sa.and_(Pilot.challenge_id.in_(_led_challenges(partner_id)),
                               Pilot.partner_accepted_at.is_(None)))
    if not clauses:
        return sa.false()
    return sa.and_(Pilot.status == PILOT_PROPOSED, sa.or_(*clauses))


def assigned_proposal_ids_query(user):
    """SELECT of the proposals ``user`` judges, as in :func:`juror_assignments` but
    in SQL (declared conflicts remove assignments, so the query needs no conflict
    check; the per-object predicate still makes one)."""
    from alliance.evaluation.models import (
        CALIBRATION,
        REFERENCE,
        SETUP,
        Assignment,
        CommitteeMember,
        EvaluationRound,
    )

    return (
        sa.select(Assignment.proposal_id)
        .join(EvaluationRound, EvaluationRound.id == Assignment.round_id)
        .join(CommitteeMember, sa.and_(CommitteeMember.round_id == Assignment.round_id,
                                       CommitteeMember.user_id == Assignment.user_id))
        .where(Assignment.user_id == user.id, EvaluationRound.status != SETUP,
               sa.or_(EvaluationRound.status != CALIBRATION, Assignment.source == REFERENCE),
               CommitteeMember.conflicts_declared_at.is_not(None))
    )



# -- search --------------------------------------------------------------------

def search_scope(user, now: datetime | None = None):
    """What ``user`` may find in search: the same rules as ``can_view_*``, in the form
    the search backends apply inside the query (results, totals, facets, snippets).

    Blind review: a juror's scope holds only the proposals they are assigned to in a
    round that is *not* blind. A proposal's search document carries the start-up's name
    in its indexed text and in the hit, so a search for a start-up's name would tell
    which blind proposal is theirs; the blind-only proposals are therefore left out of
    search altogether (the juror finds them on the jury dashboard). A proposal the user
    may open in another capacity (their start-up's, their partner's challenge) stays
    in scope through that rule, as their identity is not hidden from them there.
    """
    from alliance.evaluation.models import EvaluationRound
    from alliance.search.base import Scope

    now = now or utcnow()
    if is_admin(user):
        return Scope(now=now, everything=True)
    proposal_ids: frozenset[int] = frozenset()
    if is_jury(user):
        not_blind = assigned_proposal_ids_query(user).where(EvaluationRound.blind.is_(False))
        proposal_ids = frozenset(db.session.execute(not_blind).scalars())
    return Scope(
        now=now,
        startup_id=startup_id_of(user),
        partner_id=partner_id_of(user),
        proposal_ids=proposal_ids,
        excluded_proposal_ids=_conflicted_partner_proposals(user, now),
    )


def _conflicted_partner_proposals(user, now: datetime) -> frozenset[int]:
    """For a juror who also works for a partner: the proposals to its challenges that
    they may not open because of a conflict (``can_view_proposal`` refuses them)."""
    from alliance.evaluation.conflicts import conflict_pairs

    partner_id = partner_id_of(user)
    if partner_id is None or not is_jury(user):
        return frozenset()
    cosponsored = sa.select(challenge_cosponsor.c.challenge_id).where(
        challenge_cosponsor.c.partner_id == partner_id)
    candidates = db.session.scalars(
        sa.select(Proposal.id).join(Challenge, Challenge.id == Proposal.challenge_id)
        .where(Proposal.status == SUBMITTED, Challenge.deadline <= now,
               sa.or_(Challenge.lead_partner_id == partner_id,
                      Challenge.id.in_(cosponsored)))
    ).all()
    return frozenset(proposal for _user, proposal in conflict_pairs([user.id], candidates))
