"""Reviewer assignment as a min-cost flow (OR-Tools), as HotCRP's autoassigner does.

source → reviewer → submission → sink. Each submission needs k reviewers (minus those
already assigned, which stay); a reviewer → submission arc exists only without a conflict
and costs less the better the topics match; a reviewer's load arcs cost more for each further
submission (convex), so the solver spreads the load evenly before it follows topic
preference, and no reviewer takes more than ceil(total / reviewers) unless conflicts leave
no other way (the cap is then raised step by step, and the result says so).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .tuning import TUNING, Tuning


@dataclass(slots=True)
class Problem:
    submissions: list[int]
    reviewers: list[int]
    k: int
    conflicts: set[tuple[int, int]] = field(default_factory=set)  # (submission, reviewer)
    match: dict[tuple[int, int], int] = field(default_factory=dict)  # (submission, reviewer) → points
    fixed: set[tuple[int, int]] = field(default_factory=set)  # existing assignments, kept


@dataclass(slots=True)
class Result:
    pairs: list[tuple[int, int]]  # new (submission, reviewer) pairs
    loads: dict[int, int]  # reviewer → total load (fixed + new)
    short: dict[int, int]  # submission → reviewers still missing (too many conflicts)
    cap: int
    conflicts_violated: int


def solve(p: Problem, tuning: Tuning = TUNING) -> Result:
    """The assignment of `p`, costed by `tuning` (its load and match costs, see `tuning.py`)."""
    from ortools.graph.python import min_cost_flow

    if not p.reviewers or not p.submissions or p.k <= 0:
        return Result([], {r: 0 for r in p.reviewers}, {s: p.k for s in p.submissions} if not p.reviewers else {}, 0, 0)
    have: dict[int, int] = {s: 0 for s in p.submissions}
    load0: dict[int, int] = {r: 0 for r in p.reviewers}
    for s, r in p.fixed:
        if s in have and r in load0:
            have[s] += 1
            load0[r] += 1
    need = {s: max(0, p.k - have[s]) for s in p.submissions}
    total = sum(need.values()) + sum(load0.values())
    cap = max(1, math.ceil(total / len(p.reviewers)))
    while True:
        pairs, flow = _flow(min_cost_flow, p, need, load0, cap, tuning)
        possible = _possible(p, need)
        if flow >= possible or cap >= len(p.submissions):
            break
        cap += 1  # conflicts concentrate the work on fewer reviewers: allow one more each
    loads = dict(load0)
    got: dict[int, int] = {s: 0 for s in p.submissions}
    for s, r in pairs:
        loads[r] += 1
        got[s] += 1
    short = {s: need[s] - got[s] for s in p.submissions if need[s] > got[s]}
    violated = sum(1 for pair in pairs if pair in p.conflicts)
    return Result(pairs, loads, short, cap, violated)


def _possible(p: Problem, need: dict[int, int]) -> int:
    """Units of flow that could be placed with no cap (each submission limited by its
    non-conflicted, not yet assigned reviewers)."""
    return sum(
        min(need[s], sum(1 for r in p.reviewers if (s, r) not in p.conflicts and (s, r) not in p.fixed))
        for s in p.submissions
    )


def _flow(mcf_module, p: Problem, need: dict[int, int], load0: dict[int, int], cap: int, tuning: Tuning):
    smcf = mcf_module.SimpleMinCostFlow()
    n_r = len(p.reviewers)
    source, sink = 0, 1
    r_node = {r: 2 + i for i, r in enumerate(p.reviewers)}
    s_node = {s: 2 + n_r + j for j, s in enumerate(p.submissions)}
    for r, node in r_node.items():
        for unit in range(load0[r] + 1, cap + 1):  # one arc per further unit, each dearer
            smcf.add_arc_with_capacity_and_unit_cost(source, node, 1, unit * tuning.load_cost)
    rs_arcs: list[tuple[int, int, int]] = []
    for s in p.submissions:
        if need[s] == 0:
            continue
        for r in p.reviewers:
            if (s, r) in p.conflicts or (s, r) in p.fixed:
                continue
            arc = smcf.add_arc_with_capacity_and_unit_cost(
                r_node[r], s_node[s], 1, -tuning.match_cost * p.match.get((s, r), 0)
            )
            rs_arcs.append((arc, s, r))
        smcf.add_arc_with_capacity_and_unit_cost(s_node[s], sink, need[s], 0)
    demand = sum(need.values())
    smcf.set_node_supply(source, demand)
    smcf.set_node_supply(sink, -demand)
    status = smcf.solve_max_flow_with_min_cost()
    if status != smcf.OPTIMAL:
        raise RuntimeError(f"assignment solver failed (status {status})")
    pairs = [(s, r) for arc, s, r in rs_arcs if smcf.flow(arc) > 0]
    return pairs, len(pairs)
