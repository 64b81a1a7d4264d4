"""Taxonomies shipped as data files (data/taxonomy/*.toml), loaded once, compiled to regexes."""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources


def _load(name: str) -> dict:
    text = (resources.files("caseatlas") / "data" / "taxonomy" / name).read_text(encoding="utf-8")
    return tomllib.loads(text)


def _alternation(words: list[str]) -> str:
    parts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w)
        # Latin terms must not match inside longer words ("AI" in "CHAIN").
        if re.search(r"[A-Za-z]", w):
            esc = rf"(?<![A-Za-z]){esc}(?![A-Za-z])"
        parts.append(esc)
    return "|".join(parts)


@dataclass(frozen=True)
class Vocabulary:
    """Surface terms → canonical entry name, with one regex that finds them all."""

    regex: re.Pattern[str]
    lookup: dict[str, str]  # lower-cased term → canonical name
    info: dict[str, dict]  # canonical name → its record

    def name_of(self, term: str) -> str:
        return self.lookup[term.lower()]


def _vocabulary(entries: list[dict], terms_key: str, name_key: str = "name") -> Vocabulary:
    lookup: dict[str, str] = {}
    info: dict[str, dict] = {}
    for entry in entries:
        info[entry[name_key]] = entry
        for term in entry[terms_key]:
            lookup.setdefault(term.lower(), entry[name_key])
    return Vocabulary(re.compile(_alternation(list(lookup)), re.I), lookup, info)


@cache
def measures() -> Vocabulary:
    return _vocabulary(_load("measures.toml")["measure"], "synonyms")


@cache
def industries() -> Vocabulary:
    return _vocabulary(_load("sectors.toml")["industry"], "keywords")


@cache
def topics() -> Vocabulary:
    return _vocabulary(_load("sectors.toml")["topic"], "keywords")


@cache
def standards() -> list[tuple[str, re.Pattern[str]]]:
    return [(s["name"], re.compile(s["pattern"], re.I)) for s in _load("standards.toml")["standard"]]
