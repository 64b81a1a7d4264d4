"""Run one benchmark on an older revision and on this checkout, alternately, in one run.

    python benchmarks/side_by_side.py --old-rev 33f080a --rounds 5 \\
        --metric 'total ([0-9.]+) s' -- benchmarks/bench_ingest.py --repeat 1

The older revision is checked out into a temporary git worktree; each round runs the benchmark
script once on each side (old first on even rounds, new first on odd ones, so that the machine's
drift falls on both), each side importing its own `src/` (PYTHONPATH) with this checkout's
benchmark script and data (with --own-script, each side runs the script of its own revision:
for a benchmark that calls an interface the change rewrote). The figure is the first group of
--metric in the script's output;
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
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run(src: Path, script: list[str], metrics: list[re.Pattern[str]], own_script: bool = False) -> list[float]:
    env = dict(os.environ, PYTHONPATH=str(src))
    root = src.parent if own_script else ROOT
    out = subprocess.run(
        [sys.executable, *script], cwd=root, env=env, capture_output=True, text=True, check=True
    ).stdout
    figures = []
    for metric in metrics:
        m = metric.search(out)
        if not m:
            raise SystemExit(f"error: the metric pattern did not match the output of {script}:\n{out}")
        figures.append(float(m.group(1)))
    return figures


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--old-rev", required=True, help="the revision to compare against (e.g. a commit of main)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument(
        "--metric",
        required=True,
        action="append",
        help="regex whose first group is the figure, e.g. 'total ([0-9.]+) s' (repeat for more figures of one run)",
    )
    ap.add_argument("--own-script", action="store_true", help="each side runs the script as its revision has it")
    ap.add_argument("script", nargs=argparse.REMAINDER, help="-- the benchmark script and its arguments")
    args = ap.parse_args()
    script = [a for a in args.script if a != "--"]
    metrics = [re.compile(m) for m in args.metric]
    # Beside this checkout, so that the old side's ../shared (the corpus) resolves as here.
    old = ROOT.parent / f".side_by_side_{os.getpid()}"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(old), args.old_rev], check=True)
    try:
        sides: dict[str, list[list[float]]] = {"old": [], "new": []}
        for k in range(args.rounds):
            order = [("old", old / "src"), ("new", ROOT / "src")]
            for name, src in order if k % 2 == 0 else reversed(order):
                sides[name].append(run(src, script, metrics, args.own_script))
            for i, m in enumerate(args.metric):
                print(f"round {k + 1} [{m}]: old {sides['old'][-1][i]:.3f}  new {sides['new'][-1][i]:.3f}", flush=True)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(old)], check=False)
    for i, m in enumerate(args.metric):
        o = statistics.median(r[i] for r in sides["old"])
        n = statistics.median(r[i] for r in sides["new"])
        print(
            f"median of {args.rounds} [{m}]: old ({args.old_rev}) {o:.3f}  new (working tree) {n:.3f}  "
            f"new/old {n / o:.2f}"
        )


if __name__ == "__main__":
    main()
