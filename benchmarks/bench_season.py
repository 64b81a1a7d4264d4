"""A real season's size: 300 submissions × 20 reviewers × k = 3, the organizer's pages.

    python benchmarks/bench_season.py [--submissions 300] [--reviewers 20] [--k 3] [--requests 20] [--pg]

Builds a call on a fresh library (a SQLite file, or with --pg a database on a throwaway
PostgreSQL server started as the tests do): applicants of 270 organizations (a season's cases
come mostly from different organizations; 30 submit twice) — a third of them units of
well-known groups under their own names (国网某省电力, 华能某电厂, 中石化某研究院, 宝钢某公司 …), the
rest synthetic companies; a panel of 20 reviewers,
6 of them working for one of those groups under another name (国家电网有限公司, 中国华能集团有限公司 …),
so conflicts are *detected*, plus a few declared ones. Closes submissions, then times:

- `reviews.auto_assign` (k reviewers per case; the conflict check included),
- with every assignment reviewed (scores written straight to the store), `--requests` GETs
  each, through the web app in-process (FastAPI TestClient, logged in as the organizer), of
  the call page `/calls/{id}`, the panel `/calls/{id}/panel`, the ranking
  `/calls/{id}/ranking` and the API submission list `/api/v1/calls/{id}/submissions`:
  p50 / p95 / max.

Checked from the tables afterwards: how many stored assignments pair a reviewer with a case of
their own group (`organizations.same_group` on each stored pair) — should be 0.
Uses only services and routes that exist before and after issue 23's conflict cache, so the
same script measures both.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOMAINS = ["绿色制造", "能源转型", "绿色建筑", "碳普惠", "绿色金融", "可持续消费", "绿色交通", "污废处理"]
PASSWORD = "benchmark-password"
PROVINCES = ["江苏", "浙江", "山东", "河南", "四川", "湖北", "福建", "安徽", "河北", "辽宁"]
# (how a group's unit signs its case, how a reviewer of the group names the employer)
GROUP_UNITS = [
    (lambda i, p: f"国网{p}省电力有限公司第{i}供电服务中心", "国家电网有限公司"),
    (lambda i, p: f"华能{p}发电有限公司第{i}电厂", "中国华能集团有限公司"),
    (lambda i, p: f"中石化{p}第{i}石油化工研究院", "中国石油化工集团有限公司"),
    (lambda i, p: f"宝钢{p}第{i}钢材加工配送有限公司", "中国宝武钢铁集团有限公司中央研究院"),
    (lambda i, p: f"中国石油{p}第{i}油田分公司", "中国石油天然气集团有限公司"),
    (lambda i, p: f"中国建设银行{p}省第{i}支行", "建设银行"),
]


def pct(values: list[float], p: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, max(0, int(round(p * len(s) + 0.5)) - 1))]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submissions", type=int, default=300)
    ap.add_argument("--reviewers", type=int, default=20)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--requests", type=int, default=20)
    ap.add_argument("--orgs", type=int, default=270, help="applicant organizations (the rest submit twice)")
    ap.add_argument("--pg", action="store_true", help="PostgreSQL instead of SQLite")
    ap.add_argument("--keep", help="build the SQLite library at this path and keep it (to profile a page)")
    args = ap.parse_args()
    pg = None
    if args.pg:
        sys.path.insert(0, str(ROOT / "tests"))
        from pg import Server, create_database

        pg = Server()
        db_url = create_database(pg.start())
    try:
        if args.keep and not pg:
            run(args, args.keep)
            return
        with tempfile.TemporaryDirectory() as tmp:
            run(args, db_url if pg else str(Path(tmp) / "library.db"))
    finally:
        if pg:
            pg.stop()


def run(args, db: str) -> None:
    from fastapi.testclient import TestClient

    from caseatlas.organizations import same_group
    from caseatlas.programme.services import calls, reviews, submissions
    from caseatlas.services import Actor, Context, accounts, system_actor
    from caseatlas.store import accounts as accounts_store
    from caseatlas.store import open_engine
    from caseatlas.store import programmes as pstore
    from caseatlas.web import create_app

    rng = random.Random(23)
    engine = open_engine(db)
    root = Context(engine, system_actor())
    accounts.add_user(root, "chair", PASSWORD, "organizer", email="chair@example.org")

    def as_user(name):
        with engine.connect() as conn:
            u = accounts_store.get_user(conn, name)
        return Context(engine, Actor("user", u.username, u.role, u.id))

    chair = as_user("chair")
    call = calls.create(
        chair,
        "cteam",
        "基准征集 2027",
        2027,
        domains=DOMAINS,
        deadlines={"submission_deadline": "2099-01-01"},
        reviewers_per_submission=args.k,
    )
    calls.publish(chair, call["id"])
    t0 = time.perf_counter()
    n_orgs = max(1, min(args.orgs, args.submissions))
    orgs = []
    for i in range(n_orgs):
        orgs.append(
            GROUP_UNITS[(i // 3) % len(GROUP_UNITS)][0](i, PROVINCES[(i // 18) % len(PROVINCES)])
            if i % 3 == 0
            else f"第{i}号新能源科技有限公司"
        )
        accounts.register(Context(engine), f"app{i}", PASSWORD, orgs[-1], f"app{i}@example.org")
    sids = []
    for j in range(args.submissions):
        a = as_user(f"app{j % n_orgs}")
        s = submissions.create(
            a,
            call["id"],
            f"案例 {j}",
            rng.choice(DOMAINS),
            [{"heading": "案例概述", "text": f"建设分布式光伏，年减排 {100 + j} 吨二氧化碳。"}],
        )
        submissions.submit(a, s["id"])
        sids.append(s["id"])
    for r in range(args.reviewers):
        aff = GROUP_UNITS[r][1] if r < len(GROUP_UNITS) else f"第{r}大学环境学院"
        calls.add_member(
            chair,
            call["id"],
            f"rev{r}",
            "reviewer",
            affiliation=aff,
            topics=rng.sample(DOMAINS, 2),
            password=PASSWORD,
            email=f"rev{r}@example.org",
        )
    for _ in range(10):  # a few declared conflicts
        reviews.declare_conflict(
            as_user(f"rev{rng.randrange(len(GROUP_UNITS), args.reviewers)}"), rng.choice(sids), "曾为其提供咨询"
        )
    calls.advance(chair, call["id"])  # close submissions
    setup = time.perf_counter() - t0

    t = time.perf_counter()
    out = reviews.auto_assign(chair, call["id"])
    assign_s = time.perf_counter() - t

    # every assignment reviewed, written straight to the store (setup, not measured)
    with engine.begin() as conn:
        stored = pstore.assignments_of(conn, call["id"])
        for a in stored:
            v = float(rng.randint(2, 5))
            pstore.upsert_review(
                conn,
                a["submission_id"],
                a["reviewer_id"],
                scores={"impact": v, "replicability": v, "sustainability": v},
                comment="基准",
                confidence=3,
                expert_comment=None,
                status="submitted",
                updated_at="2027-01-01",
            )
        members = {m["user_id"]: m["affiliation"] for m in pstore.members(conn, call["id"], "reviewer")}
        org_of = {x["id"]: x["organization"] for x in pstore.list_submissions(conn, call["id"])}
        declared = set(pstore.declared_conflicts(conn, call["id"]))
    bad = [
        a
        for a in stored
        if (a["submission_id"], a["reviewer_id"]) in declared
        or same_group(members[a["reviewer_id"]], org_of[a["submission_id"]])
    ]
    per_sub: dict[int, int] = {}
    for a in stored:
        per_sub[a["submission_id"]] = per_sub.get(a["submission_id"], 0) + 1

    client = TestClient(create_app(db))
    r = client.post("/api/v1/login", json={"username": "chair", "password": PASSWORD})
    assert r.status_code == 200, r.text
    c = call["id"]
    pages = {
        "call page": f"/calls/{c}",
        "panel": f"/calls/{c}/panel",
        "ranking": f"/calls/{c}/ranking",
        "API submission list": f"/api/v1/calls/{c}/submissions",
    }
    timings = {}
    for name, url in pages.items():
        t = time.perf_counter()
        r = client.get(url)  # the first request (where there is a cache, it may fill it)
        first = (time.perf_counter() - t) * 1000
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        ts = []
        for _ in range(args.requests):
            t = time.perf_counter()
            r = client.get(url)
            ts.append((time.perf_counter() - t) * 1000)
            assert r.status_code == 200
        timings[name] = {
            "p50_ms": round(statistics.median(ts), 1),
            "p95_ms": round(pct(ts, 0.95), 1),
            "max_ms": round(max(ts), 1),
            "first_ms": round(first, 1),
        }
    result = {
        "backend": "postgresql" if db.startswith("postgresql") else "sqlite",
        "submissions": args.submissions,
        "reviewers": args.reviewers,
        "k": args.k,
        "organizations": n_orgs,
        "requests": args.requests,
        "setup_s": round(setup, 1),
        "auto_assign_s": round(assign_s, 2),
        "assigned": out["assigned"],
        "load": [out["min_load"], out["max_load"]],
        "conflicts_violated": out["conflicts_violated"],
        "max_reviewers_per_submission": max(per_sub.values()) if per_sub else 0,
        "stored_assignments_in_conflict": len(bad),
        "pages": timings,
    }
    print(json.dumps(result, ensure_ascii=False, indent=1))
    engine.dispose()


if __name__ == "__main__":
    main()
