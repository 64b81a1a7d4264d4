"""Site visits (调研核实) through the services, on both backends: a visit planned and its notice
mailed to a loopback SMTP server, the checklist, evidence (a phone photo's GPS gone), verdicts on
the declared figures; an adjusted figure published at the value found with why, in the library's
facts, case page and API; a figure not verifiable flagged; the blind projection leaks nothing."""

from __future__ import annotations

import io
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from PIL import Image

from caseatlas.errors import CaseAtlasError, Forbidden, NotFound
from caseatlas.programme.services import calls, finals, reviews, selection, submissions, visits
from caseatlas.services import Actor, Context, accounts, library
from caseatlas.store import accounts as accounts_store

PASSWORD = "correct horse battery"
ORG = "甲能源科技有限公司"
SAID = "本项目每年减少二氧化碳排放 1.5 万吨"
TEXT = f"{SAID}，累计投资 5800 万元，由{ORG}负责运营"
DECLARED = [
    {"kind": "co2e_reduction", "value": 15000, "unit": "tCO2e", "period": "annual", "quote": SAID},
    {"kind": "investment_or_finance", "value": 5.8e7, "unit": "CNY", "period": "cumulative"},
    {"kind": "renewable_capacity", "value": 12, "unit": "MW", "period": "unspecified"},
]
GPS = 0x8825


def as_user(engine, username: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, username)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def phone_photo() -> bytes:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[GPS] = {1: "N", 2: (31.0, 13.0, 5.0), 3: "E", 4: (121.0, 28.0, 11.0)}
    out = io.BytesIO()
    Image.new("RGB", (640, 480), (40, 120, 60)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def tiny_pdf() -> bytes:
    import pymupdf as fitz

    doc = fitz.open()
    doc.new_page().insert_text((72, 72), "audit")
    return doc.tobytes()


def setup(ctx, blind: bool = False) -> dict:
    e = ctx.engine
    accounts.add_user(ctx, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = as_user(e, "org1")
    call = calls.create(
        org,
        "cteam",
        "调研核实案例征集",
        2027,
        domains=["绿色制造", "能源转型"],
        organizers=["某促进中心"],
        deadlines={"submission_deadline": "2099-01-01"},
        blind=blind,
    )
    calls.publish(org, call["id"])
    accounts.register(Context(e), "appa", PASSWORD, ORG, "a@example.org")
    for name in ("rev1", "rev2", "rev3"):
        calls.add_member(org, call["id"], name, "reviewer", "某大学", password=PASSWORD, email=f"{name}@example.org")
    a = as_user(e, "appa")
    sections = [{"heading": h, "text": f"{TEXT}，{h}。"} for h in call["template"]]
    s = submissions.create(a, call["id"], "园区屋顶光伏与储能", "绿色制造", sections, DECLARED)
    submissions.submit(a, s["id"])
    calls.advance(org, call["id"])  # review
    reviews.assign(org, s["id"], "rev1")
    return {"call": call, "sub": s["id"], "org": org, "app": a, "rev1": as_user(e, "rev1"), "rev2": as_user(e, "rev2")}


def subject(message) -> str:
    from email.header import decode_header, make_header

    return str(make_header(decode_header(message["Subject"])))


def body(message) -> str:
    return message.get_payload(decode=True).decode("utf-8")


def test_a_visit_adjusts_a_figure_and_the_library_shows_the_value_found_and_why(ctx, db_path, smtp):
    w = setup(ctx)
    org, rev2, app, sid = w["org"], w["rev2"], w["app"], w["sub"]
    v = visits.plan(org, sid, "2027-04-02T09:30", "江苏省某市绿色产业园 3 号厂房", ["rev2", "org1"], lead="rev2")
    assert v.starts_at == "2027-04-02T01:30:00+00:00", "typed in the call's zone, stored in UTC"
    assert v.starts_local == "2027年4月2日 09:30（北京时间）"
    assert [(m.username, m.lead) for m in v.team] == [("org1", False), ("rev2", True)]
    # The notice reached the applicant and the team, with the time in the call's zone
    notices = [m for m in smtp.messages if "调研核实通知" in subject(m)]
    assert sorted(m["To"] for m in notices) == ["a@example.org", "org1@example.org", "rev2@example.org"]
    text = body(notices[0])
    assert "2027年4月2日 09:30（北京时间）" in text
    assert "3 号厂房" in text and "rev2（组长）" in text and "能源账单/台账" in text
    # Not on the panel, or conflicted: refused with the reason
    with pytest.raises(CaseAtlasError, match="not on this call's panel"):
        visits.plan(org, sid, "2027-04-03T09:00", "x", ["appa"])
    with pytest.raises(CaseAtlasError, match="YYYY-MM-DD"):
        visits.plan(org, sid, "next tuesday", "x", ["rev2"])
    # The team ticks the checklist, edited for this visit
    items = [{"item": c.item, "done": i < 2, "note": "已核对" if i == 0 else None} for i, c in enumerate(v.checklist)]
    v = visits.set_checklist(rev2, v.id, items + [{"item": "储能系统运行日志", "done": True}])
    assert [c.done for c in v.checklist] == [True, True, False, False, False, True]
    # Evidence: the phone's GPS position is gone; a PDF named .jpg is a document; HTML is refused
    photo = visits.add_evidence(rev2, v.id, "IMG_2031.jpeg", phone_photo(), "屋顶光伏阵列")
    assert photo.kind == "photo" and (photo.width, photo.height) == (640, 480)
    full = visits.evidence_file(rev2, photo.id)
    kept = Image.open(io.BytesIO(full["data"]))
    assert not kept.getexif() and b"PhoneMaker" not in full["data"]
    thumb = Image.open(io.BytesIO(visits.evidence_file(org, photo.id, thumbnail=True)["data"]))
    assert max(thumb.size) == 320
    doc = visits.add_evidence(rev2, v.id, "scan.jpg", tiny_pdf())
    assert doc.kind == "document" and doc.filename == "scan.pdf" and doc.content_type == "application/pdf"
    with pytest.raises(CaseAtlasError, match="photo .* or a document"):
        visits.add_evidence(rev2, v.id, "x.jpg", b"<html><script>alert(1)</script></html>")
    # Verdicts on the declared figures, by their keys; the value found read as people write it
    keys = {f.kind: f.figure for f in v.figures}
    with pytest.raises(CaseAtlasError, match="why"):
        visits.set_verdict(rev2, v.id, keys["co2e_reduction"], "adjusted", "1.2万吨")
    with pytest.raises(CaseAtlasError, match="not the declared unit"):
        visits.set_verdict(rev2, v.id, keys["co2e_reduction"], "adjusted", "1.2万千瓦时", note="x")
    with pytest.raises(NotFound):
        visits.set_verdict(rev2, v.id, "nosuchfigure", "confirmed")
    why = "电表读数与能源台账核算，实际年减排约为申报值的八成"
    v = visits.set_verdict(rev2, v.id, keys["co2e_reduction"], "adjusted", "1.2万吨", note=why)
    v = visits.set_verdict(rev2, v.id, keys["investment_or_finance"], "unverifiable", note="未能提供投资审计报告")
    v = visits.set_verdict(rev2, v.id, keys["renewable_capacity"], "confirmed")
    co2 = next(f for f in v.figures if f.kind == "co2e_reduction")
    assert co2.value == 12000 and co2.declared_value == 15000 and co2.by == "rev2"
    assert (
        co2.words
        == f"现场核查调整：申报 15,000吨二氧化碳当量 → 核实 12,000吨二氧化碳当量（调研核实，2027年4月2日，{why}）"
    )
    # Until the visit is done, the figures and their checks are as declared; the applicant sees no verdict
    assert not [f for f in submissions.get(org, sid)["facts"]["flags"] if f["check"] == "verification"]
    mine = visits.list_for_submission(app, sid)[0]
    assert mine.figures is None and mine.report is None and mine.checklist is None and mine.evidence is None
    assert mine.notice and "2027年4月2日" in mine.notice
    with pytest.raises(Forbidden):
        visits.evidence_file(app, photo.id)
    with pytest.raises(CaseAtlasError, match="report"):
        visits.set_report(rev2, v.id, "", done=True)
    v = visits.set_report(rev2, v.id, f"现场核查了{ORG}的光伏与储能设施，减排量按台账调整。", done=True)
    assert v.status == "done" and v.done_at
    with pytest.raises(Forbidden):  # done: the team's record is closed (an organizer may reopen it)
        visits.set_checklist(rev2, v.id, items)
    # The submission's checks: the figure not verifiable is flagged with the reason
    flags = [f for f in submissions.get(org, sid)["facts"]["flags"] if f["check"] == "verification"]
    assert len(flags) == 1 and "未能提供投资审计报告" in flags[0]["message"], flags
    # The submission's outcome keeps its declared value and gains the one found, with its provenance
    held = next(o for o in submissions.get(app, sid)["outcomes"] if o["kind"] == "co2e_reduction")
    assert held["value"] == 15000 and held["verified"]["value"] == 12000 and held["verified"]["visit"] == v.id
    assert (
        held["verified"]["by"] == "rev2" and held["verified"]["note"] == why and held["verified"]["words"] == co2.words
    )
    # The applicant now sees the verdicts on their figures, not the team's working papers
    mine = visits.get(app, v.id)
    assert {f.kind: f.verdict for f in mine.figures} == {
        "co2e_reduction": "adjusted",
        "investment_or_finance": "unverifiable",
        "renewable_capacity": "confirmed",
    }
    assert mine.report is None and mine.evidence is None
    # A reviewer of the submission reads the report, the checklist and the verdicts
    seen = visits.list_for_submission(w["rev1"], sid)[0]
    assert "台账调整" in seen.report and len(seen.evidence) == 2 and not seen.evidence[0].withheld
    assert visits.evidence_file(w["rev1"], photo.id)["content_type"] == "image/jpeg"
    # Someone else: unknown
    with pytest.raises(NotFound):
        visits.get(w["rev2"].__class__(ctx.engine, Actor("user", "rev3", "reviewer", _uid(ctx, "rev3"))), v.id)
    # Publish: the library's case holds the value found, the value declared and why
    rv = w["rev1"]
    reviews.save_review(rv, sid, {c["key"]: 4 for c in w["call"]["criteria"]}, confidence=4, submit=True)
    calls.advance(org, w["call"]["id"])
    selection.decide(org, w["call"]["id"], [{"submission": sid, "decision": "accept"}], preview=False)
    calls.advance(org, w["call"]["id"])
    finals.approve_as_submitted(org, w["call"]["id"])  # no finals stage: the submitted texts are the final ones
    selection.publish(org, w["call"]["id"])
    case_id = submissions.get(org, sid)["case_id"]
    case = library.case_detail(ctx, case_id)
    declared = {m.kind: m for m in case.metrics if m.origin == "declared"}
    m = declared["co2e_reduction"]
    assert m.value == 12000 and m.verification.verdict == "adjusted" and m.verification.declared_value == 15000
    assert m.verification.visit == v.id and m.verification.by == "rev2" and m.verification.note == why
    assert m.verification.words == co2.words
    assert any(SAID in ev.quote for ev in m.evidence), "the text's statement stays its evidence"
    assert not [x for x in case.metrics if x.unit == "tCO2e" and x.value == 15000], "the declared value is not a fact"
    assert declared["investment_or_finance"].verification.verdict == "unverifiable"
    assert [f for f in case.flags if f.check == "verification" and "未能提供投资审计报告" in f.message]
    printed = [ln.raw for ln in case.lines if "减排量" in ln.raw]
    assert printed == ["每年减排量12,000吨二氧化碳当量（调研核实：核实调整，2027年4月2日）。"], printed
    # The page and the API say it
    client = TestClient(__import__("caseatlas.web", fromlist=["create_app"]).create_app(str(db_path)))
    page = client.get(f"/cases/{quote(case_id)}").text
    assert "现场核查调整：申报 15,000吨二氧化碳当量 → 核实 12,000吨二氧化碳当量（调研核实，2027年4月2日" in page
    api = client.get(f"/api/v1/cases/{quote(case_id)}").json()
    got = [x["verification"] for x in api["metrics"] if x.get("verification")]
    assert {g["verdict"] for g in got} == {"adjusted", "unverifiable", "confirmed"}
    # Reopened by the organizer: the verdicts no longer hold until it is done again
    visits.update(org, v.id, status="planned")
    assert not [f for f in submissions.get(org, sid)["facts"]["flags"] if f["check"] == "verification"]


def _uid(ctx, name: str) -> int:
    with ctx.engine.connect() as conn:
        return accounts_store.get_user(conn, name).id


def test_a_blind_calls_reviewer_reads_the_visit_through_the_projection(ctx, smtp):
    w = setup(ctx, blind=True)
    org, rev2, sid = w["org"], w["rev2"], w["sub"]
    v = visits.plan(org, sid, "2027-04-02T09:30", f"{ORG}厂区", ["rev2"])
    photo = visits.add_evidence(rev2, v.id, f"{ORG}-屋顶.jpg", phone_photo(), f"{ORG}的屋顶")
    visits.add_evidence(rev2, v.id, "审计报告.pdf", tiny_pdf())
    key = next(f.figure for f in v.figures if f.kind == "co2e_reduction")
    visits.set_verdict(rev2, v.id, key, "adjusted", "12000", note=f"{ORG}的台账显示年减排 1.2 万吨")
    visits.set_checklist(rev2, v.id, [{"item": "访谈记录", "done": True, "note": f"访谈了{ORG}的运营负责人"}])
    visits.set_report(rev2, v.id, f"{ORG}现场情况与申报基本一致。", done=True)
    seen = visits.get(w["rev1"], v.id)
    as_json = str(submissions.get(w["rev1"], sid))
    assert "××的台账" in as_json and ORG not in as_json, "the verdict's note on the submission, redacted"
    dumped = seen.model_dump_json()
    assert ORG not in dumped and "甲能源" not in dumped, dumped
    assert seen.blind and "××" in seen.report and "××" in seen.place
    assert [e.filename for e in seen.evidence] == ["照片1.jpg", "文件2.pdf"] and all(e.withheld for e in seen.evidence)
    with pytest.raises(Forbidden):
        visits.evidence_file(w["rev1"], photo.id)
    with pytest.raises(Forbidden):
        visits.evidence_file(w["rev1"], photo.id, thumbnail=True)
    # The team and the organizers see it as it is
    assert ORG in visits.get(rev2, v.id).report and ORG in visits.get(org, v.id).evidence[0].caption
    assert visits.get(w["rev1"], v.id).team[0].username.startswith("评审专家")


@settings(max_examples=150, deadline=None)
@given(
    declared=st.floats(1e-2, 1e12, allow_nan=False, allow_infinity=False),
    found=st.floats(1e-2, 1e12, allow_nan=False, allow_infinity=False),
    kind=st.sampled_from(["co2e_reduction", "energy_saving", "renewable_generation", "investment_or_finance", "area"]),
    period=st.sampled_from(["annual", "cumulative", "unspecified"]),
    status=st.sampled_from(["achieved", "target", "projection"]),
    verdict=st.sampled_from(["confirmed", "adjusted", "unverifiable"]),
)
def test_a_printed_verified_figure_reads_back_as_the_value_printed(declared, found, kind, period, status, verdict):
    """The write-then-read-back contract of declared figures (test_publish) holds for a verified
    one: the book's line prints the value found and the verdict in words, and the extractor reads
    back that one value — never the declared one beside it."""
    from caseatlas.extract import extract_case
    from caseatlas.models import Line
    from caseatlas.programme.domain.verdicts import with_verdicts
    from caseatlas.programme.services.selection import _declared_line
    from caseatlas.readers.normalize import normalize
    from caseatlas.text.numbers import displayed_value
    from caseatlas.vocab import KIND_UNITS

    assume(verdict != "adjusted" or displayed_value(found) != displayed_value(declared))
    o = {"kind": kind, "value": declared, "unit": KIND_UNITS[kind], "period": period, "status": status}
    from caseatlas.programme.domain.verdicts import figure_key

    v = {
        "figure": figure_key(o),
        "visit_id": 7,
        "visit_status": "done",
        "verdict": verdict,
        "value": found if verdict == "adjusted" else None,
        "note": "台账核对",
        "by": "rev2",
        "at": "2027-04-02T08:00:00+00:00",
        "starts_at": "2027-04-01T17:30:00+00:00",
    }
    [shown] = with_verdicts([o], [v], "Asia/Shanghai")
    line = _declared_line(shown)
    assert "2027年4月2日" in line, line  # the visit's day in the call's zone
    lines = [Line(no=1, raw="申报的量化成果", text="申报的量化成果"), Line(no=2, raw=line, text=normalize(line))]
    got = [(x.kind, x.value, x.unit, x.period, x.status) for x in extract_case(lines, "标题", None, None).outcomes]
    value = found if verdict == "adjusted" else declared
    assert got == [(kind, displayed_value(value), KIND_UNITS[kind], period, status)], line


def test_the_cli_plans_and_lists_visits(ctx, smtp):
    from typer.testing import CliRunner

    from caseatlas.cli import app

    w = setup(ctx)
    runner = CliRunner()
    got = runner.invoke(
        app,
        ["programme", "visit-plan", str(w["sub"]), "--at", "2027-04-02T09:30", "--place", "产业园", "--team", "rev2"],
    )
    assert got.exit_code == 0 and "2027年4月2日 09:30（北京时间）" in got.stdout, got.output
    listed = runner.invoke(app, ["programme", "visits", str(w["call"]["id"])])
    assert listed.exit_code == 0 and "产业园" in listed.stdout and "rev2*" in listed.stdout, listed.output
    bad = runner.invoke(
        app, ["programme", "visit-plan", str(w["sub"]), "--at", "0001-01-01T00:00", "--place", "x", "--team", "rev2"]
    )
    assert bad.exit_code != 0 and "a year from" in bad.output and "Traceback" not in bad.output
