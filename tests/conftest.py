from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
GOLD = ROOT.parent / "shared" / "eval" / "gold"
sys.path.insert(0, str(Path(__file__).parent))  # tests/render.py, tests/pg.py

# Case counts printed in the corpus README (not from the annotations).
BOOK_CASES = {
    "000_3717a3b3a4f37818": 27,
    "001_f02f5e06c1bf9f20": 26,
    "002_a4fd6ddde31361f7": 14,
    "003_a660475df81c2423": 12,
    "004_c2b8c29d974026e1": 14,
}

needs_corpus = pytest.mark.skipif(not CORPUS.is_dir(), reason="../shared/corpus not present")

# These modules run every test that opens a library on both backends: the embedded SQLite
# file and a real PostgreSQL server (started for the session; a missing server fails them).
BOTH_BACKENDS = {
    "test_store",
    "test_search",
    "test_web",
    "test_guard",
    "test_identity",
    "test_accounts",
    "test_programme",
    "test_programme_web",
    "test_programme_e2e",
    "test_season_e2e",
    "test_finals",
    "test_finals_e2e",
    "test_organizations",
    "test_conflicts",
    "test_conflicts_e2e",
    "test_revisions",
    "test_revisions_e2e",
    "test_rounds",
    "test_rounds_e2e",
    "test_jobs",
    "test_jobs_e2e",
    "test_visits",
    "test_visits_e2e",
    "test_mail",  # the communications centre (issue 25)
    "test_mail_e2e",
    "test_ui_home",  # issue 27: the home and insights pages, their counts and charts
    "test_ui_forms",  # the programme's forms (issue 27)
}


def pytest_generate_tests(metafunc):
    if "backend" in metafunc.fixturenames:
        both = metafunc.module.__name__.rsplit(".", 1)[-1] in BOTH_BACKENDS
        metafunc.parametrize("backend", ["sqlite", "postgresql"] if both else ["sqlite"], scope="function")


@pytest.fixture(scope="session")
def pg_admin_url():
    """Admin URL of a PostgreSQL server: $CASEATLAS_TEST_PG, else one started here."""
    given = os.environ.get("CASEATLAS_TEST_PG")
    if given:
        yield given
        return
    from pg import Server

    server = Server()
    try:
        url = server.start()
    except Exception as exc:  # fail loudly: these tests are not optional
        server.stop()
        pytest.fail(f"could not start PostgreSQL for the tests: {exc}", pytrace=False)
    yield url
    server.stop()


@pytest.fixture
def db_path(backend, tmp_path, monkeypatch, request):
    """Where the test's library lives: a SQLite file, or a fresh PostgreSQL database (URL).
    CASEATLAS_DB points at it, as a user would set it."""
    if backend == "sqlite":
        path = tmp_path / "library.db"
    else:
        from pg import create_database, drop_database

        admin = request.getfixturevalue("pg_admin_url")
        path = create_database(admin)
        request.addfinalizer(lambda: drop_database(admin, path))
    monkeypatch.setenv("CASEATLAS_DB", str(path))
    return path


@pytest.fixture
def engine(db_path):
    from caseatlas.store import open_engine

    eng = open_engine(db_path)
    yield eng
    eng.dispose()


@pytest.fixture
def ctx(engine):
    """The library as the CLI sees it: the system actor, allowed everything."""
    from caseatlas.services import Context, system_actor

    return Context(engine, system_actor())


@pytest.fixture(scope="session")
def sample_file() -> Path:
    from caseatlas.services.library import sample_collection_dir

    files = sorted(sample_collection_dir().glob("*.md"))
    assert files, "sample collection missing from the package"
    return files[0]


@pytest.fixture
def smtp(monkeypatch):
    """A real SMTP server on a loopback port; the app sends its mail there, and the links in that
    mail point at a test site. Yields the inbox (`.messages`)."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    from web_server import free_port

    class Inbox(Message):
        def __init__(self):
            super().__init__()
            self.messages = []

        def handle_message(self, message):
            self.messages.append(message)

    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("CASEATLAS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("CASEATLAS_SMTP_PORT", str(port))
    monkeypatch.setenv("CASEATLAS_SMTP_FROM", "cases@example.org")
    monkeypatch.setenv("CASEATLAS_BASE_URL", "https://cases.example.org")
    yield inbox
    controller.stop()


# A table as a PDF prints a narrow column: header fragments, each row's numbers on one line, row
# labels and the total ("合" / "计") stacked one character a line. Read by the table reader, the
# table check, the store and the metamorphic tests.
NARROW_TABLE = [
    "表 2 分期建设与运行数据",
    "装机容量",
    "（兆瓦）",
    "年发电量（万千",
    "瓦时）",
    "8.2 920",
    "一",
    "期",
    "二",
    "期",
    "6.5 735",
    "合",
    "计",
    "14.7 1,655",
]
