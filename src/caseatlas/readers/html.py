"""HTML: block elements become lines; <h1>-<h6> become Markdown-style '#' marks, a block all in
<b>/<strong> is `**…**` (as a Word paragraph set in bold), table rows and tabs typed inside a line
are tab-separated cells."""

from __future__ import annotations

import re

from ..errors import ReadError
from .limits import check_html_depth

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
        if not piece.strip():
            continue
        parent = piece.parent
        while parent is not None and parent is not el and parent.name not in ("b", "strong"):
            parent = parent.parent
        if parent is None or parent is el:
            return False
        seen = True
    return seen


_BLOCKS = ["h1", "h2", "h3", "h4", "h5", "h6", "p", "li", "tr", "pre", "blockquote", "dt", "dd", "caption", "figcaption"]


def read_html(text: str, name: str) -> list[str]:
    from bs4 import BeautifulSoup

    check_html_depth(text, name)
    # lxml (libxml2) applies HTML's implied end tags (<li><p>a<li>… is not nesting) and is
    # linear; Python's html.parser nests every unclosed tag, which made such pages quadratic.
    soup = BeautifulSoup(text, "lxml")
    for tag in soup(["script", "style", "noscript", "template", "head"]):
        tag.decompose()
    body = soup.body or soup
    lines: list[str] = []
    for el in body.find_all(_BLOCKS):
        if el.find(_BLOCKS):  # outer block: its inner blocks are emitted on their own
            continue
        if el.name == "tr":
            content = "\t".join(c.get_text(" ", strip=True) for c in el.find_all(["td", "th"]))
        elif el.name == "pre":  # preformatted: its line breaks are the text's
            lines.extend(line.rstrip() for line in el.get_text("", strip=False).strip("\n").split("\n"))
            lines.append("")
            continue
        else:
            # <sub>/<sup> are joined without a space so "CO<sub>2</sub>" reads "CO2".
            content = _collapse(el.get_text("", strip=False))
        if el.name in {"h1", "h2", "h3", "h4", "h5", "h6"} and content:
            content = "#" * int(el.name[1]) + " " + content
        elif content and _all_bold(el):
            content = f"**{content}**"
        lines.append(content)
        lines.append("")
    if not any(line.strip() for line in lines):
        plain = body.get_text("\n")
        lines = plain.split("\n")
    if not any(line.strip() for line in lines):
        raise ReadError(f"{name}: HTML has no text")
    return lines
