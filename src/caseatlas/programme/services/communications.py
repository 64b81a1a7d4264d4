"""The communications centre: a call's mail templates (each kind in Chinese and English, the
call's own wording or the default, checked when saved) and the outbox as people read it — per
call for its organizers, the whole site for admins — with retries of failed mails and resends
of sent ones. A mail that carried a secret link (an invitation, a reset) is never sent again as
stored: a retry or resend issues a fresh link (`SECRET_NOTIFICATION_KINDS`)."""

from __future__ import annotations

from ...errors import CaseAtlasError, Conflict, NotFound
from ...services import accounts, audit, mail, notify
from ...services.context import Context, require
from ...services.rules import now_iso
from ...store import accounts as accounts_store
from ...store import mail as mail_store
from ...store import programmes as store
from ...text.times import local_time
from ...vocab import MAIL_LANGS, NOTIFICATION_KINDS, NOTIFICATION_STATUSES, SECRET_NOTIFICATION_KINDS
from . import invitations
from .calls import call_view, load_call, submission_view
from .records import MailTemplate, Opinion, OutboxEntry, OutboxMessage, RenderedMail

PAGE = 200
# The kinds a call may word its own way: all but the site's own (a password reset names no call).
CALL_KINDS = tuple(k for k in NOTIFICATION_KINDS if k != "password_reset")


def _call_kind(kind: str, lang: str) -> None:
    mail.check_kind(kind, lang)
    if kind not in CALL_KINDS:
        raise CaseAtlasError(f"{kind} mails are the site's, not a call's: their wording is not set per call")


# --- templates


def _template(call: dict, kind: str, lang: str, own: dict | None) -> MailTemplate:
    d = mail.default(kind, lang)
    return MailTemplate(
        kind=kind,
        lang=lang,
        subject=own["subject"] if own else d.subject,
        body=own["body"] if own else d.body,
        custom=own is not None,
        placeholders=mail.placeholders(kind),
        updated_at=own["updated_at"] if own else None,
        updated=local_time(own["updated_at"], call["timezone"]) if own else "",
    )


def _managed(conn, ctx: Context, call_id: int) -> dict:
    call = load_call(conn, call_id)
    require(ctx, "programme.manage", call_view(conn, call))
    return call


def templates(ctx: Context, call_id: int) -> list[MailTemplate]:
    """Every kind of mail in both languages as this call sends it."""
    with ctx.engine.connect() as conn:
        call = _managed(conn, ctx, call_id)
        own = {(t["kind"], t["lang"]): t for t in mail_store.templates_of(conn, call_id)}
        return [_template(call, k, lang, own.get((k, lang))) for k in CALL_KINDS for lang in MAIL_LANGS]


def template(ctx: Context, call_id: int, kind: str, lang: str) -> MailTemplate:
    _call_kind(kind, lang)
    with ctx.engine.connect() as conn:
        call = _managed(conn, ctx, call_id)
        return _template(call, kind, lang, mail_store.get_template(conn, call_id, kind, lang))


def save_template(ctx: Context, call_id: int, kind: str, lang: str, subject: str, body: str) -> MailTemplate:
    """The call's own wording of a kind of mail, checked (placeholders, sandbox, the kind's sample)."""
    _call_kind(kind, lang)
    with ctx.engine.begin() as conn:
        call = _managed(conn, ctx, call_id)
        subject, body = mail.validate(kind, lang, subject, body)
        mail_store.save_template(conn, call_id, kind, lang, subject, body, ctx.actor.user_id, now_iso())
        audit.record(conn, ctx, "mail.template", f"call:{call_id}", kind=kind, lang=lang)
        return _template(call, kind, lang, mail_store.get_template(conn, call_id, kind, lang))


def reset_template(ctx: Context, call_id: int, kind: str, lang: str) -> MailTemplate:
    """Back to the default wording."""
    _call_kind(kind, lang)
    with ctx.engine.begin() as conn:
        call = _managed(conn, ctx, call_id)
        if mail_store.delete_template(conn, call_id, kind, lang):
            audit.record(conn, ctx, "mail.template_reset", f"call:{call_id}", kind=kind, lang=lang)
        return _template(call, kind, lang, None)


def preview(ctx: Context, call_id: int, kind: str, lang: str, subject: str, body: str) -> RenderedMail:
    """A template rendered with the kind's sample context, without saving it."""
    _call_kind(kind, lang)
    with ctx.engine.connect() as conn:
        call = _managed(conn, ctx, call_id)
    subject, body = mail.validate(kind, lang, subject, body)
    s, b = mail.render(mail.Template(kind, lang, subject, body), mail.sample(kind), call["timezone"])
    return RenderedMail(subject=s, body=b)


# --- the decision letter's opinion

MAX_OPINION = 10_000


def _managed_submission(conn, ctx: Context, submission_id: int) -> dict:
    sub = store.get_submission(conn, submission_id)
    if sub is None:
        raise NotFound(f"no submission {submission_id}")
    call = load_call(conn, sub["call_id"])
    require(ctx, "programme.manage", submission_view(conn, call, sub))  # unseen: 404
    return sub


def opinion(ctx: Context, submission_id: int) -> Opinion:
    with ctx.engine.connect() as conn:
        sub = _managed_submission(conn, ctx, submission_id)
        return Opinion(submission=submission_id, opinion=sub["opinion"])


def set_opinion(ctx: Context, submission_id: int, text: str | None) -> Opinion:
    """The panel's opinion the organizer writes for the decision letter (empty: the submitted
    reviews' comments go, unsigned)."""
    text = (text or "").replace("\r\n", "\n").strip() or None
    if text and len(text) > MAX_OPINION:
        raise CaseAtlasError(f"opinion: at most {MAX_OPINION} characters")
    with ctx.engine.begin() as conn:
        _managed_submission(conn, ctx, submission_id)
        store.update_submission(conn, submission_id, opinion=text)
        audit.record(conn, ctx, "selection.opinion", f"submission:{submission_id}")
        return Opinion(submission=submission_id, opinion=text)


# --- the outbox


def _entry(row: dict, with_body: bool = False):
    tz = row.get("timezone")
    values = dict(
        id=row["id"],
        call_id=row["call_id"],
        call_title=row.get("call_title"),
        kind=row["kind"],
        to=row["to_addr"],
        subject=row["subject"],
        status=row["status"],
        attempts=row["attempts"] or 0,
        error=row["error"],
        lang=row["lang"],
        message_id=row["message_id"],
        resend_of=row["resend_of"],
        at=row["at"],
        queued=local_time(row["at"], tz),
        sent_at=row["sent_at"],
        sent=local_time(row["sent_at"], tz, empty=""),
        timezone=tz,
    )
    return OutboxMessage(**values, body=row["body"]) if with_body else OutboxEntry(**values)


def _filters(status: str | None, kind: str | None) -> tuple[str | None, str | None]:
    status, kind = status or None, kind or None
    if status is not None and status not in NOTIFICATION_STATUSES:
        raise CaseAtlasError(f"status: one of {', '.join(NOTIFICATION_STATUSES)}")
    if kind is not None and kind not in NOTIFICATION_KINDS:
        raise CaseAtlasError(f"kind: one of {', '.join(NOTIFICATION_KINDS)}")
    return status, kind


def outbox(
    ctx: Context, call_id: int, status: str | None = None, kind: str | None = None, offset: int = 0
) -> list[OutboxEntry]:
    """The call's messages, newest first (for its organizers)."""
    status, kind = _filters(status, kind)
    with ctx.engine.connect() as conn:
        _managed(conn, ctx, call_id)
        rows = mail_store.outbox(conn, call_id, status, kind, PAGE, max(0, offset))
        return [_entry(r) for r in rows]


def site_outbox(ctx: Context, status: str | None = None, kind: str | None = None, offset: int = 0) -> list[OutboxEntry]:
    """Every message of the site, newest first (for admins)."""
    require(ctx, "users.manage")
    status, kind = _filters(status, kind)
    with ctx.engine.connect() as conn:
        return [_entry(r) for r in mail_store.outbox(conn, None, status, kind, PAGE, max(0, offset))]


def _message(conn, ctx: Context, notification_id: int) -> dict:
    """A message its reader may see: a call's organizers see the call's; admins every one."""
    row = mail_store.get_notification(conn, notification_id)
    if row is None:
        raise NotFound(f"no message {notification_id}")
    if row["call_id"] is None:
        require(ctx, "users.manage")
    else:
        _managed(conn, ctx, row["call_id"])
    return row


def message(ctx: Context, notification_id: int) -> OutboxMessage:
    with ctx.engine.connect() as conn:
        return _entry(_message(conn, ctx, notification_id), with_body=True)


def _recipient(conn, row: dict) -> int:
    if row["recipient_id"] is not None:
        return row["recipient_id"]
    user = accounts_store.get_user_by_email(conn, row["to_addr"]) if row["to_addr"] else None
    if user is None:
        raise CaseAtlasError("the account this mail went to is not known: nothing to resend")
    return user.id


def _reissue(conn, ctx: Context, row: dict, pending: list[notify.Mail]) -> None:
    """A mail that carried a secret link, sent again with a fresh one (never the stored body)."""
    user_id = _recipient(conn, row)
    call = load_call(conn, row["call_id"]) if row["call_id"] is not None else None
    if row["kind"] == "invitation":
        if call is None:
            raise CaseAtlasError("this invitation names no call: nothing to resend")
        current = mail_store.invitation(conn, call["id"], user_id)
        if current is not None and current["status"] != "pending":
            what = "accepted" if current["status"] == "accepted" else "declined"
            raise Conflict(f"the invitation was {what} already: add the reviewer again to ask once more")
        invitations.invite_in(conn, ctx, call, user_id, pending, resend_of=row["id"])
    else:
        accounts.reissue_link(conn, ctx, row["kind"], user_id, call, pending, row["id"])


def retry(ctx: Context, notification_id: int) -> OutboxMessage:
    """Send a failed (or never sent) message again: the same row, one attempt more; one that
    carried a secret link goes as a new message with a fresh link."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        row = _message(conn, ctx, notification_id)
        if row["status"] not in ("failed", "unsent"):
            raise Conflict(f"message {notification_id} is {row['status']}: only a failed or unsent one is retried")
        if not row["to_addr"]:
            raise CaseAtlasError("the message has no address to send it to")
        if row["kind"] in SECRET_NOTIFICATION_KINDS:
            _reissue(conn, ctx, row, pending)
        else:
            if not mail_store.requeue(conn, notification_id):
                raise Conflict(f"message {notification_id} changed meanwhile: look again")
            pending.append(notify.Mail(row["id"], row["to_addr"], row["subject"], row["body"], row["kind"]))
        if not pending:
            raise CaseAtlasError("the recipient has no address: nothing to send")
        audit.record(conn, ctx, "mail.retry", f"notification:{notification_id}")
    notify.send(ctx.engine, pending)
    return message(ctx, pending[0].id)


def resend(ctx: Context, notification_id: int) -> OutboxMessage:
    """Send a sent message once more, as a new message linked to the first (`resend_of`)."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        row = _message(conn, ctx, notification_id)
        if row["status"] != "sent":
            raise Conflict(f"message {notification_id} is {row['status']}: retry it instead")
        if row["kind"] in SECRET_NOTIFICATION_KINDS:
            _reissue(conn, ctx, row, pending)
        else:
            notify.queue(
                conn,
                row["call_id"],
                row["kind"],
                row["to_addr"],
                row["subject"],
                row["body"],
                pending,
                recipient_id=row["recipient_id"],
                lang=row["lang"],
                resend_of=row["id"],
            )
        if not pending:
            raise CaseAtlasError("the recipient has no address: nothing to send")
        audit.record(conn, ctx, "mail.resend", f"notification:{notification_id}")
    notify.send(ctx.engine, pending)
    return message(ctx, pending[0].id)
