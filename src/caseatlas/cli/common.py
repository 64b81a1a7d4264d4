"""What every command shares: the library option, the actor, one-line errors, consoles."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from ..errors import CaseAtlasError
from ..services import Context, open_library, system_actor
from ..services.context import ENV_VAR

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
