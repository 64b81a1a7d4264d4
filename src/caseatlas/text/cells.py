"""Table cells: the one cell splitter and the grid builder behind every table reader.

A table reaches the text one printed line at a time. A Word or HTML table keeps its cells
apart with tabs; a PDF's narrow column or a text dump flattens it: the header as fragments
("年发电量（万千" / "瓦时）", a two-character cell stacked as "期" / "次"), each row as its numbers
on one line ("8.2 920 5,240") with its label before, after or beside them ("冷站优化 265
1,510", "一" / "期"), sometimes a unit column ("年节约标准煤 吨 46,800") or the unit in the row
label ("节约标准煤（吨/年） 6,300"). `grid_tables` puts such lines back into `models.Table`s;
what a number *is* (kind, unit, period) is decided by the extractor from the header and label
words, as for a sentence.

A flattened table is a run of short lines with at least `MIN_ROWS` rows of numbers whose
count matches the numeric columns its header names. Whether a word is a unit ("吨",
"万千瓦时") is the quantity reader's call, one floor up: the caller passes it in.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ..models import Line, Table
from ..vocab import TOTAL_ROW_WORDS
from .sentences import CJK_SENTENCE_END

MIN_ROWS = 2
MAX_LINE = 40  # a table line is short; a longer one (a sentence) ends the table
TABLE_CAPTION = re.compile(r"^\s*(?:表|附表|Table)\s*[\d一二三四五六七八九十]", re.IGNORECASE)
_TOTAL = re.compile("|".join(TOTAL_ROW_WORDS), re.IGNORECASE)
_NUMBER = re.compile(r"^-?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^-?\d+(?:\.\d+)?$")
# A sentence end, or a comma with words after it (a comma in "2,253" is a number's): prose, not a cell.
_SENTENCE = re.compile(rf"[{CJK_SENTENCE_END}]|，.{{6,}}|,(?!\d{{3}}).{{6,}}")
_BULLET = re.compile(r"^[-•●○·*+]\s")
_OPEN, _CLOSE = "（(", "）)"
UNIT_IN = re.compile(r"[（(]\s*([^（）()]{1,12}?)\s*[）)]\s*$")  # a header's unit in brackets at its end
_SPANNING = re.compile(r"[（(][^（）()]{1,12}[）)]\s*$")  # a header cell that ends with its unit
_SERIAL_HEAD = re.compile(r"^(?:序号|编号|No\.?|#)$", re.IGNORECASE)
_HEADING_MARKS = "◎●■□▶►➤◆#"


def is_total(label: str) -> bool:
    """A row label that names a total anywhere in it ("合计", "合" / "计", "Total")."""
    return bool(_TOTAL.search(label or ""))


def opens_total(text: str) -> bool:
    """A line that starts with a total word: a total row as printed ("合计 1,200 3,400")."""
    m = _TOTAL.search(text or "")
    return m is not None and not text[: m.start()].strip()


def is_number(cell: str) -> bool:
    """A cell that is one number as tables print them ("5,240", "-3.5"; not "5 万", not "2018 年")."""
    return bool(_NUMBER.match(cell))


def split_cells(raw: str) -> list[str]:
    """A printed row's cells: by tabs when it has them (the columns keep their places, a cell
    keeps its own spaces), else by spaces."""
    parts = raw.split("\t") if "\t" in raw else re.split(r"\s{1,}", raw.strip())
    return [p.strip() for p in parts]


def _numbers(text: str) -> list[str]:
    return [t for t in text.split() if is_number(t)]


def _is_row(text: str) -> bool:
    """A row ends with a number ("冷站优化 265 1,510"; not "2018 年）：")."""
    tokens = text.split()
    return bool(tokens) and is_number(tokens[-1]) and not TABLE_CAPTION.match(text)


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


def _split_row(text: str, is_unit: Callable[[str], bool]) -> tuple[str, list[str], str]:
    """(label, numbers, unit word) of a row line: "年节约标准煤 吨 46,800" → ("年节约标准煤", ["46,800"], "吨")."""
    tokens = text.split()
    nums = [t for t in tokens if is_number(t)]
    words = [t for t in tokens if not is_number(t)]
    unit = words.pop() if len(words) >= 2 and is_unit(words[-1]) else ""  # "吨", "万元": a unit column
    return " ".join(words), nums, unit


def grid_tables(rows: list[tuple[Line, str]], is_unit: Callable[[str], bool]) -> list[Table]:
    """The flattened tables among `rows` — (line, its text with the cells apart) in reading
    order; a blank text is layout and is read past."""
    out: list[Table] = []
    i = 0
    while i < len(rows):
        if not _tableish(rows[i][1]):
            i += 1
            continue
        j = i
        while j < len(rows) and (_tableish(rows[j][1]) or not rows[j][1]):
            j += 1
        table = _read_block([(ln, t) for ln, t in rows[i:j] if t], is_unit)
        if table is not None:
            out.append(table)
        i = max(j, i + 1)
    return out


def _read_block(block: list[tuple[Line, str]], is_unit: Callable[[str], bool]) -> Table | None:
    rows_at = [k for k, (_, t) in enumerate(block) if _is_row(t)]
    if len(rows_at) < MIN_ROWS:
        return None
    first = rows_at[0]
    head: list[int] = []  # the header: the lines right above the first row, up to a caption or heading
    for k in range(first - 1, -1, -1):
        t = block[k][1]
        if TABLE_CAPTION.match(t) or t.endswith(("：", ":", "。")) or t[:1] in _HEADING_MARKS:
            break
        head.insert(0, k)
    header = _header_cells([block[k][1] for k in head])
    if len(header) < 2:
        return None  # a table names at least a label column and a value column
    serial = bool(_SERIAL_HEAD.match(header[0]))  # "序号 楼宇名称 建筑面积（m2）": the first number counts rows
    widths = [len(_numbers(_drop_serial(block[k][1], serial))) for k in rows_at]
    width = max(set(widths), key=widths.count)  # most rows have as many numbers as there are numeric columns
    if width > len(header) or sum(w == width for w in widths) < MIN_ROWS:
        return None
    columns = header[len(header) - width :]
    # A unit printed once over several value columns ("二氧化碳年排放量（吨/年）" over "实施前 实施后").
    spanning = next((h for h in reversed(header[: len(header) - width]) if _SPANNING.search(h)), "")
    columns = [c if _SPANNING.search(c) or not spanning else f"{c}{spanning}" for c in columns]
    table = Table(
        "grid",
        columns,
        [m.group(1) if (m := UNIT_IN.search(re.sub(r"\s+", "", c))) else "" for c in columns],
        [],
        [],
        [],
        [],
        header_lines=[block[k][0].no for k in head],
    )
    prev = first - 1
    for k in rows_at:
        label, nums, unit = _split_row(_drop_serial(block[k][1], serial), is_unit)
        between = "".join(t for _, t in block[prev + 1 : k] if not _numbers(t)) if k > first else ""
        prev = k
        if len(nums) != width:
            table.complete = False  # a row with a cell in words ("暂未启动"): its numbers cannot be placed
            continue
        if is_total(label) or is_total(between):
            table.totals.append(len(table.labels))
        line = block[k][0]
        table.labels.append(label or between)
        table.cells.append(nums)
        table.row_units.append(unit)
        table.lines.append(line.no)
        table.pages.append(line.page)
    return table if len(table.labels) >= MIN_ROWS else None
