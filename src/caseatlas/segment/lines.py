"""Per-line layout features: heading marks, numbering, labels, and noise (page furniture).

Everything downstream works on `LineInfo` so the same signals serve every layout:
Markdown '#' levels, bullet-like heading markers (◎ ▶ ■), numbering (一、 （一） 1.),
labelled lines (摘要：…), and lines that are page headers, footers or side tabs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..models import Line
from ..text.cells import TABLE_CAPTION
from ..text.sentences import CJK_SENTENCE_END

_MD = re.compile(r"^(#{1,6})\s*")
_MARKERS = "◎●○◆◇■□▶►➤▸▲△★☆◉•※"
_LEAD_MARKER = re.compile(rf"^([{_MARKERS}])\s*")
_BOLD = re.compile(r"\*\*|__")
_ALL_BOLD = re.compile(r"^(\*\*|__)(?=\S)(?:(?!\1).)+(?<=\S)\1$")  # "**一、项目概况**": the whole line in bold
_CN_NUM = "一二三四五六七八九十"
NUMBERING = [
    ("chapter", re.compile(rf"^第\s*([{_CN_NUM}百\d]+)\s*[章篇部分]+\s*")),
    ("cn", re.compile(rf"^([{_CN_NUM}]+)\s*[、.．]\s*")),
    ("cn_paren", re.compile(rf"^[（(]\s*([{_CN_NUM}]+)\s*[）)]\s*")),
    ("arabic_paren", re.compile(r"^[（(]\s*(\d{1,2})\s*[）)]\s*")),
    ("arabic", re.compile(r"^(\d{1,2})\s*(?:[、．]|\.(?!\d))\s*")),
    ("circled", re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩])\s*")),
]
_LABEL = re.compile(r"^([\u4e00-\u9fffA-Za-z]{2,6})\s*[：:]\s*(\S|$)")
_BRACKET_LABEL = re.compile(r"^【([\u4e00-\u9fffA-Za-z]{2,6})】\s*(\S|$)")  # "【申报单位】某某有限公司"
# A line that ends so is prose running on (a sentence, a clause, a list or an ellipsis): never a
# heading, a title or a label.
PROSE_END = tuple(CJK_SENTENCE_END + ";，,、：:…")
_CJK_CHAR = re.compile(r"^[\u4e00-\u9fff]$")
_NUMBER_ROW = re.compile(
    r"^-?[\d.,]+%?(?:\s+-?[\d.,]+%?)+$"
)  # "8.2 920 5,240": a table row (a page number is one number)
_PAGE_NO = re.compile(r"^(?:[-—–]\s*)?\d{1,4}(?:\s*[-—–])?$|^第\s*\d+\s*页(?:\s*共\s*\d+\s*页)?$")
_EDGE_NUMBER = re.compile(r"^(?P<a>\d{1,4})\s+\S.*$|^.*\S\s+(?P<b>\d{1,4})$|^(?P<c>\d{1,4})$")
EDGE_LINES = 3  # lines at the top and at the bottom of a page where a running header/footer may be
_FURNITURE = re.compile(r"^(?P<a>(?=.*[^\d\s]).{1,40}?)\s+(?P<n>\d{1,3})$|^(?P<n2>\d{1,3})\s+(?P<b>\D.{1,40})$")


def cn_to_int(token: str) -> int:
    """一→1, 十二→12, 二十→20; Arabic digits pass through."""
    if token.isdigit():
        return int(token)
    digits = {c: i + 1 for i, c in enumerate("一二三四五六七八九")}
    if token == "十":
        return 10
    if token.startswith("十"):
        return 10 + digits.get(token[1:], 0)
    if "十" in token:
        tens, _, ones = token.partition("十")
        return digits.get(tens, 0) * 10 + digits.get(ones, 0)
    return digits.get(token, 0)


@dataclass(slots=True)
class LineInfo:
    line: Line
    body: str  # text without '#', '**' and leading markers
    md_level: int = 0
    marker: str = ""
    numbering: str | None = None  # kind from NUMBERING
    number: int = 0
    label: str | None = None  # "摘要" for "**摘要：**…"
    lone_label: bool = False  # "主要做法：" alone on its line: a heading written as a label
    bold: bool = False  # the whole line is bold ("**…**"; a Word paragraph set in bold reads so)
    noise: bool = False  # page header/footer, page number, side tab
    blank: bool = False
    lead: str = ""  # "**1. Copenhagen** The city…": the bold words a paragraph opens with, when text follows

    @property
    def no(self) -> int:
        return self.line.no

    @property
    def key(self) -> str:
        """Identity of a heading for recurrence counting: no spaces, no marks."""
        return self.label + "：" if self.label else self.body.replace(" ", "")

    @property
    def ends_sentence(self) -> bool:
        return self.body.endswith(PROSE_END)

    @property
    def heading_text(self) -> str:
        """The heading as printed, without Markdown syntax (markers kept)."""
        text = self.line.text
        if self.bold and _ALL_BOLD.match(text):
            text = text[2:-2].strip()
        text = _MD.sub("", text)
        return _BOLD.sub("", text).strip()


def analyse(lines: list[Line]) -> list[LineInfo]:
    infos = [_features(line) for line in lines]
    _mark_noise(infos)
    return infos


def _features(line: Line) -> LineInfo:
    text = line.text
    if not text:
        return LineInfo(line=line, body="", blank=True)
    md_level = 0
    bold = bool(_ALL_BOLD.match(text))
    if bold:
        text = text[2:-2].strip()
    m = _MD.match(text)
    if m:
        md_level = len(m.group(1))
        text = text[m.end() :]
    bold = bold or bool(_ALL_BOLD.match(text.strip()))
    lead = "" if bold else _lead(text)
    text = _BOLD.sub("", text).strip().strip("*").strip()
    if text.startswith("\\*"):
        text = text[2:].strip()
    marker = ""
    m = _LEAD_MARKER.match(text)
    if m:
        marker = m.group(1)
        text = text[m.end() :]
    info = LineInfo(line=line, body=text, md_level=md_level, marker=marker, bold=bold, lead=lead)
    if not text:
        info.blank = True
        return info
    for kind, rx in NUMBERING:
        m = rx.match(text)
        if m:
            info.numbering = kind
            info.number = "①②③④⑤⑥⑦⑧⑨⑩".index(m.group(1)) + 1 if kind == "circled" else cn_to_int(m.group(1))
            break
    m = _LABEL.match(text) or _BRACKET_LABEL.match(text)
    if m and not info.numbering:
        info.label = m.group(1)
        info.lone_label = not m.group(2)
    return info


_LEAD = re.compile(r"^(\*\*|__)(?=\S)((?:(?!\1).){2,80}?)(?<=\S)\1(?=\s*\S)")


def _lead(text: str) -> str:
    """The bold words a paragraph opens with ("**1. Copenhagen** The city…", "**案例：某某**…"), when
    more text follows them on the line: a run-in title."""
    m = _LEAD.match(text.strip())
    return m.group(2).strip() if m else ""


def _mark_noise(infos: list[LineInfo]) -> None:
    """Page numbers, running headers/footers ("书名 24") and one-character side tabs."""
    furniture: dict[str, set[str]] = {}
    parsed: dict[int, str] = {}
    for i, info in enumerate(infos):
        if info.blank or info.md_level:
            continue
        body = info.body
        if _PAGE_NO.match(body) and not info.marker:
            info.noise = True
            continue
        m = _FURNITURE.match(body)
        if m and "\t" not in info.line.raw.strip():
            label = (m.group("a") or m.group("b") or "").replace(" ", "")
            if label and not label.endswith(PROSE_END):
                parsed[i] = label
                furniture.setdefault(label, set()).add(m.group("n") or m.group("n2"))
    # A running header repeats with different page numbers; a TOC line or cover does not.
    for i, label in parsed.items():
        if len(furniture[label]) >= 2:
            infos[i].noise = True
    _mark_page_edges(infos)
    _mark_running_heads(infos)
    # Side tabs: a vertical run of single characters ("绿/色/制/造"), maybe after a number — but
    # not beside a row of numbers, where they are a table's cell printed in a narrow column.
    # Blank lines between the characters are layout (a page exported one block per line).
    for run in _runs(infos, lambda x: len(x.body) == 1 and bool(_CJK_CHAR.match(x.body))):
        if len(run) >= 2 and not _in_table(infos, run[0], run[-1] + 1):
            for k in run:
                infos[k].noise = True


def _runs(infos: list[LineInfo], test) -> list[list[int]]:
    """Runs of non-blank lines that pass `test`, blank lines between them skipped."""
    runs: list[list[int]] = []
    current: list[int] = []
    for i, x in enumerate(infos):
        if x.blank:
            continue
        if test(x):
            current.append(i)
        elif current:
            runs.append(current)
            current = []
    if current:
        runs.append(current)
    return runs


def _mark_page_edges(infos: list[LineInfo]) -> None:
    """Where a document has pages (PDF): a line among the first or last `EDGE_LINES` of its
    page that starts or ends with the page's printed number is a running header/footer,
    however long its text (a case title, a book title and a chapter). The printed number is
    the page's position plus an offset (front matter numbered apart, a cover not counted):
    the offset most such lines agree on, seen on at least three pages."""
    by_page: dict[int, list[int]] = {}
    for i, x in enumerate(infos):
        if x.line.page is not None and not x.blank:
            by_page.setdefault(x.line.page, []).append(i)
    if len(by_page) < 3:
        return
    found: list[tuple[int, int, int]] = []  # (line index, page, printed number - page)
    for page, idx in by_page.items():
        for i in dict.fromkeys(idx[:EDGE_LINES] + idx[-EDGE_LINES:]):
            m = _EDGE_NUMBER.match(infos[i].body)
            if m:
                found.append((i, page, int(m.group("a") or m.group("b") or m.group("c")) - page))
    offsets = Counter(off for _, off in {(page, off) for _, page, off in found})
    if not offsets:
        return
    offset, pages = max(offsets.items(), key=lambda kv: kv[1])
    if pages < 3:
        return
    for i, _, off in found:
        if off == offset:
            infos[i].noise = True


RUNNING_SHARE = 0.5  # a running head is printed over at least this share of the pages


def _mark_running_heads(infos: list[LineInfo]) -> None:
    """Where a document has pages: a line printed first or last on many pages (at least three and
    `RUNNING_SHARE` of them, page numbers aside) and almost nowhere else is a running head or
    footer even with no page number beside it (a scanned plan's title over every page, crossing
    the tables that run over page breaks). A section heading that opens a case on a new page is
    printed under the case's title, not first."""
    by_page: dict[int, list[int]] = {}
    for i, x in enumerate(infos):
        if x.line.page is not None and not x.blank and not x.noise:
            by_page.setdefault(x.line.page, []).append(i)
    if len(by_page) < 3:
        return
    edge: dict[str, list[int]] = {}
    everywhere: Counter[str] = Counter()
    for idx in by_page.values():
        for i in idx:
            everywhere[infos[i].body.replace(" ", "")] += 1
        for i in {idx[0], idx[-1]}:
            edge.setdefault(infos[i].body.replace(" ", ""), []).append(i)
    for key, lines in edge.items():
        if key.endswith(PROSE_END) or not key:
            continue  # the end of a page's last paragraph, however alike, is text
        if len(lines) >= max(3, RUNNING_SHARE * len(by_page)) and len(lines) >= 0.8 * everywhere[key]:
            for i in lines:
                infos[i].noise = True


def _in_table(infos: list[LineInfo], i: int, j: int) -> bool:
    """Single characters i..j-1 stacked inside a table printed in a narrow column (a cell "一/期"
    beside a row of numbers, a header cell "期/次" under the table's caption), not a side tab."""
    # (the line of text right above, the eight below: counted in lines of text, not of the file)
    before = [x for x in infos[max(0, i - 12) : i] if not x.blank][-1:]
    after = [x for x in infos[j : j + 24] if not x.blank][:8]
    return bool(before and (_NUMBER_ROW.match(before[-1].body) or TABLE_CAPTION.match(before[-1].body))) or any(
        _NUMBER_ROW.match(x.body) for x in after
    )


def side_tab_labels(infos: list[LineInfo]) -> dict[int, str]:
    """Side tabs found by `_mark_noise`, as {line index of first char: joined text}."""
    return {
        run[0]: "".join(infos[k].body for k in run)
        for run in _runs(infos, lambda x: x.noise and len(x.body) == 1 and bool(_CJK_CHAR.match(x.body)))
        if len(run) >= 2
    }


def mark_furniture_titles(infos: list[LineInfo], titles: set[str]) -> None:
    """Once chapter names are known (from a TOC), "章名 52" lines are running headers."""
    if not titles:
        return
    for info in infos:
        if info.blank or info.noise or info.md_level:
            continue
        m = _FURNITURE.match(info.body)
        if m:
            label = (m.group("a") or m.group("b") or "").replace(" ", "")
            if label in titles:
                info.noise = True


def running_title(infos: list[LineInfo]) -> str | None:
    """The text of the most frequent running header/footer ("2023 中国企业气候行动 24" →
    "2023 中国企业气候行动"): books without a title page usually print their title there."""
    seen: dict[str, list[str]] = {}
    for info in infos:
        if info.noise and not info.blank:
            m = _FURNITURE.match(info.body)
            if m:
                text = (m.group("a") or m.group("b") or "").strip()
                seen.setdefault(text.replace(" ", ""), []).append(text)
    if not seen:
        return None
    best = max(seen.values(), key=len)
    return best[0] if len(best) >= 2 else None
