"""``newsqa.ui.chat`` without Gradio's app: the turn record, the fallback notice, the follow-up's
"today", the 👍/👎 rating, the chat handler over a bare ``LiveQA`` and the ``/ask`` endpoints."""

from __future__ import annotations

import warnings

import gradio as gr
import pytest

from newsqa.qa.generative import GeneratedAnswer
from newsqa.types import Answer, Citation, Document
from newsqa.ui.chat import AskEndpoints, ChatHandlers, answer_notice, conversation_today, new_turn, rating_of
from newsqa.ui.live import LiveQA, QACore
from newsqa.ui.time_controls import TimeFilter

TEXT = "2013年9月29日，上海自貿區掛牌。"
DOC = Document("feed.jsonl#3", "自貿區掛牌", TEXT, "2013-09-29", "人民網", source_file="feed.jsonl")
CITATION = Citation(n=1, doc_id="feed.jsonl#3", title="自貿區掛牌", date="2013-09-29", source="人民網",
                    text=TEXT, start=0, end=len(TEXT), score=0.5)


class _Core(QACore):
    """One document; answers every question with the same cited sentence."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, dict]] = []

    def get_document(self, doc_id: str) -> Document | None:
        return DOC if doc_id == DOC.doc_id else None

    def ask(self, question: str, **when) -> Answer:
        self.asked.append((question, when))
        return Answer(question, "2013年9月29日，上海自貿區掛牌。[1]", False, [CITATION], latency_ms=3.5, script="hant")


def test_a_turn_records_what_was_asked_and_the_cited_files() -> None:
    live = LiveQA(_Core())
    answer = live.ask("上海自貿區哪天掛牌？")
    turn = new_turn(live, answer, asked="那哪天掛牌？", standalone=" 上海自貿區哪天掛牌？ ", turn_id=2, msg=3,
                    when=TimeFilter.parse(since="2013-01-01"))
    assert (turn["id"], turn["msg"], turn["asked"], turn["question"]) == (2, 3, "那哪天掛牌？", "上海自貿區哪天掛牌？")
    assert turn["citations"][0]["source_file"] == "feed.jsonl" and turn["latency_ms"] == 3.5
    assert 'id="nqa-src-2-1"' in turn["cards"] and turn["when"] == {"since": "2013-01-01"}
    assert "notice" not in turn

    plain = new_turn(live, answer, asked="問", standalone="問", turn_id=1, msg=1, when=TimeFilter.parse())
    assert plain["question"] == "問" and "when" not in plain


@pytest.mark.parametrize(("fallback", "notice"), [
    (None, None), ("unverified", "unverified"), ("model-refused", "model-refused"), ("timeout", "fallback"),
])
def test_a_generated_answers_fallback_becomes_its_notice(fallback: str | None, notice: str | None) -> None:
    generated = GeneratedAnswer("問", "答。", False, [], fallback=fallback)
    assert answer_notice(generated) == notice
    assert answer_notice(Answer("問", "答。", False, [])) is None  # an extractive answer has none


def test_today_for_a_follow_up_is_the_set_day_else_the_newest_cited() -> None:
    turns = [{"citations": [{"date": "2013-09-29"}, {"date": None}]}, {"citations": [{"date": "2014-12-28"}]}]
    assert conversation_today(turns, TimeFilter.parse()) == "2014-12-28"
    assert conversation_today(turns, TimeFilter.parse(as_of="2024-11-12")) == "2024-11-12"
    assert conversation_today([{"citations": []}], TimeFilter.parse()) is None


def test_like_values_become_ratings() -> None:
    assert [rating_of(v) for v in (True, "Like", False, "Dislike", None)] == [
        "helpful", "helpful", "wrong", "wrong", "cleared",
    ]


def test_the_chat_handler_streams_clauses_then_the_panel() -> None:
    core = _Core()
    updates = list(ChatHandlers(LiveQA(core)).chat("上海自貿區哪天掛牌？", [], [], "hans"))
    assert core.asked == [("上海自貿區哪天掛牌？", {})]
    assert len(updates) == 1 + 2  # the echo, then the answer in two clauses
    assert updates[1][0][-1]["content"] == '<div class="nqa-answer">2013年9月29日，' and updates[1][2:4] == (
        gr.skip(), gr.skip())  # still open; the panel waits for the whole answer
    history, box, panel, turns, _ = updates[-1]
    assert box == "" and history[-1]["content"].startswith('<div class="nqa-answer">2013年9月29日，上海自贸区挂牌。')
    assert 'id="nqa-src-1-1"' in panel and turns[0]["answer"] == "2013年9月29日，上海自貿區掛牌。[1]"


def test_the_api_refuses_with_an_escaped_message() -> None:
    endpoints = AskEndpoints(LiveQA(_Core()))
    assert endpoints.ask_json("上海自貿區哪天掛牌？")["citations"][0]["doc_id"] == "feed.jsonl#3"
    with pytest.raises(gr.Error, match="no such date"):
        endpoints.ask_within("上海自貿區哪天掛牌？", "", "2024-13-01", "")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with pytest.raises(gr.Error) as info:
            endpoints.ask_json("<b>" + "長" * 5000)
    assert "<b>" not in info.value.message


def _last(updates):
    *_, final = updates
    return final


def test_asking_again_and_editing_a_question_replace_it_and_what_followed() -> None:
    core = _Core()
    handlers = ChatHandlers(LiveQA(core))
    history, turns = [], []
    for question in ("上海自貿區哪天掛牌？", "浦東新區哪年成立？"):
        history, _, _, turns, _ = _last(handlers.chat(question, history, turns, "auto"))
    assert len(history) == 4 and [t["msg"] for t in turns] == [1, 3]

    # 「重新回答」 on the first question: asked again as typed; the second exchange is gone
    retry = gr.RetryData(None, {"index": 0, "value": history[0]["content"]})
    history2, _, _, turns2, _ = _last(handlers.again(history, turns, "auto", None, None, None, retry))
    assert core.asked[-1][0] == "上海自貿區哪天掛牌？"
    assert len(history2) == 2 and [t["asked"] for t in turns2] == ["上海自貿區哪天掛牌？"]

    # editing the second question sends the new words in its place
    edit = gr.EditData(None, {"index": 2, "value": "張江高科技園區是哪年設立的？", "previous_value": "浦東新區哪年成立？"})
    history3, _, _, turns3, _ = _last(handlers.again(history, turns, "auto", "", "", "", edit))
    assert core.asked[-1][0] == "張江高科技園區是哪年設立的？"
    assert len(history3) == 4 and [t["asked"] for t in turns3] == ["上海自貿區哪天掛牌？", "張江高科技園區是哪年設立的？"]


def test_an_archive_that_cannot_be_read_is_a_warning_and_an_api_error_not_a_traceback(caplog) -> None:
    from newsqa.index.errors import NewsIndexError

    class Unreachable(_Core):
        def ask(self, question: str, **when) -> Answer:
            raise NewsIndexError("Milvus at http://127.0.0.1:1 is not reachable")

    live = LiveQA(Unreachable())
    with warnings.catch_warnings(record=True) as shown:
        warnings.simplefilter("always")
        updates = list(ChatHandlers(live).chat("上海自貿區哪天掛牌？", [], [], "hant"))
    assert updates[-1][0] == [] and updates[-1][1] == "上海自貿區哪天掛牌？"  # the echo rolled back, the text kept
    assert any("現在讀不到文章庫" in str(w.message) for w in shown)
    with pytest.raises(gr.Error, match="not reachable"):
        AskEndpoints(live).ask_json("上海自貿區哪天掛牌？")
    assert "could not answer" in caplog.text and "Traceback" not in caplog.text
