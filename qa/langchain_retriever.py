"""newsqa as a LangChain retriever: ``NewsRetriever``, a ``BaseRetriever`` over the served search.

``NewsRetriever`` runs the same ``HybridRetriever`` a question to ``newsqa ask`` or the chat
runs (dense + BM25, fused, re-ranked, the period a question names preferred) and returns
LangChain ``Document``s with what a citation needs in their metadata. This is the only
module of the retrieval path that imports ``langchain_core``; newsqa itself never imports
it, so answering a question does not load LangChain. Import it in your own chain.

Example::

    retriever = NewsRetriever.from_settings(Settings.load(), k=5)   # the index the settings name
    docs = retriever.invoke("上海自贸区是哪一天挂牌的？")     # list[langchain_core.documents.Document]
    docs[0].metadata["title"], docs[0].metadata["date"]

    qa = NewsQA.from_settings(Settings.load())
    retriever = NewsRetriever(retriever=qa.retriever, k=3)             # over a NewsQA's retriever
    retriever.invoke("去年9月利比亚飓风", as_of=datetime.date(2024, 11, 12))
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from newsqa.config import Settings
from newsqa.index.access import open_index
from newsqa.qa.retriever import HybridRetriever
from newsqa.timex import DateRange
from newsqa.types import RetrievedChunk


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
    """LangChain ``BaseRetriever`` over newsqa's served search (``HybridRetriever.run``).

    ``k`` passages per query, best first. ``as_of`` is the day 「去年」「上周」 in a query are
    read against (None: today); ``within`` keeps only articles dated in a ``DateRange``. All
    three can also be given per call, as LangChain passes keyword arguments of ``invoke``
    through: ``retriever.invoke("去年9月利比亚飓风", as_of=datetime.date(2024, 11, 12))``."""

    retriever: Any  # a HybridRetriever (anything with its ``run(query, k, *, as_of, within)``)
    k: int = 5
    as_of: Any = None  # datetime.date | None
    within: Any = None  # DateRange | None

    @classmethod
    def from_settings(
        cls, settings: Settings, *, k: int = 5, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> "NewsRetriever":
        """Over the index ``settings`` name, searched as ``NewsQA`` searches it."""
        index = open_index(settings)
        return cls(retriever=HybridRetriever.from_settings(index, settings), k=k, as_of=as_of, within=within)

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun, **kwargs: Any
    ) -> list[LCDocument]:
        as_of, within = kwargs.get("as_of", self.as_of), kwargs.get("within", self.within)
        hits = self.retriever.run(query, kwargs.get("k", self.k), as_of=as_of, within=within)
        return [to_langchain_document(hit) for hit in hits]
