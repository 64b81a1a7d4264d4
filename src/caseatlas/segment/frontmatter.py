"""Collection metadata from the lines before the first case: title, publisher, year,
foreword, expert panel. Best effort: every field may be None when a book does not print it."""

from __future__ import annotations

import re
from pathlib import Path

from ..models import CollectionMeta
from .cases import has_words, is_org_like
from .lines import LineInfo, running_title
from .toc import Toc, is_front_word

_YEAR = re.compile(r"(?<!\d)(19[89]\d|20[0-4]\d)(?!\d)")
_DATE = re.compile(r"^(19|20)\d{2}\s*年\s*\d{1,2}\s*月(\s*\d{1,2}\s*日)?$")
_FOREWORD = (
    "编者按",
    "前言",
    "序言",
    "序",
    "卷首语",
    "导言",
    "引言",
    "寄语",
    "致辞",
    "代序",
    "编写说明",
    "编辑说明",
    "出版说明",
)
_PANEL = re.compile(r"(专家名单|评审专家|专家委员会|评审委员会|编委会|评委)")
_PUBLISHER_LABEL = re.compile(
    r"^(编写机构|编写单位|主办单位|出品单位|发布单位|编著|出品方|主办|编制单位)\s*[：:]\s*(.+)$"
)
_ROLE = re.compile(r"^(主任|副主任|委员|顾问|主编|副主编|编辑|翻译|成员|组长|副组长|秘书长)\s*")
_NAME = re.compile(r"^[\u4e00-\u9fff·]{2,4}$")


def front_matter(infos: list[LineInfo], end: int, toc: Toc | None, source_file: str) -> CollectionMeta:
    skip = range(toc.start, toc.end + 1) if toc else range(0)
    lines = [x for i, x in enumerate(infos[:end]) if not x.blank and not x.noise and i not in skip]
    printed = printed_title(infos, end, skip)
    header = None if printed else running_title(infos)
    title = printed or header or Path(source_file).stem
    meta = CollectionMeta(title=title)
    m = _YEAR.search(title)
    meta.year = int(m.group(1)) if m else None
    sections = _split_sections(lines)
    for head, body in sections:
        if meta.foreword is None and head is not None and any(head.replace(" ", "").startswith(w) for w in _FOREWORD):
            paragraphs = [x.body for x in body if len(x.body) > 30]
            if paragraphs:
                meta.foreword = "\n".join(paragraphs)
                meta.publisher = meta.publisher or _signature(body)
        if head is not None and _PANEL.search(head) and not meta.experts:
            meta.experts = _names(body)
    if meta.foreword is None:  # a foreword printed without a heading
        paragraphs = [x.body for x in lines if len(x.body) > 30]
        if paragraphs:
            meta.foreword = "\n".join(paragraphs)
            meta.publisher = meta.publisher or _signature(lines)
    for x in lines:
        m = _PUBLISHER_LABEL.match(x.body)
        if m:
            meta.publisher = m.group(2).strip()
            break
    if meta.publisher is None:
        meta.publisher = _under_label(lines)
    if meta.year is None:
        for x in lines:
            if _DATE.match(x.body) or _ONLY_YEAR.match(x.body):  # "2021 年 6 月", or the cover's "2021 年"
                meta.year = int(re.search(r"(19|20)\d{2}", x.body).group(0))
                break
    if toc:
        meta.chapters = toc.chapters
    genre = _genre(meta.foreword or "")
    if header and genre and not _GENRE_END.search(header):
        # A running header is the title shortened to fit the page head ("2023 企业气候行动");
        # the book says what it is in its foreword ("本案例集…"), so the full name is both.
        meta.title = f"{header} {genre}"
    elif not printed and not header and meta.publisher:
        # No title printed anywhere (a dump without its cover): name the book after the programme
        # a secretariat signs for ("X（ABC）秘书处" runs the programme "X（ABC）"), or, failing
        # that, after who published it: what it is, not who signed, and never the file name.
        owner = meta.publisher.split("；")[0].strip()
        owner = _PROGRAMME_OFFICE.sub("", owner).strip() or owner
        meta.title = f"{owner}{genre or '案例集'}"
    return meta


# A line of the cover that names who made the book, not what it is.
_BY_LINE = re.compile(
    r"^(联合)?(发起|主办|承办|支持|指导|编写|主编|出品|编制|协办|合作)(单位|机构|方)?\s*[：:]?$|^(编写|主办|出品|发布)(单位|机构)?[：:]"
)
_ONLY_YEAR = re.compile(r"^[（(]?\s*(19|20)\d{2}\s*(年|年度|年版)?\s*[）)]?$")
_CJK = re.compile(r"[\u4e00-\u9fff]")
_TITLE_MAX = 60
# What a book calls itself in its foreword ("本案例集", "本年度的案例集", "本手册"): the genre word
# a title from a running header leaves out.
_SELF = re.compile(r"本(?:年度|届|期|次)?的?(案例集|案例汇编|案例选编|手册|报告|白皮书)")
_GENRE_END = re.compile(r"(案例集|案例汇编|案例选编|案例|手册|报告|白皮书|汇编|文集)\s*[（(]?\s*(\d{4})?\s*[）)]?$")
_PROGRAMME_OFFICE = re.compile(r"(秘书处|办公室|组委会|执行委员会)$")


def _genre(foreword: str) -> str | None:
    m = _SELF.search(foreword)
    return m.group(1) if m else None


# How the name of who made a book ends, beyond a case's organizations (is_org_like): a society
# (研究会, 促进会), a centre, an institute, a secretariat. A book's title ends otherwise (案例集, 行动…).
_MAKER_END = re.compile(r"(?:会|中心|研究院|研究所|秘书处|办公室|联盟|组织|机构|出版社)(?:[（(][^（）()]{1,30}[）)])?$")


def _maker(body: str) -> bool:
    return is_org_like(body) or bool(_MAKER_END.search(body.replace(" ", "")))


def _by_line(body: str) -> bool:
    return bool(_BY_LINE.match(body.replace(" ", "")) or _PUBLISHER_LABEL.match(body))


def _title_like(x: LineInfo) -> bool:
    body = x.body
    return bool(
        body
        and has_words(body)
        and len(body) <= _TITLE_MAX
        and not x.ends_sentence
        and "。" not in body
        and not is_front_word(body)
        and not _by_line(body)
        and not _DATE.match(body)
        and not _maker(body)
    )


def printed_title(infos: list[LineInfo], end: int, skip: range = range(0)) -> str | None:
    """The title as the cover prints it: the first title-like line before the first case
    (publisher, organizer and date lines above it passed over), with the lines it wraps onto
    joined ("2023 企业气候行动" / "案例集"); a translation in another script below it is not part
    of it. A Markdown level-1 heading near the top is the title wherever it sits."""
    seen = [i for i in range(min(end, len(infos))) if not infos[i].blank and not infos[i].noise and i not in skip]
    heads = [k for k, i in enumerate(seen[:15]) if infos[i].md_level == 1]
    if heads:
        return _wrapped(infos, seen, heads[0], lambda x: x.md_level == 1 and _title_like(x), heading=True)
    for k, i in enumerate(seen[:6]):
        x = infos[i]
        if _maker(x.body) or _by_line(x.body) or _DATE.match(x.body):
            continue  # the publisher, an organizer label or a date printed above the title
        if not _title_like(x):
            return None  # prose first: the dump starts past the cover
        return _wrapped(infos, seen, k, _title_like)
    return None


def _wrapped(infos: list[LineInfo], seen: list[int], k: int, fits, heading: bool = False) -> str:
    first = infos[seen[k]]
    title = first.heading_text if heading else first.body
    prev = seen[k]
    for i in seen[k + 1 :]:
        x = infos[i]
        text = x.heading_text if heading else x.body
        gap = i - prev - 1
        if gap > 1 or any(not infos[j].blank for j in range(prev + 1, i)) or not fits(x):
            break  # a wrapped line follows its line (a dump may put one blank line between)
        if _ONLY_YEAR.match(text):
            break  # the cover's year line ("2022 年"): the year is a field of its own, not title
        if bool(_CJK.search(text)) != bool(_CJK.search(title)):
            break  # "碳达峰…" over "Case Collection on…": the translation, not more title
        if text.replace(" ", "") in title.replace(" ", "") or len(title) + len(text) > _TITLE_MAX:
            break  # the cover printed twice, or running on into other text
        glue = "" if _CJK.search(title[-1:]) and _CJK.search(text[:1]) else " "
        title = f"{title}{glue}{text}"
        prev = i
    return title.strip()


def _split_sections(lines: list[LineInfo]) -> list[tuple[str | None, list[LineInfo]]]:
    out: list[tuple[str | None, list[LineInfo]]] = [(None, [])]
    for x in lines:
        body = x.body.replace(" ", "")
        boundary = x.md_level > 0 or x.numbering == "chapter" or body in ("目录", "目次")
        if (boundary or is_front_word(body) or _PANEL.search(body)) and len(body) <= 14 and not x.ends_sentence:
            out.append((x.body, []))
        else:
            out[-1][1].append(x)
    return out


_ORGANIZER_HEAD = re.compile(r"^(?:联合)?(?:发起|主办|承办|编写|主编|出品|编制)(?:单位|机构)$")


def _under_label(lines: list[LineInfo]) -> str | None:
    """Organizers printed under a label line of their own ("联合发起单位" then the names)."""
    for i, x in enumerate(lines):
        if _ORGANIZER_HEAD.match(x.body.replace(" ", "")):
            names = []
            for y in lines[i + 1 : i + 4]:
                if (
                    len(y.body) > 30
                    or y.ends_sentence
                    or _ORGANIZER_HEAD.match(y.body.replace(" ", ""))
                    or is_front_word(y.body)
                ):
                    break
                names.append(y.body.strip())
            if names:
                return "；".join(names)
    return None


def _signature(body: list[LineInfo]) -> str | None:
    """The short lines just above the closing date of a foreword: who signed it."""
    for k in range(len(body) - 1, -1, -1):
        if _DATE.match(body[k].body):
            names = []
            j = k - 1
            while j >= 0 and len(body[j].body) <= 30 and not body[j].ends_sentence and len(names) < 3:
                text = body[j].body
                if not text.startswith("《") and not text.endswith("单位") and not is_front_word(text):
                    names.append(text)
                j -= 1
            return "；".join(reversed(names)) or None
    return None


def _names(body: list[LineInfo]) -> list[str]:
    names: list[str] = []
    for x in body:
        text = _ROLE.sub("", x.body.lstrip("-• ").strip())
        if _NAME.match(text):
            names.append(text)
            continue
        tokens = text.split()
        if tokens and all(re.fullmatch(r"[\u4e00-\u9fff·]{1,4}|\(.*\)|（.*）|[A-Za-z.\-]+", t) for t in tokens):
            merged: list[str] = []
            for t in tokens:
                if t.startswith(("(", "（")) or t.isascii():
                    continue
                if merged and len(merged[-1]) == 1:
                    merged[-1] += t  # "杨 锋" is one two-character name printed letter-spaced
                else:
                    merged.append(t)
            names.extend(n for n in merged if len(n) >= 2)
    return names
