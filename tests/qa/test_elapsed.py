"""「…是多少年前的事？」: asked as a when-question, the date counted to the day asked."""

from __future__ import annotations

import datetime as dt

import pytest

from newsqa.config import Settings
from newsqa.qa.elapsed import ElapsedQuestion
from newsqa.qa.pipeline import NewsQA
from newsqa.types import Answer, Citation


@pytest.mark.parametrize(
    ("question", "when_question", "unit"),
    [
        ("中法建交60周年招待会是几个月前举行的？", "中法建交60周年招待会是什么时候举行的？", "month"),
        ("开国将军甘祖昌是在多少年前辞去职务回到江西的？", "开国将军甘祖昌是什么时候辞去职务回到江西的？", "year"),
        ("距离《熊出没·狂野大陆》全国点映过去了多少年？", "《熊出没·狂野大陆》全国点映是什么时候？", "year"),
        ("几年前张希清因露天焚烧秸秆受到批评教育？", "张希清因露天焚烧秸秆受到批评教育是什么时候？", "year"),
        ("三峽大壩動工距今多少年？", "三峽大壩動工是什麼時候？", "year"),
        ("嫦娥五号发射是几天前？", "嫦娥五号发射是什么时候？", "day"),
    ],
)
def test_reads_how_long_ago_questions(question, when_question, unit):
    asked = ElapsedQuestion.read(question)
    assert asked is not None and (asked.when_question, asked.unit) == (when_question, unit)


@pytest.mark.parametrize(
    "question",
    [
        "几个月前北京市初中学业水平考试是在什么时候进行的？",  # 几个月前 is its time; it asks when
        "他今年多少岁？",
        "上海自贸区是哪一天挂牌的？",
        "三年前印度约有多少新冠疫苗被浪费？",  # a relative time, then another question
        "几个月前东方甄选宣布哪位员工离职？",  # a vague time, and it asks which employee
        "几年前7月底中美在哪个城市恢复了经贸磋商？",
        "距离过去了多少年",  # nothing to ask about
        "？？几年前",
    ],
)
def test_other_questions_are_not_read(question):
    assert ElapsedQuestion.read(question) is None


def _answer(text: str, quote: str, date: str | None) -> Answer:
    cite = Citation(1, "a.txt", "标题", date, None, quote, 0, len(quote), 1.0, 0, len(quote))
    return Answer(question="", answer=text, abstained=False, citations=[cite])


def test_the_count_is_in_the_unit_asked_with_the_date_it_counts_from():
    asked_on = dt.date(2024, 11, 12)
    months = ElapsedQuestion.read("中法建交60周年招待会是几个月前举行的？")
    said = "2024年1月25日，中法建交60周年招待会在国家大剧院举行。[1]"
    answer = months.answered(_answer(said, said, "2024-01-25"), asked_on, "hans")
    assert answer.answer == "10个月前（2024年1月25日）：" + said
    assert answer.question == "中法建交60周年招待会是几个月前举行的？"
    # a date lead of the when-answer's own gives way to the count
    years = ElapsedQuestion.read("大坝是多少年前动工的？")
    led = years.answered(_answer("1994年12月14日：大坝于12月14日正式动工。[1]", "大坝于12月14日正式动工。", "1994-12-20"),
                         asked_on, "hant")
    assert led.answer == "30年前（1994年12月14日）：大坝于12月14日正式动工。[1]"
    # months asked of a year-only date, or no date at all: the when-answer as it is
    vague = "甘祖昌于1957年辞去职务。[1]"
    assert months.answered(_answer(vague, vague, None), asked_on, "hans").answer == vague
    weeks = ElapsedQuestion.read("大坝是几周前动工的？")
    assert weeks.lead(_answer("大坝动工。[1]", "大坝动工。", None), asked_on) is None


def test_a_later_citation_dates_the_answer_when_the_first_states_no_date():
    asked = ElapsedQuestion.read("广深港高铁“灵活行”是几个月前推出的？")
    footer, dated = "本文属于原创文章，转载请注明来源。", "广深港高铁“灵活行”产品于8月14日推出。"
    first = Citation(1, "a.txt", "标题", None, None, footer, 0, len(footer), 1.0, 0, len(footer))
    second = Citation(2, "b.txt", "标题", "2023-08-15", None, dated, 0, len(dated), 1.0, 0, len(dated))
    said = f"{footer}[1]{dated}[2]"
    answer = Answer(question="", answer=said, abstained=False, citations=[first, second])
    assert asked.answered(answer, dt.date(2023, 12, 1), "hans").answer == "4个月前（2023年8月14日）：" + said


def test_the_traditional_reader_gets_traditional_words():
    asked = ElapsedQuestion.read("招待會是幾個月前舉行的？")
    said = "2024年1月25日，招待會在國家大劇院舉行。[1]"
    assert asked.answered(_answer(said, said, "2024-01-25"), dt.date(2024, 11, 12), "hant").answer.startswith(
        "10個月前（2024年1月25日）：")


def test_a_how_long_ago_question_over_a_real_index(small_news_index, e5_model_dir):
    qa = NewsQA(Settings.load(embedding_model=str(e5_model_dir)), small_news_index)
    answer = qa.ask("三峡大坝正式动工是多少年前的事？", as_of=dt.date(2024, 12, 20))
    assert answer.answer.startswith("30年前（1994年12月14日）："), answer.answer
    assert [c.doc_id for c in answer.citations] == ["three-gorges.txt"]
    assert answer.question == "三峡大坝正式动工是多少年前的事？"
