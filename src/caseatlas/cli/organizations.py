"""`caseatlas orgs`: organizations across books, under every name they are printed by;
`caseatlas orgs show NAME`: one organization's cases side by side; `orgs merge|split|forget`:
a person's decision that two names are (not) one organization, kept across re-ingest."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.table import Table

from ..services import organizations as orgs
from ..text.numbers import format_number
from .common import DbOption, context, out, run

app = typer.Typer(
    no_args_is_help=False, invoke_without_command=True, help="Organizations across books: list, show, merge, split."
)


def _fmt(v: float) -> str:
    return format_number(v)


@app.callback()
def list_cmd(
    ctx: typer.Context,
    min_books: Annotated[int, typer.Option("--min-books", help="Only groups found in at least this many books")] = 1,
    groups: Annotated[bool, typer.Option("--groups", help="Groups only, not their members and branches")] = False,
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """Organizations with the books and cases that name them (their own, and their group's)."""
    if ctx.invoked_subcommand:
        return
    rows = run(lambda: orgs.organizations(context(db), min_books, groups))
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump() for r in rows], ensure_ascii=False, indent=1) + "\n")
        return
    table = Table(
        "id",
        "organization",
        "group of",
        "books",
        "cases",
        "group books",
        "group cases",
        title=f"{len(rows)} organizations",
    )
    for r in rows:
        table.add_row(
            r.id, r.name, r.parent or "", str(r.n_books), str(r.n_cases), str(r.group_books), str(r.group_cases)
        )
    out.print(table)


@app.command("show")
def show_cmd(
    name: Annotated[str, typer.Argument(help="An organization's id or any of its names")],
    as_json: Annotated[bool, typer.Option("--json")] = False,
    db: DbOption = None,
) -> None:
    """One organization: its names, group and members, and its cases across books with their
    core outcomes side by side."""
    org = run(lambda: orgs.lookup(context(db), name))
    if as_json:
        sys.stdout.write(json.dumps(org.model_dump(by_alias=True), ensure_ascii=False, indent=1) + "\n")
        return
    out.print(f"[bold]{org.name}[/bold]  {org.id}", highlight=False)
    out.print("names: " + "、".join(org.aliases), highlight=False)
    if org.parent:
        out.print(f"member of: {org.parent.name} ({org.parent.id})", highlight=False)
    if org.members:
        out.print("members: " + "、".join(m.name for m in org.members), highlight=False)
    table = Table("case", "year", "title", "as", *org.kinds, title=f"{len(org.cases)} cases in {org.n_books} books")
    for c in org.cases:
        cells = ["; ".join(f"{_fmt(o.value)} {o.unit}" for o in c.outcomes.get(k, [])) for k in org.kinds]
        table.add_row(c.id, str(c.year or ""), c.title, c.as_, *cells)
    out.print(table)


def _decide(decision: str | None):
    def command(
        a: Annotated[str, typer.Argument(help="An organization name")],
        b: Annotated[str, typer.Argument(help="Another organization name")],
        note: Annotated[str | None, typer.Option("--note")] = None,
        db: DbOption = None,
    ) -> None:
        r = run(lambda: orgs.decide(context(db), a, b, decision, note))
        ids = r.organizations
        out.print(f"{a} → {ids[a] or '-'}; {b} → {ids[b] or '-'} ({decision or 'decision withdrawn'})", highlight=False)

    return command


app.command("merge", help="Two names are one organization (kept across re-ingest).")(_decide("same"))
app.command("split", help="Two names are different organizations, and neither is the other's group.")(
    _decide("different")
)
app.command("forget", help="Withdraw a merge or split of these two names.")(_decide(None))
