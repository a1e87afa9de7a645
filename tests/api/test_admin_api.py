"""The admin part of the API: bearer tokens only, proposals (never drafts) and the
evaluation ranking, in the document's schemas, in a bounded number of queries."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from alliance.api import tokens
from alliance.api.models import ApiToken
from alliance.auth.models import UserRole
from alliance.core.models import utcnow
from alliance.evaluation import models as em
from alliance.extensions import db
from tests import factories as f
from tests.api.helpers import API, check
from tests.evaluation.scoring_data import evaluating_challenge, proposal_of, review, round_of


@pytest.fixture
def token(admin):
    _token, plain = tokens.create_token(user=admin, name="Reports", expires_at=None,
                                        now=utcnow())
    return plain


def api(client, path, plain=None, status=200, spec=None, schema=None):
    headers = {"Authorization": f"Bearer {plain}"} if plain else {}
    response = client.get(API + path, headers=headers)
    assert response.status_code == status, (response.status_code, response.data[:300])
    assert response.mimetype == "application/json"
    body = response.get_json()
    if spec is not None:
        name = schema if status == 200 else "Error"
        check(body, {"$ref": f"#/components/schemas/{name}"}, spec)
    return response, body


# -- authentication ------------------------------------------------------------------------

@pytest.mark.parametrize("path", ["/proposals", "/proposals/1", "/challenges/x/ranking"])
def test_admin_endpoints_without_token_answer_401_with_bearer_challenge(client, spec, path):
    response, body = api(client, path, status=401, spec=spec)

    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert body["error"]["status"] == 401


def test_admin_session_cookie_does_not_authenticate(client, login_as, admin):
    login_as(admin)

    api(client, "/proposals", status=401)


@pytest.mark.parametrize("header", ["Bearer alk_nope", "Basic YWRtaW46eA==", "Bearer ", "alk_"])
def test_bad_tokens_answer_401(client, token, header):
    response = client.get(f"{API}/proposals", headers={"Authorization": header})

    assert response.status_code == 401


def test_revoked_and_expired_tokens_answer_401(client, admin, token):
    row = db.session.query(ApiToken).one()
    tokens.revoke_token(token=row, user=admin, now=utcnow())
    _other, expired = tokens.create_token(user=admin, name="Old", now=utcnow() - timedelta(days=2),
                                          expires_at=utcnow() - timedelta(days=1))

    api(client, "/proposals", token, status=401)
    api(client, "/proposals", expired, status=401)


def test_token_of_a_former_admin_answers_403(client, admin, token):
    db.session.query(UserRole).filter_by(user_id=admin.id).delete()

    api(client, "/proposals", token, status=403)


def test_token_of_a_deactivated_admin_answers_403(client, admin, token):
    admin.active = False

    api(client, "/proposals", token, status=403)


def test_token_use_is_noted_at_most_once_a_minute(client, token, travel):
    start = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    travel(start)
    api(client, "/proposals", token)
    travel(start + timedelta(seconds=30))
    api(client, "/proposals", token)
    row = db.session.query(ApiToken).one()
    db.session.refresh(row)
    assert row.last_used_at == start

    travel(start + timedelta(seconds=61))
    api(client, "/proposals", token)
    db.session.refresh(row)
    assert row.last_used_at == start + timedelta(seconds=61)


def test_only_a_digest_of_the_token_is_stored(token):
    row = db.session.query(ApiToken).one()

    assert token.startswith("alk_") and len(token) > 40
    assert row.token_hash == tokens.digest(token) and token not in row.token_hash
    assert row.prefix == token[:12]


# -- proposals -----------------------------------------------------------------------------

def test_proposals_list_submitted_and_withdrawn_never_drafts(client, spec, token):
    challenge = f.ChallengeFactory(published=True)
    submitted = f.ProposalFactory(challenge=challenge, submitted=True)
    withdrawn = f.ProposalFactory(challenge=challenge, withdrawn=True)
    f.ProposalFactory(challenge=challenge)  # a draft

    _r, body = api(client, f"/proposals?challenge={challenge.slug}", token, spec=spec,
                   schema="ProposalPage")

    assert body["total"] == 2
    assert {p["id"] for p in body["items"]} == {submitted.id, withdrawn.id}
    item = next(p for p in body["items"] if p["id"] == submitted.id)
    assert item["startup"] == {"name": submitted.startup.name, "slug": submitted.startup.slug}
    assert item["challenge"] == {"slug": challenge.slug, "title": challenge.title}
    assert (item["status"], item["score"], item["decision"]) == ("submitted", None, None)


def test_proposals_filter_by_call_and_status(client, spec, token):
    one, other = f.ChallengeFactory(published=True), f.ChallengeFactory(published=True)
    mine = f.ProposalFactory(challenge=one, submitted=True)
    f.ProposalFactory(challenge=one, withdrawn=True)
    f.ProposalFactory(challenge=other, submitted=True)

    _r, body = api(client, f"/proposals?call={one.call.slug}&status=submitted", token)

    assert [p["id"] for p in body["items"]] == [mine.id]
    api(client, "/proposals?status=draft", token, status=400, spec=spec)
    api(client, "/proposals?per_page=101", token, status=400, spec=spec)


def test_proposal_detail_and_draft_hidden(client, spec, token):
    proposal = f.ProposalFactory(submitted=True)
    draft = f.ProposalFactory()

    _r, body = api(client, f"/proposals/{proposal.id}", token, spec=spec,
                   schema="ProposalDetail")

    assert (body["id"], body["description"], body["trl"]) == (
        proposal.id, proposal.description, proposal.trl)
    api(client, f"/proposals/{draft.id}", token, status=404, spec=spec)
    api(client, "/proposals/999999999", token, status=404)


def _evaluated():
    challenge = evaluating_challenge()
    first = round_of(challenge)
    low, high = proposal_of(challenge), proposal_of(challenge)
    review(first, low, scores=(2, 2, 2))
    review(first, high, scores=(5, 4, 5))
    f.DecisionFactory(proposal=high, outcome=em.WINNER)
    return challenge, low, high


def test_ranking_has_positions_scores_means_flags_and_decisions(client, spec, token):
    challenge, low, high = _evaluated()

    _r, body = api(client, f"/challenges/{challenge.slug}/ranking", token, spec=spec,
                   schema="Ranking")

    rows = body["rows"]
    assert [(r["position"], r["proposal"]["id"]) for r in rows] == [(1, high.id), (2, low.id)]
    assert rows[0]["decision"] == "winner" and rows[1]["decision"] is None
    assert rows[0]["startup"] == {"name": high.startup.name}
    assert rows[0]["criterion_means"] == [5.0, 4.0, 5.0]
    assert rows[1]["score"] == 25.0 and rows[0]["flags"]["disagreement"] is False
    assert [c["name"] for c in body["criteria"]] == [c.name for c in challenge.criteria]


def test_ranking_of_a_challenge_not_evaluated_is_empty(client, spec, token):
    challenge = f.ChallengeFactory(published=True)

    _r, body = api(client, f"/challenges/{challenge.slug}/ranking", token, spec=spec,
                   schema="Ranking")

    assert body["rows"] == [] and body["criteria"] == []
    api(client, "/challenges/nope/ranking", token, status=404, spec=spec)


def test_proposals_list_shows_the_ranking_score(client, token):
    challenge, low, high = _evaluated()

    _r, body = api(client, f"/proposals?challenge={challenge.slug}", token)

    scores = {p["id"]: (p["rank"], p["decision"]) for p in body["items"]}
    assert scores == {high.id: (1, "winner"), low.id: (2, None)}


def test_proposals_list_queries_do_not_grow_with_the_page(client, token, count_queries):
    challenge = f.ChallengeFactory(published=True)
    f.ProposalFactory(challenge=challenge, submitted=True)
    api(client, "/proposals", token)  # the token's first use is noted
    with count_queries() as few:
        api(client, "/proposals", token)
    for _ in range(6):
        f.ProposalFactory(challenge=challenge, submitted=True)
    with count_queries() as many:
        api(client, "/proposals", token)

    assert len(many) == len(few) <= 12
