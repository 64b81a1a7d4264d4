"""What the rules read: every statement of a figure in reading order, the text between two
statements, list items, and the pairs of a CO2 figure with what it was computed from.

Pairing reads backwards from each CO2 figure: the drivers (tce, kWh, m³ of gas, t of a named
fuel) stated with it — same sentence, or the list item just above a bare result. One driver
is a pair. Several drivers joined by 相当于/折合 are one quantity restated ("1118 万度电，相当
于节约标准煤 1374 吨，减排二氧化碳 6376 吨"): the CO2 pairs with the first, physical one.
Several drivers listed side by side ("节约电能 1546 万千瓦时，节约天然气 7368m³，相当于减少二
氧化碳 11511 吨") are a sum: the pair keeps the others so a rule can test the sum too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import pairwise

from ..models import Evidence, Outcome
from ..text.sentences import SENTENCE_END_RE
from . import CaseView

NEAR_LINES = (
    2  # a CO2 figure pairs with what it was computed from on its line or this many above (each link of a chain)
)
ITEM_LINES = 2  # a list item's text runs this many lines below its bullet at most (wrapped PDF lines)
LIST_ITEMS = 3  # a results list that pairs its only driver with its only CO2 figure has this many items
BARE_RESULT = 16  # at most this many characters before the figure of an item that only states a result

_GAS = re.compile(r"天然气|燃气|LNG|CNG|液化气")
_FUELS = (
    ("per_t_diesel", re.compile(r"柴油")),
    ("per_t_gasoline", re.compile(r"汽油")),
    ("per_t_fuel_oil", re.compile(r"燃油|重油|燃料油|船用油")),
    ("per_t_coal", re.compile(r"原煤|燃煤|煤炭|散煤")),
)
_NEW_ITEM = re.compile(r"^\s*(?:[•·●\-*#]|\d{1,2}[.、)]|[（(]\d{1,2}[)）])")
_AVOIDED = re.compile(r"减少|减排|降低|相当于|折合|间接|避免")
_RESTATED = re.compile(r"相当于|折合|折算|约合|即")


@dataclass(slots=True)
class Stated:
    """One statement of a figure: an outcome as stated at one place (its quote and line)."""

    outcome: Outcome
    quote: str
    line: int

    @property
    def value(self) -> float:
        return self.outcome.value


@dataclass(slots=True)
class Pair:
    """A CO2 statement and the driver it was computed from, with the implied factor."""

    co2: Stated
    driver: Stated
    kind: str  # the factor's key in data/checks/factors.toml
    factor: float
    others: list[tuple[Stated, str]] = field(default_factory=list)  # drivers stated beside it: a sum
    lone: bool = False  # paired as the only two figures of a results list, not within a sentence


def context(view: CaseView, s: Stated, before: int = 12) -> str:
    """The quote with the words just before it (what the number is of), reaching back to the
    end of the line above when the quote opens its line (PDF text wraps mid-sentence:
    "…相当于减少燃油消耗" / "约 24.56 吨")."""
    line = view.lines.get(s.line)
    raw = line.raw if line else s.quote
    at = raw.find(s.quote)
    if at < 0:
        return s.quote
    lead = raw[max(0, at - before) : at]
    if len(lead) < before:
        above = next(
            (
                view.lines[n].raw
                for n in range(s.line - 1, s.line - 3, -1)
                if n in view.lines and view.lines[n].raw.strip()
            ),
            "",
        )
        lead = (
            above.rstrip()[-(before - len(lead)) :] + lead
            if not SENTENCE_END_RE.search(above.rstrip()[-1:] or "。")
            else lead
        )
    return lead + s.quote


def driver_kind(view: CaseView, s: Stated) -> str | None:
    unit = s.outcome.unit
    if unit == "tce":
        return "per_tce"
    if unit == "kWh":
        return "per_kwh"
    ctx = context(view, s)
    if unit == "m3" and _GAS.search(ctx):
        return "per_m3_gas"
    if unit == "t":
        for name, rx in _FUELS:
            if rx.search(ctx):
                return name
    return None


def factor(co2: Stated, driver: Stated, kind: str) -> float:
    scale = 1000.0 if kind in ("per_kwh", "per_m3_gas") else 1.0  # t → kg per kWh / m³
    return co2.value / driver.value * scale


def statements(view: CaseView) -> list[Stated]:
    """Every place a figure is stated, in reading order (the extractor keeps a claim stated
    twice as one outcome with two evidence quotes; each place pairs on its own)."""
    if "statements" not in view.memo:
        out = [Stated(o, e.quote, e.line) for o in view.outcomes for e in (o.evidence or [Evidence(o.quote, o.line)])]
        view.memo["statements"] = sorted(out, key=lambda s: (s.line, position(view, s)))
    return view.memo["statements"]


def position(view: CaseView, s: Stated) -> int:
    line = view.lines.get(s.line)
    at = line.raw.find(s.quote) if line else -1
    return max(at, 0)


def between(view: CaseView, a: Stated, b: Stated) -> str:
    """The raw text from the end of statement a to the start of the later statement b."""
    pa, pb = position(view, a) + len(a.quote), position(view, b)
    if a.line == b.line:
        return view.lines[a.line].raw[pa:pb]
    parts = [view.lines[a.line].raw[pa:]]
    parts += [view.lines[n].raw for n in range(a.line + 1, b.line) if n in view.lines]
    parts.append(view.lines[b.line].raw[:pb])
    return "".join(parts)


def same_sentence(view: CaseView, a: Stated, b: Stated) -> bool:
    """No sentence end, new bullet or numbered item between figure a and the later figure b."""
    if SENTENCE_END_RE.search(between(view, a, b)):
        return False
    return not any(_NEW_ITEM.match(view.lines[n].raw) for n in range(a.line + 1, b.line + 1) if n in view.lines)


def is_item(view: CaseView, n: int) -> bool:
    return n in view.lines and _NEW_ITEM.match(view.lines[n].raw) is not None


def _item_line(view: CaseView, n: int) -> int | None:
    """The line starting the list item that holds line n, or None when n is not in a list."""
    return next((m for m in range(n, n - ITEM_LINES - 1, -1) if is_item(view, m)), None)


def next_item(view: CaseView, d: Stated, co2: Stated) -> bool:
    """co2 opens the list item right after d's item with a bare result ("• 节约天然气
    7368m³/年；" then "• 间接减少二氧化碳约 25.52 吨")."""
    if _item_line(view, d.line) is None or co2.line <= d.line or not is_item(view, co2.line):
        return False
    if any(is_item(view, n) for n in range(d.line + 1, co2.line)):
        return False
    # an item with its own subject and clause ("• 蒙牛携手原奶供应商…，林草、农田累计实现生态固碳
    # 111 万吨") is another measure, not the result of the item above
    # and a result says what it avoided ("• 累计固碳 111 万吨" under "• 年发电量…" is its own item)
    upto = _NEW_ITEM.sub("", view.lines[co2.line].raw[: position(view, co2) + len(co2.quote)])
    lead = re.split(r"\d", upto, maxsplit=1)[0].strip()  # the words before the number
    bare = len(lead) <= BARE_RESULT and not re.search(r"[，,：:]", lead)
    return bare and (co2.outcome.unit != "tCO2e" or _AVOIDED.search(lead) is not None)


def _usable(s: Stated) -> bool:
    return s.value > 0 and s.outcome.value_max is None


def pairs(view: CaseView) -> list[Pair]:
    """Every CO2 figure with the driver it was computed from (see the module's docstring)."""
    if "pairs" in view.memo:  # several rules read the pairs: found once per case
        return view.memo["pairs"]
    figures = statements(view)
    out: list[Pair] = []
    for k, co2 in enumerate(figures):
        if co2.outcome.unit != "tCO2e" or not _usable(co2):
            continue
        run: list[tuple[Stated, str]] = []  # the drivers stated with it, nearest first
        later, adjacent = co2, True
        for j in range(k - 1, -1, -1):
            f = figures[j]
            if later.line - f.line > NEAR_LINES or f.outcome.unit == "tCO2e":
                break  # too far, or another CO2 figure: what comes before it is that one's
            kind = driver_kind(view, f)
            if kind is None:
                adjacent = False
                continue
            if not (same_sentence(view, f, later) or (adjacent and next_item(view, f, later))):
                break
            if not _usable(f):
                break
            run.append((f, kind))
            later = f
        if not run:
            continue
        d, kind = run[0]
        if len(run) > 1 and run[1][1] != kind:
            order = list(reversed(run))  # reading order; 相当于 may open the later figure's quote
            if all(_RESTATED.search(between(view, a, b) + b.quote) for (a, _), (b, _) in pairwise(order)):
                d, kind = run[-1]  # one quantity restated: the CO2 was computed from the first
                out.append(Pair(co2, d, kind, factor(co2, d, kind)))
            else:
                out.append(Pair(co2, d, kind, factor(co2, d, kind), others=[r for r in run[1:] if r[1] != kind]))
            continue
        out.append(Pair(co2, d, kind, factor(co2, d, kind)))
    out += _lone_pairs(view, figures, {id(s) for p in out for s in (p.co2, p.driver, *(o for o, _ in p.others))})
    view.memo["pairs"] = out
    return out


def _lone_pairs(view: CaseView, figures: list[Stated], paired: set[int]) -> list[Pair]:
    """A results list (consecutive items) that states one driver and one CO2 figure, neither
    paired within a sentence: the list is one project's results, so the two belong together."""
    out = []
    for first, last in list_blocks(view):
        if sum(is_item(view, n) for n in range(first, last + 1)) < LIST_ITEMS:
            continue  # two items may be two measures; a longer list of results is one project's
        inside = [s for s in figures if first <= s.line <= last and _usable(s)]
        if any(id(s) in paired for s in inside):
            continue
        drivers = [(s, k) for s in inside if (k := driver_kind(view, s))]
        co2s = [s for s in inside if s.outcome.unit == "tCO2e"]
        if len(drivers) == 1 and len(co2s) == 1:
            (d, kind), co2 = drivers[0], co2s[0]
            out.append(Pair(co2, d, kind, factor(co2, d, kind), lone=True))
    return out


def list_blocks(view: CaseView) -> list[tuple[int, int]]:
    """(first, last line) of each run of two or more list items at most ITEM_LINES apart."""
    blocks: list[list[int]] = []
    for n in (n for n in sorted(view.lines) if is_item(view, n)):
        if blocks and n - blocks[-1][1] <= ITEM_LINES:
            blocks[-1][1] = n
        else:
            blocks.append([n, n])
    return [(a, b + ITEM_LINES) for a, b in blocks if b > a]
