"""Accounts: users with argon2id password hashes, roles, login sessions.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, so a
copy of the table lets nobody in. Each session has its own CSRF token, which every
state-changing request must echo (header `X-CSRF-Token` or form field `csrf_token`)."""

from __future__ import annotations

import hashlib
import re
import secrets
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy.exc import IntegrityError

from ..errors import AuthenticationFailed, CaseAtlasError, Conflict, NotFound, Throttled
from ..store import accounts as store
from ..vocab import ROLES
from . import audit
from .context import Actor, Context, require

SESSION_DAYS = 14
# Login throttling: after this many failed logins within the window, an account (whatever the
# address) or a client address (whatever the account) must wait until the oldest one ages out.
# Counted in the database, so every worker process and both backends agree.
LOGIN_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5
CLIENT_FAILURES = 20
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


def _public(u: store.UserRow) -> dict:
    return {"username": u.username, "display_name": u.display_name, "organization": u.organization,
            "role": u.role, "active": bool(u.active), "created_at": u.created_at, "email": u.email}


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise CaseAtlasError(f"unknown role '{role}' (use one of {', '.join(ROLES)})")


def add_user(ctx: Context, username: str, password: str, role: str, display_name: str | None = None,
             organization: str | None = None, email: str | None = None) -> dict:
    require(ctx, "users.manage")
    return _create(ctx, username, password, role, display_name, organization, email)


def register(ctx: Context, username: str, password: str, organization: str, email: str,
             display_name: str | None = None) -> dict:
    """Self-registration of an applicant account (the organization it submits for)."""
    if not (organization or "").strip():
        raise CaseAtlasError("organization: required (the organization that submits cases)")
    if not EMAIL.fullmatch(email or ""):
        raise CaseAtlasError("email: a valid address is required (decisions are sent there)")
    return _create(ctx, username, password, "applicant", display_name, organization.strip(), email.strip())


def _create(ctx: Context, username: str, password: str, role: str, display_name: str | None,
            organization: str | None, email: str | None) -> dict:
    _check_role(role)
    if not USERNAME.fullmatch(username or ""):
        raise CaseAtlasError("username: 2–64 letters, digits or . _ @ -")
    if len(password or "") < MIN_PASSWORD:
        raise CaseAtlasError(f"password: at least {MIN_PASSWORD} characters")
    try:
        with ctx.engine.begin() as conn:
            store.add_user(conn, username, _hasher().hash(password), role, audit.now(), display_name, organization,
                           email)
            audit.record(conn, ctx, "users.add", username, role=role)
            return _public(store.get_user(conn, username))
    except IntegrityError:
        raise Conflict(f"user '{username}' exists") from None


def list_users(ctx: Context) -> list[dict]:
    require(ctx, "users.manage")
    with ctx.engine.connect() as conn:
        return [_public(u) for u in store.list_users(conn)]


def update_user(ctx: Context, username: str, role: str | None = None, active: bool | None = None,
                password: str | None = None) -> dict:
    """Change a user's role, active flag or password. Removing the last active admin is refused
    (nobody could manage accounts any more); a change ends the user's sessions."""
    require(ctx, "users.manage")
    if role is not None:
        _check_role(role)
    if password is not None and len(password) < MIN_PASSWORD:
        raise CaseAtlasError(f"password: at least {MIN_PASSWORD} characters")
    with ctx.engine.begin() as conn:
        user = store.get_user(conn, username)
        if user is None:
            raise NotFound(f"no user '{username}'")
        values: dict = {}
        if role is not None and role != user.role:
            values["role"] = role
        if active is not None and active != bool(user.active):
            values["active"] = active
        if password is not None:
            values["password_hash"] = _hasher().hash(password)
        demotes = user.role == "admin" and user.active and (values.get("role", "admin") != "admin"
                                                            or values.get("active", True) is False)
        if demotes and store.count_admins(conn) <= 1:
            raise Conflict(f"'{username}' is the last active admin")
        if values:
            store.update_user(conn, user.id, **values)
            store.delete_user_sessions(conn, user.id)
            audit.record(conn, ctx, "users.update", username,
                         **{k: v for k, v in values.items() if k != "password_hash"},
                         **({"password": "changed"} if password is not None else {}))
        return _public(store.get_user(conn, username))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttled(conn, ctx: Context, username: str, client: str, now: datetime) -> int | None:
    """Seconds to wait when the account or the address has had too many failures, else None
    (a refusal is audited)."""
    since = (now - LOGIN_WINDOW).isoformat(timespec="seconds")
    for n, oldest, limit in (store.login_failures_since(conn, since, username=username) + (ACCOUNT_FAILURES,),
                             store.login_failures_since(conn, since, client=client) + (CLIENT_FAILURES,)):
        if n >= limit:
            wait = datetime.fromisoformat(oldest) + LOGIN_WINDOW - now
            audit.record(conn, ctx, "users.login_throttled", username, client=client, failures=n)
            return max(1, int(wait.total_seconds()) + 1)
    return None


def login(ctx: Context, username: str, password: str, client: str | None = None) -> tuple[str, str, dict]:
    """Check a password and open a session: (cookie token, its CSRF token, user). Wrong name and wrong
    password give the same message (and take the same time: a dummy hash is verified). Failed logins
    are audited and throttled per account and per client address (`Throttled`, 429)."""
    username, client = username or "", client or "unknown"
    now = datetime.now(timezone.utc)
    with ctx.engine.begin() as conn:  # its own transaction: a refusal is recorded, not rolled back
        wait = _throttled(conn, ctx, username, client, now)
    if wait is not None:
        raise Throttled(f"too many failed logins: try again in {wait} s", wait)
    with ctx.engine.begin() as conn:
        user = store.get_user(conn, username)
        try:
            _hasher().verify(user.password_hash if user else _dummy_hash(), password or "")
            ok = user is not None and bool(user.active)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok:
        with ctx.engine.begin() as conn:
            store.add_login_failure(conn, now.isoformat(timespec="seconds"), username, client,
                                    (now - LOGIN_WINDOW).isoformat(timespec="seconds"))
            audit.record(conn, ctx, "users.login_failed", username, client=client)
        raise AuthenticationFailed("wrong username or password")
    with ctx.engine.begin() as conn:
        if _hasher().check_needs_rehash(user.password_hash):
            store.update_user(conn, user.id, password_hash=_hasher().hash(password))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        store.delete_expired_sessions(conn, now.isoformat(timespec="seconds"))
        store.add_session(conn, _token_hash(token), user.id, csrf,
                          now.isoformat(timespec="seconds"),
                          (now + timedelta(days=SESSION_DAYS)).isoformat(timespec="seconds"))
        audit.record(conn, Context(ctx.engine, Actor("user", user.username, user.role, user.id)), "users.login",
                     user.username)
        return token, csrf, _public(user)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher().hash(secrets.token_urlsafe(16))


def logout(ctx: Context, token: str) -> None:
    with ctx.engine.begin() as conn:
        store.delete_session(conn, _token_hash(token))


def session_actor(ctx: Context, token: str | None) -> Actor | None:
    """The signed-in user of a session cookie, or None (no, unknown, expired or disabled)."""
    if not token:
        return None
    with ctx.engine.connect() as conn:
        s = store.get_session(conn, _token_hash(token))
        if s is None or s.expires_at < datetime.now(timezone.utc).isoformat(timespec="seconds"):
            return None
        user = store.get_user(conn, user_id=s.user_id)
    if user is None or not user.active:
        return None
    return Actor("user", user.username, user.role, user.id, csrf_token=s.csrf_token)


def me(ctx: Context) -> dict:
    a = ctx.actor
    return {"kind": a.kind, "username": a.username, "role": a.role, "can": sorted(a.grants)}
