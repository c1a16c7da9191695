"""Questions no client should send, sent anyway: a lone surrogate through ``/ask`` (what a JSON
``"\\ud800"`` becomes), GBK bytes in a raw HTTP body, control characters; and the same through
the chat handler. Each gets a clear refusal or a cleaned question, never a 500 or a traceback,
and the server answers the next question."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from gradio_client import Client
from gradio_client.exceptions import AppError
from newsqa.ui.app import build_app
from newsqa.ui.live import QACore

from newsqa.config import Settings
from newsqa.types import Answer


@pytest.fixture(scope="module")
def client(server_url: str) -> Client:
    return Client(server_url, verbose=False, analytics_enabled=False, download_files=False)


def _call_ask(url: str, body: bytes) -> tuple[int, str]:
    """POST ``body`` to the ``/ask`` call API as raw bytes and read the result stream:
    (HTTP status, the stream's text or the error body)."""
    request = urllib.request.Request(url + "gradio_api/call/ask", data=body, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=30) as resp:
            event_id = json.loads(resp.read())["event_id"]
        with urllib.request.urlopen(url + f"gradio_api/call/ask/{event_id}", timeout=120) as resp:
            return resp.status, resp.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def test_a_lone_surrogate_through_ask_is_refused_with_the_reason(server_url: str, client: Client) -> None:
    # What any JSON client may send: the escape of a lone surrogate (gradio_client itself cannot encode one).
    status, text = _call_ask(server_url, b'{"data": ["\\u4e0a\\u6d77\\ud800\\u81ea\\u8d38\\u533a\\u6302\\u724c"]}')
    assert status == 200 and "event: error" in text, text
    error = json.loads(text.split("data:", 1)[1])["error"]
    assert "不是可讀的文字" in error and "Traceback" not in text
    assert "9月29日" in client.predict("上海自貿區是哪一天掛牌的？", api_name="/ask")["answer"]


def test_control_characters_are_dropped_and_the_question_answered(client: Client) -> None:
    result = client.predict("上海自貿區\x00是哪一天\x1b[31m掛牌的？\u200b", api_name="/ask")
    assert "9月29日" in result["answer"] and result["question"] == "上海自貿區 是哪一天 [31m掛牌的？"


@pytest.mark.parametrize("question", ["上", "的？", "？？？"])
def test_a_question_with_nothing_to_answer_is_refused(client: Client, question: str) -> None:
    with pytest.raises(AppError, match="問題太短|问题太短"):
        client.predict(question, api_name="/ask")


def test_gbk_bytes_in_a_raw_body_are_a_client_error_not_a_crash(server_url: str, client: Client) -> None:
    body = json.dumps({"data": ["上海自贸区是哪一天挂牌的？"]}, ensure_ascii=False).encode("gbk")
    status, text = _call_ask(server_url, body)
    assert status < 500 and "Traceback" not in text, (status, text)
    assert status >= 400 or "event: error" in text or "9月29日" in text, (status, text)
    assert "9月29日" in client.predict("上海自貿區是哪一天掛牌的？", api_name="/ask")["answer"]


# --------------------------------------------------------------------------- the chat handler, without a browser
class _RecordingQA(QACore):
    def __init__(self) -> None:
        self.asked: list[str] = []

    def ask(self, question: str) -> Answer:
        self.asked.append(question)
        return Answer(question=question, answer="好。", abstained=False, citations=[])


def _chat(tmp_path: Path):
    qa = _RecordingQA()
    settings = Settings.load(index_dir=tmp_path / "index", corpus_dir=tmp_path / "articles",
                             feedback_path=tmp_path / "feedback.jsonl")
    demo = build_app(qa, settings=settings)
    handler = next(fn.fn for fn in demo.fns.values() if getattr(fn.fn, "__name__", "") == "chat")
    return qa, handler


def _outputs(handler, question: str) -> list[tuple[Any, ...]]:
    return list(handler(question, [], [], "auto"))


def test_the_chat_refuses_a_lone_surrogate_and_gives_no_text_back(tmp_path: Path) -> None:
    qa, chat = _chat(tmp_path)
    with pytest.warns(UserWarning, match="不是可讀的文字"):
        (history, box, *_), = _outputs(chat, "上海\ud800自贸区")
    assert history == [] and box == "" and qa.asked == []


def test_the_chat_asks_the_cleaned_question(tmp_path: Path) -> None:
    qa, chat = _chat(tmp_path)
    outputs = _outputs(chat, "上海自貿區\x00是哪一天掛牌的？\u200b")
    assert qa.asked == ["上海自貿區 是哪一天掛牌的？"]
    echoed = json.dumps(outputs[0][0], ensure_ascii=False)
    assert "\\u0000" not in echoed and "\u200b" not in echoed


def test_the_chat_refuses_a_question_with_nothing_to_answer(tmp_path: Path) -> None:
    qa, chat = _chat(tmp_path)
    with pytest.warns(UserWarning, match="問題太短|问题太短"):
        outputs = _outputs(chat, "的？")
    assert outputs[-1][1] == "的？" and qa.asked == []  # refused; the text goes back into the box
