"""Search over a library's connection: the ranker (`ranker.py`, no I/O) fed by the store
(`source.StoreSource`), with the tuned numbers (`tuning.TUNING`)."""

from __future__ import annotations

from sqlalchemy import Connection

from ..models import Filters
from .ranker import Ranker
from .results import Hit, Result
from .source import StoreSource
from .tuning import TUNING, Tuning


def search(
    conn: Connection,
    query: str,
    filters: Filters | None = None,
    limit: int | None = 10,
    offset: int = 0,
    mode: str = "auto",
    with_snippets: bool = True,
    tuning: Tuning = TUNING,
    match: str = "all",
) -> Result:
    """Ranked cases for a query; `limit=None` returns every result (exports), and snippets
    are made only for the page returned; `match="any"`: any of the words suffices."""
    return Ranker(StoreSource(conn, tuning), tuning).search(query, filters, limit, offset, mode, with_snippets, match)


def similar(conn: Connection, case_pk: int, limit: int = 5) -> list[Hit]:
    """Cases like this one (by meaning when vectors exist, else by its title and facts)."""
    return Ranker(StoreSource(conn)).similar(case_pk, limit)
