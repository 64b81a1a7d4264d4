"""The text leg's index: BM25 over each case's tokens — its case passage (title,
organization, facts) counted `Tuning.title_weight` times, plus all its passages.

Held in memory as a sparse term × case matrix of precomputed BM25 weights (numpy/scipy),
so a query concept is scored against every case with one column read, and ranking at
100k cases is a few vector operations. It is derived data: rebuilt when the library's
generation changes (every ingest bumps it, in the ingest transaction), and saved beside
a SQLite library so a new process loads it instead of rebuilding.

Why not bm25s here (it is the baseline `eval search` measures): building it from Python
token lists took ~15 GB at 100k cases; this builder streams each case into int32 arrays.
The weights are bm25s's default (Lucene) BM25, k1 = 1.5, b = 0.75.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from sqlalchemy import Connection

from ..store import search as store
from .index import generation
from .tuning import TUNING

# BM25's own constants, not tuned here: the Lucene defaults bm25s uses (the baseline's).
K1, B = 1.5, 0.75


@dataclass
class CaseIndex:
    case_pks: np.ndarray  # position → case primary key
    vocab: dict[str, int]
    indptr: np.ndarray  # CSC layout: term t's cases are indices[indptr[t]:indptr[t+1]]
    indices: np.ndarray
    weights: np.ndarray

    @property
    def n(self) -> int:
        return len(self.case_pks)

    def term_scores(self, token: str) -> np.ndarray | None:
        t = self.vocab.get(token)
        if t is None:
            return None
        out = np.zeros(self.n, dtype=np.float32)
        lo, hi = self.indptr[t], self.indptr[t + 1]
        out[self.indices[lo:hi]] = self.weights[lo:hi]
        return out

    def scores(self, tokens: tuple[str, ...]) -> np.ndarray:
        """BM25 of an alternative (all its tokens must occur) for every case."""
        total = np.zeros(self.n, dtype=np.float32)
        mask = np.ones(self.n, dtype=bool)
        for tok in tokens:
            s = self.term_scores(tok)
            if s is None:
                return np.zeros(self.n, dtype=np.float32)
            total += s
            mask &= s > 0
        return np.where(mask, total, 0.0).astype(np.float32)


_LOCK = threading.Lock()
# Keyed by the library (its URL) and the title weight the index was built with; an entry
# holds the generation it was built at.
_CACHE: dict[tuple[str, int], tuple[int, CaseIndex]] = {}


def case_index(conn: Connection, title_weight: int = TUNING.title_weight) -> CaseIndex:
    """The index for the library's current generation: from this process's memory, else
    from where the built index is kept (a file beside a SQLite library; the `search_index`
    table otherwise, built by one worker under a lock while the others wait), else built."""
    key = (str(conn.engine.url), title_weight)
    gen = generation(conn)
    with _LOCK:
        cached = _CACHE.get(key)
        if cached and cached[0] == gen:
            return cached[1]
    path = _cache_path(conn)
    if path is not None:
        built = _load(path, gen, title_weight)
        if built is None:
            built = build(conn, title_weight)
            _save(path, gen, title_weight, built)
    else:
        data = store.load_index(conn, "bm25", gen)
        built = _from_bytes(data, title_weight) if data is not None else None
        if built is None:
            with conn.engine.begin() as wconn:
                store.lock_index(wconn)
                gen = generation(wconn)
                data = store.load_index(wconn, "bm25", gen)
                built = _from_bytes(data, title_weight) if data is not None else None
                if built is None:
                    built = build(wconn, title_weight)
                    store.save_index(wconn, "bm25", gen, _to_bytes(built, gen, title_weight))
    with _LOCK:
        _CACHE[key] = (gen, built)
    return built


def build(conn: Connection, title_weight: int = TUNING.title_weight) -> CaseIndex:
    return build_from(store.stream_tokens(conn), title_weight)


def build_from(rows: Iterable[tuple[int, str, str]], title_weight: int = TUNING.title_weight) -> CaseIndex:
    """The index of (case key, passage kind, space-separated tokens) rows, grouped by case."""
    vocab: dict[str, int] = {}
    pks: list[int] = []
    terms: list[np.ndarray] = []
    tfs: list[np.ndarray] = []
    lengths: list[int] = []
    current: int | None = None
    buf: list[int] = []

    def flush() -> None:
        if current is None:
            return
        ids = np.asarray(buf, dtype=np.int32)
        t, c = np.unique(ids, return_counts=True)
        pks.append(current)
        terms.append(t)
        tfs.append(c.astype(np.float32))
        lengths.append(len(ids))

    # Stream rows: the token text of 1M passages would not fit comfortably in memory at once.
    for case_pk, kind, tokens in rows:
        if case_pk != current:
            flush()
            current, buf = case_pk, []
        ids = [vocab.setdefault(tok, len(vocab)) for tok in tokens.split()]
        buf.extend(ids * title_weight if kind == "case" else ids)
    flush()
    n = len(pks)
    if n == 0:
        return CaseIndex(
            np.zeros(0, np.int64), {}, np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
        )
    cols = np.concatenate(terms)
    tf = np.concatenate(tfs)
    rows = np.repeat(np.arange(n, dtype=np.int32), [len(t) for t in terms])
    length = np.asarray(lengths, dtype=np.float32)
    df = np.bincount(cols, minlength=len(vocab)).astype(np.float32)
    idf = np.log1p((n - df + 0.5) / (df + 0.5))
    norm = K1 * (1 - B + B * length / length.mean())
    w = (idf[cols] * tf * (K1 + 1) / (tf + norm[rows])).astype(np.float32)
    order = np.argsort(cols, kind="stable")
    indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
    np.cumsum(np.bincount(cols, minlength=len(vocab)), out=indptr[1:])
    return CaseIndex(np.asarray(pks, dtype=np.int64), vocab, indptr, rows[order], w[order])


def _cache_path(conn: Connection) -> Path | None:
    db = conn.engine.url.database
    if conn.dialect.name != "sqlite" or not db or db == ":memory:":
        return None
    return Path(db).with_name(Path(db).name + ".bm25.npz")


def _write(target, gen: int, title_weight: int, idx: CaseIndex) -> None:
    terms = sorted(idx.vocab, key=idx.vocab.__getitem__)
    np.savez(
        target,
        generation=np.array([gen]),
        title_weight=np.array([title_weight]),
        case_pks=idx.case_pks,
        indptr=idx.indptr,
        indices=idx.indices,
        weights=idx.weights,
        vocab=np.frombuffer(json.dumps(terms, ensure_ascii=False).encode(), dtype=np.uint8),
    )


def _read(source, gen: int | None, title_weight: int) -> CaseIndex | None:
    try:
        with np.load(source) as z:
            if gen is not None and int(z["generation"][0]) != gen:
                return None
            if int(z["title_weight"][0]) != title_weight:  # built with other tuning: rebuild
                return None
            terms = json.loads(z["vocab"].tobytes().decode())
            return CaseIndex(
                z["case_pks"], {t: i for i, t in enumerate(terms)}, z["indptr"], z["indices"], z["weights"]
            )
    except (OSError, ValueError, KeyError):
        return None  # a damaged cache is rebuilt


def _save(path: Path, gen: int, title_weight: int, idx: CaseIndex) -> None:
    tmp = path.with_name(path.name + ".tmp.npz")
    _write(tmp, gen, title_weight, idx)
    tmp.replace(path)  # a reader never sees half a file


def _load(path: Path, gen: int, title_weight: int) -> CaseIndex | None:
    return _read(path, gen, title_weight) if path.exists() else None


def _to_bytes(idx: CaseIndex, gen: int, title_weight: int) -> bytes:
    buf = io.BytesIO()
    _write(buf, gen, title_weight, idx)
    return buf.getvalue()


def _from_bytes(data: bytes, title_weight: int) -> CaseIndex | None:
    return _read(io.BytesIO(data), None, title_weight)
