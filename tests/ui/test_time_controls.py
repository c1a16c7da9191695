"""The chat's 「時間範圍」 control without a server: parsing and its messages, the range and
the day reaching the pipeline (``ask`` and ``ask_stream``), the note above the answer, and
a bad date refused with the question kept. The API and the page: ``test_gradio_api.py``
and ``test_browser.py`` against the real index."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest
from newsqa.ui.app import build_app
from newsqa.ui.live import LiveQA, QACore
from newsqa.ui.render import render_chat
from newsqa.ui.time_controls import TimeFilter, TimeFilterError, label_for

from newsqa.timex import DateRange
from newsqa.script import detect_script
from newsqa.types import Answer, Document


class _Index:
    documents = {"a.txt": Document("a.txt", "標題", "內文。", "2023-05-01", "人民網", source_file="a.txt")}

    def get_document(self, doc_id: str):
        return None


class _QA(QACore):
    """Records what ``ask`` / ``ask_stream`` were given; answers 「好。」 in the question's script."""

    def __init__(self, *, generative: bool = False) -> None:
        self.index = _Index()
        self.generative = generative
        self.calls: list[tuple[str, dict]] = []

    def documents(self) -> list[Document]:
        return list(self.index.documents.values())

    def ask(self, question: str, **when) -> Answer:
        self.calls.append((question, when))
        return Answer(question=question, answer="好。", abstained=False, citations=[], script=detect_script(question))

    def ask_stream(self, question: str, **when):
        self.calls.append((question, when))
        yield "好"
        yield Answer(question=question, answer="好。", abstained=False, citations=[], script=detect_script(question))


def _chat(qa: _QA):
    demo = build_app(qa)
    return next(f.fn for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == "chat")


# --------------------------------------------------------------------------- parsing
def test_empty_fields_limit_nothing() -> None:
    when = TimeFilter.parse("", "  ", None)
    assert not when.active and when.within is None and when.as_of is None
    assert when.note("hant") == "" and when.label() == "時間範圍" and when.to_dict() == {}


@pytest.mark.parametrize("text", ["2023-01-01", "2023-1-1", " ２０２３－０１－０１ ", "2023/1/1", "2023年1月1日"])
def test_a_day_written_the_usual_ways(text: str) -> None:
    assert TimeFilter.parse(since=text).since == dt.date(2023, 1, 1)


def test_range_and_day_as_the_pipeline_takes_them() -> None:
    when = TimeFilter.parse("2023-01-01", "2023-12-31", "2024-11-12")
    assert when.within == DateRange(dt.date(2023, 1, 1), dt.date(2023, 12, 31))
    assert when.as_of == dt.date(2024, 11, 12)
    assert TimeFilter.from_dict(when.to_dict()) == when
    assert when.note("hant") == "只看 2023-01-01 至 2023-12-31 的文章；以 2024-11-12 為「今天」"
    assert when.note("hans") == "只看 2023-01-01 至 2023-12-31 的文章；以 2024-11-12 为「今天」"
    assert TimeFilter.parse(since="2023-01-01").note() == "只看 2023-01-01 起的文章"
    assert TimeFilter.parse(until="2023-12-31").note() == "只看到 2023-12-31 為止的文章"
    assert label_for("2023-01-01", "", "") == "時間範圍：2023-01-01 起"
    assert label_for("", "", "2024-11-12") == "時間範圍：今天是 2024-11-12"


@pytest.mark.parametrize(
    ("fields", "kind", "field", "api", "says"),
    [
        ({"since": "2024-13-01"}, "no_such_day", "since", "since: no such date", "「從」的 2024-13-01 沒有這一天"),
        ({"until": "2023-02-30"}, "no_such_day", "until", "until: no such date", "「到」的 2023-02-30 沒有這一天"),
        ({"as_of": "明年"}, "format", "as_of", "as_of: not a date", "「今天是」的「明年」不是日期"),
        ({"since": "0999-01-01"}, "year", "since", "since: a date between", "年份要在 1800 到 2200 之間"),
        ({"since": "2024-05-01", "until": "2023-05-01"}, "order", "since", "since: the range ends before it starts",
         "「從」2024-05-01 比「到」2023-05-01 還晚：請對調或改正"),
    ],
)
def test_a_bad_date_says_which_and_what_to_do(fields: dict, kind: str, field: str, api: str, says: str) -> None:
    with pytest.raises(TimeFilterError) as info:
        TimeFilter.parse(**fields)
    error = info.value
    assert (error.kind, error.field) == (kind, field)
    assert str(error).startswith(api), str(error)  # API callers: the CLI's terms
    message = error.message("hant")
    assert says in message and "送出" in message and "問題已保留" in message, message
    if kind != "order":
        assert "YYYY-MM-DD" in message and "留空" in message
    assert "问题已保留" in error.message("hans")
    assert label_for(fields.get("since"), fields.get("until"), fields.get("as_of")) == "時間範圍：日期有誤"


def test_a_long_bad_value_is_quoted_short() -> None:
    with pytest.raises(TimeFilterError) as info:
        TimeFilter.parse(since="x" * 500)
    assert len(info.value.message()) < 150


# --------------------------------------------------------------------------- pipeline
def test_live_qa_passes_the_range_and_only_what_is_set() -> None:
    qa = _QA()
    live = LiveQA(qa)
    span = DateRange(dt.date(2023, 1, 1), None)
    live.ask("颱風？", within=span)
    live.ask("颱風？", as_of=dt.date(2024, 1, 1), within=span)
    list(live.ask_stream("颱風？", within=span))
    list(live.ask_stream("颱風？"))
    assert [when for _, when in qa.calls] == [
        {"within": span}, {"as_of": dt.date(2024, 1, 1), "within": span}, {"within": span}, {},
    ]


@pytest.mark.parametrize("generative", [False, True], ids=["extractive", "streaming"])
def test_the_chat_asks_within_the_range_and_says_so(generative: bool) -> None:
    qa = _QA(generative=generative)
    chat = _chat(qa)
    updates = list(chat("上海自贸区是哪一天挂牌的？", [], [], "auto", "2023-01-01", "2023-12-31", "2024-11-12"))
    assert qa.calls == [("上海自贸区是哪一天挂牌的？", {
        "as_of": dt.date(2024, 11, 12), "within": DateRange(dt.date(2023, 1, 1), dt.date(2023, 12, 31)),
    })]
    note = '<div class="nqa-scope" role="note">只看 2023-01-01 至 2023-12-31 的文章；以 2024-11-12 为「今天」</div>'
    assert note in updates[-1][0][-1]["content"]  # in the question's script
    turns = updates[-1][3]
    assert turns[0]["when"] == {"since": "2023-01-01", "until": "2023-12-31", "as_of": "2024-11-12"}
    if generative:  # said while the model's text streams in, too
        assert note in updates[1][0][-1]["content"]
    # the note survives the script toggle (the conversation is re-rendered from the turns)
    assert "以 2024-11-12 為「今天」" in render_chat(turns, "hant")[1]["content"]

    plain = list(chat("再問一次？", updates[-1][0], turns, "auto"))  # fields emptied: nothing limited
    assert qa.calls[-1][1] == {} and "nqa-scope" not in plain[-1][0][-1]["content"]
    assert "when" not in plain[-1][3][-1]


def test_a_bad_date_warns_keeps_the_question_and_opens_the_control() -> None:
    qa = _QA()
    chat = _chat(qa)
    history = [{"role": "user", "content": "前一題"}, {"role": "assistant", "content": "前一答"}]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        updates = list(chat("去年有什麼新聞？", history, [], "auto", "2024-13-01", "", ""))
    assert qa.calls == []
    assert len(updates) == 1
    shown, box, _, _, accordion = updates[0]
    assert shown == history and box == "去年有什麼新聞？"  # nothing lost
    assert getattr(accordion, "open", None) is True
    messages = [str(w.message) for w in caught]
    assert any("「從」的 2024-13-01 沒有這一天" in m and "送出" in m for m in messages), messages

    fixed = list(chat(box, shown, [], "auto", "2024-01-01", "", ""))  # fixed: answered
    assert qa.calls == [("去年有什麼新聞？", {"within": DateRange(dt.date(2024, 1, 1), None)})]
    assert "只看 2024-01-01 起的文章" in fixed[-1][0][-1]["content"]


def test_range_buttons_count_back_from_the_day_set_as_today() -> None:
    from newsqa.ui.time_controls import PRESETS, preset_range

    assert list(PRESETS) == ["最近一週", "最近一個月", "最近一年", "全部"]
    assert preset_range("最近一週", "2024-11-12") == ("2024-11-06", "2024-11-12")  # seven days, both ends in
    assert preset_range("最近一個月", "2024年3月1日") == ("2024-02-01", "2024-03-01")  # 30 days (a leap February)
    assert preset_range("最近一年", "", today=dt.date(2025, 1, 1)) == ("2024-01-03", "2025-01-01")
    assert preset_range("最近一週", "not a day", today=dt.date(2025, 1, 7)) == ("2025-01-01", "2025-01-07")
    assert preset_range("全部", "2024-11-12") == ("", "")
    # what a button sets is what the chat then reads
    since, until = preset_range("最近一週", "2024-11-12")
    assert TimeFilter.parse(since=since, until=until).within.contains("2024-11-06")
