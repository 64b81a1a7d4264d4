"""Writing passages and their search tokens (inside the ingest transaction)."""

from __future__ import annotations

from sqlalchemy import Connection

from ..models import Book
from ..store import search as store
from ..store.rows import keyed
from .analysis import analyzer
from .passages import case_passages


def generation(conn: Connection) -> int:
    """Bumped whenever passages change: the BM25 case index is rebuilt on next use."""
    return store.counter(conn, "generation")


def index_book(conn: Connection, book: Book, case_pks: dict[int, int]) -> int:
    """Store every case's passages with their tokens, keeping the rows (and vectors) of
    passages that did not change. Returns the passage count."""
    an = analyzer()
    by_no = {ln.no: ln for ln in book.document.lines}
    total = 0
    for case in book.cases:
        lines = [by_no[n] for n in range(case.start_line, case.end_line + 1) if n in by_no]
        found = case_passages(case, lines)
        keys = keyed("\x1e".join((p.kind, p.heading or "", p.text)) for p in found)
        pk = case_pks[case.seq]
        store.sync_passages(
            conn,
            pk,
            [
                {
                    "passage_key": key,
                    "case_pk": pk,
                    "seq": k + 1,
                    "kind": p.kind,
                    "heading": p.heading,
                    "start_line": p.start_line,
                    "end_line": p.end_line,
                    "text": p.text,
                    "tokens": " ".join(an.index_tokens(p.text) + (an.tokens(p.heading) if p.heading else [])),
                }
                for k, (key, p) in enumerate(zip(keys, found))
            ],
        )
        total += len(found)
    store.bump(conn, "generation")
    return total
