"""JSON API, /api/v1. Same semantics as the CLI; errors are {"error": {"status", "message"}}."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from .. import service
from ..search import Filters
from ..search.query import MAX_QUERY_CHARS

router = APIRouter(prefix="/api/v1", tags=["api"])

Kind = Literal["co2e_reduction", "energy_saving", "renewable_capacity", "renewable_generation", "investment_or_finance",
               "area", "percentage_reduction", "users_or_participants", "target", "other"]


def filters_from(collection: str | None = None, year: int | None = None, chapter: str | None = None,
                 sector: str | None = None, province: str | None = None, measure: str | None = None,
                 standard: str | None = None, minimum: list[str] | None = None) -> Filters:
    return Filters(collection=collection or None, year=year, chapter=chapter or None, sector=sector or None,
                   province=province or None, measure=measure or None, standard=standard or None,
                   min_outcomes=[service.parse_minimum(m) for m in minimum or [] if m])


class FilterParams:
    def __init__(
        self,
        collection: Annotated[str | None, Query(description="Collection slug, file name or title")] = None,
        year: Annotated[int | None, Query(ge=1900, le=2100)] = None,
        chapter: str | None = None,
        sector: Annotated[str | None, Query(description="Topic, e.g. 绿色建筑")] = None,
        province: Annotated[str | None, Query(description="e.g. 浙江省")] = None,
        measure: Annotated[str | None, Query(description="e.g. 分布式光伏")] = None,
        standard: Annotated[str | None, Query(description="e.g. PAS 2060")] = None,
        min: Annotated[list[str] | None, Query(description="Outcome threshold KIND:VALUE, canonical units")] = None,
    ):
        self.filters = filters_from(collection, year, chapter, sector, province, measure, standard, min)


def _engine(request: Request):
    return request.app.state.engine


@router.get("/collections", summary="Books in the library, with front matter")
def collections(request: Request) -> list[dict]:
    rows = service.collections(_engine(request))
    keep = ("slug", "title", "source_file", "publisher", "year", "n_cases", "chapters", "experts", "foreword", "format")
    return [{k: r[k] for k in keep} for r in rows]


@router.get("/cases", summary="Cases, filtered and paged")
def cases(request: Request, f: Annotated[FilterParams, Depends()], page: Annotated[int, Query(ge=1)] = 1,
          page_size: Annotated[int, Query(ge=1, le=service.MAX_PAGE_SIZE)] = 20) -> dict:
    return service.browse(_engine(request), f.filters, page, page_size)


@router.get("/cases/{case_id}", summary="One case: sections, facts with evidence, source lines")
def case(request: Request, case_id: str) -> dict:
    return service.case_detail(_engine(request), case_id)


@router.get("/cases/{case_id}/similar", summary="Cases like this one")
def similar(request: Request, case_id: str, limit: Annotated[int, Query(ge=1, le=20)] = 5) -> list[dict]:
    return service.similar_cases(_engine(request), case_id, limit)


@router.get("/search", summary="Search cases; hits grouped by case with snippets and facets")
def search(request: Request, f: Annotated[FilterParams, Depends()],
           q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "", limit: Annotated[int, Query(ge=1, le=service.MAX_LIMIT)] = 10,
           offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
           mode: Literal["auto", "text", "hybrid", "semantic"] = "auto") -> dict:
    # Already plain JSON types: skip FastAPI's generic encoder on the hottest endpoint.
    return JSONResponse(service.search(_engine(request), q, f.filters, limit, offset, mode))


@router.get("/facets", summary="Facet counts over the (filtered) library")
def facets(request: Request, f: Annotated[FilterParams, Depends()]) -> dict:
    return service.facets(_engine(request), f.filters)


@router.get("/outcomes", summary="Claimed outcomes of one kind, summed by a dimension")
def outcomes(request: Request, f: Annotated[FilterParams, Depends()],
             by: Literal["sector", "chapter", "collection", "year", "province", "measure", "standard", "industry"] = "sector",
             kind: Kind = "co2e_reduction", period: Literal["annual", "cumulative", "unspecified"] | None = None,
             format: Literal["json", "csv"] = "json"):
    rows = service.outcomes_by(_engine(request), by, kind, period, f.filters)
    if format == "csv":
        return _csv_response(rows, ["group", "unit", "total", "outcomes", "cases"], f"outcomes_{kind}_by_{by}.csv")
    return rows


@router.get("/attributes/{kind}", summary="How many cases carry each measure, standard, region or sector")
def attribute_counts(request: Request, kind: Literal["measure", "standard", "region", "sector", "industry", "system"],
                     format: Literal["json", "csv"] = "json"):
    rows = service.attribute_counts(_engine(request), kind)
    if format == "csv":
        return _csv_response(rows, ["value", "cases"], f"{kind}_counts.csv")
    return rows


@router.get("/compare", summary="2–4 cases side by side")
def compare(request: Request, ids: Annotated[str, Query(description="Comma-separated case ids")]) -> list[dict]:
    return service.compare(_engine(request), [i for i in ids.split(",") if i.strip()])


@router.get("/export", summary="Export cases as CSV, XLSX or JSON Lines (all, a search's hits, or listed ids)")
def export(request: Request, f: Annotated[FilterParams, Depends()], format: Literal["csv", "xlsx", "jsonl"] = "csv",
           q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "", ids: str | None = None) -> Response:
    engine = _engine(request)
    case_ids = [i for i in ids.split(",") if i] if ids else None
    if case_ids is None and (q or f.filters.active()):
        res = service.search(engine, q, f.filters, limit=service.MAX_LIMIT, mode="text" if q else "auto")
        case_ids = [h["case_id"] for h in res["hits"]]
    content, media = service.export_bytes(engine, format, case_ids)
    return Response(content, media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="caseatlas_cases.{format}"'})


def _csv_response(rows: list[dict], fields: list[str], name: str) -> Response:
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore")
    w.writeheader()
    w.writerows(rows)
    return Response(buf.getvalue().encode("utf-8-sig"), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
