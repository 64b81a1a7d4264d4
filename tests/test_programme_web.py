"""Programme permissions through the HTTP API, on both backends: every role × every programme
endpoint × the phases submission, review and discussion. The expected table below is the
spec, written independently of services/rules.py. A request is *allowed* when the answer is
anything but 401/403: probes send bodies that pass the schema but fail inside the service
after its permission check (an unknown domain, an unknown criterion), so most allowed
probes change nothing."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from caseatlas.services import Actor, Context, accounts, calls, reviews, submissions, system_actor
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
    call = calls.create(org, "cteam", "测试征集", 2026, domains=["绿色制造", "能源转型"],
                        deadlines={"submission_deadline": "2099-01-01"}, reviewers_per_submission=2)
    calls.publish(org, call["id"])
    accounts.register(Context(engine), "appa", PASSWORD, "甲科技有限公司", "a@example.org")
    accounts.register(Context(engine), "appb", PASSWORD, "中国宝武钢铁集团有限公司", "b@example.org")
    for name, aff in (("rev1", "某大学"), ("rev2", "某研究院"), ("rev3", "宝武集团上海分公司")):
        calls.add_member(org, call["id"], name, "reviewer", affiliation=aff, password=PASSWORD)
    ids = {}
    for user, title in (("appa", "甲案例"), ("appb", "乙案例")):
        ctx = _as(engine, user)
        s = submissions.create(ctx, call["id"], title, "绿色制造",
                               [{"heading": "案例概述", "text": f"{title}每年减排 100 吨二氧化碳。"}])
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
    if phase == "discussion":
        calls.advance(org, call["id"])
    engine.dispose()
    return {"call": call["id"], "a": ids["appa"], "b": ids["appb"], "att": att["id"]}


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
        "a.get": reads_a, "b.get": reads_b, "attachment.get": reads_a,
        "a.patch": {"appa"} if phase == "submission" else set(),
        "a.submit": {"appa"} if phase == "submission" else set(),
        "a.attach": {"appa"} if phase == "submission" else set(),
        "a.flag_answer": {"appa"} if phase == "submission" else set(),  # 404 (no such flag) when allowed
        "a.review": {"rev1", "rev3"} if after else set(),
        "b.review": {"rev1", "rev2"} if after else set(),
        "a.comment": MANAGERS | ({"rev1", "rev3"} if after else set()),
        "my-conflicts": PANEL,
        "b.conflict": PANEL,
    }
    return role in table.get(endpoint, MANAGERS)  # the rest is the organizers' of this call


def requests(ids: dict) -> list[tuple[str, str, str, dict]]:
    c, a, b = ids["call"], ids["a"], ids["b"]
    bad_review = {"scores": {"no_such_criterion": 3}}
    return [
        ("call.get", "GET", f"/api/v1/calls/{c}", {}),
        ("call.patch", "PATCH", f"/api/v1/calls/{c}", {"json": {"submission_deadline": "not a date"}}),
        ("call.publish", "POST", f"/api/v1/calls/{c}/publish", {}),
        ("call.panel", "GET", f"/api/v1/calls/{c}/panel", {}),
        ("call.panel.add", "POST", f"/api/v1/calls/{c}/panel", {"json": {"username": "nosuchuser", "role": "organizer"}}),
        ("call.assignments", "GET", f"/api/v1/calls/{c}/assignments", {}),
        ("submissions.list", "GET", f"/api/v1/calls/{c}/submissions", {}),
        ("submission.create", "POST", f"/api/v1/calls/{c}/submissions", {"json": {"title": "x", "domain": "不存在"}}),
        ("submission.upload", "POST", f"/api/v1/calls/{c}/submissions/upload",
         {"data": {"domain": "绿色制造"}, "files": {"file": ("empty.txt", b"", "text/plain")}}),
        ("a.get", "GET", f"/api/v1/submissions/{a}", {}),
        ("b.get", "GET", f"/api/v1/submissions/{b}", {}),
        ("attachment.get", "GET", f"/api/v1/attachments/{ids['att']}", {}),
        ("a.patch", "PATCH", f"/api/v1/submissions/{a}", {"json": {"domain": "不存在"}}),
        ("a.submit", "POST", f"/api/v1/submissions/{a}/submit", {}),  # nothing changed: 400 when allowed
        ("a.flag_answer", "PUT", f"/api/v1/submissions/{a}/flags/nosuchuser/answer", {"json": {"answer": "说明"}}),
        ("a.attach", "POST", f"/api/v1/submissions/{a}/attachments",
         {"files": {"file": ("x.html", b"<script></script>", "text/html")}}),
        ("a.reviewer.add", "POST", f"/api/v1/submissions/{a}/reviewers", {"json": {"username": "nosuchuser"}}),
        ("a.reviewer.remove", "DELETE", f"/api/v1/submissions/{a}/reviewers/nosuchuser", {}),
        ("a.review", "PUT", f"/api/v1/submissions/{a}/review", {"json": bad_review}),
        ("b.review", "PUT", f"/api/v1/submissions/{b}/review", {"json": bad_review}),
        ("a.comment", "POST", f"/api/v1/submissions/{a}/comments", {"json": {"body": "意见"}}),
        ("a.final", "PUT", f"/api/v1/submissions/{a}/final-comment", {"json": {"text": ""}}),
        ("call.ranking", "GET", f"/api/v1/calls/{c}/ranking", {}),
        ("call.proposal", "GET", f"/api/v1/calls/{c}/decisions/proposal", {}),
        ("call.decisions", "POST", f"/api/v1/calls/{c}/decisions",
         {"json": {"decisions": [{"submission": 99999, "decision": "accept"}], "preview": True}}),
        ("call.collection", "POST", f"/api/v1/calls/{c}/collection", {}),
        ("call.reopen", "POST", f"/api/v1/calls/{c}/reopen", {"json": {"reason": "测试"}}),  # not published: 400
        ("call.export", "GET", f"/api/v1/calls/{c}/export?format=csv&table=scores", {}),
        ("my-conflicts", "PUT", f"/api/v1/calls/{c}/my-conflicts", {"json": {"organizations": []}}),
        ("b.conflict", "POST", f"/api/v1/submissions/{b}/conflict", {"json": {"reason": "测试"}}),  # last: it changes b
    ]


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
            got = r.status_code not in (401, 403)
            if r.status_code >= 500 or got != allowed(name, role, phase):
                wrong.append(f"{phase} {name} as {role}: {r.status_code} {r.text[:120]}")
    assert not wrong, "\n".join(wrong)


def test_every_programme_route_is_in_the_matrix():
    """A new programme endpoint must be added to the permission matrix."""
    from caseatlas.web import programme_api

    ids = {"call": 1, "a": 2, "b": 3, "att": 4}
    covered = {(m, _shape(url)) for _, m, url, _ in requests(ids)}
    public = {("GET", "/api/v1/presets"), ("POST", "/api/v1/register"), ("GET", "/api/v1/calls"),
              ("POST", "/api/v1/calls"), ("POST", "/api/v1/calls/{}/advance"), ("POST", "/api/v1/calls/{}/assign")}
    missing = []
    for route in programme_api.router.routes:
        for m in route.methods:
            key = (m, _shape(route.path))
            if key not in covered and key not in public:
                missing.append(key)
    assert not missing, missing


def _shape(url: str) -> str:
    import re

    return re.sub(r"\{[^}]+\}|(?<=/)\d+|(?<=/)nosuchuser", "{}", url.split("?")[0])


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
    assert r.headers["content-disposition"].startswith("attachment") and "sandbox" in r.headers["content-security-policy"]


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
