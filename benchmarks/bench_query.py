"""In-process cost of one search on the five corpus books (no HTTP): the 20 dev queries ×
--repeat through `services.discovery.search`, text leg, after one warm-up query.

    python benchmarks/bench_query.py [--repeat 5] [--db URL] [--queries FILE]

Without --db a fresh SQLite library in a temp dir is filled with the five books; with --db
the given (empty or already ingested) library is used. --queries: another query file of the
same format (eval/queries-en-dev.json: the dev queries in English).
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from caseatlas.services import Context, discovery, library, open_library, system_actor

SHARED = Path(__file__).resolve().parents[2] / "shared"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--db")
    ap.add_argument("--queries", type=Path, default=SHARED / "eval" / "queries-dev.json")
    args = ap.parse_args()
    queries = [q["query"] for q in json.loads(args.queries.read_text(encoding="utf-8"))]
    with tempfile.TemporaryDirectory() as tmp:
        ctx = Context(open_library(args.db or str(Path(tmp) / "lib.db")), system_actor())
        library.ingest_paths(ctx, sorted((SHARED / "corpus").glob("*.txt")))
        discovery.search(ctx, queries[0], mode="text")
        times = []
        for _ in range(args.repeat):
            for q in queries:
                t = time.perf_counter()
                discovery.search(ctx, q, mode="text")
                times.append((time.perf_counter() - t) * 1000)
    times.sort()
    print(
        json.dumps(
            {
                "queries": len(times),
                "p50_ms": round(statistics.median(times), 1),
                "p95_ms": round(times[int(0.95 * (len(times) - 1))], 1),
            }
        )
    )


if __name__ == "__main__":
    main()
