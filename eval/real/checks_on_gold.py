"""Claim checks on the gold cases of annotated documents: the reading taken out, so the score is
the rules' own. Each document is read as CaseAtlas reads it (the line numbering the annotations
use), cut into the gold cases (their line ranges; a gold section heading found in its case opens
a section), extracted and checked; a claim is caught when a flag of its case cites one of its
lines (±1), as `caseatlas eval checks` counts. Prints recall per annotated check type, precision
per flagged check type, and every flag that catches no claim, to be read.

    python eval/real/checks_on_gold.py --docs /work/realdocs/dev --gold /work/realdocs/dev-gold \
        --claims /work/realdocs/dev-claims [--json]
"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from caseatlas.checks import check_case
from caseatlas.extract import extract_case
from caseatlas.readers import read_document

_MARKS = re.compile(r"[#*\s>•◎▶■\-—:：]")


def _plain(text: str) -> str:
    return _MARKS.sub("", text)


def _sections(lines, names: list[str]) -> list[int]:
    """The first line of each gold section heading found in order among the case's lines."""
    starts, at = [], 0
    for name in names:
        want = _plain(name)
        for k in range(at, len(lines)):
            got = _plain(lines[k].text)
            if want and got.startswith(want) and len(got) <= len(want) + 12:
                starts.append(lines[k].no)
                at = k + 1
                break
    return starts


def _claims(path: Path) -> list[dict]:
    files = sorted(path.glob("*.json")) if path.is_dir() else [path]
    return [item for f in files for item in json.loads(f.read_text(encoding="utf-8"))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=Path, required=True)
    ap.add_argument("--gold", type=Path, required=True)
    ap.add_argument("--claims", type=Path, required=True, help="a claims file or a folder of them")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    items = _claims(args.claims)
    flagged: list[tuple[str, int, object]] = []  # (book, case index, flag)
    books = []
    for doc in sorted(p for p in args.docs.iterdir() if p.is_file()):
        gold_file = args.gold / f"{doc.stem}.json"
        if not gold_file.is_file():
            continue
        books.append(doc.stem)
        by_no = {ln.no: ln for ln in read_document(doc).lines}
        for k, case in enumerate(json.loads(gold_file.read_text(encoding="utf-8"))):
            lines = [by_no[n] for n in range(case["start_line"], case["end_line"] + 1) if n in by_no]
            facts = extract_case(lines, case.get("title") or "", case.get("organization"), case.get("chapter"))
            region = next((a.value for a in facts.attributes if a.kind == "region"), None)
            args_ = (facts.outcomes, {ln.no: ln for ln in lines}, _sections(lines, case.get("sections") or []))
            try:
                found = check_case(*args_, region=region)
            except TypeError:  # a version of the checks before the region was read (a before/after run)
                found = check_case(*args_)
            flagged += [(doc.stem, k, f) for f in found]
    items = [i for i in items if i.get("case") and i["case"].split("#")[0] in books]
    caught, useful = set(), set()
    for i in items:
        book, k = i["case"].split("#")[0], int(i["case"].split("#")[1])
        for n, (b, c, f) in enumerate(flagged):
            if b == book and c == k and any(abs(x - y) <= 1 for x in f.lines for y in i["lines"]):
                caught.add(i["id"])
                useful.add(n)
    recall: dict[str, list[int]] = {}
    for i in items:
        row = recall.setdefault(i["check"], [0, 0])
        row[0] += 1
        row[1] += i["id"] in caught
    precision: dict[str, list[int]] = {}
    for n, (_, _, f) in enumerate(flagged):
        row = precision.setdefault(f.check, [0, 0])
        row[0] += 1
        row[1] += n in useful
    unmatched = [
        {"book": b, "case": c, "check": f.check, "lines": f.lines, "message": f.message}
        for n, (b, c, f) in enumerate(flagged)
        if n not in useful
    ]
    result = {
        "books": books,
        "items": len(items),
        "caught": len(caught),
        "flags": len(flagged),
        "catching": len(useful),
        "recall_per_check": recall,
        "precision_per_check": precision,
        "missed": sorted(i["id"] for i in items if i["id"] not in caught),
        "unmatched": unmatched,
    }
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
        return
    print(
        f"{len(books)} documents, {len(items)} claims: caught {len(caught)}; "
        f"{len(flagged)} flags, {len(useful)} catching"
    )
    for name in sorted(set(recall) | set(precision)):
        r, p = recall.get(name, [0, 0]), precision.get(name, [0, 0])
        print(f"  {name:16s} claims {r[0]:3d} caught {r[1]:3d}   flags {p[0]:3d} catching {p[1]:3d}")
    print("missed:", ", ".join(result["missed"]) or "-")
    for u in unmatched:
        print(f"  unmatched {u['book']}#{u['case']} {u['check']} {u['lines']}: {u['message']}")


if __name__ == "__main__":
    main()
