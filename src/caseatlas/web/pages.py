"""Server-rendered pages (Jinja2, autoescaped: book text is never trusted as markup)."""

from __future__ import annotations

import math
import re
from decimal import Decimal
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from ..errors import CaseAtlasError, Conflict, Forbidden, PermissionDenied, Throttled
from ..programme.services import calls
from ..services import accounts, audit, checks, discovery, insights, library, organizations
from ..services.organizations import OrgOutcome
from ..services.records import Metric
from ..text.labels import case_count, collection_label
from ..text.lists import SEPARATORS, join_list, parenthesized
from ..text.numbers import DIGITS, format_number, format_quantity
from ..text.times import local_time
from ..vocab import ADDITIVE_KINDS, CORE_KINDS, KIND_UNITS, OUTCOME_KINDS, ROLES, SEARCH_MATCH, SEARCH_MODES
from .api import MAX_UPLOAD, filters_from, set_session_cookie
from .deps import CSRF_COOKIE, SESSION_COOKIE, ReadContext, WriteContext, client_address, page_csrf, read_context
from .i18n import FACET_LABELS, translator, unit_label

MAX_QUERY_CHARS = discovery.MAX_QUERY_CHARS
# Totals and sums are shown to four significant digits (4,664万); a case's own figure as printed.
TOTAL_DIGITS = 4
HOME_CONTRIBUTORS = 3  # cases named beside each home-page total (the API names insights.TOP_CONTRIBUTORS)

# One environment for every page; the programme's pages live beside its routes and extend base.html here.
TEMPLATES = Jinja2Templates(
    directory=[Path(str(resources.files("caseatlas") / d / "templates")) for d in ("web", "programme/web")]
)
router = APIRouter(include_in_schema=False)
FILTER_KEYS = ("collection", "year", "chapter", "sector", "province", "measure", "standard", "organization", "flag")


def _lang(request: Request) -> str:
    lang = request.query_params.get("lang") or request.cookies.get("lang") or "zh"
    return "en" if lang == "en" else "zh"


def render(request: Request, name: str, status: int = 200, **context) -> HTMLResponse:
    lang = _lang(request)
    csrf = page_csrf(request)
    resp = TEMPLATES.TemplateResponse(
        request,
        name,
        {
            "t": translator(lang),
            "lang": lang,
            "fmt": lambda o: fmt_value(o, lang),
            "qty": lambda v, u, digits=TOTAL_DIGITS: format_quantity(v, u, lang, digits),
            "num": lambda v, digits=DIGITS: format_number(v, lang, digits),
            "pct": lambda share: fmt_share(share, lang),
            "unit": lambda u: unit_label(u, lang),
            # Labels joined as the page's language writes a list ("甲、乙" / "a, b"): text/lists.py.
            "join_list": lambda items, kind="list": join_list(items, lang, kind),
            "list_sep": SEPARATORS["list"][1 if lang == "en" else 0],  # between linked items of a list
            "url_with": url_with,
            "actor": read_context(request).actor,
            "csrf": csrf,
            "core_kinds": CORE_KINDS,
            "tt": lambda zh, en: en if lang == "en" else zh,
            "lang_attr": lang_attr,
            "colon": "：" if lang == "zh" else ": ",  # after a label, as the page's language writes it
            "paren": lambda text: parenthesized(text, lang),
            **context,
        },
        status_code=status,
    )
    if request.query_params.get("lang") in ("zh", "en"):
        resp.set_cookie("lang", lang, max_age=365 * 86400, samesite="lax")
    if getattr(request.state, "new_csrf", None):
        resp.set_cookie(
            CSRF_COOKIE,
            request.state.new_csrf,
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return resp


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def lang_attr(text: object) -> Markup:
    """` lang="zh"` on an element holding source text in Chinese (a case title, an organization's
    name, an evidence quote, the book's lines), whatever the page's language: a screen reader reads
    it as Chinese, and the English page's checks tell quoted source text from the interface's own
    words by it. Text without Chinese characters gets nothing (it reads in the page's language)."""
    return Markup(' lang="zh"') if _CJK.search(str(text or "")) else Markup("")


# A quotation of Chinese source text inside a sentence written here ("… stated as '3 万吨碳' and …").
_QUOTED = re.compile(r"(['‘“「])([^'’”」\n]*[\u3400-\u9fff][^'’”」\n]*)(['’”」])")


def mark_quotes(text: object) -> Markup:
    """A message written here (a flag's English wording, a verification's) with each quotation of
    Chinese source text marked `lang="zh"`; everything escaped."""
    text, out, at = str(text or ""), [], 0
    for m in _QUOTED.finditer(text):
        out += [escape(text[at : m.start(2)]), Markup('<span lang="zh">'), escape(m[2]), Markup("</span>")]
        at = m.end(2)
    return Markup("").join([*out, escape(text[at:])])


_MD_HEADING = re.compile(r"^#{1,6}\s*")
_MD_BOLD = re.compile(r"\*\*(.+?)\*\*")
_SUB_SUP = re.compile(r"&lt;(sub|sup)&gt;(.{0,20}?)&lt;/\1&gt;")


def display_line(raw: str) -> Markup:
    """A source line as a reader should see it: Markdown heading marks and **bold** and
    <sub>/<sup> shown as what they mean, everything else escaped. (Evidence quotes are exact
    substrings of the raw line; the page marks them in this text, which keeps every other
    character.)"""
    text = str(escape(raw))
    heading = _MD_HEADING.match(text)
    text = _SUB_SUP.sub(
        r"<\1>\2</\1>", _MD_BOLD.sub(r"<strong>\1</strong>", text[heading.end() :] if heading else text)
    )
    return Markup(f'<strong class="md-h">{text}</strong>' if heading else text)


TEMPLATES.env.filters["display_line"] = display_line
# One writer of a book's label and of a case count, for every page (labels: collection_label).
TEMPLATES.env.globals["collection_label"] = collection_label
TEMPLATES.env.globals["case_count"] = case_count
TEMPLATES.env.filters["mark_quotes"] = mark_quotes


@pass_context
def localtime(context, value, tz: str | None = None, lang: str | None = None, empty: str = "—") -> str:
    """`{{ call.submission_deadline|localtime(call.timezone) }}`: a stored instant in the call's zone,
    written in the page's language (`lang` from the page; before, every page wrote it in Chinese)."""
    return local_time(value, tz, lang or context.get("lang") or "zh", empty)


TEMPLATES.env.filters["localtime"] = localtime
TEMPLATES.env.filters["localized"] = pass_context(
    lambda context, message: localized(message, context.get("lang") or "zh")
)


def login_redirect(request: Request) -> RedirectResponse:
    return RedirectResponse("/login?" + urlencode({"next": request.url.path}), status_code=303)


# Service messages are shared with the CLI and the API, where "(see `caseatlas cases`)" helps; a
# person reading a web page cannot run it, so the page shows the message without such hints.
_CLI_HINT = re.compile(r"\s*\([^()]*`caseatlas [^`]*`[^()]*\)|[:;,]?\s*(?:see|run|use) `caseatlas [^`]*`(?: first)?")


# Some service messages carry both languages: "password: at least 10 characters (密码至少 10 个字符)".
_BILINGUAL = re.compile(r"^([^\u4e00-\u9fff]*?)\s*[（(]([^()（）]*[\u4e00-\u9fff][^()（）]*)[)）]\s*$")


def localized(message: str, lang: str) -> str:
    """A message that gives both languages ("English (中文)") in the page's one; others as they are."""
    m = _BILINGUAL.match(message or "")
    if not m:
        return message
    return m.group(2) if lang == "zh" else m.group(1)


# The things a "no <thing> <id>" message names (services' NotFound), as a Chinese page says them.
_THINGS_ZH = {
    "case": "案例",
    "collection": "案例集",
    "collection or programme": "案例集或征集",
    "submission": "申报",
    "call": "征集",
    "user": "账号",
    "round": "评审轮次",
    "photo": "照片",
    "logo": "标志",
    "evidence": "证明材料",
    "attachment": "附件",
    "visit": "调研",
    "proof": "校样",
    "organization": "机构",
    "organization named": "机构",
    "message": "邮件",
    "job": "后台任务",
    "flag": "核查提示",
    "declared figure": "申报数字",
}
_NO_THING = re.compile(r"^no (" + "|".join(sorted(map(re.escape, _THINGS_ZH), key=len, reverse=True)) + r") (\S.*)$")


def _in_chinese(text: str) -> str:
    """A services' "no case 'x'" as a Chinese page says it ("找不到案例：x"); other English stays."""
    m = _NO_THING.match(text)
    if not m:
        return text
    what = m.group(2).replace(" in this call", "").replace(" in submission ", " · 申报 ")
    return f"找不到{_THINGS_ZH[m.group(1)]}：{what}"


def person_message(message: str, status: int, lang: str = "zh") -> str:
    """The one-line message as a page shows it: in the page's language when it carries both, without
    command-line hints, and nothing when it only repeats the status's own name (Starlette's "Not
    Found" for an unknown path)."""
    text = _CLI_HINT.sub("", localized(message or "", lang)).strip().rstrip(":;,").strip()
    if "`caseatlas " in text:  # a hint in a form not foreseen above: better no detail than a command
        return ""
    try:
        phrase = HTTPStatus(status).phrase
    except ValueError:
        phrase = ""
    if text.lower() in {phrase.lower(), "invalid request"}:
        return ""
    return _in_chinese(text) if lang != "en" else text


def _same_site_path(request: Request, url: str | None) -> str | None:
    """`url` (a Referer) as a path on this site, else None: a "go back" link never leaves the site."""
    if not url:
        return None
    parts = urlsplit(url)
    if parts.netloc and parts.netloc != request.url.netloc:
        return None
    path = parts.path or "/"
    return _safe_next(path + (f"?{parts.query}" if parts.query else ""))


def error_page(
    request: Request, status: int, message: str, headers: dict | None = None, retry_after: int | None = None
) -> HTMLResponse:
    """A status page that says, in the page's language, what happened and what to do next: search
    (404), sign in and come back here (401/403), go back to the form (a rejected 400/409/422),
    wait (429). The status code is the one given."""
    back = _same_site_path(request, request.headers.get("referer"))
    here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    resp = render(
        request,
        "error.html",
        status=status,
        status_code=status,
        message=person_message(message, status, _lang(request)),
        back=back if back != here or request.method != "GET" else None,
        form_rejected=request.method not in ("GET", "HEAD"),
        login_next="/login?" + urlencode({"next": _safe_next(here if request.method == "GET" else back)}),
        retry_after=retry_after,
    )
    resp.headers.update(headers or {})
    return resp


def fmt_value(o: Metric | OrgOutcome | dict, lang: str = "zh", digits: int = DIGITS) -> str:
    """A figure (value, unit, value_max, qualifier) as the one writer prints it (text/numbers): a
    case record's metric, an organization page's outcome, or a programme's stored outcome row."""
    get = o.get if isinstance(o, dict) else lambda name: getattr(o, name, None)
    return format_quantity(
        get("value"), get("unit") or "", lang, digits, value_max=get("value_max"), qualifier=get("qualifier")
    )


def fmt_share(share: float | None, lang: str = "zh") -> str:
    """A share as a percentage ("38%"); a share that rounds to nothing but is not nothing is "<1%"."""
    if share is None:
        return ""
    pct = share * 100
    if 0 < pct < 0.5:
        return "<1%"
    return format_number(round(pct), lang) + "%"


def url_with(request: Request, **changes) -> str:
    """The current URL with some query parameters changed (None removes one)."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in changes and k != "offset"]
    for k, v in changes.items():
        if v is not None and v != "":
            params.append((k, str(v)))
    return f"{request.url.path}?{urlencode(params)}"


@router.get("/", response_class=HTMLResponse)
def home(request: Request, ctx: ReadContext):
    lang = _lang(request)
    unflagged = request.query_params.get("unflagged") == "1"
    summary = insights.summary(ctx, unflagged=unflagged, top=HOME_CONTRIBUTORS)
    books = library.collections(ctx)
    # Newest first: the book's year, then the order they came into the library.
    newest = [c for _, c in sorted(enumerate(books), key=lambda ic: (-(ic[1].year or 0), -ic[0]))]
    # Cases by an attribute: each bar's count opens the search filtered by that value.
    by_attribute = [("home_by_sector", "sector", "sector"), ("home_by_province", "region", "province")]
    charts = [
        *(
            _chart(
                key,
                [
                    (a.value, a.cases, "/search?" + urlencode({param: a.value}))
                    for a in insights.attribute_counts(ctx, kind)
                ],
                lang,
                top=HOME_BARS,
            )
            for key, kind, param in by_attribute
        ),
        _chart(
            "home_by_book",
            [
                (c.title, c.n_cases, "/search?" + urlencode({"collection": c.slug}))
                for c in sorted(books, key=lambda c: -c.n_cases)
            ],
            lang,
            top=HOME_BARS,
        ),
    ]
    return render(
        request,
        "home.html",
        summary=summary,
        headline=_headline(summary),
        total_href=lambda t: _total_href(t.kind, t.unit, t.period, unflagged),
        collections=books,
        newest=newest[:HOME_NEWEST],
        open_calls=_open_calls(ctx)[:HOME_NEWEST],
        charts=[c for c in charts if c["rows"]],
    )


HOME_BARS = 10  # bars in each small chart on the home page (its data table lists every row)
HOME_NEWEST = 5  # newest books and open calls named on the home page


def _headline(summary: insights.Totals) -> list[insights.Total]:
    """One figure per kind for the home page's cards: its yearly total when there is one (the
    figure a reader compares), else the total that most cases make."""
    out = []
    for kind in ADDITIVE_KINDS:
        mine = [t for t in summary.by_kind if t.kind == kind and t.n_cases]
        if mine:
            out.append(min(mine, key=lambda t: (t.period != "annual", -t.n_cases)))
    return out


def _total_href(kind: str, unit: str, period: str, unflagged: bool = False, by: str | None = None, group=None) -> str:
    """The listing of exactly the cases one total (or one group of a chart of it) counts."""
    params = {"kind": kind, "unit": unit, "period": period}
    if unflagged:
        params["unflagged"] = "1"
    if by is not None:
        params.update(by=by, group=group)
    return "/insights/cases?" + urlencode(params)


def _open_calls(ctx) -> list[dict]:
    """Calls taking submissions now, newest first, as the visitor may see them (public ones for
    anyone; the programme's own read rule decides)."""
    try:
        listed = calls.list_calls(ctx)
    except Forbidden:
        return []
    open_now = [c for c in listed if c["phase"] == "submission"]
    return sorted(open_now, key=lambda c: (c.get("published_at") or "", c["id"]), reverse=True)


CHART_TICKS = 5  # about this many gridlines on a chart's value axis


def chart_ticks(top: float, lang: str, whole: bool = False) -> tuple[list[float], list[str], float]:
    """Value-axis ticks from 0 at a round step (1, 2, 2.5 or 5 × 10^k) up to the axis end (`top`
    and a little room), each labelled by the one number writer (200万, 1.5亿 in Chinese; 2,000,000
    in English) — so the chart prints what the tables print. `whole`: counts of cases, ticked at
    whole numbers only (no "2.5 个案例"). Returns (values, labels, axis end)."""
    if not top or top <= 0 or not math.isfinite(top):
        return [0.0], [format_number(0, lang)], 1.0
    end = top * 1.05
    raw = top / CHART_TICKS
    power = Decimal(10) ** math.floor(math.log10(raw))
    # Decimal arithmetic: 3 × 0.1 is 0.3, not 0.30000000000000004.
    steps = [m * power for m in (Decimal(1), Decimal(2), Decimal("2.5"), Decimal(5), Decimal(10))]
    if whole:
        steps = [st for st in steps if st >= 1 and st == st.to_integral_value()] or [Decimal(1)]
    step = next((st for st in steps if st >= Decimal(raw)), steps[-1])
    vals = [float(step * i) for i in range(int(Decimal(end) / step) + 1)]
    return vals, [format_number(v, lang) for v in vals], end


def _chart(key: str, rows: list[tuple], lang: str, unit: str | None = None, top: int = 20) -> dict:
    """A bar chart and its table: rows (label, value, link to its cases[, cases counted]); the
    chart draws the `top` largest, with ticks and hover text from the one writer."""
    shown = rows[:top]
    values = [r[1] for r in shown]
    tickvals, ticktext, end = chart_ticks(max(values, default=0), lang, whole=unit is None)
    if unit:
        hover = [format_quantity(v, unit, lang, TOTAL_DIGITS) for v in values]
    else:
        hover = [format_number(v, lang) + (" cases" if lang == "en" else " 个案例") for v in values]
    data = {
        "labels": [r[0] for r in shown],
        "values": values,
        "hover": hover,
        "tickvals": tickvals,
        "ticktext": ticktext,
        "end": end,
    }
    return {"key": key, "rows": rows, "unit": unit, "data": data}


@router.get("/search", response_class=HTMLResponse)
def search_page(
    request: Request,
    ctx: ReadContext,
    q: str = "",
    offset: int = 0,
    sort: str = "relevance",
    mode: str = "auto",
    match: str = "all",
):
    mode = mode if mode in SEARCH_MODES else "auto"
    match = match if match in SEARCH_MATCH else "all"
    qp = request.query_params
    q = q[:MAX_QUERY_CHARS]
    minimum = [m for m in qp.getlist("min") if m]
    if qp.get("min_kind") and qp.get("min_value"):
        minimum.append(f"{qp['min_kind']}:{qp['min_value']}")
    year_text = qp.get("year") or ""
    if year_text and not year_text.strip().isdigit():
        msg = ("year: a number such as 2023", "年份应为数字，例如 2023")
        return error_page(request, 400, msg[0] if _lang(request) == "en" else msg[1])
    try:
        year = int(year_text) if year_text else None
        filters = filters_from(
            qp.get("collection"),
            year,
            qp.get("chapter"),
            qp.get("sector"),
            qp.get("province"),
            qp.get("measure"),
            qp.get("standard"),
            minimum,
            qp.get("flag"),
            qp.get("organization"),
        )
    except (ValueError, CaseAtlasError) as exc:
        return error_page(request, 400, str(exc))
    limit = 10
    offset = max(0, min(offset, 10_000))
    # No query and no filter: the whole library, in book order (a new user sees what is there).
    try:
        res = discovery.search(
            ctx,
            q,
            filters,
            limit=discovery.MAX_LIMIT if sort == "co2" else limit,
            offset=0 if sort == "co2" else offset,
            mode=mode,
            match=match,
        )
    except Conflict:  # "semantic" on a library without vectors: the words still work
        mode = "text"
        res = discovery.search(
            ctx,
            q,
            filters,
            limit=discovery.MAX_LIMIT if sort == "co2" else limit,
            offset=0 if sort == "co2" else offset,
            mode=mode,
            match=match,
        )
    if sort == "co2":
        res["hits"] = insights.sort_by_outcome(ctx, res["hits"])[offset : offset + limit]
    active = {k: qp.get(k) for k in FILTER_KEYS if qp.get(k)}
    # The same search as the API sees it: every result, not this page (issue 13, point 7).
    export_query = urlencode(
        [
            ("q", q),
            ("mode", mode),
            *active.items(),
            *(("min", m) for m in minimum),
            *([("match", "any")] if match == "any" else []),
        ]
    )
    shown_min = minimum[-1].split(":", 1) if minimum and ":" in minimum[-1] else ("", "")
    return render(
        request,
        "search.html",
        export_query=export_query,
        kind_units=KIND_UNITS,
        min_kind=shown_min[0],
        min_value=shown_min[1],
        q=q,
        res=res,
        offset=offset,
        limit=limit,
        active=active,
        minimum=minimum,
        facet_labels=FACET_LABELS,
        sort=sort,
        kinds=OUTCOME_KINDS,
        mode=mode,
        match=match,
        modes=[m for m in SEARCH_MODES if m != "hybrid"],
    )


@router.get("/cases/{case_id}", response_class=HTMLResponse)
def case_page(request: Request, ctx: ReadContext, case_id: str):
    c = library.case_detail(ctx, case_id)
    starts = {s.start_line: s for s in c.sections}
    try:
        similar = discovery.similar_cases(ctx, case_id, limit=5)
    except CaseAtlasError:
        similar = []
    return render(
        request, "case.html", c=c, section_starts=starts, similar=similar, may_judge="flags.verdict" in ctx.actor.grants
    )


@router.post("/cases/{case_id}/flags/{flag_id}", response_class=HTMLResponse)
def flag_verdict(
    request: Request, ctx: WriteContext, case_id: str, flag_id: str, verdict: str = Form(""), note: str = Form("")
):
    """A flag confirmed or dismissed from the case page (organizers, admins); back to the flag."""
    checks.set_verdict(ctx, flag_id, verdict or None, note)
    return RedirectResponse(f"/cases/{quote(case_id, safe=':')}#flag-{flag_id}", status_code=303)


@router.get("/organizations", response_class=HTMLResponse)
def organizations_page(request: Request, ctx: ReadContext, group: str = ""):
    """Groups with their member units by default (the 所属集团 column was always empty there: a
    group has no group); `all=1` every organization with the group it belongs to; `group=<id>`
    one group and its members."""
    rows = organizations.organizations(ctx, 1)
    by_id = {r.id: r for r in rows}
    members: dict[str, list] = {}
    for r in rows:
        if r.group_id != r.id:
            members.setdefault(r.group_id, []).append(r)
    chosen = by_id.get(group)
    if chosen is not None:
        root = chosen.group_id
        shown = [r for r in rows if r.group_id == root]
        shown.sort(key=lambda r: (r.id != root, -r.group_cases, r.name))
        mode = "group"
    elif request.query_params.get("all") == "1":
        shown, mode, root = rows, "all", None
    else:
        shown, mode, root = [r for r in rows if r.parent_id is None], "groups", None
    return render(
        request,
        "organizations.html",
        orgs=shown,
        mode=mode,
        group=by_id.get(root) if root else None,
        members=members,
        groups={r.group_id: by_id.get(r.group_id) for r in rows},
    )


@router.get("/organizations/{org_id}", response_class=HTMLResponse)
def organization_page(request: Request, ctx: ReadContext, org_id: str):
    return render(
        request,
        "organization.html",
        org=organizations.organization(ctx, org_id),
        may_decide="organizations.decide" in ctx.actor.grants,
    )


@router.post("/organizations/{org_id}/decisions", response_class=HTMLResponse)
def organization_decision(
    request: Request,
    ctx: WriteContext,
    org_id: str,
    a: str = Form(""),
    b: str = Form(""),
    decision: str = Form(""),
    note: str = Form(""),
):
    """Merge or split two names from an organization's page (organizers, admins); back to the page
    of the organization the first name now belongs to."""
    r = organizations.decide(ctx, a, b, decision or None, note)
    return RedirectResponse(f"/organizations/{r.organizations[a.strip()] or org_id}", status_code=303)


@router.get("/compare", response_class=HTMLResponse)
def compare_page(request: Request, ctx: ReadContext, ids: str = ""):
    case_ids = [i for i in ids.split(",") if i.strip()]
    if not case_ids:
        return render(request, "compare.html", cases=[], ids="")
    return render(request, "compare.html", cases=insights.compare(ctx, case_ids), ids=ids)


@router.get("/insights", response_class=HTMLResponse)
def insights_page(request: Request, ctx: ReadContext):
    lang = _lang(request)
    unflagged = request.query_params.get("unflagged") == "1"  # without the figures a flag cites
    extra = "&unflagged=true" if unflagged else ""
    charts = []
    # Achieved, annual figures only: a yearly and a cumulative figure do not add up.
    for key, by in (("by_sector", "sector"), ("by_book", "collection")):
        groups = insights.outcomes_by(ctx, by, period="annual", unflagged=unflagged)
        rows = [
            (
                g.group,
                g.total,
                _total_href("co2e_reduction", g.unit, "annual", unflagged, by, g.group),
                g.cases,
            )
            for g in groups
        ]
        chart = _chart(key, rows, lang, unit=groups[0].unit if groups else KIND_UNITS["co2e_reduction"])
        chart["csv"] = f"/api/v1/outcomes?by={by}&period=annual&format=csv{extra}"
        charts.append(chart)
    for key, attr, facet in (
        ("measure_freq", "measure", "measure"),
        ("standard_adoption", "standard", "standard"),
        ("by_province", "region", "province"),
    ):
        rows = [
            (a.value, a.cases, "/search?" + urlencode({facet: a.value})) for a in insights.attribute_counts(ctx, attr)
        ]
        chart = _chart(key, rows, lang)
        chart["csv"] = f"/api/v1/attributes/{attr}?format=csv"
        charts.append(chart)
    # What the charts leave out without the flagged figures: the annual tCO2e total's flagged part.
    left_out = (
        next(
            (
                t
                for t in insights.summary(ctx, unflagged=True, top=1).by_kind
                if (t.kind, t.unit, t.period) == ("co2e_reduction", "tCO2e", "annual")
            ),
            None,
        )
        if unflagged
        else None
    )
    return render(request, "insights.html", charts=charts, unflagged=unflagged, left_out=left_out)


@router.get("/insights/cases", response_class=HTMLResponse)
def total_cases_page(
    request: Request,
    ctx: ReadContext,
    kind: str = "co2e_reduction",
    unit: str = "tCO2e",
    period: str = "annual",
    unflagged: str = "",
    by: str | None = None,
    group: str | None = None,
):
    """The cases a total on the home page (or a bar of an insights chart) counts: exactly them,
    each with what it adds — the figure's count links here."""
    try:
        total, cases = insights.total_cases(ctx, kind, unit, period, unflagged == "1", by or None, group)
    except CaseAtlasError as exc:
        return error_page(request, 400, str(exc))
    return render(
        request,
        "total_cases.html",
        total=total,
        cases=cases,
        kind=kind,
        unit=unit,
        period=period,
        unflagged=unflagged == "1",
        by=by or None,
        group=group,
        sum_value=sum(c.value for c in cases),
    )


@router.get("/collections", response_class=HTMLResponse)
def collections_page(request: Request, ctx: ReadContext):
    return render(
        request,
        "collections.html",
        collections=library.collections(ctx),
        may_publish="library.publish" in ctx.actor.grants,
    )


@router.get("/docs", response_class=HTMLResponse)
def docs(request: Request):
    """Swagger UI from the fastapi-offline package (assets only); started by /static/docs.js (no inline script)."""
    return render(request, "docs.html")


# --- accounts and administration -----------------------------------------------------------


def _safe_next(target: str | None) -> str:
    # Only paths on this site: "//evil.example" or "https://…" would be an open redirect.
    return target if target and target.startswith("/") and not target.startswith("//") else "/"


@router.get("/login", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/"):
    return render(request, "login.html", next=_safe_next(next), failed=False)


@router.post("/login", response_class=HTMLResponse)
def login_submit(
    request: Request, ctx: WriteContext, username: str = Form(""), password: str = Form(""), next: str = Form("/")
):
    try:
        token, _, _ = accounts.login(ctx, username, password, client_address(request))
    except Throttled as exc:
        resp = render(
            request,
            "login.html",
            status=429,
            next=_safe_next(next),
            failed=True,
            username=username,
            throttled=exc.retry_after,
        )
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except CaseAtlasError:
        return render(request, "login.html", status=401, next=_safe_next(next), failed=True, username=username)
    resp = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(request, resp, token)
    return resp


@router.post("/logout")
def logout_submit(request: Request, ctx: WriteContext):
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.logout(ctx, token)
    resp = RedirectResponse("/", status_code=303)
    resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


# Invitations and password resets: the link a mail carries holds the token in its path (that is
# the invitation itself); the form posts it back to the same path. A used, expired or unknown
# link gets a page saying so (410). Pages carry no secret in a query string, and no redirect
# puts one in a Location header.


def _link_page(
    request: Request,
    token: str,
    purpose: str,
    error: str | None = None,
    status: int = 200,
    error_field: str | None = None,
):
    ctx = read_context(request)
    try:
        account = accounts.check_link(ctx, token, purpose)
    except accounts.LinkInvalid:
        return render(request, "link_invalid.html", status=410)
    return render(
        request,
        "password_set.html",
        status=status,
        purpose=purpose,
        account=account,
        error=error,
        error_field=error_field,
        action=f"/{'invite' if purpose == 'invite' else 'reset'}/{quote(token, safe='')}",
    )


def _link_submit(request: Request, ctx, token: str, purpose: str, password: str, password2: str):
    if password != password2:
        return _link_page(request, token, purpose, translator(_lang(request))("passwords_differ"), 400, "password2")
    try:
        (accounts.accept_invitation if purpose == "invite" else accounts.reset_password)(ctx, token, password)
    except accounts.LinkInvalid:
        return render(request, "link_invalid.html", status=410)
    except accounts.WeakPassword as exc:
        return _link_page(request, token, purpose, str(exc), 400, "password")
    resp = render(request, "password_set.html", purpose=purpose, done=True, account=None)
    if request.cookies.get(SESSION_COOKIE):  # whoever was signed in on this browser is not any more
        resp.delete_cookie(SESSION_COOKIE, path="/")
    return resp


@router.get("/invite/{token}", response_class=HTMLResponse)
def invite_page(request: Request, token: str):
    return _link_page(request, token, "invite")


@router.post("/invite/{token}", response_class=HTMLResponse)
def invite_submit(request: Request, ctx: WriteContext, token: str, password: str = Form(""), password2: str = Form("")):
    return _link_submit(request, ctx, token, "invite", password, password2)


@router.get("/reset/{token}", response_class=HTMLResponse)
def reset_page(request: Request, token: str):
    return _link_page(request, token, "reset")


@router.post("/reset/{token}", response_class=HTMLResponse)
def reset_submit(request: Request, ctx: WriteContext, token: str, password: str = Form(""), password2: str = Form("")):
    return _link_submit(request, ctx, token, "reset", password, password2)


@router.get("/password/forgot", response_class=HTMLResponse)
def forgot_page(request: Request):
    return render(request, "forgot.html", sent=False)


@router.post("/password/forgot", response_class=HTMLResponse)
def forgot_submit(request: Request, ctx: WriteContext, login: str = Form("")):
    """The same answer whatever the account: nothing here says which accounts exist."""
    try:
        accounts.request_reset(ctx, login, client_address(request))
    except Throttled as exc:
        resp = render(request, "forgot.html", status=429, sent=False, throttled=exc.retry_after, login=login)
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    return render(request, "forgot.html", sent=True)


@router.get("/account/password", response_class=HTMLResponse)
def password_page(request: Request, ctx: ReadContext):
    if ctx.actor.kind != "user":
        return login_redirect(request)
    return render(request, "account_password.html")


@router.post("/account/password", response_class=HTMLResponse)
def password_submit(
    request: Request,
    ctx: WriteContext,
    current_password: str = Form(""),
    password: str = Form(""),
    password2: str = Form(""),
):
    if ctx.actor.kind != "user":
        return login_redirect(request)
    if password != password2:
        return render(
            request,
            "account_password.html",
            status=400,
            error=translator(_lang(request))("passwords_differ"),
            error_field="password2",
        )
    try:
        accounts.change_password(
            ctx, current_password, password, request.cookies.get(SESSION_COOKIE), client_address(request)
        )
    except Throttled as exc:
        resp = render(request, "account_password.html", status=429, error=str(exc))
        resp.headers["Retry-After"] = str(exc.retry_after)
        return resp
    except (accounts.WeakPassword, Forbidden) as exc:
        return render(
            request,
            "account_password.html",
            status=400 if isinstance(exc, accounts.WeakPassword) else 403,
            error=str(exc),
            error_field="password" if isinstance(exc, accounts.WeakPassword) else "current_password",
        )
    return render(request, "account_password.html", done=True)


@router.get("/admin", response_class=HTMLResponse)
def admin_page(request: Request, ctx: ReadContext, message: str | None = None):
    return _admin(request, ctx, message)


def _admin(
    request: Request,
    ctx,
    message: str | None = None,
    invitation: str | None = None,
    status: int = 200,
    user_form: dict | None = None,
    errors: dict | None = None,
):
    """The administration page; `user_form` and `errors` ({form: (field or None, message)}) re-render
    a rejected form with what was typed and the error beside its field."""
    if ctx.actor.kind == "anonymous":
        return login_redirect(request)
    can = ctx.actor.grants
    return render(
        request,
        "admin.html",
        status=status,
        user_form=user_form or {},
        errors=errors or {},
        users=accounts.list_users(ctx) if "users.manage" in can else None,
        entries=audit.entries(ctx, 50) if "audit.read" in can else None,
        collections=library.books(ctx) if can & {"library.ingest", "library.delete"} else None,
        may_ingest="library.ingest" in can,
        may_delete="library.delete" in can,
        roles=ROLES,
        message=message,
        invitation=invitation,
        denied=not (can & {"users.manage", "audit.read", "library.ingest"}),
    )


# The field messages of accounts' checks that a Chinese page shows in Chinese (others as they are).
_ZH_FIELD_MESSAGES = {
    "2–64 letters, digits or . _ @ -": "须为 2–64 个字母、数字或 . _ @ -",
    "not a valid address": "不是有效的电子邮箱地址",
}
USER_FIELDS = ("username", "password", "email", "role", "display_name", "organization")


def _field_error(exc: CaseAtlasError, lang: str, fields: tuple[str, ...]) -> tuple[str | None, str]:
    """(the form field a service's message is about, the message to show beside it). Service messages
    name their field first ("email: not a valid address"); a name that exists is the username's."""
    text = localized(str(exc), lang)
    if isinstance(exc, accounts.WeakPassword):
        text = text.removeprefix("password: ")
        return "password", text if lang == "zh" else text[:1].upper() + text[1:]
    if isinstance(exc, Conflict) and "username" in fields and "exists" in str(exc):
        return "username", "该用户名已被使用，请换一个。" if lang == "zh" else "This username is taken: choose another."
    head, sep, rest = text.partition(": ")
    if sep and head in fields:
        return head, (_ZH_FIELD_MESSAGES.get(rest, rest) if lang == "zh" else rest[:1].upper() + rest[1:])
    if "role" in fields and str(exc).startswith("unknown role"):
        return "role", text
    return None, text


def _back(message: str) -> RedirectResponse:
    return RedirectResponse("/admin?" + urlencode({"message": message}), status_code=303)


@router.post("/admin/users")
def admin_add_user(
    request: Request,
    ctx: WriteContext,
    username: str = Form(...),
    password: str = Form(""),
    role: str = Form("applicant"),
    display_name: str = Form(""),
    organization: str = Form(""),
    email: str = Form(""),
):
    """Add an account; without a password it is invited, and the link is shown in this page's body
    (once; never in a redirect's URL). A rejected account comes back in the form, as typed (but the
    password), with the reason beside its field: 400, or 409 for a name that exists."""
    try:
        user = accounts.add_user(
            ctx, username, password or None, role, display_name or None, organization or None, email or None
        )
    except PermissionDenied:
        raise
    except CaseAtlasError as exc:
        typed = {"username": username, "role": role, "display_name": display_name, "organization": organization}
        typed["email"] = email
        return _admin(
            request,
            ctx,
            status=409 if isinstance(exc, Conflict) else 400,
            user_form=typed,
            errors={"user": _field_error(exc, _lang(request), USER_FIELDS)},
        )
    if user.invitation:
        return _admin(request, ctx, message=f"+ {user.username} ({user.role})", invitation=user.invitation)
    return _back(f"+ {user.username} ({user.role})")


@router.post("/admin/users/{username}/invitation", response_class=HTMLResponse)
def admin_invite_user(request: Request, ctx: WriteContext, username: str):
    """A new invitation link (older ones stop working), shown once in this page's body and mailed."""
    r = accounts.invite(ctx, username)
    return _admin(
        request,
        ctx,
        message=f"{r.username}: " + ("✉ " + r.email if r.email else "—"),
        invitation=r.invitation,
    )


@router.post("/admin/users/{username}")
def admin_change_user(ctx: WriteContext, username: str, role: str = Form(...), active: str = Form("1")):
    user = accounts.update_user(ctx, username, role=role, active=active == "1")
    return _back(f"{user.username}: {user.role}" + ("" if user.active else " (disabled)"))


@router.post("/admin/library")
async def admin_upload(request: Request, ctx: WriteContext, file: UploadFile = File(...)):
    """A book uploaded from the admin page; a file that cannot be added comes back to the form with
    the reason beside the file field (400; 409 for a name another owner holds)."""
    content = await file.read(MAX_UPLOAD + 1)
    lang = _lang(request)
    try:
        if len(content) > MAX_UPLOAD:
            raise CaseAtlasError(
                f"{file.filename}: 文件超过 20 MB" if lang == "zh" else f"{file.filename}: larger than 20 MB"
            )
        r = library.ingest_upload(ctx, file.filename or "", content)
        if r.status == "error":
            raise CaseAtlasError(r.error or "ingest failed")
    except PermissionDenied:
        raise
    except CaseAtlasError as exc:
        status = 409 if isinstance(exc, Conflict) else 400
        return _admin(request, ctx, status=status, errors={"upload": ("file", localized(str(exc), lang))})
    return _back(f"{r.status}: {file.filename} ({r.n_cases})")


@router.post("/admin/library/{key}/delete")
def admin_delete(ctx: WriteContext, key: str):
    n = library.delete_collection(ctx, key)
    return _back(f"- {key} ({n})")


@router.get("/account/language", response_class=HTMLResponse)
def language_page(request: Request, ctx: ReadContext):
    """The language the site writes to this account in (its mails), chosen by its owner."""
    if ctx.actor.kind != "user":
        return login_redirect(request)
    return render(request, "account_language.html", account=accounts.account(ctx))


@router.post("/account/language", response_class=HTMLResponse)
def language_submit(request: Request, ctx: WriteContext, lang: str = Form("")):
    if ctx.actor.kind != "user":
        return login_redirect(request)
    return render(request, "account_language.html", account=accounts.set_language(ctx, lang), done=True)


@router.get("/lang/{lang}", include_in_schema=False)
def set_lang(request: Request, lang: str):
    back = request.headers.get("referer") or "/"
    resp = RedirectResponse(back, status_code=303)
    resp.set_cookie("lang", "en" if lang == "en" else "zh", max_age=365 * 86400, samesite="lax")
    return resp
