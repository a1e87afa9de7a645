"""Template filters and globals: dates in Europe/Rome and the user's locale, Markdown."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from flask import Flask, request, url_for
from flask_babel import format_datetime, format_decimal, format_timedelta, get_locale, gettext

from alliance.core.markdown import render_markdown
from alliance.core.models import utcnow


def when(value: datetime | None, format: str = "d MMM y, HH:mm") -> str:
    """An instant shown as Europe/Rome wall-clock time in the user's locale."""
    return format_datetime(value, format) if value else ""


def deadline(value: datetime | None) -> str:
    """A deadline with its day of the week and time zone (CET or CEST)."""
    return format_datetime(value, "EEEE d MMMM y, HH:mm zzz") if value else ""


def time_left(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    now = now or utcnow()
    if value <= now:
        return gettext("closed")
    return gettext("%(time)s left", time=format_timedelta(value - now, threshold=1.1,
                                                          granularity="minute"))


def money(value: Decimal | int | None) -> str:
    """Euros in the user's locale: whole amounts without decimals, others with two."""
    if value is None:
        return ""
    whole = Decimal(value) == Decimal(value).to_integral_value()
    return "€ " + format_decimal(value, format="#,##0" if whole else "#,##0.00")


def url_with(**changes) -> str:
    """The current URL with some query arguments changed (None removes one)."""
    args = request.args.to_dict()
    args.update({k: v for k, v in changes.items() if v is not None})
    for key, value in changes.items():
        if value is None:
            args.pop(key, None)
    return url_for(request.endpoint, **(request.view_args or {}), **args)


def register(app: Flask) -> None:
    app.jinja_env.filters.update(
        when=when, deadline=deadline, time_left=time_left, markdown=render_markdown, money=money,
    )
    app.jinja_env.globals.update(url_with=url_with, utcnow=utcnow,
                                 current_locale=lambda: str(get_locale()))
