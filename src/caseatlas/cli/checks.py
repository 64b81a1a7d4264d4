"""`caseatlas checks`: the numbers that do not add up, with their arithmetic and lines;
`caseatlas verdict FLAG confirmed|dismissed`: a person's judgement on one."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ..services import checks
from .common import LISTING_HELP, DbOption, Listing, context, key, out, run, text

app = typer.Typer()


@app.command("checks", epilog=LISTING_HELP)
def checks_cmd(
    collection: Annotated[str | None, typer.Option("--collection", "-c", help="Slug, file name or title.")] = None,
    check: Annotated[
        str | None, typer.Option("--check", help="Only this check (factor, magnitude, unit-type, format)")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """Flags raised by the claim checks at ingest: implied emission factors, magnitude slips,
    unit-type errors, malformed numbers — each with the computed figure and the lines."""
    rows = run(lambda: checks.flags(context(db), collection, check))
    if as_json:
        case = ("case_id", "case_title", "collection")  # first, as the list reads: whose flag it is
        dumped = [{**f.model_dump(include=set(case)), **f.model_dump(exclude=set(case))} for f in rows]
        sys.stdout.write(json.dumps(dumped, ensure_ascii=False, indent=1) + "\n")
        return
    # The flag's id first: it is what `caseatlas verdict` takes.
    table = Listing(
        key("flag"), key("case"), "check", "severity", "lines", text("message"), "verdict", title=f"{len(rows)} flags"
    )
    for f in rows:
        table.add_row(
            f.id, f.case_id, f.check, f.severity, ",".join(map(str, sorted(set(f.lines)))), f.message, f.verdict
        )
    table.print()


@app.command("verdict")
def verdict_cmd(
    flag_id: Annotated[str, typer.Argument(help="The flag's id (the first column of `caseatlas checks`)")],
    verdict: Annotated[str, typer.Argument(help="confirmed, dismissed, or clear")],
    note: Annotated[str | None, typer.Option("--note")] = None,
    db: DbOption = None,
) -> None:
    """Mark a flag confirmed or dismissed (kept across re-ingest and exported)."""
    r = run(lambda: checks.set_verdict(context(db), flag_id, None if verdict == "clear" else verdict, note))
    out.print(f"{r.id}: {r.verdict or 'cleared'}", highlight=False)
