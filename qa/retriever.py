"""Retrieval: hybrid (dense + BM25) search over a ``NewsIndex``, re-ranked: the one way passages are found.

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
   order. ``rerank=False`` keeps the fused order (the passages returned are still scored).

A question that names a time (「2021年」, 「去年9月」, 「上周」, read against ``as_of``: today
by default) prefers the passages of that period and passes over those of another year
when they are not clearly better — a soft preference (``newsqa.qa.periods``), added to
the fused score (so they reach the re-ranked pool) and to the re-ranked one. ``within``
(a ``DateRange``, ``newsqa ask --since/--until``) is a hard filter: only passages of
articles dated in it, searched as deep as it takes to find ``k``. A question that names
no time, without ``within``, is retrieved exactly as before.

A question naming a rare code (``QX036``, ``C919``: letters and digits in one word, held by
at most ``RARE_CODE_MAX`` passages) gets the passages holding it first: templated reports
share every other word, and one shared sentence would outweigh the code.

``RetrievedChunk.score`` is the final score (the reranker's, else the fused one); it
never increases down the list. ``RetrievedChunk.rerank_score`` is the reranker's own score
of the passage, before the period preference or the code holders moved it (None below the
re-ranked pool): what abstention reads (``newsqa.qa.abstain``), so nothing scores twice.

Example::

    retriever = HybridRetriever(index)                    # tuned defaults
    hits = retriever.run("上海自貿區是哪一天掛牌的？", k=5)
    hits = retriever.run("去年9月哪个飓风袭击了利比亚？", k=5, as_of=datetime.date(2024, 11, 12))
    hits = retriever.run("上海自贸区", k=5, within=DateRange.parse("2021-01-01", "2021-12-31"))

In a LangChain chain: ``newsqa.qa.langchain_retriever.NewsRetriever`` (its own module, so
that answering a question does not import LangChain).
"""

from __future__ import annotations

import datetime as dt

from newsqa.chinese import codes as codes_in, holds_codes
from newsqa.index.fusion import FUSION_KINDS, fuse_candidates, to_retrieved
from newsqa.qa.periods import TimeQuery, period_fit
from newsqa.qa.rerank import LinearReranker
from newsqa.script import fold
from newsqa.timex import DateRange
from newsqa.types import RetrievedChunk

RARE_CODE_MAX = 5  # passages that may hold a code for it to count as the question's anchor
# What a passage's fit to the question's period (+1 / 0 / -1, ``period_fit``) adds to its
# fused score (0..3 with the default weights: it decides which passages reach the re-ranked
# pool) and to its re-ranked one (logits: a passage of another year must out-score one of
# the period by 6; the four coverage features weigh about 14 together, so it must cover
# some 40 % more of the question).
# Chosen on the TUNE halves with python -m newsqa.evals.fit_time_preference: questions that
# name a time, hit@1 from 0.886 to 0.952 (ChronoQA dev) and 0.910 to 0.959 (DRCD dev);
# 4.0 gained 0.004 more on ChronoQA, 2.0 0.008 less.
TIME_FUSED_WEIGHT = 0.5
TIME_RERANK_WEIGHT = 3.0


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
        time_weight: float = 1.0,
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
        self.reranker = reranker or LinearReranker.load()  # without re-ranking it still scores the hits
        self.time_weight = time_weight  # scales the period preference (0: off)

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
            time_weight=settings.retrieval_time_weight,
            reranker=(
                LinearReranker.load(settings.resolve(settings.retrieval_rerank_weights))
                if settings.retrieval_rerank_weights
                else None
            ),
        )

    def run(
        self, query: str, k: int = 5, *, as_of: dt.date | None = None, within: DateRange | None = None
    ) -> list[RetrievedChunk]:
        """The ``k`` best passages for ``query``, best first; a time the question names is
        read against ``as_of`` (default today), and ``within`` keeps only articles dated in it."""
        if k <= 0:
            return []
        when = TimeQuery.read(query, as_of, within)
        fused = fuse_candidates(
            self._candidates(query, k, when.within),
            self.fusion,
            dense_weight=self.dense_weight,
            bm25_weight=self.bm25_weight,
            rrf_k=self.rrf_k,
        )
        fits = self._fits(when, fused)
        if fits:
            for c in fused:
                c.fused += self.time_weight * TIME_FUSED_WEIGHT * fits[c.vid]
            fused.sort(key=lambda c: -c.fused)
        codes = self.rare_codes(query)
        held: set[int] = set()  # vids of the passages holding every code
        if codes:
            fused, held = self._holders_first(codes, fused, when.within)
        if not fused:
            return []
        if self.rerank_depth == 0:  # the fused order stands; the hits carry the reranker's score all the same
            top = fused[:k]
            scores = self.reranker.scores(self.reranker.terms(query, self.index.term_weights), top)
            return [to_retrieved(c, c.fused, score) for c, score in zip(top, scores)]
        pool = fused[: max(self.rerank_depth, min(k, len(fused)))]
        reranked = self.reranker.rerank(query, pool, term_weights=self.index.term_weights)
        own = {c.vid: score for c, score in reranked}  # before the preferences below move it
        if fits:
            bonus = self.time_weight * TIME_RERANK_WEIGHT
            reranked = sorted(((c, score + bonus * fits[c.vid]) for c, score in reranked), key=lambda cs: -cs[1])
        if held:  # holders first, scored as high as the best: the code is the strongest evidence there is
            best = max(score for _, score in reranked)
            reranked = [(c, max(score, best) if c.vid in held else score) for c, score in reranked]
            reranked = _monotone(sorted(reranked, key=lambda cs: cs[0].vid not in held))
        hits = [to_retrieved(c, score, own[c.vid]) for c, score in reranked]
        if k > len(hits):  # the rest in fused order, scored below the re-ranked ones
            floor = hits[-1].score
            rest = fused[len(pool) : k]
            hits += [to_retrieved(c, floor - i) for i, c in enumerate(rest, 1)]
        return hits[:k]

    def _fits(self, when: TimeQuery, candidates: list) -> dict[int, float]:
        """Each candidate's fit to the question's periods (by vid); empty when the question
        names no time or the preference is off."""
        if not when.periods or self.time_weight == 0:
            return {}
        return {c.vid: period_fit(when.periods, c.document.date, c.chunk.text) for c in candidates}

    def _candidates(self, query: str, k: int, within: DateRange | None) -> list:
        """First-stage candidates; with ``within``, only those of articles dated in it (at least
        ``k`` when the index holds that many), ranked among themselves."""
        dense = max(self.depth, k) if self.dense_weight > 0 else 0
        sparse = max(self.bm25_depth, k) if self.bm25_weight > 0 else 0
        return self.index.search_candidates(query, dense_depth=dense, bm25_depth=sparse, within=within, enough=k)

    def rare_codes(self, query: str) -> list[str]:
        """The codes ``query`` names (folded) that at most ``RARE_CODE_MAX`` passages hold."""
        named = sorted(set(codes_in(fold(query))))
        return [code for code in named if 0 < self.index.chunk_frequency(code) <= RARE_CODE_MAX]

    def _holders_first(self, codes: list[str], fused: list, within: DateRange | None) -> tuple[list, set[int]]:
        """``fused`` with the passages holding every code first (fetched by BM25 when the
        question's other words kept them out of the candidates), and those passages' vids."""
        holders = [c for c in fused if holds_codes(c.folded, codes)]
        if not holders:
            seen = {c.vid for c in fused}
            found = self.index.search_candidates(" ".join(codes), dense_depth=0, bm25_depth=RARE_CODE_MAX)
            holders = [c for c in found if c.vid not in seen and holds_codes(c.folded, codes)
                       and (within is None or within.contains(c.document.date))]
            floor = min((c.fused for c in fused), default=0.0)
            for c in holders:
                c.fused = floor
        keep = {c.vid for c in holders}
        return holders + [c for c in fused if c.vid not in keep], keep


def _monotone(scored: list) -> list:
    """``(candidate, score)`` pairs with each score clamped to the one before (an order that
    was changed after scoring keeps scores that never increase down the list)."""
    out, ceiling = [], float("inf")
    for cand, score in scored:
        ceiling = min(ceiling, score)
        out.append((cand, ceiling))
    return out
