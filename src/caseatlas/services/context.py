"""Who is asking, and of which library: every use case takes a `Context` and asks one
permission check, `require(ctx, action)`, before it reads or writes."""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import Engine

from ..errors import Forbidden, LoginRequired, NotFound
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


def demo_library() -> str:
    """Where `caseatlas demo` keeps its library: a file of its own beside the default library
    (the user data dir's demo.db), so trying the sample never writes into the user's library,
    and running the demo again finds it as it was left."""
    from ..store.db import default_db_path

    return str(default_db_path().with_name("demo.db"))


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
    """Refuse what the actor may not do: 401 anonymous, 403 a signed-in actor who may know the
    resource exists. A call or submission the actor may not see at all (a draft call, another
    applicant's submission, a case before the reviewer's phase) is answered as if it did not
    exist — `NotFound` with the message an unknown id gets — so no refusal says what exists or
    in which state. (Anonymous actors are sent to log in, except for a call they cannot see.)"""
    if can(ctx.actor, action, resource):
        return
    hidden = _hidden(ctx.actor, resource)
    if hidden and not (ctx.actor.kind == "anonymous" and hasattr(resource, "submission_id")):
        raise NotFound(hidden)
    if ctx.actor.kind == "anonymous":
        raise LoginRequired(f"log in to do this ({action})")
    if action in ctx.actor.grants and resource is not None:
        what = "submission" if hasattr(resource, "submission_id") else "call"
        raise Forbidden(f"not allowed for this {what} now ({action})")
    raise Forbidden(f"role '{ctx.actor.role}' may not do this ({action})")


def _hidden(actor: Actor, resource) -> str | None:
    """The not-found message of a call or submission the actor may not see, else None."""
    if resource is None:
        return None
    from .rules import CallView, SubmissionView, allowed

    if isinstance(resource, SubmissionView):
        seen = "submission.read" in actor.grants and allowed(actor, "submission.read", resource)
        return None if seen else f"no submission {resource.submission_id}"
    if isinstance(resource, CallView):
        seen = "programme.read" in actor.grants and allowed(actor, "programme.read", resource)
        return None if seen else f"no call {resource.call_id}"
    return None
