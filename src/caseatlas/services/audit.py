"""The audit log: who changed what. Written in the same transaction as the change."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection

from ..store import accounts as store
from .context import Context, require
from .records import Result


class AuditEntry(Result):
    id: int
    at: str
    actor: str
    action: str
    target: str | None
    detail: dict[str, Any]


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(conn: Connection, ctx: Context, action: str, target: str | None = None, **detail) -> None:
    store.append_audit(conn, now(), ctx.actor.label, action, target, detail)


def entries(ctx: Context, limit: int = 100, offset: int = 0) -> list[AuditEntry]:
    require(ctx, "audit.read")
    with ctx.engine.connect() as conn:
        return [
            AuditEntry(id=r.id, at=r.at, actor=r.actor, action=r.action, target=r.target, detail=r.detail)
            for r in store.read_audit(conn, limit, offset)
        ]
