"""Render text lines into PDF and DOCX files, as a publisher's layout tool would.

Used by tests to check that the same book read from a PDF or a DOCX yields the same cases.
Long lines are wrapped to the page width, so the PDF text layer has wrapped paragraphs
and page breaks, like a real book's.
"""

from __future__ import annotations

from pathlib import Path


def render_pdf(lines: list[str], path: Path, chars_per_line: int = 38, lines_per_page: int = 48) -> Path:
    import pymupdf

    doc = pymupdf.open()
    page = None
    y = 0.0
    visual: list[str] = []
    for line in lines:
        text = line.rstrip().replace("\t", "    ")  # a layout tool turns tab stops into space
        if not text:
            visual.append("")
            continue
        while text:
            visual.append(text[:chars_per_line])
            text = text[chars_per_line:]
    used = lines_per_page
    for text in visual:
        if used >= lines_per_page:
            page = doc.new_page(width=595, height=842)
            y, used = 60.0, 0
        if text:
            page.insert_text((50, y), text, fontname="china-s", fontsize=11)
        y += 15
        used += 1
    doc.save(path)
    doc.close()
    return path


def render_docx(lines: list[str], path: Path) -> Path:
    import docx

    document = docx.Document()
    for line in lines:
        if line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            document.add_heading(line.lstrip("#").strip(), level=min(level, 6))
        else:
            document.add_paragraph(line.rstrip())
    document.save(path)
    return path


def render_pdf_without_text(path: Path) -> Path:
    """A 'scanned' PDF: a page with a drawing and no text layer."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page()
    page.draw_rect(pymupdf.Rect(50, 50, 300, 300), color=(0, 0, 0), fill=(0.5, 0.5, 0.5))
    doc.save(path)
    doc.close()
    return path


def render_html(lines: list[str], path: Path) -> Path:
    """A web page of the book: Markdown headings as <h1>…<h6>, other lines as <p>, text escaped."""
    import html
    import re

    body = []
    for line in lines:
        m = re.match(r"^(#{1,6})\s*(.*)", line)
        if m:
            level = len(m.group(1))
            body.append(f"<h{level}>{html.escape(m.group(2))}</h{level}>")
        elif line.strip():
            body.append(f"<p>{html.escape(line)}</p>")
    path.write_text(
        "<!doctype html><html><head><title>book</title></head><body>\n" + "\n".join(body) + "\n</body></html>",
        encoding="utf-8",
    )
    return path
