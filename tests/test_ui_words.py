"""What a person reads (issue 27): a conflict of interest's reason and the formal checklist are
written as a person would write them, in the page's language — no rule file names, no set
symbols, no brackets inside brackets; on the English page no Chinese words or punctuation outside
the organizations' and sections' own names. Through the services and through the pages."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from caseatlas.organizations import relation
from caseatlas.programme.services import calls, reviews, rounds, submissions
from caseatlas.services import Actor, Context, accounts
from caseatlas.store import accounts as accounts_store
from caseatlas.web import create_app

PASSWORD = "correct horse battery"
GROUP_UNIT = ("宝武集团上海分公司", "中国宝武钢铁集团有限公司")
DEVELOPER = ("known.toml", "∈", "=", "（（", "））", "别名组")
# Chinese characters and full-width or CJK punctuation: none in English text once names are out.
CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")


def _as(engine, name: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, name)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def _without(text: str, names) -> str:
    for n in sorted(set(names), key=len, reverse=True):
        text = text.replace(n, "")
    return text


def _plain(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


PAIRS = [
    GROUP_UNIT,
    ("中国石油天然气集团", "中石油勘探开发研究院"),
    ("中国五矿集团有限公司", "中冶京诚工程技术有限公司"),
    ("国网江苏省电力有限公司", "国网山东省电力有限公司"),
    ("中石化", "中国石油化工集团有限公司"),
    ("国家电网", "国家电网有限公司"),
]


@pytest.mark.parametrize("a, b", PAIRS)
def test_a_reason_reads_as_a_sentence_in_either_language(a, b):
    rel = relation(a, b)
    names = [a, b, rel.group, *(n for _, x, y in rel.links for n in (x, y))]
    zh, en = rel.why, rel.why_en
    for text in (zh, en):
        assert not any(d in text for d in DEVELOPER), text
    assert zh.startswith("同一机构：" if rel.kind == "same" else f"同属{rel.group}：")
    assert en.startswith("The same organization: " if rel.kind == "same" else f"Both belong to {rel.group}: ")
    assert not CJK.search(_without(en, names)), en
    assert rel.written("en") == en and rel.written("zh") == zh


def test_the_group_of_a_branch_says_who_belongs_to_whom():
    rel = relation(*GROUP_UNIT)
    assert rel.why.startswith("同属中国宝武：宝武集团上海分公司是宝武的下属单位，宝武即中国宝武")
    assert rel.why_en.startswith(
        "Both belong to 中国宝武: 宝武集团上海分公司 is a unit of 宝武, 宝武 is another name of 中国宝武"
    )


@pytest.fixture
def season(ctx):
    """A season call (形式审查 first): appb of the 中国宝武 group, rev3 in its Shanghai branch;
    appc declares no figure and attaches nothing."""
    e = ctx.engine
    accounts.add_user(ctx, "org1", PASSWORD, "organizer")
    org = _as(e, "org1")
    call = calls.create(
        org,
        "cteam",
        "测试征集",
        2027,
        domains=["绿色制造"],
        deadlines={"submission_deadline": "2099-01-01"},
        rounds="season",
    )
    calls.publish(org, call["id"])
    for name, company in (("appb", GROUP_UNIT[1]), ("appc", "丙交通集团有限公司")):
        accounts.register(Context(e), name, PASSWORD, company, f"{name}@example.org")
    for name, aff in (("rev1", "某大学"), ("rev3", GROUP_UNIT[0])):
        calls.add_member(org, call["id"], name, "reviewer", affiliation=aff, password=PASSWORD)
    ids = {}
    declared = [{"kind": "co2e_reduction", "value": 960, "unit": "tCO2e", "period": "annual"}]
    for who, title, outcomes in (("appb", "乙案例", declared), ("appc", "丙案例", [])):
        app = _as(e, who)
        sections = [{"heading": h, "text": f"每年减排 960 吨（{h}）。"} for h in call["template"]]
        s = submissions.create(app, call["id"], title, "绿色制造", sections, outcomes)
        submissions.submit(app, s["id"])
        ids[who] = s["id"]
    calls.advance(org, call["id"])
    formal = rounds.list_rounds(org, call["id"])[0]
    rounds.open_round(org, formal.id)
    return {"call": call, "org": org, "ids": ids, "formal": formal.id}


def _client(ctx, db_path, lang: str) -> TestClient:
    client = TestClient(create_app(str(db_path)))
    r = client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.get(f"/lang/{lang}")
    return client


def test_conflict_reasons_through_the_service(season):
    check = reviews.conflict_check(season["org"], season["call"]["id"])
    (row,) = [p for p in check["pairs"] if p["origin"] == "detected"]
    assert row["reviewer"] == "rev3" and row["kind"] == "group"
    assert row["reason"].startswith("同属中国宝武：宝武集团上海分公司是宝武的下属单位")
    assert row["reason_en"].startswith("Both belong to 中国宝武: 宝武集团上海分公司 is a unit of 宝武")
    for text in (row["reason"], row["reason_en"]):
        assert not any(d in text for d in DEVELOPER), text
    page = submissions.get(season["org"], season["ids"]["appb"])
    (c,) = page["conflicts"]
    assert (c["reason"], c["reason_en"]) == (row["reason"], row["reason_en"])


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_conflict_reasons_on_the_pages(season, ctx, db_path, lang):
    client = _client(ctx, db_path, lang)
    html = client.get(f"/calls/{season['call']['id']}/conflicts").text
    (cell,) = re.findall(r'<td class="reason"[^>]*>(.*?)</td>', html, re.S)
    sub = _plain(client.get(f"/submissions/{season['ids']['appb']}").text)
    names = ["中国宝武", "宝武", *GROUP_UNIT, "中国宝武钢铁集团有限公司"]
    assert not any(d in cell for d in DEVELOPER), cell
    if lang == "zh":
        assert cell.startswith("同属中国宝武：宝武集团上海分公司是宝武的下属单位")
        assert "回避：rev3（同属中国宝武：" in sub.replace(" ", "")  # tags read as spaces
    else:
        assert cell.startswith("Both belong to 中国宝武: 宝武集团上海分公司 is a unit of 宝武")
        assert not CJK.search(_without(cell, names)), cell
        said = re.search(r"Conflicts: rev3 \((.*?)\)", sub)
        assert said and not CJK.search(_without(said.group(1), names)), sub


def test_formal_checklist_through_the_service(season):
    checks = {c.submission: c for c in rounds.formal_checks(season["org"], season["formal"])}
    items = {i.key: i for i in checks[season["ids"]["appc"]].items}
    assert (items["outcomes"].state, items["outcomes"].detail, items["outcomes"].detail_en) == (
        "no_outcomes",
        "未申报量化成果",
        "no quantified outcomes declared",
    )
    assert (items["attachments"].detail, items["attachments"].detail_en) == ("没有附件", "no files attached")
    n = len(season["call"]["template"])
    assert items["sections"].count == n and items["sections"].detail_en == f"all {n} sections are filled in"
    assert items["sections"].detail == f"{n} 个部分均已填写"
    assert items["eligibility"].detail_en == "for staff to judge" and items["eligibility"].auto is None
    for i in items.values():
        assert i.label and i.label_en and not CJK.search(i.label_en + i.detail_en)


CHECK_ZH = ("形式审查", "申报书各部分已填写", "个部分均已填写", "未申报量化成果", "没有附件", "由工作人员判断")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_formal_checklist_on_the_page(season, ctx, db_path, lang):
    client = _client(ctx, db_path, lang)
    r = client.get(f"/rounds/{season['formal']}/checks")
    assert r.status_code == 200
    text = _plain(r.text)
    if lang == "zh":
        assert all(w in text for w in CHECK_ZH), text
        assert "✗ 未申报量化成果" in text and "✗ 没有附件" in text and "— 由工作人员判断" in text
    else:
        assert not [w for w in CHECK_ZH if w in text], text
        assert "Formal check" in text and "Every section of the form is filled in" in text
        assert "✗ no quantified outcomes declared" in text and "✗ no files attached" in text
        assert "— for staff to judge" in text
        cells = re.findall(r'<td class="auto">(.*?)</td>', r.text, re.S)
        assert cells and not any(CJK.search(_plain(c)) for c in cells), cells


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_saving_a_check_says_so_in_the_page_language(season, ctx, db_path, lang):
    client = _client(ctx, db_path, lang)
    page = client.get(f"/rounds/{season['formal']}/checks").text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    sub = season["ids"]["appb"]
    r = client.post(
        f"/rounds/{season['formal']}/checks/{sub}",
        data={"csrf_token": csrf, "submission": sub, "ok_eligibility": "1", "verdict": "pass"},
    )
    assert r.status_code == 200, r.text
    said = re.search(r'<p class="notice alert ok" role="status" id="message">(.*?)</p>', r.text, re.S).group(1)
    if lang == "zh":
        assert said == "已保存《乙案例》的形式审查：通过"
    else:
        assert said == "Saved the formal check of “乙案例”: passed"
