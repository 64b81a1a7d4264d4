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
    "web": ("services", "programme"),
    "cli": ("services", "programme", "web"),
}
# Edges the paragraph explains.
WHY = {("cli", "web"): "to serve it", ("cli", "programme"): "its presets", ("web", "programme"): "its presets"}


def layer(parts: list[str]) -> str:
    """The part a module (path parts under src/caseatlas) belongs to: its innermost folder that
    names a part (a package may hold layers of its own, e.g. `programme/services/`), else its
    top-level package or module (`__init__` for the package itself)."""
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
    for path in modules("web") + modules("services") + modules("cli") + sorted((PKG / "web" / "templates").glob("*")):
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
            assert rel in named or path.name == "__init__.py", f"the row of {part} does not name {rel}"
        for name in named:
            assert (folder / name).exists() or (PKG / name).exists(), f"the row of {part} names {name}: no such module"


@pytest.mark.parametrize(
    "module, name, value", re.findall(r"\| `caseatlas\.([a-z_.]+)\.([A-Z_]+)` \| ([0-9.]+) \|", DOC)
)
def test_architecture_doc_numbers_match_the_code(module, name, value):
    actual = getattr(importlib.import_module(f"caseatlas.{module}"), name)
    assert float(actual) == float(value), f"docs say {module}.{name} = {value}, code has {actual}"


def test_architecture_doc_has_numbers():
    assert len(re.findall(r"\| `caseatlas\.[a-z_.]+\.[A-Z_]+` \| [0-9.]+ \|", DOC)) >= 8
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from caseatlas.store.db import _MIGRATIONS

    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    assert re.findall(r"head migration `(\w+)`", DOC) == [head], (
        f"docs/architecture.md should name head migration {head}"
    )
