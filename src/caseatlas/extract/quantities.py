"""Find quantities in text: number (Arabic or Chinese) + multiplier + unit, with ranges and
qualifiers, converted to canonical units.

    约 1.7~2 亿度          → 1.7e8 .. 2e8 kWh, approx
    超 5 万吨二氧化碳当量   → 50000 tCO2e, lower_bound
    130 吨至 140 吨         → 130 .. 140 t
    1.5W 元                 → 15000 CNY ("W" written for 万)
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..text.numbers import NUMBER, parse_number
from .units import UNIT_PATTERN, UnitForm, lookup, to_canonical

_NUMBER = NUMBER
# "W" stands for 万 only before a counted noun ("1.5W 元"); elsewhere it is a watt.
_MULT = (
    r"(?:百万|千万|万亿|亿|万|千(?![瓦克米卡焦])|百(?!分)|W(?=\s*(?:元|吨|人|户|辆|度|次|家|平))"
    r"|million\b|billion\b|mn\b|bn\b)"
)
# ≥ and the English words are what CaseAtlas itself (text/numbers.format_quantity) and English books write.
_PRE = (
    r"(?P<pre>(?<![节制合契条公预签相大])约|近|将近|接近|超过|超|逾|高达|达到|达|不少于|至少|不低于|大约|多达|累计|共计"
    r"|≥|＞|>|\b(?:about|approximately|around|nearly|almost|over|more\s+than|at\s+least)\b)?"
)
# 余/多 after the unit qualify the number only where no word goes on: "9兆瓦余热" is waste heat,
# "100吨多晶硅" polysilicon ("300余吨", "十余万" put it before the unit or multiplier).
_POST = r"(?P<post>以上|左右|余(?![\u4e00-\u9fff])|多(?![\u4e00-\u9fff])|之多|上下)?"
# A currency written before the number (English books): "RMB 96 million", "US$ 2.5 bn", "AUD $500,000",
# "£304", "$12 million" (a bare dollar sign is the US dollar).
_CURRENCY = (
    r"(?P<cur>RMB|CNY|USD\s*\$?|US\$|EUR|€|¥|£|GBP|HKD\s*\$?|HK\$|AUD\s*\$?|A\$|CAD\s*\$?|C\$|SGD\s*\$?|S\$|"
    r"NZD\s*\$?|NZ\$|MYR|INR|KRW|CHF|SEK|NOK|DKK|\$)?"
)
_SEP = r"\s*(?:~|～|〜|-|—|–|至|到)\s*"

QUANTITY = re.compile(
    rf"{_PRE}\s*{_CURRENCY}\s*"
    rf"(?P<n1>{_NUMBER})\s*(?P<mid0>余|多)?\s*(?P<m1>{_MULT})?\s*(?P<mid>余|多)?\s*(?P<u1>{UNIT_PATTERN})?"
    rf"(?:{_SEP}(?P<n2>{_NUMBER})\s*(?P<m2>{_MULT})?\s*(?P<u2>{UNIT_PATTERN}))?"
    rf"\s*{_POST}"
    r"(?P<per>\s*/\s*(?:年|a\b|yr\b))?"
)
_CJK_WORD = re.compile(r"[\u4e00-\u9fff]")
_MULT_VALUE = {
    "百万": 1e6,
    "千万": 1e7,
    "万亿": 1e12,
    "亿": 1e8,
    "万": 1e4,
    "千": 1e3,
    "百": 1e2,
    "W": 1e4,
    "million": 1e6,
    "billion": 1e9,
    "mn": 1e6,
    "bn": 1e9,
}
_APPROX = {"约", "近", "将近", "接近", "大约", "左右", "上下", "about", "approximately", "around", "nearly", "almost"}
_LOWER = {
    "超过",
    "超",
    "逾",
    "不少于",
    "至少",
    "不低于",
    "多达",
    "以上",
    "余",
    "多",
    "之多",
    "≥",
    "＞",
    ">",
    "over",
    "more than",
    "at least",
}


@dataclass(slots=True)
class Quantity:
    value: float  # canonical, lower bound of a range
    value_max: float | None
    unit: str  # canonical unit
    written_unit: str  # the unit as written ("" when none)
    family: str  # unit family from the lexicon, or "number"/"money_bare"
    qualifier: str | None  # "approx" | "lower_bound" | None
    per_year: bool  # "/年" right after the unit
    start: int  # span in the text searched
    end: int
    number_start: int


# "近百万元", "超亿元": an order of magnitude written without a digit.
_IDIOM = re.compile(rf"(?P<pre>近|超过|超|逾|上)(?P<mult>百万|千万|十万|百亿|千亿|万|亿)(?P<u1>{UNIT_PATTERN})")
_IDIOM_VALUE = {"百万": 1e6, "千万": 1e7, "十万": 1e5, "百亿": 1e10, "千亿": 1e11, "万": 1e4, "亿": 1e8}
# English writes a round amount in words: "half a million tonnes", "a billion dollars", "two million kWh".
_WORDS = {"half a": 0.5, "a quarter of a": 0.25, "a": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_WORDS |= {"six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}
_EN_IDIOM = re.compile(
    rf"(?P<pre>\b(?:about|approximately|around|nearly|almost|over|more\s+than)\s+)?"
    rf"\b(?P<n>{'|'.join(sorted(_WORDS, key=len, reverse=True))})\s+(?P<mult>million|billion)\s+(?P<u1>{UNIT_PATTERN})",
    re.IGNORECASE,
)


def find_quantities(text: str) -> list[Quantity]:
    """Every number with a unit (or a money multiplier) in `text`."""
    out: list[Quantity] = []
    for m in QUANTITY.finditer(text):
        q = _quantity(m, text)
        if q is not None:
            out.append(q)
    for m in _IDIOM.finditer(text):
        form = lookup(m.group("u1"))
        if form is None or any(q.start <= m.start() < q.end for q in out):
            continue
        value, unit = to_canonical(_IDIOM_VALUE[m.group("mult")], form.unit)
        qualifier = "approx" if m.group("pre") == "近" else "lower_bound"
        out.append(
            Quantity(
                value, None, unit, m.group("u1"), form.family, qualifier, False, m.start(), m.end(), m.start("mult")
            )
        )
    for m in _EN_IDIOM.finditer(text):
        form = lookup(m.group("u1"))
        if form is None or any(q.start <= m.start("n") < q.end for q in out):
            continue
        scale = 1e6 if m.group("mult").lower() == "million" else 1e9
        value, unit = to_canonical(_WORDS[m.group("n").lower()] * scale, form.unit)
        pre = " ".join((m.group("pre") or "").split()).lower()
        qualifier = "lower_bound" if pre in _LOWER else "approx" if pre in _APPROX else None
        start = m.start("pre") if m.group("pre") else m.start("n")
        out.append(
            Quantity(value, None, unit, m.group("u1"), form.family, qualifier, False, start, m.end(), m.start("n"))
        )
    out.sort(key=lambda q: q.start)
    return out


def _quantity(m: re.Match[str], text: str) -> Quantity | None:
    n1 = parse_number(m.group("n1"))
    if n1 is None:
        return None
    # "百万吨级", "10万吨级码头", "兆瓦级": a class of size, not a measured amount.
    if text.startswith("级", m.end()):
        return None
    if (m.group("cur") or "").strip() == "$" and text[m.end("n1") : m.end("n1") + 1] in ("^", "\\", "{", "$"):
        return None  # "$2^{\circ}$": TeX math, not dollars
    u1, u2 = m.group("u1"), m.group("u2")
    m1, m2 = m.group("m1"), m.group("m2")
    n2 = parse_number(m.group("n2")) if m.group("n2") else None
    written = (u1 or u2 or m.group("cur") or "").strip()
    if written == "¥":
        written = "元"
    # "1.7~2 亿度": the second multiplier and unit apply to the first number too.
    if n2 is not None and not u1:
        m1 = m1 or m2
    if n2 is not None and u1 and u2 and lookup(u1) != lookup(u2):
        n2 = None  # "5 吨至 10 万元" is not a range
    form: UnitForm | None = lookup(written) if written else None
    if form is None:
        if written or m1 not in ("万", "亿", "百万", "千万", "万亿"):
            return None
        # A bare multiplier ("发行规模 10.8 亿", "融资 5000 万"): money only if the context says so.
        family, unit = "money_bare", None
    else:
        family, unit = form.family, form.unit
    # A Chinese numeral needs a unit ("一体化", "十三五" are not quantities), and a lone
    # 一/两 is an article ("一度电", "一吨垃圾"), not a measurement.
    if not m.group("n1")[0].isdigit() and (form is None or m.group("n1") in ("一", "两")):
        return None
    # "二元结构", "三元催化", "二元一次": a numeral-word, not money (a price in words is followed by
    # punctuation or a unit: "每人十元。")
    if not m.group("n1")[0].isdigit() and unit == "CNY" and _CJK_WORD.match(text, m.end()):
        return None
    mult1 = _MULT_VALUE.get(m1 or "", 1.0)
    mult2 = _MULT_VALUE.get(m2 or "", mult1 if n2 is not None and not m2 else 1.0)
    v1 = n1 * mult1
    v2 = n2 * mult2 if n2 is not None else None
    if unit is not None:
        v1, canonical = to_canonical(v1, unit)
        if v2 is not None:
            v2 = to_canonical(v2, unit)[0]
    else:
        canonical = "CNY"
        v1 = float(f"{v1:.12g}")
        v2 = float(f"{v2:.12g}") if v2 is not None else None
    if v2 is not None and v2 < v1:
        v2 = None  # "2020-2025" style or a typo; keep the first number only
    words = {" ".join(w.split()) for w in (m.group("pre"), m.group("post"), m.group("mid"), m.group("mid0")) if w}
    qualifier = "lower_bound" if words & _LOWER else "approx" if words & _APPROX else None
    start = m.start("pre") if m.group("pre") else m.start("cur") if m.group("cur") else m.start("n1")
    end = m.end()
    while end > start and text[end - 1].isspace():
        end -= 1
    return Quantity(
        value=v1,
        value_max=v2,
        unit=canonical,
        written_unit=written,
        family=family,
        qualifier=qualifier,
        per_year=bool(m.group("per")),
        start=start,
        end=end,
        number_start=m.start("n1"),
    )
