"""Issue 7: /challenges/ reads its page as two index-ordered slices (the challenges whose
deadline is ahead, then the past ones) instead of sorting every public challenge; the
rows, their order, the totals and the paging stay what the old single query gave."""
from __future__ import annotations

import itertools
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from alliance.auth import policy
from alliance.auth.models import ADMIN
from alliance.challenges import services
from alliance.challenges import views as challenge_views
from alliance.challenges.models import (
    ARCHIVED,
    CLOSED,
    DECIDED,
    DRAFT,
    IN_EVALUATION,
    PUBLIC_STATUSES,
    PUBLISHED,
    SUBMITTED,
    Challenge,
)
from alliance.extensions import db
from tests import factories

CARD = re.compile(r'class="stretched-link[^"]*" href="/challenges/([^"]+)"')


class Mixed:
    """Every kind of challenge around ``now``: open, upcoming, published with the deadline
    passed, closed (also closed before its deadline), in evaluation, decided, archived,
    drafts and submitted ones; deadlines that tie, and one exactly at ``now``; spread over
    two themes, two calls and three partners (leading or co-sponsoring)."""

    def __init__(self, now):
        self.now = now
        self.themes = [factories.ThemeFactory() for _ in range(2)]
        self.calls = [factories.CallFactory() for _ in range(2)]
        self.partners = [factories.PartnerFactory() for _ in range(3)]
        day = timedelta(days=1)
        # (status, opens_at, deadline): the deadlines repeat to test the tie-breaks.
        kinds = []
        for k in (3, 3, 8, 1, 15, 8):
            kinds.append((PUBLISHED, now - 10 * day, now + k * day))  # open
        for k in (40, 40, 55):
            kinds.append((PUBLISHED, now + 5 * day, now + k * day))  # upcoming
        for k in (2, 2, 30, 0):  # deadline passed (0: exactly now, so past)
            kinds.append((PUBLISHED, now - (k + 30) * day, now - k * day))
        for status in (CLOSED, IN_EVALUATION, DECIDED, ARCHIVED):
            for k in (2, 12, 90):
                kinds.append((status, now - (k + 30) * day, now - k * day))
        kinds.append((CLOSED, now - 10 * day, now + 8 * day))  # closed before its deadline
        kinds.append((IN_EVALUATION, now - 10 * day, now + 3 * day))
        for status in (DRAFT, SUBMITTED):
            kinds.append((status, now - 10 * day, now + 2 * day))
            kinds.append((status, now - 40 * day, now - 2 * day))
        self.challenges = []
        for i, (status, opens_at, deadline) in enumerate(kinds):
            cosponsors = [self.partners[0]] if i % 4 == 1 else []
            self.challenges.append(factories.ChallengeFactory(
                status=status, opens_at=opens_at, deadline=deadline,
                published_at=None if status in (DRAFT, SUBMITTED) else opens_at,
                theme=self.themes[i % 2], call=self.calls[i % 3 % 2],
                lead_partner=self.partners[i % 3], cosponsors=cosponsors, with_criteria=False,
            ))
        db.session.flush()

    def expected(self, *, theme=None, partner=None, call=None, state="") -> list[int]:
        """The ids the list shows, by the old rule, computed here in Python: still running
        first (soonest deadline, then id), then the past ones (latest deadline, then id)."""
        now = self.now

        def shown(c: Challenge) -> bool:
            if c.status not in PUBLIC_STATUSES:
                return False
            if theme and c.theme.slug != theme:
                return False
            if partner and partner not in [c.lead_partner.slug, *(p.slug for p in c.cosponsors)]:
                return False
            if call and c.call.slug != call:
                return False
            published = c.status == PUBLISHED
            return {
                "": True,
                "open": published and c.opens_at <= now < c.deadline,
                "upcoming": published and c.opens_at > now,
                "current": published and c.deadline > now,
                "closed": not published or c.deadline <= now,
            }[state]

        rows = [c for c in self.challenges if shown(c)]
        running = sorted((c for c in rows if c.deadline > now), key=lambda c: (c.deadline, c.id))
        past = sorted((c for c in rows if c.deadline <= now),
                      key=lambda c: (-c.deadline.timestamp(), c.id))
        return [c.id for c in running + past]


def _old_query_ids(visible, now, **filters) -> list[int]:
    """The old page's rows: one query sorting with ``ORDER BY CASE ...``."""
    query = services.public_challenges_query(visible=visible, now=now, **filters)
    return list(db.session.scalars(query.with_only_columns(Challenge.id)))


def _paged_ids(visible, now, per_page, **filters) -> tuple[list[int], list]:
    """Every page of the new reading, in turn, until an empty one."""
    ids, pages = [], []
    for page in itertools.count(1):
        pagination = services.public_challenges_page(visible=visible, now=now, page=page,
                                                     per_page=per_page, **filters)
        if not pagination.items:
            return ids, pages
        pages.append(pagination)
        ids += [c.id for c in pagination.items]


def test_list_order_same_as_old_rule_for_every_filter(now):
    world = Mixed(now)
    theme, call = world.themes[0].slug, world.calls[0].slug
    combos = itertools.product([None, theme], [None, world.partners[0].slug, "no-such-partner"],
                               [None, call], ["", "open", "upcoming", "current", "closed"])
    checked = 0
    for theme_f, partner_f, call_f, state in combos:
        filters = {"theme": theme_f, "partner": partner_f, "call": call_f, "state": state}
        expected = world.expected(**filters)
        assert _old_query_ids(sa.true(), now, **filters) == expected, filters
        for per_page in (4, 7, 100):
            ids, pages = _paged_ids(sa.true(), now, per_page, **filters)
            assert ids == expected, (filters, per_page)
            for pagination in pages:
                assert pagination.total == len(expected)
                assert pagination.pages == -(-len(expected) // per_page)
        checked += bool(expected)
    assert checked > 30  # most combinations list something


def test_list_order_for_a_partner_member_and_an_admin(now):
    """Their wider visibility changes nothing on the public list."""
    world = Mixed(now)
    member = factories.PartnerUserFactory(partner=world.partners[1])
    admin = factories.UserFactory()
    factories.UserRoleFactory(user=admin, role=ADMIN)
    for user in (member, admin):
        visible = policy.visible_challenges(user)
        ids, _pages = _paged_ids(visible, now, 5)
        assert ids == world.expected() == _old_query_ids(visible, now)


def test_page_straddling_running_and_past(now):
    """A page that holds the last running challenges and the first past ones."""
    world = Mixed(now)
    expected = world.expected()
    running = sum(1 for i in expected if db.session.get(Challenge, i).deadline > now)
    assert running == 11  # 6 open, 3 upcoming, closed early, in evaluation early
    second = services.public_challenges_page(visible=sa.true(), now=now, page=2, per_page=8)
    assert [c.id for c in second.items] == expected[8:16]
    assert [c.deadline > now for c in second.items] == [True] * 3 + [False] * 5
    third = services.public_challenges_page(visible=sa.true(), now=now, page=3, per_page=8)
    assert [c.id for c in third.items] == expected[16:24]
    beyond = services.public_challenges_page(visible=sa.true(), now=now, page=50, per_page=8)
    assert beyond.items == [] and beyond.total == len(expected) and beyond.page == 50


def test_newest_sort_unchanged(now):
    """Newest first (publication date, then id, both descending), paged, filtered."""
    world = Mixed(now)
    shown = [c for c in world.challenges if c.status in PUBLIC_STATUSES]
    shown.sort(key=lambda c: (c.published_at, c.id), reverse=True)
    assert len({c.published_at for c in shown}) < len(shown)  # ties, broken by id
    ids, _pages = _paged_ids(sa.true(), now, 4, sort="newest")
    assert ids == [c.id for c in shown]
    for state, theme in itertools.product(["", "current", "closed"],
                                          [None, world.themes[1].slug]):
        filters = {"state": state, "theme": theme, "sort": "newest"}
        ids, pages = _paged_ids(sa.true(), now, 3, **filters)
        assert ids == _old_query_ids(sa.true(), now, **filters)
        assert sorted(ids) == sorted(world.expected(state=state, theme=theme))
        assert all(p.total == len(ids) for p in pages)


def _walk(client, url: str) -> tuple[list[str], str]:
    """The card slugs of every page of ``url``, and the first page's HTML."""
    slugs, first = [], None
    for page in itertools.count(1):
        html = client.get(f"{url}{'&' if '?' in url else '?'}page={page}").get_data(as_text=True)
        first = first or html
        found = CARD.findall(html)
        if not found:
            return slugs, first
        slugs += found


@pytest.mark.parametrize("query", ["", "?state=current", "?state=closed", "?partner={partner}",
                                   "?partner={partner}&state=closed&theme={theme}",
                                   "?sort=newest&theme={theme}"])
def test_list_pages_over_http(query, now, travel, client, monkeypatch):
    world = Mixed(now)
    monkeypatch.setattr(challenge_views, "PER_PAGE", 4)
    partner, theme = world.partners[0].slug, world.themes[0].slug
    filters = dict(f.split("=") for f in query.lstrip("?").split("&") if f)
    filters = {k: v.format(partner=partner, theme=theme) for k, v in filters.items()}
    if filters.get("sort") == "newest":
        ids = _old_query_ids(sa.true(), now, **filters)
    else:
        ids = world.expected(**filters)
    expected = [db.session.get(Challenge, i).slug for i in ids]
    db.session.commit()
    travel(now)
    slugs, first = _walk(client, "/challenges/" + query.format(partner=partner, theme=theme))
    assert slugs == expected
    assert f"{len(expected)} challenges" in first
    if len(expected) > 4:
        assert f"page 1 of {-(-len(expected) // 4)}" in first
    if filters.get("state") == "current":
        assert '<option selected value="current">' in first


def test_list_page_queries_do_not_depend_on_the_page(now, travel, client, count_queries,
                                                     monkeypatch):
    """The first page (all running), the straddling page and a past page: same count."""
    Mixed(now)
    monkeypatch.setattr(challenge_views, "PER_PAGE", 8)
    db.session.commit()
    travel(now)
    counts = []
    for page in (1, 2, 3):
        db.session.expunge_all()
        with count_queries() as statements:
            assert client.get(f"/challenges/?page={page}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1] == counts[2]
