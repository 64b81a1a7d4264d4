"""eval/real: the real-document set is records and annotations, not documents (their licences do
not all allow redistribution). These tests hold the records to their format — every document
has a source pinned to a commit, a licence and a split, and annotations that agree with it — and
the getter to its promise: it copies a recorded document out of a repository snapshot byte for
byte, refusing a snapshot whose bytes differ from the annotated version."""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REAL = ROOT / "eval" / "real"
REQUIRED = ("title", "publisher", "language", "layout", "split", "repo", "commit", "path", "licence", "sha256")
KINDS = {
    "co2e_reduction",
    "energy_saving",
    "renewable_capacity",
    "renewable_generation",
    "investment_or_finance",
    "area",
    "percentage_reduction",
    "other",
    "target",
    "users_or_participants",
}


def _records() -> dict[str, dict]:
    return {f.stem: tomllib.loads(f.read_text(encoding="utf-8")) for f in sorted((REAL / "docs").glob("*.toml"))}


def _folder(split: str) -> Path:
    return REAL if split == "dev" else REAL / "heldout"


def test_every_record_names_its_source_licence_and_split():
    for doc_id, rec in _records().items():
        missing = [k for k in REQUIRED if not rec.get(k)]
        assert not missing, f"{doc_id}: missing {missing}"
        assert rec["split"] in ("dev", "heldout"), doc_id
        assert re.fullmatch(r"[0-9a-f]{40}", rec["commit"]), doc_id
        assert re.fullmatch(r"[0-9a-f]{64}", rec["sha256"]), doc_id
        assert re.fullmatch(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+", rec["repo"]), doc_id
        assert rec["language"] in ("zh", "en", "zh+en"), doc_id


def test_annotations_agree_with_the_records():
    """Each document's gold lies in its split's folder and nowhere else; cases are in order and
    do not overlap; every metric's quote is cited on a line inside its case; claims and queries
    point at cases that exist."""
    records = _records()
    for doc_id, rec in records.items():
        other = _folder("heldout" if rec["split"] == "dev" else "dev")
        assert not (other / "gold" / f"{doc_id}.json").exists(), f"{doc_id} annotated in both splits"
    for split in ("dev", "heldout"):
        base = _folder(split)
        for gold_file in sorted((base / "gold").glob("*.json")):
            doc_id = gold_file.stem
            assert doc_id in records and records[doc_id]["split"] == split, f"{gold_file}: no {split} record"
            cases = json.loads(gold_file.read_text(encoding="utf-8"))
            assert cases, doc_id
            last = 0
            for i, case in enumerate(cases):
                assert case["title"].strip(), (doc_id, i)
                assert last < case["start_line"] <= case["end_line"], (doc_id, i)
                last = case["end_line"]
                for m in case.get("metrics", []):
                    assert m["kind"] in KINDS, (doc_id, i, m)
                    assert isinstance(m["value"], (int, float)), (doc_id, i, m)
                    if "line" in m:
                        assert case["start_line"] <= m["line"] <= case["end_line"], (doc_id, i, m)
            for kind in ("claims", "queries"):
                path = base / kind / f"{doc_id}.json"
                assert path.exists(), f"{doc_id}: no {kind} file ([] when none)"
                for item in json.loads(path.read_text(encoding="utf-8")):
                    refs = [item["case"]] if kind == "claims" and item.get("case") else []
                    refs += list(item.get("relevant", {})) if kind == "queries" else []
                    for ref in refs:
                        book, _, index = ref.partition("#")
                        assert book == doc_id and 0 <= int(index) < len(cases), (doc_id, kind, ref)
                    if kind == "queries":
                        assert item.get("lang") in ("zh", "en"), (doc_id, item)


def _snapshot(tmp_path: Path, content: bytes) -> tuple[Path, str]:
    work = tmp_path / "work"
    work.mkdir()
    git = ["git", "-C", str(work), "-c", "user.email=t@example.org", "-c", "user.name=t"]
    subprocess.run([*git[:3], "init", "-q"], check=True)
    (work / "reports").mkdir()
    (work / "reports" / "cases.htm").write_bytes(content)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "a report"], check=True)
    commit = subprocess.run([*git, "rev-parse", "HEAD"], check=True, capture_output=True, text=True).stdout.strip()
    mirrors = tmp_path / "mirrors"
    subprocess.run(["git", "clone", "-q", "--mirror", str(work), str(mirrors / "someone+reports" / "repo")], check=True)
    return mirrors, commit


@pytest.mark.parametrize("tampered", [False, True])
def test_the_getter_copies_the_annotated_bytes_or_refuses(tmp_path, tampered):
    content = "<h1>案例一：屋顶光伏</h1><p>年发电量 120 万千瓦时。</p>".encode()
    mirrors, commit = _snapshot(tmp_path, content)
    records = tmp_path / "records"
    records.mkdir()
    digest = hashlib.sha256(content + (b"x" if tampered else b"")).hexdigest()
    (records / "t_01.toml").write_text(
        f'repo = "someone/reports"\ncommit = "{commit}"\npath = "reports/cases.htm"\nsplit = "dev"\n'
        f'format = "HTML page"\nsha256 = "{digest}"\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, str(REAL / "get.py"), "--mirrors", str(mirrors), "--out", str(out), "--records", str(records)],
        capture_output=True,
        text=True,
    )
    target = out / "dev" / "t_01.html"
    if tampered:
        assert run.returncode == 1 and "differ" in run.stderr and not target.exists()
    else:
        assert run.returncode == 0, run.stderr
        assert target.read_bytes() == content
