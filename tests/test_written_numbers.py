"""What we write, we read back: every page, JSON answer and CLI table that prints a figure of
the library prints it with the one writer (caseatlas.text.numbers) — never an exponent — and
a figure printed on a page is read by the extractor as the stored value."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import ROOT
from fastapi.testclient import TestClient

from caseatlas.extract.quantities import find_quantities
from caseatlas.readers.normalize import normalize
from caseatlas.services import Context, library, system_actor
from caseatlas.store import open_engine
from caseatlas.text.numbers import displayed_value
from caseatlas.web import create_app

EXPONENT = re.compile(r"\d(?:\.\d+)?[eE][+-]?\d{2}\b")
PKG = ROOT / "src" / "caseatlas"

# Figures from the very small to the very large, in a book written for this test.
FIGURES = [
    ("年减少二氧化碳排放 1600000 吨", 1.6e6, "tCO2e"),
    ("累计节约标准煤 0.00004 吨", 4e-5, "tce"),
    ("项目总投资 56000000000 元", 5.6e10, "CNY"),
    ("年发电量 123456789012 千瓦时", 123456789012, "kWh"),
    ("年节约标准煤 13044.33 吨", 13044.33, "tce"),
]


def _book(tmp_path: Path) -> Path:
    filler = "".join(f"第{k}段正文，说明项目的做法、过程与成效，文字足够长以构成一个段落。\n\n" for k in range(6))
    parts = ["# 数字测试案例集\n\n"]
    for n, (sentence, _, _) in enumerate(FIGURES, 1):
        parts.append(
            f"## 测试案例{n}\n\n某某公司{n}\n\n【项目概述】\n\n{filler}【项目成果】\n\n{sentence}。\n\n{filler}"
        )
    path = tmp_path / "numbers.md"
    path.write_text("".join(parts), encoding="utf-8")
    return path


def test_no_page_prints_an_exponent_and_figures_read_back(db_path, tmp_path):
    ctx = Context(open_engine(db_path), system_actor())
    assert library.ingest_file(ctx, _book(tmp_path)).status == "added"
    client = TestClient(create_app(str(db_path)))
    cases = client.get("/api/v1/cases?collection=numbers").json()
    ids = [c["id"] for c in cases["items"]]
    assert len(ids) == len(FIGURES)
    urls = [
        "/",
        "/?lang=en",
        "/insights",
        "/insights?lang=en",
        "/search?q=减少",
        "/search?q=减少&lang=en",
        "/collections",
        f"/compare?ids={','.join(ids[:3])}",
    ]
    urls += [f"/cases/{i}" for i in ids] + [f"/cases/{i}?lang=en" for i in ids]
    for url in urls:
        r = client.get(url)
        assert r.status_code == 200, url
        visible = re.sub(r"<script.*?</script>|<[^>]+>", " ", r.text, flags=re.S)
        assert not EXPONENT.search(visible), (url, EXPONENT.search(visible).group())
    # The figure the case page prints is read back as the stored value (rounded as displayed).
    for case_id, (_, value, unit) in zip(ids, FIGURES):
        record = client.get(f"/api/v1/cases/{case_id}").json()
        stored = [m for m in record["metrics"] if m["unit"] == unit]
        assert stored and stored[0]["value"] == value
        page = re.sub(r"<[^>]+>", " ", client.get(f"/cases/{case_id}").text)
        read = {round(q.value, 9) for q in find_quantities(normalize(page)) if q.unit == unit}
        assert round(displayed_value(value), 9) in read, (case_id, value, sorted(read)[:10])


def test_people_facing_code_formats_figures_with_the_one_writer():
    """No shell, service, publisher or check writes a float with %g / :g / :.Ng — the forms that
    print 1.6e+06 — outside text/numbers.py (stored values are rounded with .12g, in store/extract)."""
    offenders = []
    for folder in ("web", "services", "cli", "publish", "checks"):
        for path in sorted((PKG / folder).rglob("*")):
            if path.suffix not in (".py", ".html"):
                continue
            for k, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                if path.suffix == ".py" and line.lstrip().startswith("#"):
                    continue
                if re.search(r"%g\b|:g\}|:,?\.\d+g\}|'%g'", line):
                    offenders.append(f"{path.relative_to(PKG)}:{k}: {line.strip()[:90]}")
    assert not offenders, offenders
