"""API and pages through the ASGI app (no network)."""

from __future__ import annotations

import json

import pytest
from fastapi.testclient import TestClient

from caseatlas.services import Context, library, system_actor
from caseatlas.store import open_engine
from caseatlas.web import create_app
from conftest import CORPUS, needs_corpus


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
        assert m["quote"] in next(l["raw"] for l in detail["lines"] if l["line_no"] == m["line"])
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
        rows = [json.loads(l) for l in r.text.splitlines()]
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
        assert {l.split(",")[0] for l in lines[1:]} <= {h["case_id"] for h in hits}


def test_export_takes_every_result_not_the_page(client):
    """The page shows 10; "export these results" must export all of them, in the page's mode."""
    total = client.get("/api/v1/search", params={"q": "减排", "mode": "text"}).json()["total"]
    page = client.get("/search", params={"q": "减排", "mode": "text"}).text
    import re

    href = re.search(r'id="export" href="([^"]+)"', page).group(1).replace("&amp;", "&")
    rows = client.get(href).content.decode("utf-8-sig").splitlines()
    assert len(rows) - 1 == total > 3 and "mode=text" in href


@pytest.mark.parametrize(("url", "status", "words"), [
    ("/api/v1/cases/none:1", 404, "no case"),
    ("/api/v1/cases?page_size=1000", 422, "page_size"),
    ("/api/v1/search?q=" + "长" * 501, 422, "at most 500"),
    ("/api/v1/search?q=x&min=bogus", 422, "KIND:MINIMUM"),
    ("/api/v1/search?q=x&mode=semantic", 409, "embed"),
    ("/api/v1/compare?ids=a", 422, "2 to 4"),
    ("/api/v1/compare?ids=a,b", 404, "no case"),
    ("/api/v1/outcomes?by=color", 422, "by"),
    ("/api/v1/nothing", 404, "Not Found"),
])
def test_errors_are_json_with_a_message(client, url, status, words):
    r = client.get(url)
    assert r.status_code == status
    body = r.json()
    assert body["error"]["status"] == status and words in body["error"]["message"]


def test_pages_render_and_escape_book_text(client, db_path, tmp_path):
    for url in ["/", "/search?q=余热", "/search?province=广东省", "/insights", "/collections", "/compare", "/docs",
                "/search?q=光伏&sort=co2", "/?lang=en"]:
        r = client.get(url)
        assert r.status_code == 200, url
        assert "cdn" not in r.text.lower() and "https://" not in r.text.replace("https://www.w3.org", "")
    assert client.get("/cases/none:1").status_code == 404
    # A book with markup in its text: shown as text, never run.
    hostile = tmp_path / "hostile.md"
    filler = "".join(f"第{k}段正文，说明项目的做法与成效，文字足够长以构成段落。\n\n" for k in range(8))
    case = ("\n\n【案例背景】\n\n<script>alert(1)</script>减少排放 5 吨。<img src=x onerror=alert(2)>\n\n" + filler
            + "【成效】\n\n效果显著，减排明显。\n\n" + filler)
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
    ids = [c["id"] for c in library.cases(ctx)]
    assert len(ids) == 93
    for case_id in ids:
        assert client.get(f"/cases/{case_id}").status_code == 200, case_id
        assert client.get(f"/api/v1/cases/{case_id}").status_code == 200, case_id
    assert client.get("/insights").status_code == 200


def test_threshold_is_shown_back_with_its_unit_and_sort_shows_the_value(client):
    import re

    page = client.get("/search", params={"q": "减排", "sort": "co2", "min_kind": "co2e_reduction", "min_value": "1000"}).text
    assert re.search(r'<option value="co2e_reduction" selected>[^<]*\(tCO2e\)', page)
    assert re.search(r'id="min_value"[^>]*value="1000"', page)
    shown = re.findall(r'class="sort-value">[^:]*: ([^<]*)<', page)
    assert shown and all("tCO2e" in s for s in shown)


def test_search_page_without_a_query_lists_the_library(client):
    import re

    page = client.get("/search").text
    assert re.search(r'id="total">8<', page) and page.count('class="hit"') == 8


def test_source_lines_show_markdown_as_meant_and_stay_escaped(client, db_path, tmp_path):
    book = tmp_path / "markup.md"
    filler = "".join(f"第{k}段正文，说明项目的做法与成效，文字足够长以构成段落。\n\n" for k in range(8))
    case = ("\n\n【案例背景】\n\n**摘要：**年减少 CO<sub>2</sub> 排放 5 吨，<script>alert(1)</script>\n\n" + filler
            + "【成效】\n\n效果显著，减排明显。\n\n" + filler)
    book.write_text("# 测试集\n\n" + "".join(f"## 案例{n}\n\n某某公司{case}" for n in range(3)), encoding="utf-8")
    assert library.ingest_file(system(db_path), book).status == "added"
    import re

    page = client.get("/cases/markup:1").text
    pane = "".join(re.findall(r'<span class="raw">(.*?)</span>', page, re.S))
    assert "<strong>摘要：</strong>" in pane and "CO<sub>2</sub>" in pane
    assert "**摘要" not in pane and "&lt;sub&gt;" not in pane
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in pane
