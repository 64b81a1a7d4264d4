"""Reading and writing the library. Every write is one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from sqlalchemy import Connection, Engine, delete, func, insert, select

from ..models import Book
from .schema import cases, collections, lines, sections


@dataclass(slots=True)
class IngestOutcome:
    source_file: str
    status: str  # "added", "replaced", "unchanged"
    n_cases: int
    collection_id: int


def save_book(engine: Engine, book: Book) -> IngestOutcome:
    """Insert a book, replacing an earlier version of the same file; unchanged files are skipped."""
    doc = book.document
    with engine.begin() as conn:
        old = conn.execute(
            select(collections.c.id, collections.c.sha256, collections.c.slug).where(collections.c.source_file == doc.source_file)
        ).first()
        if old is not None and old.sha256 == doc.sha256:
            n = conn.execute(select(func.count()).select_from(cases).where(cases.c.collection_id == old.id)).scalar_one()
            return IngestOutcome(doc.source_file, "unchanged", n, old.id)
        if old is not None:
            conn.execute(delete(collections).where(collections.c.id == old.id))
            slug = old.slug
        else:
            slug = _free_slug(conn, Path(doc.source_file).stem, doc.source_file)
        cid = conn.execute(
            insert(collections).values(
                slug=slug,
                source_file=doc.source_file,
                source_path=doc.source_path,
                sha256=doc.sha256,
                format=doc.format,
                encoding=doc.encoding,
                title=book.meta.title,
                publisher=book.meta.publisher,
                year=book.meta.year,
                foreword=book.meta.foreword,
                experts=json.dumps(book.meta.experts, ensure_ascii=False),
                chapters=json.dumps(book.meta.chapters, ensure_ascii=False),
                n_lines=len(doc.lines),
                ingested_at=datetime.now(timezone.utc).isoformat(timespec="seconds"),
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(lines),
            [{"collection_id": cid, "line_no": ln.no, "page": ln.page, "raw": ln.raw, "text": ln.text} for ln in doc.lines],
        )
        for case in book.cases:
            pk = conn.execute(
                insert(cases).values(
                    case_id=f"{slug}:{case.seq}",
                    collection_id=cid,
                    seq=case.seq,
                    title=case.title,
                    organization=case.organization,
                    chapter=case.chapter,
                    start_line=case.start_line,
                    end_line=case.end_line,
                    page=case.page,
                    text=case.text,
                )
            ).inserted_primary_key[0]
            if case.sections:
                conn.execute(
                    insert(sections),
                    [
                        {"case_pk": pk, "seq": k + 1, "heading": s.heading, "start_line": s.start_line, "end_line": s.end_line}
                        for k, s in enumerate(case.sections)
                    ],
                )
        return IngestOutcome(doc.source_file, "replaced" if old is not None else "added", len(book.cases), cid)


def _free_slug(conn: Connection, stem: str, source_file: str) -> str:
    taken = set(conn.execute(select(collections.c.slug)).scalars())
    if stem not in taken:
        return stem
    candidate = source_file.replace(" ", "_")
    k = 2
    while candidate in taken:
        candidate = f"{stem}-{k}"
        k += 1
    return candidate


def list_collections(conn: Connection) -> list[dict]:
    n_cases = select(func.count()).where(cases.c.collection_id == collections.c.id).scalar_subquery()
    rows = conn.execute(select(collections, n_cases.label("n_cases")).order_by(collections.c.source_file)).mappings()
    out = []
    for r in rows:
        d = dict(r)
        d["experts"] = json.loads(d["experts"])
        d["chapters"] = json.loads(d["chapters"])
        out.append(d)
    return out


def find_collection(conn: Connection, key: str) -> dict | None:
    """A collection by slug, file name, or title."""
    for col in (collections.c.slug, collections.c.source_file, collections.c.title):
        row = conn.execute(select(collections.c.id).where(col == key)).first()
        if row:
            return next(c for c in list_collections(conn) if c["id"] == row.id)
    return None


def iter_cases(conn: Connection, collection_id: int | None = None, with_sections: bool = True) -> Iterator[dict]:
    q = (
        select(cases, collections.c.title.label("collection"), collections.c.source_file)
        .join(collections, collections.c.id == cases.c.collection_id)
        .order_by(collections.c.source_file, cases.c.seq)
    )
    if collection_id is not None:
        q = q.where(cases.c.collection_id == collection_id)
    rows = [dict(r) for r in conn.execute(q).mappings()]
    secs: dict[int, list[dict]] = {}
    if with_sections and rows:
        sq = select(sections).order_by(sections.c.case_pk, sections.c.seq)
        if collection_id is not None:
            sq = sq.where(sections.c.case_pk.in_([r["id"] for r in rows]))
        for s in conn.execute(sq).mappings():
            secs.setdefault(s["case_pk"], []).append(
                {"heading": s["heading"], "start_line": s["start_line"], "end_line": s["end_line"]}
            )
    for r in rows:
        r["sections"] = secs.get(r["id"], [])
        yield r


def get_case(conn: Connection, case_id: str) -> dict | None:
    row = conn.execute(select(cases.c.collection_id).where(cases.c.case_id == case_id)).first()
    if row is None:
        return None
    return next((c for c in iter_cases(conn, row.collection_id) if c["case_id"] == case_id), None)


def case_lines(conn: Connection, collection_id: int, start: int, end: int) -> list[dict]:
    q = (
        select(lines.c.line_no, lines.c.page, lines.c.raw, lines.c.text)
        .where(lines.c.collection_id == collection_id, lines.c.line_no.between(start, end))
        .order_by(lines.c.line_no)
    )
    return [dict(r) for r in conn.execute(q).mappings()]


def counts(conn: Connection) -> dict[str, int]:
    return {
        "collections": conn.execute(select(func.count()).select_from(collections)).scalar_one(),
        "cases": conn.execute(select(func.count()).select_from(cases)).scalar_one(),
        "sections": conn.execute(select(func.count()).select_from(sections)).scalar_one(),
        "lines": conn.execute(select(func.count()).select_from(lines)).scalar_one(),
    }
