"""`caseatlas worker`: the job queue's worker for a PostgreSQL library (production: one web
process, `caseatlas serve`, and one worker). A SQLite library's queue is in memory: its jobs run
inside `caseatlas serve`, and the CLI runs the same operations inline with a progress bar."""

from __future__ import annotations

import typer

from ..jobs import queue as job_queue
from ..services import library
from .common import DbOption, context, fail, out

app = typer.Typer()


@app.command()
def worker(db: DbOption = None) -> None:
    """Run the background jobs of a PostgreSQL library, until Ctrl+C or SIGTERM.

    Books, embedding, large uploads, and the periodic reminders (every 10 minutes)."""
    ctx = context(db)
    queue = job_queue.for_engine(ctx.engine)
    if queue.in_process:
        fail(
            "a SQLite library's job queue is in memory: its jobs run inside `caseatlas serve`; "
            "`caseatlas worker` is for a PostgreSQL library (--db postgresql://…)"
        )
    out.print(f"CaseAtlas worker on {library.describe_db(db)} (Ctrl+C to stop)", highlight=False)
    job_queue.run_worker(ctx.engine)
