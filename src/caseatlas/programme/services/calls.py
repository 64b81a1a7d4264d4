"""Programmes and their calls for cases: create from a preset, edit, publish, move the
phase on, and the people of a call (organizers and the review panel)."""

from __future__ import annotations

import hashlib
import json
import os
import re
from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from ...errors import CaseAtlasError, Conflict, NotFound
from ...services import accounts, audit, mail, notify
from ...services.context import Actor, Context, require
from ...services.rules import CallView, SubmissionView, now_iso
from ...store import accounts as accounts_store
from ...store import programmes as store
from ...store import revisions as revision_store
from ...store import rounds as rounds_store
from ...text.lists import join_list
from ...text.times import DEFAULT_TZ, valid_zone
from ...vocab import DEADLINES, MAIL_LANGS
from ..domain import presets
from ..domain import rounds as rounds_logic
from ..domain.phases import over_quota, phase
from . import conflicts as coi
from . import invitations

MAX_DOMAINS = 30
MAX_CRITERIA = 12
PRESETS = presets.PRESETS  # what a call starts from; the shells list and name them here (they import services only)
LOCAL_TZ = os.environ.get("CASEATLAS_TZ", "Asia/Shanghai")  # how deadlines typed without a zone are read


def parse_deadline(value: str | None, tz: str | None = None, field: str | None = None) -> str | None:
    """'2027-01-31' (end of that day), '2027-01-31T18:00' (local time in the call's zone `tz`,
    else CASEATLAS_TZ) or an ISO time with a zone → ISO-8601 UTC. Empty → None."""
    if value is None or not str(value).strip():
        return None
    text = str(value).strip().replace(" ", "T")
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            dt = datetime.combine(datetime.fromisoformat(text).date(), time(23, 59, 59))
        else:
            dt = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise CaseAtlasError(f"deadline '{value}': use YYYY-MM-DD or YYYY-MM-DDTHH:MM", field=field) from None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=ZoneInfo(tz if tz and valid_zone(tz) else LOCAL_TZ))
    return dt.astimezone(UTC).isoformat(timespec="seconds")


def check_zone(tz: str | None) -> str:
    """A call's time zone: an IANA key (Asia/Shanghai when none is given)."""
    tz = (tz or "").strip() or DEFAULT_TZ
    if len(tz) > 64 or not valid_zone(tz):
        raise CaseAtlasError(
            f"timezone '{tz[:64]}': not a time zone (an IANA name such as Asia/Shanghai)", field="timezone"
        )
    return tz


def check_offsets(values) -> list[int]:
    """Reminder offsets: whole days before a deadline, 1 to 60, at most 5 (from a list or '3, 1')."""
    if isinstance(values, str):
        values = [v for v in re.split(r"[\s,，;；、]+", values) if v]
    try:
        days = sorted({int(v) for v in values or []}, reverse=True)
    except (TypeError, ValueError):
        raise CaseAtlasError("reminder days: whole numbers of days, such as 3, 1", field="reminder_offsets") from None
    if len(days) > 5 or any(not 1 <= d <= 60 for d in days):
        raise CaseAtlasError(
            "提醒：最多 5 个，每个为截止前 1–60 天 / reminder days: at most 5, each 1 to 60 days before the deadline",
            field="reminder_offsets",
        )
    return days


def check_lang(lang: str | None) -> str:
    lang = lang or "zh"
    if lang not in MAIL_LANGS:
        raise CaseAtlasError("mail language: zh or en", field="mail_lang")
    return lang


def _names(values) -> list[str]:
    if isinstance(values, str):
        values = re.split(r"[\n,，;；、]+", values)
    return [v.strip() for v in values or [] if v and v.strip()]


def check_criteria(criteria: list[dict]) -> list[dict]:
    if not criteria or len(criteria) > MAX_CRITERIA:
        raise CaseAtlasError(f"criteria: 1 to {MAX_CRITERIA} are needed")
    out, keys = [], set()
    for c in criteria:
        key = str(c.get("key") or "").strip()
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,31}", key) or key in keys:
            raise CaseAtlasError(f"criterion key '{key}': lowercase letters, digits, _ and unique")
        try:
            weight = float(c.get("weight", 1))
        except (TypeError, ValueError):
            weight = -1
        if not weight > 0:
            raise CaseAtlasError(f"criterion '{key}': weight must be a positive number")
        keys.add(key)
        out.append(
            {
                "key": key,
                "label": str(c.get("label") or key),
                "weight": weight,
                "description": str(c.get("description") or ""),
            }
        )
    return out


def create(
    ctx: Context,
    preset: str,
    name: str,
    year: int | None = None,
    domains=None,
    organizers=None,
    supporters=None,
    description: str | None = None,
    contact: str | None = None,
    deadlines: dict | None = None,
    reviewers_per_submission: int = 3,
    blind: bool = False,
    quotas: dict | None = None,
    template=None,
    criteria: list[dict] | None = None,
    rounds: str = "single",
    timezone: str | None = None,
    reminder_offsets=None,
    mail_lang: str | None = None,
) -> dict:
    """A programme and its call, from a preset (template, criteria, domains) with overrides.
    Deadlines typed without a zone are read in the call's `timezone` (Asia/Shanghai by default).
    `rounds`: "single" (one review round, open: the call's criteria and k) or "season" (the
    preset's rounds 形式审查 → 初评 → 复评 → 终评, pending: programme/services/rounds.py)."""
    from . import rounds as review_rounds  # rounds reads calls; a call is made with its rounds

    if rounds not in ("single", "season"):
        raise CaseAtlasError("rounds: single or season")
    require(ctx, "programme.create")
    p = presets.get(preset)
    name = (name or "").strip()
    if not name:
        raise CaseAtlasError("name: required", field="name")
    domains = _names(domains) if domains else list(p.domains)
    if not 1 <= len(domains) <= MAX_DOMAINS:
        raise CaseAtlasError(f"domains: 1 to {MAX_DOMAINS}", field="domains")
    template = _names(template) if template else list(p.template)
    criteria = check_criteria(criteria if criteria else [c.as_dict() for c in p.criteria])
    if not isinstance(reviewers_per_submission, int) or not 1 <= reviewers_per_submission <= 10:
        raise CaseAtlasError("reviewers per submission: 1 to 10", field="k")
    quotas = _quotas(quotas or {}, domains)
    tz = check_zone(timezone)
    offsets = check_offsets(reminder_offsets) if reminder_offsets is not None else [3, 1]
    lang = check_lang(mail_lang)
    dl = {k: parse_deadline((deadlines or {}).get(k), tz, field=k) for k in DEADLINES}
    _check_order(dl)
    with ctx.engine.begin() as conn:
        slug = _slug(conn, name, year)
        pid = store.add_programme(
            conn,
            slug=slug,
            name=name,
            year=year,
            organizers=_names(organizers),
            supporters=_names(supporters),
            description=description,
            contact=contact,
            created_by=ctx.actor.user_id,
            created_at=now_iso(),
        )
        cid = store.add_call(
            conn,
            programme_id=pid,
            title=name,
            preset=p.key,
            domains=domains,
            quotas=quotas,
            template=template,
            outcome_kinds=list(p.outcome_kinds),
            criteria=criteria,
            scale_min=p.scale[0],
            scale_max=p.scale[1],
            reviewers_per_submission=int(reviewers_per_submission),
            blind=bool(blind),
            aliases=[],
            timezone=tz,
            reminder_offsets=json.dumps(offsets),
            mail_lang=lang,
            created_at=now_iso(),
            **dl,
        )
        if ctx.actor.user_id is not None:
            store.upsert_member(conn, cid, ctx.actor.user_id, "organizer")
        made = store.get_call(conn, cid)
        if rounds == "single":
            review_rounds.seed(conn, made, review_rounds.single(made), now_iso(), status="open")
        else:
            review_rounds.seed(conn, made, review_rounds.season(made), now_iso())
        audit.record(
            conn, ctx, "programme.create", f"call:{cid}", name=name, preset=p.key, domains=domains, rounds=rounds
        )
        return _public(conn, store.get_call(conn, cid), ctx.actor)


def _slug(conn, name: str, year: int | None) -> str:
    base = f"{year or 'p'}-{hashlib.sha1(name.encode()).hexdigest()[:6]}"
    slug, n = base, 1
    while store.slug_taken(conn, slug):
        n += 1
        slug = f"{base}-{n}"
    return slug


def _quotas(quotas: dict, domains: list[str]) -> dict:
    out = {}
    for d, q in quotas.items():
        if d not in domains:
            raise CaseAtlasError(f"quota for '{d}': not one of the call's domains", field=f"quota:{d}")
        if q in (None, ""):
            continue
        try:
            n = int(q)
        except (TypeError, ValueError):
            n = -1
        if n < 0:
            raise CaseAtlasError(f"quota for '{d}': a whole number ≥ 0", field=f"quota:{d}")
        out[d] = n
    return out


def accepted_by_domain(conn, call_id: int, decisions: dict[int, str | None] | None = None) -> dict[str, int]:
    """Accepted submitted cases per domain — as stored, or with `decisions` (submission → decision)
    applied on top."""
    out: dict[str, int] = {}
    for s in store.list_submissions(conn, call_id, status="submitted"):
        decision = decisions[s["id"]] if decisions is not None and s["id"] in decisions else s["decision"]
        if decision == "accept":
            out[s["domain"]] = out.get(s["domain"], 0) + 1
    return out


def check_quota(
    conn,
    call: dict,
    quotas: dict | None = None,
    domains: list[str] | None = None,
    decisions: dict[int, str | None] | None = None,
) -> None:
    """The quota invariant, asked at every change that could break it — a quota or the domains
    edited (`calls.update`), decisions applied (`selection.decide`), publishing (`selection.publish`):
    no domain has more accepted cases than its quota, and every accepted case is in one of the
    call's domains (its chapter of the book). Refused with Conflict (409), naming the domains."""
    quotas = call["quotas"] if quotas is None else quotas
    domains = call["domains"] if domains is None else domains
    accepted = accepted_by_domain(conn, call["id"], decisions)
    over = over_quota(accepted, quotas)
    if over:
        raise Conflict(
            "over quota: "
            + join_list((f"{d} {n} accepted, quota {quotas[d]}" for d, n in over.items()), "en", "clauses")
            + " — a quota is never below the cases accepted in its domain; reject some first"
        )
    homeless = sorted(d for d in accepted if d not in domains)
    if homeless:
        raise Conflict(
            "accepted cases in " + join_list(homeless, "en") + ", which would no longer be a domain of the call"
            " (each accepted case is a chapter's case of the book); reject them first"
        )


def _check_order(dl: dict) -> None:
    given = [(k, v) for k, v in dl.items() if v]
    for (ka, a), (kb, b) in zip(given, given[1:]):
        if a > b:
            raise CaseAtlasError(f"{kb.replace('_', ' ')} is before {ka.replace('_', ' ')}", field=kb)


# --- reading a call


def call_view(conn, call: dict) -> CallView:
    prog = store.get_programme(conn, call["programme_id"])
    ms = store.members(conn, call["id"])
    managers = {m["user_id"] for m in ms if m["role"] == "organizer"}
    if prog and prog["created_by"]:
        managers.add(prog["created_by"])
    return CallView(
        call["id"],
        phase(call, now_iso()),
        frozenset(managers),
        frozenset(m["user_id"] for m in ms if m["role"] == "reviewer"),
    )


def load_call(conn, call_id: int) -> dict:
    call = store.get_call(conn, call_id)
    if call is None:
        raise NotFound(f"no call {call_id}")
    return call


def conflicts_of(conn, call: dict, subs: list[dict], write: bool = False) -> dict[tuple[int, int], str]:
    """(submission, reviewer) → why they conflict (a detected one's in both languages, a
    `mail.Words`), for these submissions: declared by the
    reviewer, or detected from the reviewer's organizations and the applicant's — computed once
    per state of the call and stored (`services/conflicts.py`)."""
    ids = {s["id"] for s in subs}
    out = {p: why for p, why in store.declared_conflicts(conn, call["id"]).items() if p[0] in ids}
    for r in coi.detected(conn, call, write):
        pair = (r["submission_id"], r["reviewer_id"])
        if pair[0] in ids and pair not in out:
            out[pair] = coi.reason(r)
    return out


def submission_view(conn, call: dict, sub: dict, cv: CallView | None = None) -> SubmissionView:
    return submission_views(conn, call, [sub], cv)[sub["id"]]


def submission_views(conn, call: dict, subs: list[dict], cv: CallView | None = None) -> dict[int, SubmissionView]:
    """The rules' view of each submission, from one read of the call's assignments, conflicts
    and reviews (not one per submission)."""
    cv = cv or call_view(conn, call)
    ids = {s["id"] for s in subs}
    rnd = current_round_row(conn, call["id"])
    rid = rnd["id"] if rnd else None
    assigned: dict[int, set[int]] = {i: set() for i in ids}
    for a in store.assignments_of(conn, call["id"], round_id=rid):
        if a["submission_id"] in ids:
            assigned[a["submission_id"]].add(a["reviewer_id"])
    conf: dict[int, set[int]] = {i: set() for i in ids}
    for s, r in conflicts_of(conn, call, subs):
        if s in conf:  # declared conflicts come for the whole call
            conf[s].add(r)
    reviewed: dict[int, set[int]] = {i: set() for i in ids}
    rows = (
        store.reviews_of(conn, submission_id=subs[0]["id"], round_id=rid)
        if len(subs) == 1
        else store.reviews_of(conn, call["id"], round_id=rid)
    )
    for r in rows:
        if r["status"] == "submitted" and r["submission_id"] in ids:
            reviewed[r["submission_id"]].add(r["reviewer_id"])
    # open revision requests reopen a submission for its applicant (services/rules.py)
    revising = {
        sid: r["deadline"]
        for sid, r in revision_store.latest_requests(conn, list(ids)).items()
        if r["status"] == "open"
    }
    vis = (rnd or {}).get("visibility") or {}
    in_round = {
        "round_id": rid,
        "round_kind": rnd["kind"] if rnd else "review",
        "round_status": rnd["status"] if rnd else "closed",
        "see_peers": bool(vis.get("see_peers", False)),
        "see_earlier": bool(vis.get("see_earlier", True)),
    }
    return {
        s["id"]: SubmissionView(
            cv,
            s["id"],
            s["applicant_id"],
            bool(s["decision"]),
            frozenset(assigned[s["id"]]),
            frozenset(conf[s["id"]]),
            frozenset(reviewed[s["id"]]),
            withdrawn=s["status"] == "withdrawn",
            revision_until=revising.get(s["id"]),
            **in_round,
        )
        for s in subs
    }


def current_round_row(conn, call_id: int) -> dict | None:
    """The call's current round as stored (the first not closed; the last when all are)."""
    return rounds_logic.current(rounds_store.rounds_of(conn, call_id))


def _public(conn, call: dict, actor: Actor) -> dict:
    prog = store.get_programme(conn, call["programme_id"])
    cv = call_view(conn, call)
    out = {
        k: call[k]
        for k in (
            "id",
            "title",
            "preset",
            "domains",
            "quotas",
            "template",
            "outcome_kinds",
            "criteria",
            "scale_min",
            "scale_max",
            "reviewers_per_submission",
            "blind",
            "published_at",
            "results_at",
            "collection_slug",
            "reopened_at",
            "timezone",
            "mail_lang",
            *DEADLINES,
        )
    }
    out["reminder_offsets"] = json.loads(call["reminder_offsets"] or "[3, 1]")
    out["phase"] = cv.phase
    out["programme"] = {
        k: prog[k] for k in ("id", "slug", "name", "year", "organizers", "supporters", "description", "contact")
    }
    out["my_role"] = (
        "organizer"
        if actor.user_id in cv.managers or actor.role == "admin" or actor.kind == "system"
        else "reviewer"
        if actor.user_id in cv.reviewers
        else actor.role
    )
    organizer = out["my_role"] == "organizer"
    out["n_submissions"] = store.count_submissions(conn, call["id"]) if organizer else None
    # the call's own names of one group (conflicts), and what conflicts found lately took away
    out["aliases"] = [list(g) for g in call["aliases"] or []] if organizer else None
    out["conflict_notices"] = coi.notices(conn, call["id"]) if organizer else None
    return out


def list_calls(ctx: Context) -> list[dict]:
    require(ctx, "programme.read")
    from ...services.context import can

    with ctx.engine.connect() as conn:
        return [
            _public(conn, c, ctx.actor)
            for c in store.list_calls(conn)
            if can(ctx.actor, "programme.read", call_view(conn, c))
        ]


def get_call(ctx: Context, call_id: int) -> dict:
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.read", call_view(conn, call))
        return _public(conn, call, ctx.actor)


# --- changing a call


def update(ctx: Context, call_id: int, **changes) -> dict:
    """Edit a call: deadlines, domains, quotas, blind mode, aliases, reviewers per submission.
    New alias groups may make conflicts: the assignments they touch are removed at once."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        values: dict = {}
        if changes.get("timezone") is not None:
            values["timezone"] = check_zone(changes["timezone"])
        if changes.get("reminder_offsets") is not None:
            values["reminder_offsets"] = json.dumps(check_offsets(changes["reminder_offsets"]))
        if changes.get("mail_lang") is not None:
            values["mail_lang"] = check_lang(changes["mail_lang"])
        tz = values.get("timezone", call["timezone"])
        for k in DEADLINES:
            if k in changes:
                values[k] = parse_deadline(changes[k], tz, field=k)
        changes = {k: v for k, v in changes.items() if v is not None or k in DEADLINES}  # None: leave as is
        if "domains" in changes:
            values["domains"] = _names(changes["domains"])
            if not 1 <= len(values["domains"]) <= MAX_DOMAINS:
                raise CaseAtlasError(f"domains: 1 to {MAX_DOMAINS}", field="domains")
        domains = values.get("domains", call["domains"])
        if "quotas" in changes:
            values["quotas"] = _quotas(changes["quotas"] or {}, domains)
        if "blind" in changes:
            values["blind"] = bool(changes["blind"])
        if changes.get("reviewers_per_submission") is not None:
            k = changes["reviewers_per_submission"]
            if not isinstance(k, int) or not 1 <= k <= 10:
                raise CaseAtlasError("reviewers per submission: 1 to 10", field="k")
            values["reviewers_per_submission"] = k
            cur = current_round_row(conn, call_id)
            if cur and cur["kind"] == "review" and cur["status"] != "closed":  # the call's k is the round's
                rounds_store.update_round(conn, cur["id"], k=k)
        if "aliases" in changes:
            values["aliases"] = alias_groups(changes["aliases"])
        _check_order({k: values.get(k, call[k]) for k in DEADLINES})
        removed = []
        if "quotas" in values or "domains" in values:
            check_quota(conn, call, values.get("quotas"), values.get("domains"))
        if values:
            store.update_call(conn, call_id, **values)
            audit.record(conn, ctx, "programme.update", f"call:{call_id}", **values)
            if "aliases" in values and values["aliases"] != (call["aliases"] or []):
                removed = coi.refresh(conn, store.get_call(conn, call_id), pending)
                if removed:
                    audit.record(conn, ctx, "review.unassign", f"call:{call_id}", conflicts=removed)
        out = _public(conn, store.get_call(conn, call_id), ctx.actor)
        out["removed_assignments"] = removed
    notify.send(ctx.engine, pending)
    return out


def alias_groups(groups) -> list[list[str]]:
    """The call's alias groups from the form (a group per line, names separated by 、，, ; or
    tabs) or from JSON (a list of lists): each group of two names or more, each name once."""
    if isinstance(groups, str):
        groups = [_names(line) for line in groups.splitlines()]
    out = []
    for g in groups or []:
        names = list(dict.fromkeys(n.strip() for n in (_names(g) if isinstance(g, str) else g) if n and n.strip()))
        if len(names) >= 2:
            out.append(names)
    return out


def publish(ctx: Context, call_id: int) -> dict:
    """Open the call: applicants can see it and submit until the submission deadline."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        if call["published_at"]:
            raise CaseAtlasError("the call is already published")
        if not call["submission_deadline"]:
            raise CaseAtlasError("set a submission deadline before publishing the call", field="submission_deadline")
        store.update_call(conn, call_id, published_at=now_iso())
        for m in store.members(conn, call_id):
            notify.queue_template(
                conn,
                call,
                "call_published",
                m["email"],
                {"name": m["display_name"] or m["username"], "deadline": mail.At(call["submission_deadline"])},
                pending,
                recipient_id=m["user_id"],
            )
        audit.record(conn, ctx, "programme.publish", f"call:{call_id}")
        out = _public(conn, store.get_call(conn, call_id), ctx.actor)
    notify.send(ctx.engine, pending)
    return out


def advance(ctx: Context, call_id: int) -> dict:
    """End the current phase now (its deadline becomes now): close submissions early, end the
    review or the discussion."""
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        cv = call_view(conn, call)
        require(ctx, "programme.manage", cv)
        key = {
            "submission": "submission_deadline",
            "review": "review_deadline",
            "discussion": "discussion_deadline",
        }.get(cv.phase)
        if key is None:
            raise CaseAtlasError(f"the {cv.phase} phase is not ended by a deadline")
        stamp = now_iso()
        values = {key: stamp}
        for later in DEADLINES[DEADLINES.index(key) + 1 :]:
            if call[later] and call[later] < stamp:
                values[later] = None
        store.update_call(conn, call_id, **values)
        audit.record(conn, ctx, "programme.advance", f"call:{call_id}", ended=cv.phase)
        return _public(conn, store.get_call(conn, call_id), ctx.actor)


# --- people


def add_member(
    ctx: Context,
    call_id: int,
    username: str,
    role: str,
    affiliation: str | None = None,
    topics=None,
    password: str | None = None,
    email: str | None = None,
    display_name: str | None = None,
) -> dict:
    """Put a user on the call as organizer or reviewer. An unknown reviewer gets an account: with
    the password given (checked like any), or none and an invitation — a single-use link, mailed
    to the address given and returned once (`invitation`), where the reviewer chooses a password."""
    if role not in ("organizer", "reviewer"):
        raise CaseAtlasError("role in a call: organizer or reviewer")
    invitation = None
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        user = accounts_store.get_user(conn, username)
    if user is None:
        if role != "reviewer":
            raise NotFound(f"no user '{username}'")
        made = accounts._create(ctx, username, password, "reviewer", display_name, affiliation, email, call=call)
        invitation = made.invitation
        with ctx.engine.connect() as conn:
            user = accounts_store.get_user(conn, username)
    elif role == "reviewer" and user.role not in ("reviewer", "organizer", "admin"):
        raise CaseAtlasError(f"'{username}' is an {user.role} account: reviewers need a reviewer account")
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        store.upsert_member(conn, call_id, user.id, role, affiliation or user.organization, _names(topics))
        audit.record(conn, ctx, "programme.member", f"call:{call_id}", user=username, role=role)
        if role == "reviewer":  # a new affiliation may conflict with cases already assigned
            coi.refresh(conn, call, pending)
            if invitations.should_invite(conn, call_id, user.id):  # asked to accept or decline
                invitations.invite_in(conn, ctx, call, user.id, pending)
    notify.send(ctx.engine, pending)
    return {
        "username": username,
        "role": role,
        "affiliation": affiliation or user.organization,
        "topics": _names(topics),
        "email": user.email,
        **({"invitation": invitation} if invitation else {}),
    }


def import_reviewers(ctx: Context, call_id: int, rows: list[dict]) -> list[dict]:
    """Rows with username, name, email, affiliation, topics (separated by ; or 、) and an optional
    password; a new account without one is invited (`invitation`)."""
    return [
        add_member(
            ctx,
            call_id,
            r["username"].strip(),
            "reviewer",
            r.get("affiliation"),
            r.get("topics"),
            r.get("password") or None,
            r.get("email") or None,
            r.get("name") or None,
        )
        for r in rows
    ]


def panel(ctx: Context, call_id: int) -> list[dict]:
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        loads: dict[int, int] = {}
        for a in store.assignments_of(conn, call_id):
            loads[a["reviewer_id"]] = loads.get(a["reviewer_id"], 0) + 1
        answers = invitations.status_of(conn, call_id)
        return [
            {
                "username": m["username"],
                "display_name": m["display_name"],
                "role": m["role"],
                "affiliation": m["affiliation"],
                "topics": m["topics"],
                "declared_orgs": m["declared_orgs"],
                "load": loads.get(m["user_id"], 0),
                "invitation": answers.get(m["user_id"]) if m["role"] == "reviewer" else None,
            }
            for m in store.members(conn, call_id)
        ]


def declare_organizations(ctx: Context, call_id: int, organizations) -> dict:
    """A reviewer names organizations they are conflicted with (former employers, clients…);
    assignments to their cases are removed at once."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "conflict.declare", call_view(conn, call))
        orgs = _names(organizations)
        store.update_member(conn, call_id, ctx.actor.user_id, declared_orgs=orgs)
        audit.record(conn, ctx, "conflict.declare", f"call:{call_id}", organizations=orgs)
        removed = coi.refresh(conn, call, pending)
    notify.send(ctx.engine, pending)
    return {"declared_orgs": orgs, "removed_assignments": len(removed)}
