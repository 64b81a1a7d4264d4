"""The communications centre in headless Chromium, on SQLite and on PostgreSQL, with mail going
to a real SMTP server on loopback: an organizer rewrites the call's invitation, puts a reviewer
on the panel (the mail says what the organizer wrote), the reviewer accepts from the mail's link,
the panel page shows it, and the organizer resends the invitation from the outbox: a new
message, linked to the first, carrying a fresh link."""

from __future__ import annotations

import re
import time

import pytest
from test_e2e import CHROMIUM, browser, new_page, shot  # noqa: F401  (fixtures)
from web_server import Server

from caseatlas.programme.services import calls
from caseatlas.services import Actor, Context, accounts, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


def _mails(inbox, to: str, n: int, wait: float = 15.0) -> list:
    deadline = time.monotonic() + wait
    while True:
        got = [m for m in inbox.messages if m["To"] == to]
        if len(got) >= n or time.monotonic() > deadline:
            return got
        time.sleep(0.1)


def _body(m) -> str:
    return m.get_payload(decode=True).decode(m.get_content_charset())


def test_templates_outbox_resend_and_an_accepted_invitation(db_path, new_page, smtp):  # noqa: F811
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    accounts.add_user(root, "rev1", PASSWORD, "reviewer", email="rev1@example.org", display_name="李专家")
    with engine.connect() as conn:
        org_id = accounts_store.get_user(conn, "org1").id
    org_ctx = Context(engine, Actor("user", "org1", "organizer", org_id))
    call = calls.create(
        org_ctx,
        "cteam",
        "2099 城市气候行动案例征集",
        2099,
        deadlines={"submission_deadline": "2099-03-31T23:59", "review_deadline": "2099-04-30T23:59"},
    )
    engine.dispose()
    with Server(str(db_path)) as site:
        url = site.url
        org = new_page()
        org.goto(url + "/login")
        org.fill("#username", "org1")
        org.fill("#password", PASSWORD)
        org.click("form.login-form button[type=submit]")
        org.wait_for_load_state()
        # --- the call's own invitation: a hostile edit is refused with why, a good one saved
        org.goto(f"{url}/calls/{call['id']}")
        org.click("#mail-link")
        org.click("#edit-invitation-zh")
        assert org.locator("#placeholders").inner_text().count("{{") >= 8  # the kind's placeholders
        org.fill("#t-body", "{{ ''.__class__.__mro__ }}")
        org.click("#t-save")
        org.wait_for_selector("#error")
        assert "unsafe" in org.inner_text("#error")
        org.fill("#t-subject", "【特邀】{{ call_title }} 评审邀请")
        org.fill(
            "#t-body",
            "{{ name }}老师：\n诚邀您担任“{{ call_title }}”评审专家，评审截止 {{ review_deadline }}。\n"
            "接受或谢绝：{{ link }}\n",
        )
        org.click("#t-preview")
        org.wait_for_selector("#preview")
        assert "https://cases.example.org/panel-invitations/abc" in org.inner_text("#preview")
        org.click("#t-save")
        org.wait_for_selector("#message")
        assert "custom" in org.inner_text("#edit-invitation-zh") or "自定义" in org.inner_text("#edit-invitation-zh")
        shot(org, "mail-templates")
        # --- a reviewer on the panel: the mail says what the organizer wrote
        org.goto(f"{url}/calls/{call['id']}/panel")
        org.fill("#m-username", "rev1")
        org.fill("#m-aff", "某大学")
        org.click("#add-member button[type=submit]")
        org.wait_for_selector("#message")
        mail = _mails(smtp, "rev1@example.org", 1)[0]
        body = _body(mail)
        assert "李专家老师" in body and "2099年4月30日 23:59（北京时间）" in body
        path = re.search(r"https://cases\.example\.org(/panel-invitations/[\w-]+)", body).group(1)
        assert mail["Message-ID"] and mail["Date"]
        # --- the outbox: the invitation, sent; resend it (a new message with a fresh link)
        org.goto(f"{url}/calls/{call['id']}/outbox")
        org.select_option("#f-kind", "invitation")
        org.click("#outbox-filter button[type=submit]")
        org.wait_for_load_state()
        rows = org.locator("#outbox tbody tr")
        assert rows.count() == 1 and rows.first.locator("td.status").get_attribute("data-status") == "sent"
        shot(org, "outbox")
        rows.first.locator("a").first.click()
        org.wait_for_selector("#body")
        old = path.rsplit("/", 1)[1]
        assert "…" in org.inner_text("#body") and old not in org.content()  # the link was never kept
        first_id = org.url.split("?")[0].rstrip("/").rsplit("/", 1)[1]
        org.click("#resend")
        org.wait_for_selector("#message-meta")
        assert org.get_attribute("#status", "data-status") == "sent"
        assert f"#{first_id}" in org.inner_text("#message-meta")  # a resend of the first
        again = _mails(smtp, "rev1@example.org", 2)
        fresh = re.search(r"https://cases\.example\.org(/panel-invitations/[\w-]+)", _body(again[-1])).group(1)
        assert len(again) == 2 and fresh != path
        # --- the first link no longer works; the reviewer accepts from the fresh one (no login)
        rv = new_page()
        rv.goto(url + path)
        assert rv.locator("#link-invalid").count() == 1
        rv.goto(url + fresh)
        assert "2099 城市气候行动案例征集" in rv.inner_text("#invitation-for")
        rv.click("#accept")
        rv.wait_for_selector("#answered")
        assert rv.get_attribute("#answered", "data-status") == "accepted"
        assert fresh.rsplit("/", 1)[1] not in rv.content()  # the answer page carries no secret
        rv.goto(url + fresh)
        assert rv.locator("#link-invalid").count() == 1  # it works once
        # --- the organizer sees the answer on the panel page
        org.goto(f"{url}/calls/{call['id']}/panel")
        assert "已接受" in org.inner_text("tr[data-user=rev1] .invitation-status")
        shot(org, "panel-invitations")
