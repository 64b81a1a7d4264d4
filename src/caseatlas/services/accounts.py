"""Accounts: users with argon2id password hashes, roles, login sessions, invitations and
password resets.

A session is a random token in an HttpOnly cookie; the database keeps only its SHA-256, so a
copy of the table lets nobody in. Each session has its own CSRF token, which every
state-changing request must echo (header `X-CSRF-Token` or form field `csrf_token`).

Nobody is given a password: an account made without one (a reviewer put on a panel, a user an
admin adds) gets an invitation, a link with a random single-use token that expires after
`INVITE_DAYS`, where its owner chooses the password. A forgotten password is reset the same
way (`RESET_MINUTES`). Links are built on `CASEATLAS_BASE_URL` (never on a request's Host
header, which a client writes); the token is sent by mail and never kept: the table keeps its
SHA-256, the outbox a copy of the mail without the link. Every password set is checked by
zxcvbn (score ≥ `MIN_SCORE`, with the account's own names as context)."""

from __future__ import annotations

import hashlib
import re
import secrets
import threading
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import Field
from sqlalchemy.exc import IntegrityError

from ..errors import AuthenticationFailed, CaseAtlasError, Conflict, Forbidden, LoginRequired, NotFound, Throttled
from ..store import accounts as store
from ..vocab import MAIL_LANGS, ROLES, Role
from . import audit, mail, notify
from .context import Actor, Context, require
from .records import Result

SESSION_DAYS = 14
# Login throttling: after this many failed logins within the window, an account (whatever the
# address) or a client address (whatever the account) must wait until the oldest one ages out.
# Counted in the database, so every worker process and both backends agree.
LOGIN_WINDOW = timedelta(minutes=15)
ACCOUNT_FAILURES = 5
CLIENT_FAILURES = 20
MIN_PASSWORD = 10
MAX_PASSWORD = 256
MIN_SCORE = 3  # zxcvbn's 0–4: 3 is "safely unguessable: moderate protection from offline attacks"
# zxcvbn's time grows with the length, and zxcvbn 4.5 raises on more than 72 characters: the first 72 decide
SCORED_CHARS = 72
INVITE_DAYS = 7
RESET_MINUTES = 120
RESET_MAILS = 3  # reset mails to one account within LOGIN_WINDOW; later requests get the same answer, no mail
BASE_URL = "http://localhost:8000"  # where links in mails point without CASEATLAS_BASE_URL (`caseatlas serve`)
UNUSABLE = "!"  # prefix of the stored hash of an account that has no password yet (nothing verifies against it)
USERNAME = re.compile(r"^[A-Za-z0-9_.@-]{2,64}$")
EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,190}\.[^@\s]{2,}$")


@lru_cache(maxsize=1)
def _hasher() -> PasswordHasher:
    return PasswordHasher()  # argon2id with the library's current recommended parameters


class User(Result):
    """An account as the API shows it (never its e-mail address)."""

    username: str
    display_name: str | None
    organization: str | None
    role: Role
    active: bool
    created_at: str


class Account(User):
    """An account as the services return it: with its e-mail address, for the CLI, the pages
    and the programme (the API's `User` leaves it out)."""

    email: str | None
    lang: str | None = Field(None, description="The language mails are written in (zh, en); none: not stated")


class NewUserResult(User):
    """A new account as the API answers it: the invitation link when it was made without a password."""

    invitation: str | None = Field(None, description="The invitation link, shown once (when no password was given)")


class NewAccount(Account, NewUserResult):
    """A new account with its address, and its invitation link (shown once) when it has no password."""


class Invitation(Result):
    username: str
    email: str | None
    invitation: str = Field(description="The link, shown once; mailed when the account has an address")


class Me(Result):
    kind: str
    username: str | None
    role: str | None
    can: list[str]


class LinkOwner(Result):
    """Whose an invitation or reset link is, for the form that sets the password."""

    username: str
    display_name: str | None
    expires_at: str


def _public(u: store.UserRow) -> Account:
    return Account(
        username=u.username,
        display_name=u.display_name,
        organization=u.organization,
        role=u.role,
        active=bool(u.active),
        created_at=u.created_at,
        email=u.email,
        lang=u.lang,
    )


def check_lang(lang: str | None) -> str | None:
    """An account's language as stored: zh, en, or None (not stated)."""
    lang = (lang or "").strip() or None
    if lang is not None and lang not in MAIL_LANGS:
        raise CaseAtlasError(f"language: one of {', '.join(MAIL_LANGS)}")
    return lang


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise CaseAtlasError(f"unknown role '{role}' (use one of {', '.join(ROLES)})")


class WeakPassword(CaseAtlasError):
    """A password refused by the length or strength check (400), with the reason."""


# zxcvbn's feedback, in Chinese (the English is zxcvbn's own).
_FEEDBACK_ZH = {
    "This is a top-10 common password.": "这是最常见的十个密码之一。",
    "This is a top-100 common password.": "这是最常见的一百个密码之一。",
    "This is a very common password.": "这是非常常见的密码。",
    "This is similar to a commonly used password.": "与常用密码相近。",
    "A word by itself is easy to guess.": "单个词语很容易被猜到。",
    "Names and surnames by themselves are easy to guess.": "单独的姓名很容易被猜到。",
    "Common names and surnames are easy to guess.": "常见姓名很容易被猜到。",
    "Straight rows of keys are easy to guess.": "键盘上连续的一排键很容易被猜到。",
    "Short keyboard patterns are easy to guess.": "简短的键盘图案很容易被猜到。",
    'Repeats like "aaa" are easy to guess.': "“aaa”这样的重复很容易被猜到。",
    'Repeats like "abcabcabc" are only slightly harder to guess than "abc".': (
        "“abcabcabc”这样的重复并不比“abc”难猜多少。"
    ),
    'Sequences like "abc" or "6543" are easy to guess.': "“abc”或“6543”这样的序列很容易被猜到。",
    "Recent years are easy to guess.": "最近的年份很容易被猜到。",
    "Dates are often easy to guess.": "日期通常很容易被猜到。",
    "Add another word or two. Uncommon words are better.": "再加一两个词，不常见的词更好。",
    "Avoid repeated words and characters.": "避免重复的词和字符。",
    "Avoid sequences.": "避免序列。",
    "Avoid recent years.": "避免最近的年份。",
    "Avoid dates and years that are associated with you.": "避免与您相关的日期和年份。",
    "Use a longer keyboard pattern with more turns.": "使用更长、转折更多的键盘图案。",
}
_OWN_NAMES = ("It contains your user name, name, organization or e-mail.", "包含了您的用户名、姓名、机构或邮箱。")


def check_password(password: str | None, *own: str | None) -> None:
    """Refuse a password shorter than MIN_PASSWORD or that zxcvbn scores below MIN_SCORE (the
    account's user name, name, organization and e-mail count as known words), with the reason
    in one line, in English and Chinese."""
    password = password or ""
    if len(password) < MIN_PASSWORD:
        raise WeakPassword(f"password: at least {MIN_PASSWORD} characters (密码至少 {MIN_PASSWORD} 个字符)")
    if len(password) > MAX_PASSWORD:
        raise WeakPassword(f"password: at most {MAX_PASSWORD} characters (密码最多 {MAX_PASSWORD} 个字符)")
    from zxcvbn import zxcvbn

    inputs = [w for v in own if v for w in {v, *re.split(r"[\s@._-]+", v)} if len(w) >= 3]
    result = zxcvbn(password[:SCORED_CHARS], user_inputs=inputs)
    if result["score"] >= MIN_SCORE:
        return
    feedback = result.get("feedback") or {}
    own_names = any(m.get("dictionary_name") == "user_inputs" for m in result.get("sequence", []))
    reasons = [r for r in ([feedback.get("warning")] + list(feedback.get("suggestions") or [])) if r][:2]
    en = " ".join(([_OWN_NAMES[0]] if own_names else []) + reasons) or "Add another word or two."
    zh = (
        "".join(([_OWN_NAMES[1]] if own_names else []) + [_FEEDBACK_ZH.get(r, "") for r in reasons]) or "再加一两个词。"
    )
    raise WeakPassword(f"password too easy to guess: {en} (密码太容易被猜到：{zh})")


def base_url() -> str:
    """Where the links in mails point: CASEATLAS_BASE_URL (the site as its users reach it)."""
    return mail.base_url()


def add_user(
    ctx: Context,
    username: str,
    password: str | None,
    role: str,
    display_name: str | None = None,
    organization: str | None = None,
    email: str | None = None,
    lang: str | None = None,
) -> NewAccount:
    """An account. Without a password it gets an invitation (`invitation`: the link, shown once;
    mailed when the account has an address, in `lang` if given), where its owner chooses one."""
    require(ctx, "users.manage")
    return _create(ctx, username, password, role, display_name, organization, email, lang=lang)


def register(
    ctx: Context,
    username: str,
    password: str,
    organization: str,
    email: str,
    display_name: str | None = None,
    lang: str | None = None,
) -> Account:
    """Self-registration of an applicant account (the organization it submits for); `lang`: the
    language the applicant registered in, which the site's mails to it are then written in."""
    if not (organization or "").strip():
        raise CaseAtlasError("organization: required (the organization that submits cases)")
    if not EMAIL.fullmatch(email or ""):
        raise CaseAtlasError("email: a valid address is required (decisions are sent there)")
    made = _create(ctx, username, password, "applicant", display_name, organization.strip(), email.strip(), lang=lang)
    return Account(**made.model_dump(exclude={"invitation"}))  # a password is given: never an invitation


def _create(
    ctx: Context,
    username: str,
    password: str | None,
    role: str,
    display_name: str | None,
    organization: str | None,
    email: str | None,
    call: dict | None = None,
    lang: str | None = None,
) -> NewAccount:
    """An account with the password given (checked), or none and an invitation (`call`: the
    call whose panel the account was made for, named in the mail)."""
    _check_role(role)
    if not USERNAME.fullmatch(username or ""):
        raise CaseAtlasError("username: 2–64 letters, digits or . _ @ -")
    email = (email or "").strip() or None
    if email is not None and not EMAIL.fullmatch(email):
        raise CaseAtlasError("email: not a valid address")
    if password is not None:
        check_password(password, username, display_name, organization, email)
    lang = check_lang(lang)
    pending: list[notify.Mail] = []
    try:
        with ctx.engine.begin() as conn:
            stored = _hasher().hash(password) if password is not None else UNUSABLE + "invited"
            store.add_user(conn, username, stored, role, audit.now(), display_name, organization, email, lang)
            audit.record(conn, ctx, "users.add", username, role=role, **({} if password else {"invited": True}))
            user = store.get_user(conn, username)
            link = _invite(conn, ctx, user, pending, call) if password is None else None
            out = NewAccount(**_public(user).model_dump(), invitation=link)
    except IntegrityError:
        raise Conflict(f"user '{username}' exists") from None
    notify.send(ctx.engine, pending)
    return out


def _now() -> datetime:
    return datetime.now(UTC)


def _stamp(t: datetime) -> str:
    return t.isoformat(timespec="seconds")


def _issue(conn, user: store.UserRow, purpose: str, valid: timedelta) -> str:
    """A new single-use token (its SHA-256 stored); the user's older open tokens of that purpose are void."""
    now = _now()
    token = secrets.token_urlsafe(32)
    store.void_tokens(conn, user.id, _stamp(now), purpose)
    store.add_token(conn, _token_hash(token), user.id, purpose, _stamp(now), _stamp(now + valid))
    return token


def _invite(conn, ctx: Context, user: store.UserRow, pending: list[notify.Mail], call: dict | None = None) -> str:
    """Issue an invitation and queue its mail (to the account's address, if any): the link."""
    token = _issue(conn, user, "invite", timedelta(days=INVITE_DAYS))
    link = f"{base_url()}/invite/{token}"
    notify.queue_template(
        conn,
        call,
        "account_invitation",
        user.email,
        {"name": user.display_name or user.username, "username": user.username, "link": link, "days": INVITE_DAYS},
        pending,
        recipient_id=user.id,
        secret=token,
    )
    audit.record(conn, ctx, "users.invite", user.username, expires_days=INVITE_DAYS, mailed=bool(user.email))
    return link


def set_language(ctx: Context, lang: str | None) -> Account:
    """The signed-in account's language: what the site's mails to it are written in (None: not
    stated — the call's mail language, else Chinese)."""
    if ctx.actor.kind != "user" or ctx.actor.user_id is None:
        raise LoginRequired("log in to set your language")
    lang = check_lang(lang)
    with ctx.engine.begin() as conn:
        store.update_user(conn, ctx.actor.user_id, lang=lang)
        audit.record(conn, ctx, "users.language", ctx.actor.username, lang=lang)
        return _public(store.get_user(conn, user_id=ctx.actor.user_id))


def account(ctx: Context) -> Account:
    """The signed-in account, with its address and language."""
    if ctx.actor.kind != "user" or ctx.actor.user_id is None:
        raise LoginRequired("log in to see your account")
    with ctx.engine.connect() as conn:
        user = store.get_user(conn, user_id=ctx.actor.user_id)
    if user is None:
        raise LoginRequired("log in to see your account")
    return _public(user)


def invite(ctx: Context, username: str) -> Invitation:
    """A new invitation for an account (the older links stop working): the link, once."""
    require(ctx, "users.manage")
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        user = store.get_user(conn, username)
        if user is None:
            raise NotFound(f"no user '{username}'")
        link = _invite(conn, ctx, user, pending)
    notify.send(ctx.engine, pending)
    return Invitation(username=username, email=user.email, invitation=link)


def list_users(ctx: Context) -> list[Account]:
    require(ctx, "users.manage")
    with ctx.engine.connect() as conn:
        return [_public(u) for u in store.list_users(conn)]


def update_user(
    ctx: Context, username: str, role: str | None = None, active: bool | None = None, password: str | None = None
) -> Account:
    """Change a user's role, active flag or password. Removing the last active admin is refused
    (nobody could manage accounts any more); a change ends the user's sessions."""
    require(ctx, "users.manage")
    if role is not None:
        _check_role(role)
    with ctx.engine.begin() as conn:
        user = store.get_user(conn, username)
        if user is None:
            raise NotFound(f"no user '{username}'")
        if password is not None:
            check_password(password, user.username, user.display_name, user.organization, user.email)
        values: dict = {}
        if role is not None and role != user.role:
            values["role"] = role
        if active is not None and active != bool(user.active):
            values["active"] = active
        if password is not None:
            values["password_hash"] = _hasher().hash(password)
        demotes = (
            user.role == "admin"
            and user.active
            and (values.get("role", "admin") != "admin" or values.get("active", True) is False)
        )
        if demotes and store.count_admins(conn) <= 1:
            raise Conflict(f"'{username}' is the last active admin")
        if values:
            store.update_user(conn, user.id, **values)
            store.delete_user_sessions(conn, user.id)
            if password is not None or values.get("active") is False:
                store.void_tokens(conn, user.id, _stamp(_now()))
            audit.record(
                conn,
                ctx,
                "users.update",
                username,
                **{k: v for k, v in values.items() if k != "password_hash"},
                **({"password": "changed"} if password is not None else {}),
            )
        return _public(store.get_user(conn, username))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _throttled(conn, ctx: Context, username: str, client: str, now: datetime) -> int | None:
    """Seconds to wait when the account or the address has had too many failures, else None
    (a refusal is audited)."""
    since = (now - LOGIN_WINDOW).isoformat(timespec="seconds")
    for n, oldest, limit in (
        store.login_failures_since(conn, since, username=username) + (ACCOUNT_FAILURES,),
        store.login_failures_since(conn, since, client=client) + (CLIENT_FAILURES,),
    ):
        if n >= limit:
            wait = datetime.fromisoformat(oldest) + LOGIN_WINDOW - now
            audit.record(conn, ctx, "users.login_throttled", username, client=client, failures=n)
            return max(1, int(wait.total_seconds()) + 1)
    return None


def login(ctx: Context, username: str, password: str, client: str | None = None) -> tuple[str, str, Account]:
    """Check a password and open a session: (cookie token, its CSRF token, user). Wrong name and wrong
    password give the same message (and take the same time: a dummy hash is verified). Failed logins
    are audited and throttled per account and per client address (`Throttled`, 429)."""
    username, client = username or "", client or "unknown"
    now = datetime.now(UTC)
    with ctx.engine.begin() as conn:  # its own transaction: a refusal is recorded, not rolled back
        wait = _throttled(conn, ctx, username, client, now)
    if wait is not None:
        raise Throttled(f"too many failed logins: try again in {wait} s", wait)
    with ctx.engine.begin() as conn:
        user = store.get_user(conn, username)
        try:
            usable = user is not None and not user.password_hash.startswith(UNUSABLE)
            _hasher().verify(user.password_hash if usable else _dummy_hash(), password or "")
            ok = usable and bool(user.active)
        except (VerificationError, InvalidHashError):
            ok = False
    if not ok:
        with ctx.engine.begin() as conn:
            store.add_login_failure(
                conn,
                now.isoformat(timespec="seconds"),
                username,
                client,
                (now - LOGIN_WINDOW).isoformat(timespec="seconds"),
            )
            audit.record(conn, ctx, "users.login_failed", username, client=client)
        raise AuthenticationFailed("wrong username or password")
    with ctx.engine.begin() as conn:
        if _hasher().check_needs_rehash(user.password_hash):
            store.update_user(conn, user.id, password_hash=_hasher().hash(password))
        token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        store.delete_expired_sessions(conn, now.isoformat(timespec="seconds"))
        store.add_session(
            conn,
            _token_hash(token),
            user.id,
            csrf,
            now.isoformat(timespec="seconds"),
            (now + timedelta(days=SESSION_DAYS)).isoformat(timespec="seconds"),
        )
        audit.record(
            conn, Context(ctx.engine, Actor("user", user.username, user.role, user.id)), "users.login", user.username
        )
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
        if s is None or s.expires_at < datetime.now(UTC).isoformat(timespec="seconds"):
            return None
        user = store.get_user(conn, user_id=s.user_id)
    if user is None or not user.active:
        return None
    return Actor("user", user.username, user.role, user.id, csrf_token=s.csrf_token)


def me(ctx: Context) -> Me:
    a = ctx.actor
    return Me(kind=a.kind, username=a.username, role=a.role, can=sorted(a.grants))


# --- invitations, password resets, changing one's own password -----------------------------


class LinkInvalid(NotFound):
    """An invitation or reset link that is unknown, used or expired."""


LINK_INVALID = (
    "this link is not valid: it was used already, has expired or never existed — ask for a new one "
    "(链接无效：已使用、已过期或不存在，请重新申请)"
)


def _open_token(conn, token: str, purpose: str) -> tuple[store.TokenRow, store.UserRow]:
    row = store.get_token(conn, _token_hash(token or "")) if token and len(token) <= 128 else None
    user = store.get_user(conn, user_id=row.user_id) if row else None
    if (
        row is None
        or user is None
        or row.purpose != purpose
        or row.used_at is not None
        or row.expires_at < _stamp(_now())
        or not user.active
    ):
        raise LinkInvalid(LINK_INVALID)
    return row, user


def check_link(ctx: Context, token: str, purpose: str) -> LinkOwner:
    """Whose link this is (for the form that sets the password), without spending it; LinkInvalid otherwise."""
    with ctx.engine.connect() as conn:
        row, user = _open_token(conn, token, purpose)
        return LinkOwner(username=user.username, display_name=user.display_name, expires_at=row.expires_at)


def _redeem(ctx: Context, token: str, purpose: str, password: str, action: str) -> Account:
    """Spend a link and set the password: every session of the account ends, every other open link is void."""
    with ctx.engine.connect() as conn:
        _, user = _open_token(conn, token, purpose)
    check_password(password, user.username, user.display_name, user.organization, user.email)
    hashed = _hasher().hash(password)
    with ctx.engine.begin() as conn:
        _, user = _open_token(conn, token, purpose)
        if not store.spend_token(conn, _token_hash(token), _stamp(_now())):
            raise LinkInvalid(LINK_INVALID)
        store.update_user(conn, user.id, password_hash=hashed)
        store.void_tokens(conn, user.id, _stamp(_now()))
        store.delete_user_sessions(conn, user.id)
        audit.record(conn, Context(ctx.engine, Actor("user", user.username, user.role, user.id)), action, user.username)
        return _public(store.get_user(conn, user_id=user.id))


def accept_invitation(ctx: Context, token: str, password: str) -> Account:
    """The invited account's owner chooses its password (the link works once)."""
    return _redeem(ctx, token, "invite", password, "users.invitation_accepted")


def reset_password(ctx: Context, token: str, password: str) -> Account:
    """A new password through a reset link (works once); all the account's sessions end."""
    return _redeem(ctx, token, "reset", password, "users.password_reset")


def request_reset(ctx: Context, login: str, client: str | None = None) -> None:
    """Mail a reset link to the account named by `login` (user name or e-mail) if there is one,
    active and with an address. The answer is the same whatever the account (nothing says which
    exist), and the mail leaves after the answer. A request counts against its client address
    as a failed login does (429 beyond CLIENT_FAILURES in LOGIN_WINDOW, whatever the account);
    an account gets at most RESET_MAILS reset mails in that window."""
    login, client = (login or "").strip()[:254], client or "unknown"
    now = _now()
    since = _stamp(now - LOGIN_WINDOW)
    with ctx.engine.begin() as conn:
        n, oldest = store.login_failures_since(conn, since, client=client)
        if n >= CLIENT_FAILURES:
            audit.record(conn, ctx, "users.reset_throttled", None, client=client)
            wait = max(1, int((datetime.fromisoformat(oldest) + LOGIN_WINDOW - now).total_seconds()) + 1)
        else:
            wait = None
    if wait is not None:
        raise Throttled(f"too many requests: try again in {wait} s", wait)
    pending: list[notify.Mail] = []
    with ctx.engine.begin() as conn:
        store.add_login_failure(conn, _stamp(now), "reset:" + login[:60], client, since)
        user = (store.get_user(conn, login) if USERNAME.fullmatch(login) else None) or (
            store.get_user_by_email(conn, login) if "@" in login else None
        )
        sent = bool(
            user
            and user.active
            and user.email
            and store.count_tokens_since(conn, user.id, "reset", since) < RESET_MAILS
        )
        if sent:
            _reset_mail(conn, user, pending)
        audit.record(conn, ctx, "users.reset_requested", user.username if user else None, client=client, mailed=sent)
    if pending:  # after the answer: the time it takes says nothing about the account
        threading.Thread(target=notify.send, args=(ctx.engine, pending), daemon=True).start()


def _reset_mail(conn, user: store.UserRow, pending: list[notify.Mail], resend_of: int | None = None) -> None:
    """A new reset link for the account (its older ones void), mailed through the template."""
    token = _issue(conn, user, "reset", timedelta(minutes=RESET_MINUTES))
    notify.queue_template(
        conn,
        None,
        "password_reset",
        user.email,
        {
            "name": user.display_name or user.username,
            "username": user.username,
            "link": f"{base_url()}/reset/{token}",
            "hours": RESET_MINUTES // 60,
        },
        pending,
        recipient_id=user.id,
        secret=token,
        resend_of=resend_of,
    )


def reissue_link(conn, ctx: Context, kind: str, user_id: int, call: dict | None, pending: list, resend_of: int) -> None:
    """A fresh link for a mail that carried one (an account invitation or a reset), mailed again:
    the outbox never kept the first link, and a link is never sent twice."""
    user = store.get_user(conn, user_id=user_id)
    if user is None or not user.active:
        raise CaseAtlasError("the account this mail went to is gone or disabled: nothing to resend")
    if kind == "password_reset":
        _reset_mail(conn, user, pending, resend_of)
        audit.record(conn, ctx, "users.reset_resent", user.username)
        return
    token = _issue(conn, user, "invite", timedelta(days=INVITE_DAYS))
    notify.queue_template(
        conn,
        call,
        "account_invitation",
        user.email,
        {
            "name": user.display_name or user.username,
            "username": user.username,
            "link": f"{base_url()}/invite/{token}",
            "days": INVITE_DAYS,
        },
        pending,
        recipient_id=user.id,
        secret=token,
        resend_of=resend_of,
    )
    audit.record(conn, ctx, "users.invite", user.username, expires_days=INVITE_DAYS, resent=True)


def change_password(
    ctx: Context, current: str, new: str, session_token: str | None = None, client: str | None = None
) -> Account:
    """A signed-in user changes their own password: the current one is asked (a wrong one counts
    as a failed login, throttled alike); every other session of the account ends."""
    actor = ctx.actor
    if actor.kind != "user" or actor.user_id is None:
        raise LoginRequired("log in to change your password")
    client = client or "unknown"
    now = _now()
    with ctx.engine.begin() as conn:
        wait = _throttled(conn, ctx, actor.username, client, now)
    if wait is not None:
        raise Throttled(f"too many failed attempts: try again in {wait} s", wait)
    with ctx.engine.connect() as conn:
        user = store.get_user(conn, user_id=actor.user_id)
    try:
        _hasher().verify(user.password_hash, current or "")
    except (VerificationError, InvalidHashError):
        with ctx.engine.begin() as conn:
            store.add_login_failure(conn, _stamp(now), user.username, client, _stamp(now - LOGIN_WINDOW))
            audit.record(conn, ctx, "users.password_change_failed", user.username, client=client)
        raise Forbidden("the current password is wrong (当前密码错误)") from None
    if new == current:
        raise WeakPassword("password: the new password is the current one (新密码与当前密码相同)")
    check_password(new, user.username, user.display_name, user.organization, user.email)
    with ctx.engine.begin() as conn:
        store.update_user(conn, user.id, password_hash=_hasher().hash(new))
        if session_token:
            store.delete_other_sessions(conn, user.id, _token_hash(session_token))
        else:
            store.delete_user_sessions(conn, user.id)
        store.void_tokens(conn, user.id, _stamp(now))
        audit.record(conn, ctx, "users.password_changed", user.username)
        return _public(store.get_user(conn, user_id=user.id))
