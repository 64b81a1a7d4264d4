"""Writing the passage index (inside the ingest transaction) and reading passages back."""

from __future__ import annotations

from sqlalchemy import Connection, insert, text

from ..models import Book
from ..store.schema import passages
from .analysis import analyzer
from .passages import case_passages


def index_book(conn: Connection, book: Book, case_pks: dict[int, int]) -> int:
    """Add every case's passages to the store and the FTS index. Returns the passage count."""
    an = analyzer()
    by_no = {ln.no: ln for ln in book.document.lines}
    rows = []
    for case in book.cases:
        lines = [by_no[n] for n in range(case.start_line, case.end_line + 1) if n in by_no]
        for k, p in enumerate(case_passages(case, lines)):
            rows.append((case_pks[case.seq], k + 1, p, case.title))
    if not rows:
        return 0
    fts = conn.dialect.name == "sqlite"
    case_tokens: dict[int, list[str]] = {}
    case_titles: dict[int, str] = {}
    for case_pk, seq, p, title in rows:
        pid = conn.execute(insert(passages).values(
            case_pk=case_pk, seq=seq, kind=p.kind, heading=p.heading, start_line=p.start_line,
            end_line=p.end_line, text=p.text,
        )).inserted_primary_key[0]
        if fts:
            body = an.index_tokens(p.text)
            heading = an.tokens(p.heading or "")
            conn.execute(
                text("INSERT INTO passages_fts(rowid, title, heading, body) VALUES (:id, :t, :h, :b)"),
                {"id": pid, "t": " ".join(an.index_tokens(title)) if p.kind == "case" else "",
                 "h": " ".join(heading), "b": " ".join(body)},
            )
            if p.kind == "case":
                case_titles[case_pk] = " ".join(body)
            else:
                case_tokens.setdefault(case_pk, []).extend(heading + body)
    if fts:
        conn.execute(text("INSERT INTO cases_fts(rowid, title, body) VALUES (:id, :t, :b)"), [
            {"id": pk, "t": case_titles.get(pk, ""), "b": " ".join(case_tokens.get(pk, []))} for pk in case_titles
        ])
    return len(rows)
