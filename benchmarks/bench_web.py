"""Load benchmark: the search API under 20 concurrent clients, measured by wrk from a
second process on loopback, on the five-book library.

    python benchmarks/bench_web.py [--connections 20] [--duration 30] [--workers 2] [--mode text] [--pg]
    python benchmarks/bench_web.py --path / [--copies 40]      # the home page (totals), a larger library

--path PATH requests that one page (e.g. `/`, the home page with its totals, or `/api/v1/totals`)
instead of cycling through the search queries. --copies N adds N renamed copies of the five books
(each a new collection with its own cases, facts and flags) before the run. --db URL serves that
library as it is (no ingest: to compare two versions of the code on one large library).

Starts `caseatlas serve` on a fresh library holding the five corpus books (a SQLite file,
or with --pg a database on a throwaway PostgreSQL server started as the tests do), warms it up,
runs wrk (Debian package `wrk`) with a Lua script that cycles through the dev queries and
reports p50/p95/p99, and stops the server. wrk is bounded by --duration.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"

LUA = r"""
local paths = {}
for line in io.lines("%s") do paths[#paths + 1] = line end
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("RESULT %%d %%d %%.1f %%.1f %%.1f %%.1f\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--connections", type=int, default=20)
    ap.add_argument("--duration", type=int, default=30)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mode", default="text")
    ap.add_argument("--port", type=int, default=8765)
    ap.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    ap.add_argument("--path", help="One page to request (e.g. / for the home page) instead of the search queries")
    ap.add_argument("--copies", type=int, default=0, help="Also ingest N renamed copies of the five books")
    ap.add_argument("--db", help="Serve this library as it is (no ingest)")
    args = ap.parse_args()
    pg = None
    if args.pg:
        sys.path.insert(0, str(ROOT / "tests"))
        from pg import Server, create_database

        pg = Server()
        pg_url = create_database(pg.start())
    if not shutil.which("wrk"):
        sys.exit("wrk not found: apt-get install wrk")
    exe = Path(sys.executable).with_name("caseatlas")
    queries = [q["query"] for q in json.loads((SHARED / "eval" / "queries-dev.json").read_text(encoding="utf-8"))]
    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or (pg_url if pg else Path(tmp) / "library.db")
        env = {**os.environ, "CASEATLAS_DB": str(db)}
        books = [] if args.db else sorted((SHARED / "corpus").glob("*.txt"))
        for k in range(args.copies if books else 0):
            for f in list(books[:5]):
                target = Path(tmp) / f"{f.stem}_copy{k}.txt"
                shutil.copy(f, target)
                books.append(target)
        if books:
            subprocess.run([str(exe), "ingest", *map(str, books)], env=env, check=True, stdout=subprocess.DEVNULL)
        paths = Path(tmp) / "paths.txt"
        urls = (
            [args.path]
            if args.path
            else [f"/api/v1/search?mode={args.mode}&q={urllib.parse.quote(q)}" for q in queries]
        )
        paths.write_text("\n".join(urls) + "\n")
        script = Path(tmp) / "search.lua"
        script.write_text(LUA % paths)
        server = subprocess.Popen(
            [str(exe), "serve", "--port", str(args.port), "--workers", str(args.workers)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            base = f"http://127.0.0.1:{args.port}"
            for _ in range(200):
                try:
                    urllib.request.urlopen(base + "/api/v1/collections", timeout=2)
                    break
                except OSError:
                    time.sleep(0.1)
            for url in urls * (args.workers * (5 if args.path else 1)):  # every worker loads its index
                urllib.request.urlopen(base + url, timeout=30)
            out = subprocess.run(
                [
                    "wrk",
                    "-t1",
                    f"-c{args.connections}",
                    f"-d{args.duration}s",
                    "--timeout",
                    "5s",
                    "-s",
                    str(script),
                    base,
                ],
                capture_output=True,
                text=True,
                timeout=args.duration + 60,
            ).stdout
        finally:
            server.terminate()
            server.wait(timeout=20)
            if pg:
                pg.stop()
    line = next(ln for ln in out.splitlines() if ln.startswith("RESULT"))
    n, errors, p50, p95, p99, rps = line.split()[1:]
    print(
        json.dumps(
            {
                "backend": "postgresql" if pg else "sqlite",
                "connections": args.connections,
                "workers": args.workers,
                "mode": args.mode,
                "path": args.path or "search",
                "books": len(books) or args.db,
                "requests": int(n),
                "errors": int(errors),
                "p50_ms": float(p50),
                "p95_ms": float(p95),
                "p99_ms": float(p99),
                "requests_per_s": float(rps),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
