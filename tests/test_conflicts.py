"""Conflicts of interest (issue 23, point 1), on both backends where a library is opened.

The rules that see a group behind different names are tested on pairs of the *classes* the
issue measured (a group's short-name prefix, an institute of a group, a unit named after it, a
member whose name does not say so), never on the two pairs it reported, and on negatives that
share characters but not a group. Then what a conflict does in a call: found once and stored,
stale when its inputs change, an assignment it touches removed (the organizer told, k kept),
a library decision by someone who does not run the call unable to remove it, the conflict-check
screen with its reasons, and the alias groups surviving the settings form."""

from __future__ import annotations

import re
from html import unescape

import pytest
from test_programme import PASSWORD, _sections, as_user, programme  # noqa: F401  (fixture)

from caseatlas.errors import NotFound
from caseatlas.organizations import relation, same_group, same_organization
from caseatlas.programme.services import calls, reviews, submissions
from caseatlas.services import Context, accounts
from caseatlas.services import organizations as orgs
from caseatlas.store import programmes as pstore

# (a group as a reviewer names it, a unit of that group as an applicant signs)
SAME_GROUP = [
    ("中国石油天然气集团", "中石油勘探开发研究院"),  # a group's short name, then the unit (no word boundary)
    ("中国石油天然气集团有限公司", "中国石油规划总院"),
    ("中国石油化工集团有限公司", "中国石化上海工程有限公司"),  # 中国 kept: the key drops it
    ("中石化", "中国石化石油勘探开发研究院"),
    ("国家电网", "国网河南省电力公司"),  # the group's abbreviation, a province, a unit
    ("国家电网有限公司", "国网能源研究院有限公司"),
    ("中国华能", "华能玉环电厂"),
    ("中国华能集团有限公司", "华能清洁能源研究院"),  # an institute named after the group
    ("宝武集团", "宝钢湛江钢铁有限公司"),  # another short name of the same group
    ("中国宝武", "宝武碳业科技股份有限公司"),
    ("中国交通建设集团有限公司", "中交第二航务工程局有限公司"),
    ("中国电力建设集团有限公司", "中国电建集团华东勘测设计研究院有限公司"),  # a 设计院 after the group's name
    ("中国五矿集团有限公司", "中冶京诚工程技术有限公司"),  # member of a member (known.toml `group`)
    ("国家能源投资集团有限责任公司", "中国神华能源股份有限公司"),  # a member whose name does not say so
    ("南方电网", "广东电网有限责任公司广州供电局"),
    ("中国铁建股份有限公司", "中铁十四局集团有限公司"),  # 十一局 and up are 中国铁建's …
    ("中国中铁股份有限公司", "中铁十局集团有限公司"),  # … 一局 to 十局 中国中铁's
]
NOT_RELATED = [
    ("京东", "京东方科技集团股份有限公司"),  # 京东方 is one word, a name of its own
    ("京东集团", "京东方"),
    ("中国银行", "中国建设银行"),  # 中国…银行 around another bank's name
    ("中国工商银行", "中国农业银行"),
    ("中国石油天然气集团有限公司", "中国石油化工股份有限公司"),  # 中国石油 is a prefix of 中国石油化工
    ("中国中铁股份有限公司", "中铁十四局集团有限公司"),
    ("国家电网", "南方电网"),
    ("中国华能", "中国华电"),
    ("华能", "华为技术有限公司"),
    ("宝钢", "宝鸡钢铁有限公司"),  # 宝鸡 is a city: its steel works are not 宝钢
    ("中国石油天然气集团有限公司", "中国石油大学（华东）"),  # a university, not a unit of the group
    ("中国建筑集团有限公司", "中国建材集团有限公司"),
]


@pytest.mark.parametrize("group, unit", SAME_GROUP)
def test_a_unit_of_a_group_under_its_own_name_is_in_the_group(group, unit):
    rel = relation(group, unit)
    assert rel is not None, f"{unit} is {group}'s"
    assert same_group(unit, group)
    assert rel.links and all(rule for rule, _, _ in rel.links), "each link names its rule"


@pytest.mark.parametrize("a, b", NOT_RELATED)
def test_names_that_share_characters_but_not_a_group(a, b):
    assert relation(a, b) is None, relation(a, b).why


def test_two_provincial_companies_are_one_group_not_one_organization():
    a, b = "国网江苏省电力有限公司", "国网山东省电力有限公司"
    assert same_group(a, b) and not same_organization(a, b)
    assert relation(a, b).kind == "group" and relation(a, b).group == "国家电网"
    assert same_organization("国家电网", "国家电网有限公司") and same_organization("中石化", "中国石油化工集团有限公司")


def test_the_reason_says_which_rule_and_name_matched():
    rel = relation("中国石油天然气集团", "中石油勘探开发研究院")
    assert rel.group == "中国石油" and ("known_prefix", "中石油勘探开发研究院", "中石油") in rel.links
    assert "中石油勘探开发研究院按名称属于中石油" in rel.why
    rel = relation("中国五矿集团有限公司", "中冶京诚工程技术有限公司")
    assert ("known_member", "中冶", "中国五矿") in rel.links and "中冶是中国五矿旗下企业" in rel.why
    assert "中冶 is a member of the 中国五矿 group" in rel.why_en
    rel = relation("浙能集团", "浙江省能源集团有限公司", aliases=[["浙能集团", "浙江省能源集团"]])
    assert rel is not None and "本征集把浙能集团和浙江省能源集团列为同一集团" in rel.why


# --- in a call


@pytest.fixture
def season(programme, ctx):
    """The programme fixture's call (k = 3) with two more reviewers and three submitted cases:
    a (甲能源科技), b (国家电力投资集团江苏电力, rev3's group) and c (乙环境工程有限公司)."""
    call, org = programme
    for name, aff in (("rev4", "某设计院"), ("rev5", "某协会")):
        calls.add_member(
            org,
            call["id"],
            name,
            "reviewer",
            affiliation=aff,
            topics=["绿色制造"],
            password=PASSWORD,
            email=f"{name}@example.org",
        )
    accounts.register(Context(ctx.engine), "appc", PASSWORD, "乙环境工程有限公司", "c@example.org")
    ids = {}
    for user, title in (("appa", "屋顶光伏"), ("appb", "园区储能"), ("appc", "污泥资源化")):
        u = as_user(ctx.engine, user)
        s = submissions.create(u, call["id"], title, "绿色制造", _sections(call, "每年减排 100 吨二氧化碳"))
        submissions.submit(u, s["id"])
        ids[user[-1]] = s["id"]
    calls.advance(org, call["id"])  # close submissions
    return call, org, ids


def _assigned(ctx, call_id) -> dict[int, set[str]]:
    with ctx.engine.connect() as conn:
        out: dict[int, set[str]] = {}
        for a in pstore.assignments_of(conn, call_id):
            out.setdefault(a["submission_id"], set()).add(a["username"])
        return out


def _notices(ctx, call_id) -> list[dict]:
    with ctx.engine.connect() as conn:
        return [n for n in pstore.notifications_of(conn, call_id) if n["kind"] == "conflict_found"]


def test_conflicts_are_computed_once_and_stored_until_an_input_changes(season, ctx, monkeypatch):
    import caseatlas.programme.services.conflicts as coi

    call, org, ids = season
    runs = []
    real = coi.detect
    monkeypatch.setattr(coi, "detect", lambda *a, **k: runs.append(1) or real(*a, **k))
    for _ in range(3):
        listed = submissions.list_for(org, call["id"])
        reviews.conflict_check(org, call["id"])
    assert len(listed) == 3 and len(runs) <= 1, "computed at most once for three pages and three checks"
    with ctx.engine.connect() as conn:
        state = pstore.conflict_state(conn, call["id"])
        stored = pstore.detected_conflicts(conn, call["id"], state["fingerprint"])
    assert [(r["submission_id"], r["reviewer_org"]) for r in stored] == [(ids["b"], "国家电投集团有限公司")]
    runs.clear()
    # an alias group makes the stored ones stale: computed again, and the new conflict is there
    calls.update(org, call["id"], aliases="某协会、乙环境工程有限公司")
    check = reviews.conflict_check(org, call["id"])
    assert runs, "computed again after the alias group changed"
    pairs = {(p["reviewer"], p["submission"]) for p in check["pairs"]}
    assert ("rev5", ids["c"]) in pairs and ("rev3", ids["b"]) in pairs
    with ctx.engine.connect() as conn:
        assert pstore.conflict_state(conn, call["id"])["fingerprint"] != state["fingerprint"]
    # so does a new affiliation (a reviewer added to the panel)
    runs.clear()
    calls.add_member(org, call["id"], "rev6", "reviewer", affiliation="甲能源科技集团", password=PASSWORD)
    check = reviews.conflict_check(org, call["id"])
    assert ("rev6", ids["a"]) in {(p["reviewer"], p["submission"]) for p in check["pairs"]}


def test_the_conflict_check_lists_the_pairs_with_their_reasons(season, ctx, db_path):
    from fastapi.testclient import TestClient

    from caseatlas.web import create_app

    call, org, ids = season
    reviews.declare_conflict(as_user(ctx.engine, "rev1"), ids["c"], "曾为其提供咨询")
    check = reviews.conflict_check(org, call["id"])
    rows = {(p["reviewer"], p["submission"]): p for p in check["pairs"]}
    assert set(rows) == {("rev3", ids["b"]), ("rev1", ids["c"])}
    b = rows[("rev3", ids["b"])]
    assert b["origin"] == "detected" and b["kind"] == "group" and b["reviewer_org"] == "国家电投集团有限公司"
    assert b["applicant_org"] == "国家电力投资集团江苏电力有限公司" and "国家电投" in b["reason"]
    assert rows[("rev1", ids["c"])]["origin"] == "declared" and "咨询" in rows[("rev1", ids["c"])]["reason"]
    client = TestClient(create_app(str(db_path)))
    assert client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD}).status_code == 200
    api = client.get(f"/api/v1/calls/{call['id']}/conflicts").json()
    assert {(p["reviewer"], p["submission"]) for p in api["pairs"]} == set(rows)
    page = unescape(client.get(f"/calls/{call['id']}/conflicts").text)
    assert 'data-pairs="2"' in page and "国家电投集团有限公司" in page and "国家电力投资集团江苏电力有限公司" in page
    assert b["reason"] in page
    other = TestClient(create_app(str(db_path)))
    other.post("/api/v1/login", json={"username": "rev3", "password": PASSWORD})
    assert other.get(f"/api/v1/calls/{call['id']}/conflicts").status_code == 403
    assert other.get(f"/calls/{call['id']}/conflicts").status_code == 403


def test_a_conflict_found_after_assignment_removes_it_tells_the_organizer_and_k_holds(season, ctx):
    call, org, ids = season
    out = reviews.auto_assign(org, call["id"])
    assert out["conflicts_violated"] == 0
    before = _assigned(ctx, call["id"])
    assert all(len(v) == 3 for v in before.values()) and "rev3" not in before[ids["b"]]
    victim = next(r for r in sorted(before[ids["c"]]) if r != "rev3")
    aff = {"rev1": "某大学", "rev2": "某研究院", "rev4": "某设计院", "rev5": "某协会"}[victim]
    # the organizer learns that the reviewer's employer is the applicant's group under another name
    calls.update(org, call["id"], aliases=[[aff, "乙环境工程有限公司"]])
    after = _assigned(ctx, call["id"])
    assert victim not in after[ids["c"]] and len(after[ids["c"]]) == 2
    notes = _notices(ctx, call["id"])
    assert len(notes) == 1 and victim in notes[0]["body"] and "污泥资源化" in notes[0]["body"]
    assert notes[0]["to_addr"] == "org1@example.org"
    shown = calls.get_call(org, call["id"])["conflict_notices"]
    assert shown and victim in shown[0]["body"]
    load = {m["username"]: m["load"] for m in calls.panel(org, call["id"])}
    assert load[victim] == sum(1 for v in after.values() if victim in v), "loads follow the assignments"
    with pytest.raises(NotFound):  # what a reviewer may no longer see does not exist for them
        submissions.get(as_user(ctx.engine, victim), ids["c"])
    # assigning again fills the gap and never goes past k
    reviews.auto_assign(org, call["id"])
    again = _assigned(ctx, call["id"])
    assert all(len(v) == 3 for v in again.values()) and victim not in again[ids["c"]]
    # a conflict the reviewer declares on an assigned case: removed, the organizer told, k kept
    other = sorted(again[ids["a"]])[0]
    reviews.declare_conflict(as_user(ctx.engine, other), ids["a"], "前雇主")
    assert other not in _assigned(ctx, call["id"])[ids["a"]]
    assert any(other in n["body"] and "前雇主" in n["body"] for n in _notices(ctx, call["id"]))
    reviews.auto_assign(org, call["id"])
    final = _assigned(ctx, call["id"])
    assert all(len(v) == 3 for v in final.values()) and other not in final[ids["a"]]
    # and a declared organization that names an applicant's group
    r = sorted(final[ids["b"]])[0]
    calls.declare_organizations(as_user(ctx.engine, r), call["id"], ["国家电投"])
    assert r not in _assigned(ctx, call["id"])[ids["b"]]


def test_a_library_decision_by_another_organizer_never_removes_a_conflict_in_this_call(season, ctx):
    call, org, ids = season
    accounts.add_user(ctx, "org2", PASSWORD, "organizer")
    elsewhere = as_user(ctx.engine, "org2")
    # org2 runs no part of this call: their split does not make rev3 eligible for b …
    orgs.decide(elsewhere, "国家电投集团有限公司", "国家电力投资集团江苏电力有限公司", "different")
    check = reviews.conflict_check(org, call["id"])
    assert ("rev3", ids["b"]) in {(p["reviewer"], p["submission"]) for p in check["pairs"]}
    reviews.auto_assign(org, call["id"])
    assert "rev3" not in _assigned(ctx, call["id"])[ids["b"]]
    with pytest.raises(NotFound):  # what a reviewer may no longer see does not exist for them
        submissions.get(as_user(ctx.engine, "rev3"), ids["b"])
    # … but their merge may add one: the assignment it touches goes, and org1 is told
    victim = sorted(_assigned(ctx, call["id"])[ids["c"]])[0]
    aff = {"rev1": "某大学", "rev2": "某研究院", "rev4": "某设计院", "rev5": "某协会"}[victim]
    orgs.decide(elsewhere, aff, "乙环境工程有限公司", "same")
    assert victim not in _assigned(ctx, call["id"])[ids["c"]]
    assert any(victim in n["body"] for n in _notices(ctx, call["id"]))
    # the call's own organizer may decide for the call: their split applies here
    orgs.decide(org, "国家电投集团有限公司", "国家电力投资集团江苏电力有限公司", "different")
    check = reviews.conflict_check(org, call["id"])
    assert ("rev3", ids["b"]) not in {(p["reviewer"], p["submission"]) for p in check["pairs"]}


def test_alias_groups_survive_the_settings_form(programme, ctx, db_path):
    from fastapi.testclient import TestClient

    from caseatlas.web import create_app

    call, org = programme
    client = TestClient(create_app(str(db_path)))
    csrf = client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD}).json()["csrf_token"]
    groups = "浙能集团、浙江省能源集团\n申能集团、申能（集团）有限公司、上海申能电力"
    r = client.post(
        f"/calls/{call['id']}/settings", data={"csrf_token": csrf, "aliases": groups}, follow_redirects=False
    )
    assert r.status_code == 303

    def form_of(page: str) -> dict:
        """The settings form as the browser would send it back: every field with its value."""
        form = re.search(r'<form action="/calls/\d+/settings".*?</form>', page, re.S).group(0)
        data = {
            m.group(1): unescape(m.group(2))
            for m in re.finditer(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form)
        }
        data.update(
            {
                m.group(1): unescape(m.group(2))
                for m in re.finditer(r'<textarea[^>]*name="([^"]+)"[^>]*>(.*?)</textarea>', form, re.S)
            }
        )
        return data

    for _ in range(2):  # the organizer only changes a deadline, twice: the groups stay
        data = form_of(client.get(f"/calls/{call['id']}").text)
        assert "浙能集团、浙江省能源集团" in data["aliases"] and "上海申能电力" in data["aliases"]
        data["review_deadline"] = "2099-06-30"
        assert client.post(f"/calls/{call['id']}/settings", data=data, follow_redirects=False).status_code == 303
        assert calls.get_call(org, call["id"])["aliases"] == [
            ["浙能集团", "浙江省能源集团"],
            ["申能集团", "申能（集团）有限公司", "上海申能电力"],
        ]
