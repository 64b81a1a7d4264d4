"""Row helpers every store module shares: IN lists in chunks, content keys, and the
synchronizing write. They sit below `library`, `organizations` and `search` so those modules
import them from here and never from one another (no import cycle)."""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence

from sqlalchemy import Connection, Table, bindparam, delete, insert, select, update

CHUNK = 5000  # ids per IN (...): SQLite accepts at most 32,766 parameters in one statement


def chunked(ids: Sequence[int], size: int = CHUNK) -> Iterator[list[int]]:
    ids = list(ids)
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def digest(*parts: object) -> str:
    return hashlib.sha256("\x1f".join("" if p is None else str(p) for p in parts).encode()).hexdigest()[:20]


def keyed(bases: Iterable[str]) -> list[str]:
    """Stable keys for items whose natural key may repeat: the n-th repeat gets suffix n."""
    seen: Counter[str] = Counter()
    out = []
    for base in bases:
        out.append(digest(base, seen[base]) if seen[base] else digest(base))
        seen[base] += 1
    return out


def sync_rows(conn: Connection, table: Table, scope, key: str, rows: list[dict]) -> dict:
    """Make the rows of `table` within `scope` equal `rows`, matched on column `key`:
    changed rows are updated in place, new keys inserted, vanished keys deleted.
    Returns {key: primary key} for the rows now stored."""
    existing = {r[key]: r for r in conn.execute(select(table).where(scope)).mappings()}
    new, changed = [], []
    for row in rows:
        old = existing.pop(row[key], None)
        if old is None:
            new.append(row)
        elif any(old[c] != v for c, v in row.items()):
            changed.append({"b_pk": old["id"], **{f"b_{c}": v for c, v in row.items() if c != key}})
    for ids in chunked([r["id"] for r in existing.values()]):
        conn.execute(delete(table).where(table.c.id.in_(ids)))
    if changed:
        cols = [c for c in rows[0] if c != key]
        conn.execute(
            update(table).where(table.c.id == bindparam("b_pk")).values({c: bindparam(f"b_{c}") for c in cols}), changed
        )
    if new:
        conn.execute(insert(table), new)
    return dict(conn.execute(select(table.c[key], table.c.id).where(scope)).all())


class JsonColumns:
    """The columns of a store module kept as JSON text (lists and structured parts read and written
    whole, never queried inside): `row` decodes them in a result row (None stays None; no row →
    None), `encode` writes them in values for an insert or update. One definition for every module."""

    def __init__(self, *names: str):
        self.names = frozenset(names)

    def row(self, r) -> dict | None:
        if r is None:
            return None
        d = dict(r._mapping)
        for k in self.names & d.keys():
            d[k] = json.loads(d[k]) if d[k] is not None else None
        return d

    def rows(self, result) -> list[dict]:
        """Every row of a result as `row` gives it, reading the column names once (not per row:
        300 submissions × their JSON columns are a season's pages)."""
        keys = list(result.keys())
        coded = [i for i, k in enumerate(keys) if k in self.names]
        out = []
        for r in result:
            values = list(r)
            for i in coded:
                if values[i] is not None:
                    values[i] = json.loads(values[i])
            out.append(dict(zip(keys, values)))
        return out

    def encode(self, values: dict) -> dict:
        return {
            k: json.dumps(v, ensure_ascii=False) if k in self.names and v is not None else v for k, v in values.items()
        }
