"""Rules about one thing stated twice: an event dated differently in two places of a case,
and one quantity stated with two values (`one_quantity_two_values`, below).

An annual report's overview and its implementation section often retell the same milestone
("2016 年以来在云南和马来西亚古晋布局生产基地" / "2015 年开始，隆基…在中国云南和马来西亚古晋
进行了大规模的生产布局"). Each date's scope is its text up to the sentence end or the next
date; two scopes in different sections tell the same event when the smaller one's words are
mostly (≥ `DATE_OVERLAP`, idf-weighted over the case's sentences) in the other. A date is
left alone when another section restates its event with the same date (the head of its
scope, `HEAD_CHARS`, found there), when both scopes carry different figures (a yearly series:
"2020 年发行 93 亿元", "2021 年发行 107 亿元"), or when the years are more than `DATE_YEARS`
apart (two stages, not one event misdated).
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass

from ..text.numbers import format_quantity
from ..text.sentences import CLAUSE_END, SENTENCE_END_RE
from ..text.tokenizer import tokenizer
from ..vocab import KIND_LABELS_EN, KIND_LABELS_ZH
from . import CaseView, Flag, rule

DATE_OVERLAP = 0.5  # share of the smaller scope's (idf-weighted) words found in the other
HEAD_CHARS = 20  # the event itself: the first characters of a date's scope
HEAD_OVERLAP = 0.7  # a same-date restatement holds this share of the head's words
DATE_YEARS = 2  # dates further apart than this are different stages, not one event
MIN_SHARED = 3  # at least this many words in common

_DATE = re.compile(r"(?<![\d.])((?:19|20)\d{2})\s*年(?:\s*(\d{1,2})\s*月)?(?:\s*\d{1,2}\s*日)?")
_NUMBER = re.compile(r"\d[\d.,]*")
# a year that is a target, a baseline or one end of a span is not when something happened
_NOT_WHEN_BEFORE = re.compile(r"(?:到|至|预计|计划|力争|争取|目标|承诺|比|较|—|-|~|～)\s*$")
_NOT_WHEN_AFTER = re.compile(r"\s*(?:前|底前|—|-|~|～|至|到)")
# words that any milestone sentence has: they say nothing about which event it is
_GENERIC = frozenset(
    [
        "目标",
        "项目",
        "工作",
        "企业",
        "公司",
        "实现",
        "完成",
        "开始",
        "成为",
        "通过",
        "获得",
        "中国",
        "全国",
        "国内",
        "首家",
        "首个",
        "正式",
        "以来",
        "进行",
        "我们",
        "以及",
    ]
)


@dataclass(slots=True)
class _Dated:
    year: int
    month: int | None
    line: int
    section: int  # index of the case section holding it (-1: none known)
    quote: str  # the date as printed
    words: frozenset[str]
    head: frozenset[str]
    figures: frozenset[str]
    clause: str = ""  # the date and the words after it, as printed (what a message quotes)
    subject: str | None = None  # the facility the clause names ("苏州工厂"), when it names one

    def same_subject(self, other: _Dated) -> bool:
        """Both clauses about the same facility, or at least one names none: "宜昌工厂" and
        "苏州工厂" are two subjects, "苏州工厂" and "欧莱雅苏州尚美工厂" one."""
        if not self.subject or not other.subject:
            return True
        a, b = _FACILITY_KIND.sub("", self.subject), _FACILITY_KIND.sub("", other.subject)
        if len(a) < 2 or len(b) < 2:
            return True  # "车间" alone names no particular one
        return any(a[i : i + 2] in b for i in range(len(a) - 1))

    @property
    def label_en(self) -> str:
        return f"{_MONTHS[self.month - 1]} {self.year}" if self.month and 1 <= self.month <= 12 else str(self.year)

    def same_date(self, other: _Dated) -> bool:
        return self.year == other.year and (self.month is None or other.month is None or self.month == other.month)

    @property
    def label(self) -> str:
        return f"{self.year} 年" + (f" {self.month} 月" if self.month else "")


_DIGIT = re.compile(r"\d")
# A facility a sentence is about: the shortest name before one of these words.
_FACILITY = re.compile(
    r"[\u4e00-\u9fffA-Za-z0-9]{2,6}?(?:工厂|厂区|园区|基地|电站|电厂|码头|港区|车间|大楼|大厦|校区|门店)"
)
_FACILITY_KIND = re.compile(r"(?:工厂|厂区|园区|基地|电站|电厂|码头|港区|车间|大楼|大厦|校区|门店)$")
# Verbs and particles a facility's name can be caught with ("完成小针车间"): not part of it.
_FACILITY_LEAD = re.compile(r"^(?:完成|建成|建设|实现|启动|开展|投运|投产|在|于|对|将|把|使|让|由|从|向|其|的)+")
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
CLAUSE_CHARS = 24  # how much of the sentence after a date a message quotes


def _words(text: str) -> frozenset[str]:
    """Words of two or more characters, no digits, none of the generic milestone words (the
    search's segmentation: rjieba in search mode, its stop words)."""
    words = tokenizer()
    return frozenset(
        w
        for w in words.segments(text.lower())
        if len(w) >= 2 and w not in _GENERIC and w not in words.stopwords and not _DIGIT.search(w)
    )


def _case_text(view: CaseView) -> tuple[str, list[tuple[int, int]]]:
    """The case's lines joined (a blank line ends a sentence), with (offset, line number);
    joined once per case (three rules of this module read it)."""
    if "case_text" not in view.memo:
        view.memo["case_text"] = _join(view)
    return view.memo["case_text"]


def _join(view: CaseView) -> tuple[str, list[tuple[int, int]]]:
    text, starts = [], []
    at = 0
    for no, line in sorted(view.lines.items()):
        piece = (line.raw if line.raw.strip() else "。") + "\n"
        starts.append((at, no))
        text.append(piece)
        at += len(piece)
    return "".join(text), starts


def _vocabulary(view: CaseView) -> tuple[Counter, dict[str, float]]:
    """How often each word occurs in the case, and its idf against the case's sentences (one
    pass of the segmenter over the whole case; both rules of this module read it)."""
    if "vocabulary" not in view.memo:
        text, _ = _case_text(view)
        n = len(SENTENCE_END_RE.findall(text)) + 1
        counts = Counter(tokenizer().segments(text.lower()))
        view.memo["vocabulary"] = counts, {w: math.log((n + 1) / min(c, n)) for w, c in counts.items()}
    return view.memo["vocabulary"]


def _dated(view: CaseView) -> tuple[list[_Dated], dict[str, float]]:
    text, starts = _case_text(view)
    if len(_DATE.findall(text)) < 2:
        return [], {}  # nothing to compare: skip the segmentation
    _, idf = _vocabulary(view)
    offsets = [o for o, _ in starts]
    found = list(_DATE.finditer(text))
    out = []
    for k, m in enumerate(found):
        before = text[max(0, m.start() - 4) : m.start()].split("\n")[-1]
        if _NOT_WHEN_BEFORE.search(before) or _NOT_WHEN_AFTER.match(text[m.end() : m.end() + 4]):
            continue
        end = SENTENCE_END_RE.search(text, m.end())
        stop = min(end.start() if end else len(text), found[k + 1].start() if k + 1 < len(found) else len(text))
        scope = text[m.end() : stop].replace("\n", "")
        line = starts[_index_at(offsets, m.start())][1]
        back = SENTENCE_END_RE.split(text[max(0, m.start() - 40) : m.start()])[-1].replace("\n", "")
        facility = _FACILITY.search(back + "，" + scope)
        clause = (m.group(0) + scope).replace("\n", "").strip()
        clause = clause if len(clause) <= CLAUSE_CHARS else clause[:CLAUSE_CHARS] + "…"
        out.append(
            _Dated(
                int(m.group(1)),
                int(m.group(2)) if m.group(2) else None,
                line,
                _section(view, line),
                m.group(0),
                _words(scope),
                _words(scope.lstrip("，, ")[:HEAD_CHARS]),
                frozenset(_NUMBER.findall(scope)),
                clause,
                _FACILITY_LEAD.sub("", facility.group(0)) if facility else None,
            )
        )
    return out, idf


def _index_at(offsets: list[int], at: int) -> int:
    return max(bisect_right(offsets, at) - 1, 0)


def _section(view: CaseView, line: int) -> int:
    return sum(1 for start in view.sections if start <= line) - 1


@rule("date")
def dates_that_contradict(view: CaseView) -> list[Flag]:
    dated, idf = _dated(view)

    def weight(ws) -> float:
        return sum(idf.get(w, 0.0) for w in ws)

    def told_again(a: _Dated, b: _Dated) -> tuple[float, frozenset[str]]:
        shared = a.words & b.words
        smaller = min(weight(a.words), weight(b.words))
        return (weight(shared) / smaller if smaller else 0.0), shared

    flags = []
    for i, a in enumerate(dated):
        # Only dates of one subject are compared: two factories' years are two facts, not one.
        others = [
            (told_again(a, b), j)
            for j, b in enumerate(dated)
            if j != i and b.section != a.section and a.same_subject(b)
        ]
        if not others:
            continue
        if any(
            b.same_date(a) and a.head and weight(a.head & b.head) >= HEAD_OVERLAP * weight(a.head)
            for b in dated
            if b is not a and b.section != a.section
        ):
            continue  # its event is restated elsewhere with the same date
        (score, shared), j = max(others, key=lambda x: x[0][0])
        b = dated[j]
        if (
            j < i
            or score < DATE_OVERLAP
            or len(shared) < MIN_SHARED
            or a.same_date(b)
            or abs(a.year - b.year) > DATE_YEARS
        ):
            continue
        if a.figures and b.figures and a.figures != b.figures:
            continue  # a series of years, each with its own figure
        if any(
            c.same_date(b) and b.head and weight(b.head & c.head) >= HEAD_OVERLAP * weight(b.head)
            for c in dated
            if c is not b and c.section != b.section
        ):
            continue
        words = "、".join(
            sorted(shared, key=lambda w: (-idf.get(w, 0), w))[:4]
        )  # ties by the word: the same message every run
        subject = a.subject if a.subject and b.subject else None
        about = f"都讲{subject}" if subject else f"都提到{words}"
        about_en = f"both about {subject}" if subject else f"both mention {words.replace('、', ', ')}"
        flags.append(
            Flag(
                "date",
                "warning",
                f"两处像是在说同一件事（{about}），日期却不同：一处是 {a.label}（“{a.clause}”），"
                f"另一处是 {b.label}（“{b.clause}”）。",
                f"Two places seem to tell the same event ({about_en}) with different dates: {a.label_en} "
                f"('{a.clause}') and {b.label_en} ('{b.clause}').",
                [a.line, b.line],
                [a.quote, b.quote],
                {"year_a": a.year, "year_b": b.year},
            )
        )
    return flags


DUP_RATIO = 1.6  # restatements differ by rounding or a slip; a figure 2× another is usually another quantity
# figures of one kind and unit in two sections this close (5 %) that share a word of their clause are one
# quantity printed twice (46 万 and 46.4 万 平方米 of heating): two things rarely come out that close
DUP_CLOSE = 1.05
DUP_OVERLAP = 0.3  # share of the smaller context's (idf-weighted) words found in the other
RARE_WORD = 3  # a word occurring at most this often in the case names this thing, not the case's topic
_PART = re.compile(r"其中|包括|包含|含")  # "其中光伏发电区占地 7 万亩": a part of a total beside it
# a stage, a share or a main part of something: not the whole the other section states
_STAGE = re.compile(
    r"一期|二期|三期|首期|部分|主要|约占|单个|每个|每家|每户|人均|平均"
    r"|\b(?:phase|stage|part of|share of|of which|on average|average|per (?:capita|person|household|site))\b",
    re.IGNORECASE,
)
# the results of a case whose kind alone says what they measure (the CO2 it avoided, the energy it
# saved, the capacity it built, what that generates): stated once in the overview and once in the
# results, they are one quantity whatever the words around them
_ONE_PER_CASE = ("co2e_reduction", "energy_saving", "renewable_capacity", "renewable_generation")

# a figure that says it is the whole: "项目共节约电能", "合计减排", "总减排量" (not 累计: a span, not a sum)
_WHOLE = re.compile(
    r"总量|总计|合计|共计|总共|总减排|总节约|总装机|总规模|共(?:节约|节省|减少|减排|降低|实现|建成|建设|装机|发电)"
    r"|\b(?:in total|a total of|total(?:ling)?|combined|altogether|all together)\b",
    re.IGNORECASE,
)
# a whole that says it counts only some of them: its parts may exceed it
_PARTIAL_WHOLE = re.compile(
    r"其中|主要|部分|约占|以上|超过|逾|不少于|至少|\b(?:of which|including|mainly|mostly|more than|over|at least)\b",
    re.IGNORECASE,
)
# the year a figure is of: "2021 年", "in 2021" (a bare 2021 may be an amount: "2021 吨")
# where a figure's clause begins and ends: a clause end, or an English full stop (a period after a
# lower-case letter, then a space or the line's end: the case's lines are joined with newlines)
_CLAUSE_CUT = re.compile(f"[{re.escape(CLAUSE_END)}]|(?<=[a-z])\\.(?=\\s)")
_YEAR = re.compile(r"((?:19|20)\d{2})\s*年|\b(?:in|by|since|during|until|for|from|to|of)\s+((?:19|20)\d{2})\b")


@dataclass(slots=True)
class _Figure:
    stated: object  # figures.Stated
    section: int
    words: frozenset[str]  # of its clause and the clause before it
    years: frozenset[str]
    others: frozenset[str]  # the other numbers of that context (not years)
    stage: bool = False  # its clause names a stage, a share or an average (一期, 主要, 人均 …)
    whole: bool = False  # it says it is a sum (共节约…, 合计…, 总减排量…)

    @property
    def key(self) -> tuple:
        """What it measures when its kind says it: kind, unit, period, status, scope."""
        o = self.stated.outcome
        return (o.kind, o.unit, o.period, o.status, o.scope)


def _figures(view: CaseView) -> list[_Figure]:
    """The case's figures with their sections and contexts, read once per case (two rules read them)."""
    if "repeat_figures" not in view.memo:
        view.memo["repeat_figures"] = _read_figures(view)
    return view.memo["repeat_figures"]


def _read_figures(view: CaseView) -> list[_Figure]:
    from .figures import position, statements

    text, starts = _case_text(view)
    at_line = {no: off for off, no in starts}
    all_cuts = [m.end() for m in _CLAUSE_CUT.finditer(text)]  # once per case: each figure bisects it
    out = []
    for s in statements(view):
        if s.value <= 0 or s.outcome.kind in ("other", "intensity") or s.line not in at_line:
            continue
        at = at_line[s.line] + position(view, s)
        k = bisect_right(all_cuts, at)
        cuts = all_cuts[max(0, k - 2) : k]  # the clause ends before the figure (the last two)
        if _PART.search(text[(cuts[-1] if cuts else 0) : at + len(s.quote)]):
            continue
        after = bisect_right(all_cuts, at + len(s.quote))
        end_at = all_cuts[after] - 1 if after < len(all_cuts) else len(text)  # where the next clause end starts
        context = text[(cuts[-2] if len(cuts) > 1 else 0) : end_at].replace("\n", "")
        unit_words = _words(re.split(r"\d[\d.,]*", s.quote)[-1])  # "亿平方米": what the number is in, not of
        own = set(_NUMBER.findall(s.quote))
        others = frozenset(x for x in _NUMBER.findall(context) if not re.fullmatch(r"(?:19|20)\d{2}", x)) - own
        clause = text[(cuts[-1] if cuts else 0) : end_at]
        lead = text[(cuts[-1] if cuts else 0) : at + len(s.quote)].replace("\n", "")
        out.append(
            _Figure(
                s,
                _section(view, s.line),
                _words(context) - unit_words,
                frozenset(a or b for a, b in _YEAR.findall(context)),
                others,
                bool(_STAGE.search(clause)),
                bool(_WHOLE.search(lead)) and not _PARTIAL_WHOLE.search(lead),
            )
        )
    return out


def _at_least(bound, value) -> bool:
    """`bound` is a lower bound ("40% 以上", "超过 10 万") that `value` satisfies."""
    return bound.qualifier == "lower_bound" and value.value >= bound.value


PARTS_TOL = 0.02  # parts add up to a total within rounding


def _parts_of(part: _Figure, whole: _Figure, sums: dict[tuple, list[float]]) -> bool:
    """`part` is one of several values of its kind in its section that add up to `whole`."""
    values = set(sums[(part.key, part.section)])
    return len(values) > 1 and abs(sum(values) / whole.stated.value - 1) <= PARTS_TOL


def _alone_in_sections(figures: list[_Figure]) -> set[int]:
    """The figures (by index) that are the only value of their key in their section, for the
    kinds a case states once (`_ONE_PER_CASE`): in two sections, they are one quantity twice."""
    values: dict[tuple, set[float]] = {}
    for f in figures:
        values.setdefault((f.key, f.section), set()).add(f.stated.value)
    return {
        i
        for i, f in enumerate(figures)
        if f.key[0] in _ONE_PER_CASE
        and f.key[2] != "unspecified"
        and f.key[4] == "project"
        and not f.stage
        and f.section >= 0
        and len(values[(f.key, f.section)]) == 1
    }


@rule("duplicate-value")
def one_quantity_two_values(view: CaseView) -> list[Flag]:
    """The same quantity stated in two sections with different values: the same kind and unit,
    less than `DUP_RATIO`× apart, contexts that share a word naming this thing (one occurring at
    most `RARE_WORD` times in the case) and `DUP_OVERLAP` of their words; not when their years
    differ (a series), each stands beside other figures of its own (two installations), or one
    is a part of a total."""
    figures = _figures(view)
    if len(figures) < 2:
        return []
    counts, idf = _vocabulary(view)
    alone = _alone_in_sections(figures)
    sums: dict[tuple, list[float]] = {}
    for f in figures:
        sums.setdefault((f.key, f.section), []).append(f.stated.value)

    def weight(ws) -> float:
        return sum(idf.get(w, 0.0) for w in ws)

    flags = []
    told: dict[tuple, Flag] = {}
    for i, a in enumerate(figures):
        for j, b in enumerate(figures[i + 1 :], i + 1):
            oa, ob = a.stated.outcome, b.stated.outcome
            if a.section == b.section or oa is ob or oa.unit != ob.unit or oa.kind != ob.kind:
                continue
            hi, lo = max(a.stated.value, b.stated.value), min(a.stated.value, b.stated.value)
            if hi / lo <= 1.005 or hi / lo > DUP_RATIO or (a.years and b.years and a.years != b.years):
                continue
            if a.others and b.others and not a.others & b.others:
                continue  # each beside its own other figures (6 兆瓦 here, 15 兆瓦 there): two things
            if oa.span != ob.span and oa.span and ob.span:
                continue  # different years' figures
            if oa.status != ob.status:
                continue  # a target or a projection beside what was achieved
            if _at_least(oa, ob) or _at_least(ob, oa):
                continue  # "40% 以上" and 42%: the one is what the other says it is at least
            if a.whole != b.whole:
                continue  # a sum and one of its parts (the sums rule reads them)
            if _parts_of(a, b, sums) or _parts_of(b, a, sums):
                continue  # one section's parts add up to the other's total
            shared = a.words & b.words
            smaller = min(weight(a.words), weight(b.words))
            naming = sorted(w for w in shared if counts[w] <= RARE_WORD)
            naming = [w for w in naming if not any(w != v and w in v for v in naming)]  # 二氧化碳, not 二氧 too
            close = hi / lo <= DUP_CLOSE and bool(shared) and a.key == b.key and not (a.stage or b.stage)
            if close and not naming:
                # nearly the same figure of the same thing, in two sections: one quantity, printed twice
                quoted = a.stated.quote + b.stated.quote  # the words next to the numbers name them best
                naming = sorted(shared, key=lambda w: (w not in quoted, -idf.get(w, 0.0), w))[:3]
                label_en = ", ".join(naming)
            elif i in alone and j in alone and a.key == b.key:
                # the one value of this result in each of two sections: one quantity, whatever the words
                naming = naming or [KIND_LABELS_ZH.get(oa.kind, oa.kind)]
                label_en = KIND_LABELS_EN.get(oa.kind, oa.kind)
            elif not naming or not smaller or weight(shared) / smaller < DUP_OVERLAP:
                continue
            else:
                label_en = ", ".join(naming[:3])
            qa, qb = a.stated.quote, b.stated.quote
            diff = hi / lo - 1
            pair = (oa.kind, oa.unit, lo, hi)
            if pair in told:  # the same two values again (one restated in a third section): one flag, every place
                f = told[pair]
                f.lines += [n for n in (a.stated.line, b.stated.line) if n not in f.lines]
                f.quotes += [q for q in (qa, qb) if q not in f.quotes]
                continue
            told[pair] = Flag(
                "duplicate-value",
                "note",
                f"同一数量（{'、'.join(naming[:3])}）前后不一：一处是“{qa}”，另一处是“{qb}”"
                f"（{format_quantity(oa.value, oa.unit)} 与 {format_quantity(ob.value, ob.unit)}，"
                f"相差 {diff:.1%}）。",
                f"The same quantity ({label_en}) is stated as '{qa}' and as '{qb}' "
                f"({format_quantity(oa.value, oa.unit, 'en')} and {format_quantity(ob.value, ob.unit, 'en')}, "
                f"{diff:.1%} apart).",
                [a.stated.line, b.stated.line],
                [qa, qb],
                {"value_a": a.stated.value, "value_b": b.stated.value},
            )
            flags.append(told[pair])
    return flags


SUM_TOL = 0.05  # parts rounded ("约 1,200 万") add up within 5 % of their total; beyond it they exceed it


@rule("sum-across-sections")
def parts_beyond_their_total(view: CaseView) -> list[Flag]:
    """A whole stated in one section (共节约…, 合计…, 总减排量…) and the parts of the same
    result — same kind, unit, period and status — stated in other sections, each smaller than
    it, that add up to more. The whole is the largest figure of its result in the case (else it
    is one measure's total: "…两项合计，总减排量约 5 万吨" beside a larger one). Parts stated
    twice with one value count once; a part that equals the whole or exceeds it alone is
    another level (the organization's total, a restatement) and is left to the other rules; a
    whole that counts only some (其中, 主要, 以上) is left alone."""
    figures = _figures(view)
    if len(figures) < 3:
        return []
    flags = []
    for w in figures:
        o = w.stated.outcome
        if o.kind not in _ONE_PER_CASE or o.period == "unspecified" or w.section < 0:
            continue
        if not w.whole or w.stage:
            continue
        if any(p.key == w.key and p.stated.value > w.stated.value * (1 + 1e-9) for p in figures):
            continue  # a larger figure of this result: this "total" is one measure's, not the case's
        parts: dict[float, _Figure] = {}
        for p in figures:
            if p.section == w.section or p.key != w.key or p.stage or p.stated.value >= w.stated.value * (1 - 1e-9):
                continue
            parts.setdefault(p.stated.value, p)
        if len(parts) < 2:
            continue
        total = sum(parts)
        if total <= w.stated.value * (1 + SUM_TOL):
            continue
        ps = sorted(parts.values(), key=lambda p: p.stated.line)
        u = o.unit
        listed = " + ".join(format_quantity(p.stated.value, u) for p in ps)
        listed_en = " + ".join(format_quantity(p.stated.value, u, "en") for p in ps)
        flags.append(
            Flag(
                "sum",
                "warning",
                f"各部分 {listed} = {format_quantity(total, u)}，多于另一处所写的总数“{w.stated.quote}”"
                f"（{format_quantity(w.stated.value, u)}，超出 {total / w.stated.value - 1:.0%}）。",
                f"The parts {listed_en} = {format_quantity(total, u, 'en')}, more than the total stated elsewhere, "
                f"'{w.stated.quote}' ({format_quantity(w.stated.value, u, 'en')}, "
                f"{total / w.stated.value - 1:.0%} over).",
                [w.stated.line] + [p.stated.line for p in ps],
                [w.stated.quote] + [p.stated.quote for p in ps],
                {"total": w.stated.value, "parts_sum": total},
            )
        )
    return flags
