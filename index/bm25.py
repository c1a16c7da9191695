"""BM25 over script-folded character bigrams (``bm25s`` does the scoring).

Chinese has no spaces, and on this news text character bigrams of the OpenCC-t2s
folded text beat jieba words (see README, "Retrieval"). Latin words and numbers are
kept whole. Both the corpus and the query are folded, so a Traditional question
matches a Simplified article. Question words (哪一, 什么, 多少 …) are dropped from
queries: they carry no content.

Example::

    bm25 = BM25Index()
    bm25.build([fold("2013年9月29日上海自貿區掛牌")])
    bm25.search(fold("自贸区哪一天挂牌"), k=1)   # -> [(0, score)]
"""

from __future__ import annotations

import json
import logging
import math
import re
from pathlib import Path

import numpy as np

logger = logging.getLogger(__name__)

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_TOKEN_RE = re.compile(rf"[{_CJK}]+|[a-z0-9]+(?:[.%][0-9]+)?")
# Folded (Simplified) question words whose bigrams say what is asked, not what about.
# 哪/哪一 + a measure word (哪一门, 哪座, 哪一类 …) asks "which"; the noun after it stays.
_QUESTION_WORDS = (
    *(f"哪{one}{m}" for one in ("一", "") for m in "个位种门座类项部条家场本份支所届次名首段间组件样批处"),
    "哪一天", "哪一年", "哪一", "哪些", "哪里", "哪儿", "哪年", "哪天", "哪边", "哪方面",
    "什么时候", "什么样", "什么", "甚么", "为什么", "为甚么", "多少", "多久", "多大", "多长", "多高", "多远",
    "几个", "几位", "几种", "几次", "几岁", "几年", "几月", "几日",
    "何时", "何地", "何人", "何年", "何处", "何种", "何者", "为何", "如何", "怎么", "怎样",
    "是谁", "谁是", "谁", "是否", "是不是", "有没有", "吗", "呢",
)
_QUESTION_RE = re.compile("|".join(sorted(_QUESTION_WORDS, key=len, reverse=True)))


def _bm25s():
    import bm25s

    # bm25s sets its logger to DEBUG on import; put it back under the application's control.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


def bigram_tokens(folded: str) -> list[str]:
    """Character bigrams of CJK runs (a lone character stays a unigram) plus latin/number words."""
    tokens: list[str] = []
    for match in _TOKEN_RE.finditer(folded):
        run = match.group()
        if run[0].isascii():
            tokens.append(run)
        elif len(run) == 1:
            tokens.append(run)
        else:
            tokens.extend(run[i : i + 2] for i in range(len(run) - 1))
    return tokens


def query_tokens(folded_query: str) -> list[str]:
    """Tokens of a folded question with question words removed (falls back to all tokens)."""
    stripped = _QUESTION_RE.sub(" ", folded_query)
    tokens = bigram_tokens(stripped)
    return tokens or bigram_tokens(folded_query)


class BM25Index:
    """A static BM25 index over a list of folded texts; rebuilt (cheaply) when chunks change."""

    def __init__(self, k1: float = 1.2, b: float = 0.75):
        self.k1 = k1
        self.b = b
        self._bm25 = None
        self.size = 0

    def build(self, folded_texts: list[str]) -> None:
        bm25s = _bm25s()
        self.size = len(folded_texts)
        if not folded_texts:
            self._bm25 = None
            return
        corpus = [bigram_tokens(t) or [""] for t in folded_texts]
        model = bm25s.BM25(k1=self.k1, b=self.b)
        model.index(corpus, show_progress=False)
        self._bm25 = model

    def search(self, folded_query: str, k: int) -> list[tuple[int, float]]:
        """``(position, score)`` of the best ``k`` texts with a positive score."""
        if self._bm25 is None or k <= 0:
            return []
        ids = self._bm25.get_tokens_ids(query_tokens(folded_query))
        if not ids:
            return []
        scores = self._bm25.get_scores_from_ids(ids)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(i), float(scores[i])) for i in top if scores[i] > 0]

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """BM25 inverse document frequency of each token (a token the corpus lacks gets the maximum)."""
        n = self.size
        indptr = self._bm25.scores["indptr"] if self._bm25 is not None else None
        weights = {}
        for token in set(tokens):
            df = 0
            if indptr is not None:
                i = self._bm25.vocab_dict.get(token)
                if i is not None and i + 1 < len(indptr):
                    df = int(indptr[i + 1] - indptr[i])
            weights[token] = math.log(1 + (n - df + 0.5) / (df + 0.5))
        return weights

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "params.json").write_text(json.dumps({"k1": self.k1, "b": self.b, "size": self.size}))
        if self._bm25 is not None:
            self._bm25.save(str(folder / "bm25s"))

    @classmethod
    def load(cls, folder: Path) -> "BM25Index":
        bm25s = _bm25s()
        params = json.loads((folder / "params.json").read_text())
        index = cls(k1=params["k1"], b=params["b"])
        index.size = params["size"]
        if (folder / "bm25s").exists():
            index._bm25 = bm25s.BM25.load(str(folder / "bm25s"))
        return index
