"""Publish a collection as a book (传播): a static HTML edition or a print PDF, from the
library's records — any ingested book, or a programme's selection with its call's chapters,
quotas, criteria and panel. And the round trip: does the published book read back as the
library it came from?"""

from __future__ import annotations

import tempfile
from pathlib import Path

from pydantic import Field

from ..errors import CaseAtlasError, NotFound
from ..organizations.names import place_prefix
from ..programme.services import finals
from ..programme.services.calls import call_view, load_call
from ..publish import edition as editions
from ..publish import render
from ..publish import roundtrip as rt
from ..store import library as lib
from ..store import programmes as prog_store
from ..vocab import EDITION_FORMATS
from .context import Context, require
from .jobs import Progress, no_progress
from .records import Result


class Published(Result):
    """An edition written: the PDF's pages and size, or the HTML folder's files."""

    title: str
    slug: str
    cases: int
    format: str
    path: str
    pages: int | None = None  # pdf
    bytes: int | None = None  # pdf
    files: int | None = None  # html


class MissedOutcome(Result):
    case: str | None
    kind: str
    value: float
    unit: str
    quote: str


class RoundTrip(Result):
    """The original cases against those read back from their edition (`publish.roundtrip.compare`)."""

    cases: int
    read_back: int
    matched: int
    precision: float
    recall: float
    f1: float
    same_organization: int
    same_chapter: int
    same_sections: int
    core_outcomes: int
    core_found: int
    core_recall: float
    missed: list[MissedOutcome]
    format: str
    collection: str
    pages: int | None
    meta: dict[str, bool] = Field(description="Front matter read back alike: title, publisher, year, chapters, experts")


def _programme_call(conn, key: str) -> dict | None:
    """`call:ID`, or a programme's slug (its latest call that has published a selection)."""
    if key.startswith("call:") and key[5:].isdigit():
        return load_call(conn, int(key[5:]))
    prog = prog_store.get_programme(conn, slug=key)
    if prog is None:
        return None
    calls = [c for c in prog_store.list_calls(conn) if c["programme_id"] == prog["id"]]
    published = [c for c in calls if c.get("collection_slug")]
    if not published:
        raise CaseAtlasError(f"programme '{key}' has no published selection yet (run `caseatlas programme publish`)")
    return published[0]


def build_edition(ctx: Context, key: str, english: bool = False) -> editions.Edition:
    """The edition of a library collection (slug, file name or title), or of a programme's
    selection (`call:ID` or the programme's slug)."""
    with ctx.engine.connect() as conn:
        col = lib.find_collection(conn, key)
        call = None
        if col is None:
            call = _programme_call(conn, key)
            if call is None:
                raise NotFound(f"no collection or programme '{key}'")
            require(ctx, "programme.manage", call_view(conn, call))
            if not call.get("collection_slug"):
                raise CaseAtlasError(f"call {call['id']} has not published its selection yet")
            col = lib.find_collection(conn, call["collection_slug"])
            if col is None:
                raise NotFound(f"the collection of call {call['id']} was removed from the library")
        else:
            require(ctx, "library.publish")
        cases = list(lib.iter_cases(conn, col["id"]))
        if not cases:
            raise CaseAtlasError(f"'{key}' has no cases to publish")
        lines = lib.case_lines(conn, col["id"], 1, col["n_lines"])
        ed = editions.build(col, cases, lines, lang="en" if english else "zh")
        if call is None:
            call = _call_of_collection(conn, col["slug"])
        if call is not None:
            _programme_front(conn, ed, call)
    if english:
        ed.english = _english(ed)
    return ed


def _call_of_collection(conn, slug: str) -> dict | None:
    return next((c for c in prog_store.list_calls(conn) if c.get("collection_slug") == slug), None)


def _programme_front(conn, ed: editions.Edition, call: dict) -> None:
    """A programme's book: its own title, subtitle, year, 编委会, foreword and the organizers'
    logos as the organizer set them (book settings, read now: changing them needs no new
    selection); organizers and supporters on the cover, the panel with affiliations, the call's
    criteria and each chapter's quota in the front matter; each case's approved photos, English
    text, attributed 专家点评 and region."""
    prog = prog_store.get_programme(conn, call["programme_id"])
    ed.organizers = list(prog["organizers"] or [])
    ed.supporters = list(prog["supporters"] or [])
    _book_settings(conn, ed, call)
    panel = prog_store.members(conn, call["id"], "reviewer")
    if panel:
        ed.experts = [
            editions.Expert(m["display_name"] or m["username"], m.get("affiliation") or m.get("organization"))
            for m in panel
        ]
    counts = {ch.name: len(ch.cases) for ch in ed.chapters if ch.name}
    quotas = call.get("quotas") or {}
    parts = [
        f"{d}（入选 {counts.get(d, 0)} 个" + (f"，名额 {quotas[d]} 个）" if quotas.get(d) else "）")
        for d in call["domains"]
        if d in counts
    ]
    if parts:
        ed.notes.append(
            f"本书收录经专家评审入选的 {len(ed.cases)} 个案例，按征集领域分为 {len(parts)} 章："
            + "；".join(parts)
            + "。"
        )
    criteria = call.get("criteria") or []
    if criteria:
        total = sum(float(c.get("weight") or 0) for c in criteria) or 1.0
        ed.notes.append(
            "评审标准："
            + "；".join(
                f"{c.get('label') or c['key']}（权重 {100 * float(c.get('weight') or 0) / total:.0f}%）"
                for c in criteria
            )
            + "。"
        )


def _book_settings(conn, ed: editions.Edition, call: dict) -> None:
    by_case = {
        s["case_id"]: s["id"]
        for s in prog_store.list_submissions(conn, call["id"], status="submitted")
        if s["case_id"] and s["decision"] == "accept"
    }
    front = finals.book_front(conn, call, by_case)
    book = front["book"]
    ed.title, ed.subtitle, ed.year = book.title, book.subtitle, book.year
    ed.committee = [editions.CommitteeMember(m.name, m.role, m.affiliation) for m in book.committee]
    if book.foreword:
        ed.foreword = list(book.foreword)
    if book.english_title:
        ed.english = {"title": book.english_title, "summary": []}
    ed.logos = front["logos"]
    ed.bilingual = front["english"]
    for case in ed.cases:
        if case.organization:
            n = place_prefix(case.organization)
            case.region = case.organization[:n] or None
        got = front["cases"].get(case.case_id)
        if got is None:
            continue
        case.photos = got["photos"]
        case.comment, case.comment_by = got["comment"], got["comment_by"]
        if front["english"] and got["english_title"]:
            sections = [(x["heading"], x["text"]) for x in got["english_sections"]]
            case.english = editions.EnglishCase(got["english_title"], editions.text_sections(sections))


def _english(ed: editions.Edition) -> dict:
    chapters = [ch.name for ch in ed.chapters if ch.name]
    summary = [
        f"This edition collects {len(ed.cases)} climate-action cases"
        + (f" in {len(chapters)} chapters" if chapters else "")
        + (f", first published by {ed.publisher}" if ed.publisher else "")
        + (f" ({ed.year})" if ed.year else "")
        + ".",
        (
            "Each case keeps its sections as printed and ends with a table of its quantified outcomes, "
            "each with the exact words and the line of the source it was taken from."
        ),
        "The text is in Simplified Chinese; titles and organizations are given as printed.",
    ]
    return {"title": (ed.english or {}).get("title") or ed.title, "summary": summary}


# A book's steps as its progress reports them (the job page, the CLI's bar): reading the
# records, setting the edition, writing the PDF or the HTML folder (the long one for a big book).
BOOK_STEPS = 3


def publish(
    ctx: Context, key: str, fmt: str, out: str | Path, english: bool = False, progress: Progress = no_progress
) -> Published:
    """Write the edition of `key` as `fmt` (html: a folder; pdf: a file) to `out`."""
    if fmt not in EDITION_FORMATS:
        raise CaseAtlasError(f"format '{fmt}': use {' or '.join(EDITION_FORMATS)}")
    progress(0, BOOK_STEPS, "读取案例")
    ed = build_edition(ctx, key, english=english)
    progress(1, BOOK_STEPS, f"编排 {len(ed.cases)} 个案例")
    out = Path(out)
    progress(2, BOOK_STEPS, f"排版 {fmt.upper()}（{len(ed.cases)} 个案例）")
    result = render.write_pdf(ed, out) if fmt == "pdf" else render.write_html(ed, out)
    progress(BOOK_STEPS, BOOK_STEPS, "完成")
    return Published(
        **{"title": ed.title, "slug": ed.slug, "cases": len(ed.cases), "format": fmt, "path": str(out), **result}
    )


def publish_bytes(
    ctx: Context, key: str, fmt: str, english: bool = False, progress: Progress = no_progress
) -> tuple[bytes, str, str]:
    """The edition as one download: the PDF, or the HTML folder as a zip. (content, media type, file name)"""
    import io
    import zipfile

    with tempfile.TemporaryDirectory(prefix="caseatlas-edition-") as tmp:
        target = Path(tmp) / ("book.pdf" if fmt == "pdf" else "edition")
        info = publish(ctx, key, fmt, target, english=english, progress=progress)
        stem = _file_stem(info.title)
        if fmt == "pdf":
            return Path(info.path).read_bytes(), "application/pdf", f"{stem}.pdf"
        buf = io.BytesIO()
        root = Path(info.path)
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for f in sorted(root.rglob("*")):
                if f.is_file():
                    zf.write(f, f"{stem}/{f.relative_to(root)}")
        return buf.getvalue(), "application/zip", f"{stem}.zip"


def _file_stem(title: str) -> str:
    keep = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in title).strip("_")
    return keep[:60] or "edition"


def roundtrip(ctx: Context, key: str, fmt: str) -> RoundTrip:
    """Publish `key`, ingest the edition into a fresh library, and compare the two."""
    from ..store.db import open_engine
    from . import library
    from .context import system_actor

    with tempfile.TemporaryDirectory(prefix="caseatlas-roundtrip-") as tmp:
        info = publish(ctx, key, fmt, Path(tmp) / ("edition.pdf" if fmt == "pdf" else "edition"))
        out = Path(info.path)
        if fmt == "pdf":  # named as the collection, so the cases read back under the same ids
            out = out.rename(out.with_name(f"{render.book_stem(info.slug)}.pdf"))
        fresh = Context(open_engine(Path(tmp) / "fresh.db"), system_actor())
        results = library.ingest_paths(fresh, [out])
        if not results or results[0].status == "error":
            raise CaseAtlasError(
                f"the published {fmt} could not be read back: {results[0].error if results else 'no file'}"
            )
        with ctx.engine.connect() as conn:
            col = lib.find_collection(conn, key) or lib.find_collection(
                conn, _programme_call(conn, key)["collection_slug"]
            )
            original = list(lib.iter_cases(conn, col["id"]))
        with fresh.engine.connect() as conn:
            back = lib.list_collections(conn)[0]
            republished = list(lib.iter_cases(conn, back["id"]))
        fresh.engine.dispose()
    return RoundTrip(
        **rt.compare(original, republished),
        format=fmt,
        collection=col["slug"],
        pages=info.pages,
        meta={
            "title": back["title"] == col["title"] or rt.squash(back["title"]) == rt.squash(col["title"]),
            "publisher": back["publisher"] == col["publisher"],
            "year": back["year"] == col["year"],
            "chapters": back["chapters"] == col["chapters"],
            "experts": back["experts"] == col["experts"],
        },
    )
