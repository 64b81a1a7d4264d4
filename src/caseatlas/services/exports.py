"""Exports: the cases in the export contract as JSON Lines, CSV or XLSX."""

from __future__ import annotations

import json
from collections.abc import Iterator

from ..errors import CaseAtlasError
from ..vocab import EXPORT_FORMATS
from . import library, sheets
from .context import Context, require
from .records import CaseRecord, Measure, Metric, Named

# The full record (export contract) is JSON Lines. CSV and XLSX are flat tables a
# spreadsheet can sum: one row per case, and one row per outcome; numbers stay numbers.
CASE_COLUMNS = [
    "id",
    "title",
    "organization",
    "organization_id",
    "organization_group_id",
    "chapter",
    "collection",
    "year",
    "source_file",
    "start_line",
    "end_line",
    "page",
    "province",
    "city",
    "sector",
    "industry",
    "measures",
    "standards",
    "systems",
    "targets",
    "n_outcomes",
    "n_flags",
]
OUTCOME_COLUMNS = [
    "case_id",
    "case_title",
    "outcome_id",
    "kind",
    "value",
    "value_max",
    "unit",
    "period",
    "status",
    "scope",
    "origin",
    "span",
    "qualifier",
    "quote",
    "line",
    "flags",
]
TABLES = ("cases", "outcomes")
EXPORT_FIELDS = list(CaseRecord.model_fields)  # the export contract's names, in order
MEDIA = {
    "jsonl": "application/x-ndjson",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def _records(ctx: Context, collection: str | None, case_ids: list[str] | None) -> list[CaseRecord]:
    if case_ids is not None:
        return library.cases_by_id(ctx, case_ids)
    return library.cases(ctx, collection)


def _names(items: list[Measure] | list[Named]) -> str:
    return "、".join(x.name for x in items)


# A sheet's rows are its cells by column (what `sheets` writes as CSV and XLSX), built from the records.
def _case_row(r: CaseRecord) -> dict:
    return {
        "id": r.id,
        "title": r.title,
        "organization": r.organization,
        "organization_id": r.organization_id,
        "organization_group_id": r.organizations[0].group_id if r.organizations else None,
        "chapter": r.chapter,
        "collection": r.collection,
        "year": r.year,
        "source_file": r.source_file,
        "start_line": r.start_line,
        "end_line": r.end_line,
        "page": r.page,
        "province": r.region.province if r.region else None,
        "city": r.region.city if r.region else None,
        "sector": r.sector.topic if r.sector else None,
        "industry": r.sector.industry if r.sector else None,
        "measures": _names(r.measures),
        "standards": _names(r.standards),
        "systems": _names(r.systems),
        "targets": "、".join(t.target for t in r.targets),
        "n_outcomes": len(r.metrics),
        "n_flags": len(r.flags),
    }


def _outcome_rows(r: CaseRecord) -> list[dict]:
    def flagged(m: Metric) -> str:  # the checks whose flags cite this outcome's line and quote
        return "、".join(sorted({f.check for f in r.flags if m.quote in f.quotes}))

    return [
        {
            "case_id": r.id,
            "case_title": r.title,
            "outcome_id": m.id,
            "kind": m.kind,
            "value": m.value,
            "value_max": m.value_max,
            "unit": m.unit,
            "period": m.period,
            "status": m.status,
            "scope": m.scope,
            "origin": m.origin,
            "span": "–".join(map(str, m.span)) if m.span else None,
            "qualifier": m.qualifier,
            "quote": m.quote,
            "line": m.line,
            "flags": flagged(m),
        }
        for m in r.metrics
    ]


def table_rows(records: list[CaseRecord], table: str) -> tuple[list[str], list[dict]]:
    if table not in TABLES:
        raise CaseAtlasError(f"unknown table '{table}' (use cases or outcomes)")
    if table == "cases":
        return CASE_COLUMNS, [_case_row(r) for r in records]
    return OUTCOME_COLUMNS, [row for r in records for row in _outcome_rows(r)]


def export(
    ctx: Context, fmt: str, collection: str | None = None, case_ids: list[str] | None = None, table: str = "cases"
) -> Iterator[str]:
    """Yield the export as text chunks: JSON Lines (the full export contract) or a CSV table
    (one row per case, or one row per outcome)."""
    require(ctx, "library.read")
    if fmt not in ("jsonl", "csv"):
        raise CaseAtlasError(f"unknown export format '{fmt}' (use jsonl or csv)")
    records = _records(ctx, collection, case_ids)
    if fmt == "jsonl":
        for r in records:
            yield json.dumps(r.model_dump(), ensure_ascii=False) + "\n"
        return
    columns, rows = table_rows(records, table)
    yield sheets.csv_bytes(columns, rows).decode("utf-8-sig")


def export_bytes(
    ctx: Context,
    fmt: str,
    case_ids: list[str] | None = None,
    table: str = "cases",
    collection: str | None = None,
) -> tuple[bytes, str]:
    """Export cases (all, one collection's, or the given ids in that order) as jsonl, csv
    (`table` cases or outcomes) or xlsx (both tables as sheets): (content, media type)."""
    require(ctx, "library.read")
    if fmt not in EXPORT_FORMATS:
        raise CaseAtlasError(f"unknown export format '{fmt}' (use {', '.join(EXPORT_FORMATS)})")
    if fmt != "xlsx":
        text = "".join(export(ctx, fmt, collection, case_ids=case_ids, table=table))
        # utf-8-sig for CSV so spreadsheet programs read Chinese correctly.
        return text.encode("utf-8-sig" if fmt == "csv" else "utf-8"), MEDIA[fmt]
    records = _records(ctx, collection, case_ids)
    return sheets.xlsx_bytes([(name, *table_rows(records, name)) for name in TABLES]), MEDIA["xlsx"]
