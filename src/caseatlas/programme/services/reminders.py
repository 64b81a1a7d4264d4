"""Reminders, found from the calls' deadlines at a given moment: drafts not submitted N days
before the submission deadline, reviews not submitted N days before the review deadline (N from
the call's `reminder_offsets`, 3 and 1 days by default), and overdue reviews once a day after it
until the discussion ends. The job queue runs `run_due(engine, now)` periodically; this module
has no loop or clock of its own, so a test gives it any `now`.

A reminder goes once: its key (call, kind, recipient, deadline, offset) is taken in the
transaction that queues its mail, and the database's unique key refuses a second taker, whether
it runs later or at the same time. Of the offsets due at `now` only the nearest one is sent (a
run that first comes one day before the deadline sends the one-day reminder, not also the
three-day one). A deadline moved later is a new deadline: its reminders go again."""

from __future__ import annotations

import json
import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from ...services import mail, notify
from ...store import accounts as accounts_store
from ...store import mail as mail_store
from ...store import programmes as store
from ...vocab import REMINDER_OFFSETS
from ..domain.phases import phase
from . import blind
from .calls import current_round_row
from .records import ReminderSent

DAY = timedelta(days=1)


def _instant(iso: str) -> datetime:
    dt = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def offsets(call: dict) -> list[int]:
    """The call's reminder offsets in days (positive, nearest last), else the default."""
    raw = call.get("reminder_offsets")
    values = json.loads(raw) if isinstance(raw, str) else raw
    good = sorted({int(v) for v in values or [] if isinstance(v, int | float) and 0 < v <= 60}, reverse=True)
    return good or list(REMINDER_OFFSETS)


def due_offset(deadline: datetime, now: datetime, days: list[int]) -> int | None:
    """The reminder due at `now` for a deadline: the nearest offset whose moment has come, a
    negative day number once the deadline has passed (-1 on its first day overdue), else None."""
    if now >= deadline:
        return -(int((now - deadline) / DAY) + 1)
    due = [d for d in days if now >= deadline - d * DAY]
    return min(due) if due else None


def _send(
    engine: Engine,
    call: dict,
    kind: str,
    recipient: dict,
    deadline: str,
    offset: int,
    context: dict,
    at: str,
    pending: list[notify.Mail],
) -> ReminderSent | None:
    """Claim the reminder's key and queue its mail in one transaction; None when it was taken."""
    with engine.begin() as conn:
        if not mail_store.claim_reminder(conn, call["id"], kind, recipient["user_id"], deadline, offset, at):
            return None
        nid = notify.queue_template(
            conn,
            call,
            kind,
            recipient["email"],
            {"name": recipient["display_name"] or recipient["username"], **context},
            pending,
            recipient_id=recipient["user_id"],
        )
        if nid is not None:
            mail_store.link_reminder(conn, call["id"], kind, recipient["user_id"], deadline, offset, nid)
    items = context.get("drafts") or context.get("reviews") or []
    return ReminderSent(
        call_id=call["id"],
        kind=kind,
        recipient=recipient["username"],
        to=recipient["email"],
        deadline=deadline,
        offset_days=offset,
        items=len(items),
        notification_id=nid,
    )


def _drafts(engine: Engine, call: dict, now: datetime, at: str, pending: list) -> list[ReminderSent]:
    deadline = call["submission_deadline"]
    offset = due_offset(_instant(deadline), now, offsets(call))
    if offset is None or offset < 0:
        return []
    with engine.connect() as conn:
        drafts = store.list_submissions(conn, call["id"], status="draft")
        people = {}
        for s in drafts:
            people.setdefault(s["applicant_id"], []).append(s)
        users = _users(conn, list(people))
    days_left = math.ceil((_instant(deadline) - now) / DAY)
    out = []
    for uid, subs in people.items():
        if _already_sent(engine, call["id"], "reminder_draft", uid, deadline, offset):
            continue
        context = {
            "drafts": [{"title": s["title"], "link": mail.link(f"/submissions/{s['id']}")} for s in subs],
            "deadline": mail.At(deadline),
            "days_left": days_left,
        }
        sent = _send(engine, call, "reminder_draft", users[uid], deadline, offset, context, at, pending)
        if sent:
            out.append(sent)
    return out


def _reviews(engine: Engine, call: dict, now: datetime, at: str, pending: list) -> list[ReminderSent]:
    """Reviews of the call's current round (an open review round) not yet in: its deadline is the
    round's own, else the call's review deadline."""
    with engine.connect() as conn:
        rnd = current_round_row(conn, call["id"])
    if rnd is not None and (rnd["kind"] != "review" or rnd["status"] != "open"):
        return []
    round_id = rnd["id"] if rnd else None
    deadline = (rnd or {}).get("deadline") or call["review_deadline"]
    if not deadline:
        return []
    offset = due_offset(_instant(deadline), now, offsets(call))
    if offset is None:
        return []
    with engine.connect() as conn:
        done = {
            (r["submission_id"], r["reviewer_id"])
            for r in store.reviews_of(conn, call["id"], round_id=round_id)
            if r["status"] == "submitted"
        }
        open_ = defaultdict(list)
        subs = {s["id"]: s for s in store.list_submissions(conn, call["id"], status="submitted")}
        for a in store.assignments_of(conn, call["id"], round_id=round_id):
            pair = (a["submission_id"], a["reviewer_id"])
            if pair not in done and a["submission_id"] in subs:
                open_[a["reviewer_id"]].append(a["submission_id"])
        users = _users(conn, list(open_))
        titles = {
            (sid, rid): blind.reviewer_title(conn, call, subs[sid], rid) for rid, sids in open_.items() for sid in sids
        }
    remaining = _instant(deadline) - now
    out = []
    for rid, sids in open_.items():
        if _already_sent(engine, call["id"], "reminder_review", rid, deadline, offset):
            continue
        context = {
            "reviews": [{"title": titles[sid, rid], "link": mail.link(f"/submissions/{sid}")} for sid in sids],
            "deadline": mail.At(deadline),
            "days_left": max(0, math.ceil(remaining / DAY)),
            "overdue": offset < 0,
            "days_overdue": -offset if offset < 0 else 0,
        }
        sent = _send(engine, call, "reminder_review", users[rid], deadline, offset, context, at, pending)
        if sent:
            out.append(sent)
    return out


def _users(conn, ids: list[int]) -> dict[int, dict]:
    out = {}
    for uid in ids:
        u = accounts_store.get_user(conn, user_id=uid)
        out[uid] = {"user_id": u.id, "username": u.username, "display_name": u.display_name, "email": u.email}
    return out


def _already_sent(engine: Engine, call_id: int, kind: str, recipient_id: int, deadline: str, offset: int) -> bool:
    """Whether the reminder went already (a cheap look before the claim, which decides)."""
    with engine.connect() as conn:
        return mail_store.reminder_sent(conn, call_id, kind, recipient_id, deadline, offset)


def run_due(engine: Engine, now: datetime) -> list[ReminderSent]:
    """Queue and send every reminder due at `now` that has not gone yet; what was sent."""
    now = now if now.tzinfo else now.replace(tzinfo=UTC)
    at = now.astimezone(UTC).isoformat(timespec="seconds")
    with engine.connect() as conn:
        calls = [c for c in store.list_calls(conn) if c["published_at"] and not c["results_at"]]
    out: list[ReminderSent] = []
    pending: list[notify.Mail] = []
    for call in calls:
        now_phase = phase(call, at)
        if now_phase == "submission" and call["submission_deadline"]:
            out += _drafts(engine, call, now, at, pending)
        if now_phase in ("review", "discussion"):
            out += _reviews(engine, call, now, at, pending)
    notify.send(engine, pending)
    return out
