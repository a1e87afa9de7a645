"""Privacy: consent at registration, the notice, the copy of one's data, the deletion
(anonymisation) of an account that keeps evaluations consistent."""
import json
import re

import pytest
import sqlalchemy as sa

from alliance.api.models import ApiToken
from alliance.auth.models import User
from alliance.auth.privacy import PRIVACY_NOTICE_VERSION, anonymise_user
from alliance.challenges.models import IN_EVALUATION
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.evaluation import models as em
from alliance.extensions import db
from alliance.startups.models import Startup
from tests import factories as f

REGISTRATION = {"name": "Giulia Bianchi", "email": "giulia@example.org",
                "password": "a long enough secret", "password_confirm": "a long enough secret",
                "accept_privacy": "y"}


def _evaluated():
    """A round in review with two proposals, each scored by two jurors."""
    round_ = f.EvaluationRoundFactory(reviewing=True)
    round_.challenge.status = IN_EVALUATION
    jurors = [f.JuryUserFactory(name="Gina Giurata"), f.JuryUserFactory(name="Otto Other")]
    proposals = []
    for title, marks in (("Alpha", (5, 4)), ("Beta", (2, 3))):
        proposal = f.ProposalFactory(submitted=True, challenge=round_.challenge, title=title)
        proposals.append(proposal)
        for juror, mark in zip(jurors, marks, strict=True):
            assignment = f.AssignmentFactory(round=round_, proposal=proposal, user=juror)
            f.ReviewFactory(assignment=assignment, submitted=True, scores=mark,
                            comment_for_committee=f"{juror.name[:4]} on {title}")
    db.session.flush()
    return round_, proposals, jurors


def _ranking_order(html: str) -> list[str]:
    body = html[html.index('<table class="table table-sm align-middle ranking"'):]
    body = body[:body.index("</table>")]
    return re.findall(r'<th scope="row" class="fw-normal">\s*<a [^>]*>([^<]+)</a>', body)


# -- consent and notice -------------------------------------------------------------------

def test_register_stores_consent_time_and_notice_version(client):
    response = client.post("/auth/register", data=REGISTRATION)

    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "giulia@example.org"))
    assert user.privacy_notice_version == PRIVACY_NOTICE_VERSION
    assert user.privacy_consent_at is not None


def test_register_without_consent_refused_with_message(client):
    data = {k: v for k, v in REGISTRATION.items() if k != "accept_privacy"}

    response = client.post("/auth/register", data=data)

    assert response.status_code == 422
    assert "Please accept the privacy notice to register." in response.text
    assert 'value="giulia@example.org"' in response.text
    assert db.session.scalar(sa.select(User).where(User.email == "giulia@example.org")) is None


def test_register_form_links_to_notice_in_new_tab(client):
    html = client.get("/auth/register").text

    assert '<a href="/privacy" target="_blank" rel="noopener">' in html


def test_notice_public_with_version_and_footer_link(client):
    response = client.get("/privacy")

    assert response.status_code == 200
    assert "Privacy notice" in response.text
    assert f"Version {PRIVACY_NOTICE_VERSION}" in response.text
    assert '<a href="/privacy">Privacy</a>' in client.get("/").text


def test_notice_in_italian_has_the_same_sections(client):
    with client.session_transaction() as session:
        session["lang"] = "it"
    response = client.get("/privacy")

    assert response.status_code == 200
    assert '<html lang="it">' in response.text
    assert response.text.count('<h2 class="h4">') == 6


# -- my data ------------------------------------------------------------------------------

def test_my_data_page_needs_login(client):
    response = client.get("/account/privacy")

    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_my_data_page_shows_account_and_consent(client, login_as):
    user = f.StartupUserFactory(name="Sara Startup", privacy_notice_version="2026-11")
    user.privacy_consent_at = user.created_at
    login_as(user)

    html = client.get("/account/privacy").text

    assert "Sara Startup" in html and user.email in html
    assert "version 2026-11" in html
    assert user.startup.name in html
    assert 'action="/account/privacy/export"' in html
    assert 'action="/account/privacy/delete"' in html
    assert 'href="/account/privacy"' in html  # the account menu


def test_export_downloads_own_reviews_not_other_jurors(client, login_as):
    round_, proposals, (gina, otto) = _evaluated()
    f.ConflictDeclarationFactory(user=gina, reason="I mentored them")
    f.JurorProfileFactory(user=gina, expertise="Air quality sensors")
    login_as(gina)

    response = client.post("/account/privacy/export")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith(
        'attachment; filename="alliance-my-data-')
    data = json.loads(response.data)
    assert data["profile"]["email"] == gina.email
    assert data["profile"]["roles"] == ["jury"]
    comments = sorted(r["review"]["comment_for_committee"] for r in data["jury"]["reviews"])
    assert comments == ["Gina on Alpha", "Gina on Beta"]
    assert data["jury"]["conflicts_declared"][0]["reason"] == "I mentored them"
    assert data["jury"]["juror_profile"]["expertise"] == "Air quality sensors"
    assert re.match(r"\d{4}-\d\d-\d\dT", data["exported_at"])
    text = response.data.decode()
    assert "Otto" not in text and otto.email not in text
    assert db.session.scalar(sa.select(AuditEvent).where(
        AuditEvent.action == "user.data_exported", AuditEvent.actor_id == gina.id)) is not None


def test_export_contains_the_proposals_the_user_wrote(client, login_as):
    author = f.StartupUserFactory()
    proposal = f.ProposalFactory(startup=author.startup, created_by_id=author.id,
                                 title="Sensors on every tram")
    f.ProposalFactory(title="Someone else's idea")
    login_as(author)

    data = json.loads(client.post("/account/privacy/export").data)

    assert [p["title"] for p in data["proposals"]] == ["Sensors on every tram"]
    assert data["proposals"][0]["id"] == proposal.id
    assert data["memberships"]["startup"]["startup"] == author.startup.name


# -- deletion -----------------------------------------------------------------------------

def test_delete_with_wrong_password_refused(client, login_as):
    user = f.UserFactory()
    login_as(user)

    response = client.post("/account/privacy/delete", data={"password": "not my password"})

    assert response.status_code == 422
    assert "This is not your password." in response.text
    assert user.anonymised_at is None and user.active


def test_delete_anonymises_logs_out_and_keeps_the_ranking(client, login_as, admin):
    round_, proposals, (gina, otto) = _evaluated()
    f.JurorProfileFactory(user=gina, organisation="Acme")
    db.session.add(ApiToken(user=gina, name="script", token_hash="h" * 64, prefix="al_x"))
    old_email = gina.email
    login_as(admin)
    url = f"/admin/evaluation/rounds/{round_.id}/ranking"
    before = client.get(url).text
    db.session.commit()  # the view below commits: keep the setup
    login_as(gina)

    response = client.post("/account/privacy/delete", data={"password": f.PASSWORD})

    assert response.status_code == 302
    db.session.expire_all()
    user = db.session.get(User, gina.id)
    assert user.name == f"Deleted user #{user.id}"
    assert user.email == f"deleted-{user.id}@anonymised.invalid"
    assert not user.active and user.anonymised_at is not None
    assert user.locale is None and user.confirmed_at is None and user.granted_roles == []
    assert not user.check_password(f.PASSWORD)
    assert db.session.get(em.JurorProfile, user.id) is None
    assert db.session.scalar(sa.select(ApiToken).where(ApiToken.user_id == user.id)).revoked_at
    # Logged out, and the old address no longer logs in.
    assert "/auth/login" in client.get("/account/privacy").headers["Location"]
    login = client.post("/auth/login", data={"email": old_email, "password": f.PASSWORD})
    assert "Invalid e-mail or password." in login.text
    # Reviews and scores stay; the ranking reads the same.
    reviews = db.session.scalars(sa.select(em.Review).join(em.Assignment)
                                 .where(em.Assignment.user_id == user.id)).all()
    assert len(reviews) == 2 and all(r.scores and r.total is not None for r in reviews)
    login_as(admin)
    after = client.get(url).text
    assert _ranking_order(after) == _ranking_order(before) == ["Alpha", "Beta"]
    page = client.get(f"/admin/evaluation/rounds/{round_.id}/proposals/{proposals[0].id}")
    assert page.status_code == 200
    assert f"Deleted user #{user.id}" in page.text
    event = db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "user.anonymised"))
    assert event.actor_id == user.id and event.object_id == user.id
    assert event.data["by_self"] is True


def test_anonymise_startup_member_keeps_startup_and_its_proposals(now):
    member = f.StartupUserFactory()
    startup = member.startup
    proposal = f.ProposalFactory(startup=startup, created_by_id=member.id, submitted=True)

    anonymise_user(user=member, actor=member, now=now)

    assert member.startup_membership is None
    assert db.session.get(Startup, startup.id) is not None
    assert proposal.startup_id == startup.id and proposal.created_by_id == member.id
    assert proposal.title


def test_anonymise_rewrites_invitations_and_forgets_mail_to_the_user(now):
    from alliance.core.outbox import OutgoingMail

    user = f.UserFactory(email="leaving@example.org")
    invitation = f.StartupInvitationFactory(email="leaving@example.org")
    db.session.add_all([
        OutgoingMail(template="t", recipients=["leaving@example.org"], subject="s", body="b"),
        OutgoingMail(template="t", recipients=["leaving@example.org", "stay@example.org"],
                     subject="s", body="b"),
    ])
    db.session.flush()

    anonymise_user(user=user, actor=None, now=now)

    assert invitation.email == f"deleted-{user.id}@anonymised.invalid"
    mails = db.session.scalars(sa.select(OutgoingMail)).all()
    assert [m.recipients for m in mails] == [["stay@example.org"]]


def test_anonymise_last_admin_refused(now):
    lone = f.UserFactory(admin=True)
    db.session.execute(sa.update(User).where(User.id != lone.id).values(active=False))

    with pytest.raises(DomainError, match="only active administrator"):
        anonymise_user(user=lone, actor=lone, now=now)

    assert lone.anonymised_at is None


def test_anonymise_admin_allowed_when_another_admin_remains(now, admin):
    other = f.UserFactory(admin=True)

    anonymise_user(user=other, actor=admin, now=now)

    assert other.anonymised_at == now and other.granted_roles == []


def test_anonymise_twice_refused(now):
    user = f.UserFactory()
    anonymise_user(user=user, actor=user, now=now)

    with pytest.raises(DomainError, match="already been deleted"):
        anonymise_user(user=user, actor=user, now=now)


def test_deleted_people_leave_no_address_or_name_in_the_audit_log(client, login_as, admin,
                                                                  mail_outbox, now):
    from alliance.evaluation import committees
    from alliance.partners import services as partner_services

    member = committees.invite_juror(round_=f.EvaluationRoundFactory(),
                                     email="gina.giurata@polimi.it", name="Gina Giurata",
                                     user=admin, now=now)
    employee = f.UserFactory(email="piero.partner@example.org", name="Piero Partner")
    partner_services.add_member(partner=f.PartnerFactory(), email=employee.email, user=admin,
                                now=now)
    for person in (member.user, employee):
        anonymise_user(user=person, actor=person, now=now)
    db.session.commit()
    login_as(admin)

    page = client.get("/admin/audit/").text
    data = json.dumps([e.data for e in db.session.scalars(sa.select(AuditEvent))])

    assert "evaluation.juror_invited" in page and "partner.member_added" in page
    for trace in ("gina.giurata", "Giurata", "piero.partner", "Piero Partner"):
        assert trace not in page and trace not in data
