"""Use cases, one module each: `library` (ingest, collections, cases), `exports`,
`discovery` (search, similar, facets, embed), `insights` (totals, groupings, compare),
`accounts` (users, sessions), `audit`, and the programme: `calls` (programmes, calls,
panel), `submissions`, `reviews` (assignment, reviews, discussion), `selection` (ranking,
decisions, publishing, exports) with `rules` (per-resource permissions) and `notify` (e-mail);
`jobs` (background jobs' records and the progress callback the long use cases take).
Each takes a `Context` (engine + actor) and asks one permission check; the CLI and the web app
call only these. The library's use cases return frozen pydantic models (`records.Result`), which
the API serves as its response models (docs/architecture.md, "Typed results"; discovery's results and the
programme's calls, submissions and reviews are still dicts)."""

from .context import ANONYMOUS, Actor, Context, can, library_url, open_library, require, system_actor

__all__ = ["ANONYMOUS", "Actor", "Context", "can", "library_url", "open_library", "require", "system_actor"]
