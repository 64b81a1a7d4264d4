"""Background jobs on the queue (Procrastinate), on SQLite (in-memory queue) and PostgreSQL (the
library's own database): a job is queued with one permission check, the worker runs it as its
owner, its progress advances in the record, the book it made is downloadable, a failing task
records one line and the worker goes on, nobody else sees the job, the periodic reminders fire."""

from __future__ import annotations

import asyncio
import sys
import time
import types
from datetime import UTC, datetime

import pytest
from fastapi.testclient import TestClient
from test_accounts import PASSWORD, ROLE_USERS, client_for, site  # noqa: F401  (fixture)

from caseatlas.errors import CaseAtlasError
from caseatlas.jobs import queue, tasks
from caseatlas.services import Actor, Context, accounts, jobs, library, system_actor
from caseatlas.store import accounts as account_store
from caseatlas.store import jobs as job_store
from caseatlas.store import open_engine
from caseatlas.vocab import ROLES
from caseatlas.web import create_app

REMINDERS = "caseatlas.programme.services.reminders"


@pytest.fixture(autouse=True)
def reminders(monkeypatch):
    """The programme's reminders (another module's `run_due(engine, now) -> list`), recorded."""
    calls: list[datetime] = []
    fake = types.ModuleType(REMINDERS)
    fake.run_due = lambda engine, now: calls.append(now) or [f"reminder at {now.isoformat()}"]
    monkeypatch.setitem(sys.modules, REMINDERS, fake)
    import caseatlas.programme.services as programme_services

    monkeypatch.setattr(programme_services, "reminders", fake, raising=False)
    return calls


def api(client: TestClient, token: str, method: str, path: str, **kwargs):
    return getattr(client, method)(path, headers={"X-CSRF-Token": token}, **kwargs)


def test_a_book_job_runs_reports_progress_and_is_downloaded(site, monkeypatch):
    ctx, db_path = site
    reports: list[tuple[int, int | None, str]] = []
    written = job_store.set_progress

    def spy(conn, job_id, done, total, message):
        reports.append((done, total, message))
        return written(conn, job_id, done, total, message)

    monkeypatch.setattr(job_store, "set_progress", spy)
    client, token = client_for(db_path, "organizer")
    r = api(client, token, "post", "/api/v1/jobs/books", json={"key": "sample_casebook_2025", "format": "pdf"})
    assert r.status_code == 202, r.text
    job = r.json()
    assert job["status"] == "queued" and job["kind"] == "book" and not job["finished"]
    assert client.get(f"/api/v1/jobs/{job['id']}/file").status_code == 404  # nothing made yet

    queue.run_pending(ctx.engine)

    done = client.get(f"/api/v1/jobs/{job['id']}").json()
    assert done["status"] == "done" and done["percent"] == 100 and done["finished"], done
    assert done["started_at"] and done["finished_at"] and done["error"] is None
    steps = [d for d, _, _ in reports]
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == reports[-1][1] and len(set(steps)) >= 3
    assert any("8 个案例" in m for _, _, m in reports)  # the sample book's cases, named as it goes
    pdf = client.get(f"/api/v1/jobs/{job['id']}/file")
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and len(pdf.content) == done["result"]["bytes"]
    assert "attachment" in pdf.headers["content-disposition"]
    assert [j["id"] for j in client.get("/api/v1/jobs").json()] == [job["id"]]
    page = client.get(f"/jobs/{job['id']}")
    assert page.status_code == 200 and 'src="/static/jobs.js"' in page.text and "<progress" in page.text
    assert "<script>" not in page.text  # the CSP allows no inline script


def test_a_failing_task_records_one_line_and_the_worker_goes_on(site, monkeypatch):
    ctx, _ = site
    q = queue.for_engine(ctx.engine)

    def broken(ctx, params, given, progress):
        progress(1, 4, "half way")
        raise RuntimeError("the disk\nis full")

    monkeypatch.setitem(tasks.RUNNERS, "embed", broken)
    missing = jobs.enqueue(ctx, "book", {"key": "no-such-book", "format": "pdf"}, q)
    crashing = jobs.enqueue(ctx, "embed", {}, q)
    good = jobs.enqueue(ctx, "book", {"key": "sample_casebook_2025", "format": "html"}, q)
    queue.run_pending(ctx.engine)
    first, second, third = (jobs.get(ctx, j.id) for j in (missing, crashing, good))
    assert first.status == "failed" and first.error == "no collection or programme 'no-such-book'"
    assert second.status == "failed" and second.error == "the disk is full" and second.progress == 1
    assert "\n" not in second.error
    assert third.status == "done" and third.file_name.endswith(".zip")  # the worker survived both


def test_nobody_else_sees_a_job(site):
    ctx, db_path = site
    accounts.add_user(ctx, "organizer2", PASSWORD, "organizer")
    owner, token = client_for(db_path, "organizer")
    job = api(owner, token, "post", "/api/v1/jobs/books", json={"key": "sample_casebook_2025"}).json()
    queue.run_pending(ctx.engine)
    other = TestClient(create_app(str(db_path)))
    login = other.post("/api/v1/login", json={"username": "organizer2", "password": PASSWORD})
    assert login.status_code == 200
    other_token = login.json()["csrf_token"]
    for path in (f"/api/v1/jobs/{job['id']}", f"/api/v1/jobs/{job['id']}/file", f"/jobs/{job['id']}"):
        assert other.get(path).status_code == 404, path
        assert owner.get(path).status_code == 200, path
    assert other.get("/api/v1/jobs").json() == []
    assert api(other, other_token, "post", f"/api/v1/jobs/{job['id']}/cancel").status_code == 404
    assert other.get("/api/v1/jobs/999999").status_code == 404
    # by role: admins see everyone's job; other roles are told it does not exist; anonymous must log in
    for role in ROLES:
        client, _ = client_for(db_path, role)
        expected = 200 if role in ("admin", "organizer") else 404
        assert client.get(f"/api/v1/jobs/{job['id']}").status_code == expected, role
    anonymous = TestClient(create_app(str(db_path)))
    assert anonymous.get(f"/api/v1/jobs/{job['id']}").status_code == 401
    assert anonymous.get("/api/v1/jobs").status_code == 401


@pytest.mark.parametrize("role", [None, *ROLES])
def test_job_routes_by_role(site, role):
    """Every job route, every role: reads of one's own jobs for anyone signed in; starting a job
    needs the operation's permission (organizer, admin); cancelling one's own job."""
    ctx, db_path = site
    mine = jobs.enqueue(
        Context(ctx.engine, _actor(ctx, "admin")), "book", {"key": "sample_casebook_2025"}, queue.for_engine(ctx.engine)
    )
    client, token = client_for(db_path, role)
    may_start = role in ("organizer", "admin")
    cases = [
        ("get", "/api/v1/jobs", {}, 200 if role else 401),
        ("get", "/jobs", {}, 200 if role else 303),
        ("get", f"/api/v1/jobs/{mine.id}", {}, 200 if role == "admin" else 401 if role is None else 404),
        ("get", f"/jobs/{mine.id}", {}, 200 if role == "admin" else 303 if role is None else 404),
        ("get", f"/api/v1/jobs/{mine.id}/file", {}, 404 if role else 401),  # not run yet: no file
        ("post", f"/api/v1/jobs/{mine.id}/cancel", {}, 200 if role == "admin" else 401 if role is None else 404),
        ("post", f"/jobs/{mine.id}/cancel", {}, 303 if role in ("admin", None) else 404),
        ("post", "/api/v1/jobs/books", {"json": {"key": "sample_casebook_2025"}}, 202 if may_start else None),
        ("post", "/api/v1/jobs/embeddings", {}, 202 if may_start else None),
        (
            "post",
            "/api/v1/jobs/ingests",
            {"files": {"file": ("big.md", b"# x\n", "text/markdown")}},
            202 if may_start else None,
        ),
        ("post", "/jobs/books", {"data": {"key": "sample_casebook_2025"}}, 303 if may_start else None),
        (
            "post",
            "/jobs/ingests",
            {"files": {"file": ("big.md", b"# x\n", "text/markdown")}},
            303 if may_start else None,
        ),
    ]
    for method, path, kwargs, expected in cases:
        r = getattr(client, method)(path, follow_redirects=False, headers={"X-CSRF-Token": token or ""}, **kwargs)
        if expected is None:  # refused: log in first, or the role may not
            assert r.status_code in ((401, 303) if role is None else (403,)), (role, path, r.status_code)
        else:
            assert r.status_code == expected, (role, path, r.status_code, r.text[:200])
        if r.status_code == 303 and role is None:
            assert r.headers["location"].startswith("/login"), path
        elif r.status_code == 303:
            assert r.headers["location"].startswith("/jobs/"), path


def test_every_job_route_is_in_the_matrix():
    from caseatlas.web import api_jobs, pages_jobs

    covered = {
        ("GET", "/api/v1/jobs"),
        ("GET", "/jobs"),
        ("GET", "/api/v1/jobs/{job_id}"),
        ("GET", "/jobs/{job_id}"),
        ("GET", "/api/v1/jobs/{job_id}/file"),
        ("POST", "/api/v1/jobs/{job_id}/cancel"),
        ("POST", "/jobs/{job_id}/cancel"),
        ("POST", "/api/v1/jobs/books"),
        ("POST", "/api/v1/jobs/embeddings"),
        ("POST", "/api/v1/jobs/ingests"),
        ("POST", "/jobs/books"),
        ("POST", "/jobs/ingests"),
    }
    routes = {(m, r.path) for router in (api_jobs.router, pages_jobs.router) for r in router.routes for m in r.methods}
    assert routes == covered


def _actor(ctx, role):
    with ctx.engine.connect() as conn:
        found = account_store.get_user(conn, username=ROLE_USERS[role])
    return Actor("user", username=found.username, role=found.role, user_id=found.id)


def test_cancel_stops_a_queued_and_a_running_job(site, monkeypatch):
    ctx, _ = site
    q = queue.for_engine(ctx.engine)
    queued = jobs.enqueue(ctx, "book", {"key": "sample_casebook_2025"}, q)
    assert jobs.cancel(ctx, queued.id, q).status == "cancelled"
    seen = []

    def long_embedding(job_ctx, params, given, progress):
        progress(1, 3, "first")
        running = next(j for j in jobs.mine(ctx) if j.status == "running")
        jobs.cancel(ctx, running.id, q)  # its owner cancels it while it runs
        seen.append(running.id)
        progress(2, 3, "second")  # stops here
        raise AssertionError("a cancelled job went on")

    monkeypatch.setitem(tasks.RUNNERS, "embed", long_embedding)
    running = jobs.enqueue(ctx, "embed", {}, q)
    queue.run_pending(ctx.engine)
    assert seen == [running.id]
    after = jobs.get(ctx, running.id)
    assert after.status == "cancelled" and after.progress == 1 and after.error is None
    assert jobs.get(ctx, queued.id).status == "cancelled" and jobs.get(ctx, queued.id).started_at is None
    assert jobs.cancel(ctx, running.id, q).status == "cancelled"  # a finished job stays as it ended


def test_a_job_runs_as_whoever_queued_it(site):
    """The permission is asked when the job is queued, and again by the service as the owner runs:
    an organizer demoted meanwhile builds no book."""
    ctx, db_path = site
    organizer = _actor(ctx, "organizer")
    job = jobs.enqueue(
        Context(ctx.engine, organizer), "book", {"key": "sample_casebook_2025"}, queue.for_engine(ctx.engine)
    )
    accounts.update_user(ctx, ROLE_USERS["organizer"], role="reviewer")
    queue.run_pending(ctx.engine)
    failed = jobs.get(ctx, job.id)
    assert failed.status == "failed" and "library.publish" in failed.error
    with pytest.raises(CaseAtlasError):
        jobs.enqueue(Context(ctx.engine, organizer), "book", {"key": ""}, queue.for_engine(ctx.engine))


def test_ingest_and_embed_jobs(site):
    ctx, db_path = site
    client, token = client_for(db_path, "organizer")
    book = (
        sorted(library.sample_collection_dir().glob("*.md"))[0].read_bytes().replace("青禾".encode(), "青苗".encode())
    )
    r = client.post(
        "/jobs/ingests",
        headers={"X-CSRF-Token": token},
        files={"file": ("green_shoots.md", book, "text/markdown")},
        follow_redirects=False,
    )
    assert r.status_code == 303
    job_id = int(r.headers["location"].rsplit("/", 1)[1])
    queue.run_pending(ctx.engine)
    done = client.get(f"/api/v1/jobs/{job_id}").json()
    assert done["status"] == "done" and done["result"]["status"] == "added" and done["result"]["n_cases"] == 8
    assert any(c["source_file"] == "green_shoots.md" for c in client.get("/api/v1/collections").json())
    with ctx.engine.connect() as conn:
        assert job_store.job_input(conn, job_id)[1] is None  # the upload is the book's now, not kept twice


def test_periodic_reminders(site, reminders):
    ctx, _ = site
    q = queue.for_engine(ctx.engine)
    periodic = {p.task.name: p for p in q.app.periodic_registry.periodic_tasks.values()}
    assert periodic["caseatlas:send_reminders"].cron == tasks.REMINDERS_CRON == "*/10 * * * *"
    # A test clock: everything due at `now`, once.
    now = datetime(2027, 3, 28, 1, 0, tzinfo=UTC)
    queue.run_pending(ctx.engine, now)
    assert reminders == [now]

    # The worker itself: on start, the periodic deferrer queues the run of the last ten-minute
    # tick, and the worker runs it.
    async def briefly():
        worker = asyncio.create_task(q.work())
        for _ in range(100):
            await asyncio.sleep(0.1)
            if len(reminders) > 1:
                break
        worker.cancel()
        await asyncio.gather(worker, return_exceptions=True)

    asyncio.run(briefly())
    assert len(reminders) == 2
    tick = reminders[1]
    assert tick.minute % 10 == 0 and tick.second == 0 and 0 <= (datetime.now(UTC) - tick).total_seconds() <= 600


def test_worker_command_is_for_postgresql(db_path, backend):
    from typer.testing import CliRunner

    from caseatlas.cli import app as cli

    if backend != "sqlite":
        return  # a PostgreSQL library's worker runs in test_jobs_e2e
    r = CliRunner().invoke(cli, ["worker", "--db", str(db_path)])
    assert r.exit_code == 1 and "caseatlas serve" in r.output


def test_publish_cli_prints_as_before(db_path, sample_file, tmp_path):
    from typer.testing import CliRunner

    from caseatlas.cli import app as cli

    library.ingest_file(Context(open_engine(db_path), system_actor()), sample_file)
    out = tmp_path / "book.pdf"
    r = CliRunner().invoke(cli, ["publish", "sample_casebook_2025", "-o", str(out), "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert r.output.startswith("published 8 cases") and out.read_bytes().startswith(b"%PDF")


def test_the_web_process_works_a_sqlite_queue(site, reminders, backend):
    """`serve` on SQLite: the app's own worker runs a job queued through the API (here without the
    periodic reminders, as the second process of `serve --workers 2`, or a test driving time)."""
    ctx, db_path = site
    if backend != "sqlite":
        assert create_app(str(db_path)).state.run_worker is False  # `caseatlas worker` runs it
        return
    with TestClient(create_app(str(db_path), periodic=False)) as client:
        token = client.post("/api/v1/login", json={"username": ROLE_USERS["organizer"], "password": PASSWORD}).json()[
            "csrf_token"
        ]
        job = api(client, token, "post", "/api/v1/jobs/books", json={"key": "sample_casebook_2025"}).json()
        deadline = time.time() + 90
        while not (seen := client.get(f"/api/v1/jobs/{job['id']}").json())["finished"] and time.time() < deadline:
            time.sleep(0.2)
        assert seen["status"] == "done" and seen["percent"] == 100, seen
    assert reminders == []
