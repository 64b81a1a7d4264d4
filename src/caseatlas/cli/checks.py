"""`caseatlas checks`: the numbers that do not add up, with their arithmetic and lines;
`caseatlas verdict FLAG confirmed|dismissed`: a person's judgement on one."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ..services import checks
from ..vocab import CHECKS
from .common import LISTING_HELP, Col, DbOption, Listing, context, fail, key, out, run, text

app = typer.Typer()


@app.command("checks", epilog=LISTING_HELP)
def checks_cmd(
    collection: Annotated[str | None, typer.Option("--collection", "-c", help="Slug, file name or title.")] = None,
    check: Annotated[str | None, typer.Option("--check", help=f"Only this check: {', '.join(CHECKS)}.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output, with each flag's figures and quotes.")] = False,
    db: DbOption = None,
) -> None:
    """Figures that do not add up: the flags the claim checks raised at ingest.

    Implied emission factors, magnitude slips, unit-type errors, malformed numbers, dates — each
    with the computed figure and the lines. Give one a verdict with `caseatlas verdict FLAG`."""
    if check is not None and check not in CHECKS:
        fail(f"unknown check '{check}' (use one of {', '.join(CHECKS)})")
    rows = run(lambda: checks.flags(context(db), collection, check))
    if as_json:
        case = ("case_id", "case_title", "collection")  # first, as the list reads: whose flag it is
        dumped = [{**f.model_dump(include=set(case)), **f.model_dump(exclude=set(case))} for f in rows]
        sys.stdout.write(json.dumps(dumped, ensure_ascii=False, indent=1) + "\n")
        return
    # The flag's id first: it is what `caseatlas verdict` takes.
    table = Listing(
        key("flag"),
        key("case"),
        "check",
        "severity",
        Col("lines", optional=True),
        text("message", least=30),  # what the flag says: narrower, one block per flag reads better
        "verdict",
        title=f"{len(rows)} flags",
        empty="No flags: the claim checks found nothing to question" + (" here." if collection or check else "."),
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
    note: Annotated[str | None, typer.Option("--note", help="Why (kept with the verdict).")] = None,
    db: DbOption = None,
) -> None:
    """Mark a flag confirmed or dismissed (kept across re-ingest and exported)."""
    r = run(lambda: checks.set_verdict(context(db), flag_id, None if verdict == "clear" else verdict, note))
    out.print(f"{r.id}: {r.verdict or 'cleared'}", highlight=False)
