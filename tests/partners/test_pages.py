"""Partner pages and the partner dashboard."""
from __future__ import annotations

import re
from datetime import timedelta

from alliance.challenges.models import CLOSED, DECIDED
from tests import factories
from tests.factories import PAST


def test_partners_index_lists_the_nine_with_open_counts(client):
    a2a = factories.ChallengeFactory(published=True).lead_partner  # a fresh partner, 1 open
    response = client.get("/partners/")
    assert response.status_code == 200
    for name in ("A2A Smart City", "Accenture", "ATM", "Cisco", "Coima", "Enel X", "IBM",
                 "Siemens", "TIM"):
        assert name in response.text
    assert "Enel X works on electric mobility" in response.text  # the description
    assert a2a.name in response.text
    assert "1 open challenge" in response.text


def test_partners_index_counts_lead_and_cosponsored_open_only(client):
    partner = factories.PartnerFactory(name="Zeta Counting S.p.A.")
    factories.ChallengeFactory(published=True, lead_partner=partner)
    factories.ChallengeFactory(published=True, cosponsors=[partner])
    factories.ChallengeFactory(lead_partner=partner)  # draft
    factories.ChallengeFactory(closed=True, lead_partner=partner)  # deadline passed
    factories.ChallengeFactory(upcoming=True, lead_partner=partner)  # not open yet
    text = client.get("/partners/").text
    card = text[text.index("Zeta Counting S.p.A."):]
    assert re.search(r"2 open challenges", card[:1500])


def test_partner_detail_open_and_past(client):
    partner = factories.PartnerFactory(name="Detail Co", website="https://detail.example")
    factories.ChallengeFactory(title="Open led", published=True, lead_partner=partner)
    factories.ChallengeFactory(title="Open co-sponsored", published=True, cosponsors=[partner])
    factories.ChallengeFactory(title="Past one", status=DECIDED, lead_partner=partner,
                               deadline=PAST + timedelta(days=10))
    factories.ChallengeFactory(title="Closed co-sponsored", status=CLOSED, cosponsors=[partner],
                               deadline=PAST + timedelta(days=10))
    factories.ChallengeFactory(title="Secret draft", lead_partner=partner)
    factories.ChallengeFactory(title="Someone else's", published=True)
    response = client.get(f"/partners/{partner.slug}")
    assert response.status_code == 200
    text = response.text
    assert "https://detail.example" in text
    current, past = text.split("Past challenges", 1)
    assert "Open led" in current and "Open co-sponsored" in current
    assert "Past one" in past and "Closed co-sponsored" in past
    assert "Secret draft" not in text and "Someone else" not in text


def test_partner_detail_unknown_not_found(client):
    assert client.get("/partners/nobody").status_code == 404


def test_real_partner_page(client):
    response = client.get("/partners/enel-x")
    assert response.status_code == 200
    assert "Enel X" in response.text
    assert "no open challenge right now" in response.text


# -- the dashboard -------------------------------------------------------------------

def test_dashboard_requires_login(client):
    response = client.get("/partner/dashboard")
    assert response.status_code == 302
    assert "/auth/login" in response.headers["Location"]


def test_dashboard_forbidden_to_startup_and_admin_without_company(client, login_as):
    login_as(factories.StartupUserFactory())
    assert client.get("/partner/dashboard").status_code == 403
    login_as(factories.UserFactory(admin=True))
    assert client.get("/partner/dashboard").status_code == 403


def test_dashboard_lists_every_state_with_counts(client, login_as, partner, partner_user):
    draft = factories.ChallengeFactory(title="Our draft", lead_partner=partner)
    open_ = factories.ChallengeFactory(title="Our open one", lead_partner=partner, published=True)
    closed = factories.ChallengeFactory(title="Our closed one", lead_partner=partner, closed=True)
    factories.ChallengeFactory(title="Co-sponsored", cosponsors=[partner], submitted=True)
    factories.ChallengeFactory(title="Not ours", published=True)
    for _ in range(2):
        factories.ProposalFactory(challenge=open_, submitted=True)
    factories.ProposalFactory(challenge=open_)
    factories.ProposalFactory(challenge=open_, withdrawn=True)
    factories.ProposalFactory(challenge=closed, submitted=True)
    login_as(partner_user)
    response = client.get("/partner/dashboard")
    assert response.status_code == 200
    text = response.text
    for title in ("Our draft", "Our open one", "Our closed one", "Co-sponsored"):
        assert title in text
    assert "Not ours" not in text

    def row(challenge):
        start = text.index(f'id="challenge-{challenge.id}"')
        return text[start:text.index("</tr>", start)]

    assert re.search(r'count-submitted">2<', row(open_))
    assert re.search(r'count-drafts">1<', row(open_))
    assert re.search(r'count-submitted">1<', row(closed))
    assert re.search(r'count-submitted">0<', row(draft))
    # links: edit/criteria/terms on the draft, the proposals once the deadline has passed
    assert f"/challenges/{draft.slug}/edit" in row(draft)
    assert f"/challenges/{draft.slug}/criteria" in row(draft)
    assert f"/challenges/{draft.slug}/terms" in row(draft)
    assert f"/challenges/{closed.slug}/proposals" in row(closed)
    assert f"/challenges/{open_.slug}/proposals" not in row(open_)
    assert f"/challenges/{open_.slug}/edit" not in row(open_)
    assert 'href="/challenges/new"' in text


def test_dashboard_empty(client, login_as, partner_user):
    login_as(partner_user)
    response = client.get("/partner/dashboard")
    assert "No challenge yet" in response.text
