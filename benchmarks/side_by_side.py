"""Run one benchmark on an older revision and on this checkout, alternately, in one run.

    python benchmarks/side_by_side.py --old-rev 33f080a --rounds 5 \\
        --metric 'total ([0-9.]+) s' -- benchmarks/bench_ingest.py --repeat 1

The older revision is checked out into a temporary git worktree; each round runs the benchmark
script once on each side (old first on even rounds, new first on odd ones, so that the machine's
drift falls on both), each side importing its own `src/` (PYTHONPATH) with this checkout's
benchmark script and data. The figure is the first group of --metric in the script's output;
the medians and every round are printed. Comparing the two sides is the point: both see the
same machine at the same minutes.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(src: Path, script: list[str], metric: re.Pattern[str]) -> float:
    env = dict(os.environ, PYTHONPATH=str(src))
    out = subprocess.run(
        [sys.executable, *script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout
    m = metric.search(out)
    if not m:
        raise SystemExit(f"error: the metric pattern did not match the output of {script}:\n{out}")
    return float(m.group(1))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old-rev", required=True, help="the revision to compare against (e.g. a commit of main)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--metric", required=True, help="regex whose first group is the figure, e.g. 'total ([0-9.]+) s'")
    ap.add_argument("script", nargs=argparse.REMAINDER, help="-- the benchmark script and its arguments")
    args = ap.parse_args()
    script = [a for a in args.script if a != "--"]
    metric = re.compile(args.metric)
    with tempfile.TemporaryDirectory() as tmp:
        old = Path(tmp) / "old"
        subprocess.run(
            ["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.old_rev], check=True
        )
        try:
            sides: dict[str, list[float]] = {"old": [], "new": []}
            for k in range(args.rounds):
                order = [("old", old / "src"), ("new", ROOT / "src")]
                for name, src in order if k % 2 == 0 else reversed(order):
                    sides[name].append(run(src, script, metric))
                print(f"round {k + 1}: old {sides['old'][-1]:.3f}  new {sides['new'][-1]:.3f}", flush=True)
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    o, n = statistics.median(sides["old"]), statistics.median(sides["new"])
    print(f"median of {args.rounds}: old ({args.old_rev}) {o:.3f}  new (working tree) {n:.3f}  new/old {n / o:.2f}")


if __name__ == "__main__":
    main()
