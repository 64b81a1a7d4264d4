"""End-to-end in a real headless Chromium (Debian chromium + Playwright, no browser download).

Search, apply a facet, open a case, click a fact and see its quote highlighted, compare
two cases, download a CSV. Screenshots of the main pages go to artifacts/screenshots/."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT
from web_server import Server

from caseatlas.services import Context, library, system_actor
from caseatlas.store import open_engine

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SHOTS = ROOT / "artifacts" / "screenshots"


@pytest.fixture(scope="module", autouse=True)
def _chromium():
    if CHROMIUM is None:  # not optional: scripts/test.sh installs it
        pytest.fail(
            "Debian chromium is not installed (run scripts/test.sh as root, or apt-get install chromium)", pytrace=False
        )


@pytest.fixture(scope="module")
def site(tmp_path_factory, sample_file):
    db = tmp_path_factory.mktemp("web") / "library.db"
    ctx = Context(open_engine(db), system_actor())
    library.ingest_file(ctx, sample_file)
    if CORPUS.is_dir():
        library.ingest_file(ctx, CORPUS / "000_3717a3b3a4f37818.txt")
    with Server(str(db)) as server:
        yield server


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield b
        b.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN")
    pg = context.new_page()
    yield pg
    context.close()


@pytest.fixture
def new_page(browser):
    """A factory of pages, each in its own browser context (one person signed in per page, as
    several people use the site at once); every context is closed after the test."""
    contexts = []

    def make():
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True, locale="zh-CN")
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for ctx in contexts:
        ctx.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=False)


def test_search_facet_case_fact_compare_download(site, page):
    page.goto(site.url + "/")
    assert "案例图谱" in page.title()
    shot(page, "home")
    page.fill("#q", "减少二氧化碳排放")
    page.press("#q", "Enter")
    page.wait_for_selector("ol.hits li.hit")
    total = int(page.inner_text("#total"))
    assert total >= 8
    shot(page, "search")

    # Facet: narrow to one province.
    page.click("a[data-facet='province'] >> text=广东省")
    page.wait_for_selector("a[data-facet='province'][aria-current='true']")
    narrowed = int(page.inner_text("#total"))
    assert 0 < narrowed < total
    titles = page.locator("ol.hits h3 a").all_inner_texts()
    assert "社区碳普惠积分平台" in titles or "零碳包装工厂建设实践" in titles

    # Open a case and click a fact: its quote is highlighted in the text and scrolled to.
    page.click("ol.hits li.hit h3 a >> nth=0")
    page.wait_for_selector("section.facts")
    fact = page.locator("button.metric").first
    quote = fact.get_attribute("data-quote")
    line = fact.get_attribute("data-line")
    fact.click()
    mark = page.locator(f"#L{line} mark.hl")
    mark.wait_for()
    assert mark.inner_text() == quote
    page.wait_for_timeout(600)  # smooth scroll
    box = mark.bounding_box()
    assert box is not None and 0 <= box["y"] <= 900
    shot(page, "case")
    # The quote has a permalink: the URL names the line, and opening it marks the quote again.
    assert page.url.endswith(f"#L{line}")
    permalink = page.url
    page.goto(site.url + "/")
    page.goto(permalink)
    page.locator(f"#L{line}.target mark.hl").wait_for()
    quotes_on_line = [b.get_attribute("data-quote") for b in page.locator(f"button.fact[data-line='{line}']").all()]
    assert quote in quotes_on_line and page.locator(f"#L{line} mark.hl").inner_text() in quotes_on_line

    # Compare two cases picked from the results.
    page.goto(site.url + "/search?q=" + "光伏")
    page.wait_for_selector("input.compare-pick")
    picks = page.locator("input.compare-pick")
    assert picks.count() >= 2
    picks.nth(0).check()
    picks.nth(1).check()
    page.click("#compare-go")
    page.wait_for_selector("#compare-table")
    assert page.locator("#compare-table thead th").count() == 3  # label column + two cases
    for row in page.locator("#compare-table tr[data-kind]").all():  # no empty outcome rows
        assert row.locator("a.quote").count() >= 1
    quote_link = page.locator("#compare-table a.quote").first
    assert "#L" in (quote_link.get_attribute("href") or "")
    shot(page, "compare")

    # Download the comparison as CSV.
    with page.expect_download() as info:
        page.click("text=下载 CSV")
    path = info.value.path()
    rows = list(csv.DictReader(io.StringIO(Path(path).read_text(encoding="utf-8-sig"))))
    assert len(rows) == 2 and rows[0]["id"] and rows[0]["title"]


def test_insights_collections_and_language(site, page):
    page.goto(site.url + "/insights")
    page.wait_for_selector("#chart-by_sector .main-svg", timeout=20000)  # plotly drew from the local copy
    assert page.locator("details table.data").count() >= 4
    shot(page, "insights")
    with page.expect_download() as info:
        page.click("a.csv >> nth=0")
    assert Path(info.value.path()).read_text(encoding="utf-8-sig").startswith("group,unit,total")
    page.goto(site.url + "/collections")
    assert page.locator("section.collection").count() >= 1
    shot(page, "collections")
    page.click("a.lang")
    page.wait_for_load_state()
    assert "Collections" in page.inner_text("header")
    page.goto(site.url + "/search?q=solar")
    assert page.locator("ol.hits li.hit").count() >= 1


def test_mobile_layout_and_keyboard(site, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    pg = context.new_page()
    pg.goto(site.url + "/search?q=余热")
    pg.wait_for_selector("ol.hits")
    width = pg.evaluate("document.documentElement.scrollWidth")
    assert width <= 400  # nothing forces horizontal scrolling on a phone
    shot(pg, "search_mobile")
    pg.keyboard.press("Tab")
    assert pg.evaluate("document.activeElement.className") == "skip"  # skip link first
    context.close()


def test_login_admin_and_api_docs_under_the_csp(site, page):
    """The strict CSP (no inline script) must not break the pages that use forms and Swagger UI."""
    from caseatlas.services import accounts

    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    ctx = Context(open_engine(site.db), system_actor())
    accounts.add_user(ctx, "e2e-admin", "a long test password", "admin")
    page.goto(site.url + "/admin")
    page.wait_for_selector("form.login-form")  # anonymous: sent to the login form
    page.fill("#username", "e2e-admin")
    page.fill("#password", "a long test password")
    page.click("form.login-form button[type=submit]")
    page.wait_for_selector("#h-users")
    assert "e2e-admin" in page.inner_text("#h-users + table")
    page.fill("#new-username", "e2e-reviewer")
    page.fill("#new-password", "another long password")
    page.select_option("#new-role", "reviewer")
    page.click("form.user-form button[type=submit]")
    page.wait_for_selector("p.notice")
    assert "e2e-reviewer" in page.inner_text("p.notice")
    assert "users.add" in page.inner_text("table.audit")
    shot(page, "admin")
    page.goto(site.url + "/docs")
    page.wait_for_selector(".opblock", timeout=20000)  # Swagger UI started from /static/docs.js
    assert page.locator(".opblock").count() >= 10
    assert not errors, errors


def test_search_narrows_and_switches_mode(site, page):
    """Words must all match, -word excludes, and the page switches between exact and meaning."""
    page.goto(site.url + "/search?q=" + "光伏")
    page.wait_for_selector("ol.hits li.hit")
    solar = int(page.inner_text("#total"))
    page.fill("#q", "光伏 -海岛")
    page.click("form.searchbox button[type=submit]")
    page.wait_for_load_state()
    assert 0 < int(page.inner_text("#total")) < solar
    assert "海岛风光储" not in page.inner_text("ol.hits")
    page.fill("#q", "xyzzyqwerty")
    page.select_option("#mode", "text")
    page.click("form.searchbox button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("ol.hits li.hit").count() == 0
    assert page.locator("#mode").input_value() == "text" and "mode=text" in page.url
    shot(page, "search_no_results")


def test_export_from_the_page_has_every_result(site, page):
    page.goto(site.url + "/search?q=" + "减排")
    page.wait_for_selector("ol.hits li.hit")
    total = int(page.inner_text("#total"))
    assert total > page.locator("ol.hits li.hit").count()  # more results than one page shows
    with page.expect_download() as info:
        page.click("#export")
    rows = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert len(rows) == total and rows[0]["id"] and rows[0]["n_outcomes"].isdigit()
    with page.expect_download() as info:
        page.click("#export-outcomes")
    outcomes = list(csv.DictReader(io.StringIO(Path(info.value.path()).read_text(encoding="utf-8-sig"))))
    assert outcomes and {o["case_id"] for o in outcomes} <= {r["id"] for r in rows}
    assert all(float(o["value"]) >= 0 for o in outcomes)


def test_home_totals_are_achieved_per_period(site, page):
    """The home page sums only achieved figures of additive kinds, per period, and says so;
    percentages and head counts are not summed; each figure links to its cases."""
    page.goto(site.url + "/")
    rows = page.locator("table.data tbody tr")
    assert rows.count() >= 2
    kinds = {r.get_attribute("data-kind") for r in rows.all()}
    periods = {r.get_attribute("data-period") for r in rows.all()}
    from caseatlas.vocab import ADDITIVE_KINDS

    assert kinds <= set(ADDITIVE_KINDS) and not kinds & {"percentage_reduction", "users_or_participants", "area"}
    assert periods <= {"annual", "cumulative", "unspecified"}
    assert "已实现" in page.inner_text("table.data caption")
    link = rows.first.locator("a").first  # the count of cases (the largest cases' links follow)
    n = int(link.inner_text())
    link.click()
    page.wait_for_load_state()
    assert int(page.inner_text("#total")) >= n  # the cases behind the figure (any period)


def test_a_flag_beside_the_figures_marks_both_quotes(site, page):
    """Book 000's first case states tce and CO2 pairs that imply 1.04 t CO2 per tce: the case
    page lists the flag, marks the flagged figures, and a click marks both quotes."""
    if not CORPUS.is_dir():
        pytest.fail("../shared/corpus not present", pytrace=False)
    page.goto(site.url + "/cases/000_3717a3b3a4f37818:1")
    flag = page.locator("ul.flags button.flag").first
    assert "1.04 t/tce" in flag.inner_text()
    assert page.locator("ul.metrics li.flagged").count() >= 2
    flag.click()
    line = flag.get_attribute("data-lines").split(",")[0]
    marks = page.locator(f"#L{line} mark.hl")
    marks.nth(1).wait_for()
    quotes = __import__("json").loads(flag.get_attribute("data-quotes"))
    assert marks.all_inner_texts() == quotes[:2]
    shot(page, "case-flag")


def test_the_flag_facet_narrows_and_totals_can_leave_flagged_figures_out(site, page):
    """Search: "有核查提示" lists exactly the cases it counts. Home: the totals without the
    figures a flag cites are another table, and say how many figures they left out."""
    page.goto(site.url + "/search?q=")
    link = page.locator('a[data-facet="flag"]').first
    assert link.inner_text() == "有核查提示"
    n = int(link.locator("xpath=following-sibling::span[@class='count']").inner_text())
    assert n >= 1
    link.click()
    page.wait_for_load_state()
    assert "flag=any" in page.url and int(page.inner_text("#total")) == n
    page.goto(site.url + "/")
    before = page.inner_text("table.data tbody")
    page.click("#unflagged-toggle a")
    page.wait_for_load_state()
    assert "unflagged=1" in page.url and "未计入" in page.inner_text("#unflagged-toggle")
    assert page.inner_text("table.data tbody") != before


def test_organization_pages_link_cases_and_narrow_search(site, page):
    """Organizations: the list shows groups; a group's page names its members and lists their
    cases with their outcomes; a case links back to its organization; the facet narrows."""
    if not CORPUS.is_dir():
        pytest.fail("../shared/corpus is needed (book 000 names 万科物流发展有限公司)", pytrace=False)
    page.goto(site.url + "/organizations")
    page.locator("#org-table a", has_text="万科").first.click()
    page.wait_for_load_state()
    assert page.inner_text("#org-name") == "万科"
    assert "万科物流发展有限公司" in page.inner_text("#org-members")
    rows = page.locator("#org-cases tbody tr")
    assert rows.count() == 1 and "零碳园区" in rows.first.inner_text()
    rows.first.locator("a").first.click()
    page.wait_for_load_state()
    page.locator("a.org-link").click()
    page.wait_for_load_state()
    assert page.inner_text("#org-name") == "万科物流发展有限公司" and "万科" in page.inner_text(".org-meta")
    shot(page, "organization")
    page.goto(site.url + "/search?q=")
    page.locator('a[data-facet="organization"]', has_text="万科").first.click()
    page.wait_for_load_state()
    assert "organization=" in page.url and int(page.inner_text("#total")) == 1
