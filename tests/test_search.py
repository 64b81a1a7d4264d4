"""Search: analysis, ranking on the sample, snippets, facets, filters, safety, CLI shape."""

from __future__ import annotations

import json

import pytest
from conftest import CORPUS, needs_corpus
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text
from typer.testing import CliRunner

from caseatlas.cli import app
from caseatlas.errors import CaseAtlasError
from caseatlas.search import Filters
from caseatlas.search.analysis import analyzer
from caseatlas.search.query import parse
from caseatlas.services import discovery
from caseatlas.services import library as lib


@pytest.fixture
def library(ctx, sample_file):
    lib.ingest_file(ctx, sample_file)
    return ctx


def titles(res: dict) -> list[str]:
    return [h["title"] for h in res["hits"]]


def test_analysis_is_shared_and_normalizes():
    an = analyzer()
    assert an.tokens("碳中和與節能減排") == an.tokens("碳中和与节能减排")  # traditional → simplified
    assert "光伏治沙" in an.tokens("库布其光伏治沙项目")  # domain dictionary keeps compounds
    groups = parse("屋顶光伏")
    alts = {alt for g in groups for alt in g}
    assert ("分布式光伏",) in alts and ("屋顶", "光伏") in alts  # synonym and parts
    assert parse("CATL")[0][:2] == [("catl",), ("宁德时代",)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("屋顶光伏", "山城屋顶光伏共享计划"),
        ("余热供暖", "工业园区余热供暖改造"),
        ("waste heat", "工业园区余热供暖改造"),  # English → Chinese synonyms
        ("碳积分", "社区碳普惠积分平台"),
        ("个人碳账户", "社区碳普惠积分平台"),  # 碳账户 ~ 碳普惠 ~ 碳积分
        ("海岛 储能", "海岛风光储微电网示范工程"),
        ("水泥", "水泥窑协同处置固体废物"),
        ("溫室氣體", None),  # traditional characters do not break anything
    ],
)
def test_sample_queries_rank_the_right_case_first(library, query, expected):
    res = discovery.search(library, query, mode="text")
    if expected:
        assert titles(res)[0] == expected, titles(res)
        hit = res["hits"][0]
        assert hit["matched"]["terms"] and hit["snippets"]
        assert hit["source_file"] == "sample_casebook_2025.md" and hit["start_line"] > 0


def test_snippets_highlight_what_matched(library):
    hit = discovery.search(library, "余热", mode="text")["hits"][0]
    snip = hit["snippets"][0]
    assert snip["highlights"]
    for a, b in snip["highlights"]:
        assert snip["text"][a:b] == "余热"
    assert hit["start_line"] <= snip["start_line"] <= hit["end_line"]


def test_facets_filters_and_paging(library):
    res = discovery.search(library, "减少二氧化碳排放", mode="text")
    assert res["total"] == 8
    facets = {f: {x["value"]: x["count"] for x in v} for f, v in res["facets"].items()}
    assert facets["province"]["广东省"] == 2 and facets["chapter"]["绿色制造"] == 3
    only = discovery.search(library, "减少二氧化碳排放", Filters(province="广东省"), mode="text")
    assert only["total"] == 2 and {h["case_id"] for h in only["hits"]} <= {h["case_id"] for h in res["hits"]}
    big = discovery.search(library, "", Filters(min_outcomes=[("co2e_reduction", 100000)]), mode="text")
    assert titles(big) == ["工业园区余热供暖改造", "水泥窑协同处置固体废物"]
    page2 = discovery.search(library, "减少二氧化碳排放", limit=3, offset=3, mode="text")
    assert [h["case_id"] for h in page2["hits"]] == [h["case_id"] for h in res["hits"][3:6]]
    chapter = discovery.search(library, "", Filters(chapter="城市与社区"), mode="text")
    assert chapter["total"] == 2


def test_bad_parameters_are_clear_errors(library):
    with pytest.raises(CaseAtlasError, match="limit"):
        discovery.search(library, "光伏", limit=0)
    with pytest.raises(CaseAtlasError, match="mode"):
        discovery.search(library, "光伏", mode="fuzzy")
    with pytest.raises(CaseAtlasError, match="embeddings"):
        discovery.search(library, "光伏", mode="semantic")
    with pytest.raises(CaseAtlasError, match="KIND:MINIMUM"):
        discovery.parse_minimum("tons>5")


hostile = st.one_of(
    st.text(max_size=300),
    st.sampled_from(
        [
            '"',
            '""',
            "AND",
            "OR NOT",
            "NEAR(光伏 储能, 5)",
            "光伏*",
            "^光伏",
            "col:光伏",
            "(",
            ")",
            "'; DROP TABLE cases; --",
            "\x00",
            "😀🌍🔥",
            "光" * 10_000,
            " ",
            "-",
            "+光伏 -储能",
        ]
    ),
)


@settings(max_examples=150, deadline=None)
@given(hostile)
def test_any_user_string_is_safe(library_for_hypothesis, query):
    res = discovery.search(library_for_hypothesis, query, mode="text")
    assert isinstance(res["hits"], list) and res["total"] >= 0


@pytest.fixture(scope="module")
def library_for_hypothesis(tmp_path_factory, sample_file):
    from caseatlas.services import Context, system_actor
    from caseatlas.store import open_engine

    ctx = Context(open_engine(tmp_path_factory.mktemp("h") / "lib.db"), system_actor())
    lib.ingest_file(ctx, sample_file)
    return ctx


def test_index_follows_reingest(ctx, engine, sample_file, tmp_path):
    import shutil

    path = tmp_path / sample_file.name
    shutil.copy(sample_file, path)
    lib.ingest_file(ctx, path)

    def count(sql):
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()

    before = count("SELECT count(*) FROM passages")
    generation = count("SELECT value FROM search_state WHERE key = 'generation'")
    assert count("SELECT count(DISTINCT case_pk) FROM passages") == 8
    content = path.read_text(encoding="utf-8")
    path.write_text(
        content[: content.index("## 社区碳普惠积分平台")] + content[content.index("## 附录") :], encoding="utf-8"
    )
    lib.ingest_file(ctx, path)
    after = count("SELECT count(*) FROM passages")
    assert after < before and count("SELECT count(DISTINCT case_pk) FROM passages") == 7
    assert count("SELECT value FROM search_state WHERE key = 'generation'") == generation + 1
    assert "社区碳普惠积分平台" not in titles(discovery.search(ctx, "碳普惠积分", mode="text"))


def test_embedding_is_resumable_and_enables_hybrid(library):
    first = discovery.embed(library, batch=4, limit=8)
    assert first == 8
    rest = discovery.embed(library, batch=16)
    assert rest > 0 and discovery.embed(library) == 0  # nothing left: resumable, idempotent
    res = discovery.search(library, "海岛上的风力和太阳能发电", mode="auto")
    assert res["mode"] == "hybrid" and titles(res)[0] == "海岛风光储微电网示范工程"
    assert res["hits"][0]["matched"]["semantic"] is not None
    sim = discovery.similar_cases(library, res["hits"][0]["case_id"], limit=3)
    assert len(sim) == 3 and res["hits"][0]["case_id"] not in {h["case_id"] for h in sim}


def test_cli_search_json_and_stdin(db_path, sample_file):
    runner = CliRunner()
    assert runner.invoke(app, ["ingest", str(sample_file)]).exit_code == 0
    out = runner.invoke(app, ["search", "屋顶光伏", "--json", "--mode", "text", "-n", "3"])
    assert out.exit_code == 0, out.output
    data = json.loads(out.stdout)
    assert set(data) >= {"query", "hits"}
    hit = data["hits"][0]
    assert set(hit) >= {"case_id", "source_file", "start_line", "title", "organization", "score", "snippets"}
    lines = runner.invoke(app, ["search", "--stdin", "--mode", "text"], input="余热\n\n碳积分\n").stdout.splitlines()
    assert [json.loads(ln)["query"] for ln in lines] == ["余热", "", "碳积分"]
    bad = runner.invoke(app, ["search", "光伏", "--min", "nonsense"])
    assert bad.exit_code == 1 and "KIND:MINIMUM" in bad.stderr
    text_out = runner.invoke(app, ["search", "余热", "--mode", "text"]).stdout
    assert "工业园区余热供暖改造" in text_out and "matched" in text_out


def test_dev_queries_beat_baselines(ctx):
    """The numbers in docs/benchmarks.md, text leg (the hybrid needs ~1 min of embedding)."""
    from conftest import CORPUS, GOLD

    from caseatlas.services.evaluation import eval_search

    if not CORPUS.is_dir():
        pytest.skip("../shared/corpus not present")
    lib.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
    report = eval_search(ctx, CORPUS.parent / "eval" / "queries-dev.json", GOLD, ("text",))
    ours = report.systems["caseatlas-text"].ndcg
    baselines = [m.ndcg for name, m in report.systems.items() if not name.startswith("caseatlas")]
    assert ours >= 0.89 and all(ours >= b + 0.05 for b in baselines), report.systems


def test_built_index_is_shared_not_rebuilt_per_process(library, monkeypatch):
    """A second worker (here: the same code with an empty in-process cache) loads the index
    the first one built — from the database on PostgreSQL, from the file beside SQLite."""
    from caseatlas.search import textindex

    with library.engine.connect() as conn:
        first = textindex.case_index(conn)
    textindex._CACHE.clear()
    monkeypatch.setattr(textindex, "build", lambda conn: pytest.fail("index rebuilt by a second worker"))
    with library.engine.connect() as conn:
        again = textindex.case_index(conn)
    assert again.n == first.n == 8 and again.vocab == first.vocab
    assert discovery.search(library, "屋顶光伏", mode="text")["hits"]


def test_counters_are_atomic_under_concurrent_writers(engine):
    import threading

    from caseatlas.store import search as store

    with engine.connect() as conn:
        start = store.counter(conn, "generation")

    def bump_many():
        for _ in range(25):
            with engine.begin() as conn:
                store.bump(conn, "generation")

    threads = [threading.Thread(target=bump_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with engine.connect() as conn:
        assert store.counter(conn, "generation") == start + 100


def test_query_syntax_excludes_phrases_and_fields(library):
    def hits(q):
        return discovery.search(library, q, mode="text")["hits"]

    def texts(q):
        return [lib.case_detail(library, h["case_id"]).text for h in hits(q)]

    solar = hits("光伏")
    assert len(solar) == 3
    without = hits("光伏 -海岛")
    assert len(without) == 2 and all("海岛" not in t for t in texts("光伏 -海岛"))
    assert {h["case_id"] for h in without} < {h["case_id"] for h in solar}
    assert all("屋顶光伏" in t for t in texts('"屋顶光伏"')) and len(hits('"屋顶光伏"')) == 1
    assert hits('"光伏屋顶"') == []  # the words occur, the phrase does not
    assert [h["title"] for h in hits("title:光伏")] == ["山城屋顶光伏共享计划"]
    assert all("绿盒" in h["organization"] for h in hits("org:绿盒")) and hits("机构:绿盒")
    assert discovery.search(library, "-光伏", mode="text")["total"] == 8 - len(solar)
    for odd in ("title:", 'org:"', '"""', "-", "--", "http://example.com 光伏", "光伏 -", 'a"b', "CO2:减排"):
        discovery.search(library, odd, mode="text")  # read as text, never an error


def test_parse_query_structure():
    from caseatlas.search.query import parse_query

    q = parse_query('光伏 -治沙 "零碳 园区" title:啤酒 org:美团 shore power')
    assert q.exclude == ["治沙"] and q.phrases == ["零碳 园区"]
    assert q.fields == [("title", "啤酒"), ("organization", "美团")]
    assert q.words == ["光伏", "零碳 园区", "shore", "power"]
    # "shore power" is one concept (a multi-word synonym), so it is one required word, not two.
    assert any(("shore", "power") in g for g in q.groups)
    assert len(q.terms) == 3  # 光伏, the quoted phrase's concepts, shore power


@needs_corpus
def test_several_words_must_all_match(ctx):
    lib.ingest_paths(ctx, sorted(CORPUS.glob("*.txt")))
    both = discovery.search(ctx, "钢铁 减碳", mode="text", limit=100)
    steel = discovery.search(ctx, "钢铁", mode="text", limit=100)
    assert both["total"] <= 15 < discovery.search(ctx, "减碳", mode="text", limit=100)["total"]
    assert {h["case_id"] for h in both["hits"][10:]} <= {h["case_id"] for h in steel["hits"]}
    assert all(len(h["matched"]["terms"]) == 2 for h in both["hits"][10:])


def test_semantic_hits_must_stand_out(library):
    discovery.embed(library)
    assert discovery.search(library, "xyzzyqwerty", mode="auto")["total"] == 0  # "no results" is possible
    assert discovery.search(library, "xyzzyqwerty", mode="hybrid")["hits"] == []
    sem = discovery.search(library, "海岛上的风力和太阳能发电", mode="semantic")
    assert 1 <= sem["total"] < 8 and sem["hits"][0]["title"] == "海岛风光储微电网示范工程"
    text_total = discovery.search(library, "光伏", mode="text")["total"]
    assert discovery.search(library, "光伏", mode="auto")["total"] <= text_total + 1


FILLER = "\n".join(f"第{k}项工作按计划推进。" for k in range(1, 7))
COMPOUND_BOOK = f"""# 园区能源案例集

本书收录三个园区能源案例，内容为测试所写。

## 甲园区光储充示范站
甲能源有限公司

### 案例概述
园区建成光储充一体化示范站，为电动汽车提供绿色电力。
{FILLER}

### 项目成果
项目运行良好，园区用户满意。

## 乙园区车棚改造
乙科技有限公司

### 案例概述
园区车棚顶部铺设太阳能组件，车棚旁配建储能电池柜，并新增十个充电桩。
{FILLER}

### 项目成果
项目运行良好，园区用户满意。

## 丙园区屋顶改造
丙实业有限公司

### 案例概述
园区屋顶铺设太阳能组件，并改造了照明系统。
{FILLER}

### 项目成果
项目运行良好，园区用户满意。
"""


def test_a_compound_matches_its_parts_said_apart_but_ranks_below_itself(ctx, tmp_path):
    book = tmp_path / "compound.md"
    book.write_text(COMPOUND_BOOK, encoding="utf-8")
    assert lib.ingest_file(ctx, book).status == "added"
    an = analyzer()
    assert an.expand("光储充 一体化")[0][0] == ("光储充一体化",)  # typed apart, known as one term
    res = discovery.search(ctx, "光储充", mode="text")
    # 乙 says 太阳能 … 储能 … 充电 (each part through its synonyms); 丙 has only one part.
    assert titles(res) == ["甲园区光储充示范站", "乙园区车棚改造"]
    res = discovery.search(ctx, "光储充 一体化", mode="text")
    assert titles(res)[0] == "甲园区光储充示范站"
