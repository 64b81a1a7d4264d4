"""Segmentation on the reference corpus (all five books), the sample, and re-rendered books."""

from __future__ import annotations

import json
import re

import pytest
from conftest import BOOK_CASES, CORPUS, GOLD, needs_corpus
from render import render_docx, render_html, render_pdf

from caseatlas.readers import read_document
from caseatlas.segment import segment
from caseatlas.segment.toc import is_back_word, is_front_word
from caseatlas.services.evaluation import match_cases
from caseatlas.text.labels import collection_label


def _squash(s):
    # Middle-dot variants differ only in the glyph a PDF font has.
    return re.sub(r"\s+", "", s or "").replace("•", "·")


@pytest.fixture(scope="module")
def books():
    return {stem: segment(read_document(CORPUS / f"{stem}.txt")) for stem in BOOK_CASES} if CORPUS.is_dir() else {}


@needs_corpus
@pytest.mark.parametrize("stem", sorted(BOOK_CASES))
def test_every_book_has_its_printed_number_of_cases(books, stem):
    book = books[stem]
    assert len(book.cases) == BOOK_CASES[stem]
    for case in book.cases:
        assert case.title and not is_front_word(case.title) and not is_back_word(case.title)
        assert case.start_line < case.end_line
        assert case.sections, f"{case.title} has no sections"
        assert [s.start_line for s in case.sections] == sorted(s.start_line for s in case.sections)
        assert all(case.start_line <= s.start_line <= s.end_line <= case.end_line for s in case.sections)
    starts = [c.start_line for c in book.cases]
    assert starts == sorted(starts)
    assert all(a.end_line < b.start_line for a, b in zip(book.cases, book.cases[1:]))


@needs_corpus
@pytest.mark.parametrize("gold_file", sorted(GOLD.glob("*.json")) if GOLD.is_dir() else [])
def test_dev_books_match_annotations(books, gold_file):
    gold = json.loads(gold_file.read_text(encoding="utf-8"))
    pred = books[gold_file.stem].cases
    matches = match_cases(gold, pred)
    precision, recall = len(matches) / len(pred), len(matches) / len(gold)
    f1 = 2 * precision * recall / (precision + recall)
    titles = sum(_squash(gold[g]["title"]) == _squash(pred[p].title) for g, p in matches) / len(matches)
    assert f1 >= 0.98
    assert titles >= 0.95


@needs_corpus
def test_front_and_back_matter_are_not_cases(books):
    # 000 ends with acknowledgements and a disclaimer after the last expert comment.
    last = books["000_3717a3b3a4f37818"].cases[-1]
    lines = (CORPUS / "000_3717a3b3a4f37818.txt").read_text(encoding="utf-8").split("\n")
    assert not any(ln.strip().startswith(("致谢", "免责声明")) for ln in lines[last.start_line - 1 : last.end_line])
    # 004's appendix lists award winners under headings; none of them becomes a case.
    assert "附录" not in " ".join(c.title for c in books["004_c2b8c29d974026e1"].cases)
    for book in books.values():
        first = book.cases[0]
        assert first.start_line > 20  # covers, forewords and TOCs come first in every book


@needs_corpus
def test_collection_metadata(books):
    b0 = books["000_3717a3b3a4f37818"].meta
    assert b0.year == 2022 and "企业气候行动" in b0.title
    assert b0.publisher and "大道应对气候变化促进中心" in b0.publisher
    assert len(b0.experts) >= 5 and b0.foreword
    assert len(b0.chapters) == 8
    b3 = books["003_a660475df81c2423"]
    assert b3.meta.chapters == ["城市篇", "社区篇", "工业篇", "农业篇", "服务篇"]
    assert {c.chapter for c in b3.cases} == set(b3.meta.chapters)
    assert books["002_a4fd6ddde31361f7"].meta.year == 2021
    assert books["001_f02f5e06c1bf9f20"].meta.year == 2023  # from the running footer
    # Organizers printed under a label line of their own ("联合发起单位" then the names).
    assert "大道应对气候变化促进中心" in (books["001_f02f5e06c1bf9f20"].meta.publisher or "")
    # A dump without its cover is named by its publisher and year, not by its file name.
    b2 = books["002_a4fd6ddde31361f7"].meta
    # no cover printed: named after the programme its secretariat signs for, the year in its own
    # field and in the label (issue 27: not the secretariat's name glued to "案例集（2021）")
    assert b2.title != "002_a4fd6ddde31361f7" and "CBCA" in b2.title and "秘书处" not in b2.title
    assert "2021" in collection_label(b2.title, b2.year)


@needs_corpus
@pytest.mark.parametrize("stem", ["000_3717a3b3a4f37818", "003_a660475df81c2423", "004_c2b8c29d974026e1"])
@pytest.mark.parametrize("render", [render_pdf, render_docx, render_html], ids=["pdf", "docx", "html"])
def test_pdf_docx_and_html_renderings_find_the_same_cases(books, tmp_path, stem, render):
    lines = (CORPUS / f"{stem}.txt").read_text(encoding="utf-8").split("\n")
    path = render(lines, tmp_path / f"{stem}.{render.__name__.split('_')[1]}")
    rendered = segment(read_document(path))
    expected = books[stem].cases
    assert [_squash(c.title) for c in rendered.cases] == [_squash(c.title) for c in expected]
    assert [c.organization for c in rendered.cases] == [c.organization for c in expected]
    if path.suffix == ".pdf":
        assert all(c.page is not None for c in rendered.cases)
        assert rendered.cases[-1].page > rendered.cases[0].page


def test_sample_collection(sample_file):
    book = segment(read_document(sample_file))
    assert len(book.cases) == 8
    assert book.meta.title.startswith("青禾低碳实践案例汇编")
    assert book.meta.year == 2025 and book.meta.publisher == "青禾低碳发展研究会"
    assert book.meta.experts == ["王若溪", "刘东岳", "陈静宜"]
    assert book.meta.chapters == ["能源转型", "绿色制造", "城市与社区"]
    assert [c.chapter for c in book.cases] == ["能源转型"] * 3 + ["绿色制造"] * 3 + ["城市与社区"] * 2
    assert all(c.organization for c in book.cases)
    assert all(
        [s.heading for s in c.sections] == ["【案例背景】", "【主要做法】", "【减排成效】", "【专家点评】"]
        for c in book.cases
    )
    assert "名词解释" not in book.cases[-1].text  # the appendix is back matter


def test_org_before_title_layout_is_detected():
    """A book that prints the organization above the title, with no TOC, segments too."""
    from caseatlas.models import Document, Line
    from caseatlas.readers.normalize import normalize

    raw = ["编者按", "", "本书收录三个案例，均为示范文本，用于说明版式。这里是一段足够长的前言文字。", ""]
    for k, (org, title) in enumerate(
        [("甲乙科技有限公司", "屋顶光伏示范"), ("丙丁集团", "余热回收改造"), ("戊己银行", "绿色信贷实践")]
    ):
        raw += [
            org,
            title,
            "",
            "◎ 概况",
            f"这是第{k}个案例的概况，内容为示范用的正文。",
            "",
            "◎ 成效",
            "年减排二氧化碳 100 吨，成效明显。",
            "",
            "◎ 点评",
            "点评内容为示范文字，说明案例的意义。",
            "",
        ]
        raw += [f"第{k}段补充说明文字，用于拉开标题之间的距离，示范正文。" for _ in range(6)]
    doc = Document("t.txt", "t.txt", "txt", "0", [Line(i + 1, r, normalize(r)) for i, r in enumerate(raw)])
    book = segment(doc)
    assert [(c.organization, c.title) for c in book.cases] == [
        ("甲乙科技有限公司", "屋顶光伏示范"),
        ("丙丁集团", "余热回收改造"),
        ("戊己银行", "绿色信贷实践"),
    ]


def test_page_edge_headers_are_furniture_however_long():
    """A line at a page's edge that carries the page's printed number (plus a constant offset)
    is a running header, even with a long text; the same text elsewhere, or a number that is
    not the page's, is body text."""
    from caseatlas.models import Line
    from caseatlas.segment.lines import analyse

    title = "光伏减排、生态增汇、沙海生金、绿富同兴——亿利资源集团库布其沙漠光伏治沙实践"
    lines, n = [], 0
    for page in range(1, 6):
        for k in range(8):
            n += 1
            lines.append(Line(n, f"第 {page} 页第 {k} 行正文。", f"第 {page} 页第 {k} 行正文。", page))
        n += 1
        text = f"{title} {page + 2}" if page != 3 else f"减排量合计 {page + 40}"
        lines.append(Line(n, text, text, page))
    infos = analyse(lines)
    edges = [x for x in infos if x.body.startswith((title, "减排量合计"))]
    assert [x.noise for x in edges] == [True, True, False, True, True]
    assert not any(x.noise for x in infos if x.body.endswith("正文。"))


def test_wrapped_line_ends_are_not_headings():
    from caseatlas.models import Line
    from caseatlas.segment.cases import _is_heading_candidate
    from caseatlas.segment.lines import analyse

    infos = analyse([Line(1, "年）", "年）"), Line(2, "项目成果", "项目成果"), Line(3, "、交通", "、交通")])
    assert [_is_heading_candidate(x) for x in infos] == [False, True, False]


def test_toc_with_typeset_leaders():
    from caseatlas.models import Line
    from caseatlas.segment.lines import analyse
    from caseatlas.segment.toc import find_toc

    rows = [
        "目录",
        "前言" + "." * 90 + "2",
        "第一章 绿色制造" + "." * 80 + "7",
        "打造全球首家电池零碳工厂" + "." * 70 + "8",
        "云南文山绿色铝创新产业园" + "." * 70 + "11",
        "第二章 能源转型" + "." * 80 + "17",
        "协鑫智慧风光储一体化平台" + "." * 70 + "18",
    ]
    toc = find_toc(analyse([Line(i + 1, r, r) for i, r in enumerate(rows)]))
    assert toc is not None and toc.chapters == ["绿色制造", "能源转型"]
    assert [(e.text, e.page, e.chapter) for e in toc.cases] == [
        ("打造全球首家电池零碳工厂", "8", "绿色制造"),
        ("云南文山绿色铝创新产业园", "11", "绿色制造"),
        ("协鑫智慧风光储一体化平台", "18", "能源转型"),
    ]


def test_organizations_credited_per_chapter_in_the_preface():
    """A preface's credits list names each chapter's contributors; each goes to the one case
    of its chapter that mentions its name's start (or holds it in the title), else to none."""
    from caseatlas.models import Case, Line
    from caseatlas.segment.providers import credit_providers

    rows = [
        "前言",
        "各章案例提供单位及撰写人：",
        "第一章：甲市生态环境局：张三、李四。乙县发展和改革局：王五。丙县发展和改革局：赵六。",
        "第二章：丁能源科技有限公司：钱七。",
        "甲市坚持绿色发展，甲市全年减排。",
        "乙县推进光伏，乙县建成电站。",
        "两地合作，甲市与乙县共建。",
        "丁能源的储能项目",
        "项目运行良好。",
    ]
    lines = [Line(i + 1, r, r) for i, r in enumerate(rows)]

    def case(seq, start, end, title, chapter):
        return Case(seq, title, None, chapter, start, end, None)

    cases = [
        case(1, 5, 5, "甲市低碳案例", "城市篇"),
        case(2, 6, 6, "乙县零碳案例", "城市篇"),
        case(3, 7, 7, "两地协作案例", "城市篇"),
        case(4, 8, 9, "丁能源储能项目", "工业篇"),
    ]
    credit_providers(lines, cases)
    assert [c.organization for c in cases] == ["甲市生态环境局", "乙县发展和改革局", None, "丁能源科技有限公司"]
    # a case that names its organization keeps it
    cases[0].organization = "甲市人民政府"
    credit_providers(lines, cases)
    assert cases[0].organization == "甲市人民政府"


# A notice (通知) listing its cases as 一、二、三、 with a field line and two headings each, written
# for these tests (invented organizations and figures), as Markdown and as Word files in the ways
# people write them: it must read as the same three cases with the same figures every time.
_NOTICE = [
    ("title", "关于公布2027年度临江区节能降碳示范项目的通知"),
    ("p", "各街道办事处、区直各部门，各有关企业："),
    ("p", "经企业申报、街道推荐和专家评审，确定以下三个项目为2027年度临江区节能降碳示范项目，现予公布。"),
    ("case", "临江热力有限公司燃气锅炉烟气余热回收项目"),
    ("field", "申报单位：临江热力有限公司"),
    ("head", "主要做法"),
    ("p", "公司在三台燃气锅炉尾部加装烟气冷凝换热器，回收的热量用于预热锅炉补水，并对一级管网实施变频改造。"),
    ("head", "取得成效"),
    ("p", "项目总投资860万元，年节约标准煤2190吨，年减少二氧化碳排放3900吨。"),
    ("case", "东湾纺织股份有限公司屋顶分布式光伏项目"),
    ("field", "申报单位：东湾纺织股份有限公司"),
    ("head", "主要做法"),
    ("p", "利用厂房和仓库屋顶建设分布式光伏电站，所发电量自发自用、余电上网，同步建设能耗在线监测系统。"),
    ("head", "取得成效"),
    ("p", "电站装机容量6.5兆瓦，项目投资2600万元。电站逐年运行情况如下："),
    ("table", ["年份", "发电量（万千瓦时）", "减少二氧化碳排放（吨）"]),
    ("table", ["2026年", "690", "3930"]),
    ("table", ["2027年", "720", "4100"]),
    ("case", "临江公交集团纯电动公交替代项目"),
    ("field", "申报单位：临江市公共交通集团有限公司"),
    ("head", "主要做法"),
    ("p", "分两批将全部柴油公交车更换为纯电动公交车，新建充电站6座，并利用场站屋顶建设光伏车棚。"),
    ("head", "取得成效"),
    ("p", "累计投资1.8亿元，每年减少柴油消耗5200吨，年减少二氧化碳排放1.6万吨；光伏车棚装机容量1.2兆瓦。"),
    ("p", "临江区发展和改革局"),
    ("p", "2027年12月8日"),
]
_NOTICE_CASES = [
    ("临江热力有限公司燃气锅炉烟气余热回收项目", "临江热力有限公司"),
    ("东湾纺织股份有限公司屋顶分布式光伏项目", "东湾纺织股份有限公司"),
    ("临江公交集团纯电动公交替代项目", "临江市公共交通集团有限公司"),
]
_CN_NO = "一二三"


def _notice_markdown(blank_lines: bool, notice=_NOTICE) -> bytes:
    out, k = [], 0
    for kind, text in notice:
        if kind == "case":
            text, k = f"## {_CN_NO[k]}、{text}", k + 1
        elif kind == "title":
            text = "# " + text
        elif kind == "head":
            text = "### " + text
        elif kind == "table":
            text = "\t".join(text)
        out.append(text)
        if blank_lines:
            out.append("")
    return "\n".join(out).encode()


def _word_list(document) -> str:
    """A Word list numbered 一、二、三、 (chineseCounting), as Word writes one into numbering.xml."""
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90"><w:lvl w:ilvl="0"><w:start w:val="1"/>'
            f'<w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    return "90"


def _notice_word(style: str, notice=_NOTICE) -> bytes:
    """style: "heading" (titles in Heading 2, headings in Heading 3), "bold" (both as bold runs
    in plain paragraphs), "plain" (no formatting at all), "numbered" (titles in a Word list: the
    一、 is Word's, not typed)."""
    import io

    import docx
    from docx.oxml import parse_xml

    document = docx.Document()
    num_id = _word_list(document) if style == "numbered" else None
    k = 0
    table = None
    for kind, text in notice:
        if kind != "table":
            table = None
        if kind == "title":
            document.add_paragraph(text)
        elif kind == "table":
            if table is None:
                table = document.add_table(rows=0, cols=len(text))
            for cell, value in zip(table.add_row().cells, text):
                cell.text = value
        elif kind in ("case", "head"):
            numbered = f"{_CN_NO[k]}、{text}" if kind == "case" and style != "numbered" else text
            k += kind == "case"
            if style == "heading":
                document.add_heading(numbered, level=2 if kind == "case" else 3)
            elif style == "bold":
                document.add_paragraph().add_run(numbered).bold = True
            elif style == "numbered" and kind == "case":
                para = document.add_paragraph(numbered)
                para._p.get_or_add_pPr().append(
                    parse_xml(
                        '<w:numPr xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
                        f'<w:ilvl w:val="0"/><w:numId w:val="{num_id}"/></w:numPr>'
                    )
                )
            else:
                document.add_paragraph(numbered)
        else:
            document.add_paragraph(text)
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def _notice_cases(name: str, data: bytes):
    from caseatlas.extract import extract_book
    from caseatlas.readers import read_upload
    from caseatlas.vocab import CORE_KINDS

    book = segment(read_upload(name, data))
    extract_book(book)
    return [
        (
            c.title,
            c.organization,
            [s.heading for s in c.sections],
            sorted((o.kind, o.unit, o.value, o.period) for o in c.facts.outcomes if o.kind in CORE_KINDS),
        )
        for c in book.cases
    ]


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("notice.md", lambda: _notice_markdown(True)),
        ("notice_no_blank_lines.md", lambda: _notice_markdown(False)),
        ("notice_heading_styles.docx", lambda: _notice_word("heading")),
        ("notice_bold_labels.docx", lambda: _notice_word("bold")),
        ("notice_plain.docx", lambda: _notice_word("plain")),
        ("notice_word_numbering.docx", lambda: _notice_word("numbered")),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_a_notice_reads_the_same_in_markdown_and_word(name, render):
    reference = _notice_cases("notice.md", _notice_markdown(True))
    got = _notice_cases(name, render())
    assert [(t, o) for t, o, _, _ in got] == _NOTICE_CASES
    assert all(sections == ["主要做法", "取得成效"] for _, _, sections, _ in got)
    assert [core for *_, core in got] == [core for *_, core in reference]
    first, second, third = (core for *_, core in got)
    assert ("investment_or_finance", "CNY", 8.6e6, "unspecified") in first
    assert ("energy_saving", "tce", 2190, "annual") in first
    assert ("co2e_reduction", "tCO2e", 3900, "annual") in first
    assert ("renewable_capacity", "MW", 6.5, "unspecified") in second
    assert {("co2e_reduction", "tCO2e", 3930.0), ("co2e_reduction", "tCO2e", 4100.0)} <= {
        (k, u, v) for k, u, v, _ in second
    }  # the table's cells, in Markdown and in Word
    assert ("co2e_reduction", "tCO2e", 16000, "annual") in third
    assert ("renewable_capacity", "MW", 1.2, "unspecified") in third


@pytest.mark.parametrize("fmt", ["md", "docx"])
def test_numbered_case_list_without_fields_gives_the_titles(fmt):
    """一、…项目 right above each case's first heading, counting up: the items are the titles
    (no 申报单位 line needed to tell a list of cases)."""
    notice = [(kind, text) for kind, text in _NOTICE if kind != "field"]
    data = _notice_markdown(False, notice) if fmt == "md" else _notice_word("plain", notice)
    got = _notice_cases(f"notice.{fmt}", data)
    assert [(title, org) for title, org, _, _ in got] == [(title, None) for title, _ in _NOTICE_CASES]


def test_organization_printed_plain_above_a_heading_style_title():
    """The organization on a plain line above a title set in a heading style (Markdown `##`,
    Word's Heading 2) is the case's, when the book prints organizations before titles."""
    from caseatlas.readers import read_upload

    cases = [
        ("青禾能源有限公司", "屋顶光伏与储能一体化"),
        ("蓝湾物流集团", "电动重卡换电示范"),
        ("北辰乳业", "牧场沼气发电与余热利用"),
    ]
    lines = []
    for org, title in cases:
        lines += [
            org,
            f"## {title}",
            "### 项目背景",
            "企业所在园区用电负荷高，峰谷差大。",
            "### 项目成果",
            "项目建成后年发电量120万千瓦时，年减少二氧化碳排放约700吨。",
            "### 专家点评",
            "做法务实，可复制推广。",
        ]
    book = segment(read_upload("book.md", "\n".join(lines).encode()))
    assert [(c.organization, c.title) for c in book.cases] == cases
