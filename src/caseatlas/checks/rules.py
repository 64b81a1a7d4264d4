"""The rules. Each names the check it belongs to (vocab.CHECKS) and explains its threshold.

- factor: a CO2 figure stated with what it was computed from (tce, kWh, m³ of gas, t of a
  fuel) implies an emission factor; outside the reference range it cannot be right, and a
  factor near 1,000× the reference is kilograms printed as tonnes (magnitude).
- factor (consistency): one case's CO2-per-tce ratios that differ by `SPREAD`× or more, or its
  CO2-per-kWh ratios by `SPREAD_KWH`× (two grid factors in one case).
- product: a rate per unit times the quantity it applies to, against the result stated.
- plausibility: dust or SO2 avoided beyond what the coal saved can contain.
- period: one number called both one year's and cumulative.
- plausibility (traded credits): credits traded in a year beyond that year's stated reduction.
- missing-unit: a saving counted in 万/亿 of nothing (节约用电 260 万。), punctuation right after it
  (a unit on the next, wrapped line is still its unit).
(Dates that contradict are in `repeats.py`.)
- magnitude: the same kind stated twice in a case, 10³ or 10⁴ apart with the same digits
  (a 万 dropped or doubled, kg as t).
- sum: a part stated after "其中" that is larger than the total before it.
- unit-type: power written where energy is meant (用电 65 亿千瓦), kW/h, a capacity in kV.
- format: a number with two decimal points (530.32.90).
"""

from __future__ import annotations

import math
import re
import tomllib
from functools import lru_cache
from importlib import resources

from ..models import Outcome
from ..text.numbers import format_number
from ..text.sentences import SENTENCE_END, SENTENCE_END_RE, sentence_at
from . import CaseView, Flag, rule
from .figures import (
    NEAR_LINES,
    between,
    context,
    pairs,
    position,
    same_sentence,
    statements,
)
from .ranges import grid_low

SPREAD = 1.5  # CO2-per-tce ratios of one case this far apart are not one fuel's factor
# CO2-per-kWh ratios this far apart are not one grid's factor: a grid's published factor moves
# < 10 % from one year to the next (national 0.5810 for 2021 → 0.5366 for 2022), so 25 % is
# another grid, another year's factor far off, or an error
SPREAD_KWH = 1.25
MAGNITUDE = (1e3, 1e4)  # kg as t; a 万 dropped or added
MAGNITUDE_TOL = 0.02  # twins: their ratio within 2 % of 10³ or 10⁴
SAME_FACTOR = 0.01  # out-of-range factors of one case this close (1 %) are one slip repeated, one flag
SLIP_LOG10 = 0.35  # an implied factor within ×/÷ 10^0.35 (2.2) of 1,000× the reference is kg printed as t

_NAMES = {
    "per_kwh": ("每千瓦时", "per kWh"),
    "per_tce": ("每吨标煤", "per tce"),
    "per_m3_gas": ("每立方米天然气", "per m³ of gas"),
    "per_t_diesel": ("每吨柴油", "per t of diesel"),
    "per_t_gasoline": ("每吨汽油", "per t of gasoline"),
    "per_t_fuel_oil": ("每吨燃料油", "per t of fuel oil"),
    "per_t_coal": ("每吨原煤", "per t of coal"),
}


@lru_cache(maxsize=1)
def references() -> dict[str, dict]:
    text = (resources.files("caseatlas") / "data" / "checks" / "factors.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _fmt(x: float, lang: str = "zh") -> str:
    """Three significant figures, never an exponent: 0.0445, 1.21, 997, 1,860, 17,700, 18.6万."""
    return format_number(x, lang, digits=3)


def times_of(ratio: float, lang: str = "zh") -> str:
    """How a value compares with another, as a person writes it after "是…的" / "… the":
    2.55 → "2.55 倍" / "2.55×"; below 1 a percentage, never "2.55 分之一" or "0.392×":
    0.392 → "39%", 0.0012 → "0.12%" (the one number writer, two significant digits)."""
    if ratio >= 1:
        return f"{_fmt(ratio)} 倍" if lang == "zh" else f"{_fmt(ratio, 'en')}×"
    return f"{format_number(ratio * 100, lang, digits=2)}%"


def _against(value: float, lo: float, hi: float, lang: str = "zh") -> str:
    """A stated figure against the range it should be in: "是应得值的 3.2 倍" / "只有应得值的 40%"."""
    if value > hi:
        r = value / hi
        return f"是应得值的 {times_of(r)}" if lang == "zh" else f"{times_of(r, 'en')} what it should be"
    r = value / lo
    return f"只有应得值的 {times_of(r)}" if lang == "zh" else f"only {times_of(r, 'en')} of what it should be"


def _n(x: float, lang: str = "zh") -> str:
    """A figure a message quotes back, by the one writer (1,780万 / 17,800,000)."""
    return format_number(x, lang)


@rule("factor")
def implied_factor(view: CaseView) -> list[Flag]:
    refs = references()
    flags = []
    same: dict[tuple, Flag] = {}
    for p in pairs(view):
        co2, d, kind, f = p.co2, p.driver, p.kind, p.factor
        ref = refs[kind]
        # the case's province sets how low a grid's factor may be (hydro grids: 云南 0.11 kg/kWh)
        grid = grid_low(view.region) if kind == "per_kwh" else None
        low = grid[0] if grid else ref["low"]
        if low <= f <= ref["high"] or _sum_fits(p, refs):
            continue
        key = (kind, d.value, co2.value)
        # the same pair stated again elsewhere, or rows giving the same wrong factor (a table, one
        # systematic slip): one flag, every place
        twin = next((k for k in same if k[0] == kind and abs(same[k].values["factor"] / f - 1) <= SAME_FACTOR), None)
        if key in same or twin is not None:
            flag = same[key if key in same else twin]
            flag.lines += [d.line, co2.line]
            flag.quotes += [d.quote, co2.quote]
            continue
        ratio = f / ref["reference"]
        zh, en = _NAMES[kind]
        slip = _power_of_ten(ratio)
        check, severity = (
            ("magnitude", "error") if slip else ("factor", "error" if not 1 / 3 <= ratio <= 3 else "warning")
        )
        below = "，不到一半" if ratio < 0.5 else ""
        msg = (
            f"隐含排放因子 {_fmt(f)} {ref['unit']}（{zh}），约为参考值 {ref['reference']} {ref['unit']} 的 "
            f"{times_of(ratio)}{below}"
        )
        msg_en = (
            f"Implied factor {_fmt(f, 'en')} {ref['unit']} ({en}), {times_of(ratio, 'en')}"
            f"{' of' if ratio < 1 else ''} the reference {ref['reference']} {ref['unit']}"
        )
        if p.others:  # drivers listed beside it: the sum of their ranges does not reach it either
            msg += f"；连同同句所列的“{'”“'.join(o.quote for o, _ in p.others)}”一并计算也在参考范围之外"
            msg_en += ", and outside the range even with the other savings listed beside it"
        if grid and f < low:
            msg += f"，也低于{grid[1]}电网因子与全国因子中较低者的一半（{_fmt(low)} {ref['unit']}）"
            msg_en += f", and below half the lower of {grid[1]}'s grid factor and the national one ({_fmt(low, 'en')})"
        if slip:
            msg += "：可能把 kg 写成了 t" if ratio > 1 else "：可能把 t 写成了 kg"
            msg_en += ": kg probably printed as t" if ratio > 1 else ": t probably printed as kg"
        same[key] = Flag(
            check,
            severity,
            msg + "。",
            msg_en + ".",
            [d.line, co2.line],
            [d.quote, co2.quote],
            {"co2_t": co2.value, "driver": d.value, "factor": f, "reference": ref["reference"]},
            ref["source"],
        )
        flags.append(same[key])
    return flags


def _sum_fits(p, refs) -> bool:
    """Drivers listed side by side before one CO2 figure: it may be of all of them, so it
    flags only when it is also outside the range the sum of their reference ranges allows."""
    if not p.others:
        return False
    low = high = 0.0
    for d, kind in [(p.driver, p.kind), *p.others]:
        scale = 1e-3 if kind in ("per_kwh", "per_m3_gas") else 1.0  # kg per kWh / m³ → t
        low += d.value * refs[kind]["low"] * scale
        high += d.value * refs[kind]["high"] * scale
    return low <= p.co2.value <= high


def _power_of_ten(ratio: float) -> bool:
    """About 1,000× (or 1/1,000 of) the reference: kilograms and tonnes confused."""
    return ratio > 0 and abs(abs(math.log10(ratio)) - 3) <= SLIP_LOG10


_SPREADS = {  # factor kind: (how far apart one case's ratios may be, units, zh, en, value keys)
    "per_tce": (SPREAD, "t", "每吨标煤", "per tce", "t_per_tce"),
    "per_kwh": (SPREAD_KWH, "kg", "每千瓦时电", "per kWh", "kg_per_kwh"),
}


@rule("factor-consistency")
def ratio_spread(view: CaseView) -> list[Flag]:
    """Several measures of one case, each with its driver and its CO2: one factor should hold."""
    flags = []
    for kind, (spread, unit, zh, en, key) in _SPREADS.items():
        ref = references()[kind]  # a pair outside the range has its own flag already
        found = [p for p in pairs(view) if p.kind == kind and not p.others and ref["low"] <= p.factor <= ref["high"]]
        if len(found) < 2:
            continue
        lo, hi = min(p.factor for p in found), max(p.factor for p in found)
        if hi / lo < spread:
            continue
        lines, quotes = [], []
        for p in found:
            lines += [p.driver.line, p.co2.line]
            quotes += [p.driver.quote, p.co2.quote]
        flags.append(
            Flag(
                "factor",
                "warning",
                f"同一案例中{zh}对应的减排量从 {_fmt(lo)} 到 {_fmt(hi)} {unit} CO2 不等"
                f"（最高是最低的 {times_of(hi / lo)}），不是用同一排放因子算出的。",
                f"The case's CO2 {en} ranges from {_fmt(lo, 'en')} to {_fmt(hi, 'en')} {unit} "
                f"({times_of(hi / lo, 'en')}): not one emission factor.",
                lines,
                quotes,
                {f"min_{key}": lo, f"max_{key}": hi},
                references()[kind]["source"],
            )
        )
    return flags


@rule("magnitude")
def magnitude_twins(view: CaseView) -> list[Flag]:
    """The same kind and unit, 10³ or 10⁴ apart with the same leading digits."""
    flags = []
    seen: set[tuple[int, int]] = set()
    outs = [
        o
        for o in view.outcomes
        if o.value > 0
        and o.kind != "percentage_reduction"
        and (o.kind not in ("other", "intensity") or o.unit in _COMPARABLE)
    ]
    for i, a in enumerate(outs):
        for j, b in enumerate(outs):
            if i == j or a.unit != b.unit or a.line == b.line or (j, i) in seen:
                continue
            if a.kind != b.kind and "other" not in (a.kind, b.kind):
                continue
            ratio = a.value / b.value
            if _printed(a) is None or _printed(a) != _printed(b) or len(_printed(a)) < 2:
                continue  # the same digits printed (not a lone "1"), only the multiplier or unit differs
            for m in MAGNITUDE:
                if abs(ratio / m - 1) <= MAGNITUDE_TOL:
                    seen.add((i, j))
                    word = "万" if m == 1e4 else "千"
                    flags.append(
                        Flag(
                            "magnitude",
                            "warning",
                            f"同一案例中同一类数字既写作“{a.quote}”又写作“{b.quote}”，相差 {_fmt(m)} 倍："
                            f"可能漏写或多写了“{word}”。",
                            f"The same kind of figure is stated as '{a.quote}' and as '{b.quote}', {_fmt(m, 'en')}× "
                            f"apart: a dropped or extra unit multiplier?",
                            [a.line, b.line],
                            [a.quote, b.quote],
                            {"larger": a.value, "smaller": b.value},
                        )
                    )
    return flags


_COMPARABLE = ("MW", "kWh", "tCO2e", "tce")  # units whose "other" figures are still the same quantity


def _printed(o: Outcome) -> str | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", o.quote)
    return m.group(0).replace(",", "") if m else None


_ENERGY_AS_POWER = re.compile(
    r"(用电|耗电|电量|发电量|节电|节约电|节省电|省电|电能|供电)[^，。；;,\d]{0,8}?(\d[\d.,]*\s*(?:万|亿)?\s*(?:千瓦|kW|KW|kw|兆瓦|MW))"
    r"(?!\s*(?:时|·\s*[hH]|[hH]|小时|/))"
)
_KW_PER_H = re.compile(r"(?<![\d.])\d[\d.,]*\s*(?:kw|kW|KW|Kw|千瓦)\s*/\s*(?:h|H|时|小时)")
_CAPACITY_IN_KV = re.compile(
    r"(装机|容量|规模)[^，。；;,\d]{0,6}?(\d[\d.,]*\s*(?:万)?\s*(?:千伏|kV|KV))(?!\s*(?:安|A|线路|电压|母线))"
)


_TOTAL = re.compile(r"总量|总计|合计|共计|总共|累计|全部|总减排|共减少|共节约|总规模|总装机")
PART_LINES = 3  # a "其中" part is read this many lines after its total at most


@rule("sum")
def part_exceeds_total(view: CaseView) -> list[Flag]:
    """A total, then "其中" and a part of it in the same unit and kind that is larger."""
    flags = []
    figures = statements(view)
    for i, total in enumerate(figures):
        if not _TOTAL.search(context(view, total)):
            continue
        for part in figures[i + 1 :]:
            if part.line - total.line > PART_LINES:
                break
            if part.outcome.unit != total.outcome.unit or part.outcome.kind != total.outcome.kind:
                continue
            if "其中" in between(view, total, part) and part.value > total.value * (1 + 1e-9):
                u = part.outcome.unit
                flags.append(
                    _part_over_whole(
                        "sum",
                        "error",
                        total,
                        part,
                        ("total", "part"),
                        f"“其中”的一项（{_n(part.value)} {u}）大于前面的总量（{_n(total.value)} {u}）。",
                        f"A part ('其中', {_n(part.value, 'en')} {u}) exceeds the total before it "
                        f"({_n(total.value, 'en')} {u}).",
                    )
                )
    return flags


def _part_over_whole(check: str, severity: str, whole, part, keys: tuple[str, str], zh: str, en: str) -> Flag:
    """A flag on a part stated larger than the whole it belongs to: both places cited."""
    return Flag(
        check,
        severity,
        zh,
        en,
        [whole.line, part.line],
        [whole.quote, part.quote],
        {keys[0]: whole.value, keys[1]: part.value},
    )


_UNIT_TYPES = (
    (_KW_PER_H, "error", "“{q}”不是电量单位：应为千瓦时（kWh）。", "'{q}' is not a unit of energy: kWh is meant."),
    (
        _ENERGY_AS_POWER,
        "warning",
        "“{q}”：电量应以千瓦时计，这里写成了功率单位。",
        "'{q}': an amount of electricity is stated in a unit of power.",
    ),
    (
        _CAPACITY_IN_KV,
        "warning",
        "“{q}”：装机规模写成了电压单位（千伏）。",
        "'{q}': a capacity is stated in a unit of voltage (kV).",
    ),
)


def _matches(view: CaseView, rx: re.Pattern[str], needs: str = ""):
    """(line number, raw line, match) for every match of `rx` in the case's lines (those holding
    `needs`, in any case, when given: a cheap test before a costly pattern)."""
    for no, line in sorted(view.lines.items()):
        if needs and needs not in line.raw.lower():
            continue
        for m in rx.finditer(line.raw):
            yield no, line.raw, m


# English: an amount a year in a unit of power ("purchases 64 gigawatts of electricity annually",
# "generate 38 megawatts of power per year"); a rate of building ("adds 500 MW a year") is not one
_POWER_A_YEAR_EN = re.compile(
    r"(?<![\w.])\d[\d.,]*\s*(?:(?:million|billion|thousand)\s+)?(?:kilowatts?|megawatts?|gigawatts?|terawatts?|[kMGT]W)"
    r"(?![\w-])(?!\s*(?:-?hours?|h)\b)[^.;:!?\d]{0,30}?"
    r"\b(?:annually|each year|per year|a year|every year|per annum|yearly)\b",
    re.IGNORECASE,
)
_BUILDING_RATE_EN = re.compile(r"\b(?:install|add|build|built|deploy|commission|capacity)\w*\b[^.;:!?\d]{0,30}$", re.I)


@rule("unit-type")
def unit_types(view: CaseView) -> list[Flag]:
    flags = [
        Flag("unit-type", severity, zh.format(q=m.group(0)), en.format(q=m.group(0)), [no], [m.group(0)])
        for rx, severity, zh, en in _UNIT_TYPES
        for no, _, m in _matches(view, rx)
    ]
    for no, raw, m in _matches(view, _POWER_A_YEAR_EN, "w"):
        if _BUILDING_RATE_EN.search(raw[max(0, m.start() - 40) : m.start()]):
            continue
        q = m.group(0)
        flags.append(
            Flag(
                "unit-type",
                "warning",
                f"“{q}”：每年的电量应以千瓦时（kWh、GWh）计，这里写成了功率单位。",
                f"'{q}': an amount of energy a year is stated in a unit of power (kWh, GWh are meant).",
                [no],
                [q],
            )
        )
    return flags


_TWO_POINTS = re.compile(r"(?<![\d.A-Za-z])(\d+\.\d+\.\d+)(?![\d.])")
_DATE_LIKE = re.compile(r"^(19|20)\d{2}\.\d{1,2}\.\d{1,2}$")
# a numbered heading: the number opens the line (after Markdown marks) and a title follows
_HEADING_NUMBER = re.compile(r"^[\s#*]*$")
_HEADING_NUMBER_AFTER = re.compile(r"^\s+[^\W\d_]")
_SECTION_REFERENCE = re.compile(r"(?:第|见|章|节|section|indicator|target|clause|paragraph|sdg|§)\s*$", re.IGNORECASE)


@rule("format")
def malformed_numbers(view: CaseView) -> list[Flag]:
    flags = []
    for no, raw, m in _matches(view, _TWO_POINTS):
        if _DATE_LIKE.match(m.group(1)) or raw[max(0, m.start() - 2) : m.start()].lower().endswith(("v", "版")):
            continue
        if _HEADING_NUMBER.match(raw[: m.start()]) and _HEADING_NUMBER_AFTER.match(raw[m.end() :]):
            continue  # "3.2.1 项目背景", "14.3.1 Water use by agency": a heading's number
        if _SECTION_REFERENCE.search(raw[max(0, m.start() - 12) : m.start()]):
            continue  # "见第 3.2.1 节", "indicator 14.3.1", "Section 5.2.4": a reference to one
        flags.append(
            Flag(
                "format",
                "error",
                f"数字“{m.group(1)}”有两个小数点，无法读作一个数。",
                f"'{m.group(1)}' has two decimal points and is not a number.",
                [no],
                [m.group(1)],
            )
        )
    return flags


_POLLUTANTS = (
    ("dust_per_tce", re.compile(r"(?<!碳)(?:粉尘|烟尘|颗粒物)"), "粉尘", "dust"),
    ("so2_per_tce", re.compile(r"二氧化硫|SO2|SO₂"), "二氧化硫", "SO2"),
)


@rule("plausibility")
def pollutants_beyond_the_coal(view: CaseView) -> list[Flag]:
    """A saving of standard coal with the dust or SO2 it avoided, in one sentence: neither can
    exceed what the coal contains (its ash, twice its sulphur)."""
    refs = references()
    flags = []
    figures = statements(view)
    for i, d in enumerate(figures):
        if d.outcome.unit != "tce" or d.value <= 0:
            continue
        for s in figures[i + 1 :]:
            if s.line - d.line > NEAR_LINES or not same_sentence(view, d, s):
                break
            if s.outcome.unit != "t":
                continue
            for key, rx, zh, en in _POLLUTANTS:
                ref = refs[key]
                if rx.search(context(view, s, before=6)) and s.value / d.value > ref["high"]:
                    ratio = s.value / d.value
                    flags.append(
                        Flag(
                            "plausibility",
                            "error",
                            f"减少{zh} {_n(s.value)} 吨，为节约标准煤 {_n(d.value)} 吨的 {ratio:.0%}"
                            f"（每吨标煤 {_fmt(ratio)} t）：超过煤本身所含的上限（每吨标煤 {ref['high']} t）。",
                            f"{_n(s.value, 'en')} t of {en} avoided is {ratio:.0%} of the {_n(d.value, 'en')} tce "
                            f"saved ({_fmt(ratio, 'en')} t per tce), "
                            f"more than the coal can contain (at most {ref['high']} t per tce).",
                            [d.line, s.line],
                            [d.quote, s.quote],
                            {"tce": d.value, "pollutant_t": s.value, "per_tce": ratio},
                            ref["source"],
                        )
                    )
    return flags


PRODUCT_TOL = 0.10  # "约" figures rounded to two digits differ < 5 % from the exact product; 10 % is not rounding
PRODUCT_LINES = 3  # a rate, the quantity it applies to and the stated result within this many lines
_PER = {"吨": "t", "平方米": "m2", "平米": "m2", "㎡": "m2", "m2": "m2", "千瓦时": "kWh", "度电": "kWh"}
_PER_BEFORE = re.compile(r"(?:每|一)\s*(吨|平方米|平米|㎡|m2|千瓦时|度电)")  # not 一度 ("once")
_PER_AFTER = re.compile(r"^\s*/\s*(吨|平方米|平米|㎡|m2|千瓦时)")


def _per_unit(view: CaseView, s) -> str | None:
    """The unit a figure is stated per ("生产一吨电解铝…碳排放 11.5 吨", "4.18 千克标准煤 / 平方米")."""
    raw = view.lines[s.line].raw
    at = position(view, s)
    numerator, _, denominator = s.outcome.unit.partition("/")  # an intensity carries what it is per
    if denominator in _PER:
        return _PER[denominator]
    after = _PER_AFTER.match(raw[at + len(s.quote) :])
    if after:
        return _PER[after.group(1)]
    words = re.split(r"\d", s.quote, maxsplit=1)[0]  # "生产每吨产品约排放二氧化碳 10 吨": the quote's own words count
    sentence = SENTENCE_END_RE.split(raw[:at] + words)[-1]
    before = list(_PER_BEFORE.finditer(sentence))
    if not before:
        return None
    word = before[-1].group(1)
    if re.search(rf"\d[\d.,]*\s*[万亿]?\s*{word}", sentence[before[-1].end() :]):
        return None  # "以 85 万吨的产能测算，每年…872 万吨": a quantity came between, the figure is a total
    per = _PER[word]
    # "以 85 万吨的产能" after "生产一吨电解铝": tonnes per tonne is the quantity, not a rate
    return per if per != numerator else None


def _product_range(rate, base, result_unit: str, refs) -> tuple[float, float] | None:
    """What rate × base allows the stated result to be, in the result's unit."""
    lo, hi = rate.value * base.value, (rate.outcome.value_max or rate.value) * base.value
    unit = rate.outcome.unit.split("/")[0]  # the rate's numerator: "tce" of "tce/平方米"
    if unit == result_unit:
        return lo, hi
    if unit in ("tce", "kWh") and result_unit == "tCO2e":  # through the fuel's reference range
        ref = refs["per_tce" if unit == "tce" else "per_kwh"]
        scale = 1.0 if unit == "tce" else 1e-3
        return lo * ref["low"] * scale, hi * ref["high"] * scale
    return None


@rule("product")
def rate_times_quantity(view: CaseView) -> list[Flag]:
    """A rate per unit, the quantity it applies to and the result stated for them: the result
    should be their product (within rounding, or the reference range when a factor is needed)."""
    refs = references()
    figures = statements(view)
    units_per = [_per_unit(view, s) for s in figures]
    rates = [(i, s, units_per[i]) for i, s in enumerate(figures) if units_per[i] and s.value > 0]
    if not rates:
        return []
    flags = []
    for j, base in enumerate(figures):
        if base.value <= 0 or units_per[j] or base.outcome.unit not in _PER.values():
            continue
        result = next(
            (
                r
                for k, r in enumerate(figures[j + 1 :], j + 1)
                if not units_per[k] and r.outcome.unit in ("tCO2e", "tce", "kWh") and same_sentence(view, base, r)
            ),
            None,
        )
        if result is None:
            continue
        for i, rate, per in reversed(rates):  # the nearest rate before the quantity that gives the result's unit
            if i >= j or base.line - rate.line > PRODUCT_LINES or per != base.outcome.unit:
                continue
            allowed = _product_range(rate, base, result.outcome.unit, refs)
            if allowed is None:
                continue
            lo, hi = allowed
            if lo / (1 + PRODUCT_TOL) <= result.value <= hi * (1 + PRODUCT_TOL):
                break
            shown = _fmt(lo) if lo == hi else f"{_fmt(lo)}–{_fmt(hi)}"
            shown_en = _fmt(lo, "en") if lo == hi else f"{_fmt(lo, 'en')}–{_fmt(hi, 'en')}"
            u = result.outcome.unit
            flags.append(
                Flag(
                    "product",
                    "warning",
                    f"按“{rate.quote}”乘以“{base.quote}”应得约 {shown} {u}，而文中写的是 {_n(result.value)} {u}"
                    f"（{_against(result.value, lo, hi)}）。",
                    f"'{rate.quote}' times '{base.quote}' gives about {shown_en} {u}, but the text states "
                    f"{_n(result.value, 'en')} {u} ({_against(result.value, lo, hi, 'en')}).",
                    [rate.line, base.line, result.line],
                    [rate.quote, base.quote, result.quote],
                    {
                        "rate": rate.value,
                        "quantity": base.value,
                        "expected_low": lo,
                        "expected_high": hi,
                        "stated": result.value,
                    },
                    refs["per_tce"]["source"] if rate.outcome.unit == "tce" and u == "tCO2e" else None,
                )
            )
            break
    return flags


# one year's ("过去一年", "每年") then "累计" before the same number, with no other number between
_IN_SENTENCE = rf"[^{re.escape(SENTENCE_END)}\d]"  # a word of the same sentence, not a number
_YEAR_AND_TOTAL = re.compile(
    rf"(过去一年|一年来|近一年|每年|年均){_IN_SENTENCE}{{0,30}}?"
    rf"(累计{_IN_SENTENCE}{{0,12}}\d[\d.,]*\s*[万亿千]?[^\s，。；、,\d]{{0,3}})"
)


@rule("period")
def one_year_and_cumulative(view: CaseView) -> list[Flag]:
    """A figure called both one year's and cumulative ("过去一年，…累计运营 84.5 亿公里"): which
    is it? (Read in the lines, so figures the extractor does not keep — km, trips — count.)"""
    return [
        Flag(
            "period",
            "note",
            f"“{m.group(1)}”与“累计”同时用于“{m.group(2)}”：是一年的数字还是累计数？",
            f"'{m.group(2)}' is called both one year's ('{m.group(1)}') and cumulative.",
            [no],
            [m.group(2)],
        )
        for no, _, m in _matches(view, _YEAR_AND_TOTAL)
    ]


# a saving or a reduction counted in 万/亿 of nothing: "节约用电 260 万。"
_NO_UNIT = re.compile(
    r"(?:减少|减排|节约|节省|降低|发电|用电|节电)[^。；，,、\d]{0,10}?\d[\d.]*\s*[万亿](?=\s*[，。；,;、）)])"
)


@rule("missing-unit")
def numbers_without_a_unit(view: CaseView) -> list[Flag]:
    return [
        Flag(
            "missing-unit",
            "warning",
            f"“{m.group(0)}”没有单位：是多少什么？",
            f"'{m.group(0)}' has no unit.",
            [no],
            [m.group(0)],
        )
        for no, _, m in _matches(view, _NO_UNIT)
    ]


_TRADED = re.compile(r"交易|出售|售出|销售|成交")
_ONE_YEAR_IN = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(?!\s*[—\-~～至到])")


def _sentence_of(view: CaseView, s) -> str:
    raw = view.lines[s.line].raw
    at = position(view, s)
    start, end = sentence_at(raw, at)
    return raw[start:end]


@rule("traded-credits")
def traded_beyond_reduced(view: CaseView) -> list[Flag]:
    """Credits traded in a year beyond the reductions stated for that year: a sale is a part
    of what was reduced (unless earlier years' credits were sold, which the text would say)."""
    traded, reduced = [], []
    for s in statements(view):
        if s.outcome.unit != "tCO2e" or s.value <= 0 or s.outcome.status != "achieved" or s.outcome.scope == "part":
            continue  # a part (a table row, 其中…) is not the year's reduction
        years = set(_ONE_YEAR_IN.findall(_sentence_of(view, s)))
        if len(years) != 1:
            continue
        (traded if _TRADED.search(context(view, s, before=16)) else reduced).append((years.pop(), s))
    flags = []
    for year, t in traded:
        seen: set[int] = set()  # one flag per reduction, however often it is restated
        for y, r in reduced:
            if (
                y == year
                and r.outcome is not t.outcome
                and t.value > r.value * (1 + 1e-9)
                and id(r.outcome) not in seen
            ):
                seen.add(id(r.outcome))
                flags.append(
                    _part_over_whole(
                        "plausibility",
                        "warning",
                        r,
                        t,
                        ("reduced", "traded"),
                        f"{year} 年交易的减排量（{_n(t.value)} tCO2e）多于当年实现的减排量（{_n(r.value)} tCO2e）："
                        f"除非出售的是往年的减排量。",
                        f"Credits traded in {year} ({_n(t.value, 'en')} tCO2e) exceed that year's reduction "
                        f"({_n(r.value, 'en')} tCO2e), "
                        f"unless earlier vintages were sold.",
                    )
                )
    return flags


@rule("verification")
def not_verifiable_on_site(view: CaseView) -> list[Flag]:
    """A declared figure the site visit (调研核实) could not verify: flagged with the team's reason,
    on the line that states it when the text does (`Outcome.verification`, set from the visit's
    verdict when a call is published or a submission's checks are computed)."""
    from ..text.numbers import format_quantity
    from ..vocab import KIND_LABELS_ZH

    out = []
    for o in view.outcomes:
        v = o.verification or {}
        if v.get("verdict") != "unverifiable":
            continue
        on_line = o.line in view.lines and o.quote and o.quote in view.lines[o.line].raw
        figure = format_quantity(o.value, o.unit, "zh")
        when = "，".join(x for x in ("调研核实", v.get("date")) if x)
        out.append(
            Flag(
                "verification",
                "warning",
                f"现场核查无法核实申报的{KIND_LABELS_ZH.get(o.kind, o.kind)} {figure}（{when}）："
                f"{v.get('note') or '未说明原因'}",
                f"The site visit could not verify the declared {format_quantity(o.value, o.unit, 'en')}"
                f" ({v.get('date') or 'date not given'}): {v.get('note') or 'no reason given'}",
                [o.line] if on_line else [],
                [o.quote] if on_line else [],
                {"declared": o.value},
            )
        )
    return out
