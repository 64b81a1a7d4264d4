"""Cases in layouts whose cases share no section headings: boxes, lists, title lines, paragraphs.

A reader still sees the cases of
- a running document (a plan, a report) that sets boxes beside its text ("专栏1：…", "Box 2: …"):
  each box holds its paragraphs while they open as its first does (`find_boxes`, tried first);
and, when no heading recurs in every case and no 一、 numbering starts again (`cases.py`), of
- a list under a heading that names one (名单, 清单, "List of …"): rows numbered 1, 2, 3 … of a
  table read one printed line per line, or one name per line (`find_lists`);
- a feature or report whose cases are headings of one style ("## 1. Copenhagen", Word's Heading
  2, a line all in bold), numbered items ("1. …", "案例三 …", "Case 3: …") or paragraphs opening
  with their title in bold ("**1. Copenhagen** The city…", "**案例：…**…"): the lines of one style
  that each have running text under them, apart from front and back matter ("Introduction",
  "About this report", 前言 …) and a lead before the first of them (`find_items`);
- a feature whose cases are paragraphs under thematic headings ("## Clean transport", then "In
  Oslo, the city…", "Lyon in France, for its part, …"): when most of the headings hold two
  or more paragraphs that each name a different city or organization in their first sentences,
  those paragraphs are the cases (a paragraph that names no one continues the case before it)
  and the headings their chapters.
Of several heading styles, the outermost one with two or more members is taken, unless every
member holds two or more of a deeper style (then they are chapters of those); a style whose
members count up (1, 2, 3 … or 案例一、二 …) is preferred to one that does not. Headings as short
as section names (项目概况, 主要做法, "Background") with no named paragraphs under them are one
case's sections, not cases.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from ..text.sentences import FULL_STOP
from .lines import PROSE_END, LineInfo
from .toc import is_back_word, is_front_word

TITLE_LIMIT = 120  # characters: an English case title is longer than a Chinese one
MIN_PARAGRAPH = 40  # characters of running text a case paragraph has at least
_CN_DIGITS = "〇一二三四五六七八九十"
# A title's number as printed: "01: …", "1. …", "3) …", "Case 3: …", "Case Study 3 – …", "案例三 …", "案例3：…"
_NUMBERED = re.compile(
    rf"^(?:(?P<word>case(?:\s+study)?|example|project|no\.?|案例|项目|实践)\s*)?"
    rf"(?P<n>\d{{1,3}}|[{_CN_DIGITS}]{{1,3}})(?:\s*[:：.．、)）]|\s+[-–—]\s|(?(word)\s|(?!)))",
    re.IGNORECASE,
)
_FRONT_EN = re.compile(
    r"^(introduction|foreword|preface|executive summary|summary|overview|abstract|methodology|methods?|"
    r"about (this|the) (report|feature|guide|study|publication|series|collection|book)|contents|"
    r"table of contents|key (findings|takeaways|messages)|editor'?s note|acknowledge?ments?|"
    r"how (we|to) (use|read|chose|selected)\b.*)\s*:?$",
    re.IGNORECASE,
)
# A case or a box named by its label: "专栏1：…", "专栏：…", "案例三：…", "Case 3: …", "Box 2. …"
_LABELLED = re.compile(
    rf"^(?P<word>专栏|典型案例|示范案例|案例|box|case(?:\s+study)?|example|sidebar)\s*(?P<n>\d{{1,3}}|[{_CN_DIGITS}]{{1,3}})?"
    rf"\s*(?:[:：.．、]\s*|(?(n)\s+|(?!)))(?=\S)",
    re.IGNORECASE,
)
_BOX_WORDS = ("专栏", "box", "sidebar")  # a box stands beside the running text, which goes on after it
_IMAGE = re.compile(r"^!\[")  # a Markdown image with its caption: "![alt](path)**caption** © …"


@dataclass(slots=True)
class Item:
    start: int  # index of the case's first line (its title line, or its paragraph)
    end: int  # index of its last line
    title: str
    organization: str | None = None
    chapter: str | None = None
    heading: bool = True  # opened by a printed title line (else a paragraph under a thematic heading)


def is_front_matter(text: str) -> bool:
    """Front matter by its heading: 前言, 引言 …, "Introduction", "About this report", "Contents"."""
    t = text.strip().rstrip("：:")
    return is_front_word(t) or bool(_FRONT_EN.match(t))


def number_of(text: str) -> int | None:
    """The number a title is printed with ("01: Empower…" → 1, "案例三 …" → 3), else None."""
    m = _NUMBERED.match(text.strip())
    if not m:
        return None
    n = m.group("n")
    if n.isdigit():
        return int(n)
    from .lines import cn_to_int

    return cn_to_int(n) or None


def _runs_on(x: LineInfo, width: float) -> bool:
    """A line as long as the page's lines that ends with no stop: the paragraph wraps on to the next."""
    return bool(width) and len(x.body) >= 0.85 * width and not x.body.endswith(tuple(FULL_STOP + ".:："))


def line_width(infos: list[LineInfo], start: int, end: int) -> float:
    """How long a wrapped line of running text is (the median of the lines that do not end a
    paragraph), where a layout wraps paragraphs over lines (a PDF); 0 where it gives one per line."""
    import statistics

    wrapped = [
        len(x.body)
        for x in infos[start:end]
        if not x.blank and not x.noise and x.line.page is not None and not x.body.endswith(PROSE_END)
    ]
    return statistics.median(wrapped) if len(wrapped) >= 20 else 0.0


def _style(x: LineInfo, width: float = 0.0) -> tuple[tuple, str] | None:
    """(style, title text) of a line that could open a case: a heading, a line in bold, a bold
    run-in title, a numbered item."""
    if x.blank or x.noise or "\t" in x.line.raw.strip() or x.line.text.lstrip().startswith((">", "|")):
        return None
    m = _LABELLED.match(x.lead or x.heading_text)
    if m and len(x.lead or x.heading_text) <= TITLE_LIMIT and not (x.lead or x.heading_text).endswith(PROSE_END):
        word = m.group("word").lower()
        return ("label", "box" if word in _BOX_WORDS else "case"), (x.lead or x.heading_text).strip().strip("*")
    if x.lead:
        style, text = ("lead",), x.lead
    elif x.md_level:
        style, text = ("md", x.md_level), x.heading_text
    elif x.bold:
        style, text = ("bold",), x.heading_text
    elif x.numbering in ("cn", "arabic") or number_of(x.body) is not None:
        style, text = ("num", x.numbering), x.body
        if text.endswith(PROSE_END) or len(text) > TITLE_LIMIT or _runs_on(x, width):
            return None  # a numbered sentence is a list item, and a line a paragraph wraps is not a title
    else:
        return None
    text = text.strip().rstrip("*").strip()
    if not any(ch.isalnum() for ch in text) or _IMAGE.match(text) or len(text) > TITLE_LIMIT:
        return None
    if style[0] != "lead" and text.endswith(tuple("。；;，,")):
        return None
    return style, text


def _is_text(x: LineInfo) -> bool:
    """Running text: a sentence ends on the line, or it is longer than a title."""
    if x.blank or x.noise or "\t" in x.line.raw.strip():
        return False
    return len(x.body) >= MIN_PARAGRAPH or x.body.endswith(tuple(FULL_STOP + "."))


def _counts_up(numbers: list[int | None]) -> bool:
    """1, 2, 3 … (maybe from 1 again in a new chapter)."""
    if len(numbers) < 2 or any(n is None for n in numbers) or numbers[0] != 1:
        return False
    return all(b in (a + 1, 1) for a, b in zip(numbers, numbers[1:]))


def find_boxes(infos: list[LineInfo], start: int, end: int) -> list[Item]:
    """Boxes a running document sets beside its text ("专栏1：…", "专栏：…", "Box 2: …"), when it
    has two or more with different titles: they are its cases, whatever else recurs in it (a box
    that every case repeats, "专栏：专家点评", is a section of those cases instead)."""
    members = []
    for i in range(start, end):
        got = _style(infos[i])
        if got and got[0] == ("label", "box"):
            members.append((i, got[1]))
    titles = Counter(_LABELLED.sub("", t) for _, t in members)
    if len(members) < 2 or max(titles.values()) > 1:
        return []
    return _labelled(infos, members, True, start, end)


# A heading that names a list of cases: "…创建名单", "…立项项目清单", "…名录", "List of projects"
_LIST_HEAD = re.compile(r"(名单|清单|名录|一览表|项目表)$|^(list|directory) of\b", re.IGNORECASE)
_ANNEX = re.compile(r"^(附件|附表|附录|annex|appendix)\s*[\d一二三四五六七八九十]*\s*[:：]?$|^附$|^件$", re.IGNORECASE)
_ROW_NUMBER = re.compile(r"^(\d{1,3})(?:\s+|[.、．]\s*)(?=\S)")
LIST_ITEM_MAX = 40  # characters: an item of a list of names is one short line


def find_lists(infos: list[LineInfo], start: int, end: int) -> list[Item]:
    """Lists whose items are the cases: under a heading that names a list (名单, 清单, 名录, "List
    of …"), either rows numbered 1, 2, 3 … (a table read one cell per line: a row runs to the next
    number) or one short name per line (a notice's annex of the units it names). The heading is
    the items' chapter; a heading wrapped over two lines is joined."""
    heads = [i for i in range(start, end) if _is_list_head(infos[i])]
    items: list[Item] = []
    for k, h in enumerate(heads):
        stop = heads[k + 1] if k + 1 < len(heads) else end
        chapter = infos[h].heading_text
        above = _previous_text(infos, h, start)
        if (
            above is not None
            and len(chapter) <= 8
            and not infos[above].body.endswith(PROSE_END)
            and not _ANNEX.match(infos[above].body.replace(" ", ""))
        ):
            chapter = infos[above].heading_text + chapter  # "…立项项目" / "清单"
        lines = [j for j in range(h + 1, stop) if not infos[j].blank and not infos[j].noise]
        numbered = [j for j in lines if _ROW_NUMBER.match(infos[j].body)]
        numbers = [int(_ROW_NUMBER.match(infos[j].body).group(1)) for j in numbered]
        rows = _counting_run(numbered, numbers)
        if len(rows) >= 3:
            for n, j in enumerate(rows):
                row = [x for x in lines if j <= x < (rows[n + 1] if n + 1 < len(rows) else stop)]
                title, org = _row_cells(infos, row)
                items.append(Item(start=j, end=row[-1], title=title, organization=org, chapter=chapter))
            continue
        names = []
        for j in lines:
            x = infos[j]
            if _ANNEX.match(x.body.replace(" ", "")):
                continue
            if len(x.body) > LIST_ITEM_MAX or x.body.endswith(PROSE_END) or "\t" in x.line.raw.strip() or x.label:
                break  # (a label line, "信息公开属性：…", is the notice's imprint after its lists)
            names.append(j)
        if len(names) >= 3:
            items += [Item(start=j, end=j, title=infos[j].heading_text, chapter=chapter) for j in names]
    return items


def _width(text: str) -> int:
    """Printed width: a Chinese character is two Latin ones wide."""
    return sum(
        2 if "\u2e80" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef" or "\u2018" <= ch <= "\u201f" else 1
        for ch in text
    )


def _row_cells(infos: list[LineInfo], row: list[int]) -> tuple[str, str | None]:
    """Title and organization of a numbered row of a table read one line per printed line, its
    narrow cells wrapped: a column wraps at its width, so a cell is lines of one width and a
    last one no wider. The title is the first cell after the row's number and codes; the
    organization the first cell that reads as one ("…有限公司", "…研究院")."""
    texts = [infos[j].body for j in row]
    first = _ROW_NUMBER.sub("", texts[0], count=1).strip()
    rest = texts[1:]
    if first and not any(ch.isdigit() for ch in first):
        rest = [first] + rest  # the title begins on the number's line
    while rest and is_code_cell(rest[0]):
        rest = rest[1:]
    title = ""
    if rest:
        widest = _width(rest[0])
        cell = [rest[0]]
        for text in rest[1:]:  # (punctuation and Latin letters make a line a little narrower or wider)
            if _width(text) > widest + 2 or _width(cell[-1]) < widest - 2:
                break
            cell.append(text)
            widest = max(widest, _width(text))
        title = "".join(cell)
    org = None
    for k in range(1, len(texts)):
        joined = "".join(texts[max(1, k - 1) : k + 1])
        ends_cell = k + 1 == len(texts) or _width(texts[k]) < _width(texts[k - 1]) - 1 or _LEGAL_END.search(joined)
        if ends_cell and _ORG_END.search(joined):
            full = _width(texts[k - 1])  # the column's width: the lines above the cell's last
            m = k - 1
            while m >= 1 and abs(_width(texts[m]) - full) <= 1:
                m -= 1
            org = "".join(texts[m + 1 : k + 1])
            break
    return title or first, org


_LEGAL_END = re.compile(r"(有限公司|有限责任公司|股份公司)$")  # a legal name's last words: the cell ends there
_ORG_END = re.compile(r"(公司|集团|研究院|设计院|大学|学院|研究所|中心|医院|委员会|政府|局)$")


def is_code_cell(text: str) -> bool:
    """A cell that is a code or a number ("202203f07020001", "2022-03"), not words."""
    t = text.replace(" ", "")
    return bool(t) and sum(ch.isdigit() for ch in t) >= len(t) / 2


def _is_list_head(x: LineInfo) -> bool:
    return (
        not x.blank
        and not x.noise
        and len(x.body) <= 60
        and not x.body.endswith(PROSE_END)
        and bool(_LIST_HEAD.search(x.body.strip()))
    )


def _previous_text(infos: list[LineInfo], i: int, start: int) -> int | None:
    j = i - 1
    while j >= start and (infos[j].blank or infos[j].noise):
        j -= 1
    return j if j >= start and infos[j].line.page == infos[i].line.page else None


def _counting_run(lines: list[int], numbers: list[int]) -> list[int]:
    """The lines whose numbers count 1, 2, 3 … (other numbered lines between them are cells)."""
    run: list[int] = []
    want = 1
    for j, n in zip(lines, numbers):
        if n == want:
            run.append(j)
            want += 1
    return run


def find_items(infos: list[LineInfo], start: int, end: int) -> list[Item]:
    found: dict[tuple, list[tuple[int, str]]] = {}
    width = line_width(infos, start, end)
    for i in range(start, end):
        got = _style(infos[i], width)
        if got:
            found.setdefault(got[0], []).append((i, got[1]))
    groups: dict[tuple, list[tuple[int, str]]] = {}
    for style, members in found.items():
        kept = [(i, t) for i, t in members if not is_front_matter(t) and not is_back_word(t)]
        with_text = [k for k, (i, _) in enumerate(kept) if _text_after(infos, i, _next(kept, k, end))]
        if len(kept) >= 2 and len(with_text) >= 2:
            groups[style] = kept
    if not groups:
        return []
    labelled = [s for s in groups if s[0] == "label"]
    if labelled:  # cases or boxes named as such
        style = max(labelled, key=lambda s: len(groups[s]))
        return _labelled(infos, groups[style], style[1] == "box", start, end)
    numbered = [s for s, m in groups.items() if _counts_up([number_of(t) for _, t in m])]
    if numbered:
        style = max(numbered, key=lambda s: len(groups[s]))
    else:
        style = min(groups, key=_rank)
        while True:  # members that each hold two or more of a deeper style are chapters
            deeper = [s for s in groups if _rank(s) > _rank(style) and _nested(groups[style], groups[s], end) >= 2]
            if not deeper:
                break
            style = min(deeper, key=_rank)
    members = groups[style]
    outer = sorted(
        (i, t) for s, m in groups.items() if _rank(s) < _rank(style) and s[0] != "num" for i, t in m
    )  # chapters: headings of an outer style
    items = _thematic(infos, members, outer, end)
    if items or _section_names(members):
        return items  # (headings as short as section names, and no paragraph cases under them: one case's sections)
    items = []
    for k, (i, title) in enumerate(members):
        stop = _next(members, k, end)
        stop = min([stop] + [j for j, _ in outer if i < j < stop])
        items.append(Item(start=i, end=stop - 1, title=title, chapter=_chapter(outer, i)))
    return items


def _labelled(infos: list[LineInfo], members: list[tuple[int, str]], boxes: bool, start: int, end: int) -> list[Item]:
    """Cases named by a label ("案例三：…", "Case 3: …") run to the next one; a box ("专栏1：…", "Box 2:
    …") holds its paragraphs while they open as its first one does (a field "宁东基地：…", an
    ordinal "一是…", a lead sentence, plain text) and ends at a heading or at a paragraph that opens
    otherwise: the running text resumes there. The chapter is the nearest heading above."""
    heads = [i for i in range(start, end) if _is_chapter_heading(infos[i])]
    items = []
    for k, (i, title) in enumerate(members):
        stop = _next(members, k, end)
        last = i
        if boxes:
            kind = None
            for j in _paragraph_starts(infos, i + 1, stop):
                if _is_chapter_heading(infos[j]) or infos[j].md_level or infos[j].bold or _numbered_heading(infos[j]):
                    break
                opening = _opening(infos, j)
                if kind is None:
                    kind = opening
                elif opening != kind:
                    break
                last = _paragraph_end(infos, j, stop)
        else:
            last = max([i] + [j for j in range(i + 1, stop) if not infos[j].blank and not infos[j].noise])
            later = [h for h in heads if i < h <= last]
            if later:
                last = max([i] + [j for j in range(i + 1, later[0]) if not infos[j].blank and not infos[j].noise])
        above = [h for h in heads if h < i]
        chapter = infos[above[-1]].heading_text if above else None
        items.append(Item(start=i, end=last, title=title, chapter=chapter))
    return items


def _is_chapter_heading(x: LineInfo) -> bool:
    """A heading of the document's own outline: 第一章, 一、, （一）, a Markdown/Word heading."""
    if x.blank or x.noise:
        return False
    return bool(x.md_level) or (x.numbering in ("chapter", "cn", "cn_paren") and len(x.body) <= 40)


_LINK = re.compile(r"\]\([^)]*\)")  # a Markdown link's address
_CLOSING = ")）]】”’\"'」』*"


def ends_paragraph(text: str) -> bool:
    """A line that ends a sentence, maybe inside a closing quote or bracket ("…sustainable.”", a
    link "…[a report](…).")."""
    return _LINK.sub("]", text).rstrip().rstrip(_CLOSING).endswith(tuple(FULL_STOP + "."))


def _numbered_heading(x: LineInfo) -> bool:
    """ "3.补齐短板、优化布局，加快…建设": a numbered line as short as a heading, no sentence ending it."""
    return bool(x.numbering) and len(x.body) <= 40 and not x.body.endswith(PROSE_END)


def _paragraph_starts(infos: list[LineInfo], begin: int, stop: int) -> list[int]:
    """Lines that open a paragraph: the first, and each after a line that ends a sentence (a PDF
    or a plain-text file wraps a paragraph over lines; a Markdown file gives one per line)."""
    out = []
    prev: LineInfo | None = None
    for j in range(begin, stop):
        x = infos[j]
        if x.blank or x.noise:
            continue
        ended = prev is None or ends_paragraph(prev.body) or prev.md_level or prev.bold
        if ended or x.numbering or _is_chapter_heading(prev):
            out.append(j)
        prev = x
    return out


def _paragraph_end(infos: list[LineInfo], j: int, stop: int) -> int:
    last = j
    for k in range(j, stop):
        x = infos[k]
        if x.blank or x.noise:
            continue
        if k > j and (ends_paragraph(infos[last].body) or x.numbering or _markup(x)):
            break
        last = k
    return last


_ORDINAL = re.compile(r"^[一二三四五六七八九十]+是|^(首先|其次|再次|最后|第[一二三四五六七八九十]+)[，,]")
_FIELD_LEAD = re.compile(r"^[^，,。；;：:]{2,24}[：:]")


def _opening(infos: list[LineInfo], j: int) -> str:
    """How a paragraph opens: with a field ("宁东基地：…"), an ordinal ("一是…"), a lead sentence
    ("推动传统产业转型升级。实施…") or plain text."""
    text = infos[j].body
    if _ORDINAL.match(text):
        return "ordinal"
    if _FIELD_LEAD.match(text):
        return "field"
    stop = text.find("。")
    return "lead" if 0 < stop <= 32 and not re.search("[，,；;]", text[:stop]) else "plain"  # a title-like sentence


_EN_SECTION_WORDS = set(
    "background introduction overview context summary approach actions action measures solution solutions "
    "results outcomes impact impacts benefits lessons learned challenges key facts figures next steps project "
    "description organisation organization profile about comment comments expert partners funding timeline "
    "conclusion conclusions and the of what we did how it works".split()
)
SECTION_NAME = 6  # characters: 项目概况, 主要做法, 取得成效 — a case's sections, not its title


def _section_names(members: list[tuple[int, str]]) -> bool:
    """Headings as short as a section's name (机构简介, 项目成果, 一、主要做法; "Background",
    "Key results"): the sections of one case (an applicant's file), not a list of cases, which
    name what each one did."""
    cores = [_NUMBERED.sub("", t).strip() for _, t in members]
    lengths = []
    for core in cores:
        if core.isascii():
            words = re.findall(r"[a-z]+", core.lower())
            lengths.append(0 if words and len(words) <= 3 and set(words) <= _EN_SECTION_WORDS else 99)
        else:
            lengths.append(len(re.sub(r"[\s\W]", "", core)))
    return sorted(lengths)[len(lengths) // 2] <= SECTION_NAME


def _rank(style: tuple) -> float:
    """Outermost first: Markdown/Word heading levels, then a bold line, a bold run-in title, a
    numbered item."""
    return {"label": 0.0, "md": 0.0, "bold": 7.0, "lead": 8.0, "num": 9.0}[style[0]] + (
        style[1] if style[0] == "md" else 0
    )


def _next(members: list[tuple[int, str]], k: int, end: int) -> int:
    return members[k + 1][0] if k + 1 < len(members) else end


def _text_after(infos: list[LineInfo], i: int, stop: int) -> bool:
    return (bool(infos[i].lead) and _is_text(infos[i])) or any(_is_text(infos[j]) for j in range(i + 1, stop))


def _nested(outer: list[tuple[int, str]], inner: list[tuple[int, str]], end: int) -> float:
    """How many inner members each outer member holds, at least (0 when one holds none)."""
    counts = []
    for k, (i, _) in enumerate(outer):
        stop = _next(outer, k, end)
        counts.append(sum(i < j < stop for j, _ in inner))
    return min(counts) if counts else 0


def _chapter(outer: list[tuple[int, str]], i: int) -> str | None:
    before = [t for j, t in outer if j < i]
    return before[-1] if before else None


# Who a paragraph is about, as an English feature introduces a city or an organization in its
# first sentences: "The city of Cambridge …", "The city-state of Singapore …", "Hamburg in Germany
# is one example", "learn from Boston in the United States", "In Australia, Melbourne pioneered …",
# "In Oslo, Norway, where …"; else a paragraph that opens with a name ("Barcelona's low-emissions
# zone …", "Copenhagen has …"); else "In the United States, …". Chinese: "深圳市…", "在杭州市，…",
# "某某集团有限公司…".
_NAME = r"[A-Z][\w’'.-]*(?:\s+(?:of|de|del|la|am|upon|[A-Z][\w’'.-]*))*"
_OF = re.compile(
    rf"\b(?:city|cities|city-state|town|municipality|capital|coastal city|port city|government|council|region|"
    rf"province|district)\s+of\s+(?P<n>{_NAME})"
)
_IN = re.compile(rf"(?P<n>{_NAME})\s+in\s+(?:the\s+)?[A-Z]")
_IN_AB = re.compile(rf"\bIn\s+(?:the\s+)?(?P<a>{_NAME}),\s+(?P<b>{_NAME})(?P<after>,|\s+[a-z])")
_OPENS = re.compile(
    rf"^(?P<n>{_NAME})(?=\s*(?:,|’s|'s|\s+(?:has|have|is|was|were|will|had|pioneered|launched|set|created|"
    rf"introduced|built|became|aims|plans|announced|adopted|started|began)\b))"
)
_IN_A = re.compile(rf"(?:^|(?<=[.!?]\s))In\s+(?:the\s+)?(?P<n>{_NAME}),")
_EN_SENTENCE = re.compile(r"(?<=[a-z0-9)\]”’\"])[.!?]\s+(?=[A-Z\[‘“\"])")
SUBJECT_SENTENCES = 3  # a paragraph introduces who it is about within its first sentences
_NOT_NAMES = {
    w.lower()
    for w in (
        "The This That These Those It Its In At On By For With As Many Most Some Several Other Others Such One "
        "Another A An However Also Since Over Across Today Cities City Our We They He She There Here When While "
        "Although If After Before During Under Between Among Compared According Additionally Meanwhile Still Yet "
        "Previously Similarly Likewise Instead Besides Moreover Furthermore Finally First Second Third Last Next "
        "Globally Overall Together Each Every Both All Almost Nearly About Around Only Even Just Now Then Thus "
        "To From Governments Residents People Households Buildings Transport Transportation Officials Experts Studies "
        "Mr Mrs Ms Dr January February March April May June July August September October November December"
    ).split()
}
_ZH_SUBJECT = re.compile(
    r"^(?:在|由)?(?P<name>[^\W\d_是的了和与及或等为对将已被把从向于以之其最多个这该各全我本][\u4e00-\u9fff（）()]{1,19}?(?:省|市|县|区|州|镇|乡|村|街道|社区|公司|集团|政府|银行|大学|"
    r"学院|医院|园区|开发区|新区|管委会|委员会|局|中心))(?=[\u4e00-\u9fff，,、])"
)


_ZH_NOT_NAME = re.compile("[是的了和与及或等为对将已被把从向于以之其最多个这该]")  # a clause, not a name


def _name(text: str | None) -> str | None:
    if not text:
        return None
    name = text.strip(" .")
    words = name.split()
    return name if words and words[0].lower() not in _NOT_NAMES else None


def subject(text: str) -> str | None:
    """The city or organization a paragraph is about, when it names one in its first sentences."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text.strip()).replace("**", "")  # a link's words, not its address
    m = _ZH_SUBJECT.match(text)
    if m and not _ZH_NOT_NAME.search(m.group("name")):
        return m.group("name")
    head = ". ".join(_EN_SENTENCE.split(text)[:SUBJECT_SENTENCES])
    found = []
    for rx in (_OF, _IN):
        found += [(m.start(), _name(m.group("n"))) for m in rx.finditer(head)]
    for m in _IN_AB.finditer(head):
        found.append((m.start(), _name(m.group("b") if m.group("after") != "," else m.group("a"))))
    found = sorted((at, n) for at, n in found if n)
    if found:
        return found[0][1]
    m = _OPENS.match(text)
    if m and _name(m.group("n")):
        return _name(m.group("n"))
    m = _IN_A.search(head)
    return _name(m.group("n")) if m else None


def _markup(x: LineInfo) -> bool:
    """A heading, a quote, an image or a page's markup: not a paragraph's text."""
    return bool(x.md_level) or x.bold or x.line.text.lstrip().startswith((">", "<", "!["))


def _plain_paragraph(x: LineInfo) -> bool:
    """Running text as its own block: not a heading, a quote, an image or a page's markup."""
    return _is_text(x) and not _markup(x)


NAMED_SHARE = 0.25


def _paragraph_head(infos: list[LineInfo], j: int, stop: int) -> str:
    """The first lines of the paragraph at j, joined (a PDF wraps a sentence over lines)."""
    parts = [infos[k].body for k in range(j, _paragraph_end(infos, j, stop) + 1) if not infos[k].blank]
    return (" " if parts[0].isascii() else "").join(parts[:6])


def _thematic(
    infos: list[LineInfo], members: list[tuple[int, str]], outer: list[tuple[int, str]], end: int
) -> list[Item]:
    """Paragraphs under thematic headings, each opening with a named city or organization: when
    most headings hold two or more such paragraphs naming different ones, and such paragraphs
    are a good part (`NAMED_SHARE`) of all the paragraphs under the headings (a plan whose
    paragraphs now and then open with a place is not a feature of cases)."""
    per_member: list[list[tuple[int, str]]] = []
    paragraphs = 0
    for k, (i, _) in enumerate(members):
        stop = _next(members, k, end)
        starts = [j for j in _paragraph_starts(infos, i + 1, stop) if _plain_paragraph(infos[j])]
        paragraphs += len(starts)
        opened = [(j, subject(_paragraph_head(infos, j, stop))) for j in starts]
        named_here = []
        for j, name in opened:
            if name and (not named_here or named_here[-1][1] != name):  # the same name again continues
                named_here.append((j, name))
        per_member.append(named_here)
    named = sum(len({s for _, s in found}) >= 2 for found in per_member)
    if 2 * named < len(members) or sum(len(found) for found in per_member) < NAMED_SHARE * paragraphs:
        return []
    items: list[Item] = []
    for k, (i, heading) in enumerate(members):
        stop = _next(members, k, end)
        stop = min([stop] + [j for j, _ in outer if i < j < stop])
        found = [(j, s) for j, s in per_member[k] if j < stop]
        for n, (j, name) in enumerate(found):
            # the paragraph and those after it that name no one else, up to a quote or a heading
            limit = found[n + 1][0] if n + 1 < len(found) else stop
            last = _paragraph_end(infos, j, limit)
            for k2 in _paragraph_starts(infos, last + 1, limit):
                if not _plain_paragraph(infos[k2]):
                    break
                last = _paragraph_end(infos, k2, limit)
            items.append(Item(start=j, end=last, title=name, chapter=heading, heading=False))
    return items
