"""Retrieval: hybrid (dense + BM25) search over a ``NewsIndex``, also as a LangChain retriever.

Example::

    retriever = HybridRetriever(index, depth=50, rrf_k=60)
    hits = retriever.run("上海自貿區是哪一天掛牌的？", k=5)

    # In a LangChain chain:
    lc = retriever.as_langchain(k=5)
    docs = lc.invoke("上海自贸区是哪一天挂牌的？")   # list[langchain_core.documents.Document]
"""

from __future__ import annotations

from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from newsqa.types import RetrievedChunk


class HybridRetriever:
    """Dense (e5) and BM25 (t2s character bigrams) candidates fused by weighted reciprocal rank."""

    def __init__(
        self,
        index,
        *,
        depth: int = 50,
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        bm25_weight: float = 1.0,
    ):
        self.index = index
        self.depth = depth
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.bm25_weight = bm25_weight

    @classmethod
    def from_settings(cls, index, settings) -> "HybridRetriever":
        return cls(
            index,
            depth=settings.retrieval_depth,
            rrf_k=settings.retrieval_rrf_k,
            dense_weight=settings.retrieval_dense_weight,
            bm25_weight=settings.retrieval_bm25_weight,
        )

    def run(self, query: str, k: int = 5) -> list[RetrievedChunk]:
        """The ``k`` best passages for ``query``, best first."""
        return self.index.search(
            query,
            k,
            depth=max(self.depth, k),
            rrf_k=self.rrf_k,
            dense_weight=self.dense_weight,
            bm25_weight=self.bm25_weight,
        )

    def as_langchain(self, k: int = 5) -> "NewsRetriever":
        return NewsRetriever(retriever=self, k=k)


def to_langchain_document(hit: RetrievedChunk) -> LCDocument:
    """A LangChain ``Document`` for a retrieved passage, with citation metadata."""
    doc = hit.document
    return LCDocument(
        page_content=hit.chunk.text,
        id=hit.chunk.chunk_id,
        metadata={
            "doc_id": doc.doc_id,
            "title": doc.title,
            "date": doc.date,
            "source": doc.source,
            "source_file": doc.source_file,
            "start": hit.chunk.start,
            "end": hit.chunk.end,
            "score": hit.score,
            "dense_rank": hit.dense_rank,
            "bm25_rank": hit.bm25_rank,
        },
    )


class NewsRetriever(BaseRetriever):
    """LangChain ``BaseRetriever`` over newsqa's hybrid search, so it drops into users' chains."""

    retriever: Any
    k: int = 5

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[LCDocument]:
        return [to_langchain_document(hit) for hit in self.retriever.run(query, self.k)]
