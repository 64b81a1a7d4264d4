"""Search before and after issue 27, side by side in one run, by toggling the two rules in
`search.ranker` (the old behaviour is kept there, off, for this):

- ALL_TERMS: the results of a query of several words are exactly the cases with all of them
  (old: also any case within the first page, and cases found by meaning alone);
- COVERAGE_AWARE: with vectors for only some cases, the dense leg reorders those cases among
  the places the text leg gave them (old: every embedded case gained its dense rank).

    python benchmarks/search_coverage.py --db FULL.db --queries ../shared/eval/queries-dev.json \\
        --queries eval/queries-en-dev.json --gold ../shared/eval/gold [--book 1]

`--db` is a library with every case embedded (`caseatlas embed`). A copy with only one book's
vectors is made next to it (the other books' vectors deleted: the state `embed` leaves after
embedding that book alone). Per library × rules × mode: nDCG@10 per query file, how many
queries found nothing, and — the bias this measures — the share of top-10 hits that come from
the embedded book against its share of the library's cases.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import create_engine

from caseatlas.models import Filters
from caseatlas.search import ranker
from caseatlas.search.engine import search
from caseatlas.search.evaluation import _case_table, _gold_key, _gold_ranges, metrics

RULES = {"old": (False, False), "new": (True, True)}


def one_book_copy(full: Path, book: int) -> Path:
    """A copy of the library whose only vectors are those of collection `book`."""
    out = full.with_name(f"{full.stem}_book{book}.db")
    shutil.copyfile(full, out)
    with sqlite3.connect(out) as db:
        db.execute(
            "DELETE FROM embeddings WHERE passage_id IN (SELECT p.id FROM passages p JOIN cases c ON c.id = p.case_pk"
            " WHERE c.collection_id != ?)",
            (book,),
        )
    return out


def measure(db: Path, query_files: list[Path], gold: Path, book: int, rules: str, mode: str, match: str) -> dict:
    ranker.ALL_TERMS, ranker.COVERAGE_AWARE = RULES[rules]
    engine = create_engine(f"sqlite:///{db}")
    table = _case_table(engine)
    ranges = _gold_ranges(gold)
    key_of = {r["id"]: _gold_key(r, ranges) for r in table}
    with sqlite3.connect(db) as con:
        in_book = {pk for (pk,) in con.execute("SELECT id FROM cases WHERE collection_id = ?", (book,))}
        embedded = {
            pk
            for (pk,) in con.execute(
                "SELECT DISTINCT p.case_pk FROM embeddings e JOIN passages p ON p.id = e.passage_id"
            )
        }
    row: dict = {"embedded_cases": len(embedded), "book_share_of_library": round(len(in_book) / len(table), 3)}
    top, from_book = 0, 0
    for qf in query_files:
        queries = json.loads(qf.read_text(encoding="utf-8"))
        scores, empty = [], 0
        for q in queries:
            with engine.connect() as conn:
                res = search(conn, q["query"], Filters(), limit=10, mode=mode, match=match)
            empty += not res.hits
            top += len(res.hits)
            from_book += sum(h.case_pk in in_book for h in res.hits)
            scores.append(metrics([key_of[h.case_pk] for h in res.hits], q["relevant"])["ndcg@10"])
        row[qf.name] = {"ndcg@10": round(sum(scores) / len(scores), 3), "empty": empty}
    row["book_share_of_top10"] = round(from_book / top, 3) if top else None
    engine.dispose()
    return row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", type=Path, required=True, help="a library with every case embedded")
    ap.add_argument("--queries", type=Path, action="append", required=True)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--book", type=int, default=1, help="the collection left embedded in the copy")
    args = ap.parse_args()
    libraries = {"full": args.db, f"book {args.book} only": one_book_copy(args.db, args.book)}
    out = []
    for lib_name, db in libraries.items():
        for rules in RULES:
            for mode in ("text", "hybrid"):
                for match in ("all", "any") if rules == "new" else ("all",):
                    if mode == "text" and lib_name != "full":
                        continue  # the text leg reads no vectors: the same as on the full library
                    row = measure(db, args.queries, args.gold, args.book, rules, mode, match)
                    out.append({"library": lib_name, "rules": rules, "mode": mode, "match": match, **row})
    names = [q.name for q in args.queries]
    head = ["library", "rules", "mode", "match", *(f"nDCG {n}" for n in names), *(f"empty {n}" for n in names)]
    head += ["book share top-10", "book share library"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for r in out:
        cells = [r["library"], r["rules"], r["mode"], r["match"]]
        cells += [f"{r[n]['ndcg@10']:.3f}" for n in names] + [str(r[n]["empty"]) for n in names]
        cells += [f"{r['book_share_of_top10']:.3f}", f"{r['book_share_of_library']:.3f}"]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
