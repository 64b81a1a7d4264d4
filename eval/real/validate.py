"""Check the annotations against the documents as CaseAtlas reads them: every metric's quote is
on its line (or, without a line, inside its case), every claim's quotes on their lines, and a
case's title printed within its first lines. Annotation slips otherwise score as misses.

    python eval/real/validate.py --docs /work/realdocs [--split dev|heldout]"""

from __future__ import annotations

import argparse
import json
import re
from pathlib import Path

from caseatlas.readers import read_document

HERE = Path(__file__).resolve().parent


def squash(s: str) -> str:
    return re.sub(r"\s+", "", s)


def check(doc: Path, base: Path) -> list[str]:
    lines = [ln.raw for ln in read_document(doc).lines]
    problems: list[str] = []
    gold = json.loads((base / "gold" / f"{doc.stem}.json").read_text(encoding="utf-8"))
    for i, case in enumerate(gold):
        lo, hi = case["start_line"], case["end_line"]
        body = lines[lo - 1 : hi]
        if case.get("title_printed", True):
            head = squash("".join(lines[lo - 1 : min(hi, lo + 12)]))
            if squash(case["title"]) not in head:
                problems.append(f"{doc.stem}#{i}: title not within lines {lo}-{lo + 12}: {case['title'][:40]}")
        for m in case.get("metrics", []):
            where = [lines[m["line"] - 1]] if m.get("line") else body
            if not any(m["quote"] in w for w in where):
                problems.append(f"{doc.stem}#{i}: quote not on line {m.get('line')}: {m['quote'][:40]}")
    claims = base / "claims" / f"{doc.stem}.json"
    for item in json.loads(claims.read_text(encoding="utf-8")) if claims.exists() else []:
        for quote, no in zip(item.get("quotes", []), item.get("quote_lines", [])):
            if quote not in lines[no - 1]:
                problems.append(f"{item['id']}: quote not on line {no}: {quote[:40]}")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--docs", type=Path, default=Path("/work/realdocs"))
    ap.add_argument("--split", choices=["dev", "heldout"], action="append")
    args = ap.parse_args()
    problems = []
    for split in args.split or ["dev", "heldout"]:
        base = HERE if split == "dev" else HERE / "heldout"
        for doc in sorted((args.docs / split).iterdir()):
            if (base / "gold" / f"{doc.stem}.json").exists():
                problems += check(doc, base)
    print("\n".join(problems) or "annotations agree with the documents")
    return 1 if problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
