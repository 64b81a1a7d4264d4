"""What a user typed → the query's concepts. Any string is accepted: text only ever meets
the analyzer (never SQL), and input beyond MAX_QUERY_CHARS is ignored."""

from __future__ import annotations

from .analysis import analyzer

MAX_QUERY_CHARS = 500  # nobody types more; a pasted page would only be slow


def parse(query: str) -> list[list[tuple[str, ...]]]:
    """Concepts of the query, each a list of alternatives (tuples of tokens that must all occur)."""
    return analyzer().expand(query[:MAX_QUERY_CHARS])
