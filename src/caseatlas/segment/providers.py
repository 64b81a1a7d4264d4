"""Organizations credited in the front matter, per chapter, for cases that do not name one.

Some books name no organization in the case block but list the contributors in the preface:
"各章案例提供单位及撰写人：第一章：深圳市市场监督管理局：史诗祯、许立杰。海盐县发展和改革局：…".
Each listed organization goes to the one case of its chapter whose text mentions the start of
its name (its place or brand: "深圳市", "星巴克", "中茶") at least `MIN_MENTIONS` times, or
whose title holds it ("国网浙江电力全景碳流管控试点案例"), and to
no case when two cases of the chapter do (or none does): a wrong organization is worse than none.
"""

from __future__ import annotations

import re

from ..models import Case, Line
from ..organizations.names import key as core
from ..text.sentences import SENTENCE_END_RE

MIN_MENTIONS = 2  # a name's start written once in a case may be a passing reference
MIN_PREFIX = 2  # characters of a name's start that must be found
WRAP_LINES = 8  # a chapter's credits read on over this many wrapped lines at most

_CREDIT = re.compile(r"^\s*第([一二三四五六七八九十\d]+)章\s*[：:](.+)$")
_ORG_END = re.compile(
    r"(公司|局|委员会|管委会|中心|协会|学会|集团|银行|大学|学院|研究院|研究所|基金会|联盟|办公室|政府)$"
)
_NUMERALS = "一二三四五六七八九十"


def _chapter_number(token: str) -> int:
    return (
        int(token)
        if token.isdigit()
        else _NUMERALS.index(token) + 1
        if len(token) == 1
        else 10 + _NUMERALS.index(token[-1]) + 1
    )


def _credited(line: str) -> tuple[int, list[str]] | None:
    m = _CREDIT.match(line)
    if not m:
        return None
    orgs = []
    for item in SENTENCE_END_RE.split(m.group(2)):
        if "：" not in item and ":" not in item:
            continue  # "某局闫栩、刘印本": no colon, no telling where the name ends
        for name in re.split(r"[、，,]", re.split(r"[：:]", item, maxsplit=1)[0]):
            name = name.strip()
            if _ORG_END.search(name) and len(name) >= 4:
                orgs.append(name)
    return _chapter_number(m.group(1)), orgs


def _mentions(name: str, title: str, text: str) -> int:
    """The longest start of the name's core in the case's title (three characters or more) or
    found MIN_MENTIONS times in its text (0 when none is)."""
    key = core(name)
    for n in range(len(key), MIN_PREFIX - 1, -1):
        if (n >= 3 and key[:n] in title) or text.count(key[:n]) >= MIN_MENTIONS:
            return n
    return 0


def credit_providers(lines: list[Line], cases: list[Case]) -> None:
    """Fill `organization` of cases that have none from a front-matter credits list."""
    if not cases or all(c.organization for c in cases):
        return
    chapters: list[str] = []
    for c in cases:
        if c.chapter and c.chapter not in chapters:
            chapters.append(c.chapter)
    by_no = {ln.no: ln.raw for ln in lines}
    credited: dict[int, list[str]] = {}
    front = [ln.raw for ln in lines if ln.no < cases[0].start_line]
    for i, raw in enumerate(front):
        if not _CREDIT.match(raw):
            continue
        # a PDF wraps the list over lines (and pages: blank lines in between): read on to the
        # next chapter's credits, WRAP_LINES lines at most
        for more in [x for x in front[i + 1 :] if x.strip()][:WRAP_LINES]:
            if _CREDIT.match(more):
                break
            raw += more.strip()
        found = _credited(raw)
        if found and 1 <= found[0] <= len(chapters):
            credited.setdefault(found[0], []).extend(found[1])
    for number, orgs in credited.items():
        mine = [c for c in cases if c.chapter == chapters[number - 1]]
        text = {c.seq: "".join(by_no.get(n, "") for n in range(c.start_line, c.end_line + 1)) for c in mine}
        assigned: dict[int, list[str]] = {}
        for org in orgs:
            hits = [c for c in mine if _mentions(org, c.title, text[c.seq])]
            if len(hits) == 1:
                assigned.setdefault(hits[0].seq, []).append(org)
        for c in mine:
            if not c.organization and c.seq in assigned:
                c.organization = "；".join(assigned[c.seq])
