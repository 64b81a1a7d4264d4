"""Cut a case into passages: paragraphs within its sections (lines a layout wrapped are
joined back), merged up to a readable size, each with its line range. Plus one "case"
passage: title, organization, chapter and the extracted facts' names, so a query for a
measure or place finds the case even where the body words differ."""

from __future__ import annotations

from dataclasses import dataclass

from ..models import Case, Line
from ..text.paragraphs import paragraphs
from ..text.sentences import SENTENCE_END

TARGET = 240  # characters: merge short paragraphs up to about this
MAX = 520  # split longer paragraphs at sentence ends


@dataclass(slots=True)
class Passage:
    kind: str  # "case" or "text"
    heading: str | None
    start_line: int
    end_line: int
    text: str


def case_passage(case: Case) -> Passage:
    facts = case.facts
    parts = [case.title, case.organization or "", case.chapter or ""]
    if facts is not None:
        names = [a.value for a in facts.attributes if a.kind in ("sector", "measure", "standard", "region")]
        names += [a.detail for a in facts.attributes if a.kind == "region" and a.detail]
        parts.append(" ".join(names))
    return Passage("case", None, case.start_line, case.start_line, " ".join(p for p in parts if p))


def text_passages(case: Case, lines: list[Line]) -> list[Passage]:
    by_no = {ln.no: ln for ln in lines}
    heads = [(s.start_line, s.end_line, s.heading) for s in case.sections]
    out: list[Passage] = []

    def heading_of(no: int) -> str | None:
        for start, end, heading in heads:
            if start <= no <= end:
                return heading
        return None

    section_starts = {s.start_line for s in case.sections}
    body = [by_no[n] for n in range(case.start_line, case.end_line + 1) if n in by_no and n not in section_starts]
    for para in paragraphs(body):
        first, last = para.spans[0][2].no, para.spans[-1][2].no
        heading = heading_of(first)
        for piece, (a, b) in _split(para.text, para.spans):
            if out and out[-1].heading == heading and len(out[-1].text) + len(piece) <= TARGET:
                prev = out[-1]
                out[-1] = Passage("text", heading, prev.start_line, b, prev.text + "\n" + piece)
            else:
                out.append(Passage("text", heading, a, b, piece))
        del first, last
    return out


def _split(text: str, spans) -> list[tuple[str, tuple[int, int]]]:
    """Pieces of at most MAX characters, cut after a sentence end, with their line ranges."""
    pieces, start = [], 0
    while start < len(text):
        end = min(len(text), start + MAX)
        if end < len(text):
            cut = max(text.rfind(ch, start, end) for ch in SENTENCE_END)
            if cut > start + MAX // 3:
                end = cut + 1
        pieces.append((start, end))
        start = end
    out = []
    for a, b in pieces:
        lines = [ln.no for s, e, ln in spans if s < b and e > a] or [spans[0][2].no]
        out.append((text[a:b].strip(), (min(lines), max(lines))))
    return [(t, r) for t, r in out if t]


def case_passages(case: Case, lines: list[Line]) -> list[Passage]:
    return [case_passage(case), *text_passages(case, lines)]
