"""Which language a challenge's brief is shown in: the reader's, when the challenge
has it (as its own language or as a translation), else the challenge's own.

    brief_for(challenge, locale) -> Brief

Templates call it as ``brief_for(challenge)`` (the page's language) and mark the text
with ``lang`` when it differs from the page's, so screen readers pronounce it right.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import get_locale

from alliance.challenges.models import Challenge

# Each language named in itself, and the note offering it, written in that language
# (for the reader who cannot read the page's).
LANGUAGE_NAMES = {"it": "Italiano", "en": "English"}
ALSO_AVAILABLE = {"it": "Disponibile anche in italiano", "en": "Also available in English"}


@dataclass(frozen=True, slots=True)
class Brief:
    title: str
    summary: str
    description: str
    expected_outcomes: str
    rewards: str
    eligibility: str
    locale: str  # the language of this text
    # The other languages the challenge can be read in (for "Also available in ...").
    also_in: tuple[str, ...] = field(default=())

    def lang_attr(self, page_locale: str) -> str:
        """The ``lang`` to put on this text on a page in ``page_locale`` ("" when the same)."""
        return self.locale if self.locale != page_locale else ""

    @property
    def also_available(self) -> list[tuple[str, str]]:
        """``(language code, "Also available in ...")`` for each other language."""
        return [(code, ALSO_AVAILABLE.get(code, LANGUAGE_NAMES.get(code, code)))
                for code in self.also_in]


def _of(source, locale: str, also_in: tuple[str, ...]) -> Brief:
    return Brief(title=source.title, summary=source.summary, description=source.description,
                 expected_outcomes=source.expected_outcomes, rewards=source.rewards,
                 eligibility=source.eligibility, locale=locale, also_in=also_in)


def brief_for(challenge: Challenge, locale: str | None = None) -> Brief:
    """The brief of ``challenge`` to show a reader of ``locale`` (default: the page's)."""
    locale = locale or str(get_locale())
    own = challenge.locale or "it"
    translations = {t.locale: t for t in challenge.translations if t.locale != own}
    available = (own, *translations)
    if locale != own and locale in translations:
        return _of(translations[locale], locale,
                   tuple(code for code in available if code != locale))
    return _of(challenge, own, tuple(code for code in available if code != own))


__all__ = ["ALSO_AVAILABLE", "LANGUAGE_NAMES", "Brief", "brief_for"]
