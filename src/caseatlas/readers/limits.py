"""Bounds that stop hostile files before a parser expands them (issue 14).

A 20 MB file can unpack to gigabytes: a DOCX is a zip whose members may be compressed a
thousandfold, a PDF's Flate streams likewise, an HTML file may nest tags a hundred thousand
deep. Each check here reads only what it needs and refuses with a one-line error, so the
library is never touched and the refusal takes well under a second."""

from __future__ import annotations

import io
import re
import zipfile
import zlib

from ..errors import ReadError

MAX_UNPACKED = 256 * 1024 * 1024  # what a file may unpack to in all (a real book: a few MB)
MAX_RATIO = 100  # compression ratio above which a large member or stream is a bomb
RATIO_FROM = 8 * 1024 * 1024  # the ratio check applies to members/streams unpacking above this
MAX_MEMBERS = 10_000
MAX_HTML_DEPTH = 512  # browsers' parsers cap nesting in the same range
_CHUNK = 1024 * 1024


def check_zip(data: bytes, name: str, kind: str = "DOCX") -> None:
    """Declared sizes of a zip's members (zipfile never inflates past them: a member that lies
    about its size fails its CRC check instead)."""
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError):
        raise ReadError(f"{name}: not a readable {kind} file (not a zip archive)") from None
    infos = zf.infolist()
    if len(infos) > MAX_MEMBERS:
        raise ReadError(f"{name}: refused: {len(infos)} parts in the {kind} (limit {MAX_MEMBERS})")
    total = 0
    for info in infos:
        total += info.file_size
        ratio = info.file_size / max(1, info.compress_size)
        if info.file_size > RATIO_FROM and ratio > MAX_RATIO:
            raise ReadError(
                f"{name}: refused: part {info.filename} unpacks {ratio:.0f}× to "
                f"{info.file_size / 1e6:.0f} MB (a zip bomb?)"
            )
    if total > MAX_UNPACKED:
        raise ReadError(
            f"{name}: refused: the {kind} unpacks to {total / 1e6:.0f} MB (limit {MAX_UNPACKED / 1e6:.0f} MB)"
        )


_STREAM = re.compile(rb"stream\r?\n")
_DICT_TAIL = 2048  # how far before `stream` a stream's dictionary is looked for


def check_pdf_streams(data: bytes, name: str) -> None:
    """Inflate every Flate stream that is not an image, bounded: refuse when one unpacks past
    MAX_RATIO× its size (and RATIO_FROM bytes), or all of them past MAX_UNPACKED. Object
    streams and content streams are what the text extractor would inflate; images it never
    decodes."""
    total = 0
    pos = 0
    while True:
        m = _STREAM.search(data, pos)
        if m is None:
            return
        start = m.end()
        end = data.find(b"endstream", start)
        if end < 0:
            return
        pos = end + 9
        head = data[max(0, m.start() - _DICT_TAIL) : m.start()]
        head = head[head.rfind(b"obj") + 3 :] if b"obj" in head else head
        if b"FlateDecode" not in head or re.search(rb"/Subtype\s*/Image", head):
            continue
        inflated = _inflated_size(data[start:end], limit=MAX_UNPACKED - total + 1)
        ratio = inflated / max(1, end - start)
        if inflated > RATIO_FROM and ratio > MAX_RATIO:
            raise ReadError(
                f"{name}: refused: a PDF stream unpacks more than {MAX_RATIO}× "
                f"(over {inflated / 1e6:.0f} MB from {(end - start) / 1e3:.0f} kB: a decompression bomb?)"
            )
        total += inflated
        if total > MAX_UNPACKED:
            raise ReadError(f"{name}: refused: the PDF's streams unpack to over {MAX_UNPACKED / 1e6:.0f} MB")


def _inflated_size(raw: bytes, limit: int) -> int:
    """Bytes the stream inflates to, counting no further than `limit` (and no further than the
    ratio bound: enough to decide). A damaged stream counts what could be inflated."""
    d = zlib.decompressobj()
    size = 0
    stop = min(limit, max(RATIO_FROM, MAX_RATIO * len(raw)) + 1)
    buf = raw
    try:
        while buf and size < stop:
            out = d.decompress(buf, _CHUNK)
            size += len(out)
            # At the end of the deflate data (bytes may follow it before `endstream`) zlib
            # keeps handing back the trailing bytes: stop there, or on no progress at all.
            if d.eof or (not out and d.unconsumed_tail == buf):
                break
            buf = d.unconsumed_tail
    except zlib.error:
        pass
    return size


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9:-]*)[^>]*?(/?)>")
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())


# Tags whose end tag may be left out: a new one closes the open one (<p>a<p>b is not nesting).
_OPTIONAL_END = frozenset("p li dt dd tr td th option optgroup thead tbody tfoot colgroup rb rt rp".split())


def check_html_depth(text: str, name: str) -> None:
    stack: list[str] = []
    for m in _TAG.finditer(text):
        closing, tag, selfclosing = m.group(1), m.group(2).lower(), m.group(3)
        if tag in _VOID or selfclosing:
            continue
        if closing:
            if tag in stack:
                del stack[len(stack) - 1 - stack[::-1].index(tag) :]
            continue
        if tag in _OPTIONAL_END and tag in stack[-4:]:
            del stack[len(stack) - 1 - stack[::-1].index(tag) :]
        stack.append(tag)
        if len(stack) > MAX_HTML_DEPTH:
            raise ReadError(f"{name}: refused: HTML nested more than {MAX_HTML_DEPTH} levels deep")
