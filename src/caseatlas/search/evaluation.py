"""Search quality on graded queries (shared/eval format): nDCG@10, Recall@10, MRR, for
CaseAtlas and for plain baselines measured in the same run on the same library."""

from __future__ import annotations

import json
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import Engine

from ..errors import CaseAtlasError
from ..models import Filters
from ..store import library
from .engine import search

_CJK = re.compile(r"[\u4e00-\u9fff]")


def _gold_ranges(gold_dir: Path) -> dict[str, list[tuple[int, int]]]:
    out = {}
    for f in sorted(gold_dir.glob("*.json")):
        out[f.stem] = [(c["start_line"], c["end_line"]) for c in json.loads(f.read_text(encoding="utf-8"))]
    return out


def _case_table(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return sorted(library.iter_cases(conn, with_sections=False), key=lambda r: r["id"])


def _gold_key(row: dict, ranges: dict[str, list[tuple[int, int]]]) -> str:
    """Map a library case to the gold id "<book>#<index>": by line range where the book is
    annotated (as the scoring rule says), else by position in the book."""
    book = Path(row["source_file"]).stem
    for i, (a, b) in enumerate(ranges.get(book, [])):
        if a <= row["start_line"] <= b:
            return f"{book}#{i}"
    return f"{book}#{row['seq'] - 1}"


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(c, 0) - 1) / math.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def metrics(ranked: list[str], relevant: dict[str, int], k: int = 10) -> dict[str, float]:
    seen, unique = set(), []
    for c in ranked:
        if c not in seen:
            seen.add(c)
            unique.append(c)
    rel = {c for c, g in relevant.items() if g > 0}
    recall = len(rel & set(unique[:k])) / len(rel) if rel else 0.0
    rr = next((1.0 / (i + 1) for i, c in enumerate(unique) if c in rel), 0.0)
    return {"ndcg@10": ndcg(unique, relevant, k), "recall@10": recall, "mrr": rr}


def evaluate(
    engine: Engine, queries_file: str | Path, gold_dir: str | Path, modes: tuple[str, ...] = ("text",)
) -> dict:
    queries = json.loads(Path(queries_file).read_text(encoding="utf-8"))
    if not queries:
        raise CaseAtlasError(f"{queries_file}: no queries")
    ranges = _gold_ranges(Path(gold_dir))
    table = _case_table(engine)
    key_of = {r["id"]: _gold_key(r, ranges) for r in table}
    systems: dict[str, Callable[[str], list[str]]] = {}
    for mode in modes:
        systems[f"caseatlas-{mode}"] = _caseatlas(engine, key_of, mode)
    systems["bm25s-jieba"] = _bm25s(table, key_of)
    systems["fts5-trigram"] = _trigram(table, key_of)
    langs = [language(q) for q in queries]
    report: dict = {"queries": len(queries), "languages": dict(Counter(langs)), "systems": {}}
    for name, run in systems.items():
        per = [metrics(run(q["query"]), q["relevant"]) for q in queries]
        report["systems"][name] = {m: round(sum(p[m] for p in per) / len(per), 4) for m in per[0]}
        report["systems"][name]["per_query"] = {q["id"]: round(p["ndcg@10"], 3) for q, p in zip(queries, per)}
        by_lang: dict[str, list[float]] = {}
        for lang, p in zip(langs, per):
            by_lang.setdefault(lang, []).append(p["ndcg@10"])
        report["systems"][name]["per_lang"] = {k: round(sum(v) / len(v), 4) for k, v in sorted(by_lang.items())}
    return report


def language(query: dict) -> str:
    """A query's language: its "lang" field; else "zh" when it has Chinese characters, "en"
    when not (a file of queries written in both languages, some without the field)."""
    return query.get("lang") or ("zh" if _CJK.search(query["query"]) else "en")


def _caseatlas(engine: Engine, key_of: dict[int, str], mode: str) -> Callable[[str], list[str]]:
    def run(query: str) -> list[str]:
        with engine.connect() as conn:
            res = search(conn, query, Filters(), limit=10, mode=mode)
        return [key_of[h.case_pk] for h in res.hits]

    return run


def _bm25s(table: list[dict], key_of: dict[int, str]) -> Callable[[str], list[str]]:
    """Baseline: bm25s over whole-case jieba (search-mode) tokens, no synonyms."""
    import bm25s
    import rjieba

    def tok(s: str) -> list[str]:
        return [t for t in rjieba.cut_for_search(s.lower()) if t.strip() and any(ch.isalnum() for ch in t)]

    corpus = [tok(r["text"]) for r in table]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)

    def run(query: str) -> list[str]:
        q = tok(query)
        if not q:
            return []
        docs, _ = retriever.retrieve([q], k=min(10, len(table)), show_progress=False)
        return [key_of[table[int(i)]["id"]] for i in docs[0]]

    return run


def _trigram(table: list[dict], key_of: dict[int, str]) -> Callable[[str], list[str]]:
    """Baseline: SQLite FTS5 trigram over whole-case text; query words OR-ed."""
    db = sqlite3.connect(":memory:")
    db.execute("CREATE VIRTUAL TABLE t USING fts5(body, tokenize='trigram')")
    db.executemany("INSERT INTO t(rowid, body) VALUES (?, ?)", [(r["id"], r["text"]) for r in table])

    def run(query: str) -> list[str]:
        words = [w for w in query.replace('"', " ").split() if len(w) >= 3] or ([query] if len(query) >= 3 else [])
        if not words:
            return []
        expr = " OR ".join('"' + w.replace('"', '""') + '"' for w in words)
        rows = db.execute("SELECT rowid FROM t WHERE t MATCH ? ORDER BY bm25(t) LIMIT 10", (expr,)).fetchall()
        return [key_of[r[0]] for r in rows]

    return run
