"""Rounds of review: a call's ordered rounds, the submissions in each round (entries) and a check
round's checklist per submission. Rows come back as plain dicts with JSON columns decoded."""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, func, insert, select, update

from .rows import JsonColumns
from .schema import formal_checks, review_rounds, round_entries

_JSON = JsonColumns("criteria", "fields", "pool", "visibility", "items")
_row, _enc = _JSON.row, _JSON.encode


# --- rounds


def add_round(conn: Connection, **values) -> int:
    return conn.execute(insert(review_rounds).values(**_enc(values))).inserted_primary_key[0]


def get_round(conn: Connection, round_id: int) -> dict | None:
    r = conn.execute(select(review_rounds).where(review_rounds.c.id == round_id)).first()
    return _row(r) if r else None


def rounds_of(conn: Connection, call_id: int) -> list[dict]:
    q = select(review_rounds).where(review_rounds.c.call_id == call_id).order_by(review_rounds.c.position)
    return [_row(r) for r in conn.execute(q)]


def update_round(conn: Connection, round_id: int, **values) -> None:
    conn.execute(update(review_rounds).where(review_rounds.c.id == round_id).values(**_enc(values)))


def delete_round(conn: Connection, round_id: int) -> None:
    conn.execute(delete(review_rounds).where(review_rounds.c.id == round_id))


def lock_rounds(conn: Connection, call_id: int) -> None:
    """Take the call's rounds in turn (PostgreSQL: row locks), so two reorders or two closes of
    one call do not interleave."""
    conn.execute(select(review_rounds.c.id).where(review_rounds.c.call_id == call_id).with_for_update())


def next_position(conn: Connection, call_id: int) -> int:
    n = conn.execute(select(func.max(review_rounds.c.position)).where(review_rounds.c.call_id == call_id)).scalar()
    return 0 if n is None else n + 1


# --- entries


def entries_of(conn: Connection, round_ids: list[int]) -> list[dict]:
    if not round_ids:
        return []
    q = select(round_entries).where(round_entries.c.round_id.in_(round_ids))
    return [dict(r._mapping) for r in conn.execute(q.order_by(round_entries.c.round_id, round_entries.c.submission_id))]


def set_entry(
    conn: Connection, round_id: int, submission_id: int, state: str, reason: str | None, by: int | None, at: str
) -> None:
    key = and_(round_entries.c.round_id == round_id, round_entries.c.submission_id == submission_id)
    values = {"state": state, "reason": reason, "by": by, "at": at}
    if conn.execute(update(round_entries).where(key).values(**values)).rowcount == 0:
        conn.execute(insert(round_entries).values(round_id=round_id, submission_id=submission_id, **values))


def remove_entry(conn: Connection, round_id: int, submission_id: int) -> int:
    return conn.execute(
        delete(round_entries).where(
            round_entries.c.round_id == round_id, round_entries.c.submission_id == submission_id
        )
    ).rowcount


# --- formal checks


def checks_of(conn: Connection, round_id: int) -> list[dict]:
    q = select(formal_checks).where(formal_checks.c.round_id == round_id).order_by(formal_checks.c.submission_id)
    return [_row(r) for r in conn.execute(q)]


def checks_of_submission(conn: Connection, submission_id: int) -> list[dict]:
    q = select(formal_checks).where(formal_checks.c.submission_id == submission_id)
    return [_row(r) for r in conn.execute(q.order_by(formal_checks.c.round_id))]


def save_check(conn: Connection, round_id: int, submission_id: int, **values) -> None:
    key = and_(formal_checks.c.round_id == round_id, formal_checks.c.submission_id == submission_id)
    if conn.execute(update(formal_checks).where(key).values(**_enc(values))).rowcount == 0:
        conn.execute(insert(formal_checks).values(round_id=round_id, submission_id=submission_id, **_enc(values)))
