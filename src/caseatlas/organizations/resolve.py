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
A name also belongs to a group when its long form (the key with a leading 中国 kept) starts, at a
word boundary, with an organization's name (中国│石化│经济技术研究院 → 中国石化), or, for a name of
`known.toml` or of a call's alias groups of at least `MIN_PREFIX_CHARS` characters, at any
character (中石油│勘探开发研究院: the longest such name wins, so 京东方 is not 京东's); and when
`known.toml` says so (`group`: 宝山钢铁股份有限公司 → 中国宝武).
A person's split (`different`) keeps two names apart, and keeps either from being the other's group.

Every link remembers its rule, so a resolution can say why two names are one organization or
one group (`Resolution.explain`, `relations`): the programme's conflict check shows it.
"""

from __future__ import annotations

import itertools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from . import names as N

MIN_ABBREVIATION = 3  # shorter abbreviations (两字简称) collide too often: 万科 ⊂ 万达科技
MAX_PREFIX_TOKENS = 4  # a title starts with an organization's name in at most this many words
MIN_PREFIX_CHARS = (
    3  # a known name this long marks its units at any character (中石油…); shorter ones at a word boundary
)
# Words after a name that do not make another organization (隆基股份 is 隆基).
GENERIC = frozenset(
    {
        "股份",
        "控股",
        "集团",
        "实业",
        "企业",
        "公司",
        "有限",
        "责任",
        "中国",
        "国际",
        "科技",
        "控股集团",
        "股份公司",
        "有限公司",
    }
)
DECISIONS = ("same", "different")
SCHOOLS = ("大学", "学院", "学校")  # named after a group's name without a word boundary, yet not its units
# Societies, associations and alliances are bodies of their own, whoever's name they start with
# (中国建筑│节能协会 is not a unit of 中国建筑); a company's foundation may well be its group's.
SOCIETIES = ("协会", "学会", "商会", "联合会", "研究会", "促进会", "联盟")
# Why two names were linked, as a person writes it (a conflict of interest shows it to the
# organizers and mails it): {rule: (zh, en)}; {a} and {b} are the two names as printed, {short}
# and {long} the shorter and the longer of them. "same" rules link two names of one organization,
# the others make {a} a unit or member of {b}. No sentence holds a comma: a reason joins them with
# commas.
RULES = {
    "key": ("{a}与{b}只是写法不同", "{a} and {b} are one name written two ways"),
    "bracket": ("{a}又称{b}", "{a} is also called {b}"),
    "known": ("{a}即{b}", "{a} is another name of {b}"),
    "alias": ("本征集把{a}和{b}列为同一集团", "this call lists {a} and {b} as one group"),
    "decision": ("机构库已把{a}和{b}合并为同一机构", "the organization list merges {a} and {b}"),
    "place": ("{long}与{short}只差地名", "{long} is {short} with a place name in front"),
    "abbreviation": ("{short}是{long}的简称", "{short} is short for {long}"),
    "generic": ("{long}与{short}只差通用词", "{long} is {short} followed by generic words"),
    "name": ("{a}是{b}的下属单位", "{a} is a unit of {b}"),
    "prefix": ("{a}按名称属于{b}", "{a} belongs to {b} by its name"),
    "known_prefix": ("{a}按名称属于{b}", "{a} belongs to {b} by its name"),
    "known_member": ("{a}是{b}旗下企业", "{a} is a member of the {b} group"),
}
SAME_NAME = ("双方都是{a}", "both are {a}")


def write_step(step: tuple[str, str, str], lang: str = "zh") -> str:
    """One link of a reason — (rule, name, name) — in a sentence of `lang` (names as printed)."""
    rule, a, b = step
    if a == b:
        return SAME_NAME[lang == "en"].format(a=a)
    short, long = sorted((a, b), key=lambda n: (len(n), n))
    return RULES.get(rule, RULES["key"])[lang == "en"].format(a=a, b=b, short=short, long=long)


def write_reason(kind: str, group: str, steps: Iterable[tuple[str, str, str]], lang: str = "zh") -> str:
    """Why two names are one organization ("same") or in one group ("group"), in `lang`:
    同属中国宝武：宝武集团上海分公司是宝武的下属单位，宝武即中国宝武."""
    parts = [write_step(tuple(s), lang) for s in steps]
    if lang == "en":
        head = "The same organization" if kind == "same" else f"Both belong to {group}"
        body = parts[0] if len(parts) < 2 else ", ".join(parts[:-1]) + ", and " + parts[-1]
        return f"{head}: {body}" if body else head
    head = "同一机构" if kind == "same" else f"同属{group}"
    return f"{head}：{'，'.join(parts)}" if parts else head


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
    key: str = ""  # the name's own key (before it is resolved to its organization)


@dataclass(slots=True)
class Resolution:
    orgs: dict[str, Org]
    links: list[Link]
    graph: object = None  # the _Graph the links were made in (for `explain`)
    via: dict = field(default_factory=dict)  # organization's node → (child key, parent key) of its group link

    def root(self, key: str) -> str:
        seen = {key}
        while (parent := self.orgs[key].parent) is not None and parent not in seen:
            seen.add(parent)
            key = parent
        return key

    def _name(self, k: str) -> str:
        return self.graph.printed.get(k, k)

    def _same(self, a: str, b: str) -> list[tuple[str, str, str]]:
        return [(why, self._name(x), self._name(y)) for x, y, why in self.graph.path(a, b)]

    def trace(self, k: str) -> tuple[str, list[tuple[str, str, str]], str]:
        """A name's group root node, the steps up to it (("name", "华能南京电厂", "华能"): rule,
        name, name) and the last key reached (in the root organization)."""
        g, steps, seen = self.graph, [], set()
        while True:
            node = g.find(k)
            if node not in self.via or node in seen:
                return node, steps, k
            seen.add(node)
            child, parent = self.via[node]
            steps += self._same(k, child)
            steps.append((g.parent_why.get(child, "name"), self._name(child), self._name(parent)))
            k = parent

    def explain(self, a: str, b: str) -> tuple[str, list[tuple[str, str, str]]] | None:
        """Why two names' keys (Link.key) are one organization ("same") or in one group
        ("group"), with the steps; None when they are neither."""
        g = self.graph
        if g.find(a) == g.find(b):
            return "same", (self._same(a, b) or [("key", self._name(a), self._name(b))])
        ra, sa, ea = self.trace(a)
        rb, sb, eb = self.trace(b)
        if ra != rb:
            return None
        steps = sa + [x for x in sb if x not in sa]
        return "group", steps + [x for x in self._same(ea, eb) if x not in steps]


@lru_cache(maxsize=1)
def known_text() -> str:
    return (resources.files("caseatlas") / "data" / "organizations" / "known.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def known() -> tuple[tuple[str, tuple[str, ...], str | None], ...]:
    """(name, other names, the group it belongs to or None) of each entry of known.toml."""
    return tuple(
        (o["name"], tuple(o.get("aliases", ())), o.get("group")) for o in tomllib.loads(known_text())["organization"]
    )


_NUMERAL = re.compile(r"[0-9零〇一二三四五六七八九十百千]+")


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
    # a number is never shortened: 中铁│十一│局 is not 中铁十局
    options = [(w,) if _NUMERAL.fullmatch(w) else (w[:1], w[:2]) for w in words]
    for parts in itertools.product(*options):
        abbr = "".join(parts)
        if MIN_ABBREVIATION <= len(abbr) < len(k):
            yield abbr


class _Graph:
    """Union-find over name keys, with the pairs a person kept apart, and why each link was made."""

    def __init__(self, apart: list[tuple[str, str]]):
        self.up: dict[str, str] = {}
        self.printed: dict[str, str] = {}  # key → first printed form
        self.source: dict[str, set[str]] = {}
        self.parent: dict[str, str] = {}  # key → parent key (first claim wins)
        self.parent_why: dict[str, str] = {}  # key → the rule of its parent claim
        self.long: dict[str, str] = {}  # key → its long form (a leading 中国 kept), where they differ
        self.edges: dict[str, list[tuple[str, str]]] = {}  # key → [(key, rule)] of the unions made
        self.apart = apart

    def add(self, name: str, source: str) -> str | None:
        k = _key(name)
        if len(k) < 2:
            return None
        if k not in self.up:
            self.up[k] = k
            self.printed[k] = N.clean(name)
        lk = N.long_key(name)
        if lk != k:
            self.long.setdefault(k, lk)
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

    def union(self, a: str | None, b: str | None, why: str = "key") -> None:
        if a is None or b is None:
            return
        ra, rb = self.find(a), self.find(b)
        if ra != rb and not self.kept_apart(ra, rb):
            self.up[rb] = ra
            self.edges.setdefault(a, []).append((b, why))
            self.edges.setdefault(b, []).append((a, why))

    def claim_parent(self, child: str | None, parent: str | None, why: str = "name") -> None:
        if child and parent and child != parent and child not in self.parent:
            self.parent[child] = parent
            self.parent_why[child] = why

    def forms(self, k: str) -> list[str]:
        """The forms a name's group is looked for in: its key, its long form, either without a
        leading place."""
        out = [k]
        if k in self.long:
            out.append(self.long[k])
        for f in list(out):
            rest = N.without_place(f)
            if rest:
                out.append(rest)
        return list(dict.fromkeys(out))

    def path(self, a: str, b: str) -> list[tuple[str, str, str]]:
        """The unions that make a and b one organization: [(key, key, rule)], breadth first."""
        if a == b:
            return []
        prev: dict[str, tuple[str, str]] = {a: (a, "")}
        frontier = [a]
        while frontier and b not in prev:
            nxt = []
            for x in frontier:
                for y, why in self.edges.get(x, ()):
                    if y not in prev:
                        prev[y] = (x, why)
                        nxt.append(y)
            frontier = nxt
        if b not in prev:
            return []
        out, cur = [], b
        while cur != a:
            x, why = prev[cur]
            out.append((x, cur, why))
            cur = x
        return out[::-1]


class Resolver:
    """Resolves a library's organization lines. `decisions`: (name, name, "same"|"different")
    that people confirmed; they win over every rule."""

    def __init__(
        self,
        decisions: Iterable[tuple[str, str, str]] = (),
        use_known: bool = True,
        aliases: Iterable[Iterable[str]] = (),
    ):
        self.decisions = [(a, b, d) for a, b, d in decisions if d in DECISIONS]
        self.use_known = use_known
        self.aliases = [[n for n in group if (n or "").strip()] for group in aliases]

    def resolve(self, uses: Iterable[Use]) -> Resolution:
        apart = [(_key(a), _key(b)) for a, b, d in self.decisions if d == "different"]
        g = _Graph([(a, b) for a, b in apart if len(a) >= 2 and len(b) >= 2])
        for a, b, d in self.decisions:
            ka, kb = g.add(a, "decision"), g.add(b, "decision")
            if d == "same":
                g.union(ka, kb, "decision")
        for group in self.aliases:  # a call's names of one group: one organization for its conflicts
            keys = [g.add(n, "alias") for n in group]
            for k in keys[1:]:
                g.union(keys[0], k, "alias")
        seeds: dict[str, str] = {}  # key → the known organization's name
        if self.use_known:
            members: list[tuple[str | None, str]] = []
            for name, aliases, group in known():
                k = g.add(name, "known")
                seeds[k] = name
                for alias in aliases:
                    g.union(k, g.add(alias, "known"), "known")
                if group:
                    members.append((k, group))
            for k, group in members:
                g.claim_parent(k, g.add(group, "known"), "known_member")
        uses = list(uses)
        printed: list[tuple[object, str, str]] = []  # (case, key, as printed)
        for use in uses:
            for p in N.split_printed(use.printed or ""):
                n = N.parse(p)
                k = g.add(n.main, "printed")
                if k is None:
                    continue
                for alias in n.aliases:
                    g.union(k, g.add(alias, "bracket"), "bracket")
                if n.parent:
                    g.claim_parent(k, g.add(n.parent, "parent"), "name")
                printed.append((use.case, k, n.printed))
        self._link_rules(g)
        links = [Link(case, g.find(k), p, "printed", k) for case, k, p in printed]
        named = {case for case, _, _ in printed}
        for use in uses:
            if use.case not in named and use.title:
                k = self._title_org(g, use.title)
                if k:
                    links.append(Link(use.case, g.find(k), N.clean(use.title), "title", k))
        return self._orgs(g, links, seeds)

    def _link_rules(self, g: _Graph) -> None:
        keys = list(g.up)
        bare = {k for k in keys if not N.place_prefix(k)}
        by_long = {lk: k for k, lk in g.long.items()}  # 中国华能 → its node, whatever its key
        for k in keys:  # 内蒙古│蒙牛乳业 = 蒙牛乳业, when the bare name is printed too
            rest = N.without_place(k)
            if rest and rest in bare and rest in g.up:
                g.union(k, rest, "place")
        for k in keys:  # 国家电投 = 国家│电力│投资; 中国电建 = 中国│电力│建设
            for form in dict.fromkeys((k, g.long.get(k, k))):
                if form != k and (len(_words(form)) < 3 or any(len(w) > 2 for w in _words(form))):
                    continue  # 中国│石油化工 is not 中国石油, 中国│石油大学 not 中石油
                for abbr in _abbreviations(form):
                    node = abbr if abbr in g.up else by_long.get(abbr)
                    if node:
                        g.union(k, node, "abbreviation")
        # Names of the known list and of the call's alias groups mark their units at any character.
        marks = {}
        for k in keys:
            if g.source[k] & {"known", "alias"}:
                for form in (k, g.long.get(k, k)):
                    if len(form) >= MIN_PREFIX_CHARS and N.CJK.match(form):
                        marks.setdefault(form, k)
        for k in keys:
            if g.source[k] <= {"known", "alias"}:
                continue  # the known list and the alias groups name their organizations whole
            if self._member_by_words(g, k, by_long):
                continue
            self._member_by_mark(g, k, marks)

    @staticmethod
    def _head(g: _Graph, head: str, by_long: dict[str, str]) -> str | None:
        if len(head) < 2 or head in GENERIC or N.place_prefix(head) == len(head):
            return None
        return head if head in g.up else by_long.get(head)

    def _member_by_words(self, g: _Graph, k: str, by_long: dict[str, str]) -> bool:
        """万科│物流发展 → member of 万科; 隆基│股份 = 隆基; 中国│石化│经济技术研究院 → 中国石化."""
        for form in g.forms(k):
            words = _words(form)
            for i in range(len(words) - 1, 0, -1):
                node = self._head(g, "".join(words[:i]), by_long)
                if node is None or node == k:
                    continue
                if all(w in GENERIC for w in words[i:]):
                    g.union(k, node, "generic")
                elif k.endswith(SOCIETIES):
                    return False
                else:
                    g.claim_parent(k, node, "prefix")
                return True
        return False

    @staticmethod
    def _member_by_mark(g: _Graph, k: str, marks: dict[str, str]) -> bool:
        """中石油│勘探开发研究院 → 中国石油: the longest known name (3 characters or more) the name
        starts with; none when the whole name is a longer known name (京东方 is not 京东's)."""
        if k.endswith(SCHOOLS + SOCIETIES):
            return False  # 中国石油│大学 is a university, not a unit the group's short name marks
        for form in g.forms(k):
            for i in range(len(form), MIN_PREFIX_CHARS - 1, -1):
                node = marks.get(form[:i])
                if node is None:
                    continue
                if i == len(form):
                    g.union(k, node, "key")  # the name is that organization, not its member
                    return True
                if node == k or g.find(node) == g.find(k):
                    return True
                rest = _words(form[i:])
                if all(w in GENERIC for w in rest):
                    g.union(k, node, "generic")
                else:
                    g.claim_parent(k, node, "known_prefix")
                return True
        return False

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
                shown = next(
                    (
                        [g.printed[k] for k in ks if src in g.source[k]]
                        for src in ("printed", "parent", "bracket", "alias")
                        if any(src in g.source[k] for k in ks)
                    ),
                    [g.printed[k] for k in ks],
                )
                name = min(shown, key=lambda s: (len(s), s))
                canon[root] = (_key(name), name, False)
        parent_root: dict[str, str] = {}
        via: dict[str, tuple[str, str]] = {}
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
                via[a] = (child, parent)
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
            orgs[ckey] = Org(
                ckey,
                name,
                {k: g.printed[k] for k in sorted(members[root])},
                canon[parent][0] if parent else None,
                is_known,
            )
        for link in links:
            link.org = canon[link.org][0]
        return Resolution(orgs, links, g, via)


@dataclass(frozen=True, slots=True)
class Relation:
    """Two names that are one organization ("same") or in one group ("group"), and why."""

    kind: str
    a: str  # as given
    b: str
    group: str  # the name of the group (or of the one organization)
    links: tuple[tuple[str, str, str], ...]  # (rule, name, name): the names linked, and by which rule

    @property
    def steps(self) -> tuple[str, ...]:
        """Each link in a Chinese sentence."""
        return tuple(write_step(s) for s in self.links)

    def written(self, lang: str = "zh") -> str:
        return write_reason(self.kind, self.group, self.links, lang)

    @property
    def why(self) -> str:
        return self.written("zh")

    @property
    def why_en(self) -> str:
        return self.written("en")


def relations(
    left: dict[object, Iterable[str]],
    right: dict[object, str],
    aliases: Iterable[Iterable[str]] = (),
    decisions: Iterable[tuple[str, str, str]] = (),
) -> dict[tuple[object, object], Relation]:
    """Every (left id, right id) whose names are one organization or in one group, resolved
    together in one pass (as the library resolves its cases): `left` gives each id its names
    (a reviewer's affiliation, account organization, declared organizations), `right` each id's
    organization line (an applicant's). `aliases`: groups of names that are one organization
    (a call's); `decisions`: people's merges and splits."""
    uses, names = [], {}
    for lid, ns in left.items():
        for i, n in enumerate(dict.fromkeys(x.strip() for x in ns if x and x.strip())):
            uses.append(Use(("L", lid, i), n))
            names[("L", lid, i)] = n
    for rid, n in right.items():
        if n and n.strip():
            uses.append(Use(("R", rid), n))
    if not uses:
        return {}
    res = Resolver(decisions, aliases=aliases).resolve(uses)
    g = res.graph
    by_root: dict[str, list[tuple[object, Link]]] = {}
    for link in res.links:
        if link.case[0] == "R":
            by_root.setdefault(res.root(link.org), []).append((link.case[1], link))
    out: dict[tuple[object, object], Relation] = {}
    for link in res.links:
        if link.case[0] != "L":
            continue
        root = res.root(link.org)
        for rid, other in by_root.get(root, ()):
            pair = (link.case[1], rid)
            if pair in out and out[pair].kind == "same":
                continue
            found = res.explain(link.key, other.key)
            if found is None:
                continue
            kind, steps = found
            if pair not in out or kind == "same":
                out[pair] = Relation(kind, names[link.case], right[rid], res.orgs[root].name, tuple(steps))
    del g
    return out


@lru_cache(maxsize=4096)
def _relation(
    a: str, b: str, aliases: tuple[tuple[str, ...], ...], decisions: tuple[tuple[str, str, str], ...]
) -> Relation | None:
    return relations({0: [a]}, {1: b}, aliases, decisions).get((0, 1))


def relation(
    a: str, b: str, aliases: Iterable[Iterable[str]] = (), decisions: Iterable[tuple[str, str, str]] = ()
) -> Relation | None:
    """How two printed names are related: one organization, one group, or None; with why."""
    if not (a or "").strip() or not (b or "").strip():
        return None
    return _relation(a, b, tuple(tuple(g) for g in aliases), tuple(tuple(d) for d in decisions))


def same_group(
    a: str, b: str, aliases: Iterable[Iterable[str]] = (), decisions: Iterable[tuple[str, str, str]] = ()
) -> bool:
    """Whether two printed names are one organization or in one group (conflicts of interest).
    `aliases`: groups of names that are one organization; `decisions`: people's merges and splits."""
    return relation(a, b, aliases, decisions) is not None


def same_organization(
    a: str, b: str, aliases: Iterable[Iterable[str]] = (), decisions: Iterable[tuple[str, str, str]] = ()
) -> bool:
    """Whether two printed names are one organization (not only one group: 国网江苏省电力 and
    国网山东省电力 are one group, two organizations)."""
    r = relation(a, b, aliases, decisions)
    return r is not None and r.kind == "same"
