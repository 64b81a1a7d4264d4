"""Conflicts of interest from organization names.

A reviewer is conflicted with a submission when one of the reviewer's organizations (the
affiliation, and any organization the reviewer declared) is the same group as the
applicant's organization. Names of one group differ in legal suffixes (有限公司, 股份有限公司,
Co., Ltd.), a leading 中国, a branch after 集团 (…集团江苏分公司) and abbreviation (国家电力投资 →
国家电投): `same_group` sees through these. Groups whose names share nothing (a subsidiary
with its own brand) are named by the organizer as alias groups.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

_LEGAL_ZH = ("集团股份有限公司", "集团有限责任公司", "集团有限公司", "股份有限公司", "有限责任公司", "有限公司", "总公司",
             "分公司", "子公司", "公司", "股份", "控股", "集团")
_LEGAL_EN = re.compile(r"\b(co|company|corp|corporation|inc|incorporated|ltd|limited|llc|plc|group|holdings?|gmbh|sa|ag)\b\.?")
_PUNCT = re.compile(r"[\s\u3000()（）\[\]【】《》“”\"'‘’·.,，、&＆\-—_/]+")
_BRACKETED = re.compile(r"[（(][^（）()]{1,12}[）)]")
MIN_ABBREVIATION = 3  # shorter abbreviations (两字简称) collide too often: 万科 ⊂ 万达科技


def core(name: str) -> str:
    """The distinctive part of an organization name: the group part before 集团 (so branches
    and subsidiaries named after the group match it), without legal suffixes, brackets
    (（中国）), a leading 中国, punctuation or case."""
    s = unicodedata.normalize("NFKC", name or "").strip().lower()
    s = _BRACKETED.sub("", s)
    if "集团" in s[2:]:
        s = s[: s.index("集团", 2)]
    s = _LEGAL_EN.sub(" ", s)
    s = _PUNCT.sub("", s)
    changed = True
    while changed and s:
        changed = False
        for suffix in _LEGAL_ZH:
            if s.endswith(suffix) and len(s) > len(suffix) + 1:
                s, changed = s[: -len(suffix)], True
    if s.startswith("中国") and len(s) > 4:
        s = s[2:]
    return s


def _subsequence(short: str, long: str) -> bool:
    it = iter(long)
    return all(ch in it for ch in short)


def same_group(a: str, b: str, aliases: Iterable[Iterable[str]] = ()) -> bool:
    ca, cb = core(a), core(b)
    if not ca or not cb:
        return False
    if ca == cb:
        return True
    short, long = sorted((ca, cb), key=len)
    if len(short) >= 2 and short in long and long.startswith(short):
        return True  # 宝武 / 宝武钢铁
    if len(short) >= MIN_ABBREVIATION and short[0] == long[0] and _subsequence(short, long):
        return True  # 国家电投 / 国家电力投资
    for group in aliases:
        cores = {core(n) for n in group}
        if ca in cores and cb in cores:
            return True
    return False


def conflicted(reviewer_orgs: Iterable[str], applicant_org: str, aliases: Iterable[Iterable[str]] = ()) -> str | None:
    """The reviewer organization that conflicts with the applicant's, or None."""
    aliases = [list(g) for g in aliases]
    for org in reviewer_orgs:
        if org and same_group(org, applicant_org, aliases):
            return org
    return None
