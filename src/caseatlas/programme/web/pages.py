"""Programme pages: calls, the applicant's submission form (typed or from a file), the
reviewer's form, the organizer's panel, assignment and ranking with a decision preview.
Plain HTML forms (POST, then redirect), so every step works without script."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...errors import CaseAtlasError
from ...services import accounts
from ...text.numbers import format_quantity, input_number
from ...text.times import local_input
from ...vocab import DECISIONS, KIND_UNITS, OUTCOME_KINDS, PERIODS, STATUSES
from ...web.api import set_session_cookie
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.forms import EMPTY, FormState, fixed, page_lang, rejects_to, state_for
from ...web.i18n import STRINGS
from ...web.pages import TEMPLATES, render
from ..services import calls, communications, invitations, reviews, revisions, rounds, selection, submissions, visits
from . import pages_mail, pages_rounds
from .api_rounds import RoundQuery

router = APIRouter(include_in_schema=False)
# The one writer of numbers on the programme's pages: values in form fields with every digit and
# no exponent (1600000), figures for people as 160万吨二氧化碳当量 / 1,600,000 tCO2e.
TEMPLATES.env.globals.update(input_number=input_number, quantity=format_quantity)
# `{{ call.submission_deadline|localtime(call.timezone) }}`: every time a person reads, in the call's
# zone and the page's language (web/pages.py registers that filter on this shared environment).
TEMPLATES.env.filters["localinput"] = local_input
# Every programme page draws its forms through `fs` (values and errors after a rejected post);
# pages that are not answering one get the empty state.
TEMPLATES.env.globals.update(fs=EMPTY, section_required=submissions.section_required)
# Zones offered on the call's form (any IANA key is accepted): where Chinese programmes run.
TEMPLATES.env.globals["zones"] = (
    "Asia/Shanghai",
    "Asia/Hong_Kong",
    "Asia/Taipei",
    "Asia/Macau",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Europe/London",
    "UTC",
)
BLANK_OUTCOME_ROWS = 3


def _go(url: str, message: str | None = None) -> RedirectResponse:
    return RedirectResponse(
        url + (("&" if "?" in url else "?") + "message=" + quote(message) if message else ""), status_code=303
    )


def _int(value: str | None, what: str, default: int | None = None, field: str | None = None) -> int:
    if (value is None or not str(value).strip()) and default is not None:
        return default
    try:
        return int(str(value).strip())
    except ValueError:
        raise CaseAtlasError(f"{what}: a whole number", field=field) from None


def _year(value: str | None) -> int | None:
    """The call's year: empty, or four digits (it was silently dropped when mistyped)."""
    text = (value or "").strip()
    if not text:
        return None
    if not (text.isdigit() and 1900 <= int(text) <= 2200):
        raise CaseAtlasError(f"year '{text[:8]}': four digits, such as 2026", field="year")
    return int(text)


async def _form(request: Request) -> dict:
    return dict((await request.form()).multi_items())


@router.get("/programmes", response_class=HTMLResponse)
def programmes_page(request: Request, ctx: ReadContext, message: str | None = None):
    return _programmes(request, ctx, message=message)


def _programmes(request: Request, ctx, state: FormState = EMPTY, status: int = 200, message: str | None = None):
    return render(
        request,
        "programmes.html",
        status=status,
        calls=calls.list_calls(ctx),
        presets=calls.PRESETS,
        message=message,
        can_create="programme.create" in ctx.actor.grants,
        fs=state,
    )


NEW_CALL_FIELDS = {
    k: k
    for k in (
        "name",
        "year",
        "domains",
        "timezone",
        "submission_deadline",
        "review_deadline",
        "discussion_deadline",
        "k",
        "reminder_offsets",
    )
}


@router.post("/programmes")
@rejects_to(_programmes, fixed(NEW_CALL_FIELDS))
async def programme_create(request: Request, ctx: WriteContext):
    f = await _form(request)
    call = calls.create(
        ctx,
        f.get("preset", "cteam"),
        f.get("name", ""),
        _year(f.get("year")),
        domains=f.get("domains") or None,
        organizers=f.get("organizers"),
        supporters=f.get("supporters"),
        description=f.get("description") or None,
        contact=f.get("contact") or None,
        deadlines={
            k: f.get(k) for k in ("submission_deadline", "review_deadline", "discussion_deadline", "decision_deadline")
        },
        reviewers_per_submission=_int(f.get("k"), "reviewers per submission", 3, field="k"),
        blind=f.get("blind") == "1",
        timezone=f.get("timezone") or None,
    )
    return _go(f"/calls/{call['id']}", "已创建征集")


@router.get("/register", response_class=HTMLResponse)
def register_page(request: Request, next: str = "/programmes"):
    return render(request, "register.html", next=next if next.startswith("/") and not next.startswith("//") else "/")


@router.post("/register")
async def register_submit(request: Request, ctx: WriteContext):
    f = await _form(request)
    try:
        accounts.register(
            ctx,
            f.get("username", ""),
            f.get("password", ""),
            f.get("organization", ""),
            f.get("email", ""),
            f.get("display_name") or None,
            lang=page_lang(request),  # mails to the applicant are written in the language it registered in
        )
        token, _, _ = accounts.login(ctx, f.get("username", ""), f.get("password", ""))
    except CaseAtlasError as exc:
        values = {k: v for k, v in f.items() if isinstance(v, str) and k not in ("csrf_token", "password")}
        state = state_for(exc, values, _register_field, lang=page_lang(request))
        return render(request, "register.html", status=400, fs=state, next=f.get("next", "/"))
    nxt = f.get("next", "/programmes")
    resp = RedirectResponse(nxt if nxt.startswith("/") and not nxt.startswith("//") else "/", status_code=303)
    set_session_cookie(request, resp, token)
    return resp


def _register_field(field: str, values: dict) -> tuple[str, str] | None:
    """accounts.register names no field: its messages start with the thing they are about."""
    return None


@router.get("/calls/{call_id}", response_class=HTMLResponse)
def call_page(request: Request, ctx: ReadContext, call_id: RowId, message: str | None = None):
    return _call(request, ctx, call_id, message=message)


def _call(request: Request, ctx, call_id: int, state: FormState = EMPTY, status: int = 200, message: str | None = None):
    call = calls.get_call(ctx, call_id)
    subs = submissions.list_for(ctx, call_id) if ctx.actor.kind != "anonymous" else []
    return render(
        request,
        "call.html",
        status=status,
        call=call,
        subs=subs,
        message=message,
        rounds=rounds.list_rounds(ctx, call_id),
        fs=state,
    )


def _settings_field(field: str, values: dict) -> tuple[str, str] | None:
    """The call settings form's controls (quota-N: the Nth domain, as the form numbers them)."""
    ids = {
        "timezone": "timezone",
        "submission_deadline": "s-deadline",
        "review_deadline": "r-deadline",
        "discussion_deadline": "d-deadline",
        "reminder_offsets": "reminders",
        "mail_lang": "mail-lang",
        "aliases": "aliases",
    }
    if field in ids:
        return ids[field], ""
    if field.startswith("quota:"):
        domains = [k[6:] for k in values if k.startswith("quota_")]
        if field[6:] in domains:
            return f"quota-{domains.index(field[6:]) + 1}", field[6:]
    return None


@router.post("/calls/{call_id}/publish")
@rejects_to(_call, _settings_field, form="call-settings")
def call_publish(request: Request, ctx: WriteContext, call_id: RowId):
    calls.publish(ctx, call_id)
    return _go(f"/calls/{call_id}", "征集已发布")


@router.post("/calls/{call_id}/advance")
@rejects_to(_call, form="call-settings")
def call_advance(request: Request, ctx: WriteContext, call_id: RowId):
    call = calls.advance(ctx, call_id)
    return _go(f"/calls/{call_id}", f"已进入阶段：{STRINGS['phase_' + call['phase']][0]}")


@router.post("/calls/{call_id}/settings")
@rejects_to(_call, _settings_field, form="call-settings")
async def call_settings(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    changes = {
        k: f[k]
        for k in ("submission_deadline", "review_deadline", "discussion_deadline", "decision_deadline")
        if k in f
    }
    for k in ("aliases", "timezone", "reminder_offsets", "mail_lang"):
        if k in f:
            changes[k] = f[k]
    if "blind" in f:
        changes["blind"] = f["blind"] == "1"
    quotas = {k[6:]: v for k, v in f.items() if k.startswith("quota_")}
    if quotas:
        changes["quotas"] = quotas
    out = calls.update(ctx, call_id, **changes)
    removed = out.get("removed_assignments") or []
    note = "已保存" + (f"；因利益冲突撤下 {len(removed)} 项评审分配" if removed else "")
    return _go(f"/calls/{call_id}/conflicts" if f.get("next") == "conflicts" else f"/calls/{call_id}", note)


@router.get("/calls/{call_id}/conflicts", response_class=HTMLResponse)
def conflicts_page(request: Request, ctx: ReadContext, call_id: RowId, message: str | None = None):
    """The conflict check before assigning: reviewer × applicant pairs in conflict, and why."""
    check = reviews.conflict_check(ctx, call_id)
    return render(request, "conflicts.html", call=calls.get_call(ctx, call_id), check=check, message=message)


@router.post("/calls/{call_id}/my-conflicts")
@rejects_to(_call, fixed({"organizations": "orgs"}), form="my-conflicts")
async def my_conflicts(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    calls.declare_organizations(ctx, call_id, f.get("organizations", ""))
    return _go(f"/calls/{call_id}", "已保存利益冲突声明")


@router.post("/calls/{call_id}/submissions")
@rejects_to(_call, fixed({"title": "n-title", "domain": "n-domain", "file": "u-file"}), form="new-submission")
async def submission_new(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    upload = f.get("file")
    if upload is not None and getattr(upload, "filename", ""):
        content = await upload.read(20 * 1024 * 1024 + 1)
        if len(content) > 20 * 1024 * 1024:
            raise CaseAtlasError(f"{upload.filename}: larger than 20 MB", field="file")
        sub = submissions.create_from_upload(ctx, call_id, upload.filename, content, f.get("domain", ""))
        p = sub["prefill"]
        return _go(
            f"/submissions/{sub['id']}",
            f"已从文件预填：模板章节 {p['template_sections_filled']}/"
            f"{p['template_sections']}，量化成果 {p['outcomes']} 项，请逐项确认",
        )
    sub = submissions.create(ctx, call_id, f.get("title", ""), f.get("domain", ""))
    return _go(f"/submissions/{sub['id']}", "已创建草稿")


@router.get("/calls/{call_id}/panel", response_class=HTMLResponse)
def panel_page(request: Request, ctx: ReadContext, call_id: RowId, message: str | None = None):
    return _panel(request, ctx, call_id, message=message)


def _panel(
    request: Request,
    ctx,
    call_id: int,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    invitation: str | None = None,
):
    call = calls.get_call(ctx, call_id)
    by_submission: dict[int, list[dict]] = {}
    for a in reviews.assignments(ctx, call_id):
        by_submission.setdefault(a["submission"], []).append(a)
    return render(
        request,
        "panel.html",
        status=status,
        call=call,
        members=calls.panel(ctx, call_id),
        invitations={i.username: i for i in invitations.list_invitations(ctx, call_id)},
        by_submission=by_submission,
        subs=submissions.list_for(ctx, call_id),
        message=message,
        invitation=invitation,
        fs=state,
    )


@router.post("/calls/{call_id}/panel")
@rejects_to(
    _panel,
    fixed({"username": "m-username", "role": "m-role", "email": "m-email", "affiliation": "m-aff"}),
    form="add-member",
)
async def panel_add(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    out = calls.add_member(
        ctx,
        call_id,
        f.get("username", "").strip(),
        f.get("role", "reviewer"),
        f.get("affiliation") or None,
        f.get("topics"),
        None,
        f.get("email") or None,
        f.get("display_name") or None,
    )
    if not out.get("invitation"):
        return _go(f"/calls/{call_id}/panel", f"已添加 {out['username']}")
    # A new account: its invitation link is shown once, in this page's body — never in a URL
    # (a redirect's Location, the browser's history, a proxy's log).
    mailed = f"，邀请邮件已发往 {out['email']}" if out.get("email") else "，未登记邮箱：请将邀请链接转交本人"
    return _panel(request, ctx, call_id, message=f"已添加 {out['username']}{mailed}", invitation=out["invitation"])


@router.post("/calls/{call_id}/assign")
@rejects_to(_panel, form="auto-assign")
def panel_assign(request: Request, ctx: WriteContext, call_id: RowId):
    out = reviews.auto_assign(ctx, call_id)
    removed = f"；因利益冲突撤下 {out['removed_for_conflicts']} 项" if out.get("removed_for_conflicts") else ""
    return _go(
        f"/calls/{call_id}/panel",
        f"新分配 {out['assigned']} 项；负载 {out['min_load']}–{out['max_load']}；"
        f"违反回避 {out['conflicts_violated']}{removed}",
    )


@router.get("/calls/{call_id}/ranking", response_class=HTMLResponse)
def ranking_page(
    request: Request,
    ctx: ReadContext,
    call_id: RowId,
    propose: str | None = None,
    message: str | None = None,
    round: RoundQuery = None,  # noqa: A002 — the page's query parameter is ?round=
):
    return _ranking(request, ctx, call_id, message=message, propose=propose, round_id=round)


def _ranking(
    request: Request,
    ctx,
    call_id: int,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    propose: str | None = None,
    round_id: int | None = None,
):
    round = round_id  # noqa: A001 — as the GET route names it
    call = calls.get_call(ctx, call_id)
    table = selection.ranking(ctx, call_id, round)
    deciding = call["phase"] in selection.DECIDING
    proposed = (
        {p.submission: p.decision for p in selection.propose(ctx, call_id, propose)} if propose and deciding else {}
    )
    return render(
        request,
        "ranking.html",
        status=status,
        fs=state,
        call=call,
        table=table,
        proposed=proposed,
        decisions=DECISIONS,
        preview=None,
        message=message,
        deciding=deciding,
        **_revision_states(ctx, call_id),
        left_out=_left_out(ctx, call_id, table),
        review_rounds=[r for r in rounds.list_rounds(ctx, call_id) if r.kind == "review"],
    )


def _left_out(ctx, call_id: int, table) -> list[dict]:
    """Submitted cases the ranked round does not hold (returned or failed in 形式审查, left out of an
    earlier round's shortlist): still to be decided — rejected, unless the organizer decides
    otherwise — or the book cannot be published. Listed apart, each with its decision."""
    ranked = {r.submission for d in table.domains for r in d.rows}
    return [s for s in submissions.list_for(ctx, call_id) if s["status"] == "submitted" and s["id"] not in ranked]


def _revision_states(ctx, call_id: int) -> dict:
    """The ranking page's revision column (the latest request's state per submission) and the
    withdrawn submissions, listed apart (they are out of the ranking)."""
    states = {r.submission: r for r in revisions.requests_of_call(ctx, call_id)}  # the latest wins
    withdrawn = [s for s in submissions.list_for(ctx, call_id) if s["status"] == "withdrawn"]
    return {"revision_states": states, "withdrawn": withdrawn}


def _phase_zh(phase: str) -> str:
    return STRINGS["phase_" + phase][0]


@router.post("/calls/{call_id}/decisions", response_class=HTMLResponse)
async def decisions_post(request: Request, ctx: WriteContext, call_id: RowId):
    """Preview, then apply: the page answers in Chinese, and only while the phase allows decisions
    (讨论中, 待决定); a preview over a quota cannot be applied."""
    f = await _form(request)
    chosen = [
        {"submission": _int(k[9:], "submission"), "decision": v or None}
        for k, v in f.items()
        if k.startswith("decision_")
    ]
    apply = f.get("action") == "apply"
    call = calls.get_call(ctx, call_id)
    deciding = call["phase"] in selection.DECIDING
    result, error = None, None
    if not deciding:
        error = (
            f"当前阶段为“{_phase_zh(call['phase'])}”，不能预览或应用决定："
            f"决定在“{_phase_zh('discussion')}”或“{_phase_zh('decision')}”阶段做出。"
        )
    else:
        result = selection.decide(ctx, call_id, chosen, preview=True)
        if result.over_quota:
            error = "超过名额，未应用：" + "；".join(
                f"{d} 入选 {n} 项，名额 {call['quotas'][d]}" for d, n in result.over_quota.items()
            )
        elif apply:
            result = selection.decide(ctx, call_id, chosen, preview=False)
            return _go(f"/calls/{call_id}/ranking", f"已应用 {len(result.changes)} 项决定")
    table = selection.ranking(ctx, call_id)
    # 409: the call's state (its phase, its quotas) does not allow these decisions now.
    return render(
        request,
        "ranking.html",
        status=409 if error else 200,
        call=call,
        table=table,
        proposed={d["submission"]: d["decision"] for d in chosen},
        decisions=DECISIONS,
        preview=result,
        message=None,
        error=error,
        deciding=deciding,
        **_revision_states(ctx, call_id),
        left_out=_left_out(ctx, call_id, table),
    )


@router.post("/calls/{call_id}/reopen")
@rejects_to(_ranking, fixed({"reason": "reopen-reason"}), form="reopen")
async def reopen_post(request: Request, ctx: WriteContext, call_id: RowId):
    f = await _form(request)
    selection.reopen(ctx, call_id, f.get("reason", ""))
    return _go(f"/calls/{call_id}/ranking", "已重新开放决定：修改后请再次发布")


@router.post("/calls/{call_id}/collection")
@rejects_to(_ranking, form="publish-collection")
def publish_collection(request: Request, ctx: WriteContext, call_id: RowId):
    out = selection.publish(ctx, call_id)
    return _go(f"/search?collection={quote(out.collection)}", None)


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(request: Request, ctx: ReadContext, submission_id: RowId, message: str | None = None):
    return draw_submission(request, ctx, submission_id, message=message)


def draw_submission(
    request: Request,
    ctx,
    submission_id: int,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    **_path,  # a route's other path parameters (a flag's key)
):
    sub = submissions.get(ctx, submission_id)
    call = calls.get_call(ctx, sub["call_id"])
    if state.posted and state.form == "submission-form":
        blank = BLANK_OUTCOME_ROWS  # the rows the person filled stay where they were, blanks after them
        blank = max(blank, _posted_rows(state.values) - len(sub["outcomes"]))
    else:
        blank = BLANK_OUTCOME_ROWS
    return render(
        request,
        "submission.html",
        status=status,
        fs=state,
        sub=sub,
        call=call,
        revision=revisions.diff(ctx, submission_id),
        withdrawal=revisions.withdrawal(ctx, submission_id) if sub["status"] == "withdrawn" else None,
        kinds=OUTCOME_KINDS,
        periods=PERIODS,
        statuses=STATUSES,
        kind_units=KIND_UNITS,
        blank_rows=blank,
        message=message,
        visits=visits.list_for_submission(ctx, submission_id),
        # the decision letter's opinion, for those who manage the call (issue 25)
        opinion=communications.opinion(ctx, submission_id) if sub["can"].get("programme.manage") else None,
    )


def _posted_rows(f: dict) -> int:
    return max((int(k.rsplit("_", 1)[1]) for k in f if k.startswith("o_kind_")), default=0)


def _outcome_rows(f: dict) -> list[int]:
    """The form's outcome rows that are outcomes, in order: a row marked 删除 is dropped, and a
    blank row (no value) is no outcome whatever its other fields say — it is never confirmed."""
    rows = sorted({int(k.rsplit("_", 1)[1]) for k in f if k.startswith("o_kind_")})
    return [i for i in rows if f.get(f"o_remove_{i}") != "1" and f.get(f"o_value_{i}", "").strip()]


def _outcomes_from(f: dict) -> list[dict]:
    out = []
    for n, i in enumerate(_outcome_rows(f), 1):
        if f.get(f"o_confirmed_{i}") == "1" and not f.get(f"o_unit_{i}", "").strip():
            # the person confirms what the row says: a value without its unit says too little
            raise CaseAtlasError(
                f"第 {i} 行量化成果已勾选“确认”，请填写单位 / outcome row {i} is confirmed: give its unit",
                field=f"outcome:{n}:unit",
            )
        out.append(
            {
                "kind": f.get(f"o_kind_{i}"),
                "value": f.get(f"o_value_{i}"),
                "unit": f.get(f"o_unit_{i}", ""),
                "period": f.get(f"o_period_{i}") or "unspecified",
                "status": f.get(f"o_status_{i}") or "achieved",
                "quote": f.get(f"o_quote_{i}") or None,
                "confirmed": f.get(f"o_confirmed_{i}") == "1",
            }
        )
    return out


def _submission_field(field: str, values: dict) -> tuple[str, str] | None:
    """The submission form's controls: sections by their heading (s-N, as the form numbers them),
    outcomes by their place among the outcome rows the service was given (o-value-R, R the row)."""
    if field in ("title", "domain"):
        return {"title": "f-title", "domain": "f-domain"}[field], ""
    if field.startswith("section:"):
        heading = field[8:]
        for k, v in values.items():
            if k.startswith("s_heading_") and v == heading:
                return f"s-{k[10:]}", heading
        return None
    if field.startswith("outcome:"):
        _, n, what = field.split(":", 2)
        rows = _outcome_rows(values)
        if n.isdigit() and 1 <= int(n) <= len(rows):
            row = rows[int(n) - 1]
            return f"o-{what}-{row}", f"第 {row} 行 / row {row}"
    return None


def _review_field(field: str, values: dict) -> tuple[str, str] | None:
    if field.startswith("score:"):
        return f"score-{field[6:]}", field[6:]
    return {"confidence": ("confidence", ""), "body": ("c-body", "")}.get(field)


@router.post("/submissions/{submission_id}")
@rejects_to(draw_submission, _submission_field, form="submission-form")
async def submission_save(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    n = sorted({int(k.rsplit("_", 1)[1]) for k in f if k.startswith("s_heading_")})
    sections = [{"heading": f[f"s_heading_{i}"], "text": f.get(f"s_text_{i}", "")} for i in n]
    submissions.save(ctx, submission_id, f.get("title"), f.get("domain"), sections, _outcomes_from(f))
    if f.get("action") == "submit":
        sub = submissions.submit(ctx, submission_id)
        return _go(f"/submissions/{submission_id}", f"已提交（第 {sub['version']} 版）")
    if f.get("action") == "answer":  # a revision request answered: the revised text with the response
        req = revisions.answer(ctx, submission_id, f.get("response", ""))
        return _go(f"/submissions/{submission_id}", f"已提交修改稿与逐条回复（第 {req.answered_version} 版）")
    return _go(f"/submissions/{submission_id}", "已保存草稿")


@router.post("/submissions/{submission_id}/flags/{key}")
@rejects_to(draw_submission, form="flags")
async def submission_flag_answer(request: Request, ctx: WriteContext, submission_id: RowId, key: str):
    f = await _form(request)
    submissions.answer_flag(ctx, submission_id, key, f.get("answer") or "")
    return _go(f"/submissions/{submission_id}#submission-flags", "已保存说明")


@router.post("/submissions/{submission_id}/attachments")
@rejects_to(draw_submission, fixed({"file": "att"}), form="attach")
async def submission_attach(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    upload = f.get("file")
    if upload is None or not getattr(upload, "filename", ""):
        raise CaseAtlasError("choose a file to attach", field="file")
    submissions.add_attachment(ctx, submission_id, upload.filename, await upload.read(submissions.MAX_ATTACHMENT + 1))
    return _go(f"/submissions/{submission_id}", "已上传附件")


@router.post("/submissions/{submission_id}/review")
@rejects_to(draw_submission, _review_field, form="review-form")
async def review_save(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    scores = {k[6:]: v for k, v in f.items() if k.startswith("score_") and v != ""}
    fields = {k[6:]: v for k, v in f.items() if k.startswith("field_")}  # the round's free fields
    reviews.save_review(
        ctx,
        submission_id,
        scores,
        f.get("comment") or None,
        f.get("confidence") or None,
        f.get("expert_comment") or None,
        submit=f.get("action") == "submit",
        fields=fields or None,
    )
    return _go(f"/submissions/{submission_id}", "评审已提交" if f.get("action") == "submit" else "评审草稿已保存")


@router.post("/submissions/{submission_id}/comments")
@rejects_to(draw_submission, _review_field, form="comment-form")
async def comment_post(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    reviews.comment(ctx, submission_id, f.get("body", ""))
    return _go(f"/submissions/{submission_id}#discussion")


@router.post("/submissions/{submission_id}/conflict")
@rejects_to(draw_submission, fixed({"reason": "coi-reason"}), form="conflict-form")
async def conflict_post(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    reviews.declare_conflict(ctx, submission_id, f.get("reason", ""))
    sub_call = f.get("call_id", "")
    return _go(f"/calls/{sub_call}" if sub_call.isdigit() else "/programmes", "已声明利益冲突，该案例不再对您可见")


@router.post("/submissions/{submission_id}/final-comment")
@rejects_to(draw_submission, fixed({"text": "final"}), form="final-comment-form")
async def final_comment_post(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    selection.set_final_comment(ctx, submission_id, f.get("text", ""))
    return _go(f"/submissions/{submission_id}", "已保存专家点评")


@router.post("/submissions/{submission_id}/reviewers")
@rejects_to(draw_submission, fixed({"username": "add-reviewer"}), form="add-reviewer-form")
async def reviewer_add(request: Request, ctx: WriteContext, submission_id: RowId):
    f = await _form(request)
    reviews.assign(ctx, submission_id, f.get("username", "").strip())
    return _go(f"/submissions/{submission_id}", "已分配评审专家")


from . import pages_revisions  # noqa: E402  (revision requests and withdrawal, issue 25)

router.include_router(pages_revisions.router)
router.include_router(pages_rounds.router)  # rounds of review (issue 25)
from . import pages_visits  # noqa: E402  (site visits: their own pages)

router.include_router(pages_visits.router)
router.include_router(pages_mail.router)
from . import pages_finals  # noqa: E402  (final versions, proofs, the book: issue 25)

router.include_router(pages_finals.router)
