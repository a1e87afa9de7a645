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
import re
import secrets
import time
import warnings
import zlib
from dataclasses import dataclass

from flask_babel import gettext as _
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, LZWDecode, RunLengthDecode
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    StreamObject,
)
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.utils import secure_filename

from alliance.core.errors import DomainError

log = logging.getLogger(__name__)

_PENDING_KEY = "alliance_uploads_pending"

# What one upload may cost to check. The decoded size is counted while
# inflating, a chunk at a time, so a "decompression bomb" (a small stream that
# inflates to gigabytes) is refused without ever being held in memory.
MAX_DECODED_BYTES = 256 * 1024 * 1024  # all the file's streams together, decoded
MAX_PAGES = 2_000
MAX_CHECK_SECONDS = 10.0
_MAX_OBJECTS_WALKED = 200_000
_MAX_OBJECT_STREAM_BYTES = 64 * 1024 * 1024  # all object streams together, decoded
_CHUNK = 1024 * 1024
# LZW and run-length (rare today) are decoded whole, so one such stream is capped lower.
_WHOLE_DECODE_BYTES = 32 * 1024 * 1024
# pypdf decodes object and cross-reference streams itself (whole, in memory):
# they are small in real files, so keep its limits far below its defaults.
_PYPDF_LIMITS = {
    "zlib_maximum_output_length": 8 * 1024 * 1024,
    "lzw_maximum_output_length": 8 * 1024 * 1024,
    "run_length_maximum_output_length": 8 * 1024 * 1024,
    "array_based_stream_maximum_output_length": 8 * 1024 * 1024,
    "stream_decoding_work_maximum_length": 16 * 1024 * 1024,
    "page_tree_maximum_entries": MAX_PAGES,
}
_FLATE = {"/FlateDecode", "/Fl"}
_BYTE_FILTERS = {"/ASCIIHexDecode": ASCIIHexDecode, "/AHx": ASCIIHexDecode,
                 "/ASCII85Decode": ASCII85Decode, "/A85": ASCII85Decode,
                 "/LZWDecode": LZWDecode, "/LZW": LZWDecode,
                 "/RunLengthDecode": RunLengthDecode, "/RL": RunLengthDecode}
# Anything after these (image codecs, /Crypt) is not decoded: their size is
# bounded by the image's dimensions, not by a compression ratio we could count.

SCRIPT, EMBEDDED = "script", "embedded"
_SCRIPT_KEYS = {"/JS", "/JavaScript", "/XFA"}  # XFA forms carry their own scripts
_SCRIPT_URI = re.compile(r"^\s*(javascript|vbscript|data)\s*:", re.IGNORECASE)
_EMBEDDED_KEYS = {"/EmbeddedFiles", "/EF"}
_EMBEDDED_TYPES = {"/EmbeddedFile", "/FileAttachment", "/RichMedia", "/Launch"}
# A PDF that is also a web page (a "polyglot"): HTML markup in the raw bytes.
_HTML = re.compile(rb"<\s*(script|iframe|html|!doctype\s+html)[\s>/]", re.IGNORECASE)


@dataclass(frozen=True)
class CheckedPdf:
    data: bytes
    original_name: str
    size: int
    sha256: str


class _TooComplex(Exception):
    """The check would cost more than the limits above."""


def _attachment_error(message: str) -> DomainError:
    return DomainError(message, field_errors={"attachment": message})


# Names Windows reserves whatever the extension ("CON.pdf" cannot be saved there).
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                    *(f"LPT{i}" for i in range(10))}


def readable_name(filename: str | None) -> str:
    """A safe file name for the download that still reads like the original: ASCII
    letters, digits, ``_.-`` only (no path, control or bidi characters), ending in .pdf."""
    name = secure_filename(filename or "") or "attachment.pdf"
    stem, ext = os.path.splitext(name)
    if ext.lower() != ".pdf":
        stem, ext = name, ".pdf"
    if stem.split(".")[0].upper() in _WINDOWS_DEVICES:
        stem = "_" + stem
    return stem[: 255 - len(ext)] + ext


class _Budget:
    def __init__(self, decoded_bytes: int, *, deadline: float):
        self.left = decoded_bytes
        self.deadline = deadline

    def spend(self, amount: int) -> None:
        self.left -= amount
        if self.left < 0:
            raise _TooComplex("decoded streams exceed the limit")
        self.tick()

    def tick(self) -> None:
        if time.monotonic() > self.deadline:
            raise _TooComplex("the check took too long")


def _inflate(chunks, budget: _Budget):
    """Inflate a Flate stream given as chunks, yielding at most ``_CHUNK`` bytes at a time."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 32)  # zlib or gzip header
    try:
        for chunk in chunks:
            while chunk and not inflater.eof:
                out = inflater.decompress(chunk, _CHUNK)
                chunk = inflater.unconsumed_tail
                if out:
                    budget.spend(len(out))
                    yield out
            if inflater.eof:
                return
        out = inflater.flush()
    except zlib.error:
        return  # broken data: readers show what decodes, and so do we
    if out:
        budget.spend(len(out))
        yield out


class _CheckingReader(PdfReader):
    """A reader that keeps to the budget: every object it resolves checks the clock,
    and an object stream is measured (without keeping it) before pypdf decodes it
    whole and keeps it."""

    def __init__(self, data: bytes, budget: _Budget):
        self._budget = budget
        self._object_streams = _Budget(_MAX_OBJECT_STREAM_BYTES, deadline=budget.deadline)
        self._measured: set[int] = set()
        super().__init__(io.BytesIO(data), strict=False)

    def get_object(self, indirect_reference):
        self._budget.tick()
        idnum = getattr(indirect_reference, "idnum", indirect_reference)
        stream_number = self.xref_objStm.get(idnum, (None, None))[0]
        if stream_number is not None and stream_number not in self._measured:
            self._measured.add(stream_number)
            stream = super().get_object(IndirectObject(stream_number, 0, self))
            if isinstance(stream, StreamObject):
                _measure_stream(stream, self._object_streams)
        return super().get_object(indirect_reference)


def _decode_whole(chunks, decoder, budget: _Budget):
    data = b"".join(chunks)  # bounded: the chunks were counted
    limit = max(1, min(budget.left, _WHOLE_DECODE_BYTES))
    try:
        with apply_configuration(lzw_maximum_output_length=limit,
                                 run_length_maximum_output_length=limit):
            out = decoder.decode(data)
    except LimitReachedError as exc:
        raise _TooComplex(str(exc)) from None
    except Exception:  # noqa: BLE001 - broken data, as in _inflate
        return
    budget.spend(len(out))
    yield out


def _measure_stream(stream, budget: _Budget) -> None:
    """Decode ``stream`` through its filters a chunk at a time, counting the bytes."""
    filters = stream.get("/Filter")
    if filters is None:
        return
    filters = filters.get_object()
    names = [str(f.get_object()) for f in (filters if isinstance(filters, ArrayObject)
                                            else [filters])]
    chunks = iter([stream._data])  # the raw bytes as read (pypdf has no public name)
    for name in names:
        if name in _FLATE:
            chunks = _inflate(chunks, budget)
        elif name in _BYTE_FILTERS:
            chunks = _decode_whole(chunks, _BYTE_FILTERS[name], budget)
        else:
            break
    for _chunk in chunks:
        pass


_CONTAINERS = (IndirectObject, DictionaryObject, ArrayObject)


def _active_content(reader: PdfReader, budget: _Budget) -> str | None:
    """SCRIPT when the document (names, open action, additional actions, pages,
    annotations, form fields, links...) holds JavaScript; EMBEDDED when it carries
    files or actions that launch programs; None otherwise. Every stream reached is
    decoded (and counted), so nothing is accepted unmeasured."""
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
            raise _TooComplex("too many objects")
        if isinstance(obj, StreamObject):
            _measure_stream(obj, budget)
        if isinstance(obj, DictionaryObject):
            for name, value in obj.items():
                if name in _SCRIPT_KEYS:
                    return SCRIPT
                if name in _EMBEDDED_KEYS:
                    return EMBEDDED
                if name in ("/S", "/Type", "/Subtype", "/URI"):
                    value = value.get_object()  # an indirect /S must not hide an action
                    if name == "/S" and value == "/JavaScript":
                        return SCRIPT
                    if name == "/URI" and isinstance(value, (str, bytes)) and _SCRIPT_URI.match(
                            value if isinstance(value, str) else value.decode("latin-1")):
                        return SCRIPT
                    if isinstance(value, NameObject) and value in _EMBEDDED_TYPES:
                        return EMBEDDED
                if name != "/Parent" and isinstance(value, _CONTAINERS):
                    stack.append(value)
        elif isinstance(obj, ArrayObject):
            stack.extend(item for item in obj if isinstance(item, _CONTAINERS))
    return None


def _too_complex_error() -> DomainError:
    return _attachment_error(_("This PDF is too large or too complex once decompressed to "
                               "be checked safely. Please export it again, for example with "
                               "smaller images."))


def check_pdf(*, data: bytes, filename: str | None, max_bytes: int,
              max_decoded_bytes: int = MAX_DECODED_BYTES,
              max_seconds: float = MAX_CHECK_SECONDS) -> CheckedPdf:
    """Accept ``data`` only if it is a real PDF of at most ``max_bytes``, without
    scripts, embedded files or web-page code, whose streams decode to at most
    ``max_decoded_bytes`` within ``max_seconds``.

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
    if _HTML.search(data):
        raise _attachment_error(_("This file hides web-page code (HTML or scripts) inside "
                                  "the PDF, which is not allowed. Please export your "
                                  "document as PDF again."))
    budget = _Budget(max_decoded_bytes, deadline=time.monotonic() + max_seconds)
    try:
        with warnings.catch_warnings(), apply_configuration(**_PYPDF_LIMITS):
            warnings.simplefilter("ignore")
            reader = _CheckingReader(data, budget)
            if reader.is_encrypted:
                raise _attachment_error(_("Password-protected PDFs cannot be accepted: the "
                                          "evaluators must be able to open the file."))
            pages = reader.pages
            if len(pages) == 0:
                raise _attachment_error(_("This PDF has no pages."))
            for number, page in enumerate(pages):
                page.mediabox  # noqa: B018 - reading each page proves the file parses
                if number % 100 == 0:
                    budget.tick()
            found = _active_content(reader, budget)
    except DomainError:
        raise
    except (_TooComplex, LimitReachedError) as exc:
        log.info("refused a PDF upload too costly to check: %r", exc)
        raise _too_complex_error() from None
    except Exception as exc:  # pypdf raises many kinds of errors on broken files
        log.info("refused an unreadable PDF upload: %r", exc)
        raise _attachment_error(_("This PDF is damaged or cannot be read. Please export it "
                                  "again and retry.")) from None
    if found == SCRIPT:
        raise _attachment_error(_("This PDF contains JavaScript, which is not allowed. Please "
                                  "export it again without scripts or interactive actions."))
    if found == EMBEDDED:
        raise _attachment_error(_("This PDF contains embedded files or actions that open "
                                  "other programs, which is not allowed. Please export it "
                                  "again without attachments."))
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
