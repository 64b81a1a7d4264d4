"""HTML: block elements become lines; <h1>-<h6> become Markdown-style '#' marks."""

from __future__ import annotations

from ..errors import ReadError
from .limits import check_html_depth

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
            content = el.get_text("", strip=False)
            content = " ".join(content.split())
        if el.name in {"h1", "h2", "h3", "h4", "h5", "h6"} and content:
            content = "#" * int(el.name[1]) + " " + content
        lines.append(content)
        lines.append("")
    if not any(line.strip() for line in lines):
        plain = body.get_text("\n")
        lines = plain.split("\n")
    if not any(line.strip() for line in lines):
        raise ReadError(f"{name}: HTML has no text")
    return lines
