"""Rounds of review through the services, on both backends: a season of four rounds (形式审查 →
初评 with k=2 → shortlist → 复评 with another pool and criteria → 终评), the formal check's reasons
mailed to a loopback SMTP server and shown to the applicant, earlier rounds' scores per round,
pools and conflicts holding in every round; and the data step of migration 0017 (a call made
before rounds keeps its assignments and reviews in its one review round)."""

from __future__ import annotations

from email.header import decode_header, make_header

import pytest
from sqlalchemy import text

from caseatlas.errors import CaseAtlasError, Conflict, Forbidden, NotFound
from caseatlas.programme.services import calls, reviews, rounds, selection, submissions
from caseatlas.services import Actor, Context, accounts, system_actor
from caseatlas.store import accounts as accounts_store

PASSWORD = "correct horse battery"


def as_user(engine, username: str) -> Context:
    with engine.connect() as conn:
        u = accounts_store.get_user(conn, username)
    return Context(engine, Actor("user", u.username, u.role, u.id))


def _sections(call, text):
    return [{"heading": h, "text": f"{text}，{h}。"} for h in call["template"]]


def _mail(m) -> tuple[str, str]:
    body = m.get_payload(decode=True).decode(m.get_content_charset() or "utf-8")
    return str(make_header(decode_header(m["Subject"]))), body


@pytest.fixture
def season(ctx):
    """A call run as a season (the preset's four rounds), three submitted cases — one declaring no
    figure (a case is never submitted with an empty section) —, four reviewers: rev3 works in the
    group of applicant B."""
    e = ctx.engine
    accounts.add_user(ctx, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = as_user(e, "org1")
    call = calls.create(
        org,
        "cteam",
        "2027 企业气候行动案例征集",
        2027,
        domains=["绿色制造", "能源转型"],
        deadlines={"submission_deadline": "2099-01-01"},
        rounds="season",
    )
    calls.publish(org, call["id"])
    anon = Context(e)
    for name, company in (
        ("appa", "甲能源科技有限公司"),
        ("appb", "国家电力投资集团江苏电力有限公司"),
        ("appc", "丙交通集团有限公司"),
    ):
        accounts.register(anon, name, PASSWORD, company, f"{name}@example.org")
    for name, aff in (("rev1", "某大学"), ("rev2", "某研究院"), ("rev3", "国家电投集团有限公司"), ("rev4", "某协会")):
        calls.add_member(
            org, call["id"], name, "reviewer", affiliation=aff, password=PASSWORD, email=f"{name}@example.org"
        )
    ids = {}
    declared = [{"kind": "co2e_reduction", "value": 960, "unit": "tCO2e", "period": "annual"}]
    for who, title, domain, outcomes in (
        ("appa", "屋顶光伏", "绿色制造", declared),
        ("appb", "园区储能", "能源转型", declared),
        ("appc", "电动公交", "能源转型", []),
    ):
        app = as_user(e, who)
        s = submissions.create(
            app,
            call["id"],
            title,
            domain,
            _sections(call, "每年减少二氧化碳排放 960 吨"),
            outcomes,
        )
        submissions.submit(app, s["id"])
        ids[who] = s["id"]
    calls.advance(org, call["id"])  # submissions close: the review phase
    return call, org, ids


def test_a_season_of_four_rounds(season, ctx, smtp):
    call, org, ids = season
    e = ctx.engine
    sa, sb, sc = ids["appa"], ids["appb"], ids["appc"]
    rev = {n: as_user(e, n) for n in ("rev1", "rev2", "rev3", "rev4")}

    # The preset season, in order; the first round is current; nobody but organizers sees pools.
    listed = rounds.list_rounds(org, call["id"])
    assert [(r.key, r.kind, r.status, r.position) for r in listed] == [
        ("formal", "check", "pending", 0),
        ("first", "review", "pending", 1),
        ("second", "review", "pending", 2),
        ("final", "review", "pending", 3),
    ]
    assert [r.label for r in listed][:2] == ["形式审查", "初评（函评）"]
    formal, first, second, final = listed
    assert rounds.current_round(org, call["id"]).id == formal.id
    assert rounds.current_round(rev["rev1"], call["id"]).pool is None

    # The organizer shapes the rounds before they open: 初评 k=2 over rev1–rev3; 复评 another
    # pool and its own criteria; 终评 hides the earlier scores from its panel.
    rounds.update_round(org, first.id, {"k": 2, "pool": ["rev1", "rev2", "rev3"]})
    defence = [
        {"key": "defence", "label": "答辩表现", "weight": 2, "description": "现场陈述与回答"},
        {"key": "evidence", "label": "数据可信度", "weight": 1},
    ]
    second = rounds.update_round(org, second.id, {"pool": ["rev2", "rev4"], "k": 2, "criteria": defence})
    assert [c["key"] for c in second.criteria] == ["defence", "evidence"] and second.pool == ["rev2", "rev4"]
    rounds.update_round(org, final.id, {"see_earlier": False, "k": 1})
    with pytest.raises(NotFound):
        rounds.update_round(org, first.id, {"pool": ["nobody"]})
    with pytest.raises(Conflict):  # a later round cannot open before the earlier ones close
        rounds.open_round(org, first.id)

    # 形式审查: what the system can tell, the staff's ticks, the verdicts.
    rounds.open_round(org, formal.id)
    with pytest.raises(Conflict):  # an open round's form is fixed
        rounds.update_round(org, formal.id, {"label": "资格审查"})
    checks = {c.submission: c for c in rounds.formal_checks(org, formal.id)}
    assert set(checks) == {sa, sb, sc}
    items = {i.key: i for i in checks[sc].items}
    assert items["outcomes"].auto is False and "未申报量化成果" in items["outcomes"].detail
    assert items["sections"].auto is True and items["attachments"].auto is False
    assert {i.key: i.auto for i in checks[sa].items}["outcomes"] is True
    with pytest.raises(CaseAtlasError):  # returning needs the reasons the applicant reads
        rounds.save_formal_check(org, formal.id, sc, verdict="return")
    done = rounds.save_formal_check(
        org,
        formal.id,
        sc,
        items={"outcomes": {"ok": False, "note": "未申报量化成果"}, "eligibility": {"ok": True}},
        verdict="return",
        reasons="请补充量化成果，并上传项目证明材料。",
    )
    assert done.verdict == "return" and done.state == "in" and done.checked_by == "org1"
    assert {i.key: (i.ok, i.note) for i in done.items}["outcomes"] == (False, "未申报量化成果")
    mails = [_mail(m) for m in smtp.messages if m["To"] == "appc@example.org"]
    assert len(mails) == 1
    subject, body = mails[0]
    assert "形式审查" in subject and "退回修改" in subject and "补充量化成果" in body
    with e.connect() as conn:
        kinds = [r[0] for r in conn.execute(text("SELECT kind FROM notifications WHERE to_addr = 'appc@example.org'"))]
    assert "formal_check" in kinds
    page = submissions.get(as_user(e, "appc"), sc)
    assert page["formal_checks"][0]["verdict"] == "return" and "补充" in page["formal_checks"][0]["reasons"]
    assert submissions.get(as_user(e, "appa"), sa)["formal_checks"] == []
    with pytest.raises(Forbidden):  # staff's work: a reviewer is not shown the checklist
        rounds.formal_checks(rev["rev1"], formal.id)

    # Passing puts a case into the next round at once.
    for s in (sa, sb):
        rounds.save_formal_check(org, formal.id, s, items={"eligibility": {"ok": True}}, verdict="pass")
    entries = {x.submission: x.state for x in rounds.shortlist(org, first.id).entries}
    assert entries == {sa: "in", sb: "in"}
    closed = rounds.close_round(org, formal.id)
    assert closed.round.status == "closed" and rounds.current_round(org, call["id"]).key == "first"

    # 初评: k=2 from its pool of three, never the conflicted rev3 on B's case, never rev4.
    rounds.open_round(org, first.id)
    out = reviews.auto_assign(org, call["id"])
    assert out["assigned"] == 4 and out["conflicts_violated"] == 0 and out["round"] == first.id
    pairs = {(a.submission, a.reviewer) for a in rounds.assignments(org, call["id"], first.id)}
    assert len([p for p in pairs if p[0] == sa]) == 2 and len([p for p in pairs if p[0] == sb]) == 2
    assert (sb, "rev3") not in pairs and not any(r == "rev4" for _, r in pairs)
    assert not any(s == sc for s, _ in pairs)  # returned: not in 初评
    with pytest.raises(Conflict):  # not in the round's pool
        reviews.assign(org, sa, "rev4")
    with pytest.raises(Conflict):  # a conflict holds in this round too
        reviews.assign(org, sb, "rev3")
    with pytest.raises((NotFound, Forbidden)):  # not assigned in the round: cannot review there
        reviews.save_review(rev["rev4"], sa, {"impact": 4})

    scores_first = {"rev1": 4, "rev2": 5, "rev3": 3}
    for s, r in sorted(pairs):
        v = scores_first[r] if s == sa else scores_first[r] - 2
        reviews.save_review(
            rev[r],
            s,
            {"impact": v, "replicability": v, "sustainability": v},
            confidence=3,
            fields={"strengths": "数据完整"},
            submit=True,
        )
    with pytest.raises(CaseAtlasError):  # the round's free fields only
        reviews.save_review(rev["rev1"], sa, {"impact": 4}, fields={"nope": "x"})
    table = selection.ranking(org, call["id"], first.id)
    assert table.round == first.id and table.earlier_rounds == []
    means = {row.submission: row.raw for d in table.domains for row in d.rows}
    assert set(means) == {sa, sb} and means[sa] > means[sb]

    # The shortlist: A goes on, B is out with a reason; closing carries A into 复评.
    closed = rounds.close_round(
        org,
        first.id,
        [
            {"submission": sa, "state": "advanced", "reason": "初评第一"},
            {"submission": sb, "state": "out", "reason": "减排数据不足"},
        ],
    )
    assert closed.carried == [sa] and closed.next_round == "second"
    assert {x.submission: (x.state, x.reason) for x in closed.entries}[sb] == ("out", "减排数据不足")
    with pytest.raises(Conflict):  # closed: no more reviews in it
        reviews.auto_assign(org, call["id"], first.id)

    # 复评: a different pool and criteria; earlier scores per round.
    rounds.open_round(org, second.id)
    assert [x.submission for x in rounds.shortlist(org, second.id).entries] == [sa]
    out = reviews.auto_assign(org, call["id"])
    got = {(a.submission, a.reviewer) for a in rounds.assignments(org, call["id"])}
    assert got == {(sa, "rev2"), (sa, "rev4")} and out["round"] == second.id
    with pytest.raises(NotFound):  # rev1 was in 初评 only: the case is out of their sight now
        submissions.get(rev["rev1"], sa)
    with pytest.raises(CaseAtlasError):  # 初评's criteria are not this round's
        reviews.save_review(rev["rev4"], sa, {"impact": 4})
    page = submissions.get(rev["rev4"], sa)
    assert page["round"]["key"] == "second" and [c["key"] for c in page["round"]["criteria"]] == ["defence", "evidence"]
    assert page["my_review"] is None
    earlier = page["earlier_scores"]
    assert [x["key"] for x in earlier] == ["first"] and earlier[0]["n_reviews"] == 2
    assert earlier[0]["mean"] == pytest.approx(means[sa]) and earlier[0]["totals"] == {}  # names: organizers only
    mine = rounds.earlier_scores(org, sa)
    assert set(mine[0].totals) == {r for s, r in pairs if s == sa}
    reviews.save_review(rev["rev4"], sa, {"defence": 5, "evidence": 4}, confidence=4, submit=True)
    # see_peers in 复评: after submitting, rev4 reads rev2's review in the review phase already
    reviews.save_review(rev["rev2"], sa, {"defence": 3, "evidence": 3}, confidence=4, submit=True)
    assert len(submissions.get(rev["rev4"], sa)["reviews"]) == 2
    rounds.close_round(org, second.id, [{"submission": sa, "state": "advanced"}])

    # 终评: its panel does not see the earlier scores; the organizer's ranking has both columns.
    rounds.open_round(org, final.id)
    reviews.assign(org, sa, "rev1")
    page = submissions.get(rev["rev1"], sa)
    assert page["round"]["key"] == "final" and page["earlier_scores"] is None
    with pytest.raises((NotFound, Forbidden)):
        rounds.earlier_scores(rev["rev1"], sa)
    reviews.save_review(rev["rev1"], sa, {"overall": 5}, confidence=5, submit=True)
    table = selection.ranking(org, call["id"])
    assert table.round == final.id and [c.key for c in table.earlier_rounds] == ["first", "second"]
    row = table.domains[0].rows[0]
    assert row.submission == sa and row.raw == 5
    assert row.earlier["first"] == pytest.approx(means[sa])
    assert row.earlier["second"] == pytest.approx((5 * 2 + 4 + 3 * 2 + 3) / 6)
    with pytest.raises(CaseAtlasError):  # the last round: nothing to advance to
        rounds.shortlist(org, final.id, [{"submission": sa, "state": "advanced"}])
    # The chair's proposal: the 终评 case on its score; those the season left out, rejected.
    proposed = {p.submission: p.decision for p in selection.propose(org, call["id"])}
    assert proposed == {sa: "accept", sb: "reject", sc: "reject"}


def test_defining_and_reordering_rounds(season, ctx):
    call, org, ids = season
    listed = rounds.list_rounds(org, call["id"])
    made = rounds.create_round(
        org,
        call["id"],
        {
            "key": "site",
            "label": "现场核查",
            "kind": "review",
            "k": 1,
            "fields": [{"key": "notes", "label": "核查记录"}],
        },
    )
    assert (
        made.position == 4
        and made.criteria == call["criteria"]
        and made.fields == [{"key": "notes", "label": "核查记录"}]
    )
    with pytest.raises(Conflict):
        rounds.create_round(org, call["id"], {"key": "site", "label": "again", "kind": "review"})
    with pytest.raises(CaseAtlasError):
        rounds.create_round(org, call["id"], {"key": "Bad Key", "label": "x", "kind": "review"})
    keys = ["formal", "first", "site", "second", "final"]
    assert [r.key for r in rounds.reorder_rounds(org, call["id"], keys)] == keys
    with pytest.raises(CaseAtlasError):
        rounds.reorder_rounds(org, call["id"], keys[:-1])
    rounds.open_round(org, listed[0].id)
    with pytest.raises(Conflict):  # an opened round keeps its place
        rounds.reorder_rounds(org, call["id"], ["first", "formal", "site", "second", "final"])
    left = rounds.delete_round(org, made.id)
    assert [r.key for r in left] == ["formal", "first", "second", "final"] and [r.position for r in left] == [
        0,
        1,
        2,
        3,
    ]
    with pytest.raises(Conflict):  # work has begun: the preset cannot replace the rounds now
        rounds.save_formal_check(org, listed[0].id, ids["appa"], verdict="pass")
        rounds.use_season(org, call["id"])
    with pytest.raises(Forbidden):  # a reviewer cannot define rounds
        rounds.create_round(as_user(ctx.engine, "rev1"), call["id"], {"key": "x", "label": "x", "kind": "check"})


def test_a_single_round_call_is_one_open_review_round(ctx):
    """The flow before rounds: a call made without a season has one review round, open, carrying
    the call's criteria and k; `use_season` replaces it while no work has begun."""
    accounts.add_user(ctx, "org1", PASSWORD, "organizer", email="org1@example.org")
    org = as_user(ctx.engine, "org1")
    call = calls.create(org, "isotc268", "单轮征集", 2027, reviewers_per_submission=2)
    (only,) = rounds.list_rounds(org, call["id"])
    assert (only.kind, only.status, only.k, only.criteria) == ("review", "open", 2, call["criteria"])
    calls.update(org, call["id"], reviewers_per_submission=3)
    assert rounds.current_round(org, call["id"]).k == 3
    season = rounds.use_season(org, call["id"])
    assert [r.key for r in season] == ["formal", "first", "second", "final"]
    assert season[3].criteria[0]["key"] == "overall" and season[1].criteria == call["criteria"]


def test_migration_attaches_old_work_to_one_round(tmp_path):
    """A library at 0016 with a call, an assignment and a review: after 0017 the call has one open
    review round carrying its criteria, k and review deadline, and the work is in it."""
    from alembic import command
    from alembic.config import Config

    from caseatlas import store
    from caseatlas.services import system_actor
    from caseatlas.store.db import _MIGRATIONS

    path = tmp_path / "old.db"
    old = store.open_engine(path, migrate=False)
    cfg = Config()
    cfg.set_main_option("script_location", str(_MIGRATIONS))
    with old.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0016")
        conn.execute(
            text(
                "INSERT INTO users (id, username, password_hash, role, active, created_at)"
                " VALUES (1, 'r', 'x', 'reviewer', true, 'now'), (2, 'a', 'x', 'applicant', true, 'now')"
            )
        )
        conn.execute(
            text(
                "INSERT INTO programmes (id, slug, name, organizers, supporters, created_at)"
                " VALUES (1, 'p', 'P', '[]', '[]', 'now')"
            )
        )
        criteria = '[{"key": "impact", "label": "影响力", "weight": 1}]'
        conn.execute(
            text(
                "INSERT INTO calls (id, programme_id, title, domains, quotas, template, outcome_kinds, criteria,"
                " scale_min, scale_max, reviewers_per_submission, blind, aliases, review_deadline, published_at,"
                " created_at) VALUES (1, 1, 'C', '[\"D\"]', '{}', '[]', '[]', :criteria, 1, 5, 2, false, '[]',"
                " '2027-01-01T00:00:00+00:00', 'then', 'then')"
            ),
            {"criteria": criteria},
        )
        conn.execute(
            text(
                "INSERT INTO submissions (id, call_id, applicant_id, organization, domain, title, sections, outcomes,"
                " facts, status, version, created_at, updated_at) VALUES (1, 1, 2, 'O', 'D', 'T', '[]', '[]', '{}',"
                " 'submitted', 1, 'now', 'now')"
            )
        )
        conn.execute(text("INSERT INTO assignments VALUES (1, 1, 'auto', 'now')"))
        conn.execute(
            text(
                "INSERT INTO reviews (submission_id, reviewer_id, scores, status, updated_at)"
                " VALUES (1, 1, '{\"impact\": 4}', 'submitted', 'now')"
            )
        )
    new = store.open_engine(path)
    ctx = Context(new, system_actor())
    (only,) = rounds.list_rounds(ctx, 1)
    assert (only.kind, only.status, only.k, only.deadline) == ("review", "open", 2, "2027-01-01T00:00:00+00:00")
    assert only.criteria[0]["key"] == "impact"
    with new.connect() as conn:
        assert conn.execute(text("SELECT round_id FROM assignments")).scalar() == only.id
        assert conn.execute(text("SELECT round_id, fields FROM reviews")).one() == (only.id, "{}")
    assert selection.ranking(ctx, 1).domains[0].rows[0].raw == 4


def test_the_cli_drives_the_rounds(db_path, engine):
    """`caseatlas programme rounds …`: a season's rounds listed, one changed, the first opened, a
    formal check read; bad input is one line and exit status 1."""
    from typer.testing import CliRunner

    from caseatlas.cli import app

    runner = CliRunner()

    def cli(*args):
        return runner.invoke(app, list(args))  # the library: CASEATLAS_DB (db_path)

    made = cli("programme", "create", "2027 案例征集", "--rounds", "season", "--deadline", "2099-01-01")
    assert made.exit_code == 0, made.output
    call = made.output.split("created call ")[1].split(":")[0]
    listed = cli("programme", "rounds", "list", call)
    assert listed.exit_code == 0 and "形式审查" in listed.output and "初评" in listed.output and "◀" in listed.output
    ids = [r.id for r in rounds.list_rounds(Context(engine, system_actor()), int(call))]
    changed = cli("programme", "rounds", "set", str(ids[1]), "--k", "2", "--field", "strengths:主要亮点")
    assert changed.exit_code == 0 and "k 2" in changed.output, changed.output
    assert cli("programme", "rounds", "open", str(ids[0])).exit_code == 0
    wrong = cli("programme", "rounds", "open", str(ids[2]))
    assert wrong.exit_code == 1 and "close round" in wrong.output
    bad = cli("programme", "rounds", "order", call, "formal")
    assert bad.exit_code == 1 and "every round's key" in bad.output
