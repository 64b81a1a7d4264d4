"""Issue 27, flags worded as a person writes them: ratios below 1 as percentages, a date check
that compares one subject and says what it compares (texts written here)."""

from __future__ import annotations

import re

import pytest

from caseatlas.checks import check_case
from caseatlas.checks.rules import times_of
from caseatlas.extract import extract_case
from caseatlas.models import Line


def _flags(*rows: str, sections: list[int] | None = None):
    lines = [Line(i + 1, r, r) for i, r in enumerate(rows)]
    facts = extract_case(lines, "案例", None, None)
    return check_case(facts.outcomes, {ln.no: ln for ln in lines}, sections or [])


@pytest.mark.parametrize(
    "ratio,zh,en",
    [(2.55, "2.55 倍", "2.55×"), (0.392, "39%", "39%"), (0.0012, "0.12%", "0.12%"), (1.0, "1 倍", "1×")],
)
def test_times_of(ratio, zh, en):
    assert times_of(ratio) == zh and times_of(ratio, "en") == en


def test_a_factor_below_the_reference_reads_as_a_percentage():
    # 1 万吨标准煤 → 1 万吨 CO2: about 38 % of 2.66 t/tce
    (f,) = [f for f in _flags("项目每年节约标准煤 10000 吨，减少二氧化碳排放 10000 吨。") if f.check == "factor"]
    assert "分之一" not in f.message and re.search(r"的 3\d%", f.message) and "不到一半" in f.message
    assert re.search(r"3\d% of the reference", f.message_en) and "×" not in f.message_en


def test_a_factor_above_the_reference_reads_as_times():
    (f,) = [f for f in _flags("项目每年节约标准煤 1000 吨，减少二氧化碳排放 9000 吨。") if f.check == "factor"]
    assert re.search(r"的 3\.\d+ 倍", f.message) and re.search(r"3\.\d+× the reference", f.message_en)


def _dated(*rows, sections):
    return [f for f in _flags(*rows, sections=sections) if f.check == "date"]


def test_two_facilities_dates_are_not_one_event():
    overview = "2016 年，北湖工厂利用屋顶光伏和储能系统实现零碳运营，成为集团首家零碳工厂。"
    body = "2019 年 3 月，南岭工厂利用屋顶光伏和储能系统实现零碳运营，成为集团第二家零碳工厂。"
    assert _dated("概述", overview, "实施", body, sections=[1, 3]) == []


def test_one_facility_dated_twice_names_it_and_quotes_both_places():
    overview = "2016 年，北湖工厂利用屋顶光伏和储能系统实现零碳运营，成为集团首家零碳工厂。"
    body = "2017 年 5 月，北湖工厂利用屋顶光伏和储能系统实现零碳运营，成为集团首家零碳工厂。"
    (f,) = _dated("概述", overview, "实施", body, sections=[1, 3])
    assert not f.message.startswith("同一件事")  # no longer the bare "同一件事（…）"
    assert "北湖工厂" in f.message and "2016 年" in f.message and "2017 年 5 月" in f.message
    assert "“2016 年，北湖工厂" in f.message  # what each place says, quoted
    assert "May 2017" in f.message_en and "2016" in f.message_en and "年" not in f.message_en.split("(")[0]


def test_every_message_kind_uses_no_raw_float_formatting():
    """No message quotes a ratio with two decimals by hand ("相差 2.55 倍" from :.2f) or a
    fraction of one: every figure through the one writer."""
    texts = [
        "项目每年节约标准煤 10000 吨，减少二氧化碳排放 10000 吨。",
        "光伏年发电量 100 万千瓦时，减少二氧化碳排放 5700 吨。",
        "风电年发电量 200 万千瓦时，减少二氧化碳排放 100 吨。",
    ]
    for f in _flags(*texts):
        assert "分之一" not in f.message and not re.search(r"\d\.\d\d0", f.message)
