from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
GOLD = ROOT.parent / "shared" / "eval" / "gold"
sys.path.insert(0, str(Path(__file__).parent))  # tests/render.py

# Case counts printed in the corpus README (not from the annotations).
BOOK_CASES = {
    "000_3717a3b3a4f37818": 27,
    "001_f02f5e06c1bf9f20": 26,
    "002_a4fd6ddde31361f7": 14,
    "003_a660475df81c2423": 12,
    "004_c2b8c29d974026e1": 14,
}

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present")


@pytest.fixture
def db_path(tmp_path, monkeypatch) -> Path:
    path = tmp_path / "library.db"
    monkeypatch.setenv("CASEATLAS_DB", str(path))
    return path


@pytest.fixture
def engine(db_path):
    from caseatlas.store import open_engine

    eng = open_engine(db_path)
    yield eng
    eng.dispose()


@pytest.fixture(scope="session")
def sample_file() -> Path:
    from caseatlas.service import sample_collection_dir

    files = sorted(sample_collection_dir().glob("*.md"))
    assert files, "sample collection missing from the package"
    return files[0]
