"""Typed records that flow through the pipeline.

``Document`` (a whole article or one 相關焦點 item) → ``Chunk`` (a passage with exact
offsets into its document) → ``RetrievedChunk`` (a chunk with its scores for one
query) → ``Answer`` (the reply, with ``Citation`` records pointing at passages).

Only ``Answer.to_dict()`` is a public contract (``newsqa ask --json`` and the UI's
``/ask`` API); keep its keys stable.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol


def content_hash(text: str) -> str:
    """A short, stable hash of a text (used for document fingerprints and chunk ids)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


@dataclass(slots=True)
class Document:
    """One article as stored in the index.

    ``text`` is the body exactly as read (no title, no header), so citation offsets
    point into what the user can open. ``source_file`` is the file name the article
    came from (several documents share it when a file holds a 相關焦點 list).
    """

    doc_id: str
    title: str
    text: str
    date: str | None = None
    source: str | None = None
    url: str | None = None
    source_file: str | None = None
    parent_id: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)

    @property
    def content_hash(self) -> str:
        return content_hash(self.title + "\n" + self.text)

    def missing_metadata(self) -> set[str]:
        """What the article's file left out: ``"date"``, ``"title"`` (a title derived from the
        lead counts as none) and ``"source"`` (the outlet); nothing for a 相關焦點 item, which
        is no file's article of its own."""
        missing: set[str] = set()
        if self.parent_id is not None:
            return missing
        if not self.date:
            missing.add("date")
        if not self.title.strip() or self.metadata.get("title_from") == "lead":
            missing.add("title")
        if not self.source:
            missing.add("source")
        return missing

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Document":
        return cls(**data)


@dataclass(slots=True)
class Chunk:
    """A passage of a document: ``document.text[start:end] == text``.

    ``embed_text`` is what the embedding model and BM25 see (title and date prepended);
    ``text`` is what users are shown and what citations quote.
    """

    chunk_id: str
    doc_id: str
    ordinal: int
    text: str
    start: int
    end: int
    embed_text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Chunk":
        return cls(**data)


class Chunker(Protocol):
    """What the index needs of a chunker (``newsqa.index.chunker.SentenceChunker`` is one):
    ``run`` cuts a document into chunks, and its settings go into the index manifest, so
    an index cut another way is refused on load. It lives here, on the ground floor, so
    that ``newsqa.index`` does not import ``newsqa.ingest`` (which builds on the index)."""

    max_chars: int
    overlap: int
    min_chars: int

    def run(self, document: Document) -> list[Chunk]: ...


@dataclass(slots=True)
class RetrievedChunk:
    """A chunk returned for a query: its final ``score`` (what it is ranked by), each
    retriever's rank (1-based) and score, and ``rerank_score``, the second stage's own score
    (``newsqa.qa.rerank``) before any preference moved it; None when it was not re-scored.
    Abstention reads ``rerank_score`` (``newsqa.qa.abstain``)."""

    chunk: Chunk
    document: Document
    score: float
    dense_rank: int | None = None
    bm25_rank: int | None = None
    dense_score: float | None = None
    bm25_score: float | None = None
    rerank_score: float | None = None

    def citation(self, n: int, highlight_start: int = 0, highlight_end: int = 0) -> "Citation":
        """This passage as citation ``[n]``, highlighting ``[highlight_start, highlight_end)`` of its text."""
        return Citation(
            n=n,
            doc_id=self.document.doc_id,
            title=self.document.title,
            date=self.document.date,
            source=self.document.source,
            text=self.chunk.text,
            start=self.chunk.start,
            end=self.chunk.end,
            score=self.score,
            highlight_start=highlight_start,
            highlight_end=highlight_end,
        )


@dataclass(slots=True)
class Citation:
    """A numbered source of an answer: the passage as stored, and where it sits in its document.

    ``highlight_start``/``highlight_end`` are offsets *within* ``text`` of the sentence
    that supports the answer (for highlighting in the UI).
    """

    n: int
    doc_id: str
    title: str
    date: str | None
    source: str | None
    text: str
    start: int
    end: int
    score: float
    highlight_start: int = 0
    highlight_end: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "n": self.n,
            "doc_id": self.doc_id,
            "title": self.title,
            "date": self.date,
            "source": self.source,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "score": round(float(self.score), 6),
            "highlight_start": self.highlight_start,
            "highlight_end": self.highlight_end,
        }


@dataclass(slots=True)
class Answer:
    """The reply to one question. ``retrieved`` holds what the answerer saw (for evals and UI)."""

    question: str
    answer: str
    abstained: bool
    citations: list[Citation]
    latency_ms: float = 0.0
    script: str = "hant"
    retrieved: list[RetrievedChunk] = field(default_factory=list)
    confidence: float = 0.0
    # What the question asks for (date, number, quantity, person, place, organisation, list,
    # yesno, other); informative, not part of ``to_dict()``.
    answer_type: str = "other"

    def to_dict(self) -> dict[str, Any]:
        """The ``newsqa ask --json`` contract."""
        return {
            "question": self.question,
            "answer": self.answer,
            "abstained": self.abstained,
            "citations": [c.to_dict() for c in self.citations],
            "latency_ms": round(float(self.latency_ms), 2),
        }
