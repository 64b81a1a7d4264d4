"""Search's rows: passages with their tokens, embeddings, change counters, and the built
BM25 index for libraries that share it through the database (PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import Connection, func, insert, or_, select, text, true, update
from sqlalchemy.orm import aliased

from .rows import chunked, sync_rows
from .schema import cases, embeddings, passages, search_index, search_state


def sync_passages(conn: Connection, case_pk: int, rows: list[dict]) -> None:
    """Passages are keyed by content (`passage_key`), so an unchanged passage keeps its id
    and its vector across re-ingest; a changed one is new and gets embedded again."""
    sync_rows(conn, passages, passages.c.case_pk == case_pk, "passage_key", rows)


def bump(conn: Connection, key: str) -> None:
    """Increment a change counter in the caller's transaction, atomically (one UPDATE;
    concurrent writers serialize on the row instead of losing an increment)."""
    done = conn.execute(
        update(search_state).where(search_state.c.key == key).values(value=search_state.c.value + 1)
    ).rowcount
    if not done:
        conn.execute(insert(search_state).values(key=key, value=1))


def counter(conn: Connection, key: str) -> int:
    return conn.execute(select(search_state.c.value).where(search_state.c.key == key)).scalar() or 0


def stream_tokens(conn: Connection) -> Iterator[tuple[int, str, str]]:
    """(case key, passage kind, tokens) for every passage, grouped by case, streamed."""
    q = (
        select(passages.c.case_pk, passages.c.kind, passages.c.tokens)
        .order_by(passages.c.case_pk, passages.c.seq)
        .execution_options(stream_results=True, yield_per=2000)
    )  # on the statement: the connection stays as it was
    yield from conn.execute(q)


def passage_tokens(conn: Connection, case_pks: list[int]) -> Iterator[tuple[int, int, str, str]]:
    """(passage id, case key, kind, tokens) of the given cases' passages."""
    for part in chunked(case_pks):
        q = select(passages.c.id, passages.c.case_pk, passages.c.kind, passages.c.tokens).where(
            passages.c.case_pk.in_(part)
        )
        yield from conn.execute(q)


def passage_rows(conn: Connection, ids: list[int]) -> dict:
    out = {}
    for part in chunked(ids):
        q = select(
            passages.c.id,
            passages.c.kind,
            passages.c.heading,
            passages.c.start_line,
            passages.c.end_line,
            passages.c.text,
        ).where(passages.c.id.in_(part))
        out.update((r.id, r) for r in conn.execute(q))
    return out


def case_passage_text(conn: Connection, case_pk: int) -> str | None:
    return conn.execute(
        select(passages.c.text).where(passages.c.case_pk == case_pk, passages.c.kind == "case")
    ).scalar()


def pending_embeddings(conn: Connection, collection_id: int | None = None) -> list[tuple[int, str]]:
    """Passages to embed that have no vector yet: each case's case passage and the first
    passage of each section (of one collection's cases, when given)."""
    q = aliased(passages)
    first = (
        select(func.min(q.c.seq))
        .where(
            q.c.case_pk == passages.c.case_pk,
            q.c.kind == "text",
            func.coalesce(q.c.heading, "") == func.coalesce(passages.c.heading, ""),
        )
        .scalar_subquery()
    )
    rows = conn.execute(
        select(passages.c.id, passages.c.text)
        .outerjoin(embeddings, embeddings.c.passage_id == passages.c.id)
        .where(embeddings.c.passage_id.is_(None), or_(passages.c.kind == "case", passages.c.seq == first))
        .where(
            passages.c.case_pk.in_(select(cases.c.id).where(cases.c.collection_id == collection_id))
            if collection_id is not None
            else true()
        )
        .order_by(passages.c.id)
    ).all()
    return [(r.id, r.text) for r in rows]


def store_vectors(conn: Connection, model: str, ids: list[int], vectors: list[bytes]) -> None:
    conn.execute(insert(embeddings), [{"passage_id": pid, "model": model, "vector": v} for pid, v in zip(ids, vectors)])
    bump(conn, "vectors")  # the in-memory matrix reloads on next use


def count_vectors(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(embeddings)).scalar_one()


def all_vectors(conn: Connection) -> list[tuple[int, bytes]]:
    """(case key, vector bytes) for every embedded passage, grouped by case."""
    q = (
        select(passages.c.case_pk, embeddings.c.vector)
        .join(passages, passages.c.id == embeddings.c.passage_id)
        .order_by(passages.c.case_pk, passages.c.id)
    )
    return [(r[0], bytes(r[1])) for r in conn.execute(q)]


def lock_index(conn: Connection) -> None:
    """Serialize index builds across processes (PostgreSQL advisory lock, released at the
    end of the caller's transaction): the first worker builds, the others wait and load."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x43415341})  # "CASA"


def load_index(conn: Connection, key: str, generation: int) -> bytes | None:
    data = conn.execute(
        select(search_index.c.data).where(search_index.c.key == key, search_index.c.generation == generation)
    ).scalar()
    return None if data is None else bytes(data)


def save_index(conn: Connection, key: str, generation: int, data: bytes) -> None:
    done = conn.execute(
        update(search_index).where(search_index.c.key == key).values(generation=generation, data=data)
    ).rowcount
    if not done:
        conn.execute(insert(search_index).values(key=key, generation=generation, data=data))
