"""Final versions of accepted cases, the 专家点评, proofs and the book's own front matter (issue 25),
through the services, on both backends: who may do what when (only the accepted applicant before
the finals deadline writes; only organizers edit and approve), versions kept, the book built from
approved texts and approved comments only (never a reviewer's unapproved draft), a new approval
voiding an earlier sign-off, photos stripped of EXIF, and the book's title, 编委会, foreword and
logos in the built Edition and the rendered HTML."""

from __future__ import annotations

import io

import pytest
from PIL import Image
from test_programme import PASSWORD, _sections, as_user
from test_programme import programme as programme  # noqa: F401  (the fixture)

from caseatlas.errors import CaseAtlasError, Conflict, Forbidden, NotFound
from caseatlas.programme.domain.finals import default_book_title
from caseatlas.programme.services import calls, finals, reviews, selection, submissions
from caseatlas.publish import render
from caseatlas.services import library, publishing
from caseatlas.services import rules as house_rules
from caseatlas.store import finals as fstore

GPS_MAKER = "CaseAtlasTestCamera"


def jpeg_with_exif(colour=(200, 30, 30)) -> bytes:
    """A small JPEG carrying EXIF: a camera make and a GPS block (what a phone writes)."""
    img = Image.new("RGB", (64, 48), colour)
    exif = Image.Exif()
    exif[0x010F] = GPS_MAKER  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 50.0)}  # GPSInfo
    buf = io.BytesIO()
    img.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def png_logo() -> bytes:
    buf = io.BytesIO()
    Image.new("RGBA", (40, 20), (0, 120, 60, 255)).save(buf, "PNG")
    return buf.getvalue()


@pytest.fixture
def accepted(programme, ctx):  # noqa: F811
    """appa's case accepted, appb's rejected; reviewers rev1 and rev2 each left a 专家点评 draft on
    appa's case; the call in its decision phase."""
    call, org = programme
    e = ctx.engine
    calls.update(org, call["id"], quotas={"绿色制造": 1, "能源转型": 2})
    ids = {}
    for user, title in (("appa", "园区储能与绿电交易"), ("appb", "城市公交电动化")):
        u = as_user(e, user)
        s = submissions.create(
            u,
            call["id"],
            title,
            "能源转型",
            _sections(call, f"{title}每年减少二氧化碳排放 960 吨"),
            [{"kind": "co2e_reduction", "value": 960, "unit": "tCO2e", "period": "annual"}],
        )
        submissions.submit(u, s["id"])
        ids[user] = s["id"]
    calls.advance(org, call["id"])  # review
    for name in ("rev1", "rev2"):
        reviews.assign(org, ids["appa"], name)
        reviews.save_review(
            as_user(e, name),
            ids["appa"],
            {c["key"]: 4 for c in call["criteria"]},
            confidence=4,
            expert_comment=f"{name} 的点评草稿：储能调峰示范性强。",
            submit=True,
        )
    calls.advance(org, call["id"])  # discussion
    selection.decide(
        org,
        call["id"],
        [{"submission": ids["appa"], "decision": "accept"}, {"submission": ids["appb"], "decision": "reject"}],
        preview=False,
    )
    calls.advance(org, call["id"])  # decision
    return call, org, ids


def final_sections(call, text):
    return [{"heading": h, "text": f"{text}（{h}定稿）"} for h in call["template"]]


def test_default_book_title_drops_the_call():
    assert default_book_title("2026 企业气候行动案例征集") == "2026 企业气候行动案例集"
    assert default_book_title("城市低碳案例集") == "城市低碳案例集"


def test_state_machine_who_writes_edits_approves(accepted, ctx):
    call, org, ids = accepted
    e = ctx.engine
    appa, appb, rev1 = as_user(e, "appa"), as_user(e, "appb"), as_user(e, "rev1")
    sid = ids["appa"]
    # before the finals stage opens the applicant cannot write (nor learn the decision through it)
    with pytest.raises(Forbidden):
        finals.submit(appa, sid, "定稿标题", final_sections(call, "正文"))
    with pytest.raises(Forbidden):
        finals.get(appa, sid)
    finals.set_settings(org, call["id"], finals_deadline="2099-06-30T18:00")
    assert finals.get(appa, sid).state == "awaiting"
    # another applicant's case is unknown to them; a reviewer may not write it; a rejected one has no finals
    with pytest.raises(NotFound):
        finals.submit(appb, sid, "x", final_sections(call, "x"))
    with pytest.raises(Forbidden):
        finals.submit(rev1, sid, "x", final_sections(call, "x"))
    with pytest.raises(Forbidden):
        finals.submit(appb, ids["appb"], "x", final_sections(call, "x"))
    # the organizer does not write the applicant's final text, only edits it once submitted
    with pytest.raises(Forbidden):
        finals.submit(org, sid, "x", final_sections(call, "x"))
    with pytest.raises(Conflict):
        finals.edit(org, sid, title="编辑的标题")
    # the applicant submits; only organizers approve
    d = finals.submit(
        appa, sid, "园区储能与绿电交易（定稿）", final_sections(call, "储能电站每年减少二氧化碳排放 960 吨")
    )
    assert d.state == "submitted" and d.version == 1 and d.submitted_at
    with pytest.raises(Forbidden):
        finals.approve(appa, sid)
    # the organizer copy-edits: a new version by the organizer, the diff visible to the applicant
    edited = final_sections(call, "储能电站每年减少二氧化碳排放 960 吨")
    edited[0]["text"] = "储能电站投运后，每年减少二氧化碳排放 960 吨。"
    finals.edit(org, sid, sections=edited, note="统一表述")
    seen = finals.get(appa, sid)
    assert seen.state == "edited" and seen.version == 2
    assert [v.kind for v in seen.versions] == ["submitted", "edited"]
    assert [v.by for v in seen.versions] == ["appa", "org1"]
    change = next(c for c in seen.changes if c.what == call["template"][0])
    assert change.added == ["储能电站投运后，每年减少二氧化碳排放 960 吨。"] and change.removed
    # versions are kept, never overwritten
    with e.connect() as conn:
        assert fstore.version(conn, sid, 1)["data"]["sections"][0]["text"].endswith("定稿）")
    # approval: who/when; the applicant can no longer write; a proof is made
    approved = finals.approve(org, sid)
    assert approved.state == "approved" and approved.approved_version == 2 and approved.approved_by == "org1"
    assert len(approved.proofs) == 1 and approved.proofs[0].current and approved.proofs[0].pages >= 1
    with pytest.raises(Forbidden):
        finals.submit(appa, sid, "再改", final_sections(call, "再改"))
    # after the deadline the applicant cannot write either
    finals.set_settings(org, call["id"], finals_deadline="2020-01-01")
    with pytest.raises(Forbidden):
        finals.submit(as_user(e, "appa"), sid, "迟交", final_sections(call, "迟交"))


def test_the_book_prints_approved_texts_and_comments_only(accepted, ctx, tmp_path):
    call, org, ids = accepted
    e = ctx.engine
    appa, sid = as_user(e, "appa"), ids["appa"]
    finals.set_settings(org, call["id"], finals_deadline="2099-06-30")
    # publishing refuses, in one line naming the case, while an accepted case has no approved text
    with pytest.raises(Conflict) as refused:
        selection.publish(org, call["id"])
    message = str(refused.value)
    assert "\n" not in message and f"#{sid}" in message and "园区储能与绿电交易" in message
    finals.submit(appa, sid, "储能定稿标题", final_sections(call, "定稿正文：储能电站每年减少二氧化碳排放 960 吨"))
    with pytest.raises(Conflict, match=f"#{sid}"):  # submitted is not approved
        selection.publish(org, call["id"])
    # the reviewers' drafts are offered to the organizer, named; none is printed unless approved
    drafts = finals.get(org, sid).drafts
    assert {d.reviewer for d in drafts} == {"rev1", "rev2"}
    assert finals.get(appa, sid).drafts == [] and finals.get(appa, sid).comment is None
    finals.choose_comment(org, sid, "rev2", comment_by="李专家")
    assert finals.get(appa, sid).comment is None  # chosen, not approved: the applicant sees none
    finals.approve(org, sid, proof=False)
    out = selection.publish(org, call["id"])
    assert out.cases == 1 and out.unsigned == ["储能定稿标题"]
    case = library.case_detail(ctx, submissions.get(org, sid)["case_id"])
    assert case.title == "储能定稿标题"
    assert not any(s.heading == "专家点评" for s in case.sections), "an unapproved draft is never printed"
    html = render.book_html(publishing.build_edition(org, f"call:{call['id']}"), for_print=False)
    assert "定稿正文" in html and "点评草稿" not in html and "专家点评" not in html
    # approved: printed, attributed
    selection.reopen(org, call["id"], "加入专家点评")
    finals.approve_comment(org, sid)
    selection.publish(org, call["id"])
    case = library.case_detail(ctx, submissions.get(org, sid)["case_id"])
    assert any(s.heading == "专家点评" for s in case.sections)
    ed = publishing.build_edition(org, f"call:{call['id']}")
    (ec,) = ed.cases
    assert ec.comment == ["rev2 的点评草稿：储能调峰示范性强。"] and ec.comment_by == "李专家"
    # a new comment text is a draft again: the book stops printing it until approved
    finals.write_comment(org, sid, "组织方撰写的点评。")
    ed = publishing.build_edition(org, f"call:{call['id']}")
    assert ed.cases[0].comment == [] and ed.cases[0].comment_by is None


def test_a_new_approval_voids_an_earlier_sign_off(accepted, ctx):
    call, org, ids = accepted
    e = ctx.engine
    appa, sid = as_user(e, "appa"), ids["appa"]
    finals.set_settings(org, call["id"], finals_deadline="2099-06-30")
    finals.submit(appa, sid, "储能定稿", final_sections(call, "第一稿"))
    d = finals.approve(org, sid)
    first = d.proofs[0]
    pdf, name = finals.proof_pdf(appa, sid, first.id)
    assert pdf.startswith(b"%PDF") and name.endswith(".pdf")
    import hashlib

    assert hashlib.sha256(pdf).hexdigest() == first.sha256
    with pytest.raises(CaseAtlasError, match="note"):
        finals.answer_proof(appa, sid, first.id, signed=False)
    with pytest.raises(Forbidden):  # organizers do not sign for the applicant
        finals.answer_proof(org, sid, first.id, signed=True)
    signed = finals.answer_proof(appa, sid, first.id, signed=True)
    assert signed.proofs[0].status == "signed" and not signed.can_sign
    assert finals.overview(org, call["id"]).signed == 1
    # the organizer edits and approves again: the old sign-off no longer holds
    finals.edit(org, sid, title="储能定稿（修订）")
    d = finals.approve(org, sid)
    assert [p.current for p in d.proofs] == [False, True] and d.proofs[1].status == "pending"
    view = finals.overview(org, call["id"])
    assert view.signed == 0 and view.rows[0].proof == "pending"
    with pytest.raises(NotFound):  # another applicant does not learn the case exists
        finals.answer_proof(as_user(e, "appb"), sid, first.id, signed=True)
    with pytest.raises(Conflict, match="newer proof"):
        finals.answer_proof(appa, sid, first.id, signed=True)
    asked = finals.answer_proof(appa, sid, d.proofs[1].id, signed=False, note="第二段数字有误")
    assert asked.proofs[1].status == "changes" and asked.proofs[1].note == "第二段数字有误"
    with pytest.raises(Forbidden):  # answered: nothing waits for the applicant
        finals.answer_proof(appa, sid, d.proofs[1].id, signed=True)


def test_photos_are_stripped_of_exif_and_kept_with_versions(accepted, ctx):
    call, org, ids = accepted
    appa, sid = as_user(ctx.engine, "appa"), ids["appa"]
    finals.set_settings(org, call["id"], finals_deadline="2099-06-30")
    raw = jpeg_with_exif()
    assert GPS_MAKER.encode() in raw
    photo = finals.add_photo(appa, sid, "site.jpg", raw, caption="储能电站全景", credit="甲能源 摄")
    data, media = finals.photo(appa, sid, photo.id)
    assert media in ("image/jpeg", "image/png") and GPS_MAKER.encode() not in data
    with Image.open(io.BytesIO(data)) as img:
        assert not img.getexif() and (img.width, img.height) == (64, 48)
    thumb, _ = finals.photo(org, sid, photo.id, thumbnail=True)
    assert GPS_MAKER.encode() not in thumb
    with pytest.raises(CaseAtlasError):
        finals.add_photo(appa, sid, "fake.jpg", b"<html>not an image</html>")
    with pytest.raises(NotFound):
        finals.photo(as_user(ctx.engine, "appb"), sid, photo.id)
    finals.submit(appa, sid, "储能定稿", final_sections(call, "正文"))
    finals.edit(org, sid, photos=[{"id": photo.id, "caption": "储能电站全景（2025 年）"}])
    finals.approve(org, sid, proof=False)
    with pytest.raises(Forbidden):  # approved: the applicant no longer changes the photos
        finals.remove_photo(appa, sid, photo.id)
    with ctx.engine.connect() as conn:
        listed = fstore.version(conn, sid, 2)["data"]["photos"]
    assert listed == [{"id": photo.id, "caption": "储能电站全景（2025 年）", "credit": "甲能源 摄"}]
    assert finals.get(appa, sid).photos[0].caption == "储能电站全景（2025 年）"


def test_book_settings_in_the_edition_and_its_html(accepted, ctx, tmp_path):
    call, org, ids = accepted
    appa, sid = as_user(ctx.engine, "appa"), ids["appa"]
    settings = finals.settings(org, call["id"])
    assert settings.title == "2026 企业气候行动案例集" and settings.title == settings.default_title
    finals.set_settings(
        org,
        call["id"],
        title="企业气候行动案例集（2026）",
        subtitle="能源转型与绿色制造",
        year="2027",
        english_title="Corporate Climate Action Cases 2026",
        committee="主任：张三，某大学\n李四 | 主编 | 某研究院",
        foreword="本书收录入选案例。\n\n案例经专家评审。",
        finals_deadline="2099-06-30",
        english=True,
    )
    with pytest.raises(CaseAtlasError):
        finals.set_settings(org, call["id"], year="明年")
    with pytest.raises(CaseAtlasError):
        finals.add_logo(org, call["id"], "某促进中心", "logo.png", b"GIF89a not really")
    finals.add_logo(org, call["id"], "某促进中心", "logo.png", png_logo())
    photo = finals.add_photo(appa, sid, "site.jpg", jpeg_with_exif(), caption="储能电站全景", credit="甲能源 摄")
    finals.submit(
        appa,
        sid,
        "园区储能与绿电交易（定稿）",
        final_sections(call, "储能电站每年减少二氧化碳排放 960 吨"),
        english_title="Storage and green power trading in an industrial park",
        english_sections=[{"heading": "Overview", "text": "A 20 MWh storage plant cuts 960 tCO2e a year."}],
    )
    finals.approve(org, sid, proof=False)
    finals.write_comment(org, sid, "示范性强。", comment_by="王专家")
    finals.approve_comment(org, sid)
    selection.publish(org, call["id"])
    ed = publishing.build_edition(org, f"call:{call['id']}")
    assert ed.title == "企业气候行动案例集（2026）" and ed.subtitle == "能源转型与绿色制造" and ed.year == 2027
    assert [(m.name, m.role, m.affiliation) for m in ed.committee] == [
        ("张三", "主任", "某大学"),
        ("李四", "主编", "某研究院"),
    ]
    assert ed.foreword == ["本书收录入选案例。", "案例经专家评审。"]
    assert len(ed.logos) == 1 and ed.logos[0].alt == "某促进中心" and ed.logos[0].content_type == "image/png"
    assert ed.bilingual and ed.english["title"] == "Corporate Climate Action Cases 2026"
    (case,) = ed.cases
    assert case.title == "园区储能与绿电交易（定稿）" and case.region is None  # 甲能源科技: no place in the name
    assert [(p.caption, p.credit) for p in case.photos] == [("储能电站全景", "甲能源 摄")]
    assert GPS_MAKER.encode() not in case.photos[0].data
    assert case.english.title.startswith("Storage") and case.english.sections[0].heading == "Overview"
    assert case.comment == ["示范性强。"] and case.comment_by == "王专家"
    html = render.book_html(ed, for_print=False)
    assert (
        "企业气候行动案例集（2026）" in html and "案例经专家评审。" in html and "案例征集" not in html.split("<body")[0]
    )
    assert photo.id
    # the stored collection carries the book's own title, not the call's
    assert any(c.title == "企业气候行动案例集（2026）" for c in library.collections(ctx))


def test_approve_as_submitted_for_a_call_without_a_finals_stage(accepted, ctx):
    call, org, ids = accepted
    with pytest.raises(Forbidden):
        finals.approve_as_submitted(as_user(ctx.engine, "appa"), call["id"])
    done = finals.approve_as_submitted(org, call["id"])
    assert done.approved == [ids["appa"]]
    assert finals.approve_as_submitted(org, call["id"]).approved == []  # once
    d = finals.get(org, ids["appa"])
    assert d.state == "approved" and d.versions[0].kind == "as_submitted"
    out = selection.publish(org, call["id"])
    assert out.cases == 1
    case = library.case_detail(ctx, submissions.get(org, ids["appa"])["case_id"])
    assert case.title == "园区储能与绿电交易"


def test_finals_mails_and_the_deadline_in_the_calls_zone(accepted, ctx, monkeypatch):
    """Opening the finals tells the accepted applicant, with the deadline in the call's zone."""
    call, org, ids = accepted
    finals.set_settings(org, call["id"], finals_deadline="2099-06-30T18:00")
    with ctx.engine.connect() as conn:
        from caseatlas.store import programmes as pstore

        mails = [n for n in pstore.notifications_of(conn, call["id"]) if n["kind"] == "finals_open"]
    assert [m["to_addr"] for m in mails] == ["a@example.org"]  # appb's case was not accepted
    assert "2099年6月30日 18:00" in mails[0]["body"] and f"/submissions/{ids['appa']}/final" in mails[0]["body"]
    assert house_rules.now_iso() < finals.settings(org, call["id"]).finals_deadline
    assert PASSWORD


def test_cli_book_finals_and_approve(accepted, ctx, db_path, tmp_path):
    from test_programme import cli

    call, org, ids = accepted
    cid = str(call["id"])
    members = tmp_path / "committee.txt"
    members.write_text("张三 | 主任 | 某大学\n", encoding="utf-8")
    r = cli(
        db_path,
        "programme",
        "book",
        cid,
        "--title",
        "企业案例集",
        "--committee",
        str(members),
        "--finals-deadline",
        "2099-06-30T18:00",
    )
    assert r.exit_code == 0, r.output
    assert "企业案例集" in r.output and "张三 | 主任 | 某大学" in r.output and "2099年6月30日 18:00" in r.output
    r = cli(db_path, "programme", "publish-collection", cid)
    assert r.exit_code == 1 and f"#{ids['appa']}" in r.output
    r = cli(db_path, "programme", "approve-finals", cid)
    assert r.exit_code == 0 and "1 case" in r.output
    r = cli(db_path, "programme", "finals", cid)
    assert r.exit_code == 0 and "approved 1/1" in r.output
    r = cli(db_path, "programme", "publish-collection", cid)
    assert r.exit_code == 0 and "without a signed-off proof" in r.output
