"""Discovery: search, similar cases, facets, and computing the vectors of the dense leg."""

from __future__ import annotations

import math
import re

from ..errors import CaseAtlasError, Conflict, NotFound
from ..models import Filters
from ..search import dense
from ..search import engine as ranking
from ..search.query import MAX_QUERY_CHARS  # noqa: F401  (the web's query limit)
from ..store import facts as facts_store
from ..store import library as lib
from ..store import organizations as org_store
from ..store.library import CaseSummary
from ..vocab import CHECKS, FLAG_ANY, OUTCOME_KINDS, SEARCH_MATCH, SEARCH_MODES
from .context import Context, require
from .jobs import Progress, no_progress

MAX_LIMIT = 100


def parse_flag(value: str | None) -> str | None:
    """The flag filter: "any" (a case with a flag nobody dismissed) or one check's name."""
    if not value:
        return None
    if value != FLAG_ANY and value not in CHECKS:
        raise CaseAtlasError(f"bad flag filter '{value}': use {FLAG_ANY} or one of {', '.join(CHECKS)}")
    return value


def parse_minimum(spec: str) -> tuple[str, float]:
    """ "co2e_reduction:10000" → ("co2e_reduction", 10000.0); also "co2e_reduction>=1e4"."""
    m = re.fullmatch(r"\s*([a-z0-9_]+)\s*(?::|>=|≥|=)\s*([0-9.eE+]+)\s*", spec or "")
    if not m or m.group(1) not in OUTCOME_KINDS:
        raise CaseAtlasError(f"bad outcome filter '{spec}': use KIND:MINIMUM, KIND one of {', '.join(OUTCOME_KINDS)}")
    try:
        value = float(m.group(2))
    except ValueError:
        raise CaseAtlasError(f"bad outcome filter '{spec}': '{m.group(2)}' is not a number") from None
    return m.group(1), value  # 1e999 is inf: a valid filter that nothing passes


def _hit_record(hit, info: CaseSummary, orgs: list[tuple[str, str]] | None = None) -> dict:
    matched: dict = {"terms": hit.matched_terms}
    if hit.semantic is not None:
        matched["semantic"] = hit.semantic
    if hit.words is not None:
        matched["words"] = hit.words
    why = []
    if hit.matched_terms:
        why.append("词语: " + "、".join(hit.matched_terms))
    if hit.semantic is not None:
        why.append(f"语义相似度 {hit.semantic:.2f}")
    # The API's one-line reason (Chinese, as it has always been); a page writes its own from
    # the fields above in the reader's language.
    matched["explanation"] = "；".join(why) or "筛选条件"
    # The case's organizations as the organization facet counts them (the organization records
    # and their groups), so a result line names what the facet lists; the printed string
    # segmentation read is the fallback for a case with no record.
    named = [{"name": n, "group": g} for n, g in orgs or []]
    return {
        "case_id": info.case_id,
        "source_file": info.source_file,
        "start_line": info.start_line,
        "end_line": info.end_line,
        "title": info.title,
        "organization": "、".join(o["name"] for o in named) if named else info.organization,
        "organizations": named,
        "chapter": info.chapter,
        "collection": info.collection,
        "year": info.year,
        # a zero vector (an empty passage) gives a NaN cosine: that is no similarity, not a number
        "score": round(hit.score, 6) if math.isfinite(hit.score) else 0.0,
        "matched": matched,
        "snippets": [
            {
                "text": s.text,
                "highlights": [list(h) for h in s.highlights],
                "start_line": s.start_line,
                "end_line": s.end_line,
                "section": s.section,
            }
            for s in hit.snippets
        ],
    }


def _facet_lists(counts: dict) -> dict:
    return {k: [{"value": v, "count": n} for v, n in vals] for k, vals in counts.items()}


def _check_mode(conn, mode: str) -> None:
    if mode not in SEARCH_MODES:
        raise CaseAtlasError(f"unknown search mode '{mode}' (use {', '.join(SEARCH_MODES)})")
    if mode in ("hybrid", "semantic") and not len(dense.vectors(conn).case_keys):
        # The request is fine; the library is not ready for it (409, not 400).
        raise Conflict(f"mode '{mode}' needs embeddings: run `caseatlas embed` first")


def search(
    ctx: Context,
    query: str,
    filters: Filters | None = None,
    limit: int = 10,
    offset: int = 0,
    mode: str = "auto",
    match: str = "all",
) -> dict:
    """Search the library: cases ranked with their matching passages, facet counts. `match`:
    "all" (every typed word) or "any" (any of them; also `OR` in the query)."""
    require(ctx, "library.read")
    if not 1 <= limit <= MAX_LIMIT:
        raise CaseAtlasError(f"limit must be between 1 and {MAX_LIMIT}")
    if offset < 0:
        raise CaseAtlasError("offset must not be negative")
    query = query or ""
    with ctx.engine.connect() as conn:
        _check_mode(conn, mode)
        if match not in SEARCH_MATCH:
            raise CaseAtlasError(f"unknown match '{match}' (use {', '.join(SEARCH_MATCH)})")
        res = ranking.search(conn, query, filters, limit=limit, offset=offset, mode=mode, match=match)
        pks = [h.case_pk for h in res.hits]
        info, orgs = lib.case_summaries(conn, pks), org_store.case_groups(conn, pks)
    return {
        "query": query,
        "mode": res.mode,
        "match": res.match,
        "relaxed": res.relaxed,
        "words": res.words,
        "any_total": res.any_total,
        "coverage": {"covered": res.covered, "cases": res.cases} if res.covered is not None else None,
        "total": res.total,
        "offset": offset,
        "hits": [_hit_record(h, info[h.case_pk], orgs.get(h.case_pk)) for h in res.hits],
        "facets": _facet_lists(res.facets),
    }


def result_ids(
    ctx: Context, query: str, filters: Filters | None = None, mode: str = "auto", match: str = "all"
) -> list[str]:
    """Every case a search finds, in rank order (what "export these results" exports)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        _check_mode(conn, mode)
        res = ranking.search(conn, query or "", filters, limit=None, mode=mode, with_snippets=False, match=match)
        info = lib.case_summaries(conn, [h.case_pk for h in res.hits])
    return [info[h.case_pk].case_id for h in res.hits]


def similar_cases(ctx: Context, case_id: str, limit: int = 5) -> list[dict]:
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        pk = lib.case_pk(conn, case_id)
        if pk is None:
            raise NotFound(f"no case '{case_id}'")
        hits = ranking.similar(conn, pk, limit)
        pks = [h.case_pk for h in hits]
        info, orgs = lib.case_summaries(conn, pks), org_store.case_groups(conn, pks)
    return [_hit_record(h, info[h.case_pk], orgs.get(h.case_pk)) for h in hits]


def facets(ctx: Context, filters: Filters | None = None) -> dict:
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        allowed = facts_store.filtered_cases(conn, filters or Filters())
        pks = sorted(allowed) if allowed is not None else lib.case_keys(conn)
        counts = facts_store.facet_counts(conn, pks)
    return {"total": len(pks), "facets": _facet_lists(counts)}


def embed(
    ctx: Context,
    batch: int = 32,
    limit: int | None = None,
    progress: Progress = no_progress,
    collection: str | None = None,
) -> int:
    """Embed passages that have no vector yet, one transaction per batch (so an interrupted
    run keeps what it did and the next run resumes); `collection` (a collection's id or
    name): that book's passages only. Returns how many were embedded."""
    require(ctx, "search.embed")
    if batch < 1:
        raise CaseAtlasError("batch must be 1 or more")
    with ctx.engine.connect() as conn:
        todo = dense.pending(conn, collection)
    if limit is not None:
        todo = todo[:limit]
    done = 0
    progress(0, len(todo), "计算语义向量")
    for start in range(0, len(todo), batch):
        chunk = todo[start : start + batch]
        vectors = dense.embed_texts([t for _, t in chunk])
        with ctx.engine.begin() as conn:
            dense.store_vectors(conn, [pid for pid, _ in chunk], vectors)
        done += len(chunk)
        progress(done, len(todo), f"已计算 {done} / {len(todo)} 段")
    return done
