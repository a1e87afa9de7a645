"""Proposals and rankings as the admin part of the API answers them (schemas in
``openapi.py``: ``Proposal``, ``ProposalDetail``, ``Ranking``)."""
from __future__ import annotations

from flask import url_for

from alliance.api.schemas import iso
from alliance.challenges.models import Challenge
from alliance.evaluation import ranking as rk
from alliance.proposals.models import Proposal


def _number(value) -> float | None:
    return None if value is None else float(value)


def proposal(item: Proposal, ranking: rk.Ranking | None) -> dict:
    """A submitted (or withdrawn) proposal with its aggregated score when its
    challenge has been evaluated (the ranking's final score, 0-100)."""
    row = ranking.row(item.id) if ranking is not None else None
    return {
        "id": item.id,
        "title": item.title,
        "abstract": item.abstract,
        "status": item.status,
        "submitted_at": iso(item.submitted_at),
        "startup": {"name": item.startup.name, "slug": item.startup.slug},
        "challenge": {"slug": item.challenge.slug, "title": item.challenge.title},
        "score": _number(row.display_score) if row else None,
        "rank": row.rank if row else None,
        "decision": row.outcome if row else None,
        "url": url_for("api.proposal", proposal_id=item.id, _external=True),
    }


def proposal_detail(item: Proposal, ranking: rk.Ranking | None) -> dict:
    return {
        **proposal(item, ranking),
        "description": item.description,
        "trl": item.trl,
        "pilot_duration_months": item.pilot_duration_months,
        "pilot_cost_eur": _number(item.pilot_cost_eur),
        "team": item.team,
        "withdrawn_at": iso(item.withdrawn_at),
        "html_url": url_for("proposals.detail", proposal_id=item.id, _external=True),
    }


def _row(row: rk.Row) -> dict:
    override = row.override
    return {
        "position": row.rank,
        "tied": row.tied,
        "proposal": {"id": row.proposal_id, "title": row.title,
                     "url": url_for("api.proposal", proposal_id=row.proposal_id,
                                    _external=True)},
        "startup": {"name": row.startup_name},
        "score": _number(row.display_score),
        "reviews": row.reviews,
        "assigned": row.assigned,
        "mean": _number(row.mean),
        "median": _number(row.median),
        "sd": _number(row.sd),
        "normalised": _number(row.normalised),
        "criterion_means": [_number(m) for m in row.criterion_means],
        "flags": {"disagreement": bool(row.disagreement),
                  "overridden": override is not None and override.score is not None},
        "decision": row.outcome,
    }


def ranking(challenge: Challenge, ranked: rk.Ranking) -> dict:
    """The challenge's evaluation ranking (round one, the rounds combined); empty
    rows before any evaluation round exists."""
    return {
        "challenge": {"slug": challenge.slug, "title": challenge.title,
                      "status": challenge.status},
        "combined": ranked.combined,
        "criteria": [{"name": c.name, "weight": float(c.weight), "scale": c.scale}
                     for c in ranked.criteria],
        "jurors": ranked.jurors,
        "reviews_done": ranked.reviews_done,
        "reviews_pending": ranked.reviews_pending,
        "rows": [_row(r) for r in ranked.rows],
    }
