"""Lists for people, in the page's or the mail's language: the one joiner.

Chinese enumerates with the 顿号 ("甲、乙、丙") and separates clauses with the full-width semicolon;
English writes ", " and "; ". A label list joined in Python or a template goes through here with
its language, so an English page never shows "energy storage、solar" and a Chinese one never
"储能, 光伏". The items themselves (organization names, quotes) are not touched."""

from __future__ import annotations

from collections.abc import Iterable

# (zh, en) per kind of list: an enumeration of names, a list of clauses.
SEPARATORS = {"list": ("、", ", "), "clauses": ("；", "; ")}


def join_list(items: Iterable[object], lang: str = "zh", kind: str = "list") -> str:
    """Items (empty ones left out) joined as a reader of `lang` writes a list: "甲、乙" / "a, b"."""
    sep = SEPARATORS[kind][1 if lang == "en" else 0]
    return sep.join(s for s in (str(x) for x in items if x is not None) if s)


def parenthesized(text: object, lang: str = "zh") -> str:
    """A parenthetical after a word: "（组长）" in Chinese text, " (lead)" in English."""
    text = str(text)
    if not text:
        return ""
    return f" ({text})" if lang == "en" else f"（{text}）"
