"""``newsqa.ui.feedback``: the chat's 👍/👎 log and the eval rows made from it."""

from __future__ import annotations

import datetime as dt
import json
import threading
from pathlib import Path

import pytest

from newsqa.ui.feedback import (
    FeedbackLog,
    feedback_record,
    feedback_to_eval_rows,
    main,
    read_feedback,
    strip_markers,
)

CITATION = {
    "n": 1, "doc_id": "ftz_expansion.txt", "source_file": "ftz_expansion.txt", "title": "上海自贸区扩区方案获批",
    "date": "2014-12-28", "source": "新华网", "text": "前文。扩区后的自贸区新增了张江高科技片区。", "start": 10, "end": 31,
    "highlight_start": 3, "highlight_end": 21, "score": 0.5,
}
SECOND = {**CITATION, "n": 2, "doc_id": "feed.jsonl#3", "source_file": "feed.jsonl", "highlight_start": 0, "highlight_end": 3}


def _log(path: Path, rating: str, question: str, answer: str, citations=(CITATION,), **extra) -> None:
    FeedbackLog(path).record(rating, question=question, answer=answer, citations=citations, **extra)


def test_record_format(tmp_path: Path) -> None:
    path = tmp_path / "var" / "feedback.jsonl"  # the folder is created
    when = dt.datetime(2024, 5, 1, 16, 30, tzinfo=dt.timezone(dt.timedelta(hours=8)))
    FeedbackLog(path).record(
        "helpful", question="張江在上海自貿區擴區時納入了嗎？", asked="那張江呢？",
        answer="扩区后新增了张江高科技片区。[1]", citations=[CITATION], ts=when,
    )
    (record,) = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
    assert record == {
        "ts": "2024-05-01T08:30:00+00:00",
        "rating": "helpful",
        "question": "張江在上海自貿區擴區時納入了嗎？",
        "asked": "那張江呢？",
        "answer": "扩区后新增了张江高科技片区。[1]",
        "abstained": False,
        "citations": [{k: v for k, v in CITATION.items() if k != "score"}],
    }
    with pytest.raises(ValueError, match="rating"):
        feedback_record("great", question="q", answer="a")


def test_helpful_answers_become_eval_rows(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    _log(path, "helpful", "張江在上海自貿區擴區時納入了嗎？", "扩区后新增了张江高科技片区。[1]", asked="那張江呢？")
    _log(path, "wrong", "上海自貿區是哪一天掛牌的？", "2014年。[1]")
    _log(path, "helpful", "資料裡有嗎？", "資料中沒有相關內容。", citations=(), abstained=True)
    _log(path, "helpful", "兩篇都說了什麼？", "甲[1]，乙[2]。", citations=(CITATION, SECOND))
    rows = feedback_to_eval_rows(path)
    assert [r["question"] for r in rows] == ["張江在上海自貿區擴區時納入了嗎？", "兩篇都說了什麼？"]
    first = rows[0]
    assert first == {
        "id": first["id"],
        "question": "張江在上海自貿區擴區時納入了嗎？",
        "answers": ["扩区后新增了张江高科技片区。"],
        "answer_match": "any",
        "article": "ftz_expansion.txt",
        "evidence": "扩区后的自贸区新增了张江高科技片区。",
        "answerable": True,
    }
    assert first["id"].startswith("feedback-")
    assert rows[1]["answers"] == ["甲，乙。"] and rows[1]["article"] == ["ftz_expansion.txt", "feed.jsonl"]

    # the rows load as an eval question file
    from newsqa.evals.metrics import gold_of

    out = tmp_path / "rows.jsonl"
    out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    assert gold_of(rows[0]).articles == ("ftz_expansion.txt",)


def test_the_latest_rating_of_an_answer_counts(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    _log(path, "helpful", "q1", "a1[1]")
    _log(path, "wrong", "q1", "a1[1]")  # changed their mind
    _log(path, "helpful", "q2", "a2[1]")
    _log(path, "cleared", "q2", "a2[1]")  # took it back
    _log(path, "wrong", "q3", "a3[1]")
    _log(path, "helpful", "q3", "a3[1]")
    _log(path, "helpful", "q4", "a4[1]")
    _log(path, "helpful", "q4", "a4[1]")  # twice: one row
    assert [r["question"] for r in feedback_to_eval_rows(path)] == ["q3", "q4"]


def test_unreadable_lines_and_missing_files(tmp_path: Path, caplog) -> None:
    path = tmp_path / "feedback.jsonl"
    assert feedback_to_eval_rows(path) == []
    _log(path, "helpful", "q", "a[1]")
    with path.open("a", encoding="utf-8") as fh:
        fh.write("{not json\n\n[1, 2]\n")
    _log(path, "helpful", "q2", "b[1]")
    assert len(read_feedback(path)) == 2
    assert [r["question"] for r in feedback_to_eval_rows(path)] == ["q", "q2"]
    assert "invalid JSON" in caplog.text


def test_concurrent_appends_never_interleave(tmp_path: Path) -> None:
    path = tmp_path / "feedback.jsonl"
    log = FeedbackLog(path)
    long_answer = "長" * 5000 + "[1]"

    def write(i: int) -> None:
        for j in range(20):
            log.record("helpful", question=f"q{i}-{j}", answer=long_answer, citations=[CITATION])

    threads = [threading.Thread(target=write, args=(i,)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    records = read_feedback(path)
    assert len(records) == 120 and all(r["answer"] == long_answer for r in records)


def test_strip_markers_and_cli(tmp_path: Path, capsys) -> None:
    assert strip_markers("2013年9月29日[1]掛牌 [2]。[12]") == "2013年9月29日掛牌。"
    path = tmp_path / "feedback.jsonl"
    _log(path, "helpful", "q", "a[1]")
    assert main([str(path)]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    assert json.loads(line)["answers"] == ["a"]
