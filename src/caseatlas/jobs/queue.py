"""The job queue of a library: a Procrastinate `App` over the library's database.

PostgreSQL: Procrastinate's psycopg connector on the library's own database (its schema is put
there by migration 0021, under the migrations' advisory lock); jobs survive restarts and a
separate `caseatlas worker` process runs them (one web, one worker). A job is deferred on the
library's own connection, in the transaction that stores its queue id.

SQLite (the default, one machine): Procrastinate's in-memory connector, worked by the process
that queued the job — a background task of `caseatlas serve` (`work`), or `run_pending` for a
test or a script. Queued jobs do not survive a restart (their records stay, `queued`); the
periodic work loses nothing, since what is due is derived from the data each time."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from procrastinate import App, PsycopgConnector
from procrastinate.testing import InMemoryConnector
from sqlalchemy import Connection, Engine

from . import tasks

NAMESPACE = "caseatlas"
RUN_JOB = f"{NAMESPACE}:run_job"
# A web process with an in-process worker waits this long at most between polls; a deferred job
# also wakes it at once (the connector's notification).
POLL_SECONDS = 1.0


class Queue:
    """The `services.jobs.JobQueue` port over Procrastinate, and the worker of one library."""

    def __init__(self, engine: Engine):
        self.engine = engine  # the worker's connection to the library (a later engine on it may replace it)
        self.persistent = engine.dialect.name == "postgresql"
        if self.persistent:
            conninfo = engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
            connector = PsycopgConnector(conninfo=conninfo, min_size=1, max_size=4)
        else:
            connector = InMemoryConnector()
        self.app = App(connector=connector)
        self.app.add_tasks_from(tasks.blueprint(), namespace=NAMESPACE)

    @property
    def in_process(self) -> bool:
        """Whether the process that queues a job must also run it (the in-memory queue)."""
        return not self.persistent

    def _driver(self, conn: Connection | None):
        # PostgreSQL: the library connection's psycopg connection, so the queue's insert is part
        # of the caller's transaction. The in-memory connector takes no connection.
        return conn.connection.driver_connection if self.persistent and conn is not None else None

    def defer(self, job_id: int, conn: Connection | None = None) -> int:
        return self.app.configure_task(RUN_JOB, connection=self._driver(conn)).defer(job_id=job_id)

    def cancel(self, queue_id: int, conn: Connection | None = None) -> None:
        self.app.job_manager.cancel_job_by_id(queue_id, connection=self._driver(conn))

    def _options(self, wait: bool, queues: list[str] | None) -> dict:
        return {
            "wait": wait,
            "queues": queues,
            "install_signal_handlers": False,
            "additional_context": {"engine": self.engine},
            "fetch_job_polling_interval": POLL_SECONDS,
            # A draining run stops when the queue is empty: nothing to be woken for. (The in-memory
            # connector would otherwise keep calling the closed loop of a finished run.)
            "listen_notify": wait,
            "delete_jobs": "successful",  # our `jobs` table keeps the record; the queue need not
        }

    async def work(self, install_signal_handlers: bool = False, periodic: bool = True) -> None:
        """Run the worker until cancelled (or, with signal handlers, until SIGINT/SIGTERM): the
        people's jobs, and the periodic reminders unless `periodic` is False (the other processes of
        `serve --workers N` on SQLite, whose in-memory queues share no lock: one sends them; a test
        that drives time itself with `run_pending`)."""
        options = self._options(True, None if periodic else [tasks.JOBS_QUEUE])
        options["install_signal_handlers"] = install_signal_handlers
        try:
            async with self.app.open_async():
                await self.app.run_worker_async(**options)
        finally:
            if isinstance(self.app.connector, InMemoryConnector):
                self.app.connector.on_notification = None  # its loop ends with this worker

    async def drain(self) -> None:
        """Run the people's jobs queued now and return when none is left."""
        async with self.app.open_async():
            await self.app.run_worker_async(**self._options(False, [tasks.JOBS_QUEUE]))


_QUEUES: dict[str, Queue] = {}


def for_engine(engine: Engine) -> Queue:
    """The one queue of a library in this process, whichever engine opened it: the in-memory queue
    must be the same for whoever defers a job and the worker that runs it."""
    key = engine.url.render_as_string(hide_password=False)
    queue = _QUEUES.get(key)
    if queue is None:
        queue = _QUEUES[key] = Queue(engine)
    elif queue.engine is not engine:
        queue.engine = engine  # the newest engine (an older one may have been disposed)
    return queue


def run_pending(engine: Engine, now: datetime | None = None) -> None:
    """Everything due now, once, synchronously: the periodic work at `now` (a test clock; by
    default the wall clock), then every queued job. Returns when the queue is empty."""
    at = now or datetime.now(UTC)
    for work in tasks.PERIODIC:
        work(engine, at)
    asyncio.run(for_engine(engine).drain())


def run_worker(engine: Engine) -> None:
    """`caseatlas worker`: the queue's worker in the foreground until SIGINT/SIGTERM."""
    asyncio.run(for_engine(engine).work(install_signal_handlers=True))
