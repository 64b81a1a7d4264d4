"""Repair what text extraction breaks, keeping meaning intact.

The raw line is always kept beside the normalized one; only the normalized text is
used for segmentation, extraction and search.
"""

from __future__ import annotations

import html
import re

from ..text.sentences import SENTENCE_END

# Full-width ASCII digits, letters and a few symbols → half-width. Chinese punctuation
# (，。：（）) is deliberately left alone: it carries sentence structure.
_FULLWIDTH = {chr(c): chr(c - 0xFEE0) for c in range(0xFF10, 0xFF1A)}  # ０-９
_FULLWIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF21, 0xFF3B)})  # Ａ-Ｚ
_FULLWIDTH.update({chr(c): chr(c - 0xFEE0) for c in range(0xFF41, 0xFF5B)})  # ａ-ｚ
_FULLWIDTH.update({"％": "%", "．": ".", "＋": "+", "－": "-", "／": "/", "＝": "="})
_SPACES = {c: " " for c in "\u00a0\u2002\u2003\u2009\u200a\u202f\u205f\u3000\t"}
_ZERO_WIDTH = {c: "" for c in "\u200b\u200c\u200d\ufeff\u00ad"}
_SUBSCRIPTS = {"₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8", "₉": "9"}
_TABLE = str.maketrans({**_FULLWIDTH, **_SPACES, **_ZERO_WIDTH, **_SUBSCRIPTS})

_TAG = re.compile(r"</?(?:sub|sup|b|i|em|strong|span|br|u|font)\b[^>]*>", re.I)
_CJK = r"[\u3400-\u9fff\uf900-\ufaff]"
# Three or more single CJK characters separated by single spaces: "投 入 费 用".
_LETTER_SPACED = re.compile(rf"(?:{_CJK} ){{2,}}{_CJK}")
_MULTISPACE = re.compile(r" {2,}")
# A space between a digit and a CJK-adjacent subscript, e.g. "CO 2" stays; we only fix "CO ₂".


def _unspace(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", "")


def normalize(raw: str) -> str:
    """Return the normalized form of one line of extracted text."""
    text = raw.translate(_TABLE)
    if "<" in text:
        text = _TAG.sub("", text)
    if "&" in text:
        text = html.unescape(text)
    text = _MULTISPACE.sub(" ", text).strip()
    if " " in text:
        text = _LETTER_SPACED.sub(_unspace, text)
    return text


_RUN_IN_END = tuple(SENTENCE_END + "：:.．、—-")


def run_in_title(lead: str, rest: str) -> bool:
    """Bold words a paragraph opens with are a run-in title ("**1. Copenhagen** The city…",
    "**案例一：**…") when they stand apart from what follows: they end with a stop or a colon, or a
    space or a stop follows them. Bold words inside a sentence ("**年减排**二氧化碳…") are emphasis."""
    lead = lead.strip()
    return bool(lead and rest.strip()) and (
        lead.endswith(_RUN_IN_END) or rest[:1].isspace() or rest.lstrip()[:1] in "。：:，,;；—-"
    )
