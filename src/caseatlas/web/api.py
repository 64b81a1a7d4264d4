"""JSON API, /api/v1. Same semantics as the CLI; errors are {"error": {"status", "message"}}.

Reading needs no account. State-changing routes take `WriteContext` (CSRF checked) and the
service asks the permission: 401 for an anonymous actor, 403 for a role without it."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import StringConstraints

from ..errors import CaseAtlasError
from ..models import Filters
from ..services import (
    accounts,
    audit,
    checks,
    discovery,
    exports,
    insights,
    library,
    organizations,
    publishing,
    records,
)
from ..services.records import Result
from ..vocab import (
    OUTCOME_KINDS,
    AttributeKind,
    EditionFormat,
    ExportFormat,
    FlagFilter,
    GroupBy,
    OutcomeKind,
    Period,
    SearchMatch,
    SearchMode,
    Status,
)
from . import schemas
from .deps import SESSION_COOKIE, ReadContext, WriteContext, client_address

MAX_QUERY_CHARS = discovery.MAX_QUERY_CHARS
MAX_UPLOAD = 20 * 1024 * 1024  # the readers refuse larger files anyway

_ERRORS = {code: {"model": schemas.ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422)}
CSV = {200: {"content": {"application/json": {}, "text/csv": {}}}}
# KIND:MINIMUM in the schema itself, so a client (and schemathesis) knows what is valid.
PATTERN_HINTS = {
    "min": f"use KIND:MINIMUM, KIND one of {', '.join(OUTCOME_KINDS)}",
    "ids": "compare takes 2 to 4 comma-separated case ids",
}
MINIMUM = rf"^\s*({'|'.join(OUTCOME_KINDS)})\s*(:|>=|≥|=)\s*[0-9]+(\.[0-9]+)?([eE][+]?[0-9]+)?\s*$"
router = APIRouter(prefix="/api/v1", tags=["api"], responses=_ERRORS)


def filters_from(
    collection: str | None = None,
    year: int | None = None,
    chapter: str | None = None,
    sector: str | None = None,
    province: str | None = None,
    measure: str | None = None,
    standard: str | None = None,
    minimum: list[str] | None = None,
    flag: str | None = None,
    organization: str | None = None,
) -> Filters:
    return Filters(
        collection=collection or None,
        year=year,
        chapter=chapter or None,
        sector=sector or None,
        province=province or None,
        measure=measure or None,
        standard=standard or None,
        min_outcomes=[discovery.parse_minimum(m) for m in minimum or [] if m],
        flag=discovery.parse_flag(flag),
        organization=organization or None,
    )


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
        min: Annotated[
            list[Annotated[str, StringConstraints(pattern=MINIMUM)]] | None,
            Query(description="Outcome threshold KIND:VALUE, canonical units"),
        ] = None,
        flag: Annotated[
            FlagFilter | None, Query(description="Cases with a claim-check flag not dismissed: any, or one check")
        ] = None,
        organization: Annotated[
            str | None, Query(description="An organization's id or name: its cases and its group's")
        ] = None,
    ):
        self.filters = filters_from(
            collection, year, chapter, sector, province, measure, standard, min, flag, organization
        )


Filtered = Annotated[FilterParams, Depends()]


@router.get("/collections", summary="Books in the library, with front matter", response_model=list[records.Collection])
def collections(ctx: ReadContext) -> list[records.Collection]:
    return library.collections(ctx)


@router.post(
    "/collections",
    summary="Add a book, or replace your own (organizer, admin); a file named like another "
    "owner's book or a call's published book: 409",
    response_model=schemas.IngestResult,
)
async def upload(ctx: WriteContext, file: Annotated[UploadFile, File(description="A book: .txt .md .pdf .docx .html")]):
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return JSONResponse(
            {"error": {"status": 413, "message": f"{file.filename}: larger than 20 MB"}}, status_code=413
        )
    r = library.ingest_upload(ctx, file.filename or "", content)
    if r.status == "error":
        raise CaseAtlasError(r.error or "ingest failed")
    return {
        "file": Path(r.path).name,
        "status": r.status,
        "cases": r.n_cases,
        "kept": r.kept,
        "removed": r.removed,
        "error": r.error,
    }


@router.delete(
    "/collections/{key}",
    summary="Remove a book and all derived from it (its owner; admins any book)",
    response_model=schemas.Removed,
)
def remove(ctx: WriteContext, key: str) -> schemas.Removed:
    return schemas.Removed(collection=key, cases=library.delete_collection(ctx, key))


@router.get("/cases", summary="Cases, filtered and paged", response_model=records.CasePage)
def cases(
    ctx: ReadContext,
    f: Filtered,
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
    page_size: Annotated[int, Query(ge=1, le=library.MAX_PAGE_SIZE)] = 20,
) -> records.CasePage:
    return library.browse(ctx, f.filters, page, page_size)


@router.get(
    "/cases/{case_id}",
    summary="One case: sections, facts with evidence, source lines, tables",
    response_model=records.CaseDetail,
)
def case(ctx: ReadContext, case_id: str) -> records.CaseDetail:
    return library.case_detail(ctx, case_id)


@router.get("/cases/{case_id}/similar", summary="Cases like this one", response_model=list[schemas.Hit])
def similar(ctx: ReadContext, case_id: str, limit: Annotated[int, Query(ge=1, le=20)] = 5) -> list[dict]:
    return discovery.similar_cases(ctx, case_id, limit)


@router.get(
    "/search",
    summary="Search cases; hits grouped by case with snippets and facets",
    response_model=schemas.SearchResponse,
)
async def search(
    ctx: ReadContext,
    f: Filtered,
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    limit: Annotated[int, Query(ge=1, le=discovery.MAX_LIMIT)] = 10,
    offset: Annotated[int, Query(ge=0, le=10_000)] = 0,
    mode: SearchMode = "auto",
    match: SearchMatch = "all",
) -> dict:
    # The search runs in the worker thread, as a sync route would; the answer is checked
    # against the response model and written as JSON by pydantic's core on the way out —
    # inline (an async route), not in a second trip through the one worker thread.
    return await run_in_threadpool(discovery.search, ctx, q, f.filters, limit, offset, mode, match)


@router.get("/facets", summary="Facet counts over the (filtered) library", response_model=schemas.FacetsResponse)
def facets(ctx: ReadContext, f: Filtered) -> dict:
    return discovery.facets(ctx, f.filters)


@router.post(
    "/embed", summary="Compute vectors for passages that have none (organizer, admin)", response_model=schemas.Embedded
)
def embed(ctx: WriteContext, limit: Annotated[int, Query(ge=1, le=100)] = 100) -> dict:
    # ~15 passages/s on two cores: a request does a bounded batch; `caseatlas embed` does the rest.
    return {"embedded": discovery.embed(ctx, limit=limit)}


@router.get(
    "/totals",
    summary="The library's totals (the home page): achieved project figures of the additive kinds "
    "per kind, unit and period, each with its largest contributing cases and shares, whether "
    "one case dominates it, and how much rests on figures a standing flag cites",
    response_model=insights.Totals,
)
def totals(
    ctx: ReadContext,
    unflagged: Annotated[bool, Query(description="Leave out figures a claim-check flag cites")] = False,
    top: Annotated[
        int, Query(ge=1, le=20, description="Contributing cases named per total")
    ] = insights.TOP_CONTRIBUTORS,
) -> insights.Totals:
    return insights.summary(ctx, unflagged=unflagged, top=top)


@router.get(
    "/outcomes",
    summary="Claimed outcomes of one kind, summed by a dimension",
    response_model=list[insights.OutcomeGroup],
    responses=CSV,
)
def outcomes(
    ctx: ReadContext,
    f: Filtered,
    by: GroupBy = "sector",
    kind: OutcomeKind = "co2e_reduction",
    period: Period | None = None,
    status: Status = "achieved",
    format: Literal["json", "csv"] = "json",
    unflagged: Annotated[bool, Query(description="Leave out figures a claim-check flag cites")] = False,
):
    rows = insights.outcomes_by(ctx, by, kind, period, f.filters, status, unflagged)
    if format == "csv":
        return _csv_response(rows, insights.OutcomeGroup, f"outcomes_{kind}_by_{by}.csv")
    return rows


@router.get(
    "/attributes/{kind}",
    summary="How many cases carry each measure, standard, region or sector",
    response_model=list[insights.AttributeCount],
    responses=CSV,
)
def attribute_counts(ctx: ReadContext, kind: AttributeKind, format: Literal["json", "csv"] = "json"):
    rows = insights.attribute_counts(ctx, kind)
    if format == "csv":
        return _csv_response(rows, insights.AttributeCount, f"{kind}_counts.csv")
    return rows


@router.get("/compare", summary="2–4 cases side by side", response_model=list[records.CaseRecord])
def compare(
    ctx: ReadContext,
    ids: Annotated[str, Query(description="2–4 comma-separated case ids", pattern=r"^[^,]+(,[^,]+){1,3}$")],
) -> list[records.CaseRecord]:
    return insights.compare(ctx, [i for i in ids.split(",") if i.strip()])


@router.get(
    "/export",
    summary="Export cases: all, every hit of a search (q, filters, mode), or listed ids. "
    "CSV: one row per case (table=cases) or per outcome (table=outcomes); "
    "XLSX: both tables as sheets; JSON Lines: the full export contract",
    response_class=Response,
    responses={200: {"content": {m: {} for m in exports.MEDIA.values()}}},
)
def export(
    ctx: ReadContext,
    f: Filtered,
    format: ExportFormat = "csv",
    q: Annotated[str, Query(max_length=MAX_QUERY_CHARS)] = "",
    ids: str | None = None,
    mode: SearchMode = "auto",
    table: Literal["cases", "outcomes"] = "cases",
    match: SearchMatch = "all",
) -> Response:
    case_ids = [i for i in ids.split(",") if i] if ids else None
    if case_ids is None and (q or f.filters.active()):
        case_ids = discovery.result_ids(ctx, q, f.filters, mode, match)
    content, media = exports.export_bytes(ctx, format, case_ids, table)
    name = f"caseatlas_{table if format == 'csv' else 'cases'}.{format}"
    return Response(content, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


@router.get(
    "/editions/{key}",
    summary="Publish a book (organizer, admin): a collection (slug), or a programme's "
    "selection (call:ID or the programme's slug), as a print PDF or the HTML edition "
    "(a zip of a folder that works offline)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "application/zip": {}}}},
)
def edition(ctx: ReadContext, key: str, format: EditionFormat = "pdf", english: bool = False) -> Response:
    from urllib.parse import quote

    content, media, name = publishing.publish_bytes(ctx, key, format, english=english)
    return Response(
        content, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


@router.get(
    "/flags",
    summary="Claim-check flags: numbers that do not add up, with the arithmetic and lines",
    response_model=list[checks.CaseFlag],
)
def flags(ctx: ReadContext, collection: str | None = None, check: str | None = None) -> list[checks.CaseFlag]:
    return checks.flags(ctx, collection, check)


@router.post(
    "/flags/{flag_id}/verdict",
    summary="Confirm or dismiss a flag, with a note (organizer, admin); kept across re-ingest",
    response_model=checks.Verdict,
)
def verdict(ctx: WriteContext, flag_id: str, body: schemas.VerdictIn) -> checks.Verdict:
    return checks.set_verdict(ctx, flag_id, body.verdict, body.note)


@router.get(
    "/organizations",
    summary="Organizations across books (with their group), most books first",
    response_model=list[organizations.OrganizationBrief],
)
def organization_list(
    ctx: ReadContext, min_books: Annotated[int, Query(ge=1, le=1000)] = 1, groups: bool = False
) -> list[organizations.OrganizationBrief]:
    return organizations.organizations(ctx, min_books, groups)


@router.get(
    "/organizations/{org_id}",
    summary="One organization: names, group, members, and its cases across books with their outcomes side by side",
    response_model=organizations.Organization,
    response_model_by_alias=True,
)
def organization(ctx: ReadContext, org_id: str) -> organizations.Organization:
    return organizations.organization(ctx, org_id)


@router.post(
    "/organizations/decisions",
    summary="Two names are one organization (same) or not (different), kept across re-ingest (organizer, admin)",
    response_model=organizations.OrganizationDecision,
)
def organization_decision(
    ctx: WriteContext, body: schemas.OrganizationDecisionIn
) -> organizations.OrganizationDecision:
    return organizations.decide(ctx, body.a, body.b, body.decision, body.note)


# --- accounts ----------------------------------------------------------------------------


@router.post(
    "/login",
    summary="Open a session (JSON body only, so a form on another site cannot post it)",
    response_model=schemas.LoginResult,
)
def login(request: Request, body: schemas.Credentials, response: Response) -> schemas.LoginResult:
    from .deps import read_context

    token, csrf, user = accounts.login(read_context(request), body.username, body.password, client_address(request))
    set_session_cookie(request, response, token)
    return schemas.LoginResult(user=user, csrf_token=csrf)


@router.post("/logout", summary="End this session", status_code=204, response_class=Response)
def logout(ctx: WriteContext, request: Request) -> Response:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        accounts.logout(ctx, token)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", summary="Who is asking, and what they may do", response_model=accounts.Me)
def me(ctx: ReadContext) -> accounts.Me:
    return accounts.me(ctx)


@router.get("/users", summary="Accounts (admin)", response_model=list[accounts.User])
def users(ctx: ReadContext) -> list[accounts.Account]:
    return accounts.list_users(ctx)


@router.post(
    "/users",
    summary="Add an account (admin); without a password it is invited (the link is returned once "
    "and mailed to its address)",
    status_code=201,
    response_model=accounts.NewUserResult,
)
def add_user(ctx: WriteContext, body: schemas.NewUser) -> accounts.NewAccount:
    return accounts.add_user(
        ctx, body.username, body.password, body.role, body.display_name, body.organization, body.email, body.lang
    )


@router.post(
    "/users/{username}/invitation",
    summary="A new invitation link for an account (admin): older links stop "
    "working; returned once, mailed to the account's address",
    status_code=201,
    response_model=accounts.Invitation,
)
def invite_user(ctx: WriteContext, username: str) -> accounts.Invitation:
    return accounts.invite(ctx, username)


# Anonymous account routes take JSON only (a form on another site cannot post it), as login does;
# tokens travel in the body, never in a URL.


@router.post(
    "/invitations/accept",
    summary="Choose the password of an invited account (the token of the invitation link; works once)",
    response_model=accounts.User,
)
def accept_invitation(request: Request, body: schemas.LinkPassword) -> accounts.Account:
    from .deps import read_context

    return accounts.accept_invitation(read_context(request), body.token, body.password)


@router.post(
    "/password/forgot",
    summary="Ask for a password reset link by e-mail: the same answer whatever the account",
    status_code=202,
    response_model=schemas.Accepted,
)
def forgot_password(request: Request, body: schemas.ForgotIn) -> schemas.Accepted:
    from .deps import read_context

    accounts.request_reset(read_context(request), body.login, client_address(request))
    return schemas.Accepted(
        message="if that account exists and has an e-mail address, a reset link has been sent to it"
    )


@router.post(
    "/password/reset",
    summary="Set a new password with the token of a reset link (works once; ends every session of the account)",
    response_model=accounts.User,
)
def reset_password(request: Request, body: schemas.LinkPassword) -> accounts.Account:
    from .deps import read_context

    return accounts.reset_password(read_context(request), body.token, body.password)


@router.post(
    "/me/password",
    summary="Change my password: the current one and the new one (ends my other sessions)",
    response_model=accounts.User,
)
def change_password(ctx: WriteContext, request: Request, body: schemas.PasswordChange) -> accounts.Account:
    return accounts.change_password(
        ctx, body.current_password, body.new_password, request.cookies.get(SESSION_COOKIE), client_address(request)
    )


@router.patch(
    "/users/{username}", summary="Change a role, disable, or set a password (admin)", response_model=accounts.User
)
def change_user(ctx: WriteContext, username: str, body: schemas.UserChange) -> accounts.Account:
    return accounts.update_user(ctx, username, role=body.role, active=body.active, password=body.password)


@router.get("/audit", summary="Who changed what, newest first (admin)", response_model=list[audit.AuditEntry])
def audit_log(
    ctx: ReadContext,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[audit.AuditEntry]:
    return audit.entries(ctx, limit, offset)


def set_session_cookie(request: Request, response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=accounts.SESSION_DAYS * 86400,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        path="/",
    )


def _csv_response(rows: list[Result], model: type[Result], name: str) -> Response:
    """The rows of a JSON answer as CSV: one column per field of their model, in its order."""
    import csv
    import io

    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(model.model_fields))
    w.writeheader()
    w.writerows(r.model_dump() for r in rows)
    return Response(
        buf.getvalue().encode("utf-8-sig"),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
