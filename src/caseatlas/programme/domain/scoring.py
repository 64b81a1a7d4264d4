"""Scores: weighted totals, per-reviewer normalization and dispersion.

A reviewer's weighted total for a submission is Σ wᵢ·sᵢ / Σ wᵢ over the criteria scored (on
the call's scale). Reviewers differ in how they use the scale, so each reviewer's totals are
also turned into z-scores over that reviewer's own reviews (Evalato shows both); a reviewer
with fewer than two reviews, or who gave every submission the same total, has no spread to
normalize by and contributes 0. A submission's reviews disagree (dispersion) when their
totals' standard deviation exceeds `tuning.DISPERSION` of the scale's span.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from .tuning import TUNING, Tuning


def weighted_total(scores: dict[str, float], criteria: list[dict]) -> float | None:
    parts = [(c["weight"], scores[c["key"]]) for c in criteria if scores.get(c["key"]) is not None]
    weight = sum(w for w, _ in parts)
    if not parts or weight <= 0:
        return None
    return sum(w * s for w, s in parts) / weight


@dataclass(slots=True)
class Row:
    submission_id: int
    n_reviews: int
    raw: float | None  # mean weighted total, on the call's scale
    normalized: float | None  # mean of the reviewers' z-scores
    spread: float | None  # standard deviation of the totals
    dispersed: bool
    totals: dict[int, float]  # reviewer → weighted total


def rank(
    reviews: list[tuple[int, int, dict]],
    criteria: list[dict],
    scale: tuple[int, int],
    submission_ids: list[int],
    tuning: Tuning = TUNING,
) -> list[Row]:
    """reviews: (submission id, reviewer id, scores) of submitted reviews. Rows sorted by raw
    total, best first (unreviewed last)."""
    totals: dict[int, dict[int, float]] = {s: {} for s in submission_ids}
    by_reviewer: dict[int, dict[int, float]] = {}
    for s, r, scores in reviews:
        t = weighted_total(scores, criteria)
        if t is None or s not in totals:
            continue
        totals[s][r] = t
        by_reviewer.setdefault(r, {})[s] = t
    z: dict[tuple[int, int], float] = {}
    for r, given in by_reviewer.items():
        values = list(given.values())
        sd = statistics.pstdev(values) if len(values) >= 2 else 0.0
        mean = statistics.fmean(values)
        for s, t in given.items():
            z[(s, r)] = (t - mean) / sd if sd > 0 else 0.0
    span = max(1, scale[1] - scale[0])
    rows = []
    for s in submission_ids:
        ts = totals[s]
        raw = statistics.fmean(ts.values()) if ts else None
        norm = statistics.fmean(z[(s, r)] for r in ts) if ts else None
        spread = statistics.pstdev(ts.values()) if len(ts) >= 2 else None
        rows.append(Row(s, len(ts), raw, norm, spread, spread is not None and spread > tuning.dispersion * span, ts))
    rows.sort(key=lambda x: (x.raw is None, -(x.raw or 0), -(x.normalized or 0)))
    return rows
