"""Search across languages (issue 26): English words as their lemma, the bilingual concept
dictionary (data/search/concepts.toml), Chinese terms matched by their parts said in order,
and nDCG@10 per query language. The book here is written for this test (its headings name
only a place, so what a case is about is in its own lines)."""

from __future__ import annotations

import json

import pytest

from caseatlas.search.analysis import analyzer, lemma, vocabulary_groups
from caseatlas.search.evaluation import language
from caseatlas.search.query import parse_query
from caseatlas.services import discovery
from caseatlas.services import library as lib

BOOK = """# 跨语言检索测试案例集

## 一、滨江

滨江市交通集团有限公司

【主要做法】

滨江市交通集团用三年时间把全部1200辆柴油公交车更换为纯电动车型，建设充电场站40座。

【成效】

车队年减少柴油消耗约900万升，公交出行分担率提高到百分之三十五。

## 二、青山

青山包装有限公司

【主要做法】

青山公司在其零碳纸箱工厂项目中建设屋顶光伏8兆瓦，购买绿色电力补足其余用电，并以生物质锅炉替代燃煤锅炉。

【成效】

工厂于2024年通过第三方碳中和认证。

## 三、江畔

江畔社区居民委员会

【主要做法】

江畔社区居民参与垃圾分类可获得绿色积分，积分可在社区超市兑换日用品。

【成效】

参与户数两年内由三百户增加到两千户。

## 四、Harbour City

Harbour City Transit Company

【主要做法】

Harbour City replaced its diesel buses with battery electric buses on twelve routes and built two depots with chargers.

【成效】

The transit operator reports lower fuel costs per kilometre.

## 五、湖西

湖西钢铁股份有限公司

【主要做法】

湖西钢铁公司回收烧结烟气余热发电，年发电量1.2亿千瓦时。

【成效】

相当于减少标准煤消耗约四万吨。
"""


@pytest.fixture
def book(ctx, tmp_path):
    path = tmp_path / "crosslang_cases.md"
    path.write_text(BOOK, encoding="utf-8")
    lib.ingest_file(ctx, path)
    return ctx


# The book's cases by their place in it (case ids "crosslang_cases:N").
BUS, BOX, SORTING, HARBOUR, HEAT = (f"crosslang_cases:{n}" for n in range(1, 6))


def found(ctx, query: str) -> list[str]:
    return [h["case_id"] for h in discovery.search(ctx, query, mode="text", limit=10)["hits"]]


def test_english_words_are_read_as_their_lemma():
    assert [lemma(w) for w in ["buses", "factories", "batteries", "emissions"]] == [
        "bus",
        "factory",
        "battery",
        "emission",
    ]
    # Short abbreviations stay as written (a lemmatizer reads "pas" as a plural of "pa").
    assert lemma("pas") == "pas" and lemma("ems") == "ems"
    assert lemma("公交车") == "公交车" and lemma("co2") == "co2"
    an = analyzer()
    assert an.tokens("Zero-carbon factories") == an.tokens("zero carbon factory")


def test_concepts_join_english_and_chinese_terms():
    groups = vocabulary_groups()
    # Every bilingual concept names terms in both languages.
    bilingual = groups[-len([g for g in groups if any(t.isascii() for t in g)]) :]
    assert any("electric bus" in g and "电动公交" in g for g in bilingual)
    an = analyzer()
    (bus,) = an.expand("electric buses")
    assert ("电动公交",) in bus and ("electric", "bus") in bus
    # Inflection and hyphens do not change what the query means.
    assert an.expand("zero-carbon factories") == an.expand("zero carbon factory")


def test_places_in_pinyin_are_the_gazetteers_names():
    from caseatlas.search.ranker import places

    an = analyzer()
    (haiyan,) = an.expand("Haiyan")
    assert ("海盐",) in haiyan  # a county: from the gazetteer, not from a list kept by hand
    (songjiang,) = an.expand("松江")
    assert ("songjiang",) in songjiang
    assert places(an.expand("Qingdao")) == places(an.expand("青岛")) != []
    # An English word spelled like a place's pinyin stays the word (贵德 is "guide" in pinyin).
    assert all(a[0].isascii() for a in an.expand("guide")[0])


def test_a_chinese_term_said_with_words_between_its_parts_is_indexed_as_the_term():
    an = analyzer()
    wanted = set(an.concept_tokens("零碳工厂"))
    assert wanted
    assert wanted <= set(an.index_tokens("该公司建成零碳纸箱工厂"))
    # Parts in the other order, or far apart, are not the term.
    assert not wanted & set(an.index_tokens("工厂屋顶建设光伏，目标零碳"))
    far = "零碳目标写入了公司未来十年的发展规划并分解到各个部门和所属工厂"
    assert not wanted & set(an.index_tokens(far))
    # Said as the whole word, the concept is counted once there, not again for its parts.
    assert an.index_tokens("零碳工厂").count(sorted(wanted)[0]) == 1


def test_english_query_finds_chinese_cases(book):
    assert set(found(book, "electric buses")[:2]) == {BUS, HARBOUR}
    assert found(book, "zero carbon factory")[0] == BOX  # 零碳 … 工厂 in 零碳纸箱工厂
    assert found(book, "waste heat recovery")[:1] == [HEAT]
    assert found(book, "waste sorting")[:1] == [SORTING]


def test_chinese_query_finds_english_cases(book):
    assert HARBOUR in found(book, "电动公交") and BUS in found(book, "电动公交")
    assert HARBOUR in found(book, "公交")
    # A word no concept joins to English finds no English case.
    assert HARBOUR not in found(book, "余热")


def test_words_of_one_english_phrase_are_one_required_word():
    q = parse_query("Qingdao carbon reduction")
    assert len(q.groups) == 2 and len(q.terms) == 2  # Qingdao; carbon reduction


def test_eval_search_reports_each_language(ctx, book, tmp_path):
    from caseatlas.search.evaluation import evaluate

    gold = tmp_path / "gold"  # no gold files: a case is "<book>#<its place in the book>"
    gold.mkdir()
    queries = [
        {"id": "a", "query": "电动公交", "relevant": {"crosslang_cases#0": 2, "crosslang_cases#3": 2}},
        {"id": "b", "query": "electric buses", "relevant": {"crosslang_cases#0": 2, "crosslang_cases#3": 2}},
        {"id": "c", "query": "余热", "lang": "zh", "relevant": {"crosslang_cases#4": 2}},
    ]
    path = tmp_path / "queries.json"
    path.write_text(json.dumps(queries, ensure_ascii=False), encoding="utf-8")
    report = evaluate(ctx.engine, path, gold, ("text",))
    assert report["languages"] == {"zh": 2, "en": 1}
    per = report["systems"]["caseatlas-text"]
    assert set(per["per_lang"]) == {"zh", "en"}
    assert per["per_lang"]["en"] == pytest.approx(per["per_query"]["b"], abs=1e-3)
    assert language({"query": "CATL"}) == "en" and language({"query": "CATL", "lang": "zh"}) == "zh"


def test_auto_mode_ranks_an_english_query_by_the_text_leg(book):
    """The dense leg ranks English queries poorly (docs/benchmarks.md, issue 26): with vectors,
    `auto` fuses it for a query with Chinese in it and leaves an English one to the text leg;
    asked for by name, the hybrid is still there."""
    discovery.embed(book)
    assert discovery.search(book, "电动公交", mode="auto")["mode"] == "hybrid"
    english = discovery.search(book, "electric buses", mode="auto")
    assert english["mode"] == "text"
    assert [h["case_id"] for h in english["hits"]] == found(book, "electric buses")
    assert discovery.search(book, "electric buses", mode="hybrid")["mode"] == "hybrid"
