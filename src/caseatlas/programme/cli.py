"""`caseatlas programme …`: script a call for cases as an organizer would — create it from a
preset, import the review panel, publish, close a phase, assign, rank, export, publish the
selected cases. Submissions and reviews themselves happen in the web app."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from ..cli.common import LISTING_HELP, DbOption, Listing, context, err, fail, key, num, out, run, text
from ..text.numbers import format_number
from ..text.times import local_time
from ..vocab import DECISIONS
from .services import calls, finals, reviews, revisions, rounds, selection

app = typer.Typer(no_args_is_help=True, help="Calls for cases: create, panel, assign, rank, decide, export, publish.")
CallArg = Annotated[int, typer.Argument(help="Call id (see `caseatlas programme list`).")]


@app.command("presets")
def presets_cmd() -> None:
    """The presets: section template, criteria with weights, domains."""
    for p in calls.PRESETS.values():
        out.print(f"[bold]{p.key}[/bold] {escape(p.label)}")
        out.print("  sections: " + " / ".join(p.template), highlight=False)
        out.print(
            "  criteria: " + "、".join(f"{c.label} ×{format_number(c.weight)}" for c in p.criteria), highlight=False
        )
        out.print("  domains:  " + "、".join(p.domains), highlight=False)


@app.command("create")
def create(
    name: str,
    preset: Annotated[str, typer.Option(help=f"One of {', '.join(calls.PRESETS)}.")] = "cteam",
    year: Annotated[int | None, typer.Option()] = None,
    domain: Annotated[
        list[str] | None, typer.Option("--domain", help="A domain/chapter (repeat); default: the preset's.")
    ] = None,
    organizer_org: Annotated[
        list[str] | None, typer.Option("--organizer-org", help="An organizing body (repeat).")
    ] = None,
    supporter: Annotated[list[str] | None, typer.Option("--supporter", help="A supporting body (repeat).")] = None,
    description: Annotated[str | None, typer.Option()] = None,
    deadline: Annotated[str | None, typer.Option("--deadline", help="Submission deadline: YYYY-MM-DD[THH:MM].")] = None,
    review_deadline: Annotated[str | None, typer.Option()] = None,
    discussion_deadline: Annotated[str | None, typer.Option()] = None,
    timezone: Annotated[
        str, typer.Option("--timezone", help="IANA time zone deadlines are typed and shown in.")
    ] = "Asia/Shanghai",
    k: Annotated[int, typer.Option("--k", help="Reviewers per submission.")] = 3,
    blind: Annotated[bool, typer.Option("--blind", help="Reviewers do not see the applicant.")] = False,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Organizer account who runs the call in the web app.")
    ] = None,
    rounds_: Annotated[
        str,
        typer.Option("--rounds", help="single (one review round) or season (形式审查 → 初评 → 复评 → 终评)."),
    ] = "single",
    db: DbOption = None,
) -> None:
    """Create a programme and its call from a preset."""
    ctx = context(db)
    call = run(
        lambda: calls.create(
            ctx,
            preset,
            name,
            year,
            domain,
            organizer_org,
            supporter,
            description,
            deadlines={
                "submission_deadline": deadline,
                "review_deadline": review_deadline,
                "discussion_deadline": discussion_deadline,
            },
            reviewers_per_submission=k,
            blind=blind,
            rounds=rounds_,
            timezone=timezone,
        )
    )
    if owner:
        run(lambda: calls.add_member(ctx, call["id"], owner, "organizer"))
    out.print(f"created call {call['id']}: {escape(call['title'])} ({call['phase']})", highlight=False)


@app.command("list", epilog=LISTING_HELP)
def list_cmd(db: DbOption = None) -> None:
    """Calls with their phase and deadlines."""
    table = Listing(
        key("id"),
        text("call"),
        "year",
        "phase",
        "submissions close",
        num("submissions"),
        empty="No calls yet: create one with `caseatlas programme create NAME` (see `caseatlas programme presets`).",
    )
    for c in run(lambda: calls.list_calls(context(db))):
        table.add_row(
            c["id"],
            c["title"],
            c["programme"]["year"],
            c["phase"],
            local_time(c["submission_deadline"], c["timezone"], empty=""),
            c["n_submissions"] or 0,
        )
    table.print()


@app.command("publish")
def publish(call_id: CallArg, db: DbOption = None) -> None:
    """Open the call for submissions."""
    c = run(lambda: calls.publish(context(db), call_id))
    out.print(
        f"call {call_id} published; submissions close {local_time(c['submission_deadline'], c['timezone'])}",
        highlight=False,
    )


@app.command("advance")
def advance(call_id: CallArg, db: DbOption = None) -> None:
    """End the current phase now (close submissions, end review, end discussion)."""
    c = run(lambda: calls.advance(context(db), call_id))
    out.print(f"call {call_id} is now in {c['phase']}", highlight=False)


@app.command("import-reviewers")
def import_reviewers(
    call_id: CallArg,
    file: Annotated[Path, typer.Argument(help="CSV: username,name,email,affiliation,topics[,password]")],
    db: DbOption = None,
) -> None:
    """Put reviewers on the panel from a CSV (UTF-8). A new account without a password is
    invited: a single-use link (7 days) mailed to its address and printed once here."""
    try:
        rows = list(csv.DictReader(file.read_text(encoding="utf-8-sig").splitlines()))
    except (OSError, UnicodeDecodeError) as exc:
        fail(f"{file}: cannot read ({exc})")
    if not rows or "username" not in rows[0]:
        fail(f"{file}: needs a header row with at least 'username'")
    added = run(lambda: calls.import_reviewers(context(db), call_id, rows))
    for a in added:
        extra = ""
        if a.get("invitation"):
            extra = (
                f"  invitation ({'mailed to ' + a['email'] if a.get('email') else 'no e-mail: pass it on'}): "
                f"{a['invitation']}"
            )
        out.print(f"{a['username']} ({escape(a['affiliation'] or '')}){extra}", highlight=False, soft_wrap=True)


RoundOption = Annotated[int | None, typer.Option("--round", help="A round's id (default: the current round).")]


@app.command("assign")
def assign(call_id: CallArg, round_id: RoundOption = None, db: DbOption = None) -> None:
    """Assign reviewers to the cases of a round (min-cost flow over its pool: balanced, by topic,
    no conflicts)."""
    r = run(lambda: reviews.auto_assign(context(db), call_id, round_id))
    out.print(
        f"assigned {r['assigned']}; load {r['min_load']}–{r['max_load']}; conflicts violated "
        f"{r['conflicts_violated']}; short {sum(r['short'].values())}",
        highlight=False,
    )


@app.command("ranking", epilog=LISTING_HELP)
def ranking(
    call_id: CallArg,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    round_id: RoundOption = None,
    db: DbOption = None,
) -> None:
    """Ranking of a review round per domain: weighted total, per-reviewer normalized score,
    dispersion, each earlier round's mean."""
    t = run(lambda: selection.ranking(context(db), call_id, round_id))
    if as_json:
        sys.stdout.write(json.dumps(t.model_dump(mode="json", by_alias=True), ensure_ascii=False) + "\n")
        return
    for d in t.domains:
        table = Listing(
            num("#"),
            key("submission"),
            text("title"),
            *map(num, ("reviews", "weighted", "normalized", "spread", *(e.label for e in t.earlier_rounds))),
            "decision",
            title=f"{d.domain} · {t.round_label}" if t.round_label else d.domain,
        )
        for i, r in enumerate(d.rows, 1):
            earlier = ["" if r.earlier.get(e.key) is None else f"{r.earlier[e.key]:.2f}" for e in t.earlier_rounds]
            table.add_row(
                i,
                r.submission,
                r.title,
                r.n_reviews,
                "" if r.raw is None else f"{r.raw:.2f}",
                "" if r.normalized is None else f"{r.normalized:+.2f}",
                ("" if r.spread is None else f"{r.spread:.2f}") + (" !" if r.dispersed else ""),
                *earlier,
                r.decision,
            )
        table.print()


@app.command("export")
def export(
    call_id: CallArg,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv or xlsx")] = "xlsx",
    table: Annotated[str, typer.Option(help="CSV: submissions, scores or decisions")] = "submissions",
    output: Annotated[Path | None, typer.Option("-o", "--output")] = None,
    db: DbOption = None,
) -> None:
    """Submissions, scores and decisions (XLSX: all three sheets)."""
    data, _ = run(lambda: selection.export_bytes(context(db), call_id, fmt, table))
    if output is None:
        if fmt == "xlsx":
            fail("XLSX is binary: give -o FILE")
        sys.stdout.write(data.decode("utf-8-sig"))
        return
    output.write_bytes(data)
    err.print(f"wrote {output}")


@app.command("quota")
def quota(
    call_id: CallArg,
    quotas: Annotated[list[str], typer.Argument(help="DOMAIN=N (N empty: no quota), e.g. 城市=2.")],
    db: DbOption = None,
) -> None:
    """Set domains' quotas (never below the cases already accepted in the domain)."""
    ctx = context(db)
    current = run(lambda: calls.get_call(ctx, call_id))["quotas"]
    for q in quotas:
        domain, sep, n = q.partition("=")
        if not sep:
            fail(f"'{q}': use DOMAIN=N")
        current[domain.strip()] = n.strip()
    c = run(lambda: calls.update(ctx, call_id, quotas=current))
    out.print("quotas: " + ("、".join(f"{d} {n}" for d, n in c["quotas"].items()) or "none"), highlight=False)


@app.command("decide")
def decide(
    call_id: CallArg,
    decisions: Annotated[
        list[str],
        typer.Argument(help=f"SUBMISSION=DECISION, DECISION one of {', '.join(DECISIONS)} (empty: undecided)."),
    ],
    apply: Annotated[bool, typer.Option("--apply", help="Apply them (default: only preview).")] = False,
    db: DbOption = None,
) -> None:
    """Preview or apply decisions (within the domains' quotas; fixed once published, unless reopened)."""
    chosen = []
    for d in decisions:
        sid, sep, decision = d.partition("=")
        if not sep or not sid.strip().isdigit():
            fail(f"'{d}': use SUBMISSION=DECISION, e.g. 12=accept")
        chosen.append({"submission": int(sid), "decision": decision.strip() or None})
    r = run(lambda: selection.decide(context(db), call_id, chosen, preview=not apply))
    for c in r.changes:
        out.print(
            f"{c.submission} {escape(c.title)} ({escape(c.domain or '')}): {c.from_ or '—'} → {c.to or '—'}",
            highlight=False,
        )
    for d, n in r.over_quota.items():
        out.print(f"over quota: {escape(d)} {n}", highlight=False)
    out.print("applied" if r.applied else "preview only (--apply to apply)", highlight=False)


@app.command("reopen")
def reopen(
    call_id: CallArg,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")],
    db: DbOption = None,
) -> None:
    """Reopen a published call's decisions; publish the collection again after the changes."""
    c = run(lambda: selection.reopen(context(db), call_id, reason))
    out.print(f"call {call_id} reopened ({c['phase']})", highlight=False)


@app.command("publish-collection")
def publish_collection(call_id: CallArg, db: DbOption = None) -> None:
    """Announce the decisions and add the accepted cases to the library as a collection."""
    r = run(lambda: selection.publish(context(db), call_id))
    out.print(f"collection {r.collection}: {r.cases} cases ({r.status})", highlight=False)
    if r.unsigned:
        err.print(f"warning: {len(r.unsigned)} case(s) printed without a signed-off proof: " + "；".join(r.unsigned))


@app.command("revision-request")
def revision_request(
    submission_id: Annotated[int, typer.Argument(help="Submission id.")],
    requests: Annotated[str, typer.Option("--requests", help="The panel's requests (may quote the reviews).")],
    deadline: Annotated[
        str, typer.Option("--deadline", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM, in the call's time zone.")
    ],
    round_id: Annotated[int | None, typer.Option("--round", help="The review round it comes from.")] = None,
    db: DbOption = None,
) -> None:
    """Ask the applicant to revise (修改后再议): reopened for them until the deadline, and mailed."""
    r = run(lambda: revisions.request_revision(context(db), submission_id, requests, deadline, round_id))
    out.print(f"revision requested of submission {submission_id}, due {r.deadline_local}", highlight=False)


@app.command("revisions")
def revisions_cmd(call_id: CallArg, db: DbOption = None) -> None:
    """The call's revision requests and their state (open, answered, expired, closed)."""
    rows = run(lambda: revisions.requests_of_call(context(db), call_id))
    for r in rows:
        answered = f", answered with version {r.answered_version}" if r.answered_version else ""
        out.print(f"{r.submission}: {r.state}, due {r.deadline_local}{answered}", highlight=False)
    if not rows:
        out.print("no revision requests", highlight=False)


# --- rounds of review: `caseatlas programme rounds …`

rounds_app = typer.Typer(
    no_args_is_help=True, help="Rounds of review: list, preset season, add, set, order, open, close, check."
)
app.add_typer(rounds_app, name="rounds")
RoundArg = Annotated[int, typer.Argument(help="Round id (see `caseatlas programme rounds list`).")]
STATUS_ZH = {"pending": "未开始", "open": "进行中", "closed": "已结束"}


def _round_table(rs) -> None:
    table = Listing(
        key("id"), num("#"), key("key"), text("round"), "kind", "status", num("k"), "deadline", "in/advanced/out"
    )
    for r in rs:
        counts = r.counts or {}
        table.add_row(
            r.id,
            r.position + 1,
            r.key,
            r.label + (" ◀" if r.current else ""),
            r.kind,
            STATUS_ZH[r.status],
            r.k,
            r.deadline,
            "/".join(str(counts.get(s, 0)) for s in ("in", "advanced", "out")),
        )
    table.print()


@rounds_app.command("list")
def rounds_list(call_id: CallArg, db: DbOption = None) -> None:
    """The call's rounds in order (◀ the current one)."""
    _round_table(run(lambda: rounds.list_rounds(context(db), call_id)))


@rounds_app.command("season")
def rounds_season(call_id: CallArg, db: DbOption = None) -> None:
    """Replace the rounds with the preset season 形式审查 → 初评 → 复评 → 终评 (before any work)."""
    _round_table(run(lambda: rounds.use_season(context(db), call_id)))


def _spec(label, criteria, fields, pool, k, deadline, see_earlier, see_peers) -> dict:
    spec = {"label": label, "k": k, "see_earlier": see_earlier, "see_peers": see_peers}
    if criteria is not None:
        try:
            spec["criteria"] = json.loads(criteria)
        except json.JSONDecodeError:
            fail("--criteria: a JSON list of {key, label, weight, description}")
    if fields is not None:
        spec["fields"] = [{"key": f.split(":", 1)[0], "label": f.split(":", 1)[-1]} for f in fields]
    if pool is not None:
        spec["pool"] = [p for p in pool if p]
    if deadline is not None:
        spec["deadline"] = deadline or None
    return spec


LabelOpt = Annotated[str | None, typer.Option(help="The round's name, e.g. 初评.")]
CriteriaOpt = Annotated[str | None, typer.Option(help="JSON list of {key, label, weight, description}.")]
FieldOpt = Annotated[list[str] | None, typer.Option("--field", help="A free text field key:label (repeat).")]
PoolOpt = Annotated[list[str] | None, typer.Option("--pool", help="A reviewer's username (repeat); none: all.")]
KOpt = Annotated[int | None, typer.Option("--k", help="Reviewers per submission.")]
DeadlineOpt = Annotated[str | None, typer.Option(help="YYYY-MM-DD[THH:MM] in the call's zone.")]
EarlierOpt = Annotated[bool | None, typer.Option("--see-earlier/--hide-earlier", help="Earlier rounds' scores.")]
PeersOpt = Annotated[bool | None, typer.Option("--see-peers/--hide-peers", help="Each other's reviews.")]


@rounds_app.command("add")
def rounds_add(
    call_id: CallArg,
    key: Annotated[str, typer.Argument(help="lowercase key, e.g. second")],
    kind: Annotated[str, typer.Option(help="check or review")] = "review",
    label: LabelOpt = None,
    criteria: CriteriaOpt = None,
    field: FieldOpt = None,
    pool: PoolOpt = None,
    k: KOpt = None,
    deadline: DeadlineOpt = None,
    see_earlier: EarlierOpt = None,
    see_peers: PeersOpt = None,
    db: DbOption = None,
) -> None:
    """Add a round at the end (pending)."""
    spec = _spec(label or key, criteria, field, pool, k, deadline, see_earlier, see_peers)
    r = run(lambda: rounds.create_round(context(db), call_id, {**spec, "key": key, "kind": kind}))
    out.print(f"added round {r.id}: {escape(r.label)} ({r.kind})", highlight=False)


@rounds_app.command("set")
def rounds_set(
    round_id: RoundArg,
    label: LabelOpt = None,
    criteria: CriteriaOpt = None,
    field: FieldOpt = None,
    pool: PoolOpt = None,
    k: KOpt = None,
    deadline: DeadlineOpt = None,
    see_earlier: EarlierOpt = None,
    see_peers: PeersOpt = None,
    db: DbOption = None,
) -> None:
    """Change a pending round (an open one: its deadline only)."""
    spec = _spec(label, criteria, field, pool, k, deadline, see_earlier, see_peers)
    if deadline is None:
        spec.pop("deadline", None)
    r = run(lambda: rounds.update_round(context(db), round_id, spec))
    out.print(f"round {r.id}: {escape(r.label)}, k {r.k}, {len(r.criteria)} criteria", highlight=False)


@rounds_app.command("order")
def rounds_order(call_id: CallArg, keys: Annotated[list[str], typer.Argument()], db: DbOption = None) -> None:
    """Put the rounds in this order (every key once; opened rounds keep their places)."""
    _round_table(run(lambda: rounds.reorder_rounds(context(db), call_id, keys)))


@rounds_app.command("open")
def rounds_open(round_id: RoundArg, db: DbOption = None) -> None:
    """Open a pending round (the rounds before it must be closed)."""
    r = run(lambda: rounds.open_round(context(db), round_id))
    out.print(f"round {r.id} ({escape(r.label)}) is open", highlight=False)


def _entries(advance: list[int] | None, drop: list[str] | None) -> list[dict]:
    entries = [{"submission": s, "state": "advanced"} for s in advance or []]
    for d in drop or []:
        sid, _, reason = d.partition(":")
        if not sid.strip().isdigit():
            fail(f"--out {d}: write submission-id:reason")
        entries.append({"submission": int(sid), "state": "out", "reason": reason or None})
    return entries


AdvanceOpt = Annotated[list[int] | None, typer.Option("--advance", help="A submission going on (repeat).")]
OutOpt = Annotated[list[str] | None, typer.Option("--out", help="id:reason of a submission not going on (repeat).")]


def _shortlist_table(sl) -> None:
    table = Listing(
        key("submission"),
        text("title"),
        num("mean"),
        num("reviews"),
        "check",
        "state",
        text("reason"),
        title=sl.round.label,
    )
    for e in sl.entries:
        table.add_row(
            e.submission, e.title, "" if e.mean is None else f"{e.mean:.2f}", e.n_reviews, e.verdict, e.state, e.reason
        )
    table.print()
    if sl.carried:
        out.print(f"carried into {sl.next_round}: {', '.join(map(str, sl.carried))}", highlight=False)


@rounds_app.command("shortlist")
def rounds_shortlist(round_id: RoundArg, advance: AdvanceOpt = None, drop: OutOpt = None, db: DbOption = None) -> None:
    """Show a round's shortlist; with --advance / --out, record the choices first."""
    _shortlist_table(run(lambda: rounds.shortlist(context(db), round_id, _entries(advance, drop))))


@rounds_app.command("close")
def rounds_close(round_id: RoundArg, advance: AdvanceOpt = None, drop: OutOpt = None, db: DbOption = None) -> None:
    """Close an open round with its shortlist; advanced submissions go into the next round."""
    _shortlist_table(run(lambda: rounds.close_round(context(db), round_id, _entries(advance, drop))))


@rounds_app.command("check")
def rounds_check(
    round_id: RoundArg,
    submission_id: Annotated[int, typer.Argument(help="Submission id.")],
    verdict: Annotated[str | None, typer.Option(help="pass, return or fail.")] = None,
    reasons: Annotated[str | None, typer.Option(help="Mailed to the applicant (return / fail).")] = None,
    db: DbOption = None,
) -> None:
    """形式审查 of one submission: the checklist, and with --verdict the staff's verdict."""
    ctx = context(db)
    c = run(
        lambda: (
            rounds.save_formal_check(ctx, round_id, submission_id, None, verdict, reasons)
            if verdict
            else rounds.formal_check(ctx, round_id, submission_id)
        )
    )
    for i in c.items:
        mark = {True: "✓", False: "✗", None: "—"}[i.auto]
        out.print(f"{mark} {escape(i.label)}: {escape(i.detail)}", highlight=False)
    out.print(f"verdict: {c.verdict or '—'} ({c.state})", highlight=False)


# --- site visits (调研核实)


@app.command("visits", epilog=LISTING_HELP)
def visits_cmd(call_id: CallArg, db: DbOption = None) -> None:
    """A call's site visits: time (in the call's zone), place, status, team, and the verdicts."""
    from .services import visits

    table = Listing(
        key("id"),
        key("submission"),
        text("title"),
        "time",
        text("place"),
        "status",
        text("team"),
        text("verdicts"),
        empty="No site visits planned (`caseatlas programme visit-plan`).",
    )
    for v in run(lambda: visits.list_for_call(context(db), call_id)):
        table.add_row(
            v.id,
            v.submission,
            v.submission_title,
            v.starts_local,
            v.place,
            v.status,
            "、".join(m.username + ("*" if m.lead else "") for m in v.team),
            "\n".join(f.words or f.summary for f in v.figures or [] if f.verdict),
        )
    table.print()


@app.command("visit-plan")
def visit_plan(
    submission_id: Annotated[int, typer.Argument(help="Submission id.")],
    at: Annotated[str, typer.Option("--at", help="Local time in the call's zone: YYYY-MM-DDTHH:MM.")],
    place: Annotated[str, typer.Option("--place")],
    team: Annotated[list[str], typer.Option("--team", help="A team member's user name (repeat).")],
    lead: Annotated[str | None, typer.Option("--lead", help="The lead (default: the first).")] = None,
    db: DbOption = None,
) -> None:
    """Plan a site visit to a submitted case; the applicant and the team are sent the notice."""
    from .services import visits

    v = run(lambda: visits.plan(context(db), submission_id, at, place, team, lead))
    out.print(f"visit {v.id} planned: {v.starts_local}, {v.place}", highlight=False)


# --- final versions, proofs and the book (issue 25)


@app.command("finals", epilog=LISTING_HELP)
def finals_cmd(call_id: CallArg, db: DbOption = None) -> None:
    """Each accepted case's final text, 专家点评 and proof; the book's settings."""
    v = run(lambda: finals.overview(context(db), call_id))
    table = Listing(
        key("submission"), text("title"), "final text", num("version"), "comment", "proof", title=v.book.title
    )
    for r in v.rows:
        table.add_row(r.submission, r.title, r.state, r.version, r.comment, r.proof)
    table.print()
    out.print(f"approved {v.approved}/{len(v.rows)}; signed off {v.signed}/{len(v.rows)}", highlight=False)


@app.command("approve-finals")
def approve_finals(call_id: CallArg, db: DbOption = None) -> None:
    """Approve the submitted text as final for every accepted case without a final text (a call
    without a finals stage)."""
    r = run(lambda: finals.approve_as_submitted(context(db), call_id))
    out.print(f"approved as submitted: {len(r.approved)} case(s)", highlight=False)


@app.command("book")
def book(
    call_id: CallArg,
    title: Annotated[str | None, typer.Option("--title", help="The book's own title.")] = None,
    subtitle: Annotated[str | None, typer.Option("--subtitle")] = None,
    year: Annotated[int | None, typer.Option("--year")] = None,
    foreword: Annotated[Path | None, typer.Option("--foreword", help="A UTF-8 text file: the 前言.")] = None,
    committee: Annotated[
        Path | None,
        typer.Option("--committee", help="A UTF-8 text file: one member a line, name | role | affiliation."),
    ] = None,
    finals_deadline: Annotated[
        str | None, typer.Option("--finals-deadline", help="YYYY-MM-DD or YYYY-MM-DDTHH:MM, local time.")
    ] = None,
    db: DbOption = None,
) -> None:
    """Show or set the book's own title, subtitle, year, 编委会, foreword and the finals deadline."""
    given = {
        k: v
        for k, v in (("title", title), ("subtitle", subtitle), ("year", year), ("finals_deadline", finals_deadline))
        if v is not None
    }
    if foreword is not None:
        given["foreword"] = foreword.read_text(encoding="utf-8")
    if committee is not None:
        given["committee"] = committee.read_text(encoding="utf-8")
    ctx = context(db)
    b = run(lambda: finals.set_settings(ctx, call_id, **given) if given else finals.settings(ctx, call_id))
    out.print(
        f"{b.title}" + (f" — {b.subtitle}" if b.subtitle else "") + (f" ({b.year})" if b.year else ""), highlight=False
    )
    for m in b.committee:
        out.print("  " + " | ".join(x for x in (m.name, m.role, m.affiliation) if x), highlight=False)
    out.print(f"finals deadline: {local_time(b.finals_deadline, b.timezone)}; logos: {len(b.logos)}", highlight=False)
