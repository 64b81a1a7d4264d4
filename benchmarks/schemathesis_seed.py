"""Seed a library for benchmarks/schemathesis_roles.sh, so that the programme routes' ids resolve:
the permission matrix's call (id 1, in review: submissions 1 and 2, rounds 1 and 2, visit 1 with
evidence 1, an outbox message), then call 2 with the four-round season (形式审查 → 初评 → 复评 →
终评, rounds 3–6) and one submitted case (3). Users as in tests/test_programme_web.py."""

import sys

from test_programme_web import _as, build

from caseatlas.programme.services import calls, rounds, submissions
from caseatlas.store import open_engine

db = sys.argv[1]
ids = build(db, "review")
engine = open_engine(db)
org = _as(engine, "org1")
call = calls.create(
    org, "cteam", "四轮征集", 2026, domains=["绿色制造"], deadlines={"submission_deadline": "2099-01-01"}
)
season = rounds.use_season(org, call["id"])
calls.publish(org, call["id"])
applicant = _as(engine, "appa")
s = submissions.create(
    applicant, call["id"], "丙案例", "绿色制造", [{"heading": "案例概述", "text": "每年节电 200 万千瓦时。"}]
)
submissions.submit(applicant, s["id"])
engine.dispose()
print(ids, "season call", call["id"], "rounds", [r.id for r in season], "submission", s["id"], file=sys.stderr)
