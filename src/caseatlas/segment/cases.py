"""Find cases in a book, layout-agnostically.

How a human finds cases in a collection, and so how this module does:
1. *Recurring section headings.* Most books give every case the same headings
   (案例概述 / 项目成果 / 专家点评, ◎ 案例概述, ▶ 背景介绍, 摘要：…). The sequence of those
   headings is cut into cycles: a cycle ends where a heading repeats or where the
   heading order jumps back (a case may skip or swap headings).
2. *Numbering that restarts.* Books whose cases use 一、二、三、 sections start a case
   where the numbering starts again at 一.
3. Each cycle's first heading is an anchor; the case's *title block* is the short,
   unpunctuated lines just above it: title lines and an organization line, in an
   order (title→org or org→title) decided by a vote over the whole book.
4. The TOC, when there is one, gives chapters (and "组织：标题" splits) by aligning
   its case entries with the cases found in the body.
5. A case's title and organization may be the values of its fields (`fields.py`).
6. A running document's boxes come before all of this, and when neither headings nor
   numbering give cases, lists, title lines and paragraphs under thematic headings do
   (`items.py`).
No rule names a particular book, heading word list, or line number.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from ..models import Case, Section
from ..text.sentences import CJK_SENTENCE_END
from .fields import FIELD_LINES, ORG_LABEL, TITLE_LABEL, field_of, is_code, known_field
from .items import find_boxes, find_items, find_lists
from .lines import NUMBERING, PROSE_END, LineInfo, side_tab_labels
from .toc import Toc, chapter_name, is_back_word, is_front_word

HEADING_MAX = 20
MIN_SPACING = 4  # text lines between repeats of a heading, on average: closer ones are cells of one table
_BULLETS = "•●○·※"
TITLE_MAX = 60
_SUB_NUMBERING = ("cn", "cn_paren", "arabic", "arabic_paren", "circled")
_DATE = re.compile(r"^\d{4}\s*年(\s*\d{1,2}\s*月)?(\s*\d{1,2}\s*日)?$|^\d{4}[./-]\d{1,2}([./-]\d{1,2})?$")
_CAPTION = re.compile(r"^(图|表|附图|附表|Figure|Table|Fig\.?)\s*[\d一二三四五六七八九十:：]", re.IGNORECASE)
_ORG_SUFFIX = re.compile(
    r"(公司|集团|有限公司|股份|银行|分行|支行|中心|协会|学会|商会|基金会|研究院|研究所|大学|学院|学校|"
    r"委员会|管委会|政府|局|厂|医院|联盟|实验室|事务所|合作社|平台|机构|组织|秘书处|办公室|控股|乳业|"
    r"中国|分部|工作室|社区|街道|村)$"
)
_TRAILING_PAREN = re.compile(r"\s*[（(][^（）()]{1,30}[）)]\s*$")


def squash(text: str) -> str:
    """Comparable form of a title: no spaces or punctuation."""
    return re.sub(r"[\s\W_]+", "", text)


# English organizations: "Northgate Cement Co., Ltd.", "Lakemouth City Council", "X Municipality",
# "City of Lakemouth", "Port of Rotterdam Authority", "Organization: …"
_ORG_EN = re.compile(
    r"\b(?:co\.?,?\s*ltd|ltd|limited|inc|corp|corporation|company|co|group|plc|llc|gmbh|ag|sa|holdings?|"
    r"municipality|council|authority|agency|ministry|department|government|university|college|institute|"
    r"foundation|association|bank|utility|utilities|commission|board|trust)\.?$"
    r"|^(?:the\s+)?(?:city|municipality|government|port|province|state|county|district|town|ministry) of\s+[A-Z]"
    r"|^(?:organi[sz]ation|company|implementer|lead organi[sz]ation)\s*:",
    re.IGNORECASE,
)


def is_org_like(text: str) -> bool:
    t = _TRAILING_PAREN.sub("", text.replace(" ", "")).rstrip("™®")
    if not t:
        return False
    if text.isascii():
        return bool(_ORG_EN.search(_TRAILING_PAREN.sub("", text).strip()))
    return bool(_ORG_SUFFIX.search(t)) or "有限公司" in t or "有限责任公司" in t


_CONTINUATION = tuple(
    "）)」』”’》〉】]" + CJK_SENTENCE_END + ";，,、：:"
)  # a line starting so is the end of a wrapped one


def _continues(body: str) -> bool:
    """The end of a wrapped line ("年）", "、交通"): starts with closing punctuation, or closes
    a bracket it never opened."""
    return body.startswith(_CONTINUATION) or body.count("）") + body.count(")") > body.count("（") + body.count("(")


def has_words(text: str) -> bool:
    """A line with a letter, a digit or a character in it: a rule ("---", "***") or a row of
    marks is layout, never a heading or a title."""
    return any(ch.isalnum() for ch in text)


def _is_heading_candidate(x: LineInfo) -> bool:
    if x.blank or x.noise or x.numbering or _continues(x.body) or "\t" in x.line.raw.strip():
        return False  # (a tab-separated line is a table row, however often it recurs)
    if not has_words(x.body):
        return False
    if x.label:
        return True
    return (
        2 <= len(x.body) <= HEADING_MAX
        and not x.ends_sentence
        and not _CAPTION.match(x.body)
        and not any(ch.isdigit() or ch in "%‰=" for ch in x.body)
    )


def _is_prose(x: LineInfo) -> bool:
    """A line of running text: a sentence ends on it, or it is longer than any title (a table
    row is not, however long)."""
    return (len(x.body) > TITLE_MAX or x.ends_sentence) and "\t" not in x.line.raw.strip()


def recurring_keys(infos: list[LineInfo], start: int, end: int) -> Counter[str]:
    """Heading-like lines printed at least three times, far apart (not cells of one table).

    Far apart is counted in lines of text, not in lines of the file (blank lines are layout, and
    a Word file or a Markdown file written without them says the same): repeats at least
    `MIN_SPACING` text lines apart on average, with running text between most of them — a
    table's cells repeat with other cells between."""
    where: dict[str, list[tuple[int, int]]] = {}  # key → (text lines, prose lines) before each repeat
    seen = prose = 0
    for i in range(start, end):
        x = infos[i]
        if x.blank or x.noise:
            continue
        if _is_heading_candidate(x):
            where.setdefault(x.key, []).append((seen, prose))
        seen += 1
        prose += _is_prose(x)
    keys: Counter[str] = Counter()
    for key, at in where.items():
        if len(at) < 3 or (at[-1][0] - at[0][0]) / (len(at) - 1) < MIN_SPACING:
            continue
        between = sum(b[1] > a[1] for a, b in zip(at, at[1:]))  # repeats with running text between
        if 2 * between >= len(at) - 1:
            keys[key] = len(at)
    return keys


def _cycles(occ: list[tuple[int, str]], opener: str, rank: dict[str, float] | None) -> list[list[tuple[int, str]]]:
    cycles: list[list[tuple[int, str]]] = []
    seen: set[str] = set()
    prev: str | None = None
    for i, key in occ:
        if rank is None:  # first pass: a repeated heading starts a new case
            new = key in seen
        else:  # second pass: the order jumps back (a repeat right after itself is a print quirk)
            new = prev is not None and rank[key] < rank[prev] - 1.5
        if not cycles or key == opener or new:
            cycles.append([])
            seen = set()
        cycles[-1].append((i, key))
        seen.add(key)
        prev = key
    return cycles


def anchors_from_headings(infos: list[LineInfo], start: int, end: int, keys: Counter[str]) -> list[int]:
    if not keys:
        return []
    top = max(keys.values())
    core = {k for k, c in keys.items() if c >= max(3, 0.4 * top)}
    occ = [(i, infos[i].key) for i in range(start, end) if _is_heading_candidate(infos[i]) and infos[i].key in core]
    if len(occ) < 2:
        return []
    # The heading that opens a case is the one most often preceded by a title block;
    # headings inside a case are preceded by body text.
    opens: Counter[str] = Counter()
    lower = start
    for i, key in occ:
        if _title_block(infos, i, lower, keys):
            opens[key] += 1
        lower = i + 1
    opener = opens.most_common(1)[0][0] if opens else occ[0][1]
    cycles = _cycles(occ, opener, None)
    positions: dict[str, list[int]] = {}
    for cycle in cycles:
        for pos, (_, key) in enumerate(cycle):
            positions.setdefault(key, []).append(pos)
    rank = {k: statistics.median(v) for k, v in positions.items()}
    cycles = _cycles(occ, opener, rank)
    return [cycle[0][0] for cycle in cycles] if len(cycles) >= 2 else []


def _is_numbered_heading(x: LineInfo) -> bool:
    return x.numbering == "cn" and not x.noise and len(x.body) <= 40 and not x.body.endswith(("。", "；", "，"))


def anchors_from_numbering(infos: list[LineInfo], start: int, end: int) -> list[int]:
    occ = [i for i in range(start, end) if _is_numbered_heading(infos[i])]
    anchors = []
    for k, i in enumerate(occ):
        nxt = occ[k + 1] if k + 1 < len(occ) else None
        # A section has body text before the next heading; a TOC entry has none.
        has_body = nxt is not None and any(infos[j].ends_sentence or len(infos[j].body) > 40 for j in range(i + 1, nxt))
        if infos[i].number == 1 and nxt is not None and infos[nxt].number == 2 and has_body:
            anchors.append(i)
    return anchors if len(anchors) >= 2 else []


def _titleish(x: LineInfo, keys: Counter[str]) -> bool:
    body = x.body
    if x.key in keys or x.numbering or len(body) > TITLE_MAX or x.ends_sentence or not has_words(body):
        return False
    if (x.marker and x.marker in _BULLETS) or x.line.text.startswith(("- ", "* ", "+ ")):
        return False
    if "\t" in x.line.raw.strip() or _CAPTION.match(body) or _DATE.match(body):
        return False
    if is_front_word(body) or is_back_word(body):
        return False
    digits = sum(ch.isdigit() for ch in body)
    return digits <= len(body) / 2


def _item_above(infos: list[LineInfo], anchor: int, lower: int) -> int | None:
    """The line above a case's first heading, past field lines ("申报单位：…"), if it is a
    numbered item (一、… 1. …) that could be a title."""
    i = anchor - 1
    while i >= lower and (infos[i].blank or infos[i].noise or (infos[i].label and not infos[i].lone_label)):
        i -= 1
    x = infos[i] if i >= lower else None
    if x is None or x.numbering not in ("cn", "arabic") or x.ends_sentence or len(x.body) > TITLE_MAX:
        return None
    return i


def _numbered_list(infos: list[LineInfo], anchors: list[int], start: int) -> bool:
    """Every case's first heading comes right after an item of one numbered list (一、 二、 三、,
    maybe starting again at 一 in a new chapter): the list of cases, whose items are the titles."""
    numbers = []
    lower = start
    for a in anchors:
        i = _item_above(infos, a, lower)
        if i is None:
            return False
        numbers.append(infos[i].number)
        lower = a + 1
    return len(numbers) >= 2 and numbers[0] == 1 and all(b in (a + 1, 1) for a, b in zip(numbers, numbers[1:]))


def _title_block(
    infos: list[LineInfo], anchor: int, lower: int, keys: Counter[str], numbered: bool = False
) -> list[int]:
    block: list[int] = []
    i = anchor - 1
    # "申报单位：…", "所属领域：…": fields between a title and the first heading (the anchor may be one)
    fields = bool(infos[anchor].label and not infos[anchor].lone_label)
    while i >= lower and len(block) < 4:
        x = infos[i]
        i -= 1
        if x.blank or x.noise:
            continue
        if (
            not block
            and x.label
            and not x.lone_label
            and not x.md_level
            and not x.ends_sentence
            and len(x.body) <= TITLE_MAX
        ):  # (a heading "# 案例一：…" is a title, not a field)
            fields = True
            continue
        if (
            (fields or numbered)
            and not block
            and x.numbering in ("cn", "arabic")
            and not x.ends_sentence
            and len(x.body) <= TITLE_MAX
        ):
            return [i + 1]  # a numbered list of cases (一、…), its items opening with fields or headings
        if not _titleish(x, keys):
            break
        page = x.line.page
        if block and page is not None and infos[block[-1]].line.page not in (None, page):
            break  # a title block is printed on one page: the line above is the last page's
        if block and infos[block[-1]].md_level and not x.md_level:
            break  # a Markdown title is its run of heading lines, not the text above it
        block.append(i + 1)
    block.reverse()
    return block


def _plain_above(infos: list[LineInfo], block: list[int], lower: int, keys: Counter[str]) -> int | None:
    """A title set in a heading style (`## 标题`, Word's Heading 2) whose block is that one line,
    and a short plain line right above it: the organization, when the book prints it before the
    title (decided by the vote)."""
    if len(block) != 1 or not infos[block[0]].md_level:
        return None
    i = block[0] - 1
    while i >= lower and (infos[i].blank or infos[i].noise):
        i -= 1
    if i < lower or infos[i].md_level or infos[i].label or not _titleish(infos[i], keys):
        return None
    if infos[i].line.page not in (None, infos[block[0]].line.page):
        return None
    return i


@dataclass(slots=True)
class _Draft:
    anchor: int
    block: list[int]
    above: int | None = None  # a plain line above a one-line heading-style title (see _plain_above)
    start: int = 0
    title_lines: list[int] = field(default_factory=list)
    org_lines: list[int] = field(default_factory=list)
    end: int = 0
    chapter: str | None = None


def _vote_order(infos: list[LineInfo], drafts: list[_Draft]) -> str:
    votes = Counter()
    for d in drafts:
        block = d.block if d.above is None else [d.above] + d.block
        if len(block) < 2:
            continue
        first, last = is_org_like(infos[block[0]].body), is_org_like(infos[block[-1]].body)
        if last and not first:
            votes["title_org"] += 1
        elif first and not last:
            votes["org_title"] += 1
    return "org_title" if votes["org_title"] > votes["title_org"] else "title_org"


def _split_block(infos: list[LineInfo], d: _Draft, order: str) -> None:
    """Decide which lines of the title block are the title and which the organization."""
    block = d.block
    org_like = [is_org_like(infos[i].body) for i in block]
    d.org_lines = []
    if not block:
        d.start, d.title_lines = d.anchor, []
        return
    if len(block) == 1:
        d.title_lines = block
    elif order == "title_org":
        k = len(block) - 1
        d.org_lines = [block[k]]
        if k >= 2 and org_like[k - 1]:
            d.org_lines.insert(0, block[k - 1])  # two organizations, one per line
            k -= 1
        title = [block[k - 1]]
        # A title wrapped over two lines fills the first one; a caption above it does not.
        if k >= 2 and not org_like[k - 2] and len(infos[block[k - 2]].body) >= len(infos[block[k - 1]].body):
            title.insert(0, block[k - 2])
        d.title_lines = title
    else:
        if len(block) >= 3 and org_like[-3] and not org_like[-2]:
            d.org_lines, d.title_lines = [block[-3]], block[-2:]
        else:
            d.org_lines, d.title_lines = [block[-2]], block[-1:]
    d.start = min(d.title_lines + d.org_lines)


def _trim_end(infos: list[LineInfo], start: int, end: int, chapter_names: set[str]) -> int:
    while end > start:
        x = infos[end]
        if x.blank or x.noise or x.numbering == "chapter" or squash(x.body) in chapter_names:
            end -= 1
            continue
        break
    return end


def _back_matter_start(infos: list[LineInfo], begin: int, toc: Toc | None) -> int:
    back_titles = {squash(e.text) for e in toc.entries if e.kind == "back"} if toc else set()
    for i in range(begin, len(infos)):
        x = infos[i]
        if x.blank or x.noise:
            continue
        short = len(x.body) <= 14 or (x.body.isascii() and len(x.body) <= 40)  # English headings are longer
        if (short and is_back_word(x.body) and not x.body.rstrip("：:").endswith(PROSE_END)) or (
            back_titles and squash(x.body) in back_titles
        ):
            return i
    return len(infos)


def find_cases(infos: list[LineInfo], body_start: int, toc: Toc | None) -> list[Case]:
    n = len(infos)
    body_end = n
    keys = recurring_keys(infos, body_start, body_end)
    anchors = anchors_from_headings(infos, body_start, body_end, keys)
    section_mode = "headings"
    if not anchors:
        anchors = anchors_from_numbering(infos, body_start, body_end)
        section_mode = "numbering"
    boxes = [b.start for b in find_boxes(infos, body_start, body_end)]
    if boxes and not _inside_every_case(boxes, anchors):
        return _cases_from_items(infos, body_start, toc, boxes=True)  # a running document's boxes are its cases
    if not anchors:
        return _cases_from_items(infos, body_start, toc)
    chapter_names = {squash(c) for c in (toc.chapters if toc else [])}
    drafts: list[_Draft] = []
    lower = body_start
    numbered = section_mode == "headings" and _numbered_list(infos, anchors, body_start)
    for a in anchors:
        block = _title_block(infos, a, lower, keys, numbered)
        drafts.append(_Draft(anchor=a, block=block, above=_plain_above(infos, block, lower, keys)))
        lower = a + 1
    order = _vote_order(infos, drafts)
    for d in drafts:
        if order == "org_title" and d.above is not None:
            d.block = [d.above] + d.block
    for d in drafts:
        _split_block(infos, d, order)
    back = _back_matter_start(infos, drafts[-1].anchor + 1, toc)
    for k, d in enumerate(drafts):
        stop = drafts[k + 1].start - 1 if k + 1 < len(drafts) else back - 1
        d.end = _trim_end(infos, d.anchor, stop, chapter_names)
    _assign_chapters(infos, drafts, body_start, toc)
    # A section heading recurs across cases; a table row repeated inside one case does not.
    spread = Counter()
    for d in drafts:
        spread.update({infos[i].key for i in range(d.anchor, d.end + 1) if infos[i].key in keys})
    section_keys = Counter({k: c for k, c in keys.items() if spread[k] >= 2})
    fields_name = _fields_name_cases(infos, drafts)
    cases = [_build(infos, k + 1, d, section_keys, section_mode, fields_name) for k, d in enumerate(drafts)]
    _apply_toc_orgs(cases, toc)
    return cases


def _inside_every_case(boxes: list[int], anchors: list[int]) -> bool:
    """Every case the headings give holds a box: the boxes are parts of cases (a collection whose
    cases each set a box aside), not the cases of a running document."""
    if not anchors:
        return False
    bounds = anchors + [float("inf")]
    return all(any(a <= b < z for b in boxes) for a, z in zip(bounds, bounds[1:]))


def _cases_from_items(infos: list[LineInfo], body_start: int, toc: Toc | None, boxes: bool = False) -> list[Case]:
    """No heading recurs in every case and no numbering restarts: cases are title lines of one
    style or paragraphs under thematic headings (`items.py`), or a running document's boxes."""
    items = find_boxes(infos, body_start, len(infos)) if boxes else None
    items = items or find_lists(infos, body_start, len(infos)) or find_items(infos, body_start, len(infos))
    if not items:
        return []
    back = _back_matter_start(infos, items[-1].start + 1, toc)
    cases = []
    for seq, item in enumerate(items, 1):
        end = _trim_end(infos, item.start, min(item.end, back - 1), set())
        d = _Draft(anchor=item.start, block=[], start=item.start, end=end, chapter=item.chapter)
        title, org = _fields(infos, d)
        heads = [
            i
            for i in range(item.start + 1, end + 1)
            if not infos[i].blank and not infos[i].noise and (infos[i].md_level or infos[i].bold)
        ]
        sections = [
            Section(
                heading=infos[i].heading_text,
                start_line=infos[i].no,
                end_line=infos[_trim_end(infos, i, (heads[k + 1] - 1) if k + 1 < len(heads) else end, set())].no,
            )
            for k, i in enumerate(heads)
        ]
        text = "\n".join(
            infos[i].line.text for i in range(item.start, end + 1) if not infos[i].blank and not infos[i].noise
        )
        cases.append(
            Case(
                seq=seq,
                title=(title if item.heading and title and is_code(item.title) else item.title),
                organization=item.organization or org,
                chapter=item.chapter,
                start_line=infos[item.start].no,
                end_line=infos[end].no,
                page=infos[item.start].line.page,
                sections=sections,
                text=text,
            )
        )
    return cases


def _assign_chapters(infos: list[LineInfo], drafts: list[_Draft], body_start: int, toc: Toc | None) -> None:
    # Chapter headings printed in the body ("第二章 社区篇") hold for the cases after them.
    current: str | None = None
    k = 0
    for i in range(body_start, len(infos)):
        while k < len(drafts) and drafts[k].start <= i:
            drafts[k].chapter = current
            k += 1
        x = infos[i]
        if x.numbering == "chapter" and len(x.body) <= 30 and not x.ends_sentence:
            current = chapter_name(x.body)
    while k < len(drafts):
        drafts[k].chapter = current
        k += 1
    if toc and any(e.chapter for e in toc.cases):
        titles = [" ".join(infos[i].body for i in d.title_lines) for d in drafts]
        for d, entry in zip(drafts, align_toc(titles, toc)):
            if entry is not None and entry.chapter:
                d.chapter = entry.chapter
    # A side tab (chapter name printed down the page edge) names the chapter of its case.
    for idx, label in side_tab_labels(infos).items():
        for d in drafts:
            if d.start <= idx <= d.end and d.chapter is None:
                d.chapter = label


def align_toc(titles: list[str], toc: Toc):
    """Match each body title to a TOC case entry, keeping order; None where nothing fits."""
    entries = toc.cases
    out = []
    p = 0
    for title in titles:
        st = squash(title)
        best, best_score = None, 0.0
        for j in range(p, min(p + 4, len(entries))):
            se = squash(entries[j].text)
            if not st or not se:
                continue
            score = 1.0 if (st in se or se in st) else SequenceMatcher(None, st, se).ratio()
            if score > best_score:
                best, best_score = j, score
        if best is not None and best_score >= 0.5:
            out.append(entries[best])
            p = best + 1
        elif len(entries) == len(titles) and p < len(entries):
            out.append(entries[p])
            p += 1
        else:
            out.append(None)
    return out


def _apply_toc_orgs(cases: list[Case], toc: Toc | None) -> None:
    """A TOC entry "组织：标题" whose body title reads "组织 标题" splits it."""
    if not toc:
        return
    for case, entry in zip(cases, align_toc([c.title for c in cases], toc)):
        if entry is None or case.organization:
            continue
        m = re.match(r"^(.{2,20}?)\s*[：:|｜]\s*(.+)$", entry.text)
        if not m:
            continue
        org, rest = squash(m.group(1)), squash(m.group(2))
        title = squash(case.title)
        if title == org + rest:
            case.organization = m.group(1).strip()
            # Cut the printed title after the organization's characters, keeping its spacing.
            seen = 0
            for pos, ch in enumerate(case.title):
                if squash(ch):
                    seen += 1
                if seen == len(org):
                    case.title = case.title[pos + 1 :].lstrip(" |｜：:").strip()
                    break


def _fields(infos: list[LineInfo], d: _Draft) -> tuple[str | None, str | None]:
    """The case's title and organization as its leading field block gives them (项目名称：…,
    实施主体：…, Organization: …), wherever in the block they stand: above the first heading,
    after it, or as rows of a table sheet. The block is the head of the case up to its first
    running text that is not a field's; a table sheet's rows ("项目名称<tab>…") count after it too,
    as far as the case's first table goes (one project per table)."""
    title = org = None
    seen = 0
    prose = False
    i = d.start
    while i <= d.end and seen < FIELD_LINES * (2 if prose else 1):
        x = infos[i]
        i += 1
        if x.blank or x.noise:
            continue
        seen += 1
        got = field_of(x)
        row = "\t" in x.line.raw.strip()
        if prose and not row:
            if got is None and title is None and org is None:
                continue  # still looking for the case's table sheet
            break
        if got is None:
            if _is_prose(x) and i - 1 > d.anchor:
                prose = True  # the case's text has begun: only a table sheet's rows from here
            continue
        label, value = got
        if not value:  # "项目名称" over its value (a table read one cell per line)
            k = i
            while k <= d.end and (infos[k].blank or infos[k].noise):
                k += 1
            value = infos[k].body.strip() if k <= d.end and field_of(infos[k]) is None else ""
        if value and len(value) <= TITLE_MAX * 2:
            if title is None and TITLE_LABEL.match(label):
                title = value
            elif org is None and ORG_LABEL.match(label):
                org = value
    return title, org


_CASE_NUMBER = re.compile(r"^(?:case(?:\s+study)?|案例)\s*[\d一二三四五六七八九十]+\s*[:：.、]\s*(?=\S)", re.IGNORECASE)


def _title_text(infos: list[LineInfo], i: int) -> str:
    """A title line as printed, without a list number (一、江川钢铁… → 江川钢铁…; "Case Study 3:
    Electrifying…" → "Electrifying…")."""
    x = infos[i]
    text = x.heading_text
    if x.numbering in ("cn", "arabic"):
        text = next(rx for kind, rx in NUMBERING if kind == x.numbering).sub("", text.lstrip(), count=1)
    return _CASE_NUMBER.sub("", text.strip())


def _org_text(infos: list[LineInfo], i: int) -> str:
    """An organization line without its field name ("Organization: Northgate…" → "Northgate…")."""
    text = infos[i].heading_text.rstrip("；;、，, ")
    m = re.match(r"^\s*([^：:]{2,14}?)\s*[：:]\s*(\S.*)$", text)
    return m.group(2).strip() if m and ORG_LABEL.match(m.group(1).strip()) else text


def _printed_title(infos: list[LineInfo], d: _Draft) -> str:
    if any(known_field(infos[i]) for i in d.title_lines):
        return ""  # a field line ("案例编号：…") above the first heading is not the title
    return "".join(_join_title(_title_text(infos, i) for i in d.title_lines))


def _fields_name_cases(infos: list[LineInfo], drafts: list[_Draft]) -> bool:
    """The book names its cases by a field (项目名称：…) where most cases that print one have no
    other title (none, or only a number or a code): then that field names every case printing it,
    the first too (whose "title block" may be the book's own title above its first field)."""
    named = [(_printed_title(infos, d), _fields(infos, d)[0]) for d in drafts]
    with_field = [printed for printed, field_title in named if field_title]
    return bool(with_field) and 2 * sum(is_code(p) for p in with_field) > len(with_field)


def _build(
    infos: list[LineInfo], seq: int, d: _Draft, keys: Counter[str], mode: str, fields_name: bool = False
) -> Case:
    printed = _printed_title(infos, d)
    field_title, field_org = _fields(infos, d)
    title = (field_title if (fields_name or is_code(printed)) and field_title else printed) or f"案例 {seq}"
    org = (
        "；".join(
            _org_text(infos, i)
            for i in d.org_lines
            if field_of(infos[i]) is None or ORG_LABEL.match(field_of(infos[i])[0])
        )
        or field_org
    )
    sections = _sections(infos, d, keys, mode)
    text = "\n".join(infos[i].line.text for i in range(d.start, d.end + 1) if not infos[i].blank and not infos[i].noise)
    page = infos[d.start].line.page
    return Case(
        seq=seq,
        title=title,
        organization=org,
        chapter=d.chapter,
        start_line=infos[d.start].no,
        end_line=infos[d.end].no,
        page=page,
        sections=sections,
        text=text,
    )


def _join_title(parts) -> list[str]:
    # Lines of one title are joined; a space is kept only between two Latin/digit ends.
    out: list[str] = []
    for part in parts:
        part = part.strip()
        if (
            out
            and out[-1]
            and part
            and out[-1][-1].isascii()
            and out[-1][-1].isalnum()
            and part[0].isascii()
            and part[0].isalnum()
        ):
            out.append(" ")
        out.append(part)
    return out


def _is_section_heading(x: LineInfo, keys: Counter[str], mode: str) -> bool:
    if x.blank or x.noise:
        return False
    if mode == "numbering":
        return _is_numbered_heading(x)
    if x.label and not x.lone_label:
        return False
    if _is_heading_candidate(x) and x.key in keys:
        return True
    return (
        bool(x.marker)
        and x.marker not in _BULLETS
        and (x.md_level > 0 or len(x.body) <= HEADING_MAX)
        and not x.ends_sentence
    )


def _sections(infos: list[LineInfo], d: _Draft, keys: Counter[str], mode: str) -> list[Section]:
    heads = [i for i in range(d.anchor, d.end + 1) if _is_section_heading(infos[i], keys, mode)]
    sections = []
    for k, i in enumerate(heads):
        stop = heads[k + 1] - 1 if k + 1 < len(heads) else d.end
        stop = _trim_end(infos, i, stop, set())
        sections.append(Section(heading=infos[i].heading_text, start_line=infos[i].no, end_line=infos[stop].no))
    return sections
