"""The one writer of a verified figure's provenance for people (调研核实): what the library's case
page, the API and the programme's pages say of a declared figure a site visit confirmed, adjusted
or could not verify, and the words a published book prints after it. The book's words carry no
second figure, so the extractor reads the line back as the one value printed."""

from __future__ import annotations

from ..vocab import FIGURE_VERDICT_LABELS
from .numbers import format_quantity

VERIFIED_BY = "调研核实"


def adjustment_words(o: dict, lang: str = "zh") -> str | None:
    """What a page or the API says of a verified figure: "现场核查调整：申报 1.5万吨二氧化碳当量 → 核实
    1.2万吨二氧化碳当量（调研核实，2027年4月2日，说明）"; None when it has no verdict."""
    v = o.get("verified") or o.get("verification")
    if not v:
        return None
    unit = v["unit"]
    said = format_quantity(v["declared_value"], unit, lang)
    why = "，".join(x for x in (VERIFIED_BY, v.get("date"), v.get("note")) if x)
    why_en = "; ".join(x for x in ("site visit", v.get("date"), v.get("note")) if x)
    if v["verdict"] == "adjusted":
        found = format_quantity(o["value"], unit, lang)
        if lang == "zh":
            return f"现场核查调整：申报 {said} → 核实 {found}（{why}）"
        return f"Adjusted on site: declared {said} → verified {found} ({why_en})"
    label = FIGURE_VERDICT_LABELS[v["verdict"]][0 if lang == "zh" else 1]
    if lang == "zh":
        return f"现场核查{label}：申报 {said}（{why}）"
    return f"Site visit: {label}, declared {said} ({why_en})"


def printed_note(o: dict) -> str:
    """What the book prints after a verified figure, on its line: words and a date only — never a
    second figure, so the extractor reads the line back as the one value printed."""
    v = o.get("verified")
    if not v:
        return ""
    label = FIGURE_VERDICT_LABELS[v["verdict"]][0]
    return f"（{VERIFIED_BY}：{label}，{v['date']}）" if v.get("date") else f"（{VERIFIED_BY}：{label}）"
