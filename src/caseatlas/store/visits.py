"""Site visits (调研核实): visits, their teams, evidence and verdicts on declared figures.

Rows come back as plain dicts with JSON columns decoded; callers never see SQL."""

from __future__ import annotations

from sqlalchemy import Connection, and_, delete, insert, select, update

from .rows import JsonColumns
from .schema import users, visit_evidence, visit_team, visit_verdicts, visits

_JSON = JsonColumns("checklist", "declared")
_row, _enc = _JSON.row, _JSON.encode


# --- visits


def add_visit(conn: Connection, **values) -> int:
    return conn.execute(insert(visits).values(**_enc(values))).inserted_primary_key[0]


def get_visit(conn: Connection, visit_id: int) -> dict | None:
    r = conn.execute(select(visits).where(visits.c.id == visit_id)).first()
    return _row(r) if r else None


def update_visit(conn: Connection, visit_id: int, **values) -> None:
    conn.execute(update(visits).where(visits.c.id == visit_id).values(**_enc(values)))


def visits_of(conn: Connection, submission_id: int | None = None, call_id: int | None = None) -> list[dict]:
    q = select(visits).order_by(visits.c.starts_at, visits.c.id)
    if submission_id is not None:
        q = q.where(visits.c.submission_id == submission_id)
    if call_id is not None:
        q = q.where(visits.c.call_id == call_id)
    return [_row(r) for r in conn.execute(q)]


# --- the team


def set_team(conn: Connection, visit_id: int, user_ids: list[int]) -> None:
    conn.execute(delete(visit_team).where(visit_team.c.visit_id == visit_id))
    if user_ids:
        conn.execute(insert(visit_team), [{"visit_id": visit_id, "user_id": u} for u in dict.fromkeys(user_ids)])


def teams(conn: Connection, visit_ids: list[int]) -> dict[int, list[dict]]:
    """Visit → its team (user id, user name, display name, e-mail), in the order of their accounts."""
    out: dict[int, list[dict]] = {v: [] for v in visit_ids}
    if not visit_ids:
        return out
    q = (
        select(
            visit_team.c.visit_id,
            users.c.id.label("user_id"),
            users.c.username,
            users.c.display_name,
            users.c.email,
        )
        .join(users, users.c.id == visit_team.c.user_id)
        .where(visit_team.c.visit_id.in_(visit_ids))
        .order_by(users.c.id)
    )
    for r in conn.execute(q):
        d = dict(r._mapping)
        out[d.pop("visit_id")].append(d)
    return out


# --- evidence

_LISTED = [c for c in visit_evidence.c if c.name not in ("data", "thumbnail")]


def add_evidence(conn: Connection, **values) -> int:
    return conn.execute(insert(visit_evidence).values(**values)).inserted_primary_key[0]


def evidence_of(conn: Connection, visit_id: int) -> list[dict]:
    """A visit's evidence without the files' bytes, in the order it was added."""
    q = select(*_LISTED).where(visit_evidence.c.visit_id == visit_id).order_by(visit_evidence.c.id)
    return [dict(r._mapping) for r in conn.execute(q)]


def get_evidence(conn: Connection, evidence_id: int) -> dict | None:
    r = conn.execute(select(visit_evidence).where(visit_evidence.c.id == evidence_id)).first()
    return dict(r._mapping) if r else None


def remove_evidence(conn: Connection, evidence_id: int) -> int:
    return conn.execute(delete(visit_evidence).where(visit_evidence.c.id == evidence_id)).rowcount


# --- verdicts


def set_verdict(conn: Connection, visit_id: int, figure: str, **values) -> None:
    key = and_(visit_verdicts.c.visit_id == visit_id, visit_verdicts.c.figure == figure)
    values = _enc(values)
    if conn.execute(select(visit_verdicts.c.figure).where(key)).first():
        conn.execute(update(visit_verdicts).where(key).values(**values))
    else:
        conn.execute(insert(visit_verdicts).values(visit_id=visit_id, figure=figure, **values))


def remove_verdict(conn: Connection, visit_id: int, figure: str) -> int:
    key = and_(visit_verdicts.c.visit_id == visit_id, visit_verdicts.c.figure == figure)
    return conn.execute(delete(visit_verdicts).where(key)).rowcount


def verdicts_of(conn: Connection, submission_ids: list[int]) -> list[dict]:
    """Every verdict on these submissions' figures, with its visit's submission, status and time
    and the user name of who recorded it."""
    if not submission_ids:
        return []
    q = (
        select(
            visit_verdicts,
            visits.c.submission_id,
            visits.c.status.label("visit_status"),
            visits.c.starts_at,
            users.c.username.label("by"),
        )
        .join(visits, visits.c.id == visit_verdicts.c.visit_id)
        .outerjoin(users, users.c.id == visit_verdicts.c.by_id)
        .where(visits.c.submission_id.in_(submission_ids))
        .order_by(visit_verdicts.c.at, visit_verdicts.c.visit_id)
    )
    return [_row(r) for r in conn.execute(q)]
