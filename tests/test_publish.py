"""Publishing a collection as a book (issue 10): a print PDF through WeasyPrint and a static
HTML edition, checked as a reader would check them — fonts embedded and Simplified Chinese,
no missing glyph, nothing outside its box (pages rendered to PNG with pdftoppm), contents
page numbers that point at the right page, bookmarks, metadata, running headers — and read
back by CaseAtlas itself: the five corpus books republished and ingested again give the same
cases, titles, organizations, chapters and core outcomes. Page images go to artifacts/pages/."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from conftest import BOOK_CASES, CORPUS, ROOT, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st

from caseatlas.errors import CaseAtlasError, Forbidden, LoginRequired, NotFound
from caseatlas.programme.services import calls, finals, reviews, selection, submissions
from caseatlas.publish import edition as E
from caseatlas.publish import render
from caseatlas.services import Actor, Context, accounts, library, publishing
from caseatlas.vocab import KIND_UNITS

PAGES = ROOT / "artifacts" / "pages"
MM = 72 / 25.4  # points per millimetre
EDGE_MM = 6  # nothing may be printed this close to the paper's edge
RIGHT_MARGIN_MM = 20  # print.css @page margin (right); body text must stay inside it


def _tools():
    missing = [t for t in ("pdftoppm", "pdffonts", "pdfinfo", "fc-list") if shutil.which(t) is None]
    if missing:  # not optional: scripts/test.sh installs poppler-utils and fonts-noto-cjk
        pytest.fail(
            f"missing {', '.join(missing)} (run scripts/test.sh as root: poppler-utils, fonts-noto-cjk)", pytrace=False
        )


@pytest.fixture(scope="module")
def corpus_library(tmp_path_factory):
    from caseatlas.services import system_actor
    from caseatlas.store import open_engine

    db = tmp_path_factory.mktemp("pub") / "library.db"
    ctx = Context(open_engine(db), system_actor())
    library.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
    return ctx


@pytest.fixture(scope="module")
def book_pdf(corpus_library, tmp_path_factory):
    """Book 000 (chapters, TOC, panel, foreword) as a PDF."""
    _tools()
    out = tmp_path_factory.mktemp("pdf") / "000.pdf"
    info = publishing.publish(corpus_library, "000_3717a3b3a4f37818", "pdf", out)
    assert info.pages > 27 and out.stat().st_size == info.bytes
    return out


# --- checks of a PDF, each usable on any PDF ----------------------------------------------


def notdef_chars(pdf: Path) -> list[tuple[int, str]]:
    """(page, character) for every glyph drawn as .notdef (glyph id 0): a character no font had."""
    import pymupdf

    out = []
    with pymupdf.open(pdf) as doc:
        for no, page in enumerate(doc, start=1):
            for span in page.get_texttrace():
                out += [(no, chr(c[0]) if c[0] > 0 else "?") for c in span["chars"] if c[1] == 0 and c[0] != 32]
    return out


def fonts(pdf: Path) -> list[dict]:
    rows = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    out = []
    for row in rows:
        parts = row.split()
        # name type… encoding emb sub uni object ID: read the flags from the right
        out.append({"name": parts[0], "emb": parts[-5], "uni": parts[-3]})
    return out


def ink_near_edges(pdf: Path, tmp: Path, dpi: int = 40) -> list[int]:
    """Pages with any non-white pixel within EDGE_MM of the paper's edge."""
    from PIL import Image

    subprocess.run(["pdftoppm", "-r", str(dpi), "-gray", "-png", str(pdf), str(tmp / "p")], check=True)
    bad = []
    for png in sorted(tmp.glob("p-*.png")):
        im = Image.open(png).convert("L")
        w, h = im.size
        e = round(EDGE_MM / 25.4 * dpi)
        for box in ((0, 0, w, e), (0, h - e, w, h), (0, 0, e, h), (w - e, 0, w, h)):
            if im.crop(box).getextrema()[0] < 200:
                bad.append(int(png.stem.split("-")[1]))
                break
    return bad


def body_overflow(pdf: Path, min_size: float = 10.0) -> list[tuple[int, str]]:
    """Body text (type of at least `min_size`) that runs into the right margin."""
    import pymupdf

    out = []
    with pymupdf.open(pdf) as doc:
        for no, page in enumerate(doc, start=1):
            limit = page.rect.width - RIGHT_MARGIN_MM * MM + 2
            for block in page.get_text("dict")["blocks"]:
                for line in block.get("lines", []):
                    for span in line["spans"]:
                        if span["size"] >= min_size and span["text"].strip() and span["bbox"][2] > limit:
                            out.append((no, span["text"][:30]))
    return out


# --- the PDF -----------------------------------------------------------------------------


@needs_corpus
def test_pdf_fonts_embedded_simplified_chinese_no_missing_glyph(book_pdf):
    rows = fonts(book_pdf)
    assert rows and all(r["emb"] == "yes" and r["uni"] == "yes" for r in rows), rows
    # Only the SC families: a JP/KR face would draw the same code points with other forms.
    assert all(re.search(r"Noto-(Sans|Serif)-CJK-SC", r["name"]) for r in rows), [r["name"] for r in rows]
    assert notdef_chars(book_pdf) == []
    info = subprocess.run(["pdfinfo", str(book_pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"Title:\s+2022 企业气候行动 案例集", info) and "Author:" in info and "CaseAtlas" in info


def test_missing_glyph_detector_can_fail(tmp_path):
    # The check above would be empty for a broken renderer too, unless it can see a .notdef:
    # a private-use character no font has must be reported.
    _tools()
    ed = _tiny_edition("不可显示的字符：\U0010fffd。")
    out = tmp_path / "x.pdf"
    render.write_pdf(ed, out)
    assert [c for _, c in notdef_chars(out)] == ["\U0010fffd"]


@needs_corpus
def test_pdf_pages_stay_in_their_boxes(book_pdf, tmp_path):
    assert ink_near_edges(book_pdf, tmp_path) == []
    assert body_overflow(book_pdf) == []
    PAGES.mkdir(parents=True, exist_ok=True)
    for k, png in enumerate(sorted(tmp_path.glob("p-*.png"))[:12]):
        if k in (0, 1, 3, 6, 7, 9):  # cover, foreword, contents, chapter, first case, facts table
            shutil.copy(png, PAGES / f"book000-{png.name}")


def test_overflow_checks_can_fail(tmp_path):
    # Text drawn past the right margin and up to the paper's edge must be caught by both checks.
    import pymupdf

    _tools()
    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((100, 400), "溢出" * 30, fontname="china-s", fontsize=11)
    doc.save(tmp_path / "over.pdf")
    assert body_overflow(tmp_path / "over.pdf") and ink_near_edges(tmp_path / "over.pdf", tmp_path) == [1]


@needs_corpus
def test_pdf_contents_bookmarks_and_running_headers(book_pdf, corpus_library):
    import pymupdf

    from caseatlas.readers import read_document

    doc_lines = read_document(book_pdf).lines
    with pymupdf.open(book_pdf) as doc:
        outline = doc.get_toc()
        page_text = [p.get_text() for p in doc]
    cases = library.cases(corpus_library, "000_3717a3b3a4f37818")
    # Bookmarks: the front matter and the 8 chapters at level 1, every case at level 2.
    assert [t for lvl, t, _ in outline if lvl == 2] == [c.title for c in cases]
    assert sum(1 for lvl, t, _ in outline if lvl == 1 and t.startswith("第")) == 8
    # Contents: each entry's page number is the page its case starts on.
    entries = {}
    for ln in doc_lines:
        m = re.match(r"^(.*?)\.{4,}(\d+)$", ln.text)
        if m:
            entries[m.group(1).strip()] = int(m.group(2))
    for c in cases:
        page = entries[c.title]
        assert page_text[page - 1].lstrip().startswith(c.title[:8]), (c.title, page)
    # Running headers: on a case's later pages, the page's number with the case title (right
    # pages) or the book title (left pages), and never the page number alone.
    first = entries[cases[0].title]
    second = entries[cases[1].title]
    for p in range(first + 1, second):
        edge = [ln.text for ln in doc_lines if ln.page == p and ln.text.strip()]
        header = f"{cases[0].title} {p}" if p % 2 else f"{p} 2022 企业气候行动 案例集"
        assert any(t.replace("\u3000", " ").startswith(header) for t in edge[-3:]), (p, edge[-3:])


# --- round trip ----------------------------------------------------------------------------


@needs_corpus
@pytest.mark.parametrize("fmt", ["pdf", "html"])
@pytest.mark.parametrize("book", sorted(BOOK_CASES))
def test_corpus_book_reads_back_as_it_was(corpus_library, book, fmt):
    r = publishing.roundtrip(corpus_library, book, fmt)
    assert r.cases == BOOK_CASES[book]
    assert r.f1 == 1.0, r
    assert r.same_organization == r.same_chapter == r.same_sections == r.matched, r
    assert r.core_recall >= 0.98, r.missed
    assert all(r.meta.values()), r.meta


# --- the HTML edition ----------------------------------------------------------------------


def _sample_ctx(tmp_path, sample_file):
    from caseatlas.services import system_actor
    from caseatlas.store import open_engine

    ctx = Context(open_engine(tmp_path / "lib.db"), system_actor())
    library.ingest_file(ctx, sample_file)
    return ctx, library.collections(ctx)[0].slug


def test_html_edition_is_one_offline_folder_and_one_book(tmp_path, sample_file):
    ctx, slug = _sample_ctx(tmp_path, sample_file)
    out = tmp_path / "edition"
    info = publishing.publish(ctx, slug, "html", out)
    n = len(library.cases(ctx, slug))
    assert info.cases == n and (out / "index.html").is_file() and (out / f"{slug}.html").is_file()
    assert sorted(p.name for p in (out / "cases").iterdir()) == sorted(f"{i}.html" for i in range(1, n + 1))
    for f in out.rglob("*"):
        if f.suffix in (".html", ".css", ".js"):
            text = f.read_text(encoding="utf-8")
            assert not re.search(r"""(src|href)=["']?(https?:)?//""", text), f  # nothing from the network
            assert "url(http" not in text
    # Ingesting the folder reads it as one book (its one-page edition), not one per page.
    from caseatlas.store import open_engine

    fresh = Context(open_engine(tmp_path / "fresh.db"), ctx.actor)
    results = library.ingest_paths(fresh, [out])
    assert [r.status for r in results] == ["added"] and results[0].n_cases == n
    # Publishing again over the edition replaces it; over any other non-empty folder, refuses.
    assert publishing.publish(ctx, slug, "html", out).cases == n
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(CaseAtlasError, match="not a CaseAtlas edition"):
        publishing.publish(ctx, slug, "html", other)
    assert [p.name for p in other.iterdir()] == ["notes.txt"]


def test_html_edition_search_and_permalinks_in_chromium(tmp_path, sample_file):
    from test_e2e import CHROMIUM

    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)
    from playwright.sync_api import sync_playwright

    ctx, slug = _sample_ctx(tmp_path, sample_file)
    out = tmp_path / "edition"
    publishing.publish(ctx, slug, "html", out)
    cases = library.cases(ctx, slug)
    word = cases[1].title[:4]
    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        page = b.new_page()
        requests = []
        page.on("request", lambda r: requests.append(r.url))
        page.goto((out / "index.html").as_uri())
        page.fill("#search", word)
        page.wait_for_selector("#results li")
        titles = page.locator("#results li a").all_inner_texts()
        assert cases[1].title in titles
        assert "找到" in page.inner_text("#search-status")
        page.fill("#search", word + " 不存在的词语组合")
        page.wait_for_function("document.querySelectorAll('#results li').length === 0")
        assert "没有找到" in page.inner_text("#search-status")
        page.fill("#search", word)
        page.wait_for_selector("#results li")
        page.click(f"#results li a:text-is('{cases[1].title}')")
        page.wait_for_load_state()
        assert page.url.endswith("/cases/2.html") and page.inner_text("h2.case-title") == cases[1].title
        page.click("a:text('在全书中查看')")
        page.wait_for_load_state()
        assert page.url.endswith(f"{slug}.html#case-2")
        b.close()
    assert all(u.startswith("file://") for u in requests), [u for u in requests if not u.startswith("file://")]


# --- errors ---------------------------------------------------------------------------------


def test_bad_requests_are_one_line_errors_and_change_nothing(tmp_path, sample_file, monkeypatch):
    ctx, slug = _sample_ctx(tmp_path, sample_file)
    with pytest.raises(NotFound, match="no collection or programme 'nope'"):
        publishing.publish(ctx, "nope", "pdf", tmp_path / "x.pdf")
    with pytest.raises(CaseAtlasError, match="format 'epub'"):
        publishing.publish(ctx, slug, "epub", tmp_path / "x.epub")
    # No fonts: refused before rendering, with the package to install.
    monkeypatch.setattr(
        render.subprocess, "run", lambda *a, **k: subprocess.CompletedProcess(a, 0, stdout="DejaVu Sans\n", stderr="")
    )
    with pytest.raises(CaseAtlasError, match="fonts-noto-cjk"):
        publishing.publish(ctx, slug, "pdf", tmp_path / "x.pdf")
    monkeypatch.undo()
    # A render that fails half-way leaves no file behind (nor a partial one).
    import weasyprint

    def broken(self, target=None, **kw):
        Path(target).write_bytes(b"%PDF-1.7 half")
        raise RuntimeError("disk full")

    monkeypatch.setattr(weasyprint.document.Document, "write_pdf", broken)
    with pytest.raises(RuntimeError):
        publishing.publish(ctx, slug, "pdf", tmp_path / "x.pdf")
    assert not list(tmp_path.glob("x.pdf*"))


def test_publish_needs_the_publish_permission(tmp_path, sample_file):
    ctx, slug = _sample_ctx(tmp_path, sample_file)
    with pytest.raises(LoginRequired):
        publishing.publish(Context(ctx.engine), slug, "html", tmp_path / "e")
    accounts.add_user(ctx, "rev", "correct horse battery", "reviewer")
    with pytest.raises(Forbidden):
        publishing.publish(Context(ctx.engine, Actor("user", "rev", "reviewer", 1)), slug, "html", tmp_path / "e")
    assert not (tmp_path / "e").exists()


# --- a programme's book -------------------------------------------------------------------


def test_programme_selection_publishes_with_panel_quotas_and_comments(ctx, tmp_path):
    from test_programme import PASSWORD, _sections, as_user

    e = ctx.engine
    accounts.add_user(ctx, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = as_user(e, "org1")
    call = calls.create(
        org,
        "cteam",
        "2026 企业气候行动案例征集",
        2026,
        domains=["绿色制造", "能源转型"],
        organizers=["某促进中心"],
        supporters=["某基金会"],
        deadlines={"submission_deadline": "2099-01-01"},
        quotas={"绿色制造": 2},
    )
    calls.publish(org, call["id"])
    accounts.register(Context(e), "appa", PASSWORD, "甲能源科技有限公司", "a@example.org")
    calls.add_member(
        org, call["id"], "rev1", "reviewer", affiliation="某大学", password=PASSWORD, email="r@example.org"
    )
    a = as_user(e, "appa")
    ids = []
    for title, domain, text in (
        ("厂房屋顶分布式光伏", "绿色制造", "每年减少二氧化碳排放 960 吨"),
        ("园区储能与绿电交易", "能源转型", "累计节约标准煤 5000 吨"),
    ):
        s = submissions.create(a, call["id"], title, domain, _sections(call, text))
        submissions.submit(a, s["id"])
        ids.append(s["id"])
    calls.advance(org, call["id"])
    reviews.auto_assign(org, call["id"])
    rv = as_user(e, "rev1")
    for sid in ids:
        reviews.save_review(
            rv,
            sid,
            {c["key"]: 4 for c in call["criteria"]},
            confidence=4,
            expert_comment="示范性强，值得推广。",
            submit=True,
        )
    calls.advance(org, call["id"])
    selection.decide(org, call["id"], [{"submission": i, "decision": "accept"} for i in ids], preview=False)
    selection.set_final_comment(org, ids[0], "该项目以屋顶光伏替代外购电，减排路径清晰。")
    calls.advance(org, call["id"])
    with pytest.raises(CaseAtlasError, match="has not published its selection"):
        publishing.publish(org, f"call:{call['id']}", "html", tmp_path / "early")
    finals.approve_as_submitted(org, call["id"])  # no finals stage: as submitted
    selection.publish(org, call["id"])
    with pytest.raises(Forbidden):
        publishing.publish(a, f"call:{call['id']}", "html", tmp_path / "nope")

    ed = publishing.build_edition(org, f"call:{call['id']}")
    assert ed.organizers == ["某促进中心"] and ed.supporters == ["某基金会"]
    assert [(x.name, x.affiliation) for x in ed.experts] == [("rev1", "某大学")]
    assert [ch.name for ch in ed.chapters] == ["绿色制造", "能源转型"]
    assert any("名额 2 个" in n for n in ed.notes) and any(n.startswith("评审标准：") for n in ed.notes)
    first = ed.chapters[0].cases[0]
    headings = [s.heading for s in first.sections if s.heading]
    template = [h for h in call["template"] if h in headings]
    assert headings[: len(template)] == template, "sections in the call's template order"
    # The 专家点评 closing the case is set apart (issue 25: printed in its own box, never twice).
    assert "专家点评" not in headings
    assert first.comment == ["该项目以屋顶光伏替代外购电，减排路径清晰。"]

    out = tmp_path / "programme.pdf"
    info = publishing.publish(org, f"call:{call['id']}", "pdf", out)
    assert info.cases == 2 and notdef_chars(out) == []
    import pymupdf

    with pymupdf.open(out) as doc:
        text = "".join(p.get_text() for p in doc)
    for expected in (
        "主办单位：某促进中心",
        "支持单位：某基金会",
        "rev1（某大学）",
        "名额 2 个",
        "专家点评",
        "该项目以屋顶光伏替代外购电",
        "960 吨",
    ):
        assert expected in text.replace("\n", ""), expected
    # The web: the organizer downloads the book; the applicant may not.
    from fastapi.testclient import TestClient

    from caseatlas.web.app import create_app

    client = TestClient(create_app(ctx.engine.url.database))
    assert client.get(f"/api/v1/editions/call:{call['id']}?format=html").status_code == 401
    assert "/api/v1/editions/" not in client.get("/collections").text  # no publish link for readers
    r = client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD})
    assert r.status_code == 200
    assert 'class="publish-pdf"' in client.get("/collections").text
    assert 'id="book-pdf"' in client.get(f"/calls/{call['id']}").text
    r = client.get(f"/api/v1/editions/call:{call['id']}?format=html")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    names = zipfile.ZipFile(__import__("io").BytesIO(r.content)).namelist()
    assert any(n.endswith("/index.html") for n in names) and any(n.endswith("/cases/2.html") for n in names)


def _tiny_edition(text: str) -> E.Edition:
    case = E.EditionCase(
        number=1,
        case_id="x:1",
        title="测试案例",
        organization="某公司",
        chapter=None,
        sections=[E.EditionSection("案例概述", [E.Block("p", text)])],
        facts=[],
        source="《测试》第 1–2 行",
    )
    return E.Edition(
        title="测试书", year=2026, publisher="某中心", foreword=[], experts=[], chapters=[E.Chapter(0, None, [case])]
    )


# --- declared figures in a programme's book --------------------------------------------------

KINDS = sorted(KIND_UNITS)


@settings(max_examples=300, deadline=None)
@given(
    value=st.floats(1e-3, 1e13, allow_nan=False, allow_infinity=False),
    kind=st.sampled_from(KINDS),
    period=st.sampled_from(["annual", "cumulative", "unspecified"]),
    status=st.sampled_from(["achieved", "target", "projection", "hypothetical"]),
    lang=st.sampled_from(["zh", "en"]),
)
def test_printed_declared_figures_read_back_as_printed(value, kind, period, status, lang):
    """The line a programme's book prints for a declared outcome, and the facts table's value,
    are read by the extractor as the value printed (the one writer's rounding), in its unit;
    the declared line also as its kind, period and status."""
    from hypothesis import assume

    from caseatlas.extract import extract_case
    from caseatlas.models import Line
    from caseatlas.programme.services.selection import _declared_line
    from caseatlas.readers.normalize import normalize
    from caseatlas.text.numbers import displayed_value
    from caseatlas.vocab import KIND_UNITS, STOCK_KINDS

    assume(not (kind in STOCK_KINDS and period == "annual"))  # refused when declared (test_programme)
    o = {
        "kind": kind,
        "value": value,
        "unit": KIND_UNITS[kind],
        "period": period,
        "status": status,
        "quote": "q",
        "line": 1,
    }

    def read(raw: str) -> list[tuple]:
        lines = [Line(no=1, raw="申报的量化成果", text="申报的量化成果"), Line(no=2, raw=raw, text=normalize(raw))]
        return [(x.kind, x.value, x.unit, x.period, x.status) for x in extract_case(lines, "标题", None, None).outcomes]

    line = _declared_line(o)
    assert "e+" not in line and "e-" not in line
    assert read(line) == [(kind, displayed_value(value), KIND_UNITS[kind], period, status)], line
    row = E.fact_row(o, lang)
    assert any(x[1:3] == (displayed_value(value), KIND_UNITS[kind]) for x in read(f"1. {row.label} {row.value}")), row
    # The case's at-a-glance box (issue 25): a field line "减排量：每年5万吨二氧化碳当量" read back as
    # the figure it prints, with its kind, period and status.
    if lang == "zh":
        [fig] = E.key_figures([o], lang)
        box = f"{fig.label}：{fig.value}"
        assert "e+" not in box and "e-" not in box
        assert read(box) == [(kind, displayed_value(value), KIND_UNITS[kind], period, status)], box


def test_programme_book_prints_declared_figures_and_reads_them_back(ctx, tmp_path):
    from test_programme import PASSWORD, as_user, publish_declared

    accounts.add_user(ctx, "org1", PASSWORD, "organizer", email="org1@example.org")
    accounts.register(Context(ctx.engine), "appa", PASSWORD, "甲能源科技有限公司", "a@example.org")
    org = as_user(ctx.engine, "org1")
    declared = [
        {"kind": "investment_or_finance", "value": 5.6e10, "unit": "CNY", "period": "cumulative"},
        {"kind": "co2e_reduction", "value": 1.78e7, "unit": "tCO2e", "period": "annual"},
        {"kind": "energy_saving", "value": 1234.5678, "unit": "tce", "period": "annual", "status": "target"},
        {"kind": "renewable_capacity", "value": 13.26, "unit": "MW", "period": "unspecified"},
    ]
    call, ids = publish_declared(org, declared, "项目按计划建成投运。")
    key = f"call:{call['id']}"
    zh = publishing.publish(org, key, "html", tmp_path / "zh")
    en = publishing.publish(org, key, "html", tmp_path / "en", english=True)
    book_zh, book_en = (
        next(p for p in Path(x.path).glob("*.html") if p.name != "index.html").read_text(encoding="utf-8")
        for x in (zh, en)
    )
    assert "累计投融资560亿元。" in book_zh and ">560亿元（累计）<" in book_zh
    assert "1,780万吨二氧化碳当量" in book_zh and "（申报并确认）" in book_zh
    assert "56,000,000,000 CNY (cumulative)" in book_en and "17,800,000 tCO2e (annual)" in book_en
    assert "56,000,000,000 元" not in book_zh and "e+" not in book_zh
    for fmt in ("html", "pdf"):
        report = publishing.roundtrip(org, key, fmt)
        assert report.matched == 3, (fmt, report)
        assert report.core_recall == 1.0, (fmt, report.missed)
