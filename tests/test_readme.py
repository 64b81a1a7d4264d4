"""Docs that run: every command in README.md's ```bash blocks, executed in the README's order on a
fresh library, must exit 0 and give a result — output, at least one hit for a search, a non-empty
file for an export or a book, a page for a server. The commands run as written, in a working
folder where `../shared/corpus` and `eval/` resolve as they do from a checkout; what a test cannot
do as written is handled here, each with its reason:

- `caseatlas serve` and `caseatlas demo` serve until stopped: started on a free loopback port,
  asked for `/`, then stopped;
- `users add` without `--invite` asks for a password: typed at the prompt;
- the PostgreSQL block runs against the test server (tests/pg.py): `createdb` creates a fresh
  database there and `export CASEATLAS_DB=…` points the block's commands at it;
- the set-up commands are not run (no `pip install` in a test): the console script they install
  must be the CLI that has the `demo` command, and `scripts/test.sh` must install the test extra
  and run pytest;
- placeholders take their values from the library: FLAG_ID is a flag of the collection the
  README checks, the submission ids of `programme decide` are the applicants' (below);
- what people do in the web app between a programme's commands (applicants submit after the call
  is published, reviewers review after assignment) is done through the services.

Each block's `export` lasts for that block (the README's blocks are alternatives: a team server
is not the single-user library). The corpus is ingested once per module."""

from __future__ import annotations

import contextlib
import glob
import json
import os
import re
import shlex
import signal
import subprocess
import sys
import time
import tomllib
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, needs_corpus
from typer.testing import CliRunner
from web_server import free_port

from caseatlas.cli import app

README = (ROOT / "README.md").read_text(encoding="utf-8")
PASSWORD = "correct horse battery"
# Commands run with a change the README does not show, and why. Keep this short.
ADJUSTED = {
    # Vectors for the whole corpus take minutes of CPU; the command is resumable, so a bounded
    # run exercises the same path (and turns the semantic leg on for the commands after it).
    "embed": ["--limit", "64"],
}
# README commands the test does not run, with the reason (keep this empty or near-empty).
SKIPPED: dict[str, str] = {}

pytestmark = needs_corpus


@dataclass
class Step:
    block: int
    line: int  # in README.md
    argv: list[str]

    @property
    def text(self) -> str:
        return shlex.join(self.argv)


def readme_steps() -> list[Step]:
    """Every command of every ```bash block, in order; `a && b` is two commands."""
    steps = []
    for block, m in enumerate(re.finditer(r"```bash\n(.*?)```", README, re.S)):
        first = README[: m.start(1)].count("\n") + 1
        lines = m.group(1).split("\n")
        i = 0
        while i < len(lines):
            start, text = i, lines[i]
            while text.endswith("\\") and i + 1 < len(lines):  # a continued line
                i += 1
                text = text[:-1] + " " + lines[i]
            i += 1
            argv = shlex.split(text, comments=True)
            while argv:
                cut = argv.index("&&") if "&&" in argv else len(argv)
                steps.append(Step(block, first + start, argv[:cut]))
                argv = argv[cut + 1 :]
    return steps


STEPS = readme_steps()


@dataclass
class Replay:
    """The README followed by a reader, one command at a time, in order."""

    work: Path  # the working folder: ../shared and eval/ resolve as from a checkout
    pg_admin: str
    library: str = ""
    env: dict[str, str] = field(default_factory=dict)
    block: int = -1
    done: dict[int, str] = field(default_factory=dict)  # step index → "" (ok) or what failed
    call_id: str = ""
    submissions: list[int] = field(default_factory=list)
    reviewers: list[str] = field(default_factory=list)
    databases: list[str] = field(default_factory=list)
    engines: dict = field(default_factory=dict)  # URL → engine, for what people do in the web app

    def upto(self, index: int) -> None:
        for i in range(index + 1):
            if i not in self.done:
                try:
                    self.step(STEPS[i])
                    self.done[i] = ""
                except Exception as exc:  # recorded; reported by that step's test
                    self.done[i] = f"{type(exc).__name__}: {exc}"
        if self.done[index]:
            pytest.fail(f"README line {STEPS[index].line}: {STEPS[index].text}\n{self.done[index]}", pytrace=False)

    # --- one command -----------------------------------------------------------------------
    def step(self, s: Step) -> None:
        if s.block != self.block:  # a new block starts from the reader's library
            self.block, self.env = s.block, {"CASEATLAS_DB": self.library}
        argv = s.argv
        if argv[0] in ("caseatlas", ".venv/bin/caseatlas"):
            return self.caseatlas(argv[1:])
        if argv[:3] == ["python3", "-m", "venv"] or argv[:2] == [".venv/bin/pip", "install"]:
            return check_install()
        if argv == ["bash", "scripts/test.sh"]:
            return check_test_script()
        if argv[0] == "createdb":
            from pg import create_database

            url = create_database(self.pg_admin)
            self.databases.append(url)
            self.env["CASEATLAS_DB"] = url
            return None
        if argv[0] == "export" and argv[1].startswith("CASEATLAS_DB="):
            assert argv[1].split("=", 1)[1].startswith("postgresql+psycopg://"), argv
            assert self.env["CASEATLAS_DB"].startswith("postgresql+psycopg://"), "export before createdb"
            return None  # the database `createdb` made on the test server, not the README's host
        raise AssertionError(f"README line {s.line}: the test does not know how to run `{s.text}`")

    def caseatlas(self, args: list[str]) -> None:
        args = self.substitute(self.expand(args))
        if args[0] in ("serve", "demo"):
            return self.serve(args)
        if args[0] in ADJUSTED:
            args = args + ADJUSTED[args[0]]
        prompt = args[:2] == ["users", "add"] and not {"--invite", "--password-stdin"} & set(args)
        with contextlib.chdir(self.work):
            r = CliRunner().invoke(app, args, env=self.env, input=f"{PASSWORD}\n{PASSWORD}\n" if prompt else None)
        assert r.exit_code == 0, f"exit {r.exit_code}\n{r.output}\n{r.exception!r}"
        assert r.output.strip(), "no output"
        self.check_result(args, r.stdout, r.stderr)
        self.after(args, r.stdout)
        return None

    def check_result(self, args: list[str], stdout: str, stderr: str) -> None:
        if args[0] == "search":
            if "--json" in args:
                assert json.loads(stdout)["total"] > 0, f"no hit: {stdout[:300]}"
            else:
                n = re.match(r"\s*(\d+) cases", stdout)
                assert n and int(n.group(1)) > 0, f"no hit: {stdout[:300]}"
        if args[0] == "eval":
            assert "not in library" not in stderr, stderr
        for flag in ("-o", "--output"):
            if flag in args:
                target = self.work / args[args.index(flag) + 1]
                files = [p for p in target.rglob("*") if p.is_file()] if target.is_dir() else [target]
                assert files and all(p.stat().st_size > 0 for p in files), f"{target}: empty or missing"
                magic = {".pdf": b"%PDF", ".xlsx": b"PK"}.get(target.suffix)
                assert magic is None or target.read_bytes().startswith(magic), f"{target} is not a {target.suffix}"

    def serve(self, args: list[str]) -> None:
        """Start it on a free loopback port, GET /, stop it (Ctrl-C, as the README says)."""
        port = str(free_port())
        args = [a for a in args]
        args = args if "--port" in args else [*args, "--port", port]
        args[args.index("--port") + 1] = port
        if "--host" in args:  # loopback only (the README's 0.0.0.0 is for a server behind a proxy)
            args[args.index("--host") + 1] = "127.0.0.1"
        # The set-up's demo is a fresh machine's first run: its user data dir is empty, and the
        # demo keeps a library of its own there, never the user's ($CASEATLAS_DB, library.db).
        home = self.work.parent / "user-data"
        own = {"XDG_DATA_HOME": str(home)} if args[0] == "demo" else {}
        mine = Path(self.env["CASEATLAS_DB"])
        before = mine.exists() and mine.stat().st_mtime_ns
        env = {
            **os.environ,
            **self.env,
            **own,
            "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
        }
        proc = subprocess.Popen(
            [sys.executable, "-m", "caseatlas", *args],
            cwd=self.work,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # the workers too are stopped with it
        )
        try:
            page, deadline = None, time.time() + 120
            while page is None and time.time() < deadline and proc.poll() is None:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
                        page = (resp.status, resp.read().decode("utf-8"))
                except OSError:
                    time.sleep(0.3)
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGINT)
            try:
                output = proc.communicate(timeout=30)[0].decode("utf-8", "replace")
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                output = proc.communicate()[0].decode("utf-8", "replace")
        assert page is not None, f"`caseatlas {shlex.join(args)}` served nothing:\n{output[-2000:]}"
        assert page[0] == 200 and "CaseAtlas" in page[1], page[0]
        assert f"http://127.0.0.1:{port}/" in output, output[-2000:]  # the URL is printed
        if args[0] == "demo":
            assert (home / "caseatlas" / "demo.db").exists() and not (home / "caseatlas" / "library.db").exists()
            assert (mine.exists() and mine.stat().st_mtime_ns) == before, "the demo touched the user's library"

    def expand(self, args: list[str]) -> list[str]:
        """Wildcards, as the shell expands them (in the working folder, sorted)."""
        out = []
        for a in args:
            found = sorted(glob.glob(a, root_dir=self.work)) if "*" in a else []
            assert found or "*" not in a, f"{a} matches nothing"
            out += found or [a]
        return out

    # --- placeholders and what people do between commands ----------------------------------
    def substitute(self, args: list[str]) -> list[str]:
        if "FLAG_ID" in args:
            checked = next(s for s in STEPS if s.argv[1:2] == ["checks"])
            with contextlib.chdir(self.work):
                r = CliRunner().invoke(app, [*checked.argv[1:], "--json"], env=self.env)
            flags = json.loads(r.stdout)
            assert flags, "no flag to give a verdict on"
            args = [flags[0]["id"] if a == "FLAG_ID" else a for a in args]
        if args[:2] == ["programme", "decide"]:
            # The README's submission ids (12, 13) are the applicants' submissions here.
            decided = [a for a in args[3:] if re.fullmatch(r"\d+=\w*", a)]
            assert len(decided) <= len(self.submissions), "more decisions than submissions"
            ids = iter(self.submissions)
            args = [f"{next(ids)}={a.split('=')[1]}" if a in decided else a for a in args]
        return args

    def after(self, args: list[str], stdout: str) -> None:
        if args[:2] == ["programme", "create"]:
            self.call_id = re.search(r"created call (\d+)", stdout).group(1)
            assert self.call_id == "1", "the README's commands name call 1: a fresh library's first"
        if args[:2] == ["programme", "import-reviewers"]:
            self.reviewers = re.findall(r"^(\w+),", (self.work / args[3]).read_text(encoding="utf-8"), re.M)[1:]
        if args[:2] == ["programme", "publish"]:
            self.applicants_submit()
        if args[:2] == ["programme", "assign"]:
            self.reviewers_review()

    def _ctx(self, username: str | None = None):
        from caseatlas.services import Actor, Context
        from caseatlas.store import accounts as accounts_store
        from caseatlas.store import open_engine

        url = self.env["CASEATLAS_DB"]
        engine = self.engines.get(url) or self.engines.setdefault(url, open_engine(url))
        if username is None:
            return Context(engine)
        with engine.connect() as conn:
            u = accounts_store.get_user(conn, username)
        return Context(engine, Actor("user", u.username, u.role, u.id))

    def applicants_submit(self) -> None:
        """Two applicants register (注册申报账号) and submit a case each in the call's first domain."""
        from caseatlas.programme.services import calls, submissions
        from caseatlas.services import accounts

        call = calls.get_call(self._ctx(), int(self.call_id))
        domain = call["domains"][0]
        for user, org in (("appa", "甲能源科技有限公司"), ("appb", "乙新材料股份有限公司")):
            accounts.register(self._ctx(), user, PASSWORD, org, f"{user}@example.org")
            me = self._ctx(user)
            sections = [{"heading": h, "text": f"{org}年减排 1200 吨二氧化碳，{h}。"} for h in call["template"]]
            s = submissions.create(me, call["id"], f"{org}的减排案例", domain, sections)
            submissions.submit(me, s["id"])
            self.submissions.append(s["id"])

    def reviewers_review(self) -> None:
        """Every reviewer the panel CSV named scores each case assigned to them, and submits."""
        from caseatlas.programme.services import calls, reviews, submissions

        call = calls.get_call(self._ctx(), int(self.call_id))
        reviewed = 0
        for name in self.reviewers:
            me = self._ctx(name)
            for s in submissions.list_for(me, call["id"]):
                scores = {c["key"]: 4 for c in call["criteria"]}
                reviews.save_review(me, s["id"], scores, confidence=3, expert_comment="示范性强。", submit=True)
                reviewed += 1
        assert reviewed, "no reviewer was assigned a case"


def check_install() -> None:
    """`pip install -e .` installs the `caseatlas` console script: it must be this CLI, with `demo`."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    module, _, func = project["project"]["scripts"]["caseatlas"].partition(":")
    assert (module, func) == ("caseatlas.cli", "main")
    import caseatlas.cli

    assert callable(caseatlas.cli.main)
    assert "demo" in CliRunner().invoke(app, ["--help"]).output


def check_test_script() -> None:
    script = (ROOT / "scripts" / "test.sh").read_text(encoding="utf-8")
    assert re.search(r"pip install .*-e '\.\[test\]'", script), "scripts/test.sh does not install the test extra"
    assert re.search(r"-m pytest \"\$@\"", script), "scripts/test.sh does not run pytest"
    assert "test" in tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]


@pytest.fixture(scope="module")
def replay(request, tmp_path_factory):
    root = tmp_path_factory.mktemp("readme")
    (root / "shared").symlink_to(CORPUS.parent)
    work = root / "checkout"
    work.mkdir()
    (work / "eval").symlink_to(ROOT / "eval")
    # The reviewers' CSV the README imports (its columns as the README gives them).
    (work / "panel.csv").write_text(
        "username,name,email,affiliation,topics\n"
        "rev1,张评审,rev1@example.org,某大学,绿色制造;能源转型\n"
        "rev2,李评审,rev2@example.org,某研究院,绿色制造\n"
        "rev3,王评审,rev3@example.org,某行业协会,绿色交通;绿色制造\n",
        encoding="utf-8",
    )
    # The PostgreSQL server only when the README has a block for it (`createdb`).
    needs_pg = any(s.argv[0] == "createdb" for s in STEPS)
    r = Replay(work, pg_admin=request.getfixturevalue("pg_admin_url") if needs_pg else "")
    r.library = str(root / "library.db")
    yield r
    for engine in r.engines.values():
        engine.dispose()
    from pg import drop_database

    for url in r.databases:
        drop_database(r.pg_admin, url)


def test_the_readme_has_commands():
    assert len([s for s in STEPS if s.argv[0] == "caseatlas"]) >= 50
    assert not SKIPPED, SKIPPED


@pytest.mark.parametrize("index", range(len(STEPS)), ids=[f"L{s.line}-{s.text[:48]}" for s in STEPS])
def test_readme_command(replay, index):
    replay.upto(index)
