"""The programme's tuned numbers, in one place, with what each trades and how it was set.

`tests/test_programme_tuning.py` measures each on generated calls: set to 0 or doubled, the
assignment or the flags it tunes get measurably worse (the load cost: see below).

- `MATCH_COST` and `LOAD_COST` (`assign.solve`): only their ratio matters. Each further unit
  of a reviewer's load costs `LOAD_COST` more than the last; each point of topic match saves
  `MATCH_COST`, and one review can gain at most 4 points (`reviews.topic_match`: 2 for the
  domain, up to 2 for other topics its text names). Moving one review to a reviewer already
  one ahead costs `LOAD_COST`, so above 4 × `MATCH_COST` no topic outweighs a review of
  imbalance: loads are balanced first (max − min ≤ 1 where conflicts allow), then topics are
  followed. At exactly 4 × (the value before, 40) the two tie and on 18 of 600 generated calls
  the solver gave up balance for a topic; 41, 50, 80 or 10⁶ all give the balanced assignments,
  so 50 — the first round number above the tie. The ratio is a priority, not a trade-off:
  doubling `LOAD_COST` changes no call's loads or topic points (the test says so), while
  halving it or doubling `MATCH_COST` unbalances calls again.
- `DISPERSION` (`scoring.rank`): a submission's reviews disagree when their weighted totals'
  standard deviation exceeds this share of the scale's span (on 1–5, one point). Measured on
  generated reviews (integer scores; a quarter of the panels split into opposite verdicts 2 to
  4 points apart, the rest agree up to leniency and rater noise): 0.25 finds the split panels
  best (F1 0.86; 0.2 gives 0.82, 0.3 0.78); 0 flags nearly every panel, 0.5 almost none. If
  splits are narrower (2 to 3 points) 0.2 does better: the number assumes opposite verdicts.
"""

from __future__ import annotations

from dataclasses import dataclass

MATCH_COST = 10  # per point of topic match (a submission in the reviewer's domain scores 2)
LOAD_COST = 50  # per unit of load, increasing: more than the best match one review can gain (4 × 10)
DISPERSION = 0.25  # of (scale_max − scale_min): on a 1–5 scale, a standard deviation above 1 point


@dataclass(frozen=True, slots=True)
class Tuning:
    """The numbers `assign.solve` and `scoring.rank` use; a test passes another to measure it."""

    match_cost: int = MATCH_COST
    load_cost: int = LOAD_COST
    dispersion: float = DISPERSION


TUNING = Tuning()
