"""Ratios a case implies against reference ranges (`data/checks/ranges.toml`, each with its
source): annual full-load hours of a renewable plant by technology (and, for PV, by the solar
resource zone of the case's province), PV capacity and generation per m² of the area it is
stated to cover, energy saved per m² of building floor. The ranges are wide on purpose: what
falls outside is a figure that cannot be right (a 万 dropped, kW read as MW, a cumulative
figure called annual), and the flag carries the division that shows it.

Which figures go together is read the way the factor pairs are (`figures.py`): a capacity and
an annual generation, or a figure and an area, in one sentence (wrapped lines joined). A
sentence with two capacities (two plants, or a part beside its total), two technologies
(风光互补), a part (其中) or a cumulative or range figure is left alone: its ratio is not one
plant's.
"""

from __future__ import annotations

import re
import tomllib
from functools import lru_cache
from importlib import resources

from ..text.numbers import format_number, format_quantity
from ..text.sentences import SENTENCE_END_RE
from . import CaseView, Flag, rule
from .figures import NEAR_LINES, Stated, between, context, position, same_sentence, statements

# a part of a plant, or one stage of several
_PART = re.compile(r"其中|包括|包含|部分|一期|二期|首期|\b(?:of which|including|phase|stage)\b", re.IGNORECASE)
# capacity added in a year beside the whole fleet's generation: not one plant's hours
_ADDED = re.compile(r"新增|增加|扩建|added|additional|expan", re.IGNORECASE)
_ROOF = re.compile(r"屋顶|屋面|车棚|厂房|面积|占地|roof|area|carport", re.IGNORECASE)
_BUILDING = re.compile(r"建筑|改造面积|供暖面积|供热面积|采暖面积|楼宇|公共机构|住宅|building|floor", re.IGNORECASE)
_NOT_A_BUILDING = re.compile(
    r"数据中心|机房|园区|厂区|工厂|车间|占地|data cent"
)  # their energy per m² is not a building's


def _n(x: float, lang: str = "zh") -> str:
    """A figure a message quotes back, by the one writer."""
    return format_number(x, lang)


def _fmt(x: float, lang: str = "zh") -> str:
    """A computed ratio: three significant figures, by the one writer."""
    return format_number(x, lang, digits=3)


@lru_cache(maxsize=1)
def ranges() -> dict:
    text = (resources.files("caseatlas") / "data" / "checks" / "ranges.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    for tech in data["hours"].values():
        tech["rx"] = re.compile(tech["words"], re.IGNORECASE)
    return data


def province_key(region: str | None) -> str | None:
    """The province of a case's region fact as ranges.toml names it ("内蒙古自治区" → 内蒙古)."""
    if not region:
        return None
    names = ranges()["grid"]["provinces"]
    return next((p for p in names if region.startswith(p)), None)


def grid_low(region: str | None) -> tuple[float, str] | None:
    """The lowest CO2 per kWh a case in this province may imply (kg/kWh), and why: half the lowest
    of its grid's 2021/2022 factors and the national one (a case may use any of them)."""
    p = province_key(region)
    if p is None:
        return None
    g = ranges()["grid"]
    lowest = min([*g["provinces"][p], g["national"]])
    return lowest * g["low_share"], p


def _sentence(view: CaseView, a: Stated, b: Stated) -> str:
    """The text of the sentence(s) holding statements a and b (a before b): from the last
    sentence end before a to the first one after b, across lines."""
    first = view.lines[a.line].raw
    head = SENTENCE_END_RE.split(first[: position(view, a)])[-1]
    if head == first[: position(view, a)] and a.line - 1 in view.lines:  # the sentence began above
        head = SENTENCE_END_RE.split(view.lines[a.line - 1].raw)[-1] + head
    last = view.lines[b.line].raw[position(view, b) + len(b.quote) :]
    tail = SENTENCE_END_RE.split(last)[0]
    return head + a.quote + (between(view, a, b) + b.quote if b is not a else "") + tail


def _technology(text: str) -> str | None:
    """The one technology the text names (the first entry of ranges.toml that matches); None
    when it names none or two that are not one (风光互补: hours of a mix)."""
    found = [name for name, t in ranges()["hours"].items() if t["rx"].search(text)]
    if not found:
        return None
    first = found[0]
    rest = [n for n in found[1:] if not (first == "offshore_wind" and n == "wind")]
    return None if rest else first


def _plain(s: Stated) -> bool:
    """A single figure: positive, not a range, not a part."""
    return s.value > 0 and s.outcome.value_max is None and s.outcome.scope != "part"


def _partners(view: CaseView, kinds_a, kinds_b) -> list[tuple[Stated, Stated, str]]:
    """(a, b, sentence text) for each statement a of kinds_a with the statement b of kinds_b
    stated after it in its sentence (a wrapped line included), with no other statement of a's
    kind between. A sentence holding two of either kind is left alone."""
    figures = [s for s in statements(view) if _plain(s)]
    out = []
    for i, a in enumerate(figures):
        if not kinds_a(a):
            continue
        for b in figures[i + 1 :]:
            if b.line - a.line > NEAR_LINES:
                break
            if kinds_a(b):
                break  # another of a's kind before b: b is that one's
            if not kinds_b(b):
                continue
            if not same_sentence(view, a, b):
                break
            text = _sentence(view, a, b)
            if sum(1 for s in figures if kinds_a(s) and _in(view, s, text)) > 1:
                break
            if sum(1 for s in figures if kinds_b(s) and _in(view, s, text)) > 1:
                break
            out.append((a, b, text))
            break
    return out


def _in(view: CaseView, s: Stated, text: str) -> bool:
    return s.quote in text


def _capacity(s: Stated) -> bool:
    return s.outcome.kind == "renewable_capacity" and s.outcome.unit == "MW"


def _generation(s: Stated) -> bool:
    return s.outcome.unit == "kWh" and s.outcome.kind == "renewable_generation" and s.outcome.period == "annual"


def _area(s: Stated) -> bool:
    return s.outcome.unit == "m2"


@rule("full-load-hours")
def full_load_hours(view: CaseView) -> list[Flag]:
    """A plant's annual generation over its capacity: hours a year at full power, against the
    range of its technology (PV: of the solar resource zone of the case's province)."""
    data = ranges()
    flags = []
    for cap, gen, text in _partners(view, _capacity, _generation):
        if _PART.search(text) or _ADDED.search(context(view, cap, before=8)):
            continue
        tech = _technology(text)
        if tech is None:
            continue
        ref = data["hours"][tech]
        low, high, where = ref["low"], ref["high"], None
        province = province_key(view.region)
        if tech == "pv" and province:
            zone = next(z for z in data["pv_zones"].values() if isinstance(z, dict) and province in z["provinces"])
            high, where = zone["high"], province
        hours = gen.value / (cap.value * 1000)
        if low <= hours <= high:
            continue
        zh, en = ref["label"]
        where_zh = f"（{where}所在资源区上限 {_n(high)} 小时）" if where else ""
        where_en = f" (upper bound {_n(high, 'en')} h in {where}'s solar zone)" if where else ""
        flags.append(
            Flag(
                "plausibility",
                "warning",
                f"年发电量 {format_quantity(gen.value, 'kWh')} ÷ 装机 {_n(cap.value * 1000)} 千瓦 = "
                f"每年满发 {_fmt(hours)} 小时，"
                f"超出{zh}的合理范围 {_n(low)}–{_n(high)} 小时{where_zh}（全国参考 {_n(ref['reference'])} 小时）。",
                f"Annual generation {format_quantity(gen.value, 'kWh', 'en')} ÷ "
                f"capacity {_n(cap.value * 1000, 'en')} kW = "
                f"{_fmt(hours, 'en')} full-load hours a year, outside the plausible {_n(low, 'en')}–{_n(high, 'en')} h "
                f"for {en}{where_en} (China's national reference {_n(ref['reference'], 'en')} h).",
                [cap.line, gen.line],
                [cap.quote, gen.quote],
                {"capacity_kw": cap.value * 1000, "generation_kwh": gen.value, "hours": hours},
                data["pv_zones"]["source"] if where else ref["source"],
            )
        )
    return flags


def _per_area_flag(key: str, value: float, figure: Stated, area: Stated, what: tuple[str, str], per: float) -> Flag:
    ref = ranges()["per_area"][key]
    zh, en = what
    unit = ref["unit"]
    return Flag(
        "plausibility",
        "warning",
        f"{zh} {_n(value)} ÷ 面积 {_n(area.value)} 平方米 = 每平方米 {_fmt(per)} {unit.split('/')[0]}，"
        f"超出合理范围 {_n(ref['low'])}–{_n(ref['high'])} {unit}（参考 {_n(ref['reference'])} {unit}）。",
        f"{en} {_n(value, 'en')} ÷ area {_n(area.value, 'en')} m² = {_fmt(per, 'en')} {unit}, outside the plausible "
        f"{_n(ref['low'], 'en')}–{_n(ref['high'], 'en')} {unit} (reference {_n(ref['reference'], 'en')} {unit}).",
        sorted([figure.line, area.line]),
        [figure.quote, area.quote] if figure.line <= area.line else [area.quote, figure.quote],
        {"figure": value, "area_m2": area.value, "per_m2": per},
        ref["source"],
    )


def _outside(key: str, per: float) -> bool:
    ref = ranges()["per_area"][key]
    return not ref["low"] <= per <= ref["high"]


@rule("per-area")
def per_area(view: CaseView) -> list[Flag]:
    """PV capacity and annual generation per m² of the roof or ground they are stated to
    cover; annual energy saved per m² of building floor."""
    flags = []
    pv = ranges()["hours"]["pv"]["rx"]

    def pv_figure(s: Stated) -> bool:
        return _capacity(s) or _generation(s)

    def saving(s: Stated) -> bool:
        o = s.outcome
        return o.kind == "energy_saving" and o.unit in ("kWh", "tce") and o.period == "annual"

    seen: set[tuple[int, int]] = set()
    for first_kind, second_kind in ((pv_figure, _area), (_area, pv_figure), (saving, _area), (_area, saving)):
        for a, b, text in _partners(view, first_kind, second_kind):
            figure, area = (a, b) if _area(b) else (b, a)
            if (id(figure), id(area)) in seen or _PART.search(text):
                continue
            seen.add((id(figure), id(area)))
            near_area = context(view, area, before=10)
            if pv_figure(figure):
                if _technology(text) != "pv" or not pv.search(text) or not _ROOF.search(near_area):
                    continue
                if _capacity(figure):
                    per = figure.value * 1e6 / area.value
                    if _outside("pv_watts", per):
                        flags.append(
                            _per_area_flag(
                                "pv_watts", figure.value * 1e6, figure, area, ("光伏装机（瓦）", "PV capacity (W)"), per
                            )
                        )
                else:
                    per = figure.value / area.value
                    if _outside("pv_kwh", per):
                        flags.append(
                            _per_area_flag(
                                "pv_kwh",
                                figure.value,
                                figure,
                                area,
                                ("光伏年发电量（千瓦时）", "PV generation (kWh)"),
                                per,
                            )
                        )
                continue
            if not _BUILDING.search(near_area) or _NOT_A_BUILDING.search(text):
                continue
            if figure.outcome.unit == "kWh":
                per, key, what = (
                    figure.value / area.value,
                    "building_kwh",
                    ("年节电（千瓦时）", "Electricity saved (kWh)"),
                )
                shown = figure.value
            else:
                per, key = figure.value * 1000 / area.value, "building_tce"
                what, shown = ("年节能（千克标准煤）", "Energy saved (kgce)"), figure.value * 1000
            if _outside(key, per):
                flags.append(_per_area_flag(key, shown, figure, area, what, per))
    return flags


# a figure of a country or the world: its scale is not a case's
_NATIONAL = re.compile(
    r"全国|我国|中国|全球|世界|国家|national|global|world|country|countries|nationwide", re.IGNORECASE
)
# English capacities the extractor does not read as outcomes: "2.7 terawatts", "1,200 GW" (not GWh)
_POWER_EN = re.compile(
    r"(?<![\w.])(\d[\d,]*(?:\.\d+)?)\s*(terawatts?|TW|gigawatts?|GW)(?![\w-])(?!\s*(?:-?hours?|h)\b)", re.IGNORECASE
)
_MW_PER = {"t": 1e6, "g": 1e3}
# a figure the extractor keeps as "other" MW is a capacity when its words say so (a figure too large
# for the kind's thresholds)
_CAPACITY_WORD = re.compile(r"装机|容量|规模|capacity", re.IGNORECASE)


def _capacity_flag(mw: float, quote: str, line: int) -> Flag:
    ref = ranges()["capacity"]
    return Flag(
        "plausibility",
        "warning",
        f"“{quote}”即 {_n(mw)} 兆瓦，超过全国风电与光伏的总装机（约 {_n(ref['reference_mw'])} 兆瓦）："
        f"一个案例不会有这么大的装机，可能是电量写成了功率，或单位错了 1,000 倍。",
        f"'{quote}' is {_n(mw, 'en')} MW, more than all of China's wind and solar capacity "
        f"(~{_n(ref['reference_mw'], 'en')} MW): no single case has that much; energy written as power, "
        f"or a unit 1,000× off?",
        [line],
        [quote],
        {"capacity_mw": mw, "reference_mw": ref["reference_mw"]},
        ref["source"],
    )


@rule("capacity-scale")
def capacity_beyond_a_country(view: CaseView) -> list[Flag]:
    """A case's capacity beyond all of China's wind and solar (ranges.toml `capacity`), unless
    its sentence is about a country or the world."""
    high = ranges()["capacity"]["high_mw"]
    flags, seen = [], set()
    for s in statements(view):
        o = s.outcome
        if o.unit != "MW" or o.value < high or o.scope == "sector":
            continue
        if o.kind not in ("renewable_capacity", "storage_capacity") and not _CAPACITY_WORD.search(s.quote):
            continue  # electricity in kW ("用电 65 亿千瓦") is the unit-type check's
        if _NATIONAL.search(_sentence(view, s, s)) or (s.line, s.quote) in seen:
            continue
        seen.add((s.line, s.quote))
        flags.append(_capacity_flag(o.value, s.quote, s.line))
    for no, line in sorted(view.lines.items()):
        if "w" not in line.raw.lower():
            continue  # no watts on the line: skip the pattern
        for m in _POWER_EN.finditer(line.raw):
            mw = float(m.group(1).replace(",", "")) * _MW_PER[m.group(2)[0].lower()]
            if mw < high or any(no == n and m.group(0) in q for n, q in seen):
                continue
            start = max((k.end() for k in SENTENCE_END_RE.finditer(line.raw, 0, m.start())), default=0)
            if _NATIONAL.search(line.raw[start : m.end() + 80]):
                continue
            seen.add((no, m.group(0)))
            flags.append(_capacity_flag(mw, m.group(0), no))
    return flags


# vehicles a sentence counts: "500 辆新能源公交车", "公交车 1.2 万辆", "16,359 public buses"
_VEHICLES_ZH = re.compile(r"(?<![\d.])(\d[\d,]*(?:\.\d+)?)\s*(万)?\s*辆")
_VEHICLES_EN = re.compile(
    r"(?<![\w.])(\d[\d,]*)\s+(?:[A-Za-z-]+\s+){0,3}?(?:buses|cars|vehicles|taxis|trucks|lorries|vans)\b", re.IGNORECASE
)
_VISITS = re.compile(r"人次|次")  # person-times are visits, not people


def _per_unit_flag(view: CaseView, key: str, co2: Stated, count: float, count_quote: str, count_line: int) -> Flag:
    ref = ranges()["per_unit"][key]
    where = (count_line, view.lines[count_line].raw.find(count_quote)) < (co2.line, position(view, co2))
    per = co2.value / count
    what = {"vehicle": ("辆车", "vehicle"), "person": ("人", "person")}[key]
    lines = sorted({co2.line, count_line})
    return Flag(
        "plausibility",
        "warning",
        f"每年减排 {format_quantity(co2.value, 'tCO2e')} ÷ {_n(count)} {what[0]} = 每{what[0]}每年 {_fmt(per)} 吨，"
        f"超过一{what[0]}一年可能少排的上限 {_n(ref['high'])} 吨（参考 {_n(ref['reference'])} 吨）。",
        f"{format_quantity(co2.value, 'tCO2e', 'en')} a year ÷ {_n(count, 'en')} = {_fmt(per, 'en')} t per {what[1]} "
        f"a year, above the most one {what[1]} could avoid ({_n(ref['high'], 'en')} t; reference "
        f"{_n(ref['reference'], 'en')} t).",
        lines,
        [count_quote, co2.quote] if where else [co2.quote, count_quote],  # in reading order
        {"co2_t": co2.value, "count": count, "per_unit_t": per},
        ref["source"],
    )


@rule("per-unit")
def per_vehicle_or_person(view: CaseView) -> list[Flag]:
    """CO2 avoided a year over the vehicles or the people its sentence counts: no vehicle or
    person emits more than ranges.toml's `per_unit` bound in a year, so none can avoid more."""
    data = ranges()["per_unit"]
    figures = [s for s in statements(view) if _plain(s)]
    flags = []
    for s in figures:
        o = s.outcome
        if o.kind != "co2e_reduction" or o.unit != "tCO2e" or o.period != "annual":
            continue
        text = _sentence(view, s, s)
        if _PART.search(text):
            continue
        vehicles = [
            (float(m.group(1).replace(",", "")) * (1e4 if m.group(2) else 1), m.group(0))
            for m in _VEHICLES_ZH.finditer(text)
        ] + [(float(m.group(1).replace(",", "")), m.group(0)) for m in _VEHICLES_EN.finditer(text)]
        if vehicles:
            count = sum(v for v, _ in vehicles)
            if count > 0 and s.value / count > data["vehicle"]["high"]:
                quote = vehicles[0][1]
                line = next(
                    (n for n in (s.line, s.line - 1, s.line + 1) if n in view.lines and quote in view.lines[n].raw),
                    s.line,
                )
                flags.append(_per_unit_flag(view, "vehicle", s, count, quote, line))
            continue
        people = [
            p
            for p in figures
            if p.outcome.kind == "users_or_participants"
            and p.outcome.unit == "persons"
            and p.quote in text
            and not _VISITS.search(p.quote)
        ]
        if len(people) == 1 and s.value / people[0].value > data["person"]["high"]:
            flags.append(_per_unit_flag(view, "person", s, people[0].value, people[0].quote, people[0].line))
    return flags


# an electric vehicle's consumption as a case states it: "百公里电耗 15 千瓦时", "百公里耗电约 60 度",
# "每公里耗电 1.2 千瓦时", "0.9 kWh/km", "18 kWh/100 km", "18 kWh per 100 km"
_KWH = r"(?:千瓦时|度|kWh|kW·h|kW\s*h)"
_EV_PER_100KM = re.compile(
    rf"百公里(?:平均)?(?:电耗|耗电量?|能耗|用电量?)[^\d，。；]{{0,4}}?(\d+(?:\.\d+)?)\s*{_KWH}"
    rf"|(\d+(?:\.\d+)?)\s*{_KWH}\s*(?:/|per|每)\s*(?:100|一百|百)\s*(?:km|公里|千米)",
    re.IGNORECASE,
)
_EV_PER_KM = re.compile(
    rf"每公里(?:平均)?(?:电耗|耗电量?|能耗|用电量?)[^\d，。；]{{0,4}}?(\d+(?:\.\d+)?)\s*{_KWH}"
    rf"|(\d+(?:\.\d+)?)\s*{_KWH}\s*(?:/|per|每)\s*(?:km|公里|千米)(?!\w)",
    re.IGNORECASE,
)


@rule("ev-consumption")
def ev_consumption(view: CaseView) -> list[Flag]:
    """An electric vehicle's stated kWh per 100 km (or per km) against the range of any vehicle."""
    ref = ranges()["per_unit"]["ev_kwh_per_100km"]
    flags = []
    for no, line in sorted(view.lines.items()):
        raw = line.raw
        if "公里" not in raw and "km" not in raw.lower() and "千米" not in raw:
            continue
        for rx, scale in ((_EV_PER_100KM, 1.0), (_EV_PER_KM, 100.0)):
            for m in rx.finditer(raw):
                per_100 = float(m.group(1) or m.group(2)) * scale
                if ref["low"] <= per_100 <= ref["high"]:
                    continue
                flags.append(
                    Flag(
                        "plausibility",
                        "warning",
                        f"“{m.group(0)}”即每百公里 {_fmt(per_100)} 千瓦时，超出电动车辆的合理范围 "
                        f"{_n(ref['low'])}–{_n(ref['high'])} 千瓦时/百公里（乘用车约 {_n(ref['reference'])}）。",
                        f"'{m.group(0)}' is {_fmt(per_100, 'en')} kWh per 100 km, outside the plausible "
                        f"{_n(ref['low'], 'en')}–{_n(ref['high'], 'en')} kWh/100 km of any electric vehicle "
                        f"(a car ~{_n(ref['reference'], 'en')}).",
                        [no],
                        [m.group(0)],
                        {"kwh_per_100km": per_100},
                        ref["source"],
                    )
                )
    return flags
