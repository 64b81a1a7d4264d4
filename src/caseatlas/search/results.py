"""What a search returns: the ranked cases (`Hit`), each with the passages that matched and
why, and the page of them with its count and facets (`Result`)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Snippet:
    text: str
    highlights: list[tuple[int, int]]  # (start, end) of each matched word within `text`
    start_line: int
    end_line: int
    section: str | None


@dataclass
class Hit:
    case_pk: int
    score: float
    passage_ids: list[int]
    matched_terms: list[str] = field(default_factory=list)
    semantic: float | None = None
    z: float | None = None  # dense similarity in standard deviations above the library's mean
    words: int | None = None  # how many of the typed words the case has (queries of several words)
    snippets: list[Snippet] = field(default_factory=list)


@dataclass
class Result:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    mode: str
    match: str = "all"  # "all": every typed word; "any": any of them (`OR`, or asked for)
    words: int = 0  # how many words the query requires (all) or offers (any)
    any_total: int | None = None  # with "all" and several words: how many cases have any of them
    relaxed: bool = False  # "all" asked, but no case has every word: the cases with any are shown
    covered: int | None = None  # hybrid with vectors for only some cases: how many have them
    cases: int | None = None  # ... out of this many
