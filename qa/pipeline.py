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
from newsqa.index.access import delete_documents, index_stamp, open_index, storage_for
from newsqa.index.store import NewsIndex
from newsqa.ingest.pipeline import IngestReport, ingest_paths, rebuild_sources
from newsqa.qa.answerer import ExtractiveAnswerer
from newsqa.qa.bridge import (
    ANCHOR_DEPTH,
    AnchoredQuestion,
    anchored_answer,
    answers_the_question,
    pick_anchor,
    with_undated_stories_of,
    within_both,
)
from newsqa.qa.digest import DigestQuestion, digest_answer
from newsqa.qa.elapsed import ElapsedQuestion
from newsqa.qa.event_question import EventQuestion
from newsqa.qa.events import EventAnswerer
from newsqa.qa.parts import PartsQuestion, join_parts
from newsqa.qa.periods import other_period_note
from newsqa.qa.retriever import HybridRetriever
from newsqa.question import MAX_QUESTION_CHARS, QuestionError, validate_question
from newsqa.script import detect_script
from newsqa.timex import DateRange, reference_day
from newsqa.types import Answer, Chunk, Document, RetrievedChunk

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
        """Over the index ``settings`` name, opened by ``open_index`` (``IndexNotFoundError`` if none)."""
        return cls(settings, open_index(settings))

    @property
    def retriever(self) -> HybridRetriever:
        return self._retriever

    # ------------------------------------------------------------------ live reload
    def _pointer_stat(self) -> object | None:
        return self.index.stamp()

    def refresh(self) -> bool:
        """Load a newer index generation if one was swapped in; returns True if it did."""
        stat = self._pointer_stat()
        if stat is None or stat == self._pointer_mtime:
            return False
        with self._reload_lock:
            if stat == self._pointer_mtime:
                return False
            try:
                index = self.index.reopen()  # the same embedder (its question encoder warm), chunker and dense config
            except Exception:  # keep answering from the generation we have
                logger.exception("could not load the new index generation; keeping the current one")
                self._pointer_mtime = stat
                return False
            self.index = index
            self._retriever = HybridRetriever.from_settings(index, self.settings)
            self._pointer_mtime = stat
            logger.info("switched to index generation %s", index.generation)
            return True

    # ------------------------------------------------------------------ the index, for the UI
    @staticmethod
    def index_stamp(settings: Settings) -> object | None:
        """A value that changes with every ``newsqa ingest`` (whichever storage holds the
        index); None while there is no index."""
        return index_stamp(settings)

    @staticmethod
    def index_location(settings: Settings) -> str:
        """Where ``settings``' index is kept, for messages: its folder, or the Milvus server and prefix."""
        return storage_for(settings).where

    def is_empty(self) -> bool:
        """True when the index holds no document."""
        return not self.index.documents

    def documents(self) -> list[Document]:
        """Every document in the index."""
        return list(self.index.documents.values())

    def get_document(self, doc_id: str) -> Document | None:
        """The document ``doc_id``, or None if the index does not hold it."""
        return self.index.get_document(doc_id)

    def index_stats(self) -> dict:
        """The index's size, model, generation and build time (``NewsIndex.stats()``)."""
        return self.index.stats()

    @staticmethod
    def add_files(paths: list[Path], settings: Settings) -> IngestReport:
        """Index the article files ``paths`` into ``settings``' index (``newsqa ingest PATH…``);
        a running ``NewsQA`` switches to the new generation on its next question."""
        return ingest_paths(paths, settings)

    @staticmethod
    def reindex(settings: Settings) -> IngestReport:
        """Read ``settings``' index's own sources again (the folders and files it was built
        from and its uploads: ``newsqa ingest --sync`` over them): changed articles are
        re-embedded, new ones added, those whose files are gone removed. Raises
        ``NewsIndexError`` (saying what to do) when a source folder is gone."""
        return ingest_paths(rebuild_sources(settings), settings, sync=True)

    @staticmethod
    def delete_documents(doc_ids: list[str], settings: Settings) -> list[str]:
        """Remove stories from ``settings``' index; returns the ids removed (``NewsIndexError``
        for an id it does not hold: nothing is removed then)."""
        return delete_documents(doc_ids, settings)

    # ------------------------------------------------------------------ asking
    def _about_events(
        self, question: str, as_of: dt.date | None, within: DateRange | None, top_k: int | None = None
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
            answer = self._on_the_anchor_day(anchored, events, as_of, within, top_k or self.settings.retrieval_top_k)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _on_the_anchor_day(
        self, asked: AnchoredQuestion, events: EventAnswerer, as_of: dt.date | None, within: DateRange | None, k: int
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
        on_the_day = None
        if anchor is not None:
            period = within_both(within, asked.period(anchor.when))
            retrieved = self._retriever.run(asked.rest, max(k, EVAL_DEPTH), as_of=as_of, within=period) if period else []
            retrieved = with_undated_stories_of(period, retrieved, proper) if period else []
            on_the_day = self._answer(asked.rest, retrieved[:k], as_of)
            on_the_day.retrieved = retrieved
            if answers_the_question(asked, on_the_day, period):
                return anchored_answer(asked, anchor, on_the_day)
            on_the_day.abstained = True  # what that day has does not answer it
        any_day = self._answer(asked.rest, proper[:k], as_of)
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
        parts = PartsQuestion.read(question) if self._about_one_event(question) else None
        if parts is not None:
            started = time.perf_counter()
            answer = join_parts(parts, [self._answer_one(part, top_k, as_of, within) for part in parts.parts])
            answer.latency_ms = (time.perf_counter() - started) * 1000
            return answer
        return self._answer_one(question, top_k, as_of, within)

    @staticmethod
    def _about_one_event(question: str) -> bool:
        """False for a question about several events' dates or another event's day."""
        return EventQuestion.read(question) is None and AnchoredQuestion.read(question) is None

    def _answer_one(
        self, question: str, top_k: int | None, as_of: dt.date | None, within: DateRange | None
    ) -> Answer:
        """A validated question that asks one thing: the period's stories (``_digest``), computed
        (``_about_events``) or retrieved and answered."""
        digest = self._digest(question, as_of, within)
        if digest is not None:
            return digest
        events = self._about_events(question, as_of, within, top_k)
        if events is not None:
            return events
        elapsed = ElapsedQuestion.read(question)
        if elapsed is not None:  # 「…是多少年前的事？」: asked as a when-question, then counted
            answer = self._answer_one(elapsed.when_question, top_k, as_of, within)
            return elapsed.answered(answer, reference_day(as_of), detect_script(question))
        retrieved, k, started = self._retrieve(question, top_k, as_of, within)
        answer = self._answer(question, retrieved[:k], as_of)
        answer.answer += other_period_note(question, answer, as_of)
        return self._finish(answer, retrieved, started)

    def _digest(self, question: str, as_of: dt.date | None, within: DateRange | None) -> Answer | None:
        """The dated list of a period's stories for 「2023年8月发生了什么事？」 (``newsqa.qa.digest``), else None."""
        asked = DigestQuestion.read(question, reference_day(as_of))
        if asked is None:
            return None
        started = time.perf_counter()
        answer = digest_answer(asked, self.index.documents.values(), self._lead_passage, within,
                               weight=self._newsworthy)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def _newsworthy(self, doc: Document) -> tuple[int, int]:
        """Which story of a digest's run to list: the one most outlets carried (its wire copies),
        then one whose file gave its title and outlet; the earliest of equals."""
        return len(self.index.copies_of(doc.doc_id)), -len(doc.missing_metadata() & {"title", "source"})

    def _lead_passage(self, doc_id: str) -> Chunk | None:
        """A story's first passage (its title and lead), which a digest cites."""
        return min(self.index.chunks_of(doc_id), key=lambda chunk: chunk.start, default=None)

    def ask_stream(
        self, question: str, top_k: int | None = None, *, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> Iterator[str | Answer]:
        """Like :meth:`ask`, but yields the generated text in pieces as the model writes it
        (unchecked), then the checked ``Answer`` (always last). The extractive answerer, and
        a question about several events' dates, yield only the ``Answer``."""
        question = self._validated(question)
        stream = getattr(self.answerer, "stream", None)
        computed = (not self._about_one_event(question) or ElapsedQuestion.read(question) is not None
                    or DigestQuestion.read(question, reference_day(as_of)) is not None)
        if stream is None or computed or PartsQuestion.read(question) is not None:
            yield self.ask(question, top_k, as_of=as_of, within=within)
            return
        retrieved, k, started = self._retrieve(question, top_k, as_of, within)
        for event in stream(question, retrieved[:k], term_weights=self.index.term_weights, as_of=as_of):
            if isinstance(event, str):
                yield event
                continue
            event.answer += other_period_note(question, event, as_of)
            yield self._finish(event, retrieved, started)

    def _answer(self, question: str, chunks: list[RetrievedChunk], as_of: dt.date | None) -> Answer:
        """The answer generator's answer from ``chunks``; a language model is also told the
        day the question is asked (its prompt resolves 「去年」), the extractive answerer
        reads only the passages."""
        if self.generative:
            return self.answerer.run(question, chunks, term_weights=self.index.term_weights, as_of=as_of)
        return self.answerer.run(question, chunks, term_weights=self.index.term_weights)

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
