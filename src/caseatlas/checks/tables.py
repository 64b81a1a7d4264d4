"""Table totals: a row named 合计/总计/小计 against the sum of the rows above it.

Books print tables flattened: one row per line, cells split by tabs (the columns keep their
places) or by spaces (then the numbers are read from the right: a row's last numbers are its
last columns, and a cell like "暂未启动" is simply not there). Any line that opens with a total
word is checked against the lines above it, up to the first line without a number (the header)
or `MAX_ROWS`, whether or not a table reader made a table of them (a long row, a header in
running text); a row that is itself a 小计 is left out of a 合计 below it. The case's tables
(`CaseView.tables`, read once with the case) add the totals only the grid reader can put
together: a 合计 printed "合" / "计" beside its numbers, a narrow column's wrapped header.
"""

from __future__ import annotations

import re

from ..extract.tables import cells
from ..text.cells import is_number, opens_total, split_cells
from ..text.numbers import format_number
from . import CaseView, Flag, rule

MAX_ROWS = 60  # a flattened table is read upwards this far from its total at most
MIN_ROWS = 2  # a "total" of one row is a restatement, not a sum
AVERAGE_ROWS = 3  # a total row inside the range of at least this many non-negative rows is their average
SUM_TOL = 0.001  # cells are exact to their printed digits: beyond that rounding and 0.1 % the rows do not add up

_YEAR = re.compile(r"^(?:19|20)\d{2}$")


def _value(cell: str) -> float | None:
    cell = cell.replace("，", ",")
    return float(cell.replace(",", "")) if is_number(cell) else None


def _decimals(cell: str) -> int:
    return len(cell.split(".")[1]) if "." in cell else 0


def _numbers(raw: str) -> tuple[bool, list[tuple[int, str, float]]]:
    """(tabbed, [(column, cell, value)]): by position from the left in a tab table, from the right otherwise."""
    cells = split_cells(raw)
    tabbed = "\t" in raw
    out = []
    for i, c in enumerate(cells):
        v = _value(c)
        if v is None or i == 0:  # the first cell is the row's label
            continue
        if _YEAR.match(c) and i + 1 < len(cells) and cells[i + 1].startswith("年"):
            return tabbed, []  # "2019 年 2020 年 累计": a header naming years, not a row
        out.append((i if tabbed else i - len(cells), c, v))
    return tabbed, out


@rule("table-total")
def table_totals(view: CaseView) -> list[Flag]:
    flags = []
    numbers = sorted(view.lines)
    for k, no in enumerate(numbers):
        raw = view.lines[no].raw
        if not opens_total(raw):
            continue
        tabbed, totals = _numbers(raw)
        if not totals:
            continue
        rows: list[tuple[int, dict[int, tuple[str, float]]]] = []
        for above in reversed(numbers[max(0, k - MAX_ROWS * 2) : k]):
            line = view.lines[above].raw
            if not line.strip():
                continue
            if opens_total(line):
                if rows:
                    continue  # a 小计 inside the table: its rows are counted already
                break  # another table's total right above: this one has no rows of its own
            t, cells = _numbers(line)
            if t != tabbed or not cells:
                break  # the header, or text: the table starts below
            rows.append((above, {col: (c, v) for col, c, v in cells}))
            if len(rows) >= MAX_ROWS:
                break
        if len(rows) < MIN_ROWS:
            continue
        for col, cell, total in totals:
            column = [r[1][col] for r in rows if col in r[1]]
            flag = _sum_flag(view, cell, total, column, min(r[0] for r in rows), no)
            if flag:
                flags.append(flag)
    return flags + _grid_totals(view, {(f.lines[-1], f.quotes[-1]) for f in flags})


def _sum_flag(
    view: CaseView, cell: str, total: float, column: list[tuple[str, float]], first: int, no: int
) -> Flag | None:
    """A flag when the column's cells do not add up to the total beyond rounding and SUM_TOL."""
    if len(column) < MIN_ROWS:
        return None
    values = [v for _, v in column]
    if len(values) >= AVERAGE_ROWS and min(values) >= 0 and min(values) <= total <= max(values):
        return None  # inside its rows' range: the table's overall average (an intensity's TOTAL row), not a sum
    got = sum(values)
    rounding = 0.5 * 10 ** -max([_decimals(cell)] + [_decimals(c) for c, _ in column]) * (len(column) + 1)
    if abs(got - total) <= max(SUM_TOL * abs(total), rounding):
        return None
    return Flag(
        "sum",
        "error",
        f"合计行的“{cell}”与上面 {len(column)} 行之和 {format_number(got)} 不符（相差 "
        f"{format_number(abs(got - total), digits=4)}）。",
        f"The total '{cell}' is not the sum of the {len(column)} rows above it ({format_number(got, 'en')}).",
        [first, no],
        [view.lines[first].raw.strip()[:60], cell],
        {"total": total, "sum_of_rows": got},
    )


def _grid_totals(view: CaseView, done: set[tuple[int, str]]) -> list[Flag]:
    """Totals of the case's flattened tables that only the grid reader can put together (a 合计
    printed "合" / "计" beside its numbers, a narrow column's wrapped header): each column's
    total row against the rows above it."""
    grid = cells(view.tables, view.lines)
    by_column: dict[tuple[int, str], list] = {}
    for c in grid:
        by_column.setdefault((c.table, c.column), []).append(c)
    flags = []
    for column in by_column.values():
        totals = [c for c in column if c.total]
        parts = [c for c in column if c.part]
        if len(totals) != 1 or not totals[0].complete or (totals[0].line.no, totals[0].number) in done:
            continue
        values = [(c.number, _value(c.number)) for c in parts]
        total = _value(totals[0].number)
        if total is None or any(v is None for _, v in values):
            continue
        flag = _sum_flag(view, totals[0].number, total, values, min(c.line.no for c in parts), totals[0].line.no)
        if flag:
            flags.append(flag)
    return flags
