"""The queue's tasks, each a thin call into a service. `run_job` runs one job record
(services/jobs.py: its state, progress, result and file) with the runner of its kind; the
periodic `send_reminders` asks the programme's reminders what is due every ten minutes."""

from __future__ import annotations

from dataclasses import asdict
from datetime import UTC, datetime

from procrastinate import Blueprint, JobContext
from sqlalchemy import Engine

from ..errors import CaseAtlasError
from ..services import Context, discovery, library, publishing
from ..services import jobs as job_records
from ..services.jobs import Outcome, Progress

# Jobs people queue and the periodic work are on separate queues, so draining the first
# (`queue.run_pending`) never runs a periodic job at the wall clock's time.
JOBS_QUEUE = "jobs"
PERIODIC_QUEUE = "periodic"
REMINDERS_CRON = "*/10 * * * *"  # every ten minutes; what is due is derived from the data each time


def build_book(ctx: Context, params: dict, given: tuple, progress: Progress) -> Outcome:
    content, media, name = publishing.publish_bytes(
        ctx, params["key"], params.get("format", "pdf"), english=bool(params.get("english")), progress=progress
    )
    result = {"key": params["key"], "format": params.get("format", "pdf"), "file_name": name, "bytes": len(content)}
    return Outcome(result, (name, media, content))


def embed(ctx: Context, params: dict, given: tuple, progress: Progress) -> Outcome:
    return Outcome({"embedded": discovery.embed(ctx, batch=int(params.get("batch") or 32), progress=progress)})


def ingest(ctx: Context, params: dict, given: tuple, progress: Progress) -> Outcome:
    name, content = given
    result = library.ingest_upload(ctx, name or "", content or b"", progress=progress)
    if result.status == "error":
        raise CaseAtlasError(result.error or "ingest failed")
    return Outcome(asdict(result))


RUNNERS = {"book": build_book, "embed": embed, "ingest": ingest}


def _engine(context: JobContext) -> Engine:
    return context.additional_context["engine"]


def run_job(context: JobContext, job_id: int) -> str:
    return job_records.run(_engine(context), job_id, RUNNERS)


def remind(engine: Engine, now: datetime) -> list:
    """The reminders due at `now` (drafts not submitted before a deadline, overdue reviews), sent.
    Imported here, not at the top: the queue does not depend on the programme to start."""
    from ..programme.services import reminders

    return reminders.run_due(engine, now)


# What is due is derived from the data at each run (nothing is remembered between runs), so a
# run missed while no worker was up is made good by the next one.
PERIODIC = (remind,)


def send_reminders(context: JobContext, timestamp: int) -> int:
    return len(remind(_engine(context), datetime.fromtimestamp(timestamp, UTC)))


def blueprint() -> Blueprint:
    """The tasks, registered afresh for each queue: a Procrastinate task belongs to one `App`
    (one per library in a process), and adding a blueprint renames its tasks in place."""
    bp = Blueprint()
    bp.task(name="run_job", queue=JOBS_QUEUE, pass_context=True)(run_job)
    reminders = bp.task(name="send_reminders", queue=PERIODIC_QUEUE, pass_context=True, queueing_lock="reminders")
    bp.periodic(cron=REMINDERS_CRON, periodic_id="reminders")(reminders(send_reminders))
    return bp
