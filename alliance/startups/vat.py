"""The Italian VAT number (partita IVA): 11 digits, the last one a check digit.

The check digit follows the Luhn scheme: digits in odd positions (1st, 3rd...
9th) are added as they are; digits in even positions are doubled, minus 9 when
the result exceeds 9; the check digit makes the total a multiple of 10.
"""
from __future__ import annotations

import re

from flask_babel import gettext as _

NOT_ELEVEN_DIGITS = "not_eleven_digits"
WRONG_CHECK_DIGIT = "wrong_check_digit"

_SEPARATORS = re.compile(r"[\s.\-]")


def normalise(value: str | None) -> str:
    """The number as typed, without spaces, dots, dashes or an ``IT`` prefix."""
    text = _SEPARATORS.sub("", value or "").upper()
    if text.startswith("IT"):
        text = text[2:]
    return text


def check_digit(first_ten: str) -> int:
    """The check digit that completes ten digits into a partita IVA."""
    total = 0
    for index, char in enumerate(first_ten):
        digit = int(char)
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def problem(value: str | None) -> str | None:
    """``None`` for a valid partita IVA, else ``NOT_ELEVEN_DIGITS`` or ``WRONG_CHECK_DIGIT``."""
    text = normalise(value)
    if len(text) != 11 or not text.isascii() or not text.isdigit():
        return NOT_ELEVEN_DIGITS
    if check_digit(text[:10]) != int(text[10]):
        return WRONG_CHECK_DIGIT
    return None


def is_valid(value: str | None) -> bool:
    return problem(value) is None


def error_message(value: str | None) -> str | None:
    """A translated explanation of what is wrong with ``value``, or ``None`` if it is valid."""
    found = problem(value)
    if found == NOT_ELEVEN_DIGITS:
        return _("A partita IVA has exactly 11 digits, numbers only.")
    if found == WRONG_CHECK_DIGIT:
        return _("This is not a valid partita IVA: its check digit (the last one) is wrong. "
                 "Please check the number for typing errors.")
    return None
