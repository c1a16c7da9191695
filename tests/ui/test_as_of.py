"""The UI's ``/ask`` takes ``as_of``: checked, and handed to the pipeline (in process, no server)."""

from __future__ import annotations

import datetime as dt

from newsqa.types import Answer
from newsqa.ui.live import LiveQA, QACore


class Recording(QACore):
    """A pipeline that records what ``ask`` was given."""

    def __init__(self, plain: bool = False):
        self.calls: list[tuple[str, dict]] = []
        self.index = type("Index", (), {"documents": {"a": object()}})()
        if plain:  # a pipeline that takes only the question (as the UI's older callers may pass)
            self.ask = lambda question: self._record(question, {})

    def _record(self, question: str, when: dict) -> Answer:
        self.calls.append((question, when))
        return Answer(question, "資料中沒有相關內容。", True, [])

    def ask(self, question: str, **when) -> Answer:
        return self._record(question, when)


def test_live_qa_passes_as_of_to_the_pipeline():
    qa = Recording()
    live = LiveQA(qa)
    live.ask("去年的冠軍是誰？", as_of=dt.date(2024, 11, 12))
    live.ask("去年的冠軍是誰？")
    assert qa.calls == [("去年的冠軍是誰？", {"as_of": dt.date(2024, 11, 12)}), ("去年的冠軍是誰？", {})]


def test_a_pipeline_without_as_of_still_answers_questions_without_it():
    qa = Recording(plain=True)
    LiveQA(qa).ask("去年的冠軍是誰？")
    assert qa.calls == [("去年的冠軍是誰？", {})]
