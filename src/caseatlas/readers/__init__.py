"""Readers: files → `Document` (lines with provenance). One entry point: `read_document`."""

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
    fmt = SUPPORTED.get(path.suffix.lower())
    if fmt is None:
        raise ReadError(f"{name}: unsupported file type '{path.suffix or '(none)'}' (use .txt .md .pdf .docx .html)")
    try:
        size = path.stat().st_size
    except OSError as exc:
        raise ReadError(f"{name}: cannot read ({exc.strerror})") from None
    if size == 0:
        raise ReadError(f"{name}: file is empty")
    if size > max_bytes:
        raise ReadError(f"{name}: file is too large ({size / 1e6:.1f} MB > {max_bytes / 1e6:.0f} MB limit)")
    data = path.read_bytes()
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
        source_path=str(path.resolve()),
        format=fmt,
        sha256=hashlib.sha256(data).hexdigest(),
        lines=lines,
        encoding=encoding,
    )


def read_upload(filename: str, content: bytes) -> Document:
    """A file sent over the web, read as if from disk under its own (base) name."""
    import tempfile

    name = Path(filename or "").name
    if not name or Path(name).suffix.lower() not in SUPPORTED:
        raise ReadError(f"'{name or filename}': not a supported file (use {', '.join(sorted(SUPPORTED))})")
    with tempfile.TemporaryDirectory(prefix="caseatlas-upload-") as tmp:
        path = Path(tmp) / name
        path.write_bytes(content)
        return read_document(path)


__all__ = ["read_document", "read_upload", "ReadError", "SUPPORTED", "MAX_BYTES"]
