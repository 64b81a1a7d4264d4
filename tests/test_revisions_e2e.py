"""A revision and a withdrawal in headless Chromium, on SQLite and on PostgreSQL.

The call is set up through the services (two applicants' cases submitted, the call in review, a
reviewer assigned to both); then, in the browser: the organizer asks for a revision from the
submission page with a deadline typed in Beijing time; the applicant is mailed (a real SMTP
server on loopback), sees the request on the page, edits the text and a figure and resubmits
with a response letter; the reviewer sees the word-level diff and the response; the other
applicant withdraws their case, and it leaves the reviewer's list and the ranking, where the
organizer sees it marked 已撤回."""

from __future__ import annotations

import pytest
from test_e2e import CHROMIUM, browser, shot  # noqa: F401  (fixtures)
from web_server import Server

from caseatlas.programme.services import calls, reviews, submissions
from caseatlas.services import Actor, Context, accounts, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


def _as(engine, name: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, name)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def _setup(db_path) -> dict:
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = _as(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "2030 企业气候行动案例征集",
        2030,
        domains=["能源转型"],
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=1,
    )
    calls.publish(org, call["id"])
    calls.add_member(org, call["id"], "rev1", "reviewer", affiliation="某大学", password=PASSWORD)
    ids = {}
    for user, orgname, title in (
        ("appa", "甲能源科技有限公司", "园区储能与绿电交易"),
        ("appb", "乙交通集团有限公司", "城市公交电动化"),
    ):
        accounts.register(Context(engine), user, PASSWORD, orgname, f"{user}@example.org")
        u = _as(engine, user)
        s = submissions.create(
            u,
            call["id"],
            title,
            "能源转型",
            [  # every section: a case is not submitted with one empty (issue 27)
                {
                    "heading": h,
                    "text": f"{title}项目建成储能电站，每年减排 100 吨二氧化碳。" if h == "案例概述" else f"{h}。",
                }
                for h in call["template"]
            ],
            [{"kind": "co2e_reduction", "value": 100, "unit": "tCO2e", "period": "annual"}],
        )
        submissions.submit(u, s["id"])
        ids[user] = s["id"]
    calls.advance(org, call["id"])  # review
    for sid in ids.values():
        reviews.assign(org, sid, "rev1")
    engine.dispose()
    return {"call": call["id"], **ids}


def login(page, url, username):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state()


def test_revision_and_withdrawal_in_the_browser(db_path, browser, smtp):  # noqa: F811
    ids = _setup(db_path)
    a, b, c = ids["appa"], ids["appb"], ids["call"]
    contexts = []

    def new_page(username):
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        contexts.append(ctx)
        page = ctx.new_page()
        login(page, url, username)
        return page

    try:
        with Server(str(db_path)) as site:
            url = site.url
            # --- the organizer asks for a revision from the submission page
            org = new_page("org1")
            org.goto(f"{url}/submissions/{a}")
            org.fill("#revision-requests-in", "1. 请补充储能电站的规模。\n2. 请说明减排量的核算方法。")
            org.fill("#revision-deadline-in", "2099-03-31T18:00")
            org.click("#request-revision")
            org.wait_for_selector("#revision-state")
            assert org.get_attribute("#revision-state", "data-state") == "open"
            assert org.inner_text("#revision-deadline") == "2099年3月31日 18:00（北京时间）"
            body = _bodies(smtp, "appa@example.org")[-1]
            assert "请补充储能电站的规模" in body and "2099年3月31日 18:00（北京时间）" in body
            assert f"https://cases.example.org/submissions/{a}" in body

            # --- the applicant sees the request, edits and answers
            app = new_page("appa")
            app.goto(f"{url}/submissions/{a}")
            assert "请说明减排量的核算方法" in app.inner_text("#revision-requests")
            assert app.locator("#submit").count() == 0  # in a revision, resubmitting comes with a response
            app.fill(
                "textarea[data-heading='案例概述']",
                "园区储能与绿电交易项目建成 20 兆瓦储能电站，每年减排 120 吨二氧化碳。\n核算方法：按国家指南。",
            )
            app.fill("input[name=o_value_1]", "120")
            app.fill("#revision-response-in", "1. 已补充：规模 20 兆瓦。\n2. 已补充核算方法。")
            app.click("#answer-revision")
            app.wait_for_selector("#message")
            assert app.get_attribute("#revision-state", "data-state") == "answered"
            shot(app, "revision-answered")

            # --- the reviewer sees the diff and the response
            rev = new_page("rev1")
            rev.goto(f"{url}/submissions/{a}")
            rev.wait_for_selector("#revision-diff")
            inserted = rev.locator("#revision-diff ins").all_inner_texts()
            deleted = rev.locator("#revision-diff del").all_inner_texts()
            assert any("120" in t for t in inserted) and any("100" in t for t in deleted)
            assert any("20 兆瓦" in t for t in inserted)
            assert "已补充核算方法" in rev.inner_text("#revision-response")
            assert rev.locator("#revision-outcomes li[data-change=changed]").count() == 1
            shot(rev, "revision-diff")

            # --- the other applicant withdraws their case
            appb = new_page("appb")
            appb.goto(f"{url}/submissions/{b}")
            appb.click("#withdraw-box summary")
            appb.fill("#withdraw-reason", "数据需进一步核实")
            appb.click("#withdraw")
            appb.wait_for_selector("#withdrawn")
            assert "已撤回" in appb.inner_text("#withdrawn")
            assert appb.locator("#submission-form").count() == 0 and appb.locator("#withdraw-box").count() == 0

            # gone from the reviewer's list; marked 已撤回 for the organizer, out of the ranking
            rev.goto(f"{url}/calls/{c}")
            assert "城市公交电动化" not in rev.inner_text("main") and "园区储能" in rev.inner_text("main")
            org.goto(f"{url}/calls/{c}/ranking")
            assert "城市公交电动化" in org.inner_text("#withdrawn-list")
            assert org.locator(f"tr[data-id='{b}']").count() == 0
            assert org.get_attribute(f"tr[data-id='{a}'] .revision-state", "data-state") == "answered"
            shot(org, "revision-ranking")
            told = _bodies(smtp, "org1@example.org")
            assert any("已按修改意见提交修改稿" in t for t in told) and any("数据需进一步核实" in t for t in told)
            r = appb.request.post(
                f"{url}/api/v1/submissions/{b}/submit", headers={"X-CSRF-Token": _csrf(appb)}, data="{}"
            )
            assert r.status == 409 and "withdrawn" in r.json()["error"]["message"]
    finally:
        for ctx in contexts:
            ctx.close()


def _bodies(smtp, to: str) -> list[str]:
    return [m.get_payload(decode=True).decode() for m in smtp.messages if m["To"] == to]


def _csrf(page) -> str:
    """The session's token, as every form of the page carries it."""
    return page.locator("input[name=csrf_token]").first.get_attribute("value")
