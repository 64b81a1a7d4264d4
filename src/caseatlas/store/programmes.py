"""Programmes: calls, members (organizers and the review panel), submissions with their
versions and attachments, conflicts, assignments, reviews, discussion, notifications.

Rows come back as plain dicts with JSON columns decoded; callers never see SQL."""

from __future__ import annotations

import json

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from .rows import JsonColumns
from .schema import (
    assignments,
    attachments,
    call_conflict_state,
    call_conflicts,
    call_members,
    calls,
    comments,
    conflicts,
    notifications,
    programmes,
    reviews,
    submission_versions,
    submissions,
    users,
)

_JSON = JsonColumns(
    "organizers",
    "supporters",
    "domains",
    "quotas",
    "template",
    "outcome_kinds",
    "criteria",
    "aliases",
    "topics",
    "declared_orgs",
    "sections",
    "outcomes",
    "facts",
    "scores",
    "data",
    "flag_answers",
    "fields",
)
_row, _rows, _enc = _JSON.row, _JSON.rows, _JSON.encode


# --- programmes and calls


def add_programme(conn: Connection, **values) -> int:
    return conn.execute(insert(programmes).values(**_enc(values))).inserted_primary_key[0]


def get_programme(conn: Connection, programme_id: int | None = None, slug: str | None = None) -> dict | None:
    q = select(programmes)
    q = q.where(programmes.c.id == programme_id) if programme_id is not None else q.where(programmes.c.slug == slug)
    r = conn.execute(q).first()
    return _row(r) if r else None


def slug_taken(conn: Connection, slug: str) -> bool:
    return conn.execute(select(programmes.c.id).where(programmes.c.slug == slug)).first() is not None


def add_call(conn: Connection, **values) -> int:
    return conn.execute(insert(calls).values(**_enc(values))).inserted_primary_key[0]


def get_call(conn: Connection, call_id: int) -> dict | None:
    r = conn.execute(select(calls).where(calls.c.id == call_id)).first()
    return _row(r) if r else None


def list_calls(conn: Connection) -> list[dict]:
    q = (
        select(
            calls,
            programmes.c.name.label("programme_name"),
            programmes.c.slug.label("programme_slug"),
            programmes.c.year.label("programme_year"),
        )
        .join(programmes, programmes.c.id == calls.c.programme_id)
        .order_by(calls.c.id.desc())
    )
    return _rows(conn.execute(q))


def update_call(conn: Connection, call_id: int, **values) -> None:
    conn.execute(update(calls).where(calls.c.id == call_id).values(**_enc(values)))


# --- members


def upsert_member(
    conn: Connection,
    call_id: int,
    user_id: int,
    role: str,
    affiliation: str | None = None,
    topics: list[str] | None = None,
    declared_orgs: list[str] | None = None,
) -> None:
    key = and_(call_members.c.call_id == call_id, call_members.c.user_id == user_id)
    values = _enc(
        {"role": role, "affiliation": affiliation, "topics": topics or [], "declared_orgs": declared_orgs or []}
    )
    if conn.execute(select(call_members.c.user_id).where(key)).first():
        conn.execute(update(call_members).where(key).values(**values))
    else:
        conn.execute(insert(call_members).values(call_id=call_id, user_id=user_id, **values))


def update_member(conn: Connection, call_id: int, user_id: int, **values) -> None:
    conn.execute(
        update(call_members)
        .where(call_members.c.call_id == call_id, call_members.c.user_id == user_id)
        .values(**_enc(values))
    )


def members(conn: Connection, call_id: int, role: str | None = None) -> list[dict]:
    q = (
        select(call_members, users.c.username, users.c.display_name, users.c.email, users.c.organization)
        .join(users, users.c.id == call_members.c.user_id)
        .where(call_members.c.call_id == call_id)
        .order_by(users.c.username)
    )
    if role:
        q = q.where(call_members.c.role == role)
    return _rows(conn.execute(q))


# --- submissions


def add_submission(conn: Connection, **values) -> int:
    return conn.execute(insert(submissions).values(**_enc(values))).inserted_primary_key[0]


def get_submission(conn: Connection, submission_id: int) -> dict | None:
    q = (
        select(submissions, users.c.username.label("applicant"), users.c.email.label("applicant_email"))
        .join(users, users.c.id == submissions.c.applicant_id)
        .where(submissions.c.id == submission_id)
    )
    r = conn.execute(q).first()
    return _row(r) if r else None


def list_submissions(
    conn: Connection,
    call_id: int,
    applicant_id: int | None = None,
    ids: list[int] | None = None,
    status: str | None = None,
) -> list[dict]:
    q = (
        select(submissions, users.c.username.label("applicant"), users.c.email.label("applicant_email"))
        .join(users, users.c.id == submissions.c.applicant_id)
        .where(submissions.c.call_id == call_id)
        .order_by(submissions.c.id)
    )
    if applicant_id is not None:
        q = q.where(submissions.c.applicant_id == applicant_id)
    if ids is not None:
        q = q.where(submissions.c.id.in_(ids))
    if status is not None:
        q = q.where(submissions.c.status == status)
    return _rows(conn.execute(q))


def update_submission(conn: Connection, submission_id: int, **values) -> None:
    conn.execute(update(submissions).where(submissions.c.id == submission_id).values(**_enc(values)))


def add_version(conn: Connection, submission_id: int, version: int, data: dict, at: str) -> None:
    conn.execute(
        insert(submission_versions).values(
            submission_id=submission_id, version=version, data=json.dumps(data, ensure_ascii=False), at=at
        )
    )


def versions(conn: Connection, submission_id: int) -> list[dict]:
    q = (
        select(submission_versions)
        .where(submission_versions.c.submission_id == submission_id)
        .order_by(submission_versions.c.version)
    )
    return _rows(conn.execute(q))


def add_attachment(conn: Connection, **values) -> int:
    return conn.execute(insert(attachments).values(**values)).inserted_primary_key[0]


def list_attachments(conn: Connection, submission_id: int) -> list[dict]:
    q = select(
        attachments.c.id,
        attachments.c.filename,
        attachments.c.content_type,
        attachments.c.size,
        attachments.c.sha256,
        attachments.c.created_at,
    ).where(attachments.c.submission_id == submission_id)
    return [dict(r._mapping) for r in conn.execute(q.order_by(attachments.c.id))]


def get_attachment(conn: Connection, attachment_id: int) -> dict | None:
    r = conn.execute(select(attachments).where(attachments.c.id == attachment_id)).first()
    return dict(r._mapping) if r else None


# --- conflicts and assignments


def add_conflict(conn: Connection, submission_id: int, reviewer_id: int, reason: str, at: str) -> None:
    key = and_(conflicts.c.submission_id == submission_id, conflicts.c.reviewer_id == reviewer_id)
    if conn.execute(select(conflicts.c.reviewer_id).where(key)).first() is None:
        conn.execute(
            insert(conflicts).values(submission_id=submission_id, reviewer_id=reviewer_id, reason=reason, at=at)
        )


def declared_conflicts(conn: Connection, call_id: int) -> dict[tuple[int, int], str]:
    q = (
        select(conflicts.c.submission_id, conflicts.c.reviewer_id, conflicts.c.reason)
        .join(submissions, submissions.c.id == conflicts.c.submission_id)
        .where(submissions.c.call_id == call_id)
    )
    return {(r.submission_id, r.reviewer_id): r.reason for r in conn.execute(q)}


def submission_organizations(conn: Connection, call_id: int) -> dict[int, str]:
    """{submission id: the applicant's organization} of every submission of the call."""
    q = select(submissions.c.id, submissions.c.organization).where(submissions.c.call_id == call_id)
    return {r.id: r.organization for r in conn.execute(q)}


def conflict_state(conn: Connection, call_id: int) -> dict | None:
    r = conn.execute(select(call_conflict_state).where(call_conflict_state.c.call_id == call_id)).first()
    return dict(r._mapping) if r else None


def detected_conflicts(conn: Connection, call_id: int, fingerprint: str) -> list[dict]:
    """The stored conflicts of the call computed from the inputs with this fingerprint."""
    q = select(call_conflicts).where(call_conflicts.c.call_id == call_id, call_conflicts.c.fingerprint == fingerprint)
    rows = [dict(r._mapping) for r in conn.execute(q)]
    for r in rows:
        r["why"] = json.loads(r["why"]) if r["why"] else None
    return rows


def save_conflicts(conn: Connection, call_id: int, fingerprint: str, rows: list[dict], at: str) -> None:
    """Replace the call's detected conflicts (rows: reviewer_id, submission_id, kind,
    reviewer_org, applicant_org, reason, why: {group, links}) and record what they were computed from. The call's
    row is locked first, so two transactions replacing them take turns."""
    conn.execute(select(calls.c.id).where(calls.c.id == call_id).with_for_update())
    conn.execute(delete(call_conflicts).where(call_conflicts.c.call_id == call_id))
    if rows:
        conn.execute(
            insert(call_conflicts),
            [
                {
                    "call_id": call_id,
                    "fingerprint": fingerprint,
                    **r,
                    "why": json.dumps(r.get("why"), ensure_ascii=False),
                }
                for r in rows
            ],
        )
    values = {"fingerprint": fingerprint, "n": len(rows), "computed_at": at}
    if (
        conn.execute(
            update(call_conflict_state).where(call_conflict_state.c.call_id == call_id).values(**values)
        ).rowcount
        == 0
    ):
        conn.execute(insert(call_conflict_state).values(call_id=call_id, **values))


def assignments_of(conn: Connection, call_id: int, round_id: int | None = None) -> list[dict]:
    """The call's assignments (each with its `round_id`), of one round when `round_id` is given."""
    q = (
        select(assignments, users.c.username)
        .join(submissions, submissions.c.id == assignments.c.submission_id)
        .join(users, users.c.id == assignments.c.reviewer_id)
        .where(submissions.c.call_id == call_id)
        .order_by(assignments.c.round_id, assignments.c.submission_id, users.c.username)
    )
    if round_id is not None:
        q = q.where(assignments.c.round_id == round_id)
    return [dict(r._mapping) for r in conn.execute(q)]


def add_assignment(conn: Connection, submission_id: int, reviewer_id: int, origin: str, at: str, round_id: int) -> bool:
    key = and_(
        assignments.c.submission_id == submission_id,
        assignments.c.reviewer_id == reviewer_id,
        assignments.c.round_id == round_id,
    )
    if conn.execute(select(assignments.c.reviewer_id).where(key)).first() is not None:
        return False
    conn.execute(
        insert(assignments).values(
            submission_id=submission_id, reviewer_id=reviewer_id, round_id=round_id, origin=origin, at=at
        )
    )
    return True


def remove_assignment(conn: Connection, submission_id: int, reviewer_id: int, round_id: int | None = None) -> int:
    """Remove the reviewer's assignment to the submission in one round, or in every round (None:
    a conflict holds in every round)."""
    q = delete(assignments).where(
        assignments.c.submission_id == submission_id, assignments.c.reviewer_id == reviewer_id
    )
    if round_id is not None:
        q = q.where(assignments.c.round_id == round_id)
    return conn.execute(q).rowcount


# --- reviews and discussion


def upsert_review(conn: Connection, submission_id: int, reviewer_id: int, round_id: int, **values) -> None:
    key = and_(
        reviews.c.submission_id == submission_id, reviews.c.reviewer_id == reviewer_id, reviews.c.round_id == round_id
    )
    if conn.execute(select(reviews.c.reviewer_id).where(key)).first():
        conn.execute(update(reviews).where(key).values(**_enc(values)))
    else:
        conn.execute(
            insert(reviews).values(
                submission_id=submission_id, reviewer_id=reviewer_id, round_id=round_id, **_enc(values)
            )
        )


def reviews_of(
    conn: Connection, call_id: int | None = None, submission_id: int | None = None, round_id: int | None = None
) -> list[dict]:
    """Reviews of a call or of one submission (each with its `round_id`), of one round when given."""
    q = (
        select(reviews, users.c.username)
        .join(users, users.c.id == reviews.c.reviewer_id)
        .join(submissions, submissions.c.id == reviews.c.submission_id)
        .order_by(users.c.username)
    )
    q = (
        q.where(submissions.c.call_id == call_id)
        if call_id is not None
        else q.where(reviews.c.submission_id == submission_id)
    )
    if round_id is not None:
        q = q.where(reviews.c.round_id == round_id)
    return _rows(conn.execute(q))


def add_comment(conn: Connection, submission_id: int, author_id: int, body: str, at: str) -> int:
    return conn.execute(
        insert(comments).values(submission_id=submission_id, author_id=author_id, body=body, at=at)
    ).inserted_primary_key[0]


def comments_of(conn: Connection, submission_id: int) -> list[dict]:
    q = (
        select(comments, users.c.username)
        .join(users, users.c.id == comments.c.author_id)
        .where(comments.c.submission_id == submission_id)
        .order_by(comments.c.id)
    )
    return [dict(r._mapping) for r in conn.execute(q)]


# --- notifications


def add_notification(conn: Connection, **values) -> int:
    return conn.execute(insert(notifications).values(**values)).inserted_primary_key[0]


def set_notification(conn: Connection, notification_id: int, status: str, error: str | None = None) -> None:
    conn.execute(update(notifications).where(notifications.c.id == notification_id).values(status=status, error=error))


def notifications_of(conn: Connection, call_id: int) -> list[dict]:
    q = select(notifications).where(notifications.c.call_id == call_id).order_by(notifications.c.id.desc())
    return [dict(r._mapping) for r in conn.execute(q)]


def count_submissions(conn: Connection, call_id: int) -> int:
    return conn.execute(select(func.count()).select_from(submissions).where(submissions.c.call_id == call_id)).scalar()
