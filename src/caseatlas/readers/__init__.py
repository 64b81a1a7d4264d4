"""Readers: files → `Document` (lines with provenance). `read_bytes` reads a file's bytes under its
name; `read_document` (a path on disk) and `read_upload` (a file sent over the web) are its two
doors, each saying where the bytes came from."""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..errors import ReadError
from ..models import Document, Line
from .normalize import normalize
from .text import decode, split_lines

SUPPORTED = {
    ".txt": "txt",
    ".text": "txt",
    ".md": "md",
    ".markdown": "md",
    ".pdf": "pdf",
    ".docx": "docx",
    ".html": "html",
    ".htm": "html",
}
MAX_BYTES = 20 * 1024 * 1024  # the largest real book dump is ~0.3 MB; 20 MB is a scan gone wrong


def read_document(path: str | Path, max_bytes: int = MAX_BYTES) -> Document:
    """Read one file into lines with provenance, or raise ReadError (one-line message)."""
    path = Path(path)
    name = path.name
    _format(name)  # an unsupported type is refused before the file is opened
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"{name}: cannot read ({exc.strerror})") from None
    _check_size(name, size, max_bytes)  # before a byte is read: a huge file is never loaded
    return read_bytes(name, path.read_bytes(), source=str(path.resolve()), max_bytes=max_bytes)


def read_upload(filename: str, content: bytes) -> Document:
    """A file sent over the web, read from its bytes under its own (base) name; its source is
    `upload:<name>` (there is no path to point at: the bytes were never a file here)."""
    name = Path(filename or "").name
    if not name or Path(name).suffix.lower() not in SUPPORTED:
        raise ReadError(f"'{name or filename}': not a supported file (use {', '.join(sorted(SUPPORTED))})")
    return read_bytes(name, content, source=f"upload:{name}")


def read_bytes(name: str, data: bytes, source: str, max_bytes: int = MAX_BYTES) -> Document:
    """Read a file's bytes into lines with provenance, or raise ReadError (one-line message).
    `name` is the file name (its suffix says the format, as on disk); `source` is what the
    document records as where the bytes came from (`Document.source_path`). The same bytes
    read the same whether they came from a file or over the web."""
    fmt = _format(name)
    _check_size(name, len(data), max_bytes)
    encoding = None
    pages: list[int | None]
    if fmt in ("txt", "md", "html"):
        text, encoding = decode(data, name)
        if fmt == "html":
            from .html import read_html

            raws = read_html(text, name)
        else:
            raws = split_lines(text)
        pages = [None] * len(raws)
    elif fmt == "pdf":
        from .pdf import read_pdf

        pairs = read_pdf(data, name)
        raws = [r for r, _ in pairs]
        pages = [p for _, p in pairs]
    else:
        from .docx import read_docx

        raws = read_docx(data, name)
        pages = [None] * len(raws)
    lines = [Line(no=i + 1, raw=raw, text=normalize(raw), page=page) for i, (raw, page) in enumerate(zip(raws, pages))]
    if not any(line.text for line in lines):
        raise ReadError(f"{name}: no text found")
    return Document(
        source_file=name,
        source_path=source,
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        lines=lines,
        encoding=encoding,
    )


def _format(name: str) -> str:
    suffix = Path(name).suffix
    fmt = SUPPORTED.get(suffix.lower())
    if fmt is None:
        raise ReadError(f"{name}: unsupported file type '{suffix or '(none)'}' (use .txt .md .pdf .docx .html)")
    return fmt


def _check_size(name: str, size: int, max_bytes: int) -> None:
    if size == 0:
        raise ReadError(f"{name}: file is empty")
    if size > max_bytes:
        raise ReadError(f"{name}: file is too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB limit)")


__all__ = ["read_document", "read_bytes", "read_upload", "ReadError", "SUPPORTED", "MAX_BYTES"]
