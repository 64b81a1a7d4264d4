"""Turning what a user typed into a safe FTS5 expression. Any string is accepted: every
term is quoted, so FTS syntax (AND, NEAR, *, ^, quotes, parentheses) is searched as text."""

from __future__ import annotations

from .analysis import analyzer

MAX_QUERY_CHARS = 500  # longer input is cut: nobody types more, and a pasted page would be slow


def _quote(term: str) -> str:
    return '"' + term.replace('"', '""') + '"'


def fts_expression(groups: list[list[tuple[str, ...]]]) -> str | None:
    """("alt" OR ("part" AND "part")) OR (…) — any concept may match; ranking rewards
    matching more of them. A word with synonyms is searched as its concept token (which
    the index holds wherever any synonym occurs), so synonyms are not counted twice."""
    an = analyzer()
    parts = []
    for group in groups:
        alts = []
        concept = an.concepts.get(group[0], ()) if group else ()
        alts.extend(_quote(c) for c in concept)
        for alt in group:
            if concept and alt in an.concepts:
                continue  # covered by the concept token
            quoted = [_quote(t) for t in alt if t.strip()]
            if quoted:
                alts.append(quoted[0] if len(quoted) == 1 else "(" + " AND ".join(quoted) + ")")
        if alts:
            parts.append("(" + " OR ".join(alts) + ")")
    return " OR ".join(parts) if parts else None


def parse(query: str) -> tuple[list[list[tuple[str, ...]]], str | None]:
    groups = analyzer().expand(query[:MAX_QUERY_CHARS])
    return groups, fts_expression(groups)
