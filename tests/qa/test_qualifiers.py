"""Questions pinned to a year, an edition or a sex are not answered from another one's story."""

from __future__ import annotations

import datetime as dt

import pytest

from newsqa.chinese import ordinals
from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.qualifiers import Qualifiers
from newsqa.script import fold
from newsqa.types import Chunk, Document, RetrievedChunk


def story(doc_id: str, title: str, text: str, date: str | None = None) -> RetrievedChunk:
    document = Document(doc_id=doc_id, title=title, text=text, date=date)
    chunk = Chunk(f"{doc_id}:0", doc_id, 0, text, 0, len(text), text)
    return RetrievedChunk(chunk=chunk, document=document, score=1.0)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("第9次上调", {("次", 9)}),
        ("第八屆炎陵黃桃大會", {("届", 8)}),
        ("第 3 輪比賽", {("轮", 3)}),
        ("第二十一届大运会和首届文化节", {("届", 21), ("届", 1)}),
        ("首次亮相", set()),  # for the first time: no ordinal of anything
        ("第一百期", {("期", 100)}),
    ],
)
def test_ordinals_in_both_scripts(text: str, expected: set) -> None:
    assert ordinals(fold(text)) == expected


def test_what_a_question_pins_down() -> None:
    asked = Qualifiers.of("2019年女足世界杯中國女足是在哪一輪被淘汰的？")
    assert asked.years == ((2019, 2019),) and asked.sexes == {"女足"}
    assert Qualifiers.of("1993年到2005年韓國電影的產值增加了多少？").years == ((1993, 2005),)
    assert Qualifiers.of("2023年國內成品油價第9次上調時，汽油每噸提高了多少元？").ordinals == {("次", 9)}
    assert Qualifiers.of("成都大運會女子三級跳遠的金牌得主是誰？").sexes == {"女子"}
    assert not Qualifiers.of("歐洲人第一次來到蘇利南是在何時？")  # "for the first time" numbers no edition
    # Relative times are not pinned here (they need the date the question was asked).
    assert not Qualifiers.of("去年的冠軍是誰？")
    assert not Qualifiers.of("上海自貿區是哪一天掛牌的？")


def test_a_story_holds_a_year_by_its_date_or_its_text() -> None:
    asked = Qualifiers.of("2023年上半年青海的生產總值是多少？")
    assert asked.held_by(story("a", "青海經濟", "上半年青海生產總值增長。", date="2023-07-20").document)
    assert asked.held_by(story("b", "青海經濟", "2023年上半年，青海生產總值增長。").document)
    assert not asked.held_by(story("c", "青海經濟", "上半年青海生產總值增長。", date="2022-07-20").document)
    assert not asked.held_by(story("d", "青海經濟", "青海生產總值增長20230億元。").document)  # a digit run is no year
    # Years in numerals count, digit by digit.
    moved = Qualifiers.of("電腦學系於2005年時搬遷到哪一個學院？")
    assert moved.held_by(story("f", "印第安那大學", "於二零零五年七月一日，電腦學系遷移到資訊學院。").document)
    assert moved.held_by(story("g", "印第安那大學", "二〇〇五年，電腦學系遷移到資訊學院。").document)
    # A range is held by any year of it.
    ranged = Qualifiers.of("1993年到2005年韓國電影的產值增加了多少？")
    assert ranged.held_by(story("e", "韓國電影", "2005年，韓國電影票房翻了兩番。").document)


def test_ordinals_and_sexes_fail_only_on_evidence_of_another() -> None:
    war = Qualifiers.of("第二次世界大戰在哪一年結束？")
    assert war.held_by(story("a", "二戰", "二戰於1945年結束。").document)  # the story does not number it
    assert not Qualifiers.of("第八屆大會在哪裡舉行？").held_by(story("b", "大會", "第九屆大會在長沙舉行。").document)
    assert Qualifiers.of("第九屆大會在哪裡舉行？").held_by(story("c", "大會", "第八屆和第九屆大會都在長沙舉行。").document)
    women = Qualifiers.of("女子100米冠軍是誰？")
    assert women.held_by(story("d", "百米", "100米冠軍是王某。").document)
    assert not women.held_by(story("e", "百米", "男子100米冠軍是王某。").document)
    assert women.held_by(story("f", "百米", "男子和女子100米冠軍分別是王某和李某。").document)


WOMEN_FINAL = "8月4日晚，成都大運會女子三級跳遠決賽中，烏克蘭選手貝赫獲得金牌。"
MEN_FINAL = "8月3日晚，成都大運會男子三級跳遠決賽中，中國選手粟文獲得金牌，黃華鋒獲得銅牌。"


def test_the_story_of_the_other_sex_is_passed_over_for_the_next_candidate() -> None:
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    # The men's story matches the rest of the question better (its headline has every other word).
    men = story("men.txt", "成都大運會三級跳遠金牌得主", MEN_FINAL)
    women = story("women.txt", "田徑賽況", WOMEN_FINAL)
    assert "粟文" in ExtractiveAnswerer(min_confidence=0.1).run("成都大運會三級跳遠的金牌得主是誰？", [men, women]).answer
    answer = answerer.run("成都大運會女子三級跳遠的金牌得主是誰？", [men, women])
    assert not answer.abstained and "貝赫" in answer.answer
    assert [c.doc_id for c in answer.citations] == ["women.txt"]


def test_without_a_story_of_what_was_asked_it_abstains() -> None:
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    men = story("men.txt", "大運會男子三級跳遠", MEN_FINAL)
    answer = answerer.run("成都大運會女子三級跳遠的金牌得主是誰？", [men])
    assert answer.abstained and answer.citations == [] and answer.confidence == 0.0
    ninth = story("peach.txt", "炎陵黃桃大會", "第九屆炎陵黃桃大會在炎陵縣神農廣場開幕。")
    assert answerer.run("第八屆炎陵黃桃大會是在哪裡舉行的？", [ninth]).abstained
    # The same story answers the question it holds.
    answer = answerer.run("第九屆炎陵黃桃大會是在哪裡舉行的？", [ninth])
    assert not answer.abstained and "神農廣場" in answer.answer


def test_a_question_without_qualifiers_is_answered_as_before() -> None:
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    men = story("men.txt", "大運會男子三級跳遠", MEN_FINAL)
    answer = answerer.run("成都大運會三級跳遠的金牌得主是誰？", [men])
    assert not answer.abstained and "粟文" in answer.answer


def test_a_code_the_question_names_must_be_in_the_story() -> None:
    asked = Qualifiers.of("HMD Global發布的諾基亞G310 5G手機售價是多少？")
    assert asked.codes == {"g310"}  # 5g is too short to be a code
    assert not asked.held_by(story("a", "諾基亞新機", "諾基亞C210手機售價為109美元。").document)
    assert asked.held_by(story("b", "諾基亞新機", "諾基亞G310 5G手機售價為186美元。").document)
    assert not asked.held_by(story("c", "諾基亞新機", "諾基亞G3100售價為99美元。").document)  # a whole word
    assert Qualifiers.of("COVID19疫情何時開始？").held_by(story("d", "疫情", "COVID-19疫情始於2019年底。").document)
    # Measures and terminal junk are not codes.
    assert not Qualifiers.of("男子100m的冠軍是誰？").codes
    assert not Qualifiers.of("上海自貿區是哪一天\x1b[31m掛牌的？").codes


def test_a_serial_name_with_another_number_is_another_thing():
    assert ordinals("神舟十三号成功返回") == {("神舟号", 13)}
    assert ordinals("长征五号和嫦娥五号") == {("长征号", 5), ("嫦娥号", 5)}  # the name is part of the counter
    assert ordinals("8月3号") == set()  # a date, not a name
    asked = Qualifiers.of("神舟十三号成功返回当天发生了什么？")
    assert not asked.held_by(Document(doc_id="a", title="神舟十四号乘组出舱", text="神舟十四号航天员乘组完成出舱。"))
    assert asked.held_by(Document(doc_id="b", title="神舟十三号返回", text="神舟十三号载人飞船返回舱成功着陆。"))


def test_a_day_asked_with_its_year_must_be_the_story_s_or_named_in_it():
    asked = Qualifiers.of("2023年5月19日A股市场的人工智能概念股表现如何？")
    assert asked.days == (dt.date(2023, 5, 19),)

    def story(text: str, date: str | None) -> Document:
        return Document(doc_id="s", title="A股", text=text, date=date)

    assert asked.held_by(story("A股人工智能概念股卷土重来。", "2023-05-19"))
    assert asked.held_by(story("周五A股人工智能概念股卷土重来。", "2023-05-21"))  # a report of the next days
    assert asked.held_by(story("5月19日，A股人工智能概念股卷土重来。", "2023-06-01"))  # names the day
    assert asked.held_by(story("19日，A股人工智能概念股卷土重来。", "2023-05-25"))  # 「19日」 in a story of that month
    assert not asked.held_by(story("A股人工智能概念股震荡下跌。", "2023-10-23"))  # another day's story
    assert Qualifiers.of("上海自貿區是哪一天掛牌的？").days == ()  # no day asked: nothing checked


def test_a_story_of_the_day_asked_answers_though_another_day_s_matches_more_words() -> None:
    """The March statement shares more words with the question (声明, 决定) than the story of
    the day asked; that story still answers when the retriever ranked it first, the unrelated
    story of the same day never does."""
    answerer = ExtractiveAnswerer(min_confidence=0.1)
    question = "美国国务院于2021年8月3日做出了怎样的决定？"
    march = story("march.txt", "美国国务院声明", "2021年3月17日，美国国务院做出了决定，发表声明，诋毁全国人大通过的决定，并威胁实施制裁。", "2021-03-17")
    august = story("august.txt", "放宽难民资格", "2021年8月3日，美国国务院放宽了难民接收资格，允许阿富汗人申请难民庇护。", "2021-08-03")
    tennis = story("tennis.txt", "网球", "2021年8月3日，德约科维奇在奥运会网球比赛中因伤退赛。", "2021-08-03")
    # The retriever puts the story of the day asked first (it prefers the period asked).
    answer = answerer.run(question, [august, march, tennis])
    assert not answer.abstained and "放宽了难民接收资格" in answer.answer
    assert [c.doc_id for c in answer.citations] == ["august.txt"]
    # Only the March story and an unrelated one of the day asked: nothing answers it; nor does
    # the story of the day asked when the retriever itself ranked another story first.
    assert answerer.run(question, [march, tennis]).abstained
    assert answerer.run(question, [tennis, march]).abstained
    assert answerer.run(question, [march, august, tennis]).abstained
