"""Publishing, measured: a 100-case collection rendered to PDF (time, pages, peak memory),
and the round trip of the five corpus books (published as PDF and as HTML, ingested into a
fresh library, compared with the library they came from).

    python benchmarks/bench_publish.py [--cases 100] [--photos] [--no-roundtrip] [--json]

The 100-case collection is the corpus's 93 cases followed by the first ones again, each a
real case with its sections and facts table (an edition built from the library's records,
as `caseatlas publish` builds it). The render runs in a child process so its peak resident
memory is its own (ru_maxrss of that process). With --photos (issue 25's designed book) each
case carries a generated 1600×1000 JPEG photo with its caption and the cover two logos, the
committee and a subtitle: what a programme's book prints.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from caseatlas.publish import edition as E
from caseatlas.publish.render import write_pdf
from caseatlas.services import Context, system_actor
from caseatlas.services import publishing
from caseatlas.store import open_engine
ctx = Context(open_engine(sys.argv[1]), system_actor())
n = int(sys.argv[2])
eds = [publishing.build_edition(ctx, slug) for slug in sys.argv[5:]]
cases = [c for ed in eds for c in ed.cases]
picked = [cases[i % len(cases)] for i in range(n)]
chapters = []
for i, c in enumerate(picked):
    c = E.EditionCase(**{**{f: getattr(c, f) for f in c.__slots__}, "number": i + 1})
    if not chapters or chapters[-1].name != c.chapter:
        chapters.append(E.Chapter(number=len(chapters) + 1 if c.chapter else 0, name=c.chapter, cases=[]))
    chapters[-1].cases.append(c)
    c.chapter_label = False
# Cases without a chapter get one, so the book has chapters all through (as a programme's has).
for ch in chapters:
    if ch.name is None:
        ch.name = "其他案例"
for k, ch in enumerate(chapters, start=1):
    ch.number = k
ed = E.Edition(title="百例气候行动案例集（基准）", year=2026, publisher="CaseAtlas 基准", foreword=eds[0].foreword,
               experts=eds[0].experts, chapters=chapters)
if sys.argv[4] == "photos":
    import io
    from PIL import Image, ImageDraw

    def picture(w, h, k, fmt):
        im = Image.new("RGB", (w, h), (30 + 20 * (k % 8), 110, 90))
        draw = ImageDraw.Draw(im)
        for x in range(0, w, 48):
            draw.line([(x, h), (x + h // 2, 0)], fill=(240, 240, 230), width=4)
        buf = io.BytesIO()
        im.save(buf, fmt, quality=85)
        return buf.getvalue()

    for k, c in enumerate(ed.cases):
        c.photos = [E.Image(picture(1600, 1000, k, "JPEG"), "image/jpeg", caption="项目现场", credit="申报单位")]
    ed.logos = [E.Image(picture(360, 120, k, "PNG"), "image/png", alt="主办单位标志") for k in range(2)]
    ed.subtitle = "基准测试用书"
    ed.organizers = ["某促进中心", "某研究院"]
    ed.committee = [E.CommitteeMember("张明", "主任", "某大学"), E.CommitteeMember("李华", "委员", "某研究院")]
t = time.perf_counter()
info = write_pdf(ed, Path(sys.argv[3]))
took = time.perf_counter() - t
rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"cases": len(ed.cases), "seconds": took, "rss_mb": rss_mb, **info}))
"""


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100)
    ap.add_argument("--photos", action="store_true", help="a photo per case, logos and a committee (issue 25)")
    ap.add_argument("--no-roundtrip", action="store_true")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    from caseatlas.services import Context, library, publishing, system_actor
    from caseatlas.store import open_engine

    report: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "lib.db"
        ctx = Context(open_engine(db), system_actor())
        library.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
        slugs = [c.slug for c in library.collections(ctx)]
        out = subprocess.run(
            [
                sys.executable,
                "-c",
                CHILD,
                str(db),
                str(args.cases),
                str(Path(tmp) / "big.pdf"),
                "photos" if args.photos else "plain",
                *slugs,
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        report["render"] = json.loads(out.stdout.strip().splitlines()[-1])
        if not args.no_roundtrip:
            rows = []
            for slug in slugs:
                for fmt in ("pdf", "html"):
                    t = time.perf_counter()
                    r = publishing.roundtrip(ctx, slug, fmt).model_dump(exclude={"missed"})
                    r["seconds"] = round(time.perf_counter() - t, 2)
                    rows.append(r)
            report["roundtrip"] = rows
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    r = report["render"]
    print(
        f"render: {r['cases']} cases → {r['pages']} pages, {r['bytes'] / 1e6:.1f} MB PDF in {r['seconds']:.1f} s, "
        f"peak RSS {r['rss_mb']:.0f} MB"
    )
    for x in report.get("roundtrip", []):
        print(
            f"{x['collection']} {x['format']:4}: F1 {x['f1']:.3f} ({x['matched']}/{x['cases']}, read back "
            f"{x['read_back']}), "
            f"org {x['same_organization']}/{x['matched']}, chapter {x['same_chapter']}/{x['matched']}, "
            f"sections {x['same_sections']}/{x['matched']}, core outcomes {x['core_found']}/{x['core_outcomes']} "
            f"({x['core_recall']:.3f}), front matter {'ok' if all(x['meta'].values()) else x['meta']}, {x['seconds']} s"
        )


if __name__ == "__main__":
    main()
