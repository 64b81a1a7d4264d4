"""One reader and one writer of numbers (caseatlas.text.numbers): every form the books use is
read to its value, and whatever CaseAtlas writes for people is read back as the value written."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from caseatlas.extract.outcomes import extract_outcomes
from caseatlas.extract.quantities import find_quantities
from caseatlas.models import Line
from caseatlas.readers.normalize import normalize
from caseatlas.text.numbers import (
    displayed_value,
    format_number,
    format_quantity,
    input_number,
    is_number,
    parse_number,
    unit_label,
)
from caseatlas.vocab import KIND_UNITS, UNIT_LABELS


def read(text: str):
    return find_quantities(normalize(text))


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize(
    ("token", "value"),
    [
        ("一万三千", 13_000),
        ("四万五千", 45_000),
        ("两千", 2_000),
        ("1亿2千万", 1.2e8),
        ("3亿五千万", 3.5e8),
        ("两亿零五百万", 2.05e8),
        ("一万零五百", 10_500),
        ("1,234.5", 1234.5),
        ("１２３", 123),
        ("二〇二三", 2023),
        ("1.6e+06", 1.6e6),
        ("十", 10),
        ("0.5", 0.5),
    ],
)
def test_parse_number_reads_every_written_form(token, value):
    assert is_number(token)
    assert parse_number(token) == value


@pytest.mark.parametrize(
    ("text", "value", "unit", "qualifier"),
    [
        ("拥有员工一万三千余人", 13_000, "persons", "lower_bound"),
        ("利用沙漠土地四万五千多亩", 45_000 * 10_000 / 15, "m2", "lower_bound"),
        ("员工一万两千余人", 12_000, "persons", "lower_bound"),
        ("年产十余万吨", 1e5, "t", "lower_bound"),
        ("捐赠近百万元", 1e6, "CNY", "approx"),
        ("总投资1亿2千万元", 1.2e8, "CNY", None),
        ("募集资金0.5亿元", 5e7, "CNY", None),
        ("约两千余人参加", 2_000, "persons", "lower_bound"),
        ("超过一万三千吨标准煤", 13_000, "tce", "lower_bound"),
        ("减排1,780万吨二氧化碳当量", 1.78e7, "tCO2e", None),
        ("节约５６０亿元", 5.6e10, "CNY", None),
        ("1.6e+06 tCO2e", 1.6e6, "tCO2e", None),  # what a spreadsheet writes is read, never written by us
    ],
)
def test_chinese_numerals_keep_their_wan_and_yi(text, value, unit, qualifier):
    (q,) = read(text)
    assert (q.unit, q.qualifier) == (unit, qualifier)
    assert close(q.value, value)


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("新增9兆瓦余热发电机组", 9),  # 余 of 余热 is a word, not "more than"
        ("建设100吨多晶硅产线", 100),
    ],
)
def test_yu_and_duo_inside_a_word_are_not_qualifiers(text, value):
    (q,) = read(text)
    assert q.value == value and q.qualifier is None
    # ...while they do qualify a number before its unit or multiplier
    assert read("300余吨")[0].qualifier == "lower_bound" and read("9兆瓦余，")[0].qualifier == "lower_bound"


@pytest.mark.parametrize("text", ["二〇二三年", "2023年", "百万吨级CCUS示范", "建成10万吨级码头", "兆瓦级储能"])
def test_years_and_size_classes_are_not_amounts(text):
    assert read(text) == []


def test_a_year_written_in_chinese_is_not_an_outcome():
    lines = [Line(1, t, normalize(t)) for t in ["二〇二三年，公司减排二氧化碳一万三千吨。"]]
    found = extract_outcomes(lines)
    assert [(o.value, o.unit) for o in found] == [(13_000, "tCO2e")]


@pytest.mark.parametrize(
    ("value", "zh", "en"),
    [
        (1.78e7, "1,780万", "17,800,000"),
        (5.6e10, "560亿", "56,000,000,000"),
        (1.6e6, "160万", "1,600,000"),
        (13_044.33, "13,044.33", "13,044.33"),
        (99_999, "99,999", "99,999"),
        (1e5, "10万", "100,000"),
        (0.001, "0.001", "0.001"),
        (2.5e12, "2.5万亿", "2,500,000,000,000"),
        (0, "0", "0"),
    ],
)
def test_format_number_groups_by_wan_and_yi_in_chinese(value, zh, en):
    assert format_number(value) == zh
    assert format_number(value, "en") == en


def test_format_quantity_examples():
    assert format_quantity(5.6e10, "CNY") == "560亿元"
    assert format_quantity(1.78e7, "tCO2e", "en") == "17,800,000 tCO2e"
    assert format_quantity(1.78e7, "tCO2e", qualifier="approx") == "约 1,780万吨二氧化碳当量"
    assert format_quantity(12.5, "%") == "12.5%"
    assert unit_label("tCO2e/公顷") == "吨二氧化碳当量/公顷"


@settings(max_examples=400, deadline=None)
@given(
    st.floats(min_value=1e-3, max_value=1e13, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(UNIT_LABELS)),
    st.sampled_from(["zh", "en"]),
    st.sampled_from([None, "approx", "lower_bound"]),
)
def test_what_we_write_we_read_back(value, unit, lang, qualifier):
    """The round-trip contract: the quantity reader gives back the value the writer printed, in
    the same unit, whatever the language, unit, size and qualifier — and never an exponent."""
    text = format_quantity(value, unit, lang, qualifier=qualifier)
    assert "e+" not in text and "e-" not in text and "E" not in text.replace("EUR", "")
    found = read(text)
    assert len(found) == 1, (text, found)
    q = found[0]
    assert q.unit == unit, text
    assert close(q.value, displayed_value(value)), (text, q.value)
    assert math.isclose(displayed_value(value), value, rel_tol=1e-6)
    assert q.qualifier == qualifier, text


@settings(max_examples=200, deadline=None)
@given(
    st.floats(min_value=1e-3, max_value=1e13, allow_nan=False, allow_infinity=False),
    st.sampled_from(sorted(KIND_UNITS.items())),
    st.sampled_from(["zh", "en"]),
)
def test_a_written_figure_in_a_sentence_is_read_back_by_the_extractor(value, kind_unit, lang):
    """The same contract through the outcome extractor: a line a page, a mail or a book prints
    ("减排量：1,780万吨二氧化碳当量") becomes one outcome of that value and unit."""
    kind, unit = kind_unit
    line = f"{kind}：{format_quantity(value, unit, lang)}"
    found = [o for o in extract_outcomes([Line(1, line, normalize(line))]) if o.unit == unit]
    assert found, line
    assert close(found[0].value, displayed_value(value)), (line, found[0].value)


@given(st.floats(min_value=-1e15, max_value=1e15, allow_nan=False, allow_infinity=False))
def test_input_number_keeps_every_digit_without_exponent(value):
    text = input_number(value)
    assert "e" not in text.lower()
    assert float(text) == value


def test_format_number_refuses_what_is_not_a_number():
    assert format_number(None) == ""
    with pytest.raises(ValueError):
        format_number(math.inf)


def test_an_applicants_file_prefills_the_whole_number():
    """Prefill reads an applicant's file with the same reader: 一万两千余人 is 12,000, not 2,000."""
    from caseatlas.programme.domain.prefill import prefill
    from caseatlas.readers import read_upload

    text = (
        "# 某某公司园区节能改造\n\n## 机构简介\n\n公司现有员工一万两千余人，业务覆盖全国。\n\n"
        "## 项目成果\n\n项目每年节约标准煤四万五千多吨，减少二氧化碳排放十余万吨。\n"
    )
    filled = prefill(read_upload("case.md", text.encode("utf-8")), ["机构简介", "项目成果"])
    values = {(o["unit"], o["value"]) for o in filled.outcomes}
    assert ("persons", 12_000) in values and ("tce", 45_000) in values and ("tCO2e", 1e5) in values
    assert ("persons", 2_000) not in values and ("tce", 5_000) not in values


def test_a_declared_capacity_is_never_annual_and_an_annual_area_is_printed_as_an_addition():
    """Stocks are never flows, declared or extracted: an installed capacity declared per year is
    refused with the reason; an area declared per year is printed as what was added each year,
    which the extractor reads back as annual."""
    from caseatlas.errors import CaseAtlasError
    from caseatlas.programme.services.selection import _declared_line
    from caseatlas.programme.services.submissions import _clean_outcomes

    for kind in ("renewable_capacity", "storage_capacity"):
        with pytest.raises(CaseAtlasError, match="不按年计"):
            _clean_outcomes([{"kind": kind, "value": 9, "unit": "MW", "period": "annual", "confirmed": True}])
        assert (
            _clean_outcomes([{"kind": kind, "value": 9, "unit": "MW", "period": "cumulative"}])[0]["period"]
            == "cumulative"
        )
    line = _declared_line({"kind": "area", "value": 20_000, "unit": "m2", "period": "annual", "status": "achieved"})
    (o,) = extract_outcomes([Line(1, line, normalize(line))])
    assert (o.value, o.unit, o.period) == (20_000, "m2", "annual")
    line = "公司占地面积20,000平方米。"
    (o,) = extract_outcomes([Line(1, line, normalize(line))])
    assert o.period != "annual"
