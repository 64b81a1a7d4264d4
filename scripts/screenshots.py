"""Screenshots of every page of the web app, as each role, in Chinese and English, at 1366 and
390 px, with axe-core's findings per page: what a designer or a reviewer looks at.

    PYTHONPATH=src .venv/bin/python scripts/screenshots.py --out artifacts/shots
    PYTHONPATH=src .venv/bin/python scripts/screenshots.py --out /tmp/shots --roles organizer --langs en --widths 390

Without --db it seeds a new library (the bundled sample, book 000 of ../shared/corpus when
present, a programme season with every role: tests/ui_crawl.py) in a temporary folder; with
--db it uses that library as it is, and --ids names a JSON file of the ids to fill the routes
with (as `seed` returns them; the seeded accounts sign in). It starts the web app on a loopback
port, opens every page route (the app's router, path parameters filled from the seed) as
anonymous, admin, organizer, reviewer and applicant, and writes full-page PNGs named
<role>_<lang>_<width>_<route-slug>.png, index.html (a contact sheet) and axe.json (axe-core's
violations per page: id, impact, count). Debian chromium through Playwright, as the tests."""

from __future__ import annotations

import argparse
import html
import json
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # ui_crawl (the seed and the routes), web_server

ROLES = ("anonymous", "admin", "organizer", "reviewer", "applicant")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "artifacts" / "shots", help="folder for the PNGs and index")
    ap.add_argument("--db", help="a library to use as it is (SQLite path or PostgreSQL URL); default: seed one")
    ap.add_argument("--ids", type=Path, help="with --db: the seed's ids as JSON (seed() prints them with --db)")
    ap.add_argument("--roles", default=",".join(ROLES), help="comma-separated, of: " + ", ".join(ROLES))
    ap.add_argument("--langs", default="zh,en")
    ap.add_argument("--widths", default="1366,390")
    ap.add_argument("--no-axe", action="store_true", help="screenshots only")
    args = ap.parse_args(argv)

    from ui_crawl import ERROR_PAGES, axe, fill, open_page, page_routes, seed, settle, sign_in, slug
    from web_server import Server

    from caseatlas.web import create_app

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        print("Debian chromium is not installed (apt-get install chromium)", file=sys.stderr)
        return 2
    tmp = None
    if args.db:
        db = args.db
        if not args.ids:
            ap.error("--db needs --ids (the seed's ids: which call, submission, visit … the routes open)")
        ids = json.loads(args.ids.read_text(encoding="utf-8"))
    else:
        tmp = tempfile.mkdtemp(prefix="caseatlas-shots-")
        db = str(Path(tmp) / "library.db")
        book = ROOT.parent / "shared" / "corpus" / "000_3717a3b3a4f37818.txt"
        ids = seed(db, book if book.is_file() else None)
    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    (out / "ids.json").write_text(json.dumps(ids, ensure_ascii=False, indent=1), encoding="utf-8")
    roles = [r for r in args.roles.split(",") if r]
    langs = [x for x in args.langs.split(",") if x]
    widths = [int(w) for w in args.widths.split(",") if w]
    urls = [u for route in page_routes(create_app(db)) for u in fill(route, ids)]

    from playwright.sync_api import sync_playwright

    shots: list[dict] = []
    started = time.time()
    with Server(db) as site, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"])
        for role in roles:
            for lang in langs:
                for width in widths:
                    context = browser.new_context(viewport={"width": width, "height": 900}, locale="zh-CN")
                    sign_in(context, site.url, role, lang)
                    page = context.new_page()
                    pages = [(u, None) for u in urls] + [(u, want) for who, u, want in ERROR_PAGES if who == role]
                    for url, want in pages:
                        status, same = open_page(page, site.url, url)
                        if not ((status == 200 and same) or status == want):
                            continue  # not this role's page: a redirect to the login form or a refusal
                        settle(page)
                        name = f"{role}_{lang}_{width}_{slug(url)}.png"
                        page.screenshot(path=str(out / name), full_page=True)
                        found = [] if args.no_axe else axe(page)
                        shots.append(
                            {
                                "file": name,
                                "role": role,
                                "lang": lang,
                                "width": width,
                                "url": url,
                                "status": status,
                                "title": page.title(),
                                "violations": [{k: v[k] for k in ("id", "impact", "count", "help")} for v in found],
                            }
                        )
                        print(f"{name}  {status}  {len(found)} axe violations", flush=True)
                    context.close()
        browser.close()
    (out / "axe.json").write_text(json.dumps(shots, ensure_ascii=False, indent=1), encoding="utf-8")
    (out / "index.html").write_text(contact_sheet(shots), encoding="utf-8")
    if tmp:
        shutil.rmtree(tmp, ignore_errors=True)
    severe = sum(1 for s in shots for v in s["violations"] if v["impact"] in ("serious", "critical"))
    print(f"{len(shots)} screenshots in {out} ({time.time() - started:.0f} s); serious/critical axe findings: {severe}")
    return 0


def contact_sheet(shots: list[dict]) -> str:
    """index.html: one row per page (role, language, URL), its screenshots side by side by width,
    each captioned with axe-core's findings."""
    rows: dict[tuple, list[dict]] = {}
    for s in shots:
        rows.setdefault((s["role"], s["lang"], s["url"]), []).append(s)
    body = []
    for (role, lang, url), group in rows.items():
        cells = []
        for s in sorted(group, key=lambda s: -s["width"]):
            found = ", ".join(f"{v['id']} ({v['impact']} ×{v['count']})" for v in s["violations"]) or "axe: none"
            cells.append(
                f'<figure><a href="{html.escape(s["file"])}"><img src="{html.escape(s["file"])}" loading="lazy" '
                f'width="{390 if s["width"] <= 390 else 683}" alt="{html.escape(s["title"])}, '
                f'{s["width"]} px"></a><figcaption>{s["width"]} px · {html.escape(found)}</figcaption></figure>'
            )
        body.append(
            f"<section><h2>{html.escape(role)} · {lang} · <code>{html.escape(url)}</code> · "
            f"{html.escape(group[0]['title'])}</h2><div class=row>{''.join(cells)}</div></section>"
        )
    return (
        '<!doctype html><html lang="en"><meta charset="utf-8"><title>CaseAtlas screenshots</title>'
        "<style>body{font:14px system-ui,sans-serif;margin:1rem}section{border-top:1px solid #ccc;padding:.5rem 0}"
        "h2{font-size:1rem}.row{display:flex;gap:1rem;align-items:flex-start}figure{margin:0}"
        "img{border:1px solid #ddd;max-height:600px;object-fit:cover;object-position:top}"
        "figcaption{max-width:390px;color:#444}</style>"
        f"<h1>CaseAtlas: {len(shots)} screenshots</h1>" + "".join(body) + "</html>"
    )


if __name__ == "__main__":
    raise SystemExit(main())
