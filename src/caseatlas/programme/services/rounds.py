"""Rounds of review: a call's ordered rounds (形式审查 → 初评 → 复评 → 终评 by default for a new
season), each with its own form (criteria, weights, scale, free fields), reviewer pool, k,
deadline, visibility and status; the shortlist that carries submissions from one round to the
next; the formal check (形式审查) staff do on a check round, whose reasons are mailed to the
applicant; and each submission's earlier rounds' scores.

A round is `pending` (defined; its organizer may edit, reorder or remove it), `open` (its people
work: reviewers of a review round score, staff check a check round) or `closed` (its shortlist is
carried on). The current round is the first not closed. Every submitted case is in the first
round; a later round holds what the round before carried on (advanced), and passing a formal
check carries a case on at once. Organizers see every round's scores; reviewers of a round see
the earlier rounds' when the round's visibility says so (`see_earlier`).
"""

from __future__ import annotations

import re
import statistics

from ...errors import CaseAtlasError, Conflict, NotFound
from ...services import audit, mail, notify
from ...services.context import Context, can, require
from ...services.records import Result
from ...services.rules import now_iso
from ...store import accounts as accounts_store
from ...store import programmes as store
from ...store import rounds as round_store
from ...vocab import CHECK_VERDICT_LABELS, ENTRY_STATES, ROUND_KINDS, CheckVerdict, EntryState, RoundKind, RoundStatus
from ..domain import presets
from ..domain import rounds as logic
from ..domain.scoring import weighted_total
from .calls import call_view, check_criteria, load_call, parse_deadline, submission_view

MAX_ROUNDS = 8
MAX_FIELDS = 8
MAX_REASON = 2_000


# --- what the rounds' use cases return


class Visibility(Result):
    see_earlier: bool  # the round's reviewers see the earlier rounds' scores
    see_peers: bool  # the round's reviewers see each other's reviews once their own is in (else from the discussion on)


class Round(Result):
    """A round of a call. `criteria`, `fields` and `pool` are the round's form and panel (`pool`
    only for organizers: None otherwise; an empty pool is the whole panel)."""

    id: int
    call: int
    key: str
    label: str
    kind: RoundKind
    position: int
    label_en: str = ""  # a preset round's label in English; else the label as written
    status: RoundStatus
    deadline: str | None
    criteria: list[dict]
    scale_min: int
    scale_max: int
    fields: list[dict]  # [{key, label}]
    k: int
    pool: list[str] | None
    visibility: Visibility
    current: bool
    opened_at: str | None
    closed_at: str | None
    counts: dict[str, int] | None  # entry state → submissions (organizers only)


class Entry(Result):
    submission: int
    title: str
    organization: str | None
    domain: str | None
    state: EntryState
    reason: str | None
    mean: float | None  # the round's mean weighted total (review rounds)
    n_reviews: int
    verdict: CheckVerdict | None  # the formal check's (check rounds)


class Shortlist(Result):
    round: Round
    entries: list[Entry]
    carried: list[int]  # submissions put into the next round by this change
    next_round: str | None  # its key


class CheckItem(Result):
    key: str
    label: str
    auto: bool | None  # what the system can tell; None: only a person can
    detail: str
    label_en: str = ""  # the label and detail in English (domain/rounds.py writes both)
    detail_en: str = ""
    state: str = ""  # what the system tells, as data: all_filled, missing, no_outcomes, … (domain/rounds.py)
    count: int = 0
    missing: list[str] = []  # the template's sections left empty
    ok: bool | None  # the staff's tick
    note: str | None


class FormalCheck(Result):
    round: int
    submission: int
    title: str
    applicant: str
    items: list[CheckItem]
    verdict: CheckVerdict | None
    reasons: str | None
    checked_by: str | None
    at: str | None
    state: EntryState


class RoundScore(Result):
    round: int
    key: str
    label: str
    mean: float | None  # mean weighted total on the round's scale
    scale: list[int]
    n_reviews: int
    totals: dict[str, float]  # reviewer → total (organizers only; empty for reviewers)


class CheckNotice(Result):
    """A formal check's verdict as its applicant sees it."""

    round: str
    verdict: CheckVerdict
    verdict_label: str
    reasons: str | None
    at: str


# --- reading


def _rounds(conn, call_id: int) -> list[dict]:
    return round_store.rounds_of(conn, call_id)


def _load_round(conn, round_id: int) -> tuple[dict, dict]:
    r = round_store.get_round(conn, round_id)
    if r is None:
        raise NotFound(f"no round {round_id}")
    return r, load_call(conn, r["call_id"])


def _usernames(conn, call_id: int) -> dict[int, str]:
    return {m["user_id"]: m["username"] for m in store.members(conn, call_id)}


def _record(conn, call: dict, r: dict, rounds: list[dict], manager: bool) -> Round:
    cur = logic.current(rounds)
    counts = None
    if manager:
        counts = dict.fromkeys(ENTRY_STATES, 0)
        for state, _ in _states(conn, call, rounds, r).values():
            counts[state] += 1
    names = _usernames(conn, call["id"]) if manager else {}
    return Round(
        id=r["id"],
        call=call["id"],
        key=r["key"],
        label=r["label"],
        label_en=presets.round_label_en(r["label"]),
        kind=r["kind"],
        position=r["position"],
        status=r["status"],
        deadline=r["deadline"],
        criteria=r["criteria"],
        scale_min=r["scale_min"],
        scale_max=r["scale_max"],
        fields=r["fields"],
        k=r["k"],
        pool=[names.get(u, str(u)) for u in r["pool"]] if manager else None,
        visibility=Visibility(**{"see_earlier": True, "see_peers": False, **(r["visibility"] or {})}),
        current=cur is not None and cur["id"] == r["id"],
        opened_at=r["opened_at"],
        closed_at=r["closed_at"],
        counts=counts,
    )


def _states(conn, call: dict, rounds: list[dict], r: dict) -> dict[int, tuple[str, str | None]]:
    """submission → (state, reason) in round `r`."""
    first = rounds[0]["id"] == r["id"]
    submitted = [s["id"] for s in store.list_submissions(conn, call["id"], status="submitted")] if first else []
    return logic.states(r, first, submitted, round_store.entries_of(conn, [r["id"]]))


def in_round(conn, call: dict, r: dict) -> list[int]:
    """The submissions a round works on: in it and not out (shared with assignment and ranking)."""
    return sorted(s for s, (state, _) in _states(conn, call, _rounds(conn, call["id"]), r).items() if state != "out")


def pool(conn, call: dict, r: dict) -> list[dict]:
    """The round's reviewers as members of the call: its pool, or the whole panel when empty."""
    panel = store.members(conn, call["id"], "reviewer")
    return [m for m in panel if m["user_id"] in set(r["pool"])] if r["pool"] else panel


def resolve(conn, call: dict, round_id: int | None = None, kind: str | None = None) -> dict:
    """The round a use case acts on: the one named (it must be the call's), else the current one;
    with `kind`, it must be of that kind."""
    rounds = _rounds(conn, call["id"])
    if round_id is None:
        r = logic.current(rounds)
        if r is None:
            raise CaseAtlasError("the call has no rounds: define them first")
    else:
        r = next((x for x in rounds if x["id"] == round_id), None)
        if r is None:
            raise NotFound(f"no round {round_id} in this call")
    if kind is not None and r["kind"] != kind:
        raise CaseAtlasError(f"round '{r['label']}' is a {r['kind']} round, not a {kind} round")
    return r


def list_rounds(ctx: Context, call_id: int) -> list[Round]:
    """The call's rounds in order, which is current, and (for organizers) each round's pool and
    how many submissions are in, advanced and out."""
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        cv = call_view(conn, call)
        require(ctx, "programme.read", cv)
        manager = can(ctx.actor, "programme.manage", cv)
        rounds = _rounds(conn, call_id)
        return [_record(conn, call, r, rounds, manager) for r in rounds]


def current_round(ctx: Context, call_id: int) -> Round | None:
    """The call's current round (the first not closed; the last when all are), None without rounds."""
    return next((r for r in list_rounds(ctx, call_id) if r.current), None)


def get_round(ctx: Context, round_id: int) -> Round:
    with ctx.engine.connect() as conn:
        r, call = _load_round(conn, round_id)
        cv = call_view(conn, call)
        require(ctx, "programme.read", cv)
        return _record(conn, call, r, _rounds(conn, call["id"]), can(ctx.actor, "programme.manage", cv))


# --- defining rounds


def _key(value) -> str:
    key = str(value or "").strip()
    if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", key):
        raise CaseAtlasError(f"round key '{key}': lowercase letters, digits and _, starting with a letter")
    return key


def _fields(values) -> list[dict]:
    values = values or []
    if len(values) > MAX_FIELDS:
        raise CaseAtlasError(f"free fields: at most {MAX_FIELDS}")
    out, keys = [], set()
    for f in values:
        key = _key(f.get("key"))
        if key in keys:
            raise CaseAtlasError(f"free field '{key}': keys must be unique")
        keys.add(key)
        out.append({"key": key, "label": str(f.get("label") or key).strip()[:80]})
    return out


def _pool(conn, call_id: int, usernames) -> list[int]:
    panel = {m["username"]: m["user_id"] for m in store.members(conn, call_id, "reviewer")}
    out = []
    for name in usernames or []:
        if name not in panel:
            raise NotFound(f"'{name}' is not on this call's panel")
        out.append(panel[name])
    return sorted(set(out))


def _form(conn, call: dict, spec: dict, base: dict | None = None) -> dict:
    """The stored values of a round from its spec (over `base`, the round as it is)."""
    base = base or {}
    values: dict = {}
    if "label" in spec and spec["label"] is not None:
        label = str(spec["label"]).strip()
        if not label or len(label) > 80:
            raise CaseAtlasError("round label: 1 to 80 characters")
        values["label"] = label
    if spec.get("kind") is not None:
        if spec["kind"] not in ROUND_KINDS:
            raise CaseAtlasError(f"round kind: one of {', '.join(ROUND_KINDS)}")
        values["kind"] = spec["kind"]
    kind = values.get("kind", base.get("kind"))
    if spec.get("criteria") is not None:
        values["criteria"] = check_criteria(spec["criteria"]) if kind == "review" else []
    lo = spec.get("scale_min") if spec.get("scale_min") is not None else base.get("scale_min", call["scale_min"])
    hi = spec.get("scale_max") if spec.get("scale_max") is not None else base.get("scale_max", call["scale_max"])
    if not (isinstance(lo, int) and isinstance(hi, int) and 0 <= lo < hi <= 100):
        raise CaseAtlasError("scale: whole numbers, 0 ≤ min < max ≤ 100")
    values["scale_min"], values["scale_max"] = lo, hi
    if spec.get("fields") is not None:
        values["fields"] = _fields(spec["fields"])
    if spec.get("pool") is not None:
        values["pool"] = _pool(conn, call["id"], spec["pool"])
    if spec.get("k") is not None:
        k = spec["k"]
        if not isinstance(k, int) or not (0 if kind == "check" else 1) <= k <= 10:
            raise CaseAtlasError("reviewers per submission (k): 1 to 10")
        values["k"] = k
    if "deadline" in spec:
        values["deadline"] = parse_deadline(spec["deadline"])
    vis = dict(base.get("visibility") or {"see_earlier": True, "see_peers": False})
    for flag in ("see_earlier", "see_peers"):
        if spec.get(flag) is not None:
            vis[flag] = bool(spec[flag])
    values["visibility"] = vis
    if kind == "review" and not values.get("criteria", base.get("criteria")):
        raise CaseAtlasError("a review round needs its criteria")
    return values


def seed(conn, call: dict, specs: list[dict], stamp: str, status: str = "pending") -> None:
    """Write a call's rounds from specs (calls.create and the preset): every round pending."""
    for i, spec in enumerate(specs):
        values = _form(conn, call, {**spec, **(spec.get("visibility") or {})})
        round_store.add_round(
            conn,
            call_id=call["id"],
            position=i,
            key=_key(spec["key"]),
            criteria=values.pop("criteria", []),
            fields=values.pop("fields", []),
            pool=values.pop("pool", []),
            k=values.pop("k", call["reviewers_per_submission"]),
            deadline=values.pop("deadline", None),
            status=status,
            opened_at=stamp if status == "open" else None,
            created_at=stamp,
            **values,
        )


def single(call: dict) -> list[dict]:
    """The one review round of a call that runs a single round (and of every call made before rounds)."""
    return [
        {
            "key": "review",
            "label": "评审",
            "kind": "review",
            "criteria": call["criteria"],
            "k": call["reviewers_per_submission"],
            "deadline": call["review_deadline"],
        }
    ]


def season(call: dict) -> list[dict]:
    """The preset season (形式审查 → 初评 → 复评 → 终评) for a call of its preset."""
    p = presets.get(call["preset"] or "cteam")
    out = []
    for rp in p.rounds:
        spec = rp.as_dict(call["criteria"])
        if rp.kind == "review":
            spec["k"] = min(rp.k, call["reviewers_per_submission"]) if rp.key != "first" else rp.k
        out.append(spec)
    return out


def _manage(ctx: Context, conn, call: dict) -> None:
    require(ctx, "programme.manage", call_view(conn, call))


def _pending(r: dict) -> None:
    if r["status"] != "pending":
        raise Conflict(f"round '{r['label']}' is {r['status']}: only a pending round can be changed")


def create_round(ctx: Context, call_id: int, spec: dict) -> Round:
    """Add a round at the end of the call's rounds (pending). `spec`: key, label, kind, criteria,
    scale_min, scale_max, fields, pool (usernames), k, deadline, see_earlier, see_peers."""
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        _manage(ctx, conn, call)
        round_store.lock_rounds(conn, call_id)
        rounds = _rounds(conn, call_id)
        if len(rounds) >= MAX_ROUNDS:
            raise CaseAtlasError(f"a call has at most {MAX_ROUNDS} rounds")
        key = _key(spec.get("key"))
        if any(r["key"] == key for r in rounds):
            raise Conflict(f"the call already has a round '{key}'")
        if not spec.get("kind"):
            raise CaseAtlasError("round kind: check or review")
        if spec["kind"] == "review" and not spec.get("criteria"):
            spec = {**spec, "criteria": call["criteria"]}  # the call's criteria unless the round has its own
        if not spec.get("label"):
            raise CaseAtlasError("round label: required")
        values = _form(conn, call, spec)
        stamp = now_iso()
        rid = round_store.add_round(
            conn,
            call_id=call_id,
            position=round_store.next_position(conn, call_id),
            key=key,
            criteria=values.pop("criteria", []),
            fields=values.pop("fields", []),
            pool=values.pop("pool", []),
            k=values.pop("k", 0 if spec["kind"] == "check" else call["reviewers_per_submission"]),
            deadline=values.pop("deadline", None),
            status="pending",
            created_at=stamp,
            **values,
        )
        audit.record(conn, ctx, "round.create", f"call:{call_id}", round=key, kind=spec["kind"])
        return _record(conn, call, round_store.get_round(conn, rid), _rounds(conn, call_id), True)


def update_round(ctx: Context, round_id: int, spec: dict) -> Round:
    """Change a pending round's label, form, pool, k, deadline or visibility (fields left None
    stay). A round's kind and key are fixed once made. The deadline of an open round may move."""
    with ctx.engine.begin() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        changes = {k: v for k, v in spec.items() if v is not None or k == "deadline"}
        changes.pop("kind", None)
        changes.pop("key", None)
        if r["status"] != "pending" and set(changes) - {"deadline"}:
            _pending(r)
        if r["status"] == "closed":
            _pending(r)
        values = _form(conn, call, changes, r)
        if r["status"] != "pending":
            values = {"deadline": values["deadline"]} if "deadline" in values else {}
        if values:
            round_store.update_round(conn, round_id, **values)
            audit.record(conn, ctx, "round.update", f"round:{round_id}", **values)
        return _record(conn, call, round_store.get_round(conn, round_id), _rounds(conn, call["id"]), True)


def delete_round(ctx: Context, round_id: int) -> list[Round]:
    """Remove a pending round; the later rounds move up."""
    with ctx.engine.begin() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        _pending(r)
        round_store.lock_rounds(conn, call["id"])
        round_store.delete_round(conn, round_id)
        for i, x in enumerate(_rounds(conn, call["id"])):
            round_store.update_round(conn, x["id"], position=i)
        audit.record(conn, ctx, "round.delete", f"call:{call['id']}", round=r["key"])
        rounds = _rounds(conn, call["id"])
        return [_record(conn, call, x, rounds, True) for x in rounds]


def reorder_rounds(ctx: Context, call_id: int, keys: list[str]) -> list[Round]:
    """Put the call's rounds in the order of `keys` (every round's key once). Rounds that have
    opened keep their places: only pending rounds move, and only after them."""
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        _manage(ctx, conn, call)
        round_store.lock_rounds(conn, call_id)
        rounds = _rounds(conn, call_id)
        by_key = {r["key"]: r for r in rounds}
        if sorted(keys) != sorted(by_key) or len(set(keys)) != len(keys):
            raise CaseAtlasError("order: every round's key, each once: " + ", ".join(by_key))
        started = [r["key"] for r in rounds if r["status"] != "pending"]
        if keys[: len(started)] != started:
            raise Conflict("rounds that have opened keep their places; only pending rounds move, after them")
        for i, key in enumerate(keys):
            round_store.update_round(conn, by_key[key]["id"], position=1000 + i)  # no two at one place
        for i, key in enumerate(keys):
            round_store.update_round(conn, by_key[key]["id"], position=i)
        audit.record(conn, ctx, "round.reorder", f"call:{call_id}", order=keys)
        rounds = _rounds(conn, call_id)
        return [_record(conn, call, x, rounds, True) for x in rounds]


def use_season(ctx: Context, call_id: int) -> list[Round]:
    """Replace the call's rounds with the preset season (形式审查 → 初评 → 复评 → 终评), all
    pending — only before any round's work has begun (no assignment, review, check or entry)."""
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        _manage(ctx, conn, call)
        round_store.lock_rounds(conn, call_id)
        rounds = _rounds(conn, call_id)
        ids = [r["id"] for r in rounds]
        if (
            store.assignments_of(conn, call_id)
            or store.reviews_of(conn, call_id)
            or round_store.entries_of(conn, ids)
            or any(round_store.checks_of(conn, i) for i in ids)
        ):
            raise Conflict("the rounds have work in them: change them one by one")
        for r in rounds:
            round_store.delete_round(conn, r["id"])
        seed(conn, call, season(call), now_iso())
        audit.record(conn, ctx, "round.preset", f"call:{call_id}")
        rounds = _rounds(conn, call_id)
        return [_record(conn, call, x, rounds, True) for x in rounds]


# --- opening, closing, the shortlist


def open_round(ctx: Context, round_id: int) -> Round:
    """Open a pending round: the rounds before it must be closed (the first round opens any time)."""
    with ctx.engine.begin() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        round_store.lock_rounds(conn, call["id"])
        _pending(r)
        rounds = _rounds(conn, call["id"])
        before = [x for x in logic.previous(rounds, r) if x["status"] != "closed"]
        if before:
            raise Conflict(f"close round '{before[0]['label']}' first")
        round_store.update_round(conn, round_id, status="open", opened_at=now_iso())
        audit.record(conn, ctx, "round.open", f"round:{round_id}")
        return _record(conn, call, round_store.get_round(conn, round_id), _rounds(conn, call["id"]), True)


def close_round(ctx: Context, round_id: int, entries: list[dict] | None = None) -> Shortlist:
    """Close an open round, applying the shortlist given (advanced / out, with reasons) first;
    what is advanced goes into the next round."""
    with ctx.engine.begin() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        round_store.lock_rounds(conn, call["id"])
        if r["status"] != "open":
            raise Conflict(f"round '{r['label']}' is {r['status']}: only an open round closes")
        stamp = now_iso()
        _apply(conn, ctx, call, r, entries or [], stamp)
        round_store.update_round(conn, round_id, status="closed", closed_at=stamp)
        r = round_store.get_round(conn, round_id)
        carried = _carry(conn, ctx, call, r, stamp)
        audit.record(conn, ctx, "round.close", f"round:{round_id}", carried=carried)
        return _shortlist(conn, call, r, carried)


def shortlist(ctx: Context, round_id: int, entries: list[dict] | None = None) -> Shortlist:
    """The round's shortlist; with `entries` ([{submission, state: advanced|out|in, reason}]) the
    organizer's choices are recorded first. In a closed round a change reaches the next round at
    once (while that round has no work for the case)."""
    with ctx.engine.begin() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        carried: list[int] = []
        if entries:
            round_store.lock_rounds(conn, call["id"])
            if r["status"] == "pending":
                raise Conflict(f"round '{r['label']}' has not opened")
            stamp = now_iso()
            _apply(conn, ctx, call, r, entries, stamp)
            if r["status"] == "closed":
                carried = _carry(conn, ctx, call, r, stamp)
            audit.record(conn, ctx, "round.shortlist", f"round:{round_id}", entries=len(entries))
        return _shortlist(conn, call, r, carried)


def _apply(conn, ctx: Context, call: dict, r: dict, entries: list[dict], stamp: str) -> None:
    states = _states(conn, call, _rounds(conn, call["id"]), r)
    nxt = logic.following(_rounds(conn, call["id"]), r)
    for e in entries:
        try:
            sid = int(e.get("submission"))
        except (TypeError, ValueError):
            raise CaseAtlasError("shortlist: each entry names a submission by its id") from None
        state = e.get("state")
        if state not in ENTRY_STATES:
            raise CaseAtlasError(f"shortlist: state is one of {', '.join(ENTRY_STATES)}")
        if sid not in states:
            raise NotFound(f"submission {sid} is not in round '{r['label']}'")
        if state == "advanced" and nxt is None:
            raise CaseAtlasError(f"round '{r['label']}' is the last: nothing to advance to (decide instead)")
        reason = (str(e.get("reason") or "").strip()[:MAX_REASON]) or None
        if state != "advanced" and nxt is not None and states[sid][0] == "advanced":
            _withdraw(conn, nxt, sid)
        round_store.set_entry(conn, r["id"], sid, state, reason, ctx.actor.user_id, stamp)


def _withdraw(conn, nxt: dict, sid: int) -> None:
    """Take a case out of the next round again — only while nobody has worked on it there."""
    if (
        nxt["status"] == "closed"
        or store.assignments_of(conn, nxt["call_id"], round_id=nxt["id"])
        and any(a["submission_id"] == sid for a in store.assignments_of(conn, nxt["call_id"], round_id=nxt["id"]))
    ):
        raise Conflict(f"submission {sid} is already being worked on in round '{nxt['label']}'")
    round_store.remove_entry(conn, nxt["id"], sid)


def _carry(conn, ctx: Context, call: dict, r: dict, stamp: str) -> list[int]:
    """Put the round's advanced cases into the next round (those not there yet)."""
    nxt = logic.following(_rounds(conn, call["id"]), r)
    if nxt is None:
        return []
    have = {e["submission_id"] for e in round_store.entries_of(conn, [nxt["id"]])}
    carried = []
    for e in round_store.entries_of(conn, [r["id"]]):
        if e["state"] == "advanced" and e["submission_id"] not in have:
            round_store.set_entry(conn, nxt["id"], e["submission_id"], "in", None, ctx.actor.user_id, stamp)
            carried.append(e["submission_id"])
    return carried


def _means(conn, call: dict, r: dict) -> dict[int, tuple[float | None, int, dict[int, float]]]:
    """submission → (mean weighted total, submitted reviews, reviewer → total) in round `r`."""
    out: dict[int, dict[int, float]] = {}
    for v in store.reviews_of(conn, call["id"], round_id=r["id"]):
        if v["status"] != "submitted":
            continue
        t = weighted_total(v["scores"], r["criteria"])
        if t is not None:
            out.setdefault(v["submission_id"], {})[v["reviewer_id"]] = t
    return {s: (statistics.fmean(ts.values()), len(ts), ts) for s, ts in out.items()}


def _shortlist(conn, call: dict, r: dict, carried: list[int]) -> Shortlist:
    rounds = _rounds(conn, call["id"])
    states = _states(conn, call, rounds, r)
    subs = {s["id"]: s for s in store.list_submissions(conn, call["id"], ids=list(states))} if states else {}
    means = _means(conn, call, r) if r["kind"] == "review" else {}
    verdicts = {c["submission_id"]: c["verdict"] for c in round_store.checks_of(conn, r["id"])}
    entries = [
        Entry(
            submission=sid,
            title=subs[sid]["title"],
            organization=subs[sid]["organization"],
            domain=subs[sid]["domain"],
            state=state,
            reason=reason,
            mean=means.get(sid, (None, 0, {}))[0],
            n_reviews=means.get(sid, (None, 0, {}))[1],
            verdict=verdicts.get(sid),
        )
        for sid, (state, reason) in states.items()
        if sid in subs
    ]
    entries.sort(key=lambda e: (e.mean is None, -(e.mean or 0), e.submission))
    nxt = logic.following(rounds, r)
    return Shortlist(
        round=_record(conn, call, r, rounds, True),
        entries=entries,
        carried=sorted(carried),
        next_round=nxt["key"] if nxt else None,
    )


# --- the formal check (形式审查)


def _check(conn, call: dict, r: dict, sub: dict, row: dict | None, state: str, names: dict[int, str]) -> FormalCheck:
    row = row or {}
    ticks = row.get("items") or {}
    items = [
        CheckItem(**i, ok=(ticks.get(i["key"]) or {}).get("ok"), note=(ticks.get(i["key"]) or {}).get("note"))
        for i in logic.formal_items(call["template"], sub, store.list_attachments(conn, sub["id"]))
    ]
    return FormalCheck(
        round=r["id"],
        submission=sub["id"],
        title=sub["title"],
        applicant=sub["applicant"],
        items=items,
        verdict=row.get("verdict"),
        reasons=row.get("reasons"),
        checked_by=names.get(row["checked_by"]) if row.get("checked_by") else None,
        at=row.get("at"),
        state=state,
    )


def formal_checks(ctx: Context, round_id: int) -> list[FormalCheck]:
    """Every submission of a check round with its checklist (what the system tells, the staff's
    ticks) and verdict."""
    with ctx.engine.connect() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        if r["kind"] != "check":
            raise CaseAtlasError(f"round '{r['label']}' is not a check round")
        states = _states(conn, call, _rounds(conn, call["id"]), r)
        rows = {c["submission_id"]: c for c in round_store.checks_of(conn, round_id)}
        names = _usernames(conn, call["id"])
        subs = store.list_submissions(conn, call["id"], ids=list(states)) if states else []
        return [_check(conn, call, r, s, rows.get(s["id"]), states[s["id"]][0], names) for s in subs]


def formal_check(ctx: Context, round_id: int, submission_id: int) -> FormalCheck:
    with ctx.engine.connect() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        return _one_check(conn, call, r, submission_id)


def _one_check(conn, call: dict, r: dict, submission_id: int) -> FormalCheck:
    if r["kind"] != "check":
        raise CaseAtlasError(f"round '{r['label']}' is not a check round")
    states = _states(conn, call, _rounds(conn, call["id"]), r)
    if submission_id not in states:
        raise NotFound(f"submission {submission_id} is not in round '{r['label']}'")
    sub = store.get_submission(conn, submission_id)
    row = next((c for c in round_store.checks_of(conn, r["id"]) if c["submission_id"] == submission_id), None)
    return _check(conn, call, r, sub, row, states[submission_id][0], _usernames(conn, call["id"]))


def save_formal_check(
    ctx: Context,
    round_id: int,
    submission_id: int,
    items: dict | None = None,
    verdict: str | None = None,
    reasons: str | None = None,
) -> FormalCheck:
    """Staff tick and note the checklist and give a verdict: pass (the case goes into the next
    round at once), return (the applicant is to fix it: mailed the reasons) or fail (out of the
    season: mailed the reasons). Return and fail need reasons. The round must be open."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        r, call = _load_round(conn, round_id)
        _manage(ctx, conn, call)
        if r["kind"] != "check":
            raise CaseAtlasError(f"round '{r['label']}' is not a check round")
        if r["status"] != "open":
            raise Conflict(f"round '{r['label']}' is {r['status']}: checks are made while it is open")
        rounds = _rounds(conn, call["id"])
        states = _states(conn, call, rounds, r)
        if submission_id not in states:
            raise NotFound(f"submission {submission_id} is not in round '{r['label']}'")
        if verdict is not None and verdict not in CHECK_VERDICT_LABELS:
            raise CaseAtlasError(f"verdict: one of {', '.join(CHECK_VERDICT_LABELS)}", field="verdict")
        reasons = (reasons or "").strip()[:MAX_REASON] or None
        if verdict in ("return", "fail") and not reasons:
            raise CaseAtlasError("give the applicant the reasons for returning or failing the check", field="reasons")
        ticks = {}
        keys = set(logic.FORMAL_ITEM_KEYS)
        for key, tick in (items or {}).items():
            if key not in keys:
                raise CaseAtlasError(f"unknown checklist item '{key}' (use {', '.join(logic.FORMAL_ITEM_KEYS)})")
            tick = tick or {}
            ok = tick.get("ok")
            ticks[key] = {
                "ok": None if ok is None else bool(ok),
                "note": (str(tick.get("note") or "").strip()[:500] or None),
            }
        stamp = now_iso()
        old = next((c for c in round_store.checks_of(conn, round_id) if c["submission_id"] == submission_id), None)
        round_store.save_check(
            conn,
            round_id,
            submission_id,
            items=ticks or (old or {}).get("items") or {},
            verdict=verdict,
            reasons=reasons,
            checked_by=ctx.actor.user_id,
            at=stamp,
        )
        sub = store.get_submission(conn, submission_id)
        nxt = logic.following(rounds, r)
        if verdict is not None:
            state = {"pass": "advanced" if nxt else "in", "return": "in", "fail": "out"}[verdict]
            if states[submission_id][0] == "advanced" and state != "advanced" and nxt is not None:
                _withdraw(conn, nxt, submission_id)
            round_store.set_entry(conn, round_id, submission_id, state, reasons, ctx.actor.user_id, stamp)
            if state == "advanced":
                _carry(conn, ctx, call, round_store.get_round(conn, round_id), stamp)
            if verdict != "pass" or (old or {}).get("verdict") not in (None, "pass"):
                notify.queue_template(
                    conn,
                    call,
                    "formal_check",
                    sub["applicant_email"],
                    {
                        "name": sub["applicant"],
                        "title": sub["title"],
                        "link": mail.link(f"/submissions/{submission_id}"),
                        "passed": verdict == "pass",
                        "returned": verdict == "return",
                        "reasons": [x.strip() for x in (reasons or "").splitlines() if x.strip()],
                        "deadline": mail.At(r.get("deadline") or call["submission_deadline"] or ""),
                    },
                    pending,
                    recipient_id=sub["applicant_id"],
                )
        audit.record(conn, ctx, "round.check", f"submission:{submission_id}", round=r["key"], verdict=verdict)
        out = _one_check(conn, call, r, submission_id)
    notify.send(ctx.engine, pending)
    return out


def check_notices(conn, submission_id: int) -> list[CheckNotice]:
    """The formal checks' verdicts on a submission, for its applicant's page (and its organizers)."""
    out = []
    for c in round_store.checks_of_submission(conn, submission_id):
        if c["verdict"] is None:
            continue
        r = round_store.get_round(conn, c["round_id"])
        out.append(
            CheckNotice(
                round=r["label"],
                verdict=c["verdict"],
                verdict_label=CHECK_VERDICT_LABELS[c["verdict"]][0],
                reasons=c["reasons"],
                at=c["at"],
            )
        )
    return out


# --- earlier rounds' scores


def scores_before(conn, call: dict, r: dict, submission_id: int, manager: bool) -> list[RoundScore]:
    """The submission's score in each review round before `r` (all review rounds up to and
    including the last closed one when `r` is None-like), per round. Reviewers' names only for
    organizers."""
    rounds = _rounds(conn, call["id"])
    names = _usernames(conn, call["id"]) if manager else {}
    out = []
    for x in logic.previous(rounds, r):
        if x["kind"] != "review":
            continue
        mean, n, totals = _means(conn, call, x).get(submission_id, (None, 0, {}))
        out.append(
            RoundScore(
                round=x["id"],
                key=x["key"],
                label=x["label"],
                mean=mean,
                scale=[x["scale_min"], x["scale_max"]],
                n_reviews=n,
                totals={names.get(u, str(u)): t for u, t in totals.items()} if manager else {},
            )
        )
    return out


def earlier_scores(ctx: Context, submission_id: int, round_id: int | None = None) -> list[RoundScore]:
    """A submission's scores in the rounds before `round_id` (default: the current round), per
    round: organizers always; the round's reviewers when its visibility lets them."""
    with ctx.engine.connect() as conn:
        sub = store.get_submission(conn, submission_id)
        if sub is None:
            raise NotFound(f"no submission {submission_id}")
        call = load_call(conn, sub["call_id"])
        view = submission_view(conn, call, sub)
        require(ctx, "submission.read", view)
        r = resolve(conn, call, round_id)
        manager = can(ctx.actor, "programme.manage", view.call)
        if not manager:
            require(ctx, "review.earlier", view)
            if r["id"] != view.round_id:
                raise NotFound(f"no round {round_id} in this call")
        return scores_before(conn, call, r, submission_id, manager)


# --- per-round assignments


class Assignment(Result):
    submission: int
    reviewer: str
    origin: str
    round: int


def assignments(ctx: Context, call_id: int, round_id: int | None = None) -> list[Assignment]:
    """The assignments of one round (default: the current round)."""
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        _manage(ctx, conn, call)
        r = resolve(conn, call, round_id)
        return [
            Assignment(submission=a["submission_id"], reviewer=a["username"], origin=a["origin"], round=r["id"])
            for a in store.assignments_of(conn, call_id, round_id=r["id"])
        ]


def reviewer_id(conn, call_id: int, username: str) -> int:
    user = accounts_store.get_user(conn, username)
    if user is None or user.id not in {m["user_id"] for m in store.members(conn, call_id, "reviewer")}:
        raise NotFound(f"'{username}' is not on this call's panel")
    return user.id
