"""The acceptance test of issue 25: a whole season as the programmes run it, in headless Chromium,
on SQLite and on PostgreSQL, on one test clock (`rules.set_clock`).

Where a person would click, Chromium clicks; the JSON API (/api/v1 with the session cookie and
X-CSRF-Token) only does the bulk setup (the panel, the applicants' typed cases, the rounds' pools,
one decision the page cannot make).
The web process works no queue (`worker=False, periodic=False`): the test works it, as the one
worker of a deployment would, with `jobs.queue` at the clock's time.

The season, step by step (each step a function below, `STEPS`, run in order on one season):
 1. the organizer creates a call (deadlines typed in Beijing time), takes the preset season
    (形式审查 → 初评 → 复评 → 终评) and publishes it; the panel (four reviewers) and three typed
    cases with a declared figure come through the API, each receipt mailed; a fourth applicant
    leaves a draft;
 2. invitations: each reviewer follows the mail's link; three accept, rev4 declines with a reason
    (the link works once); the panel page shows the answers;
 3. draft reminders by the queue: at 3 days and at 1 day before the submission deadline exactly
    one mail each, to the draft's applicant, dated at the clock's moment, with a Message-ID; a
    second run at the same moment sends nothing;
 4. the deadline passes by the clock alone: the review phase; the draft can no longer be submitted;
 5. 形式审查: two pass, one is returned with reasons (mailed, shown on the applicant's page);
 6. 初评 is assigned from its pool without rev4, who declined;
 7. review reminders by the queue: 3 days before 初评's own deadline, to its two reviewers, once;
 8. the 初评 reviewers score on the round's form (comments and 专家点评 drafts, each its own);
 9. the shortlist carries both cases into 复评, whose reviewer sees the 初评 means, not names;
10. 修改后再议 in 复评: a request with a deadline (mailed); the applicant changes the text and a
    figure and answers; the 复评 reviewer sees the word diff, the changed figure and the response;
11. 调研核实: a visit planned from the submission page (notices mailed to the applicant and the
    team), the team's lead adjusts the revised figure and files the report;
12. 终评: its panel sees the visit's finding but not the earlier scores; the ranking shows 初评 and
    复评 as columns;
13. decisions: the discussion ends; the panel's opinion written for A; decisions applied on the
    ranking page (the case returned in 形式审查 through the API: the page has no row for it);
14. finals: the book's own title, 编委会, foreword and finals deadline; publishing refused while A
    has no approved text; A's final text submitted, copy-edited, approved (a proof made); rev1's
    专家点评 draft chosen and approved; the applicant sees the edit and signs the proof off;
15. publish: decision letters (A: 入选, the opinion, the approved 专家点评; B: 未入选, the reviews'
    comments unsigned; C too; the draft's applicant none); the library's case shows the approved
    text and the figure as the visit found it, with the declared value and why; B is not there;
16. the book as a job worked by the queue: 100 %, its own title, the approved text and 专家点评,
    the adjusted figure; no unapproved draft, no rejected case.
"""

from __future__ import annotations

import asyncio
import re
import time
from datetime import UTC, datetime, timedelta, timezone
from email.header import decode_header, make_header
from email.utils import parsedate_to_datetime

import pytest
from test_e2e import CHROMIUM, browser, shot  # noqa: F401  (fixtures)
from web_server import Server

from caseatlas.jobs import queue as job_queue
from caseatlas.services import Context, accounts, rules, system_actor
from caseatlas.store import open_engine

PASSWORD = "correct horse battery"
# The season's clock: 1 March 2027, 10:00 in Beijing. Every service reads time from it.
START = datetime(2027, 3, 1, 2, 0, tzinfo=UTC)
BEIJING = timezone(timedelta(hours=8))
SUBMISSION_DEADLINE = "2027-03-10T23:59"  # as typed, Beijing time
REVIEW_DEADLINE = "2027-04-15T23:59"  # the call's; 初评 has its own, earlier
FIRST_DEADLINE = "2027-03-25T18:00"
BOOK_TITLE = "企业气候行动优秀案例集（2027）"
OPINION_A = "专家组一致认为：减排核算清楚，经现场核实，建议入选。"


def beijing(text: str) -> datetime:
    """A moment written in Beijing time."""
    return datetime.fromisoformat(text).replace(tzinfo=BEIJING)


CALL = "2027 企业气候行动案例征集"
CASES = {  # applicant → (organization, title, domain, declared annual tCO2e)
    "appa": ("甲能源科技有限公司", "园区屋顶分布式光伏", "能源转型", 960),
    "appb": ("乙制造股份有限公司", "窑炉余热回收发电", "绿色制造", 540),
    "appc": ("丙交通集团有限公司", "城市公交全面电动化", "能源转型", 300),
}
DRAFT = ("丁建材有限公司", "低碳水泥试点", "绿色制造")  # appd's, never submitted


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


@pytest.fixture
def clock():
    rules.set_clock(START)
    yield rules.set_clock
    rules.set_clock(None)


class Person:
    """One browser context logged in as one account: `page` for clicking, `api` for bulk setup."""

    def __init__(self, browser, url: str, username: str):  # noqa: F811
        self.url = url
        self.username = username
        self.context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="zh-CN")
        self.context.set_default_timeout(10_000)  # a step that hangs fails fast, with its page
        self.page = self.context.new_page()
        r = self.context.request.post(f"{url}/api/v1/login", data={"username": username, "password": PASSWORD})
        assert r.ok, r.text()
        self.csrf = r.json()["csrf_token"]

    def go(self, path: str):
        self.page.goto(self.url + path)
        return self.page

    def api(self, method: str, path: str, body=None) -> dict | list:
        r = self.context.request.fetch(
            f"{self.url}/api/v1{path}", method=method, data=body, headers={"X-CSRF-Token": self.csrf}
        )
        assert r.ok, f"{method} {path}: {r.status} {r.text()}"
        return r.json()

    def click(self, selector: str, wait: str = "#message") -> None:
        self.page.click(selector)
        self.page.wait_for_selector(wait)


def _mails(smtp, to: str) -> list[tuple[str, str]]:
    out = []
    for m in smtp.messages:
        if m["To"] == to:
            body = m.get_payload(decode=True).decode(m.get_content_charset() or "utf-8")
            out.append((str(make_header(decode_header(m["Subject"]))), body))
    return out


def _subject(m) -> str:
    return str(make_header(decode_header(m["Subject"])))


def _body(m) -> str:
    return m.get_payload(decode=True).decode(m.get_content_charset() or "utf-8")


def _date(m) -> datetime:
    return parsedate_to_datetime(m["Date"])


def _messages(smtp, to: str, subject_has: str) -> list:
    """(message, body) of the mails to `to` whose subject says `subject_has`."""
    return [(m, _body(m)) for m in smtp.messages if m["To"] == to and subject_has in _subject(m)]


def expert_draft(reviewer: str, round_label: str) -> str:
    """The 专家点评 draft a reviewer writes in a round: each its own, so the book shows whose it printed."""
    return f"{round_label[:2]}点评（{reviewer}）：屋顶资源利用充分，减排路径可复制推广。"


def _wait(condition, what: str, seconds: float = 10):
    """A condition that becomes true after work on another thread (the server's, the SMTP server's)."""
    deadline = time.monotonic() + seconds
    while not (value := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)
    return value


def _off_the_loop(work):
    """Run `work` on a thread of its own: Playwright's sync API keeps an event loop running on this
    one, and the queue's worker runs one of its own (`asyncio.run`)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(work).result(timeout=120)


class Season:
    """The season's people and ids, as the steps build them."""

    def __init__(self, browser, url: str, engine, smtp, set_clock):  # noqa: F811
        self.browser, self.url, self.engine, self.smtp, self.set_clock = browser, url, engine, smtp, set_clock
        self.people: dict[str, Person] = {}
        self.call: int = 0
        self.ids: dict[str, int] = {}
        self.rounds: dict[str, int] = {}
        self.first_scores: dict[int, float] = {}
        self.case_path = ""

    def as_(self, username: str) -> Person:
        if username not in self.people:
            self.people[username] = Person(self.browser, self.url, username)
        return self.people[username]

    def close(self) -> None:
        for p in self.people.values():
            p.context.close()

    def work_queue(self) -> list:
        """The queue's worker at the clock's moment (`run_pending`): the periodic reminders, then
        the queued jobs. The mails that reached the SMTP server meanwhile."""
        before = len(self.smtp.messages)
        _off_the_loop(lambda: job_queue.run_pending(self.engine, rules.now()))
        return list(self.smtp.messages[before:])

    def round_ids(self) -> dict[str, int]:
        rs = self.as_("org1").api("GET", f"/calls/{self.call}/rounds")
        return {r["key"]: r["id"] for r in rs}

    def review(self, reviewer: str, sid: int, scores: dict[str, str], round_label: str) -> Person:
        """A reviewer opens the case, checks it is the round they expect, scores on its form."""
        rv = self.as_(reviewer)
        page = rv.go(f"/submissions/{sid}")
        assert page.inner_text("#review-round") == round_label
        for key, value in scores.items():
            page.fill(f"#score-{key}", value)
        page.fill("#confidence", "4")
        page.fill("#r-comment", f"{round_label[:2]}意见：材料完整，减排数据可核。")
        page.fill("#r-expert", expert_draft(reviewer, round_label))
        rv.click("#submit-review")
        return rv


# --- the steps --------------------------------------------------------------------------------


def step_call_and_submissions(s: Season) -> None:
    org = s.as_("org1")
    page = org.go("/programmes")
    page.select_option("#preset", "cteam")
    page.fill("#name", CALL)
    page.fill("#year", "2027")
    page.fill("#organizers", "某气候行动促进中心")
    page.fill("#domains", "能源转型\n绿色制造")
    page.fill("#submission_deadline", SUBMISSION_DEADLINE)
    page.fill("#review_deadline", REVIEW_DEADLINE)
    page.fill("#k", "2")
    org.click("#new-call button[type=submit]", "#phase")
    s.call = int(re.search(r"/calls/(\d+)", page.url).group(1))
    page.click("#rounds-link")
    org.click("#use-season")
    assert [page.get_attribute(f"#round-{k}", "data-status") for k in ("formal", "first", "second", "final")] == [
        "pending"
    ] * 4
    org.go(f"/calls/{s.call}")
    org.click("#publish-call")
    assert page.get_attribute("#phase", "data-phase") == "submission"
    assert page.locator("#call-rounds li").count() == 4
    # the deadline as people read it: the call's zone, Chinese form
    assert "2027年3月10日 23:59（北京时间）" in page.inner_text("main")

    # bulk setup through the API: the panel; each applicant's typed case with a declared figure
    for name, aff in (("rev1", "某大学"), ("rev2", "某研究院"), ("rev3", "某协会"), ("rev4", "某设计院")):
        org.api(
            "POST",
            f"/calls/{s.call}/panel",
            {"username": name, "affiliation": aff, "password": PASSWORD, "email": f"{name}@example.org"},
        )
    call = org.api("GET", f"/calls/{s.call}")
    for who, (_, title, domain, tco2e) in CASES.items():
        app = s.as_(who)
        # every section filled (a case is not submitted with one empty, issue 27); C declares no figure
        sections = [{"heading": h, "text": f"{title}项目每年减少二氧化碳排放 {tco2e} 吨。"} for h in call["template"]]
        outcome = {"kind": "co2e_reduction", "value": tco2e, "unit": "tCO2e", "period": "annual"}
        sub = app.api(
            "POST",
            f"/calls/{s.call}/submissions",
            {"title": title, "domain": domain, "sections": sections, "outcomes": [] if who == "appc" else [outcome]},
        )
        app.api("POST", f"/submissions/{sub['id']}/submit", {})
        s.ids[who] = sub["id"]
    # a fourth applicant leaves a draft (the draft reminders are for them)
    draft = s.as_("appd").api(
        "POST", f"/calls/{s.call}/submissions", {"title": DRAFT[1], "domain": DRAFT[2], "sections": [], "outcomes": []}
    )
    s.ids["appd"] = draft["id"]
    # each applicant got the receipt; and sees the case submitted on its page
    for who, (_, title, *_r) in CASES.items():
        receipt = _wait(
            lambda who=who: [b for t, b in _mails(s.smtp, f"{who}@example.org") if "已收到" in t], "a receipt"
        )
        assert title in receipt[0]
    page = s.as_("appa").go(f"/submissions/{s.ids['appa']}")
    assert page.get_attribute("#sub-status", "data-status") == "submitted"
    s.rounds = s.round_ids()
    # bulk setup: 初评 over rev1, rev2 and rev4 (k=2, its own deadline), 复评 and 终评 by rev3 alone
    org.api(
        "PATCH", f"/rounds/{s.rounds['first']}", {"pool": ["rev1", "rev2", "rev4"], "k": 2, "deadline": FIRST_DEADLINE}
    )
    org.api("PATCH", f"/rounds/{s.rounds['second']}", {"pool": ["rev3"], "k": 1})
    org.api("PATCH", f"/rounds/{s.rounds['final']}", {"pool": ["rev3"], "k": 1, "see_earlier": False})


def step_invitations(s: Season) -> None:
    """Each reviewer put on the panel was mailed an invitation; three accept from its link, rev4
    declines with a reason; the organizer's panel page shows the answers."""
    for name in ("rev1", "rev2", "rev3", "rev4"):
        mails = _wait(lambda name=name: _messages(s.smtp, f"{name}@example.org", "邀请"), f"{name}'s invitation")
        assert len(mails) == 1
        m, body = mails[0]
        assert m["Message-ID"] and _date(m) == rules.now()
        assert CALL in body and "2027年4月15日 23:59（北京时间）" in body  # the review deadline, Beijing time
        path = re.search(r"https://cases\.example\.org(/panel-invitations/[\w-]+)", body).group(1)
        page = s.as_(name).go(path)
        assert CALL in page.inner_text("#invitation-for")
        if name == "rev4":
            page.fill("#reason", "三月份在外地出差，无法按时评审。")
            page.click("#decline")
        else:
            page.click("#accept")
        page.wait_for_selector("#answered")
        assert page.get_attribute("#answered", "data-status") == ("declined" if name == "rev4" else "accepted")
        assert s.as_(name).go(path).locator("#link-invalid").count() == 1  # a link works once
    page = s.as_("org1").go(f"/calls/{s.call}/panel")
    assert "已接受" in page.inner_text("tr[data-user=rev1] .invitation-status")
    assert "已谢绝" in page.inner_text("tr[data-user=rev4] .invitation-status")


def step_draft_reminders(s: Season) -> None:
    """The queue sends the draft reminders at their times: 3 days and 1 day before the submission
    deadline, once each, to the one applicant whose case is still a draft."""
    d = s.ids["appd"]
    for moment, days in (("2027-03-08T00:30", 3), ("2027-03-10T00:30", 1)):
        s.set_clock(beijing(moment))
        sent = s.work_queue()
        assert [(m["To"], _subject(m)) for m in sent] == [
            ("appd@example.org", f"[案例征集] 提醒：您的申报尚未提交（{days} 天后截止）")
        ], [(m["To"], _subject(m)) for m in sent]
        m = sent[0]
        assert _date(m) == beijing(moment) and m["Message-ID"].endswith("@example.org>")
        body = _body(m)
        assert DRAFT[1] in body and f"https://cases.example.org/submissions/{d}" in body
        assert "2027年3月10日 23:59（北京时间）" in body
        assert s.work_queue() == []  # run again at the same moment: nothing twice
    ids = [m["Message-ID"] for m in s.smtp.messages if "提醒" in _subject(m)]
    assert len(ids) == len(set(ids)) == 2
    # the organizer's outbox shows both, sent
    page = s.as_("org1").go(f"/calls/{s.call}/outbox?kind=reminder_draft")
    rows = page.locator("#outbox tbody tr")
    states = [c.get_attribute("data-status") for c in page.locator("#outbox td.status").all()]
    assert rows.count() == 2 and states == ["sent", "sent"], states


def step_deadline_passes(s: Season) -> None:
    """The submission deadline closes the call by the clock alone: the review phase, the draft
    left out of the season."""
    s.set_clock(beijing("2027-03-11T09:00"))
    page = s.as_("org1").go(f"/calls/{s.call}")
    assert page.get_attribute("#phase", "data-phase") == "review"
    r = s.as_("appd").context.request.post(
        f"{s.url}/api/v1/submissions/{s.ids['appd']}/submit", headers={"X-CSRF-Token": s.as_("appd").csrf}
    )
    assert r.status == 403, r.text()  # the deadline has passed: the draft can no longer be submitted
    assert s.as_("appd").go(f"/submissions/{s.ids['appd']}").locator("#submit").count() == 0


def step_formal_check(s: Season) -> None:
    org = s.as_("org1")
    a, b, c = s.ids["appa"], s.ids["appb"], s.ids["appc"]
    page = org.go(f"/calls/{s.call}/rounds")
    org.click("#open-formal")
    assert page.get_attribute("#round-formal", "data-status") == "open"
    page.click("#checks-formal")
    # what the system can tell: C declared no quantified outcome
    assert page.locator(f"#check-{c} tr[data-item=outcomes] td.auto").inner_text().startswith("✗")
    for sid in (a, b):
        page.select_option(f"#ok-{sid}-eligibility", "1")
        page.select_option(f"#verdict-{sid}", "pass")
        org.click(f"#save-check-{sid}")
    page.select_option(f"#ok-{c}-outcomes", "0")
    page.fill(f"#note-{c}-outcomes", "未申报量化成果")
    page.select_option(f"#verdict-{c}", "return")
    page.fill(f"#reasons-{c}", "请补充量化成果并上传项目证明材料。")
    org.click(f"#save-check-{c}")
    assert page.get_attribute(f"#check-{c}", "data-verdict") == "return"

    def formal(to):
        return [(t, b) for t, b in _mails(s.smtp, to) if "形式审查" in t]

    mails = _wait(lambda: formal("appc@example.org"), "the formal check's mail")
    assert len(mails) == 1
    subject, body = mails[0]
    assert (
        "城市公交全面电动化" in subject
        and "退回修改" in subject
        and "形式审查结果为退回修改" in body
        and "请补充量化成果" in body
    )
    assert f"https://cases.example.org/submissions/{c}" in body
    assert not formal("appa@example.org")  # a pass is not mailed: the case goes on to 初评
    page_c = s.as_("appc").go(f"/submissions/{c}")
    assert "请补充量化成果" in page_c.inner_text("#formal-checks")
    org.go(f"/rounds/{s.rounds['formal']}/shortlist")
    org.click("#close-round")


def step_first_round(s: Season) -> None:
    org = s.as_("org1")
    a, b = s.ids["appa"], s.ids["appb"]
    page = org.go(f"/calls/{s.call}/rounds")
    org.click("#open-first")
    org.click("#assign-first", "#shortlist")
    assert {int(x.get_attribute("data-id")) for x in page.locator("#shortlist tbody tr").all()} == {a, b}
    for reviewer in ("rev1", "rev2"):
        listed = s.as_(reviewer).go(f"/calls/{s.call}").locator("#submissions tbody tr").all()
        assert {int(x.get_attribute("data-id")) for x in listed} == {a, b}  # C was returned: not in 初评
    assigned = {x["reviewer"] for x in s.as_("org1").api("GET", f"/calls/{s.call}/assignments")}
    assert assigned == {"rev1", "rev2"}  # rev4 declined the invitation: never assigned


def step_review_reminders(s: Season) -> None:
    """Three days before 初评's own deadline the queue reminds its two reviewers of their open
    reviews (rev4 declined and has none; rev3 is not in the round); once."""
    a, b = s.ids["appa"], s.ids["appb"]
    s.set_clock(beijing("2027-03-23T12:00"))
    sent = s.work_queue()
    assert sorted(m["To"] for m in sent) == ["rev1@example.org", "rev2@example.org"], [m["To"] for m in sent]
    for m in sent:
        assert _subject(m) == "[案例评审] 提醒：评审 3 天后截止" and _date(m) == rules.now()
        body = _body(m)
        assert "2027年3月25日 18:00（北京时间）" in body
        assert f"/submissions/{a}" in body and f"/submissions/{b}" in body
    assert s.work_queue() == []


def step_first_round_scores(s: Season) -> None:
    """Two days before 初评's deadline, its reviewers score."""
    a, b = s.ids["appa"], s.ids["appb"]
    marks = {("rev1", a): "5", ("rev2", a): "4", ("rev1", b): "3", ("rev2", b): "4"}
    for (reviewer, sid), v in marks.items():
        s.review(reviewer, sid, {k: v for k in ("impact", "replicability", "sustainability")}, "初评（函评）")
    s.first_scores = {a: 4.5, b: 3.5}


def step_shortlist_to_second(s: Season) -> None:
    org = s.as_("org1")
    a, b = s.ids["appa"], s.ids["appb"]
    page = org.go(f"/rounds/{s.rounds['first']}/shortlist")
    page.select_option(f"#state-{a}", "advanced")
    page.select_option(f"#state-{b}", "advanced")
    org.click("#close-round")
    assert page.get_attribute(f"#shortlist tr[data-id='{a}']", "data-state") == "advanced"
    page = org.go(f"/calls/{s.call}/rounds")
    org.click("#open-second")
    org.click("#assign-second", "#shortlist")
    assert page.locator("#shortlist tbody tr").count() == 2
    # the 复评 reviewer sees 初评's mean per case, not the reviewers' names
    page = s.as_("rev3").go(f"/submissions/{b}")
    assert page.inner_text("#review-round") == "复评（会评/答辩）"
    assert page.locator("#earlier-scores tr[data-round=first]").count() == 1
    assert f"{s.first_scores[b]:.2f}" in page.inner_text("#earlier-scores")
    assert "rev1" not in page.inner_text("#earlier-scores")
    criteria = [x.get_attribute("id")[len("score-") :] for x in page.locator("input[id^=score-]").all()]
    s.review("rev3", b, dict.fromkeys(criteria, "3"), "复评（会评/答辩）")


def step_revision(s: Season) -> None:
    """修改后再议 in 复评: the request, the applicant's answer, the diff the reviewer reads."""
    a = s.ids["appa"]
    org = s.as_("org1")
    page = org.go(f"/submissions/{a}")
    page.fill("#revision-requests-in", "1. 请说明光伏装机规模。\n2. 请补充减排量的核算依据。")
    page.fill("#revision-deadline-in", "2027-03-24T18:00")
    org.click("#request-revision", "#revision-state")
    assert page.get_attribute("#revision-state", "data-state") == "open"
    assert page.inner_text("#revision-deadline") == "2027年3月24日 18:00（北京时间）"
    body = _wait(
        lambda: [b for t, b in _mails(s.smtp, "appa@example.org") if "请说明光伏装机规模" in b], "the request"
    )[0]
    assert "2027年3月24日 18:00（北京时间）" in body and f"/submissions/{a}" in body

    app = s.as_("appa")
    page = app.go(f"/submissions/{a}")
    assert "请补充减排量的核算依据" in page.inner_text("#revision-requests")
    first = page.locator("#submission-form textarea").first
    first.fill("园区屋顶分布式光伏项目装机 12 兆瓦，每年减少二氧化碳排放 1200 吨。核算依据：国家电网排放因子。")
    page.fill("input[name=o_value_1]", "1200")
    page.fill("#revision-response-in", "1. 已补充：装机 12 兆瓦。\n2. 已补充核算依据，减排量更正为 1200 吨。")
    app.click("#answer-revision")
    assert page.get_attribute("#revision-state", "data-state") == "answered"

    rv = s.as_("rev3")
    page = rv.go(f"/submissions/{a}")
    page.wait_for_selector("#revision-diff")
    inserted = " ".join(page.locator("#revision-diff ins").all_inner_texts())
    deleted = " ".join(page.locator("#revision-diff del").all_inner_texts())
    assert "1200" in inserted and "12 兆瓦" in inserted and "960" in deleted
    assert "已补充核算依据" in page.inner_text("#revision-response")
    assert page.locator("#revision-outcomes li[data-change=changed]").count() == 1
    shot(page, "season-revision-diff")
    criteria = [x.get_attribute("id")[len("score-") :] for x in page.locator("input[id^=score-]").all()]
    s.review("rev3", a, dict.fromkeys(criteria, "5"), "复评（会评/答辩）")


def step_site_visit(s: Season) -> None:
    """调研核实 of A's revised figure: planned from the submission's page (the notice mailed to the
    applicant and the team), the team's lead adjusts the figure, files the report, marks it done."""
    a = s.ids["appa"]
    org = s.as_("org1")
    page = org.go(f"/submissions/{a}")
    page.click("#visit-plan summary")
    page.fill("#p-time", "2027-03-24T09:30")
    page.fill("#p-place", "甲能源科技有限公司屋顶光伏电站")
    page.fill("#p-team", "rev3, org1")
    page.fill("#p-lead", "rev3")
    page.click("#visit-plan-form button[type=submit]")
    page.wait_for_selector("#visit-facts")
    assert "2027年3月24日 09:30（北京时间）" in page.inner_text("#visit-time")
    visit_path = page.url.split(s.url, 1)[1].split("?")[0]

    def noticed():
        return sorted(
            to for to in ("appa", "rev3", "org1") for t, _ in _mails(s.smtp, f"{to}@example.org") if "调研核实" in t
        )

    assert _wait(lambda: noticed() == ["appa", "org1", "rev3"], "the visit notices")
    s.set_clock(beijing("2027-03-24T14:00"))  # the team is back from the site
    rv = s.as_("rev3")
    page = rv.go(visit_path)
    row = page.locator("tr[data-kind=co2e_reduction]")
    assert "1,200" in row.inner_text()  # the revised figure is the one verified
    row.locator("select[name=verdict]").select_option("adjusted")
    row.locator("input[name=value]").fill("1100吨")
    row.locator("input[name=note]").fill("按电表读数核算")
    row.locator("button[type=submit]").click()
    page.wait_for_selector("#message")
    page.fill("#report-text", "现场核查完成：装机属实，减排量按电表读数调整为 1100 吨。")
    rv.click("#visit-done")
    assert page.get_attribute("#visit-status", "data-status") == "done"
    shot(page, "season-visit-done")


def step_final_round(s: Season) -> None:
    org = s.as_("org1")
    a, b = s.ids["appa"], s.ids["appb"]
    page = org.go(f"/rounds/{s.rounds['second']}/shortlist")
    page.select_option(f"#state-{a}", "advanced")
    page.select_option(f"#state-{b}", "advanced")
    org.click("#close-round")
    page = org.go(f"/calls/{s.call}/rounds")
    org.click("#open-final")
    org.click("#assign-final", "#shortlist")
    for sid, v in ((a, "5"), (b, "2")):
        page = s.as_("rev3").go(f"/submissions/{sid}")
        assert page.locator("#earlier-scores").count() == 0  # 终评's panel judges afresh
        if sid == a:  # the visit report feeds the round: the value found and why
            visits = page.inner_text("#visits")
            assert "申报 1,200吨二氧化碳当量 → 核实 1,100吨二氧化碳当量" in visits and "按电表读数核算" in visits
            assert "按电表读数调整" in page.text_content("#visits .visit-report")
        criteria = [x.get_attribute("id")[len("score-") :] for x in page.locator("input[id^=score-]").all()]
        s.review("rev3", sid, dict.fromkeys(criteria, v), "终评")
    page = org.go(f"/calls/{s.call}/ranking")
    assert "终评" in page.inner_text("#ranking-round")
    assert page.locator("table.ranking tbody tr").count() == 2
    assert page.locator(f"tr[data-id='{a}'] td.earlier[data-round=first]").inner_text() == f"{s.first_scores[a]:.2f}"
    assert page.locator(f"tr[data-id='{a}'] td.earlier[data-round=second]").inner_text() == "5.00"


def step_decisions(s: Season) -> None:
    """The discussion ends; the organizer writes the panel's opinion for A's letter and applies the
    decisions from the ranking page (A in, B out; C, returned in 形式审查, out)."""
    org = s.as_("org1")
    a, b, c = s.ids["appa"], s.ids["appb"], s.ids["appc"]
    page = org.go(f"/calls/{s.call}")
    org.click("#advance")  # end review
    org.click("#advance")  # end discussion
    assert page.get_attribute("#phase", "data-phase") == "decision"
    page = org.go(f"/submissions/{a}")
    page.fill("#opinion", OPINION_A)
    org.click("#opinion-form button[type=submit]")
    proposal = {p["submission"]: p["decision"] for p in org.api("GET", f"/calls/{s.call}/decisions/proposal")}
    assert proposal[a] == "accept" and proposal[c] == "reject"
    page = org.go(f"/calls/{s.call}/ranking?propose=raw")
    page.select_option(f"select[name=decision_{a}]", "accept")
    page.select_option(f"select[name=decision_{b}]", "reject")
    # C left the season in 形式审查: listed apart, its decision offered (not selected by default)
    assert page.input_value(f"#left-out select[name=decision_{c}]") == "reject"
    page.click("#preview-decisions")
    page.wait_for_selector("#preview")
    page.click("#apply-decisions")
    page.wait_for_selector("#message")
    decided = {x["id"]: x["decision"] for x in org.api("GET", f"/calls/{s.call}/submissions")}
    assert (decided[a], decided[b], decided[c]) == ("accept", "reject", "reject"), decided


def step_finals(s: Season) -> None:
    """The book's own front matter; A's final text submitted, copy-edited and approved (a proof is
    made); rev1's 专家点评 draft chosen and approved; the applicant signs the proof off."""
    a = s.ids["appa"]
    org = s.as_("org1")
    page = org.go(f"/calls/{s.call}/ranking")
    page.click("#finals-link")
    page.fill("#b-title", BOOK_TITLE)
    page.fill("#b-committee", "主任：张三，某大学\n李四 | 主编 | 某研究院")
    page.fill("#b-foreword", "本书收录经四轮评审与现场核实入选、并经申报单位确认定稿的案例。")
    page.fill("#b-deadline", "2027-04-10T18:00")
    org.click("#save-book")
    assert "2027年4月10日 18:00" in page.inner_text("#finals-deadline")
    r = org.context.request.post(f"{s.url}/api/v1/calls/{s.call}/collection", headers={"X-CSRF-Token": org.csrf})
    assert r.status == 409 and f"#{a}" in r.json()["error"]["message"]  # no approved text yet

    app = s.as_("appa")
    page = app.go(f"/submissions/{a}/final")
    assert page.get_attribute("#final-state", "data-state") == "awaiting"
    page.fill("#fs-1", "定稿：园区屋顶分布式光伏项目装机 12 兆瓦，每年减少二氧化碳排放 1100 吨。")
    app.click("#submit-final")
    assert page.get_attribute("#final-state", "data-state") == "submitted"

    page = org.go(f"/submissions/{a}/final")
    page.fill("#fs-1", "定稿：园区屋顶分布式光伏项目装机 12 兆瓦，投运后每年减少二氧化碳排放 1100 吨。")
    page.fill("#ff-note", "统一表述")
    org.click("#edit-final")
    assert page.get_attribute("#final-state", "data-state") == "edited"
    org.click("#approve-final")
    assert page.get_attribute("#final-state", "data-state") == "approved"
    assert page.locator("#proofs li[data-proof]").count() == 1
    page.click(".draft[data-reviewer='rev1'] button.choose-comment")
    page.wait_for_selector("#approve-comment")
    assert page.get_attribute("#comment-state", "data-approved") == "no"
    page.click("#approve-comment")
    page.wait_for_selector("#comment-state[data-approved='yes']")

    page = app.go(f"/submissions/{a}/final")
    assert "投运后" in page.inner_text("#final-diff")
    pdf = app.context.request.get(s.url + page.get_attribute("#proofs a.proof-pdf", "href"))
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    app.click("#sign-proof")
    assert page.get_attribute("#proofs .proof-status", "data-status") == "signed"
    page = org.go(f"/calls/{s.call}/finals")
    assert page.inner_text("#n-signed") == "1" and page.inner_text("#n-approved") == "1"


def step_publish(s: Season) -> None:
    """Published: decision letters with the panel's opinion (and A's approved 专家点评); the library
    holds A as approved, with the figure as the visit found it and why; not B, not C."""
    b = s.ids["appb"]
    org = s.as_("org1")
    page = org.go(f"/calls/{s.call}/ranking")
    page.click("#publish-collection")
    page.wait_for_url(re.compile(r".*/search\?collection=.*"))
    page.wait_for_selector("ol.hits li.hit")
    assert page.locator("ol.hits li.hit").count() == 1
    assert "园区屋顶分布式光伏" in page.inner_text("ol.hits")
    # the decision letters
    ((m_a, letter_a),) = _wait(lambda: _messages(s.smtp, "appa@example.org", "评审结果"), "A's letter")
    assert "园区屋顶分布式光伏" in _subject(m_a) and "评审结果：入选" in letter_a
    assert OPINION_A in letter_a and "专家点评：" in letter_a and expert_draft("rev1", "初评（函评）") in letter_a
    assert expert_draft("rev3", "终评") not in letter_a
    ((_, letter_b),) = _wait(lambda: _messages(s.smtp, "appb@example.org", "评审结果"), "B's letter")
    assert "评审结果：未入选" in letter_b and "专家点评" not in letter_b
    assert "材料完整，减排数据可核" in letter_b and not re.search(r"rev\d", letter_b)  # the reviews' comments, unsigned
    assert len(_wait(lambda: _messages(s.smtp, "appc@example.org", "评审结果"), "C's letter")) == 1
    assert not _messages(s.smtp, "appd@example.org", "评审结果")  # a draft was never in the season
    # the library: the figure as the visit found it, with the declared (revised) value and why
    anon = s.as_("appb")
    page = anon.go("/search?q=" + "屋顶分布式光伏")
    page.click("ol.hits li.hit a:has-text('园区屋顶分布式光伏')")
    page.wait_for_selector("ul.metrics")
    declared = [t for t in page.locator("ul.metrics li").all_inner_texts() if "申报" in t]
    assert len(declared) == 1, declared
    assert "1,100" in declared[0] and "现场核查调整：申报 1,200吨二氧化碳当量 → 核实 1,100吨二氧化碳当量" in declared[0]
    assert "调研核实，2027年3月24日" in declared[0] and "按电表读数核算" in declared[0], declared
    assert "投运后每年减少二氧化碳排放" in page.inner_text("main")  # the approved copy-edit
    page = anon.go("/search?q=" + "窑炉余热回收")
    assert "窑炉余热回收发电" not in page.inner_text("main")
    page = anon.go(f"/submissions/{b}")
    assert page.inner_text("#sub-decision") == "未入选"


def step_book(s: Season) -> None:
    """The book as a job: queued from the collections page, built by the queue's worker (here the
    test, draining the queue), its progress 100 %, its PDF holding the accepted case only."""
    org = s.as_("org1")
    page = org.go("/collections")
    page.click("form.book-job button[type=submit]")
    page.wait_for_url("**/jobs/*")
    _off_the_loop(lambda: asyncio.run(job_queue.for_engine(s.engine).drain()))
    page.reload()
    assert page.get_attribute("#job-status", "data-status") == "done", page.inner_text("#job")
    assert page.inner_text("#job-percent").strip() == "100 %"
    with page.expect_download() as dl:
        page.click("#job-file")
    pdf = dl.value.path().read_bytes()
    assert pdf.startswith(b"%PDF")
    text = _pdf_text(pdf)
    assert "园区屋顶分布式光伏" in text and "窑炉余热回收发电" not in text and "城市公交全面电动化" not in text
    flat = re.sub(r"\s+", "", text)
    assert "1,100吨二氧化碳当量（调研核实" in flat, flat[:4000]  # the figure as the visit found it
    assert BOOK_TITLE in flat and "2027企业气候行动案例征集" not in flat[:200]  # its own title on the cover
    assert "投运后每年减少二氧化碳排放" in flat  # the approved final text
    assert "张三" in flat and "本书收录经四轮评审与现场核实入选" in flat  # its 编委会 and foreword
    assert re.sub(r"\s+", "", expert_draft("rev1", "初评（函评）")) in flat  # the approved 专家点评
    for reviewer, label in (("rev2", "初评（函评）"), ("rev3", "复评（会评/答辩）"), ("rev3", "终评")):
        assert re.sub(r"\s+", "", expert_draft(reviewer, label)) not in flat  # never an unapproved draft


def _pdf_text(pdf: bytes) -> str:
    import pymupdf

    with pymupdf.open(stream=pdf, filetype="pdf") as doc:
        return "".join(p.get_text() for p in doc)


STEPS = [
    step_call_and_submissions,
    step_invitations,
    step_draft_reminders,
    step_deadline_passes,
    step_formal_check,
    step_first_round,
    step_review_reminders,
    step_first_round_scores,
    step_shortlist_to_second,
    step_revision,
    step_site_visit,
    step_final_round,
    step_decisions,
    step_finals,
    step_publish,
    step_book,
]


def test_a_season_end_to_end(db_path, browser, smtp, clock):  # noqa: F811
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    for who, (company, *_rest) in [*CASES.items(), ("appd", DRAFT)]:
        accounts.register(Context(engine), who, PASSWORD, company, f"{who}@example.org")
    timings = []
    try:
        with Server(str(db_path), worker=False, periodic=False) as site:
            season = Season(browser, site.url, engine, smtp, clock)
            try:
                for step in STEPS:
                    t0 = time.monotonic()
                    step(season)
                    timings.append((step.__name__, round(time.monotonic() - t0, 2)))
            finally:
                season.close()
    finally:
        print("season steps:", timings)
        engine.dispose()
