"""The pilot pages: my pilots, one pilot, its buttons; hidden from outsiders."""
from __future__ import annotations

import sqlalchemy as sa

from alliance.core.audit import AuditEvent
from alliance.extensions import db
from alliance.matching import models as mm
from tests import factories as f
from tests.matching.pilot_helpers import pilot_with_people


def _audited(pilot) -> list[str]:
    return list(db.session.scalars(
        sa.select(AuditEvent.action).where(AuditEvent.object_type == "pilot",
                                           AuditEvent.object_id == pilot.id)
        .order_by(AuditEvent.id)))


# -- the list -------------------------------------------------------------------------------

def test_my_pilots_shows_own_pilots_to_answer_first(client, login_as, now):
    startup = f.StartupFactory()
    founder = f.StartupUserFactory(startup=startup)
    agreed = f.PilotFactory(startup=startup, accepted=True,
                            challenge=f.ChallengeFactory(published=True, title="Agreed one"))
    waiting = f.PilotFactory(startup=startup,
                             challenge=f.ChallengeFactory(published=True, title="Waiting one"))
    f.PilotFactory(challenge=f.ChallengeFactory(published=True, title="Someone else's"))
    login_as(founder)

    html = client.get("/pilots/").text

    assert html.index("Waiting one") < html.index("Agreed one")
    assert "Someone else" not in html
    assert "1 pilot waits for your answer." in html
    assert f'href="/pilots/{waiting.id}"' in html and f'href="/pilots/{agreed.id}"' in html


def test_partner_sees_the_pilots_of_its_challenges_only(client, login_as):
    partner_user = f.PartnerUserFactory()
    ours = f.PilotFactory(challenge=f.ChallengeFactory(published=True, title="Our slot",
                                                      lead_partner=partner_user.partner))
    cosponsored = f.ChallengeFactory(published=True, title="Co-sponsored slot")
    cosponsored.cosponsors.append(partner_user.partner)
    f.PilotFactory(challenge=cosponsored)
    f.PilotFactory(challenge=f.ChallengeFactory(published=True, title="Other company"))
    login_as(partner_user)

    html = client.get("/pilots/").text

    assert "Our slot" in html and "Co-sponsored slot" in html
    assert "Other company" not in html
    assert f'href="/pilots/{ours.id}"' in html


def test_admin_sees_all_pilots_and_filters_by_call(client, login_as, admin):
    first, second = f.PilotFactory(), f.PilotFactory()
    login_as(admin)

    everything = client.get("/pilots/").text
    filtered = client.get(f"/pilots/?call_id={first.call_id}").text

    assert first.challenge.title in everything and second.challenge.title in everything
    assert first.challenge.title in filtered and second.challenge.title not in filtered


def test_my_pilots_query_count_does_not_grow(client, login_as, count_queries):
    partner_user = f.PartnerUserFactory()

    def measure(n):
        for _ in range(n):
            f.PilotFactory(challenge=f.ChallengeFactory(published=True,
                                                        lead_partner=partner_user.partner))
        login_as(partner_user)
        client.get("/pilots/")
        with count_queries() as statements:
            assert client.get("/pilots/").status_code == 200
        return len(statements)

    assert measure(2) == measure(8)


def test_my_pilots_requires_login(client):
    assert client.get("/pilots/").status_code == 302


# -- one pilot ------------------------------------------------------------------------------

def test_pilot_page_shows_match_and_answer_buttons(client, login_as):
    pilot, founder, _partner = pilot_with_people()
    login_as(founder)

    html = client.get(f"/pilots/{pilot.id}").text

    assert pilot.challenge.title in html and pilot.startup.name in html
    assert "75.0 / 100" in html
    assert ("score 75.00; the start-up&#39;s choice no. 1 of 1; no. 1 of 2 in the "
            "committee&#39;s ranking") in html
    assert f'action="/pilots/{pilot.id}/accept"' in html
    assert f'action="/pilots/{pilot.id}/decline"' in html
    assert f'action="/pilots/{pilot.id}/start"' not in html
    assert "Proposed by the matching" in html


def test_pilot_reason_is_said_in_the_reader_language(client, login_as):
    # Stored as facts at lock time (the admin's language then does not matter).
    pilot, founder, _partner = pilot_with_people()
    founder.locale = "it"
    login_as(founder)

    html = client.get(f"/pilots/{pilot.id}", headers={"Accept-Language": "it"}).text

    assert "punteggio 75.00" in html and "score 75.00" not in html


def test_contacts_are_hidden_until_both_sides_accept(client, login_as):
    pilot, founder, partner_user = pilot_with_people()

    login_as(founder)
    before = client.get(f"/pilots/{pilot.id}").text
    assert partner_user.email not in before
    assert "Contact details are shared once both sides have accepted" in before

    client.post(f"/pilots/{pilot.id}/accept")
    halfway = client.get(f"/pilots/{pilot.id}").text
    assert partner_user.email not in halfway
    assert "Your side accepted this pilot" in halfway

    login_as(partner_user)
    assert founder.email not in client.get(f"/pilots/{pilot.id}").text
    response = client.post(f"/pilots/{pilot.id}/accept", follow_redirects=True)
    assert "You accepted the pilot." in response.text
    assert founder.email in response.text
    login_as(founder)
    after = client.get(f"/pilots/{pilot.id}").text
    assert partner_user.email in after and "Accepted by the partner" in after
    db.session.expire_all()
    assert pilot.status == mm.ACCEPTED
    assert _audited(pilot) == ["matching.pilot_accepted", "matching.pilot_accepted",
                               "matching.pilot_agreed"]


def test_cosponsor_sees_the_pilot_but_may_not_answer(client, login_as):
    pilot, _founder, _partner = pilot_with_people()
    cosponsor = f.PartnerFactory()
    pilot.challenge.cosponsors.append(cosponsor)
    member = f.PartnerUserFactory(partner=cosponsor)
    login_as(member)

    html = client.get(f"/pilots/{pilot.id}").text
    response = client.post(f"/pilots/{pilot.id}/accept", follow_redirects=True)

    assert f'action="/pilots/{pilot.id}/accept"' not in html
    assert "Only the start-up and the partner" in response.text
    db.session.expire_all()
    assert pilot.startup_accepted_at is None and pilot.partner_accepted_at is None


def test_outsiders_get_404_for_every_pilot_route(client, login_as):
    pilot, _founder, _partner = pilot_with_people()
    outsiders = [f.StartupUserFactory(), f.PartnerUserFactory(), f.UserFactory(jury=True)]

    for outsider in outsiders:
        login_as(outsider)
        assert client.get(f"/pilots/{pilot.id}").status_code == 404
        for action in ("accept", "decline", "start", "complete"):
            assert client.post(f"/pilots/{pilot.id}/{action}",
                               data={"reason": "x", "outcome": "x"}).status_code == 404
        assert client.get(f"/pilots/{pilot.id + 1000}").status_code == 404
    db.session.expire_all()
    assert pilot.status == mm.PROPOSED and _audited(pilot) == []


def test_failed_decline_keeps_the_text_with_422(client, login_as):
    pilot, founder, _partner = pilot_with_people()
    login_as(founder)

    response = client.post(f"/pilots/{pilot.id}/decline", data={"reason": "  "})

    assert response.status_code == 422
    assert "A reason is required." in response.text
    db.session.expire_all()
    assert pilot.status == mm.PROPOSED


def test_decline_too_long_keeps_what_was_typed(client, login_as):
    pilot, founder, _partner = pilot_with_people()
    login_as(founder)
    typed = "We cannot <b>do</b> it. " * 100

    response = client.post(f"/pilots/{pilot.id}/decline", data={"reason": typed})

    assert response.status_code == 422
    assert "We cannot &lt;b&gt;do&lt;/b&gt; it." in response.text


def test_decline_through_the_page_mails_admins(client, login_as, admin, mail_outbox):
    pilot, founder, partner_user = pilot_with_people()
    login_as(founder)

    response = client.post(f"/pilots/{pilot.id}/decline",
                           data={"reason": "We pivoted to water."}, follow_redirects=True)

    assert "You declined the pilot." in response.text
    assert "We pivoted to water." in response.text
    assert partner_user.email not in response.text
    assert {m.to[0] for m in mail_outbox} == {admin.email, partner_user.email}
    db.session.expire_all()
    assert pilot.status == mm.DECLINED


def test_partner_starts_and_completes_through_the_page(client, login_as):
    pilot, founder, partner_user = pilot_with_people(accepted=True)
    login_as(founder)
    assert f'action="/pilots/{pilot.id}/start"' not in client.get(f"/pilots/{pilot.id}").text
    assert client.post(f"/pilots/{pilot.id}/start", follow_redirects=True).status_code == 200
    db.session.expire_all()
    assert pilot.status == mm.ACCEPTED

    login_as(partner_user)
    assert f'action="/pilots/{pilot.id}/start"' in client.get(f"/pilots/{pilot.id}").text
    client.post(f"/pilots/{pilot.id}/start")
    empty = client.post(f"/pilots/{pilot.id}/complete", data={"outcome": ""})
    assert empty.status_code == 422 and "The outcome is required." in empty.text
    done = client.post(f"/pilots/{pilot.id}/complete",
                       data={"outcome": "Twelve trams equipped."}, follow_redirects=True)

    assert "Twelve trams equipped." in done.text and "Started" in done.text
    db.session.expire_all()
    assert pilot.status == mm.COMPLETED
    assert _audited(pilot) == ["matching.pilot_started", "matching.pilot_completed"]


def test_pilot_posts_need_a_csrf_token(client, login_as, app, monkeypatch):
    pilot, founder, _partner = pilot_with_people()
    login_as(founder)
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)

    assert client.post(f"/pilots/{pilot.id}/accept").status_code == 400
    assert client.post(f"/pilots/{pilot.id}/decline",
                       data={"reason": "No."}).status_code == 400
    db.session.expire_all()
    assert pilot.status == mm.PROPOSED and pilot.startup_accepted_at is None


# -- the dashboard panel --------------------------------------------------------------------

def test_dashboard_panel_lists_pilots_to_answer_first(app, now):
    from flask import render_template
    from flask_login import login_user

    from alliance.matching.pilot_queries import pilots_panel_context

    partner_user = f.PartnerUserFactory()
    agreed = f.PilotFactory(accepted=True, challenge=f.ChallengeFactory(
        published=True, title="Agreed slot", lead_partner=partner_user.partner))
    waiting = f.PilotFactory(challenge=f.ChallengeFactory(
        published=True, title="Waiting slot", lead_partner=partner_user.partner))
    with app.test_request_context():
        login_user(partner_user)
        html = render_template("matching/_pilots_panel.html",
                               **pilots_panel_context(user=partner_user, now=now))
        login_user(f.StartupUserFactory())
        empty = render_template("matching/_pilots_panel.html",
                                **pilots_panel_context(user=partner_user, now=now) | {
                                    "pilots": []})

    assert html.index("Waiting slot") < html.index("Agreed slot")
    assert "1 waiting for your answer" in html and html.count("To answer") == 1
    assert f'href="/pilots/{waiting.id}"' in html and f'href="/pilots/{agreed.id}"' in html
    assert empty.strip() == ""
