"""Final versions pages (issue 25): the accepted applicant's final text, photos and proof sign-off;
the organizer's copy-edit, approval, 专家点评 and proofs on the same page; the call's finals
overview with the book's settings and logos. Plain HTML forms (POST, then redirect), as the
programme's other pages; thin shells over `programme/services/finals.py`."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...errors import CaseAtlasError
from ...vocab import FINAL_STATE_LABELS, PROOF_STATUS_LABELS
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.forms import EMPTY, FormState, rejects_to
from ...web.pages import render
from ..services import calls, finals

router = APIRouter(include_in_schema=False)
MAX_IMAGE = 15 * 1024 * 1024


def _go(url: str, message: str | None = None) -> RedirectResponse:
    path, _, anchor = url.partition("#")
    if message:
        path += ("&" if "?" in path else "?") + "message=" + quote(message)
    return RedirectResponse(path + (f"#{anchor}" if anchor else ""), status_code=303)


async def _form(request: Request) -> dict:
    return dict((await request.form()).multi_items())


def _sections(f: dict, prefix: str) -> list[dict] | None:
    n = sorted({int(k.rsplit("_", 1)[1]) for k in f if k.startswith(f"{prefix}_heading_")})
    if not n:
        return None
    return [{"heading": f[f"{prefix}_heading_{i}"], "text": f.get(f"{prefix}_text_{i}", "")} for i in n]


def _english(f: dict) -> list[dict] | None:
    """The English sections as typed: one heading and its text per pair of fields (empty pairs dropped)."""
    rows = _sections(f, "en")
    return None if rows is None else [r for r in rows if r["heading"].strip() or r["text"].strip()]


async def _upload(f: dict, what: str) -> tuple[str, bytes]:
    upload = f.get("file")
    if upload is None or not getattr(upload, "filename", ""):
        raise CaseAtlasError(f"choose {what} to upload")
    data = await upload.read(MAX_IMAGE + 1)
    if len(data) > MAX_IMAGE:
        raise CaseAtlasError(f"{upload.filename}: larger than 15 MB")
    return upload.filename, data


@router.get("/submissions/{submission_id}/final", response_class=HTMLResponse)
def final_page(request: Request, ctx: ReadContext, submission_id: RowId, message: str | None = None):
    return _final(request, ctx, submission_id, message=message)


def _final(
    request: Request,
    ctx,
    submission_id: int,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    **_path,  # a route's other path parameters (a photo's, a proof's id)
):
    final = finals.get(ctx, submission_id)
    call = calls.get_call(ctx, final.call)
    return render(
        request,
        "final.html",
        status=status,
        fs=state,
        final=final,
        call=call,
        state_labels=FINAL_STATE_LABELS,
        proof_labels=PROOF_STATUS_LABELS,
        message=message,
    )


@router.post("/submissions/{submission_id}/final")
@rejects_to(_final)
async def final_submit(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    finals.submit(
        ctx,
        submission_id,
        f.get("title"),
        _sections(f, "s"),
        None,  # the declared outcomes are kept as submitted (the API takes new ones)
        f.get("english_title") if "english_title" in f else None,
        _english(f),
        f.get("note"),
    )
    return _go(f"/submissions/{submission_id}/final", "已提交定稿")


@router.post("/submissions/{submission_id}/final/edit")
@rejects_to(_final)
async def final_edit(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    ids = sorted({int(k.rsplit("_", 1)[1]) for k in f if k.startswith("photo_caption_")})
    photos = [
        {"id": i, "caption": f.get(f"photo_caption_{i}", ""), "credit": f.get(f"photo_credit_{i}", "")} for i in ids
    ]
    finals.edit(
        ctx,
        submission_id,
        f.get("title"),
        _sections(f, "s"),
        None,
        f.get("english_title") if "english_title" in f else None,
        _english(f),
        photos if ids else None,
        f.get("note"),
    )
    return _go(f"/submissions/{submission_id}/final", "已保存编辑（新版本）")


@router.post("/submissions/{submission_id}/final/approve")
@rejects_to(_final)
def final_approve(request: Request, ctx: WriteContext, submission_id: RowId):
    finals.approve(ctx, submission_id)
    return _go(f"/submissions/{submission_id}/final", "定稿已确认，已生成校样")


@router.post("/submissions/{submission_id}/final/photos")
@rejects_to(_final)
async def photo_add(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    name, data = await _upload(f, "a photo")
    finals.add_photo(ctx, submission_id, name, data, f.get("caption", ""), f.get("credit", ""))
    return _go(f"/submissions/{submission_id}/final", "已上传照片")


@router.post("/submissions/{submission_id}/final/photos/{photo_id}/remove")
@rejects_to(_final)
def photo_remove(request: Request, ctx: WriteContext, submission_id: RowId, photo_id: RowId):
    finals.remove_photo(ctx, submission_id, photo_id)
    return _go(f"/submissions/{submission_id}/final", "已移除照片")


@router.post("/submissions/{submission_id}/final/comment")
@rejects_to(_final)
async def comment_write(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    finals.write_comment(ctx, submission_id, f.get("text", ""), f.get("comment_by"))
    return _go(f"/submissions/{submission_id}/final#comment", "已保存专家点评（待确认）")


@router.post("/submissions/{submission_id}/final/comment/choose")
@rejects_to(_final)
async def comment_choose(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    finals.choose_comment(ctx, submission_id, f.get("reviewer", ""), f.get("comment_by"))
    return _go(f"/submissions/{submission_id}/final#comment", "已选用评审专家的点评（待确认）")


@router.post("/submissions/{submission_id}/final/comment/approve")
@rejects_to(_final)
def comment_approve(request: Request, ctx: WriteContext, submission_id: RowId):
    finals.approve_comment(ctx, submission_id)
    return _go(f"/submissions/{submission_id}/final#comment", "专家点评已确认")


@router.post("/submissions/{submission_id}/final/proofs")
@rejects_to(_final)
def proof_make(request: Request, ctx: WriteContext, submission_id: RowId):
    finals.make_proof(ctx, submission_id)
    return _go(f"/submissions/{submission_id}/final#proofs", "已生成校样")


@router.post("/submissions/{submission_id}/final/proofs/{proof_id}/answer")
@rejects_to(_final)
async def proof_answer(request: Request, ctx: WriteContext, submission_id: RowId, proof_id: RowId):
    f = await _form(request)
    signed = f.get("action") == "sign"
    finals.answer_proof(ctx, submission_id, proof_id, signed, f.get("note"))
    return _go(f"/submissions/{submission_id}/final#proofs", "已签字确认校样" if signed else "已提交修改意见")


@router.get("/calls/{call_id}/finals", response_class=HTMLResponse)
def finals_page(request: Request, ctx: ReadContext, call_id: RowId, message: str | None = None):
    return _finals(request, ctx, call_id, message=message)


def _finals(
    request: Request,
    ctx,
    call_id: int,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    **_path,  # a logo's id
):
    view = finals.overview(ctx, call_id)
    call = calls.get_call(ctx, call_id)
    return render(
        request,
        "finals.html",
        status=status,
        fs=state,
        view=view,
        call=call,
        committee=finals.committee_form(view.book),
        state_labels=FINAL_STATE_LABELS,
        proof_labels=PROOF_STATUS_LABELS,
        message=message,
    )


@router.post("/calls/{call_id}/finals/approve-as-submitted")
@rejects_to(_finals)
def approve_as_submitted(request: Request, ctx: WriteContext, call_id: RowId):
    out = finals.approve_as_submitted(ctx, call_id)
    return _go(f"/calls/{call_id}/finals", f"已按申报文本确认 {len(out.approved)} 个案例的定稿")


@router.post("/calls/{call_id}/book")
@rejects_to(_finals)
async def book_set(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    finals.set_settings(
        ctx,
        call_id,
        title=f.get("title", ""),
        subtitle=f.get("subtitle", ""),
        year=f.get("year", ""),
        english_title=f.get("english_title", ""),
        committee=f.get("committee", ""),
        foreword=f.get("foreword", ""),
        finals_deadline=f.get("finals_deadline", ""),
        english=f.get("english") == "1",
    )
    return _go(f"/calls/{call_id}/finals", "已保存案例集设置")


@router.post("/calls/{call_id}/book/logos")
@rejects_to(_finals)
async def logo_add(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    name, data = await _upload(f, "a logo")
    finals.add_logo(ctx, call_id, f.get("name", ""), name, data)
    return _go(f"/calls/{call_id}/finals", "已上传标志")


@router.post("/calls/{call_id}/book/logos/{logo_id}/remove")
@rejects_to(_finals)
def logo_remove(request: Request, ctx: WriteContext, call_id: RowId, logo_id: RowId):
    finals.remove_logo(ctx, call_id, logo_id)
    return _go(f"/calls/{call_id}/finals", "已移除标志")
