"""A call's public results page: publishing, what it shows and to whom."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from alliance.challenges.models import DECIDED, IN_EVALUATION
from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.evaluation.models import NOT_SELECTED, SHORTLISTED, WINNER
from alliance.extensions import db
from alliance.matching import models as mm
from alliance.matching.results import publish_results, unpublish_results
from tests import factories as f


def _decided_challenge(call, title="Cleaner air near schools", **kwargs):
    return f.ChallengeFactory(call=call, status=DECIDED, published_at=f.PAST, title=title,
                              **kwargs)


def _decision(challenge, startup, outcome=WINNER):
    proposal = f.ProposalFactory(challenge=challenge, startup=startup, submitted=True)
    return f.DecisionFactory(proposal=proposal, outcome=outcome)


def _call_with_results():
    """A decided challenge with winners and pilots in every state."""
    call = f.CallFactory(slug="smart-2026", title="Smart City 2026")
    challenge = _decided_challenge(call)
    public = f.StartupFactory(name="TramSense", slug="tramsense")
    private = f.StartupFactory(name="Hidden Labs", slug="hidden-labs", is_public=False)
    _decision(challenge, public)
    _decision(challenge, private)
    _decision(challenge, f.StartupFactory(name="Also Ran"), NOT_SELECTED)
    _decision(challenge, f.StartupFactory(name="Short Listed"), SHORTLISTED)
    f.PilotFactory(challenge=challenge, startup=public, accepted=True)
    f.PilotFactory(challenge=challenge, startup=private, running=True)
    f.PilotFactory(challenge=challenge, startup=f.StartupFactory(name="Still Proposed"))
    f.PilotFactory(challenge=challenge, startup=f.StartupFactory(name="Said No"),
                   status=mm.DECLINED)
    return call, challenge


def _section(html: str, title: str) -> str:
    start = html.index(f"</i> {title}</h3>")
    end = html.find("</ul>", start)
    return html[start:end]


# -- publishing -----------------------------------------------------------------------------

def test_publish_creates_the_matching_row_and_audits(admin, now):
    call, _challenge = _call_with_results()

    matching = publish_results(call=call, user=admin, now=now)
    db.session.commit()

    assert matching.call_id == call.id and matching.results_published_at == now
    assert matching.results_published_by_id == admin.id
    event = db.session.scalars(sa.select(AuditEvent).where(
        AuditEvent.action == "matching.results_published")).one()
    assert (event.object_type, event.object_id, event.data) == (
        "call_matching", matching.id, {"call_id": call.id})


def test_publish_reuses_an_existing_matching(admin, now):
    call, _challenge = _call_with_results()
    existing = f.CallMatchingFactory(call=call, locked=True)

    assert publish_results(call=call, user=admin, now=now).id == existing.id
    assert existing.status == mm.LOCKED and existing.results_published


def test_publish_refused_while_a_challenge_is_undecided(admin, now):
    call, _challenge = _call_with_results()
    pending = f.ChallengeFactory(call=call, status=IN_EVALUATION, published_at=f.PAST,
                                 title="Smart parking")
    f.ProposalFactory(challenge=pending, submitted=True)
    # A challenge that received no proposal does not hold the results back.
    f.ChallengeFactory(call=call, closed=True, title="Nobody applied")

    with pytest.raises(DomainError, match="Smart parking") as refused:
        publish_results(call=call, user=admin, now=now)
    assert "Nobody applied" not in refused.value.message
    assert db.session.scalar(sa.select(mm.CallMatching).where(
        mm.CallMatching.call_id == call.id)) is None


def test_publish_refused_to_non_admins_twice_and_without_decisions(admin, now):
    call, _challenge = _call_with_results()
    with pytest.raises(DomainError):
        publish_results(call=call, user=f.PartnerUserFactory(), now=now)
    publish_results(call=call, user=admin, now=now)
    with pytest.raises(DomainError, match="already published"):
        publish_results(call=call, user=admin, now=now)
    with pytest.raises(DomainError, match="No challenge of this call is decided"):
        publish_results(call=f.CallFactory(), user=admin, now=now)


def test_unpublish_takes_the_page_offline(client, admin, now):
    call, _challenge = _call_with_results()
    publish_results(call=call, user=admin, now=now)
    assert client.get("/calls/smart-2026/results").status_code == 200

    unpublish_results(call=call, user=admin, now=now)

    assert client.get("/calls/smart-2026/results").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
        AuditEvent.action == "matching.results_unpublished")) == 1


# -- the page -------------------------------------------------------------------------------

def test_results_page_is_404_before_publishing(client, login_as):
    call, _challenge = _call_with_results()
    f.CallMatchingFactory(call=call, locked=True)

    assert client.get("/calls/smart-2026/results").status_code == 404
    login_as(f.PartnerUserFactory())
    assert client.get("/calls/smart-2026/results").status_code == 404
    assert client.get("/calls/no-such-call/results").status_code == 404


def test_admin_previews_and_publishes_through_the_page(client, login_as, admin):
    call, _challenge = _call_with_results()
    login_as(admin)

    preview = client.get("/calls/smart-2026/results").text
    assert "Preview: these results are not public yet." in preview
    assert f'action="/admin/calls/{call.id}/results/publish"' in preview

    published = client.post(f"/admin/calls/{call.id}/results/publish", follow_redirects=True)
    assert "The results of the call are public." in published.text
    assert "Preview" not in published.text
    assert db.session.scalar(sa.select(mm.CallMatching.results_published_at).where(
        mm.CallMatching.call_id == call.id)) is not None


def test_publish_route_is_for_admins_with_csrf(client, login_as, app, monkeypatch):
    call, _challenge = _call_with_results()
    login_as(f.PartnerUserFactory())
    assert client.post(f"/admin/calls/{call.id}/results/publish").status_code == 403

    login_as(f.UserFactory(admin=True))
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert client.post(f"/admin/calls/{call.id}/results/publish").status_code == 400
    assert db.session.scalar(sa.select(mm.CallMatching).where(
        mm.CallMatching.call_id == call.id)) is None


def test_publish_refusal_is_shown_on_the_page(client, login_as, admin):
    call, _challenge = _call_with_results()
    pending = f.ChallengeFactory(call=call, status=IN_EVALUATION, published_at=f.PAST,
                                 title="Smart parking")
    f.ProposalFactory(challenge=pending, submitted=True)
    login_as(admin)

    page = client.get("/calls/smart-2026/results").text
    response = client.post(f"/admin/calls/{call.id}/results/publish", follow_redirects=True)

    assert "Not decided yet: Smart parking." in page
    assert f'action="/admin/calls/{call.id}/results/publish"' not in page
    assert "Decide every challenge of the call" in response.text


def test_published_page_shows_winners_and_agreed_pilots_only(client, admin, now):
    call, challenge = _call_with_results()
    publish_results(call=call, user=admin, now=now)

    html = client.get("/calls/smart-2026/results").text

    assert f'href="/challenges/{challenge.slug}"' in html
    assert challenge.lead_partner.name in html
    winners = _section(html, "Winners")
    assert "TramSense" in winners and "Hidden Labs" in winners
    assert "Also Ran" not in html and "Short Listed" not in html
    pilots = _section(html, "Pilots")
    assert "TramSense" in pilots and "Agreed" in pilots
    assert "Hidden Labs" in pilots and "Running" in pilots
    assert "Still Proposed" not in html and "Said No" not in html
    assert 'href="/startups/tramsense"' in html
    assert "/startups/hidden-labs" not in html


def test_calls_index_lists_published_results_only(client, admin, now):
    call, _challenge = _call_with_results()
    f.CallFactory(title="Unpublished call")
    publish_results(call=call, user=admin, now=now)

    html = client.get("/calls/").text

    assert 'href="/calls/smart-2026/results"' in html
    assert "Unpublished call" not in html


def test_results_page_query_count_does_not_grow(client, admin, now, count_queries):
    call = f.CallFactory(slug="counted")
    f.CallMatchingFactory(call=call, published=True)

    def measure(n):
        for _ in range(n):
            challenge = _decided_challenge(call)
            startup = f.StartupFactory()
            _decision(challenge, startup)
            f.PilotFactory(challenge=challenge, startup=startup, accepted=True)
        client.get("/calls/counted/results")
        with count_queries() as statements:
            assert client.get("/calls/counted/results").status_code == 200
        return len(statements)

    assert measure(2) == measure(8)
