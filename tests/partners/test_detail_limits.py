"""Issue 7: a partner's page shows at most 12 current (open or upcoming) challenges, soonest
deadline first, and the 10 most recent past ones, with links to the full lists on
/challenges/ (filtered by partner and state) whose totals match the page's counts."""
from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

from alliance.challenges.models import (
    ARCHIVED,
    CLOSED,
    DECIDED,
    DRAFT,
    IN_EVALUATION,
    PUBLISHED,
    SUBMITTED,
)
from alliance.extensions import db
from tests import factories

CARD = re.compile(r'class="stretched-link[^"]*" href="/challenges/([^"]+)"')
PAST_ROW = re.compile(r'<a class="fw-semibold" href="/challenges/([^"]+)"')
DAY = timedelta(days=1)


def _challenge(partner, status, opens_at, deadline, *, cosponsor=False):
    other = factories.PartnerFactory()
    lead, cosponsors = (other, [partner]) if cosponsor else (partner, [other])
    return factories.ChallengeFactory(
        status=status, opens_at=opens_at, deadline=deadline, lead_partner=lead,
        cosponsors=cosponsors, published_at=None if status in (DRAFT, SUBMITTED) else opens_at,
        with_criteria=False,
    )


def _many(partner, now):
    """15 current (open and upcoming, led and co-sponsored, with tied deadlines), 13 past
    (every past state, one closed before its deadline), and drafts that must not count."""
    current = []
    for i in range(15):
        opens_at = now - 5 * DAY if i % 3 else now + 2 * DAY  # every third is upcoming
        current.append(_challenge(partner, PUBLISHED, opens_at, now + (20 + i % 7) * DAY,
                                  cosponsor=i % 4 == 0))
    past = []
    statuses = [PUBLISHED, CLOSED, IN_EVALUATION, DECIDED, ARCHIVED]
    for i in range(12):
        deadline = now - (1 + i % 5) * DAY
        past.append(_challenge(partner, statuses[i % 5], deadline - 30 * DAY, deadline,
                               cosponsor=i % 3 == 0))
    past.append(_challenge(partner, CLOSED, now - 5 * DAY, now + 9 * DAY))  # closed early
    for status in (DRAFT, SUBMITTED):
        _challenge(partner, status, now - 5 * DAY, now + DAY)
    _challenge(factories.PartnerFactory(), PUBLISHED, now - 5 * DAY, now + DAY)  # not theirs
    db.session.flush()
    current.sort(key=lambda c: (c.deadline, c.id))
    past.sort(key=lambda c: (c.deadline, c.id), reverse=True)
    return [c.slug for c in current], [c.slug for c in past]


def _sections(html: str) -> tuple[list[str], list[str], str, str]:
    head, tail = html.split('id="past-title"')
    return CARD.findall(head), PAST_ROW.findall(tail), head, tail


def _get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return unescape(response.get_data(as_text=True))


def test_partner_page_shows_the_first_of_each_with_links(now, travel, client):
    partner = factories.PartnerFactory()
    current, past = _many(partner, now)
    slug = partner.slug
    db.session.commit()
    travel(now)
    shown_current, shown_past, head, tail = _sections(_get(client, f"/partners/{slug}"))
    assert shown_current == current[:12]
    assert shown_past == past[:10]
    assert (f'href="/challenges/?partner={slug}&state=current">All 15 open and upcoming '
            f'challenges') in head
    assert f'href="/challenges/?partner={slug}&state=closed">All 13 past challenges' in tail

    # The links lead to lists with the same totals and the same challenges.
    listed = _get(client, f"/challenges/?partner={slug}&state=current")
    assert "15 challenges" in listed
    assert CARD.findall(listed) == current
    assert '<option selected value="current">' in listed
    listed = _get(client, f"/challenges/?partner={slug}&state=closed")
    assert "13 challenges" in listed
    assert sorted(CARD.findall(listed)) == sorted(past)


def test_partner_page_member_sees_the_same_counts(now, travel, client, login_as):
    """The partner's own drafts stay on the dashboard, not on the public page."""
    partner = factories.PartnerFactory()
    current, past = _many(partner, now)
    member = factories.PartnerUserFactory(partner=partner)
    slug = partner.slug
    db.session.commit()
    travel(now)
    login_as(member)
    shown_current, shown_past, head, tail = _sections(_get(client, f"/partners/{slug}"))
    assert shown_current == current[:12] and shown_past == past[:10]
    assert "All 15 open and upcoming challenges" in head
    assert "All 13 past challenges" in tail


def test_partner_page_with_few_shows_all_without_links(now, travel, client):
    partner = factories.PartnerFactory()
    open_one = _challenge(partner, PUBLISHED, now - DAY, now + 3 * DAY)
    closed_one = _challenge(partner, DECIDED, now - 40 * DAY, now - 10 * DAY, cosponsor=True)
    slug = partner.slug
    db.session.commit()
    travel(now)
    html = _get(client, f"/partners/{slug}")
    shown_current, shown_past, _head, _tail = _sections(html)
    assert shown_current == [open_one.slug] and shown_past == [closed_one.slug]
    assert "All 1 " not in html and "state=current" not in html and "state=closed" not in html


def test_partner_page_with_nothing(now, travel, client):
    partner = factories.PartnerFactory()
    name, slug = partner.name, partner.slug
    db.session.commit()
    travel(now)
    html = _get(client, f"/partners/{slug}")
    assert f"{name} has no open challenge right now." in html
    assert "No past challenge yet." in html


def test_partner_page_queries_do_not_grow(now, travel, client, count_queries):
    partner = factories.PartnerFactory()
    _challenge(partner, PUBLISHED, now - DAY, now + 3 * DAY)
    _challenge(partner, CLOSED, now - 40 * DAY, now - 10 * DAY)
    slug = partner.slug
    db.session.commit()
    travel(now)

    def count() -> int:
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(f"/partners/{slug}").status_code == 200
        return len(statements)

    few = count()
    _many(db.session.merge(partner), now)
    db.session.commit()
    assert count() == few
