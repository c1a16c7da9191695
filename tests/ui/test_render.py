"""The chat's rendering and streaming without a server: a stub pipeline behind the real
``build_app`` handlers, Gradio's own diffing of the streamed updates, paragraphs,
escaping, the empty-index path."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest
from gradio import utils as gr_utils
from newsqa.ui.app import build_app
from newsqa.ui.live import EmptyIndexError, LiveQA, QACore
from newsqa.ui.render import clauses, paragraph_span, render_chat, render_panel, render_paragraph

from newsqa.types import Answer, Citation, Document

BODY = (
    "第一段：上海自貿區於2013年掛牌。\n"
    "第二段開頭。2013年9月29日，中國（上海）自由貿易試驗區正式掛牌成立。這是第一個自貿區。<b>粗體</b>\n"
    "第三段。"
)
PASSAGE = "2013年9月29日，中國（上海）自由貿易試驗區正式掛牌成立。這是第一個自貿區。"


class _Index:
    def __init__(self, docs: dict[str, Document]):
        self.documents = docs

    def get_document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)


class _QA(QACore):
    """Answers every question with the same cited sentence (like the extractive answerer)."""

    def __init__(self) -> None:
        self.index = _Index({"launch.txt": Document("launch.txt", "掛牌<i>回顧</i>", BODY, "2023-09-29", "人民網", source_file="launch.txt")})
        self.asked: list[str] = []

    def documents(self) -> list[Document]:
        return list(self.index.documents.values())

    def get_document(self, doc_id: str) -> Document | None:
        return self.index.get_document(doc_id)

    def ask(self, question: str) -> Answer:
        if not question.strip():
            raise ValueError("請輸入問題 / 请输入问题 (the question is empty)")
        self.asked.append(question)
        start = BODY.index(PASSAGE)
        citation = Citation(
            n=1, doc_id="launch.txt", title="掛牌<i>回顧</i>", date="2023-09-29", source="人民網", text=PASSAGE,
            start=start, end=start + len(PASSAGE), score=0.5, highlight_start=0, highlight_end=PASSAGE.index("。") + 1,
        )
        return Answer(question=question, answer="2013年9月29日，上海自貿區掛牌。[1]", abstained=False,
                      citations=[citation], latency_ms=12.0, script="hant")


def _handler(demo, name: str):
    return next(f.fn for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == name)


def _chatbot(demo):
    from gradio.components import Chatbot

    return next(b for b in demo.blocks.values() if isinstance(b, Chatbot))


def test_chat_streams_appends_and_fills_sources_at_the_end() -> None:
    qa = _QA()
    demo = build_app(qa)
    chat, chatbot = _handler(demo, "chat"), _chatbot(demo)
    updates = list(chat("上海自貿區是哪一天掛牌的？", [], [], "auto"))
    # the echo, then one update per clause; only the last fills the panel and the turns
    assert len(updates) == 1 + len(clauses("2013年9月29日，上海自貿區掛牌。[1]")) == 3
    skipped = [type(u[2]).__name__ for u in updates[:-1]]
    assert all(name != "str" for name in skipped), skipped
    panel, turns = updates[-1][2], updates[-1][3]
    assert 'id="nqa-src-1-1"' in panel and "<mark>2013年9月29日，中國（上海）自由貿易試驗區正式掛牌成立。</mark>" in panel
    assert "&lt;i&gt;回顧&lt;/i&gt;" in panel and "<i>" not in panel
    assert turns[0]["question"] == turns[0]["asked"] and turns[0]["msg"] == 1
    assert turns[0]["citations"][0]["source_file"] == "launch.txt"

    # what Gradio sends for each streamed update is a diff: appends to the message only
    values = [chatbot.postprocess(u[0]).model_dump() for u in updates]
    for before, after in zip(values[1:], values[2:]):
        edits = gr_utils.diff(before, after)
        assert edits and all(op == "append" for op, _, _ in edits), edits
    final = values[-1][-1]["content"][0]["text"] if isinstance(values[-1][-1]["content"], list) else values[-1][-1]["content"]
    assert final.endswith("</div>") and 'href="#nqa-src-1-1"' in final


def test_follow_up_is_rewritten_before_asking_and_shown() -> None:
    qa = _QA()
    demo = build_app(qa)
    chat = _handler(demo, "chat")
    first = list(chat("陸家嘴在上海自貿區擴區時納入了嗎？", [], [], "auto"))[-1]
    second = list(chat("那張江呢？", first[0], first[3], "hans"))[-1]
    assert qa.asked == ["陸家嘴在上海自貿區擴區時納入了嗎？", "張江在上海自貿區擴區時納入了嗎？"]
    message = second[0][-1]["content"]
    assert '<div class="nqa-rewrite">问题理解为：張江在上海自貿區擴區時納入了嗎？</div>' in message
    assert "2013年9月29日，上海自贸区挂牌。" in message  # forced Simplified; citations as stored
    assert 'href="#nqa-src-2-1"' in message and second[3][1]["msg"] == 3
    # switching the script re-renders the whole conversation from the turns
    rerendered = render_chat(second[3], "hant")
    assert [m["role"] for m in rerendered] == ["user", "assistant", "user", "assistant"]
    assert "問題理解為：" in rerendered[3]["content"] and "上海自貿區掛牌" in rerendered[3]["content"]


def test_rejected_question_rolls_back_with_a_warning() -> None:
    demo = build_app(_QA())
    chat = _handler(demo, "chat")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        updates = list(chat("   ", [], [], "auto"))
    assert len(updates) == 1 and updates[0][0] == [] and updates[0][1] == ""  # cleaned: blanks are no text


def test_paragraph_around_the_passage() -> None:
    start = BODY.index(PASSAGE)
    p0, p1 = paragraph_span(BODY, start, start + len(PASSAGE))
    assert BODY[p0:p1] == "第二段開頭。" + PASSAGE + "<b>粗體</b>"
    assert paragraph_span(BODY, start, start + len(PASSAGE), max_context=3) == (start - 3, start + len(PASSAGE) + 3)
    citation = _QA().ask("q").citations[0]
    html_out = render_paragraph(citation, _QA().index.get_document("launch.txt"))
    # what is around the passage, the passage itself (on the card already) given as 〔引文〕
    assert html_out.startswith('<span class="nqa-ctx">第二段開頭。</span><span class="nqa-gap">〔引文〕</span>')
    assert PASSAGE not in html_out and "<mark>" not in html_out
    assert "&lt;b&gt;粗體&lt;/b&gt;" in html_out and "<b>" not in html_out
    # a passage that is its whole paragraph adds nothing: no paragraph block
    whole = Citation(n=1, doc_id="x", title="t", date=None, source=None, text="第三段。",
                     start=BODY.index("第三段。"), end=len(BODY), score=0.1)
    assert render_paragraph(whole, _QA().index.get_document("launch.txt")) == ""
    # a document that changed since (offsets no longer match) gives no paragraph
    changed = Document("launch.txt", "t", "完全不同的內容")
    assert render_paragraph(citation, changed) == "" and render_paragraph(citation, None) == ""


def test_panel_lists_turns_newest_first_with_unique_card_ids() -> None:
    turns = [
        {"id": 1, "question": "甲<script>", "cards": '<article class="nqa-source" id="nqa-src-1-1"></article>', "latency_ms": 5.0},
        {"id": 2, "question": "乙", "cards": '<article class="nqa-source" id="nqa-src-2-1"></article>', "latency_ms": 7.0},
    ]
    panel = render_panel(turns)
    assert panel.index('id="nqa-turn-2" open') < panel.index('id="nqa-turn-1"')
    assert 'id="nqa-turn-1" open' not in panel
    assert "甲&lt;script&gt;" in panel and "7 ms" in panel and "5 ms" not in panel
    assert "ms</p>" not in render_panel(turns, show_latency=False)  # a developer's figure (ui_debug)


def test_no_index_means_a_clear_message(tmp_path: Path) -> None:
    from newsqa.qa.pipeline import QuestionError

    from newsqa.config import Settings

    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=tmp_path / "articles")
    live = LiveQA(None, settings=settings, loader=lambda s: pytest.fail("there is no index to load"))
    assert live.qa is None and live.empty()
    with pytest.raises(EmptyIndexError, match="文章庫"):
        live.ask("上海自貿區是哪一天掛牌的？")
    with pytest.raises(QuestionError):
        live.ask("  ")
    demo = build_app(live, settings=settings)  # builds without an index
    chat = _handler(demo, "chat")
    with warnings.catch_warnings(record=True):
        warnings.simplefilter("always")
        updates = list(chat("上海自貿區是哪一天掛牌的？", [], [], "auto"))
    assert updates[-1][0] == [] and updates[-1][1] == "上海自貿區是哪一天掛牌的？"


def test_an_answer_citing_several_dated_articles_gets_a_timeline_by_date() -> None:
    from newsqa.ui.render import render_cards, render_timeline

    def cite(n: int, doc: str, date: str | None, title: str) -> dict:
        return {"n": n, "doc_id": doc, "title": title, "date": date, "source": None, "text": "。",
                "highlight_start": 0, "highlight_end": 1}

    later, earlier = cite(1, "b.txt", "2023-08-10", "卡努<登陸>"), cite(2, "a.txt", "2023-07-28", "杜蘇芮登陸")
    timeline = render_timeline([later, earlier], turn=3)
    assert timeline.index("2023-07-28") < timeline.index("2023-08-10")  # oldest first
    assert 'href="#nqa-src-3-2">[2]</a>' in timeline and "卡努&lt;登陸&gt;" in timeline
    assert render_cards([later, earlier], turn=3, documents=None).startswith('<ol class="nqa-timeline"')
    # one article (or undated ones) needs no timeline
    assert render_timeline([later, cite(2, "b.txt", "2023-08-10", "卡努")], turn=3) == ""
    assert render_timeline([later, cite(2, "c.txt", None, "無日期")], turn=3) == ""
