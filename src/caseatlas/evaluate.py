"""Compare the library with hand annotations (format: shared/eval/README.md)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from sqlalchemy import Engine

from . import service
from .errors import CaseAtlasError


def _squash(text: str | None) -> str:
    return re.sub(r"\s+", "", text or "")


def iou(a: tuple[int, int], b: tuple[int, int]) -> float:
    inter = min(a[1], b[1]) - max(a[0], b[0]) + 1
    if inter <= 0:
        return 0.0
    return inter / (max(a[1], b[1]) - min(a[0], b[0]) + 1)


def match_cases(gold: list[dict], pred: list[dict], threshold: float = 0.5) -> list[tuple[int, int]]:
    """One-to-one matches (gold index, predicted index) with IoU ≥ threshold, best pairs first."""
    pairs = []
    for gi, g in enumerate(gold):
        for pi, p in enumerate(pred):
            score = iou((g["start_line"], g["end_line"]), (p["start_line"], p["end_line"]))
            if score >= threshold:
                pairs.append((score, gi, pi))
    used_g, used_p, out = set(), set(), []
    for _, gi, pi in sorted(pairs, reverse=True):
        if gi not in used_g and pi not in used_p:
            used_g.add(gi)
            used_p.add(pi)
            out.append((gi, pi))
    return sorted(out)


def eval_cases(engine: Engine, gold_dir: str | Path) -> list[dict]:
    gold_dir = Path(gold_dir)
    files = sorted(gold_dir.glob("*.json"))
    if not files:
        raise CaseAtlasError(f"{gold_dir}: no gold *.json files")
    by_stem: dict[str, list[dict]] = {}
    for record in service.cases(engine):
        by_stem.setdefault(Path(record["source_file"]).stem, []).append(record)
    rows = []
    for f in files:
        gold = json.loads(f.read_text(encoding="utf-8"))
        pred = by_stem.get(f.stem, [])
        matches = match_cases(gold, pred)
        tp = len(matches)
        p = tp / len(pred) if pred else 0.0
        r = tp / len(gold) if gold else 0.0
        titles = sum(_squash(gold[g]["title"]) == _squash(pred[k]["title"]) for g, k in matches)
        orgs = sum(_squash(gold[g].get("organization")) == _squash(pred[k]["organization"]) for g, k in matches)
        rows.append({
            "book": f.stem, "gold": len(gold), "predicted": len(pred), "matched": tp,
            "precision": round(p, 4), "recall": round(r, 4), "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
            "title_exact": round(titles / tp, 4) if tp else 0.0,
            "organization_exact": round(orgs / tp, 4) if tp else 0.0,
            "in_library": bool(pred),
        })
    return rows
