"""Upload pre-fill, measured on every corpus case written out as its own file.

    python benchmarks/bench_prefill.py [--format docx|txt] [--json]

For each case the library finds in the five books (read + segment + extract the whole book),
the case's lines are written as a file of their own (DOCX: one paragraph per line; or
TXT) and pre-filled as an applicant's upload would be (`programme.prefill`, with the C Team
template for 000/001/002/004 and the ISO/TC268 numbered template for 003). Reported:

- sections: of the case's sections in the library (without the expert's comment), how many
  the pre-fill found (by heading), and how many template slots it filled;
- outcomes: of the outcomes the library extracts for the case from the whole book, how many
  the pre-fill proposes (same kind, unit and value), and how many it proposes that the
  library does not have;
- outcomes the submission form would refuse (kind/unit outside the vocabulary);
- time per file.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import tempfile
import time
from collections import Counter
from pathlib import Path

from caseatlas.errors import CaseAtlasError
from caseatlas.extract import extract_book
from caseatlas.programme.domain.prefill import heading_key, prefill
from caseatlas.programme.domain.presets import PRESETS
from caseatlas.programme.services.submissions import _clean_outcomes
from caseatlas.readers import read_document
from caseatlas.segment import segment

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PRESET = {"003": "isotc268"}
COMMENT = re.compile(r"点评")


def write_case(lines: list[str], path: Path, fmt: str) -> None:
    if fmt == "txt":
        path.write_text("\n".join(lines), encoding="utf-8")
        return
    from docx import Document

    doc = Document()
    for line in lines:
        doc.add_paragraph(line)
    doc.save(str(path))


def key(o) -> tuple:
    return (o["kind"], o["unit"], round(o["value"], 6))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--format", choices=("docx", "txt"), default="docx")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    per_book: dict[str, Counter] = {}
    times = []
    refused = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        for f in sorted(CORPUS.glob("*.txt")):
            book_id = f.name[:3]
            template = list(PRESETS[PRESET.get(book_id, "cteam")].template)
            doc = read_document(f)
            book = segment(doc)
            extract_book(book)
            by_no = {ln.no: ln for ln in doc.lines}
            c = per_book.setdefault(f.stem, Counter())
            for case in book.cases:
                raw = [by_no[n].raw for n in range(case.start_line, case.end_line + 1)]
                path = Path(tmp) / f"{book_id}-{case.seq}.{args.format}"
                write_case(raw, path, args.format)
                t = time.perf_counter()
                pf = prefill(read_document(path), template)
                times.append(time.perf_counter() - t)
                lib_heads = {heading_key(s.heading) for s in case.sections if not COMMENT.search(s.heading)}
                found = {heading_key(h) for s in pf.sections if s["text"] for h in s.get("from", [])}
                c["cases"] += 1
                c["lib_sections"] += len(lib_heads)
                c["sections_found"] += len(lib_heads & found)
                c["template_slots"] += len(template)
                c["template_filled"] += pf.n_template_filled
                lib = Counter(key({"kind": o.kind, "unit": o.unit, "value": o.value}) for o in case.facts.outcomes)
                got = Counter(key(o) for o in pf.outcomes)
                c["lib_outcomes"] += sum(lib.values())
                c["prefilled"] += sum(got.values())
                c["matched"] += sum((lib & got).values())
                c["title_same"] += int(re.sub(r"\s", "", pf.title) == re.sub(r"\s", "", case.title))
                for o in pf.outcomes:
                    try:
                        _clean_outcomes([o | {"confirmed": True}])
                    except CaseAtlasError as exc:
                        refused[str(exc)[:80]] += 1
    total = sum(per_book.values(), Counter())
    rows = {**per_book, "all": total}
    if args.json:
        print(json.dumps({k: dict(v) for k, v in rows.items()} | {"refused": dict(refused)}, ensure_ascii=False))
        return
    print(
        f"format: {args.format}; {total['cases']} case files; median {statistics.median(times) * 1000:.0f} ms, "
        f"max {max(times) * 1000:.0f} ms per file"
    )
    print(
        f"{'book':24} {'cases':>5} {'sections found':>16} {'template filled':>16} {'outcomes recall':>16} "
        f"{'extra':>6} {'titles':>7}"
    )
    for name, c in rows.items():
        print(
            f"{name:24} {c['cases']:5d} {c['sections_found']:7d}/{c['lib_sections']:<4d} "
            f"({c['sections_found'] / max(1, c['lib_sections']):.0%}) "
            f"{c['template_filled']:6d}/{c['template_slots']:<4d} "
            f"({c['template_filled'] / max(1, c['template_slots']):.0%}) {c['matched']:6d}/{c['lib_outcomes']:<4d} "
            f"({c['matched'] / max(1, c['lib_outcomes']):.1%}) {c['prefilled'] - c['matched']:6d} "
            f"{c['title_same']:3d}/{c['cases']}"
        )
    print("outcomes the form would refuse:", dict(refused) or 0)


if __name__ == "__main__":
    main()
