"""An eval row's ``question_date`` is the day its question was asked: the pipeline gets it as ``as_of``."""

import datetime as dt
import json

import pytest

from newsqa.evals.metrics import QuestionFileError, load_questions, question_day
from newsqa.evals.runner import evaluate
from newsqa.types import Answer

ROWS = [
    {"id": "rel", "question": "去年9月哪个飓风袭击了利比亚？", "answers": ["丹尼尔"], "question_date": "2024-11-12"},
    {"id": "plain", "question": "风暴丹尼尔袭击了哪个国家？", "answers": ["利比亚"]},
]


def test_each_row_is_asked_as_of_its_question_date():
    asked = []

    def ask(question, **when):
        asked.append((question, when))
        return Answer(question, "", True, [])

    evaluate([dict(row, answerable=True, answer_match="any") for row in ROWS], ask, None)
    assert asked == [(ROWS[0]["question"], {"as_of": dt.date(2024, 11, 12)}), (ROWS[1]["question"], {})]


def test_a_row_without_a_date_still_works_with_a_one_argument_ask():
    results = evaluate([dict(ROWS[1], answerable=True, answer_match="any")], lambda q: Answer(q, "利比亚", False, []),
                       None)
    assert results[0][2].contains


@pytest.mark.parametrize(("written", "day"), [("2024-6-15", dt.date(2024, 6, 15)), ("2024年6月15日", dt.date(2024, 6, 15)),
                                              ("2024-1月20日", dt.date(2024, 1, 20))])
def test_a_question_date_is_read_as_written(written, day):
    assert question_day({"question_date": written}) == day
    assert question_day({}) is None


@pytest.mark.parametrize("bad", ["2024-13-01", "6-15", "昨天", 20241112, "2024-02-30"])
def test_a_bad_question_date_is_refused_when_the_file_is_read(tmp_path, bad):
    path = tmp_path / "q.jsonl"
    path.write_text(json.dumps(dict(ROWS[0], question_date=bad), ensure_ascii=False) + "\n", encoding="utf-8")
    with pytest.raises(QuestionFileError, match="question_date"):
        load_questions(path)
    path.write_text(json.dumps(ROWS[0], ensure_ascii=False) + "\n", encoding="utf-8")
    assert load_questions(path)[0]["question_date"] == "2024-11-12"
