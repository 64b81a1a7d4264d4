"""The one writer of a collection's label for people: its title with its year, the year added
only when the title does not already print it ("2022 企业气候行动 案例集", not "… 2022")."""

from __future__ import annotations

import re

_YEAR = re.compile(r"(?<!\d)(19\d{2}|20\d{2})(?!\d)")


def collection_label(title: str | None, year: int | str | None = None, lang: str = "zh") -> str:
    """Title and year composed without repeating a part: a title that prints any year keeps
    its own (a book of 2020's cases published in 2021 prints the year it means); otherwise the
    year follows in brackets, full-width in Chinese, ASCII in English."""
    text = " ".join((title or "").split())
    if not year:
        return text
    year_text = str(year).strip()
    if not text:
        return year_text
    if _YEAR.search(text):
        return text
    return f"{text}（{year_text}）" if lang == "zh" else f"{text} ({year_text})"


def case_count(n: int, lang: str = "zh") -> str:
    """A number of cases as a phrase ("12 个案例", "1 case", "1,024 cases"): a count reads with
    its unit; a column header names the column instead (案例数 / Cases)."""
    if lang == "en":
        return f"{n:,} case" if n == 1 else f"{n:,} cases"
    return f"{n} 个案例"
