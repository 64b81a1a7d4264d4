"""Ingest benchmark: the five corpus books into a fresh SQLite library.

    python benchmarks/bench_ingest.py [--repeat 5] [--copies 0] [--reingest] [--pg]

Reports wall time for the whole ingest (read + segment + extract facts + store, one
transaction per book),
split by stage, as the median of --repeat runs. With --copies N it then ingests N renamed
copies of the five books into the same library, to show how ingest cost changes as the
library grows (each copy is a new collection with its own cases and lines).

--reingest times the whole ingest service (pipeline + passages + audit) on the five books,
then again after one number in the middle of each book was edited: the synchronizing
re-ingest (what kept its identity, what was replaced). --pg runs these on a throwaway
PostgreSQL server (started as the tests do) instead of a SQLite file.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from caseatlas import store
from caseatlas.extract import extract_book
from caseatlas.readers import read_document
from caseatlas.segment import segment
from caseatlas.services import Context, library, system_actor

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


def one_run(files: list[Path], db: Path) -> dict[str, float]:
    engine = store.open_engine(db)
    t = {"read": 0.0, "segment": 0.0, "extract": 0.0, "store": 0.0}
    start = time.perf_counter()
    for f in files:
        t0 = time.perf_counter()
        doc = read_document(f)
        t1 = time.perf_counter()
        book = segment(doc)
        t2 = time.perf_counter()
        extract_book(book)
        t3 = time.perf_counter()
        with engine.begin() as conn:
            store.library.save_book(conn, book)
        t4 = time.perf_counter()
        t["read"] += t1 - t0
        t["segment"] += t2 - t1
        t["extract"] += t3 - t2
        t["store"] += t4 - t3
    t["total"] = time.perf_counter() - start
    engine.dispose()
    return t


def reingest(files: list[Path], tmp: Path, db: str) -> None:
    ctx = Context(store.open_engine(db), system_actor())
    books = []
    for f in files:
        books.append(tmp / f.name)
        shutil.copy(f, books[-1])
    t0 = time.perf_counter()
    library.ingest_paths(ctx, books)
    first = time.perf_counter() - t0
    for b in books:  # edit one number near the middle of each book
        text = b.read_text(encoding="utf-8")
        m = re.compile(r"\d{3,}").search(text, len(text) // 2)
        b.write_text(text[: m.start()] + str(int(m.group()) + 1) + text[m.end() :], encoding="utf-8")
    t0 = time.perf_counter()
    results = library.ingest_paths(ctx, books)
    again = time.perf_counter() - t0
    kept = sum(r.kept for r in results)
    print(
        f"ingest service, five books: first {first:.2f} s; after editing one number per book {again:.2f} s "
        f"({[r.status for r in results].count('replaced')} replaced, {kept} of "
        f"{sum(r.n_cases for r in results)} cases kept their identity)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--copies", type=int, default=0)
    ap.add_argument("--reingest", action="store_true")
    ap.add_argument("--pg", action="store_true")
    args = ap.parse_args()
    files = sorted(CORPUS.glob("*.txt"))
    assert len(files) == 5, f"expected five books in {CORPUS}"
    runs = []
    pg = None
    if args.pg:
        sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
        from pg import Server, create_database

        pg = Server()
        admin = pg.start()
    with tempfile.TemporaryDirectory() as tmp:
        if args.reingest:
            reingest(files, Path(tmp), create_database(admin) if pg else str(Path(tmp) / "re.db"))
        for k in range(args.repeat):
            runs.append(one_run(files, create_database(admin) if pg else Path(tmp) / f"lib{k}.db"))
        med = {key: statistics.median(r[key] for r in runs) for key in runs[0]}
        print(
            f"{'postgresql' if pg else 'sqlite'}: five books, fresh library, median of {args.repeat}: "
            f"total {med['total']:.3f} s "
            f"(read {med['read']:.3f}, segment {med['segment']:.3f}, extract {med['extract']:.3f}, "
            f"store {med['store']:.3f})"
        )
        if args.copies:
            db = Path(tmp) / "grow.db"
            copies = Path(tmp) / "copies"
            copies.mkdir()
            for k in range(args.copies):
                batch = []
                for f in files:
                    target = copies / f"{f.stem}_copy{k}.txt"
                    shutil.copy(f, target)
                    batch.append(target)
                r = one_run(batch, db)
                if k in (0, args.copies - 1) or (k + 1) % max(1, args.copies // 4) == 0:
                    engine = store.open_engine(db)
                    with engine.connect() as conn:
                        n = store.library.counts(conn)["cases"]
                    print(
                        f"copy {k + 1:4d}: library {n:6d} cases, these 5 books took {r['total']:.3f} s "
                        f"(store {r['store']:.3f} s), db {db.stat().st_size / 1e6:.0f} MB"
                    )
    if pg:
        pg.stop()


if __name__ == "__main__":
    main()
