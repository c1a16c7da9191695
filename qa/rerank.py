"""Second stage: re-score the fused top candidates with a small linear model over features.

No cross-encoder runs offline here, so each (question, passage) pair gets a handful of
cheap features: what the first stage already knows (the e5 cosine and dense rank, the
BM25 score relative to the best candidate's) plus lexical evidence on the folded (t2s)
text, with the question's bigrams weighted by their corpus IDF (``term_weights``):

* ``cov`` — the share of the question's content bigrams found in the passage (title included);
* ``sent_cov`` / ``win_cov`` — the same for the passage's best sentence / best two
  adjacent sentences (the answer usually sits in one sentence that echoes the question);
* ``char_cov`` — the share of the question's characters in the best sentence (catches
  reordered and reworded phrases that break bigrams); a character weighs as much as
  the commonest question bigram holding it;
* ``title_cov`` — the share of the question found in the headline;
* ``type_ok`` — a date/number question (``newsqa.answer_types.question_kind``) and a
  passage that holds (+1) or lacks (-1) one.

Bigrams and characters holding a function character (的, 是, 了 …) count for
``function_weight`` of their IDF: in a small archive a bigram like 牌的 is rare by accident.

The score is ``w · features + bias`` with the weights in ``rerank_weights.json``, fitted
with ``fit_listwise`` (softmax over each question's candidates, weights >= 0; needs scipy,
which sentence-transformers already installs) on the TUNE half of DRCD dev. Features
depend only on the folded text, so a Simplified and a Traditional question get the same
lexical features. Per-passage token sets are cached, so re-ranking 20 candidates costs
about a millisecond or two.

Example::

    reranker = LinearReranker.load()
    order = reranker.rerank(question, candidates, term_weights=index.term_weights)
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np

from newsqa.answer_types import question_kind
from newsqa.index.fusion import Candidate
from newsqa.script import fold
from newsqa.text import FUNCTION_CHARS, bigram_tokens, query_tokens

TermWeights = Callable[[list[str]], dict[str, float]]

WEIGHTS_FILE = Path(__file__).with_name("rerank_weights.json")

FEATURES: tuple[str, ...] = (
    "dense_cos",  # e5 cosine of question and passage
    "dense_rr",  # 1 / rank in the dense list (0: not in it)
    "bm25_rel",  # BM25 score / the best BM25 score among the candidates (0: not in the BM25 list)
    "cov",  # IDF-weighted share of the question's content bigrams in the passage (title included)
    "sent_cov",  # the same for the best sentence
    "win_cov",  # the same for the best two adjacent sentences
    "char_cov",  # weighted share of the question's content characters in the best sentence
    "title_cov",  # IDF-weighted share of the question's bigrams in the headline
    "type_ok",  # +1 / -1: a date or number question and a passage with / without one; 0 otherwise
)

# What makes a passage hold a date / a number (the passage side of type_ok).
_DATE_A = re.compile(r"\d{1,4}\s*年|\d{1,2}\s*月\s*\d{1,2}\s*[日号]|[一二三四五六七八九〇零十百千]+年|世纪|年代|朝")
_NUMBER_A = re.compile(r"\d|[一二三四五六七八九十百千万亿两]+[个家项名人年万亿%种座位条只件次倍公米里]")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;\n])")


@dataclass(slots=True)
class _Passage:
    tokens: frozenset[str]
    sentences: tuple[str, ...]
    sentence_tokens: tuple[frozenset[str], ...]
    windows: tuple[frozenset[str], ...]  # bigrams of each pair of adjacent sentences
    title_tokens: frozenset[str]
    has_date: bool
    has_number: bool


@dataclass(slots=True)
class QueryTerms:
    """What the features need from the question, computed once per question."""

    folded: str
    weights: dict[str, float]  # content bigram -> IDF
    char_weights: dict[str, float]  # content character -> lowest IDF of a bigram holding it
    kind: str

    @classmethod
    def of(
        cls, question: str, term_weights: TermWeights | None = None, function_weight: float = 1.0
    ) -> "QueryTerms":
        """``function_weight`` scales bigrams and characters that hold a function character
        (的, 是, 了 …): in a small archive their IDF is high by accident."""
        folded = fold(question)
        tokens = query_tokens(folded)
        if term_weights is not None and tokens:
            weights = {t: float(w) for t, w in term_weights(tokens).items()}
        else:
            weights = {t: 1.0 for t in tokens}
        if function_weight != 1.0:
            weights = {t: w * function_weight if FUNCTION_CHARS.intersection(t) else w for t, w in weights.items()}
        # A character is worth as much as the commonest bigram it is part of (a rare
        # character inside a common word does not make a passage that shares only it relevant).
        char_weights: dict[str, float] = {}
        for token, weight in weights.items():
            if token.isascii():
                continue
            for ch in token:
                char_weights[ch] = min(char_weights.get(ch, weight), weight)
        return cls(folded, weights, char_weights, question_kind(folded))


def _share(weights: dict[str, float], total: float, present) -> float:
    return sum(w for t, w in weights.items() if t in present) / total


class FeatureExtractor:
    """Computes the feature matrix; caches each passage's token sets."""

    def __init__(self, cache_size: int = 50000):
        # (vector id, chunk id) -> token sets; a plain dict (get/set are atomic, so threads
        # may share it), emptied when full.
        self._cache: dict[tuple[int, str], _Passage] = {}
        self.cache_size = cache_size

    def _passage(self, cand: Candidate) -> _Passage:
        key = (cand.vid, cand.chunk.chunk_id)
        hit = self._cache.get(key)
        if hit is not None:
            return hit
        text = cand.folded
        sentences = tuple(s for s in _SENTENCE_END.split(text) if s.strip()) or ("",)
        sentence_tokens = tuple(frozenset(bigram_tokens(s)) for s in sentences)
        windows = tuple(a | b for a, b in pairwise(sentence_tokens)) or sentence_tokens
        passage = _Passage(
            tokens=frozenset(bigram_tokens(text)),
            sentences=sentences,
            sentence_tokens=sentence_tokens,
            windows=windows,
            title_tokens=frozenset(bigram_tokens(fold(cand.document.title or ""))),
            has_date=bool(_DATE_A.search(text)),
            has_number=bool(_NUMBER_A.search(text)),
        )
        if len(self._cache) >= self.cache_size:
            self._cache = {}
        self._cache[key] = passage
        return passage

    def features(self, terms: QueryTerms, candidates: Sequence[Candidate]) -> np.ndarray:
        """One row of ``FEATURES`` per candidate."""
        out = np.zeros((len(candidates), len(FEATURES)), dtype=np.float64)
        if not candidates:
            return out
        bm25 = [c.bm25_score for c in candidates if c.bm25_score is not None]
        top_bm25 = max(bm25) if bm25 else 0.0
        weights, chars = terms.weights, terms.char_weights
        total = sum(weights.values()) or 1.0
        char_total = sum(chars.values()) or 1.0
        for row, cand in enumerate(candidates):
            p = self._passage(cand)
            x = out[row]
            x[0] = cand.dense_score if cand.dense_score is not None else 0.0
            x[1] = 1.0 / cand.dense_rank if cand.dense_rank else 0.0
            x[2] = cand.bm25_score / top_bm25 if (cand.bm25_score and top_bm25 > 0) else 0.0
            if weights:
                x[3] = _share(weights, total, p.tokens)
                x[4] = max(_share(weights, total, s) for s in p.sentence_tokens)
                x[5] = max(_share(weights, total, w) for w in p.windows)
                x[7] = _share(weights, total, p.title_tokens)
            if chars:
                x[6] = max(_share(chars, char_total, s) for s in p.sentences)
            if terms.kind == "date":
                x[8] = 1.0 if p.has_date else -1.0
            elif terms.kind == "number":
                x[8] = 1.0 if p.has_number else -1.0
        return out


class LinearReranker:
    """``score = features · weights + bias`` over ``FEATURES``; higher is better."""

    def __init__(
        self,
        weights: dict[str, float],
        bias: float = 0.0,
        *,
        function_weight: float = 1.0,
        extractor: FeatureExtractor | None = None,
    ):
        unknown = sorted(set(weights) - set(FEATURES))
        if unknown:
            raise ValueError(f"unknown reranker feature(s): {', '.join(unknown)}; known: {', '.join(FEATURES)}")
        if not 0.0 <= function_weight <= 1.0:
            raise ValueError(f"function_weight must be within [0, 1], not {function_weight}")
        self.weights = {name: float(weights.get(name, 0.0)) for name in FEATURES}
        self.bias = float(bias)
        self.function_weight = float(function_weight)
        self._w = np.array([self.weights[name] for name in FEATURES], dtype=np.float64)
        self.extractor = extractor or FeatureExtractor()

    @classmethod
    def load(cls, path: Path | None = None) -> "LinearReranker":
        """The shipped weights (``rerank_weights.json`` beside this module) or those at ``path``."""
        path = Path(path) if path is not None else WEIGHTS_FILE
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(data["weights"], data.get("bias", 0.0), function_weight=data.get("function_weight", 1.0))
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"cannot read reranker weights {path}: {exc}") from exc

    def terms(self, question: str, term_weights: TermWeights | None = None) -> QueryTerms:
        return QueryTerms.of(question, term_weights, self.function_weight)

    def scores(self, terms: QueryTerms, candidates: Sequence[Candidate]) -> np.ndarray:
        return self.extractor.features(terms, candidates) @ self._w + self.bias

    def rerank(
        self,
        question: str,
        candidates: Sequence[Candidate],
        *,
        term_weights: TermWeights | None = None,
    ) -> list[tuple[Candidate, float]]:
        """``candidates`` re-ordered best first, with their scores (ties keep the given order)."""
        if not candidates:
            return []
        scores = self.scores(self.terms(question, term_weights), candidates)
        order = np.argsort(-scores, kind="stable")
        return [(candidates[i], float(scores[i])) for i in order]


def fit_listwise(
    groups: Sequence[tuple[np.ndarray, np.ndarray]],
    l2: float = 1e-3,
    iterations: int = 500,
    nonnegative: bool = False,
) -> tuple[np.ndarray, float]:
    """Fit linear weights with a listwise softmax loss (one list of candidates per question).

    ``groups``: ``(X, gold)`` pairs, ``X`` of shape ``(n, len(FEATURES))`` and ``gold`` a
    boolean mask with at least one True. Minimises ``-log Σ_gold softmax(Xw)`` + ``l2·|w|²``;
    ``nonnegative`` keeps every weight >= 0 (each feature says "more is more relevant").
    Returns ``(weights, bias)`` (the bias does not change a ranking; it is 0).
    """
    from scipy.optimize import minimize

    groups = [(np.asarray(x, dtype=np.float64), np.asarray(g, dtype=bool)) for x, g in groups if np.any(g)]
    dim = groups[0][0].shape[1]

    def loss(w: np.ndarray) -> tuple[float, np.ndarray]:
        total, grad = 0.0, np.zeros(dim)
        for x, g in groups:
            s = x @ w
            s = s - s.max()
            e = np.exp(s)
            z = e.sum()
            zg = e[g].sum()
            total -= math.log(zg) - math.log(z)
            grad -= (e[g] @ x[g]) / zg - (e @ x) / z
        n = len(groups)
        return total / n + l2 * float(w @ w), grad / n + 2 * l2 * w

    bounds = [(0.0, None)] * dim if nonnegative else None
    result = minimize(
        loss, np.zeros(dim), jac=True, method="L-BFGS-B", bounds=bounds, options={"maxiter": iterations}
    )
    return result.x, 0.0
