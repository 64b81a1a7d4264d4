"""Pages of revision requests (修改后再议) and withdrawal: the organizer's request form and the
applicant's withdrawal, posted from the submission page (which shows the open request to the
applicant and the diff with the response to the panel and organizers); the applicant's answer
is the submission form's own button (`pages.submission_save`, action "answer")."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse

from ...errors import CaseAtlasError
from ...web.deps import RowId, WriteContext
from ...web.forms import fixed, rejects_to
from ..services import revisions

router = APIRouter(include_in_schema=False)


def _go(url: str, message: str) -> RedirectResponse:
    path, _, anchor = url.partition("#")
    return RedirectResponse(f"{path}?message={quote(message)}" + (f"#{anchor}" if anchor else ""), status_code=303)


def _round(value: str | None) -> int | None:
    text = (value or "").strip()
    if not text:
        return None
    if not text.isdigit():
        raise CaseAtlasError("round: a whole number", field="round")
    return int(text)


def _submission_again(request: Request, ctx, **kw):
    from .pages import draw_submission  # the submission page (its module includes this one)

    return draw_submission(request, ctx, **kw)


REQUEST = fixed({"requests": "revision-requests-in", "deadline": "revision-deadline-in", "round": "revision-round-in"})


@router.post("/submissions/{submission_id}/revision")
@rejects_to(_submission_again, REQUEST, form="revision-request-form")
async def revision_request(request: Request, ctx: WriteContext, submission_id: RowId):
    f = dict((await request.form()).multi_items())
    req = revisions.request_revision(
        ctx, submission_id, f.get("requests", ""), f.get("deadline", ""), _round(f.get("round_id"))
    )
    return _go(f"/submissions/{submission_id}#revision", f"已请申报方修改，截止 {req.deadline_local}")


@router.post("/submissions/{submission_id}/withdraw")
@rejects_to(_submission_again, fixed({"reason": "withdraw-reason"}), form="withdraw-form")
async def withdraw(request: Request, ctx: WriteContext, submission_id: RowId):
    f = dict((await request.form()).multi_items())
    revisions.withdraw(ctx, submission_id, f.get("reason") or None)
    return _go(f"/submissions/{submission_id}", "已撤回申报")
