"""Paragraphs as the author wrote them: lines that a page layout wrapped, joined again, each
paragraph knowing which source line every stretch of its text came from.

Extraction reads a figure with the words around it, search cuts passages, the published
edition prints paragraphs and checks quote sentences — all over the same joined text, and
every quote keeps its way back to the exact source line (`Paragraph.line_at`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Line
from .sentences import CJK_SENTENCE_END

# A heading: Markdown, a marker, a chapter or a numbered item ("2. 绿色制造方面", "◎ 项目成果",
# "第三章", "（一）"); a short line so shaped ends the paragraph before the next line.
_HEADING_LINE = re.compile(
    r"^(?:#{1,6}\s|[◎●■□▶►➤◆]|第[一二三四五六七八九十\d]+[章节篇]|[一二三四五六七八九十]+[、.]|"
    r"[（(][一二三四五六七八九十\d]+[）)]|\d{1,2}(?:[、.．](?!\d)|\s))"
)
_BOLD_LINE = re.compile(r"^\*\*[^*]+\*\*$")  # a line all in bold ("**一、基本情况**", a Word paragraph in bold type)
HEADING_MAX = 25  # characters: a longer numbered or bold line is prose, and may wrap


@dataclass(slots=True)
class Paragraph:
    """The joined text of one paragraph and, for each source line in it, where that line's
    text sits inside `text`."""

    text: str
    spans: list[tuple[int, int, Line]]  # (start, end, line) of each line inside `text`

    def line_at(self, offset: int) -> tuple[int, int, Line]:
        """(start, end, line) of the source line that text[offset] came from; an offset at a
        line's very end belongs to that line, one past the text to the last line."""
        for start, end, line in self.spans:
            if start <= offset < end:
                return start, end, line
        for start, end, line in self.spans:
            if offset == end:
                return start, end, line
        return self.spans[-1]


def paragraphs(lines: list[Line]) -> list[Paragraph]:
    """Join the lines a layout wrapped into paragraphs (empty lines are skipped).

    A line continues on the next one unless it ends a sentence (a Chinese mark: 。！？；) or is a heading (a short
    numbered, marked, Markdown or bold line: "2. 绿色制造方面", "◎ 项目成果", "**取得成效**").
    Chinese lines are joined as they are; two Latin words or numbers meeting at a wrap get
    the space the wrap took."""
    out: list[Paragraph] = []
    buf, spans = "", []
    prev_heading = False
    for line in lines:
        text = line.text
        if not text:
            continue
        if buf and (buf.endswith(_ENDS) or prev_heading):
            out.append(Paragraph(buf, spans))
            buf, spans = "", []
        prev_heading = len(text) <= HEADING_MAX and bool(_HEADING_LINE.match(text) or _BOLD_LINE.match(text))
        sep = " " if buf and buf[-1].isascii() and buf[-1].isalnum() and text[0].isascii() and text[0].isalnum() else ""
        start = len(buf) + len(sep)
        buf += sep + text
        spans.append((start, len(buf), line))
    if buf:
        out.append(Paragraph(buf, spans))
    return out


_ENDS = tuple(CJK_SENTENCE_END)
