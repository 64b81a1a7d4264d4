"""Search measured apart from reading: each annotated document rewritten as a Markdown book
whose cases are exactly its gold cases, with a gold file of the new line ranges, so
`caseatlas eval search` on it scores ranking alone (what a perfect reading would give).

    python benchmarks/search_on_gold_cases.py DOCS_DIR GOLD_DIR OUT_DOCS OUT_GOLD
    caseatlas ingest --db gold_cases.db OUT_DOCS/ && caseatlas embed --db gold_cases.db
    caseatlas eval search --db gold_cases.db --queries Q.json --gold OUT_GOLD --modes text,hybrid

Each case: `## <gold title>`, the title again (the heading line is not part of a case's
text), a `【案例内容】` section with the gold lines as the reader reads them, and a `【来源】`
section with the document's id and one short sentence — the same in every case of a book, so
that one-line cases (a row of a list) are cases too (the segmenter wants running text between
repeated headings). The gold ids (`<book>#<index>`) are kept, so the queries' relevant sets
apply unchanged. Write OUT_DOCS outside the repository: it holds the documents' text."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from caseatlas.readers import read_document


def main(src: Path, gold_dir: Path, out_docs: Path, out_gold: Path) -> None:
    out_docs.mkdir(parents=True, exist_ok=True)
    out_gold.mkdir(parents=True, exist_ok=True)
    for g in sorted(gold_dir.glob("*.json")):
        found = sorted(src.glob(g.stem + ".*"))
        if not found:
            continue
        by_no = {ln.no: ln.raw for ln in read_document(found[0]).lines}
        md = [f"# {g.stem}", ""]
        ranges = []
        for i, case in enumerate(json.loads(g.read_text(encoding="utf-8"))):
            title = (case.get("title") or f"case {i + 1}").replace("\n", " ")
            start = len(md) + 1
            md += [f"## {title}", "", title, "", "【案例内容】", ""]
            for n in range(case["start_line"], case["end_line"] + 1):
                line = by_no.get(n, "").strip()
                if line and not line.startswith("#"):
                    md += [line, ""]
            md += ["【来源】", "", g.stem, "", "【编号】", "", f"{g.stem}-{i + 1}。", ""]
            ranges.append({"title": title, "start_line": start, "end_line": len(md)})
        (out_docs / f"{g.stem}.md").write_text("\n".join(md) + "\n", encoding="utf-8")
        (out_gold / f"{g.stem}.json").write_text(json.dumps(ranges, ensure_ascii=False), encoding="utf-8")
        print(g.stem, len(ranges), "cases")


if __name__ == "__main__":
    main(*map(Path, sys.argv[1:5]))
