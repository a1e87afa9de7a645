"""Conflicts of interest between jurors and start-ups.

A juror is in conflict with a proposal's start-up when:

* they declared it (``ConflictDeclaration``);
* they belong to the start-up;
* their e-mail domain is the start-up's (public mail domains excepted), i.e. the
  domain of one of its members;
* they work for a company the start-up names as a current customer, investor or
  competitor (by partner membership, or by the organisation in their profile);
* they work for a partner company the proposal is hidden from (by membership, or
  by the organisation in their profile).

The rules are computed in bulk (:func:`conflict_pairs`) for the assignment, and
for one pair (:func:`conflict_reasons`) by the policy. Only models are imported here.
"""
from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

import sqlalchemy as sa

from alliance.auth.models import User
from alliance.evaluation.models import ConflictDeclaration, JurorProfile
from alliance.extensions import db
from alliance.partners.models import Partner, PartnerMembership
from alliance.proposals.models import Proposal, proposal_hidden_from
from alliance.startups.models import StartupMembership, StartupRelation

# Domains anyone can have an address at: sharing one says nothing.
PUBLIC_MAIL_DOMAINS = frozenset("""
    gmail.com googlemail.com outlook.com outlook.it hotmail.com hotmail.it live.com live.it
    msn.com yahoo.com yahoo.it ymail.com icloud.com me.com mac.com aol.com proton.me
    protonmail.com gmx.com gmx.net gmx.de mail.com zoho.com libero.it virgilio.it tiscali.it
    alice.it tin.it fastwebnet.it email.it inwind.it iol.it pec.it legalmail.it aruba.it
    example.com example.org example.net
""".split())

DECLARED = "declared"
MEMBER = "member"
MAIL_DOMAIN = "mail_domain"
RELATION = "relation"  # customer, investor or competitor
HIDDEN_FROM = "hidden_from"


def mail_domain(email: str) -> str | None:
    """The domain of ``email``, or None for a public mail domain."""
    domain = email.rpartition("@")[2].strip().lower()
    return None if not domain or domain in PUBLIC_MAIL_DOMAINS else domain


def company_key(name: str) -> str:
    """A company name reduced for comparison: "Enel X S.p.A." -> "enel x"."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    folded = re.sub(r"[^a-z0-9]+", " ", folded)
    folded = re.sub(r"\b(s p a|spa|s r l|srl|srls|s a s|sas|ltd|inc|gmbh|ag|plc|llc)\b", " ",
                    folded)
    return " ".join(folded.split())


def conflict_pairs(
    juror_ids: Iterable[int], proposal_ids: Iterable[int]
) -> dict[tuple[int, int], set[str]]:
    """``{(user_id, proposal_id): reasons}`` for every conflicted pair, in a fixed
    number of queries whatever the sizes."""
    juror_ids, proposal_ids = sorted(set(juror_ids)), sorted(set(proposal_ids))
    if not juror_ids or not proposal_ids:
        return {}
    # (user_id, proposal_id) pairs are found through the start-up; work per start-up.
    startup_of = dict(db.session.execute(
        sa.select(Proposal.id, Proposal.startup_id).where(Proposal.id.in_(proposal_ids))
    ).all())
    proposals_of: dict[int, list[int]] = defaultdict(list)
    for proposal_id, startup_id in startup_of.items():
        proposals_of[startup_id].append(proposal_id)
    startup_ids = list(proposals_of)

    jurors = db.session.execute(
        sa.select(User.id, User.email, PartnerMembership.partner_id, Partner.name,
                  JurorProfile.organisation)
        .outerjoin(PartnerMembership, PartnerMembership.user_id == User.id)
        .outerjoin(Partner, Partner.id == PartnerMembership.partner_id)
        .outerjoin(JurorProfile, JurorProfile.user_id == User.id)
        .where(User.id.in_(juror_ids))
    ).all()

    found: dict[tuple[int, int], set[str]] = defaultdict(set)

    def mark(user_id: int, startup_id: int, reason: str) -> None:
        for proposal_id in proposals_of.get(startup_id, ()):
            found[(user_id, proposal_id)].add(reason)

    for user_id, startup_id in db.session.execute(
        sa.select(ConflictDeclaration.user_id, ConflictDeclaration.startup_id).where(
            ConflictDeclaration.user_id.in_(juror_ids),
            ConflictDeclaration.startup_id.in_(startup_ids),
        )
    ):
        mark(user_id, startup_id, DECLARED)

    members = db.session.execute(
        sa.select(StartupMembership.startup_id, User.id, User.email)
        .join(User, User.id == StartupMembership.user_id)
        .where(StartupMembership.startup_id.in_(startup_ids))
    ).all()
    startup_domains: dict[str, set[int]] = defaultdict(set)
    juror_set = set(juror_ids)
    for startup_id, user_id, email in members:
        if user_id in juror_set:
            mark(user_id, startup_id, MEMBER)
        domain = mail_domain(email)
        if domain:
            startup_domains[domain].add(startup_id)

    relations = db.session.execute(
        sa.select(StartupRelation.startup_id, StartupRelation.company_name,
                  StartupRelation.partner_id)
        .where(StartupRelation.startup_id.in_(startup_ids))
    ).all()
    related_partner: dict[int, set[int]] = defaultdict(set)
    related_name: dict[str, set[int]] = defaultdict(set)
    for startup_id, company_name, partner_id in relations:
        if partner_id is not None:
            related_partner[partner_id].add(startup_id)
        key = company_key(company_name)
        if key:
            related_name[key].add(startup_id)

    hidden: dict[int, set[int]] = defaultdict(set)  # partner_id -> proposal ids
    hidden_by_name: dict[str, set[int]] = defaultdict(set)  # company key -> proposal ids
    for proposal_id, partner_id, partner_name in db.session.execute(
        sa.select(proposal_hidden_from.c.proposal_id, proposal_hidden_from.c.partner_id,
                  Partner.name)
        .join(Partner, Partner.id == proposal_hidden_from.c.partner_id)
        .where(proposal_hidden_from.c.proposal_id.in_(proposal_ids))
    ):
        hidden[partner_id].add(proposal_id)
        hidden_by_name[company_key(partner_name)].add(proposal_id)

    for user_id, email, partner_id, partner_name, organisation in jurors:
        domain = mail_domain(email)
        for startup_id in startup_domains.get(domain, ()) if domain else ():
            mark(user_id, startup_id, MAIL_DOMAIN)
        employer_startups = set(related_partner.get(partner_id, ())) if partner_id else set()
        for name in (partner_name, organisation):
            if name and company_key(name):
                employer_startups |= related_name.get(company_key(name), set())
        for startup_id in employer_startups:
            mark(user_id, startup_id, RELATION)
        kept_from = set(hidden.get(partner_id, ())) if partner_id else set()
        if organisation and company_key(organisation):  # e.g. invited from outside
            kept_from |= hidden_by_name.get(company_key(organisation), set())
        for proposal_id in kept_from:
            found[(user_id, proposal_id)].add(HIDDEN_FROM)
    return dict(found)


def conflict_reasons(user, proposal: Proposal) -> set[str]:
    """Why ``user`` may not judge ``proposal`` (empty when they may)."""
    if user is None or getattr(user, "id", None) is None:
        return set()
    return conflict_pairs([user.id], [proposal.id]).get((user.id, proposal.id), set())


def is_conflicted(user, proposal: Proposal) -> bool:
    return bool(conflict_reasons(user, proposal))
