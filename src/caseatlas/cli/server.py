"""`caseatlas serve`: the web app and the API."""

from __future__ import annotations

import errno
from typing import Annotated

import typer

from ..services import library, library_url
from .common import DbOption, context, fail, out

app = typer.Typer()


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to listen on (0.0.0.0: every interface, e.g. behind a proxy).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 8000,
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
    check_port(host, port)
    out.print(
        f"CaseAtlas: http://{host}:{port}/  (library {library.describe_db(db)}; API docs /docs)",
        highlight=False,
        soft_wrap=True,
    )
    if workers > 1:
        from ..web.workers import serve_workers

        serve_workers(url, host, port, workers)
    else:
        from ..web import create_app

        uvicorn.run(create_app(url, worker=worker), host=host, port=port, log_level="warning")


def check_port(host: str, port: int) -> None:
    """Say so in one line when the port is taken, before the address is announced as served
    (uvicorn would print the URL's line and then fail with its own log message)."""
    import socket

    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except OSError as exc:
        fail(f"cannot listen on {host}: {exc.strerror or exc}")
    family, kind, proto, _, address = infos[0]
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
        try:
            probe.bind(address)
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                fail(f"port {port} on {host} is in use (another server? choose another with --port)")
            low = " (ports below 1024 need root)" if exc.errno == errno.EACCES and port < 1024 else ""
            fail(f"cannot listen on {host}:{port}: {exc.strerror or exc}{low}")
