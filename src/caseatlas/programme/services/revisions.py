"""Revision requests (修改后再议) and withdrawal: what happens to a submission between its review
and the book besides a decision.

A **revision request** (OpenReview's revision stage, HotCRP's response rounds): an organizer asks
the applicant to revise a submitted case, with the panel's requests and a deadline typed in the
call's time zone. Until that deadline the submission is open again for its applicant only
(`services/rules.py`: `submission.edit` while a request is open), whatever the call's phase; the
applicant edits and resubmits with a response letter (逐条回复) through `answer`, which keeps the
revised text as a new submitted version; the organizers are told. An open request past its
deadline is *expired*, computed from the clock (`services.rules.now_iso`) — nothing runs at the
deadline. `diff` shows what changed between the version the request was made on and the answered
one: title and domain, sections by heading (word-level for Chinese, by rjieba tokens), declared
outcomes (value, unit, period), the response — through the blind projection (`blind.py`) for a
reviewer of a blind call, masked before it is compared, so no fragment of a name survives.

**Withdrawal**: the applicant withdraws their own submission (a reason optional) at any time
before the call's book is published. It leaves assignment (the reviewers' lists), ranking,
decisions, quotas and the book (`submissions.status` = withdrawn: every one of them reads
submitted submissions only); the reviews stay, for the record; the organizers are told. A
withdrawn submission cannot be edited, resubmitted, assigned or decided (409).

The mails of both are written by `message`, the one function a template system can replace."""

from __future__ import annotations

import difflib
import html
import re
from datetime import UTC, datetime, time
from typing import Literal

from ...errors import CaseAtlasError, Conflict, NotFound
from ...services import audit, mail, notify, rules
from ...services.context import Context, can, require
from ...services.records import Result
from ...store import programmes as store
from ...store import revisions as revision_store
from ...text.times import local_time, zone
from ...vocab import KIND_LABELS_ZH
from . import blind as blind_view
from . import submissions
from .calls import call_view, load_call, parse_deadline, submission_view

MAX_REQUESTS = 20_000  # characters of the panel's requests (they may quote the reviews)
MAX_RESPONSE = 20_000  # characters of the applicant's response letter
MAX_REASON = 500  # characters of a withdrawal's reason
RevisionState = Literal["open", "answered", "expired", "closed"]  # vocab.REVISION_STATES


class RevisionRequest(Result):
    id: int
    submission: int
    round_id: int | None
    requests: str
    deadline: str  # ISO-8601 UTC
    deadline_local: str  # as people read it, in the call's zone: 2027年3月31日 23:59（北京时间）
    state: RevisionState
    base_version: int  # the submitted version the request was made on
    answered_version: int | None
    response: str | None
    requested_by: str | None  # 组织方 to a reviewer of a blind call
    requested_at: str
    answered_at: str | None


class FieldChange(Result):
    field: Literal["title", "domain"]
    before: str
    after: str
    html: str  # word-level: escaped text with <del>/<ins>


class SectionChange(Result):
    heading: str
    change: Literal["added", "removed", "changed"]
    html: str  # word-level: escaped text with <del>/<ins>; empty when withheld
    withheld: bool = False  # the organization-profile section, to a reviewer of a blind call


class OutcomeChange(Result):
    change: Literal["added", "removed", "changed"]
    kind: str
    label: str
    before: str | None  # the outcome in a line (submissions.outcome_summary)
    after: str | None
    fields: list[str]  # what changed of a changed outcome: value, unit, period, status


class RevisionDiff(Result):
    """What changed between the version a revision was requested on and the answered version,
    with the request and the applicant's response."""

    submission: int
    blind: bool
    request: RevisionRequest | None  # the latest
    history: list[RevisionRequest]  # every request, oldest first
    from_version: int | None
    to_version: int | None
    fields: list[FieldChange]
    sections: list[SectionChange]
    outcomes: list[OutcomeChange]
    response: str | None


class Withdrawal(Result):
    submission: int
    status: str
    reason: str | None
    at: str
    at_local: str
    unassigned: int  # reviewers it was taken from


# --- the one writer of this module's mails


def _context(call: dict, sub: dict, **more) -> dict:
    """What every revision mail's template reads (services/mail.py PLACEHOLDERS)."""
    return {"title": sub["title"], "link": mail.link(f"/submissions/{sub['id']}"), **more}


# --- reading


def state(req: dict, now: str | None = None) -> str:
    """A request's state now: an open request past its deadline has expired."""
    if req["status"] == "open" and (now or rules.now_iso()) >= req["deadline"]:
        return "expired"
    return req["status"]


def _record(req: dict, call: dict, name=None) -> RevisionRequest:
    who = req.get("requested_by_name")
    return RevisionRequest(
        id=req["id"],
        submission=req["submission_id"],
        round_id=req["round_id"],
        requests=req["requests"],
        deadline=req["deadline"],
        deadline_local=local_time(req["deadline"], call.get("timezone")),
        state=state(req),
        base_version=req["base_version"],
        answered_version=req["answered_version"],
        response=req["response"],
        requested_by=name(who) if name else who,
        requested_at=req["requested_at"],
        answered_at=req["answered_at"],
    )


def _load(conn, submission_id: int) -> tuple[dict, dict]:
    sub = store.get_submission(conn, submission_id)
    if sub is None:
        raise NotFound(f"no submission {submission_id}")
    return sub, load_call(conn, sub["call_id"])


def _deadline(value: str | None, tz: str | None) -> str:
    """A deadline typed in the call's zone ('2027-03-31' is the end of that day there,
    '2027-03-31T18:00' that time there; a time with its own offset is taken as it is) → ISO UTC,
    read by `calls.parse_deadline`."""
    text = str(value or "").strip().replace(" ", "T")
    if not text:
        raise CaseAtlasError("deadline: required (YYYY-MM-DD or YYYY-MM-DDTHH:MM, in the call's time zone)")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            moment = datetime.combine(datetime.fromisoformat(text).date(), time(23, 59, 59))
        else:
            moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CaseAtlasError(f"deadline '{value}': use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=zone(tz))
    try:
        moment.astimezone(UTC)
    except OverflowError:  # year 1 or 9999 at the edge of a zone
        raise CaseAtlasError(f"deadline '{value}': out of range") from None
    return parse_deadline(moment.isoformat())


# --- the organizer asks


def request_revision(
    ctx: Context, submission_id: int, requests: str, deadline: str, round_id: int | None = None
) -> RevisionRequest:
    """Ask the applicant to revise a submitted, undecided submission by `deadline` (typed in the
    call's zone); it is reopened for them until then and they are mailed the requests."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        view = submission_view(conn, call, sub)
        require(ctx, "programme.manage", view)  # unseen: 404
        if sub["status"] == "withdrawn":
            raise Conflict(f"submission {submission_id} was withdrawn: no revision can be requested")
        if sub["status"] != "submitted":
            raise Conflict(f"submission {submission_id} has not been submitted: there is nothing to revise yet")
        if view.call.phase == "published":
            raise Conflict("the call's book is published: reopen the decisions before requesting a revision")
        if sub["decision"]:
            raise Conflict(f"submission {submission_id} is decided: set it undecided before requesting a revision")
        text = (requests or "").replace("\r\n", "\n").strip()
        if not text:
            raise CaseAtlasError("requests: say what the applicant should revise")
        if len(text) > MAX_REQUESTS:
            raise CaseAtlasError(f"requests: at most {MAX_REQUESTS} characters")
        if round_id is not None and (isinstance(round_id, bool) or not isinstance(round_id, int) or round_id < 1):
            raise CaseAtlasError("round_id: a positive whole number")
        due = _deadline(deadline, call.get("timezone"))
        now = rules.now_iso()
        if due <= now:
            raise CaseAtlasError(f"deadline {local_time(due, call.get('timezone'))} has passed: give a later one")
        latest = revision_store.latest_requests(conn, [submission_id]).get(submission_id)
        if latest and state(latest, now) == "open":
            raise Conflict(
                f"a revision request is already open until {local_time(latest['deadline'], call.get('timezone'))}"
            )
        rid = revision_store.add_request(
            conn,
            submission_id=submission_id,
            round_id=round_id,
            requests=text,
            deadline=due,
            base_version=sub["version"],
            status="open",
            requested_by=ctx.actor.user_id,
            requested_at=now,
        )
        req = next(r for r in revision_store.requests_of(conn, submission_id) if r["id"] == rid)
        notify.queue_template(
            conn,
            call,
            "revision_request",
            sub["applicant_email"],
            _context(call, sub, name=sub["applicant"], deadline=mail.At(req["deadline"]), requests=req["requests"]),
            pending,
            recipient_id=sub["applicant_id"],
        )
        audit.record(
            conn,
            ctx,
            "revision.request",
            f"submission:{submission_id}",
            request=rid,
            deadline=due,
            round=round_id,
            version=sub["version"],
        )
        out = _record(req, call)
    notify.send(ctx.engine, pending)
    return out


# --- the applicant answers


def answer(ctx: Context, submission_id: int, response: str) -> RevisionRequest:
    """The applicant resubmits with a response letter (逐条回复): the submission as edited becomes
    its next submitted version (or, unchanged, the response answers for the version as it is) and
    the request is answered; the organizers are told. Only while the request is open."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        view = submission_view(conn, call, sub)
        latest = revision_store.latest_requests(conn, [submission_id]).get(submission_id)
        submissions.require_edit(ctx, sub, call, view)
        if latest is None or state(latest) != "open":
            raise Conflict(f"submission {submission_id} has no open revision request to answer")
        text = (response or "").replace("\r\n", "\n").strip()
        if not text:
            raise CaseAtlasError("response: answer the requests point by point (逐条回复)")
        if len(text) > MAX_RESPONSE:
            raise CaseAtlasError(f"response: at most {MAX_RESPONSE} characters")
        version = submissions.new_version(
            conn, ctx, sub, call, pending, "修改稿与逐条回复已收到，评审专家将看到修改对照。", allow_unchanged=True
        )
        stamp = rules.now_iso()
        revision_store.update_request(
            conn, latest["id"], status="answered", response=text, answered_version=version, answered_at=stamp
        )
        req = {**latest, "status": "answered", "response": text, "answered_version": version, "answered_at": stamp}
        for m in store.members(conn, call["id"], "organizer"):
            notify.queue_template(
                conn,
                call,
                "revision_answered",
                m["email"],
                _context(call, sub, name=m["display_name"] or m["username"], version=version, answered=mail.At(stamp)),
                pending,
                recipient_id=m["user_id"],
            )
        audit.record(conn, ctx, "revision.answer", f"submission:{submission_id}", request=latest["id"], version=version)
        out = _record(req, call)
    notify.send(ctx.engine, pending)
    return out


# --- the diff


def _tokens(text: str) -> list[str]:
    """Words for the diff: rjieba's for Chinese (a changed word, not a changed character, is
    marked), whitespace kept as its own tokens so lines survive."""
    import rjieba

    return [t for t in rjieba.cut(text or "") if t]


def _marked(before: str, after: str) -> str:
    """`before` → `after` as escaped text with <del> and <ins> around what changed."""
    a, b = _tokens(before), _tokens(after)
    out = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            out.append(html.escape("".join(a[i1:i2])))
            continue
        if i2 > i1:
            out.append(f"<del>{html.escape(''.join(a[i1:i2]))}</del>")
        if j2 > j1:
            out.append(f"<ins>{html.escape(''.join(b[j1:j2]))}</ins>")
    return "".join(out)


OUTCOME_FIELDS = ("value", "unit", "period", "status")


def _outcome_changes(old: list[dict], new: list[dict]) -> list[OutcomeChange]:
    """Declared outcomes paired by kind, in their order: a pair that differs in value, unit,
    period or status is changed; the rest are added or removed."""

    def line(o: dict) -> str:
        return submissions.outcome_summary(
            o["kind"], o["value"], o["unit"], o.get("period") or "unspecified", o.get("status") or "achieved"
        )

    def same(o: dict, p: dict, f: str) -> bool:
        default = {"period": "unspecified", "status": "achieved"}.get(f)
        return (o.get(f) or default) == (p.get(f) or default)

    out: list[OutcomeChange] = []
    kinds = list(dict.fromkeys([o["kind"] for o in old] + [o["kind"] for o in new]))
    for kind in kinds:
        before = [o for o in old if o["kind"] == kind]
        after = [o for o in new if o["kind"] == kind]
        # unchanged figures first, so one edited figure among several is paired with itself
        for o in list(before):
            twin = next((p for p in after if all(same(o, p, f) for f in OUTCOME_FIELDS)), None)
            if twin is not None:
                before.remove(o)
                after.remove(twin)
        label = KIND_LABELS_ZH.get(kind, kind)
        for o, p in zip(before, after):
            fields = [f for f in OUTCOME_FIELDS if not same(o, p, f)]
            out.append(
                OutcomeChange(change="changed", kind=kind, label=label, before=line(o), after=line(p), fields=fields)
            )
        for o in before[len(after) :]:
            out.append(OutcomeChange(change="removed", kind=kind, label=label, before=line(o), after=None, fields=[]))
        for p in after[len(before) :]:
            out.append(OutcomeChange(change="added", kind=kind, label=label, before=None, after=line(p), fields=[]))
    return out


def compare(old: dict, new: dict, mask: blind_view.Mask | None = None) -> tuple[list, list, list]:
    """(fields, sections, outcomes) changed from version `old` to `new`. With an active `mask`
    both texts are masked before they are compared, and the organization's profile is withheld."""
    text = mask.text if mask is not None and mask.active else (lambda x: x)
    fields = []
    for f in ("title", "domain"):
        a, b = text(old.get(f) or ""), text(new.get(f) or "")
        if a != b:
            fields.append(FieldChange(field=f, before=a, after=b, html=_marked(a, b)))
    before = {s["heading"]: s.get("text") or "" for s in old.get("sections") or []}
    after = {s["heading"]: s.get("text") or "" for s in new.get("sections") or []}
    sections = []
    for heading in list(after) + [h for h in before if h not in after]:
        a, b = before.get(heading, ""), after.get(heading, "")
        if a == b:
            continue
        change = "added" if not a.strip() else "removed" if not b.strip() else "changed"
        if mask is not None and mask.active and blind_view.PROFILE.search(heading):
            sections.append(SectionChange(heading=heading, change=change, html="", withheld=True))
            continue
        ma, mb = text(a), text(b)
        if ma == mb:  # only a name changed, and names are not shown
            continue
        sections.append(SectionChange(heading=text(heading), change=change, html=_marked(ma, mb)))
    outcomes = _outcome_changes(old.get("outcomes") or [], new.get("outcomes") or [])
    return fields, sections, outcomes


def diff(ctx: Context, submission_id: int) -> RevisionDiff:
    """The latest revision request of the submission, its history, and what the answer changed
    (empty until it is answered), as this actor may see it (`submission.read`)."""
    with ctx.engine.connect() as conn:
        sub, call = _load(conn, submission_id)
        view = submission_view(conn, call, sub)
        require(ctx, "submission.read", view)
        manager = can(ctx.actor, "programme.manage", view.call)
        blind = blind_view.is_blind_for(call, sub, ctx.actor, manager)
        history = revision_store.requests_of(conn, submission_id)
        latest = history[-1] if history else None
        versions = {v["version"]: v["data"] for v in store.versions(conn, submission_id)}
        old = versions.get(latest["base_version"]) if latest else None
        new = versions.get(latest["answered_version"]) if latest and latest["answered_version"] else None
        # The mask knows the names both versions use (a short name declared only in the old text too).
        probe = dict(sub)
        if old is not None and new is not None:
            probe["title"] = f"{old['title']}\n{new['title']}"
            probe["sections"] = list(old["sections"]) + list(new["sections"]) + list(sub["sections"])
        mask = blind_view.mask_for(conn, call, probe, blind, ctx.actor.user_id)
        name = None
        if blind:
            name = lambda who: "组织方" if who else None  # noqa: E731  (only organizers request revisions)
        records = [_record(r, call, name) for r in history]
        if blind:
            records = [
                r.model_copy(update={"requests": mask.text(r.requests), "response": mask.text(r.response)})
                for r in records
            ]
        fields, sections, outcomes = compare(old, new, mask) if old is not None and new is not None else ([], [], [])
        last = records[-1] if records else None
        return RevisionDiff(
            submission=submission_id,
            blind=blind,
            request=last,
            history=records,
            from_version=latest["base_version"] if latest else None,
            to_version=latest["answered_version"] if latest else None,
            fields=fields,
            sections=sections,
            outcomes=outcomes,
            response=last.response if last else None,
        )


def requests_of_call(ctx: Context, call_id: int) -> list[RevisionRequest]:
    """Every revision request of a call, oldest first (organizers: the ranking page's column)."""
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        return [_record(r, call) for r in revision_store.requests_of_call(conn, call_id)]


# --- withdrawal


def withdraw(ctx: Context, submission_id: int, reason: str | None = None) -> Withdrawal:
    """The applicant withdraws their submission, before the call's book is published."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        view = submission_view(conn, call, sub)
        require(ctx, "submission.withdraw", view)
        if sub["status"] == "withdrawn":
            raise Conflict(f"submission {submission_id} is already withdrawn")
        if call["collection_slug"]:
            raise Conflict("the call's book is published: a submission in it can no longer be withdrawn")
        why = (reason or "").replace("\r\n", "\n").strip() or None
        if why and len(why) > MAX_REASON:
            raise CaseAtlasError(f"reason: at most {MAX_REASON} characters")
        stamp = rules.now_iso()
        unassigned = revision_store.remove_assignments(conn, submission_id)
        revision_store.close_open_requests(conn, submission_id)
        revision_store.add_withdrawal(
            conn,
            submission_id=submission_id,
            reason=why,
            withdrawn_by=ctx.actor.user_id,
            at=stamp,
            prior_status=sub["status"],
            prior_decision=sub["decision"],
        )
        store.update_submission(conn, submission_id, status="withdrawn", decision=None, updated_at=stamp)
        for m in store.members(conn, call["id"], "organizer"):
            notify.queue_template(
                conn,
                call,
                "submission_withdrawn",
                m["email"],
                _context(call, sub, name=m["display_name"] or m["username"], reason=why or ""),
                pending,
                recipient_id=m["user_id"],
            )
        audit.record(
            conn,
            ctx,
            "submission.withdraw",
            f"submission:{submission_id}",
            reason=why,
            prior_status=sub["status"],
            prior_decision=sub["decision"],
            unassigned=unassigned,
        )
    notify.send(ctx.engine, pending)
    return Withdrawal(
        submission=submission_id,
        status="withdrawn",
        reason=why,
        at=stamp,
        at_local=local_time(stamp, call.get("timezone")),
        unassigned=len(unassigned),
    )


def withdrawal(ctx: Context, submission_id: int) -> Withdrawal | None:
    """The withdrawal of a submission this actor may read, if it was withdrawn."""
    with ctx.engine.connect() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "submission.read", submission_view(conn, call, sub))
        w = revision_store.withdrawal(conn, submission_id)
        if w is None:
            return None
        return Withdrawal(
            submission=submission_id,
            status=sub["status"],
            reason=w["reason"],
            at=w["at"],
            at_local=local_time(w["at"], call.get("timezone")),
            unassigned=0,
        )
