"""Which printed names are one organization, and which organization belongs to which group.

Names are linked as **the same organization** when
- their keys are equal (names.key: legal forms, brackets, trad./simp., English legal words);
- one gives the other as its short or brand name (北京三快在线科技有限公司（美团外卖）, （简称：能链智电）,
  携程集团 Trip.com Group), or both are names of one entry of `data/organizations/known.toml`;
- one is the other with a leading place (内蒙古│蒙牛乳业 = 蒙牛乳业), when the name without the
  place is itself printed somewhere (two names that only share what follows a place — 北京│建筑设计
  研究院, 上海│建筑设计研究院 — are not linked);
- one abbreviates the other word by word, at least `MIN_ABBREVIATION` characters (国家电投 =
  国家│电力│投资);
- one is the other followed by legal or generic words only (隆基│股份, 宁德时代│新能源科技 is not);
- a person said so (a confirmed merge).
A name is a **member of a group** when it says so (a unit after a legal form, a branch after a
place, a group in brackets), or when it starts, at a word boundary, with another organization's
name followed by more than generic words (万科│物流发展 → 万科; 国网│浙江电力 → 国家电网; but
京东方 does not start with 京东: rjieba reads 京东方 as one word).
A person's split (`different`) keeps two names apart, and keeps either from being the other's group.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable

from . import names as N

MIN_ABBREVIATION = 3  # shorter abbreviations (两字简称) collide too often: 万科 ⊂ 万达科技
MAX_PREFIX_TOKENS = 4  # a title starts with an organization's name in at most this many words
# Words after a name that do not make another organization (隆基股份 is 隆基).
GENERIC = frozenset({"股份", "控股", "集团", "实业", "企业", "公司", "有限", "责任", "中国", "国际", "科技", "控股集团",
                     "股份公司", "有限公司"})
DECISIONS = ("same", "different")


@dataclass(slots=True)
class Use:
    """One case's organization line (None when it prints none) and its title."""
    case: object
    printed: str | None
    title: str = ""


@dataclass(slots=True)
class Org:
    key: str  # the canonical key: what the organization's stable id is made from
    name: str
    aliases: dict[str, str] = field(default_factory=dict)  # name key → a printed form
    parent: str | None = None  # the group's canonical key
    known: bool = False  # named in data/organizations/known.toml


@dataclass(slots=True)
class Link:
    case: object
    org: str  # canonical key
    printed: str
    source: str  # "printed" (the case's organization line) or "title"


@dataclass(slots=True)
class Resolution:
    orgs: dict[str, Org]
    links: list[Link]

    def root(self, key: str) -> str:
        seen = {key}
        while (parent := self.orgs[key].parent) is not None and parent not in seen:
            seen.add(parent)
            key = parent
        return key


@lru_cache(maxsize=1)
def known() -> tuple[tuple[str, tuple[str, ...]], ...]:
    text = (resources.files("caseatlas") / "data" / "organizations" / "known.toml").read_text(encoding="utf-8")
    return tuple((o["name"], tuple(o.get("aliases", ()))) for o in tomllib.loads(text)["organization"])


@lru_cache(maxsize=65536)
def _key(name: str) -> str:
    return N.key(name)


@lru_cache(maxsize=65536)
def _words(k: str) -> tuple[str, ...]:
    import rjieba

    return tuple(w for w in rjieba.cut(k) if w.strip())


def _abbreviations(k: str) -> Iterable[str]:
    """国家电力投资 → 国电投, 国家电投, 国电力投 …: each word gives its first one or two characters."""
    words = _words(k)
    if not 2 <= len(words) <= 4:  # longer names are not abbreviated word by word in practice
        return
    for take in itertools.product((1, 2), repeat=len(words)):
        abbr = "".join(w[:t] for w, t in zip(words, take))
        if MIN_ABBREVIATION <= len(abbr) < len(k):
            yield abbr


class _Graph:
    """Union-find over name keys, with the pairs a person kept apart."""

    def __init__(self, apart: list[tuple[str, str]]):
        self.up: dict[str, str] = {}
        self.printed: dict[str, str] = {}  # key → first printed form
        self.source: dict[str, set[str]] = {}
        self.parent: dict[str, str] = {}  # key → parent key (first claim wins)
        self.apart = apart

    def add(self, name: str, source: str) -> str | None:
        k = _key(name)
        if len(k) < 2:
            return None
        if k not in self.up:
            self.up[k] = k
            self.printed[k] = N.clean(name)
        self.source.setdefault(k, set()).add(source)
        return k

    def find(self, k: str) -> str:
        if k not in self.up:
            return k  # a name only a person's split mentions
        while self.up[k] != k:
            self.up[k] = self.up[self.up[k]]
            k = self.up[k]
        return k

    def kept_apart(self, a: str, b: str) -> bool:
        return any({self.find(x), self.find(y)} == {a, b} for x, y in self.apart)

    def union(self, a: str | None, b: str | None) -> None:
        if a is None or b is None:
            return
        ra, rb = self.find(a), self.find(b)
        if ra != rb and not self.kept_apart(ra, rb):
            self.up[rb] = ra

    def claim_parent(self, child: str | None, parent: str | None) -> None:
        if child and parent and child != parent:
            self.parent.setdefault(child, parent)


class Resolver:
    """Resolves a library's organization lines. `decisions`: (name, name, "same"|"different")
    that people confirmed; they win over every rule."""

    def __init__(self, decisions: Iterable[tuple[str, str, str]] = (), use_known: bool = True):
        self.decisions = [(a, b, d) for a, b, d in decisions if d in DECISIONS]
        self.use_known = use_known

    def resolve(self, uses: Iterable[Use]) -> Resolution:
        apart = [(_key(a), _key(b)) for a, b, d in self.decisions if d == "different"]
        g = _Graph([(a, b) for a, b in apart if len(a) >= 2 and len(b) >= 2])
        for a, b, d in self.decisions:
            ka, kb = g.add(a, "decision"), g.add(b, "decision")
            if d == "same":
                g.union(ka, kb)
        seeds: dict[str, str] = {}  # key → the known organization's name
        if self.use_known:
            for name, aliases in known():
                k = g.add(name, "known")
                seeds[k] = name
                for alias in aliases:
                    g.union(k, g.add(alias, "known"))
        uses = list(uses)
        printed: list[tuple[object, str, str]] = []  # (case, key, as printed)
        for use in uses:
            for p in N.split_printed(use.printed or ""):
                n = N.parse(p)
                k = g.add(n.main, "printed")
                if k is None:
                    continue
                for alias in n.aliases:
                    g.union(k, g.add(alias, "alias"))
                if n.parent:
                    g.claim_parent(k, g.add(n.parent, "parent"))
                printed.append((use.case, k, n.printed))
        self._link_rules(g)
        links = [Link(case, g.find(k), p, "printed") for case, k, p in printed]
        named = {case for case, _, _ in printed}
        for use in uses:
            if use.case not in named and use.title:
                k = self._title_org(g, use.title)
                if k:
                    links.append(Link(use.case, g.find(k), N.clean(use.title), "title"))
        return self._orgs(g, links, seeds)

    def _link_rules(self, g: _Graph) -> None:
        keys = list(g.up)
        bare = {k for k in keys if not N.place_prefix(k)}
        for k in keys:  # 内蒙古│蒙牛乳业 = 蒙牛乳业, when the bare name is printed too
            rest = N.without_place(k)
            if rest and rest in bare and rest in g.up:
                g.union(k, rest)
        for k in keys:
            for abbr in _abbreviations(k):
                if abbr in g.up:
                    g.union(k, abbr)
        for k in keys:
            if "known" in g.source[k] and len(g.source[k]) == 1:
                continue  # the known list names its organizations whole
            for form in filter(None, (k, N.without_place(k))):
                words = _words(form)
                for i in range(len(words) - 1, 0, -1):
                    head = "".join(words[:i])
                    if len(head) >= 2 and head in g.up:
                        if all(w in GENERIC for w in words[i:]):
                            g.union(k, head)
                        else:
                            g.claim_parent(k, head)
                        break
                else:
                    continue
                break

    def _title_org(self, g: _Graph, title: str) -> str | None:
        """An organization a title starts with ("美团绿色出行…", "SGS 绿色低碳…"), for a case that
        prints none."""
        t = N.clean(title).lower()
        latin = re.match(r"[a-z][a-z0-9.&\-]+", t)
        if latin and _key(latin.group(0)) in g.up:
            return _key(latin.group(0))
        words = _words(re.sub(r"^[“\"《]+", "", t))
        for i in range(min(len(words), MAX_PREFIX_TOKENS), 0, -1):
            head = "".join(words[:i])
            if len(head) >= 2 and head in g.up:
                return head
        return None

    def _orgs(self, g: _Graph, links: list[Link], seeds: dict[str, str]) -> Resolution:
        members: dict[str, list[str]] = {}
        for k in g.up:
            members.setdefault(g.find(k), []).append(k)
        canon: dict[str, tuple[str, str, bool]] = {}  # root → (canonical key, name, known)
        for root, ks in members.items():
            seed = next((seeds[k] for k in ks if k in seeds), None)
            if seed:
                canon[root] = (_key(seed), seed, True)
            else:
                shown = next(([g.printed[k] for k in ks if src in g.source[k]] for src in ("printed", "parent", "alias")
                              if any(src in g.source[k] for k in ks)), [g.printed[k] for k in ks])
                name = min(shown, key=lambda s: (len(s), s))
                canon[root] = (_key(name), name, False)
        parent_root: dict[str, str] = {}
        for child, parent in g.parent.items():
            a, b = g.find(child), g.find(parent)
            if a == b or a in parent_root or g.kept_apart(a, b):
                continue
            up, seen = b, {a}
            while up in parent_root and up not in seen:  # no cycles
                seen.add(up)
                up = parent_root[up]
            if up not in seen:
                parent_root[a] = b
        wanted: set[str] = set()
        for link in links:
            r: str | None = link.org
            while r is not None and r not in wanted:
                wanted.add(r)
                r = parent_root.get(r)
        orgs: dict[str, Org] = {}
        for root in wanted:
            ckey, name, is_known = canon[root]
            parent = parent_root.get(root)
            orgs[ckey] = Org(ckey, name, {k: g.printed[k] for k in sorted(members[root])},
                             canon[parent][0] if parent else None, is_known)
        for link in links:
            link.org = canon[link.org][0]
        return Resolution(orgs, links)


@lru_cache(maxsize=4096)
def _pair_roots(a: str, b: str, aliases: tuple[tuple[str, ...], ...], decisions: tuple[tuple[str, str, str], ...]) -> bool:
    same = [(x, y, "same") for group in aliases for x, y in zip(group, group[1:])]
    res = Resolver([*decisions, *same]).resolve([Use(0, a), Use(1, b)])
    roots = {}
    for link in res.links:
        roots.setdefault(link.case, set()).add(res.root(link.org))
    return bool(roots.get(0, set()) & roots.get(1, set()))


def same_group(a: str, b: str, aliases: Iterable[Iterable[str]] = (),
               decisions: Iterable[tuple[str, str, str]] = ()) -> bool:
    """Whether two printed names are one organization or in one group (conflicts of interest).
    `aliases`: groups of names that are one organization; `decisions`: people's merges and splits."""
    if not (a or "").strip() or not (b or "").strip():
        return False
    return _pair_roots(a, b, tuple(tuple(g) for g in aliases), tuple(tuple(d) for d in decisions))
