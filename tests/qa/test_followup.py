"""``FollowUpRewriter``: elliptical and pronoun follow-ups become standalone questions,
in the new question's script; questions that stand alone are returned unchanged."""

from __future__ import annotations

import doctest

import pytest
from newsqa.qa import followup
from newsqa.qa.followup import FollowUpRewriter

LUJIAZUI = [("陸家嘴在上海自貿區擴區時納入了嗎？", "是的，陸家嘴金融片區已納入。[1]")]
AREA_HANS = [("上海自贸区扩区前面积多大？", "上海自贸区扩区前面积为28.78平方公里。[1]")]
LAUNCH = [("上海自貿區是哪一天掛牌的？", "2013年9月29日上海自貿區掛牌。[1]")]
TITLES = ["上海自貿試驗區掛牌十週年回顧", "上海自贸区扩区方案获批", "臺北市立動物園為圓仔慶祝生日"]


@pytest.fixture(params=[None, TITLES], ids=["no-titles", "titles"])
def rewriter(request) -> FollowUpRewriter:
    return FollowUpRewriter(titles=request.param)


def test_docstring_examples() -> None:
    assert doctest.testmod(followup, raise_on_error=False).failed == 0


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        # the example, in both scripts (the template follows the new question's script)
        ("那張江呢？", LUJIAZUI, "張江在上海自貿區擴區時納入了嗎？"),
        ("那张江呢？", LUJIAZUI, "张江在上海自贸区扩区时纳入了吗？"),
        ("那麼張江呢", LUJIAZUI, "張江在上海自貿區擴區時納入了嗎？"),
        ("还有张江呢？", LUJIAZUI, "张江在上海自贸区扩区时纳入了吗？"),
        ("張江呢？", LUJIAZUI, "張江在上海自貿區擴區時納入了嗎？"),
        ("張江？", LUJIAZUI, "張江在上海自貿區擴區時納入了嗎？"),  # very short
        # the phrase replaces a same-length span that differs in one character
        ("那扩区后呢？", AREA_HANS, "上海自贸区扩区后面积多大？"),
        ("那擴區後呢？", AREA_HANS, "上海自貿區擴區後面積多大？"),
        # the subject is the main entity; the question's script wins
        ("那團團呢？", [("圓仔的生日會在哪裡舉行？", "在新光特展館。[1]")], "團團的生日會在哪裡舉行？"),
        ("那前海呢？", LAUNCH, "前海是哪一天掛牌的？"),
        ("前海呢？", [("哪一天上海自貿區掛牌？", "")], "哪一天前海掛牌？"),
        # an attribute is asked about the main entity
        ("那面積呢？", LAUNCH, "上海自貿區的面積呢？"),
        ("那面积呢？", LAUNCH, "上海自贸区的面积呢？"),
    ],
)
def test_elliptical_follow_ups(rewriter: FollowUpRewriter, question: str, history, expected: str) -> None:
    assert rewriter.run(question, history) == expected


@pytest.mark.parametrize(
    ("question", "history", "expected"),
    [
        ("它扩区前面积多大？", LAUNCH, "上海自贸区扩区前面积多大？"),
        ("它是哪一天掛牌的？", AREA_HANS, "上海自貿區是哪一天掛牌的？"),
        ("該區扩区前面积多大？", LAUNCH, "上海自贸区扩区前面积多大？"),
        ("这个区有多大？", LAUNCH, "上海自贸区有多大？"),
        ("他們的總部在哪裡？", LUJIAZUI, "陸家嘴的總部在哪裡？"),
        ("它在哪一年創刊？", [("《人民日報》的總部在哪裡？", "")], "人民日報在哪一年創刊？"),
    ],
)
def test_pronouns_are_resolved_to_the_previous_main_entity(
    rewriter: FollowUpRewriter, question: str, history, expected: str
) -> None:
    assert rewriter.run(question, history) == expected


@pytest.mark.parametrize(
    "question",
    [
        "上海自貿區是哪一天掛牌的？",
        "上海自贸区扩区后面积多大？",
        "圓仔的生日會在哪裡舉行？",
        "那達慕大會在哪裡舉行？",  # starts with 那 but is a full question
        "上海自贸区为什么要扩区呢？",  # ends with 呢 but is a full question
        "那麼上海自貿區是哪一天掛牌的？",
        "應該怎麼申請？",  # 應該 is not the pronoun 該
        "其它國家有自貿區嗎？",  # 其它 means "other"
        "謝謝",
        "陸家嘴呢？",  # names what the previous question already asks about
        "這個活動吸引了多少人？",  # 這個活動 is not the place the previous question named
    ],
)
def test_standalone_questions_are_unchanged(rewriter: FollowUpRewriter, question: str) -> None:
    assert rewriter.run(question, LUJIAZUI) == question
    if question != "陸家嘴呢？":
        assert rewriter.run(question, LAUNCH) == question


def test_no_history_or_no_entity_leaves_the_question_alone(rewriter: FollowUpRewriter) -> None:
    assert rewriter.run("那張江呢？", []) == "那張江呢？"
    assert rewriter.run("它是哪一天掛牌的？", []) == "它是哪一天掛牌的？"
    # the previous question has no entity to replace
    assert rewriter.run("那張江呢？", [("為什麼？", "")]) == "那張江呢？"
    assert rewriter.run("它在哪裡？", [("是什麼？", "")]) == "它在哪裡？"


def test_only_the_last_turn_counts_and_titles_may_fail() -> None:
    history = [("圓仔的生日會在哪裡舉行？", ""), *LUJIAZUI]
    assert FollowUpRewriter().run("那張江呢？", history) == "張江在上海自貿區擴區時納入了嗎？"

    def broken():
        raise RuntimeError("index closed")

    assert FollowUpRewriter(titles=broken).run("它是哪一天掛牌的？", AREA_HANS) == "上海自貿區是哪一天掛牌的？"


@pytest.mark.parametrize(
    ("previous", "follow_up", "expected"),
    [
        ("中國聯通總裁是誰？", "那董事长呢？", "中国联通董事长是谁？"),  # found in a user trial: 中國聯通 was dropped
        ("中国联通的总裁是谁？", "那董事長呢？", "中國聯通的董事長是誰？"),
        ("吉利汽車的總經理是誰？", "那執行長呢？", "吉利汽車的執行長是誰？"),
    ],
)
def test_another_role_of_the_same_organisation(previous: str, follow_up: str, expected: str) -> None:
    assert FollowUpRewriter().run(follow_up, [(previous, "……[1]")]) == expected
