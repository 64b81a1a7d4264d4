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
        return {t: conn.execute(text(f"SELECT * FROM {t} ORDER BY 1")).all()
                for t in ("collections", "cases", "outcomes", "users", "embeddings")}


# (method, path, extra request kwargs, roles allowed, success status)
def write_requests(upload: bytes) -> list[tuple]:
    return [
        ("post", "/api/v1/collections", {"files": {"file": ("extra.md", upload, "text/markdown")}},
         {"organizer", "admin"}, 200),
        ("post", "/api/v1/embed?limit=2", {}, {"organizer", "admin"}, 200),
        ("post", "/api/v1/users", {"json": {"username": "newbie", "password": PASSWORD, "role": "reviewer"}},
         {"admin"}, 201),
        ("patch", "/api/v1/users/reviewer1", {"json": {"role": "applicant"}}, {"admin"}, 200),
        ("delete", "/api/v1/collections/sample_casebook_2025", {}, {"admin"}, 200),
        ("post", "/admin/users", {"data": {"username": "formuser", "password": PASSWORD, "role": "applicant"}},
         {"admin"}, 303),
        ("post", "/admin/users/applicant1", {"data": {"role": "reviewer", "active": "1"}}, {"admin"}, 303),
        ("post", "/admin/library", {"files": {"file": ("extra.md", upload, "text/markdown")}}, {"organizer", "admin"}, 303),
        ("post", "/admin/library/extra/delete", {}, {"organizer", "admin"}, 303),  # the book this role uploaded above
        # the sample book was added by the system (the CLI): only admins replace or remove it
        ("post", "/api/v1/collections", {"files": {"file": ("sample_casebook_2025.md", upload, "text/markdown")}},
         {"admin"}, 200),
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
    r = client.post("/api/v1/collections", headers={"X-CSRF-Token": token},
                    files={"file": ("big.txt", b"x" * (22 * 1024 * 1024), "text/plain")})
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
    assert anon.get("/api/v1/me").json() == {"kind": "anonymous", "username": None, "role": None,
                                             "can": ["library.read", "programme.read"]}
    assert anon.get("/api/v1/cases").status_code == 200  # the public library stays readable


def test_login_form_logout_and_session_cookie(site):
    ctx, db_path = site
    client = TestClient(create_app(str(db_path)))
    page = client.get("/login?next=/admin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    assert client.post("/login", data={"username": "admin1", "password": PASSWORD}).status_code == 403  # no token
    wrong = client.post("/login", data={"username": "admin1", "password": "wrong password!", "csrf_token": token})
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.text
    r = client.post("/login", data={"username": "admin1", "password": PASSWORD, "csrf_token": token,
                                    "next": "//evil.example/"}, follow_redirects=False)
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

    own, others, system, calls_book = (CollectionView("a", 7), CollectionView("b", 8), CollectionView("c"),
                                       CollectionView("d", owner_call_id=1))
    assert [can(organizer, "library.delete", v) for v in (own, others, system, calls_book)] == [True, False, False, False]
    assert [can(organizer, "library.ingest", v) for v in (own, others, system, calls_book)] == [True, False, False, False]
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
            assert all('type="application/json"' in attrs or ("src=" in attrs and not body.strip())
                       for attrs, body in scripts), url
            assert not re.search(r"\son[a-z]+=", r.text), url  # no inline event handlers


def test_cli_users_first_admin_and_roles(db_path):
    runner = CliRunner()
    add = runner.invoke(cli, ["users", "add", "boss", "--role", "admin", "--password-stdin"], input=PASSWORD + "\n")
    assert add.exit_code == 0 and "added boss (admin)" in add.stdout
    short = runner.invoke(cli, ["users", "add", "weak", "--password-stdin"], input="short\n")
    assert short.exit_code == 1 and "at least" in short.stderr
    assert runner.invoke(cli, ["users", "add", "rev", "--role", "reviewer", "--password-stdin"],
                         input=PASSWORD + "\n").exit_code == 0
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
    page = client.post("/login", data={"username": ROLE_USERS["admin"], "password": PASSWORD,
                                       "csrf_token": client.cookies.get("caseatlas_csrf") or ""})
    assert page.status_code in (403, 429)  # a page form without its CSRF token is refused before the check
    # another account from the same address still works until the address itself is over its limit
    assert client.post("/api/v1/login", json={"username": ROLE_USERS["reviewer"], "password": PASSWORD}).status_code == 200
    others = [f"nobody{k}" for k in range(accounts.CLIENT_FAILURES)]
    for name in others:
        client.post("/api/v1/login", json={"username": name, "password": "x"})
    r = client.post("/api/v1/login", json={"username": ROLE_USERS["organizer"], "password": PASSWORD})
    assert r.status_code == 429 and "Retry-After" in r.headers
    from caseatlas.services import audit

    actions = [e["action"] for e in audit.entries(ctx, limit=500)]
    # the address reached its limit (its first failures were the admin's), every later try was refused
    assert actions.count("users.login_failed") == accounts.CLIENT_FAILURES
    assert actions.count("users.login_throttled") >= 2 + len(others) - (accounts.CLIENT_FAILURES - accounts.ACCOUNT_FAILURES)


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
    r = b.post("/api/v1/collections", headers={"X-CSRF-Token": bh}, files={"file": ("mine.md", changed, "text/markdown")})
    assert r.status_code == 409
    message = r.json()["error"]["message"]
    assert "organizer1" in message and "rename" in message.lower() and "mine-2.md" in message
    r = b.post("/admin/library", data={"csrf_token": bh}, files={"file": ("mine.md", changed, "text/markdown")})
    assert r.status_code == 409 and "organizer1" in r.text
    assert b.delete("/api/v1/collections/mine", headers={"X-CSRF-Token": bh}).status_code == 403
    assert b.post("/admin/library/mine/delete", data={"csrf_token": bh}).status_code == 403
    r = b.post("/api/v1/collections", headers={"X-CSRF-Token": bh},
               files={"file": ("sample_casebook_2025.md", changed, "text/markdown")})
    assert r.status_code == 409 and "system" in r.json()["error"]["message"]
    assert b.delete("/api/v1/collections/sample_casebook_2025", headers={"X-CSRF-Token": bh}).status_code == 403
    assert snapshot(ctx.engine) == before, "a refused request changed the library"
    page = b.get("/admin").text  # the form names the taken file names and their owners
    taken = page[page.index('id="taken-names"'):page.index("</ul>", page.index('id="taken-names"'))]
    assert "mine.md" in taken and "organizer1" in taken and "sample_casebook_2025.md" in taken
    assert "/admin/library/mine/delete" not in page
    assert "/admin/library/mine/delete" in a.get("/admin").text
    # B adds its own book under a new name; A replaces its own
    r = b.post("/api/v1/collections", headers={"X-CSRF-Token": bh}, files={"file": ("mine-2.md", changed, "text/markdown")})
    assert r.status_code == 200 and r.json()["status"] == "added"
    r = a.post("/api/v1/collections", headers={"X-CSRF-Token": ah}, files={"file": ("mine.md", changed, "text/markdown")})
    assert r.status_code == 200 and r.json()["status"] == "replaced"
    owners = {c["source_file"]: c["owner_username"] for c in library.collections(ctx)}
    assert owners == {"mine.md": "organizer1", "mine-2.md": "organizer2", "sample_casebook_2025.md": None}
    # the owner removes its book; an admin removes anyone's
    assert a.delete("/api/v1/collections/mine", headers={"X-CSRF-Token": ah}).status_code == 200
    admin, adh = client_for(db_path, "admin")
    assert admin.delete("/api/v1/collections/mine-2", headers={"X-CSRF-Token": adh}).status_code == 200
    log = audit.entries(ctx, 200)
    refused = [(e["actor"], e["action"], e["target"]) for e in log if e["action"].endswith("_refused")]
    assert ("user:organizer2", "library.ingest_refused", "mine.md") in refused
    assert ("user:organizer2", "library.delete_refused", "mine.md") in refused
    assert ("user:organizer2", "library.delete_refused", "sample_casebook_2025.md") in refused
    deleted = {e["target"]: (e["actor"], e["detail"]["owner"]) for e in log if e["action"] == "library.delete"}
    assert deleted == {"mine.md": ("user:organizer1", "user:organizer1"), "mine-2.md": ("user:admin1", "user:organizer2")}
    added = [(e["target"], e["detail"]["owner"], e["detail"]["replaced"]) for e in log if e["action"] == "library.ingest"
             and e["target"] == "mine.md"]
    assert added == [("mine.md", "user:organizer1", True), ("mine.md", "user:organizer1", False)]
