"""What a person sees at the command line (issue 27): every id a listing prints is whole —
on a narrow terminal, a wide one, and piped — while titles and other long text are cut with
"…"; `caseatlas demo` keeps a library of its own and never touches the user's."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys

import pytest
from conftest import ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.cells import cell_len
from rich.console import Console
from typer.testing import CliRunner

from caseatlas.cli import app
from caseatlas.cli.common import Listing, key, text
from caseatlas.services.library import sample_collection_dir

WIDTHS = (40, 80, 120, 200)
LAYOUTS = [*WIDTHS, "piped"]
runner = CliRunner()


def invoke(args: list[str], layout: int | str = "piped", env: dict | None = None):
    """Run the CLI as on a terminal `layout` cells wide (rich's TTY_COMPATIBLE and COLUMNS, as a
    terminal would have it), or piped: CliRunner's output is not a terminal."""
    env = dict(env or {})
    if layout != "piped":
        env |= {"TTY_COMPATIBLE": "1", "COLUMNS": str(layout)}
    else:
        env |= {"TTY_COMPATIBLE": None, "COLUMNS": None}
    r = runner.invoke(app, args, env=env)
    assert r.exit_code == 0, (args, layout, r.output)
    return r.stdout


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    """A library with the sample book twice — once under a file name long enough that its case
    ids (52 characters) are wider than a 40-column terminal — flags, organizations, a call with
    its rounds, a user and the audit log."""
    root = tmp_path_factory.mktemp("ui_cli")
    db = str(root / "library.db")
    sample = next(sample_collection_dir().glob("*.md"))
    long_copy = root / "qinghe_low_carbon_practice_casebook_edition_2025_b.md"
    # A book of its own (another title), with two figures the claim checks flag: a number
    # with two decimal points, and an emission factor far from any reference.
    flawed = sample.read_text(encoding="utf-8").replace("2025", "2026", 1)
    flawed = flawed.replace(
        "【减排成效】\n",
        "【减排成效】\n\n项目总投资 530.32.90 万元，年节约标准煤 100 吨，减少二氧化碳排放 9000 吨。\n",
        1,
    )
    long_copy.write_text(flawed, encoding="utf-8")
    invoke(["ingest", "--db", db, str(sample), str(long_copy)])
    invoke(["programme", "create", "2027 城市案例征集", "--rounds", "season", "--deadline", "2099-01-01", "--db", db])
    invoke(["users", "add", "reviewer_with_a_rather_long_name", "--role", "reviewer", "--invite", "--db", db])
    cases = [json.loads(ln) for ln in invoke(["cases", "--json", "--db", db]).splitlines()]
    flags = json.loads(invoke(["checks", "--json", "--db", db]))
    orgs = json.loads(invoke(["orgs", "--json", "--db", db]))
    collections = [json.loads(x) for x in _json_objects(invoke(["collections", "--json", "--db", db]))]
    assert len(cases) == 16 and flags and orgs and len(collections) == 2
    assert max(len(c["id"]) for c in cases) > 40
    return {
        "db": db,
        "cases": {c["id"]: c for c in cases},
        "flags": {f["id"]: f for f in flags},
        "orgs": {o["id"]: o for o in orgs},
        "slugs": {c["slug"] for c in collections},
        "titles": {c["title"] for c in cases},
        "org_with_cases": next(o["name"] for o in orgs if o["n_cases"]),
        "rounds": set(
            re.findall(r"^\d+\t\d+\t(\w+)\t", invoke(["programme", "rounds", "list", "1", "--db", db]), re.M)
        ),
    }


def _json_objects(stdout: str) -> list[str]:
    """`collections --json` prints one indented object after another."""
    objs, depth, start = [], 0, 0
    for i, ch in enumerate(stdout):
        if ch == "{":
            depth, start = depth + 1, start if depth else i
        elif ch == "}":
            depth -= 1
            if not depth:
                objs.append(stdout[start : i + 1])
    return objs


def whole(ident: str, output: str) -> bool:
    """`ident` printed whole, on one line, not as a part of a longer word."""
    return re.search(rf"(?<![\w:.]){re.escape(ident)}(?![\w])", output) is not None


def no_cut_ids(output: str, ids: set[str]) -> None:
    """No word ending in … is the start of an id (a cut id)."""
    for stem in re.findall(r"([\w:.-]{3,})…", output):
        assert not any(i.startswith(stem) for i in ids), f"cut id {stem}…"


def case_ids_in(output: str) -> set[str]:
    return set(re.findall(r"(?<![\w:.])(\w+:\d+)(?![\w])", output))


# (command, the ids it may print, the ids it must print whole, whether it lists cases)
def listings(lib):
    cases, flags, orgs = lib["cases"], lib["flags"], lib["orgs"]
    first = next(iter(cases))
    sample_slug = first.split(":")[0]
    org = lib["org_with_cases"]
    org_cases = {c for c in cases if cases[c]["organization"] == org}
    user = {"reviewer_with_a_rather_long_name"}
    return [
        (["collections"], lib["slugs"], lib["slugs"], False),
        (["cases"], set(cases), set(cases), True),
        (["cases", "-c", sample_slug], set(cases), {c for c in cases if c.startswith(sample_slug + ":")}, True),
        (["checks"], set(flags) | set(cases), set(flags) | {f["case_id"] for f in flags.values()}, True),
        (["orgs"], set(orgs), set(orgs), False),
        (["orgs", "show", org], set(cases), org_cases, True),
        (["similar", first, "-n", "5"], set(cases), set(), True),
        (["search", "光伏", "-n", "20"], set(cases), set(), True),
        (["totals"], set(cases), set(), True),
        (["users", "list"], user, user, False),
        (["programme", "rounds", "list", "1"], lib["rounds"], lib["rounds"], False),
    ]


@pytest.mark.parametrize("layout", LAYOUTS)
def test_every_id_in_every_listing_is_whole(lib, layout):
    for args, real, expected, lists_cases in listings(lib):
        output = invoke([*args, "--db", lib["db"]], layout)
        if lists_cases:  # every case id printed is a real one, whole (parsed back, looked up)
            printed = case_ids_in(output)
            assert printed, (args, layout, output)
            assert printed <= set(lib["cases"]), (args, layout, printed - set(lib["cases"]))
        for ident in expected:
            assert whole(ident, output), (args, layout, ident, output)
        no_cut_ids(output, real)


@pytest.mark.parametrize("layout", WIDTHS)
def test_tables_fit_the_terminal_and_cut_titles_not_ids(lib, layout):
    output = invoke(["cases", "--db", lib["db"]], layout)
    lines = output.splitlines()
    for line in lines:
        # Only an id wider than the terminal itself is let out past its edge, on its own line.
        assert cell_len(line) <= layout or line.strip() in lib["cases"], (layout, line)
    for c in lib["cases"].values():
        for t in (c["title"], c["organization"]):  # whole, or its start and …
            assert any(t in ln or any(t[:k] + "…" in ln for k in range(1, len(t))) for ln in lines), (t, output)
    if layout == 40:
        assert "…" in output, "long names are cut to fit"
    if layout == 200:
        assert "┃ id" in output and "…" not in output, "a table, nothing cut"


def test_piped_listing_is_tab_separated_with_nothing_cut(lib):
    output = invoke(["cases", "--db", lib["db"]])
    header, *rows = [ln.split("\t") for ln in output.splitlines()]
    assert header == ["id", "title", "organization", "chapter", "lines"]
    assert {r[0] for r in rows} == set(lib["cases"])
    assert {r[1] for r in rows} == lib["titles"] and "…" not in output
    flags = invoke(["checks", "--db", lib["db"]]).splitlines()
    assert flags[0].startswith("# ") and flags[1].split("\t")[:2] == ["flag", "case"]
    assert {ln.split("\t")[0] for ln in flags[2:]} == set(lib["flags"])


def test_a_real_pipe_and_a_real_terminal(lib):
    """The same through the console script's own detection: a pipe, and a 40-column pty."""
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    for k in ("TTY_COMPATIBLE", "FORCE_COLOR", "COLUMNS"):
        env.pop(k, None)
    piped = subprocess.run(
        [sys.executable, "-m", "caseatlas", "cases", "--db", lib["db"]], env=env, capture_output=True, check=True
    ).stdout.decode()
    assert {ln.split("\t")[0] for ln in piped.splitlines()[1:]} == set(lib["cases"])
    shown = _on_a_terminal([sys.executable, "-m", "caseatlas", "cases", "--db", lib["db"]], 40, env)
    for ident in lib["cases"]:
        assert whole(ident, shown), (ident, shown)
    assert "…" in shown


def _on_a_terminal(argv: list[str], columns: int, env: dict) -> str:
    import fcntl
    import pty
    import struct
    import termios

    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    proc = subprocess.Popen(argv, env=env, stdin=follower, stdout=follower, stderr=follower, close_fds=True)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait(timeout=120)
    os.close(leader)
    raw = b"".join(chunks).decode("utf-8", "replace").replace("\r\n", "\n")
    assert proc.returncode == 0, raw
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", raw)  # colours off


# --- the table builder itself, on any id and any title --------------------------------------

ID_CHARS = st.characters(codec="ascii", categories=("Ll", "Lu", "Nd"), include_characters="_:-.")
LATIN = st.text(st.characters(codec="ascii", categories=("Ll", "Lu", "Nd")), min_size=1, max_size=12)
CJK = st.text(st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1, max_size=20)
TITLE = st.lists(
    st.one_of(LATIN, CJK, st.sampled_from(["（", "）", "：", "——", "“", "”"])), min_size=1, max_size=8
).map(" ".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    rows=st.lists(
        st.tuples(st.text(ID_CHARS, min_size=1, max_size=70), TITLE, TITLE, st.integers(0, 10**6)),
        min_size=1,
        max_size=6,
    ),
    width=st.sampled_from([20, 33, 40, 57, 80, 100, 120, 160, 200]),
)
def test_no_layout_ever_cuts_an_id(rows, width):
    table = Listing(key("id"), text("title"), text("organization"), "n", title="t")
    for r in rows:
        table.add_row(*r)
    buf = io.StringIO()
    table.print(Console(file=buf, width=width, force_terminal=True, color_system=None))
    output = buf.getvalue()
    lines = output.splitlines()
    ids = {r[0] for r in rows}
    for ident, title, org, n in rows:
        assert any(ident in ln for ln in lines), (ident, output)  # whole, and on one line
        for t in (title, org):
            # whole, or a start of it with … (never cut to nothing)
            assert t in output or any(ln.find(t[:k] + "…") >= 0 for ln in lines for k in range(1, len(t))), (t, output)
        assert str(n) in output
    for ln in lines:  # past the edge only what is never cut: an id, a figure (stacked rows)
        assert cell_len(ln) <= width or ln.strip() in ids or ("…" not in ln and ln.startswith("  n ")), (width, ln)
    piped = io.StringIO()
    table.print(Console(file=piped, force_terminal=False))
    got = [ln.split("\t") for ln in piped.getvalue().splitlines()[2:]]
    assert [(g[0], g[1], g[2]) for g in got] == [(r[0], r[1], r[2]) for r in rows]


def test_markup_in_a_cell_is_printed_as_written():
    table = Listing(key("id"), text("title"))
    table.add_row("[bold]x[/bold]", "[red]标题[/red] [1]")
    buf = io.StringIO()
    table.print(Console(file=buf, width=80, force_terminal=True, color_system=None))
    assert "[bold]x[/bold]" in buf.getvalue() and "[red]标题[/red] [1]" in buf.getvalue()


# --- help and errors --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args",
    [
        ["collections"],
        ["cases"],
        ["checks"],
        ["orgs"],
        ["similar"],
        ["users", "list"],
        ["programme", "list"],
        ["audit"],
    ],
)
def test_listing_help_says_what_a_pipe_gets(args):
    r = runner.invoke(app, [*args, "--help"], env={"COLUMNS": "100"})
    assert r.exit_code == 0
    assert "tab-separated" in " ".join(r.output.split()), r.output


# --- demo -------------------------------------------------------------------------------------


def test_demo_keeps_a_library_of_its_own(tmp_path):
    data, mine = tmp_path / "user-data", tmp_path / "mine.db"
    env = {"XDG_DATA_HOME": str(data), "CASEATLAS_DB": str(mine)}
    out = invoke(["demo", "--no-serve"], 120, env)
    demo_db = data / "caseatlas" / "demo.db"
    assert f"demo library: {demo_db}" in out and f"caseatlas serve --db {demo_db}" in out
    assert not mine.exists(), "$CASEATLAS_DB is the user's library: the demo leaves it alone"
    assert not (data / "caseatlas" / "library.db").exists(), "nor the default library"
    held = [json.loads(ln) for ln in invoke(["cases", "--json", "--db", str(demo_db)]).splitlines()]
    assert len(held) == 8 and all(c["id"].startswith("sample_casebook_2025:") for c in held)
    # The user's own library, once it exists, is not touched either; --db chooses the demo's.
    sample = next(sample_collection_dir().glob("*.md"))
    invoke(["ingest", str(sample)], env=env)
    mine_cases = invoke(["cases", "--json"], env=env)  # (opening a library may write to it: read first)
    before = mine.stat().st_mtime_ns
    chosen = tmp_path / "elsewhere.db"
    out = invoke(["demo", "--no-serve", "--db", str(chosen)], 80, env)
    assert f"demo library: {chosen}" in out and chosen.exists()
    assert mine.stat().st_mtime_ns == before and invoke(["cases", "--json"], env=env) == mine_cases
    again = invoke(["demo", "--no-serve"], 80, env)
    assert "unchanged" in again, "a second demo finds its library as it was left"


def test_demo_main_job_still_serves(tmp_path):
    """README's first command: `caseatlas demo` (served, then stopped) on a fresh machine."""
    import signal
    import time
    import urllib.request

    from web_server import free_port

    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "XDG_DATA_HOME": str(tmp_path / "d")}
    env.pop("CASEATLAS_DB", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "caseatlas", "demo", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        page, deadline = None, time.time() + 180
        while page is None and time.time() < deadline and proc.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10) as resp:
                    page = resp.status
            except OSError:
                time.sleep(0.3)
    finally:
        os.killpg(proc.pid, signal.SIGINT)
        output = proc.communicate(timeout=60)[0].decode()
    assert page == 200, output
    assert (tmp_path / "d" / "caseatlas" / "demo.db").exists() and not (
        tmp_path / "d" / "caseatlas" / "library.db"
    ).exists()
    assert str(tmp_path / "d" / "caseatlas" / "demo.db") in output


# --- what a new user trips over ------------------------------------------------------------------


def test_an_empty_library_says_what_to_do_next(tmp_path):
    db = str(tmp_path / "empty.db")
    said = {
        ("collections",): "caseatlas ingest",
        ("cases",): "caseatlas ingest",
        ("checks",): "No flags",
        ("orgs",): "No organizations",
        ("users", "list"): "users add NAME --role admin",
        ("programme", "list"): "programme create",
    }
    for args, words in said.items():
        shown = invoke([*args, "--db", db], 80)
        assert words in shown and "┏" not in shown, (args, shown)  # a sentence, not an empty box
        piped = invoke([*args, "--db", db])
        assert piped.count("\n") == 1 + piped.startswith("# "), (args, piped)  # the header row alone


def test_mistakes_get_one_line_errors(tmp_path):
    db = str(tmp_path / "lib.db")
    bad = runner.invoke(app, ["checks", "--check", "factors", "--db", db])
    assert bad.exit_code == 1 and "unknown check 'factors'" in bad.stderr and "magnitude" in bad.stderr
    assert bad.stderr.strip().count("\n") == 0
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        for args in (["serve", "--db", db], ["demo", "--db", db]):
            r = runner.invoke(app, [*args, "--port", str(port)])
            assert r.exit_code == 1 and f"port {port} on 127.0.0.1 is in use" in r.stderr, (args, r.output)
            assert "http://" not in r.stdout and "added" not in r.stdout, "said before anything is done"


def test_help_reads_as_sentences():
    """Every command's help is paragraphs of whole sentences, reflowed to the terminal: the
    command lists show one line each, not the docstring's line breaks."""
    import typer.main

    def walk(command, path):
        for name, sub in getattr(command, "commands", {}).items():
            yield [*path, name], sub
            yield from walk(sub, [*path, name])

    for path, command in walk(typer.main.get_command(app), []):
        assert command.help, f"`caseatlas {' '.join(path)}` has no help"
        assert all("\n" not in p for p in command.help.split("\n\n")), path
    listed = runner.invoke(app, ["--help"], env={"COLUMNS": "120"}).output
    row = next(ln for ln in listed.splitlines() if "│ ingest" in ln)
    assert row.rstrip(" │").endswith("does nothing)."), row


def test_piped_lines_are_written_whole(tmp_path):
    """rich wraps at 80 columns when there is no terminal; the CLI's consoles do not."""
    name = "城市与社区低碳实践案例征集（第二届）——面向地方政府、企业、社会组织与研究机构的年度征集 " * 3
    r = runner.invoke(app, ["programme", "create", name.strip(), "--db", str(tmp_path / "lib.db")])
    assert r.exit_code == 0, r.output
    assert r.stdout.count("\n") == 1 and name.strip() in r.stdout
    on_terminal = invoke(["programme", "list", "--db", str(tmp_path / "lib.db")], 60)
    assert all(cell_len(ln) <= 60 for ln in on_terminal.splitlines())
