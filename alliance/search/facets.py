"""What facet values are called on the page (the same for every backend)."""
from __future__ import annotations

import sqlalchemy as sa
from flask import has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _

from alliance.challenges.models import Call
from alliance.core.taxonomy import Theme
from alliance.extensions import db
from alliance.partners.models import Partner


def facet_names(values: dict[str, set[str]]) -> dict[str, dict[str, str]]:
    """Display names of themes (in the current language), partners and calls: one
    query per kind, for the values shown only."""
    names: dict[str, dict[str, str]] = {}
    if not has_app_context():  # the benchmark runs without an application
        return names
    if values.get("theme"):
        locale = get_locale()
        italian = locale is not None and locale.language == "it"
        rows = db.session.execute(sa.select(Theme.slug, Theme.name_it, Theme.name_en)
                                  .where(Theme.slug.in_(sorted(values["theme"]))))
        names["theme"] = {slug: (it if italian else en) for slug, it, en in rows}
    if values.get("partner"):
        names["partner"] = dict(db.session.execute(
            sa.select(Partner.slug, Partner.name)
            .where(Partner.slug.in_(sorted(values["partner"])))).all())
    if values.get("call"):
        names["call"] = dict(db.session.execute(
            sa.select(Call.slug, Call.title).where(Call.slug.in_(sorted(values["call"])))).all())
    return names


def label(name: str, value: str, names: dict) -> str:
    """The label of one facet value, translated."""
    try:
        if name in ("theme", "partner", "call"):
            return names.get(name, {}).get(value, value)
        if name == "trl":
            return _("TRL %(n)s", n=value)
        return {
            "challenge": _("Challenges"), "proposal": _("Proposals"), "startup": _("Start-ups"),
            "open": _("Open"), "upcoming": _("Upcoming"), "closed": _("Closed"),
            "draft": _("Draft"), "submitted": _("Submitted"), "withdrawn": _("Withdrawn"),
            "published": _("Published"), "in_evaluation": _("In evaluation"),
            "decided": _("Decided"), "archived": _("Archived"),
        }.get(value, value.replace("_", " ").capitalize())
    except (RuntimeError, KeyError):  # no application context (scripts)
        return value
