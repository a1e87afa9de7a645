"""The proposal's PDF: checked by its content, stored outside ``static/`` under a random name.

A file is written before the transaction that records it commits. If that
transaction does not commit (a later check fails, the commit itself fails),
the file is removed again, so the upload folder never keeps orphans.
"""
from __future__ import annotations

import hashlib
import io
import logging
import os
import secrets
import warnings
from dataclasses import dataclass

from flask_babel import gettext as _
from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from alliance.core.errors import DomainError

log = logging.getLogger(__name__)

_PENDING_KEY = "alliance_uploads_pending"
_SCRIPT_KEYS = {"/JS", "/JavaScript"}
_MAX_OBJECTS_WALKED = 200_000


@dataclass(frozen=True)
class CheckedPdf:
    data: bytes
    original_name: str
    size: int
    sha256: str


def _attachment_error(message: str) -> DomainError:
    return DomainError(message, field_errors={"attachment": message})


def readable_name(filename: str | None) -> str:
    """A safe file name for the download that still reads like the original."""
    name = secure_filename(filename or "") or "attachment.pdf"
    stem, ext = os.path.splitext(name)
    if ext.lower() != ".pdf":
        stem, ext = name, ".pdf"
    return stem[: 255 - len(ext)] + ext


def _contains_script(reader: PdfReader) -> bool:
    """True when the document catalog (names, open action, additional actions, pages,
    annotations, form fields...) mentions JavaScript anywhere."""
    seen: set[tuple[int, int]] = set()
    stack = [reader.trailer["/Root"]]
    walked = 0
    while stack:
        obj = stack.pop()
        if isinstance(obj, IndirectObject):
            key = (obj.idnum, obj.generation)
            if key in seen:
                continue
            seen.add(key)
            obj = obj.get_object()
        walked += 1
        if walked > _MAX_OBJECTS_WALKED:
            return True  # absurdly deep structure: refuse rather than guess
        if isinstance(obj, DictionaryObject):
            for name, value in obj.items():
                if name in _SCRIPT_KEYS:
                    return True
                if name == "/S" and isinstance(value, NameObject) and value == "/JavaScript":
                    return True
                if name != "/Parent":
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(obj)
    return False


def check_pdf(*, data: bytes, filename: str | None, max_bytes: int) -> CheckedPdf:
    """Accept ``data`` only if it is a real, script-free PDF of at most ``max_bytes``.

    The content decides, not the name: the file must start with ``%PDF-`` and
    pypdf must read its pages.
    """
    size = len(data)
    if size == 0:
        raise _attachment_error(_("The file is empty."))
    if size > max_bytes:
        raise _attachment_error(_("The file is larger than %(mb)d MB. Please send a smaller PDF.",
                                  mb=max_bytes // (1024 * 1024) or 1))
    if not data.startswith(b"%PDF-"):
        raise _attachment_error(_("This file is not a PDF (whatever its name says). "
                                  "Please export your document as PDF."))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            reader = PdfReader(io.BytesIO(data), strict=False)
            if reader.is_encrypted:
                raise _attachment_error(_("Password-protected PDFs cannot be accepted: the "
                                          "evaluators must be able to open the file."))
            pages = reader.pages
            if len(pages) == 0:
                raise _attachment_error(_("This PDF has no pages."))
            for page in pages:
                page.mediabox  # noqa: B018 - reading each page proves the file parses
            has_script = _contains_script(reader)
    except DomainError:
        raise
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        log.info("refused an unreadable PDF upload: %r", exc)
        raise _attachment_error(_("This PDF is damaged or cannot be read. Please export it "
                                  "again and retry.")) from None
    if has_script:
        raise _attachment_error(_("This PDF contains JavaScript, which is not allowed. Please "
                                  "export it again without scripts or interactive actions."))
    return CheckedPdf(data=data, original_name=readable_name(filename), size=size,
                      sha256=hashlib.sha256(data).hexdigest())


def new_storage_name() -> str:
    """A random file name: nothing about the file can be guessed from it."""
    return secrets.token_hex(16)


def storage_path(folder: str, storage_name: str) -> str:
    if not storage_name or os.path.basename(storage_name) != storage_name:
        raise ValueError("bad storage name")
    return os.path.join(folder, storage_name)


def store(*, session: Session, folder: str, data: bytes) -> str:
    """Write ``data`` under a new random name in ``folder``; the file is removed again
    unless ``session``'s transaction commits. Returns the storage name."""
    os.makedirs(folder, exist_ok=True)
    name = new_storage_name()
    path = storage_path(folder, name)
    # "x": never overwrite; 0o600-like permissions come from the umask of the server.
    with open(path, "xb") as handle:
        handle.write(data)
    session.info.setdefault(_PENDING_KEY, []).append(path)
    return name


def remove_file(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    except OSError:
        log.exception("could not remove %s", path)


def _keep_pending(session: Session) -> None:
    session.info.pop(_PENDING_KEY, None)


def _discard_pending(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        for path in session.info.pop(_PENDING_KEY, []):
            remove_file(path)


def install(session_class=Session) -> None:
    """Listen to the end of transactions on every session of ``session_class``."""
    if not event.contains(session_class, "after_commit", _keep_pending):
        event.listen(session_class, "after_commit", _keep_pending)
        event.listen(session_class, "after_transaction_end", _discard_pending)


install()
