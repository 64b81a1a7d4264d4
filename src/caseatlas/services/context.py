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
    """The one permission check: the role must be granted the action (vocab.GRANTS), and for
    a programme's call or submission the per-resource rule must allow it now (services/rules.py:
    ownership, assignment, conflicts, the call's phase)."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if action not in actor.grants:
        return False
    if resource is None:
        return True
    from .rules import allowed

    return allowed(actor, action, resource)


def require(ctx: Context, action: str, resource: object | None = None) -> None:
    if can(ctx.actor, action, resource):
        return
    if ctx.actor.kind == "anonymous":
        raise LoginRequired(f"log in to do this ({action})")
    if action in ctx.actor.grants:
        raise Forbidden(f"not allowed for this {'submission' if hasattr(resource, 'submission_id') else 'call'}"
                        f" now ({action}{', phase ' + _phase_of(resource) if _phase_of(resource) else ''})")
    raise Forbidden(f"role '{ctx.actor.role}' may not do this ({action})")


def _phase_of(resource) -> str | None:
    call = getattr(resource, "call", resource)
    return getattr(call, "phase", None)
