"""Final versions end to end in headless Chromium, on SQLite and on PostgreSQL (issue 25).

A call whose one case is accepted (set up through the services: submitted, reviewed with a
专家点评 draft, decided). In the browser: the organizer sets the book's own title, 编委会, foreword
and the finals deadline and uploads a logo; the applicant uploads a photo (with EXIF) and submits
the final text; the organizer copy-edits and approves it (a proof is made), chooses the reviewer's
draft as the 专家点评 and approves it; the applicant sees the edit, opens the proof and signs it
off; the organizer publishes. The book is built from the approved text, carries its own title
(not the call's), the approved comment, and the photo without its EXIF."""

from __future__ import annotations

import io
import re
import zipfile

import pytest
from test_e2e import CHROMIUM, browser, new_page, shot  # noqa: F401  (fixtures)
from test_finals import GPS_MAKER, jpeg_with_exif, png_logo
from test_programme import _sections, as_user
from test_programme_e2e import PASSWORD, login
from web_server import Server

from caseatlas.programme.services import calls, reviews, selection, submissions
from caseatlas.services import Context, accounts, system_actor
from caseatlas.store import open_engine

BOOK_TITLE = "企业气候行动案例集（2026）"


@pytest.fixture(autouse=True)
def _need_chromium():
    if CHROMIUM is None:
        pytest.fail("Debian chromium is not installed (run scripts/test.sh as root)", pytrace=False)


def accepted_case(engine) -> tuple[dict, int]:
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = as_user(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "2026 企业气候行动案例征集",
        2026,
        domains=["能源转型"],
        organizers=["某气候行动促进中心"],
        deadlines={"submission_deadline": "2099-01-01"},
    )
    calls.publish(org, call["id"])
    accounts.register(Context(engine), "appa", PASSWORD, "甲能源科技有限公司", "a@example.org")
    calls.add_member(org, call["id"], "rev1", "reviewer", affiliation="某大学", password=PASSWORD)
    appa = as_user(engine, "appa")
    s = submissions.create(
        appa, call["id"], "园区储能与绿电交易", "能源转型", _sections(call, "储能电站每年减少二氧化碳排放 960 吨")
    )
    submissions.submit(appa, s["id"])
    calls.advance(org, call["id"])  # review
    reviews.assign(org, s["id"], "rev1")
    reviews.save_review(
        as_user(engine, "rev1"),
        s["id"],
        {c["key"]: 5 for c in call["criteria"]},
        confidence=4,
        expert_comment="储能调峰与绿电交易结合，示范性强。",
        submit=True,
    )
    calls.advance(org, call["id"])  # discussion
    selection.decide(org, call["id"], [{"submission": s["id"], "decision": "accept"}], preview=False)
    calls.advance(org, call["id"])  # decision
    return call, s["id"]


def test_final_version_proof_and_book_in_the_browser(db_path, new_page, tmp_path):  # noqa: F811
    engine = open_engine(db_path)
    call, sid = accepted_case(engine)
    cid = call["id"]
    photo_path, logo_path = tmp_path / "site.jpg", tmp_path / "logo.png"
    photo_path.write_bytes(jpeg_with_exif())
    logo_path.write_bytes(png_logo())
    try:
        with Server(str(db_path)) as site:
            url = site.url
            # --- organizer: the book's own settings, the finals deadline, a logo
            org = new_page()
            login(org, url, "org1")
            org.goto(f"{url}/calls/{cid}/ranking")
            org.click("#finals-link")
            org.fill("#b-title", BOOK_TITLE)
            org.fill("#b-subtitle", "储能与绿电")
            org.fill("#b-committee", "主任：张三，某大学\n李四 | 主编 | 某研究院")
            org.fill("#b-foreword", "本书收录经专家评审入选并经申报单位确认定稿的案例。")
            org.fill("#b-deadline", "2099-06-30T18:00")
            org.click("#save-book")
            org.wait_for_selector("#message")
            assert "2099年6月30日 18:00" in org.inner_text("#finals-deadline")
            org.fill("#logo-name", "某气候行动促进中心")
            org.set_input_files("#logo-file", str(logo_path))
            org.click("#upload-logo")
            org.wait_for_selector("#logos img")
            # publishing now is refused: the accepted case has no approved final text
            csrf = org.get_attribute("#book-form input[name=csrf_token]", "value")
            resp = org.request.post(f"{url}/api/v1/calls/{cid}/collection", headers={"X-CSRF-Token": csrf})
            assert resp.status == 409 and f"#{sid}" in resp.json()["error"]["message"]

            # --- applicant: a photo, then the final text
            app = new_page()
            login(app, url, "appa")
            app.goto(f"{url}/submissions/{sid}/final")
            assert app.get_attribute("#final-state", "data-state") == "awaiting"
            app.set_input_files("#photo-file", str(photo_path))
            app.fill("#photo-caption", "储能电站全景")
            app.fill("#photo-credit", "甲能源 摄")
            app.click("#upload-photo")
            app.wait_for_selector("#photos li[data-photo] img")
            app.fill("#ff-title", "园区储能与绿电交易（定稿）")
            app.fill("#fs-1", "定稿：储能电站每年减少二氧化碳排放 960 吨，参与绿电交易。")
            app.click("#submit-final")
            app.wait_for_selector("#message")
            assert app.get_attribute("#final-state", "data-state") == "submitted"
            photo_id = app.get_attribute("#photos li[data-photo]", "data-photo")
            got = app.request.get(f"{url}/api/v1/submissions/{sid}/final/photos/{photo_id}")
            assert got.status == 200 and GPS_MAKER.encode() not in got.body()

            # --- organizer: copy-edit, approve (a proof is made), choose and approve the 专家点评
            org.goto(f"{url}/submissions/{sid}/final")
            org.fill("#fs-1", "定稿：储能电站投运后，每年减少二氧化碳排放 960 吨，并参与绿电交易。")
            org.fill("#ff-note", "统一表述")
            org.click("#edit-final")
            org.wait_for_selector("#message")
            assert org.get_attribute("#final-state", "data-state") == "edited"
            org.click("#approve-final")
            org.wait_for_selector("#message")
            assert org.get_attribute("#final-state", "data-state") == "approved"
            assert org.locator("#proofs li[data-proof]").count() == 1
            org.click(".draft[data-reviewer='rev1'] button.choose-comment")
            org.wait_for_selector("#approve-comment")
            assert org.get_attribute("#comment-state", "data-approved") == "no"
            org.click("#approve-comment")
            org.wait_for_selector("#comment-state[data-approved='yes']")
            shot(org, "finals-organizer")

            # --- applicant: sees the edit, opens the proof, signs it off
            app.goto(f"{url}/submissions/{sid}/final")
            assert "投运后" in app.inner_text("#final-diff")
            href = app.get_attribute("#proofs a.proof-pdf", "href")
            pdf = app.request.get(url + href)
            assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
            app.click("#sign-proof")
            app.wait_for_selector("#message")
            assert app.get_attribute("#proofs .proof-status", "data-status") == "signed"
            shot(app, "finals-applicant")

            # --- organizer: the overview says signed; publish; the book is the approved one
            org.goto(f"{url}/calls/{cid}/finals")
            assert org.inner_text("#n-signed") == "1" and org.inner_text("#n-approved") == "1"
            org.goto(f"{url}/calls/{cid}/ranking")
            org.click("#publish-collection")
            org.wait_for_url(re.compile(r".*/search\?collection=.*"))
            org.wait_for_selector("ol.hits li.hit")
            assert "园区储能与绿电交易（定稿）" in org.inner_text("ol.hits")
            book = org.request.get(f"{url}/api/v1/editions/call:{cid}?format=html")
            assert book.status == 200
            with zipfile.ZipFile(io.BytesIO(book.body())) as zf:
                pages = {n: zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".html")}
            whole = max(pages.values(), key=len)
            assert BOOK_TITLE in whole and "2026 企业气候行动案例征集" not in whole.split("</header>")[0]
            assert "投运后，每年减少二氧化碳排放 960 吨" in whole  # the approved copy-edit
            assert "储能调峰与绿电交易结合，示范性强。" in whole  # the approved 专家点评
            settings = org.request.get(f"{url}/api/v1/calls/{cid}/book").json()
            assert [m["name"] for m in settings["committee"]] == ["张三", "李四"] and len(settings["logos"]) == 1
    finally:
        engine.dispose()
