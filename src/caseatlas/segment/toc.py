"""Table of contents: find it, parse entries, classify them (chapter, case, front/back matter)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .lines import LineInfo

_ENTRY = re.compile(
    r"^(?P<text>.*?\S)\s*(?:(?:[.．·…_—-]{2,}|\t)\s*(?P<p1>\d{1,4}|[IVXLC]{1,6})?"
    r"|\s+(?P<p2>\d{1,4}(?:\s*[-–~]\s*\d{1,4})?|[IVXLC]{1,6}))$"
)
_TOC_HEAD = re.compile(r"^(目\s*录|目\s*次|contents?|table of contents)$", re.IGNORECASE)
FRONT_WORDS = (
    "编者按",
    "前言",
    "序言",
    "序",
    "代序",
    "贺函",
    "致辞",
    "卷首语",
    "导言",
    "引言",
    "寄语",
    "概述",
    "说明",
    "编写说明",
    "编辑说明",
    "出版说明",
    "编委会",
    "专家名单",
    "评审专家",
)
BACK_WORDS = ("附录", "参考文献", "后记", "致谢", "鸣谢", "免责声明", "结语", "联系方式", "关于我们", "索引")


@dataclass(slots=True)
class TocEntry:
    text: str
    page: str | None
    kind: str  # "chapter", "case", "section", "front", "back"
    chapter: str | None = None


@dataclass(slots=True)
class Toc:
    start: int  # index into infos of the first TOC line
    end: int  # index of the last TOC line
    entries: list[TocEntry]

    @property
    def cases(self) -> list[TocEntry]:
        return [e for e in self.entries if e.kind == "case"]

    @property
    def chapters(self) -> list[str]:
        return [e.text for e in self.entries if e.kind == "chapter"]


def is_front_word(text: str) -> bool:
    t = text.replace(" ", "")
    return any(t == w or (t.startswith(w) and len(t) <= len(w) + 4) for w in FRONT_WORDS)


_BACK_EN = re.compile(
    r"^(appendix|appendices|references|bibliography|acknowledge?ments?|about (the|this|us)\b|glossary|"
    r"index|contact)",
    re.IGNORECASE,
)


def is_back_word(text: str) -> bool:
    t = text.replace(" ", "").rstrip("：:")
    return any(t == w or (t.startswith(w) and len(t) <= len(w) + 4) for w in BACK_WORDS) or (
        len(text) <= 40 and bool(_BACK_EN.match(text.strip()))
    )


_LEADER = re.compile(r"[.．·…_]{4,}")


def _parse_entry(info: LineInfo) -> tuple[str, str | None] | None:
    # A leader of any length counts as one: a typeset TOC fills the line with dots.
    body = _LEADER.sub("……", info.body)
    if len(body) > 80 or info.ends_sentence:
        return None
    m = _ENTRY.match(body)
    if not m:
        return None
    page = m.group("p1") or m.group("p2")
    text = m.group("text").strip().rstrip(".．·…").strip()
    if len(text) < 2 or (page is None and not re.search(r"[.．·…]{2,}|\t", info.line.raw)):
        return None
    return text, page


def find_toc(infos: list[LineInfo]) -> Toc | None:
    """The first dense run of entry lines ("title …… 12"), starting at a 目录 heading if any."""
    n = len(infos)
    head = next(
        (
            i
            for i, x in enumerate(infos[: max(400, n // 4)])
            if _TOC_HEAD.match(x.body.replace(" ", "") if x.body else "")
        ),
        None,
    )
    start = head + 1 if head is not None else None
    if start is None:
        # No heading: the first place where 5 of 7 consecutive non-blank lines are entries.
        window: list[int] = []
        for i, x in enumerate(infos[: n // 2]):
            if x.blank:
                continue
            window.append(i)
            window = window[-7:]
            if len(window) == 7 and sum(_parse_entry(infos[k]) is not None for k in window) >= 5:
                start = window[0]
                break
        if start is None:
            return None
    entries: list[TocEntry] = []
    last_entry = start
    pending_chapter: str | None = None
    misses = 0
    i = start
    chapter: str | None = None
    in_back = False
    while i < n and misses < 6:
        x = infos[i]
        i += 1
        if x.blank or x.noise:
            continue  # a running header between two TOC pages is not a group heading
        parsed = _parse_entry(x)
        if parsed is None:
            if x.body.isdigit() or (x.noise and x.body.isdigit()):
                continue  # chapter ordinal printed on its own line
            if len(x.body) <= 20 and not x.ends_sentence and not x.label:
                pending_chapter = x.body  # a group heading without a page number
                misses += 1
                continue
            misses += 3
            continue
        misses = 0
        text, page = parsed
        last_entry = i - 1
        if pending_chapter:
            chapter = chapter_name(pending_chapter)
            entries.append(TocEntry(chapter, None, "chapter"))
            pending_chapter = None
        if x.numbering == "chapter":
            chapter = chapter_name(text)
            entries.append(TocEntry(chapter, page, "chapter"))
            in_back = False
            continue
        if is_back_word(text) or in_back:
            in_back = True
            entries.append(TocEntry(text, page, "back"))
            continue
        if is_front_word(text):
            entries.append(TocEntry(text, page, "front"))
            continue
        if x.numbering in ("cn", "cn_paren", "arabic", "arabic_paren", "circled"):
            entries.append(TocEntry(text, page, "section", chapter))
            continue
        entries.append(TocEntry(text, page, "case", chapter))
    if sum(e.kind in ("case", "section") for e in entries) < 2:
        return None
    return Toc(start=head if head is not None else start, end=last_entry, entries=entries)


def chapter_name(text: str) -> str:
    """ "第一章 城市篇" → "城市篇"; "1 绿色制造" → "绿色制造"."""
    text = re.sub(r"^第\s*[一二三四五六七八九十百\d]+\s*[章篇部分]+\s*", "", text)
    text = re.sub(r"^\d{1,2}\s+", "", text)
    return text.strip() or text
