"""Writing passages and their search tokens (inside the ingest transaction)."""

from __future__ import annotations

from sqlalchemy import Connection, insert, select, update

from ..models import Book
from ..store.schema import passages, search_state
from .analysis import analyzer
from .passages import case_passages


def bump(conn: Connection, key: str) -> None:
    """Increment a change counter (in the caller's transaction): in-memory indexes keyed on
    it reload on next use."""
    current = counter(conn, key)
    if current == 0:
        conn.execute(insert(search_state).values(key=key, value=1))
    else:
        conn.execute(update(search_state).where(search_state.c.key == key).values(value=current + 1))


def counter(conn: Connection, key: str) -> int:
    return conn.execute(select(search_state.c.value).where(search_state.c.key == key)).scalar() or 0


def bump_generation(conn: Connection) -> None:
    """Passages changed: the BM25 case index is rebuilt on next use."""
    bump(conn, "generation")


def generation(conn: Connection) -> int:
    return counter(conn, "generation")


def index_book(conn: Connection, book: Book, case_pks: dict[int, int]) -> int:
    """Store every case's passages with their tokens. Returns the passage count."""
    an = analyzer()
    by_no = {ln.no: ln for ln in book.document.lines}
    rows = []
    for case in book.cases:
        lines = [by_no[n] for n in range(case.start_line, case.end_line + 1) if n in by_no]
        for k, p in enumerate(case_passages(case, lines)):
            tokens = an.index_tokens(p.text) + (an.tokens(p.heading) if p.heading else [])
            rows.append({"case_pk": case_pks[case.seq], "seq": k + 1, "kind": p.kind, "heading": p.heading,
                         "start_line": p.start_line, "end_line": p.end_line, "text": p.text, "tokens": " ".join(tokens)})
    if rows:
        conn.execute(insert(passages), rows)
    bump_generation(conn)
    return len(rows)
