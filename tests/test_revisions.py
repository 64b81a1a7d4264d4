"""Revision requests (修改后再议) and withdrawal through the services, on both backends: a request
reopens the submission for its applicant only and only until its deadline (typed in the call's
zone; expiry by the clock), the answer keeps a new version with the response, the diff is right
on written texts and masks the organization in a blind call; a withdrawn submission leaves
assignment, ranking and decisions."""

from __future__ import annotations

import re

import pytest

from caseatlas.errors import CaseAtlasError, Conflict, Forbidden, NotFound
from caseatlas.programme.services import calls, finals, reviews, revisions, selection, submissions
from caseatlas.services import Actor, Context, accounts, audit
from caseatlas.services import rules as rules_module
from caseatlas.store import accounts as accounts_store
from caseatlas.store import programmes as pstore

PASSWORD = "correct horse battery"
ORG_A = "甲能源科技有限公司"


def as_user(engine, username: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, username)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def _sections(call, a_text: str) -> list[dict]:
    texts = {"案例概述": a_text, "机构简介": f"{ORG_A}（以下简称“甲能科”）成立于2010年。"}
    return [{"heading": h, "text": texts.get(h, f"{h}的说明。")} for h in call["template"]]


@pytest.fixture
def season(ctx):
    """A call in review: appa's and appb's cases submitted, each assigned to two reviewers."""
    e = ctx.engine
    accounts.add_user(ctx, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = as_user(e, "org1")
    call = calls.create(
        org,
        "cteam",
        "2030 企业气候行动案例征集",
        2030,
        domains=["绿色制造", "能源转型"],
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=2,
    )
    calls.publish(org, call["id"])
    accounts.register(Context(e), "appa", PASSWORD, ORG_A, "a@example.org")
    accounts.register(Context(e), "appb", PASSWORD, "乙交通集团有限公司", "b@example.org")
    for name in ("rev1", "rev2"):
        calls.add_member(
            org, call["id"], name, "reviewer", affiliation="某大学", password=PASSWORD, email=f"{name}@x.org"
        )
    ids = {}
    for user, title in (("appa", "园区储能与绿电交易"), ("appb", "城市公交电动化")):
        u = as_user(e, user)
        s = submissions.create(
            u,
            call["id"],
            title,
            "能源转型",
            _sections(call, f"{ORG_A}在园区建设储能电站，每年减排 100 吨二氧化碳。"),
            [{"kind": "co2e_reduction", "value": 100, "unit": "tCO2e", "period": "annual"}],
        )
        submissions.submit(u, s["id"])
        ids[user] = s["id"]
    calls.advance(org, call["id"])  # review
    reviews.auto_assign(org, call["id"])
    return call, org, ids


def _mails(engine, call_id, kind):
    with engine.connect() as conn:
        return [n for n in pstore.notifications_of(conn, call_id) if n["kind"] == kind]


def test_request_edit_answer_diff(season, ctx):
    call, org, ids = season
    e = ctx.engine
    a, b, appa, appb = ids["appa"], ids["appb"], as_user(e, "appa"), as_user(e, "appb")
    with pytest.raises(Forbidden):  # in review, nobody edits without a request
        submissions.save(appa, a, title="改")
    req = revisions.request_revision(
        org, a, "1. 请补充减排量的核算方法。\n2. 请说明储能电站规模。", "2099-03-31T18:00", round_id=2
    )
    # typed in the call's zone (Asia/Shanghai), stored in UTC, shown back in the zone, named
    assert req.deadline == "2099-03-31T10:00:00+00:00" and req.deadline_local == "2099年3月31日 18:00（北京时间）"
    assert req.state == "open" and req.base_version == 1 and req.round_id == 2
    mail = _mails(e, call["id"], "revision_request")
    assert len(mail) == 1 and mail[0]["to_addr"] == "a@example.org"
    assert "请补充减排量的核算方法" in mail[0]["body"] and "2099年3月31日 18:00（北京时间）" in mail[0]["body"]
    assert f"/submissions/{a}" in mail[0]["body"]
    with pytest.raises(Conflict, match="already open"):
        revisions.request_revision(org, a, "再改", "2099-04-30")
    # reopened for that applicant only
    with pytest.raises(NotFound):
        submissions.save(appb, a, title="别人的")
    with pytest.raises(Forbidden):
        submissions.save(appb, b, title="我也想改")
    with pytest.raises(Forbidden):
        submissions.save(as_user(e, "rev1"), a, title="评审改")
    with pytest.raises(Conflict, match="revision request is open"):
        submissions.submit(appa, a)  # a version after the submission phase comes with a response
    sections = _sections(call, f"{ORG_A}在园区建设 20 兆瓦储能电站，每年减排 120 吨二氧化碳。<script>x</script>")
    sections.append({"heading": "核算方法", "text": "按照国家温室气体核算指南计算。"})
    submissions.save(
        appa,
        a,
        title="园区储能、绿电交易与需求响应",
        sections=sections,
        outcomes=[
            {"kind": "co2e_reduction", "value": 120, "unit": "tCO2e", "period": "annual"},
            {"kind": "renewable_capacity", "value": 20, "unit": "MW", "period": "cumulative"},
        ],
    )
    # the reviewers read the submitted version while the applicant revises
    seen = submissions.get(_reviewer_of(e, call, a), a)
    assert seen["title"] == "园区储能与绿电交易" and "120 吨" not in str(seen["sections"])
    with pytest.raises(CaseAtlasError, match="response"):
        revisions.answer(appa, a, "  ")
    with pytest.raises(NotFound):
        revisions.answer(appb, a, "回复")
    calls.advance(org, call["id"])  # discussion: a case being revised is not decided yet
    with pytest.raises(Conflict, match="being revised"):
        selection.decide(org, call["id"], [{"submission": a, "decision": "accept"}], preview=True)
    selection.decide(org, call["id"], [{"submission": b, "decision": "reject"}], preview=True)  # others are
    answered = revisions.answer(appa, a, "1. 已补充核算方法一节。\n2. 储能电站规模为 20 兆瓦。")
    assert answered.state == "answered" and answered.answered_version == 2
    assert submissions.get(appa, a)["version"] == 2
    told = _mails(e, call["id"], "revision_answered")
    assert [m["to_addr"] for m in told] == ["org1@example.org"] and "第 2 版" in told[0]["body"]
    selection.decide(org, call["id"], [{"submission": a, "decision": "accept"}], preview=True)  # answered
    with pytest.raises(Forbidden):  # answered: closed again
        submissions.save(appa, a, title="再改")

    d = revisions.diff(_reviewer_of(e, call, a), a)
    assert (d.from_version, d.to_version) == (1, 2) and d.response.startswith("1. 已补充核算方法")
    assert [(f.field, f.before, f.after) for f in d.fields] == [
        ("title", "园区储能与绿电交易", "园区储能、绿电交易与需求响应")
    ]
    by = {s.heading: s for s in d.sections}
    assert set(by) == {"案例概述", "核算方法"}
    assert by["核算方法"].change == "added" and "<ins>" in by["核算方法"].html
    overview = by["案例概述"]
    assert overview.change == "changed"
    assert re.search(r"<del>[^<]*100[^<]*</del>", overview.html) and re.search(
        r"<ins>[^<]*120[^<]*</ins>", overview.html
    )
    assert "<ins>20</ins>" in overview.html or re.search(r"<ins>[^<]*20 [^<]*兆瓦", overview.html)
    assert "每年减排" in overview.html and "<del>每年减排" not in overview.html  # unchanged words stay plain
    assert "&lt;script&gt;" in overview.html and "<script>" not in overview.html
    changes = {(o.change, o.kind): o for o in d.outcomes}
    assert changes[("changed", "co2e_reduction")].fields == ["value"]
    assert "120" in changes[("changed", "co2e_reduction")].after and ("added", "renewable_capacity") in changes
    assert len(d.outcomes) == 2
    assert revisions.diff(appb, b).request is None  # b has none
    with pytest.raises(NotFound):
        revisions.diff(appb, a)


def _reviewer_of(engine, call, sid) -> Context:
    with engine.connect() as conn:
        name = next(x["username"] for x in pstore.assignments_of(conn, call["id"]) if x["submission_id"] == sid)
    return as_user(engine, name)


def test_an_open_request_expires_by_the_clock(season, ctx, monkeypatch):
    call, org, ids = season
    e = ctx.engine
    b, appb = ids["appb"], as_user(e, "appb")
    revisions.request_revision(org, b, "请补充数据来源。", "2099-06-30")  # the end of that day in Beijing
    monkeypatch.setattr(rules_module, "now_iso", lambda: "2099-06-30T15:59:58+00:00")
    submissions.save(appb, b, title="城市公交电动化（修改稿）")  # one second before 23:59:59 in Beijing
    monkeypatch.setattr(rules_module, "now_iso", lambda: "2099-06-30T15:59:59+00:00")
    assert revisions.diff(org, b).request.state == "expired"
    with pytest.raises(Conflict, match="deadline passed at 2099年6月30日 23:59"):
        submissions.save(appb, b, title="太晚了")
    with pytest.raises(Conflict, match="deadline passed"):
        revisions.answer(appb, b, "回复")
    # an expired request no longer blocks a new one
    again = revisions.request_revision(org, b, "请再补充。", "2099-07-31")
    assert again.state == "open" and len(revisions.diff(org, b).history) == 2
    with pytest.raises(CaseAtlasError, match="has passed"):
        revisions.request_revision(org, ids["appa"], "过去的截止时间", "2099-06-01")


def test_request_refused_when_not_revisable(season, ctx):
    call, org, ids = season
    e = ctx.engine
    with pytest.raises(Forbidden):
        revisions.request_revision(as_user(e, "appa"), ids["appa"], "自己要求", "2099-01-01")
    with pytest.raises(CaseAtlasError, match="deadline"):
        revisions.request_revision(org, ids["appa"], "意见", "not a date")
    with pytest.raises(CaseAtlasError, match="requests"):
        revisions.request_revision(org, ids["appa"], "   ", "2099-01-01")
    calls.advance(org, call["id"])  # discussion
    selection.decide(org, call["id"], [{"submission": ids["appa"], "decision": "accept"}], preview=False)
    with pytest.raises(Conflict, match="decided"):
        revisions.request_revision(org, ids["appa"], "意见", "2099-01-01")


def test_withdraw_leaves_assignment_ranking_and_decisions(season, ctx):
    call, org, ids = season
    e = ctx.engine
    a, appa = ids["appa"], as_user(e, "appa")
    rev = _reviewer_of(e, call, a)
    reviews.save_review(rev, a, {"impact": 4, "replicability": 3, "sustainability": 5}, confidence=3, submit=True)
    revisions.request_revision(org, a, "请修改。", "2099-01-01")
    with pytest.raises(NotFound):
        revisions.withdraw(as_user(e, "appb"), a, "不是我的")
    with pytest.raises(Forbidden):
        revisions.withdraw(org, a, "组织方不能代为撤回")
    with pytest.raises(CaseAtlasError, match="reason"):
        revisions.withdraw(appa, a, "长" * 501)
    w = revisions.withdraw(appa, a, "项目数据需进一步核实")
    assert w.status == "withdrawn" and w.unassigned == 2 and w.reason == "项目数据需进一步核实"
    assert submissions.get(org, a)["status"] == "withdrawn"
    assert revisions.diff(org, a).request.state == "closed"
    # gone from the reviewers' lists and from assignment; the review is kept for the record
    assert a not in {s["id"] for s in submissions.list_for(rev, call["id"])}
    with pytest.raises(NotFound):
        submissions.get(rev, a)
    assert a not in {x["submission"] for x in reviews.assignments(org, call["id"])}
    with e.connect() as conn:
        assert [r["reviewer_id"] for r in pstore.reviews_of(conn, submission_id=a)] == [rev.actor.user_id]
    assert reviews.auto_assign(org, call["id"])["assigned"] == 0  # never assigned again
    with pytest.raises(Conflict, match="withdrawn"):
        reviews.assign(org, a, "rev1")
    # gone from ranking and decisions; quotas count it no more
    ranked = {r.submission for d in selection.ranking(org, call["id"]).domains for r in d.rows}
    assert ranked == {ids["appb"]}
    calls.advance(org, call["id"])  # discussion
    with pytest.raises(Conflict, match="withdrawn"):
        selection.decide(org, call["id"], [{"submission": a, "decision": "accept"}], preview=False)
    # cannot be edited, resubmitted or withdrawn again: 409 with the reason
    for attempt in (
        lambda: submissions.save(appa, a, title="改"),
        lambda: submissions.submit(appa, a),
        lambda: revisions.answer(appa, a, "回复"),
        lambda: revisions.withdraw(appa, a, None),
        lambda: revisions.request_revision(org, a, "再改", "2099-01-01"),
    ):
        with pytest.raises(Conflict, match="withdrawn"):
            attempt()
    mails = _mails(e, call["id"], "submission_withdrawn")
    assert [m["to_addr"] for m in mails] == ["org1@example.org"] and "项目数据需进一步核实" in mails[0]["body"]
    entry = next(x for x in audit.entries(ctx) if x.action == "submission.withdraw")
    assert entry.target == f"submission:{a}" and entry.actor == "user:appa" and len(entry.detail["unassigned"]) == 2


def test_no_withdrawal_after_the_book_is_published(season, ctx):
    call, org, ids = season
    calls.advance(org, call["id"])  # discussion
    selection.decide(
        org,
        call["id"],
        [{"submission": ids["appa"], "decision": "accept"}, {"submission": ids["appb"], "decision": "reject"}],
        preview=False,
    )
    calls.advance(org, call["id"])  # decision
    finals.approve_as_submitted(org, call["id"])  # no finals stage: the submitted texts are the final ones
    selection.publish(org, call["id"])
    with pytest.raises(Conflict, match="book is published"):
        revisions.withdraw(as_user(ctx.engine, "appb"), ids["appb"], None)


def test_blind_diff_masks_the_organization(season, ctx):
    call, org, ids = season
    e = ctx.engine
    calls.update(org, call["id"], blind=True)
    a, appa = ids["appa"], as_user(e, "appa")
    revisions.request_revision(org, a, f"请说明{ORG_A}（甲能科）的储能规模。", "2099-01-01")
    sections = _sections(call, f"甲能科在园区建设储能电站，{ORG_A}每年减排 150 吨二氧化碳。")
    sections = [
        {**s, "text": s["text"] + "现更名为甲能源科技集团。"} if s["heading"] == "机构简介" else s for s in sections
    ]
    submissions.save(appa, a, sections=sections)
    revisions.answer(appa, a, f"已按要求修改，{ORG_A}（甲能科）补充了规模。")
    rev = _reviewer_of(e, call, a)
    seen = revisions.diff(rev, a)
    text = seen.model_dump_json()
    assert seen.blind and seen.sections and seen.request.requested_by == "组织方"
    for name in ("甲能源", "甲能科", "appa", "org1"):
        assert name not in text, name
    by = {s.heading: s for s in seen.sections}
    assert by["机构简介"].withheld and by["机构简介"].html == ""
    assert "150" in by["案例概述"].html and "××" in by["案例概述"].html
    mine = revisions.diff(org, a).model_dump_json()
    assert "甲能科" in mine and "org1" in mine  # organizers see it as it is


def test_the_deadline_is_read_in_the_calls_zone(season, ctx):
    call, org, ids = season
    with ctx.engine.begin() as conn:
        pstore.update_call(conn, call["id"], timezone="America/New_York")
    req = revisions.request_revision(org, ids["appa"], "请补充。", "2099-06-30T09:00")
    assert req.deadline == "2099-06-30T13:00:00+00:00"  # EDT
    assert req.deadline_local.startswith("30 Jun 2099, 09:00") or "2099年6月30日 09:00" in req.deadline_local
    with pytest.raises(CaseAtlasError, match="out of range"):
        revisions.request_revision(org, ids["appb"], "请补充。", "9999-12-31T23:59")  # past year 9999 in UTC


def test_cli_requests_a_revision(season, ctx, db_path):
    from typer.testing import CliRunner

    from caseatlas.cli import app

    call, org, ids = season
    run = lambda *args: CliRunner().invoke(app, [*args, "--db", str(db_path)])  # noqa: E731
    r = run(
        "programme", "revision-request", str(ids["appa"]), "--requests", "请补充数据来源。", "--deadline", "2099-03-31"
    )
    assert r.exit_code == 0, r.output
    assert "2099年3月31日 23:59（北京时间）" in r.output
    r = run("programme", "revisions", str(call["id"]))
    assert r.exit_code == 0 and f"{ids['appa']}: open" in r.output
    r = run("programme", "revision-request", str(ids["appa"]), "--requests", "再改", "--deadline", "2099-04-30")
    assert r.exit_code == 1 and "already open" in r.output
