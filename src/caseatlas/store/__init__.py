"""Store: every SQL statement of CaseAtlas, one module per owner, over SQLAlchemy Core.

- `db`: opening a library (SQLite file by default, or a PostgreSQL URL), migrations;
- `library`: collections, cases, sections, lines and the facts written with them;
- `facts`: reading facts across the library (insights, filters, facets);
- `search`: passages, embeddings, change counters, the shared BM25 index;
- `accounts`: users, sessions, the audit log.
"""

from . import accounts, facts, library, search
from .db import ENV_VAR, open_engine, resolve_db, schema_version

__all__ = ["ENV_VAR", "accounts", "facts", "library", "open_engine", "resolve_db", "schema_version", "search"]
