"""The structure docs/architecture.md describes, checked against the code: SQL only in
`store`, every import within the layer map (which the doc's paragraph states), a module table
row for every part naming every module, one vocabulary, every write behind CSRF, the head
migration and the tuning numbers the doc states."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from conftest import ROOT

PKG = ROOT / "src" / "caseatlas"
DOC = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
SQL_BUILDERS = {"select", "insert", "update", "delete", "text", "bindparam", "exists", "and_", "or_", "func"}


def modules(under: str = "") -> list[Path]:
    return sorted(p for p in (PKG / under).rglob("*.py") if "migrations" not in p.parts)


def imports(path: Path) -> list[tuple[str, list[str]]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            level = "." * node.level
            out.append((level + (node.module or ""), [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out.extend((a.name, []) for a in node.names)
    return out


def test_sql_lives_only_in_store():
    offenders = []
    for path in modules():
        rel = path.relative_to(PKG)
        if rel.parts[0] == "store":
            continue
        for module, names in imports(path):
            if module.startswith("sqlalchemy") and set(names) & SQL_BUILDERS:
                offenders.append(f"{rel}: from {module} import {names}")
            if module.endswith("store.schema") or module == "sqlite3" and rel.name != "evaluation.py":
                offenders.append(f"{rel}: {module}")
        source = path.read_text(encoding="utf-8")
        if re.search(r"""["']\s*(SELECT|INSERT|UPDATE|DELETE)\s""", source) and rel != Path("search/evaluation.py"):
            offenders.append(f"{rel}: SQL in a string")
    assert not offenders, offenders


def test_store_sql_is_not_built_from_strings():
    for path in modules("store"):
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"""text\(\s*f["']""", source), path  # no f-string SQL
        assert ".format(" not in source or "SELECT" not in source, path


# What each part of the package may import: the one statement of the layers. Every part may
# import the ground floor; the ground floor imports only what comes before it in GROUND.
# docs/architecture.md's "Imports go one way" paragraph is this map written out (layer_paragraph).
GROUND = ("vocab", "errors", "models", "text")
MAY_IMPORT = {
    "readers": (),
    "organizations": (),
    "store": (),
    "segment": ("organizations",),
    "extract": ("readers", "segment"),
    "search": ("extract", "store"),
    "checks": ("extract", "search"),
    "publish": ("extract", "segment"),
    "programme": ("readers", "segment", "extract", "organizations"),
    "services": (
        "readers",
        "segment",
        "extract",
        "checks",
        "organizations",
        "search",
        "publish",
        "programme",
        "store",
    ),
    "jobs": ("services",),
    "web": ("services", "jobs"),
    "cli": ("services", "web", "jobs"),
}
# A module that is a layer of its own package (the programme's command line is a shell).
LAYER_OF = {"programme/cli.py": "cli"}
# Edges the paragraph explains.
WHY = {("cli", "web"): "to serve it"}


def layer(parts: list[str]) -> str:
    """The part a module (path parts under src/caseatlas) belongs to: its innermost folder that
    names a part (a package may hold layers of its own, e.g. `programme/services/`), else its
    top-level package or module (`__init__` for the package itself)."""
    if "/".join(parts) in LAYER_OF:
        return LAYER_OF["/".join(parts)]
    named = [p for p in parts[:-1] if p in MAY_IMPORT or p in GROUND]
    return named[-1] if named else parts[0].removesuffix(".py")


def _module(target: list[str]) -> list[str] | None:
    """Path parts of the caseatlas module or package a dotted name names, else None."""
    if target and (PKG.joinpath(*target[:-1]) / f"{target[-1]}.py").exists():
        return [*target[:-1], f"{target[-1]}.py"]
    if (PKG.joinpath(*target) / "__init__.py").exists():
        return [*target, "__init__.py"]
    return None


def imported_parts(path: Path) -> set[tuple[str, str]]:
    """(part, module) for every caseatlas module `path` imports, relative or absolute."""
    here = list(path.relative_to(PKG).parts[:-1])
    found = set()
    for module, names in imports(path):
        if module.startswith("."):
            level = len(module) - len(module.lstrip("."))
            target = here[: len(here) - level + 1] + [m for m in module.lstrip(".").split(".") if m]
        elif module == "caseatlas" or module.startswith("caseatlas."):
            target = module.split(".")[1:]
        else:
            continue
        # `from .. import web`: a name may be a module of its own; else it is the package's.
        mods = [m for m in (_module([*target, n]) for n in names) if m] or [_module(target)]
        found |= {(layer(m), "/".join(m)) for m in mods if m}
    return found


def test_the_layer_map_goes_one_way():
    """No cycle in the map: an import never runs back up."""
    done: set[str] = set()

    def visit(part: str, trail: list[str]) -> None:
        assert part not in trail, f"the layer map has a cycle: {' → '.join([*trail, part])}"
        if part not in done:
            for lower in MAY_IMPORT.get(part, ()):
                visit(lower, [*trail, part])
            done.add(part)

    for part in MAY_IMPORT:
        visit(part, [])
    assert not set(GROUND) & set(MAY_IMPORT)
    assert all((PKG / p).is_dir() or (PKG / f"{p}.py").exists() for p in [*GROUND, *MAY_IMPORT])


def test_imports_follow_the_layer_map():
    offenders = []
    for path in modules():
        rel = path.relative_to(PKG)
        me = layer(list(rel.parts))
        if me in ("__init__", "__main__", ""):  # the package itself: its version, the CLI entry point
            continue
        allowed = set(MAY_IMPORT.get(me, ())) | {me}
        allowed |= set(GROUND[: GROUND.index(me)]) if me in GROUND else set(GROUND) | {"__init__"}
        for part, module in imported_parts(path):
            if part not in allowed:
                offenders.append(f"{rel.as_posix()} ({me}) imports {module} ({part})")
    assert not offenders, "imports outside the layer map (tests/test_architecture.py MAY_IMPORT):\n" + "\n".join(
        offenders
    )


def _name(part: str) -> str:
    return f"`{part}/`" if (PKG / part).is_dir() else f"`{part}.py`"


def layer_paragraph() -> str:
    """docs/architecture.md's paragraph on imports, written from the map."""

    def listed(names: list[str]) -> str:
        return ", ".join(names[:-1]) + f" and {names[-1]}" if len(names) > 1 else names[0]

    bare = [_name(p) for p, allowed in MAY_IMPORT.items() if not allowed]
    rules = [f"{listed(bare)} import nothing more"]
    for part, allowed in MAY_IMPORT.items():
        if allowed:
            names = [_name(a) + (f" ({WHY[part, a]})" if (part, a) in WHY else "") for a in allowed]
            rules.append(f"{_name(part)} imports {listed(names)}")
    return (
        f"Imports go one way: every part may import the ground floor ({listed([_name(g) for g in GROUND])}, "
        f"each of these only the ones before it); beyond it, {'; '.join(rules)}. Only `store/` builds SQL. "
        "`tests/test_architecture.py` holds this map and checks every import against it."
    )


def test_architecture_doc_states_the_layer_map():
    expected = layer_paragraph()
    assert expected in " ".join(DOC.split()), f"docs/architecture.md should say, as one paragraph:\n{expected}"


def absolute(path: Path, module: str) -> str:
    """`module` as imported by `path`, with a relative import resolved (`...store` → `caseatlas.store`)."""
    if not module.startswith("."):
        return module
    level = len(module) - len(module.lstrip("."))
    parts = ["caseatlas", *path.relative_to(PKG).with_suffix("").parts]
    base = parts[: len(parts) - level]
    return ".".join(base + ([module.lstrip(".")] if module.lstrip(".") else []))


def resolved(path: Path) -> list[str]:
    return [absolute(path, module) for module, _ in imports(path)]


SHELLS = modules("cli") + modules("web") + modules("programme/web") + [PKG / "programme" / "cli.py"]


def test_shells_import_services_only():
    """The CLI and the web app, the programme's included, reach the pipeline, the store and the
    programme's pure logic only through services."""
    forbidden = ("store", "search", "segment", "extract", "readers", "programme.domain")
    for path in SHELLS:
        for module in resolved(path):
            for name in forbidden:
                assert not re.match(rf"caseatlas\.{re.escape(name)}\b", module), (
                    f"{path.relative_to(PKG)} imports {module}"
                )


def test_programme_layers_mirror_the_house():
    """Inside `programme/`: domain ← services ← web and cli, as outside; its SQL stays in `store`."""

    def reaches(path: Path, *prefixes: str) -> list[str]:
        return [m for m in resolved(path) if any(m == p or m.startswith(p + ".") for p in prefixes)]

    for path in modules("programme/domain"):  # pure: nothing with I/O, nothing above it
        assert not reaches(
            path,
            "caseatlas.services",
            "caseatlas.store",
            "caseatlas.web",
            "caseatlas.cli",
            "caseatlas.programme.services",
            "caseatlas.programme.web",
            "caseatlas.programme.cli",
            "sqlalchemy",
            "fastapi",
            "typer",
        ), path.relative_to(PKG)
    for path in modules("programme/services"):  # the domain and the store below; never a shell
        assert not reaches(
            path,
            "caseatlas.web",
            "caseatlas.cli",
            "caseatlas.programme.web",
            "caseatlas.programme.cli",
            "fastapi",
            "typer",
        ), path.relative_to(PKG)
    for path in SHELLS:
        if "programme" in path.relative_to(PKG).parts and path.name != "__init__.py":
            assert reaches(path, "caseatlas.programme.services"), f"{path.relative_to(PKG)} is a shell over no service"
    # The house's services reach into the programme's in two places only: organization merges can
    # make conflicts (their stored conflicts recomputed), and a call's selection is published as a book.
    callers = {path.relative_to(PKG).as_posix() for path in modules("services") if reaches(path, "caseatlas.programme")}
    assert callers == {"services/organizations.py", "services/publishing.py"}, callers
    # One package, its layers named by folders: no `programme_` files left elsewhere.
    stray = [p.relative_to(PKG).as_posix() for p in PKG.rglob("programme_*") if "migrations" not in p.parts]
    assert not stray, stray
    assert not list((PKG / "store").glob("programme*")) or [p.name for p in (PKG / "store").glob("programme*")] == [
        "programmes.py"
    ]


def _top_level(path: Path, module: str) -> str | None:
    """The top-level part of caseatlas an import in `path` reaches (None: outside the package)."""
    if module.startswith("caseatlas."):
        return module.split(".")[1]
    if not module.startswith("."):
        return None
    level = len(module) - len(module.lstrip("."))
    here = path.relative_to(PKG).parts[:-1]  # the package the importing module is in
    if level - 1 > len(here):
        return None
    base = list(here[: len(here) - (level - 1)]) + [p for p in module.lstrip(".").split(".") if p]
    return base[0] if base else None


def test_store_imports_nothing_above_it():
    """The store is below every stage and service: it writes and reads rows, and whatever follows
    from a write (the search index, organizations, the audit record) is the service's to run in
    its unit of work — never an import, nor a callback, from the store upwards."""
    offenders = []
    for path in modules("store"):
        for module, _ in imports(path):
            top = _top_level(path, module)
            if top is not None and top not in {*GROUND, "store"}:
                offenders.append(f"{path.relative_to(PKG)} imports {module}")
        source = path.read_text(encoding="utf-8")
        if "Callable" in source:
            offenders.append(f"{path.relative_to(PKG)} takes a callable (a call back up into its caller)")
    assert not offenders, offenders


def test_store_modules_import_no_cycle():
    """store/*.py import one another one way (the shared row helpers are in store/rows.py), counting
    imports inside functions too: a cycle is how private helpers leaked between modules."""
    graph: dict[str, set[str]] = {}
    for path in modules("store"):
        deps = set()
        for module, names in imports(path):
            if module == ".":
                deps.update(names)
            elif module.startswith(".") and not module.startswith(".."):
                deps.add(module[1:].split(".")[0])
        graph[path.stem] = deps - {path.stem, "__init__"}
    graph.pop("__init__", None)
    seen: dict[str, int] = {}  # 1: on the current path, 2: done

    def visit(node: str, trail: list[str]) -> None:
        seen[node] = 1
        for nxt in sorted(graph.get(node, ())):
            assert seen.get(nxt) != 1, f"import cycle in store/: {' -> '.join(trail + [node, nxt])}"
            if nxt not in seen:
                visit(nxt, trail + [node])
        seen[node] = 2

    for node in sorted(graph):
        if node not in seen:
            visit(node, [])


def test_no_module_imports_another_s_private_name():
    """Within store/, a name with a leading underscore stays in its module."""
    for path in modules("store"):
        for module, names in imports(path):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private or module.startswith(("sqlalchemy", "alembic")), (
                f"{path.relative_to(PKG)} imports {private} from {module}"
            )


def test_every_state_changing_route_checks_csrf():
    from caseatlas.web import create_app
    from caseatlas.web.deps import write_context

    # Anonymous routes that take JSON only (a form on another site cannot post JSON): login, and
    # the account links' routes, whose token is itself the proof (tests/test_accounts.py checks a
    # form body is refused).
    json_only = {"/api/v1/login", "/api/v1/invitations/accept", "/api/v1/password/forgot", "/api/v1/password/reset"}

    def walk(routes):  # included routers too (their routes carry their prefix)
        for r in routes:
            inner = getattr(r, "original_router", None)
            yield from walk(inner.routes) if inner is not None else [r]

    app = create_app("sqlite://")
    unsafe, checked = [], 0
    for route in walk(app.routes):
        methods = getattr(route, "methods", set()) or set()
        if methods & {"POST", "PUT", "PATCH", "DELETE"}:
            checked += 1
            deps = {d.call for d in route.dependant.dependencies}
            if write_context not in deps and route.path not in json_only:
                unsafe.append(route.path)
    assert checked > 40, checked
    assert not unsafe, f"state-changing routes without the CSRF check: {unsafe}"


def test_one_vocabulary():
    """Kinds are spelled out once (vocab.py); the extractor produces nothing outside it."""
    from caseatlas import vocab
    from caseatlas.extract import extract_book
    from caseatlas.readers import read_document
    from caseatlas.segment import segment
    from caseatlas.services.library import sample_collection_dir

    book = segment(read_document(sorted(sample_collection_dir().glob("*.md"))[0]))
    extract_book(book)
    outs = [o for c in book.cases for o in c.facts.outcomes]
    assert {o.kind for o in outs} <= set(vocab.OUTCOME_KINDS) and {o.period for o in outs} <= set(vocab.PERIODS)
    assert {a.kind for c in book.cases for a in c.facts.attributes} <= set(vocab.ATTRIBUTE_KINDS)
    templates = sorted((PKG / "web" / "templates").glob("*")) + sorted(
        (PKG / "programme" / "web" / "templates").glob("*")
    )
    for path in modules("web") + modules("services") + modules("cli") + modules("programme") + templates:
        source = path.read_text(encoding="utf-8")
        assert "renewable_generation" not in source or path.name == "i18n.py", f"{path.name} spells out the kinds"


def module_table() -> dict[str, str]:
    """docs/architecture.md's module table: `part` → what its row says."""
    return dict(re.findall(r"^\| `([a-z_]+(?:/|\.py))` \| (.*) \|$", DOC, re.M))


def test_module_table_has_a_row_per_part():
    parts = {f"{p.name}/" for p in PKG.iterdir() if p.is_dir() and any(p.rglob("*.py"))}
    parts |= {p.name for p in PKG.glob("*.py") if p.name not in ("__init__.py", "__main__.py")}
    table = set(module_table())
    assert not parts - table, f"docs/architecture.md's module table has no row for {sorted(parts - table)}"
    assert not table - parts, f"docs/architecture.md's module table names {sorted(table - parts)}, not in the package"


def test_module_table_names_every_module_and_only_modules_that_exist():
    for part, row in module_table().items():
        if not part.endswith("/"):
            continue
        folder = PKG / part
        named = set(re.findall(r"`([a-z0-9_]+(?:/[a-z0-9_]+)*\.py)`", row))
        for path in modules(part):
            rel = path.relative_to(folder).as_posix()
            if path.name == "__init__.py" and rel != "__init__.py":
                continue
            assert rel in named or f"{part}{rel}" in named or path.name == "__init__.py", (
                f"the row of {part} does not name {rel}"
            )
        for name in named:
            assert any((base / name).exists() for base in (folder, PKG, PKG.parent.parent)), (
                f"the row of {part} names {name}: no such module"
            )


# A constant (`caseatlas.search.textindex.K1`) or a field of a module's object
# (`caseatlas.search.tuning.TUNING.rrf_k`).
DOC_NUMBER = r"\| `caseatlas\.([a-z_.]+)\.([A-Z_]+(?:\.[a-z_]+)?)` \| ([0-9.]+) \|"


@pytest.mark.parametrize("module, name, value", re.findall(DOC_NUMBER, DOC))
def test_architecture_doc_numbers_match_the_code(module, name, value):
    actual = importlib.import_module(f"caseatlas.{module}")
    for part in name.split("."):
        actual = getattr(actual, part)
    assert float(actual) == float(value), f"docs say {module}.{name} = {value}, code has {actual}"


def test_architecture_doc_names_every_tuned_number():
    from dataclasses import fields

    from caseatlas.search.tuning import Tuning

    documented = {name for module, name, _ in re.findall(DOC_NUMBER, DOC) if module == "search.tuning"}
    assert documented == {f"TUNING.{f.name}" for f in fields(Tuning)}


def test_architecture_doc_has_numbers():
    assert len(re.findall(DOC_NUMBER, DOC)) >= 8
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from caseatlas.store.db import _MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert re.findall(r"head migration `(\w+)`", DOC) == [head], (
        f"docs/architecture.md should name head migration {head}"
    )

    assert f"migration `{ScriptDirectory.from_config(cfg).get_current_head()}`" in DOC


def _own_imports(path: Path) -> list[tuple[str, list[str]]]:
    """The caseatlas modules `path` imports, as absolute dotted names, with the names taken."""
    package = path.relative_to(PKG.parent).with_suffix("").parts[:-1]  # ("caseatlas", "extract")
    out = []
    for module, names in imports(path):
        level = len(module) - len(module.lstrip("."))
        if level:
            base = package[: len(package) - level + 1]
            out.append((".".join((*base, module.lstrip("."))).rstrip("."), names))
        elif module.startswith("caseatlas"):
            out.append((module, names))
    return out


def test_text_is_the_ground_floor():
    """`text/` is under every stage: it imports nothing of caseatlas but vocab, models, errors
    and itself."""
    allowed = ("caseatlas.text", "caseatlas.vocab", "caseatlas.models", "caseatlas.errors")
    for path in modules("text"):
        for module, names in _own_imports(path):
            full = [f"{module}.{n}" for n in names] if module == "caseatlas" else [module]
            for m in full:
                assert m == "caseatlas.text" or m.startswith(allowed), f"{path.relative_to(PKG)} imports {m}"


def test_stages_take_text_tools_from_text():
    """Segment, extract, checks, search and publish take the shared text tools from
    `caseatlas.text`: no stage takes the paragraph joiner or the tokenizer from another stage,
    and the segmenter's libraries are imported by `text/tokenizer.py` only (search's evaluation
    keeps its plain-jieba baseline: it is what the search is measured against)."""
    tools = {"paragraphs", "Paragraph", "passages", "tokenizer", "Tokenizer", "analyzer"}
    for stage in ("segment", "extract", "checks", "search", "publish"):
        for path in modules(stage):
            for module, names in _own_imports(path):
                taken = sorted(set(names) & tools)
                assert not taken or module.startswith(("caseatlas.text", f"caseatlas.{stage}")), (
                    f"{path.relative_to(PKG)} takes {taken} from {module}, not from caseatlas.text"
                )
                assert not module.startswith("caseatlas.search.analysis") or stage == "search", (
                    f"{path.relative_to(PKG)} imports search's analysis: the tokenizer is caseatlas.text.tokenizer"
                )
            if path.relative_to(PKG) == Path("search/evaluation.py"):
                continue
            for module, _ in imports(path):
                assert module.split(".")[0] not in ("rjieba", "jieba", "opencc"), (
                    f"{path.relative_to(PKG)} imports {module}: segmentation is caseatlas.text.tokenizer's"
                )


def test_sentence_ends_are_spelled_once():
    """One definition of where a sentence ends (`text/sentences.py`): no other module spells
    the set out in a string or a character class (a docstring may quote the marks)."""
    for path in modules():
        if path == PKG / "text" / "sentences.py":
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        docs = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # docstrings say, not define
        for node in ast.walk(tree):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
                assert not {"。", "！", "？"} <= set(node.value), (
                    f"{path.relative_to(PKG)}:{node.lineno} spells out sentence ends: {node.value[:40]!r}"
                )


# Taken by another part of issue 24: the store's `_sync` (the unit of work) and the programme's
# reviewer accounts (`services/calls` → `accounts._create`, the typed services).
PRIVATE_KNOWN = {("programme/services/calls.py", "_create")}


def test_no_module_takes_another_modules_private_names():
    """A name with a leading underscore is its module's own: no other module imports it or
    reaches it through the module (`toc._chapter_name` became `toc.chapter_name`)."""
    offenders = []
    for path in modules():
        rel = path.relative_to(PKG).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        taken, bound = [], set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom):
                taken += [a.name for a in node.names if a.name.startswith("_") and not a.name.startswith("__")]
                bound |= {a.asname or a.name for a in node.names}
            elif isinstance(node, ast.Import):
                bound |= {(a.asname or a.name).split(".")[0] for a in node.names}
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in bound:
                if node.attr.startswith("_") and not node.attr.startswith("__"):
                    taken.append(node.attr)
        offenders += [(rel, name) for name in taken if (rel, name) not in PRIVATE_KNOWN]
    assert not offenders, offenders


def test_tables_are_read_once_per_case_and_cells_split_in_one_place():
    """One table model: only extract/tables.py builds `Table`s (over text/cells.py's grid
    builder); extraction, the checks and the store take them from the case, and read the lines
    into tables again only where a caller hands no tables over (a single case outside a book)."""
    builders, readers = [], []
    for path in modules():
        rel = path.relative_to(PKG).as_posix()
        for module, names in imports(path):
            if module.endswith("text.cells") and "grid_tables" in names:
                builders.append(rel)
            if (
                module.endswith("extract.tables")
                and "read" in names
                or rel.startswith("extract/")
                and module == "."
                and "tables" in names
            ):
                readers.append(rel)
        source = path.read_text(encoding="utf-8")
        if rel not in ("text/cells.py",):
            assert "def split_cells" not in source and "def _cells(" not in source, f"{rel} splits table cells again"
    assert builders == ["extract/tables.py"], builders
    assert sorted(readers) == ["checks/__init__.py", "extract/__init__.py", "extract/outcomes.py"], readers
    from caseatlas.vocab import TOTAL_ROW_WORDS

    assert "合计" in TOTAL_ROW_WORDS and "小计" in TOTAL_ROW_WORDS  # the one list text/cells.py reads total rows by


def _search_imports(path: Path) -> set[str]:
    """The search modules a search module imports (at the top or inside a function)."""
    out = set()
    for module, names in imports(path):
        if module == ".":
            out.update(names)
        elif module.startswith(".") and not module.startswith(".."):
            out.add(module[1:].split(".")[0])
    return out


def test_search_has_no_import_cycle():
    graph = {p.stem: _search_imports(p) for p in modules("search") if p.name != "__init__.py"}

    def reach(start: str, seen: set[str]) -> set[str]:
        for nxt in graph.get(start, ()):
            if nxt not in seen:
                seen.add(nxt)
                reach(nxt, seen)
        return seen

    cyclic = [m for m in graph if m in reach(m, set())]
    assert not cyclic, f"search modules in an import cycle: {cyclic}"


def test_ranker_does_no_io():
    """The ranker reads only through its port (`SearchSource`): no store, no SQLAlchemy, and
    none of the modules that read the store, except for type names."""
    for name in ("ranker.py", "results.py", "tuning.py"):
        tree = ast.parse((PKG / "search" / name).read_text(encoding="utf-8"))
        typing_only = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom | ast.Import) and id(node) not in typing_only:
                if isinstance(node, ast.ImportFrom):
                    module = "." * node.level + (node.module or "")
                else:
                    module = node.names[0].name
                assert not re.match(r"\.\.store|sqlalchemy|\.(textindex|dense|source|engine|index)\b", module), (
                    f"search/{name} imports {module}"
                )


def test_no_cache_is_keyed_by_object_identity():
    """id() of a live object can be reused after it is collected: caches key by what the
    value depends on (library URL, generation, weights) or hang off the object itself."""
    for path in modules():
        source = path.read_text(encoding="utf-8")
        assert not re.search(r"(\[|\.get\(|\.setdefault\()\s*id\(", source), f"{path.relative_to(PKG)} keys by id()"


# The programme's selection returns typed results (programme/services/records.py), which the API
# serves as its response models; the programme's other services follow.
UNTYPED_PROGRAMME = {"selection.reopen"}  # answers with the call, which `calls` still gives as a dict


def test_programme_selection_returns_typed_results():
    import inspect
    import typing

    from pydantic import BaseModel

    from caseatlas.programme.services import selection
    from caseatlas.programme.services.records import Result

    checked = 0
    for fname, func in inspect.getmembers(selection, inspect.isfunction):
        if fname.startswith("_") or func.__module__ != selection.__name__ or f"selection.{fname}" in UNTYPED_PROGRAMME:
            continue
        ret = typing.get_type_hints(func)["return"]
        outer, items = typing.get_origin(ret) or ret, typing.get_args(ret)
        assert outer is not dict, f"selection.{fname} returns a dict: return a model"
        assert not (outer is list and items and (typing.get_origin(items[0]) or items[0]) is dict), fname
        for t in (ret, *items):
            if isinstance(t, type) and issubclass(t, BaseModel):
                assert issubclass(t, Result), f"selection.{fname} returns {t.__name__}, not a records.Result"
        checked += 1
    assert checked >= 6, checked


# Services that return typed results (issue 24, item 4): each public function says what it returns,
# and it is never a bare dict or list of dicts; a model it returns is a frozen `records.Result`.
# discovery and the programme's services (calls, submissions, reviews, selection, …) follow.
TYPED_SERVICES = (
    "library",
    "records",
    "insights",
    "exports",
    "checks",
    "organizations",
    "accounts",
    "audit",
    "evaluation",
    "publishing",
)
UNTYPED_YET = {"insights.sort_by_outcome"}  # reorders discovery's search hits, which are still dicts


def _returned(hint) -> list:
    """The types a return annotation names: itself, and what a list, tuple, union or dict holds."""
    import typing

    args = typing.get_args(hint)
    return [hint, *(t for a in args for t in _returned(a))]


@pytest.mark.parametrize("name", TYPED_SERVICES)
def test_services_return_typed_results(name):
    import inspect
    import typing

    from pydantic import BaseModel

    from caseatlas.services.records import Result

    module = importlib.import_module(f"caseatlas.services.{name}")
    checked = 0
    for fname, func in inspect.getmembers(module, inspect.isfunction):
        if fname.startswith("_") or func.__module__ != module.__name__ or f"{name}.{fname}" in UNTYPED_YET:
            continue
        hints = typing.get_type_hints(func)
        assert "return" in hints, f"services.{name}.{fname} does not say what it returns"
        ret = hints["return"]
        outer = typing.get_origin(ret) or ret
        items = typing.get_args(ret)
        assert outer is not dict, f"services.{name}.{fname} returns a dict: return a model"
        assert not (outer is list and items and (typing.get_origin(items[0]) or items[0]) is dict), (
            f"services.{name}.{fname} returns a list of dicts: return models"
        )
        for t in _returned(ret):
            if isinstance(t, type) and issubclass(t, BaseModel):
                assert issubclass(t, Result), f"services.{name}.{fname} returns {t.__name__}, not a records.Result"
        checked += 1
    assert checked, f"services.{name} has no public function"


def test_one_definition_per_response_shape():
    """A shape a service returns is not defined again at the web edge."""
    from pydantic import BaseModel

    from caseatlas.web import schemas

    services = {
        n
        for name in TYPED_SERVICES
        for n, v in vars(importlib.import_module(f"caseatlas.services.{name}")).items()
        if isinstance(v, type) and issubclass(v, BaseModel) and v.__module__.startswith("caseatlas.services")
    }
    edge = {n for n, v in vars(schemas).items() if isinstance(v, type) and v.__module__ == schemas.__name__}
    assert not services & edge, f"defined twice, in services and web/schemas.py: {sorted(services & edge)}"
