"""Store: schema, migrations and repositories for the case library (SQLite by default)."""

from .db import ENV_VAR, open_engine, resolve_db, schema_version
from .repo import IngestOutcome, case_keys, case_lines, counts, find_collection, get_case, iter_cases, list_collections, save_book

__all__ = [
    "ENV_VAR", "open_engine", "resolve_db", "schema_version", "IngestOutcome", "case_keys", "case_lines", "counts",
    "find_collection", "get_case", "iter_cases", "list_collections", "save_book",
]
