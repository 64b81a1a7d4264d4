"""Background jobs in the pages: start a book or a large upload from a form, then follow it on
the job's page — a progress bar that /static/jobs.js keeps current from the API (no inline
script: the pages' CSP), with the download link once the book is made."""

from __future__ import annotations

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, RedirectResponse

from ..services import jobs
from .api_jobs import queue_of, read_upload
from .deps import ReadContext, RowId, WriteContext
from .pages import render

router = APIRouter(include_in_schema=False)


def _to_job(job: jobs.Job) -> RedirectResponse:
    return RedirectResponse(f"/jobs/{job.id}", status_code=303)


@router.get("/jobs", response_class=HTMLResponse)
def jobs_page(request: Request, ctx: ReadContext):
    return render(request, "jobs.html", jobs=jobs.mine(ctx))


@router.get("/jobs/{job_id}", response_class=HTMLResponse)
def job_page(request: Request, ctx: ReadContext, job_id: RowId):
    return render(request, "job.html", job=jobs.get(ctx, job_id))


@router.post("/jobs/books")
def start_book(
    request: Request, ctx: WriteContext, key: str = Form(..., max_length=300), format: str = Form("pdf")
) -> RedirectResponse:
    return _to_job(jobs.enqueue(ctx, "book", {"key": key, "format": format, "english": False}, queue_of(request)))


@router.post("/jobs/ingests")
async def start_ingest(request: Request, ctx: WriteContext, file: UploadFile = File(...)) -> RedirectResponse:
    content = await read_upload(file)
    name = file.filename or ""
    job = await run_in_threadpool(jobs.enqueue, ctx, "ingest", {"file": name}, queue_of(request), name, content)
    return _to_job(job)


@router.post("/jobs/{job_id}/cancel")
def cancel_job(request: Request, ctx: WriteContext, job_id: RowId) -> RedirectResponse:
    return _to_job(jobs.cancel(ctx, job_id, queue_of(request)))
