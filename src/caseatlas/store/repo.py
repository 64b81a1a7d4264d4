"""Reading and writing the library. Every write is one transaction."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator

from sqlalchemy import Connection, Engine, delete, func, insert, select

from ..models import Book
from .schema import attributes, cases, collections, lines, outcomes, sections


@dataclass(slots=True)
class IngestOutcome:
    source_file: str
    status: str  # "added", "replaced", "unchanged"
    n_cases: int
    collection_id: int


def save_book(engine: Engine, book: Book,
              on_saved: Callable[[Connection, dict[int, int]], None] | None = None,
              pipeline: str | None = None) -> IngestOutcome:
    """Insert a book, replacing an earlier version of the same file; a file already stored
    by the same `pipeline` version with the same content is skipped.

    `on_saved(conn, {case seq: case primary key})` runs inside the same transaction, so
    derived data (the search index) is written, or rolled back, together with the cases."""
    doc = book.document
    with engine.begin() as conn:
        old = conn.execute(
            select(collections.c.id, collections.c.sha256, collections.c.slug, collections.c.pipeline)
            .where(collections.c.source_file == doc.source_file)
        ).first()
        if old is not None and old.sha256 == doc.sha256 and old.pipeline == pipeline:
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
                pipeline=pipeline,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(lines),
            [{"collection_id": cid, "line_no": ln.no, "page": ln.page, "raw": ln.raw, "text": ln.text} for ln in doc.lines],
        )
        case_pks: dict[int, int] = {}
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
            case_pks[case.seq] = pk
            if case.sections:
                conn.execute(
                    insert(sections),
                    [
                        {"case_pk": pk, "seq": k + 1, "heading": s.heading, "start_line": s.start_line, "end_line": s.end_line}
                        for k, s in enumerate(case.sections)
                    ],
                )
            if case.facts is not None:
                _save_facts(conn, pk, case.facts)
        if on_saved is not None:
            on_saved(conn, case_pks)
        return IngestOutcome(doc.source_file, "replaced" if old is not None else "added", len(book.cases), cid)


def _save_facts(conn: Connection, case_pk: int, facts) -> None:
    if facts.outcomes:
        conn.execute(insert(outcomes), [
            {"case_pk": case_pk, "seq": k + 1, "value": o.value, "value_max": o.value_max, "unit": o.unit,
             "kind": o.kind, "period": o.period, "qualifier": o.qualifier, "quote": o.quote, "line": o.line,
             "evidence": json.dumps([{"quote": e.quote, "line": e.line} for e in o.evidence], ensure_ascii=False)}
            for k, o in enumerate(facts.outcomes)
        ])
    if facts.attributes:
        conn.execute(insert(attributes), [
            {"case_pk": case_pk, "kind": a.kind, "value": a.value, "detail": a.detail, "quote": a.quote, "line": a.line}
            for a in facts.attributes
        ])


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


def case_keys(conn: Connection) -> list[int]:
    """Primary keys of all cases, in library order (book file, then position in the book)."""
    q = (select(cases.c.id).join(collections, collections.c.id == cases.c.collection_id)
         .order_by(collections.c.source_file, cases.c.seq))
    return list(conn.execute(q).scalars())


def iter_cases(conn: Connection, collection_id: int | None = None, with_sections: bool = True,
               case_pks: list[int] | None = None) -> Iterator[dict]:
    """Cases with their sections and facts: all, one collection's, or the given keys."""
    q = (
        select(cases, collections.c.title.label("collection"), collections.c.source_file, collections.c.year)
        .join(collections, collections.c.id == cases.c.collection_id)
        .order_by(collections.c.source_file, cases.c.seq)
    )
    if collection_id is not None:
        q = q.where(cases.c.collection_id == collection_id)
    if case_pks is not None:
        q = q.where(cases.c.id.in_(case_pks))
    subset = collection_id is not None or case_pks is not None
    rows = [dict(r) for r in conn.execute(q).mappings()]
    secs: dict[int, list[dict]] = {}
    if with_sections and rows:
        sq = select(sections).order_by(sections.c.case_pk, sections.c.seq)
        if subset:
            sq = sq.where(sections.c.case_pk.in_([r["id"] for r in rows]))
        for s in conn.execute(sq).mappings():
            secs.setdefault(s["case_pk"], []).append(
                {"heading": s["heading"], "start_line": s["start_line"], "end_line": s["end_line"]}
            )
    facts = _facts_for(conn, [r["id"] for r in rows] if subset else None) if with_sections else ({}, {})
    for r in rows:
        r["sections"] = secs.get(r["id"], [])
        r["outcomes"] = facts[0].get(r["id"], [])
        r["attributes"] = facts[1].get(r["id"], [])
        yield r


def _facts_for(conn: Connection, case_pks: list[int] | None) -> tuple[dict, dict]:
    oq = select(outcomes).order_by(outcomes.c.case_pk, outcomes.c.seq)
    aq = select(attributes).order_by(attributes.c.case_pk, attributes.c.id)
    if case_pks is not None:
        oq = oq.where(outcomes.c.case_pk.in_(case_pks))
        aq = aq.where(attributes.c.case_pk.in_(case_pks))
    outs: dict[int, list[dict]] = {}
    for o in conn.execute(oq).mappings():
        d = dict(o)
        d["evidence"] = json.loads(d["evidence"])
        outs.setdefault(d.pop("case_pk"), []).append(d)
    attrs: dict[int, list[dict]] = {}
    for a in conn.execute(aq).mappings():
        d = dict(a)
        attrs.setdefault(d.pop("case_pk"), []).append(d)
    return outs, attrs


def get_case(conn: Connection, case_id: str) -> dict | None:
    pk = conn.execute(select(cases.c.id).where(cases.c.case_id == case_id)).scalar()
    if pk is None:
        return None
    return next(iter_cases(conn, case_pks=[pk]), None)


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
        "outcomes": conn.execute(select(func.count()).select_from(outcomes)).scalar_one(),
        "attributes": conn.execute(select(func.count()).select_from(attributes)).scalar_one(),
        "lines": conn.execute(select(func.count()).select_from(lines)).scalar_one(),
    }
