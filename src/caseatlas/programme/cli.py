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
from rich.table import Table

from ..cli.common import DbOption, context, err, fail, out, run
from ..text.numbers import format_number
from ..text.times import local_time
from ..vocab import DECISIONS
from .services import calls, finals, reviews, selection

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
    k: Annotated[int, typer.Option("--k", help="Reviewers per submission.")] = 3,
    blind: Annotated[bool, typer.Option("--blind", help="Reviewers do not see the applicant.")] = False,
    owner: Annotated[
        str | None, typer.Option("--owner", help="Organizer account who runs the call in the web app.")
    ] = None,
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
        )
    )
    if owner:
        run(lambda: calls.add_member(ctx, call["id"], owner, "organizer"))
    out.print(f"created call {call['id']}: {escape(call['title'])} ({call['phase']})", highlight=False)


@app.command("list")
def list_cmd(db: DbOption = None) -> None:
    """Calls with their phase and deadlines."""
    table = Table("id", "call", "year", "phase", "submissions close", "submissions")
    for c in run(lambda: calls.list_calls(context(db))):
        table.add_row(
            str(c["id"]),
            escape(c["title"]),
            str(c["programme"]["year"] or ""),
            c["phase"],
            c["submission_deadline"] or "",
            str(c["n_submissions"] or 0),
        )
    out.print(table)


@app.command("publish")
def publish(call_id: CallArg, db: DbOption = None) -> None:
    """Open the call for submissions."""
    c = run(lambda: calls.publish(context(db), call_id))
    out.print(f"call {call_id} published; submissions close {c['submission_deadline']}", highlight=False)


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


@app.command("assign")
def assign(call_id: CallArg, db: DbOption = None) -> None:
    """Assign reviewers to the submitted cases (min-cost flow: balanced, by topic, no conflicts)."""
    r = run(lambda: reviews.auto_assign(context(db), call_id))
    out.print(
        f"assigned {r['assigned']}; load {r['min_load']}–{r['max_load']}; conflicts violated "
        f"{r['conflicts_violated']}; short {sum(r['short'].values())}",
        highlight=False,
    )


@app.command("ranking")
def ranking(call_id: CallArg, as_json: Annotated[bool, typer.Option("--json")] = False, db: DbOption = None) -> None:
    """Ranking per domain: weighted total, per-reviewer normalized score, dispersion."""
    t = run(lambda: selection.ranking(context(db), call_id))
    if as_json:
        sys.stdout.write(json.dumps(t.model_dump(mode="json", by_alias=True), ensure_ascii=False) + "\n")
        return
    for d in t.domains:
        table = Table(
            "#", "submission", "title", "reviews", "weighted", "normalized", "spread", "decision", title=d.domain
        )
        for i, r in enumerate(d.rows, 1):
            table.add_row(
                str(i),
                str(r.submission),
                escape(r.title),
                str(r.n_reviews),
                "" if r.raw is None else f"{r.raw:.2f}",
                "" if r.normalized is None else f"{r.normalized:+.2f}",
                ("" if r.spread is None else f"{r.spread:.2f}") + (" !" if r.dispersed else ""),
                r.decision or "",
            )
        out.print(table)


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


@app.command("finals")
def finals_cmd(call_id: CallArg, db: DbOption = None) -> None:
    """Each accepted case's final text, 专家点评 and proof; the book's settings."""
    v = run(lambda: finals.overview(context(db), call_id))
    table = Table("submission", "title", "final text", "version", "comment", "proof", title=escape(v.book.title))
    for r in v.rows:
        table.add_row(
            str(r.submission),
            escape(r.title),
            r.state,
            str(r.version or ""),
            r.comment,
            r.proof or "",
            end_section=False,
        )
    out.print(table)
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
