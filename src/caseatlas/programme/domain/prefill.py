"""Start a submission from a file: the existing readers, segmenter and extractor fill the
call's template (sections in the template's order, outcomes with their evidence quotes) for
the applicant to confirm.

A case file holds one case, which the book segmenter may not recognize (it looks for
headings that recur across cases). So: if the segmenter finds cases, the largest is taken
with its sections; otherwise the file is one case whose section headings are the lines that
name a template heading, or numbered/marked short lines. Each section then goes to the
template slot whose heading it names (ignoring numbering and markers), else to the most
similar slot, else it is kept as an extra section under its own heading. An expert's comment
(点评) in the file is not the applicant's to submit and is left out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ...extract import PROFILE, extract_case
from ...models import Document, Line
from ...readers.normalize import normalize
from ...segment import segment
from ...segment.cases import is_org_like
from ...segment.lines import PROSE_END, analyse, cn_to_int

SIMILAR = 0.5  # SequenceMatcher ratio for a heading to take a template slot it does not name
_CN_NUMBERED = re.compile(r"^([一二三四五六七八九十]+)\s*[、.．]")
_NUMBER_PREFIX = re.compile(r"^\s*([（(]?[一二三四五六七八九十\d]+[)）]?\s*[、.．:：]?\s*)")
_NOT_APPLICANTS = re.compile(r"点评|评语|评审意见")
HEADING_MAX = 24


def heading_key(text: str) -> str:
    """A heading without numbering, markers, Markdown or punctuation: 一、背景与思路 → 背景与思路."""
    t = normalize(text or "")
    t = re.sub(r"^[#\s*◎●○◆◇■□▶►➤▸▲△★☆◉•※]+", "", t)
    t = _NUMBER_PREFIX.sub("", t)
    return re.sub(r"[\s\W_]+", "", t)


@dataclass(slots=True)
class Prefill:
    title: str
    organization: str | None
    sections: list[dict]  # [{heading, text, template: bool, lines: [first, last]}]
    outcomes: list[dict]  # [{kind, value, value_max, unit, period, status, quote, line}]
    source_file: str
    n_template_filled: int = 0
    notes: list[str] = field(default_factory=list)


def _number(text: str) -> int | None:
    m = _CN_NUMBERED.match(normalize(text or "").lstrip("#* "))
    return cn_to_int(m.group(1)) if m else None


def _slot(heading: str, template: list[str]) -> int | None:
    """The template slot a heading fills: the one it names, else the most similar, else (both
    numbered 一、二、…) the one with its number."""
    key = heading_key(heading)
    if not key:
        return None
    keys = [heading_key(t) for t in template]
    for i, k in enumerate(keys):
        if k and (k == key or (len(key) >= 2 and (key in k or k in key))):
            return i
    best, score = None, 0.0
    for i, k in enumerate(keys):
        r = SequenceMatcher(None, key, k).ratio()
        if r > score:
            best, score = i, r
    if score >= SIMILAR:
        return best
    n = _number(heading)
    numbers = [_number(t) for t in template]
    return numbers.index(n) if n is not None and n in numbers else None


def _org_like(text: str) -> bool:
    inner = re.search(r"[（(]([^（）()]{2,30})[）)]\s*$", text)
    return is_org_like(text) or bool(inner and is_org_like(inner.group(1))) or text.rstrip().endswith(("™", "®"))


def _headings_without_segmenter(doc: Document, template: list[str]) -> list[tuple[int, str]]:
    keys = {heading_key(t) for t in template}
    out = []
    for x in analyse(doc.lines):
        if x.blank or x.noise or len(x.body) > HEADING_MAX or x.ends_sentence:
            continue
        named = heading_key(x.body) in keys
        numbered = x.numbering == "cn"  # 一、二、: the top level of a numbered report
        comment = len(x.body) <= 8 and bool(_NOT_APPLICANTS.search(x.body))  # 专家点评: where the case text ends
        if named or numbered or comment or (x.marker and x.marker not in "•●○·※") or x.md_level:
            out.append((x.no, x.heading_text))
    return out


def prefill(doc: Document, template: list[str]) -> Prefill:
    by_no = {line.no: line for line in doc.lines}
    book = segment(doc)
    if book.cases:
        case = max(book.cases, key=lambda c: c.end_line - c.start_line)
        start, end = case.start_line, case.end_line
        title, org = case.title, case.organization
        heads = [(s.start_line, s.heading) for s in case.sections]
        how = "segmenter"
    else:
        start, end = doc.lines[0].no, doc.lines[-1].no
        heads = _headings_without_segmenter(doc, template)
        first_head = heads[0][0] if heads else end + 1
        lead = [ln.text.strip() for ln in doc.lines if ln.no < first_head and ln.text.strip()]
        if not lead and heads and heads[0][1] not in template:  # the file opens with its title as a heading
            lead = [heads.pop(0)[1]]
        # The title block: the organization line may come before or after the title.
        block = lead[:3]
        title_lines = [t for t in block if not _org_like(t)]
        if len(title_lines) > 1 and not title_lines[0].endswith(PROSE_END) and sum(map(len, title_lines[:2])) <= 60:
            title = title_lines[0] + title_lines[1]  # a title printed over two lines
        else:
            title = title_lines[0] if title_lines else (block[0] if block else doc.source_file.rsplit(".", 1)[0])
        org = next((t for t in block if _org_like(t) and t != title), None)
        how = "headings"
    slots: list[list[str]] = [[] for _ in template]
    slot_lines: list[list[int]] = [[] for _ in template]
    slot_from: list[list[str]] = [[] for _ in template]
    extras: list[dict] = []
    notes = [f"sections found by the {how}"]
    for k, (no, heading) in enumerate(heads):
        stop = heads[k + 1][0] - 1 if k + 1 < len(heads) else end
        body = [by_no[n].text for n in range(no + 1, stop + 1) if n in by_no and by_no[n].text.strip()]
        if _NOT_APPLICANTS.search(heading):
            notes.append(f"left out '{heading}' (an expert's comment, not the applicant's)")
            continue
        i = _slot(heading, template)
        if i is None:
            extras.append(
                {
                    "heading": heading.strip(),
                    "text": "\n".join(body),
                    "template": False,
                    "lines": [no, stop],
                    "from": [heading.strip()],
                }
            )
        else:
            slots[i].extend(body)
            slot_lines[i] += [no, stop]
            slot_from[i].append(heading.strip())
    sections = [
        {
            "heading": h,
            "text": "\n".join(slots[i]),
            "template": True,
            "lines": [min(slot_lines[i]), max(slot_lines[i])] if slot_lines[i] else None,
            "from": slot_from[i],
        }
        for i, h in enumerate(template)
    ] + extras
    lines = [by_no[n] for n in range(start, end + 1) if n in by_no]
    # As for a book: figures in the organization's profile describe the organization, not the case.
    profile = frozenset(
        n
        for k, (no, heading) in enumerate(heads)
        if PROFILE.search(heading)
        for n in range(no, (heads[k + 1][0] if k + 1 < len(heads) else end + 1))
    )
    facts = extract_case(lines, title, org, None, profile)
    outcomes = [
        {
            "kind": o.kind,
            "value": o.value,
            "value_max": o.value_max,
            "unit": o.unit,
            "period": o.period,
            "status": o.status,
            "quote": o.quote,
            "line": o.line,
        }
        for o in facts.outcomes
    ]
    return Prefill(
        title=title,
        organization=org,
        sections=sections,
        outcomes=outcomes,
        source_file=doc.source_file,
        n_template_filled=sum(1 for s in slots if s),
        notes=notes,
    )


def submission_lines(title: str, organization: str | None, sections: list[dict]) -> list[Line]:
    """A submission as lines (title, organization, then each heading and its paragraphs): what
    the extractor reads, and what the published book prints."""
    raws = [title] + ([organization] if organization else [])
    for s in sections:
        if not (s.get("text") or "").strip():
            continue
        raws.append(s["heading"])
        raws += [p for p in s["text"].splitlines() if p.strip()]
    return [Line(no=i + 1, raw=r, text=normalize(r)) for i, r in enumerate(raws)]
