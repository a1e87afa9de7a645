"""Issue 7, "fast at scale": the pages of the HTTP benchmark run a number of SQL queries
that does not grow with the data.

Each page (``/``, ``/challenges/``, ``/challenges/<slug>``, ``/partners/<slug>``,
``/search?q=...``) is counted for an anonymous visitor, a start-up member and a partner
member, once with N of everything it lists and once with 5N: challenges the partner
leads (open) and co-sponsors (past), start-ups, proposals to the challenge shown and
the start-up's own proposals; every object is in the search index (Whoosh, and the
PostgreSQL backend on PostgreSQL), so the search page and the related challenges
return hits.
"""
from __future__ import annotations

import pytest

from alliance.extensions import db
from alliance.search import documents
from tests import factories

N = 2
SEARCH = "/search?q=schools+OR+sensors+OR+services"
PAGES = ["/", "/challenges/", "/challenges/{challenge}", "/partners/{partner}", SEARCH]
PERSONAS = ["anonymous", "startup", "partner"]


@pytest.fixture(params=["whoosh", "postgres"])
def search_backend(request, app, tmp_path, monkeypatch):
    """A fresh index installed as the app's search backend."""
    if request.param == "whoosh":
        from alliance.search.whoosh_backend import WhooshBackend

        backend = WhooshBackend(str(tmp_path / "whoosh"))
    else:
        if db.engine.dialect.name != "postgresql":
            pytest.skip("the PostgreSQL search backend needs the PostgreSQL run")
        from alliance.search.postgres_backend import PostgresBackend

        backend = PostgresBackend()
    monkeypatch.setitem(app.extensions, "alliance_search", backend)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    yield backend
    backend.close()


class World:
    """A partner, a start-up, the challenge whose page is opened, and ``grow(n)``."""

    def __init__(self, backend):
        self.backend = backend
        self.partner = factories.PartnerFactory()
        self.partner_user = factories.PartnerUserFactory(partner=self.partner)
        self.startup = factories.StartupFactory()
        self.startup_user = factories.StartupUserFactory(startup=self.startup)
        self.theme, self.call = factories.ThemeFactory(), factories.CallFactory()
        self.challenge = factories.ChallengeFactory(published=True, lead_partner=self.partner,
                                                    theme=self.theme, call=self.call)
        self.own = factories.ProposalFactory(challenge=self.challenge, startup=self.startup)
        self.urls = {"challenge": self.challenge.slug, "partner": self.partner.slug}
        self._index(self.challenge, self.own, self.startup)
        # The requests empty the session: grow() loads these again by id.
        self.ids = {name: getattr(self, name).id
                    for name in ("partner", "startup", "theme", "call", "challenge")}

    def _index(self, *objects) -> None:
        db.session.flush()
        self.backend.write([documents.BUILDERS[o.__tablename__](o) for o in objects])

    def grow(self, n: int) -> None:
        """``n`` more of every kind of row the pages list or count."""
        partner, startup, theme, call, challenge = (
            db.session.get(type(getattr(self, name)), id_) for name, id_ in self.ids.items())
        new = []
        for _ in range(n):
            cosponsors = [factories.PartnerFactory() for _ in range(2)]
            led = factories.ChallengeFactory(published=True, lead_partner=partner,
                                             cosponsors=cosponsors, theme=theme, call=call)
            past = factories.ChallengeFactory(closed=True, cosponsors=[partner])
            other = factories.StartupFactory()
            theirs = factories.ProposalFactory(challenge=challenge, startup=other,
                                               submitted=True)
            ours = factories.ProposalFactory(challenge=led, startup=startup, submitted=True)
            new += [led, past, other, theirs, ours]
        self._index(*new)


def _count(client, count_queries, url: str) -> int:
    """The statements of one GET of ``url`` (after a first GET that warms any cache)."""
    db.session.commit()
    db.session.expunge_all()
    assert client.get(url).status_code == 200
    db.session.expunge_all()
    with count_queries() as statements:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(statements)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("page", PAGES)
def test_page_queries_do_not_grow_with_data(page, persona, search_backend, client, login_as,
                                            count_queries):
    world = World(search_backend)
    world.grow(N)
    if persona != "anonymous":
        login_as(world.startup_user if persona == "startup" else world.partner_user)
    url = page.format(**world.urls)
    few = _count(client, count_queries, url)

    world.grow(4 * N)
    many = _count(client, count_queries, url)

    assert many == few, f"{url} as {persona}: {few} queries with N, {many} with 5N"


def test_the_grown_data_is_on_the_pages(search_backend, client):
    """The counts above are of pages that show the rows (not of empty pages)."""
    world = World(search_backend)
    world.grow(5)
    partner_page = client.get(f"/partners/{world.urls['partner']}").get_data(as_text=True)
    search_page = client.get(SEARCH).get_data(as_text=True)

    assert partner_page.count('class="card h-100 card-challenge"') == 6  # 5 + the one shown
    assert partner_page.count('class="list-group-item') == 5  # the co-sponsored past ones
    assert "cleaner air near schools" in search_page
