"""DOCX: paragraphs and table rows in body order; Word heading styles become '#' marks."""

from __future__ import annotations

import io

from ..errors import ReadError
from .limits import check_zip


def read_docx(data: bytes, name: str) -> list[str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, name)  # before python-docx inflates anything
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip/xml errors for damaged files
        raise ReadError(f"{name}: not a readable DOCX file ({type(exc).__name__})") from None
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            para = Paragraph(block, document)
            style = (para.style.name if para.style is not None else "") or ""
            text = para.text
            level = _heading_level(style)
            if level and text.strip():
                text = "#" * level + " " + text.strip()
            lines.extend(text.split("\n"))
        elif tag == "tbl":
            for row in Table(block, document).rows:
                lines.append("\t".join(cell.text.replace("\n", " ") for cell in row.cells))
    return lines


def _heading_level(style: str) -> int:
    style = style.lower()
    if style == "title":
        return 1
    for prefix in ("heading ", "标题 "):
        if style.startswith(prefix) and style[len(prefix) :].strip().isdigit():
            return min(int(style[len(prefix) :]), 6)
    return 0
