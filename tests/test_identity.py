"""Stable identity across re-ingest: what people attach to a case or a fact survives.

A stand-in for what later issues attach (reviews, flags, links): two tables created here with
foreign keys that cascade, exactly as a real annotation table would. If re-ingest deleted
and re-inserted cases or facts, these rows would vanish with them."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import text

from caseatlas.services import discovery, library

EDITED = ("18.6 MW", "18.8 MW")  # a number in the first case's 主要做法
REMOVED = "社区碳普惠积分平台"


@pytest.fixture
def book(tmp_path, sample_file):
    path = tmp_path / sample_file.name
    shutil.copy(sample_file, path)
    return path


def attach_notes(engine) -> None:
    """A note on every case and on every outcome (the stand-in for reviews and verdicts)."""
    with engine.begin() as conn:
        conn.execute(
            text(
                "CREATE TABLE case_notes (id INTEGER PRIMARY KEY, "
                "case_pk INTEGER NOT NULL REFERENCES cases(id) ON DELETE CASCADE, note TEXT)"
            )
        )
        conn.execute(
            text(
                "CREATE TABLE fact_notes (id INTEGER PRIMARY KEY, "
                "outcome_pk INTEGER NOT NULL REFERENCES outcomes(id) ON DELETE CASCADE, note TEXT)"
            )
        )
        conn.execute(text("INSERT INTO case_notes (id, case_pk, note) SELECT id, id, title FROM cases"))
        conn.execute(text("INSERT INTO fact_notes (id, outcome_pk, note) SELECT id, id, quote FROM outcomes"))


def state(engine) -> dict:
    with engine.connect() as conn:
        q = lambda sql: conn.execute(text(sql)).all()  # noqa: E731
        return {
            "cases": dict(q("SELECT case_id, id FROM cases")),
            "titles": dict(q("SELECT case_id, title FROM cases")),
            "facts": dict(q("SELECT fact_id, id FROM outcomes")),
            "fact_quotes": dict(q("SELECT fact_id, quote FROM outcomes")),
            "case_notes": dict(q("SELECT case_pk, note FROM case_notes")),
            "fact_notes": dict(q("SELECT outcome_pk, note FROM fact_notes")),
            "vectors": dict(
                q("SELECT e.passage_id, p.case_pk FROM embeddings e JOIN passages p ON p.id = e.passage_id")
            ),
        }


def reprocess(engine) -> None:
    """Make the next ingest of the same bytes run the whole pipeline again (as a new release would)."""
    with engine.begin() as conn:
        conn.execute(text("UPDATE collections SET pipeline = 'older'"))


def test_unchanged_book_keeps_every_identity(ctx, engine, book):
    library.ingest_file(ctx, book)
    assert discovery.embed(ctx) > 0
    attach_notes(engine)
    before = state(engine)
    reprocess(engine)
    result = library.ingest_file(ctx, book)
    assert (result.status, result.kept, result.removed) == ("replaced", 8, 0)
    assert state(engine) == before  # same keys, same vectors, every note still there


def test_edited_case_keeps_its_identity_and_untouched_facts(ctx, engine, book):
    library.ingest_file(ctx, book)
    discovery.embed(ctx)
    attach_notes(engine)
    before = state(engine)
    content = book.read_text(encoding="utf-8")
    assert content.count(EDITED[0]) == 1
    book.write_text(content.replace(*EDITED), encoding="utf-8")
    assert library.ingest_file(ctx, book).status == "replaced"
    after = state(engine)
    assert after["cases"] == before["cases"] and after["case_notes"] == before["case_notes"]
    changed = {f for f, quote in before["fact_quotes"].items() if EDITED[0] in quote}
    assert changed, "the edited number was an extracted fact"
    # The edited claim is a new fact; every other fact keeps its id, row and note.
    assert set(before["facts"]) - set(after["facts"]) == changed
    assert all(after["facts"][f] == pk for f, pk in before["facts"].items() if f not in changed)
    assert any(EDITED[1] in q for q in after["fact_quotes"].values())
    lost = set(before["fact_notes"]) - set(after["fact_notes"])
    assert lost == {before["facts"][f] for f in changed}
    # Vectors: only passages whose text changed lose theirs (at most those of the edited case).
    edited_pk = before["cases"][next(c for c, t in before["titles"].items() if t == "山城屋顶光伏共享计划")]
    kept = {p: c for p, c in before["vectors"].items() if c != edited_pk}
    assert kept.items() <= after["vectors"].items()
    assert len(after["vectors"]) >= len(before["vectors"]) - 1


def test_removed_case_takes_only_its_own_rows(ctx, engine, book):
    library.ingest_file(ctx, book)
    discovery.embed(ctx)
    attach_notes(engine)
    before = state(engine)
    gone = next(c for c, t in before["titles"].items() if t == REMOVED)
    content = book.read_text(encoding="utf-8")
    book.write_text(content[: content.index("## " + REMOVED)] + content[content.index("## 附录") :], encoding="utf-8")
    result = library.ingest_file(ctx, book)
    assert (result.status, result.kept, result.removed) == ("replaced", 7, 1)
    after = state(engine)
    assert after["cases"] == {c: pk for c, pk in before["cases"].items() if c != gone}
    gone_pk = before["cases"][gone]
    assert after["case_notes"] == {pk: n for pk, n in before["case_notes"].items() if pk != gone_pk}
    assert after["vectors"] == {p: c for p, c in before["vectors"].items() if c != gone_pk}
    assert len(after["fact_notes"]) < len(before["fact_notes"])


def test_inserted_case_gets_a_new_id_and_moves_nobody(ctx, engine, book):
    library.ingest_file(ctx, book)
    attach_notes(engine)
    before = state(engine)
    content = book.read_text(encoding="utf-8")
    start, end = content.index("## 海岛风光储微电网示范工程"), content.index("## 工业园区余热供暖改造")
    copy = content[start:end].replace("海岛风光储微电网示范工程", "渔港岸电改造工程")
    book.write_text(content[:start] + copy + content[start:], encoding="utf-8")  # now the 2nd case of the book
    result = library.ingest_file(ctx, book)
    assert (result.n_cases, result.kept, result.removed) == (9, 8, 0)
    after = state(engine)
    assert {c: after["cases"][c] for c in before["cases"]} == before["cases"]
    assert after["case_notes"] == before["case_notes"]
    new = set(after["cases"]) - set(before["cases"])
    assert len(new) == 1 and after["titles"][new.pop()] == "渔港岸电改造工程"
    titles = [c.title for c in library.cases(ctx)]
    assert titles[1] == "渔港岸电改造工程"  # book order still follows the book


def test_fact_ids_are_exported_and_stable_across_libraries(ctx, book, tmp_path):
    from caseatlas.services import Context, system_actor
    from caseatlas.store import open_engine

    library.ingest_file(ctx, book)
    other = Context(open_engine(tmp_path / "other.db"), system_actor())
    library.ingest_file(other, book)
    ids = [[m.id for m in c.metrics] for c in library.cases(ctx)]
    assert ids == [[m.id for m in c.metrics] for c in library.cases(other)]
    flat = [i for case in ids for i in case]
    assert len(flat) == len(set(flat)) > 10
