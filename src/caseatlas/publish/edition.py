"""What a published book holds (`Edition`), built from stored records without I/O.

The store gives a collection's cases with their sections, facts and source lines; this
module turns them into a book a person reads: front matter, chapters, each case's title,
organization, sections in their printed order (paragraphs re-joined where the source layout
wrapped them, page furniture left out, tables kept as tables) and a facts table listing each
outcome with the line its quote came from. `render.py` typesets it as HTML and PDF.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..models import Line
from ..segment.cases import squash
from ..segment.lines import analyse
from ..text.cells import split_cells
from ..text.numbers import format_quantity
from ..text.paragraphs import paragraphs
from ..vocab import (
    COMMENT_HEADING,
    GLANCE_FIELDS,
    KIND_LABELS_EN,
    KIND_LABELS_ZH,
    PERIOD_LABELS,
    STATUS_WORDS_ZH,
)

_MD_MARK = re.compile(r"^(?:#{1,6}\s*|>\s*)")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)\*(?!\s)|(?<!\s)\*(?!\w)")
STATUSES = {
    "target": ("目标", "target"),
    "hypothetical": ("假设情景", "hypothetical"),
    "projection": ("预计", "projection"),
}
DECLARED = ("申报并确认", "declared")  # a figure the applicant stated and confirmed as data


@dataclass(slots=True)
class Block:
    kind: str  # "p" (paragraph), "row" (a line of a flattened table, kept as printed) or "table" (cells)
    text: str = ""
    rows: list[list[str]] = field(default_factory=list)


@dataclass(slots=True)
class EditionSection:
    heading: str | None  # None: the case's lead text before its first heading
    blocks: list[Block]


@dataclass(slots=True)
class FactRow:
    label: str  # kind in Chinese, with the status when it is not an achievement
    value: (
        str  # the canonical value as the one writer prints it ("5万吨二氧化碳当量（每年）"; en "50,000 tCO2e (annual)")
    )
    quote: str
    line: int
    origin: str = "extracted"  # vocab.ORIGINS: read from the text, or declared by the applicant as data


@dataclass(slots=True)
class KeyFigure:
    """One figure of a case's at-a-glance box: "减排量：5万吨二氧化碳当量（每年）". The label is at
    most six characters so the printed line reads back as a field (segment/lines.py `_LABEL`),
    never as a title; the value is written by the one writer, so it reads back as the value."""

    kind: str
    label: str
    value: str


@dataclass(slots=True)
class Image:
    """A picture the book prints: a case's photo or figure (with its caption and credit), an
    organizer's logo on the cover. Bytes already checked and cleaned (type sniffed, EXIF removed)."""

    data: bytes
    content_type: str  # image/jpeg, image/png
    caption: str = ""
    credit: str = ""
    alt: str = ""


@dataclass(slots=True)
class CommitteeMember:
    """One line of the 编委会 (editorial committee) page."""

    name: str
    role: str | None = None  # 主任, 副主任, 主编, 委员 …
    affiliation: str | None = None


@dataclass(slots=True)
class EnglishCase:
    """A case's English text, when the call collects one (a bilingual edition)."""

    title: str
    sections: list[EditionSection]


@dataclass(slots=True)
class EditionCase:
    number: int  # 1-based position in the edition (anchors, file names)
    case_id: str
    title: str
    organization: str | None
    chapter: str | None
    sections: list[EditionSection]
    facts: list[FactRow]
    source: str  # where the case came from ("《书名》第 12–80 行")
    chapter_label: bool = False  # print the chapter on the case (the book's chapters are partial)
    region: str | None = None  # for the at-a-glance box and the index of regions
    photos: list[Image] = field(default_factory=list)  # approved final photos, in order, captioned
    comment: list[str] = field(default_factory=list)  # the approved 专家点评, paragraphs, set apart
    comment_by: str | None = None  # who wrote it, when the organizer names the expert
    english: EnglishCase | None = None
    key_figures: list[KeyFigure] = field(default_factory=list)  # the at-a-glance box (3–5, by kind priority)

    @property
    def anchor(self) -> str:
        return f"case-{self.number}"


@dataclass(slots=True)
class Chapter:
    number: int  # 0: cases outside any chapter
    name: str | None
    cases: list[EditionCase]

    @property
    def anchor(self) -> str:
        return f"chapter-{self.number}"


@dataclass(slots=True)
class Expert:
    name: str
    affiliation: str | None = None


@dataclass(slots=True)
class Edition:
    title: str
    year: int | None
    publisher: str | None
    foreword: list[str]  # paragraphs
    experts: list[Expert]
    chapters: list[Chapter]
    organizers: list[str] = field(default_factory=list)
    supporters: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # e.g. the call's chapter quotas
    slug: str = ""
    english: dict | None = None  # optional English front matter: title, summary
    lang: str = "zh"  # how figures are written: zh (万/亿) or en (thousands separators)
    subtitle: str | None = None
    committee: list[CommitteeMember] = field(default_factory=list)  # 编委会
    logos: list[Image] = field(default_factory=list)  # organizers' logos for the cover
    bilingual: bool = False  # print each case's English text after the Chinese

    @property
    def cases(self) -> list[EditionCase]:
        return [c for ch in self.chapters for c in ch.cases]


def _clean(text: str) -> str:
    text = _MD_MARK.sub("", text.strip())
    return _EMPHASIS.sub("", text).strip()


def _paragraphs(lines: list[Line]) -> list[Block]:
    """Wrapped lines re-joined into paragraphs (`text.paragraphs`: a line continues
    unless it ends a sentence or is a heading); tab-separated rows kept as a table."""
    blocks: list[Block] = []
    run: list[Line] = []

    def flush() -> None:
        for p in paragraphs(run):
            text = _clean(p.text)
            if text:
                blocks.append(Block("p", text))
        run.clear()

    rows = _row_lines(lines)
    for line in lines:
        raw = line.text.strip()
        if line.no in rows:
            flush()
            blocks.append(Block("row", _clean(raw)))
            continue
        cells = split_cells(raw) if "\t" in raw else []
        if sum(1 for c in cells if c) >= 2:
            flush()
            cells = [_clean(c) for c in cells]
            if blocks and blocks[-1].kind == "table":
                blocks[-1].rows.append(cells)
            else:
                blocks.append(Block("table", rows=[cells]))
        else:
            run.append(Line(no=line.no, raw=line.raw, text=_clean(line.text), page=line.page))
    flush()
    return blocks


_NUMBER_CELL = re.compile(r"(?<![\w.,])\d[\d,.]*(?![\w.,])")
_SHORT_CELL = 16


def _row_lines(lines: list[Line]) -> set[int]:
    """Lines of a table flattened to text ("绿色毕业季 10500 76000 11000 97500"): two or more
    free-standing numbers and no sentence end; with the short header/label lines next to
    them. Each is kept as printed: joining them into a paragraph would lose the columns."""

    def row(t: str) -> bool:
        return "\t" not in t and len(_NUMBER_CELL.findall(t)) >= 2 and not t.endswith(("。", "；", "，", "："))

    texts = [ln.text.strip() for ln in lines]
    marked = {i for i, t in enumerate(texts) if t and row(t)}
    for i in sorted(marked):
        for j in (i - 1, i + 1):
            while (
                0 <= j < len(texts)
                and j not in marked
                and texts[j]
                and len(texts[j]) <= _SHORT_CELL
                and not texts[j].endswith(("。", "；", "，", "：", "！", "？"))
            ):
                marked.add(j)
                j += 1 if j > i else -1
    return {lines[i].no for i in marked}


def fact_row(o: dict, lang: str = "zh") -> FactRow:
    """One outcome of the facts table, written by `caseatlas.text.numbers` (zh: 560亿元, 1,780万吨
    二氧化碳当量; en: 56,000,000,000 CNY): the figure a reader of the book reads back is the value."""
    en = lang == "en"
    printed = format_quantity(o["value"], o["unit"], lang, value_max=o.get("value_max"), qualifier=o.get("qualifier"))
    period = PERIOD_LABELS.get(o["period"]) if o["period"] != "unspecified" else None
    if period:
        printed += f" ({period[1]})" if en else f"（{period[0]}）"
    label = KIND_LABELS_ZH.get(o["kind"], o["kind"])
    status = STATUSES.get(o.get("status") or "achieved")
    if status:
        label += f" ({status[1]})" if en else f"（{status[0]}）"
    origin = o.get("origin") or "extracted"
    return FactRow(label=label, value=printed, quote=o["quote"], line=o["line"], origin=origin)


GLANCE_MAX = 5  # key figures in a case's at-a-glance box
_SCOPE_RANK = {"project": 0, "organization": 1}  # a sector's or a part's figure is not the case's


def glance_value(o: dict, lang: str = "zh") -> str:
    """A key figure as the box prints it after its field label: the one writer's figure with its
    period and status in the words the extractor reads back ("每年5万吨二氧化碳当量", "装机13.26兆瓦
    （目标）"; en "50,000 tCO2e (annual, target)")."""
    figure = format_quantity(o["value"], o["unit"], lang, value_max=o.get("value_max"), qualifier=o.get("qualifier"))
    status = o.get("status") or "achieved"
    period = o.get("period") if o.get("period") in ("annual", "cumulative") else None
    if lang == "en":
        notes = [PERIOD_LABELS[period][1]] if period else []
        notes += [STATUSES[status][1]] if status in STATUSES else []
        return figure + (f" ({', '.join(notes)})" if notes else "")
    before, after = STATUS_WORDS_ZH.get(status, ("", ""))
    cue = GLANCE_FIELDS[o["kind"]][1]
    if o["kind"] == "area" and period == "annual":
        cue = "增加"  # an area held is a stock; one added each year is a flow (as the declared line says)
    return f"{before}{PERIOD_LABELS[period][0] if period else ''}{cue}{figure}{after}"


def key_figures(outcomes: list[dict], lang: str = "zh", limit: int = GLANCE_MAX) -> list[KeyFigure]:
    """The figures a reader should see first: one per kind, an achieved figure of the project
    before a target or an organization's figure (the largest of those), achieved kinds first,
    then in `GLANCE_FIELDS` order."""
    order = list(GLANCE_FIELDS)
    best: dict[str, tuple[tuple, dict]] = {}
    for o in outcomes:
        kind, scope = o["kind"], o.get("scope") or "project"
        if kind not in GLANCE_FIELDS or scope not in _SCOPE_RANK:
            continue
        rank = ((o.get("status") or "achieved") != "achieved", _SCOPE_RANK[scope], -o["value"])
        if kind not in best or rank < best[kind][0]:
            best[kind] = (rank, o)
    chosen = sorted(best.values(), key=lambda ro: (ro[0][0], order.index(ro[1]["kind"])))[:limit]
    chosen.sort(key=lambda ro: order.index(ro[1]["kind"]))
    label = (lambda k: KIND_LABELS_EN.get(k, k)) if lang == "en" else (lambda k: GLANCE_FIELDS[k][0])
    return [KeyFigure(o["kind"], label(o["kind"]), glance_value(o, lang)) for _, o in chosen]


def region_of(attributes: list[dict]) -> str | None:
    """The case's region as its stored region fact names it: province and city ("浙江省杭州市"),
    or 全国 for a nationwide case."""
    for a in attributes:
        if a.get("kind") != "region" or not a.get("value"):
            continue
        province, city = a["value"], a.get("detail")
        if city and city not in ("national", "市辖区") and city != province and not province.endswith("市"):
            return province + city
        return province
    return None


def _title_lines(case: dict, rows: list[Line]) -> int:
    """How many leading lines of a case print its title block (title, organization)."""
    parts = [squash(p) for p in (case["title"], case.get("organization") or "") if squash(p)]
    target = "".join(parts)
    k = 0
    for ln in rows:
        s = squash(_clean(ln.text))
        rest = s
        for p in parts:
            rest = rest.replace(p, "")
        if not s or s in target or not rest:  # blank, part of a wrapped title, or title + organization
            k += 1
            continue
        break
    return k


def build_case(
    number_: int, case: dict, lines: dict[int, Line], noise: set[int], book_title: str, lang: str = "zh"
) -> EditionCase:
    """One stored case (with sections and outcomes) and the book's lines → an edition case."""
    start, end = case["start_line"], case["end_line"]
    rows = [lines[n] for n in range(start, end + 1) if n in lines and n not in noise]
    heads = {s["start_line"]: s for s in case["sections"]}
    skip = _title_lines(case, [r for r in rows if r.no < min(heads, default=end + 1)])
    parts: list[tuple[str | None, list[Line]]] = [(None, [])]  # the lead, then each section
    for ln in rows[skip:]:
        if ln.no in heads:
            parts.append((_clean(heads[ln.no]["heading"]), []))
        else:
            parts[-1][1].append(ln)
    out = [EditionSection(h, _paragraphs(body)) for h, body in parts if h is not None or body]
    facts = [fact_row(o, lang) for o in case["outcomes"]]
    source = f"《{book_title}》第 {start}–{end} 行"
    return EditionCase(
        number=number_,
        case_id=case["case_id"],
        title=case["title"],
        organization=case.get("organization"),
        chapter=case.get("chapter"),
        sections=out,
        facts=facts,
        source=source,
        region=region_of(case.get("attributes") or []),
        key_figures=key_figures(case["outcomes"], lang),
    )


def build(collection: dict, cases: list[dict], book_lines: list[dict], lang: str = "zh") -> Edition:
    """A stored collection (its row, its cases in order, all its lines) → an edition; `lang` is
    how its figures are written (the English edition: "56,000,000,000 CNY")."""
    lines = [Line(no=r["line_no"], raw=r["raw"], text=r["text"], page=r.get("page")) for r in book_lines]
    infos = analyse(lines)
    noise = {x.no for x in infos if x.noise}
    by_no = {ln.no: ln for ln in lines}
    ecases = [build_case(i + 1, c, by_no, noise, collection["title"], lang) for i, c in enumerate(cases)]
    for c in ecases:
        set_comment_apart(c)
    chapters: list[Chapter] = []
    complete = all(c.chapter for c in ecases)
    for c in ecases:
        name = c.chapter if complete else None
        if not chapters or chapters[-1].name != name:
            chapters.append(
                Chapter(number=0 if name is None else len([x for x in chapters if x.name]) + 1, name=name, cases=[])
            )
        chapters[-1].cases.append(c)
        # Chapters the book gives only for some cases (a side tab here and there) are printed
        # on the case itself: a chapter heading would wrongly hold for the cases after it.
        c.chapter_label = bool(c.chapter) and not complete
    foreword = [p.strip() for p in (collection.get("foreword") or "").split("\n") if p.strip()]
    return Edition(
        title=collection["title"],
        year=collection.get("year"),
        publisher=collection.get("publisher"),
        foreword=_join_foreword(foreword),
        experts=[Expert(n) for n in collection.get("experts") or []],
        chapters=chapters,
        slug=collection.get("slug", ""),
        lang=lang,
    )


def set_comment_apart(c: EditionCase) -> None:
    """The 专家点评 the book prints as its case's last section becomes the case's comment, printed
    set apart in a box (and so never twice). Only the last section: one printed between others
    stays where it is, so the book's section order is kept."""
    if c.comment or not c.sections or c.sections[-1].heading != COMMENT_HEADING:
        return
    section = c.sections.pop()
    c.comment = [b.text if b.kind != "table" else "　".join(" ".join(r) for r in b.rows) for b in section.blocks]
    c.comment = [p for p in c.comment if p]


def index_key(name: str) -> tuple[str, str]:
    """How an index sorts a name: by its pinyin, as Chinese books sort their indexes (Latin
    names by their letters), then by the name itself."""
    from pypinyin import Style, lazy_pinyin

    return "".join(lazy_pinyin(name, style=Style.NORMAL, errors="default")).lower(), name


@dataclass(slots=True)
class IndexEntry:
    name: str
    cases: list[EditionCase]


@dataclass(slots=True)
class IndexGroup:
    letter: str  # the initial letter of the entries' pinyin ("#" for others)
    entries: list[IndexEntry]


def _index(pairs: list[tuple[str, EditionCase]]) -> list[IndexGroup]:
    by_name: dict[str, list[EditionCase]] = {}
    for name, c in pairs:
        if c not in by_name.setdefault(name, []):
            by_name[name].append(c)
    groups: list[IndexGroup] = []
    for name in sorted(by_name, key=index_key):
        first = index_key(name)[0][:1].upper()
        letter = first if "A" <= first <= "Z" else "#"
        if not groups or groups[-1].letter != letter:
            groups.append(IndexGroup(letter, []))
        groups[-1].entries.append(IndexEntry(name, by_name[name]))
    return groups


def organization_index(ed: Edition) -> list[IndexGroup]:
    """Every organization of the book (a case naming several, "甲；乙", under each) → its cases."""
    return _index([(o.strip(), c) for c in ed.cases for o in re.split(r"[；;]", c.organization or "") if o.strip()])


def region_index(ed: Edition) -> list[IndexGroup]:
    """Every region of the book → its cases."""
    return _index([(c.region, c) for c in ed.cases if c.region])


def _join_foreword(parts: list[str]) -> list[str]:
    """The stored foreword keeps the source's wrapped lines; join them back into paragraphs."""
    if not parts:
        return []
    lines = [Line(no=i + 1, raw=p, text=p) for i, p in enumerate(parts)]
    return [_clean(p.text) for p in paragraphs(lines) if p.text.strip()]


def text_sections(parts: list[tuple[str | None, str]]) -> list[EditionSection]:
    """Sections typed as text (a final version's, an English text) → the edition's sections:
    paragraphs as written, tab-separated rows kept as a table; empty sections left out."""
    out = []
    for heading, text in parts:
        rows = [t for t in (text or "").splitlines()]
        lines = [Line(no=i + 1, raw=t, text=t) for i, t in enumerate(rows)]
        blocks = _paragraphs(lines)
        if blocks:
            out.append(EditionSection(_clean(heading) if heading else None, blocks))
    return out
