"""A call's conflicts of interest: declared by reviewers, or detected from the reviewer's and the
applicant's organizations — computed once, stored, and acted on.

Detection resolves every name of the call together (`programme.conflicts.detect`, the library's
own resolution, `caseatlas.organizations`): 300 applicants × 20 reviewers in tens of
milliseconds. The result is stored (`call_conflicts`) with the fingerprint of what it was
computed from — the panel's organizations (affiliation, account organization, declared
organizations), the applicants', the call's alias groups, the library decisions that apply and
the rules' version (`known.toml` included). A reader recomputes only when the fingerprint
changed, so a new submission, affiliation, alias group or decision invalidates it, and nothing
has to remember to.

Which library decisions apply: the decisions of the people who run the call (its organizers,
the programme's creator, admins, the CLI) apply whole; anyone else's merges can add conflicts
and never remove one — conflicts are computed without them and with them, and both count.

Whenever a conflict appears (a declaration, an alias group, a decision, a new affiliation), the
assignments it touches are removed in the same transaction, the organizers are told (an outbox
entry, shown on the call page) and loads follow (they are counted from the assignments).
"""

from __future__ import annotations

import hashlib
import json

from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from ...organizations.resolve import known_text, write_reason
from ...services import mail, notify
from ...services.rules import now_iso
from ...store import accounts as accounts_store
from ...store import organizations as org_store
from ...store import programmes as store
from ..domain.conflicts import RULES_VERSION, detect

NOTICE_KIND = "conflict_found"


def _runs(conn: Connection, call: dict, decider: str | None) -> bool:
    """Whether the person who made a library decision runs this call."""
    if not decider or decider.startswith("cli:"):
        return True  # the CLI is run by whoever holds the library: every call is theirs
    name = decider.split(":", 1)[1] if decider.startswith("user:") else decider
    user = accounts_store.get_user(conn, name)
    if user is None:
        return False
    if user.role == "admin":
        return True
    managers = {m["user_id"] for m in store.members(conn, call["id"], "organizer")}
    prog = store.get_programme(conn, call["programme_id"])
    return user.id in managers or (prog is not None and prog["created_by"] == user.id)


def inputs(conn: Connection, call: dict) -> dict:
    """What the call's detected conflicts are computed from."""
    reviewers = {
        m["user_id"]: [x for x in [m["affiliation"], m["organization"], *(m["declared_orgs"] or [])] if x and x.strip()]
        for m in store.members(conn, call["id"], "reviewer")
    }
    own, foreign = [], []
    for d in org_store.decisions(conn):
        triple = (d["a_name"], d["b_name"], d["decision"])
        if _runs(conn, call, d["username"]):
            own.append(triple)
        elif d["decision"] == "same":
            foreign.append(triple)
    return {
        "reviewers": reviewers,
        "submissions": store.submission_organizations(conn, call["id"]),
        "aliases": [list(g) for g in call["aliases"] or []],
        "own": own,
        "foreign": foreign,
    }


def fingerprint(data: dict) -> str:
    payload = [
        RULES_VERSION,
        hashlib.sha256(known_text().encode()).hexdigest(),
        sorted((k, v) for k, v in data["reviewers"].items()),
        sorted(data["submissions"].items()),
        data["aliases"],
        sorted(data["own"]),
        sorted(data["foreign"]),
    ]
    return hashlib.sha256(json.dumps(payload, ensure_ascii=False).encode()).hexdigest()


def _compute(data: dict) -> list[dict]:
    found = detect(data["reviewers"], data["submissions"], data["aliases"], data["own"])
    if data["foreign"]:  # others' merges may add conflicts, never remove one
        for pair, rel in detect(
            data["reviewers"], data["submissions"], data["aliases"], data["own"] + data["foreign"]
        ).items():
            found.setdefault(pair, rel)
    return [
        {
            "submission_id": s,
            "reviewer_id": r,
            "kind": rel.kind,
            "reviewer_org": rel.a,
            "applicant_org": rel.b,
            "reason": rel.why,
            "why": {"group": rel.group, "links": [list(x) for x in rel.links]},
        }
        for (s, r), rel in sorted(found.items())
    ]


def reason(row: dict) -> str:
    """A stored detected conflict's reason in both languages (a `mail.Words`: the Chinese as a
    plain string, `.en` the English), written from its data; the stored sentence for a row
    stored without it."""
    why = row.get("why")
    if not why:
        return mail.Words(row["reason"], row["reason"])
    return mail.Words(
        write_reason(row["kind"], why["group"], why["links"], "zh"),
        write_reason(row["kind"], why["group"], why["links"], "en"),
    )


def detected(conn: Connection, call: dict, write: bool = False) -> list[dict]:
    """The call's detected conflicts, from the store when they are current. Otherwise computed,
    and stored: in `conn` when `write` (the caller's transaction), else in a transaction of
    their own that never waits for a lock (a reader inside another writer's transaction leaves
    it to the next reader)."""
    data, fp, rows = _current(conn, call)
    if rows is not None:
        return rows
    rows = _compute(data)
    if write:
        _store(conn, call, fp, rows)
    else:
        _store_aside(conn, call, fp, rows)
    return rows


def _store(conn: Connection, call: dict, fp: str, rows: list[dict], pending: list | None = None) -> list[dict]:
    """Store the conflicts and act on them: conflicted assignments go, organizers are told."""
    store.save_conflicts(conn, call["id"], fp, rows, now_iso())
    return _act(conn, call, {(r["submission_id"], r["reviewer_id"]): reason(r) for r in rows}, pending)


def _store_aside(conn: Connection, call: dict, fp: str, rows: list[dict]) -> None:
    pending: list[notify.Mail] = []
    engine = conn.engine
    try:
        with engine.connect() as other:
            sqlite = engine.dialect.name == "sqlite"
            if sqlite:  # never wait: a writer inside whose transaction we are would never let go
                other.exec_driver_sql("PRAGMA busy_timeout=0")
                other.commit()
            try:
                with other.begin():
                    if not sqlite:
                        other.exec_driver_sql("SET LOCAL lock_timeout = '200ms'")
                    _store(other, call, fp, rows, pending)
            finally:
                if sqlite:
                    other.exec_driver_sql("PRAGMA busy_timeout=5000")
                    other.commit()
    except SQLAlchemyError:
        return  # another transaction holds the lock (or rows it writes): the next reader stores them
    notify.send(engine, pending)


def _act(conn: Connection, call: dict, detected_pairs: dict, pending: list | None) -> list[dict]:
    """Remove every assignment that has a conflict (declared or detected) and tell the
    organizers. Returns the removed assignments with their reasons."""
    declared = store.declared_conflicts(conn, call["id"])
    removed, seen = [], set()
    for a in store.assignments_of(conn, call["id"]):
        pair = (a["submission_id"], a["reviewer_id"])
        why = declared.get(pair) or detected_pairs.get(pair)
        if why and pair not in seen:  # a conflict holds in every round: all the pair's rounds go at once
            seen.add(pair)
            store.remove_assignment(conn, *pair)
            removed.append({"submission": pair[0], "reviewer": a["username"], "reason": why})
    if removed:
        tell_organizers(conn, call, removed, pending)
    return removed


def tell_organizers(conn: Connection, call: dict, removed: list[dict], pending: list | None = None) -> None:
    """An outbox entry for each organizer (kept even for one without an address: the call page
    shows them)."""
    titles = {
        s["id"]: s["title"] for s in store.list_submissions(conn, call["id"], ids=[r["submission"] for r in removed])
    }
    context = {
        "count": len(removed),
        "removed": [
            {
                "reviewer": r["reviewer"],
                "title": titles.get(r["submission"], str(r["submission"])),
                "reason": r["reason"],
            }
            for r in removed
        ],
        "k": call["reviewers_per_submission"],
        "link": mail.link(f"/calls/{call['id']}/assign"),
    }
    people = {m["user_id"]: m for m in store.members(conn, call["id"], "organizer")}
    if not people:
        people = {0: {"email": None, "username": "", "display_name": None, "user_id": None}}
    for m in people.values():
        name = {"name": m["display_name"] or m["username"]}
        if m.get("email"):
            notify.queue_template(
                conn,
                call,
                NOTICE_KIND,
                m["email"],
                context | name,
                pending if pending is not None else [],
                recipient_id=m["user_id"],
            )
        else:
            lang = notify.lang_for(call, m["user_id"], conn)
            subject, body = notify.compose(conn, call, NOTICE_KIND, lang, context | name)
            store.add_notification(
                conn,
                call_id=call["id"],
                kind=NOTICE_KIND,
                to_addr="",
                subject=subject,
                body=body,
                status="unsent",
                at=now_iso(),
                lang=lang,
                recipient_id=m["user_id"],
            )


def refresh(conn: Connection, call: dict, pending: list | None = None) -> list[dict]:
    """In the caller's transaction, after something that may create a conflict: bring the
    stored conflicts up to date and remove the assignments any conflict touches. Returns the
    removed assignments."""
    data, fp, rows = _current(conn, call)
    if rows is not None:
        return _act(conn, call, {(r["submission_id"], r["reviewer_id"]): reason(r) for r in rows}, pending)
    return _store(conn, call, fp, _compute(data), pending)


def _current(conn: Connection, call: dict) -> tuple[dict, str, list[dict] | None]:
    """The call's conflict inputs, their fingerprint, and the stored conflicts when they were
    computed from these very inputs (complete), else None."""
    data = inputs(conn, call)
    fp = fingerprint(data)
    state = store.conflict_state(conn, call["id"])
    if state and state["fingerprint"] == fp:
        rows = store.detected_conflicts(conn, call["id"], fp)
        if len(rows) == state["n"]:
            return data, fp, rows
    return data, fp, None


def refresh_all(conn: Connection, pending: list | None = None) -> int:
    """After a library decision: every call still assigning or reviewing. Returns how many
    assignments were removed."""
    n = 0
    for call in store.list_calls(conn):
        if call["collection_slug"]:
            continue
        n += len(refresh(conn, call, pending))
    return n


def notices(conn: Connection, call_id: int, limit: int = 10) -> list[dict]:
    """The latest conflict notices of a call, for its page."""
    out = []
    for n in store.notifications_of(conn, call_id):
        if n["kind"] == NOTICE_KIND and not any(o["body"] == n["body"] for o in out):
            out.append({"at": n["at"], "subject": n["subject"], "body": n["body"]})
        if len(out) >= limit:
            break
    return out
