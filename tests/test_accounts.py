"""Accounts, sessions, roles, CSRF, the audit log, security headers — on both backends.

Every state-changing endpoint is called by every role, without and with the CSRF token;
a refused request must leave the library exactly as it was."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text
from typer.testing import CliRunner

from caseatlas.cli import app as cli
from caseatlas.errors import Conflict, Forbidden, LoginRequired
from caseatlas.services import ANONYMOUS, Actor, Context, accounts, can, library, system_actor
from caseatlas.store import open_engine
from caseatlas.vocab import ACTIONS, ROLES
from caseatlas.web import create_app

PASSWORD = "correct horse battery"
ROLE_USERS = {role: f"{role}1" for role in ROLES}


@pytest.fixture
def site(db_path, sample_file):
    ctx = Context(open_engine(db_path), system_actor())
    library.ingest_file(ctx, sample_file)
    for role, name in ROLE_USERS.items():
        accounts.add_user(ctx, name, PASSWORD, role)
    return ctx, db_path


def client_for(db_path, role: str | None) -> tuple[TestClient, str | None]:
    """A browser-like client, logged in as `role` (None: anonymous), and its CSRF token."""
    client = TestClient(create_app(str(db_path)))
    if role is None:
        client.get("/login")
        return client, client.cookies.get("caseatlas_csrf")
    r = client.post("/api/v1/login", json={"username": ROLE_USERS[role], "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, r.json()["csrf_token"]


def snapshot(engine) -> dict:
    with engine.connect() as conn:
        return {
            t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
            for t in ("collections", "cases", "outcomes", "users", "embeddings", "jobs")
        }


# (method, path, extra request kwargs, roles allowed, success status)
def write_requests(upload: bytes) -> list[tuple]:
    return [
        (
            "post",
            "/api/v1/collections",
            {"files": {"file": ("extra.md", upload, "text/markdown")}},
            {"organizer", "admin"},
            200,
        ),
        ("post", "/api/v1/embed?limit=2", {}, {"organizer", "admin"}, 200),
        (
            "post",
            "/api/v1/users",
            {"json": {"username": "newbie", "password": PASSWORD, "role": "reviewer"}},
            {"admin"},
            201,
        ),
        ("patch", "/api/v1/users/reviewer1", {"json": {"role": "applicant"}}, {"admin"}, 200),
        ("delete", "/api/v1/collections/sample_casebook_2025", {}, {"admin"}, 200),
        (
            "post",
            "/admin/users",
            {"data": {"username": "formuser", "password": PASSWORD, "role": "applicant"}},
            {"admin"},
            303,
        ),
        ("post", "/admin/users/applicant1", {"data": {"role": "reviewer", "active": "1"}}, {"admin"}, 303),
        (
            "post",
            "/admin/library",
            {"files": {"file": ("extra.md", upload, "text/markdown")}},
            {"organizer", "admin"},
            303,
        ),
        ("post", "/admin/library/extra/delete", {}, {"organizer", "admin"}, 303),  # the book this role uploaded above
        # the sample book was added by the system (the CLI): only admins replace or remove it
        (
            "post",
            "/api/v1/collections",
            {"files": {"file": ("sample_casebook_2025.md", upload, "text/markdown")}},
            {"admin"},
            200,
        ),
        # accounts: a new invitation (admin); changing one's own password (every signed-in role; the
        # probe's new password is weak, so an allowed request is a 400 that changes nothing); a reset
        # request and a link's form (anyone: the same answer for every account, 410 for a bad link)
        ("post", "/api/v1/users/reviewer1/invitation", {}, {"admin"}, 201),
        ("post", "/admin/users/reviewer1/invitation", {"data": {}}, {"admin"}, 200),
        (
            "post",
            "/api/v1/me/password",
            {"json": {"current_password": PASSWORD, "new_password": "aaaaaaaaaa"}},
            set(ROLES),
            400,
        ),
        (
            "post",
            "/account/password",
            {"data": {"current_password": PASSWORD, "password": "aaaaaaaaaa", "password2": "aaaaaaaaaa"}},
            set(ROLES),
            400,
        ),
        # background jobs (issue 25): starting one needs the operation's permission
        ("post", "/api/v1/jobs/books", {"json": {"key": "sample_casebook_2025"}}, {"organizer", "admin"}, 202),
        ("post", "/api/v1/jobs/embeddings", {}, {"organizer", "admin"}, 202),
        (
            "post",
            "/api/v1/jobs/ingests",
            {"files": {"file": ("extra2.md", upload, "text/markdown")}},
            {"organizer", "admin"},
            202,
        ),
        ("post", "/jobs/books", {"data": {"key": "sample_casebook_2025"}}, {"organizer", "admin"}, 303),
        (
            "post",
            "/jobs/ingests",
            {"files": {"file": ("extra2.md", upload, "text/markdown")}},
            {"organizer", "admin"},
            303,
        ),
        ("post", "/password/forgot", {"data": {"login": "nobody-at-all"}}, {None, *ROLES}, 200),
        ("post", "/invite/not-a-token", {"data": {"password": PASSWORD, "password2": PASSWORD}}, {None, *ROLES}, 410),
        ("post", "/reset/not-a-token", {"data": {"password": PASSWORD, "password2": PASSWORD}}, {None, *ROLES}, 410),
    ]


@pytest.mark.parametrize("role", [None, *ROLES])
def test_every_write_needs_csrf_and_the_right_role(site, sample_file, role):
    ctx, db_path = site
    upload = sample_file.read_bytes().replace("青禾".encode(), "青苗".encode())
    for method, path, kwargs, allowed, ok in write_requests(upload):
        client, token = client_for(db_path, role)
        before = snapshot(ctx.engine)
        r = getattr(client, method)(path, follow_redirects=False, **kwargs)  # no token
        assert r.status_code == 403, (role, path, r.status_code)
        assert snapshot(ctx.engine) == before, (role, path, "changed without a CSRF token")
        bad = getattr(client, method)(path, follow_redirects=False, headers={"X-CSRF-Token": "forged"}, **kwargs)
        assert bad.status_code == 403 and snapshot(ctx.engine) == before
        r = getattr(client, method)(path, follow_redirects=False, headers={"X-CSRF-Token": token}, **kwargs)
        if role in allowed:
            assert r.status_code == ok, (role, path, r.status_code, r.text[:200])
        else:
            # pages send anonymous users to the login form; an organizer replacing another's book: 409
            expected = (401, 303) if role is None else (403, 409) if role == "organizer" else (403,)
            assert r.status_code in expected, (role, path, r.status_code)
            if r.status_code == 303:
                assert r.headers["location"].startswith("/login")
            assert snapshot(ctx.engine) == before, (role, path, "changed by a refused request")


def test_huge_upload_is_refused_before_it_is_read(site):
    ctx, db_path = site
    client, token = client_for(db_path, "admin")
    before = snapshot(ctx.engine)
    r = client.post(
        "/api/v1/collections",
        headers={"X-CSRF-Token": token},
        files={"file": ("big.txt", b"x" * (22 * 1024 * 1024), "text/plain")},
    )
    assert r.status_code == 413 and "larger than" in r.json()["error"]["message"]
    assert snapshot(ctx.engine) == before


def test_admin_reads_need_admin(site):
    ctx, db_path = site
    for role, status in ((None, 401), ("reviewer", 403), ("organizer", 403), ("admin", 200)):
        client, _ = client_for(db_path, role)
        assert client.get("/api/v1/users").status_code == status
        assert client.get("/api/v1/audit").status_code == status
    client, _ = client_for(db_path, "admin")
    actions = [e["action"] for e in client.get("/api/v1/audit").json()]
    assert "library.ingest" in actions and "users.add" in actions and "users.login" in actions
    assert client.get("/api/v1/me").json()["role"] == "admin"
    anon, _ = client_for(db_path, None)
    assert anon.get("/api/v1/me").json() == {
        "kind": "anonymous",
        "username": None,
        "role": None,
        "can": ["library.read", "programme.read"],
    }
    assert anon.get("/api/v1/cases").status_code == 200  # the public library stays readable


def test_login_form_logout_and_session_cookie(site):
    ctx, db_path = site
    client = TestClient(create_app(str(db_path)))
    page = client.get("/login?next=/admin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"username": "admin1", "password": PASSWORD}).status_code == 403  # no token
    wrong = client.post("/login", data={"username": "admin1", "password": "wrong password!", "csrf_token": token})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    r = client.post(
        "/login",
        data={"username": "admin1", "password": PASSWORD, "csrf_token": token, "next": "//evil.example/"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
    cookie = r.headers["set-cookie"]
    assert "caseatlas_session=" in cookie and "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    admin = client.get("/admin")
    assert admin.status_code == 200 and "reviewer1" in admin.text and "library.ingest" in admin.text
    session_token = re.search(r'name="csrf_token" value="([^"]+)"', admin.text).group(1)
    assert session_token != token  # a signed-in user's forms carry the session's own token
    assert client.post("/logout", data={"csrf_token": session_token}, follow_redirects=False).status_code == 303
    assert client.get("/api/v1/me").json()["kind"] == "anonymous"
    assert client.get("/admin", follow_redirects=False).status_code == 303


def test_passwords_are_hashed_and_accounts_can_be_disabled(site):
    ctx, db_path = site
    with ctx.engine.connect() as conn:
        hashes = [h for (h,) in conn.execute(text("SELECT password_hash FROM users"))]
    assert all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)
    client, _ = client_for(db_path, "reviewer")
    assert client.get("/api/v1/me").json()["role"] == "reviewer"
    accounts.update_user(ctx, "reviewer1", active=False)
    assert client.get("/api/v1/me").json()["kind"] == "anonymous"  # sessions ended with the change
    r = TestClient(create_app(str(db_path))).post("/api/v1/login", json={"username": "reviewer1", "password": PASSWORD})
    assert r.status_code == 401 and r.json()["error"]["message"] == "wrong username or password"
    with pytest.raises(Conflict):
        accounts.add_user(ctx, "admin1", PASSWORD, "admin")
    with pytest.raises(Conflict, match="last active admin"):
        accounts.update_user(ctx, "admin1", role="reviewer")


def test_permission_check_is_one_function():
    assert can(system_actor(), "users.manage")
    assert not can(ANONYMOUS, "library.ingest") and can(ANONYMOUS, "library.read")
    organizer = Actor("user", "o", "organizer", user_id=7)
    assert can(organizer, "library.ingest") and can(organizer, "library.delete")  # the role's grant: some books
    from caseatlas.services.rules import CollectionView

    own, others, system, calls_book = (
        CollectionView("a", 7),
        CollectionView("b", 8),
        CollectionView("c"),
        CollectionView("d", owner_call_id=1),
    )
    assert [can(organizer, "library.delete", v) for v in (own, others, system, calls_book)] == [
        True,
        False,
        False,
        False,
    ]
    assert [can(organizer, "library.ingest", v) for v in (own, others, system, calls_book)] == [
        True,
        False,
        False,
        False,
    ]
    admin = Actor("user", "a", "admin", user_id=9)
    assert [can(admin, "library.delete", v) for v in (own, others, system, calls_book)] == [True] * 4
    assert [can(admin, "library.ingest", v) for v in (own, others, system, calls_book)] == [True, True, True, False]
    assert not can(Actor("user", "r", "reviewer", user_id=7), "library.delete", own)
    assert {a for a in ACTIONS if can(Actor("user", "a", "admin"), a)} == set(ACTIONS)
    with pytest.raises(ValueError):
        can(organizer, "library.burn")
    ctx = Context(engine=None, actor=ANONYMOUS)  # the check comes before any database work
    with pytest.raises(LoginRequired):
        library.ingest_file(ctx, "x.md")
    with pytest.raises(Forbidden):
        accounts.list_users(Context(engine=None, actor=organizer))


def test_audit_log_is_append_only(site):
    ctx, _ = site
    with pytest.raises(Exception, match="append-only"):
        with ctx.engine.begin() as conn:
            conn.execute(text("UPDATE audit_log SET actor = 'someone else'"))
    with pytest.raises(Exception, match="append-only"):
        with ctx.engine.begin() as conn:
            conn.execute(text("DELETE FROM audit_log"))


def test_security_headers_and_no_inline_script(site):
    _, db_path = site
    client, _ = client_for(db_path, "admin")
    for url in ["/", "/search?q=光伏", "/admin", "/login", "/docs", "/insights", "/api/v1/cases"]:
        r = client.get(url)
        csp = r.headers["content-security-policy"]
        assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-eval" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        if r.headers["content-type"].startswith("text/html"):
            scripts = re.findall(r"<script([^>]*)>(.*?)</script>", r.text, re.S)
            assert all(
                'type="application/json"' in attrs or ("src=" in attrs and not body.strip()) for attrs, body in scripts
            ), url
            assert not re.search(r"\son[a-z]+=", r.text), url  # no inline event handlers


def test_cli_users_first_admin_and_roles(db_path):
    runner = CliRunner()
    add = runner.invoke(cli, ["users", "add", "boss", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert add.exit_code == 0 and "added boss (admin)" in add.stdout
    short = runner.invoke(cli, ["users", "add", "weak", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least" in short.stderr
    assert (
        runner.invoke(
            cli, ["users", "add", "rev", "--role", "reviewer", "--password-stdin"], input=PASSWORD + "\n"
        ).exit_code
        == 0
    )
    assert "reviewer" in runner.invoke(cli, ["users", "list"]).stdout
    assert runner.invoke(cli, ["users", "set-role", "rev", "organizer"]).exit_code == 0
    bad = runner.invoke(cli, ["users", "set-role", "rev", "king"])
    assert bad.exit_code == 1 and "unknown role" in bad.stderr
    last = runner.invoke(cli, ["users", "set-role", "boss", "reviewer"])
    assert last.exit_code == 1 and "last active admin" in last.stderr
    log = runner.invoke(cli, ["audit"]).stdout
    assert "users.add" in log and "users.update" in log and "cli:" in log


def test_failed_logins_are_throttled_per_account_and_per_address_and_audited(site):
    ctx, db_path = site
    client = TestClient(create_app(str(db_path)))
    wrong = {"username": ROLE_USERS["admin"], "password": "not the password"}
    statuses = [client.post("/api/v1/login", json=wrong).status_code for _ in range(accounts.ACCOUNT_FAILURES)]
    assert statuses == [401] * accounts.ACCOUNT_FAILURES
    r = client.post("/api/v1/login", json={"username": ROLE_USERS["admin"], "password": PASSWORD})
    assert r.status_code == 429 and 0 < int(r.headers["Retry-After"]) <= 15 * 60  # even the right password waits
    page = client.post(
        "/login",
        data={
            "username": ROLE_USERS["admin"],
            "password": PASSWORD,
            "csrf_token": client.cookies.get("caseatlas_csrf") or "",
        },
    )
    assert page.status_code in (403, 429)  # a page form without its CSRF token is refused before the check
    # another account from the same address still works until the address itself is over its limit
    assert (
        client.post("/api/v1/login", json={"username": ROLE_USERS["reviewer"], "password": PASSWORD}).status_code == 200
    )
    others = [f"nobody{k}" for k in range(accounts.CLIENT_FAILURES)]
    for name in others:
        client.post("/api/v1/login", json={"username": name, "password": "x"})
    r = client.post("/api/v1/login", json={"username": ROLE_USERS["organizer"], "password": PASSWORD})
    assert r.status_code == 429 and "Retry-After" in r.headers
    from caseatlas.services import audit

    actions = [e.action for e in audit.entries(ctx, limit=500)]
    # the address reached its limit (its first failures were the admin's), every later try was refused
    assert actions.count("users.login_failed") == accounts.CLIENT_FAILURES
    assert actions.count("users.login_throttled") >= 2 + len(others) - (
        accounts.CLIENT_FAILURES - accounts.ACCOUNT_FAILURES
    )


def test_books_have_owners(site, sample_file):
    """Organizer A's book: B can neither replace (409, naming A) nor remove it (403), through the API
    or the admin page's forms, and the page says which names are taken before anything changes;
    A replaces and removes it; an admin may do anything. Every refusal is in the audit log."""
    from caseatlas.services import audit

    ctx, db_path = site
    accounts.add_user(ctx, "organizer2", PASSWORD, "organizer")
    book = sample_file.read_bytes().replace("青禾".encode(), "青苗".encode())
    a, ah = client_for(db_path, "organizer")
    r = a.post("/api/v1/collections", headers={"X-CSRF-Token": ah}, files={"file": ("mine.md", book, "text/markdown")})
    assert r.status_code == 200 and r.json()["status"] == "added"
    b = TestClient(create_app(str(db_path)))
    bh = b.post("/api/v1/login", json={"username": "organizer2", "password": PASSWORD}).json()["csrf_token"]
    before = snapshot(ctx.engine)
    changed = book.replace("青苗".encode(), "青草".encode())
    r = b.post(
        "/api/v1/collections", headers={"X-CSRF-Token": bh}, files={"file": ("mine.md", changed, "text/markdown")}
    )
    assert r.status_code == 409
    message = r.json()["error"]["message"]
    assert "organizer1" in message and "rename" in message.lower() and "mine-2.md" in message
    r = b.post("/admin/library", data={"csrf_token": bh}, files={"file": ("mine.md", changed, "text/markdown")})
    assert r.status_code == 409 and "organizer1" in r.text
    assert b.delete("/api/v1/collections/mine", headers={"X-CSRF-Token": bh}).status_code == 403
    assert b.post("/admin/library/mine/delete", data={"csrf_token": bh}).status_code == 403
    r = b.post(
        "/api/v1/collections",
        headers={"X-CSRF-Token": bh},
        files={"file": ("sample_casebook_2025.md", changed, "text/markdown")},
    )
    assert r.status_code == 409 and "system" in r.json()["error"]["message"]
    assert b.delete("/api/v1/collections/sample_casebook_2025", headers={"X-CSRF-Token": bh}).status_code == 403
    assert snapshot(ctx.engine) == before, "a refused request changed the library"
    page = b.get("/admin").text  # the form names the taken file names and their owners
    taken = page[page.index('id="taken-names"') : page.index("</ul>", page.index('id="taken-names"'))]
    assert "mine.md" in taken and "organizer1" in taken and "sample_casebook_2025.md" in taken
    assert "/admin/library/mine/delete" not in page
    assert "/admin/library/mine/delete" in a.get("/admin").text
    # B adds its own book under a new name; A replaces its own
    r = b.post(
        "/api/v1/collections", headers={"X-CSRF-Token": bh}, files={"file": ("mine-2.md", changed, "text/markdown")}
    )
    assert r.status_code == 200 and r.json()["status"] == "added"
    r = a.post(
        "/api/v1/collections", headers={"X-CSRF-Token": ah}, files={"file": ("mine.md", changed, "text/markdown")}
    )
    assert r.status_code == 200 and r.json()["status"] == "replaced"
    owners = {c.source_file: c.owner_username for c in library.books(ctx)}
    assert owners == {"mine.md": "organizer1", "mine-2.md": "organizer2", "sample_casebook_2025.md": None}
    # the owner removes its book; an admin removes anyone's
    assert a.delete("/api/v1/collections/mine", headers={"X-CSRF-Token": ah}).status_code == 200
    admin, adh = client_for(db_path, "admin")
    assert admin.delete("/api/v1/collections/mine-2", headers={"X-CSRF-Token": adh}).status_code == 200
    log = audit.entries(ctx, 200)
    refused = [(e.actor, e.action, e.target) for e in log if e.action.endswith("_refused")]
    assert ("user:organizer2", "library.ingest_refused", "mine.md") in refused
    assert ("user:organizer2", "library.delete_refused", "mine.md") in refused
    assert ("user:organizer2", "library.delete_refused", "sample_casebook_2025.md") in refused
    deleted = {e.target: (e.actor, e.detail["owner"]) for e in log if e.action == "library.delete"}
    assert deleted == {
        "mine.md": ("user:organizer1", "user:organizer1"),
        "mine-2.md": ("user:admin1", "user:organizer2"),
    }
    added = [
        (e.target, e.detail["owner"], e.detail["replaced"])
        for e in log
        if e.action == "library.ingest" and e.target == "mine.md"
    ]
    assert added == [("mine.md", "user:organizer1", True), ("mine.md", "user:organizer1", False)]


# --- passwords, invitations, resets ---------------------------------------------------------

WEAK = "aaaaaaaaaa"  # ten characters, long enough, and guessed at once
REASON = ('Repeats like "aaa" are easy to guess', "密码太容易被猜到")


def _weak(message: str) -> bool:
    """A refusal that says why, in one line, in English and Chinese."""
    return "\n" not in message and all(r in message for r in REASON)


def _mail_to(inbox, address: str, n: int = 1, wait: float = 10.0) -> list:
    """The mails to an address, once there are n (a reset mail leaves after the answer)."""
    import time

    deadline = time.monotonic() + wait
    while True:
        got = [m for m in inbox.messages if m["To"] == address]
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _link(mail, kind: str) -> str:
    body = mail.get_payload(decode=True).decode()
    m = re.search(rf"https://cases\.example\.org(/{kind}/[\w-]{{40,}})", body)
    assert m, body
    return m.group(1)


def _form_csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_weak_passwords_are_refused_everywhere_with_the_reason(site, smtp):
    ctx, db_path = site
    # the service, for every way an account gets a password
    for attempt in (
        lambda: accounts.add_user(ctx, "weakling", WEAK, "reviewer"),
        lambda: accounts.register(Context(ctx.engine), "weakapp", WEAK, "某公司", "w@example.org"),
        lambda: accounts.update_user(ctx, "reviewer1", password=WEAK),
    ):
        with pytest.raises(accounts.WeakPassword) as exc:
            attempt()
        assert _weak(str(exc.value)), str(exc.value)
    # the account's own names are known words: "reviewer1" + the organization are not a password
    accounts.add_user(ctx, "qinghe_admin", None, "organizer", organization="青禾环境科技", email="qinghe@example.org")
    with pytest.raises(accounts.WeakPassword, match="user name, name, organization or e-mail"):
        accounts.update_user(ctx, "qinghe_admin", password="qinghe_admin青禾环境科技")
    with pytest.raises(accounts.WeakPassword, match="at least 10"):
        accounts.update_user(ctx, "reviewer1", password="Xy7#q")
    # the API (400 with the reason, not a schema error), the pages, the CLI
    admin, token = client_for(db_path, "admin")
    h = {"X-CSRF-Token": token}
    for method, url, body in (
        ("post", "/api/v1/users", {"username": "weak2", "password": WEAK}),
        ("patch", "/api/v1/users/reviewer1", {"password": WEAK}),
        ("post", "/api/v1/me/password", {"current_password": PASSWORD, "new_password": WEAK}),
    ):
        r = getattr(admin, method)(url, json=body, headers=h)
        assert r.status_code == 400 and _weak(r.json()["error"]["message"]), (url, r.text)
    anon, anon_token = client_for(db_path, None)
    r = anon.post(
        "/api/v1/register",
        json={"username": "weak3", "password": WEAK, "organization": "某公司", "email": "w3@example.org"},
        headers={"X-CSRF-Token": anon_token},
    )
    assert r.status_code == 400 and _weak(r.json()["error"]["message"])
    page = anon.get("/register")
    r = anon.post(
        "/register",
        data={
            "csrf_token": _form_csrf(page.text),
            "username": "weak4",
            "password": WEAK,
            "organization": "某公司",
            "email": "w4@example.org",
        },
    )
    assert r.status_code == 400 and "密码太容易被猜到" in r.text
    r = admin.post(
        "/account/password",
        data={"csrf_token": token, "current_password": PASSWORD, "password": WEAK, "password2": WEAK},
    )
    assert r.status_code == 400 and "密码太容易被猜到" in r.text
    runner = CliRunner()
    for args in (["users", "add", "weak5", "--password-stdin"], ["users", "passwd", "reviewer1", "--password-stdin"]):
        out = runner.invoke(cli, [*args, "--db", str(db_path)], input=WEAK + "\n")
        said = " ".join(out.stderr.split())  # the terminal may wrap the one line
        assert out.exit_code == 1 and "too easy to guess" in said and "密码太容易被猜到" in said, out.stderr
    # invitation acceptance and reset
    invited = accounts.add_user(ctx, "invitee", None, "reviewer", email="invitee@example.org")
    path = _link(_mail_to(smtp, "invitee@example.org")[0], "invite")
    assert invited.invitation.endswith(path)
    form = anon.get(path)
    r = anon.post(path, data={"csrf_token": _form_csrf(form.text), "password": WEAK, "password2": WEAK})
    assert r.status_code == 400 and "密码太容易被猜到" in r.text and 'id="password-form"' in r.text
    r = anon.post("/api/v1/invitations/accept", json={"token": path.rsplit("/", 1)[1], "password": WEAK})
    assert r.status_code == 400 and _weak(r.json()["error"]["message"])
    accounts.request_reset(Context(ctx.engine), "invitee@example.org", "127.0.0.9")
    reset = _link(_mail_to(smtp, "invitee@example.org", 2)[1], "reset")
    r = anon.post("/api/v1/password/reset", json={"token": reset.rsplit("/", 1)[1], "password": WEAK})
    assert r.status_code == 400 and _weak(r.json()["error"]["message"])
    # nothing was changed by a refusal: the links still work once
    assert anon.get(path).status_code == 200 and anon.get(reset).status_code == 200


def test_a_long_password_is_scored_on_its_start_never_a_500(site):
    # schemathesis: a 73+ character password made zxcvbn 4.5 raise ValueError (500 on /users, /register)
    ctx, db_path = site
    long_strong = "Qz7#vk2!mW9p" + "x" * (accounts.MAX_PASSWORD - 12)
    assert accounts.add_user(ctx, "longpass", long_strong, "reviewer").username == "longpass"
    with pytest.raises(accounts.WeakPassword, match="too easy to guess"):
        accounts.add_user(ctx, "longweak", "a" * accounts.MAX_PASSWORD, "reviewer")
    admin, token = client_for(db_path, "admin")
    r = admin.post(
        "/api/v1/users", json={"username": "longapi", "password": long_strong}, headers={"X-CSRF-Token": token}
    )
    assert r.status_code == 201, r.text
    anon, anon_token = client_for(db_path, None)
    body = {"username": "longreg", "password": "0" * 100, "organization": "某公司", "email": "l@example.org"}
    r = anon.post("/api/v1/register", json=body, headers={"X-CSRF-Token": anon_token})
    assert r.status_code == 400 and _weak(r.json()["error"]["message"]), r.text


def test_panel_invites_a_reviewer_by_mail_link_works_once_and_expires(site, smtp):
    """An organizer adds a new reviewer on the panel page: no password is made, the invitation
    link is shown once in the page body (never in a Location header or a URL) and mailed through
    SMTP; the outbox keeps the mail without the link; the link sets a password once; a second use
    and an expired link are refused with a page that says so."""
    from caseatlas.programme.services import calls
    from caseatlas.store import accounts as accounts_store
    from caseatlas.store import programmes as pstore

    ctx, db_path = site
    with ctx.engine.connect() as conn:
        org_id = accounts_store.get_user(conn, ROLE_USERS["organizer"]).id
    org_ctx = Context(ctx.engine, Actor("user", ROLE_USERS["organizer"], "organizer", org_id))
    call = calls.create(org_ctx, "cteam", "邀请测试征集", 2026, deadlines={"submission_deadline": "2099-01-01"})
    org, token = client_for(db_path, "organizer")
    r = org.post(
        f"/calls/{call['id']}/panel",
        follow_redirects=False,
        data={
            "csrf_token": token,
            "username": "newrev",
            "role": "reviewer",
            "affiliation": "某大学",
            "email": "newrev@example.org",
            "display_name": "新专家",
        },
    )
    assert r.status_code == 200 and "location" not in r.headers  # the page itself, not a redirect
    shown = re.search(r'id="invitation">[^<]*<code>([^<]+)</code>', r.text).group(1)
    mail = _mail_to(smtp, "newrev@example.org")[0]
    path = _link(mail, "invite")
    assert shown == "https://cases.example.org" + path and "邀请测试征集" in mail.get_payload(decode=True).decode()
    secret = path.rsplit("/", 1)[1]
    # nothing but the link carries the token: not a URL of the exchange, not the outbox, not the table
    assert secret not in str(r.url) and all(secret not in v for v in r.headers.values())
    with ctx.engine.connect() as conn:
        outbox = [n["body"] for n in pstore.notifications_of(conn, call["id"])]
        stored = conn.execute(text("SELECT token_hash FROM account_tokens")).scalars().all()
        hashes = conn.execute(text("SELECT password_hash FROM users WHERE username = 'newrev'")).scalar_one()
    assert outbox and not any(secret in b for b in outbox) and any("/invite/…" in b for b in outbox)
    assert secret not in stored and len(stored[0]) == 64 and not hashes.startswith("$argon2")
    # the invited account cannot log in before choosing a password
    anon = TestClient(create_app(str(db_path)))
    assert anon.post("/api/v1/login", json={"username": "newrev", "password": ""}).status_code == 401
    # the mail's link: a form (the token in the path of the link itself), posted back once
    form = anon.get(path)
    assert form.status_code == 200 and "newrev" in form.text and 'id="password-form"' in form.text
    assert re.search(r'action="/invite/[\w-]+"', form.text)
    mismatch = anon.post(path, data={"csrf_token": _form_csrf(form.text), "password": PASSWORD, "password2": "x"})
    assert mismatch.status_code == 400 and "不一致" in mismatch.text
    done = anon.post(
        path,
        data={"csrf_token": _form_csrf(form.text), "password": PASSWORD, "password2": PASSWORD},
        follow_redirects=False,
    )
    assert done.status_code == 200 and 'id="to-login"' in done.text
    assert anon.post("/api/v1/login", json={"username": "newrev", "password": PASSWORD}).status_code == 200
    again = TestClient(create_app(str(db_path)))
    page = again.get(path)
    assert page.status_code == 410 and 'id="link-invalid"' in page.text and 'id="password-form"' not in page.text
    csrf = again.cookies.get("caseatlas_csrf")
    r = again.post(
        path, data={"csrf_token": csrf, "password": "another fine passphrase", "password2": "another fine passphrase"}
    )
    assert r.status_code == 410
    r = again.post("/api/v1/invitations/accept", json={"token": secret, "password": "another fine passphrase"})
    assert r.status_code == 404 and "not valid" in r.json()["error"]["message"]
    # an expired invitation (the CLI's; its link printed once) is refused too
    out = CliRunner().invoke(cli, ["users", "add", "late", "--role", "reviewer", "--invite", "--db", str(db_path)])
    assert out.exit_code == 0 and "invitation (no e-mail address" in out.stdout
    late = re.search(r"/invite/([\w-]{40,})", out.stdout.replace("\n", "")).group(1)
    assert again.get(f"/invite/{late}").status_code == 200
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE account_tokens SET expires_at = '2000-01-01T00:00:00+00:00' WHERE used_at IS NULL"))
    assert again.get(f"/invite/{late}").status_code == 410
    r = again.post("/api/v1/invitations/accept", json={"token": late, "password": "another fine passphrase"})
    assert r.status_code == 404
    # the API's panel route returns the link in its JSON body, once
    r = org.post(
        f"/api/v1/calls/{call['id']}/panel",
        json={"username": "apirev", "email": "apirev@example.org"},
        headers={"X-CSRF-Token": token},
    )
    assert r.status_code == 200 and "/invite/" in r.json()["invitation"] and "password" not in r.json()


def test_panel_page_never_puts_a_secret_in_a_url(site, smtp):
    """Adding an existing user redirects (a message, no secret); adding a new one answers with the
    page. No Location header and no URL of the exchange holds a password or a token."""
    from caseatlas.programme.services import calls
    from caseatlas.store import accounts as accounts_store

    ctx, db_path = site
    with ctx.engine.connect() as conn:
        org_id = accounts_store.get_user(conn, ROLE_USERS["organizer"]).id
    call = calls.create(
        Context(ctx.engine, Actor("user", ROLE_USERS["organizer"], "organizer", org_id)), "cteam", "测试征集", 2026
    )
    org, token = client_for(db_path, "organizer")
    for username in ("reviewer1", "fresh_rev"):
        r = org.post(
            f"/calls/{call['id']}/panel",
            follow_redirects=False,
            data={"csrf_token": token, "username": username, "role": "reviewer", "password": PASSWORD},
        )
        location = r.headers.get("location", "")
        assert PASSWORD not in location and "invite" not in location and "密码" not in location
        assert PASSWORD.replace(" ", "%20") not in location and "password" not in location.lower()
        assert (r.status_code, bool(location)) == ((303, True) if username == "reviewer1" else (200, False))
    # the form's password field is gone: a new account is always invited
    assert 'name="password"' not in org.get(f"/calls/{call['id']}/panel").text
    with ctx.engine.connect() as conn:
        assert accounts_store.get_user(conn, "fresh_rev").password_hash.startswith(accounts.UNUSABLE)


def test_reset_same_answer_for_every_account_link_works_once_and_ends_sessions(site, smtp):
    ctx, db_path = site
    accounts.add_user(ctx, "resetme", PASSWORD, "applicant", email="resetme@example.org")
    signed_in = TestClient(create_app(str(db_path)))
    assert signed_in.post("/api/v1/login", json={"username": "resetme", "password": PASSWORD}).status_code == 200
    assert signed_in.get("/api/v1/me").json()["username"] == "resetme"
    anon = TestClient(create_app(str(db_path)))
    page = anon.get("/password/forgot")
    assert page.status_code == 200 and 'id="forgot-form"' in page.text
    csrf = _form_csrf(page.text)
    answers = [
        anon.post("/password/forgot", data={"csrf_token": csrf, "login": who})
        for who in ("resetme", "resetme@example.org", "no-such-user", "nobody@example.org", "reviewer1")
    ]
    assert {r.status_code for r in answers} == {200}
    assert len({r.text for r in answers}) == 1  # word for word the same page
    api = [anon.post("/api/v1/password/forgot", json={"login": who}) for who in ("resetme", "no-such-user")]
    assert [r.status_code for r in api] == [202, 202] and api[0].json() == api[1].json()
    # a form cannot post the API's account routes (JSON only, like login)
    for url in ("/api/v1/password/forgot", "/api/v1/password/reset", "/api/v1/invitations/accept", "/api/v1/login"):
        r = anon.post(url, data={"login": "resetme", "token": "x" * 43, "password": PASSWORD, "username": "resetme"})
        assert r.status_code == 422, url
    # resetme got its mails (at most RESET_MAILS in the window); reviewer1 has no address, the others no account
    mails = _mail_to(smtp, "resetme@example.org", accounts.RESET_MAILS)
    assert len(mails) == accounts.RESET_MAILS and len(smtp.messages) == accounts.RESET_MAILS
    links = [_link(m, "reset") for m in mails]
    assert anon.get(links[0]).status_code == 410  # a newer link voids the older ones
    path = links[-1]
    form = anon.get(path)
    assert form.status_code == 200 and "resetme" in form.text
    r = anon.post(
        path,
        data={
            "csrf_token": _form_csrf(form.text),
            "password": "a brand new passphrase",
            "password2": "a brand new passphrase",
        },
    )
    assert r.status_code == 200 and 'id="to-login"' in r.text
    assert signed_in.get("/api/v1/me").json()["kind"] == "anonymous"  # every session ended
    assert anon.get(path).status_code == 410
    r = anon.post(
        "/api/v1/password/reset", json={"token": path.rsplit("/", 1)[1], "password": "yet another passphrase"}
    )
    assert r.status_code == 404
    fresh = TestClient(create_app(str(db_path)))
    assert fresh.post("/api/v1/login", json={"username": "resetme", "password": PASSWORD}).status_code == 401
    assert (
        fresh.post("/api/v1/login", json={"username": "resetme", "password": "a brand new passphrase"}).status_code
        == 200
    )
    # the account's limit of mails: a fourth request in the window sends none; once they age out, one more
    accounts.request_reset(Context(ctx.engine), "resetme", "127.0.0.8")
    assert len(_mail_to(smtp, "resetme@example.org", accounts.RESET_MAILS + 1, wait=1.0)) == accounts.RESET_MAILS
    with ctx.engine.begin() as conn:
        conn.execute(text("UPDATE account_tokens SET created_at = '2000-01-01T00:00:00+00:00'"))
    # the API's reset takes the token in its body
    accounts.request_reset(Context(ctx.engine), "resetme", "127.0.0.8")
    token = _link(_mail_to(smtp, "resetme@example.org", accounts.RESET_MAILS + 1)[-1], "reset").rsplit("/", 1)[1]
    r = anon.post("/api/v1/password/reset", json={"token": token, "password": "the third passphrase here"})
    assert r.status_code == 200 and r.json()["username"] == "resetme"
    assert fresh.get("/api/v1/me").json()["kind"] == "anonymous"
    # requests count against their address like failed logins: beyond the limit, 429 for any account
    from caseatlas.errors import Throttled

    for k in range(accounts.CLIENT_FAILURES):
        try:
            accounts.request_reset(Context(ctx.engine), f"someone{k}", "10.9.9.9")
        except Throttled:
            break
    with pytest.raises(Throttled):
        accounts.request_reset(Context(ctx.engine), "resetme", "10.9.9.9")
    from caseatlas.services import audit

    actions = [e.action for e in audit.entries(ctx, limit=500)]
    assert (
        "users.reset_requested" in actions and "users.password_reset" in actions and "users.reset_throttled" in actions
    )
    with ctx.engine.connect() as conn:
        bodies = conn.execute(text("SELECT body FROM notifications WHERE kind = 'password_reset'")).scalars().all()
    assert bodies and not any(re.search(r"/reset/[\w-]{20,}", b) for b in bodies)  # the outbox keeps no link


def test_change_own_password_needs_the_current_one_and_ends_other_sessions(site):
    ctx, db_path = site
    me, token = client_for(db_path, "reviewer")
    other, _ = client_for(db_path, "reviewer")
    h = {"X-CSRF-Token": token}
    r = me.post(
        "/api/v1/me/password",
        json={"current_password": "not my password", "new_password": "a new passphrase"},
        headers=h,
    )
    assert r.status_code == 403 and "current password" in r.json()["error"]["message"]
    assert (
        me.post(
            "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "a new passphrase"}
        ).status_code
        == 403
    )  # no CSRF token
    r = me.post(
        "/api/v1/me/password", json={"current_password": PASSWORD, "new_password": "a new passphrase"}, headers=h
    )
    assert r.status_code == 200 and r.json()["username"] == ROLE_USERS["reviewer"]
    assert me.get("/api/v1/me").json()["username"] == ROLE_USERS["reviewer"]  # this session goes on
    assert other.get("/api/v1/me").json()["kind"] == "anonymous"  # the others ended
    anon = TestClient(create_app(str(db_path)))
    assert (
        anon.post("/api/v1/login", json={"username": ROLE_USERS["reviewer"], "password": PASSWORD}).status_code == 401
    )
    # the page, the same way
    page = me.get("/account/password")
    assert page.status_code == 200 and 'id="password-form"' in page.text
    r = me.post(
        "/account/password",
        data={
            "csrf_token": _form_csrf(page.text),
            "current_password": "wrong one!",
            "password": "third passphrase here",
            "password2": "third passphrase here",
        },
    )
    assert r.status_code == 403 and "当前密码错误" in r.text
    r = me.post(
        "/account/password",
        data={
            "csrf_token": _form_csrf(page.text),
            "current_password": "a new passphrase",
            "password": "third passphrase here",
            "password2": "third passphrase here",
        },
    )
    assert r.status_code == 200 and 'id="message"' in r.text
    assert (
        anon.post(
            "/api/v1/login", json={"username": ROLE_USERS["reviewer"], "password": "third passphrase here"}
        ).status_code
        == 200
    )
    # anonymous: sent to log in
    assert TestClient(create_app(str(db_path))).get("/account/password", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("role", [None, *ROLES])
def test_account_pages_for_every_role(site, role):
    """The new pages as each role sees them: the forms anyone may use, a bad link's page, and the
    change-password page for a signed-in user only (anonymous: to the login form)."""
    _, db_path = site
    client, _ = client_for(db_path, role)
    for url, status in (
        ("/password/forgot", 200),
        ("/invite/nosuchtoken", 410),
        ("/reset/nosuchtoken", 410),
        ("/invite/" + "x" * 500, 410),
        ("/account/password", 303 if role is None else 200),
    ):
        r = client.get(url, follow_redirects=False)
        assert r.status_code == status, (role, url, r.status_code)
        assert r.headers["cache-control"] == "no-store"
    page = client.get("/login")
    assert 'href="/password/forgot"' in page.text
