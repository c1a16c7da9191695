"""The core behind the UI: what the UI asks of it (:class:`QACore`) and :class:`LiveQA`, which
holds it, or nothing until an index exists.

:class:`newsqa.qa.pipeline.NewsQA` is the core; the UI calls only the methods
:class:`QACore` names. A stand-in (a test, a notebook wrapping another service) may
subclass :class:`QACore` and inherit its defaults: a core without an index (never empty,
no documents, no stats), no streaming, follow-ups rewritten by the rules alone.

Example::

    live = LiveQA(NewsQA.from_settings(settings))   # or LiveQA(None, settings=settings)
    live.empty()                                   # True while the index holds nothing
    answer = live.ask("去年的冠軍是誰？", as_of=dt.date(2024, 11, 12))
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from newsqa.question import validate_question
from newsqa.ui.render import LABELS

if TYPE_CHECKING:  # pragma: no cover
    from newsqa.config import Settings
    from newsqa.qa.followup import FollowUpRewriter, LLMFollowUpRewriter
    from newsqa.timex import DateRange
    from newsqa.types import Answer, Chunk, Document

log = logging.getLogger(__name__)


class EmptyIndexError(ValueError):
    """There is nothing to answer from yet; the message is for the user."""

    def __init__(self) -> None:
        super().__init__(f"{LABELS['hant']['empty']} / {LABELS['hans']['empty']}")


class DocumentIndex(Protocol):
    """What the archive tab reads of an index (:class:`newsqa.index.store.NewsIndex` is one)."""

    documents: Mapping[str, Document]

    def chunks_of(self, doc_id: str) -> list[Chunk]: ...

    def copies_of(self, doc_id: str) -> list[dict]: ...


class QACore(Protocol):
    """What the UI asks of the core; :class:`newsqa.qa.pipeline.NewsQA` implements all of it.

    The bodies are the defaults a subclass inherits: a core without an index."""

    #: The core's settings (the archive tab and the feedback log need them).
    settings: Settings | None = None
    #: True when answers are written by a model, so :meth:`ask_stream` yields text pieces
    #: (``NewsQA``'s is a read-only property).
    generative: bool = False
    #: The index the archive tab lists (a new object after each reload).
    index: DocumentIndex | None = None

    def ask(self, question: str, *, as_of: dt.date | None = None, within: DateRange | None = None) -> Answer:
        """The cited answer to ``question`` (``as_of``: the day 「去年」 is read against; ``within``: only
        articles dated in it). The UI passes only the time arguments that are set."""
        ...

    def ask_stream(
        self, question: str, *, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> Iterator[str | Answer]:
        """Text pieces as the model writes them, then the checked ``Answer`` (always last)."""
        yield self.ask(question, **when_kwargs(as_of, within))

    def refresh(self) -> bool:
        """Switch to a newer index generation if one was written; True if it did."""
        return False

    def warmup(self) -> None:
        """Load what loads lazily (the question encoder, a local model) before the first visitor."""

    def is_empty(self) -> bool:
        """True when the index holds no document."""
        return False

    def documents(self) -> list[Document]:
        """Every document in the index."""
        return []

    def get_document(self, doc_id: str) -> Document | None:
        """The document ``doc_id``, or None if the index does not hold it."""
        return None

    def index_stats(self) -> dict[str, Any]:
        """The index's size, model and build time (``NewsIndex.stats()``); {} when unknown."""
        return {}

    def followup_rewriter(self, rules: FollowUpRewriter) -> FollowUpRewriter | LLMFollowUpRewriter:
        """The follow-up rewriter to use, given the rule-based one."""
        return rules


def load_pipeline(settings: Settings) -> QACore:
    """``NewsQA`` over ``settings``' index (raises ``IndexNotFoundError`` when there is none)."""
    from newsqa.qa.pipeline import NewsQA

    return NewsQA.from_settings(settings)


def when_kwargs(as_of: dt.date | None, within: DateRange | None) -> dict[str, Any]:
    """Only the time arguments that are set: a core that takes none still answers without them."""
    return {k: v for k, v in (("as_of", as_of), ("within", within)) if v is not None}


class LiveQA:
    """The core behind the UI; ``None`` until an index exists.

    Wraps a loaded core (``NewsQA``, or a :class:`QACore` stand-in), or loads one from
    ``settings`` as soon as the index folder holds an index (``serve --no-build`` with no
    index, then an upload on the archive tab).
    """

    def __init__(
        self,
        qa: QACore | None = None,
        *,
        settings: Settings | None = None,
        loader: Callable[[Settings], QACore] | None = None,
    ):
        self._qa = qa
        self.settings = settings if settings is not None or qa is None else qa.settings
        self._loader = loader or load_pipeline
        self._lock = threading.Lock()
        self._failed_pointer: int | None = None
        self._rewriter: tuple[int, Any] | None = None

    @property
    def qa(self) -> QACore | None:
        """The core, loaded on first use once the index folder holds an index."""
        if self._qa is None and self.settings is not None:
            self._try_load()
        return self._qa

    def _try_load(self) -> None:
        from newsqa.qa.pipeline import NewsQA

        stamp = NewsQA.index_stamp(self.settings)
        if stamp is None:
            return
        with self._lock:
            if self._qa is not None or stamp == self._failed_pointer:
                return
            try:
                self._qa = self._loader(self.settings)
                log.info("index found at %s: answering from it", self.settings.index_path)
            except Exception:  # noqa: BLE001 - keep serving the archive tab; retried when the index changes
                log.exception("could not load the index at %s", self.settings.index_path)
                self._failed_pointer = stamp

    @property
    def index(self) -> DocumentIndex | None:
        """The core's index (what the archive tab lists), or None."""
        qa = self.qa
        return qa.index if qa is not None else None

    def refresh(self) -> None:
        """Let the core switch to a newer index generation (a failure is logged)."""
        qa = self.qa
        if qa is None:
            return
        try:
            qa.refresh()
        except Exception:  # noqa: BLE001
            log.exception("index refresh failed")

    def empty(self) -> bool:
        """True when there is no index, or one without documents."""
        qa = self.qa
        return qa is None or qa.is_empty()

    def ask(self, question: str, as_of: dt.date | None = None, within: DateRange | None = None) -> Answer:
        """``qa.ask(question)`` (as of ``as_of``, only articles ``within``, when given);
        :class:`EmptyIndexError` when there is nothing to answer from."""
        question = validate_question(question)  # the one gate; an empty question is "empty", not "no index"
        qa = self.qa
        if qa is not None and not self.empty():
            return qa.ask(question, **when_kwargs(as_of, within))
        raise EmptyIndexError()

    @property
    def streams(self) -> bool:
        """True when answers are written by a model and can be streamed as they are written."""
        qa = self.qa
        return qa is not None and qa.generative

    def ask_stream(
        self, question: str, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> Iterator[str | Answer]:
        """``qa.ask_stream(question)``: text pieces, then the ``Answer``; like :meth:`ask` otherwise."""
        question = validate_question(question)
        qa = self.qa
        if qa is not None and not self.empty():
            return qa.ask_stream(question, **when_kwargs(as_of, within))
        raise EmptyIndexError()

    def rewriter(self) -> FollowUpRewriter | LLMFollowUpRewriter:
        """A FollowUpRewriter knowing the current index's titles (rebuilt when it changes)."""
        from newsqa.qa.followup import FollowUpRewriter

        qa = self.qa
        key = id(self.index)
        cached = self._rewriter
        if cached is None or cached[0] != key:

            def titles() -> list[str]:
                return [d.title for d in qa.documents()] if qa is not None else []

            rules = FollowUpRewriter(titles=titles)
            # With a generative answerer the model condenses follow-ups (the rules are its fallback).
            cached = self._rewriter = (key, qa.followup_rewriter(rules) if qa is not None else rules)
        return cached[1]

    def get_document(self, doc_id: str) -> Document | None:
        """The document ``doc_id`` from the core's index, or None."""
        qa = self.qa
        return qa.get_document(doc_id) if qa is not None else None

    def source_file(self, doc_id: str) -> str | None:
        """The article file ``doc_id`` was read from (its id's file part when the index does not say)."""
        doc = self.get_document(doc_id)
        return (doc.source_file if doc is not None else None) or (doc_id.split("#", 1)[0] if doc_id else None)
