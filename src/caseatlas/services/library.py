"""Library use cases: ingest books, list and show collections and cases, remove a book.

Books have owners: a collection belongs to the user who added it, or to the call that published
it, or (neither) to the system — the CLI, and books added before owners were stored. Whether an
actor may replace (a file of the same name) or remove a book is `rules.allowed` on its
`CollectionView`; `refusal` is the one check every way of storing a book goes through (upload,
CLI ingest, a call's publishing), `delete_collection` the one way to remove one.

Storing a book is one unit of work owned here (`_store`, in one transaction): the store writes the
book's rows and returns; the search index, the organizations and the audit record are written
next, from here, so a failure anywhere leaves the library as it was."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import replace
from importlib import resources
from pathlib import Path

from sqlalchemy import Connection

from ..checks import check_book
from ..errors import CaseAtlasError, Conflict, Forbidden, NotFound, PermissionDenied
from ..extract import extract_book
from ..models import Book, Document, Filters, IngestResult
from ..publish import MANIFEST
from ..readers import MAX_BYTES, SUPPORTED, read_document, read_upload
from ..search import index_book
from ..segment import segment
from ..store import facts as facts_store
from ..store import library as lib
from ..store import programmes as prog_store
from . import audit, organizations, records
from .context import Context, can, library_url, require
from .jobs import Progress, no_progress
from .records import CaseDetail, CasePage, CaseRecord, Collection
from .rules import CollectionView

MAX_UPLOAD = MAX_BYTES  # the largest file a reader takes (the web guard sizes request bodies by it)

# Bump when reading, segmentation, extraction or indexing code changes what a file produces:
# unchanged files ingested by an older pipeline are then processed again (in place: ids kept).
PIPELINE_CODE = "21"  # 21: cover titles as printed, systems under their longest form, flag wording, societies
# (20: cases as boxes, list items, title lines, thematic paragraphs; field titles)
# The data files whose words decide what ingest derives — search vocabulary (concept tokens are
# numbered by position), taxonomy, reference ranges of the checks, known organizations. Their
# digest is part of the version, so an edited word list re-derives stored books on the next
# ingest without anyone having to remember a bump. (Mail templates and the sample are not read
# by ingest.)
DERIVING_DATA = ("search", "taxonomy", "checks", "organizations")


def data_digest(root: Path | None = None) -> str:
    """First 8 hex digits of the sha256 over the deriving data files (names and bytes, sorted)."""
    base = Path(root) if root is not None else Path(str(resources.files("caseatlas") / "data"))
    h = hashlib.sha256()
    for sub in DERIVING_DATA:
        for f in sorted((base / sub).rglob("*")):
            if f.is_file() and not f.name.startswith("."):
                h.update(f.relative_to(base).as_posix().encode() + b"\0" + f.read_bytes() + b"\0")
    return h.hexdigest()[:8]


PIPELINE = f"{PIPELINE_CODE}.{data_digest()}"  # fits collections.pipeline (String(32))
MAX_PAGE_SIZE = 100


def expand_paths(paths: Iterable[str | Path]) -> list[Path]:
    """Files as given; folders walked (sorted) for supported extensions. A published HTML
    edition (a folder with `edition.json`) is one book: its one-page book, not every page."""
    out: list[Path] = []
    for p in map(Path, paths):
        if p.is_dir():
            editions = {m.parent: _edition_book(m) for m in p.rglob(MANIFEST)}
            for f in sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in SUPPORTED):
                home = next((e for e in editions if e == f.parent or e in f.parents), None)
                if home is None or editions[home] is None or f == editions[home]:
                    out.append(f)
        else:
            out.append(p)
    return out


def _edition_book(manifest: Path) -> Path | None:
    import json

    try:
        return manifest.parent / Path(json.loads(manifest.read_text(encoding="utf-8"))["book"]).name
    except (OSError, ValueError, KeyError, TypeError):
        return None  # not our manifest after all: the folder's pages are ingested as usual


def sample_collection_dir() -> Path:
    return Path(str(resources.files("caseatlas") / "data" / "sample"))


def ingest_file(ctx: Context, path: str | Path, progress: Progress = no_progress) -> IngestResult:
    """Read, segment, extract and store one file. A failure changes nothing in the library."""
    require(ctx, "library.ingest")
    return _ingest(ctx, path, progress=progress)


# An ingest's steps as its progress reports them (a large upload run as a job, the CLI).
INGEST_STEPS = 4


def _ingest(
    ctx: Context,
    path: str | Path,
    read: Callable[[], Document] | None = None,
    strict: bool = False,
    progress: Progress = no_progress,
) -> IngestResult:
    """One file; a failure is the result's error. `strict` (an upload): a book that is someone
    else's (409) or an action not allowed (401/403) is raised instead, for the web to answer."""
    try:
        _refuse_if_taken(ctx, Path(path).name)  # before the file is even read
        progress(0, INGEST_STEPS, f"读取 {Path(path).name}")
        document = read() if read else read_document(path)
        progress(1, INGEST_STEPS, f"切分案例（{len(document.lines)} 行）")
        book = segment(document)
        if not book.cases:
            raise CaseAtlasError(
                f"{Path(path).name}: no cases found "
                "(no recurring case headings, numbered sections, case titles, boxes or lists)"
            )
        progress(2, INGEST_STEPS, f"抽取数据并核查 {len(book.cases)} 个案例")
        return _save(ctx, book, str(path), progress=progress)
    except CaseAtlasError as exc:
        if strict and isinstance(exc, (Conflict, PermissionDenied)):
            raise
        return IngestResult(str(path), "error", error=str(exc))


def save_segmented(
    ctx: Context, book: Book, after_extract: Callable[[Book], None] | None = None, call_id: int | None = None
) -> IngestResult:
    """Store a book whose cases and sections are already known (a programme's selected cases,
    owned by `call_id`): facts are extracted (then `after_extract` may add what the book's authors
    stated as data) and the search index written, as for any ingested file."""
    require(ctx, "library.ingest")
    return _save(ctx, book, book.document.source_file, after_extract, call_id)


def prepare_segmented(
    ctx: Context, book: Book, after_extract: Callable[[Book], None] | None = None, call_id: int | None = None
) -> None:
    """The costly half of `save_segmented`, outside any transaction: the name checked, facts
    extracted, `after_extract` run, claims checked. `store_segmented` then writes the book inside
    the caller's unit of work (a call's publishing: the book and what links it to the call)."""
    require(ctx, "library.ingest")
    _prepare(ctx, book, after_extract, call_id)


def store_segmented(conn: Connection, ctx: Context, book: Book, call_id: int | None = None) -> IngestResult:
    """Write a book `prepare_segmented` made ready, in `conn`'s transaction (committed or rolled
    back with the caller's other writes): its rows, search index, organizations and audit record."""
    require(ctx, "library.ingest")
    return replace(_store(conn, ctx, book, call_id), path=book.document.source_file)


def _owner_label(col: dict | None) -> str:
    """Whose a stored book is, for the audit log: user:NAME, call:ID or system."""
    if col is None:
        return "nobody"
    if col.get("owner_call_id") is not None:
        return f"call:{col['owner_call_id']}"
    if col.get("owner_user_id") is not None:
        return f"user:{col.get('owner_username') or col['owner_user_id']}"
    return "system"


def whose(col: dict) -> str:
    """Whose a book is, in a sentence's words."""
    if col.get("owner_call_id") is not None:
        return f"the published book of call {col['owner_call_id']} ({col.get('owner_call_title') or ''})"
    if col.get("owner_user_id") is not None:
        return f"the book of '{col.get('owner_username') or col['owner_user_id']}'"
    return "a book added by the system (the CLI)"


def _free_name(conn, source_file: str) -> str:
    p = Path(source_file)
    k = 2
    while lib.collection_by_file(conn, f"{p.stem}-{k}{p.suffix}") is not None:
        k += 1
    return f"{p.stem}-{k}{p.suffix}"


def _reserved_for(conn, source_file: str) -> str | None:
    """The programme whose published book goes by this file name (programme-<slug>.md), if any."""
    if source_file.startswith("programme-") and source_file.endswith(".md"):
        slug = source_file[len("programme-") : -len(".md")]
        return slug if prog_store.slug_taken(conn, slug) else None
    return None


def refusal(conn, ctx: Context, source_file: str, call_id: int | None = None) -> str | None:
    """Why a book may not be stored under `source_file` by this actor — or, publishing, by the call
    `call_id` — as a one-line message naming whose the stored book is; None when it may: a name
    nobody holds, or the actor's own book (an admin: any book but a call's). A call's book is
    replaced only by publishing that call again; a name reserved for a programme's book is
    taken even before it is published."""
    col = lib.collection_by_file(conn, source_file)
    if call_id is not None:  # a call publishes its own book
        if (
            col is None
            or col["owner_call_id"] == call_id
            or (col["owner_call_id"] is None and col["owner_user_id"] is None)
        ):
            return None
        return f"'{source_file}' is taken by {whose(col)}: the call's book cannot replace it"
    if col is None:
        slug = _reserved_for(conn, source_file)
        if slug is None:
            return None
        return (
            f"'{source_file}' is the name of programme {slug}'s published book: rename your file "
            f"(e.g. '{_free_name(conn, source_file)}') to add it as a new book"
        )
    if can(ctx.actor, "library.ingest", CollectionView(col["slug"], col["owner_user_id"], col["owner_call_id"])):
        return None
    how = (
        "it is replaced only by publishing that call again"
        if col["owner_call_id"] is not None
        else "only its owner or an admin may replace it"
        if col["owner_user_id"] is not None
        else "only an admin may replace it"
    )
    return (
        f"'{source_file}' is already in the library as {whose(col)}; {how}. Rename your file "
        f"(e.g. '{_free_name(conn, source_file)}') to add it as a new book"
    )


def _refuse_if_taken(ctx: Context, source_file: str, call_id: int | None = None) -> None:
    """Conflict (audited: `library.ingest_refused`) when `refusal` says no."""
    with ctx.engine.connect() as conn:
        why = refusal(conn, ctx, source_file, call_id)
    if why:
        with ctx.engine.begin() as conn:
            audit.record(conn, ctx, "library.ingest_refused", source_file, reason=why)
        raise Conflict(why)


def _save(
    ctx: Context,
    book: Book,
    label: str,
    after_extract: Callable[[Book], None] | None = None,
    call_id: int | None = None,
    progress: Progress = no_progress,
) -> IngestResult:
    _prepare(ctx, book, after_extract, call_id)
    progress(3, INGEST_STEPS, f"写入资料库并建立索引（{len(book.cases)} 个案例）")
    # One unit of work, owned here: the book's rows, its search index, the organizations across
    # books and the audit record are committed together or not at all.
    with ctx.engine.begin() as conn:
        result = _store(conn, ctx, book, call_id)
    progress(INGEST_STEPS, INGEST_STEPS, "完成")
    return replace(result, path=label)


def _prepare(ctx: Context, book: Book, after_extract: Callable[[Book], None] | None, call_id: int | None) -> None:
    """The costly part, outside any transaction: the name checked, facts extracted, what the
    book's authors stated as data added (`after_extract`), claims checked."""
    _refuse_if_taken(ctx, book.document.source_file, call_id)  # before the costly part
    extract_book(book)
    if after_extract:
        after_extract(book)
    check_book(book)  # claim checks are part of ingest: flags are stored with the facts


def _store(conn, ctx: Context, book: Book, call_id: int | None = None) -> IngestResult:
    """Everything an ingest writes, in the caller's transaction (its unit of work): the name
    checked again where it is written (nobody took it meanwhile), the book's rows (the store
    only writes rows), then what follows from them — run from here, never called back from the
    store. A book with its checks and facts is stored as `call_id`'s, or the actor's."""
    name = book.document.source_file
    why = refusal(conn, ctx, name, call_id)
    if why:
        raise Conflict(why)
    stored = lib.collection_by_file(conn, name)
    owner = {"owner_call_id": call_id} if call_id is not None else {"owner_user_id": ctx.actor.user_id}
    result = lib.save_book(conn, book, pipeline=PIPELINE, owner=owner)
    if result.status == "unchanged":
        return result
    index_book(conn, book, lib.case_pks_by_seq(conn, result.collection_id))
    organizations.refresh(conn)  # a book's organizations link to those of the books before it
    mine = (
        f"call:{call_id}"
        if call_id is not None
        else f"user:{ctx.actor.username}"
        if ctx.actor.user_id is not None
        else "system"
    )
    audit.record(
        conn,
        ctx,
        "library.ingest",
        name,
        cases=len(book.cases),
        sha256=book.document.sha256,
        owner=_owner_label(stored) if stored else mine,
        replaced=stored is not None,
    )
    return result


def ingest_paths(
    ctx: Context, paths: Iterable[str | Path], progress: Callable[[Path], None] | None = None
) -> list[IngestResult]:
    require(ctx, "library.ingest")
    results = []
    for path in expand_paths(paths):
        results.append(_ingest(ctx, path))
        if progress:
            progress(path)
    return results


def ingest_upload(ctx: Context, filename: str, content: bytes, progress: Progress = no_progress) -> IngestResult:
    """A book sent through the web app: stored under its own file name, as if ingested from disk.
    A name that is someone else's book is refused (Conflict, audited) before the file is read."""
    require(ctx, "library.ingest")
    name = Path(filename or "").name or str(filename)
    return _ingest(ctx, name, lambda: read_upload(filename, content), strict=True, progress=progress)


def delete_collection(ctx: Context, key: str) -> int:
    """Remove a book and everything derived from it (its owner, or an admin; a call's book: an
    admin, and the call can then publish it again). Returns the number of cases removed."""
    require(ctx, "library.delete")
    with ctx.engine.begin() as conn:
        col = _collection(conn, key)
        view = CollectionView(col["slug"], col["owner_user_id"], col["owner_call_id"])
        if can(ctx.actor, "library.delete", view):
            n = lib.delete_collection(conn, col["id"])
            if col["owner_call_id"] is not None:
                prog_store.update_call(conn, col["owner_call_id"], collection_slug=None, reopened_at=None)
            organizations.refresh(conn)
            audit.record(conn, ctx, "library.delete", col["source_file"], cases=n, owner=_owner_label(col))
            return n
        why = (
            f"'{col['source_file']}' is {whose(col)}: only "
            f"{'its owner or ' if col['owner_user_id'] is not None and col['owner_call_id'] is None else ''}"
            f"an admin may remove it"
        )
    with ctx.engine.begin() as conn:
        audit.record(conn, ctx, "library.delete_refused", col["source_file"], owner=_owner_label(col))
    raise Forbidden(why)


class StoredBook(Collection):
    """A collection as the upload form shows it: whose it is, and what this actor may do with it."""

    owner_user_id: int | None
    owner_username: str | None
    owner_call_id: int | None
    owner_call_title: str | None
    owner: str  # user:NAME, call:ID or system
    whose: str  # the same in a sentence's words
    mine: bool
    may_replace: bool  # a file of its name
    may_delete: bool


def books(ctx: Context) -> list[StoredBook]:
    """The collections as the upload form shows them: whose each is (`owner`: user:NAME, call:ID,
    system), and whether this actor may replace it (a file of its name) or remove it."""
    require(ctx, "library.ingest")
    with ctx.engine.connect() as conn:
        out = []
        for col in lib.list_collections(conn):
            view = CollectionView(col["slug"], col["owner_user_id"], col["owner_call_id"])
            out.append(
                StoredBook(
                    **{k: col[k] for k in StoredBook.model_fields if k in col},
                    owner=_owner_label(col),
                    whose=whose(col),
                    mine=col["owner_user_id"] is not None and col["owner_user_id"] == ctx.actor.user_id,
                    may_replace=can(ctx.actor, "library.ingest", view),
                    may_delete=can(ctx.actor, "library.delete", view),
                )
            )
        return out


def collections(ctx: Context) -> list[Collection]:
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        return [records.collection(r) for r in lib.list_collections(conn)]


def _collection(conn, key: str) -> dict:
    col = lib.find_collection(conn, key)
    if col is None:
        raise NotFound(f"no collection '{key}' (see `caseatlas collections`)")
    return col


def collection_id(conn, key: str | None) -> int | None:
    """The id of the collection `key` names (None: no collection, the whole library); `NotFound` if none."""
    return None if key is None else _collection(conn, key)["id"]


def cases(ctx: Context, collection: str | None = None) -> list[CaseRecord]:
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        cid = collection_id(conn, collection)
        return [records.case_record(r) for r in lib.iter_cases(conn, cid)]


def cases_by_id(ctx: Context, case_ids: list[str]) -> list[CaseRecord]:
    """The given cases in export form, in the order asked (unknown ids are left out)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        pks = lib.case_pks_of(conn, case_ids)
        by_pk = (
            {r["id"]: records.case_record(r) for r in lib.iter_cases(conn, case_pks=list(pks.values()))} if pks else {}
        )
    return [by_pk[pks[c]] for c in case_ids if c in pks]


def _case_row(conn, case_id: str) -> dict:
    row = lib.get_case(conn, case_id)
    if row is None:
        raise NotFound(f"no case '{case_id}' (ids look like <collection>:<n>; see `caseatlas cases`)")
    return row


def case(ctx: Context, case_id: str) -> CaseRecord:
    """One case in export form."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        return records.case_record(_case_row(conn, case_id))


def case_detail(ctx: Context, case_id: str) -> CaseDetail:
    """One case in export form with its source lines."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        row = _case_row(conn, case_id)
        return records.case_detail(row, lib.case_lines(conn, row["collection_id"], row["start_line"], row["end_line"]))


def browse(ctx: Context, filters: Filters | None = None, page: int = 1, page_size: int = 20) -> CasePage:
    """Cases in book order, filtered, paged."""
    require(ctx, "library.read")
    if not 1 <= page_size <= MAX_PAGE_SIZE:
        raise CaseAtlasError(f"page_size must be between 1 and {MAX_PAGE_SIZE}")
    if page < 1:
        raise CaseAtlasError("page must be 1 or more")
    with ctx.engine.connect() as conn:
        allowed = facts_store.filtered_cases(conn, filters or Filters())
        keys = [pk for pk in lib.case_keys(conn) if allowed is None or pk in allowed]
        start = (page - 1) * page_size
        shown = keys[start : start + page_size]
        items = [records.brief(records.case_record(x)) for x in lib.iter_cases(conn, case_pks=shown)] if shown else []
    return CasePage(total=len(keys), page=page, page_size=page_size, items=items)


def describe_db(db: str | None) -> str:
    """The library's URL as shown to people (no password)."""
    from sqlalchemy.engine import make_url

    return make_url(library_url(db)).render_as_string(hide_password=True)
