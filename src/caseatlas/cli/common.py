"""What every command shares: the library option, the actor, one-line errors, consoles, and
the table every listing prints (`Listing`)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated

import typer
from rich import box
from rich.cells import cell_len
from rich.console import Console
from rich.padding import Padding
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from ..errors import CaseAtlasError
from ..services import Context, open_library, system_actor
from ..services.context import ENV_VAR
from ..services.jobs import Progress as ProgressFn


class _Console(Console):
    """rich wraps what it prints at the terminal's width, and at 80 columns when there is no
    terminal: piped or redirected, a line is written whole (grep finds it, nothing breaks an
    id or a figure at column 80)."""

    @property
    def soft_wrap(self) -> bool:
        return not self.is_terminal

    @soft_wrap.setter
    def soft_wrap(self, value: bool) -> None:  # Console.__init__ sets it: the property decides
        pass


out = _Console()
err = _Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_VAR,
        help="The library: a SQLite file or a SQLAlchemy URL (postgresql+psycopg://…). "
        "Default: library.db in the user data dir (~/.local/share/caseatlas on Linux).",
    ),
]


def context(db: str | None) -> Context:
    """The CLI acts as the system actor: whoever can run it on this machine holds the library."""
    try:
        return Context(open_library(db), system_actor())
    except CaseAtlasError as exc:
        fail(str(exc))
        raise  # unreachable


def fail(message: str, code: int = 1) -> None:
    err.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def run(fn):
    """Turn a user-facing error into a one-line message and exit status 1."""
    try:
        return fn()
    except CaseAtlasError as exc:
        fail(str(exc))


@contextmanager
def progress_bar(label: str) -> Iterator[ProgressFn]:
    """A rich progress bar on stderr fed by the `progress(done, total, message)` callback the long
    services accept — the callback a background job writes its record from. Shown on a terminal
    only, and gone when done: what the command prints (its --json included) is unchanged."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("[dim]{task.fields[message]}"),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as bar:
        task = bar.add_task(label, total=None, message="")

        def progress(done: int, total: int | None, message: str = "") -> None:
            bar.update(task, completed=done, total=total, message=message)

        yield progress


# --- listings: one table builder for every command that lists things -------------------------
#
# rich fits a table to the terminal by shrinking columns, and when wrapping is not enough it
# shrinks every column evenly — ids included ("000_3717a3b3…"), which then cannot be copied.
# A column's min_width does not help: the table comes out wider than the console and the line
# is cropped at the edge. So the widths are computed here: key and value columns get their
# full width, text columns share what is left and are cut with "…".

KEY, TEXT, VALUE = "key", "text", "value"
MIN_TEXT = 10  # below this many cells per text column, a table no longer reads: rows are stacked
LISTING_HELP = (
    "Output: on a terminal, a table fitted to its width — ids, slugs and keys always whole, long "
    "titles and names cut with …; too narrow for a table, one block per row. Piped or redirected, "
    "tab-separated lines with nothing cut (a header row first; a '# ' line names a table). "
    "TTY_COMPATIBLE=1 COLUMNS=200 forces the table (e.g. into `less -RS`)."
)


@dataclass(frozen=True, slots=True)
class Col:
    """A listing's column. key: what a person copies into the next command (ids, slugs, keys,
    file names), never cut; text: titles, names, messages, cut with … to fit; value: short
    figures, years, states, never cut."""

    name: str
    kind: str = VALUE
    justify: str = "left"
    optional: bool = False  # on a terminal, left out before the rows are stacked (piped: always there)
    least: int = MIN_TEXT  # a text column narrower than this (when its text is longer) does not read


def key(name: str, optional: bool = False) -> Col:
    return Col(name, KEY, optional=optional)


def text(name: str, least: int = MIN_TEXT) -> Col:
    return Col(name, TEXT, least=least)


def num(name: str) -> Col:
    return Col(name, VALUE, "right")


def _cell_width(value: str) -> int:
    return max((cell_len(line) for line in value.split("\n")), default=0)


def clip(value: str, width: int) -> str:
    """`value` cut to `width` terminal cells with "…" at the end (a double-width character that
    would straddle the edge goes whole, rather than leaving rich's blank before the ellipsis)."""
    if cell_len(value) <= width:
        return value
    kept, used = [], 0
    for ch in value:
        w = cell_len(ch)
        if used + w > width - 1:
            break
        kept.append(ch)
        used += w
    return "".join(kept) + "…"


def _fold(name: str, width: int) -> str:
    """A header on as many lines as it needs to fit `width` (words kept whole where they fit)."""
    lines: list[str] = []
    for word in name.split() or [""]:
        if lines and cell_len(lines[-1]) + 1 + cell_len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(clip(word, width))
    return "\n".join(lines)


def _share(space: int, wants: list[int]) -> list[int]:
    """Fair shares of `space` among columns wanting `wants` cells: the narrow ones get all they
    want, the others split the rest evenly (max-min fairness)."""
    given = [0] * len(wants)
    left = sorted(range(len(wants)), key=lambda i: wants[i])
    while left:
        each = space // len(left)
        i = left[0]
        if wants[i] <= each:
            given[i] = wants[i]
            space -= wants[i]
            left.pop(0)
            continue
        for n, j in enumerate(left):  # nobody is satisfied: split evenly, the remainder to the first
            given[j] = each + (1 if n < space - each * len(left) else 0)
        break
    return given


class Listing:
    """A table of rows that fits any terminal without ever cutting an id (see LISTING_HELP)."""

    def __init__(
        self,
        *columns: Col | str,
        title: str | None = None,
        empty: str | None = None,
        compact: bool = False,
        indent: int = 0,
    ) -> None:
        self.columns = [c if isinstance(c, Col) else Col(c) for c in columns]
        self.title = title
        self.empty = empty  # said on a terminal instead of an empty table: what to do next
        # compact: no box and no header on a terminal (small tables under a line that says what they are)
        self.compact = compact
        self.indent = indent
        self.rows: list[list[str]] = []

    def add_row(self, *cells: object) -> None:
        if len(cells) != len(self.columns):
            raise ValueError(f"{len(cells)} cells for {len(self.columns)} columns")
        self.rows.append(["" if c is None else str(c) for c in cells])

    def print(self, console: Console | None = None) -> None:
        console = console or out
        if not console.is_terminal:
            return self._print_tsv(console)
        if not self.rows and self.empty:
            return console.print(self.empty, highlight=False, soft_wrap=True, markup=False)
        # On a terminal a column with nothing in it says nothing: it gives its room to the others.
        shown = [i for i in range(len(self.columns)) if not self.rows or any(r[i] for r in self.rows)]
        required = [i for i in shown if not self.columns[i].optional]
        width = console.width - self.indent
        for columns in (shown, required) if required != shown else (shown,):
            for boxed in (False,) if self.compact else (True, False):
                widths = self.widths(width, boxed, columns)
                if widths is not None:
                    table = self._table(columns, widths, boxed)
                    return console.print(Padding(table, (0, 0, 0, self.indent)) if self.indent else table, crop=False)
        self._print_stacked(console, width)

    def _natural(self, i: int) -> int:
        """Column i's width with nothing cut. The header of a value column may take two lines
        ("group / cases" over numbers), so it counts by its longest word."""
        c = self.columns[i]
        head = cell_len(c.name) if c.kind != VALUE else max(cell_len(w) for w in c.name.split() or [""])
        return max([head] + [_cell_width(r[i]) for r in self.rows])

    def widths(self, width: int, boxed: bool, shown: list[int] | None = None) -> list[int] | None:
        """The widths of the `shown` columns (default: all) in a table `width` cells wide, or
        None when the text columns would get fewer than MIN_TEXT cells each or the others do
        not fit at all."""
        shown = list(range(len(self.columns))) if shown is None else shown
        n = len(shown)
        # rich's borders and padding: boxed │ x │ y │ (3 per column + 1); bare x  y (2 between).
        overhead = 3 * n + 1 if boxed else 2 * (n - 1)
        natural = [self._natural(i) for i in shown]
        flexible = [k for k, i in enumerate(shown) if self.columns[i].kind == TEXT]
        fixed = sum(w for k, w in enumerate(natural) if k not in flexible)
        space = width - overhead - fixed
        if space < sum(min(natural[k], self.columns[shown[k]].least) for k in flexible):
            return None
        widths = list(natural)
        shares = _share(space, [natural[k] for k in flexible])
        if any(w < min(natural[k], self.columns[shown[k]].least) for k, w in zip(flexible, shares, strict=True)):
            return None
        for k, w in zip(flexible, shares, strict=True):
            widths[k] = w
        return widths

    def _table(self, shown: list[int], widths: list[int], boxed: bool) -> Table:
        table = Table(
            title=self.title,
            box=box.HEAVY_HEAD if boxed else None,
            pad_edge=boxed,
            show_edge=boxed,
            show_header=not self.compact,
            header_style="bold",
        )
        for i, w in zip(shown, widths, strict=True):
            c = self.columns[i]
            table.add_column(Text(_fold(c.name, w)), width=w, no_wrap=True, overflow="ellipsis", justify=c.justify)
        for row in self.rows:
            cells = (row[i] for i in shown)
            # Text, not str: a cell is never read as rich markup ("[1]" in a title stays).
            table.add_row(
                *(
                    Text(
                        "\n".join(clip(line, w) for line in cell.split("\n")) if self.columns[i].kind == TEXT else cell
                    )
                    for i, w, cell in zip(shown, widths, cells, strict=True)
                )
            )
        return table

    def _print_stacked(self, console: Console, width: int) -> None:
        """Too narrow for a table: each row's keys on a line of their own, whole (longer than
        the terminal, the terminal wraps them; nothing here cuts them), then its other cells
        one a line, text cut to fit."""
        if self.title:
            console.print(Text(self.title, style="italic"), crop=False)
        heads = [i for i, c in enumerate(self.columns) if c.kind == KEY] or [0]
        label = max(cell_len(c.name) for c in self.columns)
        for row in self.rows:
            console.print(Text("  ".join(row[i] for i in heads if row[i]), style="bold"), crop=False, soft_wrap=True)
            for i, c in enumerate(self.columns):
                if i in heads or not row[i]:
                    continue
                value = " ".join(row[i].split("\n"))
                if c.kind == TEXT:
                    value = clip(value, max(width - label - 4, 4))
                console.print(
                    Text.assemble((f"  {c.name}{' ' * (label - cell_len(c.name))}  ", "dim"), value),
                    crop=False,
                    soft_wrap=True,
                )

    def _print_tsv(self, console: Console) -> None:
        """Piped: tab-separated, nothing cut — for a file, grep, cut -f, a spreadsheet."""
        lines = [f"# {self.title}"] if self.title else []
        for row in [[c.name for c in self.columns], *self.rows]:
            lines.append("\t".join(" ".join(c.replace("\t", " ").split("\n")) for c in row))
        console.file.write("\n".join(lines) + "\n")
