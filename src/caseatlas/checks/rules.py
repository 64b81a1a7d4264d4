"""The rules. Each names the check it belongs to (vocab.CHECKS) and explains its threshold.

- factor: a CO2 figure stated with what it was computed from (tce, kWh, m³ of gas, t of a
  fuel) implies an emission factor; outside the reference range it cannot be right, and a
  factor near 1,000× the reference is kilograms printed as tonnes (magnitude).
- factor (consistency): one case's CO2-per-tce ratios that differ by `SPREAD`× or more.
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
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from ..models import Evidence, Outcome
from . import CaseView, Flag, rule

NEAR_LINES = 2  # a CO2 figure pairs with what it was computed from on its line or this many below
SPREAD = 1.5  # ratios of one case this far apart are not one factor
MAGNITUDE = (1e3, 1e4)  # kg as t; a 万 dropped or added
MAGNITUDE_TOL = 0.02  # twins: their ratio within 2 % of 10³ or 10⁴
SLIP_LOG10 = 0.35  # an implied factor within ×/÷ 10^0.35 (2.2) of 1,000× the reference is kg printed as t

_GAS = re.compile(r"天然气|燃气|LNG|CNG|液化气")
_FUELS = (("per_t_diesel", re.compile(r"柴油")), ("per_t_gasoline", re.compile(r"汽油")),
          ("per_t_fuel_oil", re.compile(r"燃油|重油|燃料油|船用油")), ("per_t_coal", re.compile(r"原煤|燃煤|煤炭|散煤")))
_NAMES = {"per_kwh": ("每千瓦时", "per kWh"), "per_tce": ("每吨标煤", "per tce"), "per_m3_gas": ("每立方米天然气", "per m³ of gas"),
          "per_t_diesel": ("每吨柴油", "per t of diesel"), "per_t_gasoline": ("每吨汽油", "per t of gasoline"),
          "per_t_fuel_oil": ("每吨燃料油", "per t of fuel oil"), "per_t_coal": ("每吨原煤", "per t of coal")}


@lru_cache(maxsize=1)
def references() -> dict[str, dict]:
    text = (resources.files("caseatlas") / "data" / "checks" / "factors.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _context(view: CaseView, s) -> str:
    """The quote with the words just before it on its line (what the number is of)."""
    line = view.lines.get(s.line)
    raw = line.raw if line else s.quote
    at = raw.find(s.quote)
    return raw[max(0, at - 12): at + len(s.quote)] if at >= 0 else s.quote


def _driver_kind(view: CaseView, s) -> str | None:
    unit = s.outcome.unit
    if unit == "tce":
        return "per_tce"
    if unit == "kWh":
        return "per_kwh"
    ctx = _context(view, s)
    if unit == "m3" and _GAS.search(ctx):
        return "per_m3_gas"
    if unit == "t":
        for name, rx in _FUELS:
            if rx.search(ctx):
                return name
    return None


def _factor(co2, driver, kind: str) -> float:
    scale = 1000.0 if kind in ("per_kwh", "per_m3_gas") else 1.0  # t → kg per kWh / m³
    return co2.value / driver.value * scale


@dataclass(slots=True)
class Stated:
    """One statement of a figure: an outcome as stated at one place (its quote and line)."""
    outcome: Outcome
    quote: str
    line: int

    @property
    def value(self) -> float:
        return self.outcome.value


def statements(view: CaseView) -> list[Stated]:
    """Every place a figure is stated, in reading order (the extractor keeps a claim stated
    twice as one outcome with two evidence quotes; each place pairs on its own)."""
    out = []
    for o in view.outcomes:
        for e in o.evidence or [Evidence(o.quote, o.line)]:
            out.append(Stated(o, e.quote, e.line))
    return sorted(out, key=lambda s: (s.line, _position(view, s)))


def _position(view: CaseView, s) -> int:
    line = view.lines.get(s.line)
    at = line.raw.find(s.quote) if line else -1
    return max(at, 0)


def _between(view: CaseView, a: Stated, b: Stated) -> str:
    """The raw text from the end of statement a to the start of the later statement b."""
    pa, pb = _position(view, a) + len(a.quote), _position(view, b)
    if a.line == b.line:
        return view.lines[a.line].raw[pa:pb]
    parts = [view.lines[a.line].raw[pa:]]
    parts += [view.lines[n].raw for n in range(a.line + 1, b.line) if n in view.lines]
    parts.append(view.lines[b.line].raw[:pb])
    return "".join(parts)


_SENTENCE_END = re.compile(r"[。！？；;!?]")
_NEW_ITEM = re.compile(r"^\s*(?:[•·●\-*#]|\d{1,2}[.、)]|[（(]\d{1,2}[)）])")


def _same_sentence(view: CaseView, a: Stated, b: Stated) -> bool:
    """No sentence end, new bullet or numbered item between figure a and the later figure b."""
    if _SENTENCE_END.search(_between(view, a, b)):
        return False
    return not any(_NEW_ITEM.match(view.lines[n].raw) for n in range(a.line + 1, b.line + 1) if n in view.lines)


def pairs(view: CaseView) -> list[tuple[Stated, Stated, str, float]]:
    """(CO2 statement, the statement it was computed from, factor kind, implied factor): each
    driver (tce, kWh, m³ of gas, t of a fuel) pairs with the first CO2 figure after it in the
    same sentence (its line or up to NEAR_LINES below), with no other driver in between."""
    if "pairs" in view.memo:  # two rules read the pairs: found once per case
        return view.memo["pairs"]
    figures = statements(view)
    out = []
    taken: set[int] = set()
    for i, d in enumerate(figures):
        kind = _driver_kind(view, d)
        if kind is None or d.value <= 0 or d.outcome.value_max is not None:
            continue
        for k in range(i + 1, len(figures)):
            co2 = figures[k]
            if co2.line - d.line > NEAR_LINES:
                break
            if co2.outcome.unit != "tCO2e":
                if _driver_kind(view, co2) is not None:
                    break  # another driver first: the CO2 figure is that one's
                continue
            if k not in taken and co2.value > 0 and co2.outcome.value_max is None and _same_sentence(view, d, co2):
                taken.add(k)
                out.append((co2, d, kind, _factor(co2, d, kind)))
            break
    view.memo["pairs"] = out
    return out


def _fmt(x: float) -> str:
    """Three significant figures, never an exponent: 0.0445, 1.21, 997, 1,860, 17,700."""
    if abs(x) >= 100:
        return f"{float(f'{x:.3g}'):,.0f}"
    return f"{x:.3g}"


@rule("factor")
def implied_factor(view: CaseView) -> list[Flag]:
    refs = references()
    flags = []
    same: dict[tuple, Flag] = {}
    for co2, d, kind, f in pairs(view):
        ref = refs[kind]
        if ref["low"] <= f <= ref["high"]:
            continue
        key = (kind, d.value, co2.value)
        if key in same:  # the same pair stated again elsewhere in the case: one flag, every place
            same[key].lines += [d.line, co2.line]
            same[key].quotes += [d.quote, co2.quote]
            continue
        ratio = f / ref["reference"]
        zh, en = _NAMES[kind]
        slip = _power_of_ten(ratio)
        check, severity = ("magnitude", "error") if slip else ("factor", "error" if not 1 / 3 <= ratio <= 3 else "warning")
        times = f"{_fmt(ratio)} 倍" if ratio >= 1 else f"{_fmt(1 / ratio)} 分之一"
        msg = (f"隐含排放因子 {_fmt(f)} {ref['unit']}（{zh}），约为参考值 {ref['reference']} {ref['unit']} 的 {times}")
        msg_en = f"Implied factor {_fmt(f)} {ref['unit']} ({en}), {_fmt(ratio)}× the reference {ref['reference']} {ref['unit']}"
        if slip:
            msg += "：可能把 kg 写成了 t" if ratio > 1 else "：可能把 t 写成了 kg"
            msg_en += ": kg probably printed as t" if ratio > 1 else ": t probably printed as kg"
        same[key] = Flag(check, severity, msg + "。", msg_en + ".", [d.line, co2.line], [d.quote, co2.quote],
                         {"co2_t": co2.value, "driver": d.value, "factor": f, "reference": ref["reference"]},
                         ref["source"])
        flags.append(same[key])
    return flags


def _power_of_ten(ratio: float) -> bool:
    """About 1,000× (or 1/1,000 of) the reference: kilograms and tonnes confused."""
    return ratio > 0 and abs(abs(math.log10(ratio)) - 3) <= SLIP_LOG10


@rule("factor-consistency")
def ratio_spread(view: CaseView) -> list[Flag]:
    """Several measures of one case, each with its tce and its CO2: one factor should hold."""
    found = [(co2, d, f) for co2, d, kind, f in pairs(view) if kind == "per_tce"]
    if len(found) < 2:
        return []
    lo, hi = min(f for *_, f in found), max(f for *_, f in found)
    if hi / lo < SPREAD:
        return []
    lines, quotes = [], []
    for co2, d, _ in found:
        lines += [d.line, co2.line]
        quotes += [d.quote, co2.quote]
    return [Flag("factor", "warning",
                 f"同一案例中每吨标煤对应的减排量从 {lo:.2f} 到 {hi:.2f} tCO2 不等（相差 {hi / lo:.1f} 倍），不可能用同一排放因子算出。",
                 f"The case's CO2 per tce ranges from {lo:.2f} to {hi:.2f} t ({hi / lo:.1f}×): no single factor gives these.",
                 lines, quotes, {"min_t_per_tce": lo, "max_t_per_tce": hi}, references()["per_tce"]["source"])]


@rule("magnitude")
def magnitude_twins(view: CaseView) -> list[Flag]:
    """The same kind and unit, 10³ or 10⁴ apart with the same leading digits."""
    flags = []
    seen: set[tuple[int, int]] = set()
    outs = [o for o in view.outcomes if o.value > 0 and o.kind != "percentage_reduction"
            and (o.kind != "other" or o.unit in _COMPARABLE)]
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
                    flags.append(Flag("magnitude", "warning",
                                      f"同一案例中同一类数字既写作“{a.quote}”又写作“{b.quote}”，相差 {m:,.0f} 倍：可能漏写或多写了“{word}”。",
                                      f"The same kind of figure is stated as '{a.quote}' and as '{b.quote}', {m:,.0f}× apart: "
                                      f"a dropped or extra unit multiplier?",
                                      [a.line, b.line], [a.quote, b.quote], {"larger": a.value, "smaller": b.value}))
    return flags


_COMPARABLE = ("MW", "kWh", "tCO2e", "tce")  # units whose "other" figures are still the same quantity


def _printed(o: Outcome) -> str | None:
    m = re.search(r"\d[\d,]*(?:\.\d+)?", o.quote)
    return m.group(0).replace(",", "") if m else None


_ENERGY_AS_POWER = re.compile(
    r"(用电|耗电|电量|发电量|节电|节约电|节省电|省电|电能|供电)[^，。；;,\d]{0,8}?(\d[\d.,]*\s*(?:万|亿)?\s*(?:千瓦|kW|KW|kw|兆瓦|MW))"
    r"(?!\s*(?:时|·\s*[hH]|[hH]|小时|/))")
_KW_PER_H = re.compile(r"(?<![\d.])\d[\d.,]*\s*(?:kw|kW|KW|Kw|千瓦)\s*/\s*(?:h|H|时|小时)")
_CAPACITY_IN_KV = re.compile(r"(装机|容量|规模)[^，。；;,\d]{0,6}?(\d[\d.,]*\s*(?:万)?\s*(?:千伏|kV|KV))(?!\s*(?:安|A|线路|电压|母线))")


_TOTAL = re.compile(r"总量|总计|合计|共计|总共|累计|全部|总减排|共减少|共节约|总规模|总装机")
PART_LINES = 3  # a "其中" part is read this many lines after its total at most


@rule("sum")
def part_exceeds_total(view: CaseView) -> list[Flag]:
    """A total, then "其中" and a part of it in the same unit and kind that is larger."""
    flags = []
    figures = statements(view)
    for i, total in enumerate(figures):
        if not _TOTAL.search(_context(view, total)):
            continue
        for part in figures[i + 1:]:
            if part.line - total.line > PART_LINES:
                break
            if part.outcome.unit != total.outcome.unit or part.outcome.kind != total.outcome.kind:
                continue
            if "其中" in _between(view, total, part) and part.value > total.value * (1 + 1e-9):
                flags.append(Flag(
                    "sum", "error",
                    f"“其中”的一项（{part.value:,.10g} {part.outcome.unit}）大于前面的总量（{total.value:,.10g} {total.outcome.unit}）。",
                    f"A part ('其中', {part.value:,.10g} {part.outcome.unit}) exceeds the total before it "
                    f"({total.value:,.10g} {total.outcome.unit}).",
                    [total.line, part.line], [total.quote, part.quote], {"total": total.value, "part": part.value}))
    return flags


_UNIT_TYPES = (
    (_KW_PER_H, "error", "“{q}”不是电量单位：应为千瓦时（kWh）。", "'{q}' is not a unit of energy: kWh is meant."),
    (_ENERGY_AS_POWER, "warning", "“{q}”：电量应以千瓦时计，这里写成了功率单位。",
     "'{q}': an amount of electricity is stated in a unit of power."),
    (_CAPACITY_IN_KV, "warning", "“{q}”：装机规模写成了电压单位（千伏）。", "'{q}': a capacity is stated in a unit of voltage (kV)."),
)


def _matches(view: CaseView, rx: re.Pattern[str]):
    """(line number, raw line, match) for every match of `rx` in the case's lines."""
    for no, line in sorted(view.lines.items()):
        for m in rx.finditer(line.raw):
            yield no, line.raw, m


@rule("unit-type")
def unit_types(view: CaseView) -> list[Flag]:
    return [Flag("unit-type", severity, zh.format(q=m.group(0)), en.format(q=m.group(0)), [no], [m.group(0)])
            for rx, severity, zh, en in _UNIT_TYPES for no, _, m in _matches(view, rx)]


_TWO_POINTS = re.compile(r"(?<![\d.A-Za-z])(\d+\.\d+\.\d+)(?![\d.])")
_DATE_LIKE = re.compile(r"^(19|20)\d{2}\.\d{1,2}\.\d{1,2}$")


@rule("format")
def malformed_numbers(view: CaseView) -> list[Flag]:
    flags = []
    for no, raw, m in _matches(view, _TWO_POINTS):
        if _DATE_LIKE.match(m.group(1)) or raw[max(0, m.start() - 2): m.start()].lower().endswith(("v", "版")):
            continue
        flags.append(Flag("format", "error", f"数字“{m.group(1)}”有两个小数点，无法读作一个数。",
                          f"'{m.group(1)}' has two decimal points and is not a number.", [no], [m.group(1)]))
    return flags
