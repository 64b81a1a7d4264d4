"""What a user typed → what to rank by and what to require. Any string is accepted: text
only ever meets the analyzer or a bound LIKE parameter (never SQL), and input beyond
MAX_QUERY_CHARS is ignored.

Syntax (docs/architecture.md, "Query syntax"):
- words separated by spaces must all match (`钢铁 减碳`): a case is a result only when it has
  every word, each word counting through its synonyms and its other language's forms (the
  concepts of `analysis`: 减碳 is also 降碳, "emission reduction"); a sentence without spaces is
  one word, met by any of its concepts and ranked by how much of it a case covers;
- `OR` (or `或`, `|`) standing alone between words asks for any of the words instead (for the
  whole query; the search page's "any word" switch does the same);
- `"exact phrase"` must occur as written (its words also rank);
- `-word` or `-"phrase"` excludes cases that contain it;
- `title:word`, `org:word` (also `标题:` `机构:`) require the word in the title or organization.
A lone `-`, an unclosed quote or an unknown `field:` is read as ordinary text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from .analysis import analyzer

MAX_QUERY_CHARS = 500  # nobody types more; a pasted page would only be slow
ANY_WORD = {"OR", "或", "|"}  # standing alone: any of the words (upper-case only: "or" in a sentence is a word)
FIELDS = {
    "title": "title",
    "标题": "title",
    "org": "organization",
    "机构": "organization",
    "organization": "organization",
}
_PART = re.compile(r'(?P<neg>-)?(?:(?P<field>[A-Za-z\u4e00-\u9fff]+)[:：])?(?:"(?P<quoted>[^"]+)"|(?P<word>[^\s"]+))')


@dataclass
class Query:
    text: str
    groups: list[list[tuple[str, ...]]] = field(default_factory=list)  # concepts to rank by
    terms: list[list[int]] = field(default_factory=list)  # per typed word: its concepts (all words must match)
    phrases: list[str] = field(default_factory=list)  # must occur as written
    exclude: list[str] = field(default_factory=list)  # must not occur
    fields: list[tuple[str, str]] = field(default_factory=list)  # (column, text it must contain)
    words: list[str] = field(default_factory=list)  # the words and phrases, without syntax (for the dense leg)
    any: bool = False  # `OR` typed: any of the words suffices

    @property
    def restricts(self) -> bool:
        return bool(self.phrases or self.exclude or self.fields)


def parse_query(query: str) -> Query:
    query = (query or "")[:MAX_QUERY_CHARS]
    an = analyzer()
    q = Query(query)
    for m in _PART.finditer(query):
        neg, fld, quoted, word = m.group("neg"), m.group("field"), m.group("quoted"), m.group("word")
        value = quoted if quoted is not None else word
        if word in ANY_WORD and not neg and not fld:
            q.any = True
            continue
        column = FIELDS.get(fld.lower()) if fld else None
        if fld and column is None:  # "http://…", "CO2:": not a field, just text
            value, quoted = (m.group(0)[1:] if neg else m.group(0)), None
        value = an.normalize(value).strip()
        if not value or (neg and not value.strip("-")):
            continue
        if neg:
            q.exclude.append(value)
        elif column:
            q.fields.append((column, value))
        else:
            if quoted is not None:
                q.phrases.append(value)
            q.words.append(value)
    # Concepts from all the words at once, so multi-word synonyms ("shore power") are found;
    # then each typed word's concepts, for the rule that every word must match.
    found = an.concepts_of(" ".join(q.words))
    q.groups = [g for g, _ in found]
    # A typed word's concepts are those read from its words; words typed apart that are one
    # phrase ("shore" "power") are one required word, not two.
    for w in q.words:
        said = set(an.words(w))
        idx = [i for i, (_, span) in enumerate(found) if said & set(span)]
        if idx and idx not in q.terms:
            q.terms.append(idx)
    return q


def parse(query: str) -> list[list[tuple[str, ...]]]:
    """Concepts of the query, each a list of alternatives (tuples of tokens that must all occur)."""
    return parse_query(query).groups
