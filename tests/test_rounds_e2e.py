"""Rounds of review in headless Chromium, on SQLite and on PostgreSQL: an organizer shapes a
season's rounds on the rounds page (the form editor: a pool, k and another round's criteria),
passes two cases and returns one in the formal check (the reasons reach the applicant by mail,
through a loopback SMTP server, and on their page), opens 初评 and assigns it, a reviewer scores on
the round's form, the organizer shortlists one case into 复评, where a reviewer of the new pool
scores on the new criteria seeing the 初评 score, and the ranking shows 初评 as its own column."""

from __future__ import annotations

import pytest
from test_e2e import CHROMIUM, browser, new_page  # noqa: F401  (fixtures)
from web_server import Server

from caseatlas.programme.services import calls, submissions
from caseatlas.services import Actor, Context, accounts, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


def _as(engine, name):
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, name)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def login(page, url, username):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state()


def _season(db_path) -> dict:
    """A call run as a season with three submitted cases (C's third section is empty) and three
    reviewers, its submissions closed."""
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = _as(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "2027 企业气候行动案例征集",
        2027,
        domains=["绿色制造"],
        deadlines={"submission_deadline": "2099-01-01"},
        rounds="season",
    )
    calls.publish(org, call["id"])
    for name in ("rev1", "rev2", "rev3"):
        calls.add_member(org, call["id"], name, "reviewer", affiliation=f"{name}大学", password=PASSWORD)
    ids = {}
    for who, title in (("appa", "屋顶光伏"), ("appb", "余热回收"), ("appc", "电动叉车")):
        accounts.register(Context(engine), who, PASSWORD, f"{title}有限公司", f"{who}@example.org")
        app = _as(engine, who)
        # every section filled (a case is not submitted with one empty, issue 27); C declares no figure
        sections = [{"heading": h, "text": f"{title}每年减排 500 吨二氧化碳。"} for h in call["template"]]
        outcomes = [] if who == "appc" else [{"kind": "co2e_reduction", "value": 500, "unit": "tCO2e"}]
        s = submissions.create(app, call["id"], title, "绿色制造", sections, outcomes)
        submissions.submit(app, s["id"])
        ids[who] = s["id"]
    calls.advance(org, call["id"])
    engine.dispose()
    return {"call": call["id"], **ids}


def test_rounds_in_the_browser(db_path, new_page, smtp):  # noqa: F811
    ids = _season(db_path)
    c, a, b, sc = ids["call"], ids["appa"], ids["appb"], ids["appc"]
    with Server(str(db_path)) as site:
        url = site.url
        org = new_page()
        login(org, url, "org1")
        # --- the call page shows the rounds and which is current
        org.goto(f"{url}/calls/{c}")
        assert org.locator("#call-rounds li").count() == 4
        assert org.locator("#call-rounds li.current").get_attribute("data-round") == "formal"
        # --- define: 初评 k=1 over rev1 and rev2; 复评 over rev3 with its own criteria
        org.click("#rounds-link")
        org.click("#round-first summary")
        org.fill("#k-first", "1")
        org.check("#pool-first-rev1")
        org.check("#pool-first-rev2")
        org.click("#save-first")
        org.wait_for_selector("#message")
        org.click("#round-second summary")
        org.fill("#criteria-second", "defence｜答辩表现｜2｜现场陈述\nevidence｜数据可信度｜1｜")
        org.fill("#k-second", "1")
        org.check("#pool-second-rev3")
        org.click("#save-second")
        org.wait_for_selector("#message")
        assert "答辩表现" in org.input_value("#criteria-second")
        # --- 形式审查: pass A and B, return C with reasons
        org.click("#open-formal")
        org.wait_for_selector("#message")
        assert org.get_attribute("#round-formal", "data-status") == "open"
        org.click("#checks-formal")
        assert org.locator(f"#check-{sc} tr[data-item=outcomes] td.auto").inner_text().startswith("✗")
        assert org.locator(f"#check-{a} tr[data-item=outcomes] td.auto").inner_text().startswith("✓")
        for s in (a, b):
            org.select_option(f"#ok-{s}-eligibility", "1")
            org.select_option(f"#verdict-{s}", "pass")
            org.click(f"#save-check-{s}")
            org.wait_for_selector("#message")
        org.select_option(f"#ok-{sc}-outcomes", "0")
        org.fill(f"#note-{sc}-outcomes", "未申报量化成果")
        org.select_option(f"#verdict-{sc}", "return")
        org.click(f"#save-check-{sc}")  # returned without reasons: refused beside the reasons, the rest kept
        org.wait_for_selector(".error-summary")
        assert org.get_attribute(f"#reasons-{sc}", "aria-invalid") == "true"
        assert (
            org.input_value(f"#verdict-{sc}") == "return"
            and org.input_value(f"#note-{sc}-outcomes") == "未申报量化成果"
        )
        org.fill(f"#reasons-{sc}", "请补充量化成果后重新提交。")
        org.click(f"#save-check-{sc}")
        org.wait_for_selector("#message")
        assert org.get_attribute(f"#check-{sc}", "data-verdict") == "return"
        bodies = [m.get_payload(decode=True).decode() for m in smtp.messages if m["To"] == "appc@example.org"]
        assert any("退回修改" in b and "请补充量化成果" in b for b in bodies), bodies
        appc = new_page()
        login(appc, url, "appc")
        appc.goto(f"{url}/submissions/{sc}")
        assert "请补充量化成果" in appc.inner_text("#formal-checks")
        # --- close 形式审查 (A and B went on when they passed), open 初评 and assign it
        org.goto(f"{url}/rounds/{org_round(org, url, c, 'formal')}/shortlist")
        org.click("#close-round")
        org.wait_for_selector("#message")
        org.goto(f"{url}/calls/{c}/rounds")
        org.click("#open-first")
        org.wait_for_selector("#message")
        org.click("#assign-first")
        org.wait_for_selector("#shortlist")
        assert org.locator("#shortlist tbody tr").count() == 2
        # --- a reviewer of 初评 scores on its form
        first_reviewers = {}
        for name in ("rev1", "rev2"):
            rv = new_page()
            login(rv, url, name)
            rv.goto(f"{url}/calls/{c}")
            for row in rv.locator("#submissions tbody tr").all():
                first_reviewers[int(row.get_attribute("data-id"))] = (name, rv)
        assert set(first_reviewers) == {a, b}
        for sid, score in ((a, "5"), (b, "2")):
            name, rv = first_reviewers[sid]
            rv.goto(f"{url}/submissions/{sid}")
            assert rv.inner_text("#review-round") == "初评（函评）"
            for key in ("impact", "replicability", "sustainability"):
                rv.fill(f"#score-{key}", score)
            rv.fill("#field-strengths", "数据完整")
            rv.fill("#confidence", "4")
            rv.click("#submit-review")
            rv.wait_for_selector("#message")
        # --- shortlist: A advances, B is out; close 初评
        first_id = org_round(org, url, c, "first")
        org.goto(f"{url}/rounds/{first_id}/shortlist")
        org.select_option(f"#state-{a}", "advanced")
        org.select_option(f"#state-{b}", "out")
        org.fill(f"#reason-{b}", "减排数据不足")
        org.click("#close-round")
        org.wait_for_selector("#message")
        assert org.get_attribute(f"#shortlist tr[data-id='{b}']", "data-state") == "out"
        # --- 复评: rev3 sees the 初评 score and scores on the new criteria
        org.goto(f"{url}/calls/{c}/rounds")
        org.click("#open-second")
        org.wait_for_selector("#message")
        org.click("#assign-second")
        org.wait_for_selector("#shortlist")
        rv3 = new_page()
        login(rv3, url, "rev3")
        rv3.goto(f"{url}/submissions/{a}")
        assert rv3.inner_text("#review-round") == "复评（会评/答辩）"
        assert rv3.locator("#earlier-scores tr[data-round=first]").count() == 1
        assert "5.00" in rv3.inner_text("#earlier-scores")
        assert rv3.locator("#score-impact").count() == 0
        rv3.fill("#score-defence", "4")
        rv3.fill("#score-evidence", "3")
        rv3.fill("#confidence", "4")
        rv3.click("#submit-review")
        rv3.wait_for_selector("#message")
        assert float(rv3.get_attribute("#score-defence", "value")) == 4
        # --- the 复评 ranking: 初评's mean as its own column
        org.goto(f"{url}/calls/{c}/ranking")
        assert "复评" in org.inner_text("#ranking-round")
        cell = org.locator(f"tr[data-id='{a}'] td.earlier[data-round=first]")
        assert cell.inner_text() == "5.00"
        assert org.locator("table.ranking tbody tr").count() == 1


def org_round(page, url, call_id, key) -> int:
    """A round's id, read from the rounds API as the organizer's page would."""
    rs = page.request.get(f"{url}/api/v1/calls/{call_id}/rounds").json()
    return next(r["id"] for r in rs if r["key"] == key)
