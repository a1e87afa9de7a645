"""Start-ups: registration, profile changes, co-founder invitations and the companies
they name as customers, investors or competitors."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.core.taxonomy import Theme
from alliance.extensions import db
from alliance.partners.models import Partner
from alliance.startups import vat
from alliance.startups.models import (
    RELATION_KINDS,
    STAGES,
    Startup,
    StartupInvitation,
    StartupMembership,
    StartupRelation,
)

INVITE_SALT = "startup-invite"
# Slugs that would hide a page under /startups/.
RESERVED_SLUGS = {"new", "invitations"}


@dataclass
class StartupDetails:
    """The validated fields of a start-up's profile."""

    name: str
    city: str
    founded_year: int
    team_size: int
    stage: str
    pitch: str
    vat_number: str | None = None
    registration_number: str | None = None
    country: str = "IT"
    website: str = ""
    is_public: bool = True
    sector_ids: list[int] = field(default_factory=list)


# -- registration and profile --------------------------------------------------

def slugify(text: str) -> str:
    """A URL slug: ASCII letters and digits joined by dashes ("Città Verde" -> "citta-verde")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:70].strip("-") or "startup"


def unique_slug(name: str) -> str:
    """A slug for ``name`` that no start-up uses yet (``name``, ``name-2``, ``name-3``...)."""
    base = slugify(name)
    taken = set(db.session.scalars(
        sa.select(Startup.slug).where(sa.or_(Startup.slug == base, Startup.slug.like(f"{base}-%")))
    ))
    taken |= RESERVED_SLUGS
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


def _check_details(details: StartupDetails, *, startup: Startup | None, now: datetime) -> dict:
    """The rules the form cannot know alone; returns the cleaned registration numbers."""
    errors: dict[str, str] = {}
    vat_number = vat.normalise(details.vat_number) or None
    registration = (details.registration_number or "").strip() or None
    if vat_number is None and registration is None:
        errors["vat_number"] = _("Give an Italian partita IVA or a foreign registration number.")
    if vat_number is not None:
        message = vat.error_message(vat_number)
        if message:
            errors["vat_number"] = message
        else:
            query = sa.select(Startup.id).where(Startup.vat_number == vat_number)
            if startup is not None:
                query = query.where(Startup.id != startup.id)
            if db.session.scalar(query) is not None:
                errors["vat_number"] = _("A start-up with this partita IVA is already registered.")
    if details.stage not in STAGES:
        errors["stage"] = _("Choose a stage from the list.")
    if not 1800 <= details.founded_year <= now.year:
        errors["founded_year"] = _("Give a year between 1800 and %(year)d.", year=now.year)
    if details.team_size < 1:
        errors["team_size"] = _("A team has at least one person.")
    if len(details.pitch) > 600:
        errors["pitch"] = _("The pitch is at most 600 characters.")
    if errors:
        raise DomainError(_("Please correct the fields marked below."), field_errors=errors)
    return {"vat_number": vat_number, "registration_number": registration}


def _apply(startup: Startup, details: StartupDetails, numbers: dict) -> None:
    startup.name = details.name.strip()
    startup.vat_number = numbers["vat_number"]
    startup.registration_number = numbers["registration_number"]
    startup.country = (details.country or "IT").upper()
    startup.city = details.city.strip()
    startup.founded_year = details.founded_year
    startup.team_size = details.team_size
    startup.stage = details.stage
    startup.website = (details.website or "").strip()
    startup.pitch = details.pitch.strip()
    startup.is_public = details.is_public
    ids = set(details.sector_ids)
    startup.sectors = (
        list(db.session.scalars(sa.select(Theme).where(Theme.id.in_(ids)).order_by(Theme.position)))
        if ids else []
    )


def create_startup(*, founder, details: StartupDetails, now: datetime) -> Startup:
    """Register a start-up; ``founder`` becomes its first member (``is_founder``)."""
    if founder.startup_membership is not None or founder.partner_membership is not None:
        raise DomainError(_("You already belong to a start-up or a partner company."))
    numbers = _check_details(details, startup=None, now=now)
    startup = Startup(slug=unique_slug(details.name))
    _apply(startup, details, numbers)
    db.session.add(startup)
    membership = StartupMembership(user=founder, startup=startup, is_founder=True, joined_at=now)
    db.session.add(membership)
    db.session.flush()
    record(actor=founder, action="startup.created", obj=startup, now=now, name=startup.name)
    return startup


def update_startup(*, startup: Startup, user, details: StartupDetails, now: datetime) -> Startup:
    """Change a start-up's profile (its slug stays, so links keep working)."""
    numbers = _check_details(details, startup=startup, now=now)
    _apply(startup, details, numbers)
    db.session.flush()
    record(actor=user, action="startup.updated", obj=startup, now=now)
    return startup


# -- customers, investors and competitors ---------------------------------------------

@dataclass
class RelationInput:
    """One company the start-up names: ``kind`` is customer, investor or competitor;
    ``partner_id`` when the company is one of the Alliance's partners."""

    kind: str
    company_name: str = ""
    partner_id: int | None = None


def _name_key(name: str) -> str:
    return " ".join(name.casefold().split())


def add_relation(*, startup: Startup, user, relation: RelationInput,
                 now: datetime) -> StartupRelation:
    """Record a current customer, investor or competitor of ``startup``. Jurors who
    work for it are then treated as conflicted with the start-up's proposals."""
    errors: dict[str, str] = {}
    if relation.kind not in RELATION_KINDS:
        errors["kind"] = _("Choose customer, investor or competitor.")
    partner = None
    if relation.partner_id is not None:
        partner = db.session.get(Partner, relation.partner_id)
        if partner is None:
            errors["partner"] = _("Choose a partner company from the list.")
    name = " ".join((relation.company_name or "").split())
    if not name and partner is not None:
        name = partner.name
    if not name:
        errors["company_name"] = _("Give the company's name.")
    elif len(name) > 160:
        errors["company_name"] = _("At most %(limit)d characters.", limit=160)
    if not errors:
        for existing in startup.relations:
            if existing.kind != relation.kind:
                continue
            if _name_key(existing.company_name) == _name_key(name) or (
                partner is not None and existing.partner_id == partner.id
            ):
                errors["company_name"] = _("%(company)s is already in your list.",
                                           company=existing.company_name)
                break
    if errors:
        raise DomainError(_("Please correct the fields marked below."), field_errors=errors)
    row = StartupRelation(kind=relation.kind, company_name=name,
                          partner_id=partner.id if partner is not None else None)
    startup.relations.append(row)
    db.session.flush()
    record(actor=user, action="startup.relation_added", obj=startup, now=now,
           kind=row.kind, company=row.company_name, partner_id=row.partner_id)
    return row


def remove_relation(*, relation: StartupRelation, user, now: datetime) -> None:
    """Take a company off the start-up's list (it is no longer a customer, investor
    or competitor)."""
    startup = relation.startup
    record(actor=user, action="startup.relation_removed", obj=startup, now=now,
           kind=relation.kind, company=relation.company_name, partner_id=relation.partner_id)
    startup.relations.remove(relation)
    db.session.flush()


# -- invitations ---------------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=INVITE_SALT)


def invitation_token(invitation: StartupInvitation) -> str:
    """The signed value of the link sent by e-mail; it expires after INVITE_TOKEN_MAX_AGE."""
    return _serializer().dumps({"id": invitation.id, "email": invitation.email})


def pending_invitations(startup: Startup) -> list[StartupInvitation]:
    return list(db.session.scalars(
        sa.select(StartupInvitation)
        .where(StartupInvitation.startup_id == startup.id,
               StartupInvitation.accepted_at.is_(None))
        .order_by(StartupInvitation.created_at.desc())
    ))


def invite_cofounder(*, startup: Startup, inviter, email: str, now: datetime) -> StartupInvitation:
    """Invite ``email`` to join ``startup``; a pending invitation to the same address is
    reused (the caller sends a fresh link)."""
    email = email.strip().lower()
    member_emails = {m.user.email.lower() for m in startup.memberships}
    if email in member_emails:
        raise DomainError(_("This person is already a member of %(name)s.", name=startup.name),
                          field_errors={"email": _("Already a member.")})
    invitation = db.session.scalar(
        sa.select(StartupInvitation).where(
            StartupInvitation.startup_id == startup.id,
            sa.func.lower(StartupInvitation.email) == email,
            StartupInvitation.accepted_at.is_(None),
        )
    )
    if invitation is None:
        invitation = StartupInvitation(startup=startup, email=email, invited_by=inviter,
                                       created_at=now)
        db.session.add(invitation)
    else:
        invitation.created_at = now
        invitation.invited_by = inviter
    db.session.flush()
    record(actor=inviter, action="startup.invitation_sent", obj=startup, now=now,
           invitation_id=invitation.id)
    return invitation


def cancel_invitation(*, invitation: StartupInvitation, user, now: datetime) -> None:
    """Withdraw a pending invitation; its link stops working."""
    if invitation.accepted_at is not None:
        raise DomainError(_("This invitation has already been accepted."))
    record(actor=user, action="startup.invitation_cancelled", obj=invitation.startup, now=now,
           invitation_id=invitation.id)
    db.session.delete(invitation)
    db.session.flush()


def load_invitation(token: str, *, max_age: int) -> StartupInvitation:
    """The invitation behind a link, or a DomainError saying why the link does not work."""
    try:
        data = _serializer().loads(token, max_age=max_age)
    except SignatureExpired:
        raise DomainError(_("This invitation link has expired. Ask the start-up to invite "
                            "you again.")) from None
    except BadSignature:
        raise DomainError(_("This invitation link is not valid.")) from None
    if not isinstance(data, dict):
        raise DomainError(_("This invitation link is not valid."))
    invitation = db.session.get(StartupInvitation, data.get("id"))
    if invitation is None or invitation.email.lower() != str(data.get("email", "")).lower():
        raise DomainError(_("This invitation is no longer valid: it may have been cancelled."))
    return invitation


def invitation_problem(invitation: StartupInvitation, user) -> str | None:
    """Why ``user`` cannot accept ``invitation`` (a message), or ``None``."""
    if invitation.accepted_at is not None:
        return _("This invitation has already been accepted.")
    if user.email.lower() != invitation.email.lower():
        return _("This invitation was sent to %(email)s, but you are logged in as %(mine)s. "
                 "Log in with the invited address to accept it.",
                 email=invitation.email, mine=user.email)
    if not user.is_confirmed:
        return _("Please confirm your e-mail address first, then open the link again.")
    if user.startup_membership is not None:
        return _("You already belong to a start-up (%(name)s); a person can belong to one "
                 "start-up only.", name=user.startup_membership.startup.name)
    if user.partner_membership is not None:
        return _("You work for a partner company, so you cannot join a start-up.")
    return None


def accept_invitation(*, invitation: StartupInvitation, user, now: datetime) -> StartupMembership:
    """Make ``user`` a member of the inviting start-up."""
    problem = invitation_problem(invitation, user)
    if problem:
        raise DomainError(problem)
    membership = StartupMembership(user=user, startup=invitation.startup, is_founder=False,
                                   joined_at=now)
    db.session.add(membership)
    invitation.accepted_at = now
    invitation.accepted_by_id = user.id
    db.session.flush()
    record(actor=user, action="startup.member_joined", obj=invitation.startup, now=now,
           invitation_id=invitation.id)
    return membership
