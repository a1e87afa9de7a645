"""Helpers for the account tests: read the links our e-mails carry."""
from __future__ import annotations

import re
from urllib.parse import urlsplit


def link_in(message, prefix: str) -> str:
    """The path of the first absolute link in ``message`` whose path starts with ``prefix``."""
    for url in re.findall(r"https?://\S+", message.body):
        parts = urlsplit(url)
        if parts.path.startswith(prefix):
            return parts.path
    raise AssertionError(f"no link to {prefix} in:\n{message.body}")


def flashes(client) -> list[str]:
    """The messages waiting to be flashed on the client's next page."""
    with client.session_transaction() as session:
        return [message for _category, message in session.get("_flashes", [])]
