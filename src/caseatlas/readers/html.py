"""HTML: block elements become lines; <h1>-<h6> become Markdown-style '#' marks, a block all in
<b>/<strong> is `**…**` (as a Word paragraph set in bold) and so are the bold words a block opens
with (a run-in title: `**1. Copenhagen** The city…`), table rows and tabs typed inside a line
are tab-separated cells, a <br> ends a line (as a soft line break in Word), a <div> without
blocks inside is a block."""

from __future__ import annotations

import re

from ..errors import ReadError
from .limits import check_html_depth
from .normalize import run_in_title

_WRAP = re.compile(r"\s*\n\s*")  # a line break in the source is a space on the page
_TAB = re.compile(r"[ \t]*\t[ \t]*")  # a tab within a line separates cells (a dump of a table)
_SPACES = re.compile(r"[^\S\t]+")


def _collapse(text: str) -> str:
    text = _WRAP.sub(" ", text.strip())
    return _SPACES.sub(" ", _TAB.sub("\t", text)).strip()


def _all_bold(el) -> bool:
    """Every piece of text in the block is inside <b> or <strong>: a title or heading in bold."""
    seen = False
    for piece in el.find_all(string=True):
        if not piece.replace(_BR, "").strip():
            continue
        parent = piece.parent
        while parent is not None and parent is not el and parent.name not in ("b", "strong"):
            parent = parent.parent
        if parent is None or parent is el:
            return False
        seen = True
    return seen


def _bold_lead(el) -> str:
    """The words a block opens with in <b>/<strong> when plain text follows them ("<strong>1.
    Copenhagen</strong> The city…"): a run-in title, written `**…**` before the rest."""
    lead: list[str] = []
    for piece in el.find_all(string=True):
        if _BR in piece and lead:
            return ""  # a lead over a line break is a bold line, not a run-in title
        if not piece.replace(_BR, "").strip():
            if lead:
                lead.append(piece)
            continue
        parent = piece.parent
        while parent is not None and parent is not el and parent.name not in ("b", "strong"):
            parent = parent.parent
        if parent is None or parent is el:
            return _collapse("".join(lead)) if lead else ""
        lead.append(piece)
    return ""  # all in bold, or none


_BLOCKS = [
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "p",
    "li",
    "tr",
    "pre",
    "blockquote",
    "dt",
    "dd",
    "caption",
    "figcaption",
    "div",
    "section",
    "article",
]  # (a div with blocks inside is read through its blocks)
_BR = "\ue000"  # where a <br> was: a line break inside a block (a private-use character no text has)


def read_html(text: str, name: str) -> list[str]:
    from bs4 import BeautifulSoup

    check_html_depth(text, name)
    # lxml (libxml2) applies HTML's implied end tags (<li><p>a<li>… is not nesting) and is
    # linear; Python's html.parser nests every unclosed tag, which made such pages quadratic.
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    body = soup.body or soup
    for br in body.find_all("br"):
        br.replace_with(_BR)
    lines: list[str] = []
    for el in body.find_all(_BLOCKS):
        if el.find(_BLOCKS):  # outer block: its inner blocks are emitted on their own
            continue
        if el.name == "tr":
            content = "\t".join(
                " ".join(c.get_text(" ", strip=True).replace(_BR, " ").split()) for c in el.find_all(["td", "th"])
            )
        elif el.name == "pre":  # preformatted: its line breaks are the text's
            text = el.get_text("", strip=False).replace(_BR, "\n")
            lines.extend(line.rstrip() for line in text.strip("\n").split("\n"))
            lines.append("")
            continue
        else:
            # <sub>/<sup> are joined without a space so "CO<sub>2</sub>" reads "CO2".
            content = _collapse(el.get_text("", strip=False))
        parts = [part.strip() for part in content.split(_BR)]
        if el.name in {"h1", "h2", "h3", "h4", "h5", "h6"} and content:
            parts = ["#" * int(el.name[1]) + " " + " ".join(p for p in parts if p)]  # a heading is one line
        elif content and _all_bold(el):
            parts = [f"**{p}**" if p else p for p in parts]
        elif (
            content
            and (lead := _bold_lead(el))
            and parts[0].startswith(lead)
            and run_in_title(lead, rest := parts[0][len(lead) :])
        ):
            parts[0] = f"**{lead}**" + (" " + rest.lstrip() if rest[:1].isspace() else rest)  # spacing as printed
        lines.extend(p for p in parts if p or len(parts) == 1)  # (a <br> line break: lines of one block)
        lines.append("")
    if not any(line.strip() for line in lines):
        plain = body.get_text("\n").replace(_BR, "\n")
        lines = plain.split("\n")
    if not any(line.strip() for line in lines):
        raise ReadError(f"{name}: HTML has no text")
    return lines
