"""Claim checks as use cases: list the flags (of the library or one collection), and record
a person's verdict on a flag (confirmed or dismissed, with a note), which survives re-ingest."""

from __future__ import annotations

from datetime import UTC, datetime

from ..errors import CaseAtlasError, NotFound
from ..store import library as lib
from ..vocab import VERDICTS
from . import audit
from .context import Context, require
from .library import collection_id
from .records import Flag, Result, VerdictValue


class CaseFlag(Flag):
    """A flag with the case it is about."""

    case_id: str
    case_title: str
    collection: str


class Verdict(Result):
    id: str
    verdict: VerdictValue | None
    note: str | None


def flags(ctx: Context, collection: str | None = None, check: str | None = None) -> list[CaseFlag]:
    """Every flag, with its case."""
    require(ctx, "library.read")
    out = []
    with ctx.engine.connect() as conn:
        cid = collection_id(conn, collection)
        for r in lib.iter_cases(conn, cid):
            for f in r["flags"]:
                if check is None or f["check"] == check:
                    out.append(CaseFlag(case_id=r["case_id"], case_title=r["title"], collection=r["collection"], **f))
    return out


def set_verdict(ctx: Context, flag_id: str, verdict: str | None, note: str | None = None) -> Verdict:
    """Mark a flag confirmed or dismissed (None clears it)."""
    require(ctx, "flags.verdict")
    if verdict is not None and verdict not in VERDICTS:
        raise CaseAtlasError(f"verdict '{verdict}': use {' or '.join(VERDICTS)}")
    with ctx.engine.begin() as conn:
        if not lib.flag_exists(conn, flag_id):
            raise NotFound(f"no flag '{flag_id}'")
        lib.set_verdict(
            conn,
            flag_id,
            verdict,
            (note or "").strip() or None,
            ctx.actor.label,
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        audit.record(conn, ctx, "flags.verdict", f"flag:{flag_id}", verdict=verdict)
    return Verdict(id=flag_id, verdict=verdict, note=(note or "").strip() or None)
