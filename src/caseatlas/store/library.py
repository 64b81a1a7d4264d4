"""The library's own rows: collections, cases, sections, lines, and the facts stored with
them. Every write runs in the caller's transaction: the service that stores a book owns the
unit of work (the book, its search index, organizations and audit record commit together).

Re-ingest keeps identities: a changed book is *synchronized* with what is stored — rows
whose key survives are updated in place (same primary key, so whatever is attached to them
survives: embeddings today, reviews, flags and links tomorrow), new keys are inserted, and
only vanished keys are deleted. Keys:

- collection: its source file name;
- case: its `case_id`, matched to the new book by title and organization, else by title,
  else by position (a case whose title was edited keeps its id if it did not move);
- section and table: position in its case; line: line number;
- outcome / attribute: `fact_id`, a hash of the case id, what was found and its quote
  (`fact_key`), so a fact keeps its id when the text around it is edited.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Connection, bindparam, delete, func, insert, select, update

from .. import models
from ..models import Book, Case, CaseFacts, IngestResult
from .organizations import of_cases
from .rows import chunked, keyed, sync_rows
from .schema import (
    attributes,
    calls,
    case_tables,
    cases,
    collections,
    flag_verdicts,
    flags,
    lines,
    outcomes,
    sections,
    users,
)


def _outcome_base(case_id: str, o) -> str:
    return "\x1e".join(("o", case_id, o.kind, o.unit, f"{o.value:.6g}", o.quote))


def _attribute_base(case_id: str, a) -> str:
    return "\x1e".join(("a", case_id, a.kind, a.value, a.detail or "", a.quote))


def save_book(conn: Connection, book: Book, pipeline: str | None = None, owner: dict | None = None) -> IngestResult:
    """Store a book in the caller's transaction: insert it, or synchronize an earlier version of
    the same file with it; a file already stored by the same `pipeline` version with the same
    content is left as it is (status "unchanged"). `owner` ({"owner_user_id": …} or
    {"owner_call_id": …}) is stored with a new book.

    The caller owns the unit of work (services/library.py): what follows from the rows written
    here — the search index, the organizations, the audit record — it writes in the same
    transaction, so all of it is committed, or rolled back, together. This module calls nothing
    above it."""
    doc = book.document
    old = conn.execute(
        select(collections.c.id, collections.c.sha256, collections.c.slug, collections.c.pipeline).where(
            collections.c.source_file == doc.source_file
        )
    ).first()
    if old is not None and old.sha256 == doc.sha256 and old.pipeline == pipeline:
        n = conn.execute(select(func.count()).select_from(cases).where(cases.c.collection_id == old.id)).scalar_one()
        return IngestResult(doc.source_file, "unchanged", n, kept=n, collection_id=old.id)
    values = dict(
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
        ingested_at=datetime.now(UTC).isoformat(timespec="seconds"),
        pipeline=pipeline,
    )
    if old is not None:
        cid, slug = old.id, old.slug
        conn.execute(update(collections).where(collections.c.id == cid).values(**values))
    else:
        slug = _free_slug(conn, Path(doc.source_file).stem, doc.source_file)
        cid = conn.execute(
            insert(collections).values(slug=slug, source_file=doc.source_file, **values, **(owner or {}))
        ).inserted_primary_key[0]
    _sync_lines(conn, cid, doc.lines)
    case_pks, kept, removed = _sync_cases(conn, cid, slug, book.cases)
    for case in book.cases:
        pk = case_pks[case.seq]
        sync_rows(
            conn,
            sections,
            sections.c.case_pk == pk,
            "seq",
            [
                {
                    "case_pk": pk,
                    "seq": k + 1,
                    "heading": s.heading,
                    "start_line": s.start_line,
                    "end_line": s.end_line,
                }
                for k, s in enumerate(case.sections)
            ],
        )
        _sync_tables(conn, pk, case.tables)
        _sync_facts(conn, pk, case.case_id, case.facts or CaseFacts())
        _sync_flags(conn, pk, case.case_id, case.flags)
    return IngestResult(
        doc.source_file,
        "replaced" if old is not None else "added",
        len(book.cases),
        kept=kept,
        removed=removed,
        collection_id=cid,
    )


def _sync_lines(conn: Connection, cid: int, doc_lines) -> None:
    """Lines are keyed by number: update the ones whose text changed, add or drop the tail."""
    stored = {
        r.line_no: (r.page, r.raw, r.text)
        for r in conn.execute(
            select(lines.c.line_no, lines.c.page, lines.c.raw, lines.c.text).where(lines.c.collection_id == cid)
        )
    }
    new, changed = [], []
    for ln in doc_lines:
        old = stored.pop(ln.no, None)
        if old is None:
            new.append({"collection_id": cid, "line_no": ln.no, "page": ln.page, "raw": ln.raw, "text": ln.text})
        elif old != (ln.page, ln.raw, ln.text):
            changed.append({"b_cid": cid, "b_no": ln.no, "b_page": ln.page, "b_raw": ln.raw, "b_text": ln.text})
    if stored:
        conn.execute(delete(lines).where(lines.c.collection_id == cid, lines.c.line_no > len(doc_lines)))
    if changed:
        conn.execute(
            update(lines)
            .where(lines.c.collection_id == bindparam("b_cid"), lines.c.line_no == bindparam("b_no"))
            .values(page=bindparam("b_page"), raw=bindparam("b_raw"), text=bindparam("b_text")),
            changed,
        )
    if new:
        conn.execute(insert(lines), new)


def match_cases(old: list[dict], new: list[Case]) -> dict[int, str]:
    """New case seq → the stored case id it continues: same title and organization, else same
    title (each only where unambiguous), else the same position."""
    out: dict[int, str] = {}
    left = {o["case_id"]: o for o in old}
    for keyf in (lambda c: (c["title"], c["organization"]), lambda c: c["title"]):
        old_by: dict = {}
        for o in left.values():
            old_by.setdefault(keyf(o), []).append(o)
        todo = [c for c in new if c.seq not in out]
        new_by: dict = {}
        for c in todo:
            new_by.setdefault(keyf({"title": c.title, "organization": c.organization}), []).append(c)
        for k, group in new_by.items():
            if len(group) == 1 and len(old_by.get(k, [])) == 1:
                out[group[0].seq] = old_by[k][0]["case_id"]
                left.pop(old_by[k][0]["case_id"])
    by_seq = {o["seq"]: o for o in left.values()}
    for c in new:
        if c.seq not in out and c.seq in by_seq:
            out[c.seq] = by_seq.pop(c.seq)["case_id"]
    return out


def _sync_cases(conn: Connection, cid: int, slug: str, book_cases: list[Case]) -> tuple[dict[int, int], int, int]:
    old = [
        dict(r)
        for r in conn.execute(
            select(cases.c.case_id, cases.c.seq, cases.c.title, cases.c.organization).where(
                cases.c.collection_id == cid
            )
        ).mappings()
    ]
    matched = match_cases(old, book_cases)
    taken = set(matched.values())
    numbers = [int(x.rsplit(":", 1)[1]) for x in taken if x.rsplit(":", 1)[1].isdigit()]
    next_free = max(numbers + [len(book_cases)]) + 1
    for case in book_cases:
        if case.seq in matched:
            case.case_id = matched[case.seq]
            continue
        candidate = f"{slug}:{case.seq}"
        if candidate in taken or any(o["case_id"] == candidate for o in old):
            candidate = f"{slug}:{next_free}"  # never hand a removed case's id to another case
            next_free += 1
        case.case_id = candidate
        taken.add(candidate)
    by_id = sync_rows(
        conn,
        cases,
        cases.c.collection_id == cid,
        "case_id",
        [
            {
                "case_id": c.case_id,
                "collection_id": cid,
                "seq": c.seq,
                "title": c.title,
                "organization": c.organization,
                "chapter": c.chapter,
                "start_line": c.start_line,
                "end_line": c.end_line,
                "page": c.page,
                "text": c.text,
            }
            for c in book_cases
        ],
    )
    kept = len(matched)
    return {c.seq: by_id[c.case_id] for c in book_cases}, kept, len(old) - kept


def _sync_facts(conn: Connection, case_pk: int, case_id: str, facts: CaseFacts) -> None:
    ids = keyed(_outcome_base(case_id, o) for o in facts.outcomes)
    sync_rows(
        conn,
        outcomes,
        outcomes.c.case_pk == case_pk,
        "fact_id",
        [
            {
                "fact_id": fid,
                "case_pk": case_pk,
                "seq": k + 1,
                "value": o.value,
                "value_max": o.value_max,
                "unit": o.unit,
                "kind": o.kind,
                "period": o.period,
                "qualifier": o.qualifier,
                "quote": o.quote,
                "line": o.line,
                "evidence": json.dumps([{"quote": e.quote, "line": e.line} for e in o.evidence], ensure_ascii=False),
                "status": o.status,
                "scope": o.scope,
                "origin": o.origin,
                "span_start": o.span[0] if o.span else None,
                "span_end": o.span[1] if o.span else None,
                "verification": json.dumps(o.verification, ensure_ascii=False) if o.verification else None,
            }
            for k, (fid, o) in enumerate(zip(ids, facts.outcomes))
        ],
    )
    ids = keyed(_attribute_base(case_id, a) for a in facts.attributes)
    sync_rows(
        conn,
        attributes,
        attributes.c.case_pk == case_pk,
        "fact_id",
        [
            {
                "fact_id": fid,
                "case_pk": case_pk,
                "kind": a.kind,
                "value": a.value,
                "detail": a.detail,
                "quote": a.quote,
                "line": a.line,
            }
            for fid, a in zip(ids, facts.attributes)
        ],
    )


def _table_data(t: models.Table) -> str:
    data = asdict(t)
    del data["form"]
    return json.dumps(data, ensure_ascii=False)


def _sync_tables(conn: Connection, case_pk: int, found: list[models.Table]) -> None:
    sync_rows(
        conn,
        case_tables,
        case_tables.c.case_pk == case_pk,
        "seq",
        [
            {"case_pk": case_pk, "seq": k + 1, "form": t.form, "first_line": t.first_line, "data": _table_data(t)}
            for k, t in enumerate(found)
        ],
    )


def _tables_for(conn: Connection, case_pks: list[int] | None) -> dict[int, list[models.Table]]:
    q = select(case_tables).order_by(case_tables.c.case_pk, case_tables.c.seq)
    out: dict[int, list[models.Table]] = {}
    for r in _rows(conn, q, case_tables.c.case_pk, case_pks):
        out.setdefault(r["case_pk"], []).append(models.Table(form=r["form"], **json.loads(r["data"])))
    return out


def case_tables_of(conn: Connection, case_pk: int) -> list[models.Table]:
    """A case's tables as read on ingest, in reading order."""
    return _tables_for(conn, [case_pk]).get(case_pk, [])


def _sync_flags(conn: Connection, case_pk: int, case_id: str, found: list) -> None:
    ids = keyed(
        "\x1e".join(("f", case_id, f.check, ",".join(map(str, sorted(set(f.lines)))), *f.quotes)) for f in found
    )
    sync_rows(
        conn,
        flags,
        flags.c.case_pk == case_pk,
        "flag_id",
        [
            {
                "flag_id": fid,
                "case_pk": case_pk,
                "seq": k + 1,
                "check_name": f.check,
                "severity": f.severity,
                "message": f.message,
                "message_en": f.message_en,
                "lines": json.dumps(f.lines),
                "quotes": json.dumps(f.quotes, ensure_ascii=False),
                "vals": json.dumps(f.values),
                "reference": f.reference,
            }
            for k, (fid, f) in enumerate(zip(ids, found))
        ],
    )


def _flags_for(conn: Connection, case_pks: list[int] | None) -> dict[int, list[dict]]:
    q = (
        select(
            flags,
            flag_verdicts.c.verdict,
            flag_verdicts.c.note.label("verdict_note"),
            flag_verdicts.c.username.label("verdict_by"),
        )
        .outerjoin(flag_verdicts, flag_verdicts.c.flag_id == flags.c.flag_id)
        .order_by(flags.c.case_pk, flags.c.seq)
    )
    out: dict[int, list[dict]] = {}
    for r in _rows(conn, q, flags.c.case_pk, case_pks):
        out.setdefault(r["case_pk"], []).append(
            {
                "id": r["flag_id"],
                "check": r["check_name"],
                "severity": r["severity"],
                "message": r["message"],
                "message_en": r["message_en"],
                "lines": json.loads(r["lines"]),
                "quotes": json.loads(r["quotes"]),
                "values": json.loads(r["vals"]),
                "reference": r["reference"],
                "verdict": r["verdict"],
                "verdict_note": r["verdict_note"],
                "verdict_by": r["verdict_by"],
            }
        )
    return out


def flag_exists(conn: Connection, flag_id: str) -> bool:
    return conn.execute(select(flags.c.id).where(flags.c.flag_id == flag_id)).first() is not None


def set_verdict(conn: Connection, flag_id: str, verdict: str | None, note: str | None, username: str, at: str) -> None:
    conn.execute(delete(flag_verdicts).where(flag_verdicts.c.flag_id == flag_id))
    if verdict:
        conn.execute(
            insert(flag_verdicts).values(flag_id=flag_id, verdict=verdict, note=note, username=username, at=at)
        )


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


def delete_collection(conn: Connection, collection_id: int) -> int:
    """Remove a book and everything derived from it. Returns the number of cases removed."""
    n = conn.execute(select(func.count()).select_from(cases).where(cases.c.collection_id == collection_id)).scalar_one()
    conn.execute(delete(collections).where(collections.c.id == collection_id))
    return n


# --- reading --------------------------------------------------------------------------------


def list_collections(conn: Connection, collection_id: int | None = None) -> list[dict]:
    """Collections with their number of cases and their owner (`owner_username`, `owner_call_title`)."""
    n_cases = select(func.count()).where(cases.c.collection_id == collections.c.id).scalar_subquery()
    q = (
        select(
            collections,
            n_cases.label("n_cases"),
            users.c.username.label("owner_username"),
            calls.c.title.label("owner_call_title"),
        )
        .outerjoin(users, users.c.id == collections.c.owner_user_id)
        .outerjoin(calls, calls.c.id == collections.c.owner_call_id)
        .order_by(collections.c.source_file)
    )
    if collection_id is not None:
        q = q.where(collections.c.id == collection_id)
    out = []
    for r in conn.execute(q).mappings():
        d = dict(r)
        d["experts"] = json.loads(d["experts"])
        d["chapters"] = json.loads(d["chapters"])
        out.append(d)
    return out


def set_owner(conn: Connection, collection_id: int, user_id: int | None = None, call_id: int | None = None) -> None:
    conn.execute(
        update(collections)
        .where(collections.c.id == collection_id)
        .values(owner_user_id=user_id, owner_call_id=call_id)
    )


def case_ids_in_order(conn: Connection, collection_id: int) -> list[str]:
    """A collection's case ids in book order."""
    return list(
        conn.execute(
            select(cases.c.case_id).where(cases.c.collection_id == collection_id).order_by(cases.c.seq)
        ).scalars()
    )


def collection_by_file(conn: Connection, source_file: str) -> dict | None:
    """The collection stored under this file name (a file of that name replaces it)."""
    row = conn.execute(select(collections.c.id).where(collections.c.source_file == source_file)).first()
    return list_collections(conn, row.id)[0] if row else None


def find_collection(conn: Connection, key: str) -> dict | None:
    """A collection by slug, file name, or title."""
    for col in (collections.c.slug, collections.c.source_file, collections.c.title):
        row = conn.execute(select(collections.c.id).where(col == key)).first()
        if row:
            return list_collections(conn, row.id)[0]
    return None


def case_keys(conn: Connection) -> list[int]:
    """Primary keys of all cases, in library order (book file, then position in the book)."""
    q = (
        select(cases.c.id)
        .join(collections, collections.c.id == cases.c.collection_id)
        .order_by(collections.c.source_file, cases.c.seq)
    )
    return list(conn.execute(q).scalars())


def case_pks_by_seq(conn: Connection, collection_id: int) -> dict[int, int]:
    """{case position in the book: case primary key} of one collection."""
    q = select(cases.c.seq, cases.c.id).where(cases.c.collection_id == collection_id)
    return dict(conn.execute(q).all())


def case_pk(conn: Connection, case_id: str) -> int | None:
    return conn.execute(select(cases.c.id).where(cases.c.case_id == case_id)).scalar()


def case_pks_of(conn: Connection, case_ids: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in chunked(case_ids):
        out.update(conn.execute(select(cases.c.case_id, cases.c.id).where(cases.c.case_id.in_(part))).all())
    return out


def iter_cases(
    conn: Connection, collection_id: int | None = None, with_sections: bool = True, case_pks: list[int] | None = None
) -> Iterator[dict]:
    """Cases with their sections, tables and facts: all, one collection's, or the given keys."""
    q = (
        select(cases, collections.c.title.label("collection"), collections.c.source_file, collections.c.year)
        .join(collections, collections.c.id == cases.c.collection_id)
        .order_by(collections.c.source_file, cases.c.seq)
    )
    if collection_id is not None:
        q = q.where(cases.c.collection_id == collection_id)
    if case_pks is not None:
        rows = [dict(r) for part in chunked(case_pks) for r in conn.execute(q.where(cases.c.id.in_(part))).mappings()]
    else:
        rows = [dict(r) for r in conn.execute(q).mappings()]
    subset = collection_id is not None or case_pks is not None
    pks = [r["id"] for r in rows] if subset else None
    secs: dict[int, list[dict]] = {}
    facts: tuple[dict, dict] = ({}, {})
    found: dict[int, list[dict]] = {}
    orgs: dict[int, list[dict]] = {}
    tabs: dict[int, list[models.Table]] = {}
    if with_sections and rows:
        for s in _rows(conn, select(sections).order_by(sections.c.case_pk, sections.c.seq), sections.c.case_pk, pks):
            secs.setdefault(s["case_pk"], []).append(
                {"heading": s["heading"], "start_line": s["start_line"], "end_line": s["end_line"]}
            )
        facts = _facts_for(conn, pks)
        found = _flags_for(conn, pks)
        tabs = _tables_for(conn, pks)
        orgs = of_cases(conn, pks)
    for r in rows:
        r["flags"] = found.get(r["id"], []) if with_sections else []
        r["organizations"] = orgs.get(r["id"], []) if with_sections else []
        r["sections"] = secs.get(r["id"], [])
        r["tables"] = tabs.get(r["id"], [])  # models.Table: the case's tables, as read on ingest
        r["outcomes"] = facts[0].get(r["id"], [])
        r["attributes"] = facts[1].get(r["id"], [])
        yield r


def _rows(conn: Connection, q, key_col, pks: list[int] | None) -> Iterator[dict]:
    if pks is None:
        yield from conn.execute(q).mappings()
        return
    for part in chunked(pks):
        yield from conn.execute(q.where(key_col.in_(part))).mappings()


def _facts_for(conn: Connection, case_pks: list[int] | None) -> tuple[dict, dict]:
    outs: dict[int, list[dict]] = {}
    for o in _rows(conn, select(outcomes).order_by(outcomes.c.case_pk, outcomes.c.seq), outcomes.c.case_pk, case_pks):
        d = dict(o)
        d["evidence"] = json.loads(d["evidence"])
        d["verification"] = json.loads(d["verification"]) if d.get("verification") else None
        outs.setdefault(d.pop("case_pk"), []).append(d)
    attrs: dict[int, list[dict]] = {}
    for a in _rows(
        conn, select(attributes).order_by(attributes.c.case_pk, attributes.c.id), attributes.c.case_pk, case_pks
    ):
        d = dict(a)
        attrs.setdefault(d.pop("case_pk"), []).append(d)
    return outs, attrs


def get_case(conn: Connection, case_id: str) -> dict | None:
    pk = case_pk(conn, case_id)
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


@dataclass(slots=True)
class CaseSummary:
    pk: int
    case_id: str
    title: str
    organization: str | None
    chapter: str | None
    start_line: int
    end_line: int
    source_file: str
    collection: str
    year: int | None
    seq: int


def case_summaries(conn: Connection, case_pks: list[int] | None = None) -> dict[int, CaseSummary]:
    """Brief rows for search hits (or, with no keys, for every case)."""
    q = (
        select(
            cases.c.id,
            cases.c.case_id,
            cases.c.title,
            cases.c.organization,
            cases.c.chapter,
            cases.c.start_line,
            cases.c.end_line,
            collections.c.source_file,
            collections.c.title.label("collection"),
            collections.c.year,
            cases.c.seq,
        )
        .join(collections, collections.c.id == cases.c.collection_id)
        .order_by(cases.c.id)
    )
    if case_pks is None:
        return {r[0]: CaseSummary(*r) for r in conn.execute(q)}
    return {r[0]: CaseSummary(*r) for part in chunked(case_pks) for r in conn.execute(q.where(cases.c.id.in_(part)))}


def counts(conn: Connection) -> dict[str, int]:
    return {
        t.name: conn.execute(select(func.count()).select_from(t)).scalar_one()
        for t in (collections, cases, sections, outcomes, attributes, lines)
    }


def cases_matching(
    conn: Connection, case_pks: list[int], contains: list[str], excludes: list[str], fields: list[tuple[str, str]]
) -> set[int]:
    """Those of the given cases whose text contains every phrase and none of the excluded
    ones, and whose title/organization contain the given words (case-insensitive LIKE with
    the pattern escaped, bound as a parameter)."""
    conds = [func.lower(cases.c.text).contains(p.lower(), autoescape=True) for p in contains]
    conds += [~func.lower(cases.c.text).contains(p.lower(), autoescape=True) for p in excludes]
    conds += [func.lower(func.coalesce(cases.c[col], "")).contains(v.lower(), autoescape=True) for col, v in fields]
    out: set[int] = set()
    for part in chunked(case_pks):
        out.update(conn.execute(select(cases.c.id).where(cases.c.id.in_(part), *conds)).scalars())
    return out
