"""Flattened tables: the grid behind lines a PDF or a text dump made of a table.

A table printed in a narrow column reaches the text one visual line at a time: the header
as fragments ("年发电量（万千" / "瓦时）", a two-character cell stacked as "期" / "次"), each row
as its numbers on one line ("8.2 920 5,240") with its label before, after or beside them
("冷站优化 265 1,510", "一" / "期"), sometimes a unit column ("年节约标准煤 吨 46,800") or the
unit in the row label ("节约标准煤（吨/年） 6,300"). `cells` gives every number of such a table
with the column header and row label it belongs to; what the number *is* (kind, unit, period)
is decided by the extractor from those words, as for a sentence.

A table is a run of short lines with at least `MIN_ROWS` rows of numbers whose count matches
the numeric columns its header names. Tab-separated rows (a DOCX table) are read the same way,
cell by cell, when the extractor's column reader (units in the header) has not read them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..models import Line
from ..readers.normalize import normalize
from ..segment.lines import TABLE_CAPTION
from ..text.sentences import CJK_SENTENCE_END
from ..vocab import TOTAL_ROW_WORDS
from .quantities import find_quantities

MIN_ROWS = 2
MAX_LINE = 40  # a table line is short; a longer one (a sentence) ends the table
_NUMBER = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^-?\d+(?:\.\d+)?$")
# A sentence end, or a comma with words after it (a comma in "2,253" is a number's): prose, not a cell.
_SENTENCE = re.compile(rf"[{CJK_SENTENCE_END}]|，.{{6,}}|,(?!\d{{3}}).{{6,}}")
_BULLET = re.compile(r"^[-•●○·*+]\s")
_TOTAL = re.compile("|".join(TOTAL_ROW_WORDS), re.IGNORECASE)
_OPEN, _CLOSE = "（(", "）)"
_UNIT_IN = re.compile(r"[（(][^（）()]{1,12}[）)]\s*$")
_SERIAL_HEAD = re.compile(r"^(?:序号|编号|No\.?|#)$", re.IGNORECASE)
_HEADING_MARKS = "◎●■□▶►➤◆#"


@dataclass(slots=True)
class Cell:
    line: Line  # the line that prints the number
    number: str  # as printed ("5,240")
    column: str  # the column's header ("年减排量（吨二氧化碳）"), "" when it has none
    row: str  # the row's label ("年节约标准煤", "合计"), "" when none was found
    unit: str  # a unit printed in the row itself ("吨" in "年节约标准煤 吨 46,800"), or ""
    total: bool  # the row is a total (合计/总计)
    part: bool  # a row above a total row, in the same table
    table: int = 0  # which table of the lines (cells of one table share it)
    complete: bool = True  # every row of the table has a number in every column (a sum can be checked)


def is_total(label: str) -> bool:
    return bool(_TOTAL.search(label or ""))


def _is_number(token: str) -> bool:
    return bool(_NUMBER.match(token))


def _numbers(text: str) -> list[str]:
    return [t for t in text.split() if _is_number(t)]


def _is_row(text: str) -> bool:
    """A row ends with a number ("冷站优化 265 1,510"; not "2018 年）：")."""
    tokens = text.split()
    return bool(tokens) and _is_number(tokens[-1]) and not TABLE_CAPTION.match(text)


def _row_text(line: Line) -> str:
    """The line with its cells apart: a tab-separated row keeps a cell's own spaces joined
    ("减排量 (吨)" stays one cell)."""
    if "\t" in line.raw:
        return " ".join(normalize(c).replace(" ", "") for c in line.raw.split("\t") if c.strip())
    return line.text.strip()


def _tableish(text: str) -> bool:
    """A short line that is no sentence and no list item ("- 年节省运行费用 100 万元" is a list)."""
    return bool(text) and len(text) <= MAX_LINE and not _SENTENCE.search(text) and not _BULLET.match(text)


def _unbalanced(text: str) -> bool:
    return sum(text.count(c) for c in _OPEN) > sum(text.count(c) for c in _CLOSE)


def _words_of(line: str) -> list[str]:
    """A header line's cells: words, a bracket kept whole ("二氧化碳年排放量（吨 / 年）")."""
    out: list[str] = []
    for w in line.split():
        if out and _unbalanced(out[-1]):
            out[-1] += w
        else:
            out.append(w)
    return out


def _header_cells(fragments: list[str]) -> list[str]:
    """Header lines → cells: a line of several words is that many cells; a fragment joins the
    one before when that one left a bracket open, when it is only a bracketed unit ("（兆瓦）"),
    or when both are single characters (a cell printed one character per line)."""
    cells: list[str] = []
    single = False
    for frag in fragments:
        parts = _words_of(frag)
        if len(parts) > 1:
            cells.extend(parts)
            single = False
            continue
        frag = parts[0] if parts else ""
        if not frag:
            continue
        if cells and (_unbalanced(cells[-1]) or frag[0] in _OPEN + _CLOSE or (single and len(frag) == 1)):
            cells[-1] += frag
        else:
            cells.append(frag)
        single = len(frag) == 1
    return cells


def _drop_serial(text: str, serial: bool) -> str:
    return re.sub(r"^\s*\d{1,3}\s+", "", text) if serial else text


def _split_row(text: str) -> tuple[str, list[str], str]:
    """(label, numbers, unit word) of a row line: "年节约标准煤 吨 46,800" → ("年节约标准煤", ["46,800"], "吨")."""
    tokens = text.split()
    nums = [t for t in tokens if _is_number(t)]
    words = [t for t in tokens if not _is_number(t)]
    unit = ""
    probe = find_quantities(f"1{words[-1]}") if len(words) >= 2 else []
    if probe and probe[0].end == len(words[-1]) + 1:  # "吨", "万元", "万千瓦时": a unit column
        unit = words.pop()
    return " ".join(words), nums, unit


def cells(lines: list[Line]) -> list[Cell]:
    """Every number of the flattened tables among `lines`."""
    texts = [_row_text(ln) for ln in lines]
    out: list[Cell] = []
    i = 0
    while i < len(lines):
        if not _tableish(texts[i]):
            i += 1
            continue
        j = i
        while j < len(lines) and (_tableish(texts[j]) or not texts[j]):
            j += 1
        block = [(ln, t) for ln, t in zip(lines[i:j], texts[i:j]) if t]
        for c in _read_block(block):
            c.table = i
            out.append(c)
        i = max(j, i + 1)
    return out


def _read_block(block: list[tuple[Line, str]]) -> list[Cell]:
    rows_at = [k for k, (_, t) in enumerate(block) if _is_row(t)]
    if len(rows_at) < MIN_ROWS:
        return []
    first = rows_at[0]
    head: list[str] = []  # the header: the lines right above the first row, up to a caption or heading
    for _, t in reversed(block[:first]):
        if TABLE_CAPTION.match(t) or t.endswith(("：", ":", "。")) or t[:1] in _HEADING_MARKS:
            break
        head.insert(0, t)
    header = _header_cells(head)
    if len(header) < 2:
        return []  # a table names at least a label column and a value column
    serial = bool(_SERIAL_HEAD.match(header[0]))  # "序号 楼宇名称 建筑面积（m2）": the first number counts rows
    widths = [len(_numbers(_drop_serial(block[k][1], serial))) for k in rows_at]
    width = max(set(widths), key=widths.count)  # most rows have as many numbers as there are numeric columns
    if width > len(header) or sum(w == width for w in widths) < MIN_ROWS:
        return []
    columns = header[len(header) - width :]
    # A unit printed once over several value columns ("二氧化碳年排放量（吨/年）" over "实施前 实施后").
    spanning = next((h for h in reversed(header[: len(header) - width]) if _UNIT_IN.search(h)), "")
    columns = [c if _UNIT_IN.search(c) or not spanning else f"{c}{spanning}" for c in columns]
    rows: list[tuple[Line, str, list[str], str, bool]] = []
    complete = True
    prev = first - 1
    for k in rows_at:
        label, nums, unit = _split_row(_drop_serial(block[k][1], serial))
        between = "".join(t for _, t in block[prev + 1 : k] if not _numbers(t)) if k > first else ""
        prev = k
        if len(nums) != width:
            complete = False  # a row with a cell in words ("暂未启动"): its numbers cannot be placed
            continue
        rows.append((block[k][0], label or between, nums, unit, bool(_TOTAL.search(label) or _TOTAL.search(between))))
    if len(rows) < MIN_ROWS:
        return []
    last_total = max((n for n, r in enumerate(rows) if r[4]), default=-1)
    return [
        Cell(line, number, column, label, unit, total, part=n < last_total and not total, complete=complete)
        for n, (line, label, nums, unit, total) in enumerate(rows)
        for column, number in zip(columns, nums)
    ]
