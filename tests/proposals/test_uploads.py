"""The attachment: a real PDF, script-free, at most the size limit, stored out of reach."""
import base64
import hashlib
import os

import pytest
import sqlalchemy as sa

from alliance.extensions import db
from alliance.proposals.models import Attachment
from tests.proposals.conftest import form_data, make_pdf

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6"
    "kgAAAABJRU5ErkJggg=="
)


def upload(client, proposal, name, data, action="save", **changes):
    return client.post(f"/proposals/{proposal.id}/edit",
                       data=form_data(action, attachment=(name, data), **changes),
                       content_type="multipart/form-data")


def attachment_of(proposal):
    db.session.expire_all()
    return db.session.scalar(sa.select(Attachment).where(Attachment.proposal_id == proposal.id))


def stored_files(app):
    folder = app.config["UPLOAD_FOLDER"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def test_valid_pdf_accepted_and_stored_under_random_name(client, login, founder, draft, app):
    login(founder)
    data = make_pdf(pages=2)
    response = upload(client, draft, "Piano di progetto (città).pdf", data)
    assert response.status_code == 302
    attachment = attachment_of(draft)
    assert attachment.sha256 == hashlib.sha256(data).hexdigest()
    assert attachment.size == len(data)
    assert attachment.original_name == "Piano_di_progetto_citta.pdf"
    assert len(attachment.storage_name) == 32 and "Piano" not in attachment.storage_name
    path = os.path.join(app.config["UPLOAD_FOLDER"], attachment.storage_name)
    with open(path, "rb") as handle:
        assert handle.read() == data
    static = os.path.realpath(app.static_folder)
    assert not os.path.realpath(path).startswith(static + os.sep)


def test_renamed_png_refused(client, login, founder, draft, app):
    login(founder)
    before = stored_files(app)
    response = upload(client, draft, "x.pdf", PNG)
    assert response.status_code == 422
    assert "not a PDF" in response.text
    assert attachment_of(draft) is None
    assert stored_files(app) == before


def test_pdf_with_javascript_refused(client, login, founder, draft, app):
    login(founder)
    before = stored_files(app)
    response = upload(client, draft, "brochure.pdf", make_pdf(script="app.alert('hi');"))
    assert response.status_code == 422
    assert "JavaScript" in response.text
    assert attachment_of(draft) is None
    assert stored_files(app) == before


def test_damaged_pdf_refused(client, login, founder, draft):
    login(founder)
    response = upload(client, draft, "broken.pdf", b"%PDF-1.7\nthis is not really a pdf")
    assert response.status_code == 422
    assert "damaged" in response.text
    assert attachment_of(draft) is None


def test_oversized_pdf_refused_with_field_error(client, login, founder, draft, app, monkeypatch):
    data = make_pdf()
    monkeypatch.setitem(app.config, "ATTACHMENT_MAX_BYTES", len(data) - 1)
    login(founder)
    response = upload(client, draft, "big.pdf", data)
    assert response.status_code == 422
    assert "larger than" in response.text
    assert attachment_of(draft) is None


def test_request_over_size_limit_gets_413(client, login, founder, draft, app, monkeypatch):
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 2048)
    login(founder)
    response = upload(client, draft, "huge.pdf", b"%PDF-1.4\n" + b"0" * 4096)
    assert response.status_code == 413
    assert attachment_of(draft) is None


def test_refused_attachment_still_saves_draft_text(client, login, founder, draft):
    login(founder)
    response = upload(client, draft, "x.pdf", PNG, title="Text survives")
    assert response.status_code == 422
    db.session.expire_all()
    assert draft.title == "Text survives"
    assert attachment_of(draft) is None


def test_new_attachment_replaces_old_file_after_commit(client, login, founder, draft, app):
    login(founder)
    upload(client, draft, "first.pdf", make_pdf(pages=1))
    first = attachment_of(draft)
    first_path = os.path.join(app.config["UPLOAD_FOLDER"], first.storage_name)
    assert os.path.exists(first_path)
    upload(client, draft, "second.pdf", make_pdf(pages=3))
    second = attachment_of(draft)
    assert second.original_name == "second.pdf"
    assert not os.path.exists(first_path)
    assert os.path.exists(os.path.join(app.config["UPLOAD_FOLDER"], second.storage_name))


def test_failed_resubmit_removes_the_new_file(client, login, founder, draft, app):
    login(founder)
    upload(client, draft, "first.pdf", make_pdf(), action="submit", accept_terms="y")
    first = attachment_of(draft)
    before = stored_files(app)
    response = upload(client, draft, "second.pdf", make_pdf(pages=2), action="submit",
                      abstract="")
    assert response.status_code == 422
    assert stored_files(app) == before  # the file written for the failed transaction is gone
    kept = attachment_of(draft)
    assert (kept.storage_name, kept.sha256) == (first.storage_name, first.sha256)


@pytest.mark.parametrize("name, expected", [
    ("../../etc/passwd.pdf", "etc_passwd.pdf"),
    ("report.exe", "report.exe.pdf"),
    ("", "attachment.pdf"),
])
def test_original_name_sanitised(name, expected):
    from alliance.proposals.uploads import readable_name

    assert readable_name(name) == expected
