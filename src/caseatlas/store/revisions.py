"""Revision requests and withdrawals of programme submissions (issue 25). Rows come back as
plain dicts; callers never see SQL."""

from __future__ import annotations

from sqlalchemy import Connection, delete, insert, select, update

from .rows import chunked
from .schema import assignments, revision_requests, submissions, users, withdrawals


def add_request(conn: Connection, **values) -> int:
    return conn.execute(insert(revision_requests).values(**values)).inserted_primary_key[0]


def _requests_query():
    return select(revision_requests, users.c.username.label("requested_by_name")).outerjoin(
        users, users.c.id == revision_requests.c.requested_by
    )


def requests_of(conn: Connection, submission_id: int) -> list[dict]:
    """A submission's revision requests, oldest first."""
    q = _requests_query().where(revision_requests.c.submission_id == submission_id).order_by(revision_requests.c.id)
    return [dict(r._mapping) for r in conn.execute(q)]


def latest_requests(conn: Connection, submission_ids: list[int]) -> dict[int, dict]:
    """{submission id: its latest revision request} for those that have one."""
    out: dict[int, dict] = {}
    for ids in chunked(list(submission_ids)):
        q = _requests_query().where(revision_requests.c.submission_id.in_(ids)).order_by(revision_requests.c.id)
        for r in conn.execute(q):
            out[r.submission_id] = dict(r._mapping)  # later ids overwrite earlier ones
    return out


def requests_of_call(conn: Connection, call_id: int) -> list[dict]:
    q = (
        _requests_query()
        .join(submissions, submissions.c.id == revision_requests.c.submission_id)
        .where(submissions.c.call_id == call_id)
        .order_by(revision_requests.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


def update_request(conn: Connection, request_id: int, **values) -> None:
    conn.execute(update(revision_requests).where(revision_requests.c.id == request_id).values(**values))


def close_open_requests(conn: Connection, submission_id: int) -> int:
    return conn.execute(
        update(revision_requests)
        .where(revision_requests.c.submission_id == submission_id, revision_requests.c.status == "open")
        .values(status="closed")
    ).rowcount


def add_withdrawal(conn: Connection, **values) -> None:
    conn.execute(insert(withdrawals).values(**values))


def withdrawal(conn: Connection, submission_id: int) -> dict | None:
    r = conn.execute(select(withdrawals).where(withdrawals.c.submission_id == submission_id)).first()
    return dict(r._mapping) if r else None


def remove_assignments(conn: Connection, submission_id: int) -> list[int]:
    """Take a submission off every reviewer's list; the reviewers it was on."""
    ids = [
        r.reviewer_id
        for r in conn.execute(select(assignments.c.reviewer_id).where(assignments.c.submission_id == submission_id))
    ]
    conn.execute(delete(assignments).where(assignments.c.submission_id == submission_id))
    return ids
