"""Use cases, one module each: `library` (ingest, collections, cases), `exports`,
`discovery` (search, similar, facets, embed), `insights` (totals, groupings, compare),
`accounts` (users, sessions), `audit`, and the programme: `calls` (programmes, calls,
panel), `submissions`, `reviews` (assignment, reviews, discussion), `selection` (ranking,
decisions, publishing, exports) with `rules` (per-resource permissions) and `notify` (e-mail).
Each takes a `Context` (engine + actor) and asks one permission check; the CLI and the web app call only these."""

from .context import ANONYMOUS, Actor, Context, can, library_url, open_library, require, system_actor

__all__ = ["ANONYMOUS", "Actor", "Context", "can", "library_url", "open_library", "require", "system_actor"]
