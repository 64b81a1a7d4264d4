"""Hostile and huge files: how fast they are refused (or read), and at what peak memory.

    python benchmarks/bench_hostile.py [--big-mb 19]

Each file is built in a temp dir (with the builders of tests/test_hostile.py) and ingested by
`library.ingest_file` in a child process under RLIMIT_AS = 3 GB; the child reports the
ingest's wall time and its peak resident memory. Files: a DOCX whose document.xml unpacks
to 1 GB, a PDF whose content stream unpacks to 1 GB, HTML nested 200,000 deep, book 000 as
UTF-16LE without a BOM, and a --big-mb text file made of the five books repeated (the "19 MB
took 56 s" finding), with the time per stage measured in-process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from test_hostile import docx_bomb, html_bomb, ingest_limited, pdf_bomb  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus"


def stages(path: Path) -> str:
    from caseatlas.extract import extract_book
    from caseatlas.readers import read_document
    from caseatlas.segment import segment

    t0 = time.perf_counter()
    doc = read_document(path)
    t1 = time.perf_counter()
    book = segment(doc)
    t2 = time.perf_counter()
    extract_book(book)
    t3 = time.perf_counter()
    return (
        f"read {t1 - t0:.1f} s, segment {t2 - t1:.1f} s, extract {t3 - t2:.1f} s "
        f"({len(doc.lines)} lines, {len(book.cases)} cases)"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--big-mb", type=float, default=19)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        files = []
        for name, build in (("bomb.docx", docx_bomb), ("bomb.pdf", pdf_bomb), ("deep.html", html_bomb)):
            build(tmp / name)
            files.append(tmp / name)
        text = (CORPUS / "000_3717a3b3a4f37818.txt").read_text(encoding="utf-8")
        (tmp / "utf16-no-bom.txt").write_bytes(text.encode("utf-16-le"))
        files.append(tmp / "utf16-no-bom.txt")
        books = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.txt"))]
        parts, size, i = [], 0, 0
        while size < args.big_mb * 1e6:
            parts.append(books[i % len(books)])
            size += len(books[i % len(books)].encode())
            i += 1
        big = tmp / "big.txt"
        big.write_text("\n".join(parts), encoding="utf-8")
        files.append(big)
        print(f"{'file':22} {'size':>9} {'result':>9} {'seconds':>8} {'peak MB':>8}  message")
        for f in files:
            out = ingest_limited(tmp / f"{f.stem}.db", f)
            print(
                f"{f.name:22} {f.stat().st_size / 1e6:7.2f}MB {out['status']:>9} {out['seconds']:8.2f} "
                f"{out['rss_mb']:8.0f}  {out['error'] or ''}"
            )
        print(f"stages of {big.name} ({big.stat().st_size / 1e6:.1f} MB, in-process): {stages(big)}")


if __name__ == "__main__":
    main()
