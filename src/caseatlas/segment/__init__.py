"""Segmentation: a `Document` → a `Book` (collection metadata, cases, sections)."""

from __future__ import annotations

from ..models import Book, Document
from .cases import find_cases, squash
from .frontmatter import front_matter
from .lines import analyse, mark_furniture_titles
from .providers import credit_providers
from .toc import find_toc


def segment(document: Document) -> Book:
    infos = analyse(document.lines)
    toc = find_toc(infos)
    if toc:
        mark_furniture_titles(infos, {squash(c) for c in toc.chapters})
    body_start = toc.end + 1 if toc else 0
    cases = find_cases(infos, body_start, toc)
    first = next((i for i, x in enumerate(infos) if cases and x.no == cases[0].start_line), len(infos))
    meta = front_matter(infos, first, toc, document.source_file)
    credit_providers(document.lines, cases)  # organizations a preface credits per chapter
    furniture = frozenset(x.no for x in infos if x.noise and not x.blank)
    return Book(document=document, meta=meta, cases=cases, furniture=furniture)


__all__ = ["segment"]
