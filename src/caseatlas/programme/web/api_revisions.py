"""Revision requests (修改后再议) and withdrawal, /api/v1: thin shells over
`programme/services/revisions.py`, which asks the permission check."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, Field, StringConstraints

from ...web.deps import ReadContext, RowId, WriteContext
from ..services import revisions

router = APIRouter()
Long = Annotated[str, StringConstraints(max_length=40_000)]  # the service says the real limits, in words


class RevisionRequestIn(BaseModel):
    requests: Long
    deadline: Annotated[str, StringConstraints(max_length=40)]  # in the call's time zone unless it names one
    round_id: int | None = Field(None, ge=1, le=2_147_483_647)


class RevisionAnswerIn(BaseModel):
    response: Long


class WithdrawIn(BaseModel):
    reason: Long | None = None


@router.post(
    "/submissions/{submission_id}/revision",
    summary="Ask the applicant to revise (修改后再议): requests and a deadline in the call's zone (organizer)",
    response_model=revisions.RevisionRequest,
)
def revision_request(ctx: WriteContext, submission_id: RowId, body: RevisionRequestIn) -> revisions.RevisionRequest:
    return revisions.request_revision(ctx, submission_id, body.requests, body.deadline, body.round_id)


@router.get(
    "/submissions/{submission_id}/revision",
    summary="The latest revision request, its history, and what the answer changed (diff and response)",
    response_model=revisions.RevisionDiff,
)
def revision_get(ctx: ReadContext, submission_id: RowId) -> revisions.RevisionDiff:
    return revisions.diff(ctx, submission_id)


@router.post(
    "/submissions/{submission_id}/revision/answer",
    summary="Resubmit the revised submission with a response letter (逐条回复) (applicant, while the request is open)",
    response_model=revisions.RevisionRequest,
)
def revision_answer(ctx: WriteContext, submission_id: RowId, body: RevisionAnswerIn) -> revisions.RevisionRequest:
    return revisions.answer(ctx, submission_id, body.response)


@router.post(
    "/submissions/{submission_id}/withdraw",
    summary="Withdraw my submission, before the call's book is published (applicant)",
    response_model=revisions.Withdrawal,
)
def withdraw(ctx: WriteContext, submission_id: RowId, body: WithdrawIn) -> revisions.Withdrawal:
    return revisions.withdraw(ctx, submission_id, body.reason)


@router.get(
    "/calls/{call_id}/revisions",
    summary="Every revision request of the call, with its state (organizer)",
    response_model=list[revisions.RevisionRequest],
)
def call_revisions(ctx: ReadContext, call_id: RowId) -> list[revisions.RevisionRequest]:
    return revisions.requests_of_call(ctx, call_id)
