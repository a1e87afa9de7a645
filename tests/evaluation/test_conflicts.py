"""Conflicts of interest: every rule of ``evaluation.conflicts``, and a conflicted
juror kept away from the proposal, its attachment and its reviews."""
from __future__ import annotations

import hashlib
import os
import secrets

import pytest
import sqlalchemy as sa

from alliance.auth import policy
from alliance.core.audit import AuditEvent
from alliance.core.models import utcnow
from alliance.evaluation import conflicts
from alliance.evaluation import models as em
from alliance.evaluation.assignment import remove_conflicted_assignments
from alliance.extensions import db
from alliance.startups.models import StartupRelation
from tests import factories as f
from tests.proposals.conftest import make_pdf


@pytest.fixture
def proposal(app):
    """A submitted proposal of a start-up whose founder writes from its own domain."""
    startup = f.StartupFactory(name="Lumen Grid S.r.l.")
    f.StartupUserFactory(startup=startup, email="anna@lumengrid.it")
    return f.ProposalFactory(submitted=True, startup=startup)


def _relation(*, startup, kind="customer", company_name, partner_id=None):
    """A start-up's customer, investor or competitor. (``StartupRelationFactory``
    passes ``partner=``, which the model does not have.)"""
    relation = StartupRelation(startup=startup, kind=kind, company_name=company_name,
                               partner_id=partner_id)
    db.session.add(relation)
    db.session.flush()
    return relation


def _reasons(user, proposal):
    return conflicts.conflict_reasons(user, proposal)


def test_unrelated_juror_has_no_conflict(proposal):
    assert _reasons(f.JuryUserFactory(email="marco@studio-rossi.it"), proposal) == set()


def test_declared_conflict(proposal):
    juror = f.JuryUserFactory()
    f.ConflictDeclarationFactory(user=juror, startup=proposal.startup)
    assert _reasons(juror, proposal) == {conflicts.DECLARED}


def test_declared_conflict_with_another_startup_is_not_one(proposal):
    juror = f.JuryUserFactory()
    f.ConflictDeclarationFactory(user=juror)
    assert _reasons(juror, proposal) == set()


def test_member_of_the_startup(proposal):
    juror = f.JuryUserFactory()
    f.StartupMembershipFactory(user=juror, startup=proposal.startup, is_founder=False)
    assert conflicts.MEMBER in _reasons(juror, proposal)


def test_same_mail_domain_as_a_startup_member(proposal):
    juror = f.JuryUserFactory(email="luca@LumenGrid.it")
    assert _reasons(juror, proposal) == {conflicts.MAIL_DOMAIN}


@pytest.mark.parametrize("domain", ["gmail.com", "libero.it", "outlook.com"])
def test_shared_public_mail_domain_is_not_a_conflict(domain):
    startup = f.StartupFactory()
    f.StartupUserFactory(startup=startup, email=f"founder@{domain}")
    proposal = f.ProposalFactory(submitted=True, startup=startup)
    juror = f.JuryUserFactory(email=f"juror@{domain}")
    assert _reasons(juror, proposal) == set()


def test_mail_domain_helper():
    assert conflicts.mail_domain("A@Enel.COM") == "enel.com"
    assert conflicts.mail_domain("someone@gmail.com") is None


@pytest.mark.parametrize("kind", ["customer", "investor", "competitor"])
def test_employee_of_a_related_partner_by_membership(proposal, kind):
    partner = f.PartnerFactory(name="Rete Milano S.p.A.")
    _relation(startup=proposal.startup, kind=kind, partner_id=partner.id,
                             company_name="Rete Milano")
    juror = f.JuryUserFactory()
    f.PartnerMembershipFactory(user=juror, partner=partner)
    assert _reasons(juror, proposal) == {conflicts.RELATION}


def test_employee_of_a_related_partner_named_differently(proposal):
    # The relation names the company without a partner link; the juror's partner's
    # name matches it once "S.p.A." and case are set aside.
    partner = f.PartnerFactory(name="Acme Smart S.p.A.")
    _relation(startup=proposal.startup, kind="competitor",
                             company_name="ACME SMART SPA")
    juror = f.JuryUserFactory()
    f.PartnerMembershipFactory(user=juror, partner=partner)
    assert _reasons(juror, proposal) == {conflicts.RELATION}


@pytest.mark.parametrize("organisation", ["Enel X S.p.A.", "enel x spa", "Enel X SpA",
                                          "Enel X"])
def test_profile_organisation_matches_a_relation(proposal, organisation):
    _relation(startup=proposal.startup, kind="investor",
                             company_name="Enel X S.p.A.")
    juror = f.JurorProfileFactory(organisation=organisation).user
    assert _reasons(juror, proposal) == {conflicts.RELATION}


def test_profile_organisation_of_another_company_is_not_a_conflict(proposal):
    _relation(startup=proposal.startup, kind="customer",
                             company_name="Enel X S.p.A.")
    juror = f.JurorProfileFactory(organisation="Enel S.p.A.").user
    assert _reasons(juror, proposal) == set()


def test_company_key_sets_aside_legal_forms_and_accents():
    assert conflicts.company_key("Città Verde S.r.l.") == "citta verde"
    assert conflicts.company_key("Enel X S.p.A.") == conflicts.company_key("ENEL X SPA")


def test_employee_of_a_partner_the_proposal_is_hidden_from(proposal):
    hidden, other = f.PartnerFactory(), f.PartnerFactory()
    proposal.hidden_from = [hidden]
    db.session.flush()
    excluded, allowed = f.JuryUserFactory(), f.JuryUserFactory()
    f.PartnerMembershipFactory(user=excluded, partner=hidden)
    f.PartnerMembershipFactory(user=allowed, partner=other)
    assert _reasons(excluded, proposal) == {conflicts.HIDDEN_FROM}
    assert _reasons(allowed, proposal) == set()


def test_juror_whose_profile_names_a_partner_the_proposal_is_hidden_from(proposal):
    hidden = f.PartnerFactory(name="Acme Energia")
    proposal.hidden_from = [hidden]
    db.session.flush()
    outsider = f.JurorProfileFactory(organisation="ACME ENERGIA S.p.A.").user  # no membership
    assert _reasons(outsider, proposal) == {conflicts.HIDDEN_FROM}


def test_several_reasons_are_all_given(proposal):
    juror = f.JuryUserFactory(email="boss@lumengrid.it")
    f.ConflictDeclarationFactory(user=juror, startup=proposal.startup)
    assert _reasons(juror, proposal) == {conflicts.DECLARED, conflicts.MAIL_DOMAIN}


def test_conflict_pairs_covers_every_pair_in_a_fixed_number_of_queries(app, count_queries):
    startups = [f.StartupFactory() for _ in range(3)]
    proposals = [f.ProposalFactory(submitted=True, startup=s) for s in startups]
    jurors = [f.JuryUserFactory() for _ in range(4)]
    f.ConflictDeclarationFactory(user=jurors[0], startup=startups[1])
    _relation(startup=startups[2], company_name="Acme S.r.l.")
    f.JurorProfileFactory(user=jurors[3], organisation="ACME srl")
    # A second proposal of start-up 1 (in another challenge) is conflicted too.
    again = f.ProposalFactory(submitted=True, startup=startups[1])
    ids = [p.id for p in proposals] + [again.id]
    with count_queries() as few:
        conflicts.conflict_pairs([jurors[0].id], [proposals[0].id])
    with count_queries() as many:
        found = conflicts.conflict_pairs([j.id for j in jurors], ids)
    assert found == {
        (jurors[0].id, proposals[1].id): {conflicts.DECLARED},
        (jurors[0].id, again.id): {conflicts.DECLARED},
        (jurors[3].id, proposals[2].id): {conflicts.RELATION},
    }
    assert len(many) == len(few)


# -- what a conflicted juror can reach ------------------------------------------------


def _with_attachment(app, proposal) -> None:
    data = make_pdf()
    name = secrets.token_hex(16)
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as handle:
        handle.write(data)
    f.AttachmentFactory(proposal=proposal, storage_name=name, size=len(data),
                        sha256=hashlib.sha256(data).hexdigest())


@pytest.fixture
def assigned(app):
    """Two jurors assigned to the same proposal of a round under review, each with a
    submitted review; the proposal has an attachment."""
    round_ = f.EvaluationRoundFactory(reviewing=True, blind=False)
    proposal = f.ProposalFactory(submitted=True, challenge=round_.challenge)
    _with_attachment(app, proposal)
    clean = f.AssignmentFactory(round=round_, proposal=proposal)
    conflicted = f.AssignmentFactory(round=round_, proposal=proposal)
    for assignment in (clean, conflicted):
        f.ReviewFactory(assignment=assignment, submitted=True)
    return round_, proposal, clean.user, conflicted.user


def _conflict_by(rule, juror, proposal):
    """Make ``juror`` conflicted with ``proposal`` by ``rule``."""
    if rule == "declared":
        f.ConflictDeclarationFactory(user=juror, startup=proposal.startup)
    elif rule == "member":
        f.StartupMembershipFactory(user=juror, startup=proposal.startup, is_founder=False)
    elif rule == "mail_domain":
        f.StartupUserFactory(startup=proposal.startup, email="cto@lumengrid.it")
        juror.email = "juror@lumengrid.it"
    elif rule == "relation":
        _relation(startup=proposal.startup, kind="investor",
                                 company_name="Fondo Navigli S.p.A.")
        f.JurorProfileFactory(user=juror, organisation="Fondo Navigli SpA")
    elif rule == "hidden_from":
        partner = f.PartnerFactory()
        f.PartnerMembershipFactory(user=juror, partner=partner)
        proposal.hidden_from = [partner]
    db.session.flush()
    assert conflicts.is_conflicted(juror, proposal)


@pytest.mark.parametrize("rule", ["declared", "mail_domain", "relation", "hidden_from"])
def test_policy_refuses_a_conflicted_assigned_juror(assigned, rule):
    round_, proposal, clean, juror = assigned
    _conflict_by(rule, juror, proposal)
    assert not policy.can_view_proposal(juror, proposal)
    assert not policy.can_download_attachment(juror, proposal)
    assert not policy.can_view_reviews(juror, proposal, round_)
    assert not policy.can_discuss(juror, proposal, round_)
    assert policy.juror_assignments(juror, proposal) == []
    # The colleague on the same proposal is unaffected.
    assert policy.can_view_proposal(clean, proposal)
    assert policy.can_download_attachment(clean, proposal)
    assert policy.can_view_reviews(clean, proposal, round_)


def test_juror_member_of_the_startup_sees_it_as_member_but_does_not_judge_it(assigned):
    round_, proposal, _clean, juror = assigned
    _conflict_by("member", juror, proposal)
    assert policy.can_view_proposal(juror, proposal)  # their own start-up's proposal
    assert policy.juror_assignments(juror, proposal) == []
    assignment = db.session.scalar(sa.select(em.Assignment).filter_by(
        round_id=round_.id, proposal_id=proposal.id, user_id=juror.id))
    assert not policy.can_review(juror, assignment)
    assert not policy.can_view_reviews(juror, proposal, round_)


@pytest.mark.parametrize("rule", ["declared", "relation", "hidden_from"])
def test_conflicted_juror_gets_404_on_the_proposal_and_its_attachment(
        assigned, client, login_as, rule):
    _round, proposal, _clean, juror = assigned
    _conflict_by(rule, juror, proposal)
    login_as(juror)
    assert client.get(f"/proposals/{proposal.id}").status_code == 404
    response = client.get(f"/proposals/{proposal.id}/attachment")
    response.close()
    assert response.status_code == 404


def test_assigned_juror_without_conflict_opens_the_proposal_and_its_attachment(
        assigned, client, login_as):
    _round, proposal, clean, _juror = assigned
    login_as(clean)
    page = client.get(f"/proposals/{proposal.id}")
    assert page.status_code == 200
    assert proposal.title in page.get_data(as_text=True)
    response = client.get(f"/proposals/{proposal.id}/attachment")
    body = response.data
    response.close()
    assert response.status_code == 200 and body.startswith(b"%PDF")


def test_conflicted_juror_is_not_shown_the_proposal_in_lists(assigned):
    _round, proposal, clean, juror = assigned
    f.ConflictDeclarationFactory(user=juror, startup=proposal.startup)
    assert proposal.id in set(db.session.scalars(policy.assigned_proposal_ids_query(clean)))
    # The SQL filter relies on declared conflicts removing the assignment.
    remove_conflicted_assignments(user_id=juror.id, startup_id=proposal.startup_id,
                                  now=utcnow())
    assert proposal.id not in set(db.session.scalars(policy.assigned_proposal_ids_query(juror)))
    assert db.session.scalars(
        sa.select(em.Assignment.id).where(em.Assignment.user_id == juror.id)).all() == []



# -- conflicts that appear after assignment ---------------------------------------------

def _assigned():
    assignment = f.AssignmentFactory()
    f.ReviewFactory(assignment=assignment, submitted=True)
    db.session.commit()
    return assignment


def _still_assigned(assignment_id) -> bool:
    db.session.expire_all()
    return db.session.get(em.Assignment, assignment_id) is not None


def test_new_customer_of_the_startup_removes_its_jurors_assignment(app):
    assignment = _assigned()
    juror, proposal = assignment.user, assignment.proposal
    f.JurorProfileFactory(user=juror, organisation="Trasporti Lombardi S.p.A.")
    other = f.AssignmentFactory(round=assignment.round)  # another juror, no conflict
    db.session.commit()
    db.session.add(StartupRelation(startup=proposal.startup, kind="customer",
                                   company_name="Trasporti Lombardi"))
    db.session.commit()
    assert not _still_assigned(assignment.id)
    assert _still_assigned(other.id)
    assert not policy.can_view_proposal(juror, proposal)
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "evaluation.assignment_removed")).one()
    assert event.data["reason"] == "conflict" and event.data["juror_id"] == juror.id


def test_proposal_kept_from_the_jurors_company_removes_the_assignment(app):
    assignment = _assigned()
    company = f.PartnerFactory()
    f.PartnerMembershipFactory(user=assignment.user, partner=company)
    db.session.commit()
    assert _still_assigned(assignment.id)
    assignment.proposal.hidden_from = [company]
    db.session.commit()
    assert not _still_assigned(assignment.id)


def test_juror_joining_a_competitor_loses_the_assignment(app):
    assignment = _assigned()
    rival = f.PartnerFactory()
    f.StartupRelationFactory(startup=assignment.proposal.startup, kind="competitor",
                             company_name=rival.name, partner_id=rival.id)
    db.session.commit()
    assert _still_assigned(assignment.id)  # not yet: the juror works elsewhere
    f.PartnerMembershipFactory(user=assignment.user, partner=rival)
    db.session.commit()
    assert not _still_assigned(assignment.id)


def test_closed_round_keeps_its_history_when_a_conflict_appears(app):
    assignment = _assigned()
    assignment.round.status = em.CLOSED
    db.session.commit()
    f.StartupRelationFactory(startup=assignment.proposal.startup, kind="investor",
                             company_name="Fondo Alfa", partner_id=None)
    f.JurorProfileFactory(user=assignment.user, organisation="Fondo Alfa")
    db.session.commit()
    assert _still_assigned(assignment.id)
