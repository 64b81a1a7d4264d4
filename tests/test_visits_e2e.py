"""A site visit end to end in headless Chromium, on SQLite and on PostgreSQL: the organizer plans
it from the submission's page (the notice reaches the applicant and the team through a loopback
SMTP server), the team's lead uploads a phone photo that carries its GPS position (kept without
it), records an adjusted figure and marks the visit done; the submission's page then shows the
adjusted value and why."""

from __future__ import annotations

import io

import pytest
from test_e2e import CHROMIUM, browser, new_page, shot  # noqa: F401  (fixtures)
from test_visits import phone_photo, setup, subject
from web_server import Server

from caseatlas.services import Context, system_actor
from caseatlas.store import open_engine

PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


def login(page, url, username):
    page.goto(url + "/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("form.login-form button[type=submit]")
    page.wait_for_load_state()


def test_a_site_visit_in_the_browser(db_path, new_page, tmp_path, smtp):  # noqa: F811
    from PIL import Image

    engine = open_engine(db_path)
    w = setup(Context(engine, system_actor()))
    sid = w["sub"]
    engine.dispose()
    photo = tmp_path / "IMG_2031.jpg"
    photo.write_bytes(phone_photo())
    assert Image.open(photo).getexif().get_ifd(0x8825), "the photo carries a GPS position"
    with Server(str(db_path)) as site:
        url = site.url
        # --- the organizer plans the visit from the submission's page
        org = new_page()
        login(org, url, "org1")
        org.goto(f"{url}/submissions/{sid}")
        org.click("#visit-plan summary")
        org.fill("#p-time", "2027-04-02T09:30")
        org.fill("#p-place", "江苏省某市绿色产业园 3 号厂房")
        org.fill("#p-team", "rev2, org1")
        org.fill("#p-lead", "rev2")
        org.click("#visit-plan-form button[type=submit]")
        org.wait_for_selector("#visit-facts")
        assert "2027年4月2日 09:30（北京时间）" in org.inner_text("#visit-time")
        assert "rev2（组长）" in org.inner_text("#visit-team")
        visit_url = org.url.split("?")[0]
        notices = sorted(m["To"] for m in smtp.messages if "调研核实通知" in subject(m))
        assert notices == ["a@example.org", "org1@example.org", "rev2@example.org"], notices
        # --- the team's lead: a photo, a verdict, the checklist, the report
        rev = new_page()
        login(rev, url, "rev2")
        rev.goto(visit_url)
        rev.set_input_files("#ev-file", str(photo))
        rev.fill("#ev-caption", "屋顶光伏阵列")
        rev.click("#evidence-form button[type=submit]")
        rev.wait_for_selector("#message")
        assert "EXIF" in rev.inner_text("#message")
        eid = rev.get_attribute("ul.evidence li.evidence-photo", "data-id")
        got = rev.request.get(f"{url}/api/v1/visit-evidence/{eid}")
        assert got.ok and got.headers["content-type"] == "image/jpeg"
        kept = Image.open(io.BytesIO(got.body()))
        assert not kept.getexif() and kept.size == (640, 480) and b"PhoneMaker" not in got.body()
        assert rev.evaluate("document.querySelector('ul.evidence img').naturalWidth") == 320  # the thumbnail
        row = rev.locator("tr[data-kind=co2e_reduction]")
        row.locator("select[name=verdict]").select_option("adjusted")
        row.locator("input[name=value]").fill("1.2万吨")
        row.locator("input[name=note]").fill("电表读数与能源台账核算")
        row.locator("button[type=submit]").click()
        rev.wait_for_selector("#message")
        assert "现场核查调整" in rev.inner_text("tr[data-kind=co2e_reduction] .verdict")
        rev.check("input[name=done_1]")
        rev.click("#checklist button[type=submit]")
        rev.wait_for_selector("#message")
        rev.fill("#report-text", "现场核查完成，减排量按台账调整。")
        rev.click("#visit-done")
        rev.wait_for_selector("#message")
        assert rev.get_attribute("#visit-status", "data-status") == "done"
        shot(rev, "visit-done")
        # --- the submission's page shows the value found and why, to the organizer and the reviewer
        for page in (org, new_page()):
            if page is not org:
                login(page, url, "rev1")
            page.goto(f"{url}/submissions/{sid}")
            text = page.inner_text("#visits")
            assert (
                "现场核查调整：申报 15,000吨二氧化碳当量 → 核实 12,000吨二氧化碳当量"
                "（调研核实，2027年4月2日，电表读数与能源台账核算）" in text
            ), text
            assert "减排量按台账调整" in page.text_content("#visits .visit-report")  # the report feeds the review
        # --- the applicant sees the verdict on their figure, not the team's working papers
        app = new_page()
        login(app, url, "appa")
        app.goto(f"{url}/submissions/{sid}")
        assert "核实 12,000吨二氧化碳当量" in app.inner_text("#visits")
        app.goto(visit_url)
        assert app.locator("#evidence").count() == 0 and app.locator("#report").count() == 0
