"""Site visits API, /api/v1 (调研核实): plan and change a visit (organizers), its checklist,
evidence, verdicts on the declared figures and report (the visit's team), and reading it (each
reader their part: programme/services/visits.py). Thin routes over the service, which asks the
one permission check."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field, StringConstraints

from ...vocab import FigureVerdict, VisitStatus
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.schemas import ErrorBody
from ..services import records, visits

_ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422)}
router = APIRouter(tags=["site visits"], responses=_ERRORS)  # under /api/v1: included by api.py

Short = Annotated[str, StringConstraints(max_length=300)]
Username = Annotated[str, StringConstraints(max_length=64)]
FigureKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_-]{1,32}$")]


class ChecklistItemIn(BaseModel):
    item: Annotated[str, StringConstraints(max_length=200)] = ""
    done: bool = False
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None


class VisitIn(BaseModel):
    starts_at: Annotated[str, StringConstraints(max_length=40)] = Field(
        description="local time in the call's zone, YYYY-MM-DDTHH:MM (or ISO with a zone)"
    )
    place: Short
    team: list[Username] = Field(default_factory=list, max_length=20)
    lead: Username | None = None
    checklist: list[Annotated[str, StringConstraints(max_length=200)]] | None = Field(None, max_length=60)


class VisitPatch(BaseModel):
    starts_at: Annotated[str, StringConstraints(max_length=40)] | None = None
    place: Short | None = None
    team: list[Username] | None = Field(None, max_length=20)
    lead: Username | None = None
    status: VisitStatus | None = None


class ChecklistIn(BaseModel):
    items: list[ChecklistItemIn] = Field(max_length=60)


class VerdictIn(BaseModel):
    verdict: FigureVerdict | None = Field(None, description="none: take the verdict back")
    value: Annotated[str, StringConstraints(max_length=60)] | float | None = Field(
        None, description='adjusted: the value found, as written ("1.2万吨", "12000")'
    )
    note: Annotated[str, StringConstraints(max_length=4000)] | None = None


class ReportIn(BaseModel):
    report: Annotated[str, StringConstraints(max_length=40_000)] = ""
    done: bool = Field(False, description="mark the visit done: its verdicts then hold on the figures")


@router.post(
    "/submissions/{submission_id}/visits", summary="Plan a site visit (organizers)", response_model=records.Visit
)
def visit_plan(ctx: WriteContext, submission_id: RowId, body: VisitIn) -> records.Visit:
    return visits.plan(ctx, submission_id, body.starts_at, body.place, body.team, body.lead, body.checklist)


@router.get(
    "/submissions/{submission_id}/visits", summary="A submission's site visits", response_model=list[records.Visit]
)
def visits_of_submission(ctx: ReadContext, submission_id: RowId) -> list[records.Visit]:
    return visits.list_for_submission(ctx, submission_id)


@router.get(
    "/calls/{call_id}/visits",
    summary="The visits of a call this account manages or is on the team of",
    response_model=list[records.Visit],
)
def visits_of_call(ctx: ReadContext, call_id: RowId) -> list[records.Visit]:
    return visits.list_for_call(ctx, call_id)


@router.get("/visits/{visit_id}", summary="One site visit, as this account may see it", response_model=records.Visit)
def visit_get(ctx: ReadContext, visit_id: RowId) -> records.Visit:
    return visits.get(ctx, visit_id)


@router.patch(
    "/visits/{visit_id}", summary="Change time, place, team or status (organizers)", response_model=records.Visit
)
def visit_update(ctx: WriteContext, visit_id: RowId, body: VisitPatch) -> records.Visit:
    return visits.update(ctx, visit_id, body.starts_at, body.place, body.team, body.lead, body.status)


@router.put("/visits/{visit_id}/checklist", summary="The checklist as the team fills it", response_model=records.Visit)
def visit_checklist(ctx: WriteContext, visit_id: RowId, body: ChecklistIn) -> records.Visit:
    return visits.set_checklist(ctx, visit_id, [i.model_dump() for i in body.items])


@router.put(
    "/visits/{visit_id}/verdicts/{figure}",
    summary="The team's verdict on a declared figure: confirmed, adjusted to a value, not verifiable",
    response_model=records.Visit,
)
def visit_verdict(ctx: WriteContext, visit_id: RowId, figure: FigureKey, body: VerdictIn) -> records.Visit:
    return visits.set_verdict(ctx, visit_id, figure, body.verdict, body.value, body.note)


@router.put(
    "/visits/{visit_id}/report", summary="The team's report; done marks the visit done", response_model=records.Visit
)
def visit_report(ctx: WriteContext, visit_id: RowId, body: ReportIn) -> records.Visit:
    return visits.set_report(ctx, visit_id, body.report, body.done)


@router.post(
    "/visits/{visit_id}/evidence",
    summary="Add a photo (JPEG, PNG, WebP: re-encoded without EXIF) or a document (PDF, DOCX, XLSX)",
    response_model=records.Evidence,
)
async def visit_evidence_add(
    ctx: WriteContext,
    visit_id: RowId,
    file: Annotated[UploadFile, File()],
    caption: Annotated[str | None, Form(max_length=400)] = None,
) -> records.Evidence:
    content = await file.read(visits.MAX_UPLOAD + 1)
    return visits.add_evidence(ctx, visit_id, file.filename or "", content, caption)


def _file(got: dict, inline: bool) -> Response:
    disposition = "inline" if inline else "attachment"
    return Response(
        got["data"],
        media_type=got["content_type"],
        headers={
            "Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(got['filename'])}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
        },
    )


@router.get(
    "/visit-evidence/{evidence_id}",
    summary="Download a piece of evidence (a photo as re-encoded)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}, "application/pdf": {}}}},
)
def visit_evidence_get(ctx: ReadContext, evidence_id: RowId) -> Response:
    got = visits.evidence_file(ctx, evidence_id)
    return _file(got, got["content_type"].startswith("image/"))  # a clean image is shown; documents download


@router.get(
    "/visit-evidence/{evidence_id}/thumbnail",
    summary="A photo's thumbnail",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def visit_evidence_thumbnail(ctx: ReadContext, evidence_id: RowId) -> Response:
    return _file(visits.evidence_file(ctx, evidence_id, thumbnail=True), True)
