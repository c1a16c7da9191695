"""``NewsQA``: question in, cited answer out. The one entry point the CLI, UI and evals use.

It loads the index once, picks up a new index generation written by a concurrent
``newsqa ingest`` on the next question (no restart), retrieves, and answers.

Example::

    qa = NewsQA.from_settings(Settings.load())
    answer = qa.ask("上海自貿區是哪一天掛牌的？")
    print(answer.answer, [c.title for c in answer.citations])
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path

from newsqa.config import Settings
from newsqa.index.store import CURRENT_FILE, NewsIndex
from newsqa.ingest.pipeline import build_components
from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.retriever import HybridRetriever
from newsqa.types import Answer

logger = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 500
EVAL_DEPTH = 10  # Answer.retrieved always holds at least this many passages (for hit@k / MRR@10)


class QuestionError(ValueError):
    """A question that cannot be asked (empty, too long); the message is for the user."""


def validate_question(question: str | None) -> str:
    question = (question or "").strip()
    if not question:
        raise QuestionError("請輸入問題 / 请输入问题 (the question is empty)")
    if len(question) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"問題太長 / 问题太长: {len(question)} characters, at most {MAX_QUESTION_CHARS}"
        )
    return question


class NewsQA:
    """Retriever + answer generator over one index folder."""

    def __init__(self, settings: Settings, index: NewsIndex):
        self.settings = settings
        self.index = index
        self.answerer = ExtractiveAnswerer.from_settings(settings)
        self._retriever = HybridRetriever.from_settings(index, settings)
        self._reload_lock = threading.Lock()
        self._pointer_mtime = self._pointer_stat()

    @classmethod
    def from_settings(cls, settings: Settings) -> "NewsQA":
        embedder, chunker = build_components(settings)
        return cls(settings, NewsIndex.load(settings.index_path, embedder, chunker))

    @property
    def retriever(self) -> HybridRetriever:
        return self._retriever

    # ------------------------------------------------------------------ live reload
    def _pointer_stat(self) -> int | None:
        try:
            return (Path(self.index.path) / CURRENT_FILE).stat().st_mtime_ns
        except OSError:
            return None

    def refresh(self) -> bool:
        """Load a newer index generation if one was swapped in; returns True if it did."""
        stat = self._pointer_stat()
        if stat is None or stat == self._pointer_mtime:
            return False
        with self._reload_lock:
            if stat == self._pointer_mtime:
                return False
            try:
                index = NewsIndex.load(self.index.path, self.index.embedder, self.index.chunker)
            except Exception:  # keep answering from the generation we have
                logger.exception("could not load the new index generation; keeping the current one")
                self._pointer_mtime = stat
                return False
            self.index = index
            self._retriever = HybridRetriever.from_settings(index, self.settings)
            self._pointer_mtime = stat
            logger.info("switched to index generation %s", index.generation)
            return True

    # ------------------------------------------------------------------ asking
    def ask(self, question: str, top_k: int | None = None) -> Answer:
        """Answer ``question`` with citations; raises ``QuestionError`` for an empty/over-long one."""
        question = validate_question(question)
        self.index.embedder.model  # load the model first: latency_ms measures answering, not loading
        started = time.perf_counter()
        self.refresh()
        k = top_k or self.settings.retrieval_top_k
        retrieved = self._retriever.run(question, max(k, EVAL_DEPTH))
        answer = self.answerer.run(question, retrieved[:k], term_weights=self.index.term_weights)
        answer.retrieved = retrieved
        answer.latency_ms = (time.perf_counter() - started) * 1000
        logger.debug("answered %r in %.0f ms (abstained=%s)", question, answer.latency_ms, answer.abstained)
        return answer
