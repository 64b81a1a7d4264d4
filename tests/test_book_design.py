"""The published book as a designer sets it (issue 25): a cover with the title, subtitle, year,
organizers' logos and a CSS motif; the 编委会 page; chapter openers on right-hand pages; each
case opening with an at-a-glance box whose figures read back as the values printed; the 专家点评
set apart (never printed twice); photos with numbered captions; indexes of organizations and
regions; the English text of a bilingual edition; a tagged PDF (PDF/UA-1). The test book is a
corpus book ingested into a temporary library, its new fields (logos, photos, committee, the
expert's name, English texts) filled here with generated images — no corpus text in the repo."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from conftest import CORPUS, needs_corpus

from caseatlas.publish import edition as E
from caseatlas.publish import render
from caseatlas.services import Context, library, publishing, system_actor
from caseatlas.store import open_engine

BOOK = "000_3717a3b3a4f37818"  # chapters, foreword, panel, a 专家点评 closing every case


def _png(w: int, h: int, color: tuple[int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGB", (w, h), color)
    draw = ImageDraw.Draw(im)
    for x in range(0, w, 40):
        draw.line([(x, h), (x + h // 2, 0)], fill=(255, 255, 255), width=3)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def _logo(color: tuple[int, int, int, int]) -> bytes:
    from PIL import Image, ImageDraw

    im = Image.new("RGBA", (360, 120), (0, 0, 0, 0))
    draw = ImageDraw.Draw(im)
    draw.ellipse((10, 10, 110, 110), fill=color)
    draw.rectangle((130, 40, 350, 80), fill=color)
    buf = io.BytesIO()
    im.save(buf, "PNG")
    return buf.getvalue()


def designed(ed: E.Edition, bilingual: bool = False) -> E.Edition:
    """The fields the programme fills (services/publishing.py), filled by hand."""
    ed.subtitle = "减污降碳协同增效实践"
    ed.organizers = ["某气候行动促进中心", "某可持续发展研究院"]
    ed.supporters = ["某基金会"]
    ed.logos = [
        E.Image(_logo((14, 77, 60, 255)), "image/png", alt="促进中心标志"),
        E.Image(_logo((200, 150, 46, 255)), "image/png", alt="研究院标志"),
    ]
    ed.committee = [
        E.CommitteeMember("张明", "主任", "某大学"),
        E.CommitteeMember("李华", "副主任", "某研究院"),
        E.CommitteeMember("王芳", "委员", "某中心"),
        E.CommitteeMember("赵强", "委员"),
    ]
    for k, c in enumerate(ed.cases):
        c.photos = [
            E.Image(_png(900, 520, (40 + 30 * (k % 5), 110, 90)), "image/png", caption="项目现场", credit="申报单位"),
            E.Image(_png(600, 600, (90, 60 + 20 * (k % 4), 40)), "image/png", caption="设备细节", alt="设备特写照片"),
        ][: 1 + k % 2]
        if c.comment:
            c.comment_by = "张明"
    if bilingual:
        ed.bilingual = True
        for c in ed.cases[:3]:
            c.english = E.EnglishCase(
                f"Case {c.number} in English",
                [
                    E.EditionSection(
                        "Overview", [E.Block("p", f"English text of case {c.number}, read after the Chinese.")]
                    )
                ],
            )
        ed.english = {"title": "Corporate Climate Action Cases", "summary": ["An English summary of the book."]}
    return ed


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    ctx = Context(open_engine(tmp_path_factory.mktemp("design") / "library.db"), system_actor())
    library.ingest_paths(ctx, [CORPUS / f"{BOOK}.txt"])
    return ctx


@pytest.fixture(scope="module")
def book(lib, tmp_path_factory):
    """The designed book as a PDF and as the HTML edition's one-page book."""
    ed = designed(publishing.build_edition(lib, BOOK))
    out = tmp_path_factory.mktemp("designed")
    info = render.write_pdf(ed, out / f"{BOOK}.pdf")
    render.write_html(ed, out / "html")
    return ed, out / f"{BOOK}.pdf", (out / "html" / f"{BOOK}.html").read_text(encoding="utf-8"), info


def _pages(pdf: Path) -> list[str]:
    import pymupdf

    with pymupdf.open(pdf) as doc:
        return [p.get_text() for p in doc]


def _case_pages(pdf: Path, pages: list[str], ed: E.Edition) -> dict[int, str]:
    """Each case's text: from its bookmark's page to the page before the next case, chapter
    opener or the index."""
    import pymupdf

    with pymupdf.open(pdf) as doc:
        marks = [(level, p) for level, _, p in doc.get_toc()]
    starts = [p for level, p in marks if level == 2]
    out = {}
    for c, a in zip(ed.cases, starts, strict=True):
        b = min(p for level, p in marks if p > a)
        out[c.number] = "".join(pages[a - 1 : b - 1])
    return out


def _top(page, text: str) -> float:
    """Where on the page the first line holding `text` starts (y of its top)."""
    squash = text.replace(" ", "")
    for block in page.get_text("dict")["blocks"]:
        for line in block.get("lines", []):
            if squash in "".join(s["text"] for s in line["spans"]).replace(" ", ""):
                return line["bbox"][1]
    raise AssertionError(f"{text!r} is not on page {page.number + 1}")


# --- the edition's new parts, built from the stored records -----------------------------------


@needs_corpus
def test_comment_is_set_apart_and_the_box_is_filled(lib):
    ed = publishing.build_edition(lib, BOOK)
    assert all(c.comment for c in ed.cases), "book 000 closes every case with a 专家点评"
    for c in ed.cases:
        assert E.COMMENT_HEADING not in [s.heading for s in c.sections]
        assert 3 <= len(c.key_figures) <= 5 or len(c.key_figures) == len({f.kind for f in c.key_figures})
        assert len({f.kind for f in c.key_figures}) == len(c.key_figures)  # one per kind
    assert sum(1 for c in ed.cases if c.region) >= 20  # derived from the stored region facts
    assert any(len(c.key_figures) >= 3 for c in ed.cases)


def test_key_figures_achieved_first_one_per_kind_by_priority():
    o = [
        {"kind": "revenue", "value": 9e9, "unit": "CNY", "period": "annual", "status": "achieved"},
        {"kind": "co2e_reduction", "value": 100, "unit": "tCO2e", "period": "annual", "status": "achieved"},
        {"kind": "co2e_reduction", "value": 500, "unit": "tCO2e", "period": "annual", "status": "target"},
        {"kind": "co2e_reduction", "value": 300, "unit": "tCO2e", "period": "cumulative", "status": "achieved"},
        {"kind": "co2e_reduction", "value": 9e6, "unit": "tCO2e", "period": "annual", "scope": "sector"},
        {"kind": "energy_saving", "value": 2e4, "unit": "tce", "period": "annual", "status": "target"},
        {"kind": "investment_or_finance", "value": 5.6e10, "unit": "CNY", "period": "cumulative"},
        {"kind": "area", "value": 1e4, "unit": "m2", "period": "unspecified"},
        {"kind": "users_or_participants", "value": 1.2e4, "unit": "persons", "period": "cumulative"},
        {"kind": "other", "value": 7, "unit": "", "period": "unspecified"},
    ]
    figs = E.key_figures(o)
    # Five: the achieved kinds first (an achieved figure outranks a target), the target last.
    assert [f.kind for f in figs] == [
        "co2e_reduction",
        "investment_or_finance",
        "revenue",
        "users_or_participants",
        "area",
    ]
    assert figs[0].value == "累计300吨二氧化碳当量"  # the achieved project figure, not the sector's
    assert [(f.label, f.value) for f in figs[1:2]] == [("投融资", "累计560亿元")]
    assert E.key_figures(o[1:3] + o[5:6]) == [
        E.KeyFigure("co2e_reduction", "减排量", "每年100吨二氧化碳当量"),
        E.KeyFigure("energy_saving", "节能量", "每年节约20,000吨标准煤（目标）"),
    ]
    assert E.region_of([{"kind": "region", "value": "浙江省", "detail": "杭州市"}]) == "浙江省杭州市"
    assert E.region_of([{"kind": "region", "value": "北京市", "detail": "北京市"}]) == "北京市"
    assert E.region_of([{"kind": "region", "value": "全国", "detail": "national"}]) == "全国"
    assert E.region_of([{"kind": "sector", "value": "能源"}]) is None


@pytest.mark.parametrize("form", ["print", "screen"])
def test_every_box_line_reads_back_as_its_figure(form):
    """Every kind the box shows, in each unit it is stored in, with each period and status: the
    line printed (print: "● 减排量 每年…"; screen, a table row: "● 减排量：<tab>每年…") is read by the
    extractor as that kind, value, unit, period and status."""
    import itertools

    from caseatlas.extract import extract_case
    from caseatlas.models import Line
    from caseatlas.readers.normalize import normalize
    from caseatlas.text.numbers import displayed_value
    from caseatlas.vocab import GLANCE_FIELDS, KIND_UNITS, STOCK_KINDS

    units = {k: [u] for k, u in KIND_UNITS.items()}
    units["energy_saving"].append("kWh")
    units["storage_capacity"].append("kWh")
    units["investment_or_finance"].append("USD")
    periods, statuses = ("annual", "cumulative", "unspecified"), ("achieved", "target", "projection", "hypothetical")
    wrong = []
    for kind, period, status, value in itertools.product(GLANCE_FIELDS, periods, statuses, (12345.678, 5.6e10)):
        if kind in STOCK_KINDS and period == "annual":
            continue
        for unit in units[kind]:
            o = {"kind": kind, "value": value, "unit": unit, "period": period, "status": status}
            [f] = E.key_figures([o])
            line = f"● {f.label} {f.value}" if form == "print" else f"● {f.label}：\t{f.value}"
            lines = [Line(no=1, raw="案例概述", text="案例概述"), Line(no=2, raw=line, text=normalize(line))]
            got = [(x.kind, x.value, x.unit, x.period, x.status) for x in extract_case(lines, "t", None, None).outcomes]
            if got != [(kind, displayed_value(value), unit, period, status)]:
                wrong.append((line, got))
    assert wrong == []


def test_only_a_closing_comment_is_set_apart():
    para = [E.Block("p", "点评的文字。")]
    last = E.EditionCase(
        1, "x:1", "t", None, None, [E.EditionSection("概述", para), E.EditionSection("专家点评", para)], [], ""
    )
    E.set_comment_apart(last)
    assert last.comment == ["点评的文字。"] and [s.heading for s in last.sections] == ["概述"]
    middle = E.EditionCase(
        2, "x:2", "t", None, None, [E.EditionSection("专家点评", para), E.EditionSection("成效", para)], [], ""
    )
    E.set_comment_apart(middle)  # printed where the book has it: the order of sections is kept
    assert middle.comment == [] and [s.heading for s in middle.sections] == ["专家点评", "成效"]


# --- the PDF ------------------------------------------------------------------------------------


@needs_corpus
def test_cover_committee_and_chapter_openers_in_print(book):
    import pymupdf

    ed, pdf, _, info = book
    pages = _pages(pdf)
    cover = pages[0].splitlines()
    assert cover[0] == ed.title  # the first text: what a reader of the PDF takes as the title
    assert cover[1:3] == ["减污降碳协同增效实践", "2022 年"]
    assert "主办单位：某气候行动促进中心、某可持续发展研究院" in pages[0] and "支持单位：某基金会" in pages[0]
    with pymupdf.open(pdf) as doc:
        assert len(doc[0].get_image_info()) == 2  # the two logos
        toc = {t: p for _, t, p in doc.get_toc()}
    committee = pages[toc["编委会"] - 1]
    for name, affiliation in (("张明", "某大学"), ("李华", "某研究院"), ("王芳", "某中心")):
        assert f"{name}\u3000{affiliation}" in committee
    assert "赵强" in committee and committee.index("主任") < committee.index("副主任") < committee.index("委员")
    # Each chapter opens on a right-hand (odd) page with its number, name, case count and titles.
    for ch in ed.chapters:
        page = toc[f"第{render.cn_number(ch.number)}章\u3000{ch.name}"]
        assert page % 2 == 1, (ch.name, page)
        text = pages[page - 1]
        assert text.startswith(f"第{render.cn_number(ch.number)}章") and ch.name in text.replace("\n", "")
        assert f"本章收录案例 {len(ch.cases)} 个。" in text
        assert all(c.title in text.replace("\n", "") for c in ch.cases)
    assert info["pages"] == len(pages)


@needs_corpus
def test_each_case_opens_with_its_box_photos_and_comment_once(book):
    import pymupdf

    ed, pdf, _, _ = book
    pages = _pages(pdf)
    texts = _case_pages(pdf, pages, ed)
    with pymupdf.open(pdf) as doc:
        first_pages = [p for level, _, p in doc.get_toc() if level == 2]  # each case's bookmark
        for c, first in zip(ed.cases, first_pages, strict=True):
            text = re.sub(r"[\s\u3000]+", "", texts[c.number])
            if c.region:
                assert f"地区{c.region}" in text, c.title
            for f in c.key_figures:
                assert f"●{f.label}{f.value}".replace(" ", "") in text, (c.title, f)
            for k, im in enumerate(c.photos, start=1):
                assert f"图{c.number}-{k}{im.caption}" in text
            if c.photos[0].credit:
                assert f"图片来源：{c.photos[0].credit}" in text
            assert text.count(E.COMMENT_HEADING) == 1, c.title  # set apart, never printed twice
            assert re.sub(r"\s+", "", c.comment[0])[:12] in text and "点评专家：张明" in text
            # The box opens the case: on its first page, under the title block, above the first heading.
            page = doc[first - 1]
            if c.key_figures:
                title, figure, heading = (
                    _top(page, t) for t in (c.title[:8], c.key_figures[0].value, c.sections[0].heading)
                )
                assert title < figure < heading, c.title


@needs_corpus
def test_box_figures_read_back_as_printed(book, lib):
    """The write/read-back contract: each line the box prints — in the PDF as a reader of it gets
    the line, on screen as the HTML reader gets the table row — is read by the extractor as the
    figure it shows: kind, value (as the one writer rounds it), unit, period and status."""
    from caseatlas.extract import extract_case
    from caseatlas.models import Line
    from caseatlas.readers import read_document
    from caseatlas.readers.html import read_html
    from caseatlas.readers.normalize import normalize
    from caseatlas.store import library as lib_store
    from caseatlas.text.numbers import displayed_value

    ed, pdf, html, _ = book
    pdf_lines = {re.sub(r"\s+", "", ln.text): ln.text for ln in read_document(pdf).lines}  # as read, by their ink
    html_lines = set(read_html(html, "book.html"))

    def read(raw: str) -> list[tuple]:
        lines = [Line(no=1, raw="案例概述", text="案例概述"), Line(no=2, raw=raw, text=normalize(raw))]
        return [(x.kind, x.value, x.unit, x.period, x.status) for x in extract_case(lines, "标题", None, None).outcomes]

    with lib.engine.connect() as conn:
        stored = {
            c["title"]: c["outcomes"] for c in lib_store.iter_cases(conn, lib_store.find_collection(conn, BOOK)["id"])
        }
    checked = 0
    for c in ed.cases:
        for f in c.key_figures:
            o = next(o for o in stored[c.title] if o["kind"] == f.kind and E.glance_value(o) == f.value)
            want = [(o["kind"], displayed_value(o["value"]), o["unit"], o["period"], o["status"] or "achieved")]
            printed = re.sub(r"\s+", "", f"● {f.label} {f.value}")
            assert printed in pdf_lines, printed
            assert read(pdf_lines[printed]) == want, pdf_lines[printed]
            row = f"● {f.label}：\t{f.value}"
            assert row in html_lines, row
            assert read(row) == want, row
            checked += 1
    assert checked >= 40


@needs_corpus
def test_indexes_list_every_organization_and_region_with_pages(book):
    ed, pdf, html, _ = book
    pages = _pages(pdf)
    start = next(i for i, t in enumerate(pages) if t.startswith("索引"))
    index = "".join(pages[start:]).replace("\n", "")
    orgs = {o.strip() for c in ed.cases for o in re.split(r"[；;]", c.organization or "") if o.strip()}
    regions = {c.region for c in ed.cases if c.region}
    assert orgs and regions
    for name in orgs | regions:
        assert name in index, name
    # Each entry points at its cases: number and (in print) page.
    first = ed.cases[0]
    page = next(i for i, t in enumerate(pages) if t.startswith(first.title[:10])) + 1
    assert re.search(rf"{re.escape(first.organization)}\s*{first.number}（{page}）", index)
    # Pinyin order: 北京 before 浙江.
    names = [e.name for g in E.region_index(ed) for e in g.entries]
    assert names == sorted(names, key=E.index_key)
    for name in orgs | regions:
        assert f'<span class="index-name">{name}</span>' in html


@needs_corpus
def test_pdf_is_tagged_pdf_ua(book):
    import pymupdf

    ed, pdf, _, _ = book
    with pymupdf.open(pdf) as doc:
        cat = doc.pdf_catalog()
        assert doc.xref_get_key(cat, "MarkInfo/Marked") == ("bool", "true")
        assert doc.xref_get_key(cat, "StructTreeRoot")[0] == "xref"
        assert doc.xref_get_key(cat, "Lang") == ("string", "zh-CN")
        assert doc.metadata["title"] == ed.title
        xmp = doc.get_xml_metadata()
        assert "pdfuaid:part" in xmp
        figures = alts = 0
        for xref in range(1, doc.xref_length()):
            if doc.xref_get_key(xref, "S") == ("name", "/Figure"):
                figures += 1
                alts += doc.xref_get_key(xref, "Alt")[0] == "string"
    images = 2 + sum(len(c.photos) for c in ed.cases)
    assert figures >= images and alts >= images


# --- the HTML edition -------------------------------------------------------------------------


@needs_corpus
def test_html_edition_has_the_same_design(book):
    from bs4 import BeautifulSoup

    ed, _, html, _ = book
    soup = BeautifulSoup(html, "lxml")
    cover = soup.select_one("section.cover")
    assert cover.h1.get_text() == ed.title and cover.select_one(".cover-subtitle").get_text() == ed.subtitle
    logos = cover.select(".cover-logos img")
    assert [i["alt"] for i in logos] == ["促进中心标志", "研究院标志"]
    assert all(i["src"].startswith("data:image/png;base64,") for i in logos)
    assert [dt.get_text() for dt in soup.select(".committee-role dt")] == ["主任", "副主任", "委员"]
    assert len(soup.select(".chapter-opener")) == len([ch for ch in ed.chapters if ch.name])
    for c in ed.cases:
        art = soup.select_one(f"#{c.anchor}")
        box = art.select_one("aside.glance").get_text("|", strip=True)
        for f in c.key_figures:
            assert f"{f.label}：|{f.value}" in box
        figs = art.select("figure.photo")
        assert [f.figcaption.select_one(".fig-no").get_text() for f in figs] == [
            f"图{c.number}-{k}" for k in range(1, len(c.photos) + 1)
        ]
        assert all(f.img["alt"] and f.img["src"].startswith("data:") for f in figs)
        assert [h.get_text() for h in art.find_all(["h3"])].count(E.COMMENT_HEADING) == 1
        assert art.select_one("aside.comment .comment-by").get_text() == "点评专家：张明"
    assert "<script" not in html
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)


# --- bilingual ------------------------------------------------------------------------------------


@needs_corpus
def test_bilingual_edition_prints_the_english_after_the_chinese(lib, tmp_path):
    from bs4 import BeautifulSoup

    ed = designed(publishing.build_edition(lib, BOOK), bilingual=True)
    html = render.book_html(ed, for_print=False)
    soup = BeautifulSoup(html, "lxml")
    english = soup.select("article.case section.case-english")
    assert [s.h3.get_text() for s in english] == [f"Case {n} in English" for n in (1, 2, 3)]
    assert all(s["lang"] == "en" for s in english)
    first = soup.select_one("#case-1")
    assert first.get_text().index("Case 1 in English") > first.get_text().index(ed.cases[0].sections[-1].heading)
    assert soup.select_one("#english h1").get_text() == "About this edition"
    ed.bilingual = False  # English texts are printed only in a bilingual edition
    assert "Case 1 in English" not in render.book_html(ed, for_print=False)
    ed.bilingual = True
    ed.chapters = ed.chapters[:1]  # a short book for the PDF
    render.write_pdf(ed, tmp_path / "bi.pdf")
    text = "".join(_pages(tmp_path / "bi.pdf"))
    assert "About this edition" in text and "English text of case 1, read after the Chinese." in text
    assert text.index("English text of case 1") > text.index(ed.cases[0].title)
