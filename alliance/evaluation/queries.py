"""Queries shared by the evaluation modules."""
from __future__ import annotations

import sqlalchemy as sa

from alliance.evaluation.models import EvaluationRound, RoundEntry
from alliance.proposals.models import SUBMITTED, Proposal


def round_proposal_ids(round_: EvaluationRound):
    """SELECT of the ids of the proposals ``round_`` evaluates: the challenge's
    submitted proposals in round one, the admitted entries in round two."""
    if round_.number == 1:
        return sa.select(Proposal.id).where(
            Proposal.challenge_id == round_.challenge_id, Proposal.status == SUBMITTED
        )
    return sa.select(RoundEntry.proposal_id).where(RoundEntry.round_id == round_.id)


def round_proposals(round_: EvaluationRound):
    """SELECT of those proposals, ordered by id."""
    return sa.select(Proposal).where(Proposal.id.in_(round_proposal_ids(round_))).order_by(
        Proposal.id
    )
