"""No N+1: the number of SQL queries of the busiest public pages does not grow with the rows."""
from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from alliance.challenges.models import Challenge, Criterion
from alliance.extensions import db
from tests import factories


def _challenges(n: int, *, partner, theme, call):
    """``n`` published challenges, each with two co-sponsors and three criteria."""
    cosponsors = [factories.PartnerFactory() for _ in range(2)]
    for _ in range(n):
        factories.ChallengeFactory(published=True, lead_partner=partner, theme=theme, call=call,
                                   cosponsors=cosponsors)


def _queries(client, count_queries, url: str) -> int:
    # The request shares the test's session: empty it, so nothing comes from its identity map.
    db.session.commit()
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


def test_challenge_list_queries_constant(client, count_queries):
    partner, theme, call = (factories.PartnerFactory(), factories.ThemeFactory(),
                            factories.CallFactory())
    slug = partner.slug
    _challenges(3, partner=partner, theme=theme, call=call)
    few = _queries(client, count_queries, "/challenges/")
    few_filtered = _queries(client, count_queries, f"/challenges/?partner={slug}&sort=newest")
    _challenges(27, partner=db.session.merge(partner), theme=factories.ThemeFactory(),
                call=factories.CallFactory())
    assert _queries(client, count_queries, "/challenges/") == few
    assert _queries(client, count_queries, f"/challenges/?partner={slug}&sort=newest") == \
        few_filtered


def test_challenge_detail_queries_constant(client, count_queries):
    small = factories.ChallengeFactory(published=True,
                                       cosponsors=[factories.PartnerFactory() for _ in range(3)])
    big = factories.ChallengeFactory(published=True, with_criteria=False,
                                     cosponsors=[factories.PartnerFactory() for _ in range(30)])
    for i in range(30):
        factories.CriterionFactory(challenge=big, weight=Decimal(i + 1), position=i)
    for i in range(1, 11):
        factories.ChallengeTermsFactory(challenge=big, version=i)
    big_slug, small_slug = big.slug, small.slug
    assert _queries(client, count_queries, f"/challenges/{big_slug}") == _queries(
        client, count_queries, f"/challenges/{small_slug}")
    big = db.session.merge(big)
    assert len(big.criteria) == 30 and isinstance(big.criteria[0], Criterion)


def test_challenge_detail_queries_constant_for_startup(client, login_as, count_queries):
    startup_user = factories.StartupUserFactory()
    small = factories.ChallengeFactory(published=True)
    big = factories.ChallengeFactory(published=True,
                                     cosponsors=[factories.PartnerFactory() for _ in range(30)])
    big_slug, small_slug = big.slug, small.slug
    login_as(startup_user)
    assert _queries(client, count_queries, f"/challenges/{big_slug}") == _queries(
        client, count_queries, f"/challenges/{small_slug}")


def test_partner_page_queries_constant(client, count_queries):
    partner = factories.PartnerFactory()
    slug = partner.slug
    theme, call = factories.ThemeFactory(), factories.CallFactory()
    _challenges(3, partner=partner, theme=theme, call=call)
    factories.ChallengeFactory(closed=True, lead_partner=partner)
    few = _queries(client, count_queries, f"/partners/{slug}")
    partner = db.session.merge(partner)
    _challenges(27, partner=partner, theme=factories.ThemeFactory(), call=factories.CallFactory())
    for _ in range(9):
        factories.ChallengeFactory(closed=True, cosponsors=[partner])
    many = _queries(client, count_queries, f"/partners/{slug}")
    assert many == few


def test_partner_list_and_dashboard_queries_constant(client, login_as, count_queries):
    partner = factories.PartnerFactory()
    login_as(factories.PartnerUserFactory(partner=partner))
    theme, call = factories.ThemeFactory(), factories.CallFactory()
    _challenges(3, partner=partner, theme=theme, call=call)
    few_list = _queries(client, count_queries, "/partners/")
    few_dash = _queries(client, count_queries, "/partner/dashboard")
    partner = db.session.merge(partner)
    _challenges(27, partner=partner, theme=factories.ThemeFactory(), call=factories.CallFactory())
    for challenge in db.session.scalars(
            sa.select(Challenge).where(Challenge.lead_partner_id == partner.id).limit(10)):
        factories.ProposalFactory(challenge=challenge, submitted=True)
        factories.ProposalFactory(challenge=challenge)
    assert _queries(client, count_queries, "/partner/dashboard") == few_dash
    assert _queries(client, count_queries, "/partners/") == few_list
