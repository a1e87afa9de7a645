"""Deadlines are entered and shown in Europe/Rome and stored as UTC instants."""
from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

ROME = ZoneInfo("Europe/Rome")


class NonexistentLocalTime(ValueError):
    """A wall-clock time skipped by the spring daylight-saving change."""


def rome_to_utc(local: datetime) -> datetime:
    """Turn a naive Europe/Rome wall-clock time into a UTC instant.

    In the autumn hour that happens twice the first (summer-time) instant is
    taken; a time skipped in spring raises :class:`NonexistentLocalTime`.
    """
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    aware = local.replace(tzinfo=ROME, fold=0)
    back = aware.astimezone(UTC).astimezone(ROME).replace(tzinfo=None)
    if back != local:
        raise NonexistentLocalTime(local.isoformat())
    return aware.astimezone(UTC)


def utc_to_rome(instant: datetime) -> datetime:
    """The aware Europe/Rome datetime of a UTC instant."""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return instant.astimezone(ROME)
