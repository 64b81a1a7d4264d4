"""What a person sees when something goes wrong, and whether the controls are usable (issue 27).

(a) Every status page (400, 401, 403, 404, 405, 409, 422, 429, 500), in Chinese and in English:
    a title in the page's language, no command-line or framework wording, the next steps (search,
    collections, home; sign in and come back for 401/403; back to the form for a rejected post),
    the status code as before — and the API's JSON as before.
(b) A rejected sign-in or administration form comes back with what was typed and the error beside
    its field (aria-invalid, aria-describedby naming an element that holds the error).
(c) In headless Chromium at 390 px, on SQLite and PostgreSQL: no page is wider than the screen,
    a table wider than the screen scrolls in a wrapper the keyboard can reach, and every text
    field, select and button is at least 36 px high."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from test_e2e import CHROMIUM, browser  # noqa: F401  (fixture)
from web_server import Server

from caseatlas.errors import (
    AuthenticationFailed,
    CaseAtlasError,
    Conflict,
    Forbidden,
    Throttled,
)
from caseatlas.services import Context, accounts, system_actor
from caseatlas.store import open_engine
from caseatlas.web import create_app

PASSWORD = "correct horse battery"
CJK = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(params=["sqlite", "postgresql"])
def library_url(request, tmp_path):
    """A fresh library on each backend (the module is not in conftest's BOTH_BACKENDS list, so it
    parametrizes itself)."""
    if request.param == "sqlite":
        return str(tmp_path / "library.db")
    from pg import create_database, drop_database

    admin = request.getfixturevalue("pg_admin_url")
    url = create_database(admin)
    request.addfinalizer(lambda: drop_database(admin, url))
    return url


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """The app with one admin account and, beside the real routes, one route per error the
    services raise (the handlers are what is tested; the routes only raise)."""
    db = tmp_path_factory.mktemp("design") / "library.db"
    accounts.add_user(Context(open_engine(db), system_actor()), "boss", PASSWORD, "admin")
    app = create_app(str(db))
    raised = {
        "400": CaseAtlasError("title: required"),
        "401": AuthenticationFailed("wrong username or password"),
        "403": Forbidden("this account may not manage calls"),
        "409": Conflict("user 'boss' exists"),
        "429": Throttled("too many attempts: wait", 60),
        "500": RuntimeError("database password is hunter2"),
    }

    @app.api_route("/boom/{code}", methods=["GET", "POST"])
    def boom(code: str, n: int = 0):
        raise raised[code]

    with TestClient(app, raise_server_exceptions=False) as c:
        yield c


def _main(html: str) -> str:
    return html.split("<main", 1)[1].split("</main>", 1)[0]


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


# (path, method, status); 422 is FastAPI's own validation of a query parameter, 405 Starlette's.
STATUS_PAGES = [
    ("/cases/none:1", "GET", 404),  # NotFound from the services, whose message names a CLI command
    ("/no/such/page", "GET", 404),  # an unknown path: Starlette's "Not Found"
    ("/boom/400", "POST", 400),
    ("/boom/401", "GET", 401),
    ("/boom/403", "GET", 403),
    ("/boom/409", "POST", 409),
    ("/boom/429", "POST", 429),
    ("/boom/500", "GET", 500),
    ("/boom/400?n=x", "GET", 422),
    ("/login", "DELETE", 405),
]


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("path,method,status", STATUS_PAGES)
def test_status_pages_speak_to_a_person(client, path, method, status, lang):
    referer = "http://testserver/calls/1"  # the page a person came from (a form, for a post)
    r = client.request(method, path, cookies={"lang": lang}, headers={"referer": referer})
    assert r.status_code == status
    assert r.headers["content-type"].startswith("text/html")
    main = _main(r.text)
    title = re.search(r"<h1[^>]*>(.*?)</h1>", main, re.S).group(1)
    if lang == "zh":
        assert CJK.search(title), title
        assert CJK.search(re.search(r'id="status-sentence">(.*?)<', main).group(1))
    else:
        assert not CJK.search(title) and title.strip(), title
    text = _text(main)
    # no developer wording: no command names, no framework phrases, no exception text
    for words in ("caseatlas ", "Not Found", "Internal Server Error", "Method Not Allowed", "hunter2", "Traceback"):
        assert words not in text, (words, text)
    assert "Not Found" not in r.text.split("<main", 1)[0]  # nor in the <title>
    # next steps: search (a box and a link), the collections, the home page
    assert 'action="/search"' in main and 'href="/search"' in main
    assert 'href="/collections"' in main and 'href="/"' in main
    if status in (401, 403):
        nxt = "/calls/1" if method != "GET" else path
        assert f'href="/login?next={nxt.replace("/", "%2F")}"' in main
    if status in (400, 409, 422, 429):
        assert 'href="/calls/1"' in main  # back to the page (the form) the person came from
    if status == 429:
        assert r.headers["Retry-After"] == "60" and "60" in text
    if status == 405:
        assert "GET" in r.headers["Allow"]


def test_status_page_keeps_the_cause_without_cli_hints(client):
    zh = _text(_main(client.get("/cases/none:1", cookies={"lang": "zh"}).text))
    assert "none:1" in zh  # the actual one-line message, without "(see `caseatlas cases`)"
    assert "ids look like" not in zh
    assert "找不到案例" in zh and "no case" not in zh  # the services' English "no case 'x'", as a Chinese page says it
    en = _text(_main(client.get("/cases/none:1", cookies={"lang": "en"}).text))
    assert "no case" in en and "找不到" not in en
    r = client.post("/boom/400", cookies={"lang": "zh"})
    assert "title: required" in _text(_main(r.text))


def test_a_bilingual_message_shows_the_page_language():
    from caseatlas.web.pages import localized, person_message

    both = "password: at least 10 characters (密码至少 10 个字符)"
    assert localized(both, "zh") == "密码至少 10 个字符"
    assert localized(both, "en") == "password: at least 10 characters"
    assert localized("unknown role 'x' (use one of a, b)", "zh") == "unknown role 'x' (use one of a, b)"
    assert person_message("mode 'semantic' needs embeddings: run `caseatlas embed` first", 409) == (
        "mode 'semantic' needs embeddings"
    )
    assert person_message("no organization 'x' (see `caseatlas orgs`)", 404, "en") == "no organization 'x'"
    assert person_message("no organization 'x' (see `caseatlas orgs`)", 404) == "找不到机构：'x'"
    assert person_message("Not Found", 404) == ""


def test_the_api_keeps_its_json(client):
    r = client.get("/api/v1/cases/none:1")
    assert r.status_code == 404
    assert r.json() == {
        "error": {"status": 404, "message": "no case 'none:1' (ids look like <collection>:<n>; see `caseatlas cases`)"}
    }
    assert client.get("/api/v1/nothing").json() == {"error": {"status": 404, "message": "Not Found"}}
    r = client.get("/api/v1/cases?page_size=1000")
    assert r.status_code == 422 and "page_size" in r.json()["error"]["message"]


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def _control(html: str, control_id: str) -> str:
    return re.search(rf'<(?:input|select)[^>]*\bid="{control_id}"[^>]*>', html, re.S).group(0)


def _described_error(html: str, control: str) -> str:
    """The text of the element(s) aria-describedby names, which must exist."""
    assert 'aria-invalid="true"' in control, control
    ids = re.search(r'aria-describedby="([^"]+)"', control).group(1).split()
    texts = []
    for i in ids:
        m = re.search(rf'<(\w+)[^>]*\bid="{i}"[^>]*>(.*?)</\1>', html, re.S)
        assert m, f"aria-describedby names #{i}, which is not in the page"
        texts.append(_text(m.group(2)).strip())
    return " ".join(texts)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_rejected_sign_in_keeps_the_name_and_marks_the_fields(lang, tmp_path):
    db = tmp_path / "library.db"
    accounts.add_user(Context(open_engine(db), system_actor()), "boss", PASSWORD, "admin")
    with TestClient(create_app(str(db))) as c:
        c.cookies.set("lang", lang)
        tok = _csrf(c.get("/login").text)
        r = c.post("/login", data={"username": "boss", "password": "nope", "next": "/admin", "csrf_token": tok})
    assert r.status_code == 401
    name = _control(r.text, "username")
    assert 'value="boss"' in name
    said = _described_error(r.text, name)
    assert ("用户名或密码错误" if lang == "zh" else "Wrong username or password") in said
    assert 'value="nope"' not in r.text  # a password is never sent back
    assert 'name="next" value="/admin"' in r.text


@pytest.fixture
def admin(client):
    c = client
    tok = _csrf(c.get("/login").text)
    r = c.post("/login", data={"username": "boss", "password": PASSWORD, "csrf_token": tok}, follow_redirects=False)
    assert r.status_code == 303
    yield c
    c.cookies.clear()


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize(
    "typed,status,field,said",
    [
        ({"username": "a b"}, 400, "new-username", ("字母", "letters")),
        ({"username": "boss"}, 409, "new-username", ("已被使用", "taken")),
        ({"username": "newcomer", "password": "short"}, 400, "new-password", ("至少 10", "at least 10")),
        ({"username": "newcomer", "email": "not-an-address"}, 400, "new-email", ("邮箱", "not a valid address")),
    ],
)
def test_rejected_admin_form_keeps_what_was_typed(admin, lang, typed, status, field, said):
    admin.cookies.set("lang", lang)
    tok = _csrf(admin.get("/admin").text)
    data = {"role": "reviewer", "display_name": "张三", "organization": "某大学", "email": "", **typed}
    r = admin.post("/admin/users", data={**data, "csrf_token": tok})
    assert r.status_code == status
    assert 'class="status-page"' not in r.text  # the form again, not a dead end
    form = r.text.split('id="user-form"', 1)[1].split("</form>", 1)[0]
    for name, control_id in (("display_name", "new-name"), ("organization", "new-org"), ("username", "new-username")):
        assert f'value="{data[name]}"' in _control(form, control_id)
    if data["email"]:
        assert f'value="{data["email"]}"' in _control(form, "new-email")
    assert re.search(r'<option value="reviewer"\s+selected', form)
    assert 'value="short"' not in form  # never the password
    error = _described_error(form, _control(form, field))
    assert said[0 if lang == "zh" else 1].lower() in error.lower(), error
    assert 'class="error-summary" role="alert"' in form and f'href="#{field}"' in form
    # the other fields are not marked
    assert _control(form, "new-org").count("aria-invalid") == 0


def test_rejected_upload_comes_back_to_the_form(admin):
    tok = _csrf(admin.get("/admin").text)
    r = admin.post(
        "/admin/library", data={"csrf_token": tok}, files={"file": ("bad.txt", b"\x00\x01\x02binary", "text/plain")}
    )
    assert r.status_code == 400
    form = r.text.split('id="upload-form"', 1)[1].split("</form>", 1)[0]
    assert "bad.txt" in _described_error(form, _control(form, "book"))


# --- (c) in the browser at 390 px ------------------------------------------------------------

NARROW_PAGES = [  # (who, path): forms, tables and the programme's pages (the ranking: a wide table, no form)
    (None, "/login"),
    (None, "/no/such/page"),
    (None, "/search?q=%E5%87%8F%E6%8E%92"),
    ("admin1", "/admin"),
    ("admin1", "/account/password"),
    ("org1", "/calls/{call}/panel"),
    ("org1", "/calls/{call}/ranking"),
    ("rev1", "/submissions/{b}"),
]
WITHOUT_FORMS = {"/calls/{call}/ranking"}

# Text fields, selects and buttons a person taps (ticks, radios, file pickers and link-styled
# buttons excepted).
CONTROLS_JS = """() => {
  const sel = 'main input:not([type=hidden]):not([type=checkbox]):not([type=radio]):not([type=file]),' +
              'main select, main button:not(.linklike):not(.flag):not(.fact)';
  return [...document.querySelectorAll(sel)].filter(e => e.offsetParent !== null).map(e => ({
    what: e.tagName + (e.id ? '#' + e.id : '') + (e.name ? '[' + e.name + ']' : ''),
    h: e.getBoundingClientRect().height}));
}"""


# Elements of the page that scroll sideways but cannot be reached from the keyboard (neither
# focusable themselves nor holding anything focusable): axe's scrollable-region-focusable.
UNREACHABLE_SCROLLERS_JS = """() => [...document.querySelectorAll('main *')].filter(e => {
  const s = getComputedStyle(e);
  if (!['auto', 'scroll'].includes(s.overflowX) || e.scrollWidth <= e.clientWidth + 1) return false;
  const focusable = 'a[href], button, input, select, textarea, [tabindex]';
  return !(e.matches('[tabindex]') || e.querySelector(focusable));
}).map(e => e.tagName + (e.id ? '#' + e.id : '') + '.' + e.className)"""


# Text cells of a table squeezed to a column of one or two characters (they should scroll instead).
SQUEEZED_CELLS_JS = """() => [...document.querySelectorAll('main td, main th')].filter(c =>
  c.offsetParent !== null && !c.classList.contains('num') && !c.querySelector('input[type=checkbox]') &&
  (c.innerText || '').trim().length > 4 &&
  c.getBoundingClientRect().width < 5 * parseFloat(getComputedStyle(c).fontSize)
).map(c => (c.innerText || '').trim().slice(0, 12))"""

# The width of a right single quote in the body's face, in em (CJK faces draw it full-width, 1 em).
APOSTROPHE_JS = """() => { const s = document.createElement('span'); s.textContent = '\u2019';
  document.querySelector('main').appendChild(s); const w = s.getBoundingClientRect().width;
  const em = parseFloat(getComputedStyle(s).fontSize); s.remove(); return w / em; }"""


def test_pages_fit_a_phone_and_controls_are_tappable(library_url, browser):  # noqa: F811
    from test_programme_web import build

    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed", pytrace=False)
    ids = build(library_url, "review")
    with Server(library_url) as server:
        contexts = {}
        try:
            for lang in ("zh", "en"):
                for who, path in NARROW_PAGES:
                    key = (who, lang)
                    if key not in contexts:
                        ctx = browser.new_context(viewport={"width": 390, "height": 844}, locale="zh-CN")
                        ctx.add_cookies([{"name": "lang", "value": lang, "url": server.url}])
                        if who:
                            page = ctx.new_page()
                            page.goto(server.url + "/login")
                            page.fill("#username", who)
                            page.fill("#password", PASSWORD)
                            page.click("form.login-form button[type=submit]")
                            page.wait_for_load_state()
                            assert "/login" not in page.url
                            page.close()
                        contexts[key] = ctx
                    page = contexts[key].new_page()
                    url = server.url + path.format(**ids)
                    page.goto(url)
                    width = page.evaluate("document.documentElement.scrollWidth")
                    assert width <= 390, f"{path} ({lang}) is {width} px wide at 390"
                    controls = page.evaluate(CONTROLS_JS)
                    assert controls or path in WITHOUT_FORMS, f"{path}: no controls found"
                    stuck = page.evaluate(UNREACHABLE_SCROLLERS_JS)
                    assert not stuck, f"{path} ({lang}): scrolls sideways, not reachable by keyboard: {stuck}"
                    low = [c for c in controls if c["h"] < 36]
                    assert not low, f"{path} ({lang}): controls under 36 px: {low[:5]}"
                    squeezed = page.evaluate(SQUEEZED_CELLS_JS)
                    assert not squeezed, f"{path} ({lang}): table cells under 5 em at 390 px: {squeezed[:5]}"
                    if lang == "en":  # a Latin face first: an apostrophe is narrow, not a full-width CJK glyph
                        ratio = page.evaluate(APOSTROPHE_JS)
                        assert ratio < 0.5, f"{path}: ’ is {ratio:.2f} em wide on the English page"
                    page.close()
        finally:
            for ctx in contexts.values():
                ctx.close()


def test_the_nav_offers_only_what_the_account_can_use(tmp_path):
    """An applicant or a reviewer is not shown 管理 or 后台任务 (pages that would only say no);
    an admin is shown both; an organizer the jobs it may start (books)."""
    from test_accounts import PASSWORD, ROLE_USERS

    from caseatlas.services import Context, accounts, system_actor
    from caseatlas.store import open_engine

    db = tmp_path / "nav.db"
    ctx = Context(open_engine(db), system_actor())
    for role, name in ROLE_USERS.items():
        accounts.add_user(ctx, name, PASSWORD, role)
    seen = {}
    for role, name in ROLE_USERS.items():
        c = TestClient(create_app(str(db)))
        assert c.post("/api/v1/login", json={"username": name, "password": PASSWORD}).status_code == 200
        nav = re.search(r"<nav.*?</nav>", c.get("/").text, re.S).group(0)
        seen[role] = ('href="/admin"' in nav, 'href="/jobs"' in nav)
    assert seen["admin"] == (True, True)
    assert seen["applicant"] == (False, False) and seen["reviewer"] == (False, False)
    assert seen["organizer"][1]
