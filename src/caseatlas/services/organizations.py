"""Organizations across books: who appears where, under which names, and what their cases
achieved side by side; the merges and splits organizers confirm.

The records are derived from every case's organization line (and, for a case that prints none,
the organization its title starts with) by `caseatlas.organizations.Resolver`, inside the
transaction that ingests or removes a book (`refresh`). People's decisions are kept apart, by
name, and applied on every refresh."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from typing import Literal

from pydantic import ConfigDict, Field

from ..errors import CaseAtlasError, NotFound
from ..organizations import Resolver, Use
from ..organizations.names import key as name_key
from ..organizations.resolve import DECISIONS
from ..programme.services import conflicts
from ..store import library as lib
from ..store import organizations as store
from ..vocab import CORE_KINDS, Period
from . import audit, notify
from .context import Context, require
from .records import Result


class OrganizationBrief(Result):
    id: str
    name: str
    known: bool
    parent_id: str | None
    parent: str | None
    group_id: str
    n_cases: int
    n_books: int
    group_cases: int = Field(description="Cases of the organization and its members")
    group_books: int


class OrganizationRef(Result):
    id: str
    name: str


class OrganizationMember(OrganizationRef):
    parent_id: str | None


class OrgOutcome(Result):
    id: str
    value: float
    unit: str
    period: Period
    quote: str
    line: int


class OrgCase(Result):
    id: str
    title: str
    collection: str
    year: int | None
    organization: str | None
    as_: str = Field(alias="as", description="The organization (or member) the case names")
    outcomes: dict[str, list[OrgOutcome]] = Field(description="Achieved project outcomes of the core kinds")

    model_config = ConfigDict(frozen=True, populate_by_name=True)


class OrganizationDecisionRecord(Result):
    a_name: str
    b_name: str
    decision: Literal["same", "different"]
    note: str | None
    username: str
    at: str


class Organization(Result):
    id: str
    name: str
    known: bool
    aliases: list[str]
    parent: OrganizationRef | None
    members: list[OrganizationMember]
    n_books: int
    cases: list[OrgCase]
    kinds: list[str]
    decisions: list[OrganizationDecisionRecord]  # people's merges and splits that name one of its names


class OrganizationDecision(Result):
    a: str
    b: str
    decision: Literal["same", "different"] | None
    organizations: dict[str, str | None]


def refresh(conn) -> int:
    """Resolve every case's organizations again and store the result (in the caller's
    transaction). Returns the number of organizations."""
    uses = [Use(pk, org, title) for pk, org, title in store.case_names(conn)]
    res = Resolver([(d["a_name"], d["b_name"], d["decision"]) for d in store.decisions(conn)]).resolve(uses)
    ids = {k: store.org_id(k) for k in res.orgs}
    orgs = [
        {
            "org_id": ids[k],
            "name": o.name,
            "name_key": k,
            "parent_org_id": ids[o.parent] if o.parent else None,
            "root_org_id": ids[res.root(k)],
            "known": o.known,
        }
        for k, o in res.orgs.items()
    ]
    names = [(ids[k], nk, n) for k, o in res.orgs.items() for nk, n in o.aliases.items()]
    seq: Counter = Counter()
    links = []
    for link in res.links:
        seq[link.case] += 1
        links.append((link.case, ids[link.org], seq[link.case], link.printed, link.source))
    return store.sync(conn, orgs, names, links)


def _listing(rows: list[dict]) -> list[OrganizationBrief]:
    """Each organization with its direct cases and those of its whole group."""
    by_id = {r["org_id"]: r for r in rows}
    group_cases: dict[str, set] = {}
    group_books: dict[str, set] = {}
    for r in rows:
        for oid in {r["org_id"], r["parent_org_id"], r["root_org_id"]} - {None}:
            group_cases.setdefault(oid, set()).update(r["cases"])  # a case naming two members counts once
            group_books.setdefault(oid, set()).update(r["books"])
    out = []
    for r in rows:
        parent = by_id.get(r["parent_org_id"]) if r["parent_org_id"] else None
        out.append(
            OrganizationBrief(
                id=r["org_id"],
                name=r["name"],
                known=bool(r["known"]),
                parent_id=r["parent_org_id"],
                parent=parent["name"] if parent else None,
                group_id=r["root_org_id"],
                n_cases=r["n_cases"],
                n_books=len(r["books"]),
                group_cases=len(group_cases.get(r["org_id"], ())),
                group_books=len(group_books.get(r["org_id"], ())),
            )
        )
    return out


def organizations(ctx: Context, min_books: int = 1, top_only: bool = False) -> list[OrganizationBrief]:
    """Organizations whose group appears in at least `min_books` books, most books first;
    `top_only`: groups only, not their members."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        rows = _listing(store.list_organizations(conn))
    rows = [r for r in rows if r.group_books >= min_books and (not top_only or r.parent_id is None)]
    return sorted(rows, key=lambda r: (-r.group_books, -r.group_cases, r.name))


def organization(ctx: Context, org_id: str) -> Organization:
    """One organization: its names, its group and members, and the cases of all of them
    across books and years with their core outcomes side by side."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        org = store.get(conn, org_id)
        if org is None:
            raise NotFound(f"no organization '{org_id}' (see `caseatlas orgs`)")
        members = store.members(conn, org_id)
        parent = store.get(conn, org["parent_org_id"]) if org["parent_org_id"] else None
        all_orgs = [org, *members]
        names = {o["id"]: o["name"] for o in all_orgs}
        pairs = store.cases_of(conn, [o["id"] for o in all_orgs])
        pks = list(dict.fromkeys(pk for _, pk in pairs))
        records = {r["id"]: r for r in lib.iter_cases(conn, case_pks=pks)} if pks else {}
        aliases = store.names_of(conn, org["id"])
        keys = {name_key(a) for a in aliases}
        decided = [
            OrganizationDecisionRecord(**{k: d[k] for k in OrganizationDecisionRecord.model_fields})
            for d in store.decisions(conn)
            if {d["a_key"], d["b_key"]} & keys
        ]
    cases = []
    seen: set[int] = set()
    for org_pk, pk in pairs:
        if pk in seen or pk not in records:
            continue
        seen.add(pk)
        r = records[pk]
        outcomes: dict[str, list[OrgOutcome]] = {}
        for o in r["outcomes"]:
            if o["kind"] in CORE_KINDS and o["status"] == "achieved" and o["scope"] == "project":
                outcomes.setdefault(o["kind"], []).append(
                    OrgOutcome(
                        id=o["fact_id"],
                        value=o["value"],
                        unit=o["unit"],
                        period=o["period"],
                        quote=o["quote"],
                        line=o["line"],
                    )
                )
        cases.append(
            OrgCase(
                id=r["case_id"],
                title=r["title"],
                collection=r["collection"],
                year=r["year"],
                organization=r["organization"],
                as_=names[org_pk],
                outcomes=outcomes,
            )
        )
    return Organization(
        id=org["org_id"],
        name=org["name"],
        known=bool(org["known"]),
        aliases=aliases,
        parent=OrganizationRef(id=parent["org_id"], name=parent["name"]) if parent else None,
        members=[OrganizationMember(id=m["org_id"], name=m["name"], parent_id=m["parent_org_id"]) for m in members],
        n_books=len({c.collection for c in cases}),
        cases=cases,
        kinds=[k for k in CORE_KINDS if any(k in c.outcomes for c in cases)],
        decisions=decided,
    )


def decide(ctx: Context, a: str, b: str, decision: str | None, note: str | None = None) -> OrganizationDecision:
    """Record that two names are the same organization ("same") or not ("different": neither
    is then the other's group either); None withdraws an earlier decision. Applied at once."""
    require(ctx, "organizations.decide")
    a, b = (a or "").strip(), (b or "").strip()
    ka, kb = name_key(a), name_key(b)
    if len(ka) < 2 or len(kb) < 2:
        raise CaseAtlasError("give two organization names (at least two characters each)")
    if ka == kb:
        raise CaseAtlasError(f"'{a}' and '{b}' are the same name once legal forms are set aside")
    if decision is not None and decision not in DECISIONS:
        raise CaseAtlasError(f"decision '{decision}': use {' or '.join(DECISIONS)}")
    pending: list = []
    with ctx.engine.begin() as conn:
        store.save_decision(
            conn,
            ka,
            kb,
            a,
            b,
            decision,
            (note or "").strip() or None,
            ctx.actor.label,
            datetime.now(UTC).isoformat(timespec="seconds"),
        )
        refresh(conn)
        audit.record(conn, ctx, "organizations.decide", f"organizations:{a}|{b}", decision=decision)
        found = {n: store.by_name(conn, name_key(n), n) for n in (a, b)}
        conflicts.refresh_all(conn, pending)  # a merge may make conflicts in calls: their assignments go
    notify.send(ctx.engine, pending)
    return OrganizationDecision(
        a=a, b=b, decision=decision, organizations={n: (o["org_id"] if o else None) for n, o in found.items()}
    )


def lookup(ctx: Context, name: str) -> Organization:
    """The organization a name belongs to, by id or any of its names."""
    require(ctx, "library.read")
    with ctx.engine.connect() as conn:
        org = store.get(conn, name) or store.by_name(conn, name_key(name), name)
    if org is None:
        raise NotFound(f"no organization named '{name}' (see `caseatlas orgs`)")
    return organization(ctx, org["org_id"])
