"""The numbers search was tuned with, in one place. `TUNING` is what the index builder and
the ranker use unless given another `Tuning` (tests/test_tuning.py passes variants).

Every field is guarded by tests/test_tuning.py: search quality must drop when the field is
set to 0, halved or doubled. Fields tuned on the 20 dev queries are measured there
(shared/eval/queries-dev.json on the five corpus books, nDCG@10 of the text leg); the dense
leg's fields — chosen on a plateau of the dev queries with vectors, which therefore cannot
tell 0.5× from 2×, and which need the corpus embedded first — and the directions the dev
queries do not see are measured on cases the test writes out (the situation each number is
for, as arrays).

Constants that were not tuned stay beside their code: BM25's k1 and b (textindex.K1, B:
the Lucene defaults), passage sizes (passages.TARGET, MAX), the e5 input length
(dense.MAX_CHARS), one page of results (ranker.FILL_TO), how many leading cases have their
passages read (ranker.PASSAGE_RERANK: a bound on reads; 15, 30 and 60 rank the dev queries
alike), the query length limit, how far apart a Chinese term's parts may be
(analysis.APART_GAP) and the shortest English word lemmatized (analysis.LEMMA_MIN).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tuning:
    # How many times a case's case passage (title, organization, chapter, the extracted
    # sector/measure/standard/region names) counts in its BM25 document, against once for
    # each body passage: a case whose title says the query outranks one that mentions it in
    # passing, and a case is found by a measure or region its facts name in other words than
    # its body. Set when the text leg was built (3). The dev queries alone no longer
    # support it (nDCG@10 0.916 at 0 against 0.909 at 3; 0.902 at 6): what 0 loses is the
    # facts-only match (tests/test_tuning.py, title_cases). A candidate for retuning.
    title_weight: int = 3

    # Case score = normalized Σ concept BM25 × (coverage_floor + IDF-weighted share of the
    # query's concepts the case covers). The floor keeps a case that covers few concepts
    # but says them strongly in the ranking, below one that covers them all; 0 ranks by
    # coverage alone. Set when the text leg was built (0.25); the dev queries barely tell
    # (0.909 at 0 and at 0.25, 0.910 at 0.5), so tests/test_tuning.py holds it with written
    # cases on either side of the exchange rate it sets.
    coverage_floor: float = 0.25

    # Score × place_boost when the query names a place (gazetteer) the case is located in
    # (its extracted province or city): "青岛 港口" prefers Qingdao's cases over ports
    # elsewhere that mention Qingdao. Dev queries: 0.833 at 0, 0.908 at 0.75, 0.909 at 1.5,
    # and no change at 3 (written cases hold that side). Since the bilingual concepts
    # (issue 26) they no longer tell 0.75 from 1.5 (0.923 both; still lower at 0), so written
    # cases hold the halved side too.
    place_boost: float = 1.5

    # Score × (1 + passage_weight × the best single passage's IDF-weighted concept
    # coverage): a case with one passage that says all of the query beats one whose words
    # are scattered over the case. Dev queries: 0.904 at 0, 0.909 at 0.125, 0.909 at 0.25
    # (best), 0.907 at 0.5.
    passage_weight: float = 0.25

    # Reciprocal rank fusion of the text and dense rankings: a case at rank r of a leg gets
    # weight / (rrf_k + r). k sets how far down a case both legs agree on can climb (about
    # (0.3 k + 1) / 0.7 text ranks for a dense top hit at dense_weight 0.3). Chosen on the
    # dev queries with vectors: k ∈ {10, 30, 60} × dense weight 0.3–0.5 is a plateau
    # (nDCG 0.90–0.91, docs/benchmarks.md).
    rrf_k: int = 30

    # The dense leg's weight in the fusion (the text leg's is 1): meaning lifts a case the
    # words also found, and fills in cases found by meaning alone after the text matches.
    # Chosen on the dev queries with vectors (0.3: hybrid 0.908 against text 0.898).
    dense_weight: float = 0.3

    # A case found by meaning alone joins a hybrid search only when its similarity is at
    # least max(min_z, √(2 ln n)) standard deviations above the library's mean for the
    # query: e5 gives any text a high cosine, and a nonsense query's best case is ~2.1 σ
    # out on the five books. Chosen on the dev queries and three nonsense queries (2.5,
    # docs/benchmarks.md, "Search that narrows").
    min_z: float = 2.5

    # The same floor in `semantic` mode, where the user asked for neighbours by meaning:
    # looser (1.0 keeps the semantic nDCG of no floor, 0.765, and cuts a nonsense query's
    # 50 results to 17; docs/benchmarks.md).
    semantic_min_z: float = 1.0


TUNING = Tuning()
