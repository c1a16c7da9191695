"""Retrieval: hybrid (dense + BM25) search over a ``NewsIndex``, re-ranked, also as a LangChain retriever.

Two stages:

1. ``NewsIndex.search_candidates``: the e5 top ``depth`` and the BM25 top ``bm25_depth``,
   fused by ``fusion`` — ``"score"`` (weighted sum of min-max normalised scores, the
   default: a clear winner of either retriever stays on top) or ``"rrf"`` (weighted
   reciprocal rank fusion).
2. ``LinearReranker`` (``newsqa.qa.rerank``) re-scores the fused top ``rerank_depth``
   with features of each (question, passage) pair — the e5 cosine and rank, the BM25
   score and rank, IDF-weighted coverage of the question by the passage and by its best
   sentence, the longest verbatim run, the headline, the answer type — and a linear
   model fitted on DRCD dev (TUNE half). Passages below ``rerank_depth`` follow in fused
   order. ``rerank=False`` keeps the fused order.

A question naming a rare code (``QX036``, ``C919``: letters and digits in one word, held by
at most ``RARE_CODE_MAX`` passages) gets the passages holding it first: templated reports
share every other word, and one shared sentence would outweigh the code.

``RetrievedChunk.score`` is the final score (the reranker's, else the fused one); it
never increases down the list.

Example::

    retriever = HybridRetriever(index)                    # tuned defaults
    hits = retriever.run("上海自貿區是哪一天掛牌的？", k=5)

    # In a LangChain chain:
    lc = retriever.as_langchain(k=5)
    docs = lc.invoke("上海自贸区是哪一天挂牌的？")   # list[langchain_core.documents.Document]
"""

from __future__ import annotations

import re
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document as LCDocument
from langchain_core.retrievers import BaseRetriever

from newsqa.index.fusion import FUSION_KINDS, fuse_candidates, to_retrieved
from newsqa.qa.rerank import LinearReranker
from newsqa.script import fold
from newsqa.types import RetrievedChunk

# A code: letters and digits in one folded latin word (qx036, c919, 5g is too short).
_CODE_RE = re.compile(r"(?<![a-z0-9])(?=[a-z0-9]*[a-z])(?=[a-z0-9]*[0-9])[a-z0-9]{3,}(?![a-z0-9])")
RARE_CODE_MAX = 5  # passages that may hold a code for it to count as the question's anchor


class HybridRetriever:
    """Dense (e5) and BM25 (t2s character bigrams) candidates, fused, then re-ranked."""

    def __init__(
        self,
        index,
        *,
        depth: int = 50,
        bm25_depth: int | None = None,
        fusion: str = "score",
        rrf_k: int = 60,
        dense_weight: float = 1.0,
        bm25_weight: float = 2.0,
        rerank: bool = True,
        rerank_depth: int = 20,
        reranker: LinearReranker | None = None,
    ):
        if fusion not in FUSION_KINDS:
            raise ValueError(f"unknown fusion {fusion!r}; choose one of {', '.join(FUSION_KINDS)}")
        if dense_weight < 0 or bm25_weight < 0 or dense_weight + bm25_weight == 0:
            raise ValueError("fusion weights must be >= 0 and not both 0")
        self.index = index
        self.depth = depth
        self.bm25_depth = depth if bm25_depth is None else bm25_depth
        self.fusion = fusion
        self.rrf_k = rrf_k
        self.dense_weight = dense_weight
        self.bm25_weight = bm25_weight
        self.rerank_depth = rerank_depth if rerank else 0
        self.reranker = (reranker or LinearReranker.load()) if self.rerank_depth > 0 else None

    @classmethod
    def from_settings(cls, index, settings) -> "HybridRetriever":
        return cls(
            index,
            depth=settings.retrieval_depth,
            bm25_depth=settings.retrieval_bm25_depth,
            fusion=settings.retrieval_fusion,
            rrf_k=settings.retrieval_rrf_k,
            dense_weight=settings.retrieval_dense_weight,
            bm25_weight=settings.retrieval_bm25_weight,
            rerank=settings.retrieval_rerank,
            rerank_depth=settings.retrieval_rerank_depth,
            reranker=(
                LinearReranker.load(settings.resolve(settings.retrieval_rerank_weights))
                if settings.retrieval_rerank and settings.retrieval_rerank_weights
                else None
            ),
        )

    def run(self, query: str, k: int = 5) -> list[RetrievedChunk]:
        """The ``k`` best passages for ``query``, best first."""
        if k <= 0:
            return []
        candidates = self.index.search_candidates(
            query,
            dense_depth=max(self.depth, k) if self.dense_weight > 0 else 0,
            bm25_depth=max(self.bm25_depth, k) if self.bm25_weight > 0 else 0,
        )
        fused = fuse_candidates(
            candidates,
            self.fusion,
            dense_weight=self.dense_weight,
            bm25_weight=self.bm25_weight,
            rrf_k=self.rrf_k,
        )
        codes = self.rare_codes(query)
        held: set[int] = set()  # vids of the passages holding every code
        if codes:
            fused, held = self._holders_first(codes, fused)
        if self.reranker is None or not fused:
            return [to_retrieved(c, c.fused) for c in fused[:k]]
        pool = fused[: max(self.rerank_depth, min(k, len(fused)))]
        reranked = self.reranker.rerank(query, pool, term_weights=self.index.term_weights)
        if held:  # holders first, scored as high as the best: the code is the strongest evidence there is
            best = max(score for _, score in reranked)
            reranked = [(c, max(score, best) if c.vid in held else score) for c, score in reranked]
            reranked = _monotone(sorted(reranked, key=lambda cs: cs[0].vid not in held))
        hits = [to_retrieved(c, score) for c, score in reranked]
        if k > len(hits):  # the rest in fused order, scored below the re-ranked ones
            floor = hits[-1].score
            rest = fused[len(pool) : k]
            hits += [to_retrieved(c, floor - i) for i, c in enumerate(rest, 1)]
        return hits[:k]

    def rare_codes(self, query: str) -> list[str]:
        """The codes ``query`` names (folded) that at most ``RARE_CODE_MAX`` passages hold."""
        codes = sorted(set(_CODE_RE.findall(fold(query))))
        return [code for code in codes if 0 < self.index.chunk_frequency(code) <= RARE_CODE_MAX]

    def _holders_first(self, codes: list[str], fused: list) -> tuple[list, set[int]]:
        """``fused`` with the passages holding every code first (fetched by BM25 when the
        question's other words kept them out of the candidates), and those passages' vids."""
        holders = [c for c in fused if _holds(c.folded, codes)]
        if not holders:
            seen = {c.vid for c in fused}
            found = self.index.search_candidates(" ".join(codes), dense_depth=0, bm25_depth=RARE_CODE_MAX)
            holders = [c for c in found if c.vid not in seen and _holds(c.folded, codes)]
            floor = min((c.fused for c in fused), default=0.0)
            for c in holders:
                c.fused = floor
        keep = {c.vid for c in holders}
        return holders + [c for c in fused if c.vid not in keep], keep

    def as_langchain(self, k: int = 5) -> "NewsRetriever":
        return NewsRetriever(retriever=self, k=k)


def _holds(folded: str, codes: list[str]) -> bool:
    return all(re.search(rf"(?<![a-z0-9]){re.escape(code)}(?![a-z0-9])", folded) for code in codes)


def _monotone(scored: list) -> list:
    """``(candidate, score)`` pairs with each score clamped to the one before (an order that
    was changed after scoring keeps scores that never increase down the list)."""
    out, ceiling = [], float("inf")
    for cand, score in scored:
        ceiling = min(ceiling, score)
        out.append((cand, ceiling))
    return out


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
