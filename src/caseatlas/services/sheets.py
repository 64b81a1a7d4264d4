"""Tables written for spreadsheet programs (CSV and XLSX), by every export: the library's and a
programme's. A cell is data, never a formula: text that a spreadsheet would run (starting with
=, +, -, @, a tab or a carriage return) is written with a leading apostrophe, control
characters (which break XLSX and hide text) are dropped, and text is cut to what a cell holds.
Numbers stay numbers."""

from __future__ import annotations

import csv
import io
import re

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")
MAX_CELL = 32_000  # Excel cells hold at most 32,767 characters


def safe_cell(value):
    if not isinstance(value, str):
        return value
    value = _CONTROL.sub("", value)[:MAX_CELL]
    return "'" + value if value.startswith(_FORMULA_START) else value


def csv_bytes(columns: list[str], rows: list[dict]) -> bytes:
    """UTF-8 with a BOM, so that spreadsheet programs read Chinese correctly."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(columns)
    writer.writerows([safe_cell(row.get(c)) for c in columns] for row in rows)
    return buf.getvalue().encode("utf-8-sig")


def xlsx_bytes(sheets: list[tuple[str, list[str], list[dict]]]) -> bytes:
    """One sheet per (name, columns, rows)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for name, columns, rows in sheets:
        ws = wb.create_sheet(name)
        ws.append(columns)
        for row in rows:
            ws.append([safe_cell(row.get(c)) for c in columns])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
