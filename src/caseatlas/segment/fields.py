"""A case's fields: the labelled lines at its head that name it and who carried it out.

Government notices and project sheets print a case's title and organization as the values of
fields — 项目名称：…, 案例名称：…, 申报单位：…, 实施主体：…, 实施单位：…, "Project: …", "Organization: …" —
on lines of their own ("label：value", "**label**：value", "【label】value"), as rows of a table
sheet ("label<tab>value"), or as a label over its value (a table read one cell per line).
"""

from __future__ import annotations

import re

from .lines import LineInfo

# A field naming who carried the case out: 申报单位, 实施单位, 实施主体, 单位名称, 企业名称 …
ORG_LABEL = re.compile(
    r"^(申报|实施|建设|牵头|案例|项目|报送|完成|承担|主办|责任|业主|运营|推荐)?(单位|机构|企业|主体|公司|部门)(名称)?$"
    r"|^(organi[sz]ation|company|implementer|implementing (agency|organi[sz]ation|body|entity)"
    r"|lead (agency|organi[sz]ation)|applicant|owner|operator|developer)$",
    re.IGNORECASE,
)
# A field naming the case itself: 项目名称, 案例名称, 工程名称, Project, Project name, Case title …
TITLE_LABEL = re.compile(
    r"^(项目|案例|工程|课题|示范项目|典型案例|实践)(名称|题目|标题)?$|^(project|case|initiative|programme|program)"
    r"(\s+(name|title))?$|^title$",
    re.IGNORECASE,
)
_FIELD = re.compile(
    r"^【(?P<b>[^】]{2,12})】\s*(?P<bv>.*)$|^(?P<l>[\u4e00-\u9fff]{2,8}|[A-Za-z][A-Za-z ]{1,30}?)\s*[：:]\s*(?P<lv>.*)$"
)
# Other fields a case's head prints (案例编号：…, 所属领域：…, Location: …): not its title either
OTHER_FIELD = re.compile(
    r"(编号|序号|类别|类型|领域|地点|地区|区域|行业|时间|年份|级别|批次|名称|负责人|联系人|电话|邮箱|规模|投资|总投资)$"
    r"|^(number|no|id|category|sector|type|location|country|region|city|year|date|period|contact|budget|cost)$",
    re.IGNORECASE,
)
FIELD_LINES = 16  # lines of text at the head of a case where its fields are printed


def field_of(x: LineInfo) -> tuple[str, str] | None:
    """(label, value) of a field line: "项目名称：…", "**Organization:** …", "【申报单位】…", a table
    row "实施主体<tab>…"; the value may be empty (a label whose value is the next line)."""
    if x.blank or x.noise:
        return None
    raw = x.line.raw.strip()
    if "\t" in raw:
        cells = [c.strip().strip("*").strip() for c in raw.split("\t") if c.strip()]
        if cells and (TITLE_LABEL.match(cells[0].rstrip("：:")) or ORG_LABEL.match(cells[0].rstrip("：:"))):
            return cells[0].rstrip("：:"), " ".join(cells[1:])
        return None
    m = _FIELD.match(x.body)
    if not m:
        return None
    label = (m.group("b") or m.group("l")).strip()
    return label, (m.group("bv") if m.group("b") else m.group("lv")).strip().rstrip("。；;")


_CODE = re.compile(
    r"^(?:(?:case(?:\s+study)?|example|project|no\.?|案例|项目|编号)\s*)?[A-Za-z]{0,4}[-‐‑–_ ]?"
    r"[\d一二三四五六七八九十]{1,4}\s*[:：.、]?$|^\s*$",
    re.IGNORECASE,
)


def known_field(x: LineInfo) -> bool:
    got = field_of(x)
    return bool(got) and any(rx.search(got[0]) for rx in (TITLE_LABEL, ORG_LABEL, OTHER_FIELD))


def is_code(title: str | None) -> bool:
    """A title that is only a case's number or code ("案例三", "Case 3", "RC-01"), or none."""
    return not title or bool(_CODE.match(title.strip()))
