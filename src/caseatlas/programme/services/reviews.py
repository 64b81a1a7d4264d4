"""The panel's work: assignment (min-cost flow, editable), declared conflicts, reviews with
per-criterion scores, confidence and a draft 专家点评, and a discussion per submission."""

from __future__ import annotations

from ...errors import CaseAtlasError, Conflict, NotFound
from ...services import audit, mail, notify
from ...services.context import Context, require
from ...services.rules import now_iso
from ...store import programmes as store
from ..domain.assign import Problem, solve
from . import blind, invitations, rounds
from . import conflicts as coi
from .calls import call_view, conflicts_of, load_call, submission_view

MAX_COMMENT = 10_000
CONFIDENCE = (1, 5)


def topic_match(member: dict, sub: dict) -> int:
    """2 when the submission's domain is one of the reviewer's topics, +1 for each other topic
    named in its title or text (at most 2 more)."""
    topics = member["topics"] or []
    score = 2 if sub["domain"] in topics else 0
    text = sub["title"] + "\n".join(s["text"] for s in sub["sections"])
    score += min(2, sum(1 for t in topics if t != sub["domain"] and len(t) >= 2 and t in text))
    return score


def auto_assign(ctx: Context, call_id: int, round_id: int | None = None) -> dict:
    """Give each submission in the round (default: the current round) the round's k reviewers from
    its pool: balanced load across the round, best topic match, never a conflict. Existing
    assignments of the round (manual or earlier) stay, except those a conflict found since has
    touched: they are removed first (and the organizers told), so a submission never ends up with
    more than k reviewers in a round."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        rnd = rounds.resolve(conn, call, round_id, kind="review")
        if rnd["status"] == "closed":
            raise Conflict(f"round '{rnd['label']}' is closed")
        ids = rounds.in_round(conn, call, rnd)
        subs = store.list_submissions(conn, call_id, ids=ids, status="submitted") if ids else []
        out_of_panel = invitations.declined(conn, call_id)  # declined the invitation: never assigned
        panel = [m for m in rounds.pool(conn, call, rnd) if m["user_id"] not in out_of_panel]
        if not subs or not panel:
            raise CaseAtlasError("nothing to assign: the round needs submitted cases and reviewers")
        removed = coi.refresh(conn, call, pending)
        conf = conflicts_of(conn, call, subs)
        existing = {
            (a["submission_id"], a["reviewer_id"]) for a in store.assignments_of(conn, call_id, round_id=rnd["id"])
        }
        problem = Problem(
            submissions=[s["id"] for s in subs],
            reviewers=[m["user_id"] for m in panel],
            k=rnd["k"],
            conflicts=set(conf),
            match={(s["id"], m["user_id"]): topic_match(m, s) for s in subs for m in panel},
            fixed={p for p in existing if p not in conf},
        )
        result = solve(problem)
        stamp = now_iso()
        people = {m["user_id"]: m for m in panel}
        by_id = {s["id"]: s for s in subs}  # the mail names each case as its reviewer sees it (blind calls)
        titles = {(s, r): blind.reviewer_title(conn, call, by_id[s], r) for s, r in result.pairs}
        for s, r in result.pairs:
            store.add_assignment(conn, s, r, "auto", stamp, round_id=rnd["id"])
        for r in sorted({r for _, r in result.pairs}):
            mine = [{"title": titles[s, x], "link": mail.link(f"/submissions/{s}")} for s, x in result.pairs if x == r]
            notify.queue_template(
                conn,
                call,
                "review_assigned",
                people[r]["email"],
                {
                    "name": people[r]["display_name"] or people[r]["username"],
                    "count": len(mine),
                    "submissions": mine,
                    "round": rnd["label"],
                    "deadline": mail.At(rnd.get("deadline") or call["review_deadline"] or ""),
                    "link": mail.link(f"/calls/{call_id}"),
                },
                pending,
                recipient_id=r,
            )
        audit.record(
            conn,
            ctx,
            "review.assign",
            f"call:{call_id}",
            round=rnd["key"],
            new=len(result.pairs),
            short=sum(result.short.values()),
        )
        loads = list(result.loads.values())
        out = {
            "round": rnd["id"],
            "assigned": len(result.pairs),
            "max_load": max(loads),
            "min_load": min(loads),
            "short": {str(k): v for k, v in result.short.items()},
            "conflicts_violated": result.conflicts_violated,
            "removed_for_conflicts": len(removed),
            "conflicts": len(conf),
        }
    notify.send(ctx.engine, pending)
    return out


def _reviewer(conn, call_id: int, username: str) -> int:
    return rounds.reviewer_id(conn, call_id, username)


def assign(ctx: Context, submission_id: int, username: str, round_id: int | None = None) -> dict:
    """The organizer adds a reviewer by hand to a round (default: the current one), refused when
    they conflict, when the reviewer is not in the round's pool or the case not in the round."""
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "programme.manage", submission_view(conn, call, sub))  # unseen: 404
        if sub["status"] == "withdrawn":
            raise Conflict(f"submission {submission_id} was withdrawn by its applicant: it is not reviewed")
        rid = _reviewer(conn, call["id"], username)
        rnd = rounds.resolve(conn, call, round_id, kind="review")
        if rnd["status"] == "closed":
            raise Conflict(f"round '{rnd['label']}' is closed")
        if rid not in {m["user_id"] for m in rounds.pool(conn, call, rnd)}:
            raise Conflict(f"'{username}' is not in the pool of round '{rnd['label']}'")
        if submission_id not in rounds.in_round(conn, call, rnd):
            raise Conflict(f"submission {submission_id} is not in round '{rnd['label']}'")
        if rid in invitations.declined(conn, call["id"]):
            raise Conflict(f"'{username}' declined the invitation to this call's panel")
        why = conflicts_of(conn, call, [sub], write=True).get((submission_id, rid))
        if why:
            raise Conflict(f"'{username}' has a conflict with this submission ({why})")
        store.add_assignment(conn, submission_id, rid, "manual", now_iso(), round_id=rnd["id"])
        audit.record(
            conn,
            ctx,
            "review.assign",
            f"submission:{submission_id}",
            reviewer=username,
            origin="manual",
            round=rnd["key"],
        )
        return {"submission": submission_id, "reviewer": username, "round": rnd["id"]}


def unassign(ctx: Context, submission_id: int, username: str, round_id: int | None = None) -> dict:
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "programme.manage", submission_view(conn, call, sub))  # unseen: 404
        rid = _reviewer(conn, call["id"], username)
        rnd = rounds.resolve(conn, call, round_id)
        if not store.remove_assignment(conn, submission_id, rid, round_id=rnd["id"]):
            raise NotFound(f"'{username}' is not assigned to submission {submission_id} in round '{rnd['label']}'")
        audit.record(conn, ctx, "review.unassign", f"submission:{submission_id}", reviewer=username, round=rnd["key"])
        return {"submission": submission_id, "removed": username, "round": rnd["id"]}


def assignments(ctx: Context, call_id: int, round_id: int | None = None) -> list[dict]:
    """The assignments of a round (default: the current one)."""
    return [
        {"submission": a.submission, "reviewer": a.reviewer, "origin": a.origin, "round": a.round}
        for a in rounds.assignments(ctx, call_id, round_id)
    ]


def _load(conn, submission_id: int):
    sub = store.get_submission(conn, submission_id)
    if sub is None:
        raise NotFound(f"no submission {submission_id}")
    return sub, load_call(conn, sub["call_id"])


def declare_conflict(ctx: Context, submission_id: int, reason: str) -> dict:
    """A reviewer declares a conflict with a submission: the assignment goes (the organizers are
    told, so they can assign another reviewer), and from now on the submission is invisible to
    them."""
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "conflict.declare", submission_view(conn, call, sub))
        why = (reason or "declared").strip()[:300] or "declared"
        store.add_conflict(conn, submission_id, ctx.actor.user_id, why, now_iso())
        if store.remove_assignment(conn, submission_id, ctx.actor.user_id):
            coi.tell_organizers(
                conn,
                call,
                [
                    {
                        "submission": submission_id,
                        "reviewer": ctx.actor.username,
                        "reason": mail.Words(f"本人声明：{why}", f"declared by the reviewer: {why}"),
                    }
                ],
                pending,
            )
        audit.record(conn, ctx, "conflict.declare", f"submission:{submission_id}")
    notify.send(ctx.engine, pending)
    return {"submission": submission_id, "conflict": True}


def conflict_check(ctx: Context, call_id: int) -> dict:
    """The conflict-check screen, before assigning: every reviewer × applicant pair in conflict
    (declared, or detected and why: which rule, alias or name matched), and the call's alias groups."""
    with ctx.engine.connect() as conn:
        call = load_call(conn, call_id)
        require(ctx, "programme.manage", call_view(conn, call))
        names = {m["user_id"]: m for m in store.members(conn, call_id, "reviewer")}
        subs = {s["id"]: s for s in store.list_submissions(conn, call_id)}
        assigned = {(a["submission_id"], a["reviewer_id"]) for a in store.assignments_of(conn, call_id)}
        rows = []
        for (sid, rid), why in sorted(store.declared_conflicts(conn, call_id).items()):
            if sid in subs and rid in names:
                rows.append(
                    {
                        "submission": sid,
                        "reviewer": names[rid]["username"],
                        "origin": "declared",
                        "kind": None,
                        "reviewer_org": None,
                        "applicant_org": subs[sid]["organization"],
                        "reason": why,
                        "reason_en": why,
                    }
                )
        declared = {(r["submission"], r["reviewer"]) for r in rows}
        for r in coi.detected(conn, call):
            sid, rid = r["submission_id"], r["reviewer_id"]
            if sid in subs and rid in names and (sid, names[rid]["username"]) not in declared:
                rows.append(
                    {
                        "submission": sid,
                        "reviewer": names[rid]["username"],
                        "origin": "detected",
                        "kind": r["kind"],
                        "reviewer_org": r["reviewer_org"],
                        "applicant_org": r["applicant_org"],
                        "reason": str(coi.reason(r)),
                        "reason_en": coi.reason(r).en,
                    }
                )
        ids = {m["username"]: uid for uid, m in names.items()}
        for row in rows:
            s = subs[row["submission"]]
            row.update(
                title=s["title"], status=s["status"], assigned=(row["submission"], ids[row["reviewer"]]) in assigned
            )
        rows.sort(key=lambda r: (r["reviewer"], r["submission"]))
        return {
            "call": call_id,
            "reviewers": len(names),
            "submissions": len(subs),
            "pairs": rows,
            "aliases": [list(g) for g in call["aliases"] or []],
            "by_reviewer": {
                m["username"]: sum(1 for r in rows if r["reviewer"] == m["username"]) for m in names.values()
            },
        }


def save_review(
    ctx: Context,
    submission_id: int,
    scores: dict,
    comment: str | None = None,
    confidence: int | None = None,
    expert_comment: str | None = None,
    submit: bool = False,
    fields: dict | None = None,
) -> dict:
    """The reviewer's review in the call's current round, on that round's form: its criteria and
    scale, and its free fields (`fields`: {field key: text})."""
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        view = submission_view(conn, call, sub)
        require(ctx, "review.write", view)
        rnd = rounds.resolve(conn, call, view.round_id)
        criteria = rnd["criteria"]
        lo, hi = rnd["scale_min"], rnd["scale_max"]
        clean = {}
        for c in criteria:
            v = (scores or {}).get(c["key"])
            if v in (None, ""):
                continue
            try:
                v = float(v)
            except (TypeError, ValueError):
                raise CaseAtlasError(
                    f"{c['label']}：请给出 {lo}–{hi} 之间的分数 / {c['label']}: a score from {lo} to {hi}",
                    field=f"score:{c['key']}",
                ) from None
            if not lo <= v <= hi:
                raise CaseAtlasError(
                    f"{c['label']}：请给出 {lo}–{hi} 之间的分数 / {c['label']}: a score from {lo} to {hi}",
                    field=f"score:{c['key']}",
                )
            clean[c["key"]] = v
        unknown = set(scores or {}) - {c["key"] for c in criteria}
        if unknown:
            raise CaseAtlasError(f"unknown criteria: {', '.join(sorted(unknown))}")
        keys = {f["key"] for f in rnd["fields"]}
        if set(fields or {}) - keys:
            raise CaseAtlasError(f"unknown fields: {', '.join(sorted(set(fields or {}) - keys))}")
        texts = {k: str(v).strip() for k, v in (fields or {}).items() if v not in (None, "") and str(v).strip()}
        if confidence not in (None, ""):
            try:
                confidence = int(confidence)
            except (TypeError, ValueError):
                confidence = -1
            if not CONFIDENCE[0] <= confidence <= CONFIDENCE[1]:
                raise CaseAtlasError(
                    f"把握程度：请填写 {CONFIDENCE[0]}–{CONFIDENCE[1]} / "
                    f"confidence: {CONFIDENCE[0]} to {CONFIDENCE[1]}",
                    field="confidence",
                )
        else:
            confidence = None
        if submit and (len(clean) < len(criteria) or confidence is None):
            missing = {f"score:{c['key']}": c["label"] for c in criteria if c["key"] not in clean}
            if confidence is None:
                missing["confidence"] = "confidence"
            raise CaseAtlasError(
                "提交评审前请为每项标准评分并填写把握程度 / "
                "score every criterion and give a confidence before submitting the review",
                fields={f: "提交前必填 / required before submitting" for f in missing},
            )
        for text in (comment, expert_comment, *texts.values()):
            if text and len(text) > MAX_COMMENT:
                raise CaseAtlasError(f"comments: at most {MAX_COMMENT} characters")
        store.upsert_review(
            conn,
            submission_id,
            ctx.actor.user_id,
            rnd["id"],
            scores=clean,
            fields=texts,
            comment=comment,
            confidence=confidence,
            expert_comment=expert_comment,
            status="submitted" if submit else "draft",
            updated_at=now_iso(),
        )
        audit.record(
            conn,
            ctx,
            "review.submit" if submit else "review.save",
            f"submission:{submission_id}",
            scores=clean,
            round=rnd["key"],
        )
        return {
            "submission": submission_id,
            "round": rnd["id"],
            "status": "submitted" if submit else "draft",
            "scores": clean,
            "fields": texts,
        }


def comment(ctx: Context, submission_id: int, body: str) -> dict:
    body = (body or "").strip()
    if not body or len(body) > MAX_COMMENT:
        raise CaseAtlasError(f"comment: 1 to {MAX_COMMENT} characters", field="body")
    with ctx.engine.begin() as conn:
        sub, call = _load(conn, submission_id)
        require(ctx, "discussion.write", submission_view(conn, call, sub))
        cid = store.add_comment(conn, submission_id, ctx.actor.user_id, body, now_iso())
        audit.record(conn, ctx, "discussion.post", f"submission:{submission_id}")
        return {"id": cid, "body": body}
