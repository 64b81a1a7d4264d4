"""PDF: the text layer, one line per visual line, page numbers kept.

One exception to "one line per visual line": a heading set in a larger type than the body
and wrapped over two or more lines is one line (a title wrapped by the
layout is one title; the segmenter must not read its second half as an organization)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..errors import ReadError
from .limits import check_pdf_streams

MAX_PAGES = 5000
HEADING_RATIO = 1.25  # type this much larger than the body's is a heading's


def read_pdf(data: bytes, name: str) -> list[tuple[str, int]]:
    check_pdf_streams(data, name)  # before MuPDF inflates object and content streams
    import pymupdf  # imported lazily: it is large and most ingests are text

    try:
        doc = pymupdf.open(stream=data, filetype="pdf")
    except Exception as exc:  # PyMuPDF raises its own types for corrupt files
        raise ReadError(f"{name}: not a readable PDF ({exc})") from None
    pages: list[list[_Line]] = []
    with doc:
        if doc.needs_pass:
            raise ReadError(f"{name}: PDF is password-protected")
        if doc.page_count > MAX_PAGES:
            raise ReadError(f"{name}: refused: {doc.page_count} pages (limit {MAX_PAGES})")
        for page in doc:
            lines: list[_Line] = []
            for block in page.get_text("dict", sort=False)["blocks"]:
                if block.get("type") == 0:
                    lines += _visual_lines(block["lines"])
            pages.append(lines)
    sizes: Counter[float] = Counter()
    for lines in pages:
        for ln in lines:
            sizes[round(ln.size, 1)] += len(ln.text.strip())
    body = sizes.most_common(1)[0][0] if sizes else 0.0
    out: list[tuple[str, int]] = []
    for page_no, lines in enumerate(pages, start=1):
        for text in _join_headings(lines, body):
            out.append((text, page_no))
        # The page's last line break, then the page break read as a paragraph break (as
        # get_text("text") numbered lines before: line numbers of stored PDFs stay put).
        out += [("", page_no), ("", page_no)]
    if not any(line.strip() for line, _ in out):
        raise ReadError(f"{name}: PDF has no text layer (scanned images?); run OCR first")
    return out


@dataclass(slots=True)
class _Line:
    text: str
    size: float  # the largest type size in the line
    bbox: tuple[float, float, float, float]


def _visual_lines(lines: list[dict]) -> list[_Line]:
    """MuPDF splits a visual line at wide gaps ("前言", "......", "2" of a contents entry):
    pieces of one block side by side on the same baseline are joined again, a space where
    the gap is wider than a thin space."""
    out: list[_Line] = []
    for line in lines:
        text = "".join(s["text"] for s in line["spans"])
        size = max((s["size"] for s in line["spans"]), default=0.0)
        x0, y0, x1, y1 = line["bbox"]
        if out:
            prev = out[-1]
            px0, py0, px1, py1 = prev.bbox
            overlap = min(y1, py1) - max(y0, py0)
            if overlap > 0.6 * min(y1 - y0, py1 - py0) and x0 >= px1 - 1:
                sep = " " if x0 - px1 > max(1.0, 0.25 * size) else ""
                out[-1] = _Line(prev.text + sep + text, max(prev.size, size), (px0, min(y0, py0), x1, max(y1, py1)))
                continue
        out.append(_Line(text, size, (x0, y0, x1, y1)))
    return out


def _join_headings(lines: list[_Line], body: float) -> list[str]:
    """A line in heading type continued right below in the same type (a wrapped title, in
    one text block or two) is joined to it."""
    out: list[str] = []
    prev: _Line | None = None
    for ln in lines:
        heading = body > 0 and ln.size >= HEADING_RATIO * body and ln.text.strip()
        if (
            heading
            and prev is not None
            and out
            and abs(prev.size - ln.size) < 0.5
            and -0.5 * ln.size < ln.bbox[1] - prev.bbox[3] < 0.6 * ln.size
        ):
            a, b = out[-1].rstrip(), ln.text.strip()
            sep = " " if a and b and a[-1].isascii() and a[-1].isalnum() and b[0].isascii() and b[0].isalnum() else ""
            out[-1] = a + sep + b
            prev = ln
            continue
        out.append(ln.text)
        prev = ln if heading else None
    return out
