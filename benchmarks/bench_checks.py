"""Claim checks, timed: the rules over the five corpus books' cases, already read, segmented
and extracted (what ingest adds for the checks).

    python benchmarks/bench_checks.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from caseatlas.checks import check_book
from caseatlas.extract import extract_book
from caseatlas.readers import read_document
from caseatlas.segment import segment

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    books = []
    for f in sorted(CORPUS.glob("*.txt")):
        book = segment(read_document(f))
        extract_book(book)
        books.append(book)
    n_cases = sum(len(b.cases) for b in books)
    for _ in range(args.repeat):
        t = time.perf_counter()
        for b in books:
            check_book(b)
        took = time.perf_counter() - t
        flags = sum(len(c.flags) for b in books for c in b.cases)
        print(f"checks over {len(books)} books, {n_cases} cases: {took:.3f} s, {flags} flags")


if __name__ == "__main__":
    main()
