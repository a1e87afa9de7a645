"""Build the demo data set (``flask --app wsgi seed demo``) in the caller's transaction.

Everything is created with dates relative to ``now``, so the demo looks alive
whatever day it is loaded: calls open and close around it, proposals were
submitted before their deadlines. Objects are found by their natural keys
(e-mail, slug, challenge and start-up) and created only when missing, so a
second run adds nothing. The caller commits.
"""
from __future__ import annotations

import hashlib
import json
import os
import secrets
import textwrap
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa
from werkzeug.security import generate_password_hash

from alliance.auth.models import ADMIN, JURY, PASSWORD_METHOD, User, UserRole
from alliance.challenges import models as cm
from alliance.core.audit import record
from alliance.core.taxonomy import Theme
from alliance.core.timezones import rome_to_utc, utc_to_rome
from alliance.extensions import db
from alliance.partners.models import Partner, PartnerMembership
from alliance.proposals import models as pm
from alliance.seed.demo_challenges import (
    CALLS,
    CHALLENGES,
    ELIGIBILITY_EN,
    ELIGIBILITY_IT,
    TERMS_EN,
    TERMS_EN_V2_NOTE,
    TERMS_IT,
)
from alliance.seed.demo_goals import build_goals
from alliance.seed.demo_startups import (
    DEMO_ACCOUNTS,
    DEMO_PASSWORD,
    JURY_PEOPLE,
    OFFICE_CODES,
    PARTNER_PEOPLE,
    PROPOSALS,
    STARTUPS,
)
from alliance.startups.models import Startup, StartupMembership


@dataclass
class Created:
    """What one run of the seed added."""

    users: int = 0
    startups: int = 0
    calls: int = 0
    challenges: int = 0
    proposals: int = 0
    submissions: int = 0
    attachments: int = 0
    rounds: int = 0
    invitations: int = 0
    logins: list[tuple[str, str]] = field(default_factory=list)


# -- small pure helpers ------------------------------------------------------------

def partita_iva(first_ten: str) -> str:
    """Complete ten digits into a valid partita IVA (Luhn-style check digit)."""
    total = 0
    for index, char in enumerate(first_ten):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return first_ten + str((10 - total % 10) % 10)


def canonical_json(content: dict) -> bytes:
    """The bytes a submission's digest is computed over (as ``proposals.receipts``)."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def _iso_utc(instant: datetime) -> str:
    return instant.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _email(name: str, domain: str) -> str:
    local = ".".join(_ascii(part).lower() for part in name.replace("'", "").split())
    return f"{local}@{domain}"


def _startup_domain(data: dict) -> str:
    return f"{data['slug'].replace('-', '')}.example.com"


def _startup_emails(data: dict) -> tuple[str, str | None]:
    """The founder's and the co-founder's (or ``None``) e-mail addresses."""
    domain = _startup_domain(data)
    founder = data.get("founder_email") or _email(data["founder"], domain)
    cofounder = _email(data["cofounder"], domain) if data.get("cofounder") else None
    return founder, cofounder


def tiny_pdf(lines: list[str]) -> bytes:
    """A one-page PDF (Helvetica, A4) showing ``lines``: small, valid, script-free."""
    def escape(text: str) -> str:
        text = text.replace("₂", "2")
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    ops = ["BT", "/F1 11 Tf", "15 TL", "56 790 Td"]
    ops += [f"({escape(line)}) '" for line in lines]
    ops.append("ET")
    stream = "\n".join(ops).encode("cp1252", errors="replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


# -- the builder -------------------------------------------------------------------

class DemoBuilder:
    def __init__(self, *, now: datetime, upload_folder: str | None):
        self.now = now.replace(microsecond=0)
        self.today = utc_to_rome(self.now).date()
        self.upload_folder = upload_folder
        self.created = Created()
        self.password_hash = generate_password_hash(DEMO_PASSWORD, method=PASSWORD_METHOD)
        self.partners = {p.slug: p for p in db.session.scalars(sa.select(Partner))}
        self.themes = {t.slug: t for t in db.session.scalars(sa.select(Theme))}
        self.users: dict[str, User] = {u.email: u for u in db.session.scalars(
            sa.select(User).where(User.email.in_(_seed_emails())))}
        self.startups: dict[str, Startup] = {}
        self.founders: dict[str, tuple[User, User | None]] = {}
        self.calls: dict[str, cm.Call] = {}
        self.challenges: dict[str, cm.Challenge] = {}
        self.partner_contacts: dict[str, User] = {}

    def day(self, offset: int, hour: int = 12) -> datetime:
        """``hour`` o'clock in Milan, ``offset`` days from today, as a UTC instant."""
        return rome_to_utc(datetime.combine(self.today + timedelta(days=offset), time(hour)))

    def run(self) -> Created:
        self.build_people()
        self.build_startups()
        self.build_calls()
        self.build_challenges()
        build_goals(challenges=self.challenges)
        self.build_proposals()
        self.build_evaluation()
        self.build_matching()
        return self.created

    # people ----------------------------------------------------------------------

    def user(self, email: str, name: str, *, joined: datetime) -> tuple[User, bool]:
        email = email.lower()
        if email in self.users:
            return self.users[email], False
        user = User(email=email, name=name, password_hash=self.password_hash,
                        confirmed_at=joined + timedelta(minutes=12), active=True,
                    created_at=joined, updated_at=joined)
        db.session.add(user)
        self.created.users += 1
        self.users[email] = user
        return user, True

    def build_people(self) -> None:
        joined = self.day(-400, 10)
        for email, name, role, partner_slug in DEMO_ACCOUNTS:
            if role == "startup":
                continue  # created with its start-up
            user, created = self.user(email, name, joined=joined)
            if created and role in (ADMIN, JURY):
                user.granted_roles.append(UserRole(role=role, granted_at=joined))
            if created and partner_slug:
                user.partner_membership = PartnerMembership(
                    partner=self.partners[partner_slug], added_at=joined)
            if partner_slug:
                self.partner_contacts.setdefault(partner_slug, user)
            self.created.logins.append((email, role))
        for slug, name in PARTNER_PEOPLE.items():
            user, created = self.user(_email(name, f"{slug}.example.com"), name, joined=joined)
            if created:
                user.partner_membership = PartnerMembership(partner=self.partners[slug],
                                                            added_at=joined)
            self.partner_contacts.setdefault(slug, user)
        for email, name in JURY_PEOPLE:
            user, created = self.user(email, name, joined=joined)
            if created:
                user.granted_roles.append(UserRole(role=JURY, granted_at=joined))
        self.admin = self.users[DEMO_ACCOUNTS[0][0]]
        db.session.flush()

    # start-ups -------------------------------------------------------------------

    def build_startups(self) -> None:
        existing = {s.slug: s for s in db.session.scalars(
            sa.select(Startup).where(Startup.slug.in_([d["slug"] for d in STARTUPS])))}
        for index, data in enumerate(STARTUPS):
            slug = data["slug"]
            domain = _startup_domain(data)
            registered = self.day(-160 - 11 * index, 10)
            founder_email, cofounder_email = _startup_emails(data)
            founder, _ = self.user(founder_email, data["founder"], joined=registered)
            cofounder = None
            if cofounder_email:
                cofounder, _ = self.user(cofounder_email, data["cofounder"],
                                         joined=registered + timedelta(days=3))
            self.founders[slug] = (founder, cofounder)
            if data.get("founder_email"):
                self.created.logins.append((data["founder_email"], "startup"))
            if slug in existing:
                self.startups[slug] = existing[slug]
                continue
            startup = Startup(
                slug=slug, name=data["name"], city=data["city"],
                country=data.get("country", "IT"),
                vat_number=(partita_iva(data["matricola"] + OFFICE_CODES[data["city"]])
                            if "matricola" in data else None),
                registration_number=data.get("registration"),
                founded_year=data["founded"], team_size=data["team"], stage=data["stage"],
                website=f"https://www.{domain}", pitch=data["pitch"], is_public=True,
                sectors=[self.themes[s] for s in data["sectors"]],
                created_at=registered, updated_at=registered,
            )
            db.session.add(startup)
            if founder.startup_membership is None and founder.partner_membership is None:
                founder.startup_membership = StartupMembership(
                    startup=startup, is_founder=True, joined_at=registered)
            if (cofounder is not None and cofounder.startup_membership is None
                    and cofounder.partner_membership is None):
                cofounder.startup_membership = StartupMembership(
                    startup=startup, is_founder=False, joined_at=registered + timedelta(days=3))
            db.session.flush()
            record(actor=founder, action="startup.created", obj=startup, now=registered,
                   name=startup.name)
            self.startups[slug] = startup
            self.created.startups += 1

    # calls and challenges --------------------------------------------------------

    def build_calls(self) -> None:
        for data in CALLS:
            call = db.session.scalar(sa.select(cm.Call).where(cm.Call.slug == data["slug"]))
            if call is None:
                opens = self.day(data["opens"], 9)
                call = cm.Call(
                    slug=data["slug"], title=data["title"], description=data["description"],
                    opens_at=opens, closes_at=self.day(data["closes"]),
                    results_at=self.day(data["results"]),
                    created_at=opens - timedelta(days=20), updated_at=opens - timedelta(days=20),
                )
                db.session.add(call)
                db.session.flush()
                record(actor=self.admin, action="call.created", obj=call,
                       now=call.created_at, slug=call.slug)
                self.created.calls += 1
            self.calls[data["slug"]] = call

    def build_challenges(self) -> None:
        existing = {c.slug: c for c in db.session.scalars(
            sa.select(cm.Challenge).where(cm.Challenge.slug.in_([d["slug"] for d in CHALLENGES])))}
        for data in CHALLENGES:
            challenge = existing.get(data["slug"])
            if challenge is None:
                challenge = self.new_challenge(data)
            self.challenges[data["slug"]] = challenge

    def new_challenge(self, data: dict) -> cm.Challenge:
        opens = self.day(data["opens"], 9)
        deadline = self.day(data["deadline"])
        status = data["status"]
        author = self.partner_contacts[data["lead"]]
        drafted = min(opens, self.now) - timedelta(days=18)
        sent = drafted + timedelta(days=4)
        published = sent + timedelta(days=3) if status in cm.PUBLIC_STATUSES else None
        italian = data["lang"] == "it"
        eligibility = (ELIGIBILITY_IT if italian else ELIGIBILITY_EN).format(
            extra=data["eligibility_extra"])
        challenge = cm.Challenge(
            call=self.calls[data["call"]], lead_partner=self.partners[data["lead"]],
            cosponsors=[self.partners[s] for s in data["cosponsors"]],
            theme=self.themes[data["theme"]], slug=data["slug"], title=data["title"],
            summary=data["summary"], description=data["description"],
            expected_outcomes=data["expected_outcomes"], rewards=data["rewards"],
            eligibility=eligibility, opens_at=opens, deadline=deadline,
            pilot_slots=data["pilot_slots"], status=status, created_by=author, locale=data["lang"],
            published_at=published, created_at=drafted,
            updated_at=(published or sent) if status != cm.DRAFT else drafted,
        )
        weights = [weight for _, weight, _ in data["criteria"]]
        assert sum(weights) == 100, data["slug"]
        challenge.criteria = [
            cm.Criterion(position=i, name=name, description=text, weight=Decimal(weight),
                         scale=data["scale"])
            for i, (name, weight, text) in enumerate(data["criteria"])
        ]
        template = TERMS_IT if italian else TERMS_EN
        partner_name = challenge.lead_partner.name
        challenge.terms = [cm.ChallengeTerms(
            version=1, text=template.format(version=1, partner=partner_name),
            created_at=drafted, created_by_id=author.id)]
        if data.get("terms_versions", 1) == 2:
            challenge.terms.append(cm.ChallengeTerms(
                version=2,
                text=template.format(version=2, partner=partner_name) + TERMS_EN_V2_NOTE,
                created_at=self.now - timedelta(days=5), created_by_id=author.id))
        db.session.add(challenge)
        db.session.flush()
        self.challenge_history(challenge, author=author, drafted=drafted, sent=sent,
                               published=published)
        self.created.challenges += 1
        return challenge

    def challenge_history(self, challenge: cm.Challenge, *, author: User, drafted: datetime,
                          sent: datetime, published: datetime | None) -> None:
        """The audit trail the lifecycle would have written."""
        record(actor=author, action="challenge.created", obj=challenge, now=drafted,
               slug=challenge.slug)
        steps = [(cm.SUBMITTED, author, sent, "challenge.submitted")]
        if published is not None:
            steps.append((cm.PUBLISHED, self.admin, published, "challenge.approved"))
        if challenge.status in (cm.CLOSED, cm.IN_EVALUATION, cm.DECIDED):
            steps.append((cm.CLOSED, None, challenge.deadline, "challenge.closed"))
        if challenge.status in (cm.IN_EVALUATION, cm.DECIDED):
            steps.append((cm.IN_EVALUATION, self.admin, challenge.deadline + timedelta(days=7),
                          "challenge.evaluation_started"))
        if challenge.status == cm.DECIDED:
            steps.append((cm.DECIDED, self.admin, challenge.call.results_at,
                          "challenge.decided"))
        previous = cm.DRAFT
        for status, actor, when, action in steps:
            if challenge.status == cm.DRAFT:
                break
            record(actor=actor, action=action, obj=challenge, now=when,
                   **{"from": previous, "to": status})
            previous = status

    # evaluation ------------------------------------------------------------------

    def build_evaluation(self) -> None:
        from alliance.seed.demo_evaluation import PROFILES, build_evaluation

        self.created.rounds = build_evaluation(
            admin=self.admin, jurors={email: self.users[email] for email in PROFILES},
            challenges=list(self.challenges.values()))

    # matching --------------------------------------------------------------------

    def build_matching(self) -> None:
        from alliance.seed.demo_matching import build_matching

        self.created.invitations = build_matching(
            challenges=self.challenges, partner_contacts=self.partner_contacts,
            founders=self.founders, day=self.day)

    # proposals -------------------------------------------------------------------

    def build_proposals(self) -> None:
        wanted = [(self.challenges[d["challenge"]].id, self.startups[d["startup"]].id)
                  for d in PROPOSALS]
        existing = {tuple(row) for row in db.session.execute(
            sa.select(pm.Proposal.challenge_id, pm.Proposal.startup_id).where(
                pm.Proposal.challenge_id.in_({c for c, _ in wanted})))}
        new = [self.new_proposal(data, index)
               for index, (data, key) in enumerate(zip(PROPOSALS, wanted, strict=True))
               if key not in existing]
        db.session.flush()  # one flush gives every new proposal its id
        for proposal, data, author, first in new:
            self.proposal_history(proposal, data, author=author, first=first)

    def new_proposal(self, data: dict, index: int) -> tuple:
        challenge = self.challenges[data["challenge"]]
        startup = self.startups[data["startup"]]
        founder, cofounder = self.founders[data["startup"]]
        author = cofounder if data.get("by") == "cofounder" and cofounder else founder
        italian = challenge.slug in {c["slug"] for c in CHALLENGES if c["lang"] == "it"}
        anchor = min(self.now, challenge.deadline)
        first = anchor - timedelta(days=data["days"], hours=1 + (index * 7) % 9,
                                   minutes=(index * 13) % 60)
        first = max(first, challenge.opens_at + timedelta(hours=2))
        started = max(first - timedelta(days=3), challenge.opens_at + timedelta(hours=1))
        proposal = pm.Proposal(
            challenge=challenge, startup=startup, title=data["title"],
            abstract=data["abstract"],
            description=self.proposal_description(data, challenge, startup, italian),
            trl=data.get("trl"), pilot_duration_months=data.get("months"),
            pilot_cost_eur=Decimal(data["cost"]) if data.get("cost") else None,
            team=self.team_text(data["startup"], startup, italian),
            status=pm.DRAFT, created_by=author,
            created_at=started, updated_at=first,
        )
        db.session.add(proposal)
        self.created.proposals += 1
        if data.get("attachment"):
            self.attach(proposal, author=author, when=started + timedelta(minutes=40))
        return proposal, data, author, first

    def proposal_history(self, proposal: pm.Proposal, data: dict, *, author: User,
                         first: datetime) -> None:
        """Submit (and withdraw) as the start-up did, with receipts and audit events."""
        challenge = proposal.challenge
        if data["status"] == pm.DRAFT:
            return
        revisions = data.get("revisions", 1)
        times = [first]
        if revisions == 2:
            times.append(first + timedelta(days=max(1, data["days"] // 2)))
        for number, when in enumerate(times, start=1):
            assert challenge.opens_at < when < challenge.deadline and when <= self.now
            self.submit(proposal, author=author, when=when, number=number,
                        final=number == len(times))
        if data["status"] == pm.WITHDRAWN:
            withdrawn = self.now - timedelta(days=data["withdrawn"])
            proposal.status = pm.WITHDRAWN
            proposal.withdrawn_at = proposal.updated_at = withdrawn
            record(actor=author, action="proposal.withdrawn", obj=proposal, now=withdrawn)

    def submit(self, proposal: pm.Proposal, *, author: User, when: datetime, number: int,
               final: bool) -> None:
        terms = [t for t in proposal.challenge.terms if t.created_at <= when][-1]
        cost = proposal.pilot_cost_eur
        if not final:  # the first version asked for a little more money
            cost = cost + Decimal(5000)
        attachment = proposal.attachment
        content = {
            "challenge": proposal.challenge.slug,
            "startup": proposal.startup.name,
            "title": proposal.title,
            "abstract": proposal.abstract,
            "description": proposal.description,
            "trl": proposal.trl,
            "pilot_duration_months": proposal.pilot_duration_months,
            "pilot_cost_eur": f"{cost:.2f}",
            "team": proposal.team,
            "attachment": (
                {"name": attachment.original_name, "sha256": attachment.sha256,
                 "size": attachment.size} if attachment is not None else None
            ),
            "terms_version": terms.version,
            "submitted_at": _iso_utc(when),
        }
        digest = hashlib.sha256(canonical_json(content)).hexdigest()
        db.session.add(pm.Submission(
            proposal=proposal, number=number, submitted_at=when, submitted_by_id=author.id,
            content=content, digest=digest, terms_id=terms.id,
        ))
        proposal.status = pm.SUBMITTED
        proposal.submitted_at = proposal.updated_at = when
        proposal.terms = terms
        proposal.terms_accepted_at = when
        proposal.terms_accepted_by_id = author.id
        record(actor=author, action="proposal.resubmitted" if number > 1 else "proposal.submitted",
               obj=proposal, now=when, number=number, digest=digest,
               terms_version=terms.version)
        self.created.submissions += 1

    def attach(self, proposal: pm.Proposal, *, author: User, when: datetime) -> None:
        """A one-page executive summary, stored as an upload would be."""
        if not self.upload_folder:
            return
        lines = [proposal.startup.name, "", "Executive summary", proposal.title, ""]
        lines += textwrap.wrap(proposal.abstract, 90)
        lines += ["", f"TRL {proposal.trl} - pilot of {proposal.pilot_duration_months} months, "
                      f"EUR {proposal.pilot_cost_eur:,.0f}"]
        data = tiny_pdf(lines)
        os.makedirs(self.upload_folder, exist_ok=True)
        storage_name = secrets.token_hex(16)
        with open(os.path.join(self.upload_folder, storage_name), "xb") as handle:
            handle.write(data)
        proposal.attachment = pm.Attachment(
            storage_name=storage_name, original_name=f"{proposal.startup.slug}-summary.pdf",
            size=len(data), sha256=hashlib.sha256(data).hexdigest(), uploaded_at=when,
            uploaded_by_id=author.id)
        self.created.attachments += 1

    def team_text(self, slug: str, startup: Startup, italian: bool) -> str:
        founder, cofounder = self.founders[slug]
        people = [f"{founder.name} (CEO)"] + ([f"{cofounder.name} (CTO)"] if cofounder else [])
        if italian:
            return (f"{' e '.join(people)}, con un team di {startup.team_size} persone a "
                    f"{startup.city}.")
        return f"{' and '.join(people)}, with a team of {startup.team_size} in {startup.city}."

    @staticmethod
    def proposal_description(data: dict, challenge: cm.Challenge, startup: Startup,
                             italian: bool) -> str:
        months = data.get("months")
        partner = challenge.lead_partner.name
        if italian:
            plan = (
                f"- **Mese 1:** avvio con {partner} e integrazione con i sistemi esistenti\n"
                f"- **Mesi 2–{months - 1}:** esercizio sul campo, con un rapporto mensile\n"
                f"- **Mese {months}:** valutazione rispetto ai risultati attesi"
            ) if months else "*Da completare.*"
            return (f"## La soluzione\n\n{data['approach']}\n\n## Piano del pilota\n\n{plan}\n\n"
                    f"## Chi siamo\n\n{startup.pitch}\n")
        plan = (
            f"- **Month 1:** kick-off with {partner} and integration with existing systems\n"
            f"- **Months 2–{months - 1}:** field operation, with a monthly report\n"
            f"- **Month {months}:** evaluation against the expected outcomes"
        ) if months else "*To be completed.*"
        return (f"## Our solution\n\n{data['approach']}\n\n## Pilot plan\n\n{plan}\n\n"
                f"## Who we are\n\n{startup.pitch}\n")


def _seed_emails() -> set[str]:
    """Every e-mail address the seed may create, to find existing users in one query."""
    emails = {email for email, *_ in DEMO_ACCOUNTS} | {email for email, _ in JURY_PEOPLE}
    emails |= {_email(name, f"{slug}.example.com") for slug, name in PARTNER_PEOPLE.items()}
    for data in STARTUPS:
        emails.update(email for email in _startup_emails(data) if email)
    return emails


def load_demo(*, now: datetime, upload_folder: str | None = None) -> Created:
    """Add the demo data set to the session (flushes, never commits)."""
    return DemoBuilder(now=now, upload_folder=upload_folder).run()
