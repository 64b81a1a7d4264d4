"""Rounds of review pages (organizers): the call's rounds with the form editor, the shortlist of a
round, and the formal check (形式审查) of a check round. Plain HTML forms (POST, then redirect),
thin over `programme/services/rounds.py`."""

from __future__ import annotations

import re
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from ...errors import CaseAtlasError
from ...vocab import CHECK_VERDICT_LABELS, ENTRY_LABELS, ENTRY_STATES
from ...web.deps import ReadContext, RowId, WriteContext
from ...web.forms import EMPTY, FormState, fixed, page_lang, rejects_to
from ...web.pages import render
from ..services import calls, reviews, rounds

router = APIRouter(include_in_schema=False)


def _go(url: str, message: str | None = None) -> RedirectResponse:
    return RedirectResponse(
        url + (("&" if "?" in url else "?") + "message=" + quote(message) if message else ""), status_code=303
    )


async def _form(request: Request) -> list[tuple[str, str]]:
    return list((await request.form()).multi_items())


def _int(value: str | None, what: str) -> int | None:
    if value is None or not str(value).strip():
        return None
    try:
        return int(str(value).strip())
    except ValueError:
        raise CaseAtlasError(f"{what}: a whole number") from None


def _criteria(text: str | None) -> list[dict] | None:
    """One criterion a line: key｜label｜weight｜description (| or ｜)."""
    if text is None or not text.strip():
        return None
    out = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [p.strip() for p in re.split(r"[|｜]", line)]
        if len(parts) < 2:
            raise CaseAtlasError(f"criterion '{line.strip()[:40]}': write key｜label｜weight｜description")
        weight = parts[2] if len(parts) > 2 and parts[2] else "1"
        out.append({"key": parts[0], "label": parts[1], "weight": weight, "description": "｜".join(parts[3:])})
    return out


def _fields(text: str | None) -> list[dict]:
    """One free field a line: key｜label."""
    out = []
    for line in (text or "").splitlines():
        if line.strip():
            parts = [p.strip() for p in re.split(r"[|｜]", line)]
            out.append({"key": parts[0], "label": parts[1] if len(parts) > 1 and parts[1] else parts[0]})
    return out


def _spec(items: list[tuple[str, str]]) -> dict:
    f = dict(items)
    spec: dict = {
        "label": f.get("label") or None,
        "criteria": _criteria(f.get("criteria")),
        "scale_min": _int(f.get("scale_min"), "scale min"),
        "scale_max": _int(f.get("scale_max"), "scale max"),
        "fields": _fields(f.get("fields")),
        "pool": [v for k, v in items if k == "pool"],
        "k": _int(f.get("k"), "reviewers per submission"),
        "see_earlier": f.get("see_earlier") == "1",
        "see_peers": f.get("see_peers") == "1",
    }
    if "deadline" in f:
        spec["deadline"] = f.get("deadline") or None
    return spec


@router.get("/calls/{call_id}/rounds", response_class=HTMLResponse)
def rounds_page(request: Request, ctx: ReadContext, call_id: RowId, message: str | None = None):
    return _rounds(request, ctx, call_id, message=message)


def _rounds(
    request: Request,
    ctx,
    call_id: int | None = None,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    round_id: int | None = None,
):
    """The rounds page (also drawn again when one of its forms is refused: `round_id` names the
    round a route was about)."""
    if call_id is None:
        call_id = rounds.get_round(ctx, round_id).call
    call = calls.get_call(ctx, call_id)
    panel = [m for m in calls.panel(ctx, call_id) if m["role"] == "reviewer"]  # organizers only
    return render(
        request,
        "rounds.html",
        status=status,
        fs=state,
        call=call,
        rounds=rounds.list_rounds(ctx, call_id),
        panel=panel,
        message=message,
    )


NEW_ROUND = fixed(
    {"key": "new-key", "label": "new-label", "kind": "new-kind", "k": "new-k", "criteria": "new-criteria"}
)


@router.post("/calls/{call_id}/rounds")
@rejects_to(_rounds, NEW_ROUND, form="add-round")
async def round_create(request: Request, ctx: WriteContext, call_id: RowId):
    items = await _form(request)
    f = dict(items)
    spec = {k: v for k, v in _spec(items).items() if v not in (None, [])}
    made = rounds.create_round(ctx, call_id, {**spec, "key": f.get("key"), "kind": f.get("kind")})
    return _go(f"/calls/{call_id}/rounds", f"已添加轮次：{made.label}")


@router.post("/calls/{call_id}/rounds/season")
@rejects_to(_rounds, form="use-season")
def round_season(request: Request, ctx: WriteContext, call_id: RowId):
    rounds.use_season(ctx, call_id)
    return _go(f"/calls/{call_id}/rounds", "已采用预设轮次：形式审查 → 初评 → 复评 → 终评")


@router.post("/calls/{call_id}/rounds/order")
@rejects_to(_rounds, form="order")
async def round_up(request: Request, ctx: WriteContext, call_id: RowId):
    """Move one round up a place (the page's ↑ button)."""
    key = dict(await _form(request)).get("up", "")
    keys = [r.key for r in rounds.list_rounds(ctx, call_id)]
    if key not in keys or keys.index(key) == 0:
        raise CaseAtlasError(f"no round '{key}' to move up")
    i = keys.index(key)
    keys[i - 1], keys[i] = keys[i], keys[i - 1]
    rounds.reorder_rounds(ctx, call_id, keys)
    return _go(f"/calls/{call_id}/rounds", "已调整顺序")


@router.post("/rounds/{round_id}")
@rejects_to(_rounds, form="round-form")
async def round_update(request: Request, ctx: WriteContext, round_id: RowId):
    items = await _form(request)
    r = rounds.get_round(ctx, round_id)
    spec = _spec(items) if r.status == "pending" else {"deadline": dict(items).get("deadline") or None}
    r = rounds.update_round(ctx, round_id, spec)
    return _go(f"/calls/{r.call}/rounds", f"已保存：{r.label}")


@router.post("/rounds/{round_id}/delete")
@rejects_to(_rounds, form="round-actions")
def round_delete(request: Request, ctx: WriteContext, round_id: RowId):
    r = rounds.get_round(ctx, round_id)
    rounds.delete_round(ctx, round_id)
    return _go(f"/calls/{r.call}/rounds", f"已删除：{r.label}")


@router.post("/rounds/{round_id}/open")
@rejects_to(_rounds, form="round-actions")
def round_open(request: Request, ctx: WriteContext, round_id: RowId):
    r = rounds.open_round(ctx, round_id)
    return _go(f"/calls/{r.call}/rounds", f"已开始：{r.label}")


@router.post("/rounds/{round_id}/assign")
@rejects_to(_rounds, form="round-actions")
def round_assign(request: Request, ctx: WriteContext, round_id: RowId):
    r = rounds.get_round(ctx, round_id)
    out = reviews.auto_assign(ctx, r.call, round_id)
    return _go(
        f"/rounds/{round_id}/shortlist",
        f"{r.label}：新分配 {out['assigned']} 项；负载 {out['min_load']}–{out['max_load']}；"
        f"违反回避 {out['conflicts_violated']}",
    )


@router.get("/rounds/{round_id}/shortlist", response_class=HTMLResponse)
def shortlist_page(request: Request, ctx: ReadContext, round_id: RowId, message: str | None = None):
    return _shortlist(request, ctx, round_id, message=message)


def _shortlist(
    request: Request, ctx, round_id: int, state: FormState = EMPTY, status: int = 200, message: str | None = None
):
    sl = rounds.shortlist(ctx, round_id)
    call = calls.get_call(ctx, sl.round.call)
    return render(
        request,
        "shortlist.html",
        status=status,
        fs=state,
        call=call,
        sl=sl,
        states=ENTRY_STATES,
        state_labels=ENTRY_LABELS,
        verdicts=CHECK_VERDICT_LABELS,
        message=message,
    )


def _entries(items: list[tuple[str, str]]) -> list[dict]:
    f = dict(items)
    return [
        {"submission": int(k[6:]), "state": v, "reason": f.get(f"reason_{k[6:]}") or None}
        for k, v in items
        if k.startswith("state_") and k[6:].isdigit() and v
    ]


@router.post("/rounds/{round_id}/shortlist")
@rejects_to(_shortlist, form="shortlist-form")
async def shortlist_post(request: Request, ctx: WriteContext, round_id: RowId):
    items = await _form(request)
    entries = _entries(items)
    if dict(items).get("action") == "close":
        sl = rounds.close_round(ctx, round_id, entries)
        nxt = f"，{len(sl.carried)} 个案例进入下一轮" if sl.next_round else ""
        return _go(f"/rounds/{round_id}/shortlist", f"本轮已结束{nxt}")
    sl = rounds.shortlist(ctx, round_id, entries)
    return _go(f"/rounds/{round_id}/shortlist", "已保存入围名单")


@router.get("/rounds/{round_id}/checks", response_class=HTMLResponse)
def checks_page(request: Request, ctx: ReadContext, round_id: RowId, message: str | None = None):
    return _checks(request, ctx, round_id, message=message)


def _checks(
    request: Request,
    ctx,
    round_id: int,
    state: FormState = EMPTY,
    status: int = 200,
    message: str | None = None,
    submission_id: int | None = None,
):
    """The formal checklist; after a refused check, that submission's form holds what was typed."""
    r = rounds.get_round(ctx, round_id)
    checks = rounds.formal_checks(ctx, round_id)
    call = calls.get_call(ctx, r.call)
    return render(
        request,
        "formal_checks.html",
        status=status,
        fs=state,
        rejected=submission_id,
        call=call,
        round=r,
        checks=checks,
        verdicts=CHECK_VERDICT_LABELS,
        message=message,
    )


def _check_field(field: str, values: dict) -> tuple[str, str] | None:
    sub = values.get("submission", "")
    return {"reasons": (f"reasons-{sub}", ""), "verdict": (f"verdict-{sub}", "")}.get(field)


@router.post("/rounds/{round_id}/checks/{submission_id}")
@rejects_to(_checks, _check_field, form="formal-check")
async def check_post(request: Request, ctx: WriteContext, round_id: RowId, submission_id: RowId):
    f = dict(await _form(request))
    keys = {k[5:] for k in f if k.startswith("note_")} | {k[3:] for k in f if k.startswith("ok_")}
    items = {
        key: {"ok": {"1": True, "0": False}.get(f.get(f"ok_{key}", "")), "note": f.get(f"note_{key}") or None}
        for key in keys
    }
    c = rounds.save_formal_check(ctx, round_id, submission_id, items, f.get("verdict") or None, f.get("reasons"))
    if page_lang(request) == "en":
        said = f": {CHECK_VERDICT_LABELS[c.verdict][1]}" if c.verdict else ""
        return _go(f"/rounds/{round_id}/checks", f"Saved the formal check of “{c.title}”{said}")
    said = f"：{CHECK_VERDICT_LABELS[c.verdict][0]}" if c.verdict else ""
    return _go(f"/rounds/{round_id}/checks", f"已保存《{c.title}》的形式审查{said}")
