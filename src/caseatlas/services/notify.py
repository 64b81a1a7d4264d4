"""E-mail notifications through SMTP, with an outbox.

Every notification is written to the `notifications` table in the transaction of the action
that causes it, then sent after that transaction commits; the row records `sent`, `failed`
(with the server's one-line answer) or `unsent` (no SMTP server configured). A mail server
that is down never undoes an action. Configuration, from the environment:
CASEATLAS_SMTP_HOST, CASEATLAS_SMTP_PORT (25), CASEATLAS_SMTP_FROM, CASEATLAS_SMTP_USER,
CASEATLAS_SMTP_PASSWORD, CASEATLAS_SMTP_STARTTLS (1 to upgrade the connection).
"""

from __future__ import annotations

import os
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage

from sqlalchemy import Connection, Engine

from ..store import programmes as store
from ..vocab import NOTIFICATION_KINDS
from .rules import now_iso

TIMEOUT = 10


@dataclass(slots=True)
class Mail:
    id: int
    to: str
    subject: str
    body: str


def queue(
    conn: Connection,
    call_id: int | None,
    kind: str,
    to: str | None,
    subject: str,
    body: str,
    pending: list[Mail],
    recorded: str | None = None,
) -> None:
    """Write a notification to the outbox (in the caller's transaction); `pending` collects
    what to send once that transaction has committed. `recorded` is the body the outbox keeps
    when the mail carries a secret (an invitation or reset link): the link is sent, never stored."""
    if kind not in NOTIFICATION_KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if not to:
        return  # an account without an address: nothing to send
    nid = store.add_notification(
        conn,
        call_id=call_id,
        kind=kind,
        to_addr=to,
        subject=subject,
        body=body if recorded is None else recorded,
        status="queued",
        at=now_iso(),
    )
    pending.append(Mail(nid, to, subject, body))


def send(engine: Engine, pending: list[Mail]) -> None:
    host = os.environ.get("CASEATLAS_SMTP_HOST")
    results: list[tuple[int, str, str | None]] = []
    if not host:
        results = [(m.id, "unsent", "no SMTP server configured (CASEATLAS_SMTP_HOST)") for m in pending]
    elif pending:
        try:
            with smtplib.SMTP(host, int(os.environ.get("CASEATLAS_SMTP_PORT", "25")), timeout=TIMEOUT) as smtp:
                if os.environ.get("CASEATLAS_SMTP_STARTTLS") == "1":
                    smtp.starttls()
                if os.environ.get("CASEATLAS_SMTP_USER"):
                    smtp.login(os.environ["CASEATLAS_SMTP_USER"], os.environ.get("CASEATLAS_SMTP_PASSWORD", ""))
                for m in pending:
                    msg = EmailMessage()
                    msg["From"] = os.environ.get("CASEATLAS_SMTP_FROM", "caseatlas@localhost")
                    msg["To"] = m.to
                    msg["Subject"] = m.subject
                    msg.set_content(m.body)
                    try:
                        smtp.send_message(msg)
                        results.append((m.id, "sent", None))
                    except smtplib.SMTPException as exc:
                        results.append((m.id, "failed", str(exc).splitlines()[0][:300]))
        except (OSError, smtplib.SMTPException) as exc:
            done = {r[0] for r in results}
            results += [
                (m.id, "failed", f"{type(exc).__name__}: {exc}".splitlines()[0][:300])
                for m in pending
                if m.id not in done
            ]
    if results:
        with engine.begin() as conn:
            for nid, status, error in results:
                store.set_notification(conn, nid, status, error)
