"""Use cases. The CLI and (later) the web app are thin shells over these functions."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import Engine

from . import store
from .errors import CaseAtlasError, NotFound
from .extract import extract_book
from .readers import SUPPORTED, read_document
from .segment import segment

EXPORT_FIELDS = ["id", "collection", "source_file", "start_line", "end_line", "page", "title", "organization",
                 "chapter", "sections", "text", "year", "metrics", "region", "sector", "measures", "standards",
                 "systems", "targets"]


@dataclass(slots=True)
class FileResult:
    path: str
    status: str  # added, replaced, unchanged, error
    n_cases: int = 0
    error: str | None = None


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders walked (sorted) for supported extensions."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            out.extend(sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED))
        else:
            out.append(p)
    return out


def ingest_file(engine: Engine, path: str | Path) -> FileResult:
    """Read, segment and store one file. A failure changes nothing in the library."""
    try:
        book = segment(read_document(path))
        if not book.cases:
            raise CaseAtlasError(f"{Path(path).name}: no cases found (no recurring case headings or numbered sections)")
        extract_book(book)
        outcome = store.save_book(engine, book)
        return FileResult(str(path), outcome.status, outcome.n_cases)
    except CaseAtlasError as exc:
        return FileResult(str(path), "error", error=str(exc))


def ingest_paths(engine: Engine, paths: Iterable[str | Path],
                 progress: Callable[[Path], None] | None = None) -> list[FileResult]:
    results = []
    for path in expand_paths(paths):
        results.append(ingest_file(engine, path))
        if progress:
            progress(path)
    return results


def sample_collection_dir() -> Path:
    return Path(str(resources.files("caseatlas") / "data" / "sample"))


def collections(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return store.list_collections(conn)


def _collection_id(conn, key: str | None) -> int | None:
    if key is None:
        return None
    col = store.find_collection(conn, key)
    if col is None:
        raise NotFound(f"no collection '{key}' (see `caseatlas collections`)")
    return col["id"]


def _facts_fields(row: dict) -> dict:
    attrs = row.get("attributes", [])

    def of(kind: str) -> list[dict]:
        return [a for a in attrs if a["kind"] == kind]

    region = of("region")
    sector, industry = of("sector"), of("industry")
    return {
        "year": row.get("year"),
        "metrics": [
            {"value": o["value"], "value_max": o["value_max"], "unit": o["unit"], "kind": o["kind"],
             "period": o["period"], "qualifier": o["qualifier"], "quote": o["quote"], "line": o["line"],
             "evidence": o["evidence"]}
            for o in row.get("outcomes", [])
        ],
        "region": {"province": region[0]["value"], "city": region[0]["detail"], "quote": region[0]["quote"],
                   "line": region[0]["line"]} if region else None,
        "sector": {"topic": sector[0]["value"] if sector else None, "industry": industry[0]["value"] if industry else None,
                   "quote": sector[0]["quote"] if sector else None, "line": sector[0]["line"] if sector else None}
        if sector or industry else None,
        "measures": [{"name": a["value"], "category": a["detail"], "quote": a["quote"], "line": a["line"]} for a in of("measure")],
        "standards": [{"name": a["value"], "quote": a["quote"], "line": a["line"]} for a in of("standard")],
        "systems": [{"name": a["value"], "quote": a["quote"], "line": a["line"]} for a in of("system")],
        "targets": [{"target": a["value"], "detail": a["detail"], "quote": a["quote"], "line": a["line"]} for a in of("target")],
    }


def export_record(row: dict) -> dict:
    """The export contract: these names are stable; later versions only add fields."""
    return {
        "id": row["case_id"],
        "collection": row["collection"],
        "source_file": row["source_file"],
        "start_line": row["start_line"],
        "end_line": row["end_line"],
        "page": row["page"],
        "title": row["title"],
        "organization": row["organization"],
        "chapter": row["chapter"],
        "sections": row["sections"],
        "text": row["text"],
        **_facts_fields(row),
    }


def cases(engine: Engine, collection: str | None = None) -> list[dict]:
    with engine.connect() as conn:
        cid = _collection_id(conn, collection)
        return [export_record(r) for r in store.iter_cases(conn, cid)]


def case_detail(engine: Engine, case_id: str) -> dict:
    with engine.connect() as conn:
        row = store.get_case(conn, case_id)
        if row is None:
            raise NotFound(f"no case '{case_id}' (ids look like <collection>:<n>; see `caseatlas cases`)")
        record = export_record(row)
        record["lines"] = store.case_lines(conn, row["collection_id"], row["start_line"], row["end_line"])
        return record


def export(engine: Engine, fmt: str, collection: str | None = None) -> Iterator[str]:
    """Yield the export as text chunks (JSON Lines or CSV)."""
    records = cases(engine, collection)
    if fmt == "jsonl":
        for r in records:
            yield json.dumps(r, ensure_ascii=False) + "\n"
    elif fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        for r in records:
            writer.writerow({k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in r.items()})
        yield buf.getvalue()
    else:
        raise CaseAtlasError(f"unknown export format '{fmt}' (use jsonl or csv)")
