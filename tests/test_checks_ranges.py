"""Claim checks beyond the dev list (issue 26): ratios against reference ranges with sources
(full-load hours by technology and solar zone, per-area ranges, grid factors by province), one
result stated with two values whatever the wording, and parts in other sections that exceed
their total. Every row is written here; each rule is shown firing and shown holding back."""

from __future__ import annotations

import pytest

from caseatlas.checks import check_case
from caseatlas.checks.ranges import grid_low, province_key, ranges
from caseatlas.extract import extract_case
from caseatlas.models import Line


def flags(*rows: str, check: str | None = None, sections: list[int] | None = None, region: str | None = None):
    lines = [Line(i + 1, r, r) for i, r in enumerate(rows)]
    facts = extract_case(lines, "案例", None, None)
    found = check_case(facts.outcomes, {ln.no: ln for ln in lines}, sections, region=region)
    return [f for f in found if check is None or f.check == check]


def test_every_reference_has_its_source():
    data = ranges()
    for group in ("hours", "per_area"):
        for name, ref in data[group].items():
            assert ref["source"] and ref["source_en"] and ref["low"] < ref["reference"] < ref["high"], name
    assert data["pv_zones"]["source"] and data["grid"]["source_en"]
    zoned = [p for z in data["pv_zones"].values() if isinstance(z, dict) for p in z["provinces"]]
    assert len(zoned) == len(set(zoned)) and set(data["grid"]["provinces"]) <= set(zoned)


def test_full_load_hours_of_a_pv_plant():
    (f,) = flags("项目建设屋顶分布式光伏 2 兆瓦，年发电量 2200 万千瓦时。", check="plausibility")
    assert f.values["hours"] == pytest.approx(11000) and "11,000 小时" in f.message and "500–2,200" in f.message
    assert "11,000 full-load hours" in f.message_en and f.lines == [1, 1]
    assert f.quotes[0] in "项目建设屋顶分布式光伏 2 兆瓦" and "2200 万千瓦时" in f.quotes[1]
    assert flags("项目建设屋顶分布式光伏 2 兆瓦，年发电量 220 万千瓦时。", check="plausibility") == []
    # the same wording in kW and 度
    assert flags("屋顶光伏装机 2000 千瓦，每年发电 2200 万度。", check="plausibility")


def test_the_province_sets_the_solar_zone():
    row = "项目建设屋顶分布式光伏 2 兆瓦，年发电量 380 万千瓦时。"  # 1,900 h
    (f,) = flags(row, check="plausibility", region="浙江省")
    assert "浙江" in f.message and "1,700" in f.message
    assert flags(row, check="plausibility", region="青海省") == []
    assert flags(row, check="plausibility") == []  # no province: the national range


def test_full_load_hours_by_technology():
    assert flags("风电场装机 10 万千瓦，年上网电量 24 亿度。", check="plausibility")  # 24,000 h
    assert flags("风电场装机 10 万千瓦，年上网电量 2.4 亿度。", check="plausibility") == []
    # offshore wind is held to its own range, not onshore's
    assert flags("海上风电项目装机 30 万千瓦，年发电量 12 亿千瓦时。", check="plausibility") == []
    assert flags("陆上风电项目装机 30 万千瓦，年发电量 12 亿千瓦时。", check="plausibility")


def test_full_load_hours_leave_mixed_and_unclear_figures_alone():
    # two technologies (a mix), two capacities, a cumulative figure, a part: not one plant's hours
    assert flags("风光互补项目装机 2 兆瓦，年发电量 2200 万千瓦时。", check="plausibility") == []
    assert flags("建设光伏 2 兆瓦和光伏车棚 5 兆瓦，年发电量 2200 万千瓦时。", check="plausibility") == []
    assert flags("项目建设光伏 2 兆瓦，累计发电量 2200 万千瓦时。", check="plausibility") == []
    assert flags("项目一期建设光伏 2 兆瓦，年发电量 2200 万千瓦时。", check="plausibility") == []
    assert (
        flags("2022 年新增光伏装机 50 兆瓦，全市光伏年发电量 2 亿千瓦时。", check="plausibility") == []
    )  # an addition
    assert flags("2022 年光伏装机 50 兆瓦，全市光伏年发电量 2 亿千瓦时。", check="plausibility")
    # generation stated in another sentence is not paired
    assert flags("项目建设屋顶光伏 2 兆瓦。园区年发电量 2200 万千瓦时。", check="plausibility") == []


def test_pv_per_m2_of_roof():
    (f,) = flags("利用厂房屋顶面积 3 万平方米建设光伏电站，装机容量 50MW。", check="plausibility")
    assert f.values["per_m2"] == pytest.approx(50e6 / 30000) and "W/m²" in f.message
    assert flags("利用厂房屋顶面积 3 万平方米建设光伏电站，装机容量 5MW。", check="plausibility") == []
    assert flags("屋顶面积 2000 平方米铺设光伏板，年发电量 200 万千瓦时。", check="plausibility")  # 1,000 kWh/m²
    assert flags("屋顶面积 2000 平方米铺设光伏板，年发电量 40 万千瓦时。", check="plausibility") == []


def test_energy_saved_per_m2_of_building():
    (f,) = flags("完成既有建筑节能改造面积 4.6 万平方米，年节约用电 3000 万千瓦时。", check="plausibility")
    assert "652" in f.message and f.values["area_m2"] == 46000
    assert flags("完成既有建筑节能改造面积 46 万平方米，年节约用电 3000 万千瓦时。", check="plausibility") == []
    assert flags("完成既有建筑节能改造面积 4.6 万平方米，年节约标准煤 3000 吨。", check="plausibility")
    # a data centre's energy per m² is not a building's
    assert flags("数据中心建筑面积 4.6 万平方米，年节约用电 3000 万千瓦时。", check="plausibility") == []


def test_the_province_chooses_the_grid():
    row = "光伏年发电量 100 万千瓦时，减少二氧化碳排放 200 吨。"  # 0.2 kg/kWh
    assert province_key("内蒙古自治区") == "内蒙古" and province_key("全国") is None
    assert grid_low("云南省")[0] == pytest.approx(0.1073 * 0.5)
    assert flags(row, check="factor", region="云南省") == []  # a hydro grid: 0.2 is possible
    (f,) = flags(row, check="factor", region="河北省")
    assert "河北" in f.message and "0.268" in f.message
    assert flags(row, check="factor")  # no province: the national range
    assert flags(row.replace("200 吨", "20 吨"), check="factor", region="云南省")  # below even Yunnan's


OVERVIEW, RESULTS = "项目概况", "项目成效"


def dup(first: str, second: str):
    return flags(OVERVIEW, first, RESULTS, second, check="duplicate-value", sections=[1, 3])


def test_one_result_with_two_values_whatever_the_wording():
    (f,) = dup(
        "项目建成后年减排二氧化碳 1.2 万吨，带动周边企业绿色转型。", "通过余热回收，每年减少二氧化碳排放约 15,000 吨。"
    )
    assert f.lines == [2, 4] and "25.0%" in f.message and "1.2 万吨" in f.quotes[0]
    assert dup("项目建成后年减排二氧化碳 1.2 万吨。", "减少二氧化碳排放 15,000 吨/年。")
    # the same value in other number forms is not a contradiction
    assert dup("项目建成后年减排二氧化碳 1.2 万吨。", "通过余热回收，每年减少二氧化碳排放约 12,000 吨。") == []
    assert dup("项目建成后年减排二氧化碳一万二千吨。", "每年减少二氧化碳排放 1.2 万吨。") == []


def test_two_values_that_are_not_one_quantity():
    assert dup("项目年减排二氧化碳 1.2 万吨。", "其中一期工程每年减少二氧化碳排放约 1 万吨。") == []  # a stage
    assert (
        dup("预计项目年减排二氧化碳 1.5 万吨。", "项目实际每年减少二氧化碳排放 1.2 万吨。") == []
    )  # target vs achieved
    assert dup("2021 年项目减排二氧化碳 1.5 万吨。", "2022 年项目减少二氧化碳排放 1.2 万吨。") == []  # two years
    assert dup("项目年节约标准煤 5000 吨。", "项目年减少二氧化碳排放 1.2 万吨。") == []  # two measures
    # parts in one section that add up to the other's total
    assert dup("项目年减排二氧化碳 1.5 万吨。", "余热回收年减排二氧化碳 1 万吨，光伏年减排二氧化碳 0.5 万吨。") == []


SITES = [
    "概况",
    "甲公司在两个基地实施余热利用，项目共节约电能 1000 万千瓦时/年。",
    "基地一",
    "改造冷却系统后，每年节约用电 700 万千瓦时。",
    "基地二",
    "空压机余热回收每年节约用电 400 万千瓦时。",
]


def test_parts_in_other_sections_beyond_their_total():
    found = flags(*SITES, sections=[1, 3, 5])
    (f,) = [f for f in found if f.check == "sum"]
    assert f.lines == [2, 4, 6] and f.values == {"total": 1e7, "parts_sum": 1.1e7}
    assert "1,100万千瓦时" in f.message and "10%" in f.message and "1,100万千瓦时" not in f.message_en
    assert not [f for f in found if f.check == "duplicate-value"]  # a total and its part are not one quantity


def test_parts_that_add_up_or_a_total_that_counts_only_some():
    assert flags(*[r.replace("400", "300") for r in SITES], check="sum", sections=[1, 3, 5]) == []
    assert flags(*[r.replace("400", "320") for r in SITES], check="sum", sections=[1, 3, 5]) == []  # rounding
    assert flags(*[r.replace("项目共节约", "其中主要基地共节约") for r in SITES], check="sum", sections=[1, 3, 5]) == []
    # one measure's own total beside a larger figure of the case is not the case's total
    rows = [*SITES, "成效", "项目每年节约用电 2000 万千瓦时。"]
    assert flags(*rows, check="sum", sections=[1, 3, 5, 7]) == []


def test_english_wording():
    (f,) = flags("The rooftop solar array of 2 MW generates 22 million kWh a year.", check="plausibility")
    assert f.values["hours"] == pytest.approx(11000) and "full-load hours" in f.message_en
    rows = [
        "Overview",
        "In total the two sites save 10 million kWh of electricity a year.",
        "Site one",
        "The chiller upgrade saves 7 million kWh a year.",
        "Site two",
        "Compressor heat recovery saves 4 million kWh a year.",
    ]
    found = flags(*rows, sections=[1, 3, 5])
    assert [f.check for f in found if f.check in ("sum", "duplicate-value")] == ["sum"]
    assert flags(*[r.replace("4 million", "3 million") for r in rows], check="sum", sections=[1, 3, 5]) == []


def test_an_amount_a_year_in_a_unit_of_power():
    (f,) = flags(
        "Under the deal the council purchases 64 gigawatts of electricity annually from offshore turbines.",
        check="unit-type",
    )
    assert f.quotes == ["64 gigawatts of electricity annually"] and "unit of power" in f.message_en
    assert flags("Its floating array produces 21 megawatts of power per year.", check="unit-type")
    # a capacity, a rate of building and an amount in watt-hours are not
    for row in (
        "The city adds 500 MW of solar a year.",
        "Its current capacity is about 116 gigawatts.",
        "A 5 MW plant generating 6,000 MWh a year.",
        "The farm produces 12 GWh a year.",
    ):
        assert flags(row, check="unit-type") == [], row


def test_nearly_the_same_figure_of_one_thing_in_two_sections():
    (f,) = dup("一期工程投运后，示范区供暖面积达 46 万平方米。", "目前可满足 46.4 万平方米的居民供暖需求。")
    assert "供暖" in f.message and "0.9%" in f.message
    # "40% 以上" and 42 %: the one is what the other says it is at least
    assert dup("改造后能耗降低 40% 以上。", "改造后能耗降低了 42%。") == []
    # restated in a third section with one of the two values: one flag, every place
    rows = [
        OVERVIEW,
        "年减排二氧化碳 1.9 万吨，带动商户参与。",
        RESULTS,
        "每年减少二氧化碳排放 1.97 万吨。",
        "展望",
        "年减排二氧化碳 1.9 万吨。",
    ]
    (f,) = flags(*rows, check="duplicate-value", sections=[1, 3, 5])
    assert sorted(f.lines) == [2, 4, 6]


def test_a_capacity_beyond_a_country_s():
    row = "The port authority plans to lift its solar capacity from 0.4 terawatts today to 1.9 terawatts by 2035."
    (f,) = flags(row, check="plausibility")
    assert f.quotes == ["1.9 terawatts"] and f.values["capacity_mw"] == 1.9e6 and "1,900,000 MW" in f.message_en
    (f,) = flags("项目所在城市规划新增光伏装机 200 亿千瓦。", check="plausibility")
    assert f.values["capacity_mw"] == 2e7 and "20,000,000" not in f.message
    # a country's or the world's capacity, and a city's in gigawatts, are left alone
    for row in (
        "Global renewable capacity reached 3.4 terawatts in 2022.",
        "截至 2023 年底，全国可再生能源装机突破 15 亿千瓦。",
        "The city will install 1.2 GW of rooftop solar.",
        "The grid delivered 2.7 TWh in 2022.",
    ):
        assert flags(row, check="plausibility") == [], row


def test_co2_avoided_per_vehicle_and_per_person():
    (f,) = flags("推广新能源公交车 500 辆，每年减少二氧化碳排放 20 万吨。", check="plausibility")
    assert f.values["per_unit_t"] == pytest.approx(400) and f.quotes == ["500 辆", "每年减少二氧化碳排放 20 万吨"]
    assert flags("推广新能源公交车 500 辆，每年减少二氧化碳排放 2 万吨。", check="plausibility") == []
    (f,) = flags("It replaced its 1,000 diesel buses with electric ones, cutting CO2 by 500,000 tCO2e a year.")
    assert f.values["count"] == 1000
    (f,) = flags("平台带动 1 万名用户参与低碳出行，每年减少二氧化碳排放 50 万吨。", check="plausibility")
    assert f.values["per_unit_t"] == pytest.approx(50) and "每人每年 50 吨" in f.message
    assert flags("平台带动 1 万名用户参与低碳出行，每年减少二氧化碳排放 5000 吨。", check="plausibility") == []
    # visits are not people; a cumulative figure is not a year's
    assert flags("活动吸引 5 千人次参与，年减排 10 万吨二氧化碳。", check="plausibility") == []
    assert flags("推广新能源公交车 500 辆，累计减少二氧化碳排放 20 万吨。", check="plausibility") == []


def test_a_heading_s_number_or_a_reference_to_one_is_not_a_malformed_number():
    (f,) = flags("项目总投资 530.32.90 万元。", check="format")
    assert f.quotes == ["530.32.90"]
    for row in (
        "## 3.2.1 项目背景",
        "14.3.1 Water use by agency",
        "详见第 3.2.1 节。",
        "SDG indicator 6.4.1 (water).",
    ):
        assert flags(row, check="format") == [], row


def test_a_total_row_inside_its_rows_range_is_their_average():
    table = ["单位\t上年\t本年", "甲\t173.2\t167.7", "乙\t100.9\t103.2", "丙\t165.0\t135.0"]
    assert flags(*table, "合计\t146.4\t135.3", check="sum") == []  # an intensity table's overall figure
    (f,) = flags(*table, "合计\t449.1\t405.9", check="sum")  # a sum, 10 over in its first column
    assert f.values["total"] == 449.1 and f.values["sum_of_rows"] == pytest.approx(439.1)


def test_an_electric_vehicle_s_consumption():
    (f,) = flags("纯电动公交车百公里电耗约 650 千瓦时。", check="plausibility")
    assert f.values == {"kwh_per_100km": 650} and f.quotes == ["百公里电耗约 650 千瓦时"]
    (f,) = flags("新能源出租车每公里耗电 15 千瓦时。", check="plausibility")
    assert f.values["kwh_per_100km"] == pytest.approx(1500)
    assert flags("The electric buses use 18 kWh/km on average.", check="plausibility")
    for row in (
        "纯电动公交车百公里电耗约 65 千瓦时。",
        "新能源出租车每公里耗电 0.15 千瓦时。",
        "The electric buses use 1.1 kWh/km.",
    ):
        assert flags(row, check="plausibility") == [], row
