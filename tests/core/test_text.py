"""``newsqa.text``: how Chinese text is cut, for every floor: sentences, tokens, question words."""

from newsqa.script import fold
from newsqa.text import (
    FUNCTION_CHARS,
    GRAMMAR_CHARS,
    MATCH_STOP_CHARS,
    NO_TOPIC_CHARS,
    SUPPORT_STOP_CHARS,
    bigram_tokens,
    query_tokens,
    split_sentences,
)


def _texts(text, spans):
    return [text[s.start : s.end] for s in spans]


def test_bigrams_of_cjk_runs_and_whole_latin_words():
    assert bigram_tokens("上海自贸区 2013年 abc") == ["上海", "海自", "自贸", "贸区", "2013", "年", "abc"]


def test_question_words_are_dropped_from_queries():
    tokens = query_tokens(fold("上海自貿區是哪一天掛牌的？"))
    assert "哪一" not in tokens and "一天" not in tokens
    assert "挂牌" in tokens and "自贸" in tokens
    assert query_tokens("什么") == ["什么"]  # nothing but question words: keep them


def test_sentences_end_at_chinese_and_halfwidth_enders():
    text = "第一句。第二句！第三句？第四句;第五句!最後一句"
    assert _texts(text, split_sentences(text)) == ["第一句。", "第二句！", "第三句？", "第四句;", "第五句!", "最後一句"]


def test_closing_quotes_stay_with_their_sentence():
    text = "他說:「改革是急迫任務。」記者問:『為什麼?』然後離開……下一句。"
    assert _texts(text, split_sentences(text)) == [
        "他說:「改革是急迫任務。」",
        "記者問:『為什麼?』",
        "然後離開……",
        "下一句。",
    ]


def test_decimal_points_do_not_end_sentences():
    text = "面積28.78平方公裡。佔0.5%。"
    assert _texts(text, split_sentences(text)) == ["面積28.78平方公裡。", "佔0.5%。"]


def test_every_stop_set_holds_the_grammar_characters_and_each_keeps_its_own_additions():
    for stop in (SUPPORT_STOP_CHARS, MATCH_STOP_CHARS, FUNCTION_CHARS):
        assert GRAMMAR_CHARS <= stop
    assert set("此该") <= SUPPORT_STOP_CHARS and not set("此该") & MATCH_STOP_CHARS
    assert set("一上下") <= MATCH_STOP_CHARS and not set("一上下") & SUPPORT_STOP_CHARS
    assert set("由着过") <= FUNCTION_CHARS and not set("这那") & FUNCTION_CHARS
    assert {"嗎", "誰", "吗", "谁"} <= NO_TOPIC_CHARS  # the question gate reads unfolded text in both scripts
