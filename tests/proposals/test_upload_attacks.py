"""Issue 7: hostile attachments are refused with a clear message beside the field (the
draft text kept, nothing stored), bombs cost bounded time and memory, stored and
download names are safe, and guessing attachment ids never yields a file."""
import functools
import hashlib
import html
import io
import os
import re
import secrets
import time
import tracemalloc
import zlib

import pytest
import sqlalchemy as sa
from flask_babel import force_locale, gettext
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from alliance.core.audit import AuditEvent
from alliance.core.errors import DomainError
from alliance.extensions import db
from alliance.proposals.models import Attachment
from alliance.proposals.uploads import check_pdf
from tests import factories
from tests.proposals import attack_files as af
from tests.proposals.conftest import form_data, make_pdf

GIB = 1024 * af.MB
NOT_PDF = "This file is not a PDF (whatever its name says). Please export your document as PDF."
DAMAGED = "This PDF is damaged or cannot be read. Please export it again and retry."
SCRIPT = ("This PDF contains JavaScript, which is not allowed. Please export it again without "
          "scripts or interactive actions.")
EMBEDDED = ("This PDF contains embedded files or actions that open other programs, which is "
            "not allowed. Please export it again without attachments.")
TOO_COMPLEX = ("This PDF is too large or too complex once decompressed to be checked safely. "
               "Please export it again, for example with smaller images.")
POLYGLOT = ("This file hides web-page code (HTML or scripts) inside the PDF, which is not "
            "allowed. Please export your document as PDF again.")

JS_ACTION = b"<< /S /JavaScript /JS (app.alert(1)) >>"
PAGE_TREE = {1: b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
             2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
             3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"}
FILESPEC = b"<< /Type /Filespec /F (run.exe) /EF << /F 6 0 R >> >>"
EXE_STREAM = af.stream(af.PE, b"/Type /EmbeddedFile ")
FLATE = b"/Filter /FlateDecode "

# name -> (builder, the message the user reads)
CORPUS = {
    "elf_renamed": (lambda: af.ELF, NOT_PDF),
    "windows_exe_renamed": (lambda: af.PE, NOT_PDF),
    "shell_script_renamed": (lambda: af.SHELL, NOT_PDF),
    "zip_renamed": (af.small_zip, NOT_PDF),
    "zip_bomb_1gib": (lambda: af.zip_bomb(GIB), NOT_PDF),
    "zip_behind_pdf_header": (lambda: b"%PDF-1.7\n" + af.small_zip(), DAMAGED),
    "content_stream_bomb_1gib": (
        lambda: af.one_page(contents=af.stream(af.deflate_bomb(GIB), FLATE)), TOO_COMPLEX),
    "double_flate_bomb": (lambda: af.one_page(contents=af.stream(
        zlib.compress(af.deflate_bomb(GIB)), b"/Filter [/FlateDecode /FlateDecode] ")),
        TOO_COMPLEX),
    "flate_run_length_bomb": (lambda: af.one_page(contents=af.stream(
        zlib.compress(b"\x81\x00" * (8 * af.MB)), b"/Filter [/FlateDecode /RunLengthDecode] ")),
        TOO_COMPLEX),
    "object_stream_bomb": (
        lambda: af.with_object_stream({**PAGE_TREE, 1: PAGE_TREE[1].replace(
            b" /OpenAction 4 0 R", b"")}, padding=100 * af.MB), TOO_COMPLEX),
    "three_thousand_pages": (lambda: af.many_pages(3000), TOO_COMPLEX),
    "js_open_action": (lambda: make_pdf(script="app.alert('hi');"), SCRIPT),
    "js_names_tree": (lambda: af.one_page(
        catalog=b"/Names << /JavaScript << /Names [(go) 5 0 R] >> >>", more={5: JS_ACTION}),
        SCRIPT),
    "js_annotation_aa": (lambda: af.one_page(page=b"/Annots [5 0 R]", more={
        5: b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] /AA << /E 6 0 R >> >>",
        6: b"<< /S /JavaScript /JS 7 0 R >>", 7: af.stream(b"app.alert(1)")}), SCRIPT),
    "js_form_field": (lambda: af.one_page(
        catalog=b"/AcroForm << /Fields [5 0 R] >>", page=b"/Annots [5 0 R]", more={
            5: b"<< /FT /Tx /T (name) /Type /Annot /Subtype /Widget /Rect [0 0 9 9] /P 3 0 R "
               b"/AA << /K << /S /JavaScript /JS (event.value = 1) >> >> >>"}), SCRIPT),
    "js_hex_escaped_names": (lambda: af.one_page(
        page=b"/AA << /O << /S /JavaScr#69pt /J#53 (app.alert(1)) >> >>"), SCRIPT),
    "js_after_goto_next": (lambda: af.one_page(
        catalog=b"/OpenAction << /S /GoTo /D [3 0 R /Fit] /Next 5 0 R >>",
        more={5: JS_ACTION}), SCRIPT),
    "js_inside_object_stream": (lambda: af.with_object_stream({**PAGE_TREE, 4: JS_ACTION}),
                                SCRIPT),
    "javascript_uri_link": (lambda: af.one_page(page=b"/Annots [5 0 R]", more={
        5: b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
           b"/A << /S /URI /URI ( JavaScript:alert(1)) >> >>"}), SCRIPT),
    "xfa_form": (lambda: af.one_page(catalog=b"/AcroForm << /Fields [] /XFA 5 0 R >>",
                                     more={5: af.stream(b"<xdp:xdp></xdp:xdp>")}), SCRIPT),
    "embedded_executable": (lambda: af.one_page(
        catalog=b"/Names << /EmbeddedFiles << /Names [(run.exe) 5 0 R] >> >>",
        more={5: FILESPEC, 6: EXE_STREAM}), EMBEDDED),
    "file_attachment_annotation": (lambda: af.one_page(page=b"/Annots [7 0 R]", more={
        5: FILESPEC, 6: EXE_STREAM,
        7: b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 9 9] /FS 5 0 R >>"}),
        EMBEDDED),
    "launch_action": (lambda: af.one_page(
        catalog=b"/OpenAction << /S /Launch /Win << /F (cmd.exe) /P (/c calc) >> >>"),
        EMBEDDED),
    "html_polyglot_in_comment": (lambda: af.one_page(
        header=b"%PDF-1.7\n%<html><script>alert(document.cookie)</script>\n"), POLYGLOT),
    "html_polyglot_after_eof": (lambda: af.one_page(
        tail=b"<!DOCTYPE html><body><iframe src=//203.0.113.9></iframe></body>"), POLYGLOT),
}
# Through the whole form (the rest are checked on check_pdf directly, faster).
THROUGH_FORM = ["windows_exe_renamed", "zip_bomb_1gib", "content_stream_bomb_1gib",
                "js_form_field", "embedded_executable", "html_polyglot_after_eof"]
BOMBS = [name for name, (_, message) in CORPUS.items() if message == TOO_COMPLEX]


@functools.cache
def attack(name: str) -> bytes:
    return CORPUS[name][0]()


def check(app, data: bytes, **limits):
    with app.test_request_context():
        return check_pdf(data=data, filename="plan.pdf", max_bytes=10 * af.MB, **limits)


def refusal(app, data: bytes, **limits) -> str:
    with pytest.raises(DomainError) as caught:
        check(app, data, **limits)
    assert caught.value.field_errors == {"attachment": caught.value.message}
    return caught.value.message


@pytest.mark.parametrize("name", CORPUS)
def test_attack_refused_with_its_message(app, name):
    assert refusal(app, attack(name)) == CORPUS[name][1]


@pytest.mark.parametrize("name", BOMBS)
def test_bomb_refused_in_bounded_time_and_memory(app, name):
    data = attack(name)
    tracemalloc.start()
    started = time.monotonic()
    try:
        message = refusal(app, data)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert message == TOO_COMPLEX
    assert time.monotonic() - started < 15
    assert peak < 100 * af.MB  # never the gigabyte it inflates to


def test_check_stops_at_its_time_limit(app):
    assert refusal(app, make_pdf(pages=3), max_seconds=0) == TOO_COMPLEX


@pytest.mark.parametrize("data", [
    pytest.param(lambda: make_pdf(pages=3), id="pypdf_written"),
    pytest.param(lambda: af.one_page(contents=af.stream(
        zlib.compress(b"0 0 m 595 842 l S\n" * (2 * af.MB)), FLATE)), id="36mb_drawing"),
    pytest.param(lambda: af.one_page(page=b"/Annots [5 0 R]", more={
        5: b"<< /Type /Annot /Subtype /Link /Rect [0 0 9 9] "
           b"/A << /S /URI /URI (https://www.comune.milano.it/) >> >>"}), id="web_link"),
    pytest.param(lambda: af.with_object_stream(
        {**PAGE_TREE, 1: b"<< /Type /Catalog /Pages 2 0 R >>"}), id="object_stream"),
    pytest.param(lambda: af.many_pages(300), id="300_pages"),
])
def test_ordinary_pdfs_still_accepted(app, data):
    content = data()
    assert check(app, content).size == len(content)


# -- through the form: the message beside the field, the text kept, nothing stored ----

def upload(client, proposal, name, data, **changes):
    # Encoded here, in memory: for large bodies the test client's own encoder uses a
    # temporary file it never closes.
    values = {**form_data("save", **changes),
              "attachment": FileStorage(io.BytesIO(data), filename=name)}
    boundary, body = encode_multipart(values)
    return client.post(f"/proposals/{proposal.id}/edit", data=body,
                       content_type=f"multipart/form-data; boundary={boundary}")


def field_error(response) -> str:
    found = re.search(r'<div class="invalid-feedback d-block" id="attachment-error">(.*?)</div>',
                      response.text, re.S)
    assert found, "no error beside the attachment field"
    return html.unescape(found.group(1))


def stored_files(app):
    folder = app.config["UPLOAD_FOLDER"]
    return set(os.listdir(folder)) if os.path.isdir(folder) else set()


def nothing_stored(app, proposal, before) -> bool:
    db.session.expire_all()
    attachment = db.session.scalar(sa.select(Attachment).filter_by(proposal_id=proposal.id))
    uploads = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "proposal.attachment_uploaded"))
    return attachment is None and uploads == 0 and stored_files(app) == before


@pytest.mark.parametrize("name", THROUGH_FORM)
def test_attack_through_form_keeps_text_stores_nothing(client, login, founder, draft, app,
                                                      name):
    login(founder)
    before = stored_files(app)
    response = upload(client, draft, "business-plan.pdf", attack(name), title="Text survives")
    assert response.status_code == 422
    assert field_error(response) == CORPUS[name][1]
    assert 'value="Text survives"' in response.text
    assert nothing_stored(app, draft, before)
    db.session.expire_all()
    assert draft.title == "Text survives"  # saved as the draft although the file was refused


@pytest.mark.parametrize("name", ["elf_renamed", "js_annotation_aa", "zip_behind_pdf_header",
                                  "content_stream_bomb_1gib", "launch_action",
                                  "html_polyglot_in_comment"])
def test_refusal_message_in_italian(client, login, founder, draft, app, name):
    login(founder)
    with client.session_transaction() as session:
        session["lang"] = "it"
    response = upload(client, draft, "piano.pdf", attack(name))
    assert response.status_code == 422
    with app.test_request_context(), force_locale("it"):
        expected = gettext(CORPUS[name][1])
    assert field_error(response) == expected
    if CORPUS[name][1] in (NOT_PDF, SCRIPT, DAMAGED):  # already in the catalogue
        assert expected != CORPUS[name][1]


def test_file_over_attachment_limit_gets_field_error(client, login, founder, draft, app):
    login(founder)
    before = stored_files(app)
    limit = app.config["ATTACHMENT_MAX_BYTES"]
    response = upload(client, draft, "big.pdf", b"%PDF-1.7\n" + b"0" * limit, title="Kept")
    assert response.status_code == 422
    assert field_error(response) == (f"The file is larger than {limit // af.MB} MB. "
                                     "Please send a smaller PDF.")
    assert nothing_stored(app, draft, before)
    db.session.expire_all()
    assert draft.title == "Kept"


@pytest.mark.parametrize("lang, title", [("en", "File too large"), ("it", "File troppo grande")])
def test_request_over_limit_refused_whole_with_413(client, login, founder, draft, app, lang,
                                                  title):
    login(founder)
    with client.session_transaction() as session:
        session["lang"] = lang
    before = stored_files(app)
    data = b"%PDF-1.7\n" + b"0" * app.config["MAX_CONTENT_LENGTH"]
    response = upload(client, draft, "huge.pdf", data)
    assert response.status_code == 413
    assert title in response.text
    assert nothing_stored(app, draft, before)


# -- hostile names: stored under a random name in the upload folder, safe to download --

SAFE_NAME = re.compile(r"[A-Za-z0-9_.-]{1,251}\.pdf")
HOSTILE_NAMES = [
    "../../etc/passwd.pdf", "..\\..\\boot.ini.pdf", "/etc/cron.d/evil.pdf",
    "C:\\Windows\\System32\\evil.pdf", "\\\\server\\share\\x.pdf", "a\x00b.exe\x00.pdf",
    "bell\x07tab\tesc\x1b.pdf", "x" * 1000 + ".pdf", "gnp.exe\u202epdf",
    "\u202e\u202d\u200f.pdf", "CON.pdf", "nul", "....pdf", ".htaccess", "\u0000",
    "café «piano» 計画.pdf", 'x"; filename=evil.html.pdf', "evil.html%00.pdf",
]


@pytest.mark.parametrize("name", HOSTILE_NAMES + ["a\r\nContent-Type: text/html\r\n.pdf"])
def test_hostile_name_made_safe(name):
    from alliance.proposals.uploads import readable_name

    safe = readable_name(name)
    assert SAFE_NAME.fullmatch(safe), safe
    assert not safe.startswith(".") and ".." not in safe.replace("...", "")
    assert safe.split(".")[0].upper() not in {"CON", "NUL", "PRN", "AUX"}


@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_hostile_name_stored_randomly_and_downloaded_safely(client, login, founder, draft, app,
                                                           name):
    login(founder)
    data = make_pdf()
    assert upload(client, draft, name, data).status_code == 302
    db.session.expire_all()
    attachment = db.session.scalar(sa.select(Attachment).filter_by(proposal_id=draft.id))
    assert re.fullmatch(r"[0-9a-f]{32}", attachment.storage_name)
    folder = os.path.realpath(app.config["UPLOAD_FOLDER"])
    path = os.path.realpath(os.path.join(folder, attachment.storage_name))
    assert os.path.dirname(path) == folder
    with open(path, "rb") as handle:
        assert handle.read() == data
    assert SAFE_NAME.fullmatch(attachment.original_name)
    response = client.get(f"/proposals/{draft.id}/attachment")
    assert response.status_code == 200 and response.data == data
    disposition = response.headers["Content-Disposition"]
    response.close()
    assert re.fullmatch(r'attachment; filename="?[A-Za-z0-9_.-]+\.pdf"?', disposition), disposition
    assert response.mimetype == "application/pdf"
    assert response.headers["X-Content-Type-Options"] == "nosniff"


# -- guessing ids: no attachment the policy does not allow, whatever the id -----------

def _attach(app, proposal, pages: int) -> bytes:
    data = make_pdf(pages=pages)
    name = secrets.token_hex(16)
    os.makedirs(app.config["UPLOAD_FOLDER"], exist_ok=True)
    with open(os.path.join(app.config["UPLOAD_FOLDER"], name), "wb") as handle:
        handle.write(data)
    factories.AttachmentFactory(proposal=proposal, storage_name=name, size=len(data),
                                original_name="piano-riservato.pdf",
                                sha256=hashlib.sha256(data).hexdigest())
    return data


@pytest.fixture
def estate(app, founder):
    """Start-up A's proposals in every state, start-up B's, and the people around them."""
    mine = founder.startup
    other = factories.StartupUserFactory()
    open_partner, closed_partner = factories.PartnerFactory(), factories.PartnerFactory()

    def challenge(**state):  # one proposal per start-up and challenge
        return factories.ChallengeFactory(**state, lead_partner=(
            closed_partner if state.get("closed") else open_partner))

    blind_round = factories.EvaluationRoundFactory(reviewing=True)
    assert blind_round.blind
    proposals = {
        "draft": factories.ProposalFactory(startup=mine, challenge=challenge(published=True)),
        "open": factories.ProposalFactory(startup=mine, challenge=challenge(published=True),
                                          submitted=True),
        "closed": factories.ProposalFactory(startup=mine, challenge=challenge(closed=True),
                                            submitted=True),
        "closed_draft": factories.ProposalFactory(startup=mine, challenge=challenge(closed=True)),
        "withdrawn": factories.ProposalFactory(startup=mine, challenge=challenge(closed=True),
                                               withdrawn=True),
        "blind": factories.ProposalFactory(startup=mine, challenge=blind_round.challenge,
                                           submitted=True),
        "other": factories.ProposalFactory(startup=other.startup, challenge=challenge(closed=True),
                                           submitted=True),
    }
    files = {key: _attach(app, p, pages) for pages, (key, p) in enumerate(proposals.items(), 1)}
    juror = factories.JuryUserFactory()
    factories.AssignmentFactory(round=blind_round, proposal=proposals["blind"], user=juror)
    conflicted = factories.JuryUserFactory()
    factories.ConflictDeclarationFactory(user=conflicted, startup=mine)
    factories.AssignmentFactory(round=blind_round, proposal=proposals["blind"], user=conflicted)
    mine_all = {"draft", "open", "closed", "closed_draft", "withdrawn", "blind"}
    people = {  # who -> (user, what they may download)
        "anonymous": (None, set()),
        "owner": (founder, mine_all),
        "other_startup": (other, {"other"}),
        "other_partner": (factories.PartnerUserFactory(), set()),
        "partner_before_deadline": (factories.PartnerUserFactory(partner=open_partner),
                                    set()),
        "partner_after_deadline": (factories.PartnerUserFactory(partner=closed_partner),
                                   {"closed", "other"}),
        "conflicted_juror": (conflicted, set()),
        "blind_juror": (juror, {"blind"}),
        "admin": (factories.UserFactory(admin=True), mine_all | {"other"}),
    }
    return proposals, files, people


@pytest.mark.parametrize("who", ["anonymous", "owner", "other_startup", "other_partner",
                                 "partner_before_deadline", "partner_after_deadline",
                                 "conflicted_juror", "blind_juror", "admin"])
def test_guessed_attachment_ids_never_leak(client, login, estate, who):
    proposals, files, people = estate
    user, allowed = people[who]
    if user is not None:
        login(user)
    by_id = {p.id: key for key, p in proposals.items()}
    for proposal_id in range(min(by_id) - 5, max(by_id) + 6):
        response = client.get(f"/proposals/{proposal_id}/attachment")
        body = response.data
        response.close()
        key = by_id.get(proposal_id)
        if key in allowed:
            assert response.status_code == 200, (who, key)
            if key == "blind" and who == "blind_juror":  # anonymised copy, neutral name
                assert body.startswith(b"%PDF-")
                assert f"proposal-{proposal_id}.pdf" in response.headers["Content-Disposition"]
            else:
                assert body == files[key]
                assert "piano-riservato.pdf" in response.headers["Content-Disposition"]
        else:
            # Anonymous: to the login page, whether the id exists or not (the URL
            # does not even match below 0).
            expected = {403, 404} if user else {302} if proposal_id >= 0 else {404}
            assert response.status_code in expected, (who, key, response.status_code)
            assert b"%PDF" not in body
            if response.status_code == 302:
                assert "/auth/login" in response.headers["Location"]
