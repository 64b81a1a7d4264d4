"""Insights: library totals, claimed outcomes summed by a dimension, attribute counts,
cases side by side, hits sorted by an outcome."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import Field

from ..errors import CaseAtlasError
from ..models import Filters
from ..store import facts as facts_store
from ..store import library as lib
from ..vocab import GROUP_BY, OUTCOME_KINDS, PERIODS, STATUSES, OutcomeKind, Period
from . import library
from .context import Context, require
from .records import CaseRecord, Result

UNLABELLED = "（未标注）"


# How many cases each total names (the largest first), and the share above which one case
# dominates a total (the page says so: "其中 1 个案例占 38%").
TOP_CONTRIBUTORS = 5
DOMINANT_SHARE = 0.30


class TotalContributor(Result):
    """One case behind a total: what it adds (its figures of that kind, unit and period summed)
    and its share of the total; `outcome_id` and `line`: its largest such figure, to link to."""

    case_id: str
    title: str
    collection: str = Field(description="The title of the case's book")
    value: float = Field(description="The case's figures in this total, summed (the total's unit)")
    share: float = Field(ge=0, description="value / the total (0–1)")
    outcome_id: str = Field(
        description="The case's largest figure in this total (metrics id): /cases/{case_id}#L{line}"
    )
    line: int


class Total(Result):
    """One home-page total: achieved project figures of one additive kind, unit and period.
    `total`, `n_outcomes`, `n_cases` and the contributors' shares are of the figures counted
    (without the flagged ones when the summary was asked `unflagged`); `total_all` counts every
    figure; `flagged_value` is how much of `total_all` rests on figures a standing (not
    dismissed) flag cites, `flagged_share` that as a share of `total_all`, `flagged_outcomes`
    how many figures, `flagged_cases` in how many cases."""

    kind: OutcomeKind
    unit: str
    period: Period
    total: float = Field(description="Sum of the figures counted (without the flagged ones when unflagged=true)")
    n_outcomes: int
    n_cases: int
    total_all: float = Field(description="Sum of every figure, flagged or not")
    flagged_value: float = Field(description="Part of total_all that figures with a standing (not dismissed) flag make")
    flagged_share: float = Field(ge=0, description="flagged_value / total_all (0–1)")
    flagged_outcomes: int
    flagged_cases: int
    contributors: list[TotalContributor] = Field(description="The cases that add most, largest first")
    dominant: bool = Field(description=f"One case makes more than {DOMINANT_SHARE * 100:.0f} % of the total")


class Totals(Result):
    collections: int
    cases: int
    outcomes: int
    by_kind: list[Total] = Field(
        description="Achieved project figures of the additive kinds, per kind, unit and period"
    )
    not_summed: dict[str, int] = Field(description="Figures of the additive kinds not summed, by status or scope")
    unflagged: bool
    flagged_left_out: int = Field(description="Figures of the totals a standing flag cites (left out when unflagged)")


class OutcomeGroup(Result):
    """Claimed outcomes of one kind summed over a group (a sector, a book, a province …)."""

    group: str
    unit: str
    total: float
    outcomes: int
    cases: int


class AttributeCount(Result):
    value: str
    cases: int


@dataclass(slots=True)
class _CaseShare:
    """A case's figures in one total: all of them, and those a standing flag cites."""

    n: int = 0
    value: float = 0.0
    n_flagged: int = 0
    flagged: float = 0.0
    best: tuple[float, str, int] | None = None  # (value, fact id, line) of its largest figure
    best_unflagged: tuple[float, str, int] | None = None

    def add(self, value: float, fid: str, line: int, flagged: bool) -> None:
        self.n += 1
        self.value += value
        if flagged:
            self.n_flagged += 1
            self.flagged += value
        elif self.best_unflagged is None or value > self.best_unflagged[0]:
            self.best_unflagged = (value, fid, line)
        if self.best is None or value > self.best[0]:
            self.best = (value, fid, line)


def summary(ctx: Context, unflagged: bool = False, top: int = TOP_CONTRIBUTORS) -> Totals:
    """Library totals for the home page: books, cases, and the claimed *achieved* outcomes of
    the kinds that add up, per unit and period, each with the cases that make it (the largest
    `top`, with their shares), whether one case dominates it, and how much of it rests on
    figures a standing claim-check flag cites. Targets, hypotheticals and projections are
    counted, not summed (`not_summed`). `unflagged`: leave the flagged figures out."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        counts = lib.counts(conn)
        # The totals, and their largest cases without a standing flag (ranked in SQL).
        groups = facts_store.totals_with_top_cases(conn, top)
        statuses = facts_store.status_counts(conn)
        # Cases with one: every figure of theirs that a total sums (a flag may take some out).
        shares: dict[tuple[str, str, str], dict[int, _CaseShare]] = {}
        for kind, unit, period, pk, fid, value, line, flagged in facts_store.summed_outcomes_of_flagged_cases(conn):
            shares.setdefault((kind, unit, period), {}).setdefault(pk, _CaseShare()).add(value, fid, line, flagged)
        ranked = {(kind, unit, period, pk) for kind, unit, period, *_, top_cases in groups for pk, _n, _v in top_cases}
        for kind, unit, period, pk, fid, value, line in facts_store.summed_outcomes_of(
            conn, sorted({r[3] for r in ranked})
        ):
            if (kind, unit, period, pk) in ranked:
                shares.setdefault((kind, unit, period), {}).setdefault(pk, _CaseShare()).add(value, fid, line, False)
        totals = [_total(row[:6], shares.get(tuple(row[:3]), {}), unflagged, top) for row in groups]
        labels = facts_store.case_labels(conn, sorted({pk for t in totals for pk, _ in t[1]}))
    by_kind = []
    for t, picked in totals:
        contributors = [
            TotalContributor(
                case_id=labels[pk][0],
                title=labels[pk][1],
                collection=labels[pk][2],
                value=c[0],
                share=c[0] / t["total"] if t["total"] else 0.0,
                outcome_id=c[1],
                line=c[2],
            )
            for pk, c in picked
        ]
        dominant = bool(contributors) and contributors[0].share > DOMINANT_SHARE
        by_kind.append(Total(**t, contributors=contributors, dominant=dominant))
    return Totals(
        collections=counts["collections"],
        cases=counts["cases"],
        outcomes=counts["outcomes"],
        by_kind=by_kind,
        not_summed={s: n for s, n in statuses.items() if s != "achieved"},
        unflagged=unflagged,
        flagged_left_out=sum(t.flagged_outcomes for t in by_kind),
    )


def _total(row: tuple, shares: dict[int, _CaseShare], unflagged: bool, top: int):
    """A total's figures (the fields of `Total` but its contributors) from its aggregate row and
    its cases' shares; with the cases to name (largest first: case key, (value, fact id, line)),
    labelled once for every total."""
    kind, unit, period, n, value, n_cases = row
    flagged = sum(c.flagged for c in shares.values())
    n_flagged = sum(c.n_flagged for c in shares.values())
    flagged_cases = sum(1 for c in shares.values() if c.n_flagged)
    if unflagged:
        n_out = n - n_flagged
        total = value - flagged if n_out else 0.0
        n_cases -= sum(1 for c in shares.values() if c.n and c.n == c.n_flagged)
        candidates = [
            (pk, (c.value - c.flagged, *c.best_unflagged[1:])) for pk, c in shares.items() if c.best_unflagged
        ]
    else:
        n_out, total = n, value
        candidates = [(pk, (c.value, *c.best[1:])) for pk, c in shares.items() if c.best]
    candidates.sort(key=lambda pc: (-pc[1][0], pc[0]))
    t = {
        "kind": kind,
        "unit": unit,
        "period": period,
        "total": total,
        "n_outcomes": n_out,
        "n_cases": n_cases,
        "total_all": value,
        "flagged_value": flagged,
        "flagged_share": flagged / value if value else 0.0,
        "flagged_outcomes": n_flagged,
        "flagged_cases": flagged_cases,
    }
    return t, candidates[:top]


def total_cases(
    ctx: Context,
    kind: str,
    unit: str,
    period: str,
    unflagged: bool = False,
    by: str | None = None,
    group: str | None = None,
) -> tuple[Total | None, list[TotalContributor]]:
    """Every case behind one total of `summary` (kind, unit, period; without the flagged figures
    when `unflagged`), largest first — the cases its count says, so a page that prints the count
    can link to exactly them. `by`/`group`: only the cases of one group of `outcomes_by` (a
    sector, a book …; `UNLABELLED`: the cases with no label), whose case count there is the
    length of this list. (None, []) when the library has no such total."""
    if kind not in OUTCOME_KINDS:
        raise CaseAtlasError(f"unknown outcome kind '{kind}'")
    if period not in PERIODS:
        raise CaseAtlasError(f"unknown period '{period}' (use {', '.join(PERIODS)})")
    if by is not None and by not in GROUP_BY:
        raise CaseAtlasError(f"cannot group by '{by}' (use one of {', '.join(GROUP_BY)})")
    # Every contributor: the summary ranks all of them when asked for as many as there are cases.
    totals = summary(ctx, unflagged=unflagged, top=max(1, _case_count(ctx)))
    total = next((t for t in totals.by_kind if (t.kind, t.unit, t.period) == (kind, unit, period)), None)
    if total is None:
        return None, []
    cases = total.contributors
    if by is not None:
        with ctx.engine.connect() as conn:
            labelled: dict[int, set[str]] = {}
            for pk, label in facts_store.group_labels(conn, by):
                labelled.setdefault(pk, set()).add(label)
            pks = lib.case_pks_of(conn, [c.case_id for c in cases])
        cases = [
            c for c in cases if group in labelled.get(pks[c.case_id], {UNLABELLED} if group == UNLABELLED else set())
        ]
    return total, cases


def _case_count(ctx: Context) -> int:
    """How many cases the library holds (the most any total can name)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        return lib.counts(conn)["cases"]


def outcomes_by(
    ctx: Context,
    by: str,
    kind: str = "co2e_reduction",
    period: str | None = None,
    filters: Filters | None = None,
    status: str = "achieved",
    unflagged: bool = False,
) -> list[OutcomeGroup]:
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
                row = agg.setdefault(
                    (label, unit), {"group": label, "unit": unit, "total": 0.0, "outcomes": 0, "cases": set()}
                )
                row["total"] += value
                row["outcomes"] += 1
                row["cases"].add(pk)
    out = [OutcomeGroup(**{**r, "cases": len(r["cases"])}) for r in agg.values()]
    return sorted(out, key=lambda r: -r.total)


def attribute_counts(ctx: Context, kind: str) -> list[AttributeCount]:
    """How many cases carry each value of an attribute (measures, standards, provinces)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        return [AttributeCount(value=v, cases=n) for v, n in facts_store.attribute_counts(conn, kind)]


def compare(ctx: Context, case_ids: list[str]) -> list[CaseRecord]:
    require(ctx, "library.read")
    if not 2 <= len(case_ids) <= 4:
        raise CaseAtlasError("compare takes 2 to 4 case ids")
    return [library.case(ctx, cid) for cid in case_ids]


def sort_by_outcome(ctx: Context, hits: list[dict], kind: str = "co2e_reduction") -> list[dict]:
    """Search hits ordered by their largest outcome of one kind (cases without it last)."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        pks = lib.case_pks_of(conn, [h["case_id"] for h in hits])
        best = facts_store.max_outcome(conn, list(pks.values()), kind)
    for h in hits:  # shown beside each hit: the figure the order is by
        h["sort_value"] = best.get(pks.get(h["case_id"], -1))
    return sorted(hits, key=lambda h: -(h["sort_value"] or 0.0))
