"""Invitations to a call's panel: the organizer puts a reviewer on the panel, the reviewer is
mailed a single-use link (its SHA-256 kept, the token never: the outbox keeps the mail with the
link cut out) where they accept or decline, with a reason if they like. The link works once and
expires after `INVITE_DAYS`; a declined reviewer is not assigned (their open assignments go), and
the organizers see each invitation's answer on the panel page."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from ...errors import CaseAtlasError
from ...services import accounts, audit, mail, notify
from ...services.context import Context, require
from ...services.rules import now_iso
from ...store import accounts as accounts_store
from ...store import mail as mail_store
from ...store import programmes as store
from ...text.times import local_time
from . import calls as _calls
from .records import InvitationAnswer, InvitationLink, PanelInvitation

INVITE_DAYS = 14
MAX_REASON = 500


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_in(
    conn, ctx: Context, call: dict, user_id: int, pending: list[notify.Mail], resend_of: int | None = None
) -> None:
    """In the caller's transaction: a pending invitation with a new link (an older link of it stops
    working), mailed through the call's `invitation` template."""
    user = accounts_store.get_user(conn, user_id=user_id)
    token = secrets.token_urlsafe(32)
    at = datetime.fromisoformat(now_iso())
    expires = (at + timedelta(days=INVITE_DAYS)).astimezone(UTC).isoformat(timespec="seconds")
    mail_store.put_invitation(conn, call["id"], user_id, _hash(token), at.isoformat(timespec="seconds"), expires)
    notify.queue_template(
        conn,
        call,
        "invitation",
        user.email,
        {
            "name": user.display_name or user.username,
            "link": mail.link(f"/panel-invitations/{token}"),
            "expires": mail.At(expires),
            "review_deadline": mail.At(call["review_deadline"] or ""),
            "organizer": ctx.actor.username or "CaseAtlas",
        },
        pending,
        recipient_id=user_id,
        secret=token,
        resend_of=resend_of,
    )
    audit.record(conn, ctx, "programme.invite", f"call:{call['id']}", user=user.username, mailed=bool(user.email))


def should_invite(conn, call_id: int, user_id: int) -> bool:
    """A reviewer put on the panel is invited unless an invitation is open or accepted (a declined
    one is asked again: the organizer added them once more)."""
    row = mail_store.invitation(conn, call_id, user_id)
    return row is None or row["status"] == "declined"


def declined(conn, call_id: int) -> set[int]:
    """The reviewers of a call who declined: never assigned."""
    return mail_store.declined(conn, call_id)


def status_of(conn, call_id: int) -> dict[int, str]:
    return {r["user_id"]: r["status"] for r in mail_store.invitations_of(conn, call_id)}


def list_invitations(ctx: Context, call_id: int) -> list[PanelInvitation]:
    """Each invitation of the call's panel and its answer (times in the call's zone)."""
    with ctx.engine.connect() as conn:
        call = _calls.load_call(conn, call_id)
        require(ctx, "programme.manage", _calls.call_view(conn, call))
        tz = call["timezone"]
        return [
            PanelInvitation(
                username=r["username"],
                display_name=r["display_name"],
                email=r["email"],
                status=r["status"],
                reason=r["reason"],
                invited_at=r["invited_at"],
                invited=local_time(r["invited_at"], tz),
                expires=local_time(r["expires_at"], tz),
                responded=local_time(r["responded_at"], tz, empty=""),
            )
            for r in mail_store.invitations_of(conn, call_id)
        ]


def _open(conn, token: str) -> dict:
    row = mail_store.invitation_by_token(conn, _hash(token)) if token and len(token) <= 128 else None
    if row is None or row["status"] != "pending" or row["expires_at"] < now_iso():
        raise accounts.LinkInvalid(accounts.LINK_INVALID)
    return row


def check(ctx: Context, token: str) -> InvitationLink:
    """What an invitation link is for (the page that answers it), without spending it."""
    with ctx.engine.connect() as conn:
        row = _open(conn, token)
        call = _calls.load_call(conn, row["call_id"])
        user = accounts_store.get_user(conn, user_id=row["user_id"])
        return InvitationLink(
            call_id=call["id"],
            call_title=call["title"],
            username=user.username,
            display_name=user.display_name,
            review_deadline=local_time(call["review_deadline"], call["timezone"]),
            expires=local_time(row["expires_at"], call["timezone"]),
        )


def respond(ctx: Context, token: str, answer: str, reason: str | None = None) -> InvitationAnswer:
    """Accept or decline from the link (it works once). Declining removes the reviewer's
    assignments in the call that have no submitted review."""
    if answer not in ("accept", "decline"):
        raise CaseAtlasError("answer: accept or decline")
    status = "accepted" if answer == "accept" else "declined"
    reason = " ".join((reason or "").split())[:MAX_REASON] or None if status == "declined" else None
    with ctx.engine.begin() as conn:
        row = _open(conn, token)
        if not mail_store.answer_invitation(conn, _hash(token), status, reason, now_iso()):
            raise accounts.LinkInvalid(accounts.LINK_INVALID)
        call = _calls.load_call(conn, row["call_id"])
        user = accounts_store.get_user(conn, user_id=row["user_id"])
        removed = 0
        if status == "declined":
            done = {
                r["submission_id"]
                for r in store.reviews_of(conn, call["id"])
                if r["reviewer_id"] == user.id and r["status"] == "submitted"
            }
            for a in store.assignments_of(conn, call["id"]):
                if a["reviewer_id"] == user.id and a["submission_id"] not in done:
                    removed += store.remove_assignment(conn, a["submission_id"], user.id)
        audit.record(
            conn,
            ctx,
            f"programme.invitation_{status}",
            f"call:{call['id']}",
            user=user.username,
            **({"reason": reason} if reason else {}),
            **({"removed_assignments": removed} if removed else {}),
        )
    return InvitationAnswer(call_id=call["id"], call_title=call["title"], status=status, removed_assignments=removed)
