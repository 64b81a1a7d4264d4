"""Final versions of accepted cases (issue 25): a call's book settings and logos, each case's
finals row (state, approval, 专家点评), its versions (kept, never overwritten), photos and proofs.

Rows come back as plain dicts with JSON columns decoded; callers never see SQL."""

from __future__ import annotations

import json

from sqlalchemy import Connection, delete, func, insert, select, update

from .rows import JsonColumns
from .schema import book_logos, call_books, final_photos, final_versions, finals, proofs, users

_JSON = JsonColumns("committee", "data")
_row, _enc = _JSON.row, _JSON.encode


# --- the book's settings


def book_settings(conn: Connection, call_id: int) -> dict | None:
    return _row(conn.execute(select(call_books).where(call_books.c.call_id == call_id)).first())


def save_book_settings(conn: Connection, call_id: int, **values) -> None:
    if book_settings(conn, call_id) is None:
        conn.execute(insert(call_books).values(call_id=call_id, **_enc(values)))
    else:
        conn.execute(update(call_books).where(call_books.c.call_id == call_id).values(**_enc(values)))


_LOGO_META = [c for c in book_logos.c if c.name != "data"]


def logos(conn: Connection, call_id: int, with_data: bool = False) -> list[dict]:
    cols = list(book_logos.c) if with_data else _LOGO_META
    q = select(*cols).where(book_logos.c.call_id == call_id).order_by(book_logos.c.position, book_logos.c.id)
    return [dict(r._mapping) for r in conn.execute(q)]


def get_logo(conn: Connection, logo_id: int) -> dict | None:
    r = conn.execute(select(book_logos).where(book_logos.c.id == logo_id)).first()
    return dict(r._mapping) if r else None


def add_logo(conn: Connection, **values) -> int:
    n = conn.execute(select(func.count()).where(book_logos.c.call_id == values["call_id"])).scalar_one()
    return conn.execute(insert(book_logos).values(position=n + 1, **values)).inserted_primary_key[0]


def remove_logo(conn: Connection, logo_id: int) -> int:
    return conn.execute(delete(book_logos).where(book_logos.c.id == logo_id)).rowcount


# --- a case's finals


def get_final(conn: Connection, submission_id: int) -> dict | None:
    return _row(conn.execute(select(finals).where(finals.c.submission_id == submission_id)).first())


def finals_of(conn: Connection, submission_ids: list[int]) -> dict[int, dict]:
    if not submission_ids:
        return {}
    rows = conn.execute(select(finals).where(finals.c.submission_id.in_(submission_ids)))
    return {r.submission_id: _row(r) for r in rows}


def save_final(conn: Connection, submission_id: int, **values) -> None:
    if get_final(conn, submission_id) is None:
        conn.execute(insert(finals).values(submission_id=submission_id, **values))
    else:
        conn.execute(update(finals).where(finals.c.submission_id == submission_id).values(**values))


def add_version(conn: Connection, submission_id: int, version: int, data: dict, kind: str, by_id, at: str, note=None):
    conn.execute(
        insert(final_versions).values(
            submission_id=submission_id,
            version=version,
            data=json.dumps(data, ensure_ascii=False),
            kind=kind,
            by_id=by_id,
            note=note,
            at=at,
        )
    )


def versions(conn: Connection, submission_id: int) -> list[dict]:
    q = (
        select(final_versions, users.c.username)
        .select_from(final_versions.outerjoin(users, users.c.id == final_versions.c.by_id))
        .where(final_versions.c.submission_id == submission_id)
        .order_by(final_versions.c.version)
    )
    return [_row(r) for r in conn.execute(q)]


def version(conn: Connection, submission_id: int, number: int) -> dict | None:
    q = select(final_versions).where(
        final_versions.c.submission_id == submission_id, final_versions.c.version == number
    )
    return _row(conn.execute(q).first())


def approved_versions(conn: Connection, submission_ids: list[int]) -> dict[int, dict]:
    """Each submission's approved final version (those that have one)."""
    if not submission_ids:
        return {}
    q = (
        select(final_versions)
        .select_from(
            final_versions.join(
                finals,
                (finals.c.submission_id == final_versions.c.submission_id)
                & (finals.c.approved_version == final_versions.c.version),
            )
        )
        .where(final_versions.c.submission_id.in_(submission_ids))
    )
    return {r.submission_id: _row(r) for r in conn.execute(q)}


# --- photos

_PHOTO_META = [c for c in final_photos.c if c.name not in ("data", "thumbnail")]


def add_photo(conn: Connection, **values) -> int:
    return conn.execute(insert(final_photos).values(**values)).inserted_primary_key[0]


def photos(conn: Connection, submission_id: int, current: bool = True) -> list[dict]:
    q = select(*_PHOTO_META).where(final_photos.c.submission_id == submission_id)
    if current:
        q = q.where(final_photos.c.removed_at.is_(None))
    return [dict(r._mapping) for r in conn.execute(q.order_by(final_photos.c.id))]


def get_photo(conn: Connection, photo_id: int) -> dict | None:
    r = conn.execute(select(final_photos).where(final_photos.c.id == photo_id)).first()
    return dict(r._mapping) if r else None


def photos_by_id(conn: Connection, photo_ids: list[int]) -> dict[int, dict]:
    if not photo_ids:
        return {}
    return {r.id: dict(r._mapping) for r in conn.execute(select(final_photos).where(final_photos.c.id.in_(photo_ids)))}


def update_photo(conn: Connection, photo_id: int, **values) -> None:
    conn.execute(update(final_photos).where(final_photos.c.id == photo_id).values(**values))


# --- proofs

_PROOF_META = [c for c in proofs.c if c.name != "pdf"]


def add_proof(conn: Connection, **values) -> int:
    return conn.execute(insert(proofs).values(**values)).inserted_primary_key[0]


def proofs_of(conn: Connection, submission_id: int) -> list[dict]:
    q = select(*_PROOF_META).where(proofs.c.submission_id == submission_id).order_by(proofs.c.id)
    return [dict(r._mapping) for r in conn.execute(q)]


def latest_proofs(conn: Connection, submission_ids: list[int]) -> dict[int, dict]:
    if not submission_ids:
        return {}
    last = (
        select(proofs.c.submission_id, func.max(proofs.c.id).label("id"))
        .where(proofs.c.submission_id.in_(submission_ids))
        .group_by(proofs.c.submission_id)
        .subquery()
    )
    q = select(*_PROOF_META).select_from(proofs.join(last, last.c.id == proofs.c.id))
    return {r.submission_id: dict(r._mapping) for r in conn.execute(q)}


def get_proof(conn: Connection, proof_id: int) -> dict | None:
    r = conn.execute(select(proofs).where(proofs.c.id == proof_id)).first()
    return dict(r._mapping) if r else None


def update_proof(conn: Connection, proof_id: int, **values) -> None:
    conn.execute(update(proofs).where(proofs.c.id == proof_id).values(**values))


def usernames(conn: Connection, user_ids) -> dict[int, str]:
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    q = select(users.c.id, users.c.username, users.c.display_name).where(users.c.id.in_(ids))
    return {r.id: r.username for r in conn.execute(q)}


def display_names(conn: Connection, user_ids) -> dict[int, str]:
    ids = sorted({i for i in user_ids if i is not None})
    if not ids:
        return {}
    q = select(users.c.id, users.c.username, users.c.display_name).where(users.c.id.in_(ids))
    return {r.id: r.display_name or r.username for r in conn.execute(q)}
