"""Reading facts across the library: totals, groupings and attribute counts for insights,
and the case set a filter selects. (Facts are written with their case: store/library.py.)"""

from __future__ import annotations

import functools
import json
from collections import Counter

from sqlalchemy import Connection, String, and_, bindparam, cast, exists, func, select

from ..models import Filters
from ..vocab import ADDITIVE_KINDS, FACET_ATTRIBUTE, FACETS, FLAG_ANY
from . import organizations
from .rows import chunked
from .schema import attributes, cases, collections, flag_verdicts, flags, outcomes


def _open_flags():
    """Flags nobody has dismissed (a confirmed or undecided flag still stands)."""
    dismissed = select(flag_verdicts.c.flag_id).where(flag_verdicts.c.verdict == "dismissed")
    return flags.c.flag_id.not_in(dismissed)


def _summed():
    """The outcomes the home-page totals add up: achieved project figures of the additive kinds."""
    return (outcomes.c.kind.in_(ADDITIVE_KINDS), outcomes.c.status == "achieved", outcomes.c.scope == "project")


def _has_open_flag(case_pk):
    return exists().where(flags.c.case_pk == case_pk, _open_flags())


@functools.cache
def _totals_query():
    """Built once (the home page asks for it on every visit): `top` is bound at execution."""
    grouped = (
        select(
            outcomes.c.kind,
            outcomes.c.unit,
            outcomes.c.period,
            outcomes.c.case_pk,
            func.count().label("n"),
            func.sum(outcomes.c.value).label("total"),
        )
        .where(*_summed())
        .group_by(outcomes.c.kind, outcomes.c.unit, outcomes.c.period, outcomes.c.case_pk)
        .subquery()
    )
    # The flag test once per case and total, not once per outcome.
    marked = select(grouped, _has_open_flag(grouped.c.case_pk).label("flagged")).subquery()
    total = (marked.c.kind, marked.c.unit, marked.c.period)
    ranked = select(
        marked,
        func.row_number()
        .over(partition_by=(*total, marked.c.flagged), order_by=(marked.c.total.desc(), marked.c.case_pk))
        .label("rank"),
        func.sum(marked.c.n).over(partition_by=total).label("g_n"),
        func.sum(marked.c.total).over(partition_by=total).label("g_total"),
        func.count().over(partition_by=total).label("g_cases"),
    ).subquery()
    # Every total keeps at least one row (its largest flagged case, when all are flagged).
    return select(
        ranked.c.kind,
        ranked.c.unit,
        ranked.c.period,
        ranked.c.g_n,
        ranked.c.g_total,
        ranked.c.g_cases,
        ranked.c.case_pk,
        ranked.c.n,
        ranked.c.total,
        ranked.c.flagged,
    ).where(ranked.c.rank <= bindparam("top"))


def totals_with_top_cases(
    conn: Connection, top: int
) -> list[tuple[str, str, str, int, float, int, list[tuple[int, int, float]]]]:
    """The home-page totals in one pass over the outcomes: (kind, unit, period, outcomes, sum of
    values, cases, largest cases) of achieved project outcomes of the kinds that add up — per
    period, since an annual and a cumulative figure do not sum. Largest cases: (case key,
    outcomes, sum) of the `top` cases with the largest sum in that total among the cases no
    standing flag names, ranked in SQL (one row per case and total, `row_number()` over each
    total), so only `top` rows per total leave the database. The cases with a standing flag come
    from `summed_outcomes_of_flagged_cases` (a flag may take some of their figures out)."""
    out: dict[tuple[str, str, str], tuple] = {}
    for kind, unit, period, g_n, g_total, g_cases, pk, n, value, flagged in conn.execute(_totals_query(), {"top": top}):
        row = out.setdefault((kind, unit, period), (kind, unit, period, int(g_n), float(g_total), int(g_cases), []))
        if not flagged:
            row[6].append((pk, int(n), float(value)))
    for row in out.values():
        row[6].sort(key=lambda r: (-r[2], r[0]))
    return sorted(out.values(), key=lambda r: (r[0], r[2], -r[3]))


def _citations(conn: Connection) -> dict[int, set[str]]:
    """Case key → the quotes its standing flags cite."""
    cited: dict[int, set[str]] = {}
    for pk, quotes in conn.execute(select(flags.c.case_pk, flags.c.quotes).where(_open_flags())):
        cited.setdefault(pk, set()).update(json.loads(quotes))
    return cited


def _cites(cited: set[str], quote: str, evidence: str | None, written: list[str] | None = None) -> bool:
    """Whether an outcome's quote or one of its evidence quotes is among `cited`. Evidence is JSON
    written with ensure_ascii=False, so a cited quote in it appears as its JSON form (`written`):
    most outcomes are decided without parsing (the parse confirms a whole quote, not a part)."""
    if quote in cited:
        return True
    if written is None:
        written = _written(cited)
    if not evidence or not any(w in evidence for w in written):
        return False
    return bool({e["quote"] for e in json.loads(evidence)} & cited)


def _written(cited: set[str]) -> list[str]:
    return [json.dumps(q, ensure_ascii=False)[1:-1] for q in cited]


def flagged_outcomes(conn: Connection) -> frozenset[int]:
    """Outcome keys that a flag nobody dismissed cites (one of its quotes states the outcome)."""
    cited = _citations(conn)
    out: set[int] = set()
    for part in chunked(list(cited)):
        q = select(outcomes.c.id, outcomes.c.case_pk, outcomes.c.quote, outcomes.c.evidence).where(
            outcomes.c.case_pk.in_(part)
        )
        written = {pk: _written(cited[pk]) for pk in part}
        for oid, pk, quote, evidence in conn.execute(q):
            if _cites(cited[pk], quote, evidence, written[pk]):
                out.add(oid)
    return frozenset(out)


def summed_outcomes_of_flagged_cases(conn: Connection) -> list[tuple[str, str, str, int, str, float, int, bool]]:
    """(kind, unit, period, case key, fact id, value, line, flagged) of every outcome the totals add up in
    a case that a standing flag names; `flagged`: one of the case's standing flags cites it."""
    cited = _citations(conn)
    out = []
    for part in chunked(list(cited)):
        q = select(
            outcomes.c.kind,
            outcomes.c.unit,
            outcomes.c.period,
            outcomes.c.case_pk,
            outcomes.c.fact_id,
            outcomes.c.value,
            outcomes.c.line,
            outcomes.c.quote,
            outcomes.c.evidence,
        ).where(*_summed(), outcomes.c.case_pk.in_(part))
        written = {pk: _written(cited[pk]) for pk in part}
        for kind, unit, period, pk, fid, value, line, quote, evidence in conn.execute(q):
            out.append((kind, unit, period, pk, fid, value, line, _cites(cited[pk], quote, evidence, written[pk])))
    return out


def summed_outcomes_of(conn: Connection, case_pks: list[int]) -> list[tuple[str, str, str, int, str, float, int]]:
    """(kind, unit, period, case key, fact id, value, line) of the outcomes the totals add up, of
    the given cases (to point at each contributing case's largest figure)."""
    out = []
    for part in chunked(case_pks):
        q = select(
            outcomes.c.kind,
            outcomes.c.unit,
            outcomes.c.period,
            outcomes.c.case_pk,
            outcomes.c.fact_id,
            outcomes.c.value,
            outcomes.c.line,
        ).where(*_summed(), outcomes.c.case_pk.in_(part))
        out.extend(tuple(r) for r in conn.execute(q))
    return out


def case_labels(conn: Connection, case_pks: list[int]) -> dict[int, tuple[str, str, str]]:
    """Case key → (case id, title, its collection's title)."""
    out = {}
    for part in chunked(case_pks):
        q = (
            select(cases.c.id, cases.c.case_id, cases.c.title, collections.c.title)
            .join(collections, collections.c.id == cases.c.collection_id)
            .where(cases.c.id.in_(part))
        )
        out.update({pk: (cid, title, col) for pk, cid, title, col in conn.execute(q)})
    return out


def status_counts(conn: Connection) -> dict[str, int]:
    """How many outcomes of the additive kinds the totals leave out, by status — and, for
    achieved ones, by scope (organization- or sector-wide figures)."""
    q = (
        select(outcomes.c.status, outcomes.c.scope, func.count())
        .where(outcomes.c.kind.in_(ADDITIVE_KINDS))
        .group_by(outcomes.c.status, outcomes.c.scope)
    )
    out: dict[str, int] = {}
    for status, scope, n in conn.execute(q):
        key = status if status != "achieved" else (None if scope == "project" else scope)
        if key:
            out[key] = out.get(key, 0) + n
    return out


def group_labels(conn: Connection, by: str) -> list[tuple[int, str]]:
    """(case key, label) for a grouping dimension (vocab.GROUP_BY); a case may have several."""
    if by in ("collection", "year"):
        label = collections.c.title if by == "collection" else cast(collections.c.year, String)
        q = select(cases.c.id, label).join(collections, collections.c.id == cases.c.collection_id)
    elif by == "chapter":
        q = select(cases.c.id, cases.c.chapter)
    else:
        q = select(attributes.c.case_pk, attributes.c.value).where(attributes.c.kind == FACET_ATTRIBUTE.get(by, by))
    return [(pk, label) for pk, label in conn.execute(q) if label]


def outcome_values(
    conn: Connection,
    kind: str,
    period: str | None = None,
    status: str | None = "achieved",
    skip: frozenset[int] = frozenset(),
) -> list[tuple[int, str, float]]:
    q = select(outcomes.c.id, outcomes.c.case_pk, outcomes.c.unit, outcomes.c.value).where(outcomes.c.kind == kind)
    if status:
        q = q.where(outcomes.c.status == status, outcomes.c.scope == "project")
    if period:
        q = q.where(outcomes.c.period == period)
    return [(pk, unit, value) for oid, pk, unit, value in conn.execute(q) if oid not in skip]


def attribute_counts(conn: Connection, kind: str) -> list[tuple[str, int]]:
    n = func.count(attributes.c.case_pk.distinct())
    q = (
        select(attributes.c.value, n)
        .where(attributes.c.kind == kind)
        .group_by(attributes.c.value)
        .order_by(n.desc(), attributes.c.value)
    )
    return [tuple(r) for r in conn.execute(q)]


def max_outcome(conn: Connection, case_pks: list[int], kind: str) -> dict[int, float]:
    """Largest achieved value of one outcome kind per case (for sorting hits by it)."""
    out: dict[int, float] = {}
    for part in chunked(case_pks):
        q = (
            select(outcomes.c.case_pk, func.max(outcomes.c.value))
            .where(outcomes.c.kind == kind, outcomes.c.status == "achieved", outcomes.c.case_pk.in_(part))
            .group_by(outcomes.c.case_pk)
        )
        out.update(conn.execute(q).all())
    return out


def filtered_cases(conn: Connection, f: Filters) -> set[int] | None:
    """Case keys passing the filters, or None when no filter is set."""
    if not f.active():
        return None
    q = select(cases.c.id).join(collections, collections.c.id == cases.c.collection_id)
    if f.collection:
        q = q.where(
            (collections.c.slug == f.collection)
            | (collections.c.source_file == f.collection)
            | (collections.c.title == f.collection)
        )
    if f.year:
        q = q.where(collections.c.year == f.year)
    if f.chapter:
        q = q.where(cases.c.chapter == f.chapter)
    for facet in FACET_ATTRIBUTE:
        value = getattr(f, facet)
        if value:
            q = q.where(
                exists().where(
                    and_(
                        attributes.c.case_pk == cases.c.id,
                        attributes.c.kind == FACET_ATTRIBUTE[facet],
                        attributes.c.value == value,
                    )
                )
            )
    if f.organization:
        q = q.where(organizations.group_condition(f.organization))
    if f.flag:
        cond = and_(flags.c.case_pk == cases.c.id, _open_flags())
        q = q.where(exists().where(cond if f.flag == FLAG_ANY else and_(cond, flags.c.check_name == f.flag)))
    for kind, minimum in f.min_outcomes:  # an achieved figure, not a target or a projection
        q = q.where(
            exists().where(
                and_(
                    outcomes.c.case_pk == cases.c.id,
                    outcomes.c.kind == kind,
                    outcomes.c.status == "achieved",
                    outcomes.c.value >= minimum,
                )
            )
        )
    return set(conn.execute(q).scalars())


def facet_counts(conn: Connection, case_pks: list[int]) -> dict[str, list[tuple[str, int]]]:
    """How many of the given cases carry each facet value, most frequent first."""
    counts: dict[str, Counter[str]] = {f: Counter() for f in FACETS}
    attr_facet = {kind: facet for facet, kind in FACET_ATTRIBUTE.items()}
    for part in chunked(case_pks):
        q = (
            select(collections.c.title, collections.c.year, cases.c.chapter)
            .join(collections, collections.c.id == cases.c.collection_id)
            .where(cases.c.id.in_(part))
        )
        for title, year, chapter in conn.execute(q):
            counts["collection"][title] += 1
            if year:
                counts["year"][str(year)] += 1
            if chapter:
                counts["chapter"][chapter] += 1
        q = (
            select(attributes.c.kind, attributes.c.value, attributes.c.case_pk)
            .distinct()
            .where(attributes.c.case_pk.in_(part), attributes.c.kind.in_(list(attr_facet)))
        )
        for kind, value, _ in conn.execute(q):
            counts[attr_facet[kind]][value] += 1
        q = select(flags.c.check_name, flags.c.case_pk).distinct().where(flags.c.case_pk.in_(part), _open_flags())
        flagged: set[int] = set()
        for check, pk in conn.execute(q):
            counts["flag"][check] += 1
            flagged.add(pk)
        if flagged:
            counts["flag"][FLAG_ANY] += len(flagged)
        counts["organization"].update(organizations.root_names(conn, part))
    # "has a flag" first in its facet, then the checks by count
    return {f: sorted(c.items(), key=lambda kv: (kv[0] != FLAG_ANY, -kv[1], kv[0])) for f, c in counts.items()}


def regions_of(conn: Connection, case_pks: list[int]) -> list[tuple[int, str, str | None]]:
    """(case key, province, city) of the given cases."""
    out = []
    for part in chunked(case_pks):
        q = select(attributes.c.case_pk, attributes.c.value, attributes.c.detail).where(
            attributes.c.kind == "region", attributes.c.case_pk.in_(part)
        )
        out.extend(tuple(r) for r in conn.execute(q))
    return out
