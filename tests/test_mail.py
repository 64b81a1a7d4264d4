"""The communications centre, on both backends with a real SMTP server (aiosmtpd): templates for
every kind in both languages, hostile templates refused or contained, the headers a mail leaves
with, the outbox's retry and resend (a secret link issued afresh), invitations accepted and
declined, reminders at their offsets and only once, and times in the call's zone."""

from __future__ import annotations

import os
import re
import threading
import time
from datetime import datetime, timedelta
from email.header import decode_header, make_header

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from caseatlas.errors import CaseAtlasError, Conflict
from caseatlas.programme.services import (
    calls,
    communications,
    finals,
    invitations,
    reminders,
    reviews,
    selection,
    submissions,
)
from caseatlas.programme.services.calls import current_round_row
from caseatlas.services import Actor, Context, accounts, mail, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine
from caseatlas.store import programmes as pstore
from caseatlas.vocab import NOTIFICATION_KIND_LABELS, NOTIFICATION_KINDS
from caseatlas.web import create_app

PASSWORD = "correct horse battery"
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00")
SUBMISSION_DEADLINE = "2099-03-31T15:59:00+00:00"  # 2099年3月31日 23:59 Beijing time
REVIEW_DEADLINE = "2099-04-30T15:59:00+00:00"


def as_user(engine, username: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, username)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def _at(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


@pytest.fixture
def season(db_path, smtp):
    """A published call (deadlines in 2099), its organizer, two applicants with a draft each, and
    three reviewers on the panel, every account with an address; mail goes to the test SMTP server."""
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org", display_name="王组织")
    accounts.add_user(root, "admin1", PASSWORD, "admin", email="admin1@example.org")
    org = as_user(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "2099 气候行动案例征集",
        2099,
        domains=["绿色制造", "能源转型"],
        deadlines={"submission_deadline": SUBMISSION_DEADLINE, "review_deadline": REVIEW_DEADLINE},
        reviewers_per_submission=2,
    )
    calls.publish(org, call["id"])
    anon = Context(engine)
    subs = {}
    for user, organization in (("appa", "甲能源科技有限公司"), ("appb", "乙交通有限公司")):
        accounts.register(anon, user, PASSWORD, organization, f"{user}@example.org")
        s = submissions.create(
            as_user(engine, user),
            call["id"],
            f"{user} 的案例",
            "绿色制造",
            [{"heading": h, "text": f"每年减排 100 吨二氧化碳（{h}）。"} for h in call["template"]],  # all required
        )
        subs[user] = s["id"]
    for name in ("rev1", "rev2", "rev3"):
        calls.add_member(
            org, call["id"], name, "reviewer", affiliation="某大学", password=PASSWORD, email=f"{name}@example.org"
        )
    yield engine, call, org, subs
    engine.dispose()


def _mails(inbox, to: str, n: int = 1, wait: float = 10.0) -> list:
    deadline = time.monotonic() + wait
    while True:
        got = [m for m in inbox.messages if m["To"] == to]
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.05)


def _subject(message) -> str:
    return str(make_header(decode_header(message["Subject"])))


def _body(message) -> str:
    return message.get_payload(decode=True).decode(message.get_content_charset())


def _outbox(engine, **where) -> list[dict]:
    sql = "SELECT * FROM notifications" + (" WHERE " + " AND ".join(f"{k} = :{k}" for k in where) if where else "")
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(text(sql + " ORDER BY id"), where)]


# --- templates


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_kind_renders_with_its_sample(lang):
    zone = "北京时间" if lang == "zh" else "Beijing time"
    for kind in NOTIFICATION_KINDS:
        t = mail.default(kind, lang)
        subject, body = mail.render(t, mail.sample(kind), "Asia/Shanghai")
        assert subject and "\n" not in subject and "{{" not in subject + body and "{%" not in body, kind
        assert mail.SAMPLE_COMMON["name"] in body, kind  # addressed to the recipient by name
        for name, value in mail.SAMPLES[kind].items():
            if isinstance(value, mail.At):
                assert zone in subject + body, (kind, name)  # a time: written in the zone, named
                assert not ISO_UTC.search(body)
            elif name == "link":
                assert value in body, (kind, name)  # every link is in the mail, absolute
        assert kind in NOTIFICATION_KIND_LABELS  # named for people in the editor and the outbox
        # the editor lists each placeholder the default uses, and the check accepts the default
        assert mail.validate(kind, lang, t.subject, t.body) == (t.subject, t.body)


HOSTILE = [
    "{{ ''.__class__.__mro__ }}",
    "{{ name.__class__.__mro__[1].__subclasses__() }}",
    "{% for i in range(100000000) %}x{% endfor %}",
    "{% for s in submissions %}{% for t in submissions %}{% for u in submissions %}"
    "{% endfor %}{% endfor %}{% endfor %}",
    "{% for c in name %}{% for d in name %}{% endfor %}{% endfor %}",  # loops over a string
    "{{ 'x' * 1000000000 }}",
    "{{ 9 ** 9 ** 9 }}",
    "{{ name.center(1000000000) }}",
    "{{ name|center(1000000000) }}",
    "{{ lipsum(1000) }}",
    "{% macro f(n) %}{{ f(n) }}{{ f(n) }}{% endmacro %}{{ f(1) }}",
    "{% include '/etc/passwd' %}",
    "{{ config }}",
    "{{ self.__init__.__globals__ }}",
    "{% for s in submissions recursive %}{{ loop(submissions) }}{% endfor %}",
    "{% set a = name ~ name %}{% set b = a ~ a %}{{ b }}",  # doubling, step by step
    "{{ '%1000000000s' % name }}",
    "{{ " + " ~ ".join(["link"] * 40) + " }}",
    "{{ " + "(" * 3000 + "name" + ")" * 3000 + " }}",
]


@pytest.mark.parametrize("source", HOSTILE)
def test_hostile_templates_are_refused_quickly(source):
    started = time.monotonic()
    with pytest.raises(mail.TemplateRefused) as err:
        mail.validate("review_assigned", "zh", "主题", source)
    assert time.monotonic() - started < 2.0
    assert "\n" not in str(err.value)


def test_output_is_cut_at_its_limit():
    # two nested loops over the largest list a context has stay within the output cap
    big = {"submissions": [{"title": "x" * 500, "link": "l"}] * 400}
    t = mail.Template(
        "review_assigned",
        "zh",
        "s",
        "{% for s in submissions %}{% for t in submissions %}{{ s.title }}{% endfor %}{% endfor %}",
    )
    with pytest.raises(mail.TemplateRefused, match="longer than"):
        mail.render(t, {**mail.sample("review_assigned"), **big}, None)
    # a filter that would square a long value is stopped before it makes it
    square = mail.Template("review_assigned", "zh", "s", "{{ name|replace('', name) }}")
    with pytest.raises(mail.TemplateRefused, match="replace"):
        mail.render(square, {**mail.sample("review_assigned"), "name": "长" * 5000}, None)


def test_unknown_placeholder_is_named_in_a_one_line_400(season, db_path):
    engine, call, _, _ = season
    client = TestClient(create_app(str(db_path)))
    token = client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD}).json()["csrf_token"]
    h = {"X-CSRF-Token": token}
    url = f"/api/v1/calls/{call['id']}/mail-templates/decision/zh"
    r = client.put(url, json={"subject": "结果：{{ title }}", "body": "{{ name }}：{{ verdict }}"}, headers=h)
    assert r.status_code == 400 and "{{ verdict }}" in r.json()["error"]["message"]
    assert "\n" not in r.json()["error"]["message"]
    r = client.put(url, json={"subject": "x", "body": "{{ ''.__class__.__mro__ }}"}, headers=h)
    assert r.status_code == 400 and "unsafe" in r.json()["error"]["message"]
    listed = client.get(f"/api/v1/calls/{call['id']}/mail-templates").json()
    assert len(listed) == 2 * (len(NOTIFICATION_KINDS) - 1) and not any(t["custom"] for t in listed)
    assert "password_reset" not in {t["kind"] for t in listed}  # the site's, not a call's
    decision = next(t for t in listed if t["kind"] == "decision" and t["lang"] == "zh")
    assert {"opinion", "expert_comment", "title", "link", "name"} <= set(decision["placeholders"])


# --- mails as they leave, the call's own wording, the outbox


def test_mail_headers_link_zone_and_the_calls_own_template(season, smtp):
    engine, call, org, subs = season
    communications.save_template(
        org,
        call["id"],
        "submission_received",
        "zh",
        "收到：{{ title }}",
        "{{ name }}：已收到《{{ title }}》第 {{ version }} 版，截止 {{ deadline }}。{{ link }}",
    )
    submissions.submit(as_user(engine, "appa"), subs["appa"])
    got = _mails(smtp, "appa@example.org")[0]
    assert _subject(got) == "收到：appa 的案例"
    assert got["Date"] and re.fullmatch(r"<[^@>]+@example\.org>", got["Message-ID"])
    assert got.get_content_type() == "text/plain" and got.get_content_charset() == "utf-8"
    assert "Auto-Submitted" not in got
    body = _body(got)
    assert "2099年3月31日 23:59（北京时间）" in body and not ISO_UTC.search(body)
    assert f"https://cases.example.org/submissions/{subs['appa']}" in body
    row = _outbox(engine, kind="submission_received")[-1]
    assert row["status"] == "sent" and row["attempts"] == 1 and row["message_id"] == got["Message-ID"]
    assert row["sent_at"] and row["lang"] == "zh"
    # the other language, by the call's setting
    calls.update(org, call["id"], mail_lang="en")
    submissions.submit(as_user(engine, "appb"), subs["appb"])
    got = _mails(smtp, "appb@example.org")[0]
    assert _subject(got) == "[CaseAtlas] Submission received: appb 的案例"
    assert "31 Mar 2099, 23:59 (Beijing time)" in _body(got)


def test_retry_a_failed_mail_and_resend_a_sent_one(season, smtp, monkeypatch):
    engine, call, org, subs = season
    smtp_port = os.environ["CASEATLAS_SMTP_PORT"]

    from web_server import free_port

    monkeypatch.setenv("CASEATLAS_SMTP_PORT", str(free_port()))  # nobody listens there
    submissions.submit(as_user(engine, "appa"), subs["appa"])
    failed = _outbox(engine, kind="submission_received")[-1]
    assert failed["status"] == "failed" and failed["attempts"] == 1 and failed["error"]
    with pytest.raises(Conflict):
        communications.resend(org, failed["id"])  # only a sent one is resent
    monkeypatch.setenv("CASEATLAS_SMTP_PORT", smtp_port)
    again = communications.retry(org, failed["id"])
    assert again.id == failed["id"] and again.status == "sent" and again.attempts == 2 and again.message_id
    first = _mails(smtp, "appa@example.org")
    assert len(first) == 1 and _body(first[0]).strip() == again.body.strip()
    with pytest.raises(Conflict):
        communications.retry(org, failed["id"])  # sent: nothing to retry
    copy = communications.resend(org, failed["id"])
    assert copy.id != failed["id"] and copy.resend_of == failed["id"] and copy.status == "sent"
    assert len(_mails(smtp, "appa@example.org", 2)) == 2
    # the outbox of the call shows both, filtered by status and kind; another organizer's is refused
    listed = communications.outbox(org, call["id"], status="sent", kind="submission_received")
    assert [m.id for m in listed][:2] == [copy.id, failed["id"]]


def test_resending_an_invitation_issues_a_fresh_link(season, smtp):
    engine, call, org, _ = season
    calls.add_member(org, call["id"], "rev4", "reviewer", affiliation="某院", email="rev4@example.org")
    mails = _mails(smtp, "rev4@example.org", 2)
    panel_mail = next(m for m in mails if "/panel-invitations/" in _body(m))
    old = re.search(r"/panel-invitations/([\w-]+)", _body(panel_mail)).group(1)
    row = next(r for r in _outbox(engine, kind="invitation") if r["to_addr"] == "rev4@example.org")
    assert old not in row["body"] and "…" in row["body"]  # the outbox never kept the link
    fresh = communications.resend(org, row["id"])
    assert fresh.resend_of == row["id"] and old not in fresh.body
    new_mail = _mails(smtp, "rev4@example.org", 3)[-1]
    new = re.search(r"/panel-invitations/([\w-]+)", _body(new_mail)).group(1)
    assert new != old
    anon = Context(engine)
    with pytest.raises(accounts.LinkInvalid):
        invitations.check(anon, old)  # the older link stops working
    assert invitations.check(anon, new).username == "rev4"
    # no token is stored anywhere in the outbox
    assert not any(old in r["body"] or new in r["body"] for r in _outbox(engine))


# --- invitations


def test_invitation_accept_and_decline_from_the_link(season, smtp, db_path):
    engine, call, org, subs = season
    for user in subs:
        submissions.submit(as_user(engine, user), subs[user])
    links = {}
    for name in ("rev1", "rev2"):
        m = next(m for m in _mails(smtp, f"{name}@example.org") if "/panel-invitations/" in _body(m))
        assert "2099年4月30日 23:59（北京时间）" in _body(m) and "2099 气候行动案例征集" in _subject(m)
        links[name] = re.search(r"https://cases\.example\.org(/panel-invitations/[\w-]+)", _body(m)).group(1)
    browser = TestClient(create_app(str(db_path)))
    page = browser.get(links["rev1"])
    assert page.status_code == 200 and 'id="accept-form"' in page.text and "rev1" in page.text
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    done = browser.post(
        links["rev1"], data={"csrf_token": csrf, "answer": "decline", "reason": "时间冲突"}, follow_redirects=False
    )
    assert done.status_code == 200 and 'data-status="declined"' in done.text and "location" not in done.headers
    assert browser.get(links["rev1"]).status_code == 410  # works once
    # the other answers through the API, the token in the body (never in a URL)
    token = links["rev2"].rsplit("/", 1)[1]
    csrf = browser.cookies.get("caseatlas_csrf")
    r = browser.post(
        "/api/v1/panel-invitations/answer", json={"token": token, "answer": "accept"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 200 and r.json()["status"] == "accepted"
    r = browser.post(
        "/api/v1/panel-invitations/answer", json={"token": token, "answer": "decline"}, headers={"X-CSRF-Token": csrf}
    )
    assert r.status_code == 404
    # the organizers see each answer; a declined reviewer is not assigned, by hand or automatically
    status = {i.username: (i.status, i.reason) for i in invitations.list_invitations(org, call["id"])}
    assert status == {"rev1": ("declined", "时间冲突"), "rev2": ("accepted", None), "rev3": ("pending", None)}
    orgc = TestClient(create_app(str(db_path)))
    orgc.post("/api/v1/login", json={"username": "org1", "password": PASSWORD})
    panel = orgc.get(f"/calls/{call['id']}/panel").text
    said = re.sub(r"<[^>]+>", "", panel)  # the reason sits in its own element (lang-marked)
    assert re.search(r'data-user="rev1".*?已谢绝：(<[^>]+>)?时间冲突', panel) and "已谢绝：时间冲突" in said
    assert re.search(r'data-user="rev2".*?已接受', panel)
    with pytest.raises(Conflict):
        reviews.assign(org, subs["appa"], "rev1")
    reviews.auto_assign(org, call["id"])
    assigned = {a["reviewer"] for a in reviews.assignments(org, call["id"])}
    assert assigned == {"rev2", "rev3"}


def test_decision_letters_carry_the_panels_opinion_and_the_expert_comment(season, smtp):
    engine, call, org, subs = season
    for user in subs:
        submissions.submit(as_user(engine, user), subs[user])
    calls.advance(org, call["id"])  # submissions close
    for sid in subs.values():
        reviews.assign(org, sid, "rev1")
    rv = as_user(engine, "rev1")
    scores = {"impact": 4, "replicability": 3, "sustainability": 5}
    reviews.save_review(rv, subs["appa"], scores, comment="数据翔实，\n可复制。", confidence=3, submit=True)
    reviews.save_review(rv, subs["appb"], scores, comment="缺少计算依据。", confidence=3, submit=True)
    calls.advance(org, call["id"])
    communications.set_opinion(org, subs["appa"], "专家组一致认为该案例路径清晰、可推广。")
    selection.set_final_comment(org, subs["appa"], "该案例以分布式光伏带动园区减排。")
    selection.decide(
        org,
        call["id"],
        [{"submission": subs["appa"], "decision": "accept"}, {"submission": subs["appb"], "decision": "reject"}],
        preview=False,
    )
    calls.advance(org, call["id"])
    finals.approve_as_submitted(org, call["id"])  # no finals stage: the submitted texts are the final ones
    selection.publish(org, call["id"])
    accepted = next(m for m in _mails(smtp, "appa@example.org", 2) if "评审结果" in _subject(m))
    body = _body(accepted)
    assert "入选" in body and "专家组一致认为该案例路径清晰、可推广。" in body
    assert "专家点评" in body and "该案例以分布式光伏带动园区减排。" in body
    assert "数据翔实" not in body  # the organizer's opinion, not the reviews'
    rejected = next(m for m in _mails(smtp, "appb@example.org", 2) if "评审结果" in _subject(m))
    body = _body(rejected)
    assert "未入选" in body and "- 缺少计算依据。" in body  # no opinion written: the reviews' comments
    assert "rev1" not in body and "专家点评" not in body  # unsigned; no 专家点评 for a rejected case


# --- reminders


def test_reminders_go_at_their_offsets_once_even_when_run_twice_at_once(season, smtp):
    engine, call, org, subs = season
    deadline = _at(SUBMISSION_DEADLINE)
    assert reminders.run_due(engine, deadline - timedelta(days=4)) == []
    three = reminders.run_due(engine, deadline - timedelta(days=3) + timedelta(hours=1))
    assert sorted((r.recipient, r.kind, r.offset_days, r.items) for r in three) == [
        ("appa", "reminder_draft", 3, 1),
        ("appb", "reminder_draft", 3, 1),
    ]
    got = _mails(smtp, "appa@example.org")[0]
    assert got["Auto-Submitted"] == "auto-generated" and got["Message-ID"] and got["Date"]
    assert "2099年3月31日 23:59（北京时间）" in _body(got) and "3 天后截止" in _subject(got)
    assert reminders.run_due(engine, deadline - timedelta(days=3) + timedelta(hours=2)) == []  # once
    assert reminders.run_due(engine, deadline - timedelta(days=2)) == []
    # the one-day reminder, asked by two runs at the same moment: one mail per applicant
    submissions.submit(as_user(engine, "appb"), subs["appb"])  # appb's draft is in: no reminder
    results: list = []
    now = deadline - timedelta(hours=20)
    runs = [threading.Thread(target=lambda: results.append(reminders.run_due(engine, now))) for _ in range(2)]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    sent = [r for batch in results for r in batch]
    assert [(r.recipient, r.offset_days) for r in sent] == [("appa", 1)]
    assert len(_mails(smtp, "appa@example.org", 2)) == 2
    assert len([r for r in _outbox(engine) if r["kind"] == "reminder_draft"]) == 3
    # a run that first comes after the deadline sends no draft reminder
    assert reminders.run_due(engine, deadline + timedelta(minutes=1)) == []


def test_review_reminders_before_the_deadline_and_once_a_day_overdue(season, smtp):
    engine, call, org, subs = season
    for user in subs:
        submissions.submit(as_user(engine, user), subs[user])
    reviews.assign(org, subs["appa"], "rev1")
    reviews.assign(org, subs["appb"], "rev1")
    reviews.assign(org, subs["appa"], "rev2")
    rd = _at(REVIEW_DEADLINE)
    before = reminders.run_due(engine, rd - timedelta(hours=12))  # within a day: the 1-day reminder only
    assert sorted((r.recipient, r.offset_days, r.items) for r in before) == [("rev1", 1, 2), ("rev2", 1, 1)]
    m = _mails(smtp, "rev1@example.org")
    reminder = [x for x in m if x["Auto-Submitted"] == "auto-generated"]
    assert len(reminder) == 1 and "appa 的案例" in _body(reminder[0]) and "appb 的案例" in _body(reminder[0])
    # rev2's review is in (stored directly: in the real now the call is still taking submissions)
    with engine.begin() as conn:
        rev2 = accounts_store.get_user(conn, "rev2").id
        round_id = current_round_row(conn, call["id"])["id"]
        pstore.upsert_review(
            conn, subs["appa"], rev2, round_id, scores={}, status="submitted", updated_at=SUBMISSION_DEADLINE
        )
    day1 = reminders.run_due(engine, rd + timedelta(hours=1))
    assert [(r.recipient, r.offset_days) for r in day1] == [("rev1", -1)]
    assert reminders.run_due(engine, rd + timedelta(hours=5)) == []  # once a day
    day2 = reminders.run_due(engine, rd + timedelta(days=1, hours=1))
    assert [(r.recipient, r.offset_days) for r in day2] == [("rev1", -2)]
    overdue = [x for x in _mails(smtp, "rev1@example.org", 3) if "逾期" in _subject(x)]
    assert len(overdue) == 2 and "已逾期 2 天" in _subject(overdue[-1])


def test_reminder_offsets_are_the_calls(season, smtp):
    engine, call, org, subs = season
    calls.update(org, call["id"], reminder_offsets=[7])
    deadline = _at(SUBMISSION_DEADLINE)
    assert reminders.run_due(engine, deadline - timedelta(days=3)) != []  # 7 days: due since day 7
    assert reminders.run_due(engine, deadline - timedelta(hours=2)) == []  # no 1-day reminder any more
    with pytest.raises(CaseAtlasError):
        calls.update(org, call["id"], reminder_offsets=[0])


# --- time zones


def test_a_calls_zone_on_forms_pages_and_mails(season, db_path):
    engine, call, org, subs = season
    client = TestClient(create_app(str(db_path)))
    h = {
        "X-CSRF-Token": client.post("/api/v1/login", json={"username": "org1", "password": PASSWORD}).json()[
            "csrf_token"
        ]
    }
    r = client.post(
        "/api/v1/calls",
        json={
            "name": "伦敦征集",
            "timezone": "Europe/London",
            "deadlines": {"submission_deadline": "2099-06-30T18:00"},
        },
        headers=h,
    )
    assert r.status_code == 200, r.text
    london = r.json()
    assert london["timezone"] == "Europe/London" and london["submission_deadline"] == "2099-06-30T17:00:00+00:00"
    page = client.get(f"/calls/{london['id']}").text
    assert "2099年6月30日 18:00（Europe/London, UTC+01:00）" in page
    assert 'value="2099-06-30T18:00"' in page  # the form's field, in the call's zone
    bad = client.post("/api/v1/calls", json={"name": "x", "timezone": "Mars/Olympus"}, headers=h)
    assert bad.status_code == 400 and "Mars/Olympus" in bad.json()["error"]["message"]
    # the settings form reads a typed time in the call's zone
    r = client.post(
        f"/calls/{london['id']}/settings",
        data={"csrf_token": h["X-CSRF-Token"], "submission_deadline": "2099-12-31T18:00", "timezone": "Europe/London"},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert calls.get_call(org, london["id"])["submission_deadline"] == "2099-12-31T18:00:00+00:00"  # GMT in winter


def test_no_programme_page_shows_an_iso_utc_instant(season, db_path, smtp):
    """Every GET page of the programme an organizer reaches (the call, panel, conflicts, ranking,
    submissions, mail templates, outbox and each message): no instant as stored."""
    engine, call, org, subs = season
    for user in subs:
        submissions.submit(as_user(engine, user), subs[user])
    reviews.assign(org, subs["appa"], "rev1")
    app = create_app(str(db_path))
    client = TestClient(app)
    client.post("/api/v1/login", json={"username": "admin1", "password": PASSWORD})
    ids = [r["id"] for r in _outbox(engine)]
    urls = [
        "/programmes",
        f"/calls/{call['id']}",
        f"/calls/{call['id']}/panel",
        f"/calls/{call['id']}/conflicts",
        f"/calls/{call['id']}/ranking",
        f"/calls/{call['id']}/mail",
        f"/calls/{call['id']}/mail?kind=reminder_review&lang=en",
        f"/calls/{call['id']}/outbox",
        "/admin/outbox",
        *[f"/submissions/{s}" for s in subs.values()],
        *[f"/outbox/{i}" for i in ids],
    ]
    crawled = 0
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, (url, r.status_code)
        assert not ISO_UTC.search(r.text), (url, ISO_UTC.search(r.text).group(0))
        crawled += 1
    assert crawled >= 15 and len(ids) >= 5


def test_outbox_permissions(season, db_path):
    engine, call, org, subs = season
    root = Context(engine, system_actor())
    accounts.add_user(root, "org2", PASSWORD, "organizer")
    org2 = as_user(engine, "org2")
    some = _outbox(engine)[0]["id"]
    with pytest.raises(Exception) as err:
        communications.message(org2, some)
    assert type(err.value).__name__ == "Forbidden"
    with pytest.raises(Exception) as err:
        communications.site_outbox(org)
    assert type(err.value).__name__ == "Forbidden"
    assert communications.site_outbox(as_user(engine, "admin1"))


def test_due_offset_is_the_nearest_reminder_whose_moment_has_come():
    d = datetime(2099, 3, 31, 15, 59, tzinfo=datetime.now().astimezone().tzinfo).astimezone()
    days = [3, 1]
    assert reminders.due_offset(d, d - timedelta(days=3, seconds=1), days) is None
    assert reminders.due_offset(d, d - timedelta(days=3), days) == 3
    assert reminders.due_offset(d, d - timedelta(days=1, seconds=1), days) == 3
    assert reminders.due_offset(d, d - timedelta(days=1), days) == 1
    assert reminders.due_offset(d, d - timedelta(seconds=1), days) == 1
    assert reminders.due_offset(d, d, days) == -1  # the first day overdue
    assert reminders.due_offset(d, d + timedelta(days=1), days) == -2
    assert reminders.due_offset(d, d + timedelta(days=6, hours=23), days) == -7


def test_a_mail_is_dated_by_the_programme_clock():
    """A mail's Date is the moment of the one clock (`rules.set_clock`), as its outbox row's
    sent_at is: a reminder sent at a test clock's moment says that moment."""
    from datetime import UTC
    from email.utils import parsedate_to_datetime

    from caseatlas.services import notify, rules

    at = datetime(2027, 3, 8, 0, 30, tzinfo=UTC)
    rules.set_clock(at)
    try:
        msg = notify.message(notify.Mail(1, "a@example.org", "主题", "正文", "reminder_draft"), "cases@example.org")
    finally:
        rules.set_clock(None)
    assert parsedate_to_datetime(msg["Date"]) == at
    assert msg["Message-ID"].endswith("@example.org>")
    later = notify.message(notify.Mail(2, "a@example.org", "主题", "正文"), "cases@example.org")
    assert parsedate_to_datetime(later["Date"]).year >= 2026 and later["Message-ID"] != msg["Message-ID"]
