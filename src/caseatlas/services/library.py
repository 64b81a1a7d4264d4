"""Library use cases: ingest books, list and show collections and cases, remove a book."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable

from ..errors import CaseAtlasError, NotFound
from ..checks import check_book
from ..extract import extract_book
from ..models import Book, Document, Filters
from ..publish import MANIFEST
from ..readers import MAX_BYTES, SUPPORTED, read_document, read_upload
from ..search import index_book
from ..segment import segment
from ..store import facts as facts_store
from ..store import library as lib
from . import audit, organizations
from .context import Context, library_url, require

MAX_UPLOAD = MAX_BYTES  # the largest file a reader takes (the web guard sizes request bodies by it)

# Bump when reading, segmentation, extraction or indexing changes what a file produces:
# unchanged files ingested by an older pipeline are then processed again (in place: ids kept).
PIPELINE = "17"
MAX_PAGE_SIZE = 100


@dataclass(slots=True)
class FileResult:
    path: str
    status: str  # added, replaced, unchanged, error
    n_cases: int = 0
    error: str | None = None
    kept: int = 0  # cases that kept their identity on a replace
    removed: int = 0


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders walked (sorted) for supported extensions. A published HTML
    edition (a folder with `edition.json`) is one book: its one-page book, not every page."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            editions = {m.parent: _edition_book(m) for m in p.rglob(MANIFEST)}
            for f in sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED):
                home = next((e for e in editions if e == f.parent or e in f.parents), None)
                if home is None or editions[home] is None or f == editions[home]:
                    out.append(f)
        else:
            out.append(p)
    return out


def _edition_book(manifest: Path) -> Path | None:
    import json

    try:
        return manifest.parent / Path(json.loads(manifest.read_text(encoding="utf-8"))["book"]).name
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not our manifest after all: the folder's pages are ingested as usual


def sample_collection_dir() -> Path:
    return Path(str(resources.files("caseatlas") / "data" / "sample"))


def ingest_file(ctx: Context, path: str | Path) -> FileResult:
    """Read, segment, extract and store one file. A failure changes nothing in the library."""
    require(ctx, "library.ingest")
    return _ingest(ctx, path)


def _ingest(ctx: Context, path: str | Path, read: Callable[[], Document] | None = None) -> FileResult:
    try:
        book = segment(read() if read else read_document(path))
        if not book.cases:
            raise CaseAtlasError(f"{Path(path).name}: no cases found (no recurring case headings or numbered sections)")
        return _save(ctx, book, str(path))
    except CaseAtlasError as exc:
        return FileResult(str(path), "error", error=str(exc))


def save_segmented(ctx: Context, book: Book, after_extract: Callable[[Book], None] | None = None) -> FileResult:
    """Store a book whose cases and sections are already known (a programme's selected cases):
    facts are extracted (then `after_extract` may add what the book's authors stated as data)
    and the search index written, as for any ingested file."""
    require(ctx, "library.ingest")
    return _save(ctx, book, book.document.source_file, after_extract)


def _save(ctx: Context, book: Book, label: str, after_extract: Callable[[Book], None] | None = None) -> FileResult:
    extract_book(book)
    if after_extract:
        after_extract(book)
    check_book(book)  # claim checks are part of ingest: flags are stored with the facts

    def on_saved(conn, pks):
        index_book(conn, book, pks)
        organizations.refresh(conn)  # a book's organizations link to those of the books before it
        audit.record(conn, ctx, "library.ingest", book.document.source_file, cases=len(book.cases),
                     sha256=book.document.sha256)

    outcome = lib.save_book(ctx.engine, book, on_saved=on_saved, pipeline=PIPELINE)
    return FileResult(label, outcome.status, outcome.n_cases, kept=outcome.kept, removed=outcome.removed)


def ingest_paths(ctx: Context, paths: Iterable[str | Path],
                 progress: Callable[[Path], None] | None = None) -> list[FileResult]:
    require(ctx, "library.ingest")
    results = []
    for path in expand_paths(paths):
        results.append(_ingest(ctx, path))
        if progress:
            progress(path)
    return results


def ingest_upload(ctx: Context, filename: str, content: bytes) -> FileResult:
    """A book sent through the web app: stored under its own file name, as if ingested from disk."""
    require(ctx, "library.ingest")
    return _ingest(ctx, Path(filename or "").name or str(filename), lambda: read_upload(filename, content))


def delete_collection(ctx: Context, key: str) -> int:
    """Remove a book and everything derived from it. Returns the number of cases removed."""
    require(ctx, "library.delete")
    with ctx.engine.begin() as conn:
        col = _collection(conn, key)
        n = lib.delete_collection(conn, col["id"])
        organizations.refresh(conn)
        audit.record(conn, ctx, "library.delete", col["source_file"], cases=n)
        return n


def collections(ctx: Context) -> list[dict]:
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        return lib.list_collections(conn)


def _collection(conn, key: str) -> dict:
    col = lib.find_collection(conn, key)
    if col is None:
        raise NotFound(f"no collection '{key}' (see `caseatlas collections`)")
    return col


def _collection_id(conn, key: str | None) -> int | None:
    return None if key is None else _collection(conn, key)["id"]


def _facts_fields(row: dict) -> dict:
    attrs = row.get("attributes", [])

    def of(kind: str) -> list[dict]:
        return [a for a in attrs if a["kind"] == kind]

    region = of("region")
    sector, industry = of("sector"), of("industry")
    return {
        "year": row.get("year"),
        "metrics": [
            {"id": o["fact_id"], "value": o["value"], "value_max": o["value_max"], "unit": o["unit"], "kind": o["kind"],
             "period": o["period"], "status": o["status"], "scope": o["scope"], "qualifier": o["qualifier"],
             "quote": o["quote"], "line": o["line"], "evidence": o["evidence"],
             "origin": o.get("origin") or "extracted",
             "span": [o["span_start"], o["span_end"]] if o.get("span_start") is not None else None}
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
        "flags": row.get("flags", []),
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
        # The organization (across books) the case names first, and every one it names with its group.
        "organization_id": row["organizations"][0]["org_id"] if row.get("organizations") else None,
        "organizations": [{"id": o["org_id"], "name": o["name"], "group_id": o["root_org_id"], "as_printed": o["printed"],
                           "source": o["source"]} for o in row.get("organizations", [])],
        "chapter": row["chapter"],
        "sections": row["sections"],
        "text": row["text"],
        **_facts_fields(row),
    }


def cases(ctx: Context, collection: str | None = None) -> list[dict]:
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        cid = _collection_id(conn, collection)
        return [export_record(r) for r in lib.iter_cases(conn, cid)]


def cases_by_id(ctx: Context, case_ids: list[str]) -> list[dict]:
    """The given cases in export form, in the order asked (unknown ids are left out)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        pks = lib.case_pks_of(conn, case_ids)
        by_pk = {r["id"]: export_record(r) for r in lib.iter_cases(conn, case_pks=list(pks.values()))} if pks else {}
    return [by_pk[pks[c]] for c in case_ids if c in pks]


def case_detail(ctx: Context, case_id: str) -> dict:
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        row = lib.get_case(conn, case_id)
        if row is None:
            raise NotFound(f"no case '{case_id}' (ids look like <collection>:<n>; see `caseatlas cases`)")
        record = export_record(row)
        record["lines"] = lib.case_lines(conn, row["collection_id"], row["start_line"], row["end_line"])
        return record


def browse(ctx: Context, filters: Filters | None = None, page: int = 1, page_size: int = 20) -> dict:
    """Cases in book order, filtered, paged."""
    require(ctx, "library.read")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise CaseAtlasError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    if page < 1:
        raise CaseAtlasError("page must be 1 or more")
    with ctx.engine.connect() as conn:
        allowed = facts_store.filtered_cases(conn, filters or Filters())
        keys = [pk for pk in lib.case_keys(conn) if allowed is None or pk in allowed]
        start = (page - 1) * page_size
        shown = keys[start : start + page_size]
        records = [export_record(x) for x in lib.iter_cases(conn, case_pks=shown)] if shown else []
    return {"total": len(keys), "page": page, "page_size": page_size, "items": [_brief(r) for r in records]}


def _brief(r: dict) -> dict:
    return {k: r[k] for k in ("id", "collection", "source_file", "start_line", "end_line", "title", "organization",
                              "chapter", "year", "region", "sector")} | {
        "measures": [m["name"] for m in r["measures"]], "n_metrics": len(r["metrics"])}


def describe_db(db: str | None) -> str:
    """The library's URL as shown to people (no password)."""
    from sqlalchemy.engine import make_url

    return make_url(library_url(db)).render_as_string(hide_password=True)
