from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from conftest import CORPUS
from hypothesis import given, settings
from hypothesis import strategies as st
from render import render_docx, render_html, render_pdf, render_pdf_without_text

from caseatlas.errors import ReadError
from caseatlas.readers import read_bytes, read_document, read_upload
from caseatlas.readers.normalize import normalize
from caseatlas.readers.text import decode


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("年节电１２３４万千瓦时，下降１５％", "年节电1234万千瓦时，下降15%"),
        ("投 入 费 用", "投入费用"),
        ("达 能 中 国 饮 料 业 务", "达能中国饮料业务"),
        ("CO<sub>2</sub> 排放", "CO2 排放"),
        ("减排\u3000\u00a0100 吨", "减排 100 吨"),
        ("tCO₂e", "tCO2e"),
        ("2022 企业气候行动 案例集", "2022 企业气候行动 案例集"),  # word spaces between CJK words stay
        ("中国 ( 香港 ) ，", "中国 ( 香港 ) ，"),
    ],
)
def test_normalize_examples(raw, expected):
    assert normalize(raw) == expected


@given(st.text())
def test_normalize_is_idempotent_and_total(text):
    once = normalize(text)
    assert normalize(once) == once
    assert "\u3000" not in once and "\u00a0" not in once


@given(st.integers(min_value=0, max_value=10**9))
def test_fullwidth_digits_become_ascii(n):
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in str(n))
    assert normalize(f"减排{fullwidth}吨") == f"减排{n}吨"


def test_decode_utf8_bom_and_gbk():
    text = "案例概述\n节约标准煤 300 吨"
    assert decode(b"\xef\xbb\xbf" + text.encode("utf-8"), "x") == (text, "utf-8-sig")
    assert decode(text.encode("gbk"), "x") == (text, "gb18030")
    assert decode(text.encode("utf-16"), "x")[0] == text


def test_gbk_file_reads_like_utf8(tmp_path, sample_file):
    text = sample_file.read_text(encoding="utf-8")
    gbk = tmp_path / "sample_gbk.txt"
    gbk.write_bytes(text.encode("gb18030"))
    utf = tmp_path / "sample_utf8.txt"
    utf.write_text(text, encoding="utf-8")
    a, b = read_document(gbk), read_document(utf)
    assert a.encoding == "gb18030"
    assert [ln.text for ln in a.lines] == [ln.text for ln in b.lines]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.txt", b"", "empty"),
        ("blank.txt", b"\n \n\t\n", "no text"),
        ("binary.txt", bytes(range(256)) * 40, "binary"),
        ("bad.txt", b"abc \x80\xff\x80 def" * 10, "not valid"),
        ("book.xyz", b"hello", "unsupported"),
        ("broken.pdf", b"%PDF-1.4 garbage", "PDF"),
        ("broken.docx", b"PK\x03\x04 not a zip", "DOCX"),
    ],
)
def test_bad_input_gives_one_line_error(tmp_path, name, content, message):
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(ReadError) as info:
        read_document(path)
    text = str(info.value)
    assert message in text and "\n" not in text and name in text
    with pytest.raises(ReadError) as sent:
        read_bytes(name, content, source=f"upload:{name}")
    assert str(sent.value) == text  # the same bytes are refused the same way, file or not


def test_huge_file_is_refused_before_reading(tmp_path):
    path = tmp_path / "huge.txt"
    with path.open("wb") as fh:
        fh.write(("案例概述 " * 10).encode() * 2_000_000)  # ~50 MB... of repeated text
    assert path.stat().st_size > 50_000_000
    with pytest.raises(ReadError, match="too large"):
        read_document(path)


def test_pdf_without_text_layer(tmp_path):
    path = render_pdf_without_text(tmp_path / "scan.pdf")
    with pytest.raises(ReadError, match="no text layer"):
        read_document(path)


def test_pdf_keeps_pages_and_docx_headings(tmp_path):
    lines = ["# 第一章 能源转型", "", "山城光伏项目", "节约标准煤 300 吨。"] + [f"第 {i} 段正文。" for i in range(120)]
    pdf = read_document(render_pdf(lines, tmp_path / "b.pdf"))
    assert pdf.format == "pdf"
    assert pdf.lines[0].page == 1 and max(ln.page for ln in pdf.lines) >= 3
    assert any(ln.text == "节约标准煤 300 吨。" for ln in pdf.lines)
    docx = read_document(render_docx(lines, tmp_path / "b.docx"))
    assert docx.lines[0].text == "# 第一章 能源转型"


def test_docx_reader_conveys_word_structure():
    """What Word keeps out of the text comes through as the line a Markdown file would hold:
    heading styles and outline levels as '#', automatic list numbers as printed (一、 1. （一）), a paragraph in bold
    type as **…** (bold runs, a bold character style, a bold paragraph style), table rows as
    tab-separated cells, a content control's paragraphs in place."""
    import io

    import docx
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import parse_xml

    from caseatlas.readers import read_upload

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="80">'
            '<w:lvl w:ilvl="0"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/></w:lvl>'
            '<w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/>'
            '<w:lvlText w:val="（%2）"/></w:lvl>'
            '<w:lvl w:ilvl="2"><w:start w:val="1"/><w:numFmt w:val="decimal"/><w:lvlText w:val="%3."/></w:lvl>'
            "</w:abstractNum>"
        ),
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="80"><w:abstractNumId w:val="80"/></w:num>'))

    def listed(text: str, level: int, bold: bool = False):
        para = document.add_paragraph()
        para.add_run(text).bold = bold or None
        para._p.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="80"/></w:numPr>')
        )

    document.add_heading("示范项目汇编", level=1)
    listed("园区微电网项目", 0, bold=True)
    listed("建设内容", 1)
    listed("屋顶光伏", 2)
    listed("储能电站", 2)
    listed("运行成效", 1)
    listed("冷链物流项目", 0)
    strong = document.styles.add_style("要点", WD_STYLE_TYPE.CHARACTER)
    strong.font.bold = True
    para = document.add_paragraph()
    para.add_run("主要做法", style=strong)
    case_title = document.styles.add_style("案例标题", WD_STYLE_TYPE.PARAGRAPH)
    case_title.element.get_or_add_pPr().append(parse_xml(f'<w:outlineLvl {w} w:val="1"/>'))
    document.add_paragraph("屋顶光伏示范", style=case_title)
    heading_like = document.styles.add_style("小标题", WD_STYLE_TYPE.PARAGRAPH)
    heading_like.font.bold = True
    document.add_paragraph("取得成效", style=heading_like)
    para = document.add_paragraph()
    para.add_run("年减排").bold = True
    para.add_run("二氧化碳 1200 吨。")
    table = document.add_table(rows=2, cols=2)
    for row, values in zip(table.rows, [("指标", "数值（吨）"), ("年节约标准煤", "480")]):
        for cell, value in zip(row.cells, values):
            cell.text = value
    document.element.body[-1].addprevious(
        parse_xml(
            f"<w:sdt {w}><w:sdtContent><w:p><w:r><w:t>申报单位：某某能源有限公司</w:t></w:r></w:p>"
            "</w:sdtContent></w:sdt>"
        )
    )
    buf = io.BytesIO()
    document.save(buf)
    lines = [line.raw for line in read_upload("notice.docx", buf.getvalue()).lines]
    assert lines == [
        "# 示范项目汇编",
        "**一、园区微电网项目**",
        "（一）建设内容",
        "1. 屋顶光伏",
        "2. 储能电站",
        "（二）运行成效",
        "二、冷链物流项目",
        "**主要做法**",
        "## 屋顶光伏示范",
        "**取得成效**",
        "年减排二氧化碳 1200 吨。",
        "指标\t数值（吨）",
        "年节约标准煤\t480",
        "申报单位：某某能源有限公司",
    ]


def test_html_reader_keeps_cells_and_bold_blocks(tmp_path):
    """A tab typed inside a line of a <p> separates cells (a table dumped as text), a line break
    in the source is a space, a <br> a line break (one line in a heading or a cell), a <div> of
    text a block, and a block all in <b>/<strong> is **…**."""
    from caseatlas.readers import read_upload

    page = (
        "<html><body><p><strong>一、园区微电网项目</strong></p><p>指标\t2025年\t2026年</p>"
        "<p>年发电量\n      （万千瓦时）</p><p>年减排<b>二氧化碳</b>1200吨。</p>"
        "<div><div>申报单位：某某能源有限公司<br>所属领域：工业</div><h3>主要<br>做法</h3></div>"
        "<table><tr><td>年发电量<br/>（万千瓦时）</td><td>690</td></tr></table></body></html>"
    )
    texts = [line.raw for line in read_upload("a.html", page.encode()).lines if line.raw]
    assert texts == [
        "**一、园区微电网项目**",
        "指标\t2025年\t2026年",
        "年发电量 （万千瓦时）",
        "年减排二氧化碳1200吨。",
        "申报单位：某某能源有限公司",
        "所属领域：工业",
        "### 主要 做法",
        "年发电量 （万千瓦时）\t690",
    ]


def test_html_reader_marks_headings_and_joins_subscripts(tmp_path):
    path = tmp_path / "book.html"
    path.write_text(
        "<html><head><title>t</title><style>p{}</style></head><body>"
        "<h1>案例集</h1><h2>光伏治沙</h2><p>减少 CO<sub>2</sub> 排放 100 吨。</p>"
        "<table><tr><td>年份</td><td>减排量</td></tr></table><script>x()</script></body></html>",
        encoding="utf-8",
    )
    doc = read_document(path)
    texts = [ln.text for ln in doc.lines if ln.text]
    assert texts[:3] == ["# 案例集", "## 光伏治沙", "减少 CO2 排放 100 吨。"]
    assert "年份 减排量" in texts
    assert not any("x()" in t for t in texts)


def test_pdf_rejoins_split_lines_and_wrapped_headings(tmp_path):
    """A contents entry MuPDF splits at its leader is one line again; a title set large and
    wrapped over two lines is one line; body lines stay one per visual line."""
    import pymupdf

    doc = pymupdf.open()
    page = doc.new_page(width=595, height=842)
    page.insert_text((60, 80), "前言", fontname="china-s", fontsize=11)
    page.insert_text((300, 80), "12", fontname="china-s", fontsize=11)
    page.insert_text((60, 140), "光伏减排、生态增汇、沙海生金", fontname="china-s", fontsize=22)
    page.insert_text((60, 168), "绿富同兴的治沙实践", fontname="china-s", fontsize=22)
    for k in range(6):
        page.insert_text((60, 220 + 16 * k), f"第 {k + 1} 行正文，每行单独成行", fontname="china-s", fontsize=11)
    doc.save(tmp_path / "x.pdf")
    lines = [ln.text for ln in read_document(tmp_path / "x.pdf").lines if ln.text]
    assert lines[0] == "前言 12"
    assert lines[1] == "光伏减排、生态增汇、沙海生金绿富同兴的治沙实践"
    assert lines[2:] == [f"第 {k + 1} 行正文，每行单独成行" for k in range(6)]


def test_html_pre_keeps_its_lines(tmp_path):
    (tmp_path / "x.html").write_text("<html><body><p>正文</p><pre>绿\n色\n交\n通</pre></body></html>", encoding="utf-8")
    lines = [ln.text for ln in read_document(tmp_path / "x.html").lines]
    assert lines[:7] == ["正文", "", "绿", "色", "交", "通", ""]


def _read(read, *args) -> tuple:
    """What a reader makes of a file, where its bytes came from left aside: the document's
    fields, or the refusal's message."""
    try:
        doc = read(*args)
    except ReadError as exc:
        return ("refused", str(exc))
    return tuple((k, v) for k, v in dataclasses.asdict(doc).items() if k != "source_path")


def _books() -> list[Path]:
    from caseatlas.services.library import sample_collection_dir

    return sorted(p for p in CORPUS.glob("*") if p.is_file()) + sorted(sample_collection_dir().glob("*.md"))


@pytest.mark.parametrize("path", _books(), ids=lambda p: p.name)
def test_bytes_read_like_the_file_on_disk(path):
    """A book sent as bytes (an upload) reads exactly as the same file on disk: lines, pages,
    format, encoding, digest; only its recorded source differs, and is never a path."""
    disk = read_document(path)
    sent = read_upload(path.name, path.read_bytes())
    assert _read(read_upload, path.name, path.read_bytes()) == _read(read_document, path)
    assert disk.source_path == str(path.resolve()) and sent.source_path == f"upload:{path.name}"


_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x4FFF)
_LINE = st.one_of(
    st.text(st.one_of(_CJK, st.sampled_from("0123456789，。：、%（）tCO2e ")), min_size=1, max_size=30),
    st.builds(lambda level, t: "#" * level + " " + t, st.integers(1, 3), st.text(_CJK, min_size=1, max_size=12)),
    st.just(""),
)


@settings(max_examples=40, deadline=None)
@given(lines=st.lists(_LINE, min_size=1, max_size=25), fmt=st.sampled_from(["docx", "html", "md", "gbk.txt", "pdf"]))
def test_bytes_read_like_the_file_on_disk_for_generated_books(tmp_path_factory, lines, fmt):
    """Property: for any book written as a DOCX, an HTML page, a PDF or a text file (GBK too),
    reading its bytes gives what reading the file gives — the same document or the same refusal."""
    folder = tmp_path_factory.mktemp("book")
    path = folder / f"book.{fmt.rsplit('.', 1)[-1]}"
    if fmt == "docx":
        render_docx(lines, path)
    elif fmt == "html":
        render_html(lines, path)
    elif fmt == "pdf":
        render_pdf(lines, path)
    else:
        path.write_bytes("\n".join(lines).encode("gb18030" if fmt == "gbk.txt" else "utf-8"))
    assert _read(read_bytes, path.name, path.read_bytes(), "upload:book") == _read(read_document, path)
