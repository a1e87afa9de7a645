"""The site's languages, and the cookie that remembers a visitor's choice."""
from __future__ import annotations

LANGUAGES = ("it", "en")  # Italian first: the default
LANGUAGE_COOKIE = "lang"
