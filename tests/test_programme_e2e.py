"""A programme end to end in headless Chromium, on SQLite and on PostgreSQL.

An organizer creates a call from the C Team preset with 3 domains and a deadline and adds
three reviewers (one works for the group of applicant B, under another name), who are invited
by mail and choose their passwords through the link; two applicants
register and submit — one typed, one from a DOCX of a corpus case, pre-filled and confirmed;
submissions close, reviewers are auto-assigned and score; the conflicted reviewer never sees
B's case (in the page and through the API); the organizer previews and applies decisions and
publishes; the selected cases are then found by the library's search. Outgoing mail goes to a
real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import re
import time

import pytest
from conftest import CORPUS, needs_corpus
from test_e2e import CHROMIUM, browser, new_page, shot  # noqa: F401  (fixtures)
from web_server import Server

from caseatlas.extract import extract_book
from caseatlas.readers import read_document
from caseatlas.segment import segment
from caseatlas.services import Context, accounts, system_actor
from caseatlas.store import open_engine

PASSWORD = "correct horse battery"
DOMAINS = ["绿色制造", "能源转型", "绿色交通"]


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


def corpus_case_docx(tmp_path):
    """A corpus case whose organization names a 集团, written as its own DOCX (one paragraph a line)."""
    from docx import Document

    doc = read_document(CORPUS / "000_3717a3b3a4f37818.txt")
    book = segment(doc)
    extract_book(book)
    case = next(c for c in book.cases if c.organization and "集团" in c.organization[2:])
    by_no = {ln.no: ln for ln in doc.lines}
    d = Document()
    for n in range(case.start_line, case.end_line + 1):
        d.add_paragraph(by_no[n].raw)
    path = tmp_path / "case.docx"
    d.save(str(path))
    return path, case


def login(page, url, username):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state()


@needs_corpus
def test_programme_in_the_browser(db_path, new_page, tmp_path, smtp):  # noqa: F811
    engine = open_engine(db_path)
    accounts.add_user(Context(engine, system_actor()), "org1", PASSWORD, "organizer", email="org1@example.org")
    docx_path, case = corpus_case_docx(tmp_path)
    group = case.organization.split("集团")[0] + "集团"  # the same group under another name
    assert group != case.organization
    try:
        with Server(str(db_path)) as site:
            url = site.url
            # --- organizer: a call from the C Team preset, 3 domains, a deadline
            org = new_page()
            login(org, url, "org1")
            org.goto(url + "/programmes")
            org.select_option("#preset", "cteam")
            org.fill("#name", "2026 企业气候行动案例征集")
            org.fill("#year", "2026")
            org.fill("#organizers", "某气候行动促进中心\n某宣传教育中心")
            org.fill("#domains", "\n".join(DOMAINS))
            org.fill("#submission_deadline", "2099-12-31T18:00")
            org.fill("#k", "2")
            org.click("#new-call button[type=submit]")
            org.wait_for_selector("#phase")
            assert org.get_attribute("#phase", "data-phase") == "draft"
            call_url = org.url.split("?")[0]
            org.click("#publish-call")
            org.wait_for_selector("#message")
            assert org.get_attribute("#phase", "data-phase") == "submission"
            org.click("#panel-link")
            for name, aff in (("rev1", "某大学"), ("rev2", "某研究院"), ("rev3", group)):
                org.fill("#m-username", name)
                org.fill("#m-aff", aff)
                org.fill("#m-topics", "绿色制造、光伏")
                org.fill("#m-email", f"{name}@example.org")
                org.click("#add-member button[type=submit]")
                org.wait_for_selector("#invitation")  # the link, shown once in the page (not in its URL)
                assert "/invite/" not in org.url and "message=" not in org.url
            assert org.locator("#panel tbody tr").count() == 4  # the organizer and three reviewers
            shot(org, "programme-panel")
            # --- each reviewer follows the invitation mail's link and chooses a password
            for name in ("rev1", "rev2", "rev3"):
                mail = next(m for m in smtp.messages if m["To"] == f"{name}@example.org")
                path = re.search(r"/invite/[\w-]+", mail.get_payload(decode=True).decode()).group(0)
                rv = new_page()
                rv.goto(url + path)
                rv.fill("#password", PASSWORD)
                rv.fill("#password2", PASSWORD)
                rv.click("#password-form button[type=submit]")
                rv.wait_for_selector("#to-login")

            # --- applicant A registers and types a case
            a = new_page()
            a.goto(url + "/register")
            a.fill("#r-username", "appa")
            a.fill("#r-password", PASSWORD)
            a.fill("#r-org", "甲新能源科技有限公司")
            a.fill("#r-email", "appa@example.org")
            a.click("#register button[type=submit]")
            a.goto(call_url)
            a.fill("#n-title", "工业园区屋顶分布式光伏")
            a.select_option("#n-domain", "能源转型")
            a.click("#start-typed")
            a.wait_for_selector("#submission-form")
            a.fill("textarea[data-heading='案例概述']", "在园区屋顶建设分布式光伏电站，装机 12 兆瓦。")
            a.fill("textarea[data-heading='项目成果']", "项目年发电量 1300 万千瓦时，每年减少二氧化碳排放约 1 万吨。")
            for heading in ("项目亮点", "机构简介", "项目实施", "项目影响力、可推广性与可持续性"):  # all required
                a.fill(f"textarea[data-heading='{heading}']", f"{heading}：屋顶光伏的说明。")
            a.select_option("select[name=o_kind_1]", "co2e_reduction")
            a.fill("input[name=o_value_1]", "1万")  # read by the one reader: 10000
            a.fill("input[name=o_unit_1]", "tCO2e")
            a.select_option("select[name=o_period_1]", "annual")
            a.check("input[name=o_confirmed_1]")  # a typed row is confirmed by its author (never pre-ticked)
            a.click("#submit")
            a.wait_for_selector("#message")
            assert (
                a.get_attribute("#sub-status", "data-status") == "submitted" and a.inner_text("#sub-status") == "已提交"
            )
            a_id = int(a.url.split("?")[0].rsplit("/", 1)[1])

            # --- applicant B registers and starts from the DOCX: pre-filled, then confirmed
            b = new_page()
            b.goto(url + "/register")
            b.fill("#r-username", "appb")
            b.fill("#r-password", PASSWORD)
            b.fill("#r-org", case.organization)
            b.fill("#r-email", "appb@example.org")
            b.click("#register button[type=submit]")
            b.goto(call_url)
            b.set_input_files("#u-file", str(docx_path))
            b.select_option("#u-domain", "绿色制造")
            b.click("#start-upload")
            b.wait_for_selector("#submission-form")
            assert "预填" in b.inner_text("#message")
            filled = [t for t in b.locator("#submission-form textarea").all() if t.input_value().strip()]
            assert len(filled) >= 5, "most of the six template sections are pre-filled"
            quotes = b.locator("#outcomes td.quote").all_inner_texts()
            n_pre = sum(1 for q in quotes if q.strip())
            assert n_pre == len(case.facts.outcomes) or n_pre >= 0.8 * len(case.facts.outcomes)
            b.click("#submit")  # refused: the pre-filled outcomes are not confirmed yet
            b.wait_for_selector(".error-summary")  # the same form again, with the errors
            assert "未确认" in b.inner_text(".error-summary")
            assert not any(x.is_checked() for x in b.locator("#outcomes input[name^=o_confirmed_]").all())
            for box in b.locator("#outcomes input[name^=o_confirmed_]").all():
                box.check()  # a blank row ticked is still no outcome
            for t in b.locator("#submission-form textarea[data-heading]").all():
                if not t.input_value().strip():  # a template section the file did not fill: required
                    t.fill("补充：该部分的说明。")
            b.click("#submit")
            b.wait_for_selector("#message")
            assert b.get_attribute("#sub-status", "data-status") == "submitted"
            b_id = int(b.url.split("?")[0].rsplit("/", 1)[1])
            shot(b, "programme-submission")
            # applicants see only their own
            assert b.request.get(f"{url}/api/v1/submissions/{a_id}").status == 404  # not B's to know of

            # --- organizer closes submissions and assigns
            org.goto(call_url)
            org.click("#advance")
            org.wait_for_selector("#message")
            assert org.get_attribute("#phase", "data-phase") == "review"
            org.click("#panel-link")
            org.click("#auto-assign")
            org.wait_for_selector("#message")
            assert "违反回避 0" in org.inner_text("#message")

            # --- reviewers score; rev3 never sees B's case
            titles = {}
            for name in ("rev1", "rev2", "rev3"):
                r = new_page()
                login(r, url, name)
                r.goto(call_url)
                listed = r.locator("#submissions tbody tr").all()
                ids = [int(x.get_attribute("data-id")) for x in listed]
                titles[name] = ids
                if name == "rev3":
                    assert b_id not in ids
                    resp = r.request.get(f"{url}/api/v1/submissions/{b_id}")
                    assert resp.status == 404  # conflicted: as if it did not exist
                    r.goto(f"{url}/submissions/{b_id}")
                    assert case.title not in r.content()
                for sid in ids:
                    r.goto(f"{url}/submissions/{sid}")
                    for key in ("impact", "replicability", "sustainability"):
                        r.fill(f"#score-{key}", "5" if sid == a_id else "4")
                    r.fill("#confidence", "4")
                    r.fill("#r-expert", f"{name}：做法扎实，数据可核。")
                    r.click("#submit-review")
                    r.wait_for_selector("#message")
            assert sum(map(len, titles.values())) == 4  # k=2 for each of the two cases
            assert titles["rev3"] == [a_id]

            # --- organizer: discussion, decision, preview, apply, publish
            org.goto(call_url)
            org.click("#advance")  # end review
            org.wait_for_selector("#message")
            org.click("#advance")  # end discussion
            org.wait_for_selector("#message")
            assert org.get_attribute("#phase", "data-phase") == "decision"
            org.click("#ranking-link")
            org.click("#propose")
            org.wait_for_selector("#decisions")
            org.click("#preview-decisions")
            org.wait_for_selector("#preview")
            assert org.locator("#preview li").count() == 2
            org.click("#apply-decisions")
            org.wait_for_selector("#message")
            shot(org, "programme-ranking")
            # no finals stage in this season: the submitted texts are approved as final (the book
            # prints approved texts only)
            org.click("#finals-link")
            org.click("#approve-as-submitted")
            org.wait_for_selector("#message")
            assert org.inner_text("#n-approved") == "2"
            org.goto(call_url + "/ranking")
            org.click("#publish-collection")
            org.wait_for_url(re.compile(r".*/search\?collection=.*"))
            org.wait_for_selector("ol.hits li.hit")
            assert org.locator("ol.hits li.hit").count() == 2
            # the selected cases are searchable in the library
            anon = new_page()
            anon.goto(url + "/search?q=" + "屋顶分布式光伏")
            anon.wait_for_selector("ol.hits li.hit")
            assert "工业园区屋顶分布式光伏" in anon.inner_text("ol.hits")
            # A's declared figure is data of the case, said to be declared and confirmed (the text's
            # "约 1 万吨" is the same figure: one outcome)
            anon.click("ol.hits li.hit a:has-text('工业园区屋顶分布式光伏')")
            anon.wait_for_selector("ul.metrics")
            declared = [t for t in anon.locator("ul.metrics li").all_inner_texts() if "申报并确认" in t]
            assert len(declared) == 1 and "10,000" in declared[0], declared
            # and the applicant now sees the decision
            b.goto(f"{url}/submissions/{b_id}")
            assert b.inner_text("#sub-decision") == "入选"
    finally:
        engine.dispose()
    deadline = time.time() + 5
    while time.time() < deadline and len(smtp.messages) < 8:
        time.sleep(0.1)
    from email.header import decode_header, make_header

    subjects = [str(make_header(decode_header(m["Subject"]))) for m in smtp.messages]
    to = {m["To"] for m in smtp.messages}
    assert any("已收到" in s for s in subjects) and any("评审任务" in s for s in subjects)
    assert any("评审结果" in s for s in subjects) and {"appa@example.org", "appb@example.org", "rev1@example.org"} <= to
