"""Accessibility in a real headless Chromium (Debian chromium + Playwright), issue 27 item 7.

The crawl: a library and a programme season with every role (tests/ui_crawl.py), then every
page route of the app's router (path parameters filled from the seed; a page route the crawl
cannot fill or that no role reaches fails the test) as anonymous, admin, organizer, reviewer and
applicant, in Chinese and English. On each page a role reaches: axe-core (4.12, bundled with
axe-playwright-python) finds no serious or critical violation, and at 390 px the page does not
scroll sideways. The per-page table goes to the terminal and to artifacts/a11y/.

SQLite runs the whole crawl; PostgreSQL the organizer's and the applicant's pages in Chinese
(the backend changes the data under a page, not its markup; the full crawl on both would take
twice the time on the test machine's two cores).

Keyboard: search (type, Tab to a result, Enter opens the case), the case page (Tab reaches each
figure's button; Enter and Space light up its sentence), and the forms (Tab reaches every control
and the submit button; Enter submits), found by their labels and roles, not by CSS."""

from __future__ import annotations

import json
import re
import shutil
import time

import pytest
from conftest import CORPUS, ROOT
from ui_crawl import (
    ERROR_PAGES,
    PASSWORD,
    SEVERE,
    axe,
    fill,
    open_page,
    overflow,
    page_routes,
    seed,
    settle,
    sign_in,
    table,
    unreachable_by_tab,
)
from web_server import Server

from caseatlas.web import create_app

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
REPORT = ROOT / "artifacts" / "a11y"
ROLES = ("anonymous", "admin", "organizer", "reviewer", "applicant")
LANGS = ("zh", "en")
BOOK = CORPUS / "000_3717a3b3a4f37818.txt"
# Pages that are the same whoever reads them (Swagger UI: its axe run alone takes a minute on the
# test machine): checked as anonymous, only reached as the roles.
ONCE = {"/docs"}
ENGLISH_ONLY = {"/docs"}  # Swagger UI speaks English only, and its page says so (lang="en")


@pytest.fixture(scope="module", autouse=True)
def _chromium():
    if CHROMIUM is None:  # not optional: scripts/test.sh installs it
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
        )
        yield b
        b.close()


@pytest.fixture(scope="module")
def sqlite_site(tmp_path_factory):
    db = str(tmp_path_factory.mktemp("a11y") / "library.db")
    ids = seed(db, BOOK if BOOK.is_file() else None)
    with Server(db) as server:
        yield server, ids


@pytest.fixture(scope="module")
def pg_site(pg_admin_url):
    from pg import create_database, drop_database

    url = create_database(pg_admin_url)
    try:
        ids = seed(url, BOOK if BOOK.is_file() else None)
        with Server(url) as server:
            yield server, ids
    finally:
        drop_database(pg_admin_url, url)


def crawl(browser, site, ids, roles=ROLES, langs=LANGS) -> list[dict]:
    """Every page URL as each role in each language: the pages a role reaches (200, not
    redirected) checked by axe and at 390 px; the others recorded with their status."""
    base = site.url
    urls = [u for route in page_routes(create_app(site.db)) for u in fill(route, ids)]
    rows = []
    REPORT.mkdir(parents=True, exist_ok=True)
    log = (REPORT / "progress.log").open("a", encoding="utf-8")  # a long crawl says where it is
    for role in roles:
        for lang in langs:
            context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
            sign_in(context, base, role, lang)
            page = context.new_page()
            checks = [(u, None) for u in urls] + [(u, want) for who, u, want in ERROR_PAGES if who == role]
            for url, want in checks:
                status, same = open_page(page, base, url)
                row = {"role": role, "lang": lang, "url": url, "status": status, "violations": [], "overflow": 0}
                reached = status == 200 and same
                if reached and url in ONCE and role != "anonymous":
                    row["reached"] = True  # the same page for everyone: checked as anonymous
                elif reached or (want is not None and status == want):
                    settle(page)
                    row["reached"] = reached and want is None
                    row["violations"] = axe(page)
                    row["overflow"] = overflow(page)
                    row["checked"] = True
                    row["lang_attr"] = page.evaluate("document.documentElement.lang")
                    if lang == langs[0] and row["reached"]:  # the keyboard: once per page and role
                        row["tab_missed"] = unreachable_by_tab(page)
                rows.append(row)
                found = " ".join(f"{v['id']}:{v['impact']}×{v['count']}" for v in row["violations"])
                log.write(f"{time.strftime('%H:%M:%S')} {role} {lang} {status} {url} {found}\n")
                log.flush()
            context.close()
    log.close()
    return rows


def report(rows: list[dict], name: str) -> str:
    REPORT.mkdir(parents=True, exist_ok=True)
    checked = [r for r in rows if r.get("checked")]
    text = table(checked)
    (REPORT / f"{name}.txt").write_text(text + "\n", encoding="utf-8")
    (REPORT / f"{name}.json").write_text(json.dumps(checked, ensure_ascii=False, indent=1), encoding="utf-8")
    return text


def failures(rows: list[dict]) -> list[str]:
    out = []
    for r in rows:
        if not r.get("checked"):
            continue
        where = f"{r['role']} {r['lang']} {r['url']}"
        for v in r["violations"]:
            if v["impact"] in SEVERE:
                out.append(f"{where}: {v['id']} ({v['impact']}, {v['count']}): {v['help']} — {v['targets']}")
        if r["overflow"]:
            out.append(f"{where}: {r['overflow']} px wider than a 390 px screen")
        if r.get("tab_missed"):
            out.append(f"{where}: form controls Tab never reaches: {r['tab_missed']}")
        if r["lang_attr"] != ("en" if r["lang"] == "en" or r["url"] in ENGLISH_ONLY else "zh-CN"):
            out.append(f"{where}: <html lang={r['lang_attr']!r}>")
    return out


def test_every_page_every_role_axe_390px_and_tab(browser, sqlite_site, capsys):
    site, ids = sqlite_site
    routes = page_routes(create_app(site.db))
    unfilled = [r for r in routes if not fill(r, ids)]
    assert not unfilled, f"page routes the crawl cannot open (give them ids in tests/ui_crawl.py fill): {unfilled}"
    rows = crawl(browser, site, ids)
    text = report(rows, "sqlite")
    with capsys.disabled():
        print(f"\naxe-core on every page (serious/critical fail the test); also in {REPORT}/sqlite.txt\n{text}")
    reached = {r["url"] for r in rows if r.get("reached")}
    unreached = [r for r in routes if not set(fill(r, ids)) & reached]
    assert not unreached, f"page routes no role reached: {unreached}"
    # every role reached pages of its own: the seed gives each one something to see
    for role, least in (("anonymous", 8), ("admin", 20), ("organizer", 20), ("reviewer", 12), ("applicant", 12)):
        n = len({r["url"] for r in rows if r["role"] == role and r.get("reached")})
        assert n >= least, f"{role} reached {n} pages"
    # the error pages showed with their status (404, 403, an invalid link) and were checked too
    for role, url, want in ERROR_PAGES:
        shown = [r for r in rows if r["role"] == role and r["url"] == url and r.get("checked")]
        assert [r["status"] for r in shown] == [want] * len(LANGS) and all(r.get("checked") for r in shown), shown
    tabbed = [r for r in rows if "tab_missed" in r]
    with capsys.disabled():
        forms = sum(1 for r in tabbed if r["tab_missed"] is not None)
        print(f"keyboard: Tab from the top through {len(tabbed)} page views ({forms} with form controls)")
    assert len(tabbed) >= 60
    problems = failures(rows)
    assert not problems, "\n".join(problems)


def test_postgresql_pages_axe_and_390px(browser, pg_site, capsys):
    site, ids = pg_site
    rows = crawl(browser, site, ids, roles=("organizer", "applicant"), langs=("zh",))
    text = report(rows, "postgresql")
    with capsys.disabled():
        print(f"\naxe-core, PostgreSQL (organizer, applicant; zh):\n{text}")
    assert len([r for r in rows if r.get("reached")]) >= 30
    problems = failures(rows)
    assert not problems, "\n".join(problems)


# --- the keyboard


def _person(browser, site, role: str, lang: str = "zh"):
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    context.set_default_timeout(10_000)
    sign_in(context, site.url, role, lang)
    return context, context.new_page()


def _tab_to(page, predicate: str, limit: int = 300) -> bool:
    """Press Tab until the focused element satisfies the JS `predicate` (of `el`)."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate(f"(el => !!el && ({predicate}))(document.activeElement)"):
            return True
    return False


def test_keyboard_search_tab_to_a_result_enter_opens_it(browser, sqlite_site):
    site, _ = sqlite_site
    context, page = _person(browser, site, "anonymous")
    page.goto(site.url + "/search")
    page.get_by_role("searchbox").first.focus()
    page.keyboard.type("光伏")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=" in page.url
    assert _tab_to(page, "el.matches('a[href^=\"/cases/\"]')"), "Tab never reached a result"
    href = page.evaluate("document.activeElement.getAttribute('href')")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url == site.url + href
    assert page.get_by_role("heading", level=1).count() == 1
    context.close()


def test_keyboard_case_page_figures_and_their_sentences(browser, sqlite_site):
    """Tab reaches every figure's button; Enter lights up its sentence in the text, Space too."""
    site, ids = sqlite_site
    context, page = _person(browser, site, "anonymous")
    page.goto(site.url + "/cases/" + ids["case"])
    figures = page.locator("button[data-quote][data-line]")
    wanted = {(b.get_attribute("data-line"), b.get_attribute("data-quote")) for b in figures.all()}
    assert len(wanted) >= 3
    reached = set()
    for _ in range(len(wanted) + 300):
        page.keyboard.press("Tab")
        got = page.evaluate(
            "(el => el && el.dataset.quote !== undefined ? [el.dataset.line, el.dataset.quote] : null)"
            "(document.activeElement)"
        )
        if got:
            reached.add(tuple(got))
        if reached >= wanted:
            break
    assert wanted <= reached, f"not reached by Tab: {wanted - reached}"
    # the focused figure (the last one reached) and another: Enter and Space mark each sentence
    for key in ("Enter", "Space"):
        b = figures.nth(0 if key == "Enter" else figures.count() - 1)
        b.focus()
        page.keyboard.press(key)
        line, quote = b.get_attribute("data-line"), b.get_attribute("data-quote")
        mark = page.locator(f"#L{line} mark")
        mark.first.wait_for()
        assert quote in mark.all_inner_texts()
    context.close()


def test_keyboard_sign_in_and_submit_forms(browser, sqlite_site):
    """Forms filled and sent from the keyboard alone: sign in (Tab between the fields, Enter on
    the button), an applicant saves a revised title, a reviewer saves a score draft."""
    site, ids = sqlite_site
    context, page = _person(browser, site, "anonymous")
    page.goto(site.url + "/login")
    page.get_by_label(re.compile("用户名")).focus()
    page.keyboard.type("appa")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.type") == "password"
    page.keyboard.type(PASSWORD)
    assert _tab_to(page, "el.type === 'submit'", limit=3)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert not page.url.rstrip("/").endswith("/login")
    assert "appa" in page.inner_text("header")
    context.close()

    context, page = _person(browser, site, "applicant")
    page.goto(f"{site.url}/submissions/{ids['a']}")
    title = page.get_by_label(re.compile("案例名称"))
    title.focus()
    page.keyboard.press("ControlOrMeta+a")
    page.keyboard.type("键盘保存的标题")
    save = page.get_by_role("button", name=re.compile("保存草稿"))
    assert _tab_to(page, "el.matches('button') && /保存草稿/.test(el.innerText)"), "Tab never reached 保存草稿"
    assert save.evaluate("el => el === document.activeElement")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.get_by_label(re.compile("案例名称")).input_value() == "键盘保存的标题"
    context.close()

    context, page = _person(browser, site, "reviewer")
    page.goto(f"{site.url}/submissions/{ids['b']}")
    confidence = page.get_by_label(re.compile("把握程度"))
    confidence.focus()
    page.keyboard.type("4")
    assert _tab_to(page, "el.matches('button') && /保存草稿/.test(el.innerText)"), "Tab never reached 保存草稿"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    page.goto(f"{site.url}/submissions/{ids['b']}")
    assert page.get_by_label(re.compile("把握程度")).input_value() == "4"
    context.close()
