"""Submission receipts: the canonical snapshot of what was sent and its SHA-256 digest.

The digest is computed over the canonical JSON text of the snapshot
(``json.dumps(sort_keys=True, separators=(",", ":"), ensure_ascii=False)``,
UTF-8). The same bytes are downloadable from the receipt page, so anyone can
check ``sha256(file) == digest`` and prove what was sent and when.
"""
from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime

from alliance.proposals.models import Proposal


def iso_utc(instant: datetime) -> str:
    """``2026-03-10T09:00:00Z``: an unambiguous UTC instant, to the second."""
    return instant.astimezone(UTC).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def snapshot(proposal: Proposal, *, submitted_at: datetime) -> dict:
    """What is being submitted, as plain JSON values (money as a string, never a float)."""
    attachment = proposal.attachment
    terms = proposal.challenge.current_terms
    return {
        "challenge": proposal.challenge.slug,
        "startup": proposal.startup.name,
        "title": proposal.title,
        "abstract": proposal.abstract,
        "description": proposal.description,
        "trl": proposal.trl,
        "pilot_duration_months": proposal.pilot_duration_months,
        "pilot_cost_eur": (
            f"{proposal.pilot_cost_eur:.2f}" if proposal.pilot_cost_eur is not None else None
        ),
        "team": proposal.team,
        "attachment": (
            {"name": attachment.original_name, "sha256": attachment.sha256,
             "size": attachment.size}
            if attachment is not None else None
        ),
        "terms_version": terms.version if terms is not None else None,
        "submitted_at": iso_utc(submitted_at),
    }


def canonical_json(content: dict) -> bytes:
    """The canonical UTF-8 bytes of a snapshot: the input of the digest."""
    return json.dumps(content, sort_keys=True, separators=(",", ":"),
                      ensure_ascii=False).encode("utf-8")


def digest(content: dict) -> str:
    """The SHA-256 (hex) of the canonical JSON of ``content``."""
    return hashlib.sha256(canonical_json(content)).hexdigest()
