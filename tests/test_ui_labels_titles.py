"""Issue 27, names: a book's title as its cover prints it — wrapped lines joined, publisher and
date lines left out, a translation below it not part of it — the same from txt, md, docx and
html; and one label writer that never repeats the year. Front matters written here."""

from __future__ import annotations

import io
import re
from html import escape
from pathlib import Path

import pytest
from conftest import CORPUS, needs_corpus

from caseatlas.readers import read_bytes, read_document
from caseatlas.segment import segment
from caseatlas.segment.cases import is_org_like
from caseatlas.text.labels import case_count, collection_label

FOREWORD = [
    "前言",
    "",
    "本案例集收录了湖滨地区十二家单位在节能、可再生能源与低碳交通方面的实践，每个案例都由专家评审后入选，供同行参考借鉴。",
    "",
]

# (cover lines, blank lines between them kept; the title a reader names the book by)
SHAPES = {
    "wrapped": (
        ["2031 城市低碳行动", "案例集", "", "", "湖滨绿色发展研究会", "", "2031 年 6 月"],
        "2031城市低碳行动案例集",
    ),
    "publisher_first": (
        ["湖滨绿色发展研究会", "", "", "乡村零碳实践案例汇编", "", "", "2030 年 12 月"],
        "乡村零碳实践案例汇编",
    ),
    "publisher_label_after": (
        ["“零碳”之路：园区转型案例（2029）", "", "编写单位：湖滨绿色发展研究会"],
        "“零碳”之路：园区转型案例（2029）",
    ),
    "organizer_label_first": (
        ["联合发起单位", "湖滨绿色发展研究会", "", "", "港口绿色转型", "实践案例集", "", "", "2028 年 4 月"],
        "港口绿色转型实践案例集",
    ),
    "bilingual": (
        ["城市低碳行动案例集 2027", "Urban Low-Carbon Action Cases 2027", "", "湖滨绿色发展研究会"],
        "城市低碳行动案例集2027",
    ),
}
ENGLISH = (
    ["Low-Carbon Harbours", "A Casebook 2028", "", "", "Lakemouth Climate Foundation"],
    "Low-Carbon Harbours A Casebook 2028",
)


def _squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def _as(fmt: str, lines: list[str]) -> bytes:
    """The same front matter in one format: txt and md as lines, html one <p> a line, docx one
    paragraph a line (a blank line an empty paragraph)."""
    if fmt in ("txt", "md"):
        return "\n".join(lines).encode("utf-8")
    if fmt == "html":
        body = "".join(f"<p>{escape(x)}</p>" for x in lines if x)
        return f"<html><head><meta charset='utf-8'></head><body>{body}</body></html>".encode()
    import docx

    document = docx.Document()
    for x in lines:
        document.add_paragraph(x)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _title(fmt: str, lines: list[str]) -> tuple[str, int | None, str | None]:
    meta = segment(read_bytes(f"book.{fmt}", _as(fmt, lines), source=f"test:book.{fmt}")).meta
    return meta.title, meta.year, meta.publisher


@pytest.mark.parametrize("shape", sorted(SHAPES))
@pytest.mark.parametrize("fmt", ["txt", "md", "docx", "html"])
def test_cover_title_as_printed_in_every_format(shape, fmt):
    cover, expected = SHAPES[shape]
    title, year, _ = _title(fmt, [*cover, "", "", *FOREWORD])
    assert _squash(title) == expected
    assert "研究会" not in title  # the publisher line is not part of the title
    assert year is not None


@pytest.mark.parametrize("fmt", ["txt", "md", "docx", "html"])
def test_english_cover_title_wrapped_over_two_lines(fmt):
    cover, expected = ENGLISH
    foreword = [
        "Foreword",
        "",
        "This casebook collects twelve harbour projects that cut emissions, reviewed by a panel.",
    ]
    title, year, _ = _title(fmt, [*cover, "", "", *foreword])
    assert title == expected and year == 2028


def test_a_heading_title_in_markdown_and_html_reads_the_same():
    md = segment(read_bytes("b.md", "# 2031 城市低碳行动案例集\n\n湖滨绿色发展研究会\n".encode(), "t")).meta.title
    html = "<h1>2031 城市低碳行动案例集</h1><p>湖滨绿色发展研究会</p>".encode()
    assert md == segment(read_bytes("b.html", html, "t")).meta.title == "2031 城市低碳行动案例集"


def test_no_title_printed_names_the_programme_not_its_secretariat():
    lines = [
        "编者按",
        "",
        "过去一年，湖滨地区的企业在节能减排方面做了大量工作。本年度的案例集收录了十个案例，涵盖能源、交通、建筑等领域。",
        "",
        "湖滨低碳行动（HLA）秘书处",
        "",
        "2031 年 3 月",
    ]
    title, year, publisher = _title("txt", lines)
    assert publisher == "湖滨低碳行动（HLA）秘书处"
    assert title == "湖滨低碳行动（HLA）案例集" and year == 2031
    assert "秘书处" not in title


@pytest.mark.parametrize(
    "title,year,zh,en",
    [
        ("2031 城市低碳行动 案例集", 2031, "2031 城市低碳行动 案例集", "2031 城市低碳行动 案例集"),
        ("城市低碳行动案例集", 2031, "城市低碳行动案例集（2031）", "城市低碳行动案例集 (2031)"),
        ("“零碳”之路（2029）", 2030, "“零碳”之路（2029）", "“零碳”之路（2029）"),  # the title's own year stands
        ("Harbour Cases", None, "Harbour Cases", "Harbour Cases"),
        ("城市  低碳", 2031, "城市 低碳（2031）", "城市 低碳 (2031)"),
    ],
)
def test_collection_label_never_repeats_the_year(title, year, zh, en):
    assert collection_label(title, year) == zh and collection_label(title, year, "en") == en
    for label in (collection_label(title, year), collection_label(title, year, "en")):
        assert len(re.findall(r"(?<!\d)(?:19|20)\d{2}(?!\d)", label)) <= 1


def test_case_count_reads_with_its_unit():
    assert case_count(12) == "12 个案例" and case_count(12, "en") == "12 cases" and case_count(1, "en") == "1 case"


@needs_corpus
def test_corpus_titles_are_printed_words_without_the_publisher():
    for path in sorted(Path(CORPUS).glob("0*.txt")):
        meta = segment(read_document(path)).meta
        text = path.read_text(encoding="utf-8")
        head = _squash("\n".join(text.splitlines()[:60]))
        title = _squash(meta.title)
        assert title and not title.startswith(Path(path).stem[:3])  # never the file name
        for name in (meta.publisher or "").split("；"):
            assert not name or _squash(name) not in title  # no publisher line glued to it
        assert not is_org_like(meta.title)
        if title not in head:
            # no cover in the dump: a phrase the book prints (its running header, or its
            # programme's name in a signature) and the genre word it calls itself by
            genre = re.search(r"(案例集|案例汇编|手册|报告)$", title)
            assert genre and re.search(rf"本[^。]{{0,4}}{genre.group(1)}", text)
            assert title[: -len(genre.group(1))] in _squash(text)
        if meta.year:
            assert str(meta.year) in text
