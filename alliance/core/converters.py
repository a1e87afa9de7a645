"""URL pieces that can never reach the database as something it cannot hold."""
from __future__ import annotations

from werkzeug.routing import IntegerConverter

# Ids are 32-bit signed integers on PostgreSQL; a larger one cannot exist.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` that answers 404 for numbers the database cannot store."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def page_number(value: int | None, *, last: int = 10_000) -> int:
    """A page number from the query string, kept between 1 and ``last``."""
    return min(max(value or 1, 1), last)


def plain_digits(value: str | None) -> bool:
    """ASCII digits only: ``str.isdigit`` is true for "²" or "٣", which ``int`` refuses."""
    return bool(value) and value.isascii() and value.isdigit()


def id_arg(value: str) -> int:
    """``request.args.get(name, type=id_arg)``: an id the database can hold, or the
    default (werkzeug turns the ``ValueError`` into it)."""
    number = int(value) if plain_digits(value) else 0
    if not 1 <= number <= MAX_ID:
        raise ValueError(value)
    return number
