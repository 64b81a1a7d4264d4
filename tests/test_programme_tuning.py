"""The programme's tuned numbers (`programme/domain/tuning.py`) measured on generated calls: set
to 0 or doubled, the assignment or the dispersion flags get measurably worse — or, for the load
cost, whose job is a priority and not a trade-off, stay exactly as they are (see below).

Assignment quality is what the doc promises, in its order: loads balanced first (max − min no
wider than the most even assignment the conflicts allow, found with topics ignored), then the
topic match of the reviews given. Dispersion quality is how well the flag finds the submissions
whose panel really split (F1), on reviews generated with integer scores, reviewer leniency and
rater noise."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from caseatlas.programme.domain.assign import Problem, Result, solve
from caseatlas.programme.domain.presets import PRESETS
from caseatlas.programme.domain.scoring import rank
from caseatlas.programme.domain.tuning import TUNING, Tuning

DOMAINS = ("能源转型", "绿色制造", "绿色交通", "绿色建筑", "生态农业", "绿色金融")


def _general_call(rng: random.Random) -> Problem:
    """Reviewers with one or two topics, submissions skewed to the popular domains, points as
    `reviews.topic_match` gives them: 2 for the domain, +1 per other topic the text names."""
    nr, ns, k = rng.randint(5, 12), rng.randint(10, 40), rng.choice([2, 3])
    topics = {r: set(rng.sample(DOMAINS[:3] if r % 3 else DOMAINS, rng.choice([1, 2]))) for r in range(nr)}
    domain = {s: rng.choices(DOMAINS, weights=[6, 3, 2, 1, 1, 1])[0] for s in range(100, 100 + ns)}
    named = {s: {d for d in DOMAINS if d != domain[s] and rng.random() < 0.3} for s in domain}
    match = {}
    for s, d in domain.items():
        for r, t in topics.items():
            if points := (2 if d in t else 0) + min(2, len(t & named[s])):
                match[(s, r)] = points
    conflicts = {(s, r) for s in domain for r in range(nr) if rng.random() < 0.05}
    return Problem(list(domain), list(range(nr)), k, conflicts, match)


def _expert_call(rng: random.Random) -> Problem:
    """A call a few reviewers know well (3 or 4 points) and the rest hardly (0 or 1): where
    following topics would pile the reviews on the experts."""
    nr, ns, k = rng.randint(5, 10), rng.randint(8, 30), rng.choice([2, 3])
    experts = set(rng.sample(range(nr), rng.randint(2, nr - 1)))
    subs = list(range(100, 100 + ns))
    match = {}
    for s in subs:
        for r in range(nr):
            if points := rng.choice([3, 4, 4]) if r in experts else rng.choice([0, 0, 1]):
                match[(s, r)] = points
    conflicts = {(s, r) for s in subs for r in range(nr) if rng.random() < 0.05}
    return Problem(subs, list(range(nr)), k, conflicts, match)


def _spread(result: Result) -> int:
    return max(result.loads.values()) - min(result.loads.values())


@pytest.fixture(scope="module")
def calls() -> tuple[list[Problem], list[int]]:
    rng = random.Random(24)
    problems = [_expert_call(rng) for _ in range(150)] + [_general_call(rng) for _ in range(75)]
    # The most even loads each call's conflicts allow: topics ignored, balance alone.
    even = [_spread(solve(p, replace(TUNING, match_cost=0))) for p in problems]
    return problems, even


def assignment_quality(calls, tuning: Tuning) -> tuple[int, float]:
    """(calls whose loads are less even than they could be, topic points per review)."""
    problems, even = calls
    results = [solve(p, tuning) for p in problems]
    unbalanced = sum(_spread(r) > e for r, e in zip(results, even))
    points = sum(p.match.get(pair, 0) for p, r in zip(problems, results) for pair in r.pairs)
    return unbalanced, points / sum(len(r.pairs) for r in results)


def test_the_tuned_assignment_balances_every_call_then_follows_topics(calls):
    unbalanced, per_review = assignment_quality(calls, TUNING)
    assert unbalanced == 0
    assert per_review > 2.0, per_review  # most reviews go to someone who knows the domain


@pytest.mark.parametrize("field, factor", [("match_cost", 0), ("match_cost", 2), ("load_cost", 0)])
def test_zeroed_or_doubled_the_assignment_gets_worse(calls, field, factor):
    unbalanced, per_review = assignment_quality(calls, TUNING)
    worse_unbalanced, worse_per_review = assignment_quality(
        calls, replace(TUNING, **{field: getattr(TUNING, field) * factor})
    )
    # balance first: any call less even is worse; with balance kept, fewer topic points are worse
    assert worse_unbalanced > unbalanced or (worse_unbalanced == unbalanced and worse_per_review < per_review), (
        f"{field} × {factor}: {worse_unbalanced} unbalanced calls, {worse_per_review:.3f} points per review "
        f"(tuned: {unbalanced}, {per_review:.3f})"
    )


def test_the_load_cost_is_a_priority_just_above_the_best_match(calls):
    """Moving one review to a reviewer already one ahead costs `load_cost`; one review can gain at
    most 4 topic points. At 4 × `match_cost` the two tie and the solver may give up balance for a
    topic (it does, on these calls); just above it, balance comes first, and more changes nothing —
    so doubling the load cost leaves every call's loads and topic points as they are, and halving it
    does not."""
    assert TUNING.load_cost > 4 * TUNING.match_cost
    problems, _ = calls

    def measured(tuning):  # per call: its loads and its topic points (pairs may differ among equals)
        return [
            (sorted(r.loads.values()), sum(p.match.get(pair, 0) for pair in r.pairs))
            for p, r in ((p, solve(p, tuning)) for p in problems)
        ]

    assert measured(replace(TUNING, load_cost=2 * TUNING.load_cost)) == measured(TUNING)
    at_tie, _ = assignment_quality(calls, replace(TUNING, load_cost=4 * TUNING.match_cost))
    halved, _ = assignment_quality(calls, replace(TUNING, load_cost=TUNING.load_cost // 2))
    assert at_tie > 0 and halved > at_tie, (at_tie, halved)


def _reviews(seed: int, n: int = 400):
    """Reviews of `n` submissions by panels of 2–4. A quarter of the panels split: some reviewers
    see the case 2 to 4 points better than the others (opposite verdicts, from 2 vs 4 up to 1 vs 5);
    the others agree, up to reviewer leniency (σ 0.3), the reviewer's impression of this case
    (σ 0.5) and each criterion's score (σ 0.4), rounded to the scale's integers."""
    rng = random.Random(seed)
    preset = PRESETS[rng.choice(sorted(PRESETS))]
    criteria = [c.as_dict() for c in preset.criteria]
    lo, hi = preset.scale
    leniency = {r: rng.gauss(0, 0.3) for r in range(12)}
    reviews, split = [], {}
    for s in range(n):
        quality = rng.uniform(lo + 1, hi - 1)
        panel = rng.sample(sorted(leniency), rng.choice([2, 3, 3, 4]))
        split[s] = rng.random() < 0.25
        side = set(rng.sample(panel, max(1, len(panel) // 2)))
        gap = rng.choice([-1, 1]) * rng.uniform(2, 4)
        for r in panel:
            seen = quality + (gap / 2 if r in side else -gap / 2) * split[s] + leniency[r] + rng.gauss(0, 0.5)
            scores = {c["key"]: min(hi, max(lo, round(seen + rng.gauss(0, 0.4)))) for c in criteria}
            reviews.append((s, r, scores))
    return reviews, criteria, preset.scale, list(range(n)), split


@pytest.fixture(scope="module")
def reviewed():
    return [_reviews(seed) for seed in range(6)]


def flag_f1(reviewed, tuning: Tuning) -> float:
    tp = fp = fn = 0
    for reviews, criteria, scale, ids, split in reviewed:
        for row in rank(reviews, criteria, scale, ids, tuning):
            tp += row.dispersed and split[row.submission_id]
            fp += row.dispersed and not split[row.submission_id]
            fn += not row.dispersed and split[row.submission_id]
    return 2 * tp / (2 * tp + fp + fn)


@pytest.mark.parametrize("factor", [0, 2])
def test_zeroed_or_doubled_dispersion_flags_worse(reviewed, factor):
    tuned = flag_f1(reviewed, TUNING)
    worse = flag_f1(reviewed, replace(TUNING, dispersion=TUNING.dispersion * factor))
    assert worse < tuned - 0.2, (factor, worse, tuned)  # 0 flags nearly every panel, double almost none


def test_the_dispersion_is_the_best_of_its_neighbours(reviewed):
    f1 = {d: flag_f1(reviewed, replace(TUNING, dispersion=d)) for d in (0.15, 0.2, 0.25, 0.3, 0.35)}
    assert max(f1, key=f1.get) == TUNING.dispersion, f1
