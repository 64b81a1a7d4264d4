"""Issue 27, names: systems and measures under their longest form, enumeration tails cut,
distinct systems kept distinct (words written here, not taken from any book)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from caseatlas.extract import extract_case
from caseatlas.extract.attributes import _key, clean_system_name, longest_forms
from caseatlas.models import Line


def _systems(text: str) -> list[str]:
    lines = [Line(no=i + 1, text=t, raw=t) for i, t in enumerate(text.splitlines())]
    facts = extract_case(lines, "测试案例", "测试公司", None)
    return [a.value for a in facts.attributes if a.kind == "system"]


def test_short_form_and_enumeration_tail_collapse_into_the_full_name():
    text = (
        "工厂上线了 QXRT 智能仓储调度系统，覆盖全部仓库。\n"
        "通过 QXRT 系统，叉车空驶率下降。\n"
        "车间部署了 AI 焊缝检测系统等系统，质检效率提升。\n"
        "园区还引入了 BLUEMETER 能耗监测平台，实时采集数据。\n"
    )
    names = _systems(text)
    assert "QXRT 智能仓储调度系统" in names
    assert not any(_key(n) == "qxrt系统" for n in names)  # the short form is gone
    assert "AI 焊缝检测系统" in names
    assert not any("等" in n for n in names)  # no enumeration tail
    assert "BLUEMETER 能耗监测平台" in names  # a distinct system stays


def test_verbs_and_particles_before_a_name_are_not_part_of_it():
    assert clean_system_name("通过打造智慧水务管理系统") == "智慧水务管理系统"
    assert clean_system_name("园区已建有碳资产核算系统") == "碳资产核算系统"
    assert clean_system_name("于能源调度平台") == "能源调度平台"
    assert clean_system_name("冷站巡检等六大系统") is None  # a list, not a name
    assert clean_system_name("光伏监控等数字化运营系统") is None
    assert clean_system_name("KMX 能耗分析系统等系统") == "KMX 能耗分析系统"
    assert clean_system_name("楼宇节能的系统") is None  # a description


def test_a_phrase_around_a_name_collapses_into_the_name():
    assert longest_forms(["绿叶出行小程序", "我们让绿叶出行小程序", "用户可以在绿叶出行小程序"]) == ["绿叶出行小程序"]


def test_the_longer_form_takes_the_place_of_the_first_mention():
    assert longest_forms(["ZQ 系统", "园区能耗平台", "ZQ 智慧配电管理系统"]) == ["ZQ 智慧配电管理系统", "园区能耗平台"]


_HEAD = st.text(alphabet="ABCDEFGHKMNPQRSTXYZ", min_size=3, max_size=5)
_MID = st.sampled_from(["智慧配电", "能耗分析", "冷链监控", "碳资产核算", "仓储调度", "水务运营"])
_TAIL = st.sampled_from(["管理系统", "系统", "平台", "管理平台"])


@st.composite
def _names(draw):
    heads = draw(st.lists(_HEAD, min_size=1, max_size=5, unique=True))
    out = []
    for h in heads:
        full = f"{h} {draw(_MID)}{draw(_TAIL)}"
        forms = [full]
        if draw(st.booleans()):
            forms.append(f"{h} {draw(st.sampled_from(['系统', '平台']))}")  # the short form
        out.extend(draw(st.permutations(forms)))
    return heads, out


@settings(max_examples=200, deadline=None)
@given(_names())
def test_longest_forms_properties(case):
    heads, names = case
    kept = longest_forms(names)
    assert kept == longest_forms(kept)  # idempotent
    assert set(kept) <= set(names)  # names as printed, none made up
    assert len(kept) == len(heads)  # one per distinct system, distinct ones all kept
    for h in heads:  # each under its longest printed form
        forms = [n for n in names if n.startswith(h + " ")]
        assert max(forms, key=len) in kept
    for a in kept:  # no kept name is contained in another
        assert not any(a != b and _key(a) in _key(b) for b in kept)


@settings(max_examples=100, deadline=None)
@given(_HEAD, _MID, _TAIL, st.sampled_from(["等系统", "等平台", "等", "等多个系统"]))
def test_an_enumeration_tail_is_cut(head, mid, tail, etc):
    name = f"{head} {mid}{tail}"
    assert clean_system_name(name + etc) == name
    assert clean_system_name(name) == name


def test_a_society_named_after_a_group_is_not_its_unit():
    from caseatlas.organizations.resolve import Resolver, Use

    printed = ["中国石化", "中国石化节能协会", "中国石化经济技术研究院", "国网能源汽车联盟"]
    res = Resolver((), use_known=True).resolve([Use(i, p, "") for i, p in enumerate(printed)])
    root = {printed[link.case]: (link.org, res.root(link.org)) for link in res.links}
    society, institute, group = root["中国石化节能协会"], root["中国石化经济技术研究院"], root["中国石化"]
    assert society[1] == society[0] != group[0]  # a body of its own, no group above it
    assert institute[1] == group[1] and institute[0] != group[0]  # the institute is the group's unit
    assert root["国网能源汽车联盟"][1] == root["国网能源汽车联盟"][0]
