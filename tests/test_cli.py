from __future__ import annotations

import csv
import io
import json

import openpyxl
from conftest import CORPUS, GOLD, needs_corpus
from typer.testing import CliRunner

from caseatlas.cli import app
from caseatlas.services.exports import EXPORT_FIELDS

runner = CliRunner()


def run(*args, ok=True):
    result = runner.invoke(app, list(args))
    if ok:
        assert result.exit_code == 0, result.output
    return result


def test_ingest_list_show_export(db_path, sample_file, tmp_path):
    out = run("ingest", str(sample_file)).stdout
    assert "added" in out and "8 cases" in out
    assert "unchanged" in run("ingest", str(sample_file)).stdout
    assert db_path.exists()  # CASEATLAS_DB is honoured
    cases = [json.loads(ln) for ln in run("cases", "--json").stdout.splitlines()]
    assert len(cases) == 8 and list(cases[0]) == EXPORT_FIELDS
    assert cases[0]["source_file"] == sample_file.name
    shown = run("show", cases[0]["id"]).stdout
    assert cases[0]["title"] in shown and "【减排成效】" in shown and "18.6 MW" in shown
    exported = [json.loads(ln) for ln in run("export", "--format", "jsonl").stdout.splitlines()]
    assert exported == cases
    target = tmp_path / "cases.csv"
    run("export", "--format", "csv", "-o", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == 8 and rows[0]["id"] == cases[0]["id"] and rows[0]["province"] == cases[0]["region"]["province"]
    assert int(rows[0]["n_outcomes"]) == len(cases[0]["metrics"])  # flat: no JSON in cells
    run("export", "--format", "csv", "--table", "outcomes", "-o", str(target))
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8-sig"))))
    assert len(rows) == sum(len(c["metrics"]) for c in cases)
    assert {r["outcome_id"] for r in rows} == {m["id"] for c in cases for m in c["metrics"]}
    book = tmp_path / "cases.xlsx"  # both tables as sheets, as the API's export
    run("export", "--format", "xlsx", "--collection", cases[0]["id"].split(":")[0], "-o", str(book))
    sheets = openpyxl.load_workbook(book, read_only=True)
    assert sheets.sheetnames == ["cases", "outcomes"]
    assert [r[0] for r in sheets["cases"].iter_rows(min_row=2, values_only=True)] == [c["id"] for c in cases]
    assert sheets["outcomes"].max_row - 1 == sum(len(c["metrics"]) for c in cases)
    assert "青禾" in run("collections").stdout


def test_db_option_overrides_environment(db_path, sample_file, tmp_path):
    other = tmp_path / "other.db"
    run("ingest", "--db", str(other), str(sample_file))
    assert other.exists()
    assert run("cases", "--json").stdout == ""  # the env library is still empty


def test_errors_are_one_line_and_exit_nonzero(db_path, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = run("ingest", str(empty), ok=False)
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0 and "empty" in result.stderr
    missing = run("show", "nope:1", ok=False)
    assert missing.exit_code == 1 and "no case" in missing.stderr
    bad = run("export", "--format", "xml", ok=False)
    assert bad.exit_code == 1 and "unknown format" in bad.stderr
    assert run("cases", "--collection", "missing", ok=False).exit_code == 1


def test_demo_ingests_the_sample(db_path, tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))  # the demo's library: not the user's
    out = run("demo", "--no-serve").stdout
    assert "8 cases" in out and "山城屋顶" in out


@needs_corpus
def test_eval_cases_command(db_path):
    run("ingest", *map(str, sorted(CORPUS.glob("*.txt"))))
    rows = json.loads(run("eval", "cases", "--gold", str(GOLD), "--json").stdout)
    assert {r["book"] for r in rows} == {p.stem for p in GOLD.glob("*.json")}
    for r in rows:
        assert r["f1"] >= 0.98 and r["title_exact"] >= 0.95
