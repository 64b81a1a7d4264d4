"""Claim checks: flags on the numbers of a case that cannot all be true, each with its
arithmetic, the facts and lines involved (exact quotes) and the reference used.

Rules are small functions registered with `@rule(name)`; each reads one case's extracted
outcomes and its lines and returns `Flag`s. `check_case` runs them all; the ingest service
runs it after extraction (`services/library.py`), so flags are stored with the facts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from ..extract.tables import read as read_tables
from ..models import Line, Outcome, Table


@dataclass(slots=True)
class Flag:
    check: str  # vocab.CHECKS
    severity: str  # vocab.SEVERITIES: error, warning, note
    message: str  # one sentence, Chinese, with the computed figure
    message_en: str
    lines: list[int]
    quotes: list[str]  # exact substrings of the raw lines, one per line above
    values: dict[str, float] = field(default_factory=dict)
    reference: str | None = None  # the reference value's source, when one was used


@dataclass(slots=True)
class CaseView:
    """What a rule sees of a case: its outcomes, its lines by number and its tables."""

    outcomes: list[Outcome]
    lines: dict[int, Line]
    sections: list[int] = field(default_factory=list)  # first line of each section, in order
    tables: list[Table] | None = None  # read once with the case (extract.tables.read); None: read here

    def __post_init__(self) -> None:
        if self.tables is None:
            self.tables = read_tables([self.lines[n] for n in sorted(self.lines)])

    memo: dict = field(default_factory=dict)  # what several rules derive from the case (pairs)
    region: str | None = None  # the case's province (its region fact): which grid, which solar zone


Rule = Callable[[CaseView], list[Flag]]
RULES: dict[str, Rule] = {}


def rule(name: str) -> Callable[[Rule], Rule]:
    def register(fn: Rule) -> Rule:
        RULES[name] = fn
        return fn

    return register


def check_case(
    outcomes: list[Outcome],
    lines: dict[int, Line],
    sections: list[int] | None = None,
    tables: list[Table] | None = None,
    region: str | None = None,
) -> list[Flag]:
    """The flags of one case; `tables` are those read with the case, read from `lines` when not
    given; `region`, the case's province when known (the grid and solar zone its ratios are held to)."""
    view = CaseView(outcomes, lines, sorted(sections or []), tables, region=region)
    flags: list[Flag] = []
    seen: set[tuple] = set()
    for fn in RULES.values():
        for f in fn(view):
            key = (f.check, tuple(sorted(set(f.lines))), tuple(f.quotes))
            if key not in seen:  # two rules finding the same figures are one flag
                seen.add(key)
                flags.append(f)
    return flags


def check_unstated(outcomes: list[Outcome]) -> list[Flag]:
    """The flags of figures no line of the text states (a declared figure with a site visit's
    verdict the text never writes): only the checks that read a figure's own record apply."""
    return RULES["verification"](CaseView(outcomes, {}, [], [])) if outcomes else []


def check_book(book) -> None:
    """Fill `case.flags` for every case of an extracted book (page furniture left out)."""
    by_no = {line.no: line for line in book.document.lines}
    for case in book.cases:
        lines = {n: by_no[n] for n in range(case.start_line, case.end_line + 1) if n not in book.furniture}
        outcomes = case.facts.outcomes if case.facts else []
        region = next((a.value for a in case.facts.attributes if a.kind == "region"), None) if case.facts else None
        case.flags = check_case(
            outcomes, lines, [s.start_line for s in case.sections], case.tables if case.facts else None, region
        )


# registers the rules, in the order their flags are listed: figures first, then dates
from . import rules as _rules  # noqa: E402, F401, I001  (they import Flag and rule from above)
from . import repeats as _repeats  # noqa: E402, F401
from . import tables as _tables  # noqa: E402, F401
from . import ranges as _ranges  # noqa: E402, F401

__all__ = ["RULES", "CaseView", "Flag", "check_book", "check_case", "check_unstated", "rule"]
