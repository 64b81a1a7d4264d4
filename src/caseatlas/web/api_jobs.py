"""Background jobs in the JSON API (/api/v1/jobs): start a long operation — a book, embedding, a
large upload — on the job queue (202, the job's record), follow it, cancel it, download what it
made. A job is seen by its owner and admins only; anyone else is told it does not exist (404)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, File, Request, Response, UploadFile
from fastapi.concurrency import run_in_threadpool

from ..errors import CaseAtlasError
from ..jobs.queue import Queue
from ..services import jobs
from . import schemas
from .deps import ReadContext, RowId, WriteContext

MAX_UPLOAD = 20 * 1024 * 1024  # as a direct upload: the readers refuse larger files anyway
_ERRORS = {code: {"model": schemas.ErrorBody} for code in (400, 401, 403, 404, 409, 413, 422)}
router = APIRouter(prefix="/api/v1", tags=["jobs"], responses=_ERRORS)


def queue_of(request: Request) -> Queue:
    return request.app.state.queue


def attachment(content: bytes, media: str, name: str) -> Response:
    return Response(
        content, media_type=media, headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}"}
    )


async def read_upload(file: UploadFile) -> bytes:
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise CaseAtlasError(f"{file.filename}: larger than 20 MB")
    return content


@router.get("/jobs", summary="Your background jobs, newest first (signed in)", response_model=list[jobs.Job])
def my_jobs(ctx: ReadContext) -> list[jobs.Job]:
    return jobs.mine(ctx)


@router.get("/jobs/{job_id}", summary="A job's state and progress (its owner, admin)", response_model=jobs.Job)
def job(ctx: ReadContext, job_id: RowId) -> jobs.Job:
    return jobs.get(ctx, job_id)


@router.get(
    "/jobs/{job_id}/file",
    summary="What a finished job made: a book's PDF, or its HTML edition as a zip (its owner, admin)",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}, "application/zip": {}}}},
)
def job_file(ctx: ReadContext, job_id: RowId) -> Response:
    return attachment(*jobs.file(ctx, job_id))


@router.post(
    "/jobs/{job_id}/cancel", summary="Stop a queued or running job (its owner, admin)", response_model=jobs.Job
)
def cancel_job(ctx: WriteContext, request: Request, job_id: RowId) -> jobs.Job:
    return jobs.cancel(ctx, job_id, queue_of(request))


@router.post(
    "/jobs/books",
    summary="Build a book in the background (organizer, admin): a collection or a programme's selection",
    status_code=202,
    response_model=jobs.Job,
)
def book_job(ctx: WriteContext, request: Request, body: schemas.BookJobIn) -> jobs.Job:
    return jobs.enqueue(ctx, "book", body.model_dump(), queue_of(request))


@router.post(
    "/jobs/embeddings",
    summary="Compute every missing passage vector in the background (organizer, admin)",
    status_code=202,
    response_model=jobs.Job,
)
def embed_job(ctx: WriteContext, request: Request, body: schemas.EmbedJobIn | None = None) -> jobs.Job:
    return jobs.enqueue(ctx, "embed", (body or schemas.EmbedJobIn()).model_dump(), queue_of(request))


@router.post(
    "/jobs/ingests",
    summary="Add a large book in the background (organizer, admin); as POST /collections, with progress",
    status_code=202,
    response_model=jobs.Job,
)
async def ingest_job(
    ctx: WriteContext,
    request: Request,
    file: Annotated[UploadFile, File(description="A book: .txt .md .pdf .docx .html")],
) -> jobs.Job:
    content = await read_upload(file)
    return await run_in_threadpool(
        jobs.enqueue, ctx, "ingest", {"file": file.filename or ""}, queue_of(request), file.filename or "", content
    )
