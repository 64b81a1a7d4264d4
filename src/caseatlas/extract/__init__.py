"""Facts: quantified outcomes and categorical attributes of each case, with evidence."""

from __future__ import annotations

import re

from ..models import Book, CaseFacts, Line, Table
from ..text.paragraphs import paragraphs
from . import attributes, tables
from .outcomes import extract_outcomes

PROFILE = re.compile(r"(机构|企业|公司|单位|集团|组织)(简介|介绍|概况)|关于我们")


def extract_case(
    lines: list[Line],
    title: str,
    organization: str | None,
    chapter: str | None,
    profile_lines: frozenset[int] = frozenset(),
    found_tables: list[Table] | None = None,
) -> CaseFacts:
    """Facts of one case from its lines; `found_tables` are the tables read from those lines
    (`tables.read`: read here when not given)."""
    ps = paragraphs(lines)
    facts = CaseFacts(outcomes=extract_outcomes(lines, profile_lines, found_tables))
    body = [p for p in ps]
    facts.attributes += attributes.region(body, title, organization)
    facts.attributes += attributes.sector(body, title, organization, chapter)
    facts.attributes += attributes.measures(body, title)
    facts.attributes += attributes.standards(body)
    facts.attributes += attributes.systems(body)
    facts.attributes += attributes.targets(body)
    return facts


def extract_book(book: Book) -> None:
    """Fill `case.tables` and `case.facts` for every case of a segmented book. The tables are
    read here, once, from the lines the facts are read from (page furniture left out), and kept
    with the case: the checks and the store take them from there."""
    by_no = {line.no: line for line in book.document.lines}
    for case in book.cases:
        lines = [by_no[n] for n in range(case.start_line, case.end_line + 1) if n not in book.furniture]
        profile = frozenset(
            n for s in case.sections if PROFILE.search(s.heading) for n in range(s.start_line, s.end_line + 1)
        )
        case.tables = tables.read(lines)
        case.facts = extract_case(lines, case.title, case.organization, case.chapter, profile, case.tables)


__all__ = ["PROFILE", "extract_book", "extract_case", "extract_outcomes"]
