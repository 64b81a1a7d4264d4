"""`caseatlas` command line: small composable verbs over `service`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import evaluate, service, store
from .errors import CaseAtlasError
from .search import Filters

app = typer.Typer(add_completion=False, no_args_is_help=True, help="CaseAtlas 案例图谱: a library of climate-action case collections.")
eval_app = typer.Typer(no_args_is_help=True, help="Measure the library against hand annotations.")
app.add_typer(eval_app, name="eval")
out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    Optional[str],
    typer.Option("--db", envvar=store.ENV_VAR, help="Library file (SQLite path or SQLAlchemy URL). Default: user data dir."),
]


def _engine(db: str | None):
    return store.open_engine(db)


def _fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def _run(fn):
    """Turn a user-facing error into a one-line message and exit status 1."""
    try:
        return fn()
    except CaseAtlasError as exc:
        _fail(str(exc))


@app.command()
def ingest(
    paths: Annotated[list[Path], typer.Argument(help="Files (.txt .md .pdf .docx .html) or folders.")],
    db: DbOption = None,
    with_embeddings: Annotated[bool, typer.Option("--embed", help="Also compute vectors for the semantic leg.")] = False,
) -> None:
    """Add books to the library. Re-ingesting a file is a no-op; a changed file replaces its cases."""
    engine = _engine(db)
    files = service.expand_paths(paths)
    if not files:
        _fail("no supported files found")
    results = []
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("ingesting", total=len(files))
        for path in files:
            progress.update(task, description=f"ingesting {path.name}")
            results.append(service.ingest_file(engine, path))
            progress.advance(task)
    if with_embeddings:
        out.print(f"embedded {service.embed(engine)} passages")
    failed = 0
    for r in results:
        if r.status == "error":
            failed += 1
            err.print(f"[red]error:[/red] {r.error}", highlight=False, soft_wrap=True)
        else:
            out.print(f"{r.status:9} {r.n_cases:4d} cases  {Path(r.path).name}", highlight=False)
    if failed:
        raise typer.Exit(1)


@app.command("collections")
def collections_cmd(db: DbOption = None, as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """List the books in the library."""
    rows = service.collections(_engine(db))
    if as_json:
        for r in rows:
            out.print_json(json.dumps({k: r[k] for k in ("slug", "title", "source_file", "publisher", "year", "n_cases", "chapters")}, ensure_ascii=False))
        return
    table = Table("slug", "title", "publisher", "year", "cases", "file")
    for r in rows:
        table.add_row(r["slug"], r["title"], r["publisher"] or "", str(r["year"] or ""), str(r["n_cases"]), r["source_file"])
    out.print(table)


@app.command("cases")
def cases_cmd(
    collection: Annotated[Optional[str], typer.Option("--collection", "-c", help="Slug, file name or title.")] = None,
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line (the export contract).")] = False,
) -> None:
    """List cases: id, title, organization, chapter, lines."""
    records = _run(lambda: service.cases(_engine(db), collection))
    if as_json:
        for r in records:
            sys.stdout.write(json.dumps(r, ensure_ascii=False) + "\n")
        return
    table = Table("id", "title", "organization", "chapter", "lines")
    for r in records:
        table.add_row(r["id"], r["title"], r["organization"] or "", r["chapter"] or "", f"{r['start_line']}-{r['end_line']}")
    out.print(table)


@app.command()
def show(case_id: str, db: DbOption = None) -> None:
    """Show one case with its sections and provenance."""
    c = _run(lambda: service.case_detail(_engine(db), case_id))
    out.print(f"[bold]{c['title']}[/bold]", highlight=False)
    meta = [("id", c["id"]), ("organization", c["organization"]), ("chapter", c["chapter"]),
            ("collection", c["collection"]),
            ("source", f"{c['source_file']} lines {c['start_line']}-{c['end_line']}" + (f", page {c['page']}" if c["page"] else ""))]
    for k, v in meta:
        if v:
            out.print(f"  {k:13}{v}", highlight=False)
    _print_facts(c)
    by_start = {s["start_line"]: s for s in c["sections"]}
    for line in c["lines"]:
        text = line["text"]
        if not text:
            continue
        if line["line_no"] in by_start:
            s = by_start[line["line_no"]]
            out.print(f"\n[bold cyan]{s['heading']}[/bold cyan]  [dim](lines {s['start_line']}-{s['end_line']})[/dim]", highlight=False)
            continue
        out.print(f"[dim]{line['line_no']:>6}[/dim]  {text}", highlight=False, soft_wrap=True)


@app.command()
def export(
    fmt: Annotated[str, typer.Option("--format", "-f", help="jsonl or csv")] = "jsonl",
    output: Annotated[Optional[Path], typer.Option("-o", "--output", help="File to write (default: stdout).")] = None,
    collection: Annotated[Optional[str], typer.Option("--collection", "-c")] = None,
    db: DbOption = None,
) -> None:
    """Export every case (export contract: id, collection, source_file, start_line, end_line, page, title, …)."""
    if fmt not in ("jsonl", "csv"):
        _fail(f"unknown format '{fmt}' (use jsonl or csv)")
    chunks = _run(lambda: list(service.export(_engine(db), fmt, collection)))
    if output:
        # utf-8-sig for CSV so spreadsheet programs read Chinese correctly.
        output.write_text("".join(chunks), encoding="utf-8-sig" if fmt == "csv" else "utf-8")
        err.print(f"wrote {output}")
    else:
        for chunk in chunks:
            sys.stdout.write(chunk)


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Processes (each keeps its own search index in memory).")] = 1,
    db: DbOption = None,
) -> None:
    """Serve the web app and the API (/api/v1, docs at /docs) on the library."""
    import uvicorn

    url = store.resolve_db(db)
    store.open_engine(db)  # create or migrate before the workers start
    out.print(f"CaseAtlas: http://{host}:{port}/  (library {url}; API docs /docs)", highlight=False)
    if workers > 1:
        from .web.workers import serve_workers

        serve_workers(url, host, port, workers)
    else:
        from .web import create_app

        uvicorn.run(create_app(url), host=host, port=port, log_level="warning")


@app.command()
def demo(
    db: DbOption = None,
    no_serve: Annotated[bool, typer.Option("--no-serve", help="Only ingest and show; do not start the web app.")] = False,
    port: Annotated[int, typer.Option("--port")] = 8000,
) -> None:
    """Ingest the bundled sample collection into the library, show it, and serve the web app."""
    engine = _engine(db)
    for r in service.ingest_paths(engine, [service.sample_collection_dir()]):
        if r.status == "error":
            _fail(r.error or "ingest failed")
        out.print(f"{r.status:9} {r.n_cases:4d} cases  {Path(r.path).name}", highlight=False)
    out.print(f"embedded {service.embed(engine)} passages for semantic search", highlight=False)
    out.print(f"library: {store.resolve_db(db)}", highlight=False)
    collections_cmd(db=db)
    sample = [c for c in service.collections(engine) if c["source_file"].startswith("sample")]
    cases_cmd(collection=sample[0]["slug"] if sample else None, db=db)
    if not no_serve:
        serve(db=db, port=port)


@eval_app.command("cases")
def eval_cases(
    gold: Annotated[Path, typer.Option("--gold", help="Folder of <book>.json gold files.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Case precision/recall/F1 (line ranges, IoU ≥ 0.5) and title exact-match rate per book."""
    rows = _run(lambda: evaluate.eval_cases(_engine(db), gold))
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table("book", "gold", "pred", "P", "R", "F1", "titles", "orgs")
    for r in rows:
        table.add_row(r["book"], str(r["gold"]), str(r["predicted"]), f"{r['precision']:.3f}", f"{r['recall']:.3f}",
                      f"{r['f1']:.3f}", f"{r['title_exact']:.1%}", f"{r['organization_exact']:.1%}")
    out.print(table)
    missing = [r["book"] for r in rows if not r["in_library"]]
    if missing:
        err.print(f"not in library (ingest them first): {', '.join(missing)}")


@eval_app.command("facts")
def eval_facts(
    gold: Annotated[Path, typer.Option("--gold", help="Folder of <book>.json gold files.")],
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Outcome precision/recall on the core kinds, kind/period accuracy, province accuracy, per book."""
    rows = _run(lambda: evaluate.eval_facts(_engine(db), gold))
    if as_json:
        sys.stdout.write(json.dumps(rows, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table("book", "gold", "pred", "P", "R", "kind acc", "period acc", "province acc")
    for r in rows:
        prov = "" if r["province_accuracy"] is None else f"{r['province_accuracy']:.1%} of {r['cases_with_province']}"
        table.add_row(r["book"], str(r["gold_outcomes"]), str(r["predicted_outcomes"]), f"{r['precision']:.3f}",
                      f"{r['recall']:.3f}", f"{r['kind_accuracy']:.1%}", f"{r['period_accuracy']:.1%}", prov)
    out.print(table)


def _fmt_value(o: dict) -> str:
    def num(v: float) -> str:
        return f"{v:,.4g}" if abs(v) < 1e4 else f"{v:,.0f}"

    text = num(o["value"]) + (f"–{num(o['value_max'])}" if o["value_max"] is not None else "")
    mark = {"approx": "≈", "lower_bound": "≥"}.get(o["qualifier"] or "", "")
    return f"{mark}{text} {o['unit']}"


def _print_facts(c: dict) -> None:
    facts = []
    if c.get("region"):
        facts.append(("地区 region", c["region"]["province"] + (f" {c['region']['city']}" if c["region"]["city"] else "")))
    if c.get("sector"):
        facts.append(("领域 sector", f"{c['sector']['topic']} / {c['sector']['industry']}"))
    for key, label in (("measures", "措施 measures"), ("standards", "标准 standards"), ("systems", "系统 systems")):
        if c.get(key):
            facts.append((label, "、".join(x["name"] for x in c[key])))
    if c.get("targets"):
        facts.append(("目标 targets", "、".join(t["target"] + (f"（{t['detail']}）" if t["detail"] else "") for t in c["targets"])))
    for k, v in facts:
        out.print(f"  {k:15}{v}", highlight=False, soft_wrap=True)
    metrics = c.get("metrics") or []
    if metrics:
        table = Table("value", "kind", "period", "line", "quote", title="量化成果 outcomes", title_justify="left")
        for o in metrics:
            table.add_row(_fmt_value(o), o["kind"], o["period"], str(o["line"]), o["quote"])
        out.print(table)


def _filters(collection, year, chapter, sector, province, measure, standard, minimum) -> Filters:
    return Filters(collection=collection, year=year, chapter=chapter, sector=sector, province=province,
                   measure=measure, standard=standard, min_outcomes=[service.parse_minimum(m) for m in minimum or []])


@app.command("search")
def search_cmd(
    query: Annotated[Optional[str], typer.Argument(help="What to look for, as you would type it.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="Hits to return (1-100).")] = 10,
    offset: Annotated[int, typer.Option("--offset")] = 0,
    mode: Annotated[str, typer.Option("--mode", help="auto (hybrid when vectors exist), text, hybrid, semantic")] = "auto",
    collection: Annotated[Optional[str], typer.Option("--collection", "-c")] = None,
    year: Annotated[Optional[int], typer.Option("--year")] = None,
    chapter: Annotated[Optional[str], typer.Option("--chapter")] = None,
    sector: Annotated[Optional[str], typer.Option("--sector", help="Topic, e.g. 绿色建筑")] = None,
    province: Annotated[Optional[str], typer.Option("--province", help="e.g. 浙江省")] = None,
    measure: Annotated[Optional[str], typer.Option("--measure", help="e.g. 分布式光伏")] = None,
    standard: Annotated[Optional[str], typer.Option("--standard", help="e.g. PAS 2060")] = None,
    minimum: Annotated[Optional[list[str]], typer.Option("--min", help="Outcome threshold KIND:VALUE in canonical units, e.g. co2e_reduction:10000")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    stdin: Annotated[bool, typer.Option("--stdin", help="One query per input line; one JSON object per output line.")] = False,
    db: DbOption = None,
) -> None:
    """Search cases: Chinese full text (with synonyms) and, when embedded, meaning; hits grouped by case."""
    engine = _engine(db)
    filters = _run(lambda: _filters(collection, year, chapter, sector, province, measure, standard, minimum))
    if stdin:
        for line in sys.stdin:
            q = line.rstrip("\n")
            res = _run(lambda q=q: service.search(engine, q, filters, limit, offset, mode))
            res.pop("facets", None)
            sys.stdout.write(json.dumps(res, ensure_ascii=False) + "\n")
        return
    if query is None and not filters.active():
        _fail("give a query (or --stdin, or a filter such as --province)")
    res = _run(lambda: service.search(engine, query or "", filters, limit, offset, mode))
    if as_json:
        sys.stdout.write(json.dumps(res, ensure_ascii=False, indent=1) + "\n")
        return
    out.print(f"[dim]{res['total']} cases · mode {res['mode']}[/dim]", highlight=False)
    for i, h in enumerate(res["hits"], start=offset + 1):
        out.print(f"\n[bold]{i}. {h['title']}[/bold]  [dim]{h['case_id']} · {h['organization'] or ''} · "
                  f"{h['source_file']}:{h['start_line']}[/dim]", highlight=False)
        out.print(f"   [green]matched[/green] {h['matched']['explanation']}", highlight=False)
        for sn in h["snippets"]:
            out.print("   " + _marked(sn["text"], sn["highlights"]) + f"  [dim](L{sn['start_line']})[/dim]",
                      highlight=False, soft_wrap=True)


def _marked(text: str, spans: list[list[int]]) -> str:
    from rich.markup import escape

    pieces, last = [], 0
    for a, b in spans:
        pieces.append(escape(text[last:a]) + "[bold yellow]" + escape(text[a:b]) + "[/bold yellow]")
        last = b
    return "".join(pieces) + escape(text[last:])


@app.command()
def similar(case_id: str, limit: Annotated[int, typer.Option("--limit", "-n")] = 5, db: DbOption = None,
            as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Cases similar to a case (by meaning when embedded, else by its title and facts)."""
    hits = _run(lambda: service.similar_cases(_engine(db), case_id, limit))
    if as_json:
        sys.stdout.write(json.dumps(hits, ensure_ascii=False) + "\n")
        return
    for h in hits:
        out.print(f"{h['case_id']:28} {h['title']}  [dim]{h['matched']['explanation']}[/dim]", highlight=False)


@app.command()
def embed(
    batch: Annotated[int, typer.Option("--batch", help="Passages per batch (one transaction each).")] = 32,
    limit: Annotated[Optional[int], typer.Option("--limit", help="Stop after this many passages.")] = None,
    db: DbOption = None,
) -> None:
    """Compute dense vectors for the semantic leg (resumable: re-run to continue)."""
    engine = _engine(db)
    with Progress(TextColumn("embedding"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=not err.is_terminal) as progress:
        task = progress.add_task("embed", total=None)

        def tick(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        n = _run(lambda: service.embed(engine, batch=batch, limit=limit, progress=tick))
    out.print(f"embedded {n} passages")


@eval_app.command("search")
def eval_search(
    queries: Annotated[Path, typer.Option("--queries", help="Graded queries (JSON, shared/eval format).")],
    gold: Annotated[Path, typer.Option("--gold", help="Folder of <book>.json gold files (for line ranges).")],
    modes: Annotated[str, typer.Option("--modes", help="Comma-separated: text, hybrid, semantic")] = "text,hybrid",
    db: DbOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """nDCG@10, Recall@10, MRR for CaseAtlas and baselines (bm25s over jieba tokens, FTS5 trigram), same run."""
    from .search.evaluation import evaluate as eval_queries
    from .search import dense

    engine = _engine(db)
    wanted = tuple(m.strip() for m in modes.split(",") if m.strip())
    with engine.connect() as conn:
        if dense.count(conn) == 0:
            wanted = tuple(m for m in wanted if m == "text") or ("text",)
    report = _run(lambda: eval_queries(engine, queries, gold, wanted))
    if as_json:
        sys.stdout.write(json.dumps(report, ensure_ascii=False, indent=1) + "\n")
        return
    table = Table("system", "nDCG@10", "Recall@10", "MRR", title=f"{report['queries']} queries")
    for name, m in report["systems"].items():
        table.add_row(name, f"{m['ndcg@10']:.3f}", f"{m['recall@10']:.3f}", f"{m['mrr']:.3f}")
    out.print(table)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
