"""Co-founders join a start-up through a signed, expiring invitation link."""
import re
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from alliance.extensions import db
from alliance.startups.models import StartupInvitation, StartupMembership
from tests import factories

LINK = re.compile(r"http://alliance\.test(/startups/invitations/\S+)")


def invite(client, login, founder, email="new.cofounder@example.org"):
    login(founder)
    response = client.post(f"/startups/{founder.startup.slug}/members", data={"email": email})
    assert response.status_code == 302
    return response


def link_from(message) -> str:
    return LINK.search(message.body).group(1)


def membership_of(user):
    return db.session.scalar(
        sa.select(StartupMembership).where(StartupMembership.user_id == user.id))


def test_invitation_sent_by_mail_with_signed_link(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    invite(client, login, founder)
    invitation = db.session.scalar(sa.select(StartupInvitation).where(
        StartupInvitation.startup_id == founder.startup.id))
    assert invitation.email == "new.cofounder@example.org"
    assert invitation.invited_by_id == founder.id
    assert len(mail_outbox) == 1
    assert mail_outbox[0].to == ["new.cofounder@example.org"]
    assert founder.startup.name in mail_outbox[0].subject
    assert link_from(mail_outbox[0]).startswith("/startups/invitations/")
    page = client.get(f"/startups/{founder.startup.slug}/members").text
    assert "new.cofounder@example.org" in page


def test_invitation_accepted_by_invited_user(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    invitee = factories.UserFactory(email="new.cofounder@example.org")
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    login(invitee)
    page = client.get(link)
    assert page.status_code == 200
    assert "Accept and join" in page.text
    response = client.post(link)
    assert response.status_code == 302
    membership = membership_of(invitee)
    assert membership.startup_id == founder.startup.id
    assert membership.is_founder is False
    invitation = db.session.scalar(sa.select(StartupInvitation).where(
        StartupInvitation.startup_id == founder.startup.id))
    assert invitation.accepted_by_id == invitee.id and invitation.accepted_at is not None


def test_invitation_anonymous_asked_to_log_in_and_come_back(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    client.post("/auth/logout")
    with client.session_transaction() as session:
        session.clear()
    page = client.get(link)
    assert page.status_code == 200
    assert f"/auth/login?next={link}" in page.text
    assert client.post(link).status_code == 200  # nothing to accept without logging in
    assert db.session.scalar(sa.select(sa.func.count(StartupMembership.id)).where(
        StartupMembership.startup_id == founder.startup.id)) == 1


def test_invitation_wrong_email_refused(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    other = factories.UserFactory(email="someone.else@example.org")
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    login(other)
    response = client.post(link)
    assert response.status_code == 409
    assert "was sent to new.cofounder@example.org" in response.text
    assert membership_of(other) is None


def test_invitation_expired_refused(client, login, mail_outbox, travel):
    founder = factories.StartupUserFactory()
    invitee = factories.UserFactory(email="new.cofounder@example.org")
    travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC))
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    travel(datetime(2026, 3, 1, 9, 0, tzinfo=UTC) + timedelta(days=15))
    login(invitee)
    response = client.post(link)
    assert response.status_code == 400
    assert "expired" in response.text
    assert membership_of(invitee) is None


def test_invitation_refused_for_member_of_another_startup(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    busy = factories.StartupUserFactory(email="new.cofounder@example.org")
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    login(busy)
    response = client.post(link)
    assert response.status_code == 409
    assert "already belong to a start-up" in response.text
    assert membership_of(busy).startup_id != founder.startup.id


def test_invitation_refused_for_partner_member(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    partner_user = factories.PartnerUserFactory(email="new.cofounder@example.org")
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    login(partner_user)
    response = client.post(link)
    assert response.status_code == 409
    assert "partner company" in response.text
    assert membership_of(partner_user) is None


def test_invitation_refused_for_unconfirmed_user(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    invitee = factories.UserFactory(email="new.cofounder@example.org", unconfirmed=True)
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    login(invitee)
    response = client.post(link)
    assert "confirm your e-mail" in response.text
    assert membership_of(invitee) is None


def test_invitation_already_accepted_refused(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    invitee = factories.UserFactory(email="new.cofounder@example.org")
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    login(invitee)
    assert client.post(link).status_code == 302
    response = client.get(link)
    assert "already been accepted" in response.text


def test_invitation_tampered_token_refused(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    response = client.get(link[:-3] + "xyz")
    assert response.status_code == 400
    assert "not valid" in response.text


def test_invitation_cancelled_link_stops_working(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    invite(client, login, founder)
    link = link_from(mail_outbox[0])
    invitation = db.session.scalar(sa.select(StartupInvitation).where(
        StartupInvitation.startup_id == founder.startup.id))
    response = client.post(
        f"/startups/{founder.startup.slug}/invitations/{invitation.id}/cancel")
    assert response.status_code == 302
    assert client.get(link).status_code == 400


def test_invite_existing_member_refused(client, login, mail_outbox):
    founder = factories.StartupUserFactory()
    login(founder)
    response = client.post(f"/startups/{founder.startup.slug}/members",
                           data={"email": founder.email})
    assert response.status_code == 422
    assert "Already a member" in response.text
    assert mail_outbox == []


def test_invite_refused_for_non_member(client, login):
    startup = factories.StartupFactory()
    login(factories.StartupUserFactory())
    assert client.get(f"/startups/{startup.slug}/members").status_code == 403
    response = client.post(f"/startups/{startup.slug}/members",
                           data={"email": "x@example.org"})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(StartupInvitation.id)).where(
        StartupInvitation.startup_id == startup.id)) == 0


def test_members_page_lists_members(client, login):
    founder = factories.StartupUserFactory(name="Giulia Founder")
    factories.StartupUserFactory(startup=founder.startup, founder=False, name="Marco Member")
    login(founder)
    page = client.get(f"/startups/{founder.startup.slug}/members").text
    assert "Giulia Founder" in page and "Marco Member" in page
