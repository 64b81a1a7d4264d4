"""The programme's forms as a person meets them (issue 27), on SQLite and PostgreSQL: a case is
not submitted with required template sections empty (the service's invariant, and the form
shows it beside each section); blank outcome rows are neither ticked nor kept; a rejected form
comes back as the same page, with an error summary, the error beside its field and every value
typed still there; and in Chromium a form is filled wrongly, corrected and sent — one of them by
keyboard only."""

from __future__ import annotations

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from test_e2e import CHROMIUM, browser, new_page  # noqa: F401  (fixtures)
from web_server import Server

from caseatlas.errors import CaseAtlasError
from caseatlas.programme.services import calls, reviews, submissions
from caseatlas.services import Actor, Context, accounts, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine
from caseatlas.web import create_app

PASSWORD = "correct horse battery"


def _as(engine, name):
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, name)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def seed(db_path, template: list[str] | None = None) -> dict:
    """A published call (C Team preset unless `template`), applicant appa with a draft that fills
    the first 3 of its sections, and rev1 on the panel."""
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer")
    org = _as(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "表单测试征集",
        2026,
        domains=["绿色制造", "能源转型"],
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=1,
        template=template,
    )
    calls.publish(org, call["id"])
    accounts.register(Context(engine), "appa", PASSWORD, "甲科技有限公司", "a@example.org")
    calls.add_member(org, call["id"], "rev1", "reviewer", affiliation="某大学", password=PASSWORD)
    app_ctx = _as(engine, "appa")
    heads = call["template"]
    sections = [{"heading": h, "text": f"{h}：园区屋顶光伏每年减排 100 吨二氧化碳。"} for h in heads[:3]]
    sub = submissions.create(app_ctx, call["id"], "屋顶光伏", "能源转型", sections)
    engine.dispose()
    return {"call": call["id"], "sub": sub["id"], "template": heads}


def _login(app, username: str) -> tuple[TestClient, str]:
    client = TestClient(app)
    r = client.post("/api/v1/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return client, r.json()["csrf_token"]


def _value(html: str, control_id: str) -> str:
    m = re.search(r'<input[^>]*\bid="' + re.escape(control_id) + r'"[^>]*>', html)
    assert m, control_id
    v = re.search(r'\bvalue="([^"]*)"', m.group(0))
    return unescape(v.group(1)) if v else ""


def _textarea(html: str, control_id: str) -> str:
    m = re.search(r'<textarea[^>]*\bid="' + re.escape(control_id) + r'"[^>]*>(.*?)</textarea>', html, re.S)
    assert m, control_id
    return unescape(m.group(1))


def _tag(html: str, control_id: str) -> str:
    m = re.search(r'<(?:input|textarea|select)[^>]*\bid="' + re.escape(control_id) + r'"[^>]*>', html)
    assert m, control_id
    return m.group(0)


def _field_error(html: str, control_id: str) -> str | None:
    m = re.search(r'<p class="field-error" id="' + re.escape(control_id) + r'-error">(.*?)</p>', html, re.S)
    return unescape(m.group(1)) if m else None


def _summary_links(html: str) -> list[str]:
    m = re.search(r'<div class="error-summary" role="alert"[^>]*>(.*?)</div>', html, re.S)
    assert m, "no error summary"
    return re.findall(r'<a href="#([^"]+)">', m.group(1))


# --- the submission invariant, in the service


def test_submit_refuses_empty_required_sections(db_path):
    ids = seed(db_path)
    engine = open_engine(db_path)
    app_ctx = _as(engine, "appa")
    empty = ids["template"][3:]
    assert len(empty) == 3
    with pytest.raises(CaseAtlasError) as err:
        submissions.submit(app_ctx, ids["sub"])
    message = str(err.value)
    assert message.startswith("还有 3 个必填部分未填写：") and all(h in message for h in empty)
    assert "\n" not in message
    assert set(err.value.fields) == {f"section:{h}" for h in empty}
    assert submissions.get(app_ctx, ids["sub"])["status"] == "draft"
    # whitespace is no text
    full = [{"heading": h, "text": "内容" if h != empty[0] else "  \n "} for h in ids["template"]]
    submissions.save(app_ctx, ids["sub"], sections=full)
    with pytest.raises(CaseAtlasError, match="还有 1 个必填部分未填写"):
        submissions.submit(app_ctx, ids["sub"])
    full[ids["template"].index(empty[0])]["text"] = "补充的内容。"
    submissions.save(app_ctx, ids["sub"], sections=full)
    assert submissions.submit(app_ctx, ids["sub"])["status"] == "submitted"
    engine.dispose()


def test_a_section_marked_optional_may_stay_empty(db_path):
    ids = seed(db_path, template=["案例概述", "项目成果", "项目实施", "附录（选填）"])
    engine = open_engine(db_path)
    app_ctx = _as(engine, "appa")  # the seed fills the first three
    assert submissions.submit(app_ctx, ids["sub"])["status"] == "submitted"
    engine.dispose()


# --- the submission form


def test_submission_form_keeps_typed_text_and_names_each_empty_section(db_path):
    ids = seed(db_path)
    app = create_app(str(db_path))
    client, csrf = _login(app, "appa")
    page = client.get(f"/submissions/{ids['sub']}").text
    heads = ids["template"]
    form = {"csrf_token": csrf, "title": "屋顶光伏（修订）", "domain": "绿色制造", "action": "submit"}
    for i, h in enumerate(heads, 1):
        form[f"s_heading_{i}"] = h
        form[f"s_text_{i}"] = f"新写的{h}。" if i in (1, 2, 4) else ""
    form |= {"o_kind_1": "co2e_reduction", "o_value_1": "1万", "o_unit_1": "tCO2e", "o_confirmed_1": "1"}
    form |= {"o_kind_2": "co2e_reduction", "o_value_2": "", "o_unit_2": ""}
    r = client.post(f"/submissions/{ids['sub']}", data=form, follow_redirects=False)
    assert r.status_code == 400, r.text[:300]
    html = r.text
    # the same page, with the form and what was typed
    assert 'id="submission-form"' in html and "出错了" not in html
    assert _value(html, "f-title") == "屋顶光伏（修订）"
    assert re.search(r"<option selected>绿色制造</option>", html)
    for i in range(1, len(heads) + 1):
        assert _textarea(html, f"s-{i}") == form[f"s_text_{i}"]
    assert _value(html, "o-value-1") == "1万" and "checked" in _tag(html, "o-confirmed-1")
    # the error beside each empty section, and a summary linking to them
    for i in (3, 5, 6):
        assert _field_error(html, f"s-{i}"), i
        assert 'aria-invalid="true"' in _tag(html, f"s-{i}") and f"s-{i}-error" in _tag(html, f"s-{i}")
    for i in (1, 2, 4):
        assert _field_error(html, f"s-{i}") is None and "aria-invalid" not in _tag(html, f"s-{i}")
    assert _summary_links(html)[-3:] == ["s-3", "s-5", "s-6"]
    assert "还有 3 个必填部分未填写" in html
    # required markers on the template's sections
    assert all('aria-required="true"' in _tag(page, f"s-{i}") for i in range(1, len(heads) + 1))
    # filled in: submitted
    for i in (3, 5, 6):
        form[f"s_text_{i}"] = f"补写的{heads[i - 1]}。"
    r = client.post(f"/submissions/{ids['sub']}", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    assert submissions.get(Context(open_engine(db_path), system_actor()), ids["sub"])["status"] == "submitted"


def test_blank_outcome_rows_are_not_ticked_and_are_ignored(db_path):
    ids = seed(db_path)
    app = create_app(str(db_path))
    client, csrf = _login(app, "appa")
    html = client.get(f"/submissions/{ids['sub']}").text
    boxes = re.findall(r'<input type="checkbox" id="o-confirmed-\d+"[^>]*>', html)
    assert len(boxes) == 3 and not any("checked" in b for b in boxes)  # the old form ticked them all
    base = {"csrf_token": csrf, "title": "屋顶光伏", "domain": "能源转型", "action": "save"}
    base |= {"s_heading_1": ids["template"][0], "s_text_1": "概述。"}
    # a filled, confirmed row; a blank row someone ticked (and chose a kind and unit for): ignored
    form = base | {"o_kind_1": "co2e_reduction", "o_value_1": "2万", "o_unit_1": "tCO2e", "o_confirmed_1": "1"}
    form |= {"o_kind_2": "energy_saving", "o_value_2": " ", "o_unit_2": "tce", "o_confirmed_2": "1"}
    r = client.post(f"/submissions/{ids['sub']}", data=form, follow_redirects=False)
    assert r.status_code == 303, r.text[:300]
    sub = submissions.get(Context(open_engine(db_path), system_actor()), ids["sub"])
    assert [(o["kind"], o["value"], o["confirmed"]) for o in sub["outcomes"]] == [("co2e_reduction", 20000.0, True)]
    # a confirmed row needs its unit: refused beside that row's unit, the row kept as typed
    form = base | {"o_kind_1": "co2e_reduction", "o_value_1": "3万", "o_unit_1": "", "o_confirmed_1": "1"}
    r = client.post(f"/submissions/{ids['sub']}", data=form, follow_redirects=False)
    assert r.status_code == 400
    assert _field_error(r.text, "o-unit-1") and _value(r.text, "o-value-1") == "3万"
    assert 'aria-invalid="true"' in _tag(r.text, "o-unit-1")


# --- the review form and the call's settings


def test_rejected_review_keeps_scores_and_comments(db_path):
    ids = seed(db_path)
    engine = open_engine(db_path)
    app_ctx, org = _as(engine, "appa"), _as(engine, "org1")
    full = [{"heading": h, "text": f"{h}的内容。"} for h in ids["template"]]
    submissions.save(app_ctx, ids["sub"], sections=full)
    submissions.submit(app_ctx, ids["sub"])
    reviews.assign(org, ids["sub"], "rev1")
    calls.advance(org, ids["call"])
    engine.dispose()
    app = create_app(str(db_path))
    client, csrf = _login(app, "rev1")
    form = {
        "csrf_token": csrf,
        "score_impact": "9",  # the scale is 1–5
        "score_replicability": "3.5",
        "score_sustainability": "4",
        "confidence": "4",
        "comment": "减排量的口径需要说明。\n第二段意见。",
        "expert_comment": "一个值得推广的屋顶光伏案例。",
        "action": "submit",
    }
    r = client.post(f"/submissions/{ids['sub']}/review", data=form, follow_redirects=False)
    assert r.status_code == 400
    html = r.text
    assert 'id="review-form"' in html
    assert _value(html, "score-impact") == "9" and _value(html, "score-replicability") == "3.5"
    assert _value(html, "score-sustainability") == "4" and _value(html, "confidence") == "4"
    assert _textarea(html, "r-comment") == form["comment"]
    assert _textarea(html, "r-expert") == form["expert_comment"]
    assert "1–5" in (_field_error(html, "score-impact") or "")  # the Chinese half on a Chinese page
    assert 'aria-invalid="true"' in _tag(html, "score-impact") and _summary_links(html) == ["score-impact"]
    assert 'min="1"' in _tag(html, "score-impact") and 'max="5"' in _tag(html, "score-impact")
    # submitting without every score: each missing one is marked
    form |= {"score_impact": "", "confidence": ""}
    html = client.post(f"/submissions/{ids['sub']}/review", data=form, follow_redirects=False).text
    assert _field_error(html, "score-impact") and _field_error(html, "confidence")
    assert _field_error(html, "score-replicability") is None
    assert _textarea(html, "r-comment") == form["comment"]
    form["score_impact"], form["confidence"] = "4.5", "4"
    assert client.post(f"/submissions/{ids['sub']}/review", data=form, follow_redirects=False).status_code == 303


def test_rejected_call_settings_keep_values(db_path):
    ids = seed(db_path)
    app = create_app(str(db_path))
    client, csrf = _login(app, "org1")
    form = {
        "csrf_token": csrf,
        "timezone": "Asia/Hong_Kong",
        "submission_deadline": "2099-02-01T18:00",
        "review_deadline": "2099-03-01T18:00",
        "discussion_deadline": "",
        "reminder_offsets": "3, 99",  # 1 to 60 days
        "mail_lang": "en",
        "quota_绿色制造": "2",
        "quota_能源转型": "",
        "aliases": "甲集团、甲科技",
    }
    r = client.post(f"/calls/{ids['call']}/settings", data=form, follow_redirects=False)
    assert r.status_code == 400
    html = r.text
    assert _value(html, "timezone") == "Asia/Hong_Kong" and _value(html, "s-deadline") == "2099-02-01T18:00"
    assert _value(html, "reminders") == "3, 99" and _value(html, "quota-1") == "2"
    assert re.search(r'<option value="en" selected>', html)
    assert _textarea(html, "aliases") == "甲集团、甲科技"
    assert "1–60" in (_field_error(html, "reminders") or "") and _summary_links(html) == ["reminders"]
    # a quota that is no whole number: beside that domain's field
    form |= {"reminder_offsets": "3, 1", "quota_能源转型": "-1"}
    html = client.post(f"/calls/{ids['call']}/settings", data=form, follow_redirects=False).text
    assert _field_error(html, "quota-2") and _value(html, "quota-2") == "-1"
    # deadlines out of order: beside the later one
    form |= {"quota_能源转型": "", "review_deadline": "2099-01-15T18:00"}
    html = client.post(f"/calls/{ids['call']}/settings", data=form, follow_redirects=False).text
    assert _field_error(html, "r-deadline") and _value(html, "r-deadline") == "2099-01-15T18:00"
    form["review_deadline"] = "2099-03-01T18:00"
    assert client.post(f"/calls/{ids['call']}/settings", data=form, follow_redirects=False).status_code == 303


def test_rejected_new_call_keeps_values(db_path):
    seed(db_path)
    app = create_app(str(db_path))
    client, csrf = _login(app, "org1")
    form = {
        "csrf_token": csrf,
        "preset": "isotc268",
        "name": "新征集",
        "year": "26",
        "organizers": "某中心\n某协会",
        "submission_deadline": "2099-05-01T12:00",
        "k": "2",
        "blind": "1",
    }
    r = client.post("/programmes", data=form, follow_redirects=False)
    assert r.status_code == 400
    html = r.text
    assert _field_error(html, "year") and _value(html, "name") == "新征集" and _value(html, "k") == "2"
    assert _textarea(html, "organizers") == "某中心\n某协会" and "checked" in _tag(html, "blind")
    assert re.search(r'<option value="isotc268" selected>', html)
    form["year"] = "2026"
    assert client.post("/programmes", data=form, follow_redirects=False).status_code == 303


# --- in Chromium: wrong, corrected, sent; the review form by keyboard only


def _login_page(page, url: str, username: str) -> None:
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state()


def _tab_to(page, control_id: str, limit: int = 250) -> int:
    """Press Tab until `control_id` has the focus (from wherever the focus is); the presses."""
    for n in range(1, limit + 1):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement && document.activeElement.id") == control_id:
            return n
    raise AssertionError(f"Tab never reached #{control_id}")


def test_forms_in_the_browser(db_path, new_page):  # noqa: F811
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)
    ids = seed(db_path)
    engine = open_engine(db_path)
    org = _as(engine, "org1")
    c2 = calls.create(
        org,
        "cteam",
        "评审中的征集",
        2026,
        domains=["绿色制造"],
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=1,
    )
    calls.publish(org, c2["id"])
    calls.add_member(org, c2["id"], "rev1", "reviewer", affiliation="某大学")
    app_ctx = _as(engine, "appa")
    full = [{"heading": h, "text": f"{h}：园区储能电站每年减排 960 吨二氧化碳。"} for h in c2["template"]]
    s2 = submissions.create(app_ctx, c2["id"], "园区储能", "绿色制造", full)
    submissions.submit(app_ctx, s2["id"])
    reviews.assign(org, s2["id"], "rev1")
    calls.advance(org, c2["id"])
    engine.dispose()
    with Server(str(db_path)) as site:
        url = site.url
        # --- the applicant submits with three sections empty: refused in place, text kept
        a = new_page()
        _login_page(a, url, "appa")
        a.goto(f"{url}/submissions/{ids['sub']}")
        assert not any(x.is_checked() for x in a.locator("#outcomes input[name^=o_confirmed_]").all())
        a.fill("textarea[data-heading='案例概述']", "改写的概述：屋顶光伏装机 12 兆瓦。")
        a.fill("#o-value-1", "1.2万")
        a.fill("#o-unit-1", "tCO2e")
        a.check("#o-confirmed-1")
        a.click("#submit")
        a.wait_for_selector(".error-summary")
        assert "还有 3 个必填部分未填写" in a.inner_text(".error-summary")
        assert a.input_value("textarea[data-heading='案例概述']") == "改写的概述：屋顶光伏装机 12 兆瓦。"
        assert a.input_value("#o-value-1") == "1.2万" and a.is_checked("#o-confirmed-1")
        empty = ids["template"][3:]
        for h in empty:
            box = a.locator(f"textarea[data-heading='{h}']")
            assert box.get_attribute("aria-invalid") == "true"
            err = box.get_attribute("aria-describedby")
            assert a.locator(f"#{err}").is_visible() and "必填" in a.inner_text(f"#{err}")
        a.click(".error-summary a[href='#s-4']")  # the summary's link leads to the field
        assert a.evaluate("location.hash") == "#s-4"
        for h in empty:
            a.fill(f"textarea[data-heading='{h}']", f"补写的{h}。")
        a.click("#submit")
        a.wait_for_selector("#message")
        assert a.get_attribute("#sub-status", "data-status") == "submitted"

        # --- the reviewer, keyboard only: Tab through every control of the review form, in order
        r = new_page()
        _login_page(r, url, "rev1")
        r.goto(f"{url}/submissions/{s2['id']}")
        controls = r.evaluate(
            "Array.from(document.querySelectorAll('#review-form input:not([type=hidden]), #review-form select,"
            " #review-form textarea, #review-form button')).map(e => e.id)"
        )
        assert controls[:4] == ["score-impact", "score-replicability", "score-sustainability", "confidence"]
        assert controls[-2:] == ["save-review", "submit-review"]
        # the scale's bounds are the browser's too: 9 is out of range before it is sent
        assert r.get_attribute("#score-impact", "max") == "5"
        _tab_to(r, "score-impact")
        typed = {"score-impact": "4", "score-replicability": "3.5", "score-sustainability": "4"}
        typed |= {"r-comment": "减排量的口径需要说明。", "r-expert": "值得推广。"}
        seen = []
        for _ in controls:
            here = r.evaluate("document.activeElement.id")
            seen.append(here)
            if here in typed:
                r.keyboard.type(typed[here])
            if here == "submit-review":
                break
            r.keyboard.press("Tab")
        assert seen == controls, seen  # every control, in the order of the form
        r.keyboard.press("Enter")  # on 提交评审, with no confidence given: refused by the server
        r.wait_for_selector(".error-summary")
        assert r.get_attribute("#confidence", "aria-invalid") == "true"
        for cid, text in typed.items():
            assert r.input_value(f"#{cid}") == text, cid  # all typed values still there
        _tab_to(r, "confidence")
        r.keyboard.type("4")
        _tab_to(r, "submit-review")
        r.keyboard.press("Enter")
        r.wait_for_selector("#message")
        assert "评审已提交" in r.inner_text("#message")
