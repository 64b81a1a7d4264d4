"""Discovery commands: search, similar, embed."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from rich.markup import escape

from ..models import Filters
from ..services import discovery
from .common import LISTING_HELP, DbOption, Listing, context, fail, key, out, progress_bar, run, text

app = typer.Typer()


def _filters(
    collection, year, chapter, sector, province, measure, standard, minimum, flag=None, organization=None
) -> Filters:
    return Filters(
        collection=collection,
        year=year,
        chapter=chapter,
        sector=sector,
        province=province,
        measure=measure,
        standard=standard,
        min_outcomes=[discovery.parse_minimum(m) for m in minimum or []],
        flag=discovery.parse_flag(flag),
        organization=organization,
    )


@app.command("search")
def search_cmd(
    query: Annotated[str | None, typer.Argument(help="What to look for, as you would type it.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Hits to return (1-100).")] = 10,
    offset: Annotated[int, typer.Option("--offset", help="Skip this many hits (the next page).")] = 0,
    mode: Annotated[
        str, typer.Option("--mode", help="auto (hybrid when vectors exist), text, hybrid, semantic")
    ] = "auto",
    collection: Annotated[str | None, typer.Option("--collection", "-c", help="Slug, file name or title.")] = None,
    year: Annotated[int | None, typer.Option("--year", help="The book's year.")] = None,
    chapter: Annotated[str | None, typer.Option("--chapter", help="A book's chapter, e.g. 能源转型")] = None,
    sector: Annotated[str | None, typer.Option("--sector", help="Topic, e.g. 绿色建筑")] = None,
    province: Annotated[str | None, typer.Option("--province", help="e.g. 浙江省")] = None,
    measure: Annotated[str | None, typer.Option("--measure", help="e.g. 分布式光伏")] = None,
    standard: Annotated[str | None, typer.Option("--standard", help="e.g. PAS 2060")] = None,
    minimum: Annotated[
        list[str] | None,
        typer.Option("--min", help="Outcome threshold KIND:VALUE in canonical units, e.g. co2e_reduction:10000"),
    ] = None,
    flag: Annotated[
        str | None,
        typer.Option("--flag", help="Cases with a claim-check flag not dismissed: any, or a check (factor, date …)"),
    ] = None,
    organization: Annotated[
        str | None,
        typer.Option("--org", help="An organization's id or name: its cases and its group's (caseatlas orgs)"),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    stdin: Annotated[
        bool, typer.Option("--stdin", help="One query per input line; one JSON object per output line.")
    ] = False,
    db: DbOption = None,
) -> None:
    """Search cases: Chinese full text (with synonyms) and, when embedded, meaning; hits grouped by case."""
    ctx = context(db)
    filters = run(
        lambda: _filters(collection, year, chapter, sector, province, measure, standard, minimum, flag, organization)
    )
    if stdin:
        for line in sys.stdin:
            q = line.rstrip("\n")
            res = run(lambda q=q: discovery.search(ctx, q, filters, limit, offset, mode))
            res.pop("facets", None)
            sys.stdout.write(json.dumps(res, ensure_ascii=False) + "\n")
        return
    if query is None and not filters.active():
        fail("give a query (or --stdin, or a filter such as --province)")
    res = run(lambda: discovery.search(ctx, query or "", filters, limit, offset, mode))
    if as_json:
        sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=1) + "\n")
        return
    out.print(f"[dim]{res['total']} cases · mode {res['mode']}[/dim]", highlight=False)
    for i, h in enumerate(res["hits"], start=offset + 1):
        # The id at the start of a line of its own, and no wrapping by rich (which moves a long
        # Chinese title or name whole to the next line, and would fold an id longer than the
        # width): the terminal wraps Chinese where it must, and the id is whole on its line.
        out.print(f"\n[bold]{i}. {escape(h['title'])}[/bold]", highlight=False, soft_wrap=True)
        where = " · ".join(x for x in (escape(h["organization"] or ""), f"{h['source_file']}:{h['start_line']}") if x)
        out.print(f"   {h['case_id']}  [dim]{where}[/dim]", highlight=False, soft_wrap=True)
        out.print(f"   [green]matched[/green] {escape(h['matched']['explanation'])}", highlight=False, soft_wrap=True)
        for sn in h["snippets"]:
            out.print(
                "   " + _marked(sn["text"], sn["highlights"]) + f"  [dim](L{sn['start_line']})[/dim]",
                highlight=False,
                soft_wrap=True,
            )


def _marked(text: str, spans: list[list[int]]) -> str:
    pieces, last = [], 0
    for a, b in spans:
        pieces.append(escape(text[last:a]) + "[bold yellow]" + escape(text[a:b]) + "[/bold yellow]")
        last = b
    return "".join(pieces) + escape(text[last:])


@app.command(epilog=LISTING_HELP)
def similar(
    case_id: Annotated[str, typer.Argument(help="A case's id, <collection>:<n> (see `caseatlas cases`).")],
    limit: Annotated[int, typer.Option("--limit", "-n", help="How many.")] = 5,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Cases similar to a case (by meaning when embedded, else by its title and facts)."""
    hits = run(lambda: discovery.similar_cases(context(db), case_id, limit))
    if as_json:
        sys.stdout.write(json.dumps(hits, ensure_ascii=False) + "\n")
        return
    table = Listing(key("case"), text("title"), text("why"), empty="No similar cases.")
    for h in hits:
        table.add_row(h["case_id"], h["title"], h["matched"]["explanation"])
    table.print()


@app.command()
def embed(
    batch: Annotated[int, typer.Option("--batch", help="Passages per batch (one transaction each).")] = 32,
    limit: Annotated[int | None, typer.Option("--limit", help="Stop after this many passages.")] = None,
    collection: Annotated[
        str | None,
        typer.Option("--collection", "-c", help="One book only (its id, file name or title); default: every book."),
    ] = None,
    db: DbOption = None,
) -> None:
    """Compute dense vectors for the semantic leg (resumable: re-run to continue)."""
    ctx = context(db)
    with progress_bar("embedding") as progress:
        n = run(lambda: discovery.embed(ctx, batch=batch, limit=limit, progress=progress, collection=collection))
    out.print(f"embedded {n} passages")
