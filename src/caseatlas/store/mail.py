"""The communications centre's rows: a call's mail templates, the outbox as people read it
(filters, one message, retries and resends), panel invitations and the reminders' once-only keys."""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

from .schema import calls, mail_templates, notifications, panel_invitations, reminders_sent, users

# --- templates


def get_template(conn: Connection, call_id: int, kind: str, lang: str) -> dict | None:
    r = conn.execute(
        select(mail_templates).where(
            mail_templates.c.call_id == call_id, mail_templates.c.kind == kind, mail_templates.c.lang == lang
        )
    ).first()
    return dict(r._mapping) if r else None


def templates_of(conn: Connection, call_id: int) -> list[dict]:
    q = select(mail_templates).where(mail_templates.c.call_id == call_id)
    return [dict(r._mapping) for r in conn.execute(q)]


def save_template(
    conn: Connection, call_id: int, kind: str, lang: str, subject: str, body: str, user_id: int | None, at: str
) -> None:
    key = and_(mail_templates.c.call_id == call_id, mail_templates.c.kind == kind, mail_templates.c.lang == lang)
    values = {"subject": subject, "body": body, "updated_by": user_id, "updated_at": at}
    if conn.execute(update(mail_templates).where(key).values(**values)).rowcount == 0:
        conn.execute(insert(mail_templates).values(call_id=call_id, kind=kind, lang=lang, **values))


def delete_template(conn: Connection, call_id: int, kind: str, lang: str) -> int:
    return conn.execute(
        delete(mail_templates).where(
            mail_templates.c.call_id == call_id, mail_templates.c.kind == kind, mail_templates.c.lang == lang
        )
    ).rowcount


# --- the outbox

_LIST_COLUMNS = [c for c in notifications.c if c.name != "body"]


def outbox(
    conn: Connection,
    call_id: int | None = None,
    status: str | None = None,
    kind: str | None = None,
    limit: int = 200,
    offset: int = 0,
) -> list[dict]:
    """Messages newest first, without their bodies, with the call's title and time zone."""
    q = (
        select(*_LIST_COLUMNS, calls.c.title.label("call_title"), calls.c.timezone)
        .select_from(notifications.outerjoin(calls, calls.c.id == notifications.c.call_id))
        .order_by(notifications.c.id.desc())
        .limit(limit)
        .offset(offset)
    )
    if call_id is not None:
        q = q.where(notifications.c.call_id == call_id)
    if status:
        q = q.where(notifications.c.status == status)
    if kind:
        q = q.where(notifications.c.kind == kind)
    return [dict(r._mapping) for r in conn.execute(q)]


def get_notification(conn: Connection, notification_id: int) -> dict | None:
    q = (
        select(notifications, calls.c.title.label("call_title"), calls.c.timezone)
        .select_from(notifications.outerjoin(calls, calls.c.id == notifications.c.call_id))
        .where(notifications.c.id == notification_id)
    )
    r = conn.execute(q).first()
    return dict(r._mapping) if r else None


def record_attempt(
    conn: Connection,
    notification_id: int,
    status: str,
    error: str | None,
    message_id: str | None,
    sent_at: str | None,
) -> None:
    """One try at sending: its outcome, and the attempt counted (an unsent one is not a try)."""
    values = {"status": status, "error": error}
    if status != "unsent":
        values["attempts"] = notifications.c.attempts + 1
    if message_id:
        values["message_id"] = message_id
    if sent_at:
        values["sent_at"] = sent_at
    conn.execute(update(notifications).where(notifications.c.id == notification_id).values(**values))


def requeue(conn: Connection, notification_id: int) -> bool:
    """A failed or unsent message queued again; False when it is not (sent meanwhile: a race)."""
    return (
        conn.execute(
            update(notifications)
            .where(notifications.c.id == notification_id, notifications.c.status.in_(("failed", "unsent")))
            .values(status="queued", error=None)
        ).rowcount
        == 1
    )


# --- panel invitations


def invitation(conn: Connection, call_id: int, user_id: int) -> dict | None:
    r = conn.execute(
        select(panel_invitations).where(panel_invitations.c.call_id == call_id, panel_invitations.c.user_id == user_id)
    ).first()
    return dict(r._mapping) if r else None


def invitation_by_token(conn: Connection, token_hash: str) -> dict | None:
    r = conn.execute(select(panel_invitations).where(panel_invitations.c.token_hash == token_hash)).first()
    return dict(r._mapping) if r else None


def put_invitation(conn: Connection, call_id: int, user_id: int, token_hash: str, at: str, expires_at: str) -> None:
    """A pending invitation with a new link (an older link of the same invitation stops working)."""
    key = and_(panel_invitations.c.call_id == call_id, panel_invitations.c.user_id == user_id)
    values = {
        "token_hash": token_hash,
        "status": "pending",
        "reason": None,
        "invited_at": at,
        "expires_at": expires_at,
        "responded_at": None,
    }
    if conn.execute(update(panel_invitations).where(key).values(**values)).rowcount == 0:
        conn.execute(insert(panel_invitations).values(call_id=call_id, user_id=user_id, **values))


def answer_invitation(conn: Connection, token_hash: str, status: str, reason: str | None, at: str) -> bool:
    """Spend the link with the answer; False when it was answered already (two answers racing: one wins)."""
    return (
        conn.execute(
            update(panel_invitations)
            .where(panel_invitations.c.token_hash == token_hash, panel_invitations.c.status == "pending")
            .values(status=status, reason=reason, responded_at=at, token_hash=None)
        ).rowcount
        == 1
    )


def invitations_of(conn: Connection, call_id: int) -> list[dict]:
    q = (
        select(
            panel_invitations.c.user_id,
            panel_invitations.c.status,
            panel_invitations.c.reason,
            panel_invitations.c.invited_at,
            panel_invitations.c.expires_at,
            panel_invitations.c.responded_at,
            users.c.username,
            users.c.display_name,
            users.c.email,
        )
        .join(users, users.c.id == panel_invitations.c.user_id)
        .where(panel_invitations.c.call_id == call_id)
        .order_by(users.c.username)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def declined(conn: Connection, call_id: int) -> set[int]:
    q = select(panel_invitations.c.user_id).where(
        panel_invitations.c.call_id == call_id, panel_invitations.c.status == "declined"
    )
    return set(conn.execute(q).scalars())


# --- reminders


def claim_reminder(
    conn: Connection, call_id: int, kind: str, recipient_id: int, deadline: str, offset_days: int, at: str
) -> bool:
    """Take the reminder's key in the caller's transaction: False when it was taken already (sent
    before, or by a run at the same time: the database's unique key decides, on both backends)."""
    try:
        with conn.begin_nested():
            conn.execute(
                insert(reminders_sent).values(
                    call_id=call_id,
                    kind=kind,
                    recipient_id=recipient_id,
                    deadline=deadline,
                    offset_days=offset_days,
                    at=at,
                )
            )
    except IntegrityError:
        return False
    return True


def reminder_sent(
    conn: Connection, call_id: int, kind: str, recipient_id: int, deadline: str, offset_days: int
) -> bool:
    q = select(reminders_sent.c.at).where(
        reminders_sent.c.call_id == call_id,
        reminders_sent.c.kind == kind,
        reminders_sent.c.recipient_id == recipient_id,
        reminders_sent.c.deadline == deadline,
        reminders_sent.c.offset_days == offset_days,
    )
    return conn.execute(q).first() is not None


def link_reminder(
    conn: Connection, call_id: int, kind: str, recipient_id: int, deadline: str, offset_days: int, nid: int
) -> None:
    conn.execute(
        update(reminders_sent)
        .where(
            reminders_sent.c.call_id == call_id,
            reminders_sent.c.kind == kind,
            reminders_sent.c.recipient_id == recipient_id,
            reminders_sent.c.deadline == deadline,
            reminders_sent.c.offset_days == offset_days,
        )
        .values(notification_id=nid)
    )
