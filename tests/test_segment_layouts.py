"""Layouts of real documents the reference books do not use (issue 26), each rule tested on text
written here, in Chinese and in English: front matter and running prose are not cases; a case is
a heading, a numbered item, a bold run-in title, a box beside the running text, a row or a name
of a list, or a paragraph under a thematic heading; titles as printed; title and organization
from a case's field values; a running head without a page number is page furniture."""

from __future__ import annotations

import io

import pytest

from caseatlas.extract.outcomes import extract_outcomes
from caseatlas.models import Line
from caseatlas.readers import read_upload
from caseatlas.readers.normalize import normalize
from caseatlas.segment import segment
from caseatlas.segment.lines import analyse


def _cases(name: str, lines: list[str]):
    return segment(read_upload(name, "\n".join(lines).encode())).cases


def _text(lines: list[str], case) -> list[str]:
    return lines[case.start_line - 1 : case.end_line]


# 1. Front matter and a lead before the first case are not cases; titles as printed.

FEATURE_EN = [
    "---",
    "title: Five ways towns cut their emissions",
    "permalink: /features/five-ways/",
    "---",
    "##### Towns everywhere are looking for ways to cut emissions, and some have found answers worth copying.",
    "## Introduction",
    "Local governments control buildings, streets and buses, which makes them well placed to act quickly.",
    "#### **01: Heat homes with the river**",
    "In **Lakemouth**, the council piped river heat to 3,000 homes, cutting emissions by 4,000 tonnes a year.",
    "The scheme was paid for by a municipal bond.",
    "---",
    "#### **02: Electrify the buses**",
    "**Hillford** replaced its diesel buses with 40 electric ones in 2021.",
    "---",
    "#### **03: Light streets with LEDs**",
    "Across **Port Edge**, 12,000 street lamps now use LEDs, saving 5 GWh a year.",
    "## About the author",
    "The writer covers cities and climate.",
]
FEATURE_ZH = [
    "# 城镇减排五法",
    "## 前言",
    "城镇政府掌握建筑、道路与公交，能够较快行动。本文选取三个做法。",
    "## 一、河水源热泵供暖",
    "临江镇利用河水热能为3000户居民供暖，每年减少二氧化碳排放4000吨。",
    "项目由镇政府出资建设。",
    "## 二、公交全面电动化",
    "山城县将40辆柴油公交车更换为电动公交车。",
    "## 三、路灯节能改造",
    "港边区改造路灯12000盏，年节电500万千瓦时。",
    "## 附录",
    "资料来源：各地公开报道。",
]


@pytest.mark.parametrize(
    ("name", "lines", "titles"),
    [
        (
            "feature.md",
            FEATURE_EN,
            ["01: Heat homes with the river", "02: Electrify the buses", "03: Light streets with LEDs"],
        ),
        ("feature_zh.md", FEATURE_ZH, ["一、河水源热泵供暖", "二、公交全面电动化", "三、路灯节能改造"]),
    ],
)
def test_a_lead_and_front_matter_then_n_case_headings_give_n_cases(name, lines, titles):
    cases = _cases(name, lines)
    assert [c.title for c in cases] == titles  # as printed, the number included; never "案例 N"
    assert lines[cases[0].start_line - 1] == next(ln for ln in lines if titles[0] in ln)
    assert not any("About the author" in ln or "附录" in ln for c in cases for ln in _text(lines, c))
    assert all(c.end_line >= c.start_line + 1 for c in cases)


def test_a_horizontal_rule_is_not_a_heading():
    """Rules ("---") between cases recur as often as a heading would: they are layout."""
    cases = _cases("feature.md", FEATURE_EN)
    assert len(cases) == 3 and not any(c.title.strip("-") == "" for c in cases)


# 2. Bold run-in titles: in Markdown, in HTML and in Word.

RUN_IN = [
    "Towns that act early save money later. These three show how.",
    "**1. Lakemouth** The council piped river heat to 3,000 homes, cutting emissions by 4,000 tonnes a year.",
    "The scheme was paid for by a municipal bond and now returns a small profit.",
    "**2. Hillford** The town replaced its diesel buses with 40 electric ones in 2021.",
    "**3. Port Edge** The port fitted 12,000 street lamps with LEDs, saving 5 GWh a year.",
]


def test_bold_run_in_titles_are_cases_in_markdown_html_and_word():
    import docx

    html = (
        "<html><body>"
        + "".join(
            f"<p><strong>{ln[2:].split('**')[0]}</strong>{ln.split('**', 2)[2]}</p>"
            if ln.startswith("**")
            else f"<p>{ln}</p>"
            for ln in RUN_IN
        )
        + "</body></html>"
    )
    document = docx.Document()
    for ln in RUN_IN:
        para = document.add_paragraph()
        if ln.startswith("**"):
            lead, rest = ln[2:].split("**", 1)
            para.add_run(lead).bold = True
            para.add_run(rest)
        else:
            para.add_run(ln)
    buf = io.BytesIO()
    document.save(buf)
    for name, data in (("a.md", "\n".join(RUN_IN).encode()), ("a.html", html.encode()), ("a.docx", buf.getvalue())):
        cases = segment(read_upload(name, data)).cases
        assert [c.title for c in cases] == ["1. Lakemouth", "2. Hillford", "3. Port Edge"], name
        first = read_upload(name, data).lines[cases[0].start_line - 1].text
        assert "Lakemouth" in first  # the case starts at its paragraph, not at the lead before it


def test_bold_words_inside_a_sentence_stay_emphasis():
    page = "<p>全年<b>减排</b>二氧化碳1200吨。</p><p><b>案例一：</b>屋顶光伏</p>"
    raws = [ln.raw for ln in read_upload("a.html", page.encode()).lines if ln.raw]
    assert raws == ["全年减排二氧化碳1200吨。", "**案例一：**屋顶光伏"]


# 3. Paragraphs under thematic headings, each opening with a named city or organization.

THEMATIC_EN = [
    "# Cities going green",
    "Cities are where most emissions are made, and where many of the answers are being tried.",
    "#### **Cleaner buildings**",
    "Buildings are the largest source of emissions in most cities, and several have acted.",
    "In Lakemouth, England, the council requires every new building to report its embodied carbon.",
    "Developers must also meet limits that fall every five years until 2030.",
    "The city of Hillford has set similar limits and pays owners to retrofit older blocks.",
    "> ##### “Every building counts.”",
    "#### **Greener transport**",
    "Transport is the other large source of emissions, and cities have tried carrots and sticks.",
    "Other cities charge drivers instead. Port Edge in Norway charges polluting cars a daily fee of 20 euros.",
    "Westvale’s low-emission zone, by contrast, covers the whole city and its suburbs.",
]
THEMATIC_ZH = [
    "# 城市绿色转型观察",
    "城市是碳排放的主要来源，也是减排办法最多的地方。",
    "## 建筑领域",
    "建筑是多数城市最大的排放源，多地已出台措施。",
    "临江市要求新建建筑全部执行超低能耗标准，2022年新增超低能耗建筑50万平方米。",
    "开发企业须在报建时提交碳排放计算书。",
    "山城县对既有公共建筑实施节能改造，年节约标准煤1.2万吨。",
    "## 交通领域",
    "交通是另一大排放源。",
    "港边区推广新能源公交车600辆，每年减少二氧化碳排放3万吨。",
    "西谷市建成充电桩8000个。",
]


@pytest.mark.parametrize(
    ("name", "lines", "expected"),
    [
        (
            "thematic.md",
            THEMATIC_EN,
            [
                ("Lakemouth", "Cleaner buildings", 2),
                ("Hillford", "Cleaner buildings", 1),
                ("Port Edge", "Greener transport", 1),
                ("Westvale", "Greener transport", 1),
            ],
        ),
        (
            "thematic_zh.md",
            THEMATIC_ZH,
            [
                ("临江市", "建筑领域", 2),
                ("山城县", "建筑领域", 1),
                ("港边区", "交通领域", 1),
                ("西谷市", "交通领域", 1),
            ],
        ),
    ],
)
def test_paragraphs_under_thematic_headings_are_cases(name, lines, expected):
    cases = _cases(name, lines)
    got = [(c.title, c.chapter, len([ln for ln in _text(lines, c) if ln.strip()])) for c in cases]
    assert got == expected  # a paragraph naming no one continues the case; a chapter's lead, a quote are not cases


def test_a_plan_without_named_paragraphs_is_not_cut_into_paragraph_cases():
    plan = [
        "# 某市节能规划",
        "## 一、总体要求",
        "坚持节约优先，全面提高能源利用效率。到2025年，单位产值能耗下降15%。",
        "## 二、重点任务",
        "推进工业节能改造，推广高效电机和余热回收。",
        "加快建筑节能，新建建筑全面执行绿色建筑标准。",
    ]
    assert all(c.title in ("一、总体要求", "二、重点任务") for c in _cases("plan.md", plan))


# 4. A case's title and organization as the values of its fields, after its first field.

FIELDS_ZH = [
    "# 2026 年更新改造项目汇编",
    "**案例编号**：GX-01",
    "**项目名称**：老旧小区屋顶光伏改造",
    "**实施主体**：临江城投集团有限公司",
    "**一、基本情况**",
    "小区建成于1998年，屋顶闲置。",
    "**二、主要成效**",
    "项目装机2兆瓦，年发电220万千瓦时。",
    "---",
    "**案例编号**：GX-02",
    "**项目名称**：工业园区余热供暖",
    "**实施主体**：山城热力有限公司",
    "**一、基本情况**",
    "园区钢厂余热长期放散。",
    "**二、主要成效**",
    "每年节约标准煤8000吨。",
    "---",
    "**案例编号**：GX-03",
    "**项目名称**：公交场站光储充一体化",
    "**实施主体**：港边公交集团",
    "**一、基本情况**",
    "场站日均充电需求大。",
    "**二、主要成效**",
    "年减少二氧化碳排放1500吨。",
]
FIELDS_EN = [
    "# Renewal projects 2026",
    "Reference: R-01",
    "Project: Rooftop solar on old housing",
    "Organization: Lakemouth Housing Ltd.",
    "Background",
    "The estate was built in 1998 and its roofs were unused.",
    "Results",
    "The 2 MW system generates 2.2 GWh a year.",
    "Reference: R-02",
    "Project: District heat from a steel plant",
    "Organization: Hillford Heat Company",
    "Background",
    "Waste heat from the steel plant was vented.",
    "Results",
    "The scheme saves 8,000 tonnes of standard coal equivalent a year.",
    "Reference: R-03",
    "Project: Solar and storage at a bus depot",
    "Organization: Port Edge Transit Group",
    "Background",
    "The depot charges 200 buses every night.",
    "Results",
    "Emissions fell by 1,500 tonnes of CO2 a year.",
]


@pytest.mark.parametrize(
    ("name", "lines", "expected"),
    [
        (
            "fields.md",
            FIELDS_ZH,
            [
                ("老旧小区屋顶光伏改造", "临江城投集团有限公司"),
                ("工业园区余热供暖", "山城热力有限公司"),
                ("公交场站光储充一体化", "港边公交集团"),
            ],
        ),
        (
            "fields_en.md",
            FIELDS_EN,
            [
                ("Rooftop solar on old housing", "Lakemouth Housing Ltd."),
                ("District heat from a steel plant", "Hillford Heat Company"),
                ("Solar and storage at a bus depot", "Port Edge Transit Group"),
            ],
        ),
    ],
)
def test_title_and_organization_are_field_values_anywhere_in_the_case_s_field_block(name, lines, expected):
    cases = _cases(name, lines)
    assert [(c.title, c.organization) for c in cases] == expected


def test_a_table_sheet_gives_title_and_organization_from_its_rows():
    """One project per table, its fields as rows (a Word table: label | value)."""
    import docx

    document = docx.Document()
    sheets = [
        ("屋顶光伏示范", "临江城投集团有限公司", "装机2兆瓦"),
        ("余热供暖", "山城热力有限公司", "年节约标准煤8000吨"),
    ]
    for k, (title, org, result) in enumerate(sheets, 1):
        document.add_paragraph(f"案例{k}")
        document.add_paragraph("项目概况")
        document.add_paragraph("项目建设内容说明，施工周期一年，已通过验收。")
        table = document.add_table(rows=3, cols=2)
        for row, values in zip(table.rows, [("项目名称", title), ("实施单位", org), ("成效", result)]):
            for cell, value in zip(row.cells, values):
                cell.text = value
        document.add_paragraph("主要成效")
        document.add_paragraph(f"{result}，运行稳定。")
        document.add_paragraph("专家点评")
        document.add_paragraph("做法可复制推广。")
    document.add_paragraph("案例3")
    document.add_paragraph("项目概况")
    document.add_paragraph("第三个项目的说明，已投入运行。")
    document.add_paragraph("主要成效")
    document.add_paragraph("年节电100万千瓦时。")
    document.add_paragraph("专家点评")
    document.add_paragraph("经验可借鉴。")
    buf = io.BytesIO()
    document.save(buf)
    cases = segment(read_upload("sheets.docx", buf.getvalue())).cases
    assert [(c.title, c.organization) for c in cases[:2]] == [(t, o) for t, o, _ in sheets]
    assert cases[2].title == "案例3"  # no field: the printed title stands


# 5. Boxes beside the running text.

PLAN_ZH = [
    "# 某省应对气候变化规划",
    "## 一、重点任务",
    "（一）控制温室气体排放。",
    "推动传统产业转型升级。实施技术改造行动，每年滚动实施100个重点技术改造项目。",
    "专栏1：传统产业改造提升重点工程",
    "冶金行业：推动装备大型化、智能化，实施系统自动化改造等项目。",
    "化工行业：围绕工艺提升和循环改造，实施园区化工搬迁升级等项目。",
    "加快新兴产业发展。建设新能源综合示范区，推动储能和氢能产业。",
    "专栏2：新能源重点工程",
    "清洁能源：建设1400万千瓦光伏和450万千瓦风电项目。",
    "储能：建设新型储能电站100万千瓦。",
    "（二）增加生态系统碳汇。",
    "推进国土绿化。到2025年森林覆盖率达到20%。",
    "专栏3：国土绿化重点工程",
    "实施山区生态修复工程，完成造林100万亩，修复退化草原50万亩。",
    "提升湿地保护水平。新建湿地公园10处。",
]


def test_boxes_beside_the_running_text_are_the_cases():
    cases = _cases("plan.md", PLAN_ZH)
    assert [c.title for c in cases] == [
        "专栏1：传统产业改造提升重点工程",
        "专栏2：新能源重点工程",
        "专栏3：国土绿化重点工程",
    ]
    assert [len(_text(PLAN_ZH, c)) for c in cases] == [3, 3, 2]  # a box ends where the running text resumes
    assert [c.chapter for c in cases] == ["（一）控制温室气体排放。"] * 2 + ["（二）增加生态系统碳汇。"]


def test_a_box_every_case_repeats_is_a_section_not_a_case():
    book = []
    for k, name in enumerate(["屋顶光伏", "余热回收", "电动公交"], 1):
        book += [f"案例{k} {name}", "项目背景", "企业用能负荷高，需要改造。", "主要做法", "实施改造工程，运行稳定。"]
        book += ["专栏：专家点评", "做法务实，可复制推广。"]
    cases = _cases("book.md", book)
    assert len(cases) == 3 and all("专栏" not in c.title for c in cases)


# 6. Lists whose items are the cases.


def test_a_list_of_names_under_a_list_heading():
    notice = [
        "关于公布低碳社区创建名单的通知",
        "各区：经评估，确定以下社区为低碳社区创建单位，现予公布。",
        "附件",
        "低碳社区创建名单",
        "临江区东门街道滨河社区",
        "山城县城关镇南苑社区",
        "港边区海湾街道渔港社区",
        "信息公开属性：主动公开",
    ]
    cases = _cases("notice.txt", notice)
    assert [(c.title, c.chapter, c.start_line, c.end_line) for c in cases] == [
        ("临江区东门街道滨河社区", "低碳社区创建名单", 5, 5),
        ("山城县城关镇南苑社区", "低碳社区创建名单", 6, 6),
        ("港边区海湾街道渔港社区", "低碳社区创建名单", 7, 7),
    ]


def test_numbered_rows_of_a_table_read_one_cell_per_line():
    """A PDF table read line by line: each row starts with its number (1, 2, 3 …) and a code,
    and its narrow cells wrap — a cell is lines of one width and a last one no wider."""
    rows = [
        ("1 2022001", ["屋顶光伏围", "护结构研究", "与示范"], ["临江玻璃研", "究院有限公", "司"]),
        ("2 2022002", ["多能互补智", "慧能源示范"], ["山城电力技", "术有限公司"]),
        ("3 2022003", ["水泥窑烟气", "捕集研究"], ["港边水泥集", "团有限责任", "公司"]),
    ]
    lines = ["科技专项立项项目清单", "序号 项目编号 项目名称 承担单位 经费"]
    for number, title, org in rows:
        lines += [number, *title, "碳达峰碳中和专项", *org, "张三", "150 150"]  # (the columns: wide, narrow, …)
    cases = _cases("list.txt", lines)
    assert [(c.title, c.organization) for c in cases] == [
        ("屋顶光伏围护结构研究与示范", "临江玻璃研究院有限公司"),
        ("多能互补智慧能源示范", "山城电力技术有限公司"),
        ("水泥窑烟气捕集研究", "港边水泥集团有限责任公司"),
    ]
    assert [lines[c.start_line - 1] for c in cases] == [r[0] for r in rows]


# 7. A running head without a page number is page furniture.


def test_a_running_head_without_a_page_number_is_furniture():
    text = []
    for page in range(1, 7):
        text += [("某市碳达峰实施方案", page), (f"第{page}页的正文内容，说明项目的建设情况。", page)]
        text += [("项目名称", page), (f"项目{page}", page), ("建设内容", page), ("新建光伏电站。", page)]
    lines = [Line(k + 1, t, normalize(t), page) for k, (t, page) in enumerate(text)]
    infos = analyse(lines)
    noise = {x.body for x in infos if x.noise}
    assert noise == {"某市碳达峰实施方案"}  # a field label opening a table on every page is not


# 8. English units and organizations.


@pytest.mark.parametrize(
    ("sentence", "kind", "unit", "value"),
    [
        ("The canal-top solar array can deliver 17 megawatts of power.", "renewable_capacity", "MW", 17.0),
        ("The region's wind fleet has 1.3 terawatts of capacity.", "renewable_capacity", "MW", 1.3e6),
        ("The retrofit averted over 420,000 tonnes of emissions.", "co2e_reduction", "tCO2e", 4.2e5),
        (
            "Shore power could avoid six percent, or 71,000 tonnes, of emissions every year.",
            "co2e_reduction",
            "tCO2e",
            7.1e4,
        ),
        (
            "Electric ferries cut the region’s emissions by 1.6 million tonnes per year.",
            "co2e_reduction",
            "tCO2e",
            1.6e6,
        ),
        (
            "The heat network will lower the town’s emissions by about 45 kilotonnes.",
            "co2e_reduction",
            "tCO2e",
            45000.0,
        ),
        ("The green bank has lent over AUD $18 million to schools.", "investment_or_finance", "AUD", 1.8e7),
        ("The city invested $12 million in the scheme.", "investment_or_finance", "USD", 1.2e7),
        ("The plant saves 120 GWh a year.", "energy_saving", "kWh", 1.2e8),
        (
            "Heat pumps cut the district’s emissions by more than half a million tonnes per year.",
            "co2e_reduction",
            "tCO2e",
            5e5,
        ),
        ("The bond raised a billion dollars for the metro.", "investment_or_finance", "USD", 1e9),
    ],
)
def test_english_units_and_what_the_tonnes_are_of(sentence, kind, unit, value):
    found = extract_outcomes([Line(1, sentence, normalize(sentence))])
    assert any((o.kind, o.unit, o.value) == (kind, unit, value) for o in found), found


def test_levels_an_emission_went_from_and_to_are_not_reductions():
    sentence = "Each household should bring its footprint from 8.7 tonnes to 3.1 tonnes by 2035."
    found = extract_outcomes([Line(1, sentence, normalize(sentence))])
    assert found and all(o.kind not in ("co2e_reduction",) for o in found), found


def test_tex_math_is_not_dollars():
    sentence = "控制温升在工业化前水平 $2^{\\circ}\\text{C}$ 以内，力争 $1.5^{\\circ}\\text{C}$。"
    assert not [o for o in extract_outcomes([Line(1, sentence, normalize(sentence))]) if o.unit == "USD"]


@pytest.mark.parametrize(
    ("name", "lines"),
    [
        (
            "case.md",
            [
                "# 某某公司园区节能改造",
                "## 机构简介",
                "公司现有员工一万余人。",
                "## 项目成果",
                "每年节约标准煤四万吨。",
            ],
        ),
        (
            "case_numbered.md",
            [
                "# 园区节能改造",
                "一、项目概况",
                "园区建于2010年。",
                "二、主要做法",
                "改造锅炉。",
                "三、取得成效",
                "年节煤4万吨。",
            ],
        ),
        (
            "case_en.md",
            ["# Heat recovery at a mill", "## Background", "The mill vented heat.", "## Results", "It saves 4 GWh."],
        ),
    ],
)
def test_one_case_s_sections_are_not_a_list_of_cases(name, lines):
    """Headings as short as a section's name (项目概况, 主要做法, "Background", "Results") with no
    paragraph naming a city or an organization under them: an applicant's file of one case."""
    assert _cases(name, lines) == []


@pytest.mark.parametrize(
    "lines", [FEATURE_EN, FEATURE_ZH, THEMATIC_EN, THEMATIC_ZH, FIELDS_ZH, FIELDS_EN, PLAN_ZH], ids=lambda v: v[0][:12]
)
def test_the_new_layouts_read_the_same_with_blank_lines_in_word_and_in_html(lines, tmp_path):
    """Layout is not structure: a blank line after every line, a Word file and a web page of the
    same text give the same cases (titles, organizations, chapters)."""
    from render import render_docx, render_html

    def shape(book):
        return [(c.title, c.organization, c.chapter) for c in book.cases]

    reference = shape(segment(read_upload("a.md", "\n".join(lines).encode())))
    assert reference
    spaced = segment(read_upload("b.md", "\n\n".join(lines).encode()))
    word = segment(read_upload("c.docx", render_docx(lines, tmp_path / "c.docx").read_bytes()))
    page = segment(read_upload("d.html", render_html(lines, tmp_path / "d.html").read_bytes()))
    assert shape(spaced) == reference
    assert shape(word) == reference
    assert shape(page) == reference


def test_english_organizations_printed_above_their_titles():
    """ "Lakemouth City Council", "Hillford Heat Company", "City of Port Edge": English names of
    organizations tell the book prints organizations before titles."""
    cases = [
        ("Lakemouth City Council", "River heat for three thousand homes"),
        ("Hillford Heat Company", "District heat from a steel plant"),
        ("City of Port Edge", "Solar power at the bus depot"),
    ]
    lines = []
    for org, title in cases:
        lines += [
            org,
            title,
            "Background",
            "Waste heat and sunshine went unused, and the town wanted to cut its bills.",
            "Results",
            "The scheme now cuts emissions by 1,500 tonnes of CO2 a year.",
            "Lessons",
            "Start small, measure everything and share the savings with residents.",
        ]
    got = [(c.organization, c.title) for c in _cases("book.txt", lines)]
    assert got == cases


def test_a_box_in_every_case_of_a_collection_is_part_of_its_case():
    book = []
    for k, (name, box) in enumerate(
        [("屋顶光伏", "光伏组件回收"), ("余热回收", "烟气余热测算"), ("电动公交", "换电站运营")], 1
    ):
        book += [f"{name}示范项目", "项目背景", "企业用能负荷高，需要改造。", "主要做法", "实施改造工程，运行稳定。"]
        book += [f"专栏{k}：{box}", "介绍相关做法，供参考。", "取得成效", "每年节约标准煤1000吨。"]
    cases = _cases("book.md", book)
    assert [c.title for c in cases] == ["屋顶光伏示范项目", "余热回收示范项目", "电动公交示范项目"]


@pytest.mark.parametrize("verb", ["lent", "lends", "is lending", "borrowed", "loaned"])
def test_money_lent_or_borrowed_is_finance(verb):
    sentence = f"The city fund {verb} SGD 12 million for rooftop solar on schools."
    found = extract_outcomes([Line(1, sentence, normalize(sentence))])
    assert [(o.kind, o.unit, o.value) for o in found] == [("investment_or_finance", "SGD", 1.2e7)], found
