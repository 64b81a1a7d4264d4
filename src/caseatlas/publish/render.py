"""Typeset an `Edition`: a static HTML edition (one folder that works offline: the whole book
on one page, a page per case with a permalink, and a search page) and a print PDF through
WeasyPrint (Noto CJK SC fonts, running headers, TOC page numbers, bookmarks, metadata)."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from ..errors import CaseAtlasError
from . import MANIFEST
from .edition import CommitteeMember, Edition, Image, organization_index, region_index

# The PDF's text must be Simplified Chinese forms: these families are checked before rendering.
PDF_FONTS = ("Noto Serif CJK SC", "Noto Sans CJK SC")
PDF_VARIANT = "pdf/ua-1"
FONT_HINT = "install Debian's fonts-noto-cjk (apt-get install fonts-noto-cjk)"

_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 → 一, 10 → 十, 12 → 十二, 25 → 二十五 (chapter numbers)."""
    if n < 10:
        return _CN_DIGITS[n]
    tens, ones = divmod(n, 10)
    if n < 100:
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


@lru_cache(maxsize=1)
def _env() -> Environment:
    env = Environment(
        loader=PackageLoader("caseatlas", "publish/templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["cn"] = cn_number
    env.filters["data_uri"] = data_uri
    env.globals["glance_facts"] = glance_facts
    env.globals["glance_line"] = glance_line
    env.globals["glance_height_mm"] = glance_height_mm
    return env


_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp", "image/svg+xml")


def data_uri(im: Image) -> str:
    """An image inlined: the book is rendered with no network and its HTML folder works offline."""
    if im.content_type not in _IMAGE_TYPES:
        raise CaseAtlasError(f"image type {im.content_type!r} cannot be printed: use {', '.join(_IMAGE_TYPES)}")
    return f"data:{im.content_type};base64,{base64.b64encode(im.data).decode('ascii')}"


# The at-a-glance box is read back by `caseatlas ingest` like any book, so each of its lines is one
# a segmenter and the extractor take for what it is. On screen (HTML: DOM order) it sits between the
# title block and the first heading as a table of fields ("机构：<tab>…", "● 减排量：<tab>每年…": a
# field, never a title, and — a table row — never a heading). In print (PDF: paint order) it is
# positioned there and painted after the page's running text, so its lines fall inside the first
# section: plain lines, no field label to recur as a heading across cases, the facts on one line
# that never wraps (org last, left out when long), after the figures. Each figure line opens with
# a bullet: a short line so marked is a paragraph of its own (text/paragraphs.py), so the words of
# the next line never reach its figure.
GLANCE_LINE_MAX = 44  # characters of the facts line in print: the box's width at its type size
GLANCE_FIELD_MAX = 56  # a field line on screen stays within a title's length (segment/cases.py TITLE_MAX)
GLANCE_ROW_MM = 6.5  # print: each line of the box (facts, figures)
GLANCE_PAD_MM = 7.5  # print: the box's padding, rule and gap


def glance_facts(c, for_print: bool) -> list[tuple[str, str]]:
    """(label, value) of the box's facts: organization, region, domain (the chapter)."""
    items = [(k, v) for k, v in (("机构", c.organization), ("地区", c.region), ("领域", c.chapter)) if v]
    if not for_print:
        return [(k, v) for k, v in items if len(k) + 2 + len(v) <= GLANCE_FIELD_MAX]
    items.reverse()
    while items and len(glance_line(items)) > GLANCE_LINE_MAX:
        items.pop()
    return items


def glance_line(items: list[tuple[str, str]]) -> str:
    return "　｜　".join(f"{k}　{v}" for k, v in items)


def glance_height_mm(c) -> float:
    """The printed box's height, reserved under the title block (the box is positioned there)."""
    rows = bool(glance_facts(c, True)) + len(c.key_figures)
    return round(rows * GLANCE_ROW_MM + GLANCE_PAD_MM, 1) if rows else 0.0


def committee_groups(members: list[CommitteeMember]) -> list[tuple[str | None, list[CommitteeMember]]]:
    """The 编委会 page's rows: members under their role, roles in the order first given."""
    groups: dict[str | None, list[CommitteeMember]] = {}
    for m in members:
        groups.setdefault(m.role, []).append(m)
    return list(groups.items())


def _css_string(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")


def book_html(ed: Edition, for_print: bool) -> str:
    env = _env()
    css = env.loader.get_source(env, "print.css")[0].replace("{{BOOK}}", _css_string(ed.title)) if for_print else ""
    return env.get_template("book.html").render(
        ed=ed,
        for_print=for_print,
        print_css=css,
        chaptered=any(ch.name for ch in ed.chapters),
        committee=committee_groups(ed.committee),
        org_index=organization_index(ed),
        region_index=region_index(ed),
    )


def check_fonts() -> None:
    """Fail with one line, before rendering, when the SC fonts are not installed: Pango would
    otherwise fall back to whatever CJK font it finds (often JP forms, or none at all)."""
    try:
        out = subprocess.run(
            ["fc-list", ":lang=zh-cn", "family"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        raise CaseAtlasError(f"PDF needs fontconfig and the Noto CJK SC fonts: {FONT_HINT}") from None
    families = {f.strip() for line in out.splitlines() for f in line.split(",")}
    missing = [f for f in PDF_FONTS if f not in families]
    if missing:
        raise CaseAtlasError(f"PDF needs the fonts {', '.join(missing)}: {FONT_HINT}")


def write_pdf(ed: Edition, out: Path) -> dict:
    """Render the edition to `out` (PDF). Returns {pages, bytes}."""
    check_fonts()
    try:
        from weasyprint import HTML
    except OSError as exc:  # Pango/HarfBuzz missing from the system
        raise CaseAtlasError(f"PDF needs WeasyPrint's system libraries (Pango): {exc}") from None
    html = book_html(ed, for_print=True)
    # PDF/UA-1: a tagged PDF (structure tree, reading order, alt text of every image) whose
    # language and title a screen reader announces.
    doc = HTML(string=html, base_url=None).render(pdf_variant=PDF_VARIANT)
    meta = doc.metadata
    meta.title = ed.title
    meta.lang = "zh-CN"
    meta.authors = [ed.publisher] if ed.publisher else []
    meta.generator = "CaseAtlas 案例图谱 (WeasyPrint)"
    meta.keywords = ["气候行动", "案例集"]
    meta.created = meta.modified = datetime.now(UTC).isoformat(timespec="seconds")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".part")
    try:
        doc.write_pdf(tmp, pdf_variant=PDF_VARIANT)
        tmp.replace(out)  # a failed render leaves no half-written file behind
    finally:
        tmp.unlink(missing_ok=True)
    return {"pages": len(doc.pages), "bytes": out.stat().st_size}


def book_stem(slug: str) -> str:
    """A published file's name: the collection's slug, so a re-ingest keeps its case ids."""
    return "".join(ch for ch in slug if ch.isalnum() or ch in "-_") or "book"


def book_file(ed: Edition) -> str:
    return f"{book_stem(ed.slug)}.html"


def write_html(ed: Edition, out: Path) -> dict:
    """The static edition in folder `out`: index.html (cover, front matter, contents, search),
    <slug>.html (the whole book on one page: what `caseatlas ingest` reads of the folder),
    cases/N.html (one page per case), assets.
    Everything is relative, so the folder works from a disk, a USB stick or any web server."""
    env = _env()
    tmp = out.with_name(out.name + ".part")
    if tmp.exists():
        shutil.rmtree(tmp)
    (tmp / "cases").mkdir(parents=True)
    chaptered = any(ch.name for ch in ed.chapters)
    book = book_file(ed)
    (tmp / book).write_text(book_html(ed, for_print=False), encoding="utf-8")
    cases = ed.cases
    for i, c in enumerate(cases):
        page = env.get_template("case_page.html").render(
            ed=ed,
            c=c,
            book=book,
            for_print=False,
            prev=cases[i - 1] if i else None,
            next=cases[i + 1] if i + 1 < len(cases) else None,
        )
        (tmp / "cases" / f"{c.number}.html").write_text(page, encoding="utf-8")
    (tmp / "index.html").write_text(
        env.get_template("index.html").render(ed=ed, book=book, chaptered=chaptered), encoding="utf-8"
    )
    index = [
        {
            "n": c.number,
            "title": c.title,
            "org": c.organization or "",
            "chapter": c.chapter or "",
            "text": "\n".join(b.text for s in c.sections for b in s.blocks if b.kind != "table"),
        }
        for c in cases
    ]
    (tmp / "search-index.js").write_text(
        "window.CASEATLAS_INDEX = " + json.dumps(index, ensure_ascii=False) + ";\n", encoding="utf-8"
    )
    for asset in ("edition.css", "search.js"):
        (tmp / asset).write_text(env.loader.get_source(env, asset)[0], encoding="utf-8")
    (tmp / MANIFEST).write_text(
        json.dumps(
            {"generator": "caseatlas", "title": ed.title, "book": book, "cases": len(cases), "collection": ed.slug},
            ensure_ascii=False,
            indent=1,
        ),
        encoding="utf-8",
    )
    if out.exists():
        if not (out / MANIFEST).exists() and any(out.iterdir()):
            shutil.rmtree(tmp)
            raise CaseAtlasError(f"{out}: folder exists and is not a CaseAtlas edition; choose another -o")
        shutil.rmtree(out)
    tmp.replace(out)
    return {"files": sum(1 for _ in out.rglob("*") if _.is_file()), "cases": len(cases)}
