"""Exports: the cases in the export contract as JSON Lines, CSV or XLSX."""

from __future__ import annotations

import csv
import io
import json
from typing import Iterator

from ..errors import CaseAtlasError
from ..vocab import EXPORT_FORMATS
from . import library
from .context import Context, require

EXPORT_FIELDS = ["id", "collection", "source_file", "start_line", "end_line", "page", "title", "organization",
                 "chapter", "sections", "text", "year", "metrics", "region", "sector", "measures", "standards",
                 "systems", "targets"]
MEDIA = {"jsonl": "application/x-ndjson", "csv": "text/csv; charset=utf-8",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def _records(ctx: Context, collection: str | None, case_ids: list[str] | None) -> list[dict]:
    if case_ids is not None:
        return library.cases_by_id(ctx, case_ids)
    return library.cases(ctx, collection)


def _flat(r: dict) -> dict:
    return {k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in r.items()}


def export(ctx: Context, fmt: str, collection: str | None = None, case_ids: list[str] | None = None) -> Iterator[str]:
    """Yield the export as text chunks (JSON Lines or CSV)."""
    require(ctx, "library.read")
    if fmt not in ("jsonl", "csv"):
        raise CaseAtlasError(f"unknown export format '{fmt}' (use jsonl or csv)")
    records = _records(ctx, collection, case_ids)
    if fmt == "jsonl":
        for r in records:
            yield json.dumps(r, ensure_ascii=False) + "\n"
        return
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    for r in records:
        writer.writerow(_flat(r))
    yield buf.getvalue()


def export_bytes(ctx: Context, fmt: str, case_ids: list[str] | None = None) -> tuple[bytes, str]:
    """Export cases (all, or the given ids in that order) as jsonl, csv or xlsx: (content, media type)."""
    require(ctx, "library.read")
    if fmt not in EXPORT_FORMATS:
        raise CaseAtlasError(f"unknown export format '{fmt}' (use {', '.join(EXPORT_FORMATS)})")
    if fmt != "xlsx":
        text = "".join(export(ctx, fmt, case_ids=case_ids))
        # utf-8-sig for CSV so spreadsheet programs read Chinese correctly.
        return text.encode("utf-8-sig" if fmt == "csv" else "utf-8"), MEDIA[fmt]
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = "cases"
    ws.append(EXPORT_FIELDS)
    for r in _records(ctx, None, case_ids):
        flat = _flat(r)
        ws.append([_cell(flat[k]) for k in EXPORT_FIELDS])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue(), MEDIA["xlsx"]


def _cell(value):
    # Excel cells hold at most 32,767 characters.
    return value[:32000] if isinstance(value, str) else value
