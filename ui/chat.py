"""The chat tab's handlers and the ``/ask`` API: plain objects, callable without a browser.

:class:`ChatHandlers` answers a chat message: the question cleaned (``newsqa.question``), a
follow-up made standalone, the answer streamed in clause by clause (each update only
appends to the message, so Gradio sends deltas) or, with a generative answerer, as the
model writes it, then replaced by the checked answer; the sources panel is filled when it
is complete. A rejected question or a bad date is a warning toast that gives the text
back. :class:`AskEndpoints` are ``/ask``, ``/ask_as_of`` and ``/ask_within``: the
``newsqa ask --json`` object.

Example::

    handlers = ChatHandlers(LiveQA(qa), feedback=None)
    updates = list(handlers.chat("上海自貿區是哪一天掛牌的？", [], [], "auto"))
    history, box, panel, turns, _ = updates[-1]
"""

from __future__ import annotations

import html
import logging
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import gradio as gr

from newsqa.index.errors import NewsIndexError
from newsqa.qa.generative import GeneratedAnswer
from newsqa.question import QuestionError, clean_question
from newsqa.script import detect_script
from newsqa.types import Answer
from newsqa.ui.feedback import FeedbackLog
from newsqa.ui.live import LiveQA
from newsqa.ui.render import (
    clauses,
    display_text,
    render_cards,
    render_chat,
    render_message,
    render_panel,
    render_question,
    turn_message,
)
from newsqa.ui.time_controls import TimeFilter, TimeFilterError

log = logging.getLogger(__name__)

#: Pause between streamed clauses of a chat answer (seconds; ``ui_stream_pause_ms``); purely cosmetic.
STREAM_DELAY = 0.03

#: One chat update: (chat history, question box, sources panel, turns, 時間範圍 accordion).
ChatUpdate = tuple[Any, ...]


def answer_notice(answer: Answer) -> str | None:
    """Why a generative answerer gave the extractive answer ("fallback", "unverified",
    "model-refused": a label of ``render.LABELS``), or None."""
    fallback = answer.fallback if isinstance(answer, GeneratedAnswer) else None
    if not fallback:
        return None
    return fallback if fallback in ("unverified", "model-refused") else "fallback"


def new_turn(
    live: LiveQA, answer: Answer, *, asked: str, standalone: str, turn_id: int, msg: int, when: TimeFilter
) -> dict[str, Any]:
    """The stored record of one answered question (``gr.State``): what was typed and asked,
    the answer, its citations (with their article file) and its source cards."""
    citations = []
    for c in answer.citations:
        record = c.to_dict()
        record["source_file"] = live.source_file(c.doc_id)
        citations.append(record)
    turn = {
        "id": turn_id,
        "msg": msg,
        "asked": asked,
        "question": standalone.strip() if standalone != asked else asked,
        "answer": answer.answer,
        "abstained": bool(answer.abstained),
        "script": answer.script or detect_script(answer.answer),
        "citations": citations,
        "latency_ms": float(answer.latency_ms or 0.0),
        "cards": render_cards(answer.citations, turn=turn_id, documents=live.get_document),
    }
    if when.active:
        turn["when"] = when.to_dict()
    notice = answer_notice(answer)
    if notice:
        turn["notice"] = notice
    return turn


def conversation_today(turns: list[dict], when: TimeFilter) -> str | None:
    """"Today" for a follow-up's relative dates: the day set in 時間範圍, else the newest
    article cited so far (None when neither says)."""
    today = max((c.get("date") or "" for t in turns for c in t.get("citations") or []), default="")
    return (when.as_of.isoformat() if when.as_of else today) or None


def _plain_text(value: Any) -> str:
    """A chat message's text without the markup the page rendered it with."""
    if isinstance(value, Mapping):
        value = value.get("text", value.get("value", ""))
    if isinstance(value, list):
        value = "".join(_plain_text(v) for v in value)
    return html.unescape(re.sub(r"<[^>]+>", "", str(value or ""))).strip()


def rating_of(liked: Any) -> str:
    """Gradio's like value as a feedback rating: "helpful", "wrong" or "cleared"."""
    return "helpful" if liked in (True, "Like") else "wrong" if liked in (False, "Dislike") else "cleared"


@dataclass
class ChatHandlers:
    """The chat tab's event handlers over ``live`` (``feedback``: where 👍/👎 go, or None)."""

    live: LiveQA
    feedback: FeedbackLog | None = None
    debug: bool = False  # ``ui_debug``: each answer's latency under its sources
    stream_pause: float = STREAM_DELAY  # seconds between an answer's clauses (``ui_stream_pause_ms``)

    def chat(
        self, question: str | None, history: list[dict] | None, turns: list[dict] | None, mode: str | None,
        since: str | None = None, until: str | None = None, as_of: str | None = None,
    ) -> Iterator[ChatUpdate]:
        """Answer ``question``; yields (history, box, panel, turns, accordion) updates."""
        # A rejected question becomes a warning toast, not gr.Error: in the page an
        # error also overlays every output component until dismissed.
        history = list(history or [])
        turns = list(turns or [])
        mode = mode or "auto"
        skip = gr.skip()
        try:  # control characters and undecodable text never reach the page or the core
            question = clean_question(question)
        except QuestionError as exc:
            gr.Warning(html.escape(str(exc)), title="無法回答")
            yield history, "", skip, skip, skip
            return
        try:  # a bad date: say which and what to do, keep the question, open the control
            when = TimeFilter.parse(since, until, as_of)
        except TimeFilterError as exc:
            script = mode if mode in ("hans", "hant") else detect_script(question)
            gr.Warning(html.escape(exc.message(script)), title="日期有誤")
            yield history, question, skip, skip, gr.Accordion(open=True)
            return
        pending = history + [{"role": "user", "content": render_question(question)}]
        if question.strip():  # echo at once; the answer follows
            yield pending, "", skip, skip, skip
        try:
            standalone = self._standalone(question, turns, when)
            if self.live.streams:
                answer, streamed = yield from self._stream(standalone, question, mode, when, pending)
            else:
                answer, streamed = self.live.ask(standalone, as_of=when.as_of, within=when.within), False
        except ValueError as exc:
            gr.Warning(html.escape(str(exc)), title="無法回答")
            yield history, question, skip, skip, skip  # roll back the echo, give the text back
            return
        except NewsIndexError as exc:  # the archive cannot be read now (e.g. its Milvus is down)
            log.warning("could not answer: %s", exc)
            gr.Warning(html.escape(f"現在讀不到文章庫，請稍後再試一次。（{exc}）"), title="暫時無法回答")
            yield history, question, skip, skip, skip
            return
        turn_id = max((int(t["id"]) for t in turns), default=0) + 1
        turn = new_turn(self.live, answer, asked=question, standalone=standalone, turn_id=turn_id,
                        msg=len(pending), when=when)
        yield from self._reveal(turn, turns, pending, mode, streamed)

    def again(
        self, history: list[dict] | None, turns: list[dict] | None, mode: str | None,
        since: str | None, until: str | None, as_of: str | None, evt: gr.EventData,
    ) -> Iterator[ChatUpdate]:
        """「重新回答」 (``chatbot.retry``) and edit-and-resend (``chatbot.edit`` of a question):
        the question at ``evt.index`` (as typed then, or as edited) is asked again, and it
        and everything after it are replaced."""
        index = evt.index if isinstance(evt.index, int) else evt.index[0]
        kept_turns = [t for t in (turns or []) if int(t.get("msg", 0)) < index]
        asked = next((t.get("asked") for t in (turns or []) if int(t.get("msg", -1)) == index + 1), None)
        edited = evt.value if isinstance(evt, gr.EditData) else None
        question = _plain_text(edited if edited is not None else asked if asked is not None else evt.value)
        yield from self.chat(question, list(history or [])[:index], kept_turns, mode, since, until, as_of)

    def _standalone(self, question: str, turns: list[dict], when: TimeFilter) -> str:
        """A follow-up rewritten to stand alone (the question as typed when it is the first,
        or when rewriting fails)."""
        if not (turns and question.strip()):
            return question
        today = conversation_today(turns, when)
        try:
            return self.live.rewriter().run(question, [(t["question"], t["answer"]) for t in turns], today=today)
        except Exception:  # noqa: BLE001 - a follow-up rule must never cost the answer
            log.exception("follow-up rewriting failed; asking the question as typed")
            return question

    def _stream(
        self, standalone: str, question: str, mode: str, when: TimeFilter, pending: list[dict]
    ) -> Iterator[ChatUpdate]:
        """The model's text as it is written (open messages); returns (the checked answer,
        whether any text came)."""
        skip = gr.skip()
        answer = None
        streamed = False
        rewritten = standalone.strip() if standalone != question else None
        script = mode if mode in ("hans", "hant") else detect_script(standalone)
        text = ""
        for event in self.live.ask_stream(standalone, as_of=when.as_of, within=when.within):
            if not isinstance(event, str):
                answer = event
                continue
            text += event
            streamed = True
            message = render_message(display_text(text, mode), rewritten=rewritten, complete=False,
                                     when=when.to_dict(), script=script)
            yield pending + [{"role": "assistant", "content": message}], "", skip, skip, skip
        return answer, streamed

    def _reveal(
        self, turn: dict[str, Any], turns: list[dict], pending: list[dict], mode: str, streamed: bool
    ) -> Iterator[ChatUpdate]:
        """The answer clause by clause (a streamed one at once), then the sources panel."""
        skip = gr.skip()
        text = display_text(turn["answer"], mode)
        # A streamed answer is replaced by the checked one at once; an extractive one streams by clause.
        parts = [text] if streamed else clauses(text)
        shown = ""
        for i, part in enumerate(parts):
            shown += part
            last = i + 1 == len(parts)
            message = {"role": "assistant", "content": turn_message(turn, mode, shown=shown, complete=last)}
            if last:
                turns.append(turn)
                yield pending + [message], "", render_panel(turns, show_latency=self.debug), turns, skip
            else:
                yield pending + [message], "", skip, skip, skip
                time.sleep(self.stream_pause)

    def rerender(self, turns: list[dict] | None, mode: str | None) -> list[dict[str, str]]:
        """The whole conversation again, in the script ``mode`` (the 答案字體 toggle)."""
        return render_chat(list(turns or []), mode or "auto")

    def on_like(self, turns: list[dict] | None, data: gr.LikeData) -> None:
        """Append a 👍/👎 on an answer to the feedback log."""
        if self.feedback is None:
            return
        index = data.index[0] if isinstance(data.index, (list, tuple)) else data.index
        turn = next((t for t in (turns or []) if t.get("msg") == index), None)
        if turn is None:
            gr.Warning("找不到這個回答（對話已清除？）", title="回饋")
            return
        rating = rating_of(data.liked)
        try:
            self.feedback.record(
                rating,
                question=turn["question"],
                asked=turn["asked"],
                answer=turn["answer"],
                abstained=turn["abstained"],
                citations=turn["citations"],
            )
        except OSError as exc:
            log.exception("could not write feedback")
            gr.Warning(html.escape(f"無法寫入回饋：{exc}"), title="回饋")
            return
        if rating != "cleared":
            gr.Info("已記錄：有幫助，謝謝！" if rating == "helpful" else "已記錄：答案有誤，謝謝！", duration=3)

    def pick_example(self, evt: gr.SelectData) -> str:
        """The text of the example question clicked."""
        value = evt.value
        return value.get("text", "") if isinstance(value, dict) else str(value or "")


@dataclass
class AskEndpoints:
    """``/ask``, ``/ask_as_of`` and ``/ask_within``: one question in, the ``newsqa ask --json`` object out."""

    live: LiveQA

    def _ask(self, question: str, as_of: str | None = None, since: str | None = None,
             until: str | None = None) -> Answer:
        try:
            when = TimeFilter.parse(since, until, as_of)
            return self.live.ask(question, as_of=when.as_of, within=when.within)
        except ValueError as exc:  # the core's user-facing message (empty, too long, no index, a bad date...)
            # gr.Error renders its message as HTML: escape it (it may quote the question); quotes
            # need no escaping in text, and API clients read the message as it is.
            raise gr.Error(html.escape(str(exc), quote=False), print_exception=False) from None
        except NewsIndexError as exc:  # the archive cannot be read now: one log line, the reason to the client
            log.warning("could not answer: %s", exc)
            raise gr.Error(html.escape(str(exc), quote=False), print_exception=False) from None

    def ask_json(self, question: str, as_of: str | None = None) -> dict[str, Any]:
        """Answer one question; returns the `newsqa ask --json` object. `as_of` (YYYY-MM-DD,
        default today): the day 「去年」「上周」 are read against."""
        return self._ask(question if question is not None else "", as_of).to_dict()

    def ask_within(self, question: str, as_of: str | None = None, since: str | None = None,
                   until: str | None = None) -> dict[str, Any]:
        """Answer one question from the articles dated `since`…`until` only (YYYY-MM-DD, both
        included; either may be empty); `as_of` as for /ask_as_of."""
        return self._ask(question if question is not None else "", as_of, since, until).to_dict()
