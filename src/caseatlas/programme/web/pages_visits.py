"""Site visit pages (调研核实): the visit as each reader may see it, with the organizer's and the
team's forms — plain HTML forms (POST, then redirect), as the programme's other pages."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...errors import CaseAtlasError
from ...vocab import FIGURE_VERDICT_LABELS, FIGURE_VERDICTS, VISIT_STATUS_LABELS, VISIT_STATUSES
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.forms import EMPTY, FormState, fixed, rejects_to
from ...web.pages import render
from ..services import visits

router = APIRouter(include_in_schema=False)


def _go(url: str, message: str | None = None) -> RedirectResponse:
    from urllib.parse import quote

    return RedirectResponse(url + (f"?message={quote(message)}" if message else ""), status_code=303)


async def _form(request: Request) -> dict:
    return dict((await request.form()).multi_items())


def _names(text: str | None) -> list[str]:
    return [x for x in re.split(r"[\s,，;；、]+", text or "") if x]


@router.get("/visits/{visit_id}", response_class=HTMLResponse)
def visit_page(request: Request, ctx: ReadContext, visit_id: RowId, message: str | None = None):
    return _visit(request, ctx, visit_id, message=message)


def _visit(
    request: Request,
    ctx,
    visit_id: int,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    **_path,  # a figure's key
):
    v = visits.get(ctx, visit_id)
    return render(
        request,
        "visit.html",
        status=status,
        fs=state,
        v=v,
        statuses=VISIT_STATUSES,
        status_labels=VISIT_STATUS_LABELS,
        verdicts=FIGURE_VERDICTS,
        verdict_labels=FIGURE_VERDICT_LABELS,
        message=message,
    )


def _submission_again(request: Request, ctx, **kw):
    from .pages import draw_submission  # the submission page (its module includes this one)

    return draw_submission(request, ctx, **kw)


PLAN = fixed({"starts_at": "p-time", "place": "p-place", "team": "p-team", "lead": "p-lead"})


@router.post("/submissions/{submission_id}/visits")
@rejects_to(_submission_again, PLAN, form="visit-plan-form")
async def visit_plan(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    checklist = [x.strip() for x in (f.get("checklist") or "").splitlines() if x.strip()] or None
    v = visits.plan(
        ctx, submission_id, f.get("starts_at", ""), f.get("place", ""), _names(f.get("team")), f.get("lead"), checklist
    )
    return _go(f"/visits/{v.id}", "已安排调研核实，通知已发送")


@router.post("/visits/{visit_id}")
@rejects_to(_visit)
async def visit_update(request: Request, ctx: WriteContext, visit_id: RowId):
    f = await _form(request)
    visits.update(
        ctx,
        visit_id,
        f.get("starts_at") or None,
        f.get("place") or None,
        _names(f.get("team")) or None,
        f.get("lead") or None,
        f.get("status") or None,
    )
    return _go(f"/visits/{visit_id}", "已保存")


@router.post("/visits/{visit_id}/checklist")
@rejects_to(_visit)
async def visit_checklist(request: Request, ctx: WriteContext, visit_id: RowId):
    f = await _form(request)
    rows = sorted({int(k.rsplit("_", 1)[1]) for k in f if re.fullmatch(r"item_\d+", k)})
    items = [
        {"item": f.get(f"item_{i}", ""), "done": f.get(f"done_{i}") == "1", "note": f.get(f"note_{i}")}
        for i in rows
        if f.get(f"item_{i}", "").strip() and f.get(f"remove_{i}") != "1"
    ]
    visits.set_checklist(ctx, visit_id, items)
    return _go(f"/visits/{visit_id}", "已保存核查清单")


@router.post("/visits/{visit_id}/evidence")
@rejects_to(_visit)
async def visit_evidence(request: Request, ctx: WriteContext, visit_id: RowId):
    f = await _form(request)
    upload = f.get("file")
    if upload is None or not getattr(upload, "filename", ""):
        raise CaseAtlasError("choose a photo or a document to upload")
    e = visits.add_evidence(ctx, visit_id, upload.filename, await upload.read(visits.MAX_UPLOAD + 1), f.get("caption"))
    what = "照片（已去除 EXIF 位置信息）" if e.kind == "photo" else "文件"
    return _go(f"/visits/{visit_id}", f"已上传{what}：{e.filename}")


@router.post("/visits/{visit_id}/verdicts/{figure}")
@rejects_to(_visit)
async def visit_verdict(request: Request, ctx: WriteContext, visit_id: RowId, figure: str):
    f = await _form(request)
    visits.set_verdict(ctx, visit_id, figure, f.get("verdict") or None, f.get("value") or None, f.get("note"))
    return _go(f"/visits/{visit_id}", "已记录核实结果")


@router.post("/visits/{visit_id}/report")
@rejects_to(_visit)
async def visit_report(request: Request, ctx: WriteContext, visit_id: RowId):
    f = await _form(request)
    done = f.get("action") == "done"
    visits.set_report(ctx, visit_id, f.get("report", ""), done=done)
    return _go(f"/visits/{visit_id}", "调研核实已完成" if done else "已保存报告")
