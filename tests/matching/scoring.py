"""Builders for the pilot matching tests (helper module, not a test): decided
challenges whose shortlisted proposals have exactly the scores asked for (a score
override in round one is the final score)."""
from __future__ import annotations

from decimal import Decimal

from alliance.challenges.models import DECIDED
from alliance.evaluation import models as em
from alliance.extensions import db
from tests import factories as f


def decided_challenge(call, *, slots: int = 1, partner=None, title: str | None = None):
    """A decided challenge of ``call`` with a closed round one."""
    extra = {"title": title} if title else {}
    challenge = f.ChallengeFactory(call=call, closed=True, status=DECIDED, pilot_slots=slots,
                                   lead_partner=partner or f.PartnerFactory(), **extra)
    f.EvaluationRoundFactory(challenge=challenge, closed=True)
    return challenge


def shortlist(challenge, startup, score, *, outcome: str = em.SHORTLISTED):
    """``startup``'s submitted proposal to ``challenge``, scored ``score`` (0-100)
    and decided ``outcome``."""
    proposal = f.ProposalFactory(submitted=True, challenge=challenge, startup=startup)
    round_ = challenge.evaluation_rounds[0]
    db.session.add(em.ScoreOverride(round_id=round_.id, proposal_id=proposal.id,
                                    score=Decimal(str(score)), reason="The committee's score."))
    f.DecisionFactory(proposal=proposal, outcome=outcome)
    db.session.flush()
    return proposal


def two_by_two(call=None):
    """The hand-made instance: start-ups A and B, challenges X and Y (one slot each).

    Scores: A-X 90, A-Y 80, B-X 85, B-Y 50. The optimum is A-Y + B-X = 165; both
    start-ups prefer X (by score) and X's committee prefers A, so the stable
    matching is A-X + B-Y = 140, and A-X is the optimum's one unhappy pair.
    """
    call = call or f.CallFactory(title="Milano Air 2026")
    x = decided_challenge(call, title="X: cleaner air")
    y = decided_challenge(call, title="Y: smarter trams")
    a = f.StartupFactory(name="Alpha Sense")
    b = f.StartupFactory(name="Beta Mobility")
    shortlist(x, a, 90)
    shortlist(y, a, 80)
    shortlist(x, b, 85, outcome=em.WINNER)
    shortlist(y, b, 50)
    return call, (a, b), (x, y)
