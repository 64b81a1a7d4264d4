"""A case's tables, read once from its lines into `models.Table`s (`read`), and the cells of
its flattened tables with their column header and row label (`cells`).

Two printed forms, read in this order so that a line belongs to one table at most:
- "tab": tab-separated rows under a tab-separated header that names each column's unit
  ("节能效益 (吨标准煤)", "项目资金 (万)"), up to the next such header or the first line
  without a tab;
- "grid": a flattened table among the other lines (`text.cells.grid_tables`: a narrow
  column's header fragments and rows of numbers; a tab row without unit headers is read there
  cell by cell).

`extract_book` reads them when it reads a case (`Case.tables`); the outcome readers and the
table checks read those tables rather than the lines again, and the store keeps them with the
case (the API's case record carries them). Which words
are units is the quantity reader's call (`find_quantities`), which is why the tables are read
here and not in `segment`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Line, Table
from ..readers.normalize import normalize
from ..text.cells import UNIT_IN, grid_tables, opens_total
from .quantities import find_quantities

MONEY_WORDS = re.compile(r"资金|投资|金额|费用|投入|成本|收入|效益")


@dataclass(slots=True)
class Cell:
    line: Line  # the line that prints the number
    number: str  # as printed ("5,240")
    column: str  # the column's header ("年减排量（吨二氧化碳）"), "" when it has none
    row: str  # the row's label ("年节约标准煤", "合计"), "" when none was found
    unit: str  # a unit printed in the row itself ("吨" in "年节约标准煤 吨 46,800"), or ""
    total: bool  # the row is a total (合计/总计)
    part: bool  # a row above a total row, in the same table
    table: int = 0  # which table (cells of one table share it: its first line)
    complete: bool = True  # every row of the table has a number in every column (a sum can be checked)


def _is_unit(word: str) -> bool:
    """ "吨", "万元", "万千瓦时": a word the quantity reader reads as a whole unit after a number."""
    probe = find_quantities(f"1{word}")
    return bool(probe) and probe[0].end == len(word) + 1


def _row_text(line: Line) -> str:
    """The line with its cells apart: a tab-separated row keeps a cell's own spaces joined
    ("减排量 (吨)" stays one cell)."""
    if "\t" in line.raw:
        return " ".join(normalize(c).replace(" ", "") for c in line.raw.split("\t") if c.strip())
    return line.text.strip()


def _column_units(raw: str) -> tuple[list[str], list[str]]:
    """(header, units) of a tab header line without its label column: each cell with its
    markup and spaces dropped, and the unit it names in brackets when the quantity reader reads
    it as a unit ("节能效益 (吨标准煤)" → "吨标准煤"; "项目资金 (万)" → "万元"), else ""."""
    header, units = [], []
    for cell in raw.split("\t")[1:]:
        cell = re.sub(r"<su[bp]>\s*(\w+)\s*</su[bp]>", r"\1", cell).replace(" ", "")
        m = UNIT_IN.search(cell)
        unit = m.group(1) if m else ""
        if unit == "万" and MONEY_WORDS.search(cell):
            unit = "万元"  # "项目资金 (万)": 万元
        probe = find_quantities(f"1 {unit}") if unit else []
        header.append(cell)
        units.append(unit if probe and probe[0].family != "money_bare" else "")
    return header, units


def _tab_tables(lines: list[Line]) -> list[Table]:
    out = []
    i = 0
    while i < len(lines):
        header, units = _column_units(lines[i].raw) if "\t" in lines[i].raw else ([], [])
        if not any(units):
            i += 1
            continue
        table = Table("tab", header, units, [], [], [], [], header_lines=[lines[i].no])
        j = i + 1
        while j < len(lines) and "\t" in lines[j].raw and not any(_column_units(lines[j].raw)[1]):
            row = lines[j]  # (a tab line whose header names units starts the next table)
            cells = row.raw.split("\t")
            if opens_total(row.raw):
                table.totals.append(len(table.labels))
            table.labels.append(cells[0].strip())
            table.cells.append([c.strip() for c in cells[1:]])
            table.row_units.append("")
            table.lines.append(row.no)
            table.pages.append(row.page)
            j += 1
        if table.lines:
            out.append(table)
        i = j
    return out


def read(lines: list[Line]) -> list[Table]:
    """The tables printed among a case's `lines` (page furniture already left out), in reading
    order of their forms: tab tables, then the flattened tables among the other lines. A blank
    line is layout (every row of an HTML table has one): the tables are the same without it."""
    text_lines = [ln for ln in lines if ln.text]
    tab = _tab_tables(text_lines)
    taken = {n for t in tab for n in t.lines}
    grid = grid_tables([(ln, _row_text(ln)) for ln in text_lines if ln.no not in taken], _is_unit)
    return tab + grid


def cells(tables: list[Table], lines: dict[int, Line]) -> list[Cell]:
    """Every number of the flattened ("grid") tables, with its column header and row label;
    `lines` by number gives each cell the line that prints it."""
    out = []
    for t in tables:
        if t.form != "grid":
            continue
        last_total = -1 if t.total is None else t.total
        for n, (no, label, nums, unit) in enumerate(zip(t.lines, t.labels, t.cells, t.row_units)):
            total = n in t.totals
            for column, number in zip(t.header, nums):
                out.append(
                    Cell(
                        lines[no],
                        number,
                        column,
                        label,
                        unit,
                        total,
                        n < last_total and not total,
                        t.first_line,
                        t.complete,
                    )
                )
    return out
