"""The question gate on hand-made cases (the fuzzing is in tests/qa/test_question_fuzz.py)."""

from __future__ import annotations

import pytest

from newsqa.question import QuestionError, clean_question, validate_question


@pytest.mark.parametrize(
    "raw, cleaned",
    [
        ("  上海自貿區是哪一天掛牌的？ ", "上海自貿區是哪一天掛牌的？"),
        ("上海\x00自貿區\x1b掛牌\u200b了嗎", "上海 自貿區 掛牌了嗎"),  # controls split words, zero-width goes
        ("上海\n\n自贸区\t挂牌", "上海 自贸区 挂牌"),
        ("\ufeff台风在哪里登陆？", "台风在哪里登陆？"),
        ("GDP?", "GDP?"),
        ("-5度的天氣如何？", "-5度的天氣如何？"),
    ],
)
def test_questions_are_cleaned(raw, cleaned):
    assert validate_question(raw) == cleaned


@pytest.mark.parametrize(
    "data, expected",
    [
        ("上海自贸区是哪一天挂牌的？".encode("gbk"), "上海自贸区是哪一天挂牌的？"),  # a GBK terminal
        ("上海自貿區是哪一天掛牌的？".encode("big5"), "上海自貿區是哪一天掛牌的？"),  # a Big5 one
        ("台风在哪里登陆？".encode("utf-8-sig"), "台风在哪里登陆？"),
        ("台风在哪里登陆？".encode("utf-16"), "台风在哪里登陆？"),
    ],
)
def test_bytes_are_decoded(data, expected):
    assert validate_question(data) == expected


def test_undecodable_argv_bytes_are_decoded_again():
    """Python keeps a GBK argv as U+DC80..U+DCFF escapes; the gate reads them as GBK."""
    escaped = "上海自贸区是哪一天挂牌的？".encode("gbk").decode("utf-8", "surrogateescape")
    assert validate_question(escaped) == "上海自贸区是哪一天挂牌的？"


@pytest.mark.parametrize(
    "raw, kind",
    [
        ("", "empty"), ("   \n\t", "empty"), (None, "empty"), ("\x00\u200b", "empty"),
        ("上", "too_short"), ("的", "too_short"), ("？", "too_short"), ("他是谁？", "too_short"),
        ("a", "too_short"), ("哪里？？？", "too_short"),
        ("上海" * 300, "too_long"),
        ("上海\ud800自贸区", "not_text"),  # a lone surrogate, e.g. JSON "\ud800" through /ask
        (b"\xff\xfe\xff", "not_text"),
        (b"\x80\x81\x82\x83\x84", "not_text"),
    ],
)
def test_refusals_say_why(raw, kind):
    with pytest.raises(QuestionError) as caught:
        validate_question(raw)
    assert caught.value.kind == kind
    assert "請" in str(caught.value) or "请" in str(caught.value)  # says what to do


def test_refusals_speak_the_question_script():
    with pytest.raises(QuestionError, match="问题太短"):
        validate_question("这是谁？")
    with pytest.raises(QuestionError, match="問題太短"):
        validate_question("這是誰？")
    with pytest.raises(QuestionError, match="问题太长：1000 个字，最多 500 个字"):
        validate_question("为" * 1000)


def test_clean_question_does_not_judge_content():
    """The chat cleans before it rewrites a follow-up (「他呢？」 is fine after a question)."""
    assert clean_question("他呢？\x00") == "他呢？"
