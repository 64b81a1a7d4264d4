"""Search's analysis on top of the shared tokenizer (`caseatlas.text.tokenizer`: traditional→
simplified, lower case, rjieba with the domain dictionary, stop words): synonym concepts at
index time, query expansion at query time.

The same `tokens()` runs on passages at index time and on queries at query time, so a
query matches exactly what was indexed.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

from ..text.tokenizer import Tokenizer, normalize, tokenizer


def _data(name: str) -> str:
    return (resources.files("caseatlas") / "data" / "search" / name).read_text(encoding="utf-8")


@dataclass(frozen=True)
class Analyzer:
    tokenizer: Tokenizer
    synonyms: dict[str, tuple[str, ...]]  # normalized term → the other terms of its group
    # Synonym groups as concepts: each way of saying a concept (a tuple of tokens) → the
    # concept's own index token. Indexing adds the concept token wherever any of its
    # synonyms occurs, so a query scores the concept once (BM25 over all its synonyms
    # together) instead of summing every synonym that happens to occur.
    concepts: dict[tuple[str, ...], tuple[str, ...]]
    # Compounds that abbreviate several concepts ("光储充" → 光伏, 储能, 充电): a further
    # alternative of the compound's concept, every part by its concept token or its words.
    compounds: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def normalize(self, text: str) -> str:
        return normalize(text)

    def tokens(self, text: str) -> list[str]:
        """Search tokens of `text`: segmented in search mode (compounds and their parts)."""
        return self.tokenizer.tokens(text)

    def index_tokens(self, text: str) -> list[str]:
        """`tokens(text)` plus the concept token of every synonym found in it."""
        toks = self.tokens(text)
        extra: list[str] = []
        single, starts = self._concept_index
        for i, tok in enumerate(toks):
            hit = single.get(tok)
            if hit:
                extra.extend(hit)
            for n in starts.get(tok, ()):  # multi-word synonyms that begin with this token
                hit = self.concepts.get(tuple(toks[i : i + n]))
                if hit:
                    extra.extend(hit)
        return toks + extra

    # Derived once per analyzer and kept on it (cached_property writes the instance's
    # __dict__, which a frozen dataclass allows), so it lives and dies with its analyzer.
    @cached_property
    def _concept_index(self) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[int, ...]]]:
        single = {k[0]: v for k, v in self.concepts.items() if len(k) == 1}
        starts: dict[str, set[int]] = {}
        for k in self.concepts:
            if len(k) > 1:
                starts.setdefault(k[0], set()).add(len(k))
        return single, {t: tuple(sorted(ns)) for t, ns in starts.items()}

    def concept_tokens(self, term: str) -> tuple[str, ...]:
        return self.concepts.get(self._words(term), ())

    def expand(self, query: str) -> list[list[tuple[str, ...]]]:
        """The query as concepts, each a list of alternatives; an alternative is a tuple of
        tokens that must all occur. A concept is a query word with its synonyms, plus — for
        a compound word — its parts ("屋顶光伏" also matches 屋顶 … 光伏 said apart)."""
        text = self._join_known(self.normalize(query))
        groups: list[list[tuple[str, ...]]] = []
        seen: set[str] = set()
        # Multi-word entries first ("zero-carbon industrial park", "shore power").
        for phrase in sorted((k for k in self.synonyms if " " in k or "-" in k), key=len, reverse=True):
            if phrase in text:
                groups.append(self._group(phrase))
                seen.add(phrase)
                text = text.replace(phrase, " ")
        # Query words are cut in precise mode (one token per concept: "余热回收", not also
        # "余热", "回收"); the index was cut in search mode, which also holds these words.
        for tok in self.tokenizer.words(text):
            if tok in seen:
                continue
            seen.add(tok)
            groups.append(self._group(tok))
        return [g for g in groups if g]

    def compound_alternatives(self) -> frozenset[tuple[str, ...]]:
        """The spelled-out alternatives of every compound (each scored as one concept)."""
        return self._compound_alternatives

    @cached_property
    def _compound_alternatives(self) -> frozenset[tuple[str, ...]]:
        return frozenset(self._spelled(c) for c in self.compounds)

    def _spelled(self, compound: str) -> tuple[str, ...]:
        return tuple(
            t for part in self.compounds[compound] for t in (self.concept_tokens(part)[:1] or self._words(part))
        )

    def _join_known(self, text: str) -> str:
        """Words typed apart that the vocabulary knows as one term are one concept
        ("光储充 一体化" is 光储充一体化, not 光储充 and, separately, 一体化)."""
        words = text.split()
        out: list[str] = []
        for w in words:
            joined = out[-1] + w if out else ""
            if joined and not joined.isascii() and (joined in self.synonyms or joined in self.compounds):
                out[-1] = joined
            else:
                out.append(w)
        return " ".join(out)

    def _words(self, term: str) -> tuple[str, ...]:
        return self.tokenizer.words(term)

    def _group(self, term: str) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        for alt in (term, *self.synonyms.get(term, ())):
            words = self._words(alt)
            if words and words not in out:
                out.append(words)
        # The parts of the query's own compound word, said apart ("屋顶光伏" → 屋顶 … 光伏).
        stop = self.tokenizer.stopwords
        parts = [t for t in self.tokenizer.segments(term) if t != term and len(t) >= 2 and t not in stop]
        minimal = tuple(p for p in parts if not any(p != q and p in q for q in parts))
        if len(term) >= 4 and not term.isascii() and len(minimal) >= 2 and minimal not in out:
            out.append(minimal)
        for alt in [term, *self.synonyms.get(term, ())]:
            if alt in self.compounds:
                spelled = self._spelled(alt)
                if spelled not in out:
                    out.append(spelled)
                break
        return out


@lru_cache(maxsize=1)
def analyzer() -> Analyzer:
    """The process-wide analyzer (loads the synonym groups once; the tokenizer loads the
    domain dictionary)."""
    words = tokenizer()
    data = tomllib.loads(_data("synonyms.toml"))
    groups = data["groups"]
    compounds = {normalize(k): tuple(normalize(p) for p in v) for k, v in data.get("compounds", {}).items()}
    synonyms: dict[str, tuple[str, ...]] = {}
    for g in groups:
        norm = [normalize(t) for t in g]
        for t in norm:
            others = tuple(x for x in norm if x != t)
            synonyms[t] = tuple(dict.fromkeys(synonyms.get(t, ()) + others))
    probe = Analyzer(tokenizer=words, synonyms=synonyms, concepts={})
    concepts: dict[tuple[str, ...], tuple[str, ...]] = {}
    for k, g in enumerate(groups):
        token = f"zzconcept{k}"
        for term in g:
            said = probe._words(normalize(term))
            if said:
                concepts[said] = tuple(dict.fromkeys(concepts.get(said, ()) + (token,)))
    return Analyzer(tokenizer=words, synonyms=synonyms, concepts=concepts, compounds=compounds)
