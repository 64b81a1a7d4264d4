"""The communications centre's API (under /api/v1): a call's mail templates, the outbox (a call's for
its organizers, the site's for admins) with retries and resends, the panel's invitations and
the invitee's answer. Thin shells over `programme/services/communications.py` and
`invitations.py`, which ask the permission."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, StringConstraints

from ...vocab import MAIL_LANGS, NOTIFICATION_KINDS, NOTIFICATION_STATUSES
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.schemas import ErrorBody
from ..services import communications, invitations, records

_ERRORS = {code: {"model": ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422)}
# No prefix of its own: included in `api.router`, whose /api/v1 its paths get.
router = APIRouter(tags=["communications"], responses=_ERRORS)
Kind = Literal[NOTIFICATION_KINDS]  # type: ignore[valid-type]
Lang = Literal[MAIL_LANGS]  # type: ignore[valid-type]
MailStatus = Literal[NOTIFICATION_STATUSES]  # type: ignore[valid-type]


class TemplateIn(BaseModel):
    subject: Annotated[str, StringConstraints(max_length=300)]
    body: Annotated[str, StringConstraints(max_length=20_000)]


class OpinionIn(BaseModel):
    text: Annotated[str, StringConstraints(max_length=10_000)] = ""


class InvitationAnswerIn(BaseModel):
    token: Annotated[str, StringConstraints(max_length=128)]  # in the body: a secret is never in a URL
    answer: Literal["accept", "decline"]
    reason: Annotated[str, StringConstraints(max_length=500)] | None = None


@router.get(
    "/calls/{call_id}/mail-templates",
    summary="Every kind of mail in both languages as the call sends it, with its placeholders",
    response_model=list[records.MailTemplate],
)
def templates_list(ctx: ReadContext, call_id: RowId) -> list[records.MailTemplate]:
    return communications.templates(ctx, call_id)


@router.put(
    "/calls/{call_id}/mail-templates/{kind}/{lang}",
    summary="Save the call's own wording of a kind of mail (checked against its placeholders)",
    response_model=records.MailTemplate,
)
def template_save(ctx: WriteContext, call_id: RowId, kind: Kind, lang: Lang, body: TemplateIn) -> records.MailTemplate:
    return communications.save_template(ctx, call_id, kind, lang, body.subject, body.body)


@router.delete(
    "/calls/{call_id}/mail-templates/{kind}/{lang}",
    summary="Back to the default wording",
    response_model=records.MailTemplate,
)
def template_reset(ctx: WriteContext, call_id: RowId, kind: Kind, lang: Lang) -> records.MailTemplate:
    return communications.reset_template(ctx, call_id, kind, lang)


@router.post(
    "/calls/{call_id}/mail-templates/{kind}/{lang}/preview",
    summary="A template rendered with the kind's sample context, not saved",
    response_model=records.RenderedMail,
)
def template_preview(
    ctx: WriteContext, call_id: RowId, kind: Kind, lang: Lang, body: TemplateIn
) -> records.RenderedMail:
    return communications.preview(ctx, call_id, kind, lang, body.subject, body.body)


@router.get(
    "/calls/{call_id}/outbox", summary="The call's messages, newest first", response_model=list[records.OutboxEntry]
)
def call_outbox(
    ctx: ReadContext,
    call_id: RowId,
    status: MailStatus | None = None,
    kind: Kind | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[records.OutboxEntry]:
    return communications.outbox(ctx, call_id, status, kind, offset)


@router.get("/outbox", summary="Every message of the site (admins)", response_model=list[records.OutboxEntry])
def site_outbox(
    ctx: ReadContext,
    status: MailStatus | None = None,
    kind: Kind | None = None,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> list[records.OutboxEntry]:
    return communications.site_outbox(ctx, status, kind, offset)


@router.get("/outbox/{notification_id}", summary="One message with its body", response_model=records.OutboxMessage)
def outbox_message(ctx: ReadContext, notification_id: RowId) -> records.OutboxMessage:
    return communications.message(ctx, notification_id)


@router.post(
    "/outbox/{notification_id}/retry",
    summary="Send a failed or unsent message again (a secret link: a fresh one)",
    response_model=records.OutboxMessage,
)
def outbox_retry(ctx: WriteContext, notification_id: RowId) -> records.OutboxMessage:
    return communications.retry(ctx, notification_id)


@router.post(
    "/outbox/{notification_id}/resend",
    summary="Send a sent message once more, as a new message linked to it",
    response_model=records.OutboxMessage,
)
def outbox_resend(ctx: WriteContext, notification_id: RowId) -> records.OutboxMessage:
    return communications.resend(ctx, notification_id)


@router.put(
    "/submissions/{submission_id}/opinion",
    summary="The panel's opinion the decision letter carries (empty: the reviews' comments)",
    response_model=records.Opinion,
)
def opinion_set(ctx: WriteContext, submission_id: RowId, body: OpinionIn) -> records.Opinion:
    return communications.set_opinion(ctx, submission_id, body.text)


@router.get(
    "/calls/{call_id}/invitations",
    summary="The panel's invitations and their answers",
    response_model=list[records.PanelInvitation],
)
def invitations_list(ctx: ReadContext, call_id: RowId) -> list[records.PanelInvitation]:
    return invitations.list_invitations(ctx, call_id)


@router.post(
    "/panel-invitations/answer",
    summary="Accept or decline an invitation to a panel (the token from the mail's link, in the body)",
    response_model=records.InvitationAnswer,
)
def invitation_answer(ctx: WriteContext, body: InvitationAnswerIn) -> records.InvitationAnswer:
    return invitations.respond(ctx, body.token, body.answer, body.reason)
