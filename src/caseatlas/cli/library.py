"""Library commands: ingest, collections, cases, show, export, remove, demo."""

from __future__ import annotations

import json
import shlex
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.cells import cell_len
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..services import discovery, exports, library
from ..services.context import ENV_VAR, demo_library
from ..services.records import CaseRecord, Metric
from ..text.numbers import format_quantity
from ..vocab import EXPORT_FORMATS
from .common import LISTING_HELP, DbOption, Listing, context, err, fail, key, num, out, run, text

app = typer.Typer()
CaseArg = Annotated[str, typer.Argument(help="A case's id, <collection>:<n> (see `caseatlas cases`).")]


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files (.txt .md .pdf .docx .html) or folders.")],
    db: DbOption = None,
    with_embeddings: Annotated[
        bool, typer.Option("--embed", help="Also compute vectors for the semantic leg.")
    ] = False,
) -> None:
    """Add books to the library (re-ingesting an unchanged file does nothing).

    A changed file is updated in place: cases, facts and passages that survive keep their ids
    and what is attached to them."""
    ctx = context(db)
    files = library.expand_paths(paths)
    if not files:
        fail("no supported files found")
    results = []
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=f"ingesting {path.name}")
            step = lambda done, total, message, name=path.name: progress.update(  # noqa: E731
                task, description=f"ingesting {name}: {message}"
            )
            results.append(library.ingest_file(ctx, path, progress=step))
            progress.advance(task)
    if with_embeddings:
        out.print(f"embedded {discovery.embed(ctx)} passages")
    failed = 0
    for r in results:
        if r.status == "error":
            failed += 1
            err.print(f"[red]error:[/red] {r.error}", highlight=False, soft_wrap=True)
        else:
            kept = f"  (kept {r.kept}, removed {r.removed})" if r.status == "replaced" else ""
            out.print(f"{r.status:9} {r.n_cases:4d} cases  {Path(r.path).name}{kept}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("collections", epilog=LISTING_HELP)
def collections_cmd(
    db: DbOption = None, as_json: Annotated[bool, typer.Option("--json", help="One JSON object per book.")] = False
) -> None:
    """List the books in the library."""
    rows = run(lambda: library.collections(context(db)))
    if as_json:
        for r in rows:
            out.print_json(
                json.dumps(
                    r.model_dump(include={"slug", "title", "source_file", "publisher", "year", "n_cases", "chapters"}),
                    ensure_ascii=False,
                )
            )
        return
    # The file name is the slug and its extension (for a book from a file): the first to go.
    table = Listing(
        key("slug"),
        text("title"),
        text("publisher"),
        "year",
        num("cases"),
        key("file", optional=True),
        empty="No books in this library yet: add some with `caseatlas ingest FILE…` (or try `caseatlas demo`).",
    )
    for r in rows:
        table.add_row(r.slug, r.title, r.publisher, r.year, r.n_cases, r.source_file)
    table.print()


@app.command("cases", epilog=LISTING_HELP)
def cases_cmd(
    collection: Annotated[str | None, typer.Option("--collection", "-c", help="Slug, file name or title.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line (the export contract).")] = False,
) -> None:
    """List cases: id, title, organization, chapter, lines."""
    records = run(lambda: library.cases(context(db), collection))
    if as_json:
        for r in records:
            sys.stdout.write(json.dumps(r.model_dump(), ensure_ascii=False) + "\n")
        return
    table = Listing(
        key("id"),
        text("title"),
        text("organization"),
        text("chapter"),
        "lines",
        empty="No cases in this collection."
        if collection
        else "No cases yet: add books with `caseatlas ingest FILE…`.",
    )
    for r in records:
        table.add_row(r.id, r.title, r.organization, r.chapter, f"{r.start_line}-{r.end_line}")
    table.print()


@app.command()
def show(case_id: CaseArg, db: DbOption = None) -> None:
    """Show one case with its sections and provenance."""
    c = run(lambda: library.case_detail(context(db), case_id))
    out.print(f"[bold]{c.title}[/bold]", highlight=False)
    meta = [
        ("id", c.id),
        ("organization", c.organization),
        ("chapter", c.chapter),
        ("collection", c.collection),
        ("source", f"{c.source_file} lines {c.start_line}-{c.end_line}" + (f", page {c.page}" if c.page else "")),
    ]
    facts = [(k, v) for k, v in meta if v] + _facts(c)
    # Labels padded by terminal cells, so the Chinese ones line up with the English.
    label = max(cell_len(k) for k, _ in facts)
    for k, v in facts:
        out.print(f"  {k}{' ' * (label - cell_len(k))}  {v}", highlight=False, soft_wrap=True, markup=False)
    _print_outcomes(c)
    by_start = {s.start_line: s for s in c.sections}
    for line in c.lines:
        text = line.text
        if not text:
            continue
        if line.line_no in by_start:
            s = by_start[line.line_no]
            out.print(
                f"\n[bold cyan]{s.heading}[/bold cyan]  [dim](lines {s.start_line}-{s.end_line})[/dim]",
                highlight=False,
            )
            continue
        out.print(f"[dim]{line.line_no:>6}[/dim]  {text}", highlight=False, soft_wrap=True)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help=" or ".join(EXPORT_FORMATS))] = "jsonl",
    output: Annotated[Path | None, typer.Option("-o", "--output", help="File to write (default: stdout).")] = None,
    collection: Annotated[
        str | None, typer.Option("--collection", "-c", help="Only this book: slug, file name or title.")
    ] = None,
    table: Annotated[
        str, typer.Option("--table", help="CSV only: cases (one row per case) or outcomes (one per outcome)")
    ] = "cases",
    db: DbOption = None,
) -> None:
    """Export every case (JSON Lines, CSV or XLSX).

    JSON Lines = the export contract (id, collection, source_file, …, metrics); CSV = a flat
    table a spreadsheet can sum (--table cases or outcomes); XLSX = both tables as sheets."""
    if fmt not in EXPORT_FORMATS:
        fail(f"unknown format '{fmt}' (use {', '.join(EXPORT_FORMATS)})")
    if fmt == "xlsx":  # a zip archive: written whole, never as text chunks
        data, _ = run(lambda: exports.export_bytes(context(db), fmt, collection=collection))
        if output:
            output.write_bytes(data)
            err.print(f"wrote {output}")
        else:
            sys.stdout.buffer.write(data)
        return
    chunks = run(lambda: list(exports.export(context(db), fmt, collection, table=table)))
    if output:
        # utf-8-sig for CSV so spreadsheet programs read Chinese correctly.
        output.write_text("".join(chunks), encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        err.print(f"wrote {output}")
    else:
        for chunk in chunks:
            sys.stdout.write(chunk)


@app.command()
def remove(collection: Annotated[str, typer.Argument(help="Slug, file name or title.")], db: DbOption = None) -> None:
    """Remove a book and everything derived from it from the library."""
    n = run(lambda: library.delete_collection(context(db), collection))
    out.print(f"removed {collection} ({n} cases)", highlight=False)


@app.command()
def demo(
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="The demo's library (a SQLite file or a URL). Default: demo.db in the user data dir; "
            f"never your own library (${ENV_VAR}, library.db) unless named here.",
        ),
    ] = None,
    no_serve: Annotated[
        bool, typer.Option("--no-serve", help="Only ingest and show; do not start the web app.")
    ] = False,
    port: Annotated[int, typer.Option("--port", help="Port of the web app (on 127.0.0.1).")] = 8000,
) -> None:
    """Try CaseAtlas on the bundled sample collection, in a library of its own.

    Ingests the sample into the demo library (its path printed first), lists it, and serves the
    web app on it. Your own library is not touched."""
    # Not the DbOption: $CASEATLAS_DB names the user's library, which a demo must leave alone.
    db = db or demo_library()
    if not no_serve:
        from .server import check_port

        check_port("127.0.0.1", port)  # before the ingest, not after it
    out.print(f"demo library: {db if '://' not in db else library.describe_db(db)}", highlight=False, soft_wrap=True)
    ctx = context(db)
    for r in library.ingest_paths(ctx, [library.sample_collection_dir()]):
        if r.status == "error":
            fail(r.error or "ingest failed")
        out.print(f"{r.status:9} {r.n_cases:4d} cases  {Path(r.path).name}", highlight=False)
    out.print(f"embedded {discovery.embed(ctx)} passages for semantic search", highlight=False)
    collections_cmd(db=db)
    sample = [c for c in library.collections(ctx) if c.source_file.startswith("sample")]
    cases_cmd(collection=sample[0].slug if sample else None, db=db)
    again = f"caseatlas serve --db {shlex.quote(db)}"
    if no_serve:
        out.print(f"serve it: {again}", highlight=False, soft_wrap=True)
        return
    out.print(f"(later, the same library: {again})", highlight=False, soft_wrap=True)
    from .server import serve

    serve(db=db, port=port)


def fmt_value(o: Metric) -> str:
    return format_quantity(o.value, o.unit, value_max=o.value_max, qualifier=o.qualifier)


def _facts(c: CaseRecord) -> list[tuple[str, str]]:
    facts = []
    if c.region:
        facts.append(("地区 region", c.region.province + (f" {c.region.city}" if c.region.city else "")))
    if c.sector:
        facts.append(("领域 sector", f"{c.sector.topic} / {c.sector.industry}"))
    for items, label in ((c.measures, "措施 measures"), (c.standards, "标准 standards"), (c.systems, "系统 systems")):
        if items:
            facts.append((label, "、".join(x.name for x in items)))
    if c.targets:
        facts.append(("目标 targets", "、".join(t.target + (f"（{t.detail}）" if t.detail else "") for t in c.targets)))
    return facts


def _print_outcomes(c: CaseRecord) -> None:
    if c.metrics:
        table = Listing("value", "kind", "period", num("line"), text("quote"), title="量化成果 outcomes")
        for o in c.metrics:
            table.add_row(fmt_value(o), o.kind, o.period, o.line, o.quote)
        table.print()
