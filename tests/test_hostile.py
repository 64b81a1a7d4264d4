"""Hostile files fail fast (issue 14): each bomb is built here in a temp dir and ingested in a
child process under a memory limit (RLIMIT_AS); the child reports how long the ingest took
and its peak resident memory. Each must be refused with a one-line error in under 2 s and
under 400 MB, and leave the library as it was. UTF-16 without a BOM is read, not refused."""

from __future__ import annotations

import io
import json
import resource
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest
from conftest import CORPUS, needs_corpus

LIMIT_AS = 3 * 1024**3  # address space for the child: the interpreter and its libraries fit; a bomb does not
MAX_SECONDS = 2.0
MAX_RSS_MB = 400

CHILD = r"""
import json, resource, sys, time
from caseatlas.services import Context, library, system_actor
from caseatlas.store import open_engine
ctx = Context(open_engine(sys.argv[1]), system_actor())
t = time.perf_counter()
r = library.ingest_file(ctx, sys.argv[2])
took = time.perf_counter() - t
# The peak of this process's own memory (VmHWM belongs to the address space exec made); ru_maxrss
# would carry over the parent's peak across fork and exec, i.e. the size of the pytest process.
try:
    peak = next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024
except OSError:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"status": r.status, "error": r.error, "seconds": took, "cases": len(library.collections(ctx)),
                  "rss_mb": peak}))
"""


def ingest_limited(db: Path, path: Path) -> dict:
    def limit():
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))

    p = subprocess.run(
        [sys.executable, "-c", CHILD, str(db), str(path)], capture_output=True, text=True, timeout=120, preexec_fn=limit
    )
    assert p.returncode == 0, p.stderr[-2000:]
    return json.loads(p.stdout.strip().splitlines()[-1])


def _zeros_deflated(megabytes: int, fill: bytes = b" ") -> bytes:
    c = zlib.compressobj(9)
    chunk = fill * (1 << 20)
    return b"".join([c.compress(chunk) for _ in range(megabytes)] + [c.flush()])


def docx_bomb(path: Path, megabytes: int = 1024) -> None:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("word/document.xml", "w") as w:
            chunk = b" " * (1 << 20)
            for _ in range(megabytes):
                w.write(chunk)
    path.write_bytes(buf.getvalue())


def pdf_bomb(path: Path, megabytes: int = 1024) -> None:
    data = _zeros_deflated(megabytes)
    path.write_bytes(
        b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n"
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >> endobj\n"
        b"4 0 obj << /Length "
        + str(len(data)).encode()
        + b" /Filter /FlateDecode >>\nstream\n"
        + data
        + b"\nendstream\nendobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    )


def html_bomb(path: Path, depth: int = 200_000) -> None:
    path.write_text("<html><body>" + "<div>" * depth + "案例" + "</div>" * depth + "</body></html>", encoding="utf-8")


@pytest.mark.parametrize(
    "kind, build, expect",
    [
        ("docx", docx_bomb, "zip bomb"),
        ("pdf", pdf_bomb, "decompression bomb"),
        ("html", html_bomb, "nested more than"),
    ],
)
def test_bombs_are_refused_fast_within_memory(tmp_path, kind, build, expect):
    db = tmp_path / "library.db"
    path = tmp_path / f"bomb.{kind}"
    build(path)
    assert path.stat().st_size < 20 * 1024 * 1024  # under the size limit: only unpacking makes it big
    out = ingest_limited(db, path)
    assert out["status"] == "error" and expect in out["error"] and "\n" not in out["error"], out
    assert out["seconds"] < MAX_SECONDS, out
    assert out["rss_mb"] < MAX_RSS_MB, out
    assert out["cases"] == 0  # the library is as it was


def test_zip_limits_tell_bombs_from_big_files(tmp_path):
    """A small bomb is refused by its ratio; a large member that does not compress is not."""
    from caseatlas.readers import limits

    path = tmp_path / "small.docx"
    docx_bomb(path, megabytes=20)  # 20 MB unpacked at ~1000×: refused
    with pytest.raises(Exception, match="zip bomb"):
        limits.check_zip(path.read_bytes(), path.name)
    big_but_normal = io.BytesIO()
    with zipfile.ZipFile(big_but_normal, "w", zipfile.ZIP_STORED) as z:
        z.writestr("word/media/image1.png", b"\x89PNG" + bytes(range(256)) * 40_000)  # 10 MB stored: ratio 1
    limits.check_zip(big_but_normal.getvalue(), "photos.docx")


def test_html_with_implied_end_tags_is_not_nesting(tmp_path):
    """<li><p>… without end tags, thousands of times: HTML's implied end tags keep it flat
    (and the parser linear: it took 16 s with Python's html.parser)."""
    from caseatlas.readers import read_document

    path = tmp_path / "list.html"
    path.write_text("<html><body><ul>" + "<li><p>段落一<p>段落二" * 3000 + "</ul></body></html>", encoding="utf-8")
    doc = read_document(path)
    assert sum(1 for line in doc.lines if line.text == "段落二") == 3000


@needs_corpus
@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_bom_is_read(tmp_path, encoding):
    from caseatlas.readers import read_document

    text = (CORPUS / "000_3717a3b3a4f37818.txt").read_text(encoding="utf-8")
    path = tmp_path / "book.txt"
    path.write_bytes(text.encode(encoding))
    doc = read_document(path)
    assert doc.encoding == encoding
    assert [ln.raw for ln in doc.lines] == text.split("\n")


def test_binary_with_nul_bytes_is_still_refused(tmp_path):
    import os

    from caseatlas.errors import ReadError
    from caseatlas.readers import read_document

    for i, data in enumerate([os.urandom(50_000), b"\x89PNG\r\n\x1a\n" + bytes(5000), b"ab\x00" * 1000]):
        path = tmp_path / f"b{i}.txt"
        path.write_bytes(data)
        with pytest.raises(ReadError, match="binary"):
            read_document(path)


def test_stream_with_bytes_after_its_deflate_data_does_not_hang():
    # WeasyPrint writes font streams whose /Length stops before a newline that precedes
    # `endstream`: the bound must stop at the end of the deflate data (it looped forever).
    import signal
    import zlib

    from caseatlas.readers.limits import _inflated_size

    raw = zlib.compress(b"font data " * 5000) + b"\n"
    signal.alarm(5)
    try:
        assert _inflated_size(raw, limit=10**9) == 50000
        assert _inflated_size(b"\x00not deflate", limit=10**9) == 0
    finally:
        signal.alarm(0)
