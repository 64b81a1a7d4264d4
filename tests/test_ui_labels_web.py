"""Issue 27, labels on the compare, collections and organizations pages in both languages: book
labels from one writer (no year twice), counts with their unit, headers naming their column,
and each organization's group shown (books written here; names of the known-organizations list)."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from caseatlas.services import library

FILLER = "项目由专业团队实施，运行稳定，管理制度完善，相关经验可在同类单位推广复制，具有良好的示范意义。" * 2

BOOK_A = f"""# 湖滨低碳行动案例集

湖滨绿色发展研究会

2031 年 6 月

## 钢厂余热余压发电
宝山钢铁股份有限公司

### 案例概述
钢厂利用余热余压发电，每年节约标准煤 30000 吨。
{FILLER}

### 项目成果
每年减少二氧化碳排放 80000 吨。
{FILLER}

## 社区屋顶光伏
甲乙丙社区服务中心

### 案例概述
社区屋顶光伏装机 2 兆瓦，年发电量 220 万千瓦时。
{FILLER}

### 项目成果
每年减少二氧化碳排放 1200 吨。
{FILLER}

## 园区储能调峰
庚辛壬能源有限公司

### 案例概述
园区储能 10 兆瓦时，每年减少二氧化碳排放 500 吨。
{FILLER}

### 项目成果
项目运行稳定，节约电费 100 万元。
{FILLER}
"""

BOOK_B = f"""# 2030 港口绿色转型案例集

湖滨绿色发展研究会

2030 年 9 月

## 港口岸电改造
丁戊己港务有限公司

### 案例概述
码头岸电年供电 300 万千瓦时，减少二氧化碳排放 1700 吨。
{FILLER}

### 项目成果
船舶靠港使用岸电比例提高。
{FILLER}

## 港区光伏车棚
丁戊己港务有限公司

### 案例概述
车棚光伏年发电量 80 万千瓦时，减少二氧化碳排放 450 吨。
{FILLER}

### 项目成果
员工车辆充电更方便。
{FILLER}

## 集装箱电动集卡
癸子丑物流有限公司

### 案例概述
电动集卡替代柴油集卡，每年减少二氧化碳排放 900 吨。
{FILLER}

### 项目成果
噪声和尾气明显减少。
{FILLER}
"""


@pytest.fixture
def client(ctx, tmp_path, db_path):
    from caseatlas.web.app import create_app

    for name, text in (("a.md", BOOK_A), ("b.md", BOOK_B)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert library.ingest_file(ctx, tmp_path / name).status == "added"
    return TestClient(create_app(str(db_path)))


def _get(client, path, lang="zh"):
    r = client.get(path + ("&" if "?" in path else "?") + f"lang={lang}")
    assert r.status_code == 200
    return r.text


def _cells(html: str, row_head: str) -> list[str]:
    row = re.search(rf"<tr><th scope=\"row\">{row_head}</th>(.*?)</tr>", html, re.S)
    assert row, row_head
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row.group(1), re.S)]


def test_collections_page_labels_and_counts(client):
    zh = _get(client, "/collections")
    assert "湖滨低碳行动案例集（2031）" in zh and "2030 港口绿色转型案例集" in zh
    assert "2030 港口绿色转型案例集（2030）" not in zh  # the year the title prints, once
    assert ">3 个案例<" in zh
    assert "<dt>个案例</dt>" not in zh and "<dt>收录案例</dt>" in zh  # a header says what it is
    en = _get(client, "/collections", "en")
    assert ">3 cases<" in en and "湖滨低碳行动案例集 (2031)" in en


def test_compare_page_never_repeats_the_year(client):
    items = client.get("/api/v1/cases?limit=10").json()["items"]
    by_book: dict[str, list[str]] = {}
    for c in items:
        by_book.setdefault(c["collection"], []).append(c["id"])
    ids = ",".join(i for book in by_book.values() for i in book[:2])  # two of each book (the page takes 2–4)
    for lang in ("zh", "en"):
        page = _get(client, f"/compare?ids={ids}", lang)
        head = "案例集" if lang == "zh" else "Collection"
        cells = _cells(page, head)
        assert len(cells) == 4
        for cell in cells:
            assert len(re.findall(r"20\d\d", cell)) == 1, cell  # "2030 港口… 2030" no more
        assert any("2030 港口绿色转型案例集" == c for c in cells)
        assert re.search(r"<thead><tr><th scope=\"col\">\S", page)  # the corner cell names the rows


def test_organizations_page_shows_each_group(client):
    groups = _get(client, "/organizations")
    row = re.search(
        r"<tr data-org=\"[^\"]+\"><td><a href=\"/organizations/([^\"]+)\"[^>]*>中国宝武</a></td>(.*?)</tr>",
        groups,
        re.S,
    )
    assert row, "the group of a known member is listed"
    assert "1 家" in row.group(2) and f"?group={row.group(1)}" in row.group(2)  # its member units, linked
    everyone = _get(client, "/organizations?all=1")
    member = re.search(r">宝山钢铁[^<]*</a></td>\s*<td class=\"org-group\">(.*?)</td>", everyone, re.S)
    assert member and "中国宝武" in member.group(1)  # the 所属集团 column is filled
    one = _get(client, f"/organizations?group={row.group(1)}")
    assert "中国宝武" in one and "宝山钢铁" in one and "甲乙丙社区服务中心" not in one
    en = _get(client, "/organizations?all=1", "en")
    assert '<th scope="col">Group</th>' in en and re.search(r">\d+ cases?<", en)
