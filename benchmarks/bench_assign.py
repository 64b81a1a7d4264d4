"""Reviewer assignment: 500 submissions × 60 reviewers × k=3, with topics and 5 % conflicts.

    python benchmarks/bench_assign.py [--submissions 500] [--reviewers 60] [--k 3] [--repeat 5] [--service]

Solver: `programme.assign.solve` (OR-Tools min-cost flow) on random topics (8 domains; each
reviewer has 2, each submission 1) and random conflicts (5 % of all pairs), median of
--repeat runs; reported with the load spread, conflicts violated, reviewers short, and the
share of assignments whose domain is one of the reviewer's topics (against a random
balanced assignment, for scale).

--service also runs the whole use case on a fresh SQLite library: a call, submissions from
50 applicant organizations, the panel with affiliations (some of the applicants' groups
under other names, so conflicts are also *detected*), declared conflicts for the rest of
the 5 %, then `reviews.auto_assign` (conflict detection + solver + writes + audit).
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from caseatlas.programme.domain.assign import Problem, solve

DOMAINS = ["绿色制造", "能源转型", "绿色建筑", "碳普惠", "绿色金融", "可持续消费", "绿色交通", "污废处理"]


def problem(n_s: int, n_r: int, k: int, seed: int) -> tuple[Problem, dict, dict]:
    rng = random.Random(seed)
    subs, revs = list(range(n_s)), list(range(10_000, 10_000 + n_r))
    s_dom = {s: rng.choice(DOMAINS) for s in subs}
    r_top = {r: set(rng.sample(DOMAINS, 2)) for r in revs}
    conflicts = {(s, r) for s in subs for r in revs if rng.random() < 0.05}
    match = {(s, r): 2 for s in subs for r in revs if s_dom[s] in r_top[r]}
    return Problem(subs, revs, k, conflicts, match), s_dom, r_top


def random_balanced(p: Problem, seed: int) -> list[tuple[int, int]]:
    rng = random.Random(seed)
    load = {r: 0 for r in p.reviewers}
    pairs = []
    for s in p.submissions:
        ok = [r for r in p.reviewers if (s, r) not in p.conflicts]
        ok.sort(key=lambda r: (load[r], rng.random()))
        for r in ok[: p.k]:
            load[r] += 1
            pairs.append((s, r))
    return pairs


def solver(args) -> None:
    times, last = [], None
    for i in range(args.repeat):
        p, s_dom, r_top = problem(args.submissions, args.reviewers, args.k, seed=i)
        t = time.perf_counter()
        res = solve(p)
        times.append(time.perf_counter() - t)
        last = (p, res, s_dom, r_top)
    p, res, s_dom, r_top = last
    loads = list(res.loads.values())
    topical = sum(1 for s, r in res.pairs if s_dom[s] in r_top[r]) / len(res.pairs)
    base = random_balanced(p, 0)
    base_topical = sum(1 for s, r in base if s_dom[s] in r_top[r]) / len(base)
    print(
        f"solver: {args.submissions} submissions × {args.reviewers} reviewers × k={args.k}, "
        f"{len(p.conflicts)} conflicting pairs ({len(p.conflicts) / (args.submissions * args.reviewers):.1%})"
    )
    print(
        f"  time median {statistics.median(times) * 1000:.0f} ms (min {min(times) * 1000:.0f}, "
        f"max {max(times) * 1000:.0f}) over {args.repeat} runs"
    )
    print(
        f"  assignments {len(res.pairs)}; load max {max(loads)} / min {min(loads)}; conflicts violated "
        f"{res.conflicts_violated}; reviewers short {sum(res.short.values())}"
    )
    print(f"  on-topic assignments {topical:.1%} (random balanced assignment: {base_topical:.1%})")


def service(args) -> None:
    from caseatlas.programme.services import calls, reviews, submissions
    from caseatlas.services import Actor, Context, accounts, system_actor
    from caseatlas.store import accounts as accounts_store
    from caseatlas.store import open_engine

    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        engine = open_engine(Path(tmp) / "library.db")
        root = Context(engine, system_actor())
        call = calls.create(
            root,
            "cteam",
            "基准征集",
            2026,
            domains=DOMAINS,
            deadlines={"submission_deadline": "2099-01-01"},
            reviewers_per_submission=args.k,
        )
        calls.publish(root, call["id"])

        def as_user(name):
            with engine.connect() as conn:
                u = accounts_store.get_user(conn, name)
            return Context(engine, Actor("user", u.username, u.role, u.id))

        orgs = [f"第{i}号新能源科技集团有限公司" for i in range(50)]
        t0 = time.perf_counter()
        for i, org in enumerate(orgs):
            accounts.register(Context(engine), f"app{i}", "benchmark-password", org, f"app{i}@example.org")
        sids = []
        for j in range(args.submissions):
            a = as_user(f"app{j % 50}")
            s = submissions.create(
                a,
                call["id"],
                f"案例 {j}",
                rng.choice(DOMAINS),
                [{"heading": "案例概述", "text": "建设分布式光伏，年减排 100 吨二氧化碳。"}],
            )
            submissions.submit(a, s["id"])
            sids.append(s["id"])
        # 6 reviewers work for an applicant's group under another name: detected conflicts
        for r in range(args.reviewers):
            aff = f"第{r}号新能源科技集团" if r < 6 else f"第{r}研究院"
            calls.add_member(
                root,
                call["id"],
                f"rev{r}",
                "reviewer",
                affiliation=aff,
                topics=rng.sample(DOMAINS, 2),
                password="benchmark-password",
            )
        detected = sum(1 for j in range(args.submissions) if j % 50 < 6)
        target = int(0.05 * args.submissions * args.reviewers)
        declared = 0
        while declared < target - detected:
            sid, r = rng.choice(sids), rng.randrange(6, args.reviewers)
            reviews.declare_conflict(as_user(f"rev{r}"), sid, "基准")
            declared += 1
        setup = time.perf_counter() - t0
        t = time.perf_counter()
        out = reviews.auto_assign(root, call["id"])
        took = time.perf_counter() - t
        # Checked independently of the solver: every stored assignment against the declared
        # conflicts and the organizations.
        from caseatlas.programme.domain.conflicts import same_group
        from caseatlas.store import programmes as pstore

        with engine.connect() as conn:
            declared_pairs = set(pstore.declared_conflicts(conn, call["id"]))
            members = {m["user_id"]: m["affiliation"] for m in pstore.members(conn, call["id"], "reviewer")}
            org_of = {x["id"]: x["organization"] for x in pstore.list_submissions(conn, call["id"])}
            stored = pstore.assignments_of(conn, call["id"])
        bad = [
            a
            for a in stored
            if (a["submission_id"], a["reviewer_id"]) in declared_pairs
            or same_group(members[a["reviewer_id"]], org_of[a["submission_id"]])
        ]
        print(
            f"service: setup {setup:.0f} s; auto_assign {took:.2f} s for {args.submissions} submissions, "
            f"{args.reviewers} reviewers, {detected} detected + ≤{declared} declared conflicts"
        )
        print(
            f"  assigned {out['assigned']}; load max {out['max_load']} / min {out['min_load']}; conflicts violated "
            f"{out['conflicts_violated']}; short {sum(out['short'].values())}; stored assignments that conflict "
            f"(checked from the tables): {len(bad)} of {len(stored)}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--submissions", type=int, default=500)
    ap.add_argument("--reviewers", type=int, default=60)
    ap.add_argument("--k", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--service", action="store_true")
    args = ap.parse_args()
    solver(args)
    if args.service:
        service(args)


if __name__ == "__main__":
    main()
