"""Use cases. The CLI and (later) the web app are thin shells over these functions."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Callable, Iterable, Iterator

from sqlalchemy import Engine, select, text

from . import store
from .errors import CaseAtlasError, NotFound
from .extract import extract_book
from .readers import SUPPORTED, read_document
from .search import Filters, index_book
from .store.schema import cases as cases_t
from .store.schema import collections as collections_t
from .search import dense as _dense
from .search import engine as _search
from .segment import segment

# Bump when reading, segmentation, extraction or indexing changes what a file produces:
# unchanged files ingested by an older pipeline are then processed again.
PIPELINE = "4"

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
        outcome = store.save_book(engine, book, on_saved=lambda conn, pks: index_book(conn, book, pks), pipeline=PIPELINE)
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


# --- search ------------------------------------------------------------------------------

OUTCOME_KINDS = ("co2e_reduction", "energy_saving", "renewable_capacity", "renewable_generation",
                 "investment_or_finance", "area", "percentage_reduction", "users_or_participants", "target", "other")
MAX_LIMIT = 100


def parse_minimum(spec: str) -> tuple[str, float]:
    """"co2e_reduction:10000" → ("co2e_reduction", 10000.0); also "co2e_reduction>=1e4"."""
    import re

    m = re.fullmatch(r"\s*([a-z0-9_]+)\s*(?::|>=|≥|=)\s*([0-9.eE+]+)\s*", spec or "")
    if not m or m.group(1) not in OUTCOME_KINDS:
        raise CaseAtlasError(f"bad outcome filter '{spec}': use KIND:MINIMUM, KIND one of {', '.join(OUTCOME_KINDS)}")
    try:
        return m.group(1), float(m.group(2))
    except ValueError:
        raise CaseAtlasError(f"bad outcome filter '{spec}': '{m.group(2)}' is not a number") from None


def _case_summaries(conn, case_pks: list[int]) -> dict[int, dict]:
    if not case_pks:
        return {}
    rows = conn.execute(
        select(cases_t.c.id, cases_t.c.case_id, cases_t.c.title, cases_t.c.organization, cases_t.c.chapter,
                cases_t.c.start_line, cases_t.c.end_line, collections_t.c.source_file, collections_t.c.title.label("collection"),
                collections_t.c.year)
        .join(collections_t, collections_t.c.id == cases_t.c.collection_id).where(cases_t.c.id.in_(case_pks))
    ).mappings().all()
    return {r["id"]: dict(r) for r in rows}


def _hit_record(hit, info: dict) -> dict:
    matched = {"terms": hit.matched_terms}
    if hit.semantic is not None:
        matched["semantic"] = hit.semantic
    why = []
    if hit.matched_terms:
        why.append("词语: " + "、".join(hit.matched_terms))
    if hit.semantic is not None:
        why.append(f"语义相似度 {hit.semantic:.2f}")
    matched["explanation"] = "；".join(why) or "筛选条件"
    return {
        "case_id": info["case_id"], "source_file": info["source_file"], "start_line": info["start_line"],
        "end_line": info["end_line"], "title": info["title"], "organization": info["organization"],
        "chapter": info["chapter"], "collection": info["collection"], "year": info["year"],
        "score": round(hit.score, 6), "matched": matched,
        "snippets": [{"text": s.text, "highlights": [list(h) for h in s.highlights], "start_line": s.start_line,
                      "end_line": s.end_line, "section": s.section} for s in hit.snippets],
    }


def search(engine: Engine, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
           mode: str = "auto") -> dict:
    """Search the library: cases ranked with their matching passages, facet counts."""
    if mode not in ("auto", "text", "hybrid", "semantic"):
        raise CaseAtlasError(f"unknown search mode '{mode}' (use auto, text, hybrid or semantic)")
    if not 1 <= limit <= MAX_LIMIT:
        raise CaseAtlasError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise CaseAtlasError("offset must not be negative")
    query = query or ""
    with engine.connect() as conn:
        if mode in ("hybrid", "semantic") and not len(_dense.vectors(conn).case_keys):
            raise CaseAtlasError(f"mode '{mode}' needs embeddings: run `caseatlas embed` first")
        res = _search.search(conn, query, filters, limit=limit, offset=offset, mode=mode)
        info = _case_summaries(conn, [h.case_pk for h in res.hits])
    return {
        "query": query, "mode": res.mode, "total": res.total, "offset": offset,
        "hits": [_hit_record(h, info[h.case_pk]) for h in res.hits],
        "facets": {k: [{"value": v, "count": n} for v, n in vals] for k, vals in res.facets.items()},
    }


def similar_cases(engine: Engine, case_id: str, limit: int = 5) -> list[dict]:
    with engine.connect() as conn:
        pk = conn.execute(select(cases_t.c.id).where(cases_t.c.case_id == case_id)).scalar()
        if pk is None:
            raise NotFound(f"no case '{case_id}'")
        hits = _search.similar(conn, pk, limit)
        info = _case_summaries(conn, [h.case_pk for h in hits])
    return [_hit_record(h, info[h.case_pk]) for h in hits]


def embed(engine: Engine, batch: int = 32, limit: int | None = None,
          progress: Callable[[int, int], None] | None = None) -> int:
    """Embed passages that have no vector yet, one transaction per batch (so an interrupted
    run keeps what it did and the next run resumes). Returns how many were embedded."""
    with engine.connect() as conn:
        todo = _dense.pending(conn)
    if limit is not None:
        todo = todo[:limit]
    done = 0
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        vectors = _dense.embed_texts([t for _, t in chunk])
        with engine.begin() as conn:
            _dense.store_vectors(conn, [pid for pid, _ in chunk], vectors)
        done += len(chunk)
        if progress:
            progress(done, len(todo))
    return done


# --- browsing, aggregation, comparison (web and API) -------------------------------------

MAX_PAGE_SIZE = 100
GROUP_BY = ("sector", "chapter", "collection", "year", "province", "measure", "standard", "industry")


def summary(engine: Engine) -> dict:
    """Library totals for the home page: books, cases, claimed outcomes by kind."""
    with engine.connect() as conn:
        counts = store.counts(conn)
        rows = conn.execute(text(
            "SELECT kind, unit, count(*), sum(value), count(DISTINCT case_pk) FROM outcomes "
            "WHERE kind NOT IN ('other', 'target') GROUP BY kind, unit ORDER BY kind, count(*) DESC")).all()
    return {
        "collections": counts["collections"], "cases": counts["cases"], "outcomes": counts["outcomes"],
        "by_kind": [{"kind": k, "unit": u, "outcomes": n, "total": t, "cases": c} for k, u, n, t, c in rows],
    }


def browse(engine: Engine, filters: Filters | None = None, page: int = 1, page_size: int = 20) -> dict:
    """Cases in book order, filtered, paged."""
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise CaseAtlasError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    if page < 1:
        raise CaseAtlasError("page must be 1 or more")
    with engine.connect() as conn:
        allowed = _search.allowed_cases(conn, filters or Filters())
        keys = [pk for pk in store.case_keys(conn) if allowed is None or pk in allowed]
        start = (page - 1) * page_size
        shown = keys[start : start + page_size]
        records = [export_record(x) for x in store.iter_cases(conn, case_pks=shown)] if shown else []
    return {"total": len(keys), "page": page, "page_size": page_size, "items": [_brief(r) for r in records]}


def _brief(r: dict) -> dict:
    return {k: r[k] for k in ("id", "collection", "source_file", "start_line", "end_line", "title", "organization",
                              "chapter", "year", "region", "sector")} | {
        "measures": [m["name"] for m in r["measures"]], "n_metrics": len(r["metrics"])}


def facets(engine: Engine, filters: Filters | None = None) -> dict:
    with engine.connect() as conn:
        allowed = _search.allowed_cases(conn, filters or Filters())
        pks = sorted(allowed) if allowed is not None else store.case_keys(conn)
        counts = _search.facet_counts(conn, pks)
    return {"total": len(pks), "facets": {k: [{"value": v, "count": n} for v, n in vals] for k, vals in counts.items()}}


def outcomes_by(engine: Engine, by: str, kind: str = "co2e_reduction", period: str | None = None,
                filters: Filters | None = None) -> list[dict]:
    """Claimed outcomes of one kind summed per group (sector, book, province, …), in the kind's
    canonical unit. A case's outcomes count once per group it belongs to."""
    if by not in GROUP_BY:
        raise CaseAtlasError(f"cannot group by '{by}' (use one of {', '.join(GROUP_BY)})")
    if kind not in OUTCOME_KINDS:
        raise CaseAtlasError(f"unknown outcome kind '{kind}'")
    with engine.connect() as conn:
        allowed = _search.allowed_cases(conn, filters or Filters())
        group_sql = {
            "collection": "SELECT c.id, co.title FROM cases c JOIN collections co ON co.id = c.collection_id",
            "year": "SELECT c.id, CAST(co.year AS TEXT) FROM cases c JOIN collections co ON co.id = c.collection_id",
            "chapter": "SELECT id, chapter FROM cases",
        }.get(by) or ("SELECT case_pk, value FROM attributes WHERE kind = '"
                      + {"province": "region"}.get(by, by) + "'")
        groups: dict[int, list[str]] = {}
        for pk, label in conn.execute(text(group_sql)):
            if label and (allowed is None or pk in allowed):
                groups.setdefault(pk, []).append(label)
        q = "SELECT case_pk, unit, value FROM outcomes WHERE kind = :k" + (" AND period = :p" if period else "")
        agg: dict[tuple[str, str], dict] = {}
        for pk, unit, value in conn.execute(text(q), {"k": kind, "p": period}):
            for label in groups.get(pk, ["（未标注）"] if allowed is None or pk in allowed else []):
                row = agg.setdefault((label, unit), {"group": label, "unit": unit, "total": 0.0, "outcomes": 0, "cases": set()})
                row["total"] += value
                row["outcomes"] += 1
                row["cases"].add(pk)
    out = [{**r, "cases": len(r["cases"])} for r in agg.values()]
    return sorted(out, key=lambda r: -r["total"])


def attribute_counts(engine: Engine, kind: str) -> list[dict]:
    """How many cases carry each value of an attribute (measures, standards, provinces)."""
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT value, count(DISTINCT case_pk) AS n FROM attributes WHERE kind = :k "
                                  "GROUP BY value ORDER BY n DESC, value"), {"k": kind}).all()
    return [{"value": v, "cases": n} for v, n in rows]


def compare(engine: Engine, case_ids: list[str]) -> list[dict]:
    if not 2 <= len(case_ids) <= 4:
        raise CaseAtlasError("compare takes 2 to 4 case ids")
    return [{k: v for k, v in case_detail(engine, cid).items() if k != "lines"} for cid in case_ids]


def export_bytes(engine: Engine, fmt: str, case_ids: list[str] | None = None) -> tuple[bytes, str]:
    """Export cases (all, or the given ids in that order) as jsonl, csv or xlsx: (content, media type)."""
    records = cases(engine)
    if case_ids is not None:
        by_id = {r["id"]: r for r in records}
        records = [by_id[c] for c in case_ids if c in by_id]
    if fmt == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records).encode(), "application/x-ndjson"
    flat = [{k: json.dumps(v, ensure_ascii=False) if isinstance(v, (list, dict)) else v for k, v in r.items()} for r in records]
    if fmt == "csv":
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        writer.writerows(flat)
        return buf.getvalue().encode("utf-8-sig"), "text/csv; charset=utf-8"
    if fmt == "xlsx":
        from openpyxl import Workbook

        wb = Workbook()
        ws = wb.active
        ws.title = "cases"
        ws.append(EXPORT_FIELDS)
        for r in flat:
            ws.append([_cell(r[k]) for k in EXPORT_FIELDS])
        out = io.BytesIO()
        wb.save(out)
        return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    raise CaseAtlasError(f"unknown export format '{fmt}' (use jsonl, csv or xlsx)")


def _cell(value):
    # Excel cells hold at most 32,767 characters.
    return value[:32000] if isinstance(value, str) else value
