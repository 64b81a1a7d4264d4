"""The communications centre's pages: a call's mail templates (each kind in Chinese and English,
its placeholders listed), the outbox (a call's for its organizers, the site's for admins) with a
message's body, retry and resend, and the page where an invitee accepts or declines an
invitation to a panel. The invitation's token is in the path of the mail's link only: the page
posts it back to that path and answers in place, never redirecting with it."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...services import accounts
from ...services.mail import TemplateRefused, placeholders
from ...vocab import MAIL_LANGS, NOTIFICATION_KIND_LABELS, NOTIFICATION_KINDS, NOTIFICATION_STATUSES
from ...web.deps import ReadContext, RowId, WriteContext, read_context
from ...web.pages import TEMPLATES, render
from ..services import calls, communications, invitations

router = APIRouter(include_in_schema=False)
TEMPLATES.env.globals["kind_labels"] = NOTIFICATION_KIND_LABELS


def _go(url: str, message: str | None = None) -> RedirectResponse:
    return RedirectResponse(url + ("?message=" + quote(message) if message else ""), status_code=303)


async def _form(request: Request) -> dict:
    return dict((await request.form()).multi_items())


def _pick(kind: str | None, lang: str | None) -> tuple[str, str]:
    kinds = communications.CALL_KINDS
    return (kind if kind in kinds else kinds[0], lang if lang in MAIL_LANGS else "zh")


def _editor(request: Request, ctx, call_id: int, kind: str, lang: str, **extra) -> HTMLResponse:
    chosen = communications.template(ctx, call_id, kind, lang)
    return render(
        request,
        "mail_templates.html",
        status=extra.pop("status", 200),
        call=calls.get_call(ctx, call_id),
        templates=communications.templates(ctx, call_id),
        chosen=chosen,
        subject=extra.pop("subject", chosen.subject),
        body=extra.pop("body", chosen.body),
        fields=placeholders(kind),
        kinds=communications.CALL_KINDS,
        **extra,
    )


@router.get("/calls/{call_id}/mail", response_class=HTMLResponse)
def mail_templates_page(
    request: Request,
    ctx: ReadContext,
    call_id: RowId,
    kind: str | None = None,
    lang: str | None = None,
    message: str | None = None,
):
    kind, lang = _pick(kind, lang)
    return _editor(request, ctx, call_id, kind, lang, message=message)


@router.post("/calls/{call_id}/mail", response_class=HTMLResponse)
async def mail_template_save(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    kind, lang = _pick(f.get("kind"), f.get("lang"))
    if f.get("action") == "reset":
        communications.reset_template(ctx, call_id, kind, lang)
        return RedirectResponse(f"/calls/{call_id}/mail?kind={kind}&lang={lang}&message=reset", status_code=303)
    subject, body = f.get("subject", ""), f.get("body", "")
    try:
        if f.get("action") == "preview":
            shown = communications.preview(ctx, call_id, kind, lang, subject, body)
            return _editor(request, ctx, call_id, kind, lang, subject=subject, body=body, preview=shown)
        communications.save_template(ctx, call_id, kind, lang, subject, body)
    except TemplateRefused as exc:  # the organizer's text stays in the form, with why
        return _editor(request, ctx, call_id, kind, lang, subject=subject, body=body, error=str(exc), status=400)
    return RedirectResponse(f"/calls/{call_id}/mail?kind={kind}&lang={lang}&message=saved", status_code=303)


def _outbox(request: Request, rows, call, status: str | None, kind: str | None, message: str | None):
    return render(
        request,
        "outbox.html",
        call=call,
        rows=rows,
        chosen_status=status or "",  # (not `status`: render's own argument, the HTTP status)
        chosen_kind=kind or "",
        statuses=NOTIFICATION_STATUSES,
        kinds=NOTIFICATION_KINDS,
        message=message,
    )


@router.get("/calls/{call_id}/outbox", response_class=HTMLResponse)
def call_outbox_page(
    request: Request,
    ctx: ReadContext,
    call_id: RowId,
    status: str | None = None,
    kind: str | None = None,
    message: str | None = None,
):
    rows = communications.outbox(ctx, call_id, status, kind)
    return _outbox(request, rows, calls.get_call(ctx, call_id), status, kind, message)


@router.get("/admin/outbox", response_class=HTMLResponse)
def site_outbox_page(
    request: Request, ctx: ReadContext, status: str | None = None, kind: str | None = None, message: str | None = None
):
    return _outbox(request, communications.site_outbox(ctx, status, kind), None, status, kind, message)


@router.get("/outbox/{notification_id}", response_class=HTMLResponse)
def outbox_message_page(request: Request, ctx: ReadContext, notification_id: RowId, message: str | None = None):
    m = communications.message(ctx, notification_id)
    return render(request, "outbox_message.html", m=m, message=message)


@router.post("/outbox/{notification_id}/retry")
def outbox_retry(ctx: WriteContext, notification_id: RowId):
    m = communications.retry(ctx, notification_id)
    return _go(f"/outbox/{m.id}", f"{m.status}")


@router.post("/outbox/{notification_id}/resend")
def outbox_resend(ctx: WriteContext, notification_id: RowId):
    m = communications.resend(ctx, notification_id)
    return _go(f"/outbox/{m.id}", f"{m.status}")


@router.post("/submissions/{submission_id}/opinion")
async def opinion_post(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    communications.set_opinion(ctx, submission_id, f.get("text", ""))
    return _go(f"/submissions/{submission_id}", "已保存专家组意见")


@router.get("/panel-invitations/{token}", response_class=HTMLResponse)
def invitation_page(request: Request, token: str):
    try:
        link = invitations.check(read_context(request), token)
    except accounts.LinkInvalid:
        return render(request, "link_invalid.html", status=410)
    return render(request, "invitation.html", link=link, action=f"/panel-invitations/{quote(token, safe='')}")


@router.post("/panel-invitations/{token}", response_class=HTMLResponse)
async def invitation_answer(request: Request, ctx: WriteContext, token: str):
    f = await _form(request)
    try:
        answer = invitations.respond(ctx, token, f.get("answer", ""), f.get("reason"))
    except accounts.LinkInvalid:
        return render(request, "link_invalid.html", status=410)
    return render(request, "invitation.html", answered=answer)
