"""Accounts: users, login sessions, single-use account tokens, and the append-only audit log."""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select, update

from .schema import account_tokens, audit_log, login_failures, sessions, users


@dataclass(slots=True)
class UserRow:
    id: int
    username: str
    display_name: str | None
    organization: str | None
    role: str
    active: bool
    created_at: str
    password_hash: str
    email: str | None = None
    lang: str | None = None


@dataclass(slots=True)
class SessionRow:
    user_id: int
    csrf_token: str
    expires_at: str


@dataclass(slots=True)
class AuditRow:
    id: int
    at: str
    actor: str
    action: str
    target: str | None
    detail: dict


_USER_COLS = (
    users.c.id,
    users.c.username,
    users.c.display_name,
    users.c.organization,
    users.c.role,
    users.c.active,
    users.c.created_at,
    users.c.password_hash,
    users.c.email,
    users.c.lang,
)


def add_user(
    conn: Connection,
    username: str,
    password_hash: str,
    role: str,
    created_at: str,
    display_name: str | None = None,
    organization: str | None = None,
    email: str | None = None,
    lang: str | None = None,
) -> int:
    return conn.execute(
        insert(users).values(
            lang=lang,
            username=username,
            password_hash=password_hash,
            role=role,
            active=True,
            created_at=created_at,
            display_name=display_name,
            organization=organization,
            email=email,
        )
    ).inserted_primary_key[0]


def get_user(conn: Connection, username: str | None = None, user_id: int | None = None) -> UserRow | None:
    q = select(*_USER_COLS)
    q = q.where(users.c.username == username) if username is not None else q.where(users.c.id == user_id)
    row = conn.execute(q).first()
    return UserRow(*row) if row else None


def list_users(conn: Connection) -> list[UserRow]:
    return [UserRow(*r) for r in conn.execute(select(*_USER_COLS).order_by(users.c.username))]


def update_user(conn: Connection, user_id: int, **values) -> None:
    conn.execute(update(users).where(users.c.id == user_id).values(**values))


def count_admins(conn: Connection) -> int:
    return len(conn.execute(select(users.c.id).where(users.c.role == "admin", users.c.active.is_(True))).all())


def add_session(
    conn: Connection, token_hash: str, user_id: int, csrf_token: str, created_at: str, expires_at: str
) -> None:
    conn.execute(
        insert(sessions).values(
            token_hash=token_hash, user_id=user_id, csrf_token=csrf_token, created_at=created_at, expires_at=expires_at
        )
    )


def get_session(conn: Connection, token_hash: str) -> SessionRow | None:
    row = conn.execute(
        select(sessions.c.user_id, sessions.c.csrf_token, sessions.c.expires_at).where(
            sessions.c.token_hash == token_hash
        )
    ).first()
    return SessionRow(*row) if row else None


def delete_session(conn: Connection, token_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.token_hash == token_hash))


def delete_user_sessions(conn: Connection, user_id: int) -> None:
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id))


def delete_other_sessions(conn: Connection, user_id: int, keep_token_hash: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.user_id == user_id, sessions.c.token_hash != keep_token_hash))


def delete_expired_sessions(conn: Connection, now: str) -> None:
    conn.execute(delete(sessions).where(sessions.c.expires_at < now))


def append_audit(conn: Connection, at: str, actor: str, action: str, target: str | None, detail: dict) -> None:
    conn.execute(
        insert(audit_log).values(
            at=at,
            actor=actor,
            action=action,
            target=target,
            detail=json.dumps(detail, ensure_ascii=False, sort_keys=True),
        )
    )


def read_audit(conn: Connection, limit: int = 100, offset: int = 0) -> list[AuditRow]:
    q = select(audit_log).order_by(audit_log.c.id.desc()).limit(limit).offset(offset)
    return [AuditRow(r.id, r.at, r.actor, r.action, r.target, json.loads(r.detail)) for r in conn.execute(q)]


def add_login_failure(conn: Connection, at: str, username: str, client: str, prune_before: str) -> None:
    conn.execute(delete(login_failures).where(login_failures.c.at < prune_before))
    conn.execute(insert(login_failures).values(at=at, username=username[:80], client=client[:64]))


def login_failures_since(
    conn: Connection, since: str, username: str | None = None, client: str | None = None
) -> tuple[int, str | None]:
    """How many failures since `since` for this account (or this client address), and the oldest."""
    col, value = (
        (login_failures.c.username, username[:80])
        if username is not None
        else (login_failures.c.client, (client or "")[:64])
    )
    n, oldest = conn.execute(
        select(func.count(), func.min(login_failures.c.at)).where(col == value, login_failures.c.at >= since)
    ).one()
    return int(n), oldest


@dataclass(slots=True)
class TokenRow:
    user_id: int
    purpose: str
    created_at: str
    expires_at: str
    used_at: str | None


def add_token(conn: Connection, token_hash: str, user_id: int, purpose: str, created_at: str, expires_at: str) -> None:
    conn.execute(delete(account_tokens).where(account_tokens.c.expires_at < created_at))  # pruned as they expire
    conn.execute(
        insert(account_tokens).values(
            token_hash=token_hash, user_id=user_id, purpose=purpose, created_at=created_at, expires_at=expires_at
        )
    )


def get_token(conn: Connection, token_hash: str) -> TokenRow | None:
    row = conn.execute(
        select(
            account_tokens.c.user_id,
            account_tokens.c.purpose,
            account_tokens.c.created_at,
            account_tokens.c.expires_at,
            account_tokens.c.used_at,
        ).where(account_tokens.c.token_hash == token_hash)
    ).first()
    return TokenRow(*row) if row else None


def spend_token(conn: Connection, token_hash: str, at: str) -> bool:
    """Mark a token used; False when it was used already (two requests racing: one wins)."""
    return (
        conn.execute(
            update(account_tokens)
            .where(account_tokens.c.token_hash == token_hash, account_tokens.c.used_at.is_(None))
            .values(used_at=at)
        ).rowcount
        == 1
    )


def void_tokens(conn: Connection, user_id: int, at: str, purpose: str | None = None) -> None:
    """Spend every open token of a user (of one purpose, or all): a newer link or a new password
    makes the older links useless."""
    q = update(account_tokens).where(account_tokens.c.user_id == user_id, account_tokens.c.used_at.is_(None))
    if purpose is not None:
        q = q.where(account_tokens.c.purpose == purpose)
    conn.execute(q.values(used_at=at))


def count_tokens_since(conn: Connection, user_id: int, purpose: str, since: str) -> int:
    return int(
        conn.execute(
            select(func.count()).where(
                account_tokens.c.user_id == user_id,
                account_tokens.c.purpose == purpose,
                account_tokens.c.created_at >= since,
            )
        ).scalar_one()
    )


def get_user_by_email(conn: Connection, email: str) -> UserRow | None:
    """The account of an address (case-insensitive); None when none or several share it."""
    rows = conn.execute(select(*_USER_COLS).where(func.lower(users.c.email) == email.lower()).limit(2)).all()
    return UserRow(*rows[0]) if len(rows) == 1 else None
