"""Quantified outcomes of a case: which numbers are results (or commitments) of the case,
what kind of result each is, over what period, with the exact words that state it.

Rules are about language, not about any book: the words around a number say whether it
is a reduction, a saving, capacity, generation or money, and whether it describes the
world (background) rather than the case.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Evidence, Line, Outcome, Table
from ..text.cells import UNIT_IN, is_total, opens_total
from ..text.paragraphs import Paragraph, paragraphs
from ..text.sentences import CLAUSE_END, FULL_STOP, SENTENCE_END, words_after, words_before
from ..vocab import NOT_RESULTS
from . import periods, tables
from .evidence import locate
from .quantities import Quantity, find_quantities

# The words a figure's kind is read from end at a clause, and also at an enumeration comma or
# a bracket ("光伏、风电" are two items; "（其中…）" an aside).
_CLAUSE_END = CLAUSE_END + "、（）()"

# English books say the same with other words (each cue below has its English alternatives).
_REDUCE = re.compile(
    r"减|降|少|抵消|抵销|避免|节约|节省|节能|碳汇|固碳|吸收|中和|捕集|捕捉|封存|替代|削减|压减|消纳|回收"
    r"|(?i:reduc|\bcut|avoid|sav(?:e|es|ed|ing)\b|lower|abat|offset|decreas|\bfell\b|sequest|captur|avert|forestall"
    r"|prevent|curb|mitigat|slash|eliminat)"
)
_CO2_SUBSTANCE = re.compile(r"二氧化碳|CO2|co2|碳|温室气体|(?i:carbon|greenhouse|\bghg)")
_CO2_GENERIC = re.compile(r"减排|排放|(?i:emission)")
# English names what the tonnes are of after them: "300,000 tonnes of emissions", "tonnes of carbon".
_EN_OF_CO2 = re.compile(
    r"\s*,?\s*(?:of\s+)(?:the\s+city[’']s\s+)?(?:carbon|greenhouse|ghg|co2|emissions?\b)", re.IGNORECASE
)
# "from 8.7 tonnes to 3.1 tonnes": two levels of emissions, neither of them a reduction; "capacity
# from 0.7 terawatts to 2.7 terawatts": the level it starts from is not what was built.
_FROM_LEVEL = re.compile(r"(?i:\bfrom)\s*$")
_TO_LEVEL_AFTER = re.compile(r"^\s*(?:\w+\s+){0,3}?to\s+(?:about\s+|around\s+|just\s+)?[\d.]", re.IGNORECASE)
_TO_LEVEL = re.compile(r"(?i:\bfrom)\s+[\d.,]+\s*(?:[A-Za-z%]+\s+){0,4}?to\s+(?:about\s+|around\s+|just\s+)?$")
_LATIN_BEFORE = re.compile(r"[A-Za-z]{2,}[\s,’']*$")  # English words right before the number
_NOT_CO2 = re.compile(
    r"标煤|标准煤|原煤|燃煤|煤炭|柴油|汽油|燃油|石油|天然气|水(?!电)|垃圾|废物|废弃物|固废|塑料|污泥|粮|铝|钢|纸|衣|产能|沼|粪|秸秆|餐厨|"
    r"二氧化硫|SO_?2|氮氧化物|NO_?x|NOₓ|颗粒物|粉尘|烟尘|灰尘|COD|氨氮|总磷|总氮|硫氧化物|一氧化碳|碳氢|VOC|挥发性|废气|污染物|有害|矿|产量|产品|物料|材料|食物|原料|包装|饲料|肥"
)
# A rate ("日均减排 423 吨", "每辆车 1.2 吨"), a potential, or a hypothetical is not an outcome total.
_RATE = re.compile(r"每(?!年|月|季)|日均|人均|平均日|日减|单位|足迹|系数|强度|一辆|单车|单台|一次")
# A figure per a unit that is not time is an intensity or a factor, not a total: "67g CO2/p.km",
# "6.4 吨/公顷", "3000 元 / ㎡", "每平方米减少 4.18 千克标准煤", "人均", "排放系数/强度".
_TIME = r"年|a\b|yr|月|季|周|天|日|d\b|day|h\b|hr|min|小时|次年"
_DENOMINATOR = (
    r"[A-Za-z][A-Za-z0-9.²³]*|万平方米|平方米|平米|㎡|立方米|万千瓦时|千瓦时|度电|度|万吨|吨|千克|公斤|"
    r"公里|千米|人|户|辆|车|台|次|亩|公顷|万元|元|件|个|间|床|头|只|张|份|套|座"
)
_PER_AFTER = re.compile(rf"^\s*[/／]\s*(?!{_TIME})({_DENOMINATOR})")
_PER_BEFORE = re.compile(
    rf"每\s*(?!{_TIME})(?:一)?\s*(吨|千克|公斤|平方米|平米|㎡|立方米|千瓦时|度电|公里|千米|辆|台|人|户|公顷|亩|万元)"
)
# Per tonne or unit of product ("吨熟料综合电耗下降 8.6 千瓦时", "单位产品能耗", "百公里电耗 16 kWh",
# "每台…耗电"): an intensity, its denominator the product ("吨熟料").
_PER_PRODUCT = re.compile(
    r"(?P<per>(?<![\d\s万千百亿])吨[\u4e00-\u9fff]{0,5}?|单位[\u4e00-\u9fff]{0,4}?|百公里|每(?:吨|台|件|辆|个)[\u4e00-\u9fff]{0,4}?)"
    r"的?(?:综合)?(?:(?:天然气|[电能煤水油气汽药热])耗|耗[电能煤水油气汽热]|排放|碳排|用[电水能气])(?P<rest>[^计测核]{0,6})$"
)
# Power from waste heat or pressure is recovered energy, not renewable ("9 兆瓦余热发电机组").
_WASTE_HEAT = re.compile(r"余热|余压|余气|废热|(?i:waste[- ]heat|residual heat)")
_INTENSITY = re.compile(r"人均|单位(?:产品|面积|产值|GDP|建筑面积|营收)|系数|因子|强度")
# The rating of one component is not what was built: "450Wp 单晶组件", "单机容量 6.5MW" (but
# "500 兆瓦的光伏组件" is 500 MW of modules).
_COMPONENT_AFTER = re.compile(
    r"^\s*(?:单晶|多晶|双面|单面|高效|光伏|太阳能)*\s*(组件|电池板|光伏板|面板|电池片|逆变器|风机|机组)"
)
_COMPONENT_BEFORE = re.compile(r"(单机|单台|单块|单片|单个|每块|每台|每片)(?:容量|功率|装机)?\s*(?:为|达|约|是)?\s*$")
_HYPOTHETICAL = re.compile(r"若|如果|假如|假设|理论上|功率|制冷量|负荷|额定")
_IF = re.compile(r"若|如果|假如|假设")
_PROJECTION = re.compile(r"有望|将可|或将|可能")
_NOT_OUTCOME = re.compile(r"潜力|规划|在建|拟建|可建设")
# A figure named as the goal right after it: "实现 1 亿吨二氧化碳年减排的目标", "…万吨的减排目标".
_GOAL_AFTER = re.compile(r"^[^，。；;,]{0,16}?(?:的)?(?:[一-鿿]{0,4})?(?:目标|愿景|承诺)")
# Whose figure: a whole industry, or the whole organization, not this project. ("全市…" is
# left as the case's own: in a city's report the city is the project.)
_SECTOR_SCOPE = re.compile(
    r"全行业|整个行业|行业(?:内|整体|全部|每年|年)|全产业|全社会|全国范围|带动行业|"
    r"产业链(?:上下游)?(?:整体|共)"
)
_ORG_SCOPE = re.compile(
    r"全公司|全集团|集团(?:整体|全年|层面|范围|总|合计|共)|公司(?:整体|全年|层面|范围|总)|"
    r"企业(?:整体|全年|总)|全球运营|运营范围|范围[一二三123]|整个供应链"
)
# An ideal or theoretical figure is a hypothetical, not a result: "在理想状态下…可节省 1800 亿元",
# "理论上", "最高可"; a capacity that "can reach" a figure ("装机容量可达 100 兆瓦") is a potential.
_IDEAL = re.compile(
    r"理想(?:状态|情况|条件|状况)|理论上|理论值|理论计算|最高可|最多可|最大可|满负荷(?:运行|运转)?(?:下|时)"
    r"|(?i:theoretical|in theory|ideal(?:ly)?\b|up to\s*$)"
)
_CAN_REACH = re.compile(r"(?:可达|可达到|可以达到|最高达|最大达)\s*(?:约|近)?\s*$")
# An equivalence restates the figure before it in another unit ("节电 60 万千瓦时，相当于减排 342
# 吨"; "约当", "折合", "等同于"). It is what that figure is: an equivalence of a per-unit figure is
# per unit, of a projection a projection; one that restates a result is not another outcome unless
# it is the case's only statement of its kind in its unit.
_EQUIVALENT = re.compile(
    r"(?:相当于|约当|折合|折算|等同于|等效于|约合|等于)[^，。；,;]{0,16}$|(?i:equivalent to|equals?)\s*[^,.;]{0,24}$"
)
_CALC = re.compile(r"计算|测算|估算|核算")  # "若按…测算": the basis of an estimate, not a scenario
_EXPECTED = re.compile(r"预计|预期|预测|估计|有望|将可|或将|将实现|将减少|将节约|可望")
_CONSUMPTION = re.compile(
    r"能耗|消耗|耗能|用能|消费量|排放量为|排放总量|总排放|产生|(?i:consum|total emissions (?:were|of))"
)
_RENEWABLE_POWER = re.compile(
    r"光伏|风电|风机|风力|太阳能|装机|电站|储能|发电|新能源|可再生|水电|核电|生物质|沼气|燃机|机组|并网|组件|光热|地热|充电"
    r"|(?i:solar|\bwind|photovoltaic|\bpv\b|renewable|install|biogas|geothermal)"
)
_COAL_CONTEXT = re.compile(r"标准煤|标煤|(?i:coal equivalent|standard coal)")
_GENERATION = re.compile(
    r"发电|光伏|风电|风能|绿电|绿色电力|可再生|清洁电力|清洁能源|上网|自发自用|产出|供应绿色|水电|太阳能|沼气"
    r"|(?i:generat|produc|solar|\bwind|renewable|green (?:power|electricity)|biogas)"
)
_SAVING = re.compile(r"节电|节约|节省|节能|减少|降低|下降|省电|节约用电|(?i:sav(?:e|es|ed|ing)\b|reduc|\bcut\b|lower)")
_FINANCE = re.compile(
    r"投资|融资|贷款|信贷|债券|发行|募集|资金|补贴|补助|奖励|捐|基金|授信|余额|资助|投入|拨付|专项|出资|注资|认购|保费|保额|保险|绿债|金额|发放|规模"
    r"|(?i:invest|financ|fund|loan|\blen(?:d|ds|t|ding)\b|borrow|\bbonds?\b|raised|capital|\bcost\b|grant|subsid)"
)
# Money saved ("年节约电费 30 万元", "节省运行成本") and money earned ("年收入", "营收", "产值").
_COST_SAVING = re.compile(
    r"(?:节约|节省|降低|减少|省下|省去|节支)[^，。；]{0,8}(?:成本|费用|电费|开支|支出|费)|"
    r"(?:成本|费用|电费|开支|支出)[^，。；]{0,6}(?:节约|节省|降低|减少)"
    r"|(?i:(?:cost|bill|expense)s? sav|sav(?:e|es|ed|ing) [a-z ]{0,20}(?:costs?|bills?|expenses?))"
)
_REVENUE = re.compile(r"收入|营收|营业额|销售额|产值|收益|利润|创收|增收|(?i:revenue|income|sales|profit)")
# Power that is storage, or equipment shipped or sold, is not renewable capacity built.
_STORAGE = re.compile(r"储能|蓄能|电池储|储电")
_SHIPPED = re.compile(r"出货|销量|销售|供货|交付|订单|产能")
_NOT_FINANCE = re.compile(r"市场|收入|产值|营收|利润|销售|市值|成本|效益|节约|节省|降低|减少|GDP|营业额|税")
_PCT_REDUCE = re.compile(
    r"下降|降低|减少|节约|节能|减排|降幅|节省|削减|减碳|降碳|减量|(?i:reduc|\bcut|lower|\bfell\b|decreas|sav)"
)
_TARGET_YEAR = re.compile(r"(?:到|至|于|在|争取|力争)\s*20\d\d\s*年|20\d\d\s*年(?:前|之前|以前)")
_TARGET_WORD = re.compile(r"目标|力争|承诺|计划|规划|愿景|将|争取|要")
_COUNTED = re.compile(r"\s*[\u4e00-\u9fff]")  # a bare 万/亿 followed by any noun is a count
_ACHIEVED = re.compile(r"累计|共计|已|实现了|完成了|达到了")
# "… 68 million kWh of electricity a year", "11,800 tCO2e per year", "650 tonnes of CO2e annually"
_ANNUAL_AFTER = re.compile(
    r"\s*(?:[a-z][a-z ]{0,30}?\s)?(?:a year|per year|per annum|annually|every year|each year|/\s*(?:year|yr)"
    r"|in (?:its |the |a )?(?:first )?(?:full )?(?:year|twelve months)\b)",
    re.IGNORECASE,
)
_BACKGROUND = re.compile(
    r"全球|全世界|世界上|全国|我国|国内|全省|全社会|整个行业|全行业|人类|据统计|研究表明|报告显示|数据显示"
)
_CASE_MARK = re.compile(
    r"本项目|该项目|项目|公司|集团|企业|我们|工厂|园区|平台|本|该|其|通过|累计|实现|完成|建成|助力|帮助"
)


_FORMULA = re.compile(r"[（(][A-Za-z0-9₀-₉ₓ]{1,8}[）)]$")  # "（CO₂）", "(SO2)": a name's formula, not a clause break


def _clause_before(text: str, pos: int, limit: int = 40) -> str:
    """The clause before a number; a chemical formula in brackets right before it belongs to
    the name ("减少二氧化碳（CO₂）约 27,377.62 吨" is about 二氧化碳)."""
    clause = words_before(text, pos, _CLAUSE_END, limit)
    start = pos - len(clause)
    m = _FORMULA.search(text[max(0, start - 10) : start])
    if m:
        open_at = start - len(m.group(0))
        clause = words_before(text, open_at, _CLAUSE_END, limit) + m.group(0) + clause
    return clause


def classify(
    q: Quantity, clause: str, sentence: str, after: str, reach: int = 12, rest: str = ""
) -> tuple[str, str] | None:
    """(kind, unit) for a quantity in context, or None when it is not an outcome we keep.
    `reach`: how many characters before the number may name the substance; `rest`: the sentence
    after the number (English names what tonnes are of after them, maybe past a comma)."""
    fam, unit = q.family, q.unit
    near = clause[
        -(3 * reach if _LATIN_BEFORE.search(clause) else reach) :
    ]  # an English word is ~3 characters of Chinese
    if fam == "mass":
        # The substance named closest before the number decides what the tonnes are of.
        coal, co2, other = _last(_COAL_CONTEXT, near), _last(_CO2_SUBSTANCE, near), _last(_NOT_CO2, near)
        if coal >= 0 and coal >= other - 1:
            fam, unit = "coal", "tce"
        elif co2 > other or (
            other < 0
            and (_CO2_GENERIC.search(near) or _CO2_SUBSTANCE.search(after[:6]) or _EN_OF_CO2.match(rest or after))
        ):
            fam, unit = "co2", "tCO2e"
    both = clause + after[:8]
    if (_FROM_LEVEL.search(clause) and _TO_LEVEL_AFTER.match(after)) or (
        fam in ("co2", "coal", "mass") and _TO_LEVEL.search(clause)
    ):
        return "other", unit  # a level it went from (or emissions went to), not a reduction
    if fam in ("co2", "coal"):
        if _CONSUMPTION.search(clause) and not _REDUCE.search(clause):
            return "other", unit  # an emission or consumption total, not a reduction
        reduced = _REDUCE.search(sentence) or (fam == "coal" and "相当于" in sentence)
        return ("co2e_reduction" if fam == "co2" else "energy_saving") if reduced else "other", unit
    if fam == "energy":
        if _STORAGE.search(clause[-12:] + after[:6]) and not _SAVING.search(clause[-10:]):
            return "storage_capacity", unit  # "建成 5 兆瓦时储能"
        if _SAVING.search(clause[-10:]) and not _GENERATION.search(clause[-6:]):
            return "energy_saving", unit
        if _GENERATION.search(both):
            # Power made from waste heat is energy recovered (saved), not renewable generation.
            return ("energy_saving" if _waste_heat(clause, after) else "renewable_generation"), unit
        if _SAVING.search(clause):
            return "energy_saving", unit
        return "other", unit
    if fam == "power":
        if _STORAGE.search(clause[-12:] + after[:8]):
            return "storage_capacity", unit
        if _SHIPPED.search(clause[-16:]):
            return "other", unit  # "光伏组件出货 15 GW": made or sold, not installed
        # English names the plant after the figure ("a 4.5 MW floating solar plant").
        tail = after[:24] if re.match(r"\s*[A-Za-z]", after) else after[:6]
        if _waste_heat(clause, after):
            return "other", unit
        return ("renewable_capacity" if _RENEWABLE_POWER.search(clause + tail) else "other"), unit
    if fam == "money_bare":
        # "规模 10.8 亿" is money only when the clause is about money and no counter follows
        # ("用户 400 余万", "轮胎超过 5 万条").
        if _FINANCE.search(clause) and not _NOT_FINANCE.search(clause[-8:]) and not _COUNTED.match(after):
            return "investment_or_finance", unit
        return None
    if fam == "money" and _COST_SAVING.search(clause[-20:] + after[:6]):
        return "cost_saving", unit
    if fam == "money" and _REVENUE.search(clause[-12:]) and not _FINANCE.search(clause[-6:]):
        return "revenue", unit
    if fam == "money":
        if (
            _FINANCE.search(clause) or _FINANCE.search(sentence[: max(0, len(sentence) - len(after))][-60:])
        ) and not _NOT_FINANCE.search(clause[-8:]):
            return "investment_or_finance", unit
        return None if fam == "money_bare" else ("other", unit)
    if fam == "area":
        return "area", unit
    if fam == "percent":
        return ("percentage_reduction" if _PCT_REDUCE.search(clause) else "other"), unit
    if fam == "persons":
        return "users_or_participants", unit
    return "other", unit


def _waste_heat(clause: str, after: str) -> bool:
    """Waste heat or pressure names the plant: "余热发电 3.76 亿度", "9 兆瓦余热发电机组" (where a
    reader took the 余 for "more than", the words after start 热发电)."""
    return bool(_WASTE_HEAT.search(clause[-12:] + after[:8]) or re.match(r"\s*[热压]\s*(?:发电|回收|利用)", after))


def _last(rx: re.Pattern[str], text: str) -> int:
    """End position of the last match of `rx` in `text`, or -1."""
    last = -1
    for m in rx.finditer(text):
        last = m.end()
    return last


def _period(
    q: Quantity, kind: str, clause: str, prefix: str, after: str, head: str = "", passage: str = ""
) -> tuple[str, tuple[int, int] | None]:
    """(period, span) by the time words before the number (extract/periods.py); a "/年",
    "每年" or "a year" right after it makes it yearly."""
    per_year = bool(q.per_year or re.match(r"\s*(?:/\s*年|每年|年)", after) or _ANNUAL_AFTER.match(after))
    money = q.unit in ("CNY", "USD", "EUR", "HKD", "GBP", "JPY")
    return periods.period_and_span(
        clause,
        prefix,
        head or prefix,
        passage or prefix,
        per_year=per_year,
        money=money,
        stock=periods.is_stock(q.unit, kind, clause),
    )


def _is_background(sentence: str) -> bool:
    return bool(_BACKGROUND.search(sentence)) and not _CASE_MARK.search(sentence)


_ROW = re.compile(r"^(?P<label>[^\d\s][^\d]{0,20}?)\s+(?P<nums>\d[\d,.]*(?:\s+\d[\d,.]*)*)$")
_HEADER_UNIT = re.compile(
    r"[（(/]\s*(?P<unit>吨|t|kg|KG|Kg|千克|公斤|tCO2e?|万元|元|万千瓦时|千瓦时|kWh|度)\s*(?:/\s*年)?\s*[）)]?"
)


def _table_rows(
    lines: list[Line],
) -> list[tuple[Line, str, list[float], str, list[tuple[str, tuple[int, int] | None]] | None]]:
    """Rows of flattened tables ("减少碳排放 98975 540350 …") with the unit their header names,
    and the period of each column when the header's columns are years."""
    rows = []
    recent: list[Line] = []
    header_lines: list[str] = []  # the lines above the table's first row
    in_rows = False
    for line in lines:
        text = line.text
        if not text:
            continue
        m = _ROW.match(text)
        if m and not in_rows:
            header_lines = [h.text for h in recent[-16:]]
            for back, h in enumerate(reversed(recent[-16:])):
                if _ROW.match(h.text):  # only the lines after the previous table
                    header_lines = header_lines[len(header_lines) - back :]
                    break
        in_rows = bool(m)
        if m:
            label = m.group("label")
            header = next((h for h in reversed(recent[-12:]) if _HEADER_UNIT.search(h.text) and len(h.text) < 40), None)
            own = _HEADER_UNIT.search(label)
            unit_match = own or (_HEADER_UNIT.search(header.text) if header else None)
            if unit_match:
                values = []
                for token in m.group("nums").split():
                    try:
                        values.append(float(token.replace(",", "")))
                    except ValueError:
                        pass
                # Header first, row label last: the label is what the numbers are "closest" to.
                context = (header.text if header is not None and not own else "") + " " + label
                rows.append(
                    (
                        line,
                        label.strip(),
                        values,
                        unit_match.group("unit") + "|" + context,
                        periods.year_columns(header_lines, len(values)),
                    )
                )
        recent.append(line)
    return rows


def _table_outcomes(lines: list[Line]) -> list[Outcome]:
    out = []
    for line, label, values, spec, columns in _table_rows(lines):
        unit_word, context = spec.split("|", 1)
        q_text = f"{label} 1 {unit_word}"  # classify the row as if its label stated one unit
        probe = find_quantities(q_text)
        if not probe:
            continue
        q = probe[0]
        kinds = classify(q, context, context, "", reach=len(context))
        if kinds is None:
            continue
        kind, unit = kinds
        if kind == "other" or not _REDUCE.search(label):
            kind = "other"
        for i, v in enumerate(values):
            if v == 0:
                continue
            value = float(f"{v * q.value:.12g}")
            quote = line.raw.strip()  # a table row is short: the whole row is the evidence
            period, span = columns[i] if columns else ("unspecified", None)
            out.append(
                Outcome(value, None, unit, kind, period, None, quote, line.no, [Evidence(quote, line.no)], span=span)
            )
    return out


_CELL_NUMBER = re.compile(r"^\s*(-?\d{1,3}(?:,\d{3})+(?:\.\d+)?|-?\d+(?:\.\d+)?)\s*$")


def _column_table_outcomes(found: list[Table]) -> list[Outcome]:
    """Tab tables whose header names each column's unit (extract/tables.py), one row per item,
    a total row at the bottom: every cell is an outcome of its column's kind (the header says
    what it is), the total row's as stated and the rows' as `part`s of it (so a total is not
    counted twice)."""
    out: list[Outcome] = []
    for table in found:
        if table.form != "tab":
            continue
        columns = [
            (col, header[: UNIT_IN.search(header).start()], find_quantities(f"1 {unit}")[0])
            for col, (header, unit) in enumerate(zip(table.header, table.units))
            if unit
        ]
        for r, (label, cells, no) in enumerate(zip(table.labels, table.cells, table.lines)):
            for col, name, q in columns:
                if col >= len(cells) or not _CELL_NUMBER.match(cells[col]):
                    continue
                value = float(cells[col].replace(",", "")) * q.value
                context = f"{name} {label}"
                kinds = classify(q, name, context, "", reach=len(name))
                if kinds is None or value == 0:
                    continue
                kind, unit = kinds
                if not _REDUCE.search(name) and kind in ("co2e_reduction", "energy_saving"):
                    kind = "other"  # "排放量 (t)" without a reduction word is an emission, not a cut
                quote = cells[col]
                period = "annual" if re.search(r"年(?!份)", name) else "unspecified"
                out.append(
                    Outcome(
                        float(f"{value:.12g}"),
                        None,
                        unit,
                        kind,
                        period,
                        None,
                        quote,
                        no,
                        [Evidence(quote, no)],
                        scope="part" if table.totals and r not in table.totals else "project",
                    )
                )
    return out


# A column of a before/after table states a level, not a result ("替代前", "改造后", "baseline").
_STATE_COLUMN = re.compile(r"(?:前|后|之前|之后|基准|基线)$|(?i:before|after|baseline)")
# The two columns of a before/after table ("项目实施前…排放量" | "项目实施后…排放量"): a level brought
# to zero states what was cut ("2094 → 0 吨/年" is a cut of 2094 吨 a year); other changes are not
# computed (a signed change column is left alone).
_BEFORE_WORD = re.compile(r"(?:实施|改造|替代|使用|建设|项目)?(?:之前|前)|基准|基线|(?i:before|baseline)")
_AFTER_WORD = re.compile(r"(?:实施|改造|替代|使用|建设|项目)?(?:之后|后)|(?i:after)")
_CHANGE_KIND = {"tCO2e": "co2e_reduction", "tce": "energy_saving", "kWh": "energy_saving"}
_GENERIC_COLUMN = re.compile(r"^(?:数值|数量|数据|值|指标值|结果|value|amount|figure)$", re.IGNORECASE)


def _flat_table_outcomes(found: list[tables.Cell]) -> tuple[list[Outcome], set[int]]:
    """Numbers of flattened tables (extract/tables.py) read as the sentence their row label and
    column header make ("年减排量（吨二氧化碳）" × "一期" × "5,240" → "一期年减排量 5240 吨二氧化碳"):
    the same words decide kind, unit and period as in running text. Rows above a total row
    are parts of it; a before/after column is a level; a signed change is left alone. Returns
    the outcomes and the lines they came from (other rows are left to the row reader)."""
    out: list[Outcome] = []
    covered: set[int] = set()
    levels: dict[tuple, dict[str, tables.Cell]] = {}  # (table, row line, column without 前/后) → cells
    for c in found:
        if c.number.startswith("-"):
            continue
        column = re.sub(r"\s+", "", c.column)
        state = "before" if _BEFORE_WORD.search(column) else "after" if _AFTER_WORD.search(column) else None
        if state is not None:
            base = _AFTER_WORD.sub("", _BEFORE_WORD.sub("", column))
            levels.setdefault((c.table, c.line.no, base), {})[state] = c
        column = re.sub(r"\s+", "", c.column)
        m = UNIT_IN.search(column)
        unit_word, name = (m.group(1), column[: m.start()]) if m else (c.unit, column)
        row = c.row
        if not unit_word:
            m = UNIT_IN.search(row)
            if not m:
                continue
            unit_word, row = m.group(1), row[: m.start()]
        if unit_word == "万" and tables.MONEY_WORDS.search(name + row):  # "项目资金（万）": 万元
            unit_word = "万元"
        if _GENERIC_COLUMN.match(name) or opens_total(name):
            name = ""
        label = "" if is_total(row) else row
        sentence = f"{label}{name} {c.number.replace(',', '')}{unit_word}"
        q = next((x for x in find_quantities(sentence) if x.number_start == len(label) + len(name) + 1), None)
        if q is None or q.value == 0:
            continue
        clause, after = sentence[: q.number_start], sentence[q.end :]
        kinds = classify(q, clause, sentence, after, reach=len(clause))
        if kinds is None:
            continue
        kind, unit = kinds
        if _STATE_COLUMN.search(name):
            kind = "other"
        per = _per_unit(clause, after, unit)
        if per is not None:
            kind, unit = "intensity", f"{unit}/{per}"[:16] if per else unit
        period, span = _period(q, kind, clause, clause, after)
        out.append(
            Outcome(
                q.value,
                None,
                unit,
                kind,
                period,
                None,
                c.number,
                c.line.no,
                [Evidence(c.number, c.line.no)],
                scope="part" if c.part else "project",
                span=span,
            )
        )
        covered.add(c.line.no)
    return _changes(levels) + out, covered


def _changes(levels: dict[tuple, dict[str, tables.Cell]]) -> list[Outcome]:
    """A before/after pair of one row whose after level is zero: the before level is what was cut,
    a reduction of what the column measures (emissions → co2e_reduction, energy → energy_saving)."""
    out = []
    for (_, _, base), pair in levels.items():
        if set(pair) != {"before", "after"}:
            continue
        before, after = (float(pair[k].number.replace(",", "")) for k in ("before", "after"))
        if after != 0 or before <= 0:
            continue  # only a level brought to nothing: the printed "before" is what was cut
        c = pair["before"]
        m = UNIT_IN.search(base)
        unit_word, name = (m.group(1), base[: m.start()]) if m else (c.unit, base)
        row = "" if is_total(c.row) else c.row
        sentence = f"{row}{name} {before - after:.12g}{unit_word}"
        q = next((x for x in find_quantities(sentence) if x.number_start == len(row) + len(name) + 1), None)
        if q is None:
            continue
        clause, tail = sentence[: q.number_start], sentence[q.end :]
        kinds = classify(q, clause, sentence, tail, reach=len(clause))
        if kinds is None or kinds[1] not in _CHANGE_KIND:
            continue
        unit = kinds[1]
        period, span = _period(q, _CHANGE_KIND[unit], clause, clause, tail)
        quote = c.line.raw.strip()  # the row: both levels are the evidence
        out.append(
            Outcome(
                q.value,
                None,
                unit,
                _CHANGE_KIND[unit],
                period,
                None,
                quote,
                c.line.no,
                [Evidence(quote, c.line.no)],
                span=span,
            )
        )
    return out


def extract_outcomes(
    lines: list[Line], profile_lines: frozenset[int] = frozenset(), found_tables: list[Table] | None = None
) -> list[Outcome]:
    """Outcomes stated in `lines` (one case), with `found_tables` the tables read from them
    (`tables.read`, read here when not given). Numbers on `profile_lines` (the organization's
    own profile section) describe the organization, not the case: they are kept as 'other'."""
    found: dict[tuple, Outcome] = {}
    direct: set[tuple] = set()
    if found_tables is None:
        found_tables = tables.read(lines)
    by_column = _column_table_outcomes(found_tables)
    covered = {n for t in found_tables if t.form == "tab" for n in t.lines}
    flat, flat_lines = _flat_table_outcomes(tables.cells(found_tables, {ln.no: ln for ln in lines}))
    covered |= flat_lines
    for o in _table_outcomes([ln for ln in lines if ln.no not in covered]) + by_column + flat:
        found.setdefault((o.unit, round(o.value, 6), None), o)
        direct.add((o.unit, round(o.value, 6), None))
    for p in paragraphs(lines):
        text = p.text
        stated: list[_Stated] = []  # this passage's figures so far
        seen: list[_Seen] = []  # every quantity of the passage so far, outcome or not
        for q in find_quantities(text):
            clause = _clause_before(text, q.number_start)
            prefix = words_before(text, q.number_start, SENTENCE_END, 120)  # the sentence up to the number
            sentence = prefix + words_after(text, q.end, SENTENCE_END, 60)
            after = words_after(text, q.end, _CLAUSE_END, 20)
            # (English may name what the tonnes are of past a comma: "134,000 tonnes, of emissions")
            kinds = classify(q, clause, sentence, after, rest=words_after(text, q.end, SENTENCE_END, 30))
            if kinds is None:
                continue
            kind, unit = kinds
            if q.family == "money_bare" and kind != "investment_or_finance":
                continue
            status = "achieved"
            last_if = _last(_IF, prefix)
            if last_if >= 0 and not _CALC.search(prefix[last_if:]):
                status = "hypothetical"  # "如果啤酒行业全部推广，预计减少…", not "如果按…计算，减少了…"
            elif _IDEAL.search(prefix) or (unit == "MW" and _CAN_REACH.search(clause)):
                status = "hypothetical"
            elif _EXPECTED.search(clause) or _PROJECTION.search(clause):
                status = "projection"
            per = _per_unit(clause, after, unit)
            if per is not None:
                kind, unit = "intensity", f"{unit}/{per}"[:16] if per else unit
            elif (
                _RATE.search(clause)
                or _HYPOTHETICAL.search(clause)
                or _NOT_OUTCOME.search(prefix)
                or (_IF.search(prefix) and (_TARGET_YEAR.search(prefix) or _PROJECTION.search(prefix)))
            ):
                kind = "other"  # a projection ("若推广…到 2050 年可减排 1320 亿吨"), not a result
            sentence_start = q.number_start - len(prefix)
            restated = _restated(clause, prefix, q.number_start, seen)
            seen.append(_Seen(q.end, kind, unit, status, per is not None or bool(_RATE.search(clause)), per))
            if restated is not None:
                if restated.rate and kind not in NOT_RESULTS:  # "每个…减少 60 g，约相当于节电 0.1 度"
                    kind, unit = ("intensity", f"{unit}/{restated.per}"[:16]) if restated.per else ("other", unit)
                    seen[-1].rate, seen[-1].per = True, restated.per
                if status == "achieved" and restated.status != "achieved":
                    status = restated.status
                seen[-1].kind, seen[-1].unit, seen[-1].status = kind, unit, status
            if _is_background(words_before(text, q.number_start, SENTENCE_END, 120)):
                continue
            if (
                kind != "other"
                and _TARGET_YEAR.search(prefix)
                and _TARGET_WORD.search(prefix[-30:])
                and not _ACHIEVED.search(clause)
            ):
                kind = "target"
            if kind == "target" or (
                status == "achieved" and _GOAL_AFTER.search(after + words_after(text, q.end, SENTENCE_END, 30))
            ):
                status = "target"
            head = words_before(text, q.number_start, FULL_STOP, 240)
            period, span = _period(
                q, kind, clause, prefix, words_after(text, q.end, _CLAUSE_END, 40), head, text[: q.number_start]
            )
            near = prefix[-40:]
            scope = "sector" if _SECTOR_SCOPE.search(near) else "organization" if _ORG_SCOPE.search(near) else "project"
            total = _part_of(text, q.number_start, kind, unit, q.value, stated)
            if total is not None:
                scope = "part"  # "共减排 5 万吨，其中光伏 2 万吨": counted in the total, not again
                kind = total.kind
                if period == "unspecified" and total.sentence == sentence_start:
                    period, span = total.period, total.span  # over the same time as its total
            stated.append(_Stated(q.end, kind, unit, period, span, q.value, sentence_start))
            quote, line = _quote(p, q)
            if line.no in profile_lines:
                kind = "other"
            key = (unit, round(q.value, 6), None if q.value_max is None else round(q.value_max, 6))
            if restated is None or restated.kind in NOT_RESULTS:
                direct.add(key)  # stated in its own right, not only as another figure's equivalent
            if key in found:
                known = found[key]
                known.evidence.append(Evidence(quote, line.no))
                if known.period == "unspecified":
                    known.period, known.span = period, span
                if known.kind == "other" and kind != "other":
                    known.kind = kind
                if status == "achieved":
                    known.status = "achieved"  # stated once as done: it is a result
                continue
            found[key] = Outcome(
                value=q.value,
                value_max=q.value_max,
                unit=unit,
                kind=kind,
                period=period,
                qualifier=q.qualifier,
                quote=quote,
                line=line.no,
                evidence=[Evidence(quote, line.no)],
                status=status,
                scope=scope,
                span=span,
            )
    return _merge_rounded(_without_restatements(found, direct))


def _restated(clause: str, prefix: str, at: int, seen: list[_Seen]) -> _Seen | None:
    """The figure an equivalence restates: the last one before 相当于/折合/约当 in its sentence."""
    eq = _EQUIVALENT.search(clause)
    if eq is None:
        return None
    eq_at = at - len(clause) + eq.start()
    sentence_start = at - len(prefix)
    found = next((s for s in reversed(seen) if sentence_start < s.end <= eq_at), None)
    if found is None:  # a figure the reader keeps no unit for ("每个麦芬减少 60g 排放，约相当于节电 0.1 度")
        before = prefix[: len(prefix) - len(clause) + eq.start()]
        return _Seen(eq_at, "other", "", "achieved", bool(_RATE.search(before) or _PER_BEFORE.search(before)), None)
    return found


def _without_restatements(found: dict[tuple, Outcome], direct: set[tuple]) -> list[Outcome]:
    """Drop a result stated only as the equivalent of another result ("节省 335 亿度电，约当减碳
    1,780 万吨") when the case states that kind in that unit in its own right elsewhere."""
    own = {(o.kind, o.unit) for key, o in found.items() if key in direct and o.kind not in NOT_RESULTS}
    return [o for key, o in found.items() if key in direct or o.kind in NOT_RESULTS or (o.kind, o.unit) not in own]


def _printed_decimals(o: Outcome) -> int | None:
    """Decimals of the number as printed in the quote ("11599" 0, "1,502.29" 2), None if unclear."""
    numbers = re.findall(r"\d[\d,]*(?:\.(\d+))?", o.quote)
    return len(numbers[-1]) if numbers else None


def _merge_rounded(outs: list[Outcome]) -> list[Outcome]:
    """One quantity printed rounded in one place and exact in another ("每年减少碳排放 11599 吨" and a
    table's "11,598.8908"): one claim, the exact value, both places as evidence."""
    kept: list[Outcome] = []
    for o in sorted(outs, key=lambda x: -(_printed_decimals(x) or 0)):
        d = _printed_decimals(o)
        twin = None
        if d is not None and o.value_max is None and o.value >= 10 ** (3 - d):  # a rounded number, not "3 台"
            twin = next(
                (
                    k
                    for k in kept
                    if k.unit == o.unit
                    and k.kind == o.kind
                    and k.value_max is None
                    and (_printed_decimals(k) or 0) > d
                    and round(k.value, d) == o.value
                ),
                None,
            )
        if twin is None:
            kept.append(o)
            continue
        twin.evidence.extend(o.evidence)
        if twin.period == "unspecified":
            twin.period, twin.span = o.period, o.span
        if twin.scope == "part" and o.scope != "part":
            twin.scope = o.scope
    ids = {id(o) for o in kept}
    return [o for o in outs if id(o) in ids]  # in the order found


_PART_OF = re.compile(r"其中|包括|包含")


@dataclass(slots=True)
class _Seen:
    """A quantity read earlier in the passage (what a later equivalence may restate)."""

    end: int
    kind: str
    unit: str
    status: str
    rate: bool  # per unit or per day: not a total
    per: str | None


@dataclass(slots=True)
class _Stated:
    """A figure stated earlier in the passage (what a later part may be a part of)."""

    end: int
    kind: str
    unit: str
    period: str
    span: tuple[int, int] | None
    value: float
    sentence: int = 0  # where its sentence starts


def _part_of(text: str, at: int, kind: str, unit: str, value: float, stated: list[_Stated]) -> _Stated | None:
    """The total a figure is a part of: an earlier figure of the same kind and unit before
    其中/包括 in its sentence ("共减排 5 万吨，其中光伏 2 万吨"), or in the sentence before when
    其中 opens the sentence ("贷款余额 988.81 亿元。其中，清洁能源领域 181.35 亿元"). A part whose
    own words name no kind ("其中，清洁能源领域 181.35 亿元") is of its total's kind; a part is
    never larger than its total."""
    start = at - len(words_before(text, at, SENTENCE_END, 200))
    marker = _last(_PART_OF, text[start:at])
    if marker < 0 or (kind != "other" and kind in NOT_RESULTS):
        return None
    first = start
    if not text[start : start + marker - 2].strip(" \t，,:：（("):  # 其中 opens the sentence
        first = start - len(words_before(text, max(0, start - 1), SENTENCE_END, 200)) - 1
    for total in reversed(stated):
        if (
            first <= total.end <= start + marker
            and total.unit == unit
            and total.kind not in NOT_RESULTS
            and (total.kind == kind or kind == "other")
            and value <= total.value
        ):
            return total
    return None


def _per_unit(clause: str, after: str, unit: str) -> str | None:
    """What a figure is per, when it is an intensity: the denominator ("公顷"), "" when the
    clause names an intensity without one (人均, 排放系数), None for a total or a time rate."""
    if unit == "MW":
        m = _COMPONENT_AFTER.match(after)
        if m:
            return m.group(1)
        m = _COMPONENT_BEFORE.search(clause)
        if m:
            return "台" if "台" in m.group(1) or "机" in m.group(1) else "块"
    m = _PER_AFTER.match(after)
    if m and not (unit == "persons" and m.group(1) == "次"):  # 人/次 is a count of visits, not a rate
        return m.group(1).strip(".·")
    m = _PER_BEFORE.search(clause[-16:])
    if m:
        return m.group(1)
    m = _PER_PRODUCT.search(clause[-24:]) if unit != "%" else None
    if m:  # the words right before the number ("吨熟料综合电耗下降"), not a basis ("按吨产品能耗计算…")
        return m.group("per")
    return "" if _INTENSITY.search(clause[-12:]) else None


def _quote(p: Paragraph, q: Quantity) -> tuple[str, Line]:
    """The clause that states the number, cut to the line it starts on, as written in the raw line."""
    start, end, line = p.line_at(q.number_start)
    clause_start = q.number_start - len(_clause_before(p.text, q.number_start, 24))
    left = max(clause_start, start)
    while left > start and p.text[left - 1].isascii() and p.text[left - 1].isalnum() and p.text[left].isalnum():
        left -= 1  # never start a quote inside a number or word ("020 年" for "2020 年")
    right = min(q.end, end)
    normalized = p.text[left:right].strip()
    return locate(line.raw, normalized), line
