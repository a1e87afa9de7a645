"""Blind review outside the jury pages: the proposal page, the attachment download,
the receipts and search hide the start-up from a juror whose round is blind."""
from __future__ import annotations

import hashlib
import io
import os
import secrets
from html import unescape

import pytest
from pypdf import PdfReader, PdfWriter

from alliance.auth import policy
from alliance.extensions import db
from alliance.search import documents
from alliance.search.base import SearchRequest
from alliance.search.query import parse
from tests import factories as f
from tests.search.conftest import _make_backend

NAME = "Quokkalab Srl"
WEBSITE = "https://quokkalab.example.it"
TEAM = "Giulia Verdi (CEO) and two engineers from Politecnico."
FILE_NAME = "quokkalab-business-plan.pdf"
MEMBER = "Marta Membrodiquokka"


def pdf_with_metadata() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Author": NAME, "/Creator": f"{NAME} pitch deck",
                         "/Title": "Quokkalab business plan"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def assigned(app, *, blind: bool):
    """A juror assigned to a submitted proposal of a start-up that names itself
    everywhere: in its profile, its team text, its PDF's file name and metadata."""
    startup = f.StartupFactory(name=NAME, website=WEBSITE)
    member = f.StartupUserFactory(startup=startup, name=MEMBER)
    round_ = f.EvaluationRoundFactory(reviewing=True, blind=blind)
    proposal = f.ProposalFactory(startup=startup, challenge=round_.challenge, submitted=True,
                                 title="Air sensors on trams", team=TEAM,
                                 terms_accepted_by_id=member.id)
    data = pdf_with_metadata()
    storage_name = secrets.token_hex(16)
    folder = app.config["UPLOAD_FOLDER"]
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, storage_name), "wb") as handle:
        handle.write(data)
    f.AttachmentFactory(proposal=proposal, storage_name=storage_name, size=len(data),
                        original_name=FILE_NAME, sha256=hashlib.sha256(data).hexdigest())
    f.SubmissionFactory(proposal=proposal, number=1, submitted_by=member)
    assignment = f.AssignmentFactory(round=round_, proposal=proposal)
    return assignment.user, proposal


def text_of(response) -> str:
    assert response.status_code == 200, response.status_code
    return unescape(response.get_data(as_text=True))


def download(client, proposal):
    response = client.get(f"/proposals/{proposal.id}/attachment")
    body = response.data
    response.close()
    return response, body


# -- the proposal page and the download ----------------------------------------------

def test_blind_juror_proposal_page_hides_identity(app, client, login_as):
    juror, proposal = assigned(app, blind=True)
    login_as(juror)
    page = text_of(client.get(f"/proposals/{proposal.id}"))
    assert "Air sensors on trams" in page
    for secret in ("Quokkalab", WEBSITE, TEAM, FILE_NAME, MEMBER, proposal.attachment.sha256[:16],
                   f"/startups/{proposal.startup.slug}", f"/proposals/{proposal.id}/receipts"):
        assert secret not in page, secret
    assert f"proposal-{proposal.id}.pdf" in page
    assert "Blind review" in page


def test_blind_juror_downloads_pdf_under_neutral_name_without_metadata(app, client, login_as):
    juror, proposal = assigned(app, blind=True)
    login_as(juror)
    response, body = download(client, proposal)
    assert response.status_code == 200
    disposition = response.headers["Content-Disposition"]
    assert disposition == f"attachment; filename=proposal-{proposal.id}.pdf"
    assert "quokkalab" not in disposition.lower()
    assert b"Quokkalab" not in body
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    assert not (reader.metadata or {}).get("/Author")


def test_blind_juror_cannot_open_receipts(app, client, login_as):
    juror, proposal = assigned(app, blind=True)
    login_as(juror)
    assert client.get(f"/proposals/{proposal.id}/receipts/1").status_code == 404
    assert client.get(f"/proposals/{proposal.id}/receipts/1.json").status_code == 404


def test_juror_in_open_round_sees_identity_and_file(app, client, login_as):
    juror, proposal = assigned(app, blind=False)
    login_as(juror)
    page = text_of(client.get(f"/proposals/{proposal.id}"))
    assert NAME in page and TEAM in page and FILE_NAME in page
    response, body = download(client, proposal)
    assert FILE_NAME in response.headers["Content-Disposition"]
    assert body == pdf_with_metadata()


def test_startup_still_downloads_its_original_file(app, client, login_as):
    _, proposal = assigned(app, blind=True)
    login_as(proposal.startup.memberships[0].user)
    response, body = download(client, proposal)
    assert FILE_NAME in response.headers["Content-Disposition"]
    assert body == pdf_with_metadata()
    assert client.get(f"/proposals/{proposal.id}/receipts/1").status_code == 200


# -- search ------------------------------------------------------------------------

@pytest.fixture(params=["whoosh", "postgres"])
def backend(request, app, tmp_path, monkeypatch):
    """A fresh index of each backend, installed as the app's (as in tests/search)."""
    backend = _make_backend(request.param, tmp_path)
    monkeypatch.setitem(app.extensions, "alliance_search", backend)
    monkeypatch.setitem(app.config, "SEARCH_BACKEND", request.param)
    yield backend
    backend.close()


def index(backend, *objects) -> None:
    db.session.flush()
    backend.write([documents.BUILDERS[obj.__tablename__](obj) for obj in objects])


def test_blind_only_proposal_left_out_of_jurors_search_scope(app, now):
    juror, proposal = assigned(app, blind=True)
    assert policy.judges_proposal(juror, proposal)
    assert proposal.id not in policy.search_scope(juror, now).proposal_ids


def test_open_round_proposal_in_jurors_search_scope(app, now):
    juror, proposal = assigned(app, blind=False)
    assert proposal.id in policy.search_scope(juror, now).proposal_ids


def test_proposal_blind_in_one_round_open_in_another_stays_in_scope(app, now):
    juror, proposal = assigned(app, blind=True)
    second = f.EvaluationRoundFactory(challenge=proposal.challenge, number=2, reviewing=True,
                                      blind=False)
    f.AssignmentFactory(round=second, proposal=proposal, user=juror)
    assert proposal.id in policy.search_scope(juror, now).proposal_ids


def test_search_for_startup_name_finds_no_blind_proposal(app, backend, client, login_as):
    juror, proposal = assigned(app, blind=True)
    index(backend, proposal)
    login_as(juror)
    page = text_of(client.get("/search", query_string={"q": "Quokkalab"}))
    assert "Air sensors on trams" not in page
    assert f"/proposals/{proposal.id}" not in page
    page = text_of(client.get("/search", query_string={"q": "sensors trams"}))
    assert f"/proposals/{proposal.id}" not in page


def test_search_finds_proposal_of_open_round(app, backend, client, login_as):
    juror, proposal = assigned(app, blind=False)
    index(backend, proposal)
    login_as(juror)
    page = text_of(client.get("/search", query_string={"q": "Quokkalab"}))
    assert "Air sensors on trams" in page
    assert f"/proposals/{proposal.id}" in page


def test_conflicted_juror_at_a_sponsor_finds_nothing_of_that_proposal(app, backend, client,
                                                                     login_as):
    """Sponsor staff search their challenge's proposals; one who is also a juror with a
    conflict finds neither it, nor its snippet, nor its count in a total or a facet."""
    challenge = f.ChallengeFactory(closed=True)
    proposal = f.ProposalFactory(submitted=True, challenge=challenge, title="Tram sensors",
                                 startup=f.StartupFactory(name="Quokkalab"))
    other = f.ProposalFactory(submitted=True, challenge=challenge, title="Tram benches")
    juror = f.PartnerUserFactory(partner=challenge.lead_partner, jury=True)
    colleague = f.PartnerUserFactory(partner=challenge.lead_partner)
    index(backend, challenge, proposal, other)
    login_as(colleague)
    assert f"/proposals/{proposal.id}" in text_of(client.get("/search", query_string={"q": "tram"}))

    f.ConflictDeclarationFactory(user=juror, startup=proposal.startup)
    db.session.commit()
    scope = policy.search_scope(juror)
    assert scope.excluded_proposal_ids == {proposal.id}
    results = backend.search(SearchRequest(query=parse("tram"), kinds=("proposal",)), scope)
    assert [hit.object_id for hit in results.hits] == [other.id]
    assert results.total == 1
    login_as(juror)
    page = text_of(client.get("/search", query_string={"q": "tram"}))
    assert f"/proposals/{proposal.id}" not in page and f"/proposals/{other.id}" in page
