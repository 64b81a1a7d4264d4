"""`caseatlas serve`: the web app and the API."""

from __future__ import annotations

from typing import Annotated

import typer

from ..services import library, library_url
from .common import DbOption, context, out

app = typer.Typer()


@app.command()
def serve(
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="Processes (each keeps the search index in memory).")] = 1,
    db: DbOption = None,
    worker: Annotated[
        bool | None,
        typer.Option(
            "--worker/--no-worker",
            help="Run the job queue's worker in the web process (default: for a SQLite library only; "
            "a PostgreSQL library's jobs are run by `caseatlas worker`).",
        ),
    ] = None,
) -> None:
    """Serve the web app and the API (/api/v1, docs at /docs) on the library."""
    import uvicorn

    url = library_url(db)
    context(db)  # create or migrate before the workers start
    out.print(f"CaseAtlas: http://{host}:{port}/  (library {library.describe_db(db)}; API docs /docs)", highlight=False)
    if workers > 1:
        from ..web.workers import serve_workers

        serve_workers(url, host, port, workers)
    else:
        from ..web import create_app

        uvicorn.run(create_app(url, worker=worker), host=host, port=port, log_level="warning")
