"""Insights: library totals, claimed outcomes summed by a dimension, attribute counts,
cases side by side, hits sorted by an outcome."""

from __future__ import annotations

from ..errors import CaseAtlasError
from ..models import Filters
from ..store import facts as facts_store
from ..store import library as lib
from ..vocab import GROUP_BY, OUTCOME_KINDS, PERIODS, STATUSES
from . import library
from .context import Context, require

UNLABELLED = "（未标注）"


def summary(ctx: Context, unflagged: bool = False) -> dict:
    """Library totals for the home page: books, cases, and the claimed *achieved* outcomes of
    the kinds that add up, per unit and period, with how many cases stand behind each figure.
    Targets, hypotheticals and projections are counted, not summed (`not_summed`).
    `unflagged`: leave out the figures a claim-check flag cites (unless dismissed)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        counts = lib.counts(conn)
        skip = facts_store.flagged_outcomes(conn) if unflagged else frozenset()
        rows = facts_store.totals_by_kind(conn, skip)
        statuses = facts_store.status_counts(conn)
    return {
        "collections": counts["collections"], "cases": counts["cases"], "outcomes": counts["outcomes"],
        "by_kind": [{"kind": k, "unit": u, "period": p, "outcomes": n, "total": t, "cases": c}
                    for k, u, p, n, t, c in rows],
        "not_summed": {s: n for s, n in statuses.items() if s != "achieved"},
        "unflagged": unflagged, "flagged_left_out": len(skip),
    }


def outcomes_by(ctx: Context, by: str, kind: str = "co2e_reduction", period: str | None = None,
                filters: Filters | None = None, status: str = "achieved", unflagged: bool = False) -> list[dict]:
    """Claimed outcomes of one kind and status (achieved by default) summed per group (sector,
    book, province, …), in the kind's canonical unit. A case's outcomes count once per group
    it belongs to. `unflagged`: without the figures a claim-check flag cites."""
    require(ctx, "library.read")
    if by not in GROUP_BY:
        raise CaseAtlasError(f"cannot group by '{by}' (use one of {', '.join(GROUP_BY)})")
    if kind not in OUTCOME_KINDS:
        raise CaseAtlasError(f"unknown outcome kind '{kind}'")
    if period is not None and period not in PERIODS:
        raise CaseAtlasError(f"unknown period '{period}' (use {', '.join(PERIODS)})")
    if status not in STATUSES:
        raise CaseAtlasError(f"unknown status '{status}' (use {', '.join(STATUSES)})")
    with ctx.engine.connect() as conn:
        allowed = facts_store.filtered_cases(conn, filters or Filters())
        groups: dict[int, list[str]] = {}
        for pk, label in facts_store.group_labels(conn, by):
            if allowed is None or pk in allowed:
                groups.setdefault(pk, []).append(label)
        agg: dict[tuple[str, str], dict] = {}
        skip = facts_store.flagged_outcomes(conn) if unflagged else frozenset()
        for pk, unit, value in facts_store.outcome_values(conn, kind, period, status, skip):
            for label in groups.get(pk, [UNLABELLED] if allowed is None or pk in allowed else []):
                row = agg.setdefault((label, unit), {"group": label, "unit": unit, "total": 0.0, "outcomes": 0, "cases": set()})
                row["total"] += value
                row["outcomes"] += 1
                row["cases"].add(pk)
    out = [{**r, "cases": len(r["cases"])} for r in agg.values()]
    return sorted(out, key=lambda r: -r["total"])


def attribute_counts(ctx: Context, kind: str) -> list[dict]:
    """How many cases carry each value of an attribute (measures, standards, provinces)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        return [{"value": v, "cases": n} for v, n in facts_store.attribute_counts(conn, kind)]


def compare(ctx: Context, case_ids: list[str]) -> list[dict]:
    require(ctx, "library.read")
    if not 2 <= len(case_ids) <= 4:
        raise CaseAtlasError("compare takes 2 to 4 case ids")
    return [{k: v for k, v in library.case_detail(ctx, cid).items() if k != "lines"} for cid in case_ids]


def sort_by_outcome(ctx: Context, hits: list[dict], kind: str = "co2e_reduction") -> list[dict]:
    """Search hits ordered by their largest outcome of one kind (cases without it last)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        pks = lib.case_pks_of(conn, [h["case_id"] for h in hits])
        best = facts_store.max_outcome(conn, list(pks.values()), kind)
    for h in hits:  # shown beside each hit: the figure the order is by
        h["sort_value"] = best.get(pks.get(h["case_id"], -1))
    return sorted(hits, key=lambda h: -(h["sort_value"] or 0.0))
