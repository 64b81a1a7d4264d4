"""Does a published book read back as the library it came from? Compare the cases of the
original collection with those ingested from its edition: case F1 (a case is found when its
title matches, in order), titles, organizations, chapters, section headings, and recall of
the core outcomes (same case, kind, unit and value)."""

from __future__ import annotations

from ..segment.cases import squash
from ..vocab import CORE_KINDS

REL_TOL = 1e-6


def _key(o: dict) -> tuple[str, str]:
    return o["kind"], o["unit"]


def _same_value(a: float, b: float) -> bool:
    return abs(a - b) <= REL_TOL * max(1.0, abs(a), abs(b))


def compare(original: list[dict], republished: list[dict]) -> dict:
    """Both: case dicts (title, organization, chapter, sections, outcomes) in book order."""
    matched: list[tuple[dict, dict]] = []
    j = 0
    for o in original:
        t = squash(o["title"])
        for k in range(j, min(j + 4, len(republished))):
            if squash(republished[k]["title"]) == t:
                matched.append((o, republished[k]))
                j = k + 1
                break
    n_o, n_r, n_m = len(original), len(republished), len(matched)
    precision = n_m / n_r if n_r else 0.0
    recall = n_m / n_o if n_o else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    same_org = sum(squash(a.get("organization") or "") == squash(b.get("organization") or "") for a, b in matched)
    same_chapter = sum((a.get("chapter") or None) == (b.get("chapter") or None) for a, b in matched)
    same_sections = sum(
        [squash(s["heading"]) for s in a["sections"]] == [squash(s["heading"]) for s in b["sections"]]
        for a, b in matched
    )
    core = found = 0
    missed: list[dict] = []
    for a, b in matched:
        pool = [x for x in b["outcomes"] if x["kind"] in CORE_KINDS]
        for x in a["outcomes"]:
            if x["kind"] not in CORE_KINDS:
                continue
            core += 1
            if any(_key(y) == _key(x) and _same_value(y["value"], x["value"]) for y in pool):
                found += 1
            else:
                missed.append(
                    {
                        "case": a.get("case_id"),
                        "kind": x["kind"],
                        "value": x["value"],
                        "unit": x["unit"],
                        "quote": x["quote"],
                    }
                )
    return {
        "cases": n_o,
        "read_back": n_r,
        "matched": n_m,
        "precision": precision,
        "recall": recall,
        "f1": f1,
        "same_organization": same_org,
        "same_chapter": same_chapter,
        "same_sections": same_sections,
        "core_outcomes": core,
        "core_found": found,
        "core_recall": found / core if core else 1.0,
        "missed": missed,
    }
