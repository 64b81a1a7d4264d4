"""The ranker's read port over the store: `StoreSource` answers every read of
`ranker.SearchSource` from one connection. The library's arrays (BM25 index, vectors) come
from their per-generation caches; the rest are one query each."""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from sqlalchemy import Connection

from ..models import Filters
from ..store import facts as facts_store
from ..store import library as library_store
from ..store import search as store
from . import dense, textindex
from .query import Query
from .tuning import TUNING, Tuning


class StoreSource:
    """`SearchSource` over one connection; `tuning.title_weight` picks the index built with it."""

    def __init__(self, conn: Connection, tuning: Tuning = TUNING) -> None:
        self.conn = conn
        self.tuning = tuning

    def index(self) -> textindex.CaseIndex:
        return textindex.case_index(self.conn, self.tuning.title_weight)

    def vectors(self) -> dense.Vectors:
        return dense.vectors(self.conn)

    def embed_query(self, text: str) -> np.ndarray:
        return dense.embed_query(text)

    def allowed(self, filters: Filters) -> set[int] | None:
        return facts_store.filtered_cases(self.conn, filters)

    def case_keys(self) -> list[int]:
        return library_store.case_keys(self.conn)

    def matching(self, case_pks: list[int], query: Query) -> set[int]:
        return library_store.cases_matching(self.conn, case_pks, query.phrases, query.exclude, query.fields)

    def located_in(self, case_pks: list[int], places: list[str]) -> set[int]:
        return {
            pk
            for pk, province, city in facts_store.regions_of(self.conn, case_pks)
            if province in places or (city and city in places)
        }

    def passage_tokens(self, case_pks: list[int]) -> Iterable[tuple[int, int, str, str]]:
        return store.passage_tokens(self.conn, case_pks)

    def passages(self, ids: list[int]) -> dict:
        return store.passage_rows(self.conn, ids)

    def facets(self, case_pks: list[int]) -> dict[str, list[tuple[str, int]]]:
        return facts_store.facet_counts(self.conn, case_pks)

    def case_text(self, case_pk: int) -> str | None:
        return store.case_passage_text(self.conn, case_pk)
