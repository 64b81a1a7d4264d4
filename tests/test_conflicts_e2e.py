"""Conflicts of interest in headless Chromium, on SQLite and on PostgreSQL (issue 23 point 1).

A blind call: applicant B is a research institute of 中国石油 signing with the group's short name
(中石油勘探开发研究院), reviewer rev3 works for the group under its legal name. The organizer opens
the conflict check (the pair and why), assigns: rev3 never gets B's case, never sees it, and the
page shows reviewers no organization (blind). Then the organizer learns that another reviewer's
employer is applicant A under another name and adds the alias group on the conflict-check screen:
that assignment goes at once, the call page says so, the reviewer no longer sees the case, and
assigning again gives every case k reviewers, none conflicted."""

from __future__ import annotations

import pytest
from test_e2e import CHROMIUM, browser, new_page, shot  # noqa: F401  (fixtures)
from test_programme_e2e import login
from web_server import Server

from caseatlas.programme.services import calls, submissions
from caseatlas.services import Actor, Context, accounts, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine
from caseatlas.store import programmes as pstore

PASSWORD = "correct horse battery"
AFFILIATIONS = {
    "rev1": "某大学环境学院",
    "rev2": "某研究院",
    "rev3": "中国石油天然气集团有限公司",
    "rev4": "某咨询有限公司",
}


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


def _as(engine, name):
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, name)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def _assigned(engine, call_id) -> dict[int, set[str]]:
    with engine.connect() as conn:
        out: dict[int, set[str]] = {}
        for a in pstore.assignments_of(conn, call_id):
            out.setdefault(a["submission_id"], set()).add(a["username"])
        return out


def test_conflicts_in_the_browser(db_path, new_page):  # noqa: F811
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = _as(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "2027 盲评征集",
        2027,
        domains=["绿色制造", "能源转型"],
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=2,
        blind=True,
    )
    calls.publish(org, call["id"])
    for name, aff in AFFILIATIONS.items():
        calls.add_member(org, call["id"], name, "reviewer", affiliation=aff, topics=["绿色制造"], password=PASSWORD)
    ids = {}
    for user, company, title in (
        ("appa", "甲新能源科技有限公司", "屋顶光伏"),
        ("appb", "中石油勘探开发研究院", "油田伴生气回收"),
        ("appc", "丙环保有限公司", "污泥资源化"),
    ):
        accounts.register(Context(engine), user, PASSWORD, company, f"{user}@example.org")
        a = _as(engine, user)
        s = submissions.create(
            a,
            call["id"],
            title,
            "绿色制造",
            [{"heading": h, "text": f"{title}：每年减排 100 吨二氧化碳。"} for h in call["template"]],
        )
        submissions.submit(a, s["id"])
        ids[user] = s["id"]
    calls.advance(org, call["id"])  # submissions close
    c = call["id"]
    try:
        with Server(str(db_path)) as site:
            url = site.url
            o = new_page()
            login(o, url, "org1")
            o.goto(f"{url}/calls/{c}")
            o.click("#conflicts-link")
            o.wait_for_selector("#conflict-summary")
            rows = o.locator("#conflict-pairs tbody tr")
            assert rows.count() == 1
            assert rows.first.get_attribute("data-reviewer") == "rev3"
            assert int(rows.first.get_attribute("data-submission")) == ids["appb"]
            why = rows.first.locator("td.reason").inner_text()
            assert "中石油" in why and "中国石油" in why, why
            shot(o, "conflict-check")
            o.goto(f"{url}/calls/{c}/panel")
            o.click("#auto-assign")
            o.wait_for_selector("#message")
            assert "违反回避 0" in o.inner_text("#message")
            first = _assigned(engine, c)
            assert all(len(v) == 2 for v in first.values()) and "rev3" not in first[ids["appb"]]

            r3 = new_page()
            login(r3, url, "rev3")
            r3.goto(f"{url}/calls/{c}")
            listed = [int(x.get_attribute("data-id")) for x in r3.locator("#submissions tbody tr").all()]
            assert ids["appb"] not in listed
            assert "中石油" not in r3.content() and "甲新能源" not in r3.content(), "blind: no organization shown"
            assert r3.request.get(f"{url}/api/v1/submissions/{ids['appb']}").status == 404  # as if it did not exist

            # the organizer learns that a reviewer of A's case works for A under another name
            victim = sorted(first[ids["appa"]] - {"rev3"})[0]
            o.goto(f"{url}/calls/{c}/conflicts")
            o.fill("#c-aliases", f"{AFFILIATIONS[victim]}、甲新能源科技有限公司")
            o.click("#save-aliases")
            o.wait_for_selector("#message")
            assert "撤下 1" in o.inner_text("#message")
            reviewers = {r.get_attribute("data-reviewer") for r in o.locator("#conflict-pairs tbody tr").all()}
            assert victim in reviewers and "rev3" in reviewers
            assert o.input_value("#c-aliases").strip() == f"{AFFILIATIONS[victim]}、甲新能源科技有限公司"
            assert victim not in _assigned(engine, c)[ids["appa"]]
            o.goto(f"{url}/calls/{c}")
            assert victim in o.inner_text("#conflict-notices") and "屋顶光伏" in o.inner_text("#conflict-notices")
            shot(o, "conflict-notice")
            v = new_page()
            login(v, url, victim)
            v.goto(f"{url}/calls/{c}")
            assert ids["appa"] not in [
                int(x.get_attribute("data-id")) for x in v.locator("#submissions tbody tr").all()
            ]
            assert (
                v.request.get(f"{url}/api/v1/submissions/{ids['appa']}").status == 404
            )  # no longer assigned: as if it did not exist

            # assigning again: every case has k = 2 reviewers, none conflicted
            o.goto(f"{url}/calls/{c}/panel")
            o.click("#auto-assign")
            o.wait_for_selector("#message")
            again = _assigned(engine, c)
            assert all(len(v) == 2 for v in again.values())
            assert victim not in again[ids["appa"]] and "rev3" not in again[ids["appb"]]
    finally:
        with engine.connect() as conn:
            notes = [n for n in pstore.notifications_of(conn, c) if n["kind"] == "conflict_found"]
        engine.dispose()
    assert notes and notes[0]["to_addr"] == "org1@example.org"
