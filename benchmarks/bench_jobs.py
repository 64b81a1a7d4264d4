"""The job queue's own cost per job, on SQLite (in-memory queue) and PostgreSQL (Procrastinate on
the library's database): what queuing a job and running it cost beyond the work itself.

    python benchmarks/bench_jobs.py [--jobs 200] [--backend sqlite|postgresql|both]

Each job is a real job record (services/jobs.enqueue: the permission check, the record, the
queue's defer, the queue id stored) run by the real task (`run_job`: the record started, the
runner called with its progress callback, the record finished), with a runner that does no work
but report progress three times — so what is measured is the queue and the job record, not a
book. Reported: enqueue (ms per job, one at a time, as the web does), drain (ms per job, the
worker running every queued job: `jobs.queue.run_pending`), and each progress report (ms).
PostgreSQL is a throwaway server (tests/pg.py), fsync off like the tests'.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from caseatlas.jobs import queue, tasks  # noqa: E402
from caseatlas.services import Context, jobs, system_actor  # noqa: E402
from caseatlas.services.jobs import Outcome  # noqa: E402
from caseatlas.store import open_engine  # noqa: E402

REPORTS = 3


def no_work(ctx, params, given, progress):
    for step in range(1, REPORTS + 1):
        progress(step, REPORTS, f"step {step}")
    return Outcome({"done": True})


def measure(url: str, n: int) -> dict:
    engine = open_engine(url)
    ctx = Context(engine, system_actor())
    q = queue.for_engine(engine)
    tasks.RUNNERS["embed"] = no_work
    # the periodic work of run_pending is the programme's reminders: nothing to send here
    sys.modules.setdefault(
        "caseatlas.programme.services.reminders", types.SimpleNamespace(run_due=lambda engine, now: [])
    )
    jobs.enqueue(ctx, "embed", {}, q)  # warm up: connections, the App opened once
    queue.run_pending(engine)
    enqueue_ms = []
    for _ in range(n):
        t = time.perf_counter()
        jobs.enqueue(ctx, "embed", {}, q)
        enqueue_ms.append(1000 * (time.perf_counter() - t))
    t = time.perf_counter()
    queue.run_pending(engine)
    drain_s = time.perf_counter() - t
    states = {j.status for j in jobs.mine(ctx, limit=n + 1)}
    assert states == {"done"}, states
    tracker = jobs.tracker(engine, jobs.mine(ctx, limit=1)[0].id)
    report_ms = []
    for i in range(50):  # a finished job's record is not changed by a report: the same statements
        t = time.perf_counter()
        tracker(i, 50, "x")
        report_ms.append(1000 * (time.perf_counter() - t))
    engine.dispose()
    return {
        "enqueue_ms": statistics.median(enqueue_ms),
        "enqueue_p95_ms": sorted(enqueue_ms)[int(0.95 * (n - 1))],
        "drain_ms_per_job": 1000 * drain_s / n,
        "jobs_per_s": n / drain_s,
        "report_ms": statistics.median(report_ms),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--jobs", type=int, default=200)
    ap.add_argument("--backend", choices=["sqlite", "postgresql", "both"], default="both")
    args = ap.parse_args()
    rows = []
    if args.backend in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            rows.append(("SQLite (in-memory queue)", measure(str(Path(tmp) / "library.db"), args.jobs)))
    if args.backend in ("postgresql", "both"):
        from pg import Server, create_database, drop_database

        server = Server()
        try:
            admin = server.start()
            url = create_database(admin)
            try:
                rows.append(("PostgreSQL (Procrastinate tables)", measure(url, args.jobs)))
            finally:
                drop_database(admin, url)
        finally:
            server.stop()
    print(f"{args.jobs} jobs, each reporting progress {REPORTS} times (no work)")
    print("| backend | enqueue, median (p95) | run, per job | jobs/s | a progress report |")
    print("| --- | --- | --- | --- | --- |")
    for name, r in rows:
        print(
            f"| {name} | {r['enqueue_ms']:.1f} ms ({r['enqueue_p95_ms']:.1f}) | {r['drain_ms_per_job']:.1f} ms "
            f"| {r['jobs_per_s']:.0f} | {r['report_ms']:.2f} ms |"
        )


if __name__ == "__main__":
    main()
