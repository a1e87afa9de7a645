"""The evaluation models, their factories and the policy's juror rules, together."""
from alliance.auth import policy
from alliance.evaluation import conflicts
from tests import factories as f


def test_submitted_review_total_is_weighted_mean_on_0_100(app):
    review = f.ReviewFactory(submitted=True, scores=4)
    assert review.total == 75  # (4 - 1) / (5 - 1) on every criterion


def test_assigned_juror_opens_proposal_without_its_identity_in_blind_round(app):
    assignment = f.AssignmentFactory()
    assert policy.can_view_proposal(assignment.user, assignment.proposal)
    assert policy.can_review(assignment.user, assignment)
    assert not policy.can_see_proposal_identity(assignment.user, assignment.proposal)


def test_declared_conflict_closes_the_proposal_to_its_juror(app):
    assignment = f.AssignmentFactory()
    f.ConflictDeclarationFactory(user=assignment.user, startup=assignment.proposal.startup)
    assert conflicts.conflict_reasons(assignment.user, assignment.proposal) == {"declared"}
    assert not policy.can_view_proposal(assignment.user, assignment.proposal)


def test_conflicted_juror_of_sponsor_company_cannot_open_proposal(app):
    """Sponsor staff see their challenge's proposals, but not one they are conflicted on."""
    proposal = f.ProposalFactory(submitted=True, challenge=f.ChallengeFactory(closed=True))
    colleague = f.PartnerUserFactory(partner=proposal.challenge.lead_partner)
    juror = f.PartnerUserFactory(partner=proposal.challenge.lead_partner, jury=True)
    assert policy.can_view_proposal(juror, proposal)
    f.ConflictDeclarationFactory(user=juror, startup=proposal.startup)
    assert not policy.can_view_proposal(juror, proposal)
    assert policy.can_view_proposal(colleague, proposal)
