"""Organizations across books: the derived records (synchronized after every ingest and
removal) and the merges and splits people confirmed."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import Connection, delete, insert, or_, select

from .rows import chunked, digest, sync_rows
from .schema import case_organizations, cases, collections, organization_decisions, organization_names, organizations


def org_id(name_key: str) -> str:
    return digest("org", name_key)


def case_names(conn: Connection) -> list[tuple[int, str | None, str]]:
    """(case key, organization line, title) of every case, in library order."""
    q = select(cases.c.id, cases.c.organization, cases.c.title).order_by(cases.c.id)
    return [tuple(r) for r in conn.execute(q)]


def decisions(conn: Connection) -> list[dict]:
    q = select(organization_decisions).order_by(organization_decisions.c.id)
    return [dict(r) for r in conn.execute(q).mappings()]


def save_decision(
    conn: Connection,
    a_key: str,
    b_key: str,
    a_name: str,
    b_name: str,
    decision: str | None,
    note: str | None,
    username: str,
    at: str,
) -> None:
    """Record (or, with decision None, withdraw) a person's merge or split of two names."""
    a_key, b_key, a_name, b_name = (a_key, b_key, a_name, b_name) if a_key <= b_key else (b_key, a_key, b_name, a_name)
    pair = (organization_decisions.c.a_key == a_key) & (organization_decisions.c.b_key == b_key)
    conn.execute(delete(organization_decisions).where(pair))
    if decision:
        conn.execute(
            insert(organization_decisions).values(
                a_key=a_key,
                b_key=b_key,
                a_name=a_name,
                b_name=b_name,
                decision=decision,
                note=note,
                username=username,
                at=at,
            )
        )


def sync(
    conn: Connection, orgs: list[dict], names: list[tuple[str, str, str]], links: list[tuple[int, str, int, str, str]]
) -> int:
    """Make the stored organizations equal the resolution: `orgs` rows keyed by org_id
    (updated in place, so ids and URLs stay), `names` (org_id, name key, name), `links`
    (case key, org_id, seq, as printed, source). Returns how many organizations there are."""
    pks = sync_rows(conn, organizations, organizations.c.id.isnot(None), "org_id", orgs)
    rows = [{"org_pk": pks[o], "name_key": k, "name": n} for o, k, n in names]
    sync_rows(conn, organization_names, organization_names.c.id.isnot(None), "name_key", rows)
    # Links are derived from the cases alone (nothing people annotate), so they are rewritten.
    conn.execute(delete(case_organizations))
    if links:
        conn.execute(
            insert(case_organizations),
            [{"case_pk": c, "org_pk": pks[o], "seq": s, "printed": p, "source": src} for c, o, s, p, src in links],
        )
    return len(pks)


def list_organizations(conn: Connection) -> list[dict]:
    """Every organization with how many cases and books name it directly."""
    rows = {
        r["id"]: dict(r) | {"n_cases": 0, "books": set(), "cases": set()}
        for r in conn.execute(select(organizations)).mappings()
    }
    q = select(case_organizations.c.org_pk, case_organizations.c.case_pk, cases.c.collection_id).join(
        cases, cases.c.id == case_organizations.c.case_pk
    )
    seen: set[tuple[int, int]] = set()
    for org_pk, case_pk, cid in conn.execute(q):
        if (org_pk, case_pk) not in seen:
            seen.add((org_pk, case_pk))
            rows[org_pk]["n_cases"] += 1
            rows[org_pk]["books"].add(cid)
            rows[org_pk]["cases"].add(case_pk)
    return list(rows.values())


def get(conn: Connection, org_id: str) -> dict | None:
    row = conn.execute(select(organizations).where(organizations.c.org_id == org_id)).mappings().first()
    return dict(row) if row else None


def by_name(conn: Connection, name_key: str, name: str) -> dict | None:
    """The organization a name (or its key) belongs to."""
    q = (
        select(organizations)
        .join(organization_names, organization_names.c.org_pk == organizations.c.id)
        .where(organization_names.c.name_key == name_key)
    )
    row = (
        conn.execute(q).mappings().first()
        or conn.execute(select(organizations).where(organizations.c.name == name)).mappings().first()
    )
    return dict(row) if row else None


def names_of(conn: Connection, org_pk: int) -> list[str]:
    q = (
        select(organization_names.c.name)
        .where(organization_names.c.org_pk == org_pk)
        .order_by(organization_names.c.name)
    )
    return list(conn.execute(q).scalars())


def members(conn: Connection, org_id: str) -> list[dict]:
    """Organizations in its group: its members, their members … (by parent, not root, so a
    member's page shows its own subtree)."""
    out, frontier = [], [org_id]
    while frontier:
        rows = [
            dict(r)
            for r in conn.execute(select(organizations).where(organizations.c.parent_org_id.in_(frontier))).mappings()
        ]
        out.extend(rows)
        frontier = [r["org_id"] for r in rows]
    return out


def cases_of(conn: Connection, org_pks: list[int]) -> list[tuple[int, int]]:
    """(org key, case key) of the cases naming these organizations, in library order."""
    out = []
    for part in chunked(org_pks):
        q = (
            select(case_organizations.c.org_pk, case_organizations.c.case_pk)
            .join(cases, cases.c.id == case_organizations.c.case_pk)
            .join(collections, collections.c.id == cases.c.collection_id)
            .where(case_organizations.c.org_pk.in_(part))
            .order_by(collections.c.year, collections.c.source_file, cases.c.seq)
        )
        out.extend(tuple(r) for r in conn.execute(q))
    return out


def of_cases(conn: Connection, case_pks: list[int] | None) -> dict[int, list[dict]]:
    """{case key: [{org_id, name, root_org_id, printed, source}]} in the case's printed order."""
    q = (
        select(
            case_organizations.c.case_pk,
            organizations.c.org_id,
            organizations.c.name,
            organizations.c.root_org_id,
            case_organizations.c.printed,
            case_organizations.c.source,
        )
        .join(organizations, organizations.c.id == case_organizations.c.org_pk)
        .order_by(case_organizations.c.case_pk, case_organizations.c.seq)
    )
    parts = [None] if case_pks is None else list(chunked(case_pks))
    out: dict[int, list[dict]] = {}
    for part in parts:
        qq = q if part is None else q.where(case_organizations.c.case_pk.in_(part))
        for pk, oid, name, root, printed, source in conn.execute(qq):
            out.setdefault(pk, []).append(
                {"org_id": oid, "name": name, "root_org_id": root, "printed": printed, "source": source}
            )
    return out


def group_condition(value: str):
    """Cases naming an organization of this group: its org_id, or the name of one (in its
    subtree: itself, its members and theirs, three levels deep as groups are)."""
    org = select(organizations.c.org_id).where(or_(organizations.c.org_id == value, organizations.c.name == value))
    in_group = select(organizations.c.id).where(
        or_(
            organizations.c.org_id.in_(org),
            organizations.c.parent_org_id.in_(org),
            organizations.c.root_org_id.in_(org),
        )
    )
    return cases.c.id.in_(select(case_organizations.c.case_pk).where(case_organizations.c.org_pk.in_(in_group)))


def root_names(conn: Connection, case_pks: list[int]) -> Counter[str]:
    """How many of the given cases each group (the top organization) counts."""
    root = organizations.alias("root")
    counts: Counter[str] = Counter()
    for part in chunked(case_pks):
        q = (
            select(root.c.name, case_organizations.c.case_pk)
            .distinct()
            .join(organizations, organizations.c.id == case_organizations.c.org_pk)
            .join(root, root.c.org_id == organizations.c.root_org_id)
            .where(case_organizations.c.case_pk.in_(part))
        )
        for name, _ in conn.execute(q):
            counts[name] += 1
    return counts


def case_groups(conn: Connection, case_pks: list[int]) -> dict[int, list[tuple[str, str]]]:
    """Per case, in the order the case names them: (organization name, its group's name) —
    the records the organization facet counts, so a result line and the facet agree."""
    root = organizations.alias("root")
    out: dict[int, list[tuple[str, str]]] = {}
    for part in chunked(case_pks):
        q = (
            select(case_organizations.c.case_pk, organizations.c.name, root.c.name)
            .join(organizations, organizations.c.id == case_organizations.c.org_pk)
            .join(root, root.c.org_id == organizations.c.root_org_id)
            .where(case_organizations.c.case_pk.in_(part))
            .order_by(case_organizations.c.case_pk, case_organizations.c.seq)
        )
        for pk, name, group in conn.execute(q):
            if (name, group) not in out.setdefault(pk, []):
                out[pk].append((name, group))
    return out
