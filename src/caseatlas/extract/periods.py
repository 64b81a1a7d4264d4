"""Over what time a figure was measured: `annual`, `cumulative` or `unspecified`
(`vocab.PERIODS`), and the span of years it covers when the text states them.

Rules about how time is written, not about any book. Words before a number set its time
frame; the one closest to the number wins:

- a rate per year (每年, 年均, 年发电, 全年, "/年", 较年初增加 …) → annual;
- one year (过去一年, 一年来, a sentence or clause dated "2021 年，…") → annual;
- several years: a span (2019 年至 2021 年, 2018—2022 年), a count of years (三年, 过去五年,
  十年来), since (自…以来, 建成以来, 2019 年起), until (截至 2023 年底, 迄今) → cumulative, with
  the span when both years are stated;
- part of a year (上半年, 2020 年 1-11 月, a dated day "2022 年 2 月，…") or a rate per month or
  day (每月, 月均) → unspecified: neither a year's figure nor a running total;
- an accumulating word (累计, 共计, 合计, 总计 …) is cumulative unless the sentence's frame is
  one year or part of one ("过去一年…累计运营…减少碳排放 43.7 万吨" is that year's total).

A stock (a capacity, an area, staff, a balance) is never a yearly flow: it is unspecified, or
cumulative when 累计 (or 截至目前 / 目前已) says so.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ..vocab import PERIODS, STOCK_KINDS

ANNUAL, CUMULATIVE, UNSPECIFIED = PERIODS

_YEAR = r"(?:19|20)\d\d"
_CN_COUNT = r"[两二三四五六七八九十几数]|十[一二三四五六七八九]|[二三四五六七八九]十"

# Categories of time words (see the module docstring).
RATE, YEAR, PART, SEVERAL, ACCUMULATE, ACCUMULATE_WEAK = "rate", "year", "part", "several", "accumulate", "weak"
_PERIOD_OF = {RATE: ANNUAL, YEAR: ANNUAL, PART: UNSPECIFIED, SEVERAL: CUMULATIVE}

# A yearly rate: "每年", "年均", "年节省", "/年", a change over the year ("较年初增加", "同比减少").
_RATE = re.compile(
    r"每年|年均|全年|年度|年平均|每一年|/\s*年|年\s*$|(?:制冷|供冷|供暖|采暖|供热)季"
    r"|(?:较|比|同比)\s*(?:年初|上年|去年|上一年|" + _YEAR + r"\s*年(?:末|底|同期))|同比"
    # A 年 that is not part of a date ("2021 年"), a count ("三年") or a word (去年, 多年, 上半年).
    r"|(?<![\d\s去今明当多近历周青少新往同半两二三四五六七八九十几数])年(?![底末初代限龄轻份来前后间内级])"
    r"|(?i:\bannual|\byearly|per year|a year|each year|every year|per annum)"
)
# One year as the frame: "过去一年", "一年来", "2021 年" (not a date with a month, a span, a
# year that names a product "2020 年第一期", or a baseline "比 2020 年").
_ONE_YEAR = re.compile(
    r"过去(?:的)?一年|一年(?:来|内|间|中|里)|(?<![\d.])一年(?![级代])"
    r"|(?P<y>" + _YEAR + r")\s*年(?:度)?"
    r"(?!\s*(?:底|末|初|前|之前|以前|以来|起|开始|至今|后|内|间|[至到\-—–~～－]|\d|第|[一二三四五六七八九十]+月|[上下]半年"
    r"|的?(?:基础上|基准|为基准|水平|相比)))"
)  # "在 2005 年基础上": a baseline
_NOT_ONE_YEAR_BEFORE = re.compile(r"(?:截至|截止|自|从|至|到|比|较)\s*$")
# Part of a year, or a rate per month or day.
# A year that names an event is its date ("北京 2022 年冬奥会", "2019 年世界环境日").
_EVENT = (
    r"(?:冬奥会|冬残奥会|奥运会|残奥会|亚运会|大运会|世博会|进博会"
    r"|世界环境日|世界地球日|地球日|环境日|地球一小时|峰会|年会)"
)
_PART = re.compile(
    r"(?P<date>" + _YEAR + r"\s*年\s*(?:\d{1,2}|[一二三四五六七八九十]{1,2})\s*(?:[-—–~～至到]\s*\d{1,2}\s*)?月)"
    r"|"
    + _YEAR
    + r"\s*年\s*"
    + _EVENT
    + r"|上半年|下半年|前三季度|第?[一二三四1-4]\s*季度|每月|月均|日均|每个月|月(?:节省|节约|减少|发电|用电)|/\s*月"
    r"|每周|每天|每日|(?i:per month|a month|monthly|per day|a day|daily)"
)
# Several years: a span, a count of years, since, until.
_SPAN = re.compile(
    r"(?P<a>" + _YEAR + r")\s*年?\s*(?:至|到|—|–|-|~|～|－|——)\s*(?P<b>" + _YEAR + r")\s*年"
    r"|(?i:(?:between|from)\s+(?P<a2>" + _YEAR + r")\s+(?:and|to|through|until)\s+(?P<b2>" + _YEAR + r"))"
)
_COUNT = re.compile(
    r"(?<![\d.+＋])(?:过去|近|最近|这|连续)?\s*(?:" + _CN_COUNT + r"|[2-9]|[1-9]\d)\s*多?\s*年"
    r"(?![级代龄前后度初底末份不无]|一遇)(?:来|间|内|中|里|时间|期间|以来)?"
    r"|(?i:(?:over|in|during)\s+the\s+(?:past|last)\s+(?:\d+|two|three|four|five|six|seven|eight|nine|ten|several)\s+years)"
)
_SINCE = re.compile(
    r"(?:(?:自|从)\s*(?P<y>" + _YEAR + r")\s*年[^，。；,;]{0,24}?(?:以来|起|开始|至今)"
    r"|(?P<y2>" + _YEAR + r")\s*年(?:\s*\d{1,2}\s*月)?(?:\s*\d{1,2}\s*日)?\s*(?:以来|起|开始|至今)"
    r"|以来|至今|迄今|历年|多年来|近年来|(?i:so far|to date|since (?P<y3>" + _YEAR + r")|since))"
)
_UNTIL = re.compile(
    r"(?:截至|截止)(?:到|至)?\s*(?:(?P<y>" + _YEAR + r")\s*年)?"
    r"|(?P<y2>" + _YEAR + r")\s*年\s*(?:底|末|年底|年末)(?![^，。；]{0,6}(?:比|较))"
)
# A sentence that opens with a year ("2019 年，…", "*2021 年远景通过…"), not a date or a span.
_OPENING_YEAR = re.compile(
    r"^[\s*•\-–·（(]*(?:在|于)?\s*" + _YEAR + r"\s*年(?:度)?"
    r"(?![底末初前以来起至到\-—–~～\d第]|\s*\d|\s*[一二三四五六七八九十]+月)"
)
_TITLE = re.compile(r"《[^《》]{0,80}》")
_BASELINE_AFTER = re.compile(r"[^，。；,;]{0,12}?(?:基础上|为基准|基准年|水平上)")
_ACCUMULATE = re.compile(r"累计|累积|(?i:cumulative)")
_ACCUMULATE_WEAK = re.compile(r"共计|总计|合计|总共|一共|共减少|总减排|(?i:in total)")

# A stock: what something has or holds, not what it did in a year.
_STOCK_WORDS = re.compile(r"面积|占地|员工|职工|雇员|装机|容量|规模达|余额|市值|拥有")
_CHANGE = re.compile(r"增加|减少|增长|下降|提高|降低|增速|增幅|降幅|节省|节约|(?i:increas|decreas|grew|fell|sav)")
_STOCK_CUMULATIVE = re.compile(r"累计|累积|截至目前|截止目前|目前已|现已|(?i:cumulative|to date)")
# Money received or lent once ("2019 年获得补助 50 万元", "为某公司发放贷款 5 亿元") is one event of
# that year, not the year's flow.
_ONE_OFF = re.compile(r"获得|获|荣获|收到|为[^，。；]{1,24}(?:发放|提供|投放)|首笔|一笔|单笔|本次|此次|该笔")


@dataclass(slots=True, frozen=True)
class Marker:
    end: int
    kind: str  # RATE, YEAR, PART, SEVERAL, ACCUMULATE, ACCUMULATE_WEAK
    first: int | None = None  # years a SEVERAL marker states
    last: int | None = None
    until: bool = False  # a SEVERAL marker that only says until when ("截至 2022 年 7 月末")


@lru_cache(maxsize=8192)
def markers(text: str) -> tuple[Marker, ...]:
    """Time words of `text`, in order of where they end. A date or span is one marker (its
    year is not also a one-year marker). Cached: every figure of a sentence asks about it."""
    # A title names a document, not the figure's time ("《2019 年度减排项目…排放因子》核算"): blank it.
    text = _TITLE.sub(lambda m: "《" + "_" * (len(m.group(0)) - 2) + "》", text)
    found: list[tuple[int, int, Marker]] = []
    for m in _SPAN.finditer(text):
        if _BASELINE_AFTER.match(text, m.end()):
            continue  # "在 1980 年—1981 年通用设计能耗的基础上": a baseline, not the figure's years
        found.append(
            (
                m.start(),
                m.end(),
                Marker(m.end(), SEVERAL, int(m.group("a") or m.group("a2")), int(m.group("b") or m.group("b2"))),
            )
        )
    for m in _SINCE.finditer(text):
        y = m.group("y") or m.group("y2") or m.group("y3")
        found.append((m.start(), m.end(), Marker(m.end(), SEVERAL, int(y) if y else None, None)))
    for m in _UNTIL.finditer(text):
        y = m.group("y") or m.group("y2")
        if m.group("y2") and re.search(r"(?:比|较)\s*$", text[: m.start()]):
            continue  # "比 2019 年末增加": a change over a year (a rate), not a date
        found.append((m.start(), m.end(), Marker(m.end(), SEVERAL, None, int(y) if y else None, until=True)))
    taken = [(s, e) for s, e, _ in found]
    for m in _PART.finditer(text):
        if m.group("date"):
            if any(s <= m.start() < e for s, e in taken):
                continue  # "截至 2022 年 8 月", "自 2019 年 5 月…以来"
            if re.search(r"(?:截至|截止|自|从)\s*$", text[: m.start()]):
                continue
        found.append((m.start(), m.end(), Marker(m.end(), PART)))
    taken = [(s, e) for s, e, _ in found]
    for m in _COUNT.finditer(text):
        if re.search(r"(?:期限|为期|寿命|年限|周期)(?:为|是)?\s*$", text[: m.start()]):
            continue  # "债券期限 7 年": a term, not the years a figure covers
        if not any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            found.append((m.start(), m.end(), Marker(m.end(), SEVERAL)))
    taken = [(s, e) for s, e, _ in found]
    for m in _ONE_YEAR.finditer(text):
        if any(s <= m.start() < e or s < m.end() <= e for s, e in taken):
            continue
        if m.group("y") and (_NOT_ONE_YEAR_BEFORE.search(text[: m.start()]) or _BASELINE_AFTER.match(text, m.end())):
            continue  # "截至 2021 年", "比 2020 年", "到 2025 年", "在 2005 年基础上": not the figure's year
        found.append((m.start(), m.end(), Marker(m.end(), YEAR, int(m.group("y")) if m.group("y") else None)))
    taken = [(s, e) for s, e, _ in found]
    for m in _RATE.finditer(text):
        if not any(s <= m.start() < e for s, e in taken):
            found.append((m.start(), m.end(), Marker(m.end(), RATE)))
    for rx, kind in ((_ACCUMULATE, ACCUMULATE), (_ACCUMULATE_WEAK, ACCUMULATE_WEAK)):
        for m in rx.finditer(text):
            found.append((m.start(), m.end(), Marker(m.end(), kind)))
    return tuple(mk for _, _, mk in sorted(found, key=lambda t: (t[1], t[0])))


def _span(ms: tuple[Marker, ...]) -> tuple[int, int] | None:
    """First and last year stated by the several-year markers (a span, or since … until)."""
    first = last = None
    for mk in ms:
        if mk.kind != SEVERAL:
            continue
        if mk.first is not None and mk.last is not None:
            first, last = mk.first, mk.last
        elif mk.first is not None:
            first = mk.first
        elif mk.last is not None:
            last = mk.last
    if first is not None and last is not None and first <= last:
        return first, last
    return None


def _frame(ms: tuple[Marker, ...]) -> str | None:
    """The period the last time frame of a sentence gives (accumulating words aside)."""
    frames = [mk for mk in ms if mk.kind in (YEAR, PART, SEVERAL)]
    return _PERIOD_OF[frames[-1].kind] if frames else None


def is_stock(unit: str, kind: str, clause: str) -> bool:
    """A capacity, an area, staff or a balance: something held, not a yearly flow."""
    if kind in STOCK_KINDS or unit == "MW":
        return True
    if kind == "area" or unit == "m2":  # an area held, not one saved ("每年节省纸板 24 万平方米")
        return not _CHANGE.search(clause[-12:])
    words = list(_STOCK_WORDS.finditer(clause[-12:]))
    # A change of a stock over time is a flow ("贷款余额比上年末增加 55 亿元").
    return bool(words) and not _CHANGE.search(clause[-12:][words[-1].end() :])


def period_and_span(
    clause: str, sentence: str, head: str, passage: str, *, per_year: bool, money: bool, stock: bool
) -> tuple[str, tuple[int, int] | None]:
    """(period, span) of a figure.

    `clause`: the words before the number back to a comma; `sentence`: back to a sentence end
    (。；); `head`: back to a full stop (across ；); `passage`: the paragraph before the number.
    `per_year`: a "/年", "每年", "a year" right after the number. Money takes its rate from its
    own clause ("公司年营收 10 亿元，投资 5 亿元": the investment is not yearly) and a year only
    from the start of its sentence ("2019 年，助力发行绿色债券 72 亿元"), unless it was one event
    ("2019 年获得补助 50 万元")."""
    ms_sentence = markers(sentence)
    span = _span(markers(head))
    if stock:
        if _STOCK_CUMULATIVE.search(sentence):
            return CUMULATIVE, span
        return UNSPECIFIED, None
    if per_year:
        return ANNUAL, None
    own = ms_sentence
    if money:  # its own clause, or years the sentence says it covers ("过去五年，基金募集 40 亿元")
        own = [
            mk for mk in ms_sentence if mk.end > len(sentence) - len(clause) or (mk.kind == SEVERAL and not mk.until)
        ]
    period = None
    if own:
        last = own[-1]
        if last.kind in _PERIOD_OF:
            period = _PERIOD_OF[last.kind]
        elif last.kind == ACCUMULATE:  # 累计: a time word in its own clause ("2022 年累计", "全年累计"),
            # or a duration framing the sentence ("过去一年…累计"), else a running total
            before = [mk for mk in markers(clause) if mk.kind in _PERIOD_OF]
            durations = [
                mk for mk in ms_sentence if mk.kind in (PART, SEVERAL) or (mk.kind == YEAR and mk.first is None)
            ]
            period = (
                _PERIOD_OF[before[-1].kind] if before else _PERIOD_OF[durations[-1].kind] if durations else CUMULATIVE
            )
        else:  # 共计/合计 add parts up: over the sentence's frame, else the paragraph's
            frame = _frame(ms_sentence) or _frame(markers(head)) or _frame(markers(passage))
            period = CUMULATIVE if frame in (None, CUMULATIVE) else frame
        if money and period == ANNUAL and last.kind == YEAR and _ONE_OFF.search(clause):
            period = None
    if period is None:
        # A sentence that opens with its year ("2019 年，…", "*2021 年远景通过…") is that year's.
        opening = _OPENING_YEAR.match(head)
        if opening and not (money and _ONE_OFF.search(head)):
            period = ANNUAL
    if period is None:
        period = UNSPECIFIED
    return period, (span if period == CUMULATIVE else None)


_COLUMN_YEAR = re.compile(r"(?<!\d)(" + _YEAR + r")\s*年")
_COLUMN_TOTAL = re.compile(r"累计|合计|总计|共计|(?i:total|cumulative)")


def year_columns(header: list[str], n: int) -> list[tuple[str, tuple[int, int] | None]] | None:
    """Periods of a table's n value columns when its header names one year per column
    ("2018 年度 | 2019 年度 | 2020 年度"), perhaps with a total column after the last year
    ("… | 累计"): each year's column is annual, the total cumulative over the years. None when
    the header's columns are not years."""
    years: list[int] = []
    total_after = False
    for text in header:
        if len(text) > 24 or text.rstrip().endswith(("。", "：", ":")):
            continue  # a sentence above the table, not a header cell
        for m in _COLUMN_YEAR.finditer(text):
            year = int(m.group(1))
            if years and year <= years[-1]:
                return None  # not one column per year in order
            years.append(year)
            total_after = False
        if years and _COLUMN_TOTAL.search(text[text.rfind("年") + 1 :] if _COLUMN_YEAR.search(text) else text):
            total_after = True
    if len(years) < 2:
        return None
    if len(years) == n:
        return [(ANNUAL, None)] * n
    if len(years) == n - 1 and total_after:
        return [(ANNUAL, None)] * (n - 1) + [(CUMULATIVE, (years[0], years[-1]))]
    return None
