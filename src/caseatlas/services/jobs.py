"""Background jobs: a long operation (a book, embedding, a large upload) queued for the job queue
with one permission check, its record read back by its owner (or an admin) from any process, and
cancelled. The queue itself (Procrastinate, `jobs/queue.py`) is a port handed in by the shell
(`JobQueue`): the services know a job's record, not how it is scheduled. A running task writes
its progress through `tracker`, the `progress(done, total, message)` callback the long services
accept — the same callback the CLI feeds a progress bar from."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Connection, Engine

from ..errors import CaseAtlasError, LoginRequired, NotFound
from ..store import accounts as accounts_store
from ..store import jobs as store
from ..vocab import EDITION_FORMATS, JOB_ACTIONS, JOB_FINISHED, JOB_KINDS, JobKind, JobStatus
from .context import Actor, Context, require, system_actor
from .records import Result
from .rules import now_iso

# progress(done, total, message): `done` of `total` steps (total None: not known yet).
Progress = Callable[[int, int | None, str], None]

MESSAGE_CHARS = 200


def no_progress(done: int, total: int | None, message: str = "") -> None:
    """The callback of a caller that shows nothing."""


class Cancelled(CaseAtlasError):
    """Raised by a job's progress callback once its owner cancelled it: the task stops there."""


class JobQueue(Protocol):
    """What the services need of a queue: hand it a job record to run, take one back."""

    def defer(self, job_id: int, conn: Connection | None = None) -> int:
        """Queue the record's task (in `conn`'s transaction where the queue shares the library's
        database); returns the queue's own job id."""
        ...

    def cancel(self, queue_id: int, conn: Connection | None = None) -> None:
        """Take a job that has not started off the queue (a running one stops at its next report)."""
        ...


class Job(Result):
    """A job's record as its owner sees it."""

    id: int
    kind: JobKind
    status: JobStatus
    progress: int
    total: int | None
    percent: int | None
    message: str | None
    params: dict
    result: dict | None
    error: str | None
    created_at: str
    started_at: str | None
    finished_at: str | None
    file_name: str | None
    finished: bool


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a task did: a JSON result and, for a book, the file to download."""

    result: dict
    file: tuple[str, str, bytes] | None = None  # (name, media type, content)


Runner = Callable[[Context, dict, tuple[str | None, bytes | None], Progress], Outcome]


def _job(row: dict) -> Job:
    total = row["total"]
    percent = None
    if row["status"] == "done":
        percent = 100
    elif total:
        percent = max(0, min(100, round(100 * row["progress"] / total)))
    return Job(
        **{k: row[k] for k in Job.model_fields if k in row},
        percent=percent,
        finished=row["status"] in JOB_FINISHED,
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:MESSAGE_CHARS]


def _signed_in(ctx: Context) -> None:
    if ctx.actor.kind == "anonymous":
        raise LoginRequired("log in to see your jobs")


def _sees_all(actor: Actor) -> bool:
    return actor.kind == "system" or actor.role == "admin"


def _check_params(kind: str, params: dict, data: bytes | None) -> None:
    if kind == "book":
        if not str(params.get("key") or "").strip():
            raise CaseAtlasError("a book job needs the collection or programme to publish")
        if params.get("format", "pdf") not in EDITION_FORMATS:
            raise CaseAtlasError(f"format '{params.get('format')}': use {' or '.join(EDITION_FORMATS)}")
    elif kind == "ingest" and not data:
        raise CaseAtlasError("an ingest job needs the uploaded file")


def enqueue(
    ctx: Context,
    kind: str,
    params: dict,
    queue: JobQueue,
    input_name: str | None = None,
    input_data: bytes | None = None,
) -> Job:
    """Record a job and queue it. The one permission check is the action the operation itself
    needs (vocab.JOB_ACTIONS), asked now, so a refused job is never queued; the task runs as the
    same actor and its service asks again (a role changed meanwhile is honoured)."""
    if kind not in JOB_KINDS:
        raise CaseAtlasError(f"job kind '{kind}': use {', '.join(JOB_KINDS)}")
    require(ctx, JOB_ACTIONS[kind])
    _check_params(kind, params, input_data)
    with ctx.engine.begin() as conn:
        job_id = store.add_job(conn, kind, params, ctx.actor.user_id, now_iso(), input_name, input_data)
    # Deferred once the record is committed (a worker, in this process or another, reads it at
    # once), in the transaction that stores the queue's id for it.
    with ctx.engine.begin() as conn:
        store.set_queue_id(conn, job_id, queue.defer(job_id, conn))
        return _job(store.get_job(conn, job_id))


def _owned(ctx: Context, conn, job_id: int) -> dict:
    """The job, if the actor may see it: its owner, an admin, the CLI. Anyone else is told there is
    no such job (not that it is someone else's)."""
    _signed_in(ctx)
    row = store.get_job(conn, job_id)
    if row is None or not (_sees_all(ctx.actor) or row["created_by"] == ctx.actor.user_id):
        raise NotFound(f"no job {job_id}")
    return row


def get(ctx: Context, job_id: int) -> Job:
    with ctx.engine.connect() as conn:
        return _job(_owned(ctx, conn, job_id))


def mine(ctx: Context, limit: int = 50) -> list[Job]:
    """The actor's own jobs, newest first (the CLI's: those it queued)."""
    _signed_in(ctx)
    with ctx.engine.connect() as conn:
        return [_job(r) for r in store.list_jobs(conn, ctx.actor.user_id, limit)]


def cancel(ctx: Context, job_id: int, queue: JobQueue) -> Job:
    """Stop a job: one not started is taken off the queue, a running one stops at its next
    progress report. A finished job stays as it ended."""
    with ctx.engine.begin() as conn:
        row = _owned(ctx, conn, job_id)
        if row["status"] in JOB_FINISHED:
            return _job(row)
        store.cancel(conn, job_id, now_iso())
        if row["queue_id"] is not None and row["status"] == "queued":
            queue.cancel(row["queue_id"], conn)
    return get(ctx, job_id)


def file(ctx: Context, job_id: int) -> tuple[bytes, str, str]:
    """The file a finished job made: (content, media type, file name)."""
    with ctx.engine.connect() as conn:
        _owned(ctx, conn, job_id)
        made = store.job_file(conn, job_id)
    if made is None:
        raise NotFound(f"job {job_id} has no file (yet)")
    name, media, content = made
    return content, media, name


def tracker(engine: Engine, job_id: int) -> Progress:
    """The progress callback of a running job: each report is written at once (its own short
    transaction, so a page polling from another process sees it); a job cancelled meanwhile
    raises `Cancelled` here, which ends the task."""

    def progress(done: int, total: int | None, message: str = "") -> None:
        with engine.begin() as conn:
            state = store.set_progress(conn, job_id, int(done), total, (message or "")[:MESSAGE_CHARS])
        if state == "cancelled":
            raise Cancelled(f"job {job_id} was cancelled")

    return progress


def _actor_of(conn, user_id: int | None) -> Actor:
    """Whom a job runs as: the user who queued it, as they are now (a disabled account runs nothing)."""
    if user_id is None:
        return system_actor()
    user = accounts_store.get_user(conn, user_id=user_id)
    if user is None or not user.active:
        raise CaseAtlasError("the account that queued this job is disabled or gone")
    return Actor("user", username=user.username, role=user.role, user_id=user.id)


def run(engine: Engine, job_id: int, runners: dict[str, Runner]) -> str:
    """Run one queued job (called by the queue's task): queued → running → done or failed, as the
    actor who queued it. A user's error (a one-line `CaseAtlasError`) fails the job with that line;
    anything else fails it too, its first line recorded, and is raised again for the worker's log —
    the worker goes on with the next job either way. Returns the final status."""
    with engine.begin() as conn:
        if not store.start(conn, job_id, now_iso()):
            return store.status(conn, job_id) or "gone"
        row = store.get_job(conn, job_id)
        given = store.job_input(conn, job_id)
        try:
            actor = _actor_of(conn, row["created_by"])
        except CaseAtlasError as exc:
            store.finish(conn, job_id, "failed", now_iso(), error=_one_line(exc))
            return "failed"
    try:
        outcome = runners[row["kind"]](Context(engine, actor), row["params"], given, tracker(engine, job_id))
    except Cancelled:
        return "cancelled"
    except Exception as exc:
        with engine.begin() as conn:
            store.finish(conn, job_id, "failed", now_iso(), error=_one_line(exc))
        if isinstance(exc, CaseAtlasError):
            return "failed"
        raise
    with engine.begin() as conn:
        ended = store.finish(conn, job_id, "done", now_iso(), result=outcome.result, file=outcome.file)
        if row["kind"] == "ingest":
            store.drop_input(conn, job_id)
    if ended:
        return "done"
    with engine.connect() as conn:  # cancelled after its last report: it stays cancelled
        return store.status(conn, job_id) or "gone"
