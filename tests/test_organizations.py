"""Organizations across books: the rules that link printed names (each with a case it must
not link), people's merges and splits, the stored records after ingest (ids, facet, filter,
export, pages, API), and the five corpus books."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, needs_corpus

from caseatlas.errors import CaseAtlasError
from caseatlas.organizations import Resolver, Use, same_group
from caseatlas.organizations.names import key, parse
from caseatlas.services import Context, library, system_actor
from caseatlas.services import organizations as orgs
from caseatlas.store import open_engine


def resolve(*printed: str, decisions=(), use_known: bool = False, titles=()):
    """{printed name: (organization key, group root key)} of one case per name."""
    uses = [Use(i, p, t) for i, (p, t) in enumerate(zip(printed, list(titles) + [""] * len(printed)))]
    res = Resolver(decisions, use_known=use_known).resolve(uses)
    out = {}
    for link in res.links:
        out.setdefault(printed[link.case] or f"title:{link.case}", (link.org, res.root(link.org)))
    return out, res


def same(a: str, b: str, **kw) -> bool:
    r, _ = resolve(a, b, **kw)
    return r[a][0] == r[b][0]


def grouped(a: str, b: str, **kw) -> bool:
    r, _ = resolve(a, b, **kw)
    return r[a][1] == r[b][1]


def test_legal_forms_traditional_characters_and_english_suffixes():
    assert same("聯想集團", "联想集团有限公司")
    assert same("Acme Co., Ltd.", "ACME Group")
    assert same("晶澳太阳能科技股份有限公司", "晶澳太阳能科技股份有限公司")
    assert not same("万科企业股份有限公司", "万达科技有限公司")
    assert key("达能 ( 中国 ) 食品饮料有限公司") == key("达能（中国）食品饮料有限公司") == "达能食品饮料"


def test_a_place_in_front_is_the_same_organization_only_when_the_bare_name_is_printed():
    assert same("内蒙古蒙牛乳业（集团）股份有限公司", "蒙牛乳业")
    assert not same("北京建筑设计研究院", "上海建筑设计研究院")  # only what follows a place in common
    assert not same("北京银行股份有限公司", "上海银行")
    assert not same(
        "内蒙古蒙牛乳业（集团）股份有限公司", "蒙牛乳业", decisions=[("蒙牛乳业", "内蒙古蒙牛乳业", "different")]
    )


def test_brackets_give_brand_and_short_names_or_the_group():
    n = parse("北京三快在线科技有限公司（美团外卖）")
    assert n.main == "北京三快在线科技有限公司" and n.aliases == ("美团外卖",)
    assert parse("浙江安吉智电控股有限公司（简称：能链智电）").aliases == ("能链智电",)
    assert parse("网易（杭州）网络有限公司").aliases == ()  # a place in brackets is part of the legal name
    assert parse("携程集团 Trip.com Group").aliases == ("Trip.com Group",)
    assert parse("饿了么（阿里巴巴本地生活集团）").parent == "阿里巴巴本地生活集团"
    assert same("北京三快在线科技有限公司（美团外卖）", "美团外卖")
    assert not same("北京三快在线科技有限公司", "美团外卖")  # nothing says so without the bracket or the known list
    assert same("北京三快在线科技有限公司", "汉海信息技术（上海）有限公司", use_known=True)  # brand and legal names


def test_units_and_branches_belong_to_their_group_but_are_not_it():
    r, res = resolve(
        "东方电气集团东方汽轮机有限公司",
        "东方电气集团有限公司",
        "中国建设银行广东省分行",
        "中国建设银行上海市分行",
        "国网嘉兴供电公司",
        "国网泰州供电公司",
        "光大水务（淄博）有限公司水质净化一分厂",
        use_known=True,
    )
    turbine, group = r["东方电气集团东方汽轮机有限公司"], r["东方电气集团有限公司"]
    assert turbine[0] != group[0] and turbine[1] == group[0]
    gd, sh = r["中国建设银行广东省分行"], r["中国建设银行上海市分行"]
    assert gd[0] != sh[0] and gd[1] == sh[1] and res.orgs[gd[1]].name == "中国建设银行"
    jx, tz = r["国网嘉兴供电公司"], r["国网泰州供电公司"]
    assert jx[0] != tz[0] and jx[1] == tz[1] and res.orgs[jx[1]].name == "国家电网"
    assert res.orgs[r["光大水务（淄博）有限公司水质净化一分厂"][0]].parent == key("光大水务有限公司")
    assert parse("山东魏桥创业集团有限公司").parent is None  # a legal form at the end names no group


def test_a_name_starting_with_another_is_its_member_only_at_a_word_boundary():
    assert grouped("京东物流有限公司", "京东集团") and not same("京东物流有限公司", "京东集团")
    assert not grouped("京东方科技集团股份有限公司", "京东集团")  # 京东方 is one word
    assert same("隆基股份", "隆基")  # only generic words after the name
    assert grouped("万科物流发展有限公司", "万科集团")


def test_word_by_word_abbreviations_of_three_characters_or_more():
    assert same("国家电投", "国家电力投资集团有限公司")
    assert not same("浙能集团", "浙江省能源集团有限公司")  # two characters collide too often
    assert same("浙能集团", "浙江省能源集团有限公司", decisions=[("浙能集团", "浙江省能源集团", "same")])


def test_a_split_also_keeps_a_name_out_of_the_other_s_group():
    assert grouped("万科物流发展有限公司", "万科集团")
    split = [("万科物流发展有限公司", "万科集团", "different")]
    assert not grouped("万科物流发展有限公司", "万科集团", decisions=split)


def test_a_case_without_an_organization_takes_the_one_its_title_starts_with():
    r, res = resolve(
        "北京三快在线科技有限公司（美团外卖）",
        None,
        None,
        "某某有限公司",
        titles=["", "美团绿色出行减污降碳案例", "美好生活社区的低碳实践", "美团骑手的故事"],
        use_known=True,
    )
    assert r["title:1"][0] == r["北京三快在线科技有限公司（美团外卖）"][0]
    assert "title:2" not in r  # 美好 is not 美团
    assert r["某某有限公司"][0] != r["title:1"][0]  # a printed organization wins over the title
    assert [link.source for link in res.links if link.case == 1] == ["title"]


def test_conflicts_use_the_same_resolution():
    assert same_group("中国宝武钢铁集团有限公司", "宝武集团上海分公司")
    assert same_group("汉海信息技术（上海）有限公司", "北京三快在线科技有限公司")
    assert not same_group("中国石油天然气集团", "中国石油化工集团")
    assert same_group("甲乙丙有限公司", "丁戊己有限公司", decisions=[("甲乙丙", "丁戊己", "same")])


FILLER = "\n".join(f"第{k}项工作按计划推进，运行情况良好。" for k in range(1, 9))
BOOK_A = f"""# 测试案例集 2025

本书收录三个测试案例，组织名称为虚构，只用来检验机构识别。

## 美团骑手绿色出行
北京三快在线科技有限公司（美团外卖）

### 案例概述
项目每年减少碳排放 1200 吨二氧化碳当量。骑手换电柜覆盖多个城市。
{FILLER}

### 项目成果
项目累计投资 5000 万元，带动更多商户参与减塑。
{FILLER}

## 内蒙古牧场光伏
内蒙古蒙牛乳业（集团）股份有限公司

### 案例概述
牧场屋顶光伏装机 6 兆瓦，年发电量 700 万千瓦时。
{FILLER}

### 项目成果
每年减少二氧化碳排放 4000 吨。
{FILLER}

## 城市社区零碳改造
甲乙丙社区服务中心

### 案例概述
社区改造后每年节约标准煤 300 吨。
{FILLER}

### 项目成果
居民参与垃圾分类，减少二氧化碳排放 800 吨。
{FILLER}
"""

BOOK_B = f"""# 另一本案例集 2026

本书收录三个测试案例，组织名称为虚构，只用来检验机构识别。

## 单车全生命周期减碳
汉海信息技术（上海）有限公司

### 案例概述
共享单车回收再利用，每年减少碳排放 3000 吨二氧化碳当量。
{FILLER}

### 项目成果
项目投资 2000 万元，覆盖更多城市。
{FILLER}

## 乳业低碳工厂
蒙牛乳业

### 案例概述
工厂余热回收，每年节约标准煤 1500 吨。
{FILLER}

### 项目成果
每年减少二氧化碳排放 3900 吨。
{FILLER}

## 园区储能示范
丁戊己能源有限公司

### 案例概述
园区储能 10 兆瓦时，每年减少二氧化碳排放 500 吨。
{FILLER}

### 项目成果
项目运行稳定，节约电费 100 万元。
{FILLER}
"""


@pytest.fixture
def two_books(ctx, tmp_path):
    """Two books in a library on each backend (SQLite file, PostgreSQL server)."""
    for name, text in (("a.md", BOOK_A), ("b.md", BOOK_B)):
        (tmp_path / name).write_text(text, encoding="utf-8")
        assert library.ingest_file(ctx, tmp_path / name).status == "added"
    return ctx, tmp_path


def _case_org(ctx, title: str):
    (c,) = [c for c in library.cases(ctx) if c.title == title]
    return c


def test_ingest_links_organizations_across_books_with_stable_ids(two_books):
    ctx, tmp = two_books
    a, b = _case_org(ctx, "美团骑手绿色出行"), _case_org(ctx, "单车全生命周期减碳")
    assert a.organization_id and a.organization_id == b.organization_id
    assert _case_org(ctx, "内蒙古牧场光伏").organization_id == _case_org(ctx, "乳业低碳工厂").organization_id
    assert _case_org(ctx, "城市社区零碳改造").organization_id != _case_org(ctx, "园区储能示范").organization_id
    listed = {o.name: o for o in orgs.organizations(ctx, min_books=2)}
    assert set(listed) == {"美团", "蒙牛"} and listed["美团"].n_books == 2
    detail = orgs.organization(ctx, a.organization_id)
    assert [c.title for c in detail.cases] == ["美团骑手绿色出行", "单车全生命周期减碳"]  # by book year
    assert detail.cases[0].outcomes["co2e_reduction"][0].value == 1200
    assert "北京三快在线科技有限公司" in detail.aliases and "汉海信息技术（上海）有限公司" in detail.aliases
    # Re-ingesting an edited book keeps every id.
    (tmp / "b.md").write_text(BOOK_B.replace("节约电费 100 万元", "节约电费 120 万元"), encoding="utf-8")
    assert library.ingest_file(ctx, tmp / "b.md").status == "replaced"
    assert _case_org(ctx, "单车全生命周期减碳").organization_id == a.organization_id


def test_decisions_survive_reingest_and_need_an_organizer(two_books):
    ctx, tmp = two_books
    x, y = _case_org(ctx, "城市社区零碳改造"), _case_org(ctx, "园区储能示范")
    with pytest.raises(CaseAtlasError, match="permission|log in|not allowed"):
        orgs.decide(Context(ctx.engine), "甲乙丙社区服务中心", "丁戊己能源有限公司", "same")
    with pytest.raises(CaseAtlasError, match="decision 'maybe'"):
        orgs.decide(ctx, "甲乙丙社区服务中心", "丁戊己能源有限公司", "maybe")
    with pytest.raises(CaseAtlasError, match="same name"):
        orgs.decide(ctx, "蒙牛乳业", "蒙牛乳业有限公司", "same")
    orgs.decide(ctx, "甲乙丙社区服务中心", "丁戊己能源有限公司", "same", "同一业主")
    assert _case_org(ctx, "城市社区零碳改造").organization_id == _case_org(ctx, "园区储能示范").organization_id
    orgs.decide(ctx, "蒙牛乳业", "内蒙古蒙牛乳业", "different")
    assert _case_org(ctx, "内蒙古牧场光伏").organization_id != _case_org(ctx, "乳业低碳工厂").organization_id
    (tmp / "a.md").write_text(BOOK_A.replace("300 吨", "310 吨"), encoding="utf-8")
    assert library.ingest_file(ctx, tmp / "a.md").status == "replaced"
    assert _case_org(ctx, "城市社区零碳改造").organization_id == _case_org(ctx, "园区储能示范").organization_id
    assert _case_org(ctx, "内蒙古牧场光伏").organization_id != _case_org(ctx, "乳业低碳工厂").organization_id
    orgs.decide(ctx, "蒙牛乳业", "内蒙古蒙牛乳业", None)  # withdrawn: the rule links them again
    assert _case_org(ctx, "内蒙古牧场光伏").organization_id == _case_org(ctx, "乳业低碳工厂").organization_id
    assert x.organization_id != y.organization_id
    # Removing a book drops organizations no case names any more.
    library.delete_collection(ctx, "b")
    assert {o.name for o in orgs.organizations(ctx)} == {"美团", "蒙牛", "甲乙丙社区服务中心"}


def test_facet_filter_export_and_csv(two_books):
    from caseatlas.models import Filters
    from caseatlas.services import discovery, exports

    ctx, _ = two_books
    facets = dict((f["value"], f["count"]) for f in discovery.facets(ctx)["facets"]["organization"])
    assert facets["美团"] == 2 and facets["蒙牛"] == 2
    hits = discovery.search(ctx, "减少", Filters(organization="美团"))
    assert {h["title"] for h in hits["hits"]} == {"美团骑手绿色出行", "单车全生命周期减碳"}
    by_id = discovery.search(ctx, "", Filters(organization=_case_org(ctx, "乳业低碳工厂").organization_id))
    assert by_id["total"] == 2
    rows = "".join(exports.export(ctx, "csv")).splitlines()
    header = rows[0].split(",")
    assert "organization_id" in header and "organization_group_id" in header
    record = json.loads("".join(exports.export(ctx, "jsonl")).splitlines()[0])
    assert record["organization_id"] == record["organizations"][0]["id"]
    assert record["organizations"][0]["as_printed"] == "北京三快在线科技有限公司（美团外卖）"


def test_api_and_pages(two_books, db_path):
    from fastapi.testclient import TestClient

    from caseatlas.services import accounts
    from caseatlas.web.app import create_app

    ctx, tmp = two_books
    accounts.add_user(ctx, "org1", "correct horse battery", "organizer")
    client = TestClient(create_app(str(db_path)))
    listed = client.get("/api/v1/organizations?min_books=2").json()
    assert {o["name"] for o in listed} == {"美团", "蒙牛"}
    mt = next(o for o in listed if o["name"] == "美团")
    detail = client.get(f"/api/v1/organizations/{mt['id']}").json()
    assert len(detail["cases"]) == 2 and detail["cases"][1]["as"] == "美团"
    assert client.get("/api/v1/organizations/nope").status_code == 404
    assert client.get(f"/api/v1/cases?organization={mt['id']}").json()["total"] == 2
    page = client.get(f"/organizations/{mt['id']}").text
    assert "单车全生命周期减碳" in page and "汉海信息技术（上海）有限公司" in page and "org-decision-form" not in page
    assert f"/organizations/{mt['id']}" in client.get("/organizations").text
    body = {"a": "甲乙丙社区服务中心", "b": "丁戊己能源有限公司", "decision": "same"}
    assert client.post("/api/v1/organizations/decisions", json=body).status_code in (401, 403)
    csrf = client.post("/api/v1/login", json={"username": "org1", "password": "correct horse battery"}).json()[
        "csrf_token"
    ]
    r = client.post("/api/v1/organizations/decisions", json=body, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200 and len(set(r.json()["organizations"].values())) == 1
    page = client.get(f"/organizations/{mt['id']}").text
    assert "org-decision-form" in page
    merged = client.get(f"/api/v1/organizations/{r.json()['organizations']['甲乙丙社区服务中心']}").json()
    assert [(d["decision"], d["username"]) for d in merged["decisions"]] == [("same", "user:org1")]
    assert len(merged["cases"]) == 2 and client.get(f"/api/v1/organizations/{mt['id']}").json()["decisions"] == []


@needs_corpus
@pytest.mark.corpus
def test_corpus_organizations_in_two_or_more_books_are_linked_and_distinct_ones_are_not(tmp_path):
    ctx = Context(open_engine(tmp_path / "lib.db"), system_actor())
    library.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
    groups = {o.name: o for o in orgs.organizations(ctx, min_books=2, top_only=True)}
    # What the issue names (美团 in three books, 蒙牛, 晶澳, 联想, 万科 in two) and the grid
    # company whose branches contribute to four books.
    assert {"美团", "蒙牛", "晶澳", "联想", "万科", "国家电网"} <= set(groups)
    assert groups["美团"].group_books == 3
    assert groups["国家电网"].group_cases == 6  # 003's case names two branches: counted once
    records = library.cases(ctx)
    by_printed = {}
    for r in records:
        for o in r.organizations:
            by_printed.setdefault(o.as_printed, set()).add((o.id, o.group_id))
    (jd,), (boe,) = by_printed["京东集团"], by_printed["福州京东方光电科技有限公司"]
    assert jd[1] != boe[1]  # 京东 and 京东方 share two characters, not a word
    (gd,), (sh,) = by_printed["中国建设银行广东省分行"], by_printed["中国建设银行上海市分行"]
    assert gd[0] != sh[0] and gd[1] == sh[1]  # two branches of one bank
    # No organization took cases of two different printed names unless a rule links them:
    # every entity's printed names share a key, a known entry, a bracket, or a place prefix.
    entity_names = {}
    for printed, ids in by_printed.items():
        for oid, _ in ids:
            entity_names.setdefault(oid, set()).add(printed)
    merged = sorted(sorted(v) for v in entity_names.values() if len(v) > 1)
    assert all(len(v) <= 3 for v in merged), merged
