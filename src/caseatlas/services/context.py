"""Who is asking, and of which library: every use case takes a `Context` and asks one
permission check, `require(ctx, action)`, before it reads or writes."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import Engine

from ..errors import Forbidden, LoginRequired
from ..store.db import ENV_VAR  # noqa: F401  (the shells name it in their help)
from ..vocab import ACTIONS, GRANTS


@dataclass(frozen=True, slots=True)
class Actor:
    kind: str  # "anonymous", "user" or "system" (the CLI, run by whoever holds the library file)
    username: str | None = None
    role: str | None = None
    user_id: int | None = None
    csrf_token: str | None = None  # of the user's session (web only)

    @property
    def label(self) -> str:
        """How the audit log names the actor."""
        return {"anonymous": "anonymous", "system": f"cli:{self.username}"}.get(self.kind, f"user:{self.username}")

    @property
    def grants(self) -> frozenset[str]:
        return GRANTS.get(self.role if self.kind == "user" else self.kind, frozenset())


ANONYMOUS = Actor("anonymous")


def system_actor() -> Actor:
    try:
        name = getpass.getuser()
    except Exception:  # no passwd entry (containers)
        name = "unknown"
    return Actor("system", username=name)


@dataclass(frozen=True, slots=True)
class Context:
    engine: Engine
    actor: Actor = ANONYMOUS


def open_library(db: str | None = None) -> Engine:
    """The library's engine (created or migrated to the newest schema on first open)."""
    from .. import store

    return store.open_engine(db)


def library_url(db: str | None = None) -> str:
    from .. import store

    return store.resolve_db(db)


def can(actor: Actor, action: str, resource: object | None = None) -> bool:
    """The one permission check. `resource` is the thing acted on, for rules that will depend
    on it (a reviewer's conflicts, an applicant's own submission); today's actions are
    granted by role alone (vocab.GRANTS)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return action in actor.grants


def require(ctx: Context, action: str, resource: object | None = None) -> None:
    if can(ctx.actor, action, resource):
        return
    if ctx.actor.kind == "anonymous":
        raise LoginRequired(f"log in to do this ({action})")
    raise Forbidden(f"role '{ctx.actor.role}' may not do this ({action})")
