"""PDF: the text layer, one line per visual line, page numbers kept."""

from __future__ import annotations

from ..errors import ReadError
from .limits import check_pdf_streams

MAX_PAGES = 5000


def read_pdf(data: bytes, name: str) -> list[tuple[str, int]]:
    check_pdf_streams(data, name)  # before MuPDF inflates object and content streams
    import pymupdf  # imported lazily: it is large and most ingests are text

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises its own types for corrupt files
        raise ReadError(f"{name}: not a readable PDF ({exc})") from None
    out: list[tuple[str, int]] = []
    with doc:
        if doc.needs_pass:
            raise ReadError(f"{name}: PDF is password-protected")
        if doc.page_count > MAX_PAGES:
            raise ReadError(f"{name}: refused: {doc.page_count} pages (limit {MAX_PAGES})")
        for page_index, page in enumerate(doc):
            text = page.get_text("text", sort=False)
            for line in text.split("\n"):
                out.append((line, page_index + 1))
            out.append(("", page_index + 1))  # page break reads as a paragraph break
    if not any(line.strip() for line, _ in out):
        raise ReadError(f"{name}: PDF has no text layer (scanned images?); run OCR first")
    return out
