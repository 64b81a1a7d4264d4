"""Site visits (调研核实): an organizer plans a visit to a submission's site — a team of the call's
panel or organizers with a lead, a time in the call's zone, a place, a checklist — and the
applicant and the team are sent a notice; the team ticks the checklist, uploads evidence (photos
re-encoded without EXIF, with thumbnails; documents checked as attachments are), gives a verdict
on each declared figure (confirmed / adjusted to a value / not verifiable, with why) and writes
the report, which marks the visit done.

A done visit's verdicts change the figures (programme/domain/verdicts.py): the declared value is
kept, the verified one is added with its provenance; the submission's claim checks are computed
again (an adjusted figure at its value found, a figure not verifiable flagged with the reason);
publishing prints and stores the verified value with why (programme/services/selection.py).

Who sees what (services/rules.py `VisitView`): the organizers and the team everything; the
reviewers who may read the submission the report, checklist, evidence and verdicts — through
the blind projection in a blind call (names masked, files withheld); the applicant the time,
place, team and notice, and once the visit is done the verdicts on their figures."""

from __future__ import annotations

import hashlib
import re
from datetime import datetime
from pathlib import Path

from ...errors import CaseAtlasError, Forbidden, LoginRequired, NotFound
from ...extract.quantities import find_quantities
from ...readers.limits import check_pdf_streams, check_zip
from ...services import audit, mail, notify
from ...services.context import Context, can, require
from ...services.rules import VisitView, now_iso
from ...store import accounts as accounts_store
from ...store import programmes as store
from ...store import visits as vstore
from ...text.lists import join_list, parenthesized
from ...text.numbers import format_quantity
from ...text.times import local_time, zone
from ...vocab import EVIDENCE_KINDS, FIGURE_VERDICT_LABELS, FIGURE_VERDICTS, VISIT_CHECKLIST, VISIT_STATUSES
from ..domain import verdicts as V
from ..domain.images import MAX_BYTES as MAX_PHOTO
from ..domain.images import clean_image
from . import blind as blind_view
from .calls import conflicts_of, load_call, parse_deadline, submission_view
from .records import ChecklistItem, Evidence, FigureCheck, Visit, VisitMember

MAX_PLACE = 300
MIN_YEAR, MAX_YEAR = 2000, 2100  # a visit's year (and no instant a time zone pushes out of datetime's range)
MAX_ITEMS = 30
MAX_ITEM = 100
MAX_NOTE = 2000
MAX_REPORT = 20_000
MAX_CAPTION = 200
MAX_TEAM = 12
MAX_DOCUMENT = 10 * 1024 * 1024  # as a submission's attachment
DOCUMENT_TYPES = {
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
MAX_UPLOAD = max(MAX_PHOTO, MAX_DOCUMENT)  # what the shells read of an upload before the service checks it
WITHHELD = "盲评期间不向评审专家提供（照片和文件无法可靠地隐去其中的单位信息）"
# Money, energy and mass figures may be typed in a unit of the same family as the declared one.
_SAME_TONNES = ("tCO2e", "tce", "t")


# --- reading


def _load(conn, visit_id: int) -> tuple[dict, dict, dict]:
    visit = vstore.get_visit(conn, visit_id)
    if visit is None:
        raise NotFound(f"no visit {visit_id}")
    sub = store.get_submission(conn, visit["submission_id"])
    return visit, sub, load_call(conn, sub["call_id"])


def _view(conn, call: dict, sub: dict, visit: dict, team: list[dict]) -> VisitView:
    return VisitView(
        submission_view(conn, call, sub), visit["id"], frozenset(m["user_id"] for m in team), visit["status"]
    )


def _require_visit(ctx: Context, action: str, view: VisitView) -> None:
    """A visit the actor may not read is unknown to them (404, as an id that never existed);
    one they may read but not change is refused (403)."""
    if ctx.actor.kind == "anonymous":
        raise LoginRequired(f"log in to do this ({action})")
    if not can(ctx.actor, "visit.read", view):
        raise NotFound(f"no visit {view.visit_id}")
    require(ctx, action, view)


def parse_local(value: str | None, tz: str | None) -> str:
    """A time typed in the call's zone ("2027-04-02T09:30", "2027-04-02 09:30") → UTC ISO, read by
    `calls.parse_deadline` once the zone is attached (a time with its own zone is kept)."""
    text = str(value or "").strip().replace(" ", "T")
    if not text:
        raise CaseAtlasError("time of the visit: required (YYYY-MM-DDTHH:MM, in the call's time zone)")
    try:
        dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CaseAtlasError(f"time of the visit '{str(value)[:40]}': use YYYY-MM-DDTHH:MM") from None
    if not MIN_YEAR <= dt.year <= MAX_YEAR:
        raise CaseAtlasError(f"time of the visit '{str(value)[:40]}': a year from {MIN_YEAR} to {MAX_YEAR}")
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=zone(tz))
    return parse_deadline(dt.isoformat())


def _figures(conn, sub: dict, call: dict) -> list[dict]:
    """The submission's confirmed declared figures, each with the verdict that holds (`verified`)."""
    declared = [o for o in sub["outcomes"] or [] if o.get("confirmed", True)]
    return V.with_verdicts(declared, vstore.verdicts_of(conn, [sub["id"]]), call["timezone"])


def _checklist(items) -> list[dict]:
    if items is None:
        return [{"item": x, "done": False, "note": None} for x in VISIT_CHECKLIST]
    if len(items) > MAX_ITEMS:
        raise CaseAtlasError(f"checklist: at most {MAX_ITEMS} items")
    out, seen = [], set()
    for i, x in enumerate(items, 1):
        x = {"item": x} if isinstance(x, str) else dict(x)
        item = str(x.get("item") or "").strip()
        if not item or len(item) > MAX_ITEM:
            raise CaseAtlasError(f"checklist item {i}: 1 to {MAX_ITEM} characters")
        if item in seen:
            raise CaseAtlasError(f"checklist item {i}: '{item}' is listed twice")
        seen.add(item)
        note = str(x.get("note") or "").strip()
        if len(note) > MAX_NOTE:
            raise CaseAtlasError(f"checklist item {i}: a note of at most {MAX_NOTE} characters")
        out.append({"item": item, "done": bool(x.get("done")), "note": note or None})
    return out


def _shown(conn, ctx: Context, visit: dict, sub: dict, call: dict) -> Visit:
    """The visit as this reader may see it."""
    team = vstore.teams(conn, [visit["id"]])[visit["id"]]
    view = _view(conn, call, sub, visit, team)
    actor = ctx.actor
    manager = can(actor, "visit.manage", view)
    on_team = actor.user_id in view.team
    applicant = actor.user_id == sub["applicant_id"] and not manager and not on_team
    blind = blind_view.is_blind_for(call, sub, actor, manager) and not on_team
    mask = blind_view.mask_for(conn, call, sub, blind, actor.user_id)
    name = (
        blind_view.pseudonyms(sorted(view.submission.call.reviewers), view.submission.call.managers, actor.user_id)
        if blind
        else None
    )
    members = [
        VisitMember(
            username=name(m["user_id"], m["username"]) if name else m["username"],
            display_name=None if name else m["display_name"],
            lead=m["user_id"] == visit["lead_id"],
        )
        for m in team
    ]
    figures = None
    if not applicant or visit["status"] == "done":
        own = {v["figure"]: v for v in vstore.verdicts_of(conn, [sub["id"]]) if v["visit_id"] == visit["id"]}
        figures = []
        for o in _figures(conn, sub, call):
            key = V.figure_key({**o, "value": o.get("declared_value", o["value"])})
            v = own.get(key)
            declared_value = o.get("declared_value", o["value"])
            words = None
            if v is not None:
                held = {**o, "value": v["value"] if v["verdict"] == "adjusted" else declared_value}
                held["verified"] = V.verification(v, {**o, "value": declared_value}, call["timezone"])
                words = V.adjustment_words(held)
            figures.append(
                FigureCheck(
                    figure=key,
                    kind=o["kind"],
                    declared_value=declared_value,
                    unit=o["unit"],
                    period=o["period"],
                    status=o.get("status") or "achieved",
                    summary=_summary({**o, "value": declared_value}),
                    verdict=v["verdict"] if v else None,
                    value=v["value"] if v else None,
                    note=mask.text(v["note"]) if v else None,
                    by=(name(v["by_id"], v["by"]) if name else v["by"]) if v else None,
                    at=v["at"] if v else None,
                    words=mask.text(words),
                )
            )
    evidence = None
    if not applicant:
        evidence = []
        for n, e in enumerate(vstore.evidence_of(conn, visit["id"]), 1):
            shown = Evidence(**{k: e[k] for k in Evidence.model_fields if k in e})
            if blind:
                word = "照片" if e["kind"] == "photo" else "文件"
                shown = shown.model_copy(
                    update={
                        "filename": f"{word}{n}{Path(e['filename']).suffix}",
                        "size": None,
                        "caption": mask.text(e["caption"]),
                        "withheld": True,
                        "note": WITHHELD,
                    }
                )
            evidence.append(shown)
    return Visit(
        id=visit["id"],
        call=call["id"],
        submission=sub["id"],
        submission_title=mask.title(sub["title"]),
        timezone=call["timezone"],
        starts_at=visit["starts_at"],
        starts_local=local_time(visit["starts_at"], call["timezone"], "zh"),
        place=mask.text(visit["place"]),
        status=visit["status"],
        team=members,
        notice=mask.text(visit["notice"]),
        checklist=None
        if applicant
        else [
            ChecklistItem(item=mask.text(c["item"]), done=c["done"], note=mask.text(c.get("note")))
            for c in visit["checklist"]
        ],
        report=None if applicant else mask.text(visit["report"]),
        evidence=evidence,
        figures=figures,
        done_at=visit["done_at"],
        blind=blind,
        can={"visit.manage": manager, "visit.record": can(actor, "visit.record", view)},
    )


def _summary(o: dict) -> str:
    from .submissions import outcome_summary

    return outcome_summary(o["kind"], o["value"], o["unit"], o["period"], o.get("status") or "achieved")


def get(ctx: Context, visit_id: int) -> Visit:
    with ctx.engine.connect() as conn:
        visit, sub, call = _load(conn, visit_id)
        team = vstore.teams(conn, [visit_id])[visit_id]
        _require_visit(ctx, "visit.read", _view(conn, call, sub, visit, team))
        return _shown(conn, ctx, visit, sub, call)


def list_for_submission(ctx: Context, submission_id: int) -> list[Visit]:
    """A submission's visits, for whoever may read the submission (each as they may see it)."""
    with ctx.engine.connect() as conn:
        sub = store.get_submission(conn, submission_id)
        if sub is None:
            raise NotFound(f"no submission {submission_id}")
        call = load_call(conn, sub["call_id"])
        require(ctx, "visit.read", submission_view(conn, call, sub))
        return [_shown(conn, ctx, v, sub, call) for v in vstore.visits_of(conn, submission_id=submission_id)]


def list_for_call(ctx: Context, call_id: int) -> list[Visit]:
    """The visits of a call this account manages or is on the team of (none for anyone else)."""
    require(ctx, "visit.read")
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        rows = vstore.visits_of(conn, call_id=call_id)
        teams = vstore.teams(conn, [v["id"] for v in rows])
        subs = (
            {s["id"]: s for s in store.list_submissions(conn, call_id, ids=list({v["submission_id"] for v in rows}))}
            if rows
            else {}
        )
        out = []
        for v in rows:
            sub = subs[v["submission_id"]]
            view = _view(conn, call, sub, v, teams[v["id"]])
            if can(ctx.actor, "visit.manage", view) or ctx.actor.user_id in view.team:
                out.append(_shown(conn, ctx, v, sub, call))
        return out


# --- planning


def _team(conn, call: dict, sub: dict, usernames: list[str], lead: str | None) -> tuple[list[int], int]:
    """The team's accounts: each a member of the call's panel or one of its organizers, none the
    applicant nor conflicted with the submission; the lead one of them (the first by default)."""
    names = [str(u).strip() for u in usernames or [] if str(u).strip()]
    names = list(dict.fromkeys(names))
    if not names:
        raise CaseAtlasError("team: name at least one member (the call's reviewers or organizers)")
    if len(names) > MAX_TEAM:
        raise CaseAtlasError(f"team: at most {MAX_TEAM} members")
    members = {m["user_id"] for m in store.members(conn, call["id"])}
    prog = store.get_programme(conn, call["programme_id"])
    if prog and prog["created_by"]:
        members.add(prog["created_by"])
    conflicted = {r for (s, r) in conflicts_of(conn, call, [sub]) if s == sub["id"]}
    ids = []
    for n in names:
        user = accounts_store.get_user(conn, n)
        if user is None or user.id not in members:
            raise CaseAtlasError(f"team: '{n}' is not on this call's panel or among its organizers")
        if user.id == sub["applicant_id"]:
            raise CaseAtlasError(f"team: '{n}' is the applicant")
        if user.id in conflicted:
            raise CaseAtlasError(f"team: '{n}' has a conflict of interest with this submission")
        ids.append(user.id)
    lead = (lead or "").strip() or names[0]
    if lead not in names:
        raise CaseAtlasError(f"lead: '{lead}' is not on the team")
    return ids, ids[names.index(lead)]


def notice_context(sub: dict, visit: dict, team: list[dict], changed: bool = False) -> dict:
    """What the visit notice's template reads (services/mail.py: visit_notice): the time as an
    instant the template writes in the call's zone, the place, the team with its lead marked, what
    to prepare (the visit's checklist), and whether the visit changed or was cancelled."""
    lead = next((m for m in team if m["user_id"] == visit["lead_id"]), None)
    cancelled = visit["status"] == "cancelled"
    items = [c["item"] for c in visit["checklist"]]

    def members(lang: str) -> str:
        lead_word = parenthesized("lead" if lang == "en" else "组长", lang)
        return join_list(((m["display_name"] or m["username"]) + (lead_word if m is lead else "") for m in team), lang)

    # The checklist's items are the organizers' own words (as written); what is said around them
    # is in the mail's language.
    notes = mail.Words(
        join_list([*items, "并安排熟悉项目的人员陪同。核查将逐项核对申报的量化成果。"], "zh", "clauses"),
        join_list(
            [*items, "and someone who knows the project to accompany the team. The team checks each declared figure."],
            "en",
            "clauses",
        ),
    )
    return {
        "title": sub["title"],
        "link": mail.link(f"/submissions/{sub['id']}"),
        "date": mail.At(visit["starts_at"]),
        "place": visit["place"],
        "team": mail.Words(members("zh"), members("en")),
        "notes": "" if cancelled else notes,
        "changed": changed,
        "cancelled": cancelled,
    }


def _send_notice(conn, call: dict, sub: dict, visit: dict, pending: list, changed: bool = False) -> str:
    """Mail the notice to the applicant and the team, each in their words; what the applicant was
    sent is kept with the visit."""
    team = vstore.teams(conn, [visit["id"]])[visit["id"]]
    context = notice_context(sub, visit, team, changed)
    people = [(sub["applicant_email"], sub["applicant"], sub["applicant_id"])]
    people += [(m["email"], m["display_name"] or m["username"], m["user_id"]) for m in team]
    sent: set[str] = set()
    for to, name, uid in people:
        if to and to not in sent:
            sent.add(to)
            notify.queue_template(conn, call, "visit_notice", to, {**context, "name": name}, pending, recipient_id=uid)
    lang = notify.lang_for(call, sub["applicant_id"], conn)
    return notify.compose(conn, call, "visit_notice", lang, {**context, "name": sub["applicant"]})[1]


def plan(
    ctx: Context,
    submission_id: int,
    starts_at: str,
    place: str,
    team: list[str],
    lead: str | None = None,
    checklist: list | None = None,
) -> Visit:
    """Plan a visit (organizers) to a submitted case; the applicant and the team are sent the notice."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub = store.get_submission(conn, submission_id)
        if sub is None:
            raise NotFound(f"no submission {submission_id}")
        call = load_call(conn, sub["call_id"])
        require(ctx, "visit.manage", submission_view(conn, call, sub))
        if sub["status"] != "submitted":
            raise CaseAtlasError("a visit is planned for a submitted case (this one is a draft)")
        at = parse_local(starts_at, call["timezone"])
        place = (place or "").strip()
        if not place or len(place) > MAX_PLACE:
            raise CaseAtlasError(f"place: 1 to {MAX_PLACE} characters")
        ids, lead_id = _team(conn, call, sub, team, lead)
        stamp = now_iso()
        vid = vstore.add_visit(
            conn,
            call_id=call["id"],
            submission_id=submission_id,
            starts_at=at,
            place=place,
            status="planned",
            lead_id=lead_id,
            checklist=_checklist(checklist),
            created_by=ctx.actor.user_id,
            created_at=stamp,
            updated_at=stamp,
        )
        vstore.set_team(conn, vid, ids)
        visit = vstore.get_visit(conn, vid)
        vstore.update_visit(conn, vid, notice=_send_notice(conn, call, sub, visit, pending))
        audit.record(conn, ctx, "visit.plan", f"visit:{vid}", submission=submission_id, at=at, team=len(ids))
        visit = vstore.get_visit(conn, vid)
        out = _shown(conn, ctx, visit, sub, call)
    notify.send(ctx.engine, pending)
    return out


def update(
    ctx: Context,
    visit_id: int,
    starts_at: str | None = None,
    place: str | None = None,
    team: list[str] | None = None,
    lead: str | None = None,
    status: str | None = None,
) -> Visit:
    """Change a visit's time, place, team or status (organizers). A new time, place or team, or a
    cancellation, sends the notice again; reopening a done visit takes its verdicts off the
    figures until it is done again."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        visit, sub, call = _load(conn, visit_id)
        _require_visit(ctx, "visit.manage", _view(conn, call, sub, visit, vstore.teams(conn, [visit_id])[visit_id]))
        values: dict = {}
        if starts_at is not None:
            values["starts_at"] = parse_local(starts_at, call["timezone"])
        if place is not None:
            place = place.strip()
            if not place or len(place) > MAX_PLACE:
                raise CaseAtlasError(f"place: 1 to {MAX_PLACE} characters")
            values["place"] = place
        if team is not None or lead is not None:
            current = [m["username"] for m in vstore.teams(conn, [visit_id])[visit_id]]
            ids, values["lead_id"] = _team(conn, call, sub, team if team is not None else current, lead)
            vstore.set_team(conn, visit_id, ids)
        if status is not None:
            if status not in VISIT_STATUSES:
                raise CaseAtlasError(f"status must be one of {', '.join(VISIT_STATUSES)}")
            values["status"] = status
            values["done_at"] = (visit["done_at"] or now_iso()) if status == "done" else None
        values["updated_at"] = now_iso()
        vstore.update_visit(conn, visit_id, **values)
        after = vstore.get_visit(conn, visit_id)
        moved = any(after[k] != visit[k] for k in ("starts_at", "place", "lead_id")) or team is not None
        if after["status"] != "done" and (moved or (status == "cancelled" and visit["status"] != "cancelled")):
            vstore.update_visit(conn, visit_id, notice=_send_notice(conn, call, sub, after, pending, changed=True))
        if after["status"] != visit["status"]:
            _recheck(conn, sub, call)
        audit.record(
            conn, ctx, "visit.update", f"visit:{visit_id}", fields=sorted(k for k in values if k != "updated_at")
        )
        out = _shown(conn, ctx, vstore.get_visit(conn, visit_id), sub, call)
    notify.send(ctx.engine, pending)
    return out


# --- recording


def _recording(conn, ctx: Context, visit_id: int) -> tuple[dict, dict, dict]:
    visit, sub, call = _load(conn, visit_id)
    view = _view(conn, call, sub, visit, vstore.teams(conn, [visit_id])[visit_id])
    if visit["status"] != "planned" and can(ctx.actor, "visit.read", view) and ctx.actor.user_id in view.team:
        if not can(ctx.actor, "visit.manage", view):
            raise Forbidden(f"visit {visit_id} is {visit['status']}: an organizer may reopen it")
    _require_visit(ctx, "visit.record", view)
    return visit, sub, call


def set_checklist(ctx: Context, visit_id: int, items: list) -> Visit:
    """The visit's checklist as the team fills it: items (the default list, edited for this visit),
    each done or not, with a note."""
    with ctx.engine.begin() as conn:
        visit, sub, call = _recording(conn, ctx, visit_id)
        checklist = _checklist(items or [])
        if not checklist:
            raise CaseAtlasError("checklist: at least one item")
        vstore.update_visit(conn, visit_id, checklist=checklist, updated_at=now_iso())
        audit.record(conn, ctx, "visit.checklist", f"visit:{visit_id}", done=sum(c["done"] for c in checklist))
        return _shown(conn, ctx, vstore.get_visit(conn, visit_id), sub, call)


def set_report(ctx: Context, visit_id: int, report: str, done: bool = False) -> Visit:
    """The team's report; `done` marks the visit done, which puts its verdicts on the figures."""
    report = (report or "").replace("\r\n", "\n").strip()
    with ctx.engine.begin() as conn:
        visit, sub, call = _recording(conn, ctx, visit_id)
        if len(report) > MAX_REPORT:
            raise CaseAtlasError(f"report: at most {MAX_REPORT} characters")
        values: dict = {"report": report or None, "updated_at": now_iso()}
        if done:
            if not report:
                raise CaseAtlasError("report: write the report before marking the visit done")
            values |= {"status": "done", "done_at": now_iso()}
        vstore.update_visit(conn, visit_id, **values)
        if done:
            _recheck(conn, sub, call)
        audit.record(conn, ctx, "visit.report", f"visit:{visit_id}", done=done, chars=len(report))
        return _shown(conn, ctx, vstore.get_visit(conn, visit_id), sub, call)


def read_found(text, unit: str) -> float:
    """The value the team found, as typed, in the declared figure's unit — read with the project's
    quantity reader: "1.2万吨", "12,000 吨二氧化碳当量", "3000万千瓦时", "1.6亿元", or a bare number
    ("12000", "1.2万") in the declared unit."""
    from .submissions import read_value

    raw = re.sub(r"\s+", "", str(text if text is not None else ""))
    if not raw:
        raise CaseAtlasError("value: the value found on site is required for an adjusted figure")
    found = [q for q in find_quantities(raw) if q.written_unit]
    if len(found) > 1:
        raise CaseAtlasError(f"value '{raw[:40]}': one figure, please")
    if found:
        q = found[0]
        if q.start != 0 or q.end < len(raw.rstrip("。.")):
            raise CaseAtlasError(f"value '{raw[:40]}': only the figure and its unit, please")
        if q.unit == unit or (q.unit == "t" and unit in _SAME_TONNES):
            return float(q.value)
        raise CaseAtlasError(
            f"value '{raw[:40]}': {q.written_unit} is not the declared unit ({format_quantity(1, unit, 'zh')[1:]})"
        )
    value = read_value(raw)
    if value is None:
        raise CaseAtlasError(f"value '{raw[:40]}' cannot be read: a number, with 万/亿 and the unit if you like")
    return value


def set_verdict(
    ctx: Context, visit_id: int, figure: str, verdict: str | None, value=None, note: str | None = None
) -> Visit:
    """The team's verdict on one declared figure (by its key): confirmed, adjusted to the value
    found (with why), not verifiable (with why); none takes it back."""
    note = (note or "").strip()
    with ctx.engine.begin() as conn:
        visit, sub, call = _recording(conn, ctx, visit_id)
        if len(note) > MAX_NOTE:
            raise CaseAtlasError(f"note: at most {MAX_NOTE} characters")
        declared = {V.figure_key(o): o for o in sub["outcomes"] or [] if o.get("confirmed", True)}
        if figure not in declared:
            raise NotFound(f"no declared figure '{figure}' in submission {sub['id']}")
        o = declared[figure]
        if not verdict:
            vstore.remove_verdict(conn, visit_id, figure)
        else:
            if verdict not in FIGURE_VERDICTS:
                raise CaseAtlasError(f"verdict must be one of {', '.join(FIGURE_VERDICTS)}")
            found = None
            if verdict == "adjusted":
                found = read_found(value, o["unit"])
                if found == float(o["value"]):
                    raise CaseAtlasError("the value found is the value declared: record it as confirmed")
            if verdict != "confirmed" and not note:
                label = FIGURE_VERDICT_LABELS[verdict][0]
                raise CaseAtlasError(f"note: say why the figure is {label} ({verdict})")
            vstore.set_verdict(
                conn,
                visit_id,
                figure,
                declared={k: o.get(k) for k in ("kind", "value", "unit", "period", "status")},
                verdict=verdict,
                value=found,
                unit=o["unit"],
                note=note or None,
                by_id=ctx.actor.user_id,
                at=now_iso(),
            )
        audit.record(conn, ctx, "visit.verdict", f"visit:{visit_id}", figure=figure, verdict=verdict, value=value)
        return _shown(conn, ctx, vstore.get_visit(conn, visit_id), sub, call)


def _recheck(conn, sub: dict, call: dict) -> None:
    """The submission's claim checks computed again with the verdicts that now hold."""
    from .submissions import refresh_checks

    refresh_checks(conn, sub["id"], _figures(conn, store.get_submission(conn, sub["id"]), call))


# --- evidence


def _document_type(name: str, content: bytes) -> str | None:
    """A document's extension read from its content: a PDF, or a zip holding Word's or Excel's
    main part; None when it is neither. The readers' bounds refuse bombs first."""
    if content.startswith(b"%PDF-"):
        check_pdf_streams(content, name)
        return ".pdf"
    if content.startswith(b"PK\x03\x04"):
        check_zip(content, name, "document")
        import io
        import zipfile

        parts = set(zipfile.ZipFile(io.BytesIO(content)).namelist())
        if "word/document.xml" in parts:
            return ".docx"
        if "xl/workbook.xml" in parts:
            return ".xlsx"
        raise CaseAtlasError(f"'{name}': a zip archive that is neither a Word (.docx) nor an Excel (.xlsx) file")
    return None


def add_evidence(ctx: Context, visit_id: int, filename: str, content: bytes, caption: str | None = None) -> Evidence:
    """A photo or a document the team brings back. Its type is read from its content, never its
    name: a photo is re-encoded without its metadata (EXIF: the phone's GPS position) with a
    thumbnail; a document must be a PDF, DOCX or XLSX within the readers' bounds."""
    name = Path(filename or "").name.replace("\n", " ")[:120] or "evidence"
    caption = (caption or "").strip() or None
    with ctx.engine.connect() as conn:  # the permission before the costly part
        _recording(conn, ctx, visit_id)
    if caption and len(caption) > MAX_CAPTION:
        raise CaseAtlasError(f"caption: at most {MAX_CAPTION} characters")
    if not content:
        raise CaseAtlasError(f"'{name}': the file is empty")
    ext = None
    if content[:5] == b"%PDF-" or content[:4] == b"PK\x03\x04":
        if len(content) > MAX_DOCUMENT:
            raise CaseAtlasError(f"'{name}': larger than {MAX_DOCUMENT // (1024 * 1024)} MB")
        ext = _document_type(name, content)
    row: dict
    if ext is not None:
        row = {
            "kind": "document",
            "filename": Path(name).stem[:100] + ext,
            "content_type": DOCUMENT_TYPES[ext],
            "data": content,
        }
    else:
        try:
            img = clean_image(content, name, MAX_PHOTO)
        except CaseAtlasError as e:
            if "not an image" in str(e):
                raise CaseAtlasError(
                    f"'{name}': evidence is a photo (JPEG, PNG, WebP) or a document (PDF, DOCX, XLSX)"
                ) from None
            raise
        row = {
            "kind": "photo",
            "filename": Path(name).stem[:100] + img.extension,
            "content_type": img.content_type,
            "data": img.data,
            "thumbnail": img.thumbnail,
            "thumbnail_type": img.thumbnail_type,
            "width": img.width,
            "height": img.height,
        }
    assert row["kind"] in EVIDENCE_KINDS
    with ctx.engine.begin() as conn:
        visit, sub, call = _recording(conn, ctx, visit_id)
        eid = vstore.add_evidence(
            conn,
            visit_id=visit_id,
            size=len(row["data"]),
            sha256=hashlib.sha256(row["data"]).hexdigest(),
            caption=caption,
            uploaded_by=ctx.actor.user_id,
            created_at=now_iso(),
            **row,
        )
        audit.record(conn, ctx, "visit.evidence", f"visit:{visit_id}", file=row["filename"], kind=row["kind"])
        shown = next(e for e in _shown(conn, ctx, vstore.get_visit(conn, visit_id), sub, call).evidence if e.id == eid)
    return shown


def evidence_file(ctx: Context, evidence_id: int, thumbnail: bool = False) -> dict:
    """A piece of evidence to download ({filename, content_type, data}): the team, the organizers
    and the reviewers who may read the submission; in a blind call a reviewer is refused it (a
    photo or document cannot be redacted); the applicant has the verdicts, not the files."""
    with ctx.engine.connect() as conn:
        e = vstore.get_evidence(conn, evidence_id)
        if e is None:
            raise NotFound(f"no evidence {evidence_id}")
        visit, sub, call = _load(conn, e["visit_id"])
        team = vstore.teams(conn, [visit["id"]])[visit["id"]]
        view = _view(conn, call, sub, visit, team)
        if ctx.actor.kind == "anonymous":
            raise LoginRequired("log in to do this (visit.read)")
        if not can(ctx.actor, "visit.read", view):
            raise NotFound(f"no evidence {evidence_id}")
        manager = can(ctx.actor, "visit.manage", view)
        on_team = ctx.actor.user_id in view.team
        if not manager and not on_team and ctx.actor.user_id == sub["applicant_id"]:
            raise Forbidden("the visit's evidence is the team's and the organizers'")
        if not manager and not on_team and blind_view.is_blind_for(call, sub, ctx.actor, manager):
            raise Forbidden("evidence is withheld from reviewers in a blind call")
        if thumbnail:
            if e["thumbnail"] is None:
                raise NotFound(f"evidence {evidence_id} is a document: it has no thumbnail")
            return {"filename": "thumb-" + e["filename"], "content_type": e["thumbnail_type"], "data": e["thumbnail"]}
        return {"filename": e["filename"], "content_type": e["content_type"], "data": e["data"]}
