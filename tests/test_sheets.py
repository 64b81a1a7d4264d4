"""Spreadsheet exports (CSV, XLSX) hold data, never formulas or control characters."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from caseatlas.services import Context, exports, library, sheets, system_actor
from caseatlas.store import open_engine

HOSTILE = [
    '=HYPERLINK("http://example.invalid","点我")',
    "+1+2",
    "-3+4",
    "@SUM(A1)",
    "\t=1",
    "\r=1",
    "＝1+1",
    "标题\x07\x1b响铃",
]


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_a_safe_cell_is_never_a_formula_and_holds_no_control_character(text):
    cell = sheets.safe_cell(text)
    assert not cell.startswith(("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠"))
    assert not any(ord(ch) < 32 and ch not in "\t\n\r" for ch in cell) and "\x7f" not in cell
    # what is kept is the text itself without its control characters, behind at most an apostrophe
    kept = "".join(ch for ch in text if not (ord(ch) < 32 and ch not in "\t\n\r") and ch != "\x7f")
    assert cell in (kept, "'" + kept)
    data = sheets.xlsx_bytes([("t", ["v"], [{"v": text}])])  # openpyxl refuses control characters
    assert load_workbook(io.BytesIO(data))["t"]["A2"].value in (cell, None if cell == "" else cell)


def test_numbers_stay_numbers():
    assert sheets.safe_cell(-5.5) == -5.5 and sheets.safe_cell(None) is None
    rows = list(csv.reader(io.StringIO(sheets.csv_bytes(["a"], [{"a": -3}]).decode("utf-8-sig"))))
    assert rows == [["a"], ["-3"]]


def test_library_exports_neutralise_hostile_titles(db_path, tmp_path):
    filler = "".join(f"第{k}段正文，说明项目的做法与成效，文字足够长以构成段落。\n\n" for k in range(6))
    book = tmp_path / "hostile.md"
    book.write_text(
        "# 测试集\n\n"
        + "".join(
            f"## {title}\n\n某某公司{n}\n\n【项目概述】\n\n{filler}【项目成果】\n\n年减排二氧化碳 {n + 1} "
            f"万吨。\n\n{filler}"
            for n, title in enumerate(HOSTILE)
        ),
        encoding="utf-8",
    )
    ctx = Context(open_engine(db_path), system_actor())
    assert library.ingest_file(ctx, book).status == "added"
    titles = [c.title for c in library.cases(ctx, collection="hostile")]
    data, _ = exports.export_bytes(ctx, "xlsx")
    wb = load_workbook(io.BytesIO(data))
    cells = [row[1] for row in wb["cases"].iter_rows(min_row=2, values_only=True)]
    assert len(cells) == len(HOSTILE), (cells, titles)
    data, _ = exports.export_bytes(ctx, "csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    for got in (
        cells
        + [r["title"] for r in rows]
        + [
            r["case_title"]
            for r in csv.DictReader(
                io.StringIO(exports.export_bytes(ctx, "csv", table="outcomes")[0].decode("utf-8-sig"))
            )
        ]
    ):
        assert not got.startswith(("=", "+", "-", "@", "\t", "\r", "＝")), got
        assert "\x07" not in got and "\x1b" not in got
    assert any(c.startswith("'=HYPERLINK(") for c in cells)
