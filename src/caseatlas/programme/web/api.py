"""Programme API, /api/v1: calls, submissions, the panel's reviews, selection. Every route is
a thin shell over a service, which asks the one permission check (role × resource × phase)."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse, Response

from ...services import accounts
from ...vocab import PROGRAMME_EXPORT_TABLES
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.schemas import ErrorBody
from ..services import calls, records, reviews, selection, submissions
from . import api_mail, api_rounds
from . import schemas as s
from .api_rounds import RoundQuery

MAX_UPLOAD = 20 * 1024 * 1024
_ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422)}
router = APIRouter(prefix="/api/v1", tags=["programme"], responses=_ERRORS)
ExportTable = Literal[PROGRAMME_EXPORT_TABLES]  # type: ignore[valid-type]


def _too_large(name: str | None):
    return JSONResponse({"error": {"status": 413, "message": f"{name}: larger than 20 MB"}}, status_code=413)


@router.get("/presets", summary="Call presets: templates, criteria, domains", response_model=list[s.Open])
def presets_list() -> list[dict]:
    return [
        {
            "key": p.key,
            "label": p.label,
            "template": list(p.template),
            "domains": list(p.domains),
            "criteria": [c.as_dict() for c in p.criteria],
            "scale": list(p.scale),
        }
        for p in calls.PRESETS.values()
    ]


@router.post("/register", summary="Create an applicant account (for an organization)", response_model=s.Open)
def register(ctx: WriteContext, body: s.RegisterIn) -> dict:
    return accounts.register(
        ctx, body.username, body.password, body.organization, body.email, body.display_name, lang=body.lang
    )


@router.get("/calls", summary="Calls this account may see", response_model=list[s.CallOut])
def calls_list(ctx: ReadContext) -> list[dict]:
    return calls.list_calls(ctx)


@router.post("/calls", summary="Create a programme and its call from a preset (organizer)", response_model=s.CallOut)
def calls_create(ctx: WriteContext, body: s.CallCreate) -> dict:
    return calls.create(
        ctx,
        body.preset,
        body.name,
        body.year,
        body.domains,
        body.organizers,
        body.supporters,
        body.description,
        body.contact,
        body.deadlines.model_dump(),
        body.reviewers_per_submission,
        body.blind,
        body.quotas,
        body.template,
        [c.model_dump() for c in body.criteria] if body.criteria else None,
        body.rounds,
        timezone=body.timezone,
        reminder_offsets=body.reminder_offsets,
        mail_lang=body.mail_lang,
    )


@router.get("/calls/{call_id}", summary="One call", response_model=s.CallOut)
def call_get(ctx: ReadContext, call_id: RowId) -> dict:
    return calls.get_call(ctx, call_id)


@router.patch(
    "/calls/{call_id}", summary="Edit deadlines, domains, quotas, blind mode, aliases", response_model=s.CallOut
)
def call_update(ctx: WriteContext, call_id: RowId, body: s.CallUpdate) -> dict:
    return calls.update(ctx, call_id, **body.model_dump(exclude_unset=True))


@router.post("/calls/{call_id}/publish", summary="Open the call for submissions", response_model=s.CallOut)
def call_publish(ctx: WriteContext, call_id: RowId) -> dict:
    return calls.publish(ctx, call_id)


@router.post("/calls/{call_id}/advance", summary="End the current phase now", response_model=s.CallOut)
def call_advance(ctx: WriteContext, call_id: RowId) -> dict:
    return calls.advance(ctx, call_id)


@router.get("/calls/{call_id}/panel", summary="Organizers and reviewers, with load", response_model=list[s.Open])
def panel(ctx: ReadContext, call_id: RowId) -> list[dict]:
    return calls.panel(ctx, call_id)


@router.post(
    "/calls/{call_id}/panel",
    summary="Add an organizer or reviewer (creates a reviewer account if new)",
    response_model=s.Open,
)
def panel_add(ctx: WriteContext, call_id: RowId, body: s.MemberIn) -> dict:
    return calls.add_member(
        ctx,
        call_id,
        body.username,
        body.role,
        body.affiliation,
        body.topics,
        body.password,
        body.email,
        body.display_name,
    )


@router.put(
    "/calls/{call_id}/my-conflicts", summary="A reviewer's declared conflicting organizations", response_model=s.Open
)
def my_conflicts(ctx: WriteContext, call_id: RowId, body: s.OrganizationsIn) -> dict:
    return calls.declare_organizations(ctx, call_id, body.organizations)


@router.post(
    "/calls/{call_id}/assign", summary="Assign reviewers (min-cost flow; existing kept)", response_model=s.Open
)
def assign(ctx: WriteContext, call_id: RowId, round_id: RoundQuery = None) -> dict:
    return reviews.auto_assign(ctx, call_id, round_id)


@router.get(
    "/calls/{call_id}/conflicts",
    summary="Conflict check: reviewer × applicant pairs in conflict, and why",
    response_model=s.Open,
)
def conflicts(ctx: ReadContext, call_id: RowId) -> dict:
    return reviews.conflict_check(ctx, call_id)


@router.get(
    "/calls/{call_id}/assignments",
    summary="Who reviews what (the current round, or ?round=)",
    response_model=list[s.Open],
)
def assignments(ctx: ReadContext, call_id: RowId, round_id: RoundQuery = None) -> list[dict]:
    return reviews.assignments(ctx, call_id, round_id)


@router.get(
    "/calls/{call_id}/submissions", summary="Submissions this account may see", response_model=list[s.SubmissionBrief]
)
def submissions_list(ctx: ReadContext, call_id: RowId) -> list[dict]:
    return submissions.list_for(ctx, call_id)


@router.post("/calls/{call_id}/submissions", summary="Start a submission (applicant)", response_model=s.SubmissionOut)
def submission_create(ctx: WriteContext, call_id: RowId, body: s.SubmissionIn) -> dict:
    return submissions.create(
        ctx,
        call_id,
        body.title,
        body.domain,
        [x.model_dump() for x in body.sections],
        [x.model_dump() for x in body.outcomes],
    )


@router.post(
    "/calls/{call_id}/submissions/upload",
    summary="Start a submission from a case file (pre-filled)",
    response_model=s.SubmissionOut,
)
async def submission_upload(
    ctx: WriteContext,
    call_id: RowId,
    domain: Annotated[str, Form(min_length=1, max_length=200)],
    file: Annotated[UploadFile, File(description=".txt .md .docx .pdf .html")],
):
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        return _too_large(file.filename)
    return submissions.create_from_upload(ctx, call_id, file.filename or "", content, domain)


@router.get(
    "/submissions/{submission_id}", summary="One submission, as this account may see it", response_model=s.SubmissionOut
)
def submission_get(ctx: ReadContext, submission_id: RowId) -> dict:
    return submissions.get(ctx, submission_id)


@router.patch(
    "/submissions/{submission_id}", summary="Save a draft (until the deadline)", response_model=s.SubmissionOut
)
def submission_save(ctx: WriteContext, submission_id: RowId, body: s.SubmissionPatch) -> dict:
    data = body.model_dump(exclude_unset=True)
    return submissions.save(
        ctx, submission_id, data.get("title"), data.get("domain"), data.get("sections"), data.get("outcomes")
    )


@router.put(
    "/submissions/{submission_id}/flags/{key}/answer",
    summary="The applicant answers a claim-check flag (empty: withdraw)",
    response_model=s.SubmissionOut,
)
def submission_flag_answer(ctx: WriteContext, submission_id: RowId, key: str, body: s.FlagAnswerIn) -> dict:
    return submissions.answer_flag(ctx, submission_id, key, body.answer)


@router.post(
    "/submissions/{submission_id}/submit", summary="Submit (again): keeps a version", response_model=s.SubmissionOut
)
def submission_submit(ctx: WriteContext, submission_id: RowId) -> dict:
    return submissions.submit(ctx, submission_id)


@router.post(
    "/submissions/{submission_id}/attachments",
    summary="Attach a file (pdf, docx, xlsx, png, jpg, txt, md)",
    response_model=s.Open,
)
async def attachment_add(ctx: WriteContext, submission_id: RowId, file: Annotated[UploadFile, File()]):
    content = await file.read(submissions.MAX_ATTACHMENT + 1)
    return submissions.add_attachment(ctx, submission_id, file.filename or "", content)


@router.get(
    "/attachments/{attachment_id}",
    summary="Download an attachment (never shown inline)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}}},
)
def attachment_get(ctx: ReadContext, attachment_id: RowId) -> Response:
    att = submissions.attachment(ctx, attachment_id)
    from urllib.parse import quote

    return Response(
        att["data"],
        media_type=att["content_type"],
        headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(att['filename'])}",
            "Content-Security-Policy": "default-src 'none'; sandbox",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.post("/submissions/{submission_id}/reviewers", summary="Assign a reviewer by hand", response_model=s.Open)
def reviewer_add(ctx: WriteContext, submission_id: RowId, body: s.UsernameIn, round_id: RoundQuery = None) -> dict:
    return reviews.assign(ctx, submission_id, body.username, round_id)


@router.delete(
    "/submissions/{submission_id}/reviewers/{username}", summary="Remove an assignment", response_model=s.Open
)
def reviewer_remove(ctx: WriteContext, submission_id: RowId, username: str, round_id: RoundQuery = None) -> dict:
    return reviews.unassign(ctx, submission_id, username, round_id)


@router.post("/submissions/{submission_id}/conflict", summary="A reviewer declares a conflict", response_model=s.Open)
def conflict(ctx: WriteContext, submission_id: RowId, body: s.ReasonIn) -> dict:
    return reviews.declare_conflict(ctx, submission_id, body.reason)


@router.put(
    "/submissions/{submission_id}/review",
    summary="Save or submit my review in the current round, on its form",
    response_model=s.Open,
)
def review(ctx: WriteContext, submission_id: RowId, body: s.ReviewIn) -> dict:
    return reviews.save_review(
        ctx, submission_id, body.scores, body.comment, body.confidence, body.expert_comment, body.submit, body.fields
    )


@router.post("/submissions/{submission_id}/comments", summary="Post to the discussion", response_model=s.Open)
def comment(ctx: WriteContext, submission_id: RowId, body: s.CommentIn) -> dict:
    return reviews.comment(ctx, submission_id, body.body)


@router.put(
    "/submissions/{submission_id}/final-comment",
    summary="The 专家点评 printed with the case",
    response_model=records.FinalComment,
)
def final_comment(ctx: WriteContext, submission_id: RowId, body: s.FinalCommentIn) -> records.FinalComment:
    return selection.set_final_comment(ctx, submission_id, body.text)


@router.get(
    "/calls/{call_id}/ranking",
    summary="Ranking of a review round (?round=, else the current) per domain: raw and normalized totals, "
    "dispersion, each earlier round's mean",
    response_model=records.Ranking,
)
def ranking(ctx: ReadContext, call_id: RowId, round_id: RoundQuery = None) -> records.Ranking:
    return selection.ranking(ctx, call_id, round_id)


@router.get(
    "/calls/{call_id}/decisions/proposal",
    summary="Accept the best up to each quota, reject the rest",
    response_model=list[records.Proposal],
)
def proposal(ctx: ReadContext, call_id: RowId, by: Literal["raw", "normalized"] = "raw") -> list[records.Proposal]:
    return selection.propose(ctx, call_id, by)


@router.post(
    "/calls/{call_id}/decisions",
    summary="Preview or apply decisions (accept or reject; within quotas; fixed once published unless reopened: 409)",
    response_model=records.Decisions,
)
def decide(ctx: WriteContext, call_id: RowId, body: s.DecisionsIn) -> records.Decisions:
    return selection.decide(ctx, call_id, [d.model_dump() for d in body.decisions], body.preview)


@router.post(
    "/calls/{call_id}/reopen",
    summary="Reopen published decisions, with a reason (audited); publish again after",
    response_model=s.CallOut,
)
def reopen(ctx: WriteContext, call_id: RowId, body: s.ReasonIn) -> dict:
    return selection.reopen(ctx, call_id, body.reason)


@router.post(
    "/calls/{call_id}/collection",
    summary="Announce decisions; the accepted cases become a collection",
    response_model=records.Published,
)
def publish_collection(ctx: WriteContext, call_id: RowId) -> records.Published:
    return selection.publish(ctx, call_id)


@router.get(
    "/calls/{call_id}/export",
    summary="Submissions, scores or decisions as CSV; all three as XLSX",
    response_class=Response,
    responses={
        200: {"content": {"text/csv": {}, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}}}
    },
)
def export(
    ctx: ReadContext, call_id: RowId, format: Literal["csv", "xlsx"] = "csv", table: ExportTable = "submissions"
) -> Response:
    data, media = selection.export_bytes(ctx, call_id, format, table)
    name = f"call-{call_id}-{table}.csv" if format == "csv" else f"call-{call_id}.xlsx"
    return Response(data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'})


from . import api_revisions  # noqa: E402  (revision requests and withdrawal, issue 25)

router.include_router(api_revisions.router)
router.include_router(api_rounds.router)  # rounds of review (issue 25)
from . import api_visits  # noqa: E402  (site visits: their own router)

router.include_router(api_visits.router)
router.include_router(api_mail.router)
from . import api_finals  # noqa: E402  (final versions, proofs, the book: issue 25)

router.include_router(api_finals.router)
