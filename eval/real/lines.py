"""Print a document's lines as CaseAtlas reads them (the numbering every annotation here uses):
`python eval/real/lines.py FILE [FROM [TO]]`. Reading only — no segmentation, no extraction —
so an annotator can cite line numbers without seeing how CaseAtlas splits the document."""

from __future__ import annotations

import sys

from caseatlas.readers import read_document


def main(argv: list[str]) -> None:
    doc = read_document(argv[0])
    lo = int(argv[1]) if len(argv) > 1 else 1
    hi = int(argv[2]) if len(argv) > 2 else len(doc.lines)
    for line in doc.lines[lo - 1 : hi]:
        page = f"p{line.page}" if line.page else ""
        print(f"{line.no:5d} {page:>4} | {line.raw}")


if __name__ == "__main__":
    main(sys.argv[1:])
