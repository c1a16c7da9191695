"""「2023年8月发生了什么事？」: a period's stories as a dated, cited list (``newsqa.qa.digest``)."""

from __future__ import annotations

import datetime as dt

import pytest

from newsqa.config import Settings
from newsqa.qa.digest import DigestQuestion, digest_answer
from newsqa.qa.pipeline import NewsQA
from newsqa.timex import DateRange
from newsqa.types import Chunk, Document

AS_OF = dt.date(2024, 2, 10)


@pytest.mark.parametrize(("question", "period"), [
    ("2023年8月发生了什么事？", ("2023-08-01", "2023-08-31")),
    ("2024年4月有什麼新聞？", ("2024-04-01", "2024-04-30")),
    ("上個月有什麼新聞", ("2024-01-01", "2024-01-31")),
    ("去年9月发生了哪些大事？", ("2023-09-01", "2023-09-30")),
    ("2023年8月的新闻", ("2023-08-01", "2023-08-31")),
    ("1月5日發生了什麼？", ("2024-01-05", "2024-01-05")),
    ("2023年有哪些新聞？", ("2023-01-01", "2023-12-31")),
])
def test_a_bare_ask_about_a_period_is_a_digest_question(question, period):
    asked = DigestQuestion.read(question, AS_OF)
    assert asked is not None and (asked.period.start.isoformat(), asked.period.end.isoformat()) == period


@pytest.mark.parametrize("question", [
    "上個月有什麼颱風？",                       # a topic: retrieval, preferring last month
    "2020年4月2日广州发生了什么交通事故？",     # ChronoQA: a place and an event
    "八月份成都发生了什么？",
    "2023年8月",                                # no ask
    "上海自貿區是哪一天掛牌的？",
    "2023年8月和9月发生了什么？",               # two periods
    "发生了什么事？",                           # no period
])
def test_a_question_that_names_more_than_a_period_is_left_to_retrieval(question):
    assert DigestQuestion.read(question, AS_OF) is None


def _document(n: int, date: str, title: str, **metadata) -> Document:
    return Document(f"d{n}.txt", title, f"{title}。第二句。", date, "新華網", metadata=metadata)


def _lead(doc: Document) -> Chunk:
    return Chunk(f"{doc.doc_id}#0", doc.doc_id, 0, doc.text, 0, len(doc.text), f"{doc.title}\n{doc.text}")


def _answer(question: str, documents: list[Document], **options):
    leads = {d.doc_id: _lead(d) for d in documents}
    return digest_answer(DigestQuestion.read(question, AS_OF), documents, leads.get, **options)


def test_the_digest_lists_the_period_s_stories_in_date_order_each_cited_with_its_lead():
    documents = [_document(1, "2024-01-20", "乙事"), _document(2, "2024-01-03", "甲事"),
                 _document(3, "2023-12-31", "去年的事"), _document(4, None, "沒有日期的事")]
    answer = _answer("上個月有什麼新聞？", documents)
    assert answer.answer == "2024年1月的報導有2篇：1月3日，甲事[1]；1月20日，乙事[2]。"
    assert not answer.abstained and answer.answer_type == "list" and answer.script == "hant"
    assert [(c.n, c.doc_id, c.highlight_start, c.highlight_end) for c in answer.citations] == [
        (1, "d2.txt", 0, 3), (2, "d1.txt", 0, 3)]  # the lead sentence 「甲事。」 is what is highlighted
    assert [hit.document.doc_id for hit in answer.retrieved] == ["d2.txt", "d1.txt"]


def test_the_digest_answers_in_the_question_s_script_and_keeps_to_the_range():
    documents = [_document(1, "2023-03-01", "臺灣高鐵通車"), _document(2, "2023-09-01", "颱風登陸")]
    answer = _answer("2023年发生了什么事？", documents, within=DateRange(dt.date(2023, 6, 1), None))
    assert answer.answer == "2023年的报道有1篇：9月1日，台风登陆[1]。"


def test_more_stories_than_the_list_holds_one_from_each_run_the_most_carried_first():
    documents = [_document(n, f"2023-08-{n:02d}", f"第{n}號新聞") for n in range(1, 21)]
    copies = {"d4.txt": 3}  # carried by three other outlets
    answer = _answer("2023年8月发生了什么事？", documents, weight=lambda d: (copies.get(d.doc_id, 0),), size=5)
    assert answer.answer.startswith("2023年8月的报道有20篇，例如：")
    assert [c.doc_id for c in answer.citations] == ["d4.txt", "d5.txt", "d9.txt", "d13.txt", "d17.txt"]


def test_a_period_without_stories_abstains_saying_which_period():
    answer = _answer("2022年有什么新闻？", [_document(1, "2023-03-01", "別的事")])
    assert answer.abstained and answer.answer == "资料中没有2022年的报道。" and not answer.citations


def test_newsqa_answers_a_month_from_the_archive_also_when_streaming(small_news_index):
    qa = NewsQA(Settings.load(), small_news_index)
    answer = qa.ask("上個月有什麼新聞？", as_of=AS_OF)
    assert answer.answer == "2024年1月的報導有2篇：1月2日，臺北捷運路網持續擴張[1]；1月5日，臺灣高鐵通車十七年[2]。"
    assert [c.doc_id for c in answer.citations] == ["taipei-metro.txt", "thsr.txt"]
    assert all(c.start == 0 for c in answer.citations) and answer.latency_ms is not None
    streamed = list(qa.ask_stream("上個月有什麼新聞？", as_of=AS_OF))
    assert len(streamed) == 1 and streamed[0].answer == answer.answer
    topical = qa.ask("2024年1月高鐵有什麼新聞？", as_of=AS_OF)  # a topic: retrieval answers it
    assert not topical.answer.startswith("2024年1月的報導")
