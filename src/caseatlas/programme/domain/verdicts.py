"""A site visit's verdict on a declared figure (调研核实), without I/O: which figure a verdict is on,
which verdict holds, what the figure becomes, and the words that say so.

A verdict is kept by the figure's key — its kind, value, unit, period and status, as declared —
not by its place in the list, so an applicant who reorders or edits other figures keeps it, and
a figure declared differently afterwards is a new figure, not verified. Only a visit that is
done counts; of several, the verdict recorded last holds. The declared value is never overwritten:
the verdict is attached to the outcome (`verified`), and an adjusted figure is then used — checked,
printed, published — at the value found, with its provenance."""

from __future__ import annotations

import hashlib

from ...text.provenance import adjustment_words, printed_note  # noqa: F401  (the words, for the programme)
from ...text.times import local_time


def figure_key(o: dict) -> str:
    """The key of a declared figure: what it says, not where it stands."""
    parts = [
        o["kind"],
        repr(float(o["value"])),
        o["unit"],
        o.get("period") or "unspecified",
        o.get("status") or "achieved",
    ]
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]


def holding(verdicts: list[dict]) -> dict[str, dict]:
    """Figure key → the verdict that holds: of visits that are done, the one recorded last."""
    out: dict[str, dict] = {}
    for v in sorted((v for v in verdicts if v.get("visit_status") == "done"), key=lambda v: (v["at"], v["visit_id"])):
        out[v["figure"]] = v
    return out


def day(at: str | None, tz: str | None) -> str | None:
    """The visit's day as printed and shown: "2027年4月2日" in the call's zone."""
    if not at:
        return None
    return local_time(at, tz, "zh").split(" ")[0]


def verification(v: dict, declared: dict, tz: str | None) -> dict:
    """The provenance a verdict gives a figure, as the library stores it (`outcomes.verification`)."""
    return {
        "verdict": v["verdict"],
        "declared_value": float(declared["value"]),
        "unit": declared["unit"],
        "visit": v["visit_id"],
        "by": v.get("by"),
        "at": v["at"],
        "date": day(v.get("starts_at") or v["at"], tz),
        "note": v.get("note") or None,
    }


def with_verdicts(outcomes: list[dict], verdicts: list[dict], tz: str | None) -> list[dict]:
    """The declared outcomes, each with the verdict that holds on it (`verified`, else None);
    an adjusted one's `value` is the value found and `declared_value` the one declared."""
    held = holding(verdicts)
    out = []
    for o in outcomes:
        v = held.get(figure_key(o))
        if v is None:
            out.append({**o, "verified": None})
            continue
        prov = verification(v, o, tz)
        shown = {**o, "verified": prov}
        if v["verdict"] == "adjusted" and v.get("value") is not None:
            shown["value"] = float(v["value"])
            shown["declared_value"] = float(o["value"])
        out.append(shown)
    return out


def _same(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-9 * max(1.0, abs(a), abs(b))


def for_checks(extracted: list, declared: list[dict]) -> tuple[list, list]:
    """What the claim checks read once verdicts hold: the text's figures, where one states a declared
    figure that was adjusted, at the value found (and every verified one with its verdict); and the
    verified declared figures the text never states, as records of their own (line 0)."""
    from dataclasses import replace

    from ...models import Outcome

    out = list(extracted)
    unstated = []
    for o in declared:
        v = o.get("verified")
        if not v:
            continue
        said = o.get("declared_value", o["value"])
        hit = False
        for i, x in enumerate(out):
            if x.unit == o["unit"] and x.value_max is None and _same(x.value, said) and x.verification is None:
                out[i] = replace(x, value=float(o["value"]), verification=v)
                hit = True
        if not hit:
            unstated.append(
                Outcome(
                    value=float(o["value"]),
                    value_max=None,
                    unit=o["unit"],
                    kind=o["kind"],
                    period=o.get("period") or "unspecified",
                    qualifier=None,
                    quote=o.get("quote") or "",
                    line=0,
                    status=o.get("status") or "achieved",
                    origin="declared",
                    verification=v,
                )
            )
    return out, unstated
