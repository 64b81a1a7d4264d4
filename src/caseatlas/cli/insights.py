"""`caseatlas totals`: the library's totals (as on the home page), each with the cases that make
it, whether one case dominates it, and how much rests on figures with a standing flag."""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer

from ..services import insights
from ..text.numbers import format_number, format_quantity
from .common import DbOption, Listing, context, key, num, out, run, text

app = typer.Typer()

DIGITS = 4  # totals to four significant digits, as the home page shows them


def _n(n: int, word: str) -> str:
    return f"{n} {word}" + ("" if n == 1 else "s")


def _pct(share: float, lang: str) -> str:
    pct = share * 100
    return "<1%" if 0 < pct < 0.5 else format_number(round(pct), lang) + "%"


@app.command("totals")
def totals_cmd(
    unflagged: Annotated[
        bool, typer.Option("--unflagged", help="Leave out figures a standing claim-check flag cites")
    ] = False,
    top: Annotated[
        int, typer.Option("--top", min=1, max=20, help="Contributing cases named per total")
    ] = insights.TOP_CONTRIBUTORS,
    english: Annotated[bool, typer.Option("--english", help="Numbers and units in English (17,800,000 tCO2e)")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="The API's /api/v1/totals object")] = False,
    db: DbOption = None,
) -> None:
    """The library's totals, each with the cases that make it.

    Achieved project figures of the kinds that add up, per kind, unit and period: each total
    with its largest contributing cases and their shares, "dominant" when one case makes more
    than 30 %, and the part (value, share) that rests on figures with a standing flag."""
    s = run(lambda: insights.summary(context(db), unflagged=unflagged, top=top))
    if as_json:
        sys.stdout.write(json.dumps(s.model_dump(), ensure_ascii=False, indent=1) + "\n")
        return
    lang = "en" if english else "zh"
    out.print(
        f"{s.collections} books, {s.cases} cases, {s.outcomes} outcomes"
        + (f"; {s.flagged_left_out} flagged figures left out" if unflagged else ""),
        highlight=False,
    )
    for t in s.by_kind:
        head = (
            f"[bold]{t.kind} · {t.period}[/bold]  {format_quantity(t.total, t.unit, lang, DIGITS)}"
            f"  {_n(t.n_cases, 'case')}, {_n(t.n_outcomes, 'figure')}"
        )
        if t.dominant:
            head += f"  [yellow]one case makes {_pct(t.contributors[0].share, lang)}[/yellow]"
        if t.flagged_outcomes:
            part = (
                f"{format_quantity(t.flagged_value, t.unit, lang, DIGITS)} ({_pct(t.flagged_share, lang)}, "
                f"{_n(t.flagged_outcomes, 'figure')} in {_n(t.flagged_cases, 'case')})"
            )
            head += (
                f"  [red]left out {part}; all figures {format_quantity(t.total_all, t.unit, lang, DIGITS)}[/red]"
                if unflagged
                else f"  [red]flagged {part}[/red]"
            )
        out.print(head, highlight=False)
        table = Listing(
            num("share"), num("value"), key("case"), text("title"), text("book"), num("line"), compact=True, indent=2
        )
        for c in t.contributors:
            table.add_row(
                _pct(c.share, lang),
                format_quantity(c.value, t.unit, lang, DIGITS),
                c.case_id,
                c.title,
                c.collection,
                c.line,
            )
        table.print()
    if s.not_summed:
        out.print("not summed: " + ", ".join(f"{k} {n}" for k, n in s.not_summed.items()), highlight=False)
