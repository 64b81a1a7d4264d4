"""A book built in the background, in headless Chromium, on SQLite and on PostgreSQL: an
organizer starts the PDF from the collections page, watches the job's progress bar reach 100 %
and downloads the PDF. On SQLite the web process works its in-memory queue; on PostgreSQL a
separate `caseatlas worker` process does, as in production (one web, one worker)."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
from test_e2e import CHROMIUM, browser, shot  # noqa: F401  (fixtures)
from web_server import Server

from caseatlas.services import Context, accounts, library, system_actor
from caseatlas.store import open_engine

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


@pytest.fixture
def worker(db_path, backend):
    """`caseatlas worker` for a PostgreSQL library (a SQLite library's queue is worked by the web process)."""
    if backend != "postgresql":
        yield None
        return
    proc = subprocess.Popen(
        [sys.executable, "-m", "caseatlas", "worker", "--db", str(db_path)],
        env={**os.environ},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    yield proc
    proc.terminate()
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        proc.kill()


def test_book_built_in_the_background(db_path, browser, worker, tmp_path):  # noqa: F811
    ctx = Context(open_engine(db_path), system_actor())
    library.ingest_file(ctx, sorted(library.sample_collection_dir().glob("*.md"))[0])
    accounts.add_user(ctx, "org1", PASSWORD, "organizer")
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN")
    try:
        with Server(str(db_path)) as site:
            page = context.new_page()
            page.goto(site.url + "/login")
            page.fill("#username", "org1")
            page.fill("#password", PASSWORD)
            page.click("form.login-form button[type=submit]")
            page.wait_for_load_state()
            page.goto(site.url + "/collections")
            page.click("form.book-job button[type=submit]")
            page.wait_for_url("**/jobs/*")
            assert page.locator("#job-progress").count() == 1
            seen, deadline = [], time.time() + 120
            while time.time() < deadline:
                value = page.eval_on_selector("#job-progress", "el => el.value")
                if not seen or seen[-1] != value:
                    seen.append(value)
                if page.get_attribute("#job-status", "data-status") in ("done", "failed", "cancelled"):
                    break
                time.sleep(0.1)
            assert page.get_attribute("#job-status", "data-status") == "done", (
                page.inner_text("#job"),
                worker.stdout.read() if worker and worker.poll() is not None else "",
            )
            assert seen[-1] == 100 and seen == sorted(seen), seen
            assert page.inner_text("#job-percent").strip() == "100 %"
            assert page.inner_text("#job-status") == "已完成"
            assert page.locator("#job-download").is_visible()
            shot(page, f"job_book_{'pg' if worker else 'sqlite'}")
            with page.expect_download() as dl:
                page.click("#job-file")
            path = tmp_path / "book.pdf"
            dl.value.save_as(path)
            assert dl.value.suggested_filename.endswith(".pdf")
            assert path.read_bytes().startswith(b"%PDF") and path.stat().st_size > 10_000
            page.goto(site.url + "/jobs")
            assert "已完成" in page.inner_text("table.jobs")
    finally:
        context.close()
