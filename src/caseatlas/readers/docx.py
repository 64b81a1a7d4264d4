"""DOCX: paragraphs and table rows in body order, with the structure Word keeps out of the text.

What a reader of the printed page sees, written into the line the way a Markdown file says it:
- a heading style (Heading n, 标题 n, Title) or an outline level (a style of one's own that
  Word's navigation pane lists) → `#`×n before the text;
- automatic numbering (a list whose "一、", "1." or "（二）" Word draws from numbering.xml) → the
  label as Word prints it, before the text;
- a paragraph whose every run is bold (directly, by character style or by paragraph style) →
  `**text**`; the bold runs a paragraph opens with, plain text after them (a run-in title) →
  `**lead** rest`;
- a table row → its cells joined by tabs (a merged cell once per grid column it covers, as the
  columns line up); content controls (`w:sdt`) are read through.
"""

from __future__ import annotations

import io
import re

from ..errors import ReadError
from .limits import check_zip
from .normalize import run_in_title

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_CN = "一二三四五六七八九"


def read_docx(data: bytes, name: str) -> list[str]:
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    check_zip(data, name)  # before python-docx inflates anything
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zip/xml errors for damaged files
        raise ReadError(f"{name}: not a readable DOCX file ({type(exc).__name__})") from None
    styles = _Styles(document)  # (python-docx looks a style up by scanning them all, per paragraph)
    numbering = _Numbering(document)
    lines: list[str] = []
    for block in _blocks(document.element.body):
        if block.tag == _W + "p":
            text = Paragraph(block, document).text
            if not text.strip():
                lines.extend(text.split("\n"))
                continue
            style = styles.of(block)
            label = numbering.label(block, style, styles)
            level = _heading_level(styles.name(style)) or styles.outline_level(block, style)
            if level:
                lines.append("#" * level + " " + label + text.strip().replace("\n", " "))
                continue
            bold = styles.all_bold(block, style)
            lead = "" if bold else styles.bold_lead(block, style)
            for k, part in enumerate(text.split("\n")):
                if k == 0:
                    if "\n" not in lead and part.startswith(lead) and run_in_title(lead, part[len(lead) :]):
                        part = f"**{lead}**{part[len(lead) :]}"  # a run-in title, spacing as printed
                    part = label + part
                lines.append(f"**{part.strip()}**" if bold and part.strip() else part)
        else:
            for row in Table(block, document).rows:
                lines.append("\t".join(cell.text.replace("\n", " ") for cell in row.cells))
    return lines


def _blocks(parent):
    """Paragraphs and tables in body order; a content control's content in its place."""
    for child in parent.iterchildren():
        if child.tag in (_W + "p", _W + "tbl"):
            yield child
        elif child.tag == _W + "sdt":
            content = child.find(_W + "sdtContent")
            if content is not None:
                yield from _blocks(content)


def _heading_level(style: str) -> int:
    style = style.lower()
    if style == "title":
        return 1
    for prefix in ("heading ", "标题 "):
        if style.startswith(prefix) and style[len(prefix) :].strip().isdigit():
            return min(int(style[len(prefix) :]), 6)
    return 0


def _on(el) -> bool | None:
    """A toggle property (<w:b/>, <w:b w:val="0"/>): on, off, or None when absent."""
    if el is None:
        return None
    return el.get(_W + "val", "true").lower() not in ("0", "false", "off", "none")


class _Styles:
    """Style names, bold and list numbering by style id, read once from styles.xml."""

    def __init__(self, document) -> None:
        self.names: dict[str, str] = {}
        self.based: dict[str, str] = {}
        self.bold: dict[str, bool | None] = {}
        self.num_pr: dict[str, tuple[str | None, int | None]] = {}
        self.outline: dict[str, int | None] = {}
        self.default: dict[str, str] = {}  # style type → default style id
        try:
            root = document.styles.element
        except Exception:  # no styles part: every paragraph is plain
            return
        for st in root.iterchildren(_W + "style"):
            sid = st.get(_W + "styleId")
            if sid is None:
                continue
            name = st.find(_W + "name")
            self.names[sid] = name.get(_W + "val", "") if name is not None else ""
            based = st.find(_W + "basedOn")
            if based is not None:
                self.based[sid] = based.get(_W + "val")
            rpr = st.find(_W + "rPr")
            self.bold[sid] = _on(rpr.find(_W + "b")) if rpr is not None else None
            self.num_pr[sid] = _num_pr(st.find(_W + "pPr"))
            self.outline[sid] = _outline(st.find(_W + "pPr"))
            if st.get(_W + "default") in ("1", "true"):
                self.default[st.get(_W + "type", "paragraph")] = sid

    def _chain(self, sid: str | None):
        for _ in range(10):  # a style based on a style …, as far as it goes (a cycle stops)
            if sid is None:
                return
            yield sid
            sid = self.based.get(sid)

    def of(self, p) -> str | None:
        ppr = p.find(_W + "pPr")
        ps = ppr.find(_W + "pStyle") if ppr is not None else None
        return ps.get(_W + "val") if ps is not None else self.default.get("paragraph")

    def name(self, sid: str | None) -> str:
        return self.names.get(sid or "", "")

    def style_bold(self, sid: str | None) -> bool | None:
        return next((self.bold[s] for s in self._chain(sid) if self.bold.get(s) is not None), None)

    def outline_level(self, p, sid: str | None) -> int:
        """A heading by its outline level (what Word's navigation pane lists), set on the
        paragraph or its style ("案例标题" based on nothing, at level 2): 1-6, else 0."""
        level = _outline(p.find(_W + "pPr"))
        if level is None:
            level = next((self.outline[s] for s in self._chain(sid) if self.outline.get(s) is not None), None)
        return level + 1 if level is not None and level < 6 else 0

    def list_of(self, sid: str | None) -> tuple[str | None, int | None]:
        """A list style ("List Number") numbers its paragraphs."""
        return next((self.num_pr[s] for s in self._chain(sid) if self.num_pr.get(s, (None, None))[0]), (None, None))

    def runs(self, p, sid: str | None) -> list[tuple[str, bool]] | None:
        """The paragraph's runs with text, each with whether it is bold (directly, by character
        style, or by paragraph style); None when text stands outside plain runs (a hyperlink's,
        not known to be bold)."""
        from docx.text.run import Run

        para_bold = self.style_bold(sid)
        out = []
        for child in p.iterchildren():
            if child.tag == _W + "hyperlink" and "".join(child.itertext()).strip():
                return None
            if child.tag != _W + "r" or not (text := Run(child, None).text).strip():
                continue
            rpr = child.find(_W + "rPr")
            bold = _on(rpr.find(_W + "b")) if rpr is not None else None
            if bold is None and rpr is not None and rpr.find(_W + "rStyle") is not None:
                bold = self.style_bold(rpr.find(_W + "rStyle").get(_W + "val"))
            if bold is None:
                bold = para_bold
            out.append((text, bool(bold)))
        return out

    def all_bold(self, p, sid: str | None) -> bool:
        """Every run with text is bold: a title or a heading set in bold type."""
        runs = self.runs(p, sid)
        return bool(runs) and all(bold for _, bold in runs)

    def bold_lead(self, p, sid: str | None) -> str:
        """The bold runs a paragraph opens with when plain text follows them ("1. Copenhagen"
        before "The city…"): a run-in title."""
        runs = self.runs(p, sid) or []
        k = next((k for k, (_, bold) in enumerate(runs) if not bold), 0)
        return "".join(text for text, _ in runs[:k]).strip()


def _cn(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 20 → 二十, 35 → 三十五 (as Word's chineseCounting prints them)."""
    if n <= 0 or n >= 100:
        return str(n)
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else "十" if tens == 1 else _CN[tens - 1] + "十"
    return head + (_CN[ones - 1] if ones else "")


def _roman(n: int) -> str:
    out = ""
    for value, letters in (
        (1000, "m"),
        (900, "cm"),
        (500, "d"),
        (400, "cd"),
        (100, "c"),
        (90, "xc"),
        (50, "l"),
        (40, "xl"),
        (10, "x"),
        (9, "ix"),
        (5, "v"),
        (4, "iv"),
        (1, "i"),
    ):
        while n >= value:
            out += letters
            n -= value
    return out


def _letter(n: int) -> str:
    return chr(ord("a") + (n - 1) % 26) * ((n - 1) // 26 + 1) if n > 0 else ""


_FORMATS = {
    "decimal": str,
    "decimalZero": lambda n: f"{n:02d}",
    "decimalFullWidth": str,  # (normalize makes full-width digits ASCII anyway)
    "decimalHalfWidth": str,
    "chineseCounting": _cn,
    "chineseCountingThousand": _cn,
    "chineseLegalSimplified": _cn,
    "ideographTraditional": lambda n: "甲乙丙丁戊己庚辛壬癸"[(n - 1) % 10],
    "japaneseCounting": _cn,
    "taiwaneseCounting": _cn,
    "taiwaneseCountingThousand": _cn,
    "decimalEnclosedCircle": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "decimalEnclosedCircleChinese": lambda n: chr(0x2460 + n - 1) if 1 <= n <= 20 else str(n),
    "lowerLetter": _letter,
    "upperLetter": lambda n: _letter(n).upper(),
    "lowerRoman": _roman,
    "upperRoman": lambda n: _roman(n).upper(),
}


class _Numbering:
    """Word's automatic list labels: numbering.xml's levels (format, start, text such as "%1、"),
    counted in document order per list (a deeper level restarts when a shallower one counts)."""

    def __init__(self, document) -> None:
        self.levels: dict[str, dict[int, tuple[str, int, str]]] = {}  # numId → ilvl → (format, start, text)
        self.counts: dict[str, list[int]] = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract: dict[str, dict[int, tuple[str, int, str]]] = {}
        for a in root.iterchildren(_W + "abstractNum"):
            abstract[a.get(_W + "abstractNumId")] = {
                int(lvl.get(_W + "ilvl", "0")): _level(lvl) for lvl in a.iterchildren(_W + "lvl")
            }
        for num in root.iterchildren(_W + "num"):
            ref = num.find(_W + "abstractNumId")
            if ref is None:
                continue
            levels = dict(abstract.get(ref.get(_W + "val"), {}))
            for override in num.iterchildren(_W + "lvlOverride"):
                ilvl = int(override.get(_W + "ilvl", "0"))
                lvl = override.find(_W + "lvl")
                if lvl is not None:
                    levels[ilvl] = _level(lvl)
                start = override.find(_W + "startOverride")
                if start is not None and ilvl in levels:
                    fmt, _, text = levels[ilvl]
                    levels[ilvl] = (fmt, int(start.get(_W + "val", "1")), text)
            self.levels[num.get(_W + "numId")] = levels

    def label(self, p, style: str | None, styles: _Styles) -> str:
        if not self.levels:
            return ""
        num_id, ilvl = _num_pr(p.find(_W + "pPr"))
        if num_id is None:
            num_id, style_lvl = styles.list_of(style)
            ilvl = ilvl if ilvl is not None else style_lvl
        levels = self.levels.get(num_id or "")
        if not levels:
            return ""
        ilvl = ilvl or 0
        if ilvl not in levels:
            return ""
        counts = self.counts.setdefault(num_id, [0] * 10)
        if counts[ilvl] == 0:
            counts[ilvl] = levels[ilvl][1]
        else:
            counts[ilvl] += 1
        for deeper in range(ilvl + 1, len(counts)):
            counts[deeper] = 0
        fmt, _, text = levels[ilvl]
        if fmt == "bullet":
            return "• "
        if fmt == "none":
            return ""

        def fill(m: re.Match[str]) -> str:
            k = int(m.group(1)) - 1
            if k not in levels:
                return ""
            f = _FORMATS.get(levels[k][0], str)
            return f(counts[k] or levels[k][1])

        out = re.sub(r"%([1-9])", fill, text)
        # Word sets a tab (or a space) after the label; printed, "一、" and "（一）" need none,
        # "1." and "第一章" a space.
        return out + " " if out and out[-1] not in "、，,：:）)】」" else out


def _level(lvl) -> tuple[str, int, str]:
    def val(tag: str, default: str) -> str:
        el = lvl.find(_W + tag)
        return el.get(_W + "val", default) if el is not None else default

    return val("numFmt", "decimal"), int(val("start", "1") or 1), val("lvlText", "")


def _outline(ppr) -> int | None:
    """w:outlineLvl (0 is a level-1 heading; 9 is body text), or None when not set."""
    el = ppr.find(_W + "outlineLvl") if ppr is not None else None
    try:
        return int(el.get(_W + "val")) if el is not None else None
    except (TypeError, ValueError):
        return None


def _num_pr(ppr) -> tuple[str | None, int | None]:
    if ppr is None:
        return None, None
    num_pr = ppr.find(_W + "numPr")
    if num_pr is None:
        return None, None
    num_id = num_pr.find(_W + "numId")
    ilvl = num_pr.find(_W + "ilvl")
    nid = num_id.get(_W + "val") if num_id is not None else None
    return (None if nid in (None, "0") else nid), (int(ilvl.get(_W + "val", "0")) if ilvl is not None else None)
