"""The text floor (caseatlas.text): where sentences end, wrapped lines joined into paragraphs
that keep each line's provenance, and the tokenizer search and the checks share."""

from __future__ import annotations

from caseatlas.models import Line
from caseatlas.text.paragraphs import Paragraph, paragraphs
from caseatlas.text.sentences import (
    CLAUSE_END_RE,
    SENTENCE_END,
    SENTENCE_END_RE,
    english_full_stop,
    sentence_at,
    words_after,
    words_before,
)
from caseatlas.text.tokenizer import normalize, tokenizer


def lines_of(*raws: str) -> list[Line]:
    return [Line(no=i + 1, raw=r, text=r) for i, r in enumerate(raws)]


# -- sentences


def test_one_set_of_sentence_ends_splits_chinese_and_latin_text():
    assert SENTENCE_END_RE.split("项目投运。年减排 1200 吨！是否推广？可以；继续") == [
        "项目投运",
        "年减排 1200 吨",
        "是否推广",
        "可以",
        "继续",
    ]
    assert SENTENCE_END_RE.split("Saved 5 t; cut 2 t! Why?") == ["Saved 5 t", " cut 2 t", " Why", ""]
    assert not SENTENCE_END_RE.search("节能，减排：1.5 万吨")  # commas, colons and decimal points run on


def test_the_sentence_around_a_position():
    text = "背景数据 30 万吨。项目年减排 1.2 万吨，节约标煤 500 吨。其后"
    at = text.index("1.2")
    start, end = sentence_at(text, at)
    assert text[start:end] == "项目年减排 1.2 万吨，节约标煤 500 吨"
    assert sentence_at(text, len(text) - 1) == (text.rindex("。") + 1, len(text))


def test_an_english_period_ends_a_sentence_only_after_a_word_and_before_a_space():
    text = "It saved 2.5 t a year. U.S. firms ran."
    assert english_full_stop(text, text.index("year.") + 4)
    assert not english_full_stop(text, text.index("2.5") + 1)  # a decimal point
    assert not english_full_stop(text, text.index("U.S.") + 3)  # a capital's period
    assert not english_full_stop(text, len(text) - 1)  # no space after it (the text's end)
    assert words_before(text, text.index("firms")) == " U.S. "
    assert words_after(text, 0) == "It saved 2.5 t a year"


def test_words_before_and_after_stop_at_the_marks_given_and_the_limit():
    text = "去年，项目共减排 5 万吨；今年继续"
    at = text.index("5")
    assert words_before(text, at) == "去年，项目共减排 "  # a comma does not end a sentence
    assert words_before(text, at, "，") == "项目共减排 "
    assert words_before(text, at, SENTENCE_END, 3) == "减排 "
    assert words_after(text, at) == "5 万吨"
    assert [m.group() for m in CLAUSE_END_RE.finditer(text)] == ["，", "；"]


# -- paragraphs


def test_wrapped_lines_are_joined_into_one_paragraph_until_a_sentence_ends():
    ps = paragraphs(lines_of("项目投运后每年减少二氧", "化碳排放 1,200 吨，节约标", "煤 500 吨。", "下一段。"))
    assert [p.text for p in ps] == ["项目投运后每年减少二氧化碳排放 1,200 吨，节约标煤 500 吨。", "下一段。"]


def test_a_paragraph_keeps_the_line_of_every_character():
    ps = paragraphs(lines_of("项目投运后每年减少二氧", "化碳排放 1,200 吨。"))
    (p,) = ps
    assert isinstance(p, Paragraph)
    assert [(start, end, line.no) for start, end, line in p.spans] == [(0, 11, 1), (11, 24, 2)]
    assert p.line_at(p.text.index("1,200"))[2].no == 2
    assert p.line_at(p.text.index("二氧"))[2].no == 1
    assert p.line_at(11)[2].no == 2  # the first character of the second line
    assert p.line_at(len(p.text))[2].no == 2  # one past the end: the last line


def test_latin_words_split_by_a_wrap_get_their_space_back_and_chinese_does_not():
    (p,) = paragraphs(lines_of("The plant saved", "1,200 tonnes a year."))
    assert p.text == "The plant saved 1,200 tonnes a year."
    assert p.line_at(p.text.index("1,200"))[2].no == 2


def test_a_short_heading_line_ends_its_paragraph_and_a_long_numbered_line_may_wrap():
    ps = paragraphs(lines_of("◎ 项目成果", "年减排 5 万吨", "。", "2. 绿色制造方面", "建成光伏"))
    assert [p.text for p in ps] == ["◎ 项目成果", "年减排 5 万吨。", "2. 绿色制造方面", "建成光伏"]
    long_item = "1. " + "一项很长的措施说明" * 3
    assert [p.text for p in paragraphs(lines_of(long_item, "接续的文字。"))] == [long_item + "接续的文字。"]


def test_a_bold_heading_line_ends_a_paragraph_and_blank_lines_do_not_matter():
    """A line all in bold (a Word paragraph in bold type, "**一、实施效果**") is a heading: the text
    after it is a paragraph of its own; blank lines between lines change nothing."""
    raws = ["**一、实施效果**", "项目投运后", "年减少二氧化碳排放 1200 吨。", "**二、推广价值**", "可在同类园区推广。"]
    with_blanks = [r for raw in raws for r in (raw, "")]
    for raw_lines in (raws, with_blanks):
        ps = paragraphs(lines_of(*raw_lines))
        assert [p.text for p in ps] == [
            "**一、实施效果**",
            "项目投运后年减少二氧化碳排放 1200 吨。",
            "**二、推广价值**",
            "可在同类园区推广。",
        ]


# -- tokenizer


def test_tokens_are_simplified_lower_case_words_without_stop_words_or_punctuation():
    words = tokenizer()
    assert normalize("碳中和與節能減排 SOLAR") == "碳中和与节能减排 solar"
    assert words.tokens("碳中和與節能減排") == words.tokens("碳中和与节能减排")
    toks = words.tokens("我们的光伏项目，Solar！")
    assert "光伏" in toks and "solar" in toks
    assert not {"的", "，", "！", " "} & set(toks)
    assert not set(toks) & words.stopwords


def test_the_domain_dictionary_keeps_measure_names_whole():
    words = tokenizer()
    assert "光伏治沙" in words.tokens("库布其光伏治沙项目")  # a measure name (data/taxonomy/measures.toml)
    assert words.words("屋顶光伏项目") == ("屋顶光伏", "项目")  # precise mode: one token per word


def test_segments_are_the_raw_search_mode_cut():
    words = tokenizer()
    cut = words.segments("屋顶光伏，很好")
    assert "".join(c for c in cut if c in ("，",)) == "，"  # punctuation is a segment too
    assert "屋顶" in cut and "光伏" in cut  # search mode: a compound's parts
