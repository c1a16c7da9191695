"""Rank fusion of several retrievers' result lists.

Example::

    reciprocal_rank_fusion([[(7, 0.9), (3, 0.8)], [(3, 12.0)]], weights=[1.0, 1.0], rrf_k=60)
    # -> [(3, 0.0325…), (7, 0.0164…)]
"""

from __future__ import annotations

from collections.abc import Sequence


def reciprocal_rank_fusion(
    ranked_lists: Sequence[Sequence[tuple[int, float]]],
    *,
    weights: Sequence[float] | None = None,
    rrf_k: int = 60,
) -> list[tuple[int, float]]:
    """Weighted RRF: ``score(d) = Σ w_i / (rrf_k + rank_i(d))``; ties keep first-seen order."""
    weights = list(weights) if weights is not None else [1.0] * len(ranked_lists)
    if len(weights) != len(ranked_lists):
        raise ValueError("one weight per ranked list")
    scores: dict[int, float] = {}
    for weight, ranked in zip(weights, ranked_lists):
        if weight == 0:
            continue
        for rank, (item, _score) in enumerate(ranked, 1):
            scores[item] = scores.get(item, 0.0) + weight / (rrf_k + rank)
    return sorted(scores.items(), key=lambda kv: -kv[1])
