"""`caseatlas orgs`: organizations across books, under every name they are printed by;
`caseatlas orgs show NAME`: one organization's cases side by side; `orgs merge|split|forget`:
a person's decision that two names are (not) one organization, kept across re-ingest."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from ..services import organizations as orgs
from ..text.numbers import format_number
from .common import LISTING_HELP, DbOption, Listing, context, key, num, out, run, text

app = typer.Typer(
    no_args_is_help=False, invoke_without_command=True, help="Organizations across books: list, show, merge, split."
)


def _fmt(v: float) -> str:
    return format_number(v)


@app.callback(epilog=LISTING_HELP)
def list_cmd(
    ctx: typer.Context,
    min_books: Annotated[int, typer.Option("--min-books", help="Only groups found in at least this many books")] = 1,
    groups: Annotated[bool, typer.Option("--groups", help="Groups only, not their members and branches")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    db: DbOption = None,
) -> None:
    """Organizations with the books and cases that name them (their own, and their group's)."""
    if ctx.invoked_subcommand:
        return
    rows = run(lambda: orgs.organizations(context(db), min_books, groups))
    if as_json:
        sys.stdout.write(json.dumps([r.model_dump() for r in rows], ensure_ascii=False, indent=1) + "\n")
        return
    table = Listing(
        key("id"),
        text("organization"),
        text("group of"),
        num("books"),
        num("cases"),
        num("group books"),
        num("group cases"),
        title=f"{len(rows)} organizations",
        empty="No organizations"
        + (" in that many books." if min_books > 1 else " yet: they come from ingested books."),
    )
    for r in rows:
        table.add_row(r.id, r.name, r.parent, r.n_books, r.n_cases, r.group_books, r.group_cases)
    table.print()


@app.command("show", epilog=LISTING_HELP)
def show_cmd(
    name: Annotated[str, typer.Argument(help="An organization's id or any of its names")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    db: DbOption = None,
) -> None:
    """One organization: its names, group, members, and cases across books.

    Its cases' core outcomes side by side."""
    org = run(lambda: orgs.lookup(context(db), name))
    if as_json:
        sys.stdout.write(json.dumps(org.model_dump(by_alias=True), ensure_ascii=False, indent=1) + "\n")
        return
    # soft_wrap: rich would move a long run of Chinese whole to the next line; the terminal wraps it.
    out.print(f"[bold]{escape(org.name)}[/bold]  {org.id}", highlight=False, soft_wrap=True)
    out.print("names: " + "、".join(org.aliases), highlight=False, soft_wrap=True, markup=False)
    if org.parent:
        out.print(f"member of: {org.parent.name} ({org.parent.id})", highlight=False, soft_wrap=True, markup=False)
    if org.members:
        out.print("members: " + "、".join(m.name for m in org.members), highlight=False, soft_wrap=True, markup=False)
    table = Listing(
        key("case"),
        "year",
        text("title"),
        text("as"),
        *org.kinds,
        title=f"{len(org.cases)} cases in {org.n_books} books",
    )
    for c in org.cases:
        cells = ["; ".join(f"{_fmt(o.value)} {o.unit}" for o in c.outcomes.get(k, [])) for k in org.kinds]
        table.add_row(c.id, c.year, c.title, c.as_, *cells)
    table.print()


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
