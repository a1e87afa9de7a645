"""Models as the plain dicts the API answers (see openapi.py for their schemas).

Each function reads only what the query that loaded the object already brought
(call, lead partner and theme are joined; co-sponsors and the briefs in the other
language come in one extra query each per list), so a list costs the same few queries whatever its length.
"""
from __future__ import annotations

from datetime import UTC, datetime

from flask import url_for

from alliance.challenges.models import PUBLISHED, Call, Challenge
from alliance.challenges.services import criteria_shares
from alliance.core.taxonomy import Theme
from alliance.partners.models import Partner


def iso(moment: datetime | None) -> str | None:
    """``2026-03-01T09:00:00Z``: an instant in ISO 8601, in UTC."""
    if moment is None:
        return None
    if moment.tzinfo is None:  # stored as UTC
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def state_of(challenge: Challenge, now: datetime) -> str:
    """``upcoming``, ``open`` or ``closed`` (the list's ``state`` filter, at ``now``)."""
    if challenge.status == PUBLISHED and challenge.opens_at > now:
        return "upcoming"
    if challenge.status == PUBLISHED and challenge.deadline > now:
        return "open"
    return "closed"


def partner_ref(partner: Partner) -> dict:
    return {"slug": partner.slug, "name": partner.name,
            "url": url_for("api.partner", slug=partner.slug, _external=True)}


def theme_ref(theme: Theme) -> dict:
    return {"slug": theme.slug, "name_it": theme.name_it, "name_en": theme.name_en}


def call_ref(call: Call) -> dict:
    return {"slug": call.slug, "title": call.title}


def challenge_summary(challenge: Challenge, now: datetime) -> dict:
    """A challenge in a list."""
    return {
        "id": challenge.id,
        "slug": challenge.slug,
        "title": challenge.title,
        "summary": challenge.summary,
        "status": challenge.status,
        "state": state_of(challenge, now),
        "opens_at": iso(challenge.opens_at),
        "deadline": iso(challenge.deadline),
        "published_at": iso(challenge.published_at),
        "pilot_slots": challenge.pilot_slots,
        "theme": theme_ref(challenge.theme),
        "call": call_ref(challenge.call),
        "partner": partner_ref(challenge.lead_partner),
        "cosponsors": [partner_ref(p) for p in challenge.cosponsors
                       if p.id != challenge.lead_partner_id],
        "locale": challenge.locale,
        "translations": [{"locale": t.locale, "title": t.title, "summary": t.summary}
                         for t in challenge.translations],
        "url": url_for("api.challenge", slug=challenge.slug, _external=True),
        "html_url": url_for("challenges.detail", slug=challenge.slug, _external=True),
    }


def challenge_detail(challenge: Challenge, now: datetime) -> dict:
    """A challenge on its own: the summary, its texts and its weighted criteria
    (never its proposals)."""
    shares = criteria_shares([c.weight for c in challenge.criteria])
    return {
        **challenge_summary(challenge, now),
        "description": challenge.description,
        "expected_outcomes": challenge.expected_outcomes,
        "rewards": challenge.rewards,
        "eligibility": challenge.eligibility,
        "translations": [
            {"locale": t.locale, "title": t.title, "summary": t.summary,
             "description": t.description, "expected_outcomes": t.expected_outcomes,
             "rewards": t.rewards, "eligibility": t.eligibility}
            for t in challenge.translations
        ],
        "criteria": [
            {"name": c.name, "description": c.description, "weight": float(c.weight),
             "share": float(share) if share is not None else None, "scale": c.scale}
            for c, share in zip(challenge.criteria, shares)
        ],
    }


def partner_summary(partner: Partner, open_challenges: int) -> dict:
    return {**partner_ref(partner), "website": partner.website,
            "open_challenges": open_challenges,
            "html_url": url_for("partners.detail", slug=partner.slug, _external=True)}


def call_summary(call: Call, results_published_at: datetime | None) -> dict:
    published = results_published_at is not None
    return {
        **call_ref(call),
        "description": call.description,
        "opens_at": iso(call.opens_at),
        "closes_at": iso(call.closes_at),
        "results_at": iso(call.results_at),
        "results_published": published,
        "results_url": url_for("api.call_results", slug=call.slug, _external=True)
        if published else None,
    }


def public_startup(startup) -> dict:
    """A winner or pilot start-up: its name; its slug and page only when its profile is
    public."""
    return {"name": startup.name, "slug": startup.slug,
            "html_url": url_for("startups.detail", slug=startup.slug, _external=True)
            if startup.slug else None}


def challenge_results(result) -> dict:
    challenge = result.challenge
    return {
        "slug": challenge.slug,
        "title": challenge.title,
        "partner": partner_ref(challenge.lead_partner),
        "url": url_for("api.challenge", slug=challenge.slug, _external=True),
        "winners": [public_startup(s) for s in result.winners],
        "pilots": [{"startup": public_startup(s), "status": status}
                   for s, status in result.pilots],
    }


def hit_url(hit) -> str:
    """The site's page of a search hit (as the search page links it)."""
    if hit.kind == "proposal":
        return url_for("proposals.detail", proposal_id=hit.object_id, _external=True)
    if hit.url_key and hit.kind == "challenge":
        return url_for("challenges.detail", slug=hit.url_key, _external=True)
    if hit.url_key and hit.kind == "startup":
        return url_for("startups.detail", slug=hit.url_key, _external=True)
    return url_for("search.go", kind=hit.kind, object_id=hit.object_id, _external=True)
