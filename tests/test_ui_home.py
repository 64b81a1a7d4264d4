"""The home page and the insights page (issue 27, items 2 and 3).

Every count on / and /insights opens a listing of exactly the cases it counts (the same number,
the same case ids as the total's contributors, computed here from the cases' own figures); the
headline figures say their period and status; chart ticks are what the one number writer
prints; and, in Chromium at 1366 and 390 px, no bar label is clipped, no chart has a blank
band, and nothing overflows sideways."""

from __future__ import annotations

import html
import re
import shutil
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import CORPUS
from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st

from caseatlas.services import Context, checks, insights, library, system_actor
from caseatlas.store import open_engine
from caseatlas.text.numbers import format_number
from caseatlas.web import create_app
from caseatlas.web.pages import chart_ticks

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
COUNT = re.compile(r'<a href="([^"]+)" class="case-count">([^<]+)</a>')

_LINES = "\n".join(f"第{k}阶段的工作已经完成，设备运行平稳。" for k in range(1, 8))
# A small library written for these tests: yearly and cumulative figures, a target (counted, not
# summed), an organization-wide figure (not a project's), and a tce/CO2 pair whose factor (2.0 t
# per tce) a claim check flags — so the totals with and without flagged figures differ.
_CASES = [
    (
        "东湖公司屋顶光伏",
        "东湖能源有限公司",
        "光伏电站投运后每年减少二氧化碳排放 42000 吨。累计减少二氧化碳排放 90000 吨。",
    ),
    ("西岭公司余热回收", "西岭钢铁有限公司", "余热回收后年节约标准煤 9000 吨，每年减少二氧化碳排放 18000 吨。"),
    (
        "南港公司电动车队",
        "南港物流有限公司",
        "车队电动化后每年减少二氧化碳排放 7000 吨。计划到2030年每年减少二氧化碳排放 30000 吨。",
    ),
    ("北原公司节能改造", "北原制造有限公司", "公司整体每年减少二氧化碳排放 55000 吨。项目年节约标准煤 1200 吨。"),
]
SMALL_BOOK = "\n".join(
    ["# 首页测试案例集 2025\n\n本书的四个案例只用来检验首页的数字。\n"]
    + [
        f"## {t}\n{org}\n\n### 案例概述\n项目总投资 {1000 + 300 * i} 万元。\n{_LINES}\n\n### 项目成果\n{r}\n{_LINES}\n"
        for i, (t, org, r) in enumerate(_CASES)
    ]
)


def _ctx(db) -> Context:
    return Context(open_engine(db), system_actor())


def _expected(ctx: Context, kind: str, unit: str, period: str, unflagged: bool) -> set[str]:
    """The cases a total counts, from the cases' own figures: an achieved project figure of that
    kind, unit and period (without the flagged ones: one that no standing flag cites)."""
    cited = {q for f in checks.flags(ctx) for q in f.quotes} if unflagged else set()
    out = set()
    for case in library.cases(ctx):
        for m in case.metrics:
            if (m.kind, m.unit, m.period, m.status, m.scope) != (kind, unit, period, "achieved", "project"):
                continue
            if unflagged and (m.quote in cited or any(e.quote in cited for e in m.evidence)):
                continue
            out.add(case.id)
    return out


def _number(text: str) -> int:
    return int(re.match(r"\s*([\d,]+)", html.unescape(text)).group(1).replace(",", ""))


def _follow(client: TestClient, href: str) -> tuple[int, list[str]]:
    """What a count's link opens: the number it shows and the case ids it lists (every page)."""
    page = client.get(href)
    assert page.status_code == 200, href
    if href.startswith("/insights/cases"):
        n = int(re.search(r'<span id="total">(\d+)</span>', page.text).group(1))
        return n, re.findall(r'<tr data-case="([^"]+)"', page.text)
    assert href.startswith("/search"), href
    n = int(re.search(r'id="total"[^>]*>([\d,]+)<', page.text).group(1).replace(",", ""))
    query = urlsplit(href).query
    ids: list[str] = []
    while len(ids) < n:  # the same filter through the API, every page of it
        body = client.get(f"/api/v1/search?{query}&limit=100&offset={len(ids)}").json()
        assert body["total"] == n and body["hits"], href
        ids += [h["case_id"] for h in body["hits"]]
    return n, ids


def _check_every_count(client: TestClient, ctx: Context) -> int:
    """Follow every count link on /, /insights (with and without the flagged figures, both
    languages): each opens exactly its cases. Returns how many links were followed."""
    summaries = {uf: insights.summary(ctx, unflagged=uf, top=10_000) for uf in (False, True)}
    followed = 0
    for path in ("/", "/?unflagged=1", "/insights", "/insights?unflagged=1", "/?lang=en"):
        page = client.get(path).text
        links = COUNT.findall(page)
        assert links, path
        for href, text in links:
            href = html.unescape(href)
            n, ids = _follow(client, href)
            assert n == _number(text) == len(ids) == len(set(ids)), (path, href, text, n, len(ids))
            if href.startswith("/insights/cases"):
                p = {k: v[0] for k, v in parse_qs(urlsplit(href).query).items()}
                unflagged = p.get("unflagged") == "1"
                total = next(
                    t
                    for t in summaries[unflagged].by_kind
                    if (t.kind, t.unit, t.period) == (p["kind"], p["unit"], p["period"])
                )
                contributors = [c.case_id for c in total.contributors]
                expected = _expected(ctx, p["kind"], p["unit"], p["period"], unflagged)
                if "by" in p:  # one bar of a chart: some of the total's cases, its count and its sum
                    assert set(ids) <= expected and set(ids) <= set(contributors)
                    group = next(
                        g
                        for g in insights.outcomes_by(ctx, p["by"], period=p["period"], unflagged=unflagged)
                        if g.group == p["group"] and g.unit == p["unit"]
                    )
                    values = {c.case_id: c.value for c in total.contributors}
                    assert group.cases == len(ids)
                    assert sum(values[i] for i in ids) == pytest.approx(group.total)
                else:
                    assert set(ids) == expected and ids == contributors, href
            followed += 1
    return followed


def test_every_count_opens_exactly_its_cases_in_a_small_library(db_path, tmp_path):
    book = tmp_path / "home.md"
    book.write_text(SMALL_BOOK, encoding="utf-8")
    ctx = _ctx(db_path)
    assert library.ingest_file(ctx, book).status == "added"
    client = TestClient(create_app(str(db_path)))
    s = insights.summary(ctx)
    co2 = next(t for t in s.by_kind if (t.kind, t.period) == ("co2e_reduction", "annual"))
    # 东湖 42,000, 西岭 18,000, 南港 7,000 — not 南港's target, not 北原's company-wide figure.
    assert co2.n_cases == 3 and co2.total == pytest.approx(67000)
    assert _check_every_count(client, ctx) >= 10
    # The old link (any figure of the kind, any period, any status) opened more cases than counted.
    old = client.get("/api/v1/search?min=co2e_reduction:0&limit=100").json()["total"]
    assert old > co2.n_cases


def test_every_count_opens_exactly_its_cases_on_the_corpus(db_path):
    if not CORPUS.is_dir():
        pytest.fail("../shared/corpus not present", pytrace=False)
    ctx = _ctx(db_path)
    for path in sorted(CORPUS.glob("*.txt")):
        library.ingest_file(ctx, path)
    client = TestClient(create_app(str(db_path)))
    assert _check_every_count(client, ctx) >= 50


def test_headline_figures_say_period_and_status_and_link_their_cases(db_path, tmp_path):
    book = tmp_path / "home.md"
    book.write_text(SMALL_BOOK, encoding="utf-8")
    ctx = _ctx(db_path)
    library.ingest_file(ctx, book)
    client = TestClient(create_app(str(db_path)))
    for lang, status, yearly, cases in (("zh", "已实现", "每年", "个案例"), ("en", "achieved", "annual", "cases")):
        page = client.get(f"/?lang={lang}").text
        cards = re.findall(
            r'<div class="stat card headline" data-kind="([^"]+)" data-period="([^"]+)".*?</div>\s*</div>', page, re.S
        )
        blocks = re.findall(r'<div class="stat card headline".*?</div>\s*</div>', page, re.S)
        assert len(blocks) == len(cards) >= 2
        kinds = [k for k, _ in cards]
        assert len(kinds) == len(set(kinds))  # one figure per kind
        co2 = next(b for b, (k, _) in zip(blocks, cards) if k == "co2e_reduction")
        assert f"{status} · {yearly}" in co2, co2
        href, text = COUNT.search(co2).groups()
        assert cases in text
        n, ids = _follow(client, html.unescape(href))
        assert n == 3 and set(ids) == _expected(ctx, "co2e_reduction", "tCO2e", "annual", False)
        assert ("67,000" if lang == "en" else "67,000吨") in co2


def test_an_empty_library_says_how_to_add_a_book(db_path):
    client = TestClient(create_app(str(db_path)))
    page = client.get("/").text
    assert 'class="empty" id="empty-library"' in page and "caseatlas ingest" in page and "/admin" in page
    assert "<table" not in page  # no 0-row table of totals
    en = client.get("/?lang=en").text
    assert "The library has no books yet." in en
    assert 'class="empty"' in client.get("/insights").text


@settings(max_examples=300, deadline=None)
@given(
    top=st.one_of(
        st.floats(min_value=1e-3, max_value=1e13, allow_nan=False, allow_infinity=False),
        st.integers(min_value=1, max_value=10**9).map(float),
    ),
    lang=st.sampled_from(["zh", "en"]),
    whole=st.booleans(),
)
def test_chart_ticks_are_what_the_number_writer_prints(top, lang, whole):
    vals, labels, end = chart_ticks(top, lang, whole)
    assert labels == [format_number(v, lang) for v in vals]
    assert vals[0] == 0 and vals == sorted(set(vals)) and len(labels) == len(set(labels))
    assert end >= top and vals[-1] <= end and len(vals) <= 12
    assert len(vals) >= 2 or (whole and top < 1)  # a count below one case has only the 0 tick
    if whole:
        assert all(v == int(v) for v in vals)


@pytest.mark.parametrize(
    ("top", "lang", "expected"),
    [
        (1.9e7, "zh", ["0", "500万", "1,000万", "1,500万"]),
        (2.3e9, "zh", ["0", "5亿", "10亿", "15亿", "20亿"]),
        (1.9e7, "en", ["0", "5,000,000", "10,000,000", "15,000,000"]),
        (27, "zh", ["0", "10", "20"]),
    ],
)
def test_chart_ticks_in_wan_and_yi_in_chinese(top, lang, expected):
    assert chart_ticks(top, lang, whole=top < 100)[1] == expected


# --- in a real browser --------------------------------------------------------------------

CHART_GEOMETRY = """() => [...document.querySelectorAll('.chart')].map(c => {
  const svg = c.querySelector('svg.main-svg');
  const cb = c.getBoundingClientRect();
  const sb = svg ? svg.getBoundingClientRect() : null;
  const plot = c.querySelector('.cartesianlayer .bg, .nsewdrag');
  const labels = [...c.querySelectorAll('.yaxislayer-above .ytick text, .yaxislayer-above text')]
    .map(t => t.getBoundingClientRect()).map(r => ({left: r.left, right: r.right, top: r.top, bottom: r.bottom}));
  const data = JSON.parse(document.querySelector(`script.chart-data[data-target="${c.id}"]`).textContent);
  return {id: c.id, container: {left: cb.left, right: cb.right, height: cb.height},
          xticks: [...c.querySelectorAll('.xtick text')].map(t => t.textContent), written: data.ticktext,
          tickvals: data.tickvals,
          svg: sb && {left: sb.left, right: sb.right, height: sb.height}, labels: labels};
})"""


@pytest.fixture(scope="module")
def browser():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (apt-get install chromium)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        yield b
        b.close()


def test_charts_read_at_1366_and_390_px(db_path, browser):
    """Bar labels inside the chart, containers as tall as their plots, no sideways scroll."""
    from web_server import Server

    if not CORPUS.is_dir():
        pytest.fail("../shared/corpus not present", pytrace=False)
    ctx = _ctx(db_path)
    for path in sorted(CORPUS.glob("*.txt")):
        library.ingest_file(ctx, path)
    with Server(str(db_path)) as server:
        for lang in ("zh", "en"):
            for width in (1366, 390):
                context = browser.new_context(viewport={"width": width, "height": 900})
                page = context.new_page()
                page.goto(f"{server.url}/lang/{lang}")
                for path in ("/", "/insights"):
                    page.goto(server.url + path)
                    page.wait_for_selector(".chart .main-svg", timeout=20000)
                    n_charts = page.locator(".chart").count()
                    page.wait_for_function(
                        f"document.querySelectorAll('.chart .main-svg').length >= {n_charts}", timeout=20000
                    )
                    where = (lang, width, path)
                    assert page.evaluate("document.documentElement.scrollWidth") <= width, where
                    charts = page.evaluate(CHART_GEOMETRY)
                    assert len(charts) >= 3, where
                    for c in charts:
                        svg, box = c["svg"], c["container"]
                        assert svg and c["labels"], (where, c["id"])
                        for label in c["labels"]:  # every bar name whole, inside the chart and the page
                            assert label["left"] >= max(svg["left"], box["left"]) - 1, (where, c["id"], label)
                            assert label["left"] >= 0 and label["right"] <= width, (where, c["id"], label)
                        # The value axis prints the writer's labels (200万 / 2,000,000), nothing of its own.
                        assert c["xticks"] and set(c["xticks"]) <= set(c["written"]), (where, c["id"], c["xticks"])
                        assert c["written"] == [format_number(v, lang) for v in c["tickvals"]], (where, c["id"])
                        # No blank band: the container is as tall as the plot in it.
                        assert abs(box["height"] - svg["height"]) <= 8, (where, c["id"], box, svg)
                        assert box["right"] <= width + 1, (where, c["id"])
                context.close()


def test_home_names_the_calls_taking_submissions_public_ones_only(db_path, tmp_path):
    from caseatlas.programme.services import calls

    book = tmp_path / "home.md"
    book.write_text(SMALL_BOOK, encoding="utf-8")
    ctx = _ctx(db_path)
    library.ingest_file(ctx, book)
    client = TestClient(create_app(str(db_path)))  # nobody signed in
    assert 'id="no-open-calls"' in client.get("/").text
    deadlines = {"submission_deadline": "2099-01-01"}
    shown = calls.create(ctx, "cteam", "首页公开征集", 2026, deadlines=deadlines)
    calls.publish(ctx, shown["id"])
    draft = calls.create(ctx, "cteam", "首页草稿征集", 2026, deadlines=deadlines)  # not published: not public
    page = client.get("/").text
    listed = re.search(r'<ul class="plain-list" id="open-calls">(.*?)</ul>', page, re.S).group(1)
    assert f'href="/calls/{shown["id"]}"' in listed and "首页公开征集" in listed and "2099" in listed
    assert "首页草稿征集" not in page and f"/calls/{draft['id']}" not in page
