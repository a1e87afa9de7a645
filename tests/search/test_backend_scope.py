"""Who finds what: for every role, no result, total, facet count, snippet,
suggestion or similar item comes from a document the role may not open.
Checked against ``Scope.allows`` over every indexed document."""
from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from flask_login import AnonymousUserMixin

from alliance.search.base import SearchRequest
from alliance.search.query import parse
from tests import factories as f

ROLES = ["anonymous", "startup_a", "startup_b", "partner_lead", "partner_cosponsor",
         "partner_other", "juror", "juror_at_lead_conflicted", "admin"]


@pytest.fixture
def world(index_docs, now):
    """Challenges of two partners, public and private start-ups, proposals in
    every state; the word "zephyr" is in every document."""
    lead, cosponsor, other = f.PartnerFactory(), f.PartnerFactory(), f.PartnerFactory()
    theme_a, theme_b = f.ThemeFactory(), f.ThemeFactory()
    call = f.CallFactory()

    def challenge(title, **kwargs):
        kwargs.setdefault("published", True)
        kwargs.setdefault("lead_partner", lead)
        kwargs.setdefault("theme", theme_a)
        kwargs.setdefault("call", call)
        return f.ChallengeFactory(title=f"{title} zephyr", summary="zephyr", description="",
                                  expected_outcomes="", rewards="", eligibility="", **kwargs)

    open_soon_closing = challenge("Open", deadline=now + timedelta(days=10))
    open_soon_closing.cosponsors = [cosponsor]
    closed = challenge("Closed", closed=True, theme=theme_b)
    upcoming = challenge("Upcoming", upcoming=True)
    draft = challenge("Draft", published=False)
    submitted = challenge("Sent for approval", published=False, submitted=True)
    others = challenge("Others", lead_partner=other, theme=theme_b)
    others_draft = challenge("Others draft", published=False, lead_partner=other)

    startup_a = f.StartupFactory(name="Alpha zephyr", pitch="zephyr mountains", city="Milano")
    startup_b = f.StartupFactory(name="Beta zephyr", pitch="zephyr quokka", is_public=False,
                                 city="Torino")
    startup_b.sectors = [theme_b]

    def proposal(title, startup, challenge, **kwargs):
        return f.ProposalFactory(title=f"{title} zephyr", abstract="zephyr", description="",
                                 team="", startup=startup, challenge=challenge, **kwargs)

    proposals = [
        proposal("A open submitted", startup_a, open_soon_closing, submitted=True, trl=4),
        proposal("B open draft", startup_b, open_soon_closing, trl=7),
        proposal("A closed submitted", startup_a, closed, submitted=True, trl=7),
        proposal("B closed withdrawn", startup_b, closed, withdrawn=True, trl=2),
        proposal("B closed submitted quokka", startup_b, others, submitted=True),
        proposal("A others draft", startup_a, others),
    ]
    docs = index_docs(open_soon_closing, closed, upcoming, draft, submitted, others,
                      others_draft, startup_a, startup_b, *proposals)
    users = {
        "anonymous": AnonymousUserMixin(),
        "startup_a": f.StartupUserFactory(startup=startup_a),
        "startup_b": f.StartupUserFactory(startup=startup_b),
        "partner_lead": f.PartnerUserFactory(partner=lead),
        "partner_cosponsor": f.PartnerUserFactory(partner=cosponsor),
        "partner_other": f.PartnerUserFactory(partner=other),
        "admin": f.UserFactory(admin=True),
    }
    # A juror assigned (open round) to one proposal; a lead partner's employee on a jury
    # with a conflict with start-up A: A's proposals leave their scope.
    juror = f.JuryUserFactory()
    round_ = f.EvaluationRoundFactory(challenge=closed, reviewing=True, blind=False)
    f.AssignmentFactory(round=round_, proposal=proposals[2], user=juror)
    conflicted = f.PartnerUserFactory(partner=lead, jury=True)
    f.ConflictDeclarationFactory(user=conflicted, startup=startup_a)
    users["juror"], users["juror_at_lead_conflicted"] = juror, conflicted
    return docs, users


def expected_facets(docs, scope) -> dict[str, Counter]:
    allowed = [d for d in docs if scope.allows(d)]
    return {
        "kind": Counter(d.kind for d in allowed),
        "theme": Counter(t for d in allowed for t in d.themes),
        "partner": Counter(p for d in allowed for p in d.partners),
        "call": Counter(d.call for d in allowed if d.call),
        "challenge_status": Counter(d.phase(scope.now) for d in allowed if d.kind == "challenge"),
        "trl": Counter(str(d.trl) for d in allowed if d.trl is not None),
        "proposal_status": Counter(d.status for d in allowed if d.kind == "proposal"),
    }


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("later", [0, 20])
@pytest.mark.parametrize("text", ["", "zephyr"])
def test_results_totals_and_facets_stay_in_scope(backend, world, scope_for, now, role, later,
                                                 text):
    docs, users = world
    scope = scope_for(users[role], now + timedelta(days=later))
    allowed = {d.key for d in docs if scope.allows(d)}

    results = backend.search(SearchRequest(query=parse(text), per_page=100), scope)

    assert {f"{h.kind}:{h.object_id}" for h in results.hits} == allowed
    assert results.total == len(allowed)
    counts = {name: Counter({v.value: v.count for v in values})
              for name, values in results.facets.items()}
    assert counts == expected_facets(docs, scope)


def test_partner_sees_submitted_proposals_only_after_the_deadline(backend, world, scope_for,
                                                                 now):
    docs, users = world
    search = SearchRequest(query=parse("open submitted"), kinds=("proposal",))

    before = backend.search(search, scope_for(users["partner_lead"], now))
    after = backend.search(search, scope_for(users["partner_lead"], now + timedelta(days=11)))
    cosponsor_after = backend.search(search, scope_for(users["partner_cosponsor"],
                                                       now + timedelta(days=11)))
    other_after = backend.search(search, scope_for(users["partner_other"],
                                                   now + timedelta(days=11)))

    assert before.total == 0
    assert [h.title for h in after.hits] == ["A open submitted zephyr"]
    assert [h.title for h in cosponsor_after.hits] == ["A open submitted zephyr"]
    assert other_after.total == 0


def test_jurors_find_their_assigned_proposal_and_never_a_conflicted_one(backend, world,
                                                                        scope_for, now):
    docs, users = world
    search = SearchRequest(query=parse("zephyr"), kinds=("proposal",))
    juror = backend.search(search, scope_for(users["juror"]))
    conflicted = backend.search(search, scope_for(users["juror_at_lead_conflicted"]))
    lead = backend.search(search, scope_for(users["partner_lead"]))

    assert [h.title for h in juror.hits] == ["A closed submitted zephyr"]
    assert "A closed submitted zephyr" in [h.title for h in lead.hits]
    assert "A closed submitted zephyr" not in [h.title for h in conflicted.hits]
    assert conflicted.total == lead.total - 1


def test_words_of_hidden_documents_leak_nowhere(backend, world, scope_for, now):
    docs, users = world
    anonymous = scope_for(users["anonymous"])

    results = backend.search(SearchRequest(query=parse("quokka")), anonymous)

    assert results.total == 0 and results.hits == []
    assert all(v.count == 0 for values in results.facets.values() for v in values)
    # The misspelt word is close to "quokka", which only hidden documents hold.
    assert backend.search(SearchRequest(query=parse("quokkka")), anonymous).suggestion is None
    admin = backend.search(SearchRequest(query=parse("quokkka")), scope_for(users["admin"]))
    assert admin.suggestion == "quokka"


def test_snippets_come_from_documents_in_scope(backend, world, scope_for, now):
    docs, users = world

    results = backend.search(SearchRequest(query=parse("zephyr"), per_page=100),
                             scope_for(users["startup_a"]))

    titles = {h.title for h in results.hits}
    assert "B open draft zephyr" not in titles
    assert "A others draft zephyr" in titles
    assert all("<mark>zephyr</mark>" in h.snippet for h in results.hits)


def test_similar_items_stay_in_scope(backend, world, scope_for, now):
    docs, users = world
    scope = scope_for(users["startup_a"])
    own = next(d for d in docs if d.title == "A open submitted zephyr")

    similar = backend.similar("proposal", own.object_id, scope, limit=10)

    keys = {f"{h.kind}:{h.object_id}" for h in similar}
    assert own.key not in keys
    assert keys and all(scope.allows(next(d for d in docs if d.key == k)) for k in keys)
    assert all(h.kind == "proposal" for h in similar)
