"""Collection metadata from the lines before the first case: title, publisher, year,
foreword, expert panel. Best effort: every field may be None when a book does not print it."""

from __future__ import annotations

import re
from pathlib import Path

from ..models import CollectionMeta
from .lines import LineInfo, running_title
from .toc import Toc, is_front_word

_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_DATE = re.compile(r"^(19|20)\d{2}\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?$")
_FOREWORD = (
    "编者按",
    "前言",
    "序言",
    "序",
    "卷首语",
    "导言",
    "引言",
    "寄语",
    "致辞",
    "代序",
    "编写说明",
    "编辑说明",
    "出版说明",
)
_PANEL = re.compile(r"(专家名单|评审专家|专家委员会|评审委员会|编委会|评委)")
_PUBLISHER_LABEL = re.compile(
    r"^(编写机构|编写单位|主办单位|出品单位|发布单位|编著|出品方|主办|编制单位)\s*[：:]\s*(.+)$"
)
_ROLE = re.compile(r"^(主任|副主任|委员|顾问|主编|副主编|编辑|翻译|成员|组长|副组长|秘书长)\s*")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def front_matter(infos: list[LineInfo], end: int, toc: Toc | None, source_file: str) -> CollectionMeta:
    skip = range(toc.start, toc.end + 1) if toc else range(0)
    lines = [x for i, x in enumerate(infos[:end]) if not x.blank and not x.noise and i not in skip]
    printed = _title(lines) or running_title(infos)
    title = printed or Path(source_file).stem
    meta = CollectionMeta(title=title)
    m = _YEAR.search(title)
    meta.year = int(m.group(1)) if m else None
    sections = _split_sections(lines)
    for head, body in sections:
        if meta.foreword is None and head is not None and any(head.replace(" ", "").startswith(w) for w in _FOREWORD):
            paragraphs = [x.body for x in body if len(x.body) > 30]
            if paragraphs:
                meta.foreword = "\n".join(paragraphs)
                meta.publisher = meta.publisher or _signature(body)
        if head is not None and _PANEL.search(head) and not meta.experts:
            meta.experts = _names(body)
    if meta.foreword is None:  # a foreword printed without a heading
        paragraphs = [x.body for x in lines if len(x.body) > 30]
        if paragraphs:
            meta.foreword = "\n".join(paragraphs)
            meta.publisher = meta.publisher or _signature(lines)
    for x in lines:
        m = _PUBLISHER_LABEL.match(x.body)
        if m:
            meta.publisher = m.group(2).strip()
            break
    if meta.publisher is None:
        meta.publisher = _under_label(lines)
    if meta.year is None:
        for x in lines:
            if _DATE.match(x.body):
                meta.year = int(x.body[:4])
                break
    if toc:
        meta.chapters = toc.chapters
    if not printed and meta.publisher:
        # No title printed (a dump without its cover): name the book by who published it and
        # when, as a reader would, rather than by its file name.
        meta.title = f"{meta.publisher} 案例集" + (f"（{meta.year}）" if meta.year else "")
    return meta


def _title(lines: list[LineInfo]) -> str | None:
    for x in lines[:15]:
        if x.md_level == 1:
            return x.heading_text
    for x in lines[:3]:
        if is_front_word(x.body) or len(x.body) > 40 or x.ends_sentence or "。" in x.body:
            return None
        return x.body
    return None


def _split_sections(lines: list[LineInfo]) -> list[tuple[str | None, list[LineInfo]]]:
    out: list[tuple[str | None, list[LineInfo]]] = [(None, [])]
    for x in lines:
        body = x.body.replace(" ", "")
        boundary = x.md_level > 0 or x.numbering == "chapter" or body in ("目录", "目次")
        if (boundary or is_front_word(body) or _PANEL.search(body)) and len(body) <= 14 and not x.ends_sentence:
            out.append((x.body, []))
        else:
            out[-1][1].append(x)
    return out


_ORGANIZER_HEAD = re.compile(r"^(?:联合)?(?:发起|主办|承办|编写|主编|出品|编制)(?:单位|机构)$")


def _under_label(lines: list[LineInfo]) -> str | None:
    """Organizers printed under a label line of their own ("联合发起单位" then the names)."""
    for i, x in enumerate(lines):
        if _ORGANIZER_HEAD.match(x.body.replace(" ", "")):
            names = []
            for y in lines[i + 1 : i + 4]:
                if (
                    len(y.body) > 30
                    or y.ends_sentence
                    or _ORGANIZER_HEAD.match(y.body.replace(" ", ""))
                    or is_front_word(y.body)
                ):
                    break
                names.append(y.body.strip())
            if names:
                return "；".join(names)
    return None


def _signature(body: list[LineInfo]) -> str | None:
    """The short lines just above the closing date of a foreword: who signed it."""
    for k in range(len(body) - 1, -1, -1):
        if _DATE.match(body[k].body):
            names = []
            j = k - 1
            while j >= 0 and len(body[j].body) <= 30 and not body[j].ends_sentence and len(names) < 3:
                text = body[j].body
                if not text.startswith("《") and not text.endswith("单位") and not is_front_word(text):
                    names.append(text)
                j -= 1
            return "；".join(reversed(names)) or None
    return None


def _names(body: list[LineInfo]) -> list[str]:
    names: list[str] = []
    for x in body:
        text = _ROLE.sub("", x.body.lstrip("-• ").strip())
        if _NAME.match(text):
            names.append(text)
            continue
        tokens = text.split()
        if tokens and all(re.fullmatch(r"[\u4e00-\u9fff·]{1,4}|\(.*\)|（.*）|[A-Za-z.\-]+", t) for t in tokens):
            merged: list[str] = []
            for t in tokens:
                if t.startswith(("(", "（")) or t.isascii():
                    continue
                if merged and len(merged[-1]) == 1:
                    merged[-1] += t  # "杨 锋" is one two-character name printed letter-spaced
                else:
                    merged.append(t)
            names.extend(n for n in merged if len(n) >= 2)
    return names
