"""Numbers as books write them, and as CaseAtlas writes them for people: one reader, one writer.

The reader takes every form the books use: Arabic digits with thousands separators and
decimals (full-width digits too), Chinese numerals with their own 万/亿 sections (一万三千,
四万五千, 1亿2千万, 两千), 〇 digits (二〇二三). Multipliers after a number (万, 亿, 百万 …) and
qualifiers (约/近/超/逾/余/多) are read by the quantity pattern in `extract/quantities.py`, which
builds on `NUMBER` below.

The writer (`format_number`, `format_quantity`) is used by every page, form, e-mail, CLI table,
export label and edition: Chinese groups by 万/亿/万亿 ("1,780万吨二氧化碳当量", "560亿元"),
English uses thousands separators ("17,800,000 tCO2e"), and neither ever writes exponent
notation. The contract, tested as a property: whatever the writer prints, in either language
and any canonical unit, the extractor's quantity reader reads back as the value printed (the
value rounded to `DIGITS` significant digits — `displayed_value`).
"""

from __future__ import annotations

import math
import re
import unicodedata
from decimal import ROUND_HALF_EVEN, Decimal

import cn2an

from ..vocab import UNIT_LABELS

# Significant digits the writer keeps. Seven keeps 13,044.33 and 1,780万 exact, and a value's
# stored precision is never lost: data stays in the database and exports as numbers.
DIGITS = 7

# Exponent notation ("1.6e+06", as spreadsheets and %g write it) is read, never written; the sign
# is required so that words like "5e" are not numbers.
ARABIC = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?(?:[eE][+-]\d{1,3})?"
_CN_ALL = "零〇一二两三四五六七八九十百千"
# A Chinese numeral starts with a digit word (十百千 alone are multipliers, read elsewhere).
CHINESE = rf"[一二两三四五六七八九十][{_CN_ALL}]*(?:点[{_CN_ALL}]+)?"
# The section after 万 or 亿 inside one numeral: a digit and its place ("三千", "五百", "二十",
# "2千"), so "1万一年", "5万 3 个" and "10万千瓦" (千瓦 a unit) are not read as one number.
_AFTER = rf"零?(?:[一二两三四五六七八九][十百千][{_CN_ALL}]*|\d+(?:\.\d+)?[千百])"
# 一万三千, 四万五千, 1亿2千万, 3亿五千万, 两亿零五百万: a numeral with its own 万/亿 sections (the
# sections are an optional tail, so a plain number is matched once, not tried twice).
NUMBER = rf"(?:{ARABIC}|{CHINESE})(?:亿(?:{_AFTER}万(?:{_AFTER})?|{_AFTER})|万{_AFTER})?"
_NUMBER_RE = re.compile(rf"^(?:{NUMBER})$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９，．", "0123456789,.")


def parse_number(token: str) -> float | None:
    """The value of one written number (no multiplier after it, no unit), or None."""
    token = unicodedata.normalize("NFKC", token.strip()).translate(_FULLWIDTH).replace(",", "")
    if not token:
        return None
    try:
        return float(token)
    except ValueError:
        pass
    total, rest = 0.0, token
    for big, scale in (("亿", 1e8), ("万", 1e4)):
        if big in rest:
            head, rest = rest.split(big, 1)
            value = _section(head.lstrip("零"))
            if value is None:
                return None
            total += value * scale
    if rest:
        value = _section(rest.lstrip("零") or "0")
        if value is None:
            return None
        total += value
    return float(f"{total:.15g}")


def _section(token: str) -> float | None:
    """One section below 万: Arabic ("1.5"), Arabic with 千/百 ("2千"), or Chinese ("三千五百")."""
    if not token:
        return None
    try:
        return float(token)
    except ValueError:
        pass
    if token[-1] in "千百" and token[:-1].replace(".", "", 1).isdigit():
        return float(token[:-1]) * (1e3 if token[-1] == "千" else 1e2)
    try:
        return float(cn2an.cn2an(token, "smart"))
    except (ValueError, KeyError, TypeError, IndexError):
        return None


def is_number(token: str) -> bool:
    return bool(_NUMBER_RE.match(token))


# --- the writer

# (from, divisor, word): below 十万, Chinese books print the digits.
_SCALES_ZH = ((1e12, 1e12, "万亿"), (1e8, 1e8, "亿"), (1e5, 1e4, "万"))


def displayed_value(value: float, digits: int = DIGITS) -> float:
    """`value` rounded as the writer prints it (significant digits), which the reader reads back."""
    if value == 0 or not math.isfinite(value):
        return value
    exp = math.floor(math.log10(abs(value)))
    q = Decimal(repr(value)).quantize(Decimal(1).scaleb(exp - digits + 1), rounding=ROUND_HALF_EVEN)
    return float(q)


def _plain(value: float, digits: int, group: bool) -> str:
    """Fixed-point digits, never an exponent; `digits` significant, trailing zeros dropped."""
    rounded = Decimal(repr(displayed_value(value, digits)))
    text = format(rounded, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("-0", ""):
        text = "0"
    if group:
        sign, body = ("-", text[1:]) if text.startswith("-") else ("", text)
        whole, _, frac = body.partition(".")
        text = sign + f"{int(whole):,}" + (f".{frac}" if frac else "")
    return text


def format_number(value: float | None, lang: str = "zh", digits: int = DIGITS) -> str:
    """A number for people: "1,780万", "560亿", "13,044.33" (zh); "17,800,000" (en). '' for None."""
    if value is None:
        return ""
    if not math.isfinite(value):
        raise ValueError(f"not a finite number: {value!r}")
    value = displayed_value(value, digits)
    if lang != "en":
        for start, scale, word in _SCALES_ZH:
            if abs(value) >= start:
                # The scaled figure keeps the significant digits the value had (1,780万 not 1,780.00万).
                return _plain(value / scale, digits, True) + word
    return _plain(value, digits, True)


def input_number(value: float | None) -> str:
    """A number for a form field: every stored digit, no grouping, never an exponent (1600000)."""
    if value is None:
        return ""
    text = format(Decimal(repr(float(value))), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def unit_label(unit: str, lang: str = "zh") -> str:
    """A canonical unit as a reader of `lang` writes it; a unit with no label is printed as is."""
    pair = UNIT_LABELS.get(unit)
    if pair is None and "/" in unit:  # an intensity: numerator label over the denominator as stored
        num, _, den = unit.partition("/")
        return f"{unit_label(num, lang)}/{den}"
    return pair[1 if lang == "en" else 0] if pair else unit


# How the writer marks a qualifier, (zh, en); the quantity reader reads each back.
QUALIFIER_MARKS = {"approx": ("约 ", "about "), "lower_bound": ("≥ ", "≥ ")}


def format_quantity(
    value: float | None,
    unit: str,
    lang: str = "zh",
    digits: int = DIGITS,
    value_max: float | None = None,
    qualifier: str | None = None,
) -> str:
    """A value with its unit for people: "约 1,780万吨二氧化碳当量", "560亿元", "17,800,000 tCO2e"."""
    text = format_number(value, lang, digits)
    if value_max is not None:
        text += "–" + format_number(value_max, lang, digits)
    label = unit_label(unit, lang)
    if label and label != "%":
        # Chinese units follow the figure directly ("560亿元"); Latin ones after a space.
        text += label if _is_cjk(label[0]) else f" {label}"
    elif label:
        text += label
    mark = QUALIFIER_MARKS.get(qualifier or "")
    return (mark[1 if lang == "en" else 0] if mark else "") + text


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff"
