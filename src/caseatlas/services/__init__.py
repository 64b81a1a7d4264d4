"""Use cases, one module each: `library` (ingest, collections, cases), `exports`,
`discovery` (search, similar, facets, embed), `insights` (totals, groupings, compare),
`accounts` (users, sessions) and `audit`. Each takes a `Context` (engine + actor) and asks
one permission check; the CLI and the web app call only these."""

from .context import ANONYMOUS, Actor, Context, can, library_url, open_library, require, system_actor

__all__ = ["ANONYMOUS", "Actor", "Context", "can", "library_url", "open_library", "require", "system_actor"]
