"""When to say 「資料中沒有相關內容」: a small logistic model of "the passages answer this".

The extractive answerer always finds *some* best sentence; the question is whether the
archive holds the answer at all. A question about a story the archive lacks still
shares words with other stories (names, places, 哪一年), so one overlap score separates
the two poorly (AUC 0.94 on the held-out DRCD set, recall 0.44 at 5 % false abstentions).
This model combines evidence that fails in different ways:

* ``rerank_top`` — the best second-stage score (``newsqa.qa.rerank.LinearReranker``) among
  the passages: e5 cosine plus the lexical coverage of the question in the passage, its
  best sentence and window. The retriever scored them already and each passage carries its
  score (``RetrievedChunk.rerank_score``, also when retrieval keeps the fused order, before
  the period preference moves it, its BM25 feature relative to the best of the re-ranked
  pool); it is read here, not computed again (0 when no passage carries one);
* ``match`` — the best evidence match among the answerer's candidate sentences
  (IDF-weighted bigram coverage, with the headline, and the answer-type check);
* ``dense_top`` — the best e5 cosine among the passages.

``probability = sigmoid(w · features + bias)`` is the ``Answer.confidence``; the answerer
abstains below ``answer_min_confidence``. The weights (``abstain_weights.json``) are
fitted by ``python -m newsqa.evals.fit_abstention`` on the TUNE half of the DRCD
unanswerable set (questions whose articles are held out of the index, plus answerable
ones) and the threshold is chosen there for at most 5 % false abstentions; the file
records the figures on the CHECK half.

Example::

    model = AbstentionModel.load()
    features = model.features(sentences, retrieved)
    model.probability(features)   # 0.93: answer; 0.04: abstain
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from newsqa.types import RetrievedChunk

WEIGHTS_FILE = Path(__file__).with_name("abstain_weights.json")

FEATURES: tuple[str, ...] = ("rerank_top", "match", "dense_top")


class ScoredSentence(Protocol):
    """What the model reads from the answerer's candidate sentences."""

    match: float


class AbstentionModel:
    """``P(the passages answer the question)`` from a few evidence features; see the module docstring."""

    def __init__(self, weights: dict[str, float], bias: float):
        unknown = sorted(set(weights) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown abstention feature(s): {', '.join(unknown)}; known: {', '.join(FEATURES)}")
        self.weights = {name: float(weights.get(name, 0.0)) for name in FEATURES}
        self.bias = float(bias)

    @classmethod
    def load(cls, path: Path | None = None) -> "AbstentionModel":
        """The shipped weights (``abstain_weights.json`` beside this module) or those at ``path``."""
        path = Path(path) if path is not None else WEIGHTS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(data["weights"], data["bias"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"cannot read abstention weights {path}: {exc}") from exc

    # ------------------------------------------------------------------ features
    def features(self, sentences: Sequence[ScoredSentence], retrieved: Sequence[RetrievedChunk]) -> dict[str, float]:
        """The feature values for one question, from the answerer's candidate ``sentences`` and the passages."""
        out = dict.fromkeys(FEATURES, 0.0)
        if not retrieved:
            return out
        out["rerank_top"] = max((hit.rerank_score for hit in retrieved if hit.rerank_score is not None), default=0.0)
        out["dense_top"] = max((hit.dense_score or 0.0) for hit in retrieved)
        if sentences:
            out["match"] = max(s.match for s in sentences)
        return out

    def probability(self, features: dict[str, float]) -> float:
        z = self.bias + sum(self.weights[name] * features.get(name, 0.0) for name in FEATURES)
        return 1.0 / (1.0 + math.exp(-z)) if z > -500 else 0.0


def fit_logistic(x, y, l2: float = 1e-3, iterations: int = 1000) -> tuple[list[float], float]:
    """Weights and bias of an L2-regularised logistic regression (scipy's L-BFGS).

    ``x``: ``(n, d)`` features, ``y``: ``n`` booleans (True: answerable). Features are
    standardised for the fit and the weights mapped back, so ``l2`` does not depend on scale.
    """
    import numpy as np
    from scipy.optimize import minimize

    x = np.asarray(x, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    mean, std = x.mean(axis=0), x.std(axis=0)
    std[std == 0] = 1.0
    z = (x - mean) / std
    n, d = z.shape

    def loss(params):
        w, b = params[:d], params[d]
        s = z @ w + b
        p = 1.0 / (1.0 + np.exp(-s))
        # log(1 + e^s) - y s, computed stably
        value = np.logaddexp(0.0, s) - y * s
        g = p - y
        return value.mean() + l2 * float(w @ w), np.concatenate([z.T @ g / n + 2 * l2 * w, [g.mean()]])

    result = minimize(loss, np.zeros(d + 1), jac=True, method="L-BFGS-B", options={"maxiter": iterations})
    w_std, b_std = result.x[:d], result.x[d]
    weights = w_std / std
    bias = b_std - float((w_std * mean / std).sum())
    return [float(v) for v in weights], float(bias)
