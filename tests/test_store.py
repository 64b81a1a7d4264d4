"""Ingest into the library: transactional, idempotent, migrated schema."""

from __future__ import annotations

import shutil

import pytest
from conftest import CORPUS, needs_corpus
from render import render_pdf_without_text
from sqlalchemy import text

from caseatlas import store
from caseatlas.services import Context, library, system_actor
from caseatlas.services.discovery import search
from caseatlas.store import library as repo
from caseatlas.store import rows


def dump(engine) -> dict:
    with engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1, 2")).fetchall()
            for t in ("collections", "cases", "sections", "lines")
        }


HEAD = "0024"


def test_schema_is_migrated(engine):
    assert store.schema_version(engine) == HEAD
    store.open_engine(engine.url.render_as_string(hide_password=False))  # opening again is a no-op
    assert store.schema_version(engine) == HEAD


def test_old_library_is_upgraded_in_place(tmp_path, sample_file):
    """A library written by the first schema version keeps its data when opened by this one."""
    from alembic import command
    from alembic.config import Config

    from caseatlas.store.db import _MIGRATIONS

    path = tmp_path / "old.db"
    old = store.open_engine(path, migrate=False)
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(
            text(
                "INSERT INTO collections (slug, source_file, source_path, sha256, format, title, experts, "
                "chapters, n_lines, ingested_at) "
                "VALUES ('old', 'old.txt', '/x', 'abc', 'txt', '旧书', '[]', '[]', 1, 'now')"
            )
        )
    assert store.schema_version(old) == "0001"
    new = Context(store.open_engine(path), system_actor())
    assert store.schema_version(new.engine) == HEAD
    assert [c.title for c in library.collections(new)] == ["旧书"]
    assert library.ingest_file(new, sample_file).status == "added"
    with new.engine.connect() as conn:
        assert repo.counts(conn)["outcomes"] > 0


def test_file_from_an_older_pipeline_is_processed_again(ctx, engine, sample_file):
    """Same bytes, older pipeline (e.g. ingested before facts or search existed): re-ingest redoes it."""
    assert library.ingest_file(ctx, sample_file).status == "added"
    with engine.begin() as conn:
        conn.execute(text("UPDATE collections SET pipeline = NULL"))
        conn.execute(text("DELETE FROM passages"))
    assert library.ingest_file(ctx, sample_file).status == "replaced"
    assert search(ctx, "屋顶光伏", mode="text")["hits"]
    assert library.ingest_file(ctx, sample_file).status == "unchanged"


def test_reingest_is_idempotent(ctx, engine, sample_file):
    first = library.ingest_file(ctx, sample_file)
    assert (first.status, first.n_cases) == ("added", 8)
    before = dump(engine)
    again = library.ingest_file(ctx, sample_file)
    assert again.status == "unchanged"
    assert dump(engine) == before


def test_changed_file_replaces_its_cases(ctx, engine, sample_file, tmp_path):
    path = tmp_path / sample_file.name
    shutil.copy(sample_file, path)
    library.ingest_file(ctx, path)
    ids_before = [c.id for c in library.cases(ctx)]
    content = path.read_text(encoding="utf-8")
    cut = content.index("## 社区碳普惠积分平台")
    removed = ids_before[[c.title for c in library.cases(ctx)].index("社区碳普惠积分平台")]
    path.write_text(content[:cut] + content[content.index("## 附录") :], encoding="utf-8")
    result = library.ingest_file(ctx, path)
    assert (result.status, result.n_cases, result.kept, result.removed) == ("replaced", 7, 7, 1)
    ids_after = [c.id for c in library.cases(ctx)]
    # Surviving cases keep their ids; the removed case's id is gone, not handed to another case.
    assert ids_after == [i for i in ids_before if i != removed]
    assert repo.counts(engine.connect())["collections"] == 1


def test_failed_write_leaves_library_unchanged(ctx, engine, sample_file, tmp_path, monkeypatch):
    path = tmp_path / sample_file.name
    shutil.copy(sample_file, path)
    library.ingest_file(ctx, path)
    before = dump(engine)
    path.write_text(path.read_text(encoding="utf-8").replace("18.6 MW", "18.8 MW"), encoding="utf-8")
    real_insert = rows.insert

    def failing_insert(table):
        if table.name == "outcomes":  # the edited number is a new fact: inserted after lines and cases were updated
            raise RuntimeError("disk full")
        return real_insert(table)

    monkeypatch.setattr(rows, "insert", failing_insert)
    with pytest.raises(RuntimeError):
        library.ingest_file(ctx, path)  # lines and cases were already updated inside the transaction
    monkeypatch.undo()
    assert dump(engine) == before


@pytest.mark.parametrize("kind", ["empty", "binary", "huge", "scan"])
def test_bad_files_leave_library_unchanged(ctx, engine, sample_file, tmp_path, kind):
    library.ingest_file(ctx, sample_file)
    before = dump(engine)
    path = tmp_path / {"empty": "e.txt", "binary": "b.txt", "huge": "h.txt", "scan": "s.pdf"}[kind]
    if kind == "empty":
        path.write_bytes(b"")
    elif kind == "binary":
        path.write_bytes(bytes(range(256)) * 100)
    elif kind == "huge":
        path.write_bytes(b"a" * 50_000_001)
    else:
        render_pdf_without_text(path)
    result = library.ingest_file(ctx, path)
    assert result.status == "error" and "\n" not in result.error
    assert dump(engine) == before


def test_gbk_file_ingests(ctx, sample_file, tmp_path):
    path = tmp_path / "gbk_book.txt"
    path.write_bytes(sample_file.read_text(encoding="utf-8").encode("gbk"))
    result = library.ingest_file(ctx, path)
    assert (result.status, result.n_cases) == ("added", 8)
    titles = [c.title for c in library.cases(ctx)]
    assert "山城屋顶光伏共享计划" in titles


def test_text_without_cases_is_an_error(ctx, engine, tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("只是一段普通的文字，没有案例结构。\n", encoding="utf-8")
    result = library.ingest_file(ctx, path)
    assert result.status == "error" and "no cases" in result.error
    assert repo.counts(engine.connect())["collections"] == 0


@needs_corpus
def test_ingest_corpus_folder_and_provenance(ctx):
    results = library.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
    assert [r.status for r in results] == ["added"] * 5
    assert sum(r.n_cases for r in results) == 93
    # Every case's text is made of the lines its range points at.
    case = library.case_detail(ctx, "002_a4fd6ddde31361f7:1")
    source = (CORPUS / "002_a4fd6ddde31361f7.txt").read_text(encoding="utf-8").split("\n")
    assert [ln.raw for ln in case.lines] == source[case.start_line - 1 : case.end_line]
    assert case.organization == "北京新素代科技有限公司"


def test_a_case_s_tables_are_stored_and_read_back_equal(ctx, engine, sample_file, tmp_path):
    """The tables read on ingest are stored with their case and read back as the same Tables;
    a re-ingest of a changed file keeps each table's row (synchronized by position) and a
    table the new text no longer prints is gone."""
    from caseatlas.extract import extract_book
    from caseatlas.readers import read_document
    from caseatlas.segment import segment

    table = ["项目\t节能量 (吨标准煤)\t减排量 (tCO2)", "甲项目\t400\t3,080", "乙项目\t100\t770", "合计\t500\t3,850"]
    narrow = [
        "表 2 分期建设",
        "装机容量",
        "（兆瓦）",
        "年发电量（万千",
        "瓦时）",
        "8.2 920",
        "一",
        "期",
        "6.5 735",
        "合",
        "计",
        "14.7 1,655",
    ]
    source = sample_file.read_text(encoding="utf-8")
    at = source.index("【减排成效】") + len("【减排成效】\n")
    path = tmp_path / sample_file.name
    path.write_text(source[:at] + "\n".join(["", *table, "", *narrow, ""]) + source[at:], encoding="utf-8")
    book = segment(read_document(path))
    extract_book(book)
    assert sum(len(c.tables) for c in book.cases) == 2

    library.ingest_file(ctx, path)
    with engine.connect() as conn:
        stored = {r["seq"]: r["tables"] for r in repo.iter_cases(conn)}
        pk = next(r["id"] for r in repo.iter_cases(conn) if r["tables"])
        assert repo.case_tables_of(conn, pk) == stored[next(s for s, t in stored.items() if t)]
        ids = conn.execute(text("SELECT id FROM case_tables ORDER BY id")).scalars().all()
    assert stored == {c.seq: c.tables for c in book.cases}
    (tab, grid) = [t for ts in stored.values() for t in ts]
    assert tab.form == "tab" and tab.total == 2 and tab.units == ["吨标准煤", "tCO2"]
    assert (
        grid.form == "grid"
        and grid.labels[-1] == "合计"
        and grid.header == ["装机容量（兆瓦）", "年发电量（万千瓦时）"]
    )

    assert library.ingest_file(ctx, path).status == "unchanged"
    path.write_text(
        source[:at] + "\n".join(["", *table, ""]) + source[at:], encoding="utf-8"
    )  # the narrow table removed
    assert library.ingest_file(ctx, path).status == "replaced"
    with engine.connect() as conn:
        left = conn.execute(text("SELECT id FROM case_tables ORDER BY id")).scalars().all()
        (only,) = [t for r in repo.iter_cases(conn) for t in r["tables"]]
    assert left == ids[:1] and only == tab


def dump_all(engine) -> dict:
    """Every table an ingest writes: the book's rows and what the service derives from them."""
    tables = (
        "collections",
        "cases",
        "sections",
        "case_tables",
        "lines",
        "outcomes",
        "flags",
        "passages",
        "search_state",
    )
    tables += ("organizations", "organization_names", "case_organizations", "audit_log")
    with engine.connect() as conn:
        return {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).fetchall() for t in tables}


@pytest.mark.parametrize("step", ["index", "organizations", "audit"])
@pytest.mark.parametrize("replacing", [False, True], ids=["new", "replace"])
def test_failure_after_the_cases_are_saved_rolls_back_everything(
    ctx, engine, sample_file, tmp_path, monkeypatch, step, replacing
):
    """The service owns the unit of work: a failure in what follows the save (index, organizations,
    audit) leaves nothing half-ingested — not the new book, nor a half-replaced old one."""
    from caseatlas.services import audit, organizations
    from caseatlas.services import library as service

    path = tmp_path / sample_file.name
    shutil.copy(sample_file, path)
    if replacing:
        library.ingest_file(ctx, path)
        path.write_text(path.read_text(encoding="utf-8").replace("18.6 MW", "18.8 MW"), encoding="utf-8")
    before = dump_all(engine)
    saw: list[int] = []

    def failing(conn, *args, **kwargs):
        saw.append(repo.counts(conn)["cases"])  # the cases are written, in the same transaction
        raise RuntimeError(f"{step} failed")

    target, name = {
        "index": (service, "index_book"),
        "organizations": (organizations, "refresh"),
        "audit": (audit, "record"),
    }[step]
    monkeypatch.setattr(target, name, failing)
    with pytest.raises(RuntimeError, match=f"{step} failed"):
        library.ingest_file(ctx, path)
    monkeypatch.undo()
    assert saw and saw[0] == 8
    assert dump_all(engine) == before
    result = library.ingest_file(ctx, path)  # and the same file then goes in whole
    assert result.status == ("replaced" if replacing else "added")


def test_uploaded_book_source_is_not_a_dangling_path(ctx, engine, sample_file, tmp_path, monkeypatch):
    """An upload is read from its bytes (no temporary file: making one fails here), and what is
    stored as its source says it was sent, not a path to a folder deleted since."""
    import tempfile

    def no_temp_files(*args, **kwargs):
        raise AssertionError("an upload wrote a temporary file")

    for name in ("TemporaryDirectory", "NamedTemporaryFile", "mkdtemp", "mkstemp"):
        monkeypatch.setattr(tempfile, name, no_temp_files)
    sent = library.ingest_upload(ctx, "sent_book.md", sample_file.read_bytes())
    monkeypatch.undo()
    assert (sent.path, sent.status, sent.n_cases) == ("sent_book.md", "added", 8)
    path = tmp_path / "disk_book.md"
    shutil.copy(sample_file, path)
    assert library.ingest_file(ctx, path).status == "added"
    with engine.connect() as conn:
        sources = dict(conn.execute(text("SELECT source_file, source_path FROM collections")).all())
    assert sources["sent_book.md"] == "upload:sent_book.md"
    assert sources["disk_book.md"] == str(path.resolve())
    # Read the same: the stored books differ only in where their bytes came from.
    sent_book, disk_book = (library.cases(ctx, key) for key in ("sent_book", "disk_book"))
    assert [c.text for c in sent_book] == [c.text for c in disk_book]
    with engine.connect() as conn:
        assert len({r.sha256 for r in conn.execute(text("SELECT sha256 FROM collections"))}) == 1


def test_an_edited_word_list_changes_the_pipeline_version(tmp_path):
    """The version stored with a book includes a digest of the data files that decide what ingest
    derives, so editing a vocabulary re-derives stored books; files ingest never reads do not."""
    import shutil
    from importlib import resources

    from caseatlas.services import library

    data = tmp_path / "data"
    shutil.copytree(str(resources.files("caseatlas") / "data"), data)
    before = library.data_digest(data)
    assert library.PIPELINE.endswith("." + library.data_digest()) and len(library.PIPELINE) <= 32
    (data / "mail" / "decision.zh.txt").write_text("改了", encoding="utf-8")
    assert library.data_digest(data) == before
    synonyms = data / "search" / "synonyms.toml"
    synonyms.write_text(synonyms.read_text(encoding="utf-8") + "\n# a comment\n", encoding="utf-8")
    assert library.data_digest(data) != before
