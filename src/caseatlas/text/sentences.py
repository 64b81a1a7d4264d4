"""Where sentences and clauses end: the one definition of sentence-end punctuation, and the
sentence around a position.

Books in Chinese end a sentence with 。！？ and close a clause with ；; English books use .!?;
— a period only after a lower-case letter and before a space, since "2.5" and "U.S. firms"
are not ends. The semicolon counts as an end for everything that reads one statement at a
time (a figure and the words that qualify it stay inside "…；…"), but not for `FULL_STOP`,
which the extractor uses to find the head of a whole sentence.
"""

from __future__ import annotations

import re

# The Chinese (full-width) marks alone: where the layout-level readers end a paragraph or tell
# prose from a heading. Books typed with ASCII punctuation (and English books) keep a line that
# ends in ; ! ? joined to the next one there — joining decides search passages, so widening it
# is a change of its own, measured, not part of this definition.
CJK_SENTENCE_END = "。！？；"
# A sentence (or a clause a semicolon closes) ends after one of these.
SENTENCE_END = CJK_SENTENCE_END + ";!?"
# A sentence ends after one of these; a semicolon does not end it.
FULL_STOP = "。！？!?"
# A clause ends after one of these: a sentence end, a comma or a colon.
CLAUSE_END = SENTENCE_END + "，,：:"

SENTENCE_END_RE = re.compile(f"[{re.escape(SENTENCE_END)}]")
CLAUSE_END_RE = re.compile(f"[{re.escape(CLAUSE_END)}]")


def english_full_stop(text: str, at: int) -> bool:
    """An English sentence ends at text[at]: a period after a lower-case letter, then a space
    ("…a year. The project…"); a decimal point ("2.5") or a capital's period ("U.S. firms") is
    not one."""
    return (
        text[at] == "."
        and at > 0
        and text[at - 1].isalpha()
        and text[at + 1 : at + 2] == " "
        and text[at - 1].islower()
    )


def words_before(text: str, pos: int, stops: str = SENTENCE_END, limit: int = 120) -> str:
    """The words before `pos` back to the nearest stop (one of `stops`, or an English full
    stop), at most `limit` characters."""
    start = pos
    while start > 0 and pos - start < limit and text[start - 1] not in stops and not english_full_stop(text, start - 1):
        start -= 1
    return text[start:pos]


def words_after(text: str, pos: int, stops: str = SENTENCE_END, limit: int = 60) -> str:
    """The words from `pos` up to the nearest stop (not included), at most `limit` characters."""
    end = pos
    while end < len(text) and end - pos < limit and text[end] not in stops and not english_full_stop(text, end):
        end += 1
    return text[pos:end]


def sentence_at(text: str, at: int) -> tuple[int, int]:
    """(start, end) of the sentence holding text[at]: after the last sentence end before `at`,
    up to (not including) the first one from `at` on."""
    start = max((m.end() for m in SENTENCE_END_RE.finditer(text, 0, at)), default=0)
    end = SENTENCE_END_RE.search(text, at)
    return start, end.start() if end else len(text)
