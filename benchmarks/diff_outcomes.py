"""What an extraction change did to the outcomes: two exports compared row by row.

    caseatlas export --db before.db -o before.jsonl     # with the old code
    caseatlas export --db after.db -o after.jsonl       # with the new code
    python benchmarks/diff_outcomes.py before.jsonl after.jsonl [--rows] [--corpus ../shared/corpus]

An outcome is keyed by (case id, quote, unit, value); for each key the kind, period, status,
scope and span are compared. Prints the count of each type of change ("period annual→
cumulative: 34", "removed (co2e_reduction,annual,achieved)", "span only" …); --rows lists every
changed row with its book, line and quote (and, with --corpus, the words before it in the
line), which is what a reviewer reads to judge each change.
"""

from __future__ import annotations

import argparse
import collections
import json
from pathlib import Path


def load(path: str) -> dict[tuple, dict]:
    out = {}
    for line in Path(path).read_text(encoding="utf-8").splitlines():
        case = json.loads(line)
        for m in case["metrics"]:
            out[(case["id"], m["quote"], m["unit"], m["value"])] = {
                "kind": m["kind"],
                "period": m["period"],
                "status": m["status"],
                "scope": m["scope"],
                "span": tuple(m["span"]) if m.get("span") else None,
                "line": m["line"],
                "file": case["source_file"],
            }
    return out


def change(x: dict | None, y: dict | None) -> str:
    if x is None:
        return f"added ({y['kind']},{y['period']},{y['status']})"
    if y is None:
        return f"removed ({x['kind']},{x['period']},{x['status']})"
    parts = [f"{f} {x[f]}→{y[f]}" for f in ("kind", "period", "status", "scope") if x[f] != y[f]]
    return "; ".join(parts) or "span only"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("before")
    ap.add_argument("after")
    ap.add_argument("--rows", action="store_true", help="list every changed row")
    ap.add_argument("--corpus", help="folder of the books, to show the words before each quote")
    args = ap.parse_args()
    a, b = load(args.before), load(args.after)
    rows: dict[str, list] = collections.defaultdict(list)
    for key in sorted(set(a) | set(b), key=str):
        if a.get(key) != b.get(key):
            rows[change(a.get(key), b.get(key))].append((key, b.get(key) or a.get(key)))
    books: dict[str, list[str]] = {}
    for kind, changed in sorted(rows.items(), key=lambda kv: -len(kv[1])):
        print(f"{len(changed):5d}  {kind}")
        if not args.rows:
            continue
        for (_, quote, unit, value), o in changed:
            context = ""
            if args.corpus:
                if o["file"] not in books:
                    f = Path(args.corpus) / o["file"]
                    books[o["file"]] = f.read_text(encoding="utf-8").splitlines() if f.exists() else []
                text = books[o["file"]][o["line"] - 1] if o["line"] <= len(books[o["file"]]) else ""
                at = text.find(quote)
                context = text[max(0, at - 50) : at] if at > 0 else ""
            span = f" span={o['span'][0]}–{o['span'][1]}" if o["span"] else ""
            print(f"         {o['file'][:3]} L{o['line']} {unit} {value:g}{span} | {context}{quote}")


if __name__ == "__main__":
    main()
