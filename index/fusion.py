"""Fusion of several retrievers' result lists into one ranking.

Two kinds, chosen by ``retrieval_fusion``:

* ``rrf`` — weighted reciprocal rank fusion, ``Σ w_i / (rrf_k + rank_i)``. Robust, but it
  only sees ranks: a passage that one retriever puts first by a wide margin and the
  other misses loses to a passage both put fifth, which drags the top rank down.
* ``score`` — weighted sum of per-query normalised scores. Each list's scores are
  min-max scaled over its own candidates (best = 1, the last one kept = 0), so a clear
  winner in either retriever stays ahead; a passage a retriever did not return gets 0
  from it.

Example::

    reciprocal_rank_fusion([[(7, 0.9), (3, 0.8)], [(3, 12.0)]], weights=[1.0, 1.0], rrf_k=60)
    # -> [(3, 0.0325…), (7, 0.0164…)]
    score_fusion([[(7, 0.9), (3, 0.8)], [(3, 12.0), (5, 2.0)]], weights=[1.0, 1.0])
    # -> [(7, 1.0), (3, 1.0), (5, 0.0)]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from newsqa.types import Chunk, Document, RetrievedChunk

FUSION_KINDS = ("rrf", "score")


@dataclass(slots=True)
class Candidate:
    """One passage found by the first stage, with what each retriever said about it.

    ``dense_score`` is the cosine between question and passage (computed for every
    candidate, also those dense retrieval did not rank); ``dense_rank``/``bm25_rank``
    are 1-based ranks in each retriever's list (``None``: not in it); ``folded`` is the
    passage's folded text (title, date and body, as BM25 sees it).
    """

    vid: int
    chunk: Chunk
    document: Document
    folded: str
    dense_score: float | None = None
    dense_rank: int | None = None
    bm25_score: float | None = None
    bm25_rank: int | None = None
    fused: float = 0.0


def _check(ranked_lists: Sequence[Sequence[tuple[int, float]]], weights: Sequence[float] | None) -> list[float]:
    weights = list(weights) if weights is not None else [1.0] * len(ranked_lists)
    if len(weights) != len(ranked_lists):
        raise ValueError("one weight per ranked list")
    if any(w < 0 for w in weights):
        raise ValueError("fusion weights must be >= 0")
    return weights


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[tuple[int, float]]],
    *,
    weights: Sequence[float] | None = None,
    rrf_k: int = 60,
) -> list[tuple[int, float]]:
    """Weighted RRF: ``score(d) = Σ w_i / (rrf_k + rank_i(d))``; ties keep first-seen order."""
    weights = _check(ranked_lists, weights)
    scores: dict[int, float] = {}
    for weight, ranked in zip(weights, ranked_lists):
        if weight == 0:
            continue
        for rank, (item, _score) in enumerate(ranked, 1):
            scores[item] = scores.get(item, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])


def min_max(ranked: Sequence[tuple[int, float]]) -> dict[int, float]:
    """Scores scaled to [0, 1] over the list (best 1, worst 0; a single item or all-equal: 1)."""
    if not ranked:
        return {}
    values = [s for _, s in ranked]
    hi, lo = max(values), min(values)
    span = hi - lo
    if span <= 0:
        return {item: 1.0 for item, _ in ranked}
    return {item: (s - lo) / span for item, s in ranked}


def score_fusion(
    ranked_lists: Sequence[Sequence[tuple[int, float]]],
    *,
    weights: Sequence[float] | None = None,
) -> list[tuple[int, float]]:
    """Weighted sum of min-max normalised scores (an item missing from a list gets 0 from it).

    Ties keep first-seen order (the first list's order first).
    """
    weights = _check(ranked_lists, weights)
    scores: dict[int, float] = {}
    for weight, ranked in zip(weights, ranked_lists):
        if weight == 0:
            continue
        for item, value in min_max(ranked).items():
            scores[item] = scores.get(item, 0.0) + weight * value
    return sorted(scores.items(), key=lambda kv: -kv[1])


def fuse(
    kind: str,
    ranked_lists: Sequence[Sequence[tuple[int, float]]],
    *,
    weights: Sequence[float] | None = None,
    rrf_k: int = 60,
) -> list[tuple[int, float]]:
    """Fuse with the named ``kind`` (``"rrf"`` or ``"score"``)."""
    if kind == "rrf":
        return reciprocal_rank_fusion(ranked_lists, weights=weights, rrf_k=rrf_k)
    if kind == "score":
        return score_fusion(ranked_lists, weights=weights)
    raise ValueError(f"unknown fusion {kind!r}; choose one of {', '.join(FUSION_KINDS)}")


def fuse_candidates(
    candidates: Sequence[Candidate],
    kind: str = "rrf",
    *,
    dense_weight: float = 1.0,
    bm25_weight: float = 1.0,
    rrf_k: int = 60,
) -> list[Candidate]:
    """``candidates`` (from ``NewsIndex.search_candidates``) best first by ``kind`` fusion of
    their dense and BM25 lists; sets each one's ``fused`` score. Candidates that only a
    zero-weight retriever found are dropped."""
    dense = sorted((c for c in candidates if c.dense_rank is not None), key=lambda c: c.dense_rank)
    sparse = sorted((c for c in candidates if c.bm25_rank is not None), key=lambda c: c.bm25_rank)
    by_vid = {c.vid: c for c in candidates}
    fused = fuse(
        kind,
        [[(c.vid, c.dense_score) for c in dense], [(c.vid, c.bm25_score) for c in sparse]],
        weights=[dense_weight, bm25_weight],
        rrf_k=rrf_k,
    )
    out = []
    for vid, score in fused:
        cand = by_vid[vid]
        cand.fused = score
        out.append(cand)
    return out


def to_retrieved(candidate: Candidate, score: float, rerank_score: float | None = None) -> RetrievedChunk:
    """The public record of a candidate, with ``score`` as its final score (and the second
    stage's own score, when it re-scored the candidate)."""
    return RetrievedChunk(
        chunk=candidate.chunk,
        document=candidate.document,
        score=float(score),
        dense_rank=candidate.dense_rank,
        bm25_rank=candidate.bm25_rank,
        dense_score=candidate.dense_score,
        bm25_score=candidate.bm25_score,
        rerank_score=None if rerank_score is None else float(rerank_score),
    )


def rank_among(candidates: list[Candidate], dense_depth: int, bm25_depth: int) -> list[Candidate]:
    """``candidates`` with their dense and BM25 ranks renumbered among themselves, each list
    cut to its depth (as if the index held only them)."""
    dense = sorted((c for c in candidates if c.dense_rank is not None), key=lambda c: c.dense_rank)
    for rank, c in enumerate(dense, 1):
        c.dense_rank = rank if rank <= dense_depth else None  # its cosine stays: every candidate has one
    sparse = sorted((c for c in candidates if c.bm25_rank is not None), key=lambda c: c.bm25_rank)
    for rank, c in enumerate(sparse, 1):
        if rank > bm25_depth:
            c.bm25_rank = c.bm25_score = None
        else:
            c.bm25_rank = rank
    return [c for c in candidates if c.dense_rank is not None or c.bm25_rank is not None]
