"""Server-rendered pages (Jinja2, autoescaped: book text is never trusted as markup)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from urllib.parse import urlencode

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from .. import service
from ..errors import CaseAtlasError
from ..search.query import MAX_QUERY_CHARS
from .api import filters_from
from .i18n import FACET_LABELS, translator

TEMPLATES = Jinja2Templates(directory=str(Path(str(resources.files("caseatlas") / "web" / "templates"))))
router = APIRouter(include_in_schema=False)
FILTER_KEYS = ("collection", "year", "chapter", "sector", "province", "measure", "standard")


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return "en" if lang == "en" else "zh"


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    lang = _lang(request)
    resp = TEMPLATES.TemplateResponse(request, name, {"t": translator(lang), "lang": lang, "fmt": fmt_value,
                                                      "url_with": url_with, **context}, status_code=status)
    if request.query_params.get("lang") in ("zh", "en"):
        resp.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    return resp


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    return render(request, "error.html", status=status, status_code=status, message=message)


def fmt_value(o: dict) -> str:
    def num(v: float) -> str:
        if v is None:
            return ""
        if abs(v) >= 1e8:
            return f"{v / 1e8:,.4g} 亿"
        if abs(v) >= 1e4:
            return f"{v / 1e4:,.4g} 万"
        return f"{v:,.4g}"

    text = num(o["value"]) + (f"–{num(o['value_max'])}" if o.get("value_max") is not None else "")
    mark = {"approx": "约 ", "lower_bound": "≥ "}.get(o.get("qualifier") or "", "")
    return f"{mark}{text} {o['unit']}"


def url_with(request: Request, **changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes and k != "offset"]
    for k, v in changes.items():
        if v is not None and v != "":
            params.append((k, str(v)))
    return f"{request.url.path}?{urlencode(params)}"


@router.get("/", response_class=HTMLResponse)
def home(request: Request):
    engine = request.app.state.engine
    return render(request, "home.html", summary=service.summary(engine), collections=service.collections(engine))


@router.get("/search", response_class=HTMLResponse)
def search_page(request: Request, q: str = "", offset: int = 0, sort: str = "relevance"):
    engine = request.app.state.engine
    qp = request.query_params
    q = q[:MAX_QUERY_CHARS]
    minimum = [m for m in qp.getlist("min") if m]
    if qp.get("min_kind") and qp.get("min_value"):
        minimum.append(f"{qp['min_kind']}:{qp['min_value']}")
    try:
        year = int(qp["year"]) if qp.get("year") else None
        filters = filters_from(qp.get("collection"), year, qp.get("chapter"), qp.get("sector"), qp.get("province"),
                               qp.get("measure"), qp.get("standard"), minimum)
    except (ValueError, CaseAtlasError) as exc:
        return error_page(request, 400, str(exc))
    limit = 10
    offset = max(0, min(offset, 10_000))
    if q or filters.active():
        res = service.search(engine, q, filters, limit=service.MAX_LIMIT if sort == "co2" else limit,
                             offset=0 if sort == "co2" else offset, mode="auto")
        if sort == "co2":
            res["hits"] = _by_co2(engine, res["hits"])[offset : offset + limit]
    else:
        res = {"query": "", "total": 0, "hits": [], "facets": service.facets(engine)["facets"], "mode": "text"}
    active = {k: qp.get(k) for k in FILTER_KEYS if qp.get(k)}
    return render(request, "search.html", q=q, res=res, offset=offset, limit=limit, active=active, minimum=minimum,
                  facet_labels=FACET_LABELS, sort=sort, kinds=service.OUTCOME_KINDS)


def _by_co2(engine, hits: list[dict]) -> list[dict]:
    totals = {}
    for h in hits:
        d = service.case_detail(engine, h["case_id"])
        totals[h["case_id"]] = max((m["value"] for m in d["metrics"] if m["kind"] == "co2e_reduction"), default=0.0)
    return sorted(hits, key=lambda h: -totals[h["case_id"]])


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, case_id: str):
    engine = request.app.state.engine
    c = service.case_detail(engine, case_id)
    starts = {s["start_line"]: s for s in c["sections"]}
    try:
        similar = service.similar_cases(engine, case_id, limit=5)
    except CaseAtlasError:
        similar = []
    return render(request, "case.html", c=c, section_starts=starts, similar=similar)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, ids: str = ""):
    case_ids = [i for i in ids.split(",") if i.strip()]
    if not case_ids:
        return render(request, "compare.html", cases=[], ids="")
    return render(request, "compare.html", cases=service.compare(request.app.state.engine, case_ids), ids=ids)


@router.get("/insights", response_class=HTMLResponse)
def insights(request: Request):
    engine = request.app.state.engine
    charts = [
        ("by_sector", service.outcomes_by(engine, "sector"), "group", "total", "/api/v1/outcomes?by=sector&format=csv"),
        ("by_book", service.outcomes_by(engine, "collection"), "group", "total", "/api/v1/outcomes?by=collection&format=csv"),
        ("measure_freq", service.attribute_counts(engine, "measure"), "value", "cases", "/api/v1/attributes/measure?format=csv"),
        ("standard_adoption", service.attribute_counts(engine, "standard"), "value", "cases", "/api/v1/attributes/standard?format=csv"),
        ("by_province", service.attribute_counts(engine, "region"), "value", "cases", "/api/v1/attributes/region?format=csv"),
    ]
    return render(request, "insights.html", charts=charts)


@router.get("/collections", response_class=HTMLResponse)
def collections_page(request: Request):
    return render(request, "collections.html", collections=service.collections(request.app.state.engine))


@router.get("/lang/{lang}", include_in_schema=False)
def set_lang(request: Request, lang: str):
    back = request.headers.get("referer") or "/"
    resp = RedirectResponse(back, status_code=303)
    resp.set_cookie("lang", "en" if lang == "en" else "zh", max_age=365 * 86400, samesite="lax")
    return resp
