"""``NewsQA``: question in, cited answer out. The one entry point the CLI, UI and evals use.

It loads the index once, picks up a new index generation written by a concurrent
``newsqa ingest`` on the next question (no restart), retrieves, and answers.

Example::

    qa = NewsQA.from_settings(Settings.load())
    answer = qa.ask("上海自貿區是哪一天掛牌的？")
    print(answer.answer, [c.title for c in answer.citations])

    # 「去年」 read as of a given day (default today); only articles of 2023 (newsqa.timex):
    qa.ask("去年9月哪个飓风袭击了利比亚？", as_of=datetime.date(2024, 11, 12))
    qa.ask("利比亚飓风", within=DateRange.parse("2023-01-01", "2023-12-31"))

    # With a generative answerer (answer_generator = "openai" | "local"), as it is written:
    for event in qa.ask_stream("上海自贸区是哪一天挂牌的？"):
        if isinstance(event, str):
            print(event, end="")          # the model's text, unchecked
        else:
            answer = event                # the checked Answer, always last
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Iterator
from pathlib import Path

from newsqa.config import Settings
from newsqa.index.dense import DenseConfig
from newsqa.index.store import CURRENT_FILE, NewsIndex
from newsqa.ingest.pipeline import build_components
from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.bridge import (
    ANCHOR_DEPTH,
    AnchoredQuestion,
    anchored_answer,
    answers_the_question,
    pick_anchor,
    within_both,
)
from newsqa.qa.events import EventAnswerer, EventQuestion
from newsqa.qa.retriever import HybridRetriever
from newsqa.question import MAX_QUESTION_CHARS, QuestionError, validate_question
from newsqa.timex import DateRange
from newsqa.types import Answer

logger = logging.getLogger(__name__)

EVAL_DEPTH = 10  # Answer.retrieved always holds at least this many passages (for hit@k / MRR@10)

# The one question gate lives on the ground floor; these names are re-exported for callers of the pipeline.
__all__ = ["MAX_QUESTION_CHARS", "NewsQA", "QuestionError", "make_answerer", "validate_question"]


def make_answerer(settings: Settings):
    """The answer generator ``settings.answer_generator`` names: the extractive one (the
    default), or ``GenerativeAnswerer`` for "openai" / "local" (``newsqa.qa.generative``)."""
    if settings.answer_generator == "extractive":
        return ExtractiveAnswerer.from_settings(settings)
    from newsqa.qa.generative import GenerativeAnswerer

    return GenerativeAnswerer.from_settings(settings)


class NewsQA:
    """Retriever + answer generator over one index folder."""

    def __init__(self, settings: Settings, index: NewsIndex):
        self.settings = settings
        self.index = index
        self.answerer = make_answerer(settings)
        self._retriever = HybridRetriever.from_settings(index, settings)
        self._reload_lock = threading.Lock()
        self._pointer_mtime = self._pointer_stat()
        self._retrieval_ms = threading.local()  # per question, for a generative answer's extractive twin

    @classmethod
    def from_settings(cls, settings: Settings) -> "NewsQA":
        embedder, chunker = build_components(settings)
        return cls(settings, NewsIndex.load(settings.index_path, embedder, chunker, DenseConfig.from_settings(settings)))

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
                index = NewsIndex.load(self.index.path, self.index.embedder, self.index.chunker, self.index.dense_config)
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
    def _about_events(
        self, question: str, as_of: dt.date | None, within: DateRange | None
    ) -> Answer | None:
        """The computed answer to a question about several events' dates (which came first,
        the same month?, how far apart: ``newsqa.qa.events``) or asked of another event's day
        (「X当天，…」: ``newsqa.qa.bridge``), else None."""
        asked = EventQuestion.read(question)
        anchored = AnchoredQuestion.read(question) if asked is None else None
        if asked is None and anchored is None:
            return None
        started = time.perf_counter()
        self.refresh()
        events = EventAnswerer(self._retriever)
        if asked is not None:
            answer = events.run(asked, as_of=as_of, within=within)
        else:
            answer = self._on_the_anchor_day(anchored, events, as_of, within)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _on_the_anchor_day(
        self, asked: AnchoredQuestion, events: EventAnswerer, as_of: dt.date | None, within: DateRange | None
    ) -> Answer:
        """「X当天，…？」: X dated (``newsqa.qa.events``), the rest answered from that day's
        articles; when X cannot be dated or its day has no answer, the answer from any day,
        marked as such (``anchored_answer``). Of the passages that date X, the one whose day
        also has a passage for the question proper wins (X may have happened more than once)."""
        anchors, _ = events.candidates(asked.anchor, depth=ANCHOR_DEPTH, as_of=as_of, within=within)
        anchors = [a for a in anchors if asked.fine_enough(a.when)]
        proper = self._retriever.run(asked.rest, max(ANCHOR_DEPTH, EVAL_DEPTH), as_of=as_of, within=within)
        anchor = pick_anchor(asked, anchors, proper, lambda period: events.candidates(
            asked.anchor, depth=3, as_of=as_of, within=within_both(within, period))[0])
        k = self.settings.retrieval_top_k
        on_the_day = None
        if anchor is not None:
            period = within_both(within, asked.period(anchor.when))
            retrieved = self._retriever.run(asked.rest, max(k, EVAL_DEPTH), as_of=as_of, within=period) if period else []
            on_the_day = self.answerer.run(asked.rest, retrieved[:k], term_weights=self.index.term_weights)
            on_the_day.retrieved = retrieved
            if answers_the_question(asked, on_the_day):
                return anchored_answer(asked, anchor, on_the_day)
            on_the_day.abstained = True  # what that day has does not answer it
        any_day = self.answerer.run(asked.rest, proper[:k], term_weights=self.index.term_weights)
        any_day.retrieved = proper
        return anchored_answer(asked, anchor, on_the_day, any_day)

    def _validated(self, question: str) -> str:
        """The question through the one gate (``newsqa.question``), with the question encoder
        loaded first: ``latency_ms`` measures answering, not loading."""
        question = validate_question(question)
        self.index.embedder.warmup()
        return question

    def _retrieve(
        self, question: str, top_k: int | None, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> tuple[list, int, float]:
        """(retrieved, k, start time) for a validated question; the retrieval time is kept
        for ``_finish``."""
        started = time.perf_counter()
        self.refresh()
        k = top_k or self.settings.retrieval_top_k
        retrieved = self._retriever.run(question, max(k, EVAL_DEPTH), as_of=as_of, within=within)
        self._retrieval_ms.value = (time.perf_counter() - started) * 1000
        return retrieved, k, started

    def _finish(self, answer: Answer, retrieved: list, started: float) -> Answer:
        answer.retrieved = retrieved
        extractive = getattr(answer, "extractive", None)  # a generative answer's extractive twin
        if extractive is not None:
            extractive.retrieved = retrieved
            # what the extractive answer alone took: retrieval + its own run (set by the answerer)
            extractive.latency_ms = getattr(self._retrieval_ms, "value", 0.0) + (extractive.latency_ms or 0.0)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        logger.debug("answered %r in %.0f ms (abstained=%s)", answer.question, answer.latency_ms, answer.abstained)
        return answer

    def ask(
        self, question: str, top_k: int | None = None, *, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> Answer:
        """Answer ``question`` with citations; raises ``QuestionError`` for one that cannot be asked
        (empty, too long, not text, too little content: ``newsqa.question``).

        ``as_of``: the day the question is asked, which 「去年」「上周」 are read against
        (default today); ``within``: only articles dated in this range. A question about
        several events' dates (「A和B哪个更早？」) gets a computed answer, one citation per event."""
        question = self._validated(question)
        events = self._about_events(question, as_of, within)
        if events is not None:
            return events
        retrieved, k, started = self._retrieve(question, top_k, as_of, within)
        answer = self.answerer.run(question, retrieved[:k], term_weights=self.index.term_weights)
        return self._finish(answer, retrieved, started)

    def ask_stream(
        self, question: str, top_k: int | None = None, *, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> Iterator[str | Answer]:
        """Like :meth:`ask`, but yields the generated text in pieces as the model writes it
        (unchecked), then the checked ``Answer`` (always last). The extractive answerer, and
        a question about several events' dates, yield only the ``Answer``."""
        question = self._validated(question)
        events = self._about_events(question, as_of, within)
        if events is not None:
            yield events
            return
        retrieved, k, started = self._retrieve(question, top_k, as_of, within)
        stream = getattr(self.answerer, "stream", None)
        if stream is None:
            answer = self.answerer.run(question, retrieved[:k], term_weights=self.index.term_weights)
            yield self._finish(answer, retrieved, started)
            return
        for event in stream(question, retrieved[:k], term_weights=self.index.term_weights):
            yield event if isinstance(event, str) else self._finish(event, retrieved, started)

    @property
    def generative(self) -> bool:
        """True when answers are written by a language model."""
        return self.settings.answer_generator != "extractive"

    def followup_rewriter(self, rules):
        """The follow-up rewriter to use: ``rules`` (a ``FollowUpRewriter``), or with a
        generative answerer and ``llm_condense``, the model condensing with ``rules`` as fallback."""
        model = getattr(self.answerer, "model", None)
        if not self.generative or not self.settings.llm_condense or model is None:
            return rules
        from newsqa.qa.followup import LLMFollowUpRewriter

        return LLMFollowUpRewriter(model, rules)

    def warmup(self) -> None:
        """Load the question encoder and, for ``answer_generator = "local"``, start the model
        server (a failure is logged; questions then get the extractive answer)."""
        self.index.embedder.warmup()  # the ONNX question encoder, or torch's model
        model = getattr(self.answerer, "model", None)
        if self.settings.answer_generator == "local" and model is not None:
            try:
                model()
            except Exception as exc:  # noqa: BLE001 - serve anyway; each answer falls back and says why
                logger.error("the local model is not available (%s); answers will be extractive", exc)
