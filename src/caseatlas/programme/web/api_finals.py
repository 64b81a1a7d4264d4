"""Final versions API, /api/v1 (issue 25): the accepted applicant's final text, photos and proof
sign-off; the organizer's copy-edit, approval, 专家点评 (written or chosen, then approved), proofs,
the call's finals overview and its book's settings and logos. Thin shells over
`programme/services/finals.py`, which asks the one permission check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, File, Form, UploadFile
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from ...web.deps import ReadContext, RowId, WriteContext
from ...web.schemas import ErrorBody
from ..services import finals, records

MAX_IMAGE = 15 * 1024 * 1024
_ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422)}
router = APIRouter(tags=["finals"], responses=_ERRORS)  # included by api.py under /api/v1

Short = Annotated[str, Field(max_length=400)]
Long = Annotated[str, Field(max_length=60_000)]


class SectionIn(BaseModel):
    heading: Short
    text: Long = ""


class FinalTextIn(BaseModel):
    """The final text; a field left out keeps what the version before said."""

    title: Short | None = None
    sections: list[SectionIn] | None = Field(None, max_length=40)
    outcomes: list[dict] | None = Field(None, max_length=60)
    english_title: Short | None = None
    english_sections: list[SectionIn] | None = Field(None, max_length=40)
    note: Annotated[str, Field(max_length=4000)] | None = None


class PhotoCaptionIn(BaseModel):
    id: int = Field(ge=1, le=2_147_483_647)
    caption: Short | None = None
    credit: Short | None = None


class FinalEditIn(FinalTextIn):
    photos: list[PhotoCaptionIn] | None = Field(None, max_length=40)


class CommentIn(BaseModel):
    text: Annotated[str, Field(max_length=20_000)] = ""
    comment_by: Short | None = None


class ChooseIn(BaseModel):
    reviewer: Annotated[str, Field(min_length=1, max_length=80)]  # username or id
    comment_by: Short | None = None


class ProofAnswerIn(BaseModel):
    signed: bool
    note: Annotated[str, Field(max_length=4000)] | None = None


class CommitteeIn(BaseModel):
    name: Short
    role: Short | None = None
    affiliation: Short | None = None


class BookIn(BaseModel):
    """The book's settings; a field left out is kept, null clears it."""

    title: Short | None = None
    subtitle: Short | None = None
    year: int | str | None = None
    english_title: Short | None = None
    committee: list[CommitteeIn] | None = Field(None, max_length=100)
    foreword: Annotated[str, Field(max_length=40_000)] | None = None
    finals_deadline: Annotated[str, Field(max_length=40)] | None = None
    english: bool | None = None


def _too_large(name: str | None):
    return JSONResponse({"error": {"status": 413, "message": f"{name}: larger than 15 MB"}}, status_code=413)


def _sections(rows: list[SectionIn] | None) -> list[dict] | None:
    return None if rows is None else [r.model_dump() for r in rows]


@router.get(
    "/submissions/{submission_id}/final", summary="An accepted case's final text", response_model=records.FinalDetail
)
def final_get(ctx: ReadContext, submission_id: RowId) -> records.FinalDetail:
    return finals.get(ctx, submission_id)


@router.put(
    "/submissions/{submission_id}/final",
    summary="Submit the final text (the accepted applicant, until the finals deadline and approval)",
    response_model=records.FinalDetail,
)
def final_submit(ctx: WriteContext, submission_id: RowId, body: FinalTextIn) -> records.FinalDetail:
    return finals.submit(
        ctx,
        submission_id,
        body.title,
        _sections(body.sections),
        body.outcomes,
        body.english_title,
        _sections(body.english_sections),
        body.note,
    )


@router.post(
    "/submissions/{submission_id}/final/edit",
    summary="Copy-edit the final text: a new version by the organizer (the applicant sees the diff)",
    response_model=records.FinalDetail,
)
def final_edit(ctx: WriteContext, submission_id: RowId, body: FinalEditIn) -> records.FinalDetail:
    return finals.edit(
        ctx,
        submission_id,
        body.title,
        _sections(body.sections),
        body.outcomes,
        body.english_title,
        _sections(body.english_sections),
        None if body.photos is None else [p.model_dump() for p in body.photos],
        body.note,
    )


@router.post(
    "/submissions/{submission_id}/final/approve",
    summary="Approve the latest final version (the book prints it; a proof is made)",
    response_model=records.FinalDetail,
)
def final_approve(ctx: WriteContext, submission_id: RowId) -> records.FinalDetail:
    return finals.approve(ctx, submission_id)


@router.post(
    "/submissions/{submission_id}/final/photos",
    summary="Upload a photo or figure with its caption and credit (cleaned: no EXIF)",
    response_model=records.Photo,
)
async def photo_add(
    ctx: WriteContext,
    submission_id: RowId,
    file: Annotated[UploadFile, File(description="JPEG or PNG")],
    caption: Annotated[str, Form(max_length=400)] = "",
    credit: Annotated[str, Form(max_length=400)] = "",
):
    content = await file.read(MAX_IMAGE + 1)
    if len(content) > MAX_IMAGE:
        return _too_large(file.filename)
    return finals.add_photo(ctx, submission_id, file.filename or "photo", content, caption, credit)


@router.get(
    "/submissions/{submission_id}/final/photos/{photo_id}",
    summary="A photo of the final text (thumbnail=true: its thumbnail)",
    response_class=Response,
    responses={200: {"content": {"image/jpeg": {}, "image/png": {}}}},
)
def photo_get(ctx: ReadContext, submission_id: RowId, photo_id: RowId, thumbnail: bool = False) -> Response:
    data, media = finals.photo(ctx, submission_id, photo_id, thumbnail)
    return Response(data, media_type=media, headers={"Cache-Control": "private, no-store"})


@router.delete(
    "/submissions/{submission_id}/final/photos/{photo_id}",
    summary="Remove a photo from the next versions",
    response_model=records.FinalDetail,
)
def photo_remove(ctx: WriteContext, submission_id: RowId, photo_id: RowId) -> records.FinalDetail:
    return finals.remove_photo(ctx, submission_id, photo_id)


@router.put(
    "/submissions/{submission_id}/final/comment",
    summary="Write the 专家点评 (organizer; printed only once approved)",
    response_model=records.FinalDetail,
)
def comment_write(ctx: WriteContext, submission_id: RowId, body: CommentIn) -> records.FinalDetail:
    return finals.write_comment(ctx, submission_id, body.text, body.comment_by)


@router.post(
    "/submissions/{submission_id}/final/comment/choose",
    summary="Take a reviewer's 专家点评 draft (to approve)",
    response_model=records.FinalDetail,
)
def comment_choose(ctx: WriteContext, submission_id: RowId, body: ChooseIn) -> records.FinalDetail:
    return finals.choose_comment(ctx, submission_id, body.reviewer, body.comment_by)


@router.post(
    "/submissions/{submission_id}/final/comment/approve",
    summary="Approve the 专家点评: the book prints it",
    response_model=records.FinalDetail,
)
def comment_approve(ctx: WriteContext, submission_id: RowId) -> records.FinalDetail:
    return finals.approve_comment(ctx, submission_id)


@router.post(
    "/submissions/{submission_id}/final/proofs",
    summary="Make a PDF proof of the approved final text",
    response_model=records.Proof,
)
def proof_make(ctx: WriteContext, submission_id: RowId) -> records.Proof:
    return finals.make_proof(ctx, submission_id)


@router.get(
    "/submissions/{submission_id}/final/proofs/{proof_id}",
    summary="A proof's PDF, as made",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def proof_get(ctx: ReadContext, submission_id: RowId, proof_id: RowId) -> Response:
    data, name = finals.proof_pdf(ctx, submission_id, proof_id)
    return Response(data, media_type="application/pdf", headers={"Content-Disposition": f'inline; filename="{name}"'})


@router.post(
    "/submissions/{submission_id}/final/proofs/{proof_id}/answer",
    summary="Sign off the proof (签字确认), or ask for changes with a note (the applicant)",
    response_model=records.FinalDetail,
)
def proof_answer(ctx: WriteContext, submission_id: RowId, proof_id: RowId, body: ProofAnswerIn) -> records.FinalDetail:
    return finals.answer_proof(ctx, submission_id, proof_id, body.signed, body.note)


@router.get(
    "/calls/{call_id}/finals",
    summary="Each accepted case's final text, 专家点评 and proof",
    response_model=records.FinalsOverview,
)
def finals_overview(ctx: ReadContext, call_id: RowId) -> records.FinalsOverview:
    return finals.overview(ctx, call_id)


@router.post(
    "/calls/{call_id}/finals/approve-as-submitted",
    summary="Approve the submitted text as final for every accepted case without a final text",
    response_model=records.Approved,
)
def finals_approve_as_submitted(ctx: WriteContext, call_id: RowId) -> records.Approved:
    return finals.approve_as_submitted(ctx, call_id)


@router.get("/calls/{call_id}/book", summary="The book's own settings", response_model=records.BookSettings)
def book_get(ctx: ReadContext, call_id: RowId) -> records.BookSettings:
    return finals.settings(ctx, call_id)


@router.patch(
    "/calls/{call_id}/book",
    summary="Set the book's title, subtitle, year, 编委会, foreword; the finals deadline; English texts",
    response_model=records.BookSettings,
)
def book_set(ctx: WriteContext, call_id: RowId, body: BookIn) -> records.BookSettings:
    given = body.model_dump(exclude_unset=True)
    if "committee" in given:
        given["committee"] = given["committee"] or []
    return finals.set_settings(ctx, call_id, **given)


@router.post("/calls/{call_id}/book/logos", summary="Upload an organizer's logo", response_model=records.BookSettings)
async def logo_add(
    ctx: WriteContext,
    call_id: RowId,
    file: Annotated[UploadFile, File(description="PNG or JPEG")],
    name: Annotated[str, Form(max_length=200)] = "",
):
    content = await file.read(MAX_IMAGE + 1)
    if len(content) > MAX_IMAGE:
        return _too_large(file.filename)
    return finals.add_logo(ctx, call_id, name, file.filename or "logo", content)


@router.get(
    "/calls/{call_id}/book/logos/{logo_id}",
    summary="A logo",
    response_class=Response,
    responses={200: {"content": {"image/png": {}, "image/jpeg": {}}}},
)
def logo_get(ctx: ReadContext, call_id: RowId, logo_id: RowId) -> Response:
    data, media = finals.logo(ctx, call_id, logo_id)
    return Response(data, media_type=media)


@router.delete("/calls/{call_id}/book/logos/{logo_id}", summary="Remove a logo", response_model=records.BookSettings)
def logo_remove(ctx: WriteContext, call_id: RowId, logo_id: RowId) -> records.BookSettings:
    return finals.remove_logo(ctx, call_id, logo_id)
