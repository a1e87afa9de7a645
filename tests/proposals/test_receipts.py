"""Receipts: the SHA-256 of the canonical snapshot, on a page, as JSON and by e-mail."""
import hashlib
import json
from datetime import UTC, datetime

import sqlalchemy as sa

from alliance.extensions import db
from alliance.proposals.models import Submission
from tests import factories
from tests.proposals.conftest import form_data, make_pdf

SUBMIT_AT = datetime(2026, 7, 1, 10, 30, 15, tzinfo=UTC)  # 12:30:15 in Rome (summer time)


def submit_now(client, login, founder, draft, travel, **extra):
    travel(SUBMIT_AT)
    login(founder)
    response = client.post(f"/proposals/{draft.id}/edit",
                           data=form_data("submit", accept_terms=True, **extra))
    assert response.status_code == 302, response.text
    return db.session.scalar(sa.select(Submission).where(Submission.proposal_id == draft.id))


def test_digest_is_sha256_of_canonical_json(client, login, founder, draft, travel):
    submission = submit_now(client, login, founder, draft, travel,
                            attachment=("piano.pdf", make_pdf()))
    content = submission.content
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"),
                           ensure_ascii=False).encode("utf-8")
    assert submission.digest == hashlib.sha256(canonical).hexdigest()
    assert content["title"] == "Sensors on every tram"
    assert content["pilot_cost_eur"] == "45000.00"
    assert content["trl"] == 6 and content["pilot_duration_months"] == 6
    assert content["challenge"] == draft.challenge.slug
    assert content["startup"] == founder.startup.name
    assert content["terms_version"] == 1
    assert content["submitted_at"] == "2026-07-01T10:30:15Z"
    assert content["attachment"]["sha256"] == hashlib.sha256(make_pdf()).hexdigest()
    assert content["attachment"]["size"] == len(make_pdf())


def test_receipt_json_download_hashes_to_digest(client, login, founder, draft, travel):
    submission = submit_now(client, login, founder, draft, travel)
    response = client.get(f"/proposals/{draft.id}/receipts/1.json")
    assert response.status_code == 200
    assert response.mimetype == "application/json"
    assert hashlib.sha256(response.data).hexdigest() == submission.digest


def test_receipt_page_shows_time_digest_and_terms(client, login, founder, draft, travel):
    submission = submit_now(client, login, founder, draft, travel)
    page = client.get(f"/proposals/{draft.id}/receipts/1").text
    assert submission.digest in page
    assert "12:30:15" in page            # Europe/Rome
    assert "2026-07-01T10:30:15Z" in page  # UTC
    assert "versione 1" in page or "version 1" in page
    assert f"/proposals/{draft.id}/receipts/1.json" in page


def test_receipt_mail_arrives_with_digest(client, login, founder, draft, travel, mail_outbox):
    submission = submit_now(client, login, founder, draft, travel)
    [message] = mail_outbox
    assert message.to == [founder.email]
    assert submission.digest in message.body
    assert "2026-07-01T10:30:15Z" in message.body
    assert "12:30:15" in message.body
    assert f"/proposals/{draft.id}/receipts/1.json" in message.body


def test_no_mail_when_submission_fails(client, login, founder, draft, mail_outbox):
    login(founder)
    client.post(f"/proposals/{draft.id}/edit", data=form_data("submit", accept_terms=False))
    assert mail_outbox == []


def test_receipt_hidden_from_other_startup(client, login, founder, draft, travel):
    submit_now(client, login, founder, draft, travel)
    login(factories.StartupUserFactory())
    assert client.get(f"/proposals/{draft.id}/receipts/1").status_code == 404
    assert client.get(f"/proposals/{draft.id}/receipts/1.json").status_code == 404


def test_receipt_unknown_number_404(client, login, founder, draft, travel):
    submit_now(client, login, founder, draft, travel)
    assert client.get(f"/proposals/{draft.id}/receipts/2").status_code == 404


def test_terms_acceptance_kept_with_proposal(client, login, founder, draft, travel):
    submit_now(client, login, founder, draft, travel)
    db.session.expire_all()
    assert draft.terms.version == 1
    assert draft.terms_accepted_at == SUBMIT_AT
    assert draft.terms_accepted_by_id == founder.id
