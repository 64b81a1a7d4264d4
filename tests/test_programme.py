"""Programmes through the services, on both backends: a call from a preset, submissions
(typed and from a file), conflicts detected from organizations, assignment, reviews,
ranking with normalization, decisions with quotas, publishing into the library."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from caseatlas.errors import CaseAtlasError, Conflict, Forbidden, NotFound
from caseatlas.organizations import same_group
from caseatlas.organizations.names import key as core
from caseatlas.programme.domain.assign import Problem, solve
from caseatlas.programme.domain.scoring import rank, weighted_total
from caseatlas.programme.services import calls, finals, reviews, selection, submissions
from caseatlas.services import Actor, Context, accounts, discovery, exports, library
from caseatlas.store import accounts as accounts_store

PASSWORD = "correct horse battery"


def as_user(engine, username: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, username)
    return Context(engine, Actor("user", u.username, u.role, u.id))


@pytest.fixture
def programme(ctx):
    """An organizer's call (C Team preset, 3 domains), two applicants, three reviewers: one
    works for a company of the same group as applicant B (different name)."""
    e = ctx.engine
    accounts.add_user(ctx, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = as_user(e, "org1")
    call = calls.create(
        org,
        "cteam",
        "2026 企业气候行动案例征集",
        2026,
        domains=["绿色制造", "能源转型", "绿色交通"],
        organizers=["某促进中心"],
        deadlines={"submission_deadline": "2099-01-01"},
        quotas={"绿色制造": 1},
    )
    calls.publish(org, call["id"])
    anon = Context(e)
    accounts.register(anon, "appa", PASSWORD, "甲能源科技有限公司", "a@example.org")
    accounts.register(anon, "appb", PASSWORD, "国家电力投资集团江苏电力有限公司", "b@example.org")
    for name, aff in (("rev1", "某大学"), ("rev2", "某研究院"), ("rev3", "国家电投集团有限公司")):
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
    return call, org


def _sections(call, text):
    return [{"heading": h, "text": f"{text}，{h}。"} for h in call["template"]]


def test_conflicts_see_through_names():
    assert core("中国宝武钢铁集团有限公司") == core("宝武集团上海分公司") or same_group(
        "中国宝武钢铁集团有限公司", "宝武集团上海分公司"
    )
    assert same_group("国家电力投资集团有限公司", "国家电投")
    assert same_group("阿里巴巴（中国）有限公司", "阿里巴巴集团")
    assert same_group("Acme Co., Ltd.", "ACME Group")
    assert not same_group("万科企业股份有限公司", "万达科技有限公司")
    assert not same_group("中国石油天然气集团", "中国石油化工集团")
    assert same_group("浙能集团", "浙江省能源集团有限公司", aliases=[["浙能集团", "浙江省能源集团"]])
    assert not same_group("浙能集团", "浙江省能源集团有限公司")


def test_assignment_balanced_without_conflicts():
    subs, revs = list(range(40)), list(range(100, 112))
    conflicts = {(s, r) for s in subs for r in revs if (s * 7 + r) % 9 == 0}
    match = {(s, 100): 2 for s in subs}  # everyone would want reviewer 100: balance must still hold
    res = solve(Problem(subs, revs, 3, conflicts, match))
    assert res.conflicts_violated == 0 and not res.short
    assert len(res.pairs) == 120 and len(set(res.pairs)) == 120
    assert max(res.loads.values()) == 10 and min(res.loads.values()) == 10
    assert not set(res.pairs) & conflicts
    # topic preference decides among equal loads: reviewer 100 gets only matched submissions
    assert res.loads[100] == 10


def test_scoring_weights_and_normalization():
    criteria = [{"key": "a", "weight": 0.75}, {"key": "b", "weight": 0.25}]
    assert weighted_total({"a": 4, "b": 2}, criteria) == pytest.approx(3.5)
    # reviewer 1 is harsh, reviewer 2 generous: same order, different scales
    reviews = [
        (1, 1, {"a": 2, "b": 2}),
        (2, 1, {"a": 1, "b": 1}),
        (1, 2, {"a": 5, "b": 5}),
        (2, 2, {"a": 4, "b": 4}),
        (3, 2, {"a": 4.5, "b": 4.5}),
    ]
    rows = {r.submission_id: r for r in rank(reviews, criteria, (1, 5), [1, 2, 3])}
    assert rows[1].raw == pytest.approx(3.5) and rows[1].normalized > rows[2].normalized
    assert rows[1].dispersed  # 2 vs 5 on a 1–5 scale
    assert not rows[3].dispersed and rows[3].n_reviews == 1


def test_programme_end_to_end(programme, ctx, monkeypatch):
    call, org = programme
    e = ctx.engine
    a, b = as_user(e, "appa"), as_user(e, "appb")
    sa = submissions.create(
        a,
        call["id"],
        "厂房屋顶分布式光伏",
        "绿色制造",
        _sections(call, "项目年发电量 120 万千瓦时，每年减少二氧化碳排放 960 吨"),
        [{"kind": "co2e_reduction", "value": 960, "unit": "tCO2e", "period": "annual"}],
    )
    assert sa["facts"]["outcomes"], "the extractor reads the submission's text"
    submissions.submit(a, sa["id"])
    sb = submissions.create(b, call["id"], "园区储能与绿电交易", "能源转型", _sections(call, "累计节约标准煤 5000 吨"))
    submissions.submit(b, sb["id"])
    # applicants see only their own
    assert [s["id"] for s in submissions.list_for(a, call["id"])] == [sa["id"]]
    with pytest.raises(NotFound):  # another applicant's: unknown to a, as an id that never existed
        submissions.get(a, sb["id"])
    # edit and resubmit before the deadline: the change is shown as a diff
    submissions.save(a, sa["id"], sections=_sections(call, "项目年发电量 150 万千瓦时"))
    s2 = submissions.submit(a, sa["id"])
    assert s2["version"] == 2 and any("150" in " ".join(c["added"]) for c in s2["changes_since_first_submission"])
    calls.advance(org, call["id"])  # close submissions now
    with pytest.raises(Forbidden):
        submissions.save(a, sa["id"], title="改名")
    out = reviews.auto_assign(org, call["id"])
    assert out["conflicts_violated"] == 0
    r3 = as_user(e, "rev3")
    with pytest.raises(NotFound):
        submissions.get(r3, sb["id"])  # 国家电投 group: detected conflict
    assert sb["id"] not in [s["id"] for s in submissions.list_for(r3, call["id"])]
    with pytest.raises(NotFound):
        reviews.save_review(r3, sb["id"], {"impact": 5})
    with pytest.raises(Conflict):
        reviews.assign(org, sb["id"], "rev3")
    for name, score in (("rev1", 5), ("rev2", 4), ("rev3", 3)):
        rv = as_user(e, name)
        for s in submissions.list_for(rv, call["id"]):
            full = submissions.get(rv, s["id"])
            assert full["reviews"] is None  # others' reviews hidden during review
            reviews.save_review(
                rv,
                s["id"],
                {"impact": score, "replicability": score, "sustainability": score},
                comment="好",
                confidence=4,
                expert_comment=f"{name} 的点评",
                submit=True,
            )
    with pytest.raises(NotFound):
        submissions.get(a, sb["id"])
    assert submissions.get(a, sa["id"])["reviews"] is None  # applicants never see reviews
    calls.advance(org, call["id"])  # end review → discussion
    rv1 = as_user(e, "rev1")
    assert submissions.get(rv1, sa["id"])["reviews"], "in discussion a reviewer who reviewed sees the others"
    reviews.comment(rv1, sa["id"], "同意入选")
    table = selection.ranking(org, call["id"])
    rows = [r for d in table.domains for r in d.rows]
    assert {r.submission for r in rows} == {sa["id"], sb["id"]}
    preview = selection.decide(
        org,
        call["id"],
        [{"submission": sa["id"], "decision": "accept"}, {"submission": sb["id"], "decision": "accept"}],
        preview=True,
    )
    assert len(preview.changes) == 2 and not preview.applied
    assert submissions.get(org, sa["id"])["decision"] is None  # a preview changes nothing
    selection.decide(
        org,
        call["id"],
        [{"submission": sa["id"], "decision": "accept"}, {"submission": sb["id"], "decision": "accept"}],
        preview=False,
    )
    accounts.register(Context(e), "appc", PASSWORD, "丙公司", "c@example.org")
    calls.advance(org, call["id"])  # end discussion → decision
    finals.approve_as_submitted(org, call["id"])  # no finals stage: as submitted
    # the book prints an approved 专家点评 only: sa's is rev2's draft, chosen and approved; sb's
    # reviewers' drafts stay drafts, so sb is printed without one
    finals.choose_comment(org, sa["id"], "rev2", comment_by="评审专家乙")
    finals.approve_comment(org, sa["id"])
    result = selection.publish(org, call["id"])
    assert result.cases == 2
    cols = {c.slug: c for c in library.collections(ctx)}
    assert result.collection in cols and cols[result.collection].publisher == "某促进中心"
    hits = discovery.search(ctx, "储能 绿电交易", mode="text")
    assert any(h["title"] == "园区储能与绿电交易" for h in hits["hits"])
    case = library.case_detail(ctx, submissions.get(org, sa["id"])["case_id"])
    assert case.chapter == "绿色制造" and any(s.heading == "专家点评" for s in case.sections)
    other = library.case_detail(ctx, submissions.get(org, sb["id"])["case_id"])
    assert not any(s.heading == "专家点评" for s in other.sections), "an unapproved draft is never printed"
    assert any(m.kind == "co2e_reduction" for m in case.metrics)
    assert submissions.get(a, sa["id"])["decision"] == "accept"


def test_quota_refuses_and_changes_nothing(programme, ctx):
    call, org = programme
    e = ctx.engine
    ids = []
    for user in ("appa", "appb"):
        s = submissions.create(as_user(e, user), call["id"], f"{user} 的案例", "绿色制造", _sections(call, "内容"))
        submissions.submit(as_user(e, user), s["id"])
        ids.append(s["id"])
    calls.advance(org, call["id"])
    calls.advance(org, call["id"])
    with pytest.raises(Conflict):
        selection.decide(org, call["id"], [{"submission": i, "decision": "accept"} for i in ids], preview=False)
    assert all(submissions.get(org, i)["decision"] is None for i in ids)


def test_upload_prefill_bad_file_changes_nothing(programme, ctx, tmp_path):
    call, org = programme
    a = as_user(ctx.engine, "appa")
    with pytest.raises(CaseAtlasError, match="empty"):
        submissions.create_from_upload(a, call["id"], "case.txt", b"", "绿色制造")
    with pytest.raises(CaseAtlasError, match="GBK|decode|encoding|binary|text"):
        submissions.create_from_upload(a, call["id"], "case.txt", b"\x00\x01\x02\xff" * 100, "绿色制造")
    assert submissions.list_for(a, call["id"]) == []
    text = "\n".join(
        [
            "屋顶光伏项目",
            "甲能源科技有限公司",
            "案例概述",
            "项目年减排二氧化碳 800 吨。",
            "项目成果",
            "累计发电 300 万千瓦时。",
            "专家点评",
            "很好。",
        ]
    ).encode("gb18030")
    sub = submissions.create_from_upload(a, call["id"], "case.txt", text, "绿色制造")
    assert sub["title"] == "屋顶光伏项目"
    filled = {s["heading"]: s["text"] for s in sub["sections"]}
    assert "800" in filled["案例概述"] and "300" in filled["项目成果"]
    assert not any("很好" in t for t in filled.values())  # the expert's comment is not the applicant's
    assert sub["outcomes"] and all(o["quote"] and not o["confirmed"] for o in sub["outcomes"])
    with pytest.raises(CaseAtlasError, match="confirm"):
        submissions.submit(a, sub["id"])
    assert len(sub["attachments"]) == 1


def test_attachments_checked(programme, ctx):
    call, _ = programme
    a = as_user(ctx.engine, "appa")
    s = submissions.create(a, call["id"], "案例", "绿色制造", _sections(call, "内容"))
    with pytest.raises(CaseAtlasError, match="attachments may be"):
        submissions.add_attachment(a, s["id"], "x.html", b"<script>alert(1)</script>")
    with pytest.raises(CaseAtlasError, match="not a pdf"):
        submissions.add_attachment(a, s["id"], "x.pdf", b"<html>")
    att = submissions.add_attachment(a, s["id"], "x.pdf", b"%PDF-1.4\n...")
    assert att["content_type"] == "application/pdf"
    with pytest.raises(NotFound):
        submissions.attachment(as_user(ctx.engine, "appb"), att["id"])


def _through_review(programme, ctx):
    """Both applicants submit, submissions close, everyone assigned reviews."""
    call, org = programme
    e = ctx.engine
    ids = []
    for user, dom in (("appa", "绿色制造"), ("appb", "能源转型")):
        s = submissions.create(
            as_user(e, user), call["id"], f"{user} 的案例", dom, _sections(call, "年减排 100 吨二氧化碳")
        )
        submissions.submit(as_user(e, user), s["id"])
        ids.append(s["id"])
    calls.advance(org, call["id"])
    reviews.auto_assign(org, call["id"])
    for name in ("rev1", "rev2", "rev3"):
        rv = as_user(e, name)
        for s in submissions.list_for(rv, call["id"]):
            reviews.save_review(
                rv, s["id"], {"impact": 4, "replicability": 3, "sustainability": 5}, confidence=3, submit=True
            )
    return ids


def test_mail_server_down_never_undoes_an_action(programme, ctx, monkeypatch):
    from caseatlas.store import programmes as pstore

    call, org = programme
    monkeypatch.setenv("CASEATLAS_SMTP_HOST", "127.0.0.1")
    from web_server import free_port

    monkeypatch.setenv("CASEATLAS_SMTP_PORT", str(free_port()))  # nothing listens there
    a = as_user(ctx.engine, "appa")
    s = submissions.create(a, call["id"], "案例", "绿色制造", _sections(call, "内容"))
    assert submissions.submit(a, s["id"])["status"] == "submitted"
    with ctx.engine.connect() as conn:
        sent = [n for n in pstore.notifications_of(conn, call["id"]) if n["kind"] == "submission_received"]
    assert sent and sent[0]["status"] == "failed" and sent[0]["error"]


def test_blind_review_hides_the_applicant(programme, ctx):
    call, org = programme
    calls.update(org, call["id"], blind=True)
    ids = _through_review(programme, ctx)
    seen = [
        submissions.get(as_user(ctx.engine, n), i)
        for n in ("rev1", "rev2")
        for i in ids
        if i in {s["id"] for s in submissions.list_for(as_user(ctx.engine, n), call["id"])}
    ]
    assert seen and all(s["organization"] is None and s["applicant"] is None for s in seen)
    assert submissions.get(org, ids[0])["organization"] == "甲能源科技有限公司"


def test_every_programme_action_is_audited_and_exported(programme, ctx, tmp_path):
    import io

    from openpyxl import load_workbook

    from caseatlas.services import audit

    call, org = programme
    _through_review(programme, ctx)
    actions = {e.action for e in audit.entries(ctx, limit=500)}
    assert {
        "programme.create",
        "programme.publish",
        "programme.member",
        "submission.create",
        "submission.submit",
        "programme.advance",
        "review.assign",
        "review.submit",
    } <= actions
    data, media = selection.export_bytes(org, call["id"], "xlsx")
    wb = load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["submissions", "scores", "decisions"]
    scores = list(wb["scores"].values)
    assert (
        scores[0][:3] == ("submission", "title", "reviewer") and len(scores) - 1 == 5
    )  # 2 cases × k=3, minus rev3 on b (conflict)
    total = scores[0].index("total")
    assert all(abs(row[total] - (0.4 * 4 + 0.3 * 3 + 0.3 * 5)) < 1e-9 for row in scores[1:])
    with pytest.raises(Forbidden):
        selection.export_bytes(as_user(ctx.engine, "rev1"), call["id"], "csv")


def test_cli_scripts_a_programme(db_path, tmp_path):
    from typer.testing import CliRunner

    from caseatlas.cli import app

    runner = CliRunner()
    db = ["--db", str(db_path)]
    r = runner.invoke(
        app,
        [
            "programme",
            "create",
            "城市案例征集",
            "--preset",
            "isotc268",
            "--year",
            "2026",
            "--domain",
            "城市",
            "--domain",
            "社区",
            "--deadline",
            "2099-01-01",
            *db,
        ],
    )
    assert r.exit_code == 0, r.output
    call_id = re.search(r"created call (\d+)", r.output).group(1)
    csv_file = tmp_path / "panel.csv"
    csv_file.write_text(
        "username,name,email,affiliation,topics\nr1,张三,r1@example.org,某大学,城市;社区\n", encoding="utf-8"
    )
    r = runner.invoke(app, ["programme", "import-reviewers", call_id, str(csv_file), *db])
    assert r.exit_code == 0 and "invitation (mailed to r1@example.org):" in r.output and "password" not in r.output
    assert re.search(r"http://\S+/invite/[\w-]{40,}", r.output)  # the link, printed once
    assert runner.invoke(app, ["programme", "publish", call_id, *db]).exit_code == 0
    r = runner.invoke(app, ["programme", "assign", call_id, *db])
    assert r.exit_code == 1 and "nothing to assign" in r.output and "Traceback" not in r.output
    r = runner.invoke(app, ["programme", "list", *db])
    assert "城市案例征集" in r.output and "submission" in r.output
    out = tmp_path / "call.xlsx"
    assert runner.invoke(app, ["programme", "export", call_id, "-o", str(out), *db]).exit_code == 0
    assert out.read_bytes()[:2] == b"PK"


# --- declared outcomes: data from the form to the library --------------------------------------

DECLARED_SECTION = "申报的量化成果"
_calls = iter(range(1, 10**6))


def publish_declared(org: Context, declared: list[dict], text: str) -> tuple[dict, list[int]]:
    """A call of its own with three accepted cases of appa (needs appa; rev1 is made if missing):
    the one with `declared` outcomes is submitted first but printed last (its domain comes last),
    so each submission must point at its own case."""
    e = org.engine
    call = calls.create(
        org,
        "cteam",
        f"申报成果征集 {next(_calls)}",
        2027,
        domains=["绿色制造", "能源转型", "绿色交通"],
        organizers=["某促进中心"],
        deadlines={"submission_deadline": "2099-01-01"},
    )
    calls.publish(org, call["id"])
    calls.add_member(org, call["id"], "rev1", "reviewer", affiliation="某大学", password=PASSWORD)
    a = as_user(e, "appa")
    ids = []
    for title, domain, body, outs in (
        ("城市公交电动化", "绿色交通", text, declared),
        ("园区储能与绿电交易", "能源转型", "累计节约标准煤 5000 吨", []),
        ("厂房屋顶分布式光伏", "绿色制造", "每年减少二氧化碳排放 960 吨", []),
    ):
        s = submissions.create(a, call["id"], title, domain, _sections(call, body), outs)
        submissions.submit(a, s["id"])
        ids.append(s["id"])
    calls.advance(org, call["id"])
    rv = as_user(e, "rev1")
    for sid in ids:
        reviews.assign(org, sid, "rev1")
        reviews.save_review(
            rv,
            sid,
            {c["key"]: 4 for c in call["criteria"]},
            confidence=4,
            expert_comment="示范性强，值得推广。",
            submit=True,
        )
    calls.advance(org, call["id"])
    selection.decide(org, call["id"], [{"submission": i, "decision": "accept"} for i in ids], preview=False)
    calls.advance(org, call["id"])
    for sid in ids:  # the 专家点评: rev1's draft, chosen and approved by the organizer
        finals.choose_comment(org, sid, "rev1")
        finals.approve_comment(org, sid)
    finals.approve_as_submitted(org, call["id"])  # no finals stage: as submitted
    selection.publish(org, call["id"])
    return call, ids


def assert_declared_are_data(case, declared: list[dict]) -> None:
    """The case holds exactly the declared records (origin declared, values as confirmed), and
    nothing was extracted from the lines that print them."""
    got = sorted((m.kind, m.value, m.unit, m.period) for m in case.metrics if m.origin == "declared")
    assert got == sorted((o["kind"], o["value"], o["unit"], o["period"]) for o in declared)
    sec = next(s for s in case.sections if s.heading == DECLARED_SECTION)
    printed = range(sec.start_line + 1, sec.end_line + 1)
    assert len(printed) == len(declared)
    for m in case.metrics:
        if m.origin != "declared":
            assert m.line not in printed and not any(ev.line in printed for ev in m.evidence or []), m
        else:
            assert m.line in printed


def test_declared_outcomes_stay_data_in_the_library(programme, ctx, db_path):
    from urllib.parse import quote

    from fastapi.testclient import TestClient

    from caseatlas.web import create_app

    _, org = programme
    said = "本项目每年减少二氧化碳排放 160 万吨"  # the applicant's text states the first figure too
    declared = [
        {"kind": "co2e_reduction", "value": 1.6e6, "unit": "tCO2e", "period": "annual", "quote": said},
        {"kind": "investment_or_finance", "value": 5.8e7, "unit": "CNY", "period": "unspecified"},
        {"kind": "investment_or_finance", "value": 5.6e10, "unit": "CNY", "period": "cumulative"},
    ]
    call, ids = publish_declared(org, declared, said)
    titles = ["城市公交电动化", "园区储能与绿电交易", "厂房屋顶分布式光伏"]
    case_ids = [submissions.get(org, i)["case_id"] for i in ids]
    assert [library.case_detail(ctx, c).title for c in case_ids] == titles, "each submission has its own case"
    case = library.case_detail(ctx, case_ids[0])
    assert_declared_are_data(case, declared)
    co2 = [m for m in case.metrics if m.unit == "tCO2e"]
    assert len(co2) == 1 and co2[0].origin == "declared", "the figure the text states too is kept once"
    assert any(ev.quote == said or said in ev.quote for ev in co2[0].evidence), "with the text's quote"
    assert not [m for m in case.metrics if m.value in (1.6, 5.8, 6, 7, 10, 6e6)]  # nothing read from "1.6e+06"
    assert not any("e+" in ln.raw for ln in case.lines)  # the book prints figures with the one writer
    other = library.case_detail(ctx, case_ids[2])
    assert other.metrics and all(m.origin == "extracted" for m in other.metrics)
    # The library says where each figure comes from, in both languages.
    client = TestClient(create_app(str(db_path)))
    page = client.get(f"/cases/{quote(case_ids[0])}").text
    assert "申报并确认" in page and "1.6e" not in page
    assert "文本提取" in client.get(f"/cases/{quote(case_ids[2])}").text
    assert "declared and confirmed by the applicant" in client.get(f"/cases/{quote(case_ids[0])}?lang=en").text
    data, _ = exports.export_bytes(ctx, "jsonl", case_ids=[case_ids[0]])
    exported = [m for row in data.decode().splitlines() for m in json.loads(row)["metrics"]]
    assert sorted((m["value"], m["origin"]) for m in exported) == [
        (1.6e6, "declared"),
        (5.8e7, "declared"),
        (5.6e10, "declared"),
    ]


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    value=st.floats(1e-3, 1e13, allow_nan=False, allow_infinity=False),
    kind=st.sampled_from(
        ["co2e_reduction", "energy_saving", "renewable_capacity", "renewable_generation", "investment_or_finance"]
    ),
    period=st.sampled_from(["annual", "cumulative", "unspecified"]),
)
def test_any_declared_value_is_held_exactly(programme, ctx, value, kind, period):
    from caseatlas.vocab import KIND_UNITS, STOCK_KINDS

    assume(not (kind in STOCK_KINDS and period == "annual"))  # refused with the reason (test_numbers)
    _, org = programme
    declared = [{"kind": kind, "value": value, "unit": KIND_UNITS[kind], "period": period}]
    call, ids = publish_declared(org, declared, "项目按计划建成投运。")
    case = library.case_detail(ctx, submissions.get(org, ids[0])["case_id"])
    assert case.title == "城市公交电动化"
    assert_declared_are_data(case, declared)


def test_the_form_reads_and_writes_every_digit(programme, ctx, db_path):
    from fastapi.testclient import TestClient

    from caseatlas.web import create_app

    call, org = programme
    a = as_user(ctx.engine, "appa")
    s = submissions.create(
        a,
        call["id"],
        "厂房屋顶分布式光伏",
        "绿色制造",
        _sections(call, "每年减排 160 万吨二氧化碳"),
        [
            {"kind": "co2e_reduction", "value": 1.6e6, "unit": "tCO2e", "period": "annual"},
            {"kind": "investment_or_finance", "value": 5.8e7, "unit": "CNY"},
        ],
    )
    client = TestClient(create_app(str(db_path)))
    r = client.post("/api/v1/login", json={"username": "appa", "password": PASSWORD})
    csrf = r.json()["csrf_token"]
    page = client.get(f"/submissions/{s['id']}").text
    assert 'name="o_value_1" value="1600000"' in page and 'name="o_value_2" value="58000000"' in page
    assert "e+0" not in page and "160万吨二氧化碳当量" in page and "5,800万元" in page

    def post(value: str):
        form = {
            "csrf_token": csrf,
            "title": "厂房屋顶分布式光伏",
            "domain": "绿色制造",
            "action": "save",
            **{f"s_heading_{i}": x["heading"] for i, x in enumerate(s["sections"], 1)},
            **{f"s_text_{i}": x["text"] for i, x in enumerate(s["sections"], 1)},
            "o_kind_1": "co2e_reduction",
            "o_value_1": value,
            "o_unit_1": "tCO2e",
            "o_period_1": "annual",
            "o_status_1": "achieved",
            "o_confirmed_1": "1",
        }
        return client.post(f"/submissions/{s['id']}", data=form, follow_redirects=False)

    for typed, stored in (
        ("1.6亿", 1.6e8),
        ("1,600,000", 1.6e6),
        ("160万", 1.6e6),
        ("２５万", 2.5e5),
        ("1.2万亿", 1.2e12),
    ):
        assert post(typed).status_code == 303, typed
        assert submissions.get(a, s["id"])["outcomes"] == [
            {
                "kind": "co2e_reduction",
                "value": stored,
                "unit": "tCO2e",
                "period": "annual",
                "status": "achieved",
                "quote": None,
                "confirmed": True,
            }
        ], typed
    r = post("一百六十万吨")
    assert r.status_code == 400 and "无法读取" in r.text and "一百六十万吨" in r.text
    assert submissions.get(a, s["id"])["outcomes"][0]["value"] == 1.2e12, "nothing saved"
    with pytest.raises(CaseAtlasError, match="无法读取"):
        submissions.save(a, s["id"], outcomes=[{"kind": "co2e_reduction", "value": "-5", "unit": "tCO2e"}])
    # What changed is written by the one writer too, and the receipt lists the figures as read.
    submissions.submit(a, s["id"])
    submissions.save(
        a, s["id"], outcomes=[{"kind": "co2e_reduction", "value": "1.6亿", "unit": "tCO2e", "period": "annual"}]
    )
    changes = submissions.submit(a, s["id"])["changes_since_first_submission"]
    assert {
        "what": "outcomes",
        "removed": ["减排量 1.2万亿吨二氧化碳当量（每年）"],
        "added": ["减排量 1.6亿吨二氧化碳当量（每年）"],
    } in changes


# --- invariants at every state change (issue 23, point 4) ----------------------------------------


def accepted_two(programme, ctx, quota: int = 2) -> tuple[dict, Context, list[int]]:
    """Two submitted cases in 能源转型 (quota `quota`), both accepted; the call in its decision phase."""
    call, org = programme
    calls.update(org, call["id"], quotas={"绿色制造": 1, "能源转型": quota})
    ids = []
    for user, title in (("appa", "园区储能与绿电交易"), ("appb", "城市公交电动化")):
        u = as_user(ctx.engine, user)
        s = submissions.create(
            u,
            call["id"],
            title,
            "能源转型",
            _sections(call, f"{title}每年减少二氧化碳排放 960 吨"),
            [{"kind": "co2e_reduction", "value": 960 + len(ids), "unit": "tCO2e", "period": "annual"}],
        )
        submissions.submit(u, s["id"])
        ids.append(s["id"])
    calls.advance(org, call["id"])  # review
    calls.advance(org, call["id"])  # discussion
    selection.decide(org, call["id"], [{"submission": i, "decision": "accept"} for i in ids], preview=False)
    calls.advance(org, call["id"])  # decision
    return calls.get_call(org, call["id"]), org, ids


def web_as(db_path, username: str):
    from fastapi.testclient import TestClient

    from caseatlas.web import create_app

    client = TestClient(create_app(str(db_path)))
    r = client.post("/api/v1/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, {"X-CSRF-Token": r.json()["csrf_token"]}


def cli(db_path, *args):
    from typer.testing import CliRunner

    from caseatlas.cli import app

    return CliRunner().invoke(app, [*args, "--db", str(db_path)])


def test_a_quota_is_never_below_the_accepted_cases(programme, ctx, db_path):
    call, org, ids = accepted_two(programme, ctx)
    cid = call["id"]
    with pytest.raises(Conflict, match="能源转型 2 accepted, quota 1"):
        calls.update(org, cid, quotas={"能源转型": 1})
    with pytest.raises(Conflict, match="能源转型"):
        calls.update(org, cid, domains=["绿色制造", "绿色交通"])  # the accepted cases would have no chapter
    client, h = web_as(db_path, "org1")
    r = client.patch(f"/api/v1/calls/{cid}", json={"quotas": {"能源转型": 1}}, headers=h)
    assert r.status_code == 409 and "quota 1" in r.json()["error"]["message"]
    r = client.post(
        f"/calls/{cid}/settings", data={"quota_能源转型": "1", "csrf_token": h["X-CSRF-Token"]}, follow_redirects=False
    )
    assert r.status_code == 409 and "quota 1" in r.text
    r = cli(db_path, "programme", "quota", str(cid), "能源转型=1")
    assert r.exit_code == 1 and "over quota" in r.output
    assert calls.get_call(org, cid)["quotas"] == {"绿色制造": 1, "能源转型": 2}, "nothing changed"
    assert client.patch(f"/api/v1/calls/{cid}", json={"quotas": {"能源转型": 3}}, headers=h).status_code == 200
    assert cli(db_path, "programme", "quota", str(cid), "能源转型=2").exit_code == 0
    # a decision past the quota: refused as a whole through each entry point
    selection.decide(org, cid, [{"submission": ids[1], "decision": "reject"}], preview=False)
    calls.update(org, cid, quotas={"能源转型": 1})
    r = client.post(
        f"/api/v1/calls/{cid}/decisions",
        headers=h,
        json={"decisions": [{"submission": ids[1], "decision": "accept"}], "preview": False},
    )
    assert r.status_code == 409
    r = client.post(
        f"/calls/{cid}/decisions",
        data={f"decision_{ids[1]}": "accept", "action": "apply", "csrf_token": h["X-CSRF-Token"]},
    )
    assert r.status_code == 409
    r = cli(db_path, "programme", "decide", str(cid), f"{ids[1]}=accept", "--apply")
    assert r.exit_code == 1 and "over quota" in r.output
    assert submissions.get(org, ids[1])["decision"] == "reject"


def test_publishing_over_quota_is_refused(programme, ctx, db_path):
    from caseatlas.store import programmes as pstore

    call, org, ids = accepted_two(programme, ctx)
    with ctx.engine.begin() as conn:  # a library written before the invariant held everywhere
        pstore.update_call(conn, call["id"], quotas={"能源转型": 1})
    with pytest.raises(Conflict, match="over quota"):
        finals.approve_as_submitted(org, call["id"])  # no finals stage: as submitted
        selection.publish(org, call["id"])
    client, h = web_as(db_path, "org1")
    assert client.post(f"/api/v1/calls/{call['id']}/collection", headers=h).status_code == 409
    r = cli(db_path, "programme", "publish-collection", str(call["id"]))
    assert r.exit_code == 1 and "over quota" in r.output
    after = calls.get_call(org, call["id"])
    assert after["collection_slug"] is None and after["results_at"] is None and library.collections(ctx) == []


def test_revise_is_not_offered_and_refused(programme, ctx, db_path):
    from caseatlas.store import programmes as pstore
    from caseatlas.vocab import DECISIONS

    assert "revise" not in DECISIONS
    call, org, ids = accepted_two(programme, ctx)
    cid = call["id"]
    with pytest.raises(CaseAtlasError, match="not offered"):
        selection.decide(org, cid, [{"submission": ids[0], "decision": "revise"}], preview=True)
    client, h = web_as(db_path, "org1")
    r = client.post(
        f"/api/v1/calls/{cid}/decisions",
        headers=h,
        json={"decisions": [{"submission": ids[0], "decision": "revise"}], "preview": True},
    )
    assert r.status_code == 422  # not in the API's Literal
    page = client.get(f"/calls/{cid}/ranking").text
    assert 'value="revise"' not in page and "修改后再议" not in page
    r = client.post(
        f"/calls/{cid}/decisions",
        data={f"decision_{ids[0]}": "revise", "action": "apply", "csrf_token": h["X-CSRF-Token"]},
    )
    assert r.status_code == 400 and "not offered" in r.text
    r = cli(db_path, "programme", "decide", str(cid), f"{ids[0]}=revise", "--apply")
    assert r.exit_code == 1 and "not offered" in r.output
    assert "revise" not in cli(db_path, "programme", "decide", "--help").output
    assert submissions.get(org, ids[0])["decision"] == "accept", "nothing changed"
    # a submission that carries 'revise' from an older version stays readable, and must be decided again
    with ctx.engine.begin() as conn:
        pstore.update_submission(conn, ids[0], decision="revise")
    assert submissions.get(org, ids[0])["decision"] == "revise"
    assert "已不再提供" in client.get(f"/calls/{cid}/ranking").text
    assert client.get(f"/submissions/{ids[0]}").status_code == 200
    with pytest.raises(Conflict, match="not a decision any more"):
        finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
        selection.publish(org, cid)
    selection.decide(org, cid, [{"submission": ids[0], "decision": "reject"}], preview=False)
    finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
    assert selection.publish(org, cid).cases == 1


def test_publishing_is_one_unit_of_work(programme, ctx, monkeypatch):
    """The book, its cases tied to the submissions, the results, the mails and the audit record are
    written together: a failure at the last write leaves no book and no results behind; and a
    decision changed while the book is being made is refused, not published half old, half new."""
    from caseatlas.programme.services import selection as sel
    from caseatlas.services import audit

    call, org, ids = accepted_two(programme, ctx)
    cid = call["id"]
    books = len(library.collections(ctx))
    record = audit.record

    def failing(conn, ctx_, action, *args, **kw):
        if action == "selection.publish":
            raise RuntimeError("the disk is full")
        return record(conn, ctx_, action, *args, **kw)

    monkeypatch.setattr(sel.audit, "record", failing)
    with pytest.raises(RuntimeError, match="disk is full"):
        finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
        selection.publish(org, cid)
    monkeypatch.setattr(sel.audit, "record", record)
    assert len(library.collections(ctx)) == books, "the book was stored without its results"
    assert [submissions.get(org, i)["case_id"] for i in ids] == [None, None]
    assert calls.get_call(org, cid)["results_at"] is None and calls.get_call(org, cid)["phase"] == "decision"

    prepare = sel.library.prepare_segmented

    def meanwhile(*args, **kw):  # another organizer rejects a case while the book is extracted
        prepare(*args, **kw)
        with ctx.engine.begin() as conn:
            from caseatlas.store import programmes as store

            store.update_submission(conn, ids[1], decision="reject")

    monkeypatch.setattr(sel.library, "prepare_segmented", meanwhile)
    with pytest.raises(Conflict, match="changed while its book was being made"):
        finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
        selection.publish(org, cid)
    monkeypatch.setattr(sel.library, "prepare_segmented", prepare)
    assert len(library.collections(ctx)) == books
    finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
    assert selection.publish(org, cid).cases == 1  # as decided now


def test_decisions_are_fixed_once_published_unless_reopened(programme, ctx, db_path):
    from caseatlas.services import audit

    call, org, ids = accepted_two(programme, ctx)
    cid = call["id"]
    finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
    first = selection.publish(org, cid)
    assert first.cases == 2
    cases = [submissions.get(org, i)["case_id"] for i in ids]
    assert len(set(cases)) == 2
    for sid, case_id in zip(ids, cases):  # each accepted submission: its own case, with its declared figure
        case = library.case_detail(ctx, case_id)
        assert case.title == submissions.get(org, sid)["title"]
        assert [m.value for m in case.metrics if m.origin == "declared"] == [
            o["value"] for o in submissions.get(org, sid)["outcomes"]
        ]
    change = [{"submission": ids[1], "decision": "reject"}]
    with pytest.raises(Conflict, match="decisions are fixed"):
        selection.decide(org, cid, change, preview=False)
    client, h = web_as(db_path, "org1")
    r = client.post(f"/api/v1/calls/{cid}/decisions", headers=h, json={"decisions": change, "preview": False})
    assert r.status_code == 409 and "reopen" in r.json()["error"]["message"]
    r = client.post(
        f"/calls/{cid}/decisions",
        data={f"decision_{ids[1]}": "reject", "action": "apply", "csrf_token": h["X-CSRF-Token"]},
    )
    assert r.status_code == 409
    r = cli(db_path, "programme", "decide", str(cid), f"{ids[1]}=reject", "--apply")
    assert r.exit_code == 1 and "fixed" in r.output
    assert submissions.get(org, ids[1])["decision"] == "accept"
    page = client.get(f"/calls/{cid}/ranking").text
    assert 'id="reopen-decisions"' in page and 'id="apply-decisions"' not in page
    # reopening needs a reason and an organizer of the call; it is audited with who and why
    with pytest.raises(CaseAtlasError, match="reason"):
        selection.reopen(org, cid, "  ")
    for name in ("appa", "rev1"):
        with pytest.raises(Forbidden):
            selection.reopen(as_user(ctx.engine, name), cid, "想改")
    r = client.post(f"/api/v1/calls/{cid}/reopen", headers=h, json={"reason": "申报单位撤回案例"})
    assert r.status_code == 200 and r.json()["phase"] == "decision" and r.json()["reopened_at"]
    entry = next(e for e in audit.entries(ctx, 100) if e.action == "selection.reopen")
    assert entry.actor == "user:org1" and entry.detail["reason"] == "申报单位撤回案例"
    assert entry.target == f"call:{cid}"
    with pytest.raises(CaseAtlasError, match="only published"):
        selection.reopen(org, cid, "again")  # already reopened
    r = client.post(f"/api/v1/calls/{cid}/decisions", headers=h, json={"decisions": change, "preview": False})
    assert r.status_code == 200 and r.json()["applied"]
    finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
    again = selection.publish(org, cid)
    assert again.collection == first.collection and again.cases == 1  # the same book, updated
    assert calls.get_call(org, cid)["phase"] == "published" and calls.get_call(org, cid)["reopened_at"] is None
    assert submissions.get(org, ids[0])["case_id"] == cases[0], "the kept case keeps its id"
    assert submissions.get(org, ids[1])["case_id"] is None, "a rejected submission has no case"
    assert [c.n_cases for c in library.collections(ctx)] == [1]
    # the page form and the CLI reopen too
    r = client.post(
        f"/calls/{cid}/reopen", data={"reason": "再议", "csrf_token": h["X-CSRF-Token"]}, follow_redirects=False
    )
    assert r.status_code == 303 and calls.get_call(org, cid)["phase"] == "decision"
    finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
    selection.publish(org, cid)
    r = cli(db_path, "programme", "reopen", str(cid), "--reason", "命令行再议")
    assert r.exit_code == 0 and "reopened" in r.output
    assert [e.detail["reason"] for e in audit.entries(ctx, 200) if e.action == "selection.reopen"] == [
        "命令行再议",
        "再议",
        "申报单位撤回案例",
    ]


def test_a_calls_book_is_replaced_only_by_publishing_the_call(programme, ctx, db_path, tmp_path):
    call, org, ids = accepted_two(programme, ctx)
    cid = call["id"]
    finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
    out = selection.publish(org, cid)
    col = next(c for c in library.books(ctx) if c.slug == out.collection)
    assert col.owner_call_id == cid and col.owner_user_id is None
    name, before = col.source_file, col.n_cases
    fake = "\n".join(["# 假冒案例集", "## 案例一", "案例概述", "内容。", "项目成果", "减排 1 吨。"] * 3).encode()
    accounts.add_user(ctx, "admin1", PASSWORD, "admin")
    for who in ("org1", "admin1"):  # not even the call's own organizer, nor an admin
        client, h = web_as(db_path, who)
        r = client.post("/api/v1/collections", headers=h, files={"file": (name, fake, "text/markdown")})
        assert r.status_code == 409 and "publishing that call again" in r.json()["error"]["message"]
        r = client.post("/admin/library", headers=h, files={"file": (name, fake, "text/markdown")})
        assert r.status_code == 409
    with pytest.raises(Conflict):
        library.ingest_upload(ctx, name, fake)
    (tmp_path / name).write_bytes(fake)
    r = cli(db_path, "ingest", str(tmp_path / name))
    assert r.exit_code == 1 and "publishing that call again" in r.output
    assert next(c for c in library.collections(ctx) if c.slug == out.collection).n_cases == before
    # its organizer cannot remove it either; an admin can, and the call may then publish it again
    client, h = web_as(db_path, "org1")
    assert client.delete(f"/api/v1/collections/{out.collection}", headers=h).status_code == 403
    admin, ah = web_as(db_path, "admin1")
    assert admin.delete(f"/api/v1/collections/{out.collection}", headers=ah).status_code == 200
    assert calls.get_call(org, cid)["phase"] == "decision"
    finals.approve_as_submitted(org, cid)  # no finals stage: as submitted
    assert selection.publish(org, cid).cases == 2
    # a programme's book name is taken even before its call publishes
    other = calls.create(org, "cteam", "另一个征集", 2027, deadlines={"submission_deadline": "2099-01-01"})
    reserved = f"programme-{other['programme']['slug']}.md"
    r = client.post("/api/v1/collections", headers=h, files={"file": (reserved, fake, "text/markdown")})
    assert r.status_code == 409 and "rename" in r.json()["error"]["message"]
