"""Locate a normalized quote in the raw line it came from, so evidence is an exact substring
of the source even where normalization changed spacing, digits, subscripts or markup."""

from __future__ import annotations

import re
from functools import lru_cache

# Between two characters of the quote the raw line may hold spaces, tags or invisible marks.
_GAP = r"(?:[\s\u3000\u00a0\u200b\u00ad]|<[^>]{0,40}>)*"
_SUBSCRIPT = dict(zip("0123456789", "₀₁₂₃₄₅₆₇₈₉"))


def _char(ch: str) -> str:
    """Regex for one normalized character: every raw form that normalizes to it."""
    if ch.isdigit() and ch.isascii():
        return f"[{ch}{chr(ord(ch) + 0xFEE0)}{_SUBSCRIPT[ch]}]"
    if ch.isascii() and ch.isalpha():
        return f"[{ch}{chr(ord(ch) + 0xFEE0)}]"
    if ch == "%":
        return "[%％]"
    return re.escape(ch)


@lru_cache(maxsize=8192)
def _pattern(quote: str) -> re.Pattern[str]:
    return re.compile(_GAP.join(_char(ch) for ch in quote if not ch.isspace()))


def locate(raw: str, quote: str) -> str:
    """The substring of `raw` that reads as `quote` (or `quote` itself if it is one already)."""
    if quote in raw:
        return quote
    m = _pattern(quote).search(raw)
    return m.group(0) if m else quote
