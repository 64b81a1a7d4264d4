"""`caseatlas eval …`: measure the library against hand annotations."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..services import evaluation
from ..services.records import Result
from .common import LISTING_HELP, DbOption, Listing, context, err, key, num, out, run

app = typer.Typer(no_args_is_help=True, help="Measure the library against hand annotations.")
GoldOption = Annotated[Path, typer.Option("--gold", help="Folder of <book>.json gold files.")]
JsonOption = Annotated[bool, typer.Option("--json", help="JSON output.")]


def _dump(result: Result | list[Result]) -> None:
    data = [r.model_dump() for r in result] if isinstance(result, list) else result.model_dump()
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=1) + "\n")


def _warn_missing(rows: list) -> None:
    """Gold books the library does not hold score 0 in every column: say so, not only the zeros."""
    missing = [r.book for r in rows if not r.in_library]
    if missing:
        err.print(f"not in library (ingest them first): {', '.join(missing)}")


@app.command("cases", epilog=LISTING_HELP)
def eval_cases(gold: GoldOption, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Case precision/recall/F1 (line ranges, IoU ≥ 0.5) and title exact-match rate per book."""
    rows = run(lambda: evaluation.eval_cases(context(db), gold))
    if as_json:
        return _dump(rows)
    table = Listing(key("book"), *map(num, ("gold", "pred", "P", "R", "F1", "titles", "orgs")))
    for r in rows:
        table.add_row(
            r.book,
            str(r.gold),
            str(r.predicted),
            f"{r.precision:.3f}",
            f"{r.recall:.3f}",
            f"{r.f1:.3f}",
            f"{r.title_exact:.1%}",
            f"{r.organization_exact:.1%}",
        )
    table.print()
    _warn_missing(rows)


@app.command("facts", epilog=LISTING_HELP)
def eval_facts(gold: GoldOption, db: DbOption = None, as_json: JsonOption = False) -> None:
    """Outcome precision/recall on the core kinds, kind/period accuracy, province accuracy, per book."""
    rows = run(lambda: evaluation.eval_facts(context(db), gold))
    if as_json:
        return _dump(rows)
    table = Listing(key("book"), *map(num, ("gold", "pred", "P", "R", "kind acc", "period acc")), "province acc")
    for r in rows:
        prov = "" if r.province_accuracy is None else f"{r.province_accuracy:.1%} of {r.cases_with_province}"
        table.add_row(
            r.book,
            str(r.gold_outcomes),
            str(r.predicted_outcomes),
            f"{r.precision:.3f}",
            f"{r.recall:.3f}",
            f"{r.kind_accuracy:.1%}",
            f"{r.period_accuracy:.1%}",
            prov,
        )
    table.print()
    _warn_missing(rows)


@app.command("search", epilog=LISTING_HELP)
def eval_search(
    queries: Annotated[Path, typer.Option("--queries", help="Graded queries (JSON, shared/eval format).")],
    gold: Annotated[Path, typer.Option("--gold", help="Folder of <book>.json gold files (for line ranges).")],
    modes: Annotated[str, typer.Option("--modes", help="Comma-separated: text, hybrid, semantic")] = "text,hybrid",
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """nDCG@10, Recall@10, MRR for CaseAtlas and baselines (bm25s over jieba tokens, FTS5 trigram), same run."""
    wanted = tuple(m.strip() for m in modes.split(",") if m.strip())
    report = run(lambda: evaluation.eval_search(context(db), queries, gold, wanted))
    if as_json:
        return _dump(report)
    # Queries in several languages: nDCG@10 of each language beside the overall figures.
    langs = sorted(report.languages) if len(report.languages) > 1 else []
    title = f"{report.queries} queries" + (
        " (" + ", ".join(f"{k} {report.languages[k]}" for k in langs) + ")" if langs else ""
    )
    table = Listing(
        key("system"), *map(num, ("nDCG@10", *(f"nDCG@10 {k}" for k in langs), "Recall@10", "MRR")), title=title
    )
    for name, m in report.systems.items():
        by_lang = [f"{m.per_lang.get(k, 0.0):.3f}" for k in langs]
        table.add_row(name, f"{m.ndcg:.3f}", *by_lang, f"{m.recall:.3f}", f"{m.mrr:.3f}")
    table.print()


@app.command("checks", epilog=LISTING_HELP)
def eval_checks(
    gold: Annotated[Path, typer.Option("--gold", help="Annotated inconsistencies (claims-dev.json).")],
    cases: Annotated[
        Path | None, typer.Option("--cases", help="Gold case files (default: gold/ beside --gold)")
    ] = None,
    db: DbOption = None,
    as_json: JsonOption = False,
    unmatched: Annotated[
        bool, typer.Option("--unmatched", help="List the flags that catch no annotated item, to be read")
    ] = False,
) -> None:
    """Claim checks: recall of annotated inconsistencies and precision of the flags.

    Recall: a flag of the case citing one of the item's lines; precision: of the flags on the
    annotated books; per check type."""
    r = run(lambda: evaluation.eval_checks(context(db), gold, cases))
    if as_json:
        return _dump(r)
    table = Listing(
        key("check"),
        *map(num, ("items", "caught", "recall", "flags", "catching", "precision")),
        title=f"recall {r.recall:.3f} ({r.caught}/{r.items}), precision {r.precision:.3f} of {r.flags} flags",
    )
    for name in sorted(set(r.per_check) | set(r.precision_per_check)):
        row, p = r.per_check.get(name), r.precision_per_check.get(name)
        recall = (str(row.items), str(row.caught), f"{row.caught / row.items:.2f}") if row else ("0", "0", "-")
        flagged = (str(p.flags), str(p.catching), f"{p.precision:.2f}") if p else ("0", "0", "-")
        table.add_row(name, *recall, *flagged)
    table.print()
    if unmatched:
        for f in r.unmatched:
            out.print(f"{f.book} | {f.case} | {f.check} | lines {f.lines} | {f.message}", highlight=False)
    out.print("flags per book: " + ", ".join(f"{k} {v}" for k, v in r.flags_per_book.items()), highlight=False)
