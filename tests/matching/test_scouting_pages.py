"""Scouting pages: a start-up's recommendations and invitations, a partner's
candidates and invitations; who may open them, CSRF, and bounded queries."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import render_template

from alliance.core.audit import AuditEvent
from alliance.core.models import utcnow
from alliance.extensions import db
from alliance.matching import scouting
from alliance.matching.models import ScoutingInvitation
from tests import factories

ENERGY_TEXT = ("Batterie e sensori per l'accumulo di energia negli edifici pubblici: "
               "gestione intelligente dei picchi di consumo.")


@pytest.fixture
def energy():
    return factories.ThemeFactory(name_it="Energia", name_en="Energy")


@pytest.fixture
def challenge(energy, partner):
    return factories.ChallengeFactory(
        published=True, theme=energy, lead_partner=partner, title="Batterie per gli edifici",
        summary="Accumulo di energia con batterie nei palazzi comunali.",
        description="Sensori e batterie per gestire i picchi di consumo di energia.",
        expected_outcomes="")


def _startup(name, pitch=ENERGY_TEXT, sectors=(), **kwargs):
    startup = factories.StartupFactory(name=name, pitch=pitch, **kwargs)
    startup.sectors = list(sectors)
    db.session.flush()
    return startup


def _order(html: str, attribute: str) -> list[str]:
    return re.findall(rf'{attribute}="([^"]+)"', html)


def _reasons(html: str) -> list[str]:
    return [r.strip() for r in re.findall(r'reason">([^<]*)<', html)]


# -- the start-up's page ---------------------------------------------------------------------

def test_recommendations_page_ranks_open_challenges_with_reasons(client, login_as, energy,
                                                                 challenge):
    other = factories.ChallengeFactory(published=True, title="Tram più puntuali",
                                       summary="Sensori sui tram.", description="Tram.",
                                       expected_outcomes="")
    factories.ChallengeFactory(published=True, title="Parcheggi", summary="Rastrelliere.",
                               description="Biciclette.", expected_outcomes="")
    user = factories.StartupUserFactory(startup=_startup("Accumulo Srl", sectors=[energy]))
    login_as(user)

    html = client.get("/startup/recommendations").text

    assert _order(html, "data-challenge") == [challenge.slug, other.slug]
    best, second = _reasons(html)
    assert {"energia", "batterie"} <= set(best.removeprefix("Shared: ").split(" · ")[0]
                                          .split(", "))
    assert best.endswith(" · Themes: Energy") and second == "Shared: sensori"
    assert f'action="/challenges/{challenge.slug}/apply"' in html


def test_recommendations_page_shows_invitations_and_marks_them_seen(client, login_as,
                                                                    challenge):
    startup = _startup("Accumulo Srl")
    invitation = factories.ScoutingInvitationFactory(
        challenge=challenge, startup=startup, message="Vi aspettiamo!",
        shared_terms=["batterie"], shares_theme=True)
    login_as(factories.StartupUserFactory(startup=startup))

    html = client.get("/startup/recommendations").text

    assert f'id="invitation-{invitation.id}"' in html and "Vi aspettiamo!" in html
    assert ">New invitation</span>" in html and "Shared: batterie · Themes: Energy" in html
    assert f'action="/startup/invitations/{invitation.id}/decline"' in html
    db.session.refresh(invitation)
    assert invitation.seen_at is not None
    assert ">New invitation</span>" not in client.get("/startup/recommendations").text


def test_recommendations_page_for_start_up_members_only(client, login_as, partner_user):
    assert client.get("/startup/recommendations").status_code == 302  # to the login page
    login_as(partner_user)
    assert client.get("/startup/recommendations").status_code == 403


def test_decline_own_invitation(client, login_as, challenge):
    startup = _startup("Accumulo Srl")
    invitation = factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)
    login_as(factories.StartupUserFactory(startup=startup))

    response = client.post(f"/startup/invitations/{invitation.id}/decline")

    assert response.status_code == 302
    assert response.headers["Location"].endswith("/startup/recommendations")
    db.session.refresh(invitation)
    assert invitation.declined_at is not None
    html = client.get("/startup/recommendations").text
    assert 'data-outcome="declined"' in html and "/decline" not in html


def test_decline_someone_elses_invitation_not_found(client, login_as, challenge, partner_user):
    invitation = factories.ScoutingInvitationFactory(challenge=challenge)
    for user in (factories.StartupUserFactory(), partner_user):
        login_as(user)
        assert client.post(f"/startup/invitations/{invitation.id}/decline").status_code == 404
    assert client.post("/startup/invitations/999999/decline").status_code == 404
    db.session.refresh(invitation)
    assert invitation.declined_at is None


# -- the partner's page ----------------------------------------------------------------------

def test_scouting_page_lists_public_candidates_not_those_that_applied(client, login_as, energy,
                                                                      challenge, partner_user):
    best = _startup("Accumulo Srl", sectors=[energy])
    weaker = _startup("Sensori Srl", pitch="Sensori per i palazzi.")
    hidden = _startup("Segreta Srl", sectors=[energy], is_public=False)
    applied = _startup("Candidata Srl", sectors=[energy])
    factories.ProposalFactory(challenge=challenge, startup=applied, submitted=True)
    login_as(partner_user)

    html = client.get(f"/challenges/{challenge.slug}/scouting").text

    assert _order(html, "data-startup") == [best.slug, weaker.slug]
    assert hidden.name not in html and hidden.slug not in html and applied.name not in html
    first, second = _reasons(html)
    assert "batterie" in first and first.endswith("Themes: Energy")
    assert second == "Shared: palazzi, sensori"
    assert html.count('class="mt-2 invite-form"') == 2


def test_scouting_page_refused_to_other_partners_and_start_ups(client, login_as, challenge,
                                                               partner):
    draft = factories.ChallengeFactory(lead_partner=partner)
    login_as(factories.PartnerUserFactory())
    assert client.get(f"/challenges/{challenge.slug}/scouting").status_code == 403
    assert client.get(f"/challenges/{draft.slug}/scouting").status_code == 404
    assert client.get("/challenges/no-such-challenge/scouting").status_code == 404
    login_as(factories.StartupUserFactory())
    assert client.get(f"/challenges/{challenge.slug}/scouting").status_code == 403
    startup = _startup("Accumulo Srl")
    assert client.post(f"/challenges/{challenge.slug}/scouting/{startup.slug}/invite",
                       data={"message": "hi"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(ScoutingInvitation.id))) == 0


def test_partner_dashboard_links_open_challenges_to_scouting(client, login_as, challenge,
                                                             partner_user):
    closed = factories.ChallengeFactory(closed=True, lead_partner=challenge.lead_partner)
    login_as(partner_user)

    html = client.get("/partner/dashboard").text

    assert f'href="/challenges/{challenge.slug}/scouting"' in html
    assert f'href="/challenges/{closed.slug}/scouting"' not in html


def test_scouting_page_open_to_co_sponsors_and_admins(client, login_as, challenge, admin):
    cosponsor = factories.PartnerUserFactory()
    challenge.cosponsors = [cosponsor.partner_membership.partner]
    for user in (cosponsor, admin):
        login_as(user)
        assert client.get(f"/challenges/{challenge.slug}/scouting").status_code == 200


def test_invite_mails_the_start_up_and_shows_on_the_page(client, login_as, energy, challenge,
                                                         partner_user, mail_outbox):
    startup = _startup("Accumulo Srl", sectors=[energy])
    member = factories.StartupUserFactory(startup=startup, locale="it")
    login_as(partner_user)

    response = client.post(f"/challenges/{challenge.slug}/scouting/{startup.slug}/invite",
                           data={"message": "Ci piacerebbe leggervi."})

    assert response.status_code == 302
    invitation = db.session.scalars(sa.select(ScoutingInvitation)).one()
    assert (invitation.startup_id, invitation.message) == (startup.id, "Ci piacerebbe leggervi.")
    assert [m.to for m in mail_outbox] == [[member.email]]
    assert "Energia" in mail_outbox[0].body  # the member's language
    assert db.session.scalars(sa.select(AuditEvent.object_id).filter_by(
        action="matching.invitation_sent")).all() == [invitation.id]
    html = client.get(f"/challenges/{challenge.slug}/scouting").text
    assert "Invited on" in html and 'class="mt-2 invite-form"' not in html
    assert f'data-startup="{startup.slug}" data-outcome="pending"' in html
    assert re.search(r'data-outcome="pending">.*?<span class="count">1</span>', html, re.S)


def test_second_invite_refused_with_a_clear_message(client, login_as, challenge, partner_user,
                                                    mail_outbox):
    startup = _startup("Accumulo Srl")
    factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)
    login_as(partner_user)

    response = client.post(f"/challenges/{challenge.slug}/scouting/{startup.slug}/invite",
                           data={"message": "again"})

    assert response.status_code == 422
    assert "Accumulo Srl has already been invited to this challenge." in response.text
    assert mail_outbox == []
    assert db.session.scalar(sa.select(sa.func.count(ScoutingInvitation.id))) == 1


def test_invite_after_the_deadline_refused(client, login_as, partner, partner_user):
    closed = factories.ChallengeFactory(closed=True, lead_partner=partner)
    startup = _startup("Accumulo Srl")
    login_as(partner_user)

    response = client.post(f"/challenges/{closed.slug}/scouting/{startup.slug}/invite",
                           data={"message": ""})

    assert response.status_code == 422
    assert "start-ups can no longer be invited" in response.text
    assert db.session.scalar(sa.select(sa.func.count(ScoutingInvitation.id))) == 0


def test_invite_too_long_message_keeps_what_was_typed(client, login_as, energy, challenge,
                                                      partner_user):
    startup = _startup("Accumulo Srl", sectors=[energy])
    login_as(partner_user)
    text = "Lunghissimo " * 200

    response = client.post(f"/challenges/{challenge.slug}/scouting/{startup.slug}/invite",
                           data={"message": text})

    assert response.status_code == 422
    assert "At most 2000 characters." in response.text
    assert text.strip() in response.text and "<details open>" in response.text
    assert db.session.scalar(sa.select(sa.func.count(ScoutingInvitation.id))) == 0


def test_invite_private_start_up_not_found(client, login_as, challenge, partner_user):
    hidden = _startup("Segreta Srl", is_public=False)
    login_as(partner_user)

    response = client.post(f"/challenges/{challenge.slug}/scouting/{hidden.slug}/invite",
                           data={"message": ""})

    assert response.status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(ScoutingInvitation.id))) == 0


def test_posts_without_csrf_token_refused(app, client, login_as, monkeypatch, challenge,
                                          partner_user):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    startup = _startup("Accumulo Srl")
    invitation = factories.ScoutingInvitationFactory(challenge=challenge)
    login_as(partner_user)
    assert client.post(f"/challenges/{challenge.slug}/scouting/{startup.slug}/invite",
                       data={"message": ""}).status_code == 400
    login_as(factories.StartupUserFactory(startup=invitation.startup))
    assert client.post(f"/startup/invitations/{invitation.id}/decline").status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(ScoutingInvitation.id))) == 1
    db.session.refresh(invitation)
    assert invitation.declined_at is None


def test_scouting_page_queries_do_not_grow_with_start_ups(client, login_as, energy, challenge,
                                                          partner_user, count_queries):
    login_as(partner_user)

    def measure(n):
        for i in range(n):
            startup = _startup(f"Energia {i} Srl", sectors=[energy])
            factories.ProposalFactory(startup=startup, submitted=True,
                                      challenge=factories.ChallengeFactory(closed=True))
            factories.ScoutingInvitationFactory(challenge=challenge, startup=_startup(f"I{i}"))
        client.get(f"/challenges/{challenge.slug}/scouting")  # warm up
        with count_queries() as statements:
            response = client.get(f"/challenges/{challenge.slug}/scouting")
        assert response.status_code == 200
        return len(statements), response.text

    few, _html = measure(4)
    many, html = measure(12)
    assert few == many
    assert html.count('class="card mb-3 candidate"') == 30  # the page's limit
    assert html.count('<tr class="invitation"') == 16


# -- the dashboard's partials ------------------------------------------------------------------

def test_dashboard_partials_show_three_recommendations_and_open_invitations(app, energy,
                                                                            challenge):
    startup = _startup("Accumulo Srl", sectors=[energy])
    for i in range(4):
        factories.ChallengeFactory(published=True, theme=energy, description=f"Batterie {i}.")
    declined = factories.ScoutingInvitationFactory(startup=startup, declined_at=utcnow())
    factories.ScoutingInvitationFactory(challenge=challenge, startup=startup)
    now = utcnow()

    with app.test_request_context():
        context = scouting.startup_dashboard_context(startup=startup, now=now)
        recommended = render_template("matching/_recommended_challenges.html", now=now, **context)
        panel = render_template("matching/_invitations_panel.html", now=now, **context)

    assert recommended.count('class="list-group-item recommendation"') == 3
    assert 'href="/startup/recommendations">All recommendations' in recommended
    assert challenge.title in panel and declined.challenge.title not in panel
    assert "A partner invites you to apply" in panel
