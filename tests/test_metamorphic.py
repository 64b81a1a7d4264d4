"""Metamorphic tests: a book's cases and core outcomes do not depend on how it is laid out.

Every corpus book and every book under eval/ is read (a) as it is, then rewritten and read
again: (b) without blank lines, (c) every line stripped of leading/trailing whitespace, (d) as a
DOCX with one plain paragraph per line, (e) that DOCX with the case titles (as (a) found them)
in bold, (e') the titles in Word's Heading 2 and the section headings in Heading 3, (f) as HTML,
one escaped <p> per line. Each variant must give the same cases (by
title, whitespace-insensitive) and the same core outcomes (kind, unit, value, period) in each;
their organizations, chapters and section headings must not change either.
No annotations are needed: (a) is the reference.

The variants are built from the lines the reader gave for (a) (for a DOCX, HTML or PDF book:
its lines as read, Markdown heading marks included), so they say the same thing in another
form. What a variant cannot carry is left out of the comparison where it applies:
- a PDF's pages: the rewritten text has none, so page numbers are not compared (and running
  headers and footers, which the PDF reader finds by page, must be recognised by what they
  say, or left out of the cases' figures by the rules for text);
- line numbers: (b) and the HTML reader's block lines renumber them, so cases are compared by
  title, outcomes by what they state, not where.
"""

from __future__ import annotations

import html
import io
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import CORPUS, NARROW_TABLE, ROOT
from hypothesis import given, settings
from hypothesis import strategies as st

from caseatlas.extract import extract_book
from caseatlas.readers import read_document, read_upload
from caseatlas.segment import segment
from caseatlas.vocab import CORE_KINDS

BOOKS = sorted(CORPUS.glob("*.txt")) + sorted(p for p in (ROOT / "eval").glob("*/books/*") if p.is_file())
VARIANTS = ["no_blank_lines", "stripped", "docx_plain", "docx_bold_titles", "docx_heading_styles", "html"]

pytestmark = [pytest.mark.corpus]


def pipeline(document):
    book = segment(document)
    extract_book(book)
    return book


def _key(text: str) -> str:
    return re.sub(r"\s+", "", text)


def summary(book) -> dict[str, dict]:
    """{title without whitespace: its organization, chapter, section headings and Counter of core
    outcomes (kind, unit, value, period)}."""
    out: dict[str, dict] = {}
    for case in book.cases:
        core = Counter(
            (o.kind, o.unit, round(o.value, 6), o.period) for o in case.facts.outcomes if o.kind in CORE_KINDS
        )
        entry = out.setdefault(_key(case.title), {"core": Counter()})
        entry["core"].update(core)
        entry["organization"] = _key(case.organization or "")
        entry["chapter"] = _key(case.chapter or "")
        entry["sections"] = [_key(s.heading) for s in case.sections]
    return out


def _title_lines(document, book) -> set[int]:
    """The lines that print each case's title (a title may be wrapped over two lines)."""
    by_no = {line.no: line for line in document.lines}
    found: set[int] = set()
    for case in book.cases:
        title = _key(re.sub(r"[*#]", "", case.title))
        for no in range(case.start_line, min(case.start_line + 8, case.end_line + 1)):
            text = _key(re.sub(r"^#+|\*\*", "", by_no[no].text))
            text = re.sub(r"^[一二三四五六七八九十]+[、.．]", "", text)
            if len(text) >= 2 and text in title:
                found.add(no)
    return found


def _docx(lines: list[str], bold: set[int] = frozenset(), styled: dict[int, str] | None = None) -> bytes:
    """One Word paragraph per line, as python-docx writes them (its add_paragraph looks for
    the section properties each time: quadratic on a whole book, so paragraphs go in directly)."""
    import docx
    from docx.oxml import OxmlElement
    from docx.text.paragraph import Paragraph

    document = docx.Document()
    body = document.element.body
    end = body[-1]  # w:sectPr stays last
    for no, line in enumerate(lines, 1):
        p = OxmlElement("w:p")
        end.addprevious(p)
        para = Paragraph(p, document._body)
        if styled and no in styled:  # the text in a heading style instead of its Markdown '#'
            para.add_run(re.sub(r"^#+\s*", "", line).strip())
            para.style = document.styles[styled[no]]
            continue
        run = para.add_run(line)  # (tabs become <w:tab/>)
        if no in bold:
            run.bold = True
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _html(lines: list[str]) -> bytes:
    body = "\n".join(f"<p>{html.escape(line)}</p>" for line in lines)
    return f"<!DOCTYPE html><html><head><meta charset='utf-8'></head><body>\n{body}\n</body></html>".encode()


def variant(path: Path, document, book, name: str):
    raws = [line.raw for line in document.lines]
    suffix = path.suffix if path.suffix in (".txt", ".md") else ".txt"
    stem = path.stem
    if name == "no_blank_lines":
        kept = [r for r in raws if r.strip()]
        return read_upload(stem + suffix, "\n".join(kept).encode())
    if name == "stripped":
        return read_upload(stem + suffix, "\n".join(r.strip() for r in raws).encode())
    if name == "docx_plain":
        return read_upload(stem + ".docx", _docx(raws))
    if name == "docx_bold_titles":
        return read_upload(stem + ".docx", _docx(raws, _title_lines(document, book)))
    if name == "docx_heading_styles":
        styled = {no: "Heading 3" for case in book.cases for no in (s.start_line for s in case.sections)}
        styled.update({no: "Heading 2" for no in _title_lines(document, book)})
        return read_upload(stem + ".docx", _docx(raws, styled=styled))
    if name == "html":
        return read_upload(stem + ".html", _html(raws))
    raise ValueError(name)


_BASE: dict[Path, tuple] = {}


@pytest.fixture(scope="module")
def baseline():
    def get(path: Path):
        if path not in _BASE:
            document = read_document(path)
            book = pipeline(document)
            _BASE[path] = (document, book, summary(book))
        return _BASE[path]

    return get


@pytest.mark.skipif(not BOOKS, reason="no books")
@pytest.mark.parametrize("name", VARIANTS)
@pytest.mark.parametrize("path", BOOKS, ids=lambda p: p.stem)
def test_variant_reads_like_the_book(baseline, path, name):
    document, book, expected = baseline(path)
    assert book.cases, f"{path.name}: the book itself gives no case"
    got = summary(pipeline(variant(path, document, book, name)))
    assert list(got) == list(expected), "cases differ"
    for title, case in expected.items():
        missing, extra = case["core"] - got[title]["core"], got[title]["core"] - case["core"]
        assert not missing and not extra, f"{title}: missing {sorted(missing)}, extra {sorted(extra)}"
        for what in ("organization", "chapter", "sections"):
            assert got[title][what] == case[what], f"{title}: {what}"


# A blank line is layout: a table reads the same with or without blank lines between its lines
# (an HTML table has one after every row; a Markdown file may have none).
_TABLES = [
    [
        "各项目节能减排量",
        "项目\t节能量 (吨标准煤)\t减排量 (tCO2)",
        "甲项目\t400\t3,080",
        "乙项目\t100\t770",
        "合计\t500\t3,850",
    ],
    [
        "表 1 项目减排数据",
        "项目 年减排量（吨） 年节电量（万千瓦时）",
        "一期 5,240 920",
        "二期 3,100 735",
        "合计 8,340 1,655",
    ],
    NARROW_TABLE,
    [
        "减排成效：",
        "指标 单位 数值",
        "年节约标准煤 吨 46,800",
        "年减少二氧化碳 吨 121,000",
        "本项目年节电 1,200 万千瓦时。",
    ],
]


@settings(max_examples=60, deadline=None)
@given(st.sampled_from(_TABLES), st.data())
def test_a_table_reads_the_same_without_its_blank_lines(texts, data):
    from caseatlas.extract.tables import read
    from caseatlas.models import Line
    from caseatlas.readers.normalize import normalize

    blanks = data.draw(st.lists(st.integers(0, 3), min_size=len(texts), max_size=len(texts)))
    spaced: list[str] = []
    for text, n in zip(texts, blanks):
        spaced += [""] * n + [text]
    with_blanks = [Line(i + 1, t, normalize(t), 1 + i // 10) for i, t in enumerate(spaced)]
    without = [ln for ln in with_blanks if ln.text]
    assert read(with_blanks) == read(without)
    assert read(without), "each sample prints a table"
