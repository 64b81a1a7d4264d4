"""Programme permissions through the HTTP API, on both backends: every role × every programme
endpoint × the phases submission, review and discussion. The expected table below is the
spec, written independently of services/rules.py. A request is *allowed* when the answer is
anything but 401/403: probes send bodies that pass the schema but fail inside the service
after its permission check (an unknown domain, an unknown criterion), so most allowed
probes change nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caseatlas.programme.services import calls, reviews, rounds, submissions
from caseatlas.services import Actor, Context, accounts, system_actor
from caseatlas.store import accounts as accounts_store
from caseatlas.store import open_engine
from caseatlas.web import create_app

PASSWORD = "correct horse battery"
ROLES = ("anonymous", "appa", "appb", "rev1", "rev2", "rev3", "org1", "org2", "admin1")
MANAGERS = {"org1", "admin1"}
PANEL = {"rev1", "rev2", "rev3"}
AFTER = ("review", "discussion")  # phases after submissions close, of those tested


def _as(engine, name):
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, name)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def build(db_path, phase: str) -> dict:
    """A call with submission a (appa; reviewers rev1, rev3) and b (appb, of the same group as
    rev3's employer; reviewers rev1, rev2), moved on to `phase`."""
    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer")
    accounts.add_user(root, "org2", PASSWORD, "organizer")
    accounts.add_user(root, "admin1", PASSWORD, "admin")
    org = _as(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "测试征集",
        2026,
        domains=["绿色制造", "能源转型"],
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=2,
    )
    calls.publish(org, call["id"])
    accounts.register(Context(engine), "appa", PASSWORD, "甲科技有限公司", "a@example.org")
    accounts.register(Context(engine), "appb", PASSWORD, "中国宝武钢铁集团有限公司", "b@example.org")
    for name, aff in (("rev1", "某大学"), ("rev2", "某研究院"), ("rev3", "宝武集团上海分公司")):
        calls.add_member(org, call["id"], name, "reviewer", affiliation=aff, password=PASSWORD)
    ids = {}
    for user, title in (("appa", "甲案例"), ("appb", "乙案例")):
        ctx = _as(engine, user)
        sections = [{"heading": h, "text": f"{title}每年减排 100 吨二氧化碳（{h}）。"} for h in call["template"]]
        s = submissions.create(ctx, call["id"], title, "绿色制造", sections)  # every section: all are required
        submissions.submit(ctx, s["id"])
        ids[user] = s["id"]
    att = submissions.add_attachment(_as(engine, "appa"), ids["appa"], "a.txt", "附件".encode())
    for sub, names in ((ids["appa"], ("rev1", "rev3")), (ids["appb"], ("rev1", "rev2"))):
        for n in names:  # assigned early (allowed): still invisible to them until submissions close
            reviews.assign(org, sub, n)
    if phase != "submission":
        calls.advance(org, call["id"])
        scores = {"impact": 4, "replicability": 4, "sustainability": 4}
        reviews.save_review(_as(engine, "rev1"), ids["appa"], scores, confidence=3, submit=True)
    if phase in ("discussion", "decision"):
        calls.advance(org, call["id"])
    if phase == "decision":
        calls.advance(org, call["id"])
    # Rounds of review: the call's one review round (current, open) and a check round after it (pending).
    review_round = rounds.current_round(org, call["id"]).id
    check_round = rounds.create_round(org, call["id"], {"key": "formal", "label": "形式审查", "kind": "check"}).id
    visit = build_visit(engine, org, ids["appa"])
    with engine.connect() as conn:  # a message of the call (a receipt, unsent: no SMTP server here)
        from caseatlas.store import mail as mail_store

        mail = mail_store.outbox(conn, call["id"], kind="submission_received")[0]["id"]
    engine.dispose()
    return {
        "call": call["id"],
        "a": ids["appa"],
        "b": ids["appb"],
        "att": att["id"],
        "round": review_round,
        "check": check_round,
        **visit,
        "mail": mail,
    }


def allowed(endpoint: str, role: str, phase: str) -> bool:
    """The spec: who may reach each endpoint's service in each phase."""
    after = phase in AFTER
    reads_a = MANAGERS | {"appa"} | ({"rev1", "rev3"} if after else set())
    reads_b = MANAGERS | {"appb"} | ({"rev1", "rev2"} if after else set())
    table = {
        "call.get": set(ROLES),
        "submissions.list": set(ROLES) - {"anonymous"},
        "submission.create": {"appa", "appb"} if phase == "submission" else set(),
        "submission.upload": {"appa", "appb"} if phase == "submission" else set(),
        "a.get": reads_a,
        "b.get": reads_b,
        "attachment.get": reads_a,
        "a.patch": {"appa"} if phase == "submission" else set(),
        "a.submit": {"appa"} if phase == "submission" else set(),
        "a.attach": {"appa"} if phase == "submission" else set(),
        "a.flag_answer": {"appa"} if phase == "submission" else set(),  # 404 (no such flag) when allowed
        "a.review": {"rev1", "rev3"} if after else set(),
        "b.review": {"rev1", "rev2"} if after else set(),
        # the discussion, as the other reviews: only once the reviewer's own review is in (rev1's)
        "a.comment": MANAGERS | ({"rev1"} if after else set()),
        "my-conflicts": PANEL,
        "b.conflict": PANEL,
        # --- revision requests and withdrawal (issue 25): requesting and listing are the organizers'
        "a.revision.get": reads_a,
        "a.revision.answer": {"appa"} if phase == "submission" else set(),  # 409 (none open) when allowed
        "a.withdraw": {"appa"},  # any phase before the book; 400 (reason too long) when allowed
        # --- rounds of review (issue 25): the rounds are the call's, read as the call is; the rest
        # is the organizers'; a's earlier scores, for the reviewers of a's current round
        "call.rounds": set(ROLES),
        "round.get": set(ROLES),
        "a.earlier": MANAGERS | ({"rev1", "rev3"} if after else set()),
        # --- communications centre (issue 25): the site's outbox is the admins'; anyone holding
        # an invitation's link answers it (a made-up token: 404, not a refusal)
        "outbox.all": {"admin1"},
        "invitation.answer": set(ROLES),
        # final versions (issue 25): the applicant's own, once accepted and the finals are open —
        # in none of these phases; reading and managing them is the call's organizers' (the default)
        "a.final.submit": set(),
        "a.final.photo": set(),
        "a.final.photo.remove": set(),
        "a.final.proof.answer": set(),
    }
    table |= visit_table(phase)
    return role in table.get(endpoint, MANAGERS)  # the rest is the organizers' of this call


def hidden(endpoint: str, role: str, phase: str) -> bool:
    """The spec of what a role may not know exists: a submission it may not read (another
    applicant's, another call's organizer, a reviewer before submissions close or when not
    assigned or conflicted) is answered 404 as an unknown id would be — not 403. Anonymous
    users are sent to log in (401) instead; the call itself is published, so no one is refused it."""
    after = phase in AFTER
    readers = {
        "a": MANAGERS | {"appa"} | ({"rev1", "rev3"} if after else set()),
        "attachment": MANAGERS | {"appa"} | ({"rev1", "rev3"} if after else set()),
        "b": MANAGERS | {"appb"} | ({"rev1", "rev2"} if after else set()),
    } | visit_readers(phase)
    resource = endpoint.split(".")[0]
    return role != "anonymous" and resource in readers and role not in readers[resource]


def _unknown(name: str, ids: dict) -> str:
    """The message an unknown id of the endpoint's resource gets."""
    resource = name.split(".")[0]
    if resource in ("a", "b"):
        return f"no submission {ids[resource]}"
    if resource == "attachment":
        return f"no attachment {ids['att']}"
    if resource in ("visit", "evidence"):
        return f"no {resource} {ids[resource]}"
    return f"no call {ids['call']}"


def requests(ids: dict) -> list[tuple[str, str, str, dict]]:
    c, a, b = ids["call"], ids["a"], ids["b"]
    r, k = ids.get("round", 5), ids.get("check", 6)
    bad_review = {"scores": {"no_such_criterion": 3}}
    return [
        ("call.get", "GET", f"/api/v1/calls/{c}", {}),
        ("call.patch", "PATCH", f"/api/v1/calls/{c}", {"json": {"submission_deadline": "not a date"}}),
        ("call.publish", "POST", f"/api/v1/calls/{c}/publish", {}),
        ("call.panel", "GET", f"/api/v1/calls/{c}/panel", {}),
        (
            "call.panel.add",
            "POST",
            f"/api/v1/calls/{c}/panel",
            {"json": {"username": "nosuchuser", "role": "organizer"}},
        ),
        ("call.assignments", "GET", f"/api/v1/calls/{c}/assignments", {}),
        ("call.conflicts", "GET", f"/api/v1/calls/{c}/conflicts", {}),
        ("submissions.list", "GET", f"/api/v1/calls/{c}/submissions", {}),
        ("submission.create", "POST", f"/api/v1/calls/{c}/submissions", {"json": {"title": "x", "domain": "不存在"}}),
        (
            "submission.upload",
            "POST",
            f"/api/v1/calls/{c}/submissions/upload",
            {"data": {"domain": "绿色制造"}, "files": {"file": ("empty.txt", b"", "text/plain")}},
        ),
        ("a.get", "GET", f"/api/v1/submissions/{a}", {}),
        ("b.get", "GET", f"/api/v1/submissions/{b}", {}),
        ("attachment.get", "GET", f"/api/v1/attachments/{ids['att']}", {}),
        ("a.patch", "PATCH", f"/api/v1/submissions/{a}", {"json": {"domain": "不存在"}}),
        ("a.submit", "POST", f"/api/v1/submissions/{a}/submit", {}),  # nothing changed: 400 when allowed
        ("a.flag_answer", "PUT", f"/api/v1/submissions/{a}/flags/nosuchuser/answer", {"json": {"answer": "说明"}}),
        (
            "a.attach",
            "POST",
            f"/api/v1/submissions/{a}/attachments",
            {"files": {"file": ("x.html", b"<script></script>", "text/html")}},
        ),
        ("a.reviewer.add", "POST", f"/api/v1/submissions/{a}/reviewers", {"json": {"username": "nosuchuser"}}),
        ("a.reviewer.remove", "DELETE", f"/api/v1/submissions/{a}/reviewers/nosuchuser", {}),
        ("a.review", "PUT", f"/api/v1/submissions/{a}/review", {"json": bad_review}),
        ("b.review", "PUT", f"/api/v1/submissions/{b}/review", {"json": bad_review}),
        ("a.comment", "POST", f"/api/v1/submissions/{a}/comments", {"json": {"body": "意见"}}),
        ("a.final", "PUT", f"/api/v1/submissions/{a}/final-comment", {"json": {"text": ""}}),
        ("call.ranking", "GET", f"/api/v1/calls/{c}/ranking", {}),
        ("call.proposal", "GET", f"/api/v1/calls/{c}/decisions/proposal", {}),
        (
            "call.decisions",
            "POST",
            f"/api/v1/calls/{c}/decisions",
            {"json": {"decisions": [{"submission": 99999, "decision": "accept"}], "preview": True}},
        ),
        ("call.collection", "POST", f"/api/v1/calls/{c}/collection", {}),
        ("call.reopen", "POST", f"/api/v1/calls/{c}/reopen", {"json": {"reason": "测试"}}),  # not published: 400
        ("call.export", "GET", f"/api/v1/calls/{c}/export?format=csv&table=scores", {}),
        # --- final versions, proofs and the book (issue 25): bodies fail after the permission check
        ("a.final.get", "GET", f"/api/v1/submissions/{a}/final", {}),
        ("a.final.submit", "PUT", f"/api/v1/submissions/{a}/final", {"json": {"title": ""}}),
        ("a.final.edit", "POST", f"/api/v1/submissions/{a}/final/edit", {"json": {"title": "x"}}),  # none yet: 409
        ("a.final.approve", "POST", f"/api/v1/submissions/{a}/final/approve", {}),  # nothing to approve: 409
        (
            "a.final.photo",
            "POST",
            f"/api/v1/submissions/{a}/final/photos",
            {"files": {"file": ("x.png", b"not an image", "image/png")}},
        ),
        ("a.final.photo.get", "GET", f"/api/v1/submissions/{a}/final/photos/99999", {}),
        ("a.final.photo.remove", "DELETE", f"/api/v1/submissions/{a}/final/photos/99999", {}),
        ("a.final.comment", "PUT", f"/api/v1/submissions/{a}/final/comment", {"json": {"text": "长" * 3001}}),
        (
            "a.final.comment.choose",
            "POST",
            f"/api/v1/submissions/{a}/final/comment/choose",
            {"json": {"reviewer": "nosuchuser"}},
        ),
        ("a.final.comment.approve", "POST", f"/api/v1/submissions/{a}/final/comment/approve", {}),  # none: 409
        ("a.final.proof", "POST", f"/api/v1/submissions/{a}/final/proofs", {}),  # not approved: 409
        ("a.final.proof.get", "GET", f"/api/v1/submissions/{a}/final/proofs/99999", {}),
        (
            "a.final.proof.answer",
            "POST",
            f"/api/v1/submissions/{a}/final/proofs/99999/answer",
            {"json": {"signed": True}},
        ),
        ("call.finals", "GET", f"/api/v1/calls/{c}/finals", {}),
        ("call.finals.approve", "POST", f"/api/v1/calls/{c}/finals/approve-as-submitted", {}),  # none accepted yet
        ("call.book", "GET", f"/api/v1/calls/{c}/book", {}),
        ("call.book.patch", "PATCH", f"/api/v1/calls/{c}/book", {"json": {"year": "not a year"}}),
        (
            "call.book.logo",
            "POST",
            f"/api/v1/calls/{c}/book/logos",
            {"data": {"name": "某中心"}, "files": {"file": ("l.png", b"not an image", "image/png")}},
        ),
        ("call.book.logo.get", "GET", f"/api/v1/calls/{c}/book/logos/99999", {}),
        ("call.book.logo.remove", "DELETE", f"/api/v1/calls/{c}/book/logos/99999", {}),
        # --- end of final versions
        ("my-conflicts", "PUT", f"/api/v1/calls/{c}/my-conflicts", {"json": {"organizations": []}}),
        # --- revision requests and withdrawal (issue 25): probes that fail after the permission check
        (
            "a.revision.request",
            "POST",
            f"/api/v1/submissions/{a}/revision",
            {"json": {"requests": "请补充数据来源", "deadline": "not a date"}},
        ),
        ("a.revision.get", "GET", f"/api/v1/submissions/{a}/revision", {}),
        ("a.revision.answer", "POST", f"/api/v1/submissions/{a}/revision/answer", {"json": {"response": ""}}),
        ("a.withdraw", "POST", f"/api/v1/submissions/{a}/withdraw", {"json": {"reason": "长" * 501}}),
        ("call.revisions", "GET", f"/api/v1/calls/{c}/revisions", {}),
        # --- rounds of review (issue 25). Probes fail inside the service when allowed and change
        # nothing: a key the call has (409), an order without every key (400), the preset over work
        # (409), the open round's form (409), closing or shortlisting the pending check round (409),
        # a check round asked to assign (400) or a's check in a round a is not in (404).
        ("call.rounds", "GET", f"/api/v1/calls/{c}/rounds", {}),
        (
            "call.rounds.create",
            "POST",
            f"/api/v1/calls/{c}/rounds",
            {"json": {"key": "formal", "label": "重复", "kind": "check"}},
        ),
        ("call.rounds.order", "PUT", f"/api/v1/calls/{c}/rounds/order", {"json": {"keys": ["nosuch"]}}),
        ("call.rounds.season", "POST", f"/api/v1/calls/{c}/rounds/season", {}),
        ("round.get", "GET", f"/api/v1/rounds/{r}", {}),
        ("round.patch", "PATCH", f"/api/v1/rounds/{r}", {"json": {"label": "改名"}}),
        ("round.delete", "DELETE", f"/api/v1/rounds/{r}", {}),
        ("round.open", "POST", f"/api/v1/rounds/{r}/open", {}),
        ("round.close", "POST", f"/api/v1/rounds/{k}/close", {"json": {"entries": []}}),
        ("round.shortlist", "GET", f"/api/v1/rounds/{r}/shortlist", {}),
        (
            "round.shortlist.put",
            "PUT",
            f"/api/v1/rounds/{k}/shortlist",
            {"json": {"entries": [{"submission": a, "state": "out", "reason": "测试"}]}},
        ),
        ("round.checks", "GET", f"/api/v1/rounds/{k}/checks", {}),
        ("round.check", "GET", f"/api/v1/rounds/{k}/checks/{a}", {}),
        ("round.check.put", "PUT", f"/api/v1/rounds/{k}/checks/{a}", {"json": {"verdict": "pass"}}),
        ("round.assignments", "GET", f"/api/v1/rounds/{r}/assignments", {}),
        ("round.assign", "POST", f"/api/v1/rounds/{k}/assign", {}),
        ("round.ranking", "GET", f"/api/v1/rounds/{r}/ranking", {}),
        ("a.earlier", "GET", f"/api/v1/submissions/{a}/earlier-scores", {}),
        # --- end of rounds of review
        *visit_requests(ids),
        # --- communications centre (issue 25): templates, the outbox, invitations
        ("call.mail_templates", "GET", f"/api/v1/calls/{c}/mail-templates", {}),
        (
            "call.mail_template.save",  # an unknown placeholder: 400 when allowed
            "PUT",
            f"/api/v1/calls/{c}/mail-templates/decision/zh",
            {"json": {"subject": "x", "body": "{{ nosuch }}"}},
        ),
        (
            "call.mail_template.preview",
            "POST",
            f"/api/v1/calls/{c}/mail-templates/decision/zh/preview",
            {"json": {"subject": "x", "body": "{{ nosuch }}"}},
        ),
        ("call.mail_template.reset", "DELETE", f"/api/v1/calls/{c}/mail-templates/decision/en", {}),  # no change
        ("call.outbox", "GET", f"/api/v1/calls/{c}/outbox?status=unsent", {}),
        ("outbox.all", "GET", "/api/v1/outbox", {}),
        ("mail.get", "GET", f"/api/v1/outbox/{ids['mail']}", {}),
        ("mail.resend", "POST", f"/api/v1/outbox/{ids['mail']}/resend", {}),  # unsent: 409 when allowed
        ("mail.retry", "POST", f"/api/v1/outbox/{ids['mail']}/retry", {}),  # unsent again (no SMTP here)
        ("call.invitations", "GET", f"/api/v1/calls/{c}/invitations", {}),
        ("a.opinion", "PUT", f"/api/v1/submissions/{a}/opinion", {"json": {"text": ""}}),
        (
            "invitation.answer",
            "POST",
            "/api/v1/panel-invitations/answer",
            {"json": {"token": "nosuch", "answer": "accept"}},
        ),
        ("b.conflict", "POST", f"/api/v1/submissions/{b}/conflict", {"json": {"reason": "测试"}}),  # last: it changes b
    ]


# --- site visits (调研核实): a visit to a's site by rev2 (lead; not a's reviewer), with a photo


def build_visit(engine, org, a: int) -> dict:
    import io

    from PIL import Image

    from caseatlas.programme.services import visits

    v = visits.plan(org, a, "2099-03-01T09:00", "现场", ["rev2"], lead="rev2")
    photo = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(photo, "JPEG")
    e = visits.add_evidence(_as(engine, "rev2"), v.id, "p.jpg", photo.getvalue())
    return {"visit": v.id, "evidence": e.id}


def visit_readers(phase: str) -> dict[str, set[str]]:
    """Who knows a visit exists: the organizers, its team, the applicant and the submission's panel
    once submissions close; its evidence likewise (the applicant is refused the files, not told of none)."""
    readers = MANAGERS | {"appa", "rev2"} | ({"rev1", "rev3"} if phase in AFTER else set())
    return {"visit": readers, "evidence": readers}


def visit_table(phase: str) -> dict[str, set[str]]:
    after = phase in AFTER
    team = MANAGERS | {"rev2"}
    return {
        "a.visit.plan": MANAGERS,
        "a.visits": MANAGERS | {"appa"} | ({"rev1", "rev3"} if after else set()),
        "call.visits": set(ROLES) - {"anonymous"},  # each sees the visits they manage or are on the team of
        "visit.get": visit_readers(phase)["visit"],
        "visit.patch": MANAGERS,
        "visit.checklist": team,
        "visit.verdict": team,  # 404 (no such figure) when allowed
        "visit.report": team,
        "visit.evidence": team,
        "evidence.get": team | ({"rev1", "rev3"} if after else set()),
        "evidence.thumbnail": team | ({"rev1", "rev3"} if after else set()),
    }


def visit_requests(ids: dict) -> list[tuple[str, str, str, dict]]:
    a, c, v, e = ids["a"], ids["call"], ids["visit"], ids["evidence"]
    return [
        (
            "a.visit.plan",
            "POST",
            f"/api/v1/submissions/{a}/visits",
            {"json": {"starts_at": "not a date", "place": "现场", "team": ["rev2"]}},
        ),
        ("a.visits", "GET", f"/api/v1/submissions/{a}/visits", {}),
        ("call.visits", "GET", f"/api/v1/calls/{c}/visits", {}),
        ("visit.get", "GET", f"/api/v1/visits/{v}", {}),
        ("visit.patch", "PATCH", f"/api/v1/visits/{v}", {"json": {"starts_at": "not a date"}}),
        ("visit.checklist", "PUT", f"/api/v1/visits/{v}/checklist", {"json": {"items": [{"item": ""}]}}),
        ("visit.verdict", "PUT", f"/api/v1/visits/{v}/verdicts/nosuchuser", {"json": {"verdict": "confirmed"}}),
        ("visit.report", "PUT", f"/api/v1/visits/{v}/report", {"json": {"report": "长" * 20_001}}),
        (
            "visit.evidence",
            "POST",
            f"/api/v1/visits/{v}/evidence",
            {"files": {"file": ("x.jpg", b"<script></script>", "image/jpeg")}},
        ),
        ("evidence.get", "GET", f"/api/v1/visit-evidence/{e}", {}),
        ("evidence.thumbnail", "GET", f"/api/v1/visit-evidence/{e}/thumbnail", {}),
    ]


def blind_visit(engine, org, a: int) -> dict:
    """A visit to a blind call's submission whose team writes the organization's name everywhere."""
    import io

    from PIL import Image

    from caseatlas.programme.services import visits

    v = visits.plan(org, a, "2099-03-01T09:00", f"{ORG_A}宜宾基地", ["org1"])
    photo = io.BytesIO()
    Image.new("RGB", (32, 24), (10, 200, 10)).save(photo, "JPEG")
    e = visits.add_evidence(org, v.id, f"{ORG_A}.jpg", photo.getvalue(), caption=f"{ORG_A}的厂房")
    visits.set_checklist(org, v.id, [{"item": "访谈记录", "done": True, "note": f"访谈了{ORG_A}的负责人"}])
    visits.set_report(org, v.id, f"{ORG_A}现场情况与申报一致。", done=True)
    return {"visit": v.id, "evidence": e.id}


# --- end of site visits


def clients(db_path) -> dict[str, tuple[TestClient, str]]:
    app = create_app(str(db_path))
    out = {}
    for role in ROLES:
        client = TestClient(app)
        if role == "anonymous":
            client.get("/login")
            out[role] = (client, client.cookies.get("caseatlas_csrf"))
            continue
        r = client.post("/api/v1/login", json={"username": role, "password": PASSWORD})
        assert r.status_code == 200, r.text
        out[role] = (client, r.json()["csrf_token"])
    return out


@pytest.mark.parametrize("phase", ["submission", "review", "discussion"])
def test_every_role_every_endpoint(db_path, phase):
    ids = build(db_path, phase)
    cl = clients(db_path)
    wrong = []
    reqs = requests(ids)
    for name, method, url, kw in reqs:
        for role in ROLES:
            client, csrf = cl[role]
            r = client.request(method, url, headers={"X-CSRF-Token": csrf or ""}, **kw)
            message = r.json().get("error", {}).get("message") if r.status_code >= 400 else None
            got = (
                "hidden"
                if r.status_code == 404 and message == _unknown(name, ids)
                else "refused"
                if r.status_code in (401, 403)
                else "allowed"
            )
            expected = "allowed" if allowed(name, role, phase) else "hidden" if hidden(name, role, phase) else "refused"
            if r.status_code >= 500 or got != expected:
                wrong.append(f"{phase} {name} as {role}: {r.status_code} {r.text[:120]} (expected {expected})")
            if r.status_code == 403:  # a refusal names no phase or state
                assert "phase" not in message, (name, role, message)
    assert not wrong, "\n".join(wrong)


def test_what_a_role_may_not_know_exists_is_404(db_path):
    """A draft call is unknown to all but its organizers (404 like an id that never existed, for
    anonymous users too), on the API and the pages; an organizer of another call does not learn
    of it by trying to manage it; the error never names the phase."""
    ids = build(db_path, "submission")
    engine = open_engine(db_path)
    draft = calls.create(
        _as(engine, "org1"),
        "cteam",
        "未发布的征集",
        2026,
        domains=["绿色制造"],
        deadlines={"submission_deadline": "2099-01-01"},
    )["id"]
    engine.dispose()
    cl = clients(db_path)
    never = 2_000_000
    for role in ROLES:
        client, csrf = cl[role]
        h = {"X-CSRF-Token": csrf or ""}
        for method, path, kw in (
            ("GET", "/api/v1/calls/{}", {}),
            ("GET", "/api/v1/calls/{}/submissions", {}),
            ("PATCH", "/api/v1/calls/{}", {"json": {"submission_deadline": "not a date"}}),
            ("GET", "/api/v1/calls/{}/panel", {}),
            ("POST", "/api/v1/calls/{}/submissions", {"json": {"title": "x", "domain": "绿色制造"}}),
            ("GET", "/calls/{}", {}),
            ("GET", "/calls/{}/panel", {}),
            ("GET", "/calls/{}/ranking", {}),
        ):
            r = client.request(method, path.format(draft), headers=h, **kw)
            unknown = client.request(method, path.format(never), headers=h, **kw)
            if role in MANAGERS:
                assert r.status_code != 404 and (r.status_code != 403 or "submission.create" in r.text), (
                    role,
                    method,
                    path,
                    r.status_code,
                    r.text[:200],
                )
                continue
            # the same answer as for an id that never existed: 404 (401 where any id asks to log in first)
            assert r.status_code == unknown.status_code in (401, 404), (role, method, path, r.status_code, r.text[:200])
            assert r.status_code == 404 or (role == "anonymous" and path.endswith("/submissions"))
            assert "draft" not in r.text and "phase" not in r.text and "未发布" not in r.text
            if path.startswith("/api/"):
                assert r.json()["error"]["message"] == unknown.json()["error"]["message"].replace(
                    str(never), str(draft)
                )
        # the published call's submissions: another applicant's is unknown, one's own is refused a review
        if role in ("appb", "org2", "rev1"):
            r = client.get(f"/api/v1/submissions/{ids['a']}")
            assert r.status_code == 404 and r.json()["error"]["message"] == f"no submission {ids['a']}"
            assert client.get(f"/submissions/{ids['a']}").status_code == 404
            r = client.get(f"/api/v1/attachments/{ids['att']}")
            assert r.status_code == 404 and r.json()["error"]["message"] == f"no attachment {ids['att']}"
    appa, csrf = cl["appa"]
    r = appa.put(f"/api/v1/submissions/{ids['a']}/review", json={"scores": {}}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403 and "phase" not in r.text  # a's own applicant knows it exists: 403
    org2, csrf = cl["org2"]
    r = org2.post(f"/api/v1/calls/{ids['call']}/publish", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403  # a published call: anyone may know it; only its organizers manage it


def test_every_programme_route_is_in_the_matrix():
    """A new programme endpoint must be added to the permission matrix."""
    from caseatlas.programme.web import api as programme_api

    ids = {"call": 1, "a": 2, "b": 3, "att": 4, "round": 5, "check": 6, "visit": 7, "evidence": 8, "mail": 9}
    covered = {(m, _shape(url)) for _, m, url, _ in requests(ids)}
    public = {
        ("GET", "/api/v1/presets"),
        ("POST", "/api/v1/register"),
        ("GET", "/api/v1/calls"),
        ("POST", "/api/v1/calls"),
        ("POST", "/api/v1/calls/{}/advance"),
        ("POST", "/api/v1/calls/{}/assign"),
    }

    missing = []
    for path, methods in _api_routes(programme_api.router.routes, programme_api.router.prefix):
        for m in methods:
            key = (m, _shape(path))
            if key not in covered and key not in public:
                missing.append(key)
    assert not missing, missing


def _api_routes(routes, prefix: str = ""):
    """(path, methods) of every route, through the routers included in the programme's (a feature's
    own router module, e.g. api_rounds: FastAPI keeps it as an included router under the prefix)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            yield from _api_routes(inner.routes, prefix + inner.prefix)
        else:
            yield route.path if route.path.startswith(prefix) else prefix + route.path, route.methods


def _shape(url: str) -> str:
    import re

    url = re.sub(r"/mail-templates/[a-z_]+/[a-z]{2}", "/mail-templates/{}/{}", url.split("?")[0])  # issue 25
    return re.sub(r"\{[^}]+\}|(?<=/)\d+|(?<=/)nosuchuser", "{}", url)


def test_applicant_lists_only_own_and_reviewer_never_sees_conflicted(db_path):
    ids = build(db_path, "review")
    cl = clients(db_path)
    listed = lambda role: {s["id"] for s in cl[role][0].get(f"/api/v1/calls/{ids['call']}/submissions").json()}  # noqa: E731
    assert listed("appa") == {ids["a"]} and listed("appb") == {ids["b"]}
    assert listed("rev3") == {ids["a"]}  # b is of rev3's employer's group
    assert listed("rev2") == {ids["b"]} and listed("org1") == {ids["a"], ids["b"]}
    # rev3 is refused b even when the organizer tries to assign it
    org, csrf = cl["org1"]
    r = org.post(f"/api/v1/submissions/{ids['b']}/reviewers", json={"username": "rev3"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 409
    # applicants never see reviews, even of their own submission
    own = cl["appa"][0].get(f"/api/v1/submissions/{ids['a']}").json()
    assert own["reviews"] is None and own["decision"] is None
    # review phase: rev3 sees no other review yet; rev1 (who reviewed) sees no other either until discussion
    assert cl["rev3"][0].get(f"/api/v1/submissions/{ids['a']}").json()["reviews"] is None
    # an attachment is always a download, never a page
    r = cl["appa"][0].get(f"/api/v1/attachments/{ids['att']}")
    assert (
        r.headers["content-disposition"].startswith("attachment") and "sandbox" in r.headers["content-security-policy"]
    )


def test_deadline_locks_submission(db_path):
    ids = build(db_path, "submission")
    engine = open_engine(db_path)
    org = _as(engine, "org1")
    calls.update(org, ids["call"], submission_deadline="2000-01-01T00:00+00:00")  # the deadline has passed
    cl = clients(db_path)
    client, csrf = cl["appa"]
    r = client.patch(f"/api/v1/submissions/{ids['a']}", json={"title": "截止后修改"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 403
    assert client.get(f"/api/v1/submissions/{ids['a']}").json()["title"] == "甲案例"


# --- blind review: one projection of a submission for its reviewers -----------------------------

ORG_A = "宁德时代新能源科技股份有限公司"
FILE_A = "宁德时代-宜宾零碳工厂申报书.docx"
# What a reviewer of the blind call must never read: the organizations' names and the names
# their group goes by (known brand names, the call's alias group, the library's merge, a short
# name the text declares, the word-by-word short form), the applicants' user names, display
# names and e-mails, the original file's name.
SECRETS = (
    ORG_A,
    "宁德时代",
    "宁德时代新能源科技",
    "CATL",
    "时代电池",
    "宁德储能",
    "时代新能",
    "ningde_wxm",
    "王晓明",
    "wang.xm@ningde-example.cn",
    FILE_A,
    "申报书.docx",
    "国网浙江省电力有限公司",
    "国网浙江省电力",
    "国网浙江电力",
    "国家电网",
    "State Grid",
    "zj_grid",
    "李电力",
    "li.dl@zj-grid-example.cn",
)


def _docx(paragraphs: list[tuple[str, str]]) -> bytes:
    import io

    import docx

    d = docx.Document()
    d.core_properties.author = "王晓明"
    d.core_properties.title = "宁德时代宜宾零碳工厂申报书"
    d.add_heading("宁德时代宜宾零碳工厂", 1)
    d.add_paragraph(ORG_A)
    for heading, text in paragraphs:
        d.add_heading(heading, 2)
        d.add_paragraph(text)
    out = io.BytesIO()
    d.save(out)
    return out.getvalue()


def build_blind(db_path, phase: str) -> dict:
    """A blind call: submission a (宁德时代, started from a .docx, with a text attachment) and b
    (国网浙江省电力, typed); rev1 reviews both, rev2 is assigned both and reviews neither; the
    organizer writes the organization's name in the discussion. Moved on to `phase`."""
    from caseatlas.services import organizations

    engine = open_engine(db_path)
    root = Context(engine, system_actor())
    accounts.add_user(root, "org1", PASSWORD, "organizer", email="org1@example.org")
    organizations.decide(root, ORG_A, "宁德储能", "same")  # the library's own merge
    org = _as(engine, "org1")
    call = calls.create(
        org,
        "cteam",
        "盲评征集",
        2026,
        domains=["绿色制造", "能源转型"],
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=2,
        blind=True,
    )
    calls.update(org, call["id"], aliases=[["宁德时代", "时代电池"]])
    calls.publish(org, call["id"])
    accounts.register(Context(engine), "ningde_wxm", PASSWORD, ORG_A, "wang.xm@ningde-example.cn", "王晓明")
    accounts.register(
        Context(engine), "zj_grid", PASSWORD, "国网浙江省电力有限公司", "li.dl@zj-grid-example.cn", "李电力"
    )
    for name in ("rev1", "rev2"):
        calls.add_member(
            org, call["id"], name, "reviewer", affiliation="某大学", password=PASSWORD, email=f"{name}@example.org"
        )
    a_ctx, b_ctx = _as(engine, "ningde_wxm"), _as(engine, "zj_grid")
    sections = [
        (
            "案例概述",
            f"{ORG_A}（以下简称“时代新能”）在宜宾建设电池零碳工厂。宁德时代宜宾工厂每年减少二氧化碳排放 12 万吨。",
        ),
        ("机构简介", "公司成立于 2011 年，2023 年营业收入 4000 亿元，员工 11 万人。"),
        (
            "项目成果",
            "累计发电 3000 万千瓦时，由 CATL 与时代电池、宁德储能共同运营。联系人王晓明（ningde_wxm），"
            "邮箱 wang.xm@ningde-example.cn。",
        ),
    ]
    a = submissions.create_from_upload(a_ctx, call["id"], FILE_A, _docx(sections), "绿色制造")
    submissions.save(
        a_ctx,
        a["id"],
        outcomes=[
            {
                "kind": "co2e_reduction",
                "value": "12万",
                "unit": "tCO2e",
                "period": "annual",
                "quote": "宁德时代宜宾工厂每年减少二氧化碳排放 12 万吨",
            }
        ],
    )
    submissions.add_attachment(
        a_ctx, a["id"], "宁德时代-说明.txt", "宁德时代（CATL）补充说明：时代新能的减排核算。".encode()
    )
    _fill_empty_sections(a_ctx, a["id"])
    submissions.submit(a_ctx, a["id"])
    b = submissions.create(
        b_ctx,
        call["id"],
        "国网浙江电力综合能源服务",
        "能源转型",
        [
            {
                "heading": "案例概述",
                "text": "国网浙江省电力有限公司（国家电网 State Grid 成员）每年节约标准煤 5000 吨。",
            },
            {"heading": "机构简介", "text": "国网浙江电力服务浙江全省。"},
        ],
    )
    _fill_empty_sections(b_ctx, b["id"])
    submissions.submit(b_ctx, b["id"])
    calls.advance(org, call["id"])  # submissions close
    reviews.auto_assign(org, call["id"])  # the mails to the reviewers name the cases
    scores = {"impact": 4, "replicability": 4, "sustainability": 4}
    for sid in (a["id"], b["id"]):
        reviews.save_review(_as(engine, "rev1"), sid, scores, comment="材料完整", confidence=3, submit=True)
        reviews.comment(org, sid, "宁德时代与国网浙江电力的材料都很完整，倾向入选")
        reviews.comment(_as(engine, "rev1"), sid, "倾向不入选")
    if phase == "discussion":
        calls.advance(org, call["id"])
    with engine.connect() as conn:
        from caseatlas.store import programmes as pstore

        atts = [x["id"] for s in (a, b) for x in pstore.list_attachments(conn, s["id"])]
    visit = blind_visit(engine, org, a["id"])
    engine.dispose()
    return {"call": call["id"], "a": a["id"], "b": b["id"], "atts": atts, **visit}


def _fill_empty_sections(ctx, submission_id: int) -> None:
    """Every template section is required to submit (issue 27): the ones a test leaves empty get a
    sentence that names nobody."""
    sub = submissions.get(ctx, submission_id)
    sections = [{"heading": x["heading"], "text": x["text"] or "该部分的补充说明。"} for x in sub["sections"]]
    submissions.save(ctx, submission_id, sections=sections)


def _login(app, username: str) -> TestClient:
    client = TestClient(app)
    r = client.post("/api/v1/login", json={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    client.headers["X-CSRF-Token"] = r.json()["csrf_token"]
    return client


def _routes(routes, prefix: str = "") -> list[tuple[str, set[str]]]:
    """(path, methods) of every route, included routers walked (FastAPI keeps an included router as
    one entry: its routes carry their own router's prefix, the including router's comes with it)."""
    out = []
    for r in routes:
        inner = getattr(r, "original_router", None)
        if inner is not None:
            out += _routes(inner.routes, prefix + r.include_context.prefix)
        elif getattr(r, "methods", None):
            out.append((prefix + r.path, set(r.methods)))
    return out


def _fill(path: str, ids: dict) -> list[str]:
    """The URLs of a route whose path parameters the call's ids can fill (none when one cannot)."""
    import re

    values = {
        "call_id": [ids["call"]],
        "submission_id": [ids["a"], ids["b"]],
        "attachment_id": ids["atts"],
        "key": [f"call:{ids['call']}"],
        **({"visit_id": [ids["visit"]], "evidence_id": [ids["evidence"]]} if "visit" in ids else {}),
    }
    urls = [path]
    for param in re.findall(r"\{(\w+)(?::\w+)?\}", path):
        if param not in values:
            return []
        urls = [re.sub(r"\{" + param + r"(?::\w+)?\}", str(v), u) for u in urls for v in values[param]]
    return urls


def _leaks(text: str) -> list[str]:
    from urllib.parse import unquote

    text = unquote(text).lower()
    return [s for s in SECRETS if s.lower() in text]


@pytest.mark.parametrize("phase", ["review", "discussion"])
def test_blind_call_crawler_finds_no_identity(db_path, phase):
    """Every GET route of the programme and the library a reviewer can reach (path parameters
    filled from the call's ids: the API and the pages, attachment downloads), and the mails in
    the outbox addressed to the reviewer: none names the applicant's organization, its group or
    aliases, the applicant, or the original file."""
    ids = build_blind(db_path, phase)
    app = create_app(str(db_path))
    routes = sorted(
        {
            path
            for path, methods in _routes(app.routes)
            if "GET" in methods and not path.startswith(("/vendor", "/static", "/favicon"))
        }
    )
    for reviewer in ("rev1", "rev2"):
        client = _login(app, reviewer)
        crawled, leaks = 0, []
        for path in routes:
            for url in _fill(path, ids):
                r = client.get(url)
                crawled += 1
                assert r.status_code < 500, f"{url}: {r.status_code}"
                found = _leaks(r.content.decode("utf-8", "replace") + " " + " ".join(r.headers.values()))
                if found:
                    leaks.append(f"{reviewer} {url} ({r.status_code}): {found}")
        assert crawled >= 40, crawled
        assert not leaks, "\n".join(leaks)
        # the reviewer did reach both submissions, as JSON and as pages
        for sid in (ids["a"], ids["b"]):
            assert client.get(f"/api/v1/submissions/{sid}").status_code == 200
            assert client.get(f"/submissions/{sid}").status_code == 200
    engine = open_engine(db_path)
    with engine.connect() as conn:
        from caseatlas.store import programmes as pstore

        mails = [
            m
            for m in pstore.notifications_of(conn, ids["call"])
            if m["to_addr"] in ("rev1@example.org", "rev2@example.org")
        ]
    engine.dispose()
    assert mails and any("宜宾零碳工厂" in m["body"] for m in mails)  # the mail names the cases, redacted
    assert not [(m["to_addr"], _leaks(m["subject"] + m["body"])) for m in mails if _leaks(m["subject"] + m["body"])]


def test_blind_projection_facts_files_and_profile(db_path):
    """The organizer reads the submission as it is; a reviewer reads the facts' quotes redacted,
    no figure from the organization profile, no original file name, and the attachments withheld
    (the .docx) or as a redacted copy (the .txt)."""
    ids = build_blind(db_path, "review")
    app = create_app(str(db_path))
    org, rev = _login(app, "org1"), _login(app, "rev1")
    full = org.get(f"/api/v1/submissions/{ids['a']}").json()
    seen = rev.get(f"/api/v1/submissions/{ids['a']}").json()
    # the organizer: intact
    assert full["organization"] == ORG_A and full["source_file"] == FILE_A and not full["blind"]
    assert any("宁德时代" in (o["quote"] or "") for o in full["facts"]["outcomes"])
    assert any(o["value"] == 4e11 for o in full["facts"]["outcomes"])  # 营业收入, in the profile
    assert FILE_A in {x["filename"] for x in full["attachments"]}
    # the reviewer: redacted and withheld
    assert seen["blind"] and seen["organization"] is None and seen["applicant"] is None and seen["source_file"] is None
    assert seen["title"] == "××宜宾零碳工厂"
    quotes = [o["quote"] for o in seen["facts"]["outcomes"]]
    assert any("××" in q for q in quotes) and not _leaks(" ".join(quotes))
    assert not any(o["value"] == 4e11 for o in seen["facts"]["outcomes"]), "a figure of the organization profile"
    assert "××" in seen["outcomes"][0]["quote"]
    profile = next(s for s in seen["sections"] if s["heading"] == "机构简介")
    assert profile["withheld"] and profile["text"] == ""
    assert "4000" not in rev.get(f"/submissions/{ids['a']}").text
    names = [x["filename"] for x in seen["attachments"]]
    assert names == ["附件1.docx", "附件2.txt"]
    docx_att, txt_att = seen["attachments"]
    assert docx_att["withheld"] and docx_att["size"] is None and "sha256" not in docx_att
    r = rev.get(f"/api/v1/attachments/{docx_att['id']}")
    assert r.status_code == 403 and r.json()["error"]["message"].count("\n") == 0 and "withheld" in r.text
    r = rev.get(f"/api/v1/attachments/{txt_att['id']}")
    assert r.status_code == 200 and "××" in r.text and not _leaks(r.text + r.headers["content-disposition"])
    assert r.headers["content-disposition"].startswith("attachment")
    # the organizer downloads the original, as sent
    r = org.get(f"/api/v1/attachments/{docx_att['id']}")
    assert r.status_code == 200 and r.content.startswith(b"PK") and "docx" in r.headers["content-disposition"]
    # in a call that is not blind, a reviewer reads the organization
    engine = open_engine(db_path)
    calls.update(_as(engine, "org1"), ids["call"], blind=False)
    engine.dispose()
    assert rev.get(f"/api/v1/submissions/{ids['a']}").json()["organization"] == ORG_A


def test_discussion_only_after_own_review(db_path):
    """rev2 (assigned, no review submitted) receives no discussion entry, in the API or the page,
    and may not post; rev1 (reviewed) reads it, the organizer under 组织方 and itself by name."""
    ids = build_blind(db_path, "review")
    app = create_app(str(db_path))
    rev1, rev2 = _login(app, "rev1"), _login(app, "rev2")
    for sid in (ids["a"], ids["b"]):
        got = rev2.get(f"/api/v1/submissions/{sid}").json()
        assert got["discussion"] is None and got["can"]["discussion.write"] is False
        page = rev2.get(f"/submissions/{sid}").text
        assert 'id="discussion"' not in page and "倾向不入选" not in page and "倾向入选" not in page
        r = rev2.post(f"/api/v1/submissions/{sid}/comments", json={"body": "我也说一句"})
        assert r.status_code == 403
        mine = rev1.get(f"/api/v1/submissions/{sid}").json()["discussion"]
        assert [c["body"] for c in mine][-1] == "倾向不入选"
        assert [c["username"] for c in mine] == ["组织方", "rev1"]
        assert "××" in mine[0]["body"] and not _leaks(mine[0]["body"])
        page = rev1.get(f"/submissions/{sid}").text
        assert 'id="discussion"' in page and "倾向不入选" in page
    # once rev2 submits a review, the discussion is theirs to read, the others named 评审专家 A, 组织方
    engine = open_engine(db_path)
    reviews.save_review(
        _as(engine, "rev2"), ids["a"], {"impact": 3, "replicability": 3, "sustainability": 3}, confidence=2, submit=True
    )
    engine.dispose()
    got = rev2.get(f"/api/v1/submissions/{ids['a']}").json()["discussion"]
    assert [c["username"] for c in got] == ["组织方", "评审专家 A"]


def _ids(html: str) -> set[str]:
    import re

    return set(re.findall(r'\bid="([^"]+)"', html))


# The actions each page offers, per phase: the spec (an element id per form or button).
PAGE_ACTIONS = {
    # (page, role): {phase: the action ids it shows}
    ("call", "org1"): {"submission": {"advance"}, "review": {"advance"}, "discussion": {"advance"}, "decision": set()},
    ("ranking", "org1"): {
        "submission": set(),
        "review": set(),
        "discussion": {"decisions", "preview-decisions", "propose"},
        "decision": {"decisions", "preview-decisions", "propose", "publish-collection"},
    },
    ("a", "appa"): {"submission": {"submission-form"}, "review": set(), "discussion": set(), "decision": set()},
    # rev1 reviewed a (in review): it may discuss; rev3 has not reviewed: no discussion
    ("a", "rev1"): {
        "review": {"review-form", "discussion"},
        "discussion": {"review-form", "discussion"},
        "decision": {"discussion"},
    },
    ("a", "rev3"): {"review": {"review-form"}, "discussion": {"review-form"}, "decision": set()},
}
ACTION_IDS = {
    "publish-call",
    "advance",
    "decisions",
    "preview-decisions",
    "apply-decisions",
    "propose",
    "publish-collection",
    "submission-form",
    "review-form",
    "discussion",
}


@pytest.mark.parametrize("phase", ["submission", "review", "discussion", "decision"])
def test_pages_show_only_the_actions_the_phase_allows(db_path, phase):
    ids = build(db_path, phase)
    cl = clients(db_path)
    urls = {
        "call": f"/calls/{ids['call']}",
        "ranking": f"/calls/{ids['call']}/ranking",
        "a": f"/submissions/{ids['a']}",
    }
    wrong = []
    for (page, role), by_phase in PAGE_ACTIONS.items():
        if phase not in by_phase:
            continue
        r = cl[role][0].get(urls[page])
        assert r.status_code == 200, (page, role, r.status_code)
        shown = _ids(r.text) & ACTION_IDS
        if shown != by_phase[phase]:
            wrong.append(f"{phase} {page} as {role}: shows {sorted(shown)}, expected {sorted(by_phase[phase])}")
    assert not wrong, "\n".join(wrong)
    org, csrf = cl["org1"]
    form = {"csrf_token": csrf, f"decision_{ids['a']}": "accept", "action": "preview"}
    r = org.post(f"/calls/{ids['call']}/decisions", data=form)
    if phase in ("discussion", "decision"):  # the preview answers in Chinese
        assert r.status_code == 200 and 'id="preview"' in r.text
        preview = r.text[r.text.index('id="preview"') : r.text.index("</section>", r.text.index('id="preview"'))]
        assert "入选" in preview and "accept" not in preview
    else:  # refused, in Chinese, and nothing to apply
        assert r.status_code == 409 and "不能预览或应用决定" in r.text and "decisions are made" not in r.text
        assert 'id="apply-decisions"' not in r.text
