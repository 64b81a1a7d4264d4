"""What every command shares: the library option, the actor, one-line errors, consoles."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ..errors import CaseAtlasError
from ..services import Context, open_library, system_actor
from ..services.context import ENV_VAR
from ..services.jobs import Progress as ProgressFn

out = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--db",
        envvar=ENV_VAR,
        help="Library: a SQLite file path or a SQLAlchemy URL (postgresql+psycopg://…). Default: user data dir.",
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
