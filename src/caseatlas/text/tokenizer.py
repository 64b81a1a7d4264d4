"""Words of a text as search indexes them and the checks compare them: traditional →
simplified (OpenCC), lower case, rjieba segmentation with the domain dictionary, stop words.

One tokenizer for the whole process: rjieba's dictionary is global, so the domain words it
must keep whole — the search vocabulary's terms and compounds (`data/search/synonyms.toml`)
and the measure names (`data/taxonomy/measures.toml`) — are added once, by `tokenizer()`,
before anything is cut. Search builds its synonym concepts and query expansion on top
(`search/analysis.py`); the checks compare the words of two statements with it.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_WORD = re.compile(r"[\w\u3400-\u9fff]", re.UNICODE)  # a token holding a letter, digit or CJK character is a word
_CJK = re.compile(r"[\u4e00-\u9fff]")
DOMAIN_WEIGHT = 20000  # rjieba frequency of a domain word: high enough that it is never split
DOMAIN_MAX = 8  # characters: a longer measure name is a phrase, its words are cut as usual


def _data(*path: str) -> str:
    return resources.files("caseatlas").joinpath("data", *path).read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def _converter():
    import opencc

    return opencc.OpenCC("t2s")


def simplified(text: str) -> str:
    """`text` in simplified characters (OpenCC t2s)."""
    return _converter().convert(text)


def normalize(text: str) -> str:
    """The form every token is compared in: simplified characters, lower case."""
    return simplified(text).lower()


def is_word(token: str) -> bool:
    """A token that holds a letter, a digit or a CJK character (not punctuation or space)."""
    return bool(_WORD.search(token))


@dataclass(frozen=True)
class Tokenizer:
    """rjieba with the domain dictionary loaded, and the stop words; get it from `tokenizer()`."""

    stopwords: frozenset[str]

    def normalize(self, text: str) -> str:
        return normalize(text)

    def tokens(self, text: str) -> list[str]:
        """Search tokens of `text`, normalized and segmented in search mode (compounds and
        their parts: 屋顶光伏 → 屋顶, 光伏, 屋顶光伏), stop words and punctuation left out."""
        import rjieba

        out = []
        for tok in rjieba.cut_for_search(self.normalize(text)):
            tok = tok.strip()
            if tok and is_word(tok) and tok not in self.stopwords:
                out.append(tok)
        return out

    def words(self, term: str) -> tuple[str, ...]:
        """The words of `term` (already normalized) in precise mode — one token per word
        ("余热回收", not also "余热", "回收") — stop words and punctuation left out."""
        import rjieba

        return tuple(
            t.strip() for t in rjieba.cut(term) if t.strip() and is_word(t) and t.strip() not in self.stopwords
        )

    def segments(self, text: str) -> list[str]:
        """rjieba's search-mode cut of `text` exactly as given: not normalized, nothing left
        out (spaces and punctuation are segments too)."""
        import rjieba

        return rjieba.cut_for_search(text)


def domain_words() -> set[str]:
    """The words rjieba must keep whole: the search vocabulary's Chinese terms and compounds,
    and the measure names of at most `DOMAIN_MAX` characters."""
    vocabulary = tomllib.loads(_data("search", "synonyms.toml"))
    compounds = {normalize(k) for k in vocabulary.get("compounds", {})}
    words = {t for g in vocabulary["groups"] for t in g if _CJK.search(t)} | compounds
    measures = tomllib.loads(_data("taxonomy", "measures.toml"))["measure"]
    names = {t.lower() for m in measures for t in m["synonyms"]}
    return words | {t for t in names if _CJK.search(t) and len(t) <= DOMAIN_MAX}


@lru_cache(maxsize=1)
def tokenizer() -> Tokenizer:
    """The process-wide tokenizer: the domain dictionary added to rjieba and the stop words
    read, once."""
    import rjieba

    for word in sorted(domain_words()):
        rjieba.add_word(simplified(word), DOMAIN_WEIGHT, None)
    stop = frozenset(w.strip() for w in _data("search", "stopwords.txt").splitlines() if w.strip())
    return Tokenizer(stopwords=stop)
