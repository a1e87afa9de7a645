"""Calls, themes and challenges: creating and editing them (the lifecycle is in lifecycle.py).

Plain functions with keyword-only arguments; they flush, never commit, and raise
:class:`DomainError` (with ``field_errors`` where a field is concerned).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_sqlalchemy.pagination import Pagination

from alliance.auth.models import ADMIN, User, UserRole
from alliance.challenges.models import (
    ARCHIVED,
    CLOSED,
    DECIDED,
    DRAFT,
    IN_EVALUATION,
    PUBLIC_STATUSES,
    PUBLISHED,
    SUBMITTED,
    Call,
    Challenge,
    ChallengeTerms,
    ChallengeTranslation,
    CityGoal,
    Criterion,
    challenge_cosponsor,
)
from alliance.core.audit import record
from alliance.core.errors import DomainError
from alliance.core.taxonomy import Theme
from alliance.extensions import db
from alliance.partners.models import Partner, PartnerMembership
from alliance.startups.models import startup_sector

# Paths under /challenges/ that a slug must not take.
RESERVED_SLUGS = {"new"}
SLUG_RE = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# A challenge runs for at most this long: longer is almost certainly a typo.
MAX_CHALLENGE_DURATION = timedelta(days=730)
EDITABLE_STATUSES = (DRAFT, SUBMITTED)


def slugify(text: str, max_length: int = 80) -> str:
    """``"Città più verde!"`` -> ``"citta-piu-verde"``."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:max_length].rstrip("-")


def _unique_slug(model, base: str, max_length: int, exclude_id: int | None = None) -> str:
    """``base``, or ``base-2``, ``base-3``... whichever is free."""
    candidate, n = base, 1
    while _slug_taken(model, candidate, exclude_id) or candidate in RESERVED_SLUGS:
        n += 1
        suffix = f"-{n}"
        candidate = base[: max_length - len(suffix)].rstrip("-") + suffix
    return candidate


def _slug_taken(model, slug: str, exclude_id: int | None) -> bool:
    query = sa.select(model.id).where(model.slug == slug)
    if exclude_id is not None:
        query = query.where(model.id != exclude_id)
    return db.session.scalar(query.limit(1)) is not None


def _choose_slug(model, *, wanted: str | None, title: str, max_length: int,
                 exclude_id: int | None = None) -> str:
    """The slug the user typed (refused when taken or malformed) or one made from the title."""
    wanted = (wanted or "").strip().lower()
    if wanted:
        if not SLUG_RE.match(wanted) or len(wanted) > max_length:
            raise DomainError(_("Please check the address."), field_errors={
                "slug": _("Use lower-case letters, digits and hyphens only (at most %(n)d).",
                          n=max_length)})
        if wanted in RESERVED_SLUGS or _slug_taken(model, wanted, exclude_id):
            raise DomainError(_("Please check the address."), field_errors={
                "slug": _("The address “%(slug)s” is already taken; choose another.",
                          slug=wanted)})
        return wanted
    base = slugify(title, max_length) or "item"
    return _unique_slug(model, base, max_length, exclude_id)


# -- calls --------------------------------------------------------------------

@dataclass
class CallData:
    title: str
    slug: str | None
    description: str
    opens_at: datetime
    closes_at: datetime
    results_at: datetime | None = None


def _check_call_timeline(data: CallData) -> None:
    if data.closes_at <= data.opens_at:
        raise DomainError(_("Please check the dates."), field_errors={
            "closes_at": _("The call must close after it opens.")})
    if data.results_at is not None and data.results_at < data.closes_at:
        raise DomainError(_("Please check the dates."), field_errors={
            "results_at": _("Results come after the call closes.")})


def create_call(*, data: CallData, user, now: datetime) -> Call:
    """Create a call (admins)."""
    _check_call_timeline(data)
    call = Call(
        title=data.title.strip(),
        slug=_choose_slug(Call, wanted=data.slug, title=data.title, max_length=80),
        description=data.description.strip(),
        opens_at=data.opens_at, closes_at=data.closes_at, results_at=data.results_at,
    )
    db.session.add(call)
    db.session.flush()
    record(actor=user, action="call.created", obj=call, now=now, slug=call.slug)
    return call


def update_call(*, call: Call, data: CallData, user, now: datetime) -> Call:
    """Change a call's title, address, description or timeline."""
    _check_call_timeline(data)
    call.slug = _choose_slug(Call, wanted=data.slug or call.slug, title=data.title,
                             max_length=80, exclude_id=call.id)
    call.title = data.title.strip()
    call.description = data.description.strip()
    call.opens_at, call.closes_at, call.results_at = data.opens_at, data.closes_at, data.results_at
    db.session.flush()
    record(actor=user, action="call.updated", obj=call, now=now)
    return call


# -- themes -------------------------------------------------------------------

def ordered_themes() -> list[Theme]:
    return list(db.session.scalars(sa.select(Theme).order_by(Theme.position, Theme.id)))


def _check_theme_names(name_it: str, name_en: str, *, theme: Theme | None = None) -> None:
    """Two themes with the same name would be two identical choices in every filter."""
    others = sa.select(Theme).where(Theme.id != theme.id) if theme else sa.select(Theme)
    errors = {}
    for field, name, column in (("name_it", name_it, Theme.name_it),
                                ("name_en", name_en, Theme.name_en)):
        if db.session.scalar(others.where(sa.func.lower(column) == name.strip().lower())
                             .limit(1)) is not None:
            errors[field] = _("Another theme already has this name.")
    if errors:
        raise DomainError(_("Choose names that no other theme has."), field_errors=errors)


def create_theme(*, name_it: str, name_en: str, user, now: datetime) -> Theme:
    """Add a theme at the end of the list."""
    _check_theme_names(name_it, name_en)
    last = db.session.scalar(sa.select(sa.func.max(Theme.position))) or 0
    slug = _unique_slug(Theme, slugify(name_en or name_it, 60) or "theme", 60)
    theme = Theme(slug=slug, name_it=name_it.strip(), name_en=name_en.strip(), position=last + 1)
    db.session.add(theme)
    db.session.flush()
    record(actor=user, action="theme.created", obj=theme, now=now, slug=slug)
    return theme


def rename_theme(*, theme: Theme, name_it: str, name_en: str, user, now: datetime) -> Theme:
    """Change a theme's Italian and English names (its slug stays, links keep working)."""
    _check_theme_names(name_it, name_en, theme=theme)
    old = {"name_it": theme.name_it, "name_en": theme.name_en}
    theme.name_it, theme.name_en = name_it.strip(), name_en.strip()
    db.session.flush()
    record(actor=user, action="theme.renamed", obj=theme, now=now, old=old)
    return theme


def move_theme(*, theme: Theme, direction: int, user, now: datetime) -> None:
    """Move a theme one place up (``-1``) or down (``+1``) in the list."""
    themes = ordered_themes()
    index = next(i for i, t in enumerate(themes) if t.id == theme.id)
    other = index + (1 if direction > 0 else -1)
    if not 0 <= other < len(themes):
        return
    themes[index], themes[other] = themes[other], themes[index]
    for position, item in enumerate(themes):
        item.position = position
    db.session.flush()
    record(actor=user, action="theme.moved", obj=theme, now=now, position=theme.position)


def theme_usage() -> dict[int, int]:
    """How many challenges and start-ups use each theme (one query per table)."""
    usage: dict[int, int] = {}
    for column in (Challenge.theme_id, startup_sector.c.theme_id):
        query = sa.select(column, sa.func.count()).group_by(column)
        for theme_id, count in db.session.execute(query):
            usage[theme_id] = usage.get(theme_id, 0) + count
    return usage


def delete_theme(*, theme: Theme, user, now: datetime) -> None:
    """Delete a theme no challenge or start-up uses."""
    if theme_usage().get(theme.id):
        raise DomainError(_("The theme “%(name)s” is in use by challenges or start-ups and "
                            "cannot be deleted; rename it instead.",
                            name=theme.name(str(get_locale()))))
    record(actor=user, action="theme.deleted", obj=theme, now=now, slug=theme.slug)
    db.session.delete(theme)
    db.session.flush()


# -- challenges ---------------------------------------------------------------

BRIEF_LOCALES = ("it", "en")
# The parts of a brief, in the challenge and in its translation.
BRIEF_FIELDS = ("title", "summary", "description", "expected_outcomes", "rewards", "eligibility")
TRANSLATION_REQUIRED = ("title", "summary", "description")


@dataclass
class TranslationData:
    """The brief in the other language; all blank means "no translation"."""

    title: str = ""
    summary: str = ""
    description: str = ""
    expected_outcomes: str = ""
    rewards: str = ""
    eligibility: str = ""

    @property
    def is_empty(self) -> bool:
        return not any((getattr(self, name) or "").strip() for name in BRIEF_FIELDS)


@dataclass
class ChallengeData:
    call_id: int
    lead_partner_id: int
    cosponsor_ids: list[int]
    title: str
    slug: str | None
    summary: str
    description: str
    theme_id: int
    expected_outcomes: str
    rewards: str
    eligibility: str
    opens_at: datetime
    deadline: datetime
    pilot_slots: int
    # None leaves each of these as it is (a new challenge: no goals, Italian, no translation).
    city_goal_ids: list[int] | None = None
    locale: str | None = None  # the language the brief is written in
    translation: TranslationData | None = None  # blank: remove the translation


def _check_challenge_data(data: ChallengeData, now: datetime) -> None:
    errors = {}
    if data.deadline <= data.opens_at:
        errors["deadline"] = _("The deadline must come after the opening.")
    elif data.deadline - data.opens_at > MAX_CHALLENGE_DURATION:
        errors["deadline"] = _("A challenge stays open at most two years; check the year.")
    elif data.deadline <= now:
        errors["deadline"] = _("The deadline is already past.")
    if db.session.get(Call, data.call_id) is None:
        errors["call"] = _("Choose a call.")
    if db.session.get(Theme, data.theme_id) is None:
        errors["theme"] = _("Choose a theme.")
    if db.session.get(Partner, data.lead_partner_id) is None:
        errors["lead_partner"] = _("Choose the lead partner.")
    if data.locale is not None and data.locale not in BRIEF_LOCALES:
        errors["locale"] = _("Choose Italian or English.")
    if data.translation is not None and not data.translation.is_empty:
        for name in TRANSLATION_REQUIRED:
            if not (getattr(data.translation, name) or "").strip():
                errors[f"translation_{name}"] = _("Also fill this in, or empty the brief in "
                                                  "the other language.")
    if errors:
        raise DomainError(_("Please correct the fields marked below."), field_errors=errors)


def _apply(challenge: Challenge, data: ChallengeData) -> None:
    challenge.call_id = data.call_id
    challenge.lead_partner_id = data.lead_partner_id
    challenge.theme_id = data.theme_id
    challenge.title = data.title.strip()
    challenge.summary = data.summary.strip()
    challenge.description = data.description
    challenge.expected_outcomes = data.expected_outcomes
    challenge.rewards = data.rewards
    challenge.eligibility = data.eligibility
    challenge.opens_at = data.opens_at
    challenge.deadline = data.deadline
    challenge.pilot_slots = data.pilot_slots
    ids = [i for i in dict.fromkeys(data.cosponsor_ids) if i != data.lead_partner_id]
    challenge.cosponsors = list(
        db.session.scalars(sa.select(Partner).where(Partner.id.in_(ids)))
    ) if ids else []
    if data.locale is not None:
        challenge.locale = data.locale
    if data.city_goal_ids is not None:
        _assign_goals(challenge, data.city_goal_ids)
    if data.translation is not None:
        _save_translation(challenge, data.translation)


def _assign_goals(challenge: Challenge, goal_ids: list[int]) -> None:
    """Make ``goal_ids`` the challenge's city goals: active goals, or inactive ones it
    already names (kept when the form is saved). Any other id is refused."""
    wanted = list(dict.fromkeys(goal_ids))
    named = {g.id for g in challenge.city_goals}
    goals = {g.id: g for g in db.session.scalars(
        sa.select(CityGoal).where(CityGoal.id.in_(wanted)))} if wanted else {}
    if any(i not in goals or not (goals[i].active or i in named) for i in wanted):
        raise DomainError(_("Please correct the fields marked below."),
                          field_errors={"city_goals": _("Choose among the goals listed.")})
    challenge.city_goals = sorted((goals[i] for i in wanted), key=lambda g: (g.position, g.id))


def _save_translation(challenge: Challenge, data: TranslationData) -> None:
    """Keep the brief in the language other than the challenge's own, or remove it
    when ``data`` is blank. A challenge has at most one translation."""
    if data.is_empty:
        challenge.translations = []  # delete-orphan removes it
        return
    other = "en" if challenge.locale == "it" else "it"
    translation = challenge.translations[0] if challenge.translations else None
    if translation is None:
        translation = ChallengeTranslation(locale=other)
        challenge.translations.append(translation)
    translation.locale = other
    for name in BRIEF_FIELDS:
        value = (getattr(data, name) or "").strip() if name in ("title", "summary") \
            else getattr(data, name) or ""
        setattr(translation, name, value)
    challenge.translations = [translation]


def save_translation(*, challenge: Challenge, data: TranslationData, user,
                     now: datetime) -> Challenge:
    """Add, change or (``data`` blank) remove the brief in the other language, in any
    state but archived: the brief in the challenge's own language stays the one that
    counts, so a translation may follow the publication."""
    if challenge.status == ARCHIVED:
        raise DomainError(_("An archived challenge can no longer change."))
    had = bool(challenge.translations)
    if data.is_empty and not had:
        return challenge  # nothing to add, nothing to remove
    if not data.is_empty:
        missing = [name for name in ("title", "summary", "description")
                   if not (getattr(data, name) or "").strip()]
        if missing:
            raise DomainError(_("Fill in the title, the summary and the description, or "
                                "leave everything empty."))
    _save_translation(challenge, data)
    challenge.updated_at = now  # the search document carries the translation
    db.session.flush()
    record(actor=user, action="challenge.translated", obj=challenge, now=now,
           locale=challenge.translations[0].locale if challenge.translations else None,
           removed=had and not challenge.translations)
    return challenge


def create_challenge(*, data: ChallengeData, user, now: datetime) -> Challenge:
    """Create a draft challenge (the view checks who may)."""
    _check_challenge_data(data, now)
    challenge = Challenge(
        slug=_choose_slug(Challenge, wanted=data.slug, title=data.title, max_length=120),
        status=DRAFT, created_by_id=getattr(user, "id", None), locale="it",
    )
    _apply(challenge, data)
    db.session.add(challenge)
    db.session.flush()
    record(actor=user, action="challenge.created", obj=challenge, now=now, slug=challenge.slug,
           **_brief_facts(challenge))
    return challenge


def update_challenge(*, challenge: Challenge, data: ChallengeData, user,
                     now: datetime) -> Challenge:
    """Change a challenge that has not been published yet."""
    if challenge.status not in EDITABLE_STATUSES:
        raise DomainError(_("A published challenge can no longer be edited."))
    _check_challenge_data(data, now)
    challenge.slug = _choose_slug(Challenge, wanted=data.slug or challenge.slug,
                                  title=data.title, max_length=120, exclude_id=challenge.id)
    _apply(challenge, data)
    db.session.flush()
    record(actor=user, action="challenge.updated", obj=challenge, now=now,
           **_brief_facts(challenge))
    return challenge


def _brief_facts(challenge: Challenge) -> dict:
    """What the audit log keeps of a challenge's languages and goals."""
    return {"locale": challenge.locale,
            "translation": [t.locale for t in challenge.translations],
            "city_goals": [g.slug for g in challenge.city_goals]}


@dataclass
class CriterionData:
    name: str
    description: str
    weight: Decimal
    scale: int
    id: int | None = None
    comment_required: bool = False


def save_criteria(*, challenge: Challenge, criteria: list[CriterionData], user,
                  now: datetime) -> list[Criterion]:
    """Replace the challenge's criteria with ``criteria`` (in order): rows with an id
    are updated, the others added, the missing ones deleted. Frozen at publication."""
    if challenge.status not in EDITABLE_STATUSES:
        raise DomainError(_("The evaluation criteria are frozen once the challenge is "
                            "published."))
    existing = {c.id: c for c in challenge.criteria}
    kept: list[Criterion] = []
    for position, item in enumerate(criteria):
        criterion = existing.pop(item.id, None) if item.id else None
        if criterion is None:
            criterion = Criterion()
        criterion.name = item.name.strip()
        criterion.description = item.description.strip()
        criterion.weight = item.weight
        criterion.scale = item.scale
        criterion.comment_required = item.comment_required
        criterion.position = position
        kept.append(criterion)
    challenge.criteria = kept  # delete-orphan removes the rest
    db.session.flush()
    record(actor=user, action="challenge.criteria_saved", obj=challenge, now=now,
           criteria=[{"name": c.name, "weight": str(c.weight), "scale": c.scale,
                      "comment_required": c.comment_required} for c in kept])
    return kept


def criteria_shares(weights: list[Decimal | None]) -> list[Decimal | None]:
    """Each weight as a percentage of the total, rounded to one decimal."""
    valid = [w for w in weights if w is not None and w > 0]
    total = sum(valid, Decimal(0))
    return [
        (w * 100 / total).quantize(Decimal("0.1")) if total and w is not None and w > 0 else None
        for w in weights
    ]


def add_terms(*, challenge: Challenge, text: str, user, now: datetime) -> ChallengeTerms:
    """Add a new version of the challenge's terms; the previous ones stay as history."""
    if not text.strip():
        raise DomainError(_("Write the terms."), field_errors={"text": _("Write the terms.")})
    if challenge.status not in (DRAFT, SUBMITTED, PUBLISHED) or challenge.deadline_passed(now):
        raise DomainError(_("The terms can no longer change: the deadline has passed."))
    last = db.session.scalar(
        sa.select(sa.func.max(ChallengeTerms.version))
        .where(ChallengeTerms.challenge_id == challenge.id)
    ) or 0
    terms = ChallengeTerms(challenge=challenge, version=last + 1, text=text.strip(),
                           created_at=now, created_by_id=getattr(user, "id", None))
    db.session.add(terms)
    db.session.flush()
    record(actor=user, action="challenge.terms_added", obj=challenge, now=now,
           version=terms.version)
    return terms


# -- queries -------------------------------------------------------------------

OPEN, UPCOMING, CLOSED_FILTER, CURRENT = "open", "upcoming", "closed", "current"
STATES = (OPEN, UPCOMING, CURRENT, CLOSED_FILTER)


def state_clause(state: str, now: datetime):
    """SQL for "open", "upcoming", "current" (open or upcoming) or "closed" (among public
    challenges)."""
    if state == OPEN:
        return sa.and_(Challenge.status == PUBLISHED, Challenge.opens_at <= now,
                       Challenge.deadline > now)
    if state == UPCOMING:
        return sa.and_(Challenge.status == PUBLISHED, Challenge.opens_at > now)
    if state == CURRENT:
        return sa.and_(Challenge.status == PUBLISHED, Challenge.deadline > now)
    if state == CLOSED_FILTER:
        return sa.or_(Challenge.status.in_((CLOSED, IN_EVALUATION, DECIDED, ARCHIVED)),
                      sa.and_(Challenge.status == PUBLISHED, Challenge.deadline <= now))
    return sa.true()


def involving_partner(partner_id: int):
    """SQL: the challenges that ``partner_id`` leads or co-sponsors."""
    # One IN over both id lists: with an OR, SQLite reads every candidate's full row.
    return Challenge.id.in_(sa.union_all(
        sa.select(Challenge.id).where(Challenge.lead_partner_id == partner_id),
        sa.select(challenge_cosponsor.c.challenge_id)
        .where(challenge_cosponsor.c.partner_id == partner_id),
    ))


def list_options():
    """Eager loading for lists of challenges: call, partner and theme are joined;
    co-sponsors and translations (the card's brief) come in one extra query each;
    criteria and city goals are not needed."""
    return (sa.orm.selectinload(Challenge.cosponsors), sa.orm.selectinload(Challenge.translations),
            sa.orm.lazyload(Challenge.criteria))


def _public_filters(*, visible, now: datetime, theme: str | None, partner: str | None,
                    call: str | None, state: str | None) -> list:
    """The WHERE clauses of /challenges/ for these filters."""
    clauses = [visible, Challenge.status.in_(PUBLIC_STATUSES)]
    if theme:
        clauses.append(Challenge.theme_id.in_(sa.select(Theme.id).where(Theme.slug == theme)))
    if partner:
        partner_id = db.session.scalar(sa.select(Partner.id).where(Partner.slug == partner))
        clauses.append(involving_partner(partner_id) if partner_id else sa.false())
    if call:
        clauses.append(Challenge.call_id.in_(sa.select(Call.id).where(Call.slug == call)))
    if state:
        clauses.append(state_clause(state, now))
    return clauses


def public_challenges_query(*, visible, now: datetime, theme: str | None = None,
                            partner: str | None = None, call: str | None = None,
                            state: str | None = None, sort: str = "deadline"):
    """The SELECT behind /challenges/: public challenges, filtered and sorted. (The page
    itself reads them through :func:`public_challenges_page`, which gives the same order.)"""
    query = (
        sa.select(Challenge)
        .where(*_public_filters(visible=visible, now=now, theme=theme, partner=partner,
                                call=call, state=state))
        .options(*list_options())
    )
    if sort == "newest":
        return query.order_by(Challenge.published_at.desc(), Challenge.id.desc())
    # Still open (soonest first), then the past ones (most recent first).
    running = Challenge.deadline > now
    return query.order_by(
        sa.case((running, 0), else_=1),
        sa.case((running, Challenge.deadline)),
        Challenge.deadline.desc(),
        Challenge.id,
    )


# Where a slice of challenges is cut: (WHERE clause, [(column, descending)], limit, offset).
Slice = tuple[object, list[tuple[object, bool]], int, int]


def challenges_in_slices(slices: list[Slice]) -> list[tuple[int, Challenge]]:
    """``(slice number, challenge)`` for the rows of each slice, slice after slice, each in
    its own order, read in one query (plus the co-sponsors').

    Each slice is cut from the ids alone (ordered and limited on an index), so the wide
    rows are read only for the challenges returned: sorting thousands of full rows for a
    page of 20 is what made the lists slow at scale."""
    chosen = []
    for n, (where, order, limit, offset) in enumerate(slices):
        if limit <= 0:
            continue
        ids = (sa.select(Challenge.id).where(where)
               .order_by(*(column.desc() if desc else column for column, desc in order))
               .limit(limit).offset(offset).subquery())
        chosen.append(sa.select(ids.c.id, sa.literal_column(str(n)).label("part")))
    if not chosen:
        return []
    rows = (chosen[0] if len(chosen) == 1 else sa.union_all(*chosen)).subquery()
    order = [rows.c.part]
    for n, (_where, columns, _limit, _offset) in enumerate(slices):
        for column, desc in columns:
            key = sa.case((rows.c.part == n, column))
            order.append(key.desc() if desc else key)
    query = (sa.select(rows.c.part, Challenge).join(rows, rows.c.id == Challenge.id)
             .options(*list_options()).order_by(*order))
    return [(part, challenge) for part, challenge in db.session.execute(query)]


class ChallengePage(Pagination):
    """A page of /challenges/. In deadline order: the still-running challenges (deadline
    ahead, soonest first), then the past ones (most recent first), as two index-ordered
    slices with the page's offset carried from the first to the second. Newest first:
    one slice."""

    def _query_items(self) -> list[Challenge]:
        filters, now = self._query_args["filters"], self._query_args["now"]
        offset, limit = self._query_offset, self.per_page
        running = Challenge.deadline > now
        self._total, ahead = db.session.execute(
            sa.select(sa.func.count(Challenge.id),
                      sa.func.coalesce(sa.func.sum(sa.case((running, 1), else_=0)), 0))
            .where(*filters)
        ).one()
        if self._query_args["sort"] == "newest":
            slices = [(sa.and_(*filters),
                       [(Challenge.published_at, True), (Challenge.id, True)], limit, offset)]
        else:
            in_first = max(0, min(limit, ahead - offset))
            slices = [
                (sa.and_(*filters, running),
                 [(Challenge.deadline, False), (Challenge.id, False)], in_first, offset),
                (sa.and_(*filters, Challenge.deadline <= now),
                 [(Challenge.deadline, True), (Challenge.id, False)],
                 limit - in_first, max(0, offset - ahead)),
            ]
        return [challenge for _part, challenge in challenges_in_slices(slices)]

    def _query_count(self) -> int:
        return self._total


def public_challenges_page(*, visible, now: datetime, page: int, per_page: int,
                           theme: str | None = None, partner: str | None = None,
                           call: str | None = None, state: str | None = None,
                           sort: str = "deadline") -> Pagination:
    """One page of /challenges/ (the same rows, order and total as paginating
    :func:`public_challenges_query`), read without sorting every public challenge."""
    filters = _public_filters(visible=visible, now=now, theme=theme, partner=partner,
                              call=call, state=state)
    return ChallengePage(page=page, per_page=per_page, error_out=False, filters=filters,
                         now=now, sort="newest" if sort == "newest" else "deadline")


def open_counts_by_partner(now: datetime) -> dict[int, int]:
    """Open challenges per partner (lead or co-sponsor), in one grouped query."""
    pairs = sa.union(
        sa.select(Challenge.id.label("challenge_id"),
                  Challenge.lead_partner_id.label("partner_id")),
        sa.select(challenge_cosponsor.c.challenge_id, challenge_cosponsor.c.partner_id),
    ).subquery()
    query = (
        sa.select(pairs.c.partner_id, sa.func.count(sa.distinct(pairs.c.challenge_id)))
        .join(Challenge, Challenge.id == pairs.c.challenge_id)
        .where(state_clause(OPEN, now))
        .group_by(pairs.c.partner_id)
    )
    return dict(db.session.execute(query).all())


@dataclass
class PartnerChallenges:
    """What a partner's page lists: the first of its current (open or upcoming) and past
    challenges, and how many there are of each."""

    current: list[Challenge]
    past: list[Challenge]
    current_total: int
    past_total: int


def partner_page_challenges(*, partner_id: int, visible, now: datetime, current_limit: int = 12,
                            past_limit: int = 10) -> PartnerChallenges:
    """The public challenges ``partner_id`` leads or co-sponsors (among ``visible``): the
    ``current_limit`` current ones with the soonest deadlines and the ``past_limit`` most
    recent past ones; "current" and "past" are the list's ``state=current`` and
    ``state=closed`` filters, so the totals match the list they link to."""
    base = [visible, Challenge.status.in_(PUBLIC_STATUSES), involving_partner(partner_id)]
    # Among public challenges "closed" is "not current" (which SQLite reads faster).
    current = state_clause(CURRENT, now)
    past = sa.not_(current)
    total, current_total = db.session.execute(
        sa.select(sa.func.count(Challenge.id),
                  sa.func.coalesce(sa.func.sum(sa.case((current, 1), else_=0)), 0))
        .where(*base)
    ).one()
    past_total = total - current_total
    rows = challenges_in_slices([
        (sa.and_(*base, current), [(Challenge.deadline, False), (Challenge.id, False)],
         current_limit, 0),
        (sa.and_(*base, past), [(Challenge.deadline, True), (Challenge.id, True)],
         past_limit, 0),
    ])
    return PartnerChallenges(current=[c for part, c in rows if part == 0],
                             past=[c for part, c in rows if part == 1],
                             current_total=current_total, past_total=past_total)


def challenges_of_partner(partner_id: int, *, where=None) -> list[Challenge]:
    """The challenges a partner leads or co-sponsors (and match ``where``), newest
    deadline first."""
    return list(db.session.scalars(
        sa.select(Challenge)
        .where(involving_partner(partner_id), where if where is not None else sa.true())
        .options(*list_options())
        .order_by(Challenge.deadline.desc(), Challenge.id.desc())
    ))


def active_admins() -> list[User]:
    """The active administrators (each told in their own language)."""
    return list(db.session.scalars(
        sa.select(User).join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == ADMIN, User.active.is_(True)).order_by(User.id)
    ))


def partner_members(partner_id: int) -> list[User]:
    """A partner's active members."""
    return list(db.session.scalars(
        sa.select(User).join(PartnerMembership, PartnerMembership.user_id == User.id)
        .where(PartnerMembership.partner_id == partner_id, User.active.is_(True))
        .order_by(User.id)
    ))


__all__ = [
    "CallData", "ChallengeData", "CriterionData", "TranslationData", "add_terms", "create_call",
    "create_challenge", "create_theme", "delete_theme", "move_theme", "rename_theme",
    "save_criteria", "save_translation", "slugify", "update_call", "update_challenge",
]
