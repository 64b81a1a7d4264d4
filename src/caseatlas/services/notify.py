"""E-mail notifications through SMTP, with an outbox.

Every notification is written to the `notifications` table in the transaction of the action
that causes it, then sent after that transaction commits; the row records `sent`, `failed`
(with the server's one-line answer) or `unsent` (no SMTP server configured). A mail server
that is down never undoes an action. Configuration, from the environment:
CASEATLAS_SMTP_HOST, CASEATLAS_SMTP_PORT (25), CASEATLAS_SMTP_FROM, CASEATLAS_SMTP_USER,
CASEATLAS_SMTP_PASSWORD, CASEATLAS_SMTP_STARTTLS (1 to upgrade the connection); the links in
mails are built on CASEATLAS_BASE_URL (a warning is logged once when it is unset and mail is sent).

What a mail says comes from its kind's template (`services/mail.py`; a call's own in
`mail_templates`): `queue_template` composes and queues it. Each mail leaves with Date and
Message-ID headers (the Message-ID on the sender's domain, kept in the outbox), as text/plain
UTF-8; reminders carry `Auto-Submitted: auto-generated` (RFC 3834) so that no one's vacation
responder answers them. The outbox counts attempts; a failed mail can be retried, a sent one
resent (a new row, `resend_of` the first).
"""

from __future__ import annotations

import logging
import os
import smtplib
from dataclasses import dataclass
from datetime import UTC
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import Connection, Engine

from ..store import accounts as accounts_store
from ..store import mail as mail_store
from ..store import programmes as store
from ..vocab import AUTOMATIC_NOTIFICATION_KINDS, MAIL_LANGS, NOTIFICATION_KINDS
from . import mail, rules
from .rules import now_iso

log = logging.getLogger("caseatlas.notify")
REDACTED = "…（链接不存档 / not kept）"  # what the outbox keeps in place of a secret link's token

TIMEOUT = 10


@dataclass(slots=True)
class Mail:
    id: int
    to: str
    subject: str
    body: str
    kind: str = ""


def lang_for(call: dict | None, user_id: int | None = None, conn: Connection | None = None) -> str:
    """The language of a mail: the recipient's own (`users.lang`, set on the account page, at an
    invitation or from the language they registered in), else the call's (`calls.mail_lang`),
    else Chinese."""
    if user_id is not None and conn is not None:
        user = accounts_store.get_user(conn, user_id=user_id)
        if user is not None and user.lang in MAIL_LANGS:
            return user.lang
    lang = (call or {}).get("mail_lang") or "zh"
    return lang if lang in MAIL_LANGS else "zh"


def compose(conn: Connection, call: dict | None, kind: str, lang: str, context: dict) -> tuple[str, str]:
    """(subject, body) of a kind of mail: the call's own template if it has one, else the
    default; instants (`mail.At`) written in the call's zone. A call's template that fails on a
    real context (it passed the sample) falls back to the default: a wording never stops a mail."""
    full = {
        "name": "",
        "call_title": (call or {}).get("title") or "",
        "call_link": mail.link(f"/calls/{call['id']}") if call else mail.base_url(),
        "site": mail.base_url(),
        **context,
    }
    tz = (call or {}).get("timezone")
    own = mail_store.get_template(conn, call["id"], kind, lang) if call else None
    if own:
        try:
            return mail.render(mail.Template(kind, lang, own["subject"], own["body"]), full, tz)
        except mail.TemplateRefused as exc:
            log.warning("call %s's %s/%s template failed (%s): the default is sent", call["id"], kind, lang, exc)
    return mail.render(mail.default(kind, lang), full, tz)


def queue_template(
    conn: Connection,
    call: dict | None,
    kind: str,
    to: str | None,
    context: dict,
    pending: list[Mail],
    *,
    recipient_id: int | None = None,
    lang: str | None = None,
    secret: str | None = None,
    resend_of: int | None = None,
) -> int | None:
    """Compose a kind's mail and queue it (in the caller's transaction). `secret`: a token the
    mail's link carries — sent, never stored (the outbox keeps the body with it cut out)."""
    lang = lang or lang_for(call, recipient_id, conn)
    subject, body = compose(conn, call, kind, lang, context)
    return queue(
        conn,
        call["id"] if call else None,
        kind,
        to,
        subject,
        body,
        pending,
        recorded=body.replace(secret, REDACTED) if secret else None,
        recipient_id=recipient_id,
        lang=lang,
        resend_of=resend_of,
    )


def queue(
    conn: Connection,
    call_id: int | None,
    kind: str,
    to: str | None,
    subject: str,
    body: str,
    pending: list[Mail],
    recorded: str | None = None,
    recipient_id: int | None = None,
    lang: str | None = None,
    resend_of: int | None = None,
) -> int | None:
    """Write a notification to the outbox (in the caller's transaction); `pending` collects
    what to send once that transaction has committed. `recorded` is the body the outbox keeps
    when the mail carries a secret (an invitation or reset link): the link is sent, never stored."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not to:
        return None  # an account without an address: nothing to send
    nid = store.add_notification(
        conn,
        call_id=call_id,
        kind=kind,
        to_addr=to,
        subject=subject,
        body=body if recorded is None else recorded,
        status="queued",
        at=now_iso(),
        attempts=0,
        lang=lang,
        recipient_id=recipient_id,
        resend_of=resend_of,
    )
    pending.append(Mail(nid, to, subject, body, kind))
    return nid


def message(m: Mail, sender: str) -> EmailMessage:
    """The mail as it leaves: text/plain UTF-8 with Date and a Message-ID on the sender's domain."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = m.to
    msg["Subject"] = m.subject
    # The programme's one clock (the system clock unless a test or a dry run set it), so a mail's
    # Date agrees with the outbox's sent_at and with the reminder that was due at that moment.
    msg["Date"] = format_datetime(rules.now().astimezone(UTC))
    domain = sender.rpartition("@")[2].strip(" >") or "localhost"
    msg["Message-ID"] = make_msgid(domain=domain)
    if m.kind in AUTOMATIC_NOTIFICATION_KINDS:
        msg["Auto-Submitted"] = "auto-generated"
    msg.set_content(m.body, charset="utf-8")
    return msg


# Shown to the organizer on the outbox page, in its language ("English (中文)": pages pick one half).
NO_SERVER = (
    "no mail server is set up: an administrator sets CASEATLAS_SMTP_HOST, then sends again "
    "(尚未配置发信服务器：请管理员设置 CASEATLAS_SMTP_HOST 后重新发送)"
)


def send(engine: Engine, pending: list[Mail]) -> None:
    """Send what was queued (after the transaction that queued it committed) and record each
    outcome: sent (with its Message-ID and time), failed (the server's one-line answer) or unsent."""
    host = os.environ.get("CASEATLAS_SMTP_HOST")
    results: list[tuple[int, str, str | None, str | None]] = []
    if pending:
        mail.warn_without_base_url()
    if not host:
        results = [(m.id, "unsent", NO_SERVER, None) for m in pending]
    elif pending:
        try:
            with smtplib.SMTP(host, int(os.environ.get("CASEATLAS_SMTP_PORT", "25")), timeout=TIMEOUT) as smtp:
                if os.environ.get("CASEATLAS_SMTP_STARTTLS") == "1":
                    smtp.starttls()
                if os.environ.get("CASEATLAS_SMTP_USER"):
                    smtp.login(os.environ["CASEATLAS_SMTP_USER"], os.environ.get("CASEATLAS_SMTP_PASSWORD", ""))
                sender = os.environ.get("CASEATLAS_SMTP_FROM", "caseatlas@localhost")
                for m in pending:
                    msg = message(m, sender)
                    try:
                        smtp.send_message(msg)
                        results.append((m.id, "sent", None, msg["Message-ID"]))
                    except smtplib.SMTPException as exc:
                        results.append((m.id, "failed", str(exc).splitlines()[0][:300], None))
        except (OSError, smtplib.SMTPException) as exc:
            done = {r[0] for r in results}
            results += [
                (m.id, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300], None)
                for m in pending
                if m.id not in done
            ]
    if results:
        stamp = now_iso()
        with engine.begin() as conn:
            for nid, status, error, message_id in results:
                mail_store.record_attempt(conn, nid, status, error, message_id, stamp if status == "sent" else None)
