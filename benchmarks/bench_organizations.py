"""Cost of resolving organizations across the library, as every ingest does it, at scale.

    python benchmarks/bench_organizations.py [--cases 100000] [--db URL]

Synthetic library of N cases (SQLite in a temp dir unless --db names an empty library) whose
organization lines are made like real ones: invented brand names with an industry word and a
legal form, some with a province or city in front, in brackets, as a branch (…某某市分公司), with
a short name in brackets, or missing (the case's title then starts with a brand). About a
third of the brands recur in several cases, as groups do across books. Prints the time of the
pure resolution (`Resolver.resolve`), the first `services.organizations.refresh` (every
record new), a second one with nothing changed (what a re-ingest costs), and the counts.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import insert

from caseatlas import store
from caseatlas.organizations import Resolver, Use
from caseatlas.services import organizations as orgs
from caseatlas.store.schema import cases, collections

SYLLABLES = list("华瑞恒泰达诚信润宏远博德通盛安嘉兴隆鑫源凯航宇锦睿智晟昊骏朗峰岚澜川铭承禾沐尚")
INDUSTRY = [
    "能源",
    "环保",
    "科技",
    "新材料",
    "电力",
    "钢铁",
    "化工",
    "物流",
    "建筑",
    "置业",
    "生物",
    "电子",
    "食品",
    "纺织",
    "水务",
    "交通",
    "数字",
    "农业",
    "医药",
    "汽车",
]
LEGAL = ["有限公司", "股份有限公司", "集团有限公司", "集团股份有限公司", "有限责任公司"]
PLACES = ["北京", "上海", "广东省", "浙江", "江苏省", "四川", "山东", "深圳市", "杭州", "成都市", "武汉", "西安市"]
UNITS = ["分公司", "分行", "供电公司", "分厂"]


def brand(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice((2, 2, 3, 4))))


def printed(rng: random.Random, brands: list[str]) -> tuple[str | None, str]:
    """(organization line or None, title) of one synthetic case."""
    b = rng.choice(brands) if rng.random() < 0.35 else brand(rng)
    name = b + rng.choice(INDUSTRY) + rng.choice(LEGAL)
    r = rng.random()
    if r < 0.1:
        name = rng.choice(PLACES) + name
    elif r < 0.2:
        name = b + rng.choice(INDUSTRY) + "（" + rng.choice(PLACES).rstrip("省市") + "）" + rng.choice(LEGAL)
    elif r < 0.28:
        name = b + "集团" + rng.choice(PLACES) + rng.choice(UNITS)
    elif r < 0.33:
        name = f"{name}（简称：{b}{rng.choice(INDUSTRY)}）"
    title = f"{b}{rng.choice(INDUSTRY)}低碳转型实践"
    return (None if rng.random() < 0.05 else name), title


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=100_000)
    ap.add_argument("--db")
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    brands = [brand(rng) for _ in range(max(10, args.cases // 50))]
    rows = [printed(rng, brands) for _ in range(args.cases)]
    with tempfile.TemporaryDirectory() as tmp:
        eng = store.open_engine(args.db or str(Path(tmp) / "lib.db"))
        with eng.begin() as conn:
            cid = conn.execute(
                insert(collections).values(
                    slug="synthetic",
                    source_file="synthetic.txt",
                    source_path="-",
                    sha256="0" * 64,
                    format="txt",
                    title="合成案例库",
                    experts="[]",
                    chapters="[]",
                    n_lines=0,
                    ingested_at="now",
                )
            ).inserted_primary_key[0]
            for start in range(0, len(rows), 5000):
                conn.execute(
                    insert(cases),
                    [
                        {
                            "id": k + 1,
                            "case_id": f"synthetic:{k + 1}",
                            "collection_id": cid,
                            "seq": k + 1,
                            "title": title,
                            "organization": org,
                            "chapter": None,
                            "start_line": k * 10 + 1,
                            "end_line": k * 10 + 9,
                            "page": None,
                            "text": title,
                        }
                        for k, (org, title) in enumerate(rows[start : start + 5000], start=start)
                    ],
                )
        t = time.perf_counter()
        res = Resolver().resolve([Use(k, org, title) for k, (org, title) in enumerate(rows)])
        resolve_s = time.perf_counter() - t
        timings = []
        for _ in range(2):
            t = time.perf_counter()
            with eng.begin() as conn:
                n = orgs.refresh(conn)
            timings.append(time.perf_counter() - t)
            print(f"  refresh: {timings[-1]:.1f} s", file=sys.stderr)
        eng.dispose()
    print(
        json.dumps(
            {
                "cases": args.cases,
                "organizations": n,
                "links": len(res.links),
                "groups_with_members": sum(
                    1
                    for o in res.orgs.values()
                    if o.parent is None and any(p.parent == o.key for p in res.orgs.values())
                )
                if args.cases <= 20000
                else None,
                "resolve_s": round(resolve_s, 2),
                "first_refresh_s": round(timings[0], 2),
                "unchanged_refresh_s": round(timings[1], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
