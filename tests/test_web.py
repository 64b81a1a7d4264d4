"""API and pages through the ASGI app (no network)."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, needs_corpus
from fastapi.testclient import TestClient

from caseatlas.services import Context, library, system_actor
from caseatlas.store import open_engine
from caseatlas.web import create_app


def system(db) -> Context:
    return Context(open_engine(db), system_actor())


@pytest.fixture
def client(db_path, sample_file):
    library.ingest_file(system(db_path), sample_file)
    return TestClient(create_app(str(db_path)))


def test_api_endpoints(client):
    cols = client.get("/api/v1/collections").json()
    assert cols[0]["title"].startswith("青禾") and cols[0]["experts"]
    page = client.get("/api/v1/cases", params={"page_size": 3, "page": 2}).json()
    assert page["total"] == 8 and len(page["items"]) == 3
    case_id = page["items"][0]["id"]
    detail = client.get(f"/api/v1/cases/{case_id}").json()
    assert detail["sections"] and detail["metrics"] and detail["lines"]
    for m in detail["metrics"]:
        assert m["quote"] in next(ln["raw"] for ln in detail["lines"] if ln["line_no"] == m["line"])
    res = client.get("/api/v1/search", params={"q": "屋顶光伏", "mode": "text"}).json()
    assert res["hits"][0]["title"] == "山城屋顶光伏共享计划" and res["facets"]["province"]
    facets = client.get("/api/v1/facets", params={"chapter": "绿色制造"}).json()
    assert facets["total"] == 3
    by = client.get("/api/v1/outcomes", params={"by": "chapter"}).json()
    assert {r["group"] for r in by} >= {"能源转型", "绿色制造"} and all(r["unit"] == "tCO2e" for r in by)
    csv_text = client.get("/api/v1/outcomes", params={"by": "province", "format": "csv"}).content.decode("utf-8-sig")
    assert csv_text.startswith("group,unit,total")
    ids = ",".join(i["id"] for i in page["items"][:2])
    assert len(client.get("/api/v1/compare", params={"ids": ids}).json()) == 2
    assert client.get(f"/api/v1/cases/{case_id}/similar").status_code == 200
    assert client.get("/api/v1/attributes/measure").json()[0]["cases"] >= 1


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "jsonl"])
def test_exports(client, fmt):
    r = client.get("/api/v1/export", params={"format": fmt, "q": "光伏"})
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    hits = client.get("/api/v1/search", params={"q": "光伏", "limit": 100}).json()["hits"]
    if fmt == "jsonl":
        rows = [json.loads(ln) for ln in r.text.splitlines()]
        assert [row["id"] for row in rows] == [h["case_id"] for h in hits]
        assert all("光伏" in (row["text"] + row["title"]) for row in rows)
    elif fmt == "xlsx":
        from io import BytesIO

        from openpyxl import load_workbook

        book = load_workbook(BytesIO(r.content))
        assert book.sheetnames == ["cases", "outcomes"]
        cases_ws, outcomes_ws = book["cases"], book["outcomes"]
        assert cases_ws.cell(1, 1).value == "id" and cases_ws.max_row == len(hits) + 1
        header = [c.value for c in outcomes_ws[1]]
        values = [row[header.index("value")] for row in outcomes_ws.iter_rows(min_row=2, values_only=True)]
        assert values and all(isinstance(v, (int, float)) for v in values)  # numbers, not text
    else:
        assert r.content.startswith(b"\xef\xbb\xbfid,title,organization")
        outcomes = client.get("/api/v1/export", params={"format": "csv", "q": "光伏", "table": "outcomes"})
        lines = outcomes.content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("case_id,case_title,outcome_id,kind,value")
        assert {ln.split(",")[0] for ln in lines[1:]} <= {h["case_id"] for h in hits}


def test_export_takes_every_result_not_the_page(client):
    """The page shows 10; "export these results" must export all of them, in the page's mode."""
    total = client.get("/api/v1/search", params={"q": "减排", "mode": "text"}).json()["total"]
    page = client.get("/search", params={"q": "减排", "mode": "text"}).text
    import re

    href = re.search(r'id="export" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    rows = client.get(href).content.decode("utf-8-sig").splitlines()
    assert len(rows) - 1 == total > 3 and "mode=text" in href


@pytest.mark.parametrize(
    ("url", "status", "words"),
    [
        ("/api/v1/cases/none:1", 404, "no case"),
        ("/api/v1/cases?page_size=1000", 422, "page_size"),
        ("/api/v1/search?q=" + "长" * 501, 422, "at most 500"),
        ("/api/v1/search?q=x&min=bogus", 422, "KIND:MINIMUM"),
        ("/api/v1/search?q=x&mode=semantic", 409, "embed"),
        ("/api/v1/compare?ids=a", 422, "2 to 4"),
        ("/api/v1/compare?ids=a,b", 404, "no case"),
        ("/api/v1/outcomes?by=color", 422, "by"),
        ("/api/v1/nothing", 404, "Not Found"),
    ],
)
def test_errors_are_json_with_a_message(client, url, status, words):
    r = client.get(url)
    assert r.status_code == status
    body = r.json()
    assert body["error"]["status"] == status and words in body["error"]["message"]


def test_pages_render_and_escape_book_text(client, db_path, tmp_path):
    for url in [
        "/",
        "/search?q=余热",
        "/search?province=广东省",
        "/insights",
        "/collections",
        "/compare",
        "/docs",
        "/search?q=光伏&sort=co2",
        "/?lang=en",
    ]:
        r = client.get(url)
        assert r.status_code == 200, url
        assert "cdn" not in r.text.lower() and "https://" not in r.text.replace("https://www.w3.org", "")
    assert client.get("/cases/none:1").status_code == 404
    # A book with markup in its text: shown as text, never run.
    hostile = tmp_path / "hostile.md"
    filler = "".join(f"第{k}段正文，说明项目的做法与成效，文字足够长以构成段落。\n\n" for k in range(8))
    case = (
        "\n\n【案例背景】\n\n<script>alert(1)</script>减少排放 5 吨。<img src=x onerror=alert(2)>\n\n"
        + filler
        + "【成效】\n\n效果显著，减排明显。\n\n"
        + filler
    )
    hostile.write_text("# 测试集\n\n" + "".join(f"## 案例{n}\n\n某某公司{case}" for n in range(3)), encoding="utf-8")
    assert library.ingest_file(system(db_path), hostile).status == "added"  # appears without restart
    r = client.get("/cases/hostile:1")
    assert r.status_code == 200
    assert "<script>alert(1)" not in r.text and "&lt;script&gt;alert(1)&lt;/script&gt;" in r.text
    assert "<img src=x" not in r.text
    assert any(c["slug"] == "hostile" for c in client.get("/api/v1/collections").json())


@needs_corpus
def test_every_corpus_case_renders(db_path):
    ctx = system(db_path)
    library.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
    client = TestClient(create_app(str(db_path)))
    ids = [c.id for c in library.cases(ctx)]
    assert len(ids) == 93
    for case_id in ids:
        assert client.get(f"/cases/{case_id}").status_code == 200, case_id
        assert client.get(f"/api/v1/cases/{case_id}").status_code == 200, case_id
    assert client.get("/insights").status_code == 200


def test_threshold_is_shown_back_with_its_unit_and_sort_shows_the_value(client):
    import re

    page = client.get(
        "/search", params={"q": "减排", "sort": "co2", "min_kind": "co2e_reduction", "min_value": "1000"}
    ).text
    assert re.search(r'<option value="co2e_reduction" selected>[^<]*\(tCO2e\)', page)
    assert re.search(r'id="min_value"[^>]*value="1000"', page)
    shown = re.findall(r'class="sort-value">[^:]*: ([^<]*)<', page)
    assert shown and all("吨二氧化碳当量" in s and "e+" not in s for s in shown)


def test_search_page_without_a_query_lists_the_library(client):
    import re

    page = client.get("/search").text
    assert re.search(r'id="total">8<', page) and page.count('class="hit"') == 8


def test_source_lines_show_markdown_as_meant_and_stay_escaped(client, db_path, tmp_path):
    book = tmp_path / "markup.md"
    filler = "".join(f"第{k}段正文，说明项目的做法与成效，文字足够长以构成段落。\n\n" for k in range(8))
    case = (
        "\n\n【案例背景】\n\n**摘要：**年减少 CO<sub>2</sub> 排放 5 吨，<script>alert(1)</script>\n\n"
        + filler
        + "【成效】\n\n效果显著，减排明显。\n\n"
        + filler
    )
    book.write_text("# 测试集\n\n" + "".join(f"## 案例{n}\n\n某某公司{case}" for n in range(3)), encoding="utf-8")
    assert library.ingest_file(system(db_path), book).status == "added"
    import re

    page = client.get("/cases/markup:1").text
    pane = "".join(re.findall(r'<span class="raw">(.*?)</span>', page, re.S))
    assert "<strong>摘要：</strong>" in pane and "CO<sub>2</sub>" in pane
    assert "**摘要" not in pane and "&lt;sub&gt;" not in pane
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in pane


# --- totals that explain themselves (issue 22, point 4) ------------------------------------

_FILLER = "\n".join(f"第{k}项工作按计划推进，运行情况良好。" for k in range(1, 9))
# Four cases, written for these tests. Annual CO2: 乙 50,000 (57 % of 88,000: dominant), 甲 19,000
# (stated with 18,000 tce: a factor of 1.06 t/tce, so a flag cites both), 丙 10,000 + 3,000 (two
# figures, one contributor), 丁 6,000. Investment: 2,000 / 2,200 / 1,900 / 2,100 万元 (balanced).
_TOTALS_CASES = [
    ("甲公司余热利用项目", "甲热能科技有限公司", 2000, "项目年节约标准煤 18000 吨，每年减少二氧化碳排放 19000 吨。"),
    ("乙公司光伏电站", "乙新能源有限公司", 2200, "电站投运后每年减少二氧化碳排放 50000 吨。"),
    (
        "丙公司绿色物流",
        "丙物流有限公司",
        1900,
        "车队电动化后每年减少二氧化碳排放 10000 吨。仓库照明改造后每年减少二氧化碳排放 3000 吨。",
    ),
    ("丁公司节水工厂", "丁制造有限公司", 2100, "工厂改造后每年减少二氧化碳排放 6000 吨。"),
]
TOTALS_BOOK = "\n".join(
    ["# 合计测试案例集 2026\n\n本书收录四个测试案例，其中的数字只用来检验合计。\n"]
    + [
        f"## {t}\n{org}\n\n### 案例概述\n项目总投资 {money} 万元。\n{_FILLER}\n\n### 项目成果\n{result}\n{_FILLER}\n"
        for t, org, money, result in _TOTALS_CASES
    ]
)


@pytest.fixture
def totals_client(db_path, tmp_path):
    book = tmp_path / "totals.md"
    book.write_text(TOTALS_BOOK, encoding="utf-8")
    assert library.ingest_file(system(db_path), book).status == "added"
    return TestClient(create_app(str(db_path)))


def _total(summary, kind: str, unit: str | None = None, period: str | None = None):
    rows = [t for t in summary.by_kind if t.kind == kind and unit in (None, t.unit) and period in (None, t.period)]
    assert len(rows) == 1, rows
    return rows[0]


def test_totals_name_their_cases_with_shares_dominance_and_flagged_part(totals_client, db_path):
    from caseatlas.services import checks, insights

    ctx = system(db_path)
    s = insights.summary(ctx)
    co2 = _total(s, "co2e_reduction", "tCO2e", "annual")
    assert co2.total == pytest.approx(88000) and (co2.n_cases, co2.n_outcomes) == (4, 5)
    assert [c.title for c in co2.contributors] == [
        "乙公司光伏电站",
        "甲公司余热利用项目",
        "丙公司绿色物流",
        "丁公司节水工厂",
    ]
    assert [c.value for c in co2.contributors] == pytest.approx([50000, 19000, 13000, 6000])
    assert sum(c.value for c in co2.contributors) == pytest.approx(co2.total)
    assert sum(c.share for c in co2.contributors) == pytest.approx(1.0)
    assert co2.contributors[0].share == pytest.approx(50000 / 88000) and co2.dominant
    assert {c.collection for c in co2.contributors} == {"合计测试案例集 2026"}
    # Each contributor points at its largest figure of this total (丙: the 10,000, not the 3,000).
    metrics = {c.id: c.metrics for c in library.cases(ctx)}
    for c in co2.contributors:
        m = next(m for m in metrics[c.case_id] if m.id == c.outcome_id)
        assert (m.kind, m.period, m.line) == ("co2e_reduction", "annual", c.line)
        assert m.value == max(x.value for x in metrics[c.case_id] if x.kind == "co2e_reduction")
    # A balanced total is not marked: no case makes more than 30 %.
    money = _total(s, "investment_or_finance", "CNY")
    assert money.total == pytest.approx(8.2e7) and money.n_cases == 4 and not money.dominant
    assert max(c.share for c in money.contributors) == pytest.approx(2200 / 8200)
    # The flagged part is the sum of the figures the standing flag cites (computed here from the flag).
    cited = {q for f in checks.flags(ctx) for q in f.quotes}
    flagged = [
        m
        for ms in metrics.values()
        for m in ms
        if m.kind == "co2e_reduction" and m.period == "annual" and m.quote in cited
    ]
    assert len(flagged) == 1 and co2.flagged_outcomes == 1 and co2.flagged_cases == 1
    assert co2.flagged_value == pytest.approx(sum(m.value for m in flagged)) == pytest.approx(19000)
    assert co2.flagged_share == pytest.approx(19000 / 88000) and money.flagged_value == 0 == money.flagged_share
    assert s.flagged_left_out == 2  # the CO2 figure and the tce it was computed from
    # Without the flagged figures: 甲 leaves this total (and the tce total is empty), the shares are of what is left.
    u = insights.summary(ctx, unflagged=True)
    co2u = _total(u, "co2e_reduction", "tCO2e", "annual")
    assert co2u.total == pytest.approx(69000) and (co2u.n_cases, co2u.n_outcomes) == (3, 4)
    assert co2u.total_all == pytest.approx(88000) and co2u.flagged_value == pytest.approx(19000)
    assert [c.title for c in co2u.contributors] == ["乙公司光伏电站", "丙公司绿色物流", "丁公司节水工厂"]
    assert sum(c.share for c in co2u.contributors) == pytest.approx(1.0)
    tce = _total(u, "energy_saving", "tce")
    assert (tce.total, tce.n_outcomes, tce.n_cases, tce.contributors) == (0, 0, 0, []) and tce.flagged_share == 1
    # Fewer cases named: the largest, whether their case has a flag (甲) or not (ranked in SQL).
    assert [
        c.title for c in _total(insights.summary(ctx, top=2), "co2e_reduction", "tCO2e", "annual").contributors
    ] == ["乙公司光伏电站", "甲公司余热利用项目"]
    assert [
        c.title
        for c in _total(insights.summary(ctx, unflagged=True, top=2), "co2e_reduction", "tCO2e", "annual").contributors
    ] == ["乙公司光伏电站", "丙公司绿色物流"]
    # A dismissed flag no longer stands: nothing of the total rests on it.
    checks.set_verdict(ctx, next(f.id for f in checks.flags(ctx)), "dismissed", "测试")
    after = _total(insights.summary(ctx, unflagged=True), "co2e_reduction", "tCO2e", "annual")
    assert after.flagged_value == 0 and after.total == pytest.approx(88000) and after.n_cases == 4


def test_totals_api_and_cli_json_carry_contributors_and_flagged_part(totals_client, db_path):
    from typer.testing import CliRunner

    from caseatlas.cli import app

    body = totals_client.get("/api/v1/totals").json()
    co2 = next(
        t for t in body["by_kind"] if (t["kind"], t["unit"], t["period"]) == ("co2e_reduction", "tCO2e", "annual")
    )
    assert co2["dominant"] is True and co2["n_cases"] == 4 and co2["flagged_value"] == pytest.approx(19000)
    assert co2["flagged_share"] == pytest.approx(19000 / 88000)
    assert set(co2["contributors"][0]) == {"case_id", "title", "collection", "value", "share", "outcome_id", "line"}
    assert [c["case_id"] for c in co2["contributors"]] == ["totals:2", "totals:1", "totals:3", "totals:4"]
    assert sum(c["value"] for c in co2["contributors"]) == pytest.approx(co2["total"])
    money = next(t for t in body["by_kind"] if t["kind"] == "investment_or_finance")
    assert money["dominant"] is False and money["flagged_value"] == 0
    few = totals_client.get("/api/v1/totals", params={"unflagged": "true", "top": 1}).json()
    co2u = next(t for t in few["by_kind"] if (t["kind"], t["period"]) == ("co2e_reduction", "annual"))
    assert few["unflagged"] and co2u["total"] == pytest.approx(69000) and len(co2u["contributors"]) == 1
    assert totals_client.get("/api/v1/totals", params={"top": 0}).status_code == 422
    r = CliRunner().invoke(app, ["totals", "--json", "--db", str(db_path)])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout) == body
    r = CliRunner().invoke(app, ["totals", "--db", str(db_path), "--top", "2"])
    assert r.exit_code == 0 and "88,000吨二氧化碳当量" in r.stdout and "one case makes 57%" in r.stdout
    assert "flagged 19,000吨二氧化碳当量 (22%" in r.stdout and "totals:2" in r.stdout and "totals:3" not in r.stdout


def test_home_page_shows_contributors_dominance_and_flagged_share(totals_client):
    import re

    def row(html: str, kind: str, unit: str) -> str:
        m = re.search(rf'<tr data-kind="{kind}" data-period="[^"]*" data-unit="{unit}">(.*?)</tr>', html, re.S)
        assert m, (kind, unit)
        return m.group(1)

    html = totals_client.get("/").text
    co2 = row(html, "co2e_reduction", "tCO2e")
    assert "88,000吨二氧化碳当量" in co2 and "其中 1 个案例占 57%" in co2
    assert re.findall(r'<a href="/cases/([^"#]+)#L\d+"', co2) == ["totals%3A2", "totals%3A1", "totals%3A3"]
    assert "50,000吨二氧化碳当量 · 57%" in co2 and "乙公司光伏电站" in co2 and "合计测试案例集 2026" in co2
    # The flagged part is on the normal view, without a click.
    assert re.search(r'class="flagged-value">19,000吨二氧化碳当量</span> · <span class="flagged-share">22%', co2)
    money = row(html, "investment_or_finance", "CNY")
    assert "8,200万元" in money and "dominant" not in money and "—" in money
    # Without the flagged figures, the page says what was left out, and of how much.
    html = totals_client.get("/?unflagged=1").text
    co2 = row(html, "co2e_reduction", "tCO2e")
    assert '<span class="total">69,000吨二氧化碳当量</span>' in co2 and "未计入" in co2
    assert "全部数字合计 88,000吨二氧化碳当量" in co2 and "totals%3A1" not in co2
    insights_page = totals_client.get("/insights?unflagged=1").text
    assert re.search(
        r'未计入的有核查提示的数字： 1 个数字（减排量 每年 <span class="flagged-value">19,000吨二氧化碳当量</span>，'
        r"22%）",
        insights_page,
    )
    en = totals_client.get("/?lang=en").text
    assert "88,000 tCO2e" in row(en, "co2e_reduction", "tCO2e") and "One case makes 57%" in en


def test_pages_write_numbers_with_the_one_writer():
    from caseatlas.web.pages import fmt_share, fmt_value

    # ≥ 1e12 亿 printed "1.8e+04 亿" before; the writer never prints an exponent.
    assert fmt_value({"value": 1.8e16, "unit": "CNY"}) == "18,000万亿元"
    assert fmt_value({"value": 1.78e7, "unit": "tCO2e"}, "en") == "17,800,000 tCO2e"
    assert fmt_value({"value": 1.78e7, "unit": "tCO2e", "qualifier": "approx"}) == "约 1,780万吨二氧化碳当量"
    assert fmt_value({"value": 1.5e5, "value_max": 2e5, "unit": "tce"}) == "15万–20万吨标准煤"
    assert (fmt_share(0.3816), fmt_share(0.001), fmt_share(0.0), fmt_share(1.0)) == ("38%", "<1%", "0%", "100%")
