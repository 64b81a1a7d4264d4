"""The structure docs/architecture.md describes, checked against the code: SQL only in
`store`, shells that import services only, one vocabulary, every write behind CSRF, and
the tuning numbers the doc states."""

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


def test_shells_import_services_only():
    for shell in ("cli", "web"):
        for path in modules(shell):
            for module, _ in imports(path):
                for forbidden in ("store", "search", "segment", "extract", "readers"):
                    assert not re.match(rf"\.\.+{forbidden}\b|caseatlas\.{forbidden}\b", module), (
                        f"{path.relative_to(PKG)} imports {module}"
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
    for path in modules("web") + modules("services") + modules("cli") + sorted((PKG / "web" / "templates").glob("*")):
        source = path.read_text(encoding="utf-8")
        assert "renewable_generation" not in source or path.name == "i18n.py", f"{path.name} spells out the kinds"


def test_architecture_doc_names_every_module():
    named = set(re.findall(r"`([a-z_]+(?:/[a-z_]+)*\.py)`", DOC)) | set(re.findall(r"`([a-z_]+/)`", DOC))
    for path in modules():
        rel = path.relative_to(PKG).as_posix()
        if path.name == "__init__.py" or rel.count("/") == 0 and path.name in ("__main__.py",):
            continue
        assert rel in named or rel.split("/")[0] + "/" in named and rel.split("/")[-1] in DOC, (
            f"docs/architecture.md does not mention {rel}"
        )
    for mentioned in named:
        if mentioned.endswith(".py"):
            exists = (PKG / mentioned).exists() or (ROOT / mentioned).exists() or any(PKG.rglob(mentioned))
            assert exists, f"docs/architecture.md names {mentioned}, which does not exist"


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
    assert f"migration `{ScriptDirectory.from_config(cfg).get_current_head()}`" in DOC


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
