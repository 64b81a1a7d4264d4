"""Background jobs: the record of each long operation the queue runs — its state, progress, result,
the file it read and the file it made. The queue's own tables are Procrastinate's; this is ours,
written by the task as it goes and read by any process (the page that polls it, the CLI)."""

from __future__ import annotations

import json

from sqlalchemy import Connection, func, select, update

from .schema import jobs

_COLS = (
    jobs.c.id,
    jobs.c.kind,
    jobs.c.status,
    jobs.c.progress,
    jobs.c.total,
    jobs.c.message,
    jobs.c.params,
    jobs.c.result,
    jobs.c.error,
    jobs.c.created_by,
    jobs.c.created_at,
    jobs.c.started_at,
    jobs.c.finished_at,
    jobs.c.queue_id,
    jobs.c.file_name,
    jobs.c.media_type,
)


def _row(r) -> dict:
    d = dict(r._mapping)
    d["params"] = json.loads(d["params"] or "{}")
    d["result"] = json.loads(d["result"]) if d["result"] is not None else None
    return d


def add_job(
    conn: Connection,
    kind: str,
    params: dict,
    created_by: int | None,
    at: str,
    input_name: str | None = None,
    input_data: bytes | None = None,
) -> int:
    return conn.execute(
        jobs.insert()
        .values(
            kind=kind,
            status="queued",
            progress=0,
            params=json.dumps(params, ensure_ascii=False),
            created_by=created_by,
            created_at=at,
            input_name=input_name,
            input_data=input_data,
        )
        .returning(jobs.c.id)
    ).scalar_one()


def set_queue_id(conn: Connection, job_id: int, queue_id: int) -> None:
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(queue_id=queue_id))


def get_job(conn: Connection, job_id: int) -> dict | None:
    r = conn.execute(select(*_COLS).where(jobs.c.id == job_id)).first()
    return _row(r) if r else None


def list_jobs(conn: Connection, created_by: int | None, limit: int = 50) -> list[dict]:
    who = jobs.c.created_by.is_(None) if created_by is None else jobs.c.created_by == created_by
    rows = conn.execute(select(*_COLS).where(who).order_by(jobs.c.id.desc()).limit(limit))
    return [_row(r) for r in rows]


def status(conn: Connection, job_id: int) -> str | None:
    return conn.execute(select(jobs.c.status).where(jobs.c.id == job_id)).scalar()


def start(conn: Connection, job_id: int, at: str) -> bool:
    """queued → running; False when it is no longer queued (cancelled meanwhile, or run already)."""
    done = conn.execute(
        update(jobs).where(jobs.c.id == job_id, jobs.c.status == "queued").values(status="running", started_at=at)
    )
    return done.rowcount == 1


def set_progress(conn: Connection, job_id: int, done: int, total: int | None, message: str | None) -> str | None:
    """Write the progress of a running job; returns its status (a cancelled job is not updated)."""
    conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status == "running")
        .values(progress=done, total=total, message=message)
    )
    return status(conn, job_id)


def finish(
    conn: Connection,
    job_id: int,
    state: str,
    at: str,
    result: dict | None = None,
    error: str | None = None,
    file: tuple[str, str, bytes] | None = None,
) -> bool:
    """running → done or failed, with what it did; False if it was cancelled meanwhile."""
    values: dict = {"status": state, "finished_at": at, "error": error}
    if result is not None:
        values["result"] = json.dumps(result, ensure_ascii=False)
    if file is not None:
        values["file_name"], values["media_type"], values["file_data"] = file
    if state == "done":  # a finished job shows as complete even if its last report was coarser
        values["progress"] = func.coalesce(jobs.c.total, jobs.c.progress)
    done = conn.execute(update(jobs).where(jobs.c.id == job_id, jobs.c.status == "running").values(**values))
    return done.rowcount == 1


def cancel(conn: Connection, job_id: int, at: str) -> bool:
    done = conn.execute(
        update(jobs)
        .where(jobs.c.id == job_id, jobs.c.status.in_(("queued", "running")))
        .values(status="cancelled", finished_at=at)
    )
    return done.rowcount == 1


def job_input(conn: Connection, job_id: int) -> tuple[str | None, bytes | None]:
    r = conn.execute(select(jobs.c.input_name, jobs.c.input_data).where(jobs.c.id == job_id)).first()
    return (r.input_name, r.input_data) if r else (None, None)


def drop_input(conn: Connection, job_id: int) -> None:
    """The uploaded file is the book's once it is ingested: not kept twice."""
    conn.execute(update(jobs).where(jobs.c.id == job_id).values(input_data=None))


def job_file(conn: Connection, job_id: int) -> tuple[str, str, bytes] | None:
    r = conn.execute(select(jobs.c.file_name, jobs.c.media_type, jobs.c.file_data).where(jobs.c.id == job_id)).first()
    return (r.file_name, r.media_type, r.file_data) if r and r.file_data is not None else None
