"""Issue 7: XSS payloads in the committee's and the matching's texts (juror profile,
reviews, discussion, overrides, decisions, scouting invitations, pilots) come back
escaped on the pages that show them. The juror profile and the discussion go through
their forms; the other texts are written through factories and services (their flows
are long), which store exactly what a form would. Corpus and checker: ``xss_corpus``."""
from __future__ import annotations

from decimal import Decimal

from alliance.evaluation import models as em
from alliance.evaluation.decisions import override_score
from alliance.extensions import db
from alliance.matching import models as mm
from tests import factories as f
from tests.security.xss_corpus import (
    MARKDOWN_TEXT,
    PAYLOADS,
    check_page,
    chunks,
    logged_in,
    marker,
    posted,
    rounds,
    visit,
)


def test_juror_profile_comes_back_escaped(client):
    juror = f.JuryUserFactory()
    for values in rounds(tags=chunks(500, [p[:60] for p in PAYLOADS], sep=", "), expertise=[MARKDOWN_TEXT],
                         organisation=chunks(160, PAYLOADS)):
        logged_in(client, juror)
        refused = client.post("/jury/profile", data={**values, "tags": "x" * 600})
        assert refused.status_code == 422
        check_page(refused.get_data(as_text=True), shows=values["organisation"].strip())
        posted(client.post("/jury/profile", data=values))
        visit(client, juror, ["/jury/profile"], shows=[marker(values["organisation"]),
                                                       marker(values["expertise"])])


def test_review_texts_and_discussion_come_back_escaped(client, now):
    admin = f.UserFactory(admin=True)
    text = MARKDOWN_TEXT
    review = f.ReviewFactory(submitted=True, comment_for_startup=text,
                             comment_for_committee=text)
    assignment = review.assignment
    round_, proposal, juror = assignment.round, assignment.proposal, assignment.user
    f.ConflictDeclarationFactory(user=juror, reason=PAYLOADS[0])
    for score in review.scores:
        score.comment = text
    override_score(round_=round_, proposal=proposal, score=Decimal("70"), reason=text,
                   user=admin, now=now)
    db.session.commit()
    for body in chunks(5000):
        logged_in(client, juror)
        posted(client.post(f"/jury/assignments/{assignment.id}/comments", data={"body": body}))
    refused = client.post(f"/jury/assignments/{assignment.id}/comments", data={"body": ""})
    check_page(refused.get_data(as_text=True))
    visit(client, juror, [f"/jury/assignments/{assignment.id}"], shows=["xss-01", "xss-m21"])
    visit(client, juror, ["/jury/", f"/jury/rounds/{round_.id}/conflicts"])
    visit(client, admin, [
        f"/admin/evaluation/rounds/{round_.id}/proposals/{proposal.id}",
        f"/admin/evaluation/rounds/{round_.id}/ranking",
        f"/admin/evaluation/challenges/{round_.challenge_id}/ranking",
        f"/admin/evaluation/rounds/{round_.id}",
        f"/admin/evaluation/rounds/{round_.id}/progress",
    ])
    visit(client, admin, [f"/admin/evaluation/rounds/{round_.id}/proposals/{proposal.id}"],
          shows=["xss-01", "xss-m21"])


def test_decision_feedback_and_round_name_come_back_escaped(client):
    admin = f.UserFactory(admin=True)
    founder = f.StartupUserFactory()
    decision = f.DecisionFactory(proposal__startup=founder.startup_membership.startup,
                                 feedback=MARKDOWN_TEXT)
    proposal = decision.proposal
    round_ = f.EvaluationRoundFactory(challenge=proposal.challenge, status=em.CLOSED,
                                      name=chunks(120, PAYLOADS)[0])
    proposal.challenge.results_published_at = proposal.challenge.deadline
    visit(client, founder, [f"/proposals/{proposal.id}", "/startup/dashboard"])
    visit(client, admin, [f"/admin/evaluation/challenges/{proposal.challenge_id}",
                          f"/admin/evaluation/rounds/{round_.id}"], shows=marker(round_.name))
    visit(client, admin, ["/admin/evaluation/"])


def test_matching_texts_come_back_escaped(client):
    founder = f.StartupUserFactory()
    startup = founder.startup_membership.startup
    partner_user = f.PartnerUserFactory()
    challenge = f.ChallengeFactory(published=True,
                                   lead_partner=partner_user.partner_membership.partner)
    invitation = f.ScoutingInvitationFactory(challenge=challenge, startup=startup,
                                             message=MARKDOWN_TEXT)
    declined = f.PilotFactory(startup=startup, status=mm.DECLINED, declined_side="startup",
                              decline_reason=MARKDOWN_TEXT)
    done = f.PilotFactory(startup=startup, challenge=challenge, status=mm.COMPLETED,
                          outcome=MARKDOWN_TEXT)
    visit(client, founder, ["/startup/dashboard", "/startup/recommendations", "/pilots/",
                            f"/pilots/{declined.id}", f"/pilots/{done.id}"])
    visit(client, founder, ["/startup/recommendations"], shows="xss-01")
    visit(client, partner_user, [f"/challenges/{challenge.slug}/scouting", "/partner/dashboard",
                                 f"/pilots/{done.id}"])
    visit(client, f.UserFactory(admin=True), [f"/admin/matching/calls/{challenge.call_id}",
                                             f"/pilots/{declined.id}"])
    assert invitation.message == MARKDOWN_TEXT
