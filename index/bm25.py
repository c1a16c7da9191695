"""BM25 over script-folded character bigrams (``bm25s`` does the scoring).

The tokens are those of ``newsqa.text``: character bigrams of the OpenCC-t2s folded text
(on this news text they beat jieba words, see README, "Retrieval"), latin words and numbers
kept whole. Both the corpus and the query are folded, so a Traditional question matches a
Simplified article. Question words (哪一, 什么, 多少 …) are dropped from queries
(``newsqa.text.query_tokens``): they carry no content.

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

from newsqa.text import HAN_TOKEN_RANGES, LATIN_WORD, query_tokens

logger = logging.getLogger(__name__)


def _bm25s():
    import bm25s

    # bm25s sets its logger to DEBUG on import; put it back under the application's control.
    logging.getLogger("bm25s").setLevel(logging.WARNING)
    return bm25s


_LATIN_RE = re.compile(LATIN_WORD)
_BIGRAM_SHIFT = 21  # code points fit in 21 bits: a bigram key is (first << 21) | second


def _batch_tokens(texts: list[str], latin_vocab: dict[str, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The tokens of ``texts`` (same as ``newsqa.text.bigram_tokens``), vectorised: ``(doc, key, length)``.

    ``doc``/``key`` list each token occurrence (CJK bigrams and lone characters as code-point
    keys >= 0; latin/number words as ``-(1 + id)`` with ids from ``latin_vocab``, which
    grows); ``length`` is each text's token count. A text without tokens gets the empty
    token ``""`` (as ``BM25Index.build`` always gave it).
    """
    joined = "\0".join(texts)
    codes = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]])
    cjk = np.zeros(len(codes), dtype=bool)
    for lo, hi in HAN_TOKEN_RANGES:
        cjk |= (codes >= lo) & (codes <= hi)
    before = np.concatenate([[False], cjk[:-1]])
    after = np.concatenate([cjk[1:], [False]])
    pair = np.flatnonzero(cjk & after)
    lone = np.flatnonzero(cjk & ~before & ~after)
    latin_pos, latin_keys = [], []
    for match in _LATIN_RE.finditer(joined):
        token = match.group()
        latin_pos.append(match.start())
        latin_keys.append(-1 - latin_vocab.setdefault(token, len(latin_vocab)))
    positions = np.concatenate([pair, lone, np.asarray(latin_pos, dtype=np.int64)])
    keys = np.concatenate([
        (codes[pair] << _BIGRAM_SHIFT) | codes[pair + 1],
        codes[lone],
        np.asarray(latin_keys, dtype=np.int64),
    ])
    docs = np.searchsorted(starts, positions, side="right") - 1
    counts = np.bincount(docs, minlength=len(texts))
    empty = np.flatnonzero(counts == 0)
    if len(empty):
        empty_key = -1 - latin_vocab.setdefault("", len(latin_vocab))
        docs = np.concatenate([docs, empty])
        keys = np.concatenate([keys, np.full(len(empty), empty_key, dtype=np.int64)])
        counts[empty] = 1
    return docs, keys, counts


_KEY_OFFSET = 1 << 40  # makes every token key (latin ones are negative) non-negative


def _pair_counts(docs: np.ndarray, keys: np.ndarray, n_docs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Distinct (key, doc) pairs of one batch with their term frequency, sorted by key then doc."""
    bits = max(1, int(n_docs - 1).bit_length())
    combined, tf = np.unique(((keys + _KEY_OFFSET) << bits) | docs, return_counts=True)
    return combined & ((1 << bits) - 1), (combined >> bits) - _KEY_OFFSET, tf


def _token_text(key: int, latin: list[str]) -> str:
    if key < 0:
        return latin[-1 - key]
    if key >> _BIGRAM_SHIFT:
        return chr(key >> _BIGRAM_SHIFT) + chr(key & ((1 << _BIGRAM_SHIFT) - 1))
    return chr(key)


def build_scores(folded_texts: list[str], k1: float, b: float, batch: int = 20_000) -> tuple[dict, dict[str, int]]:
    """BM25 (Lucene variant, as ``bm25s``) score matrix of ``folded_texts``, built with numpy.

    Returns ``bm25s``'s ``(scores, vocab_dict)``: a CSC matrix (one column per token, rows
    are texts, values ``idf * tf / (tf + k1 * (1 - b + b * len / avg_len))``). Two passes over
    batches — document frequencies, then scores written straight into their column slots —
    so memory stays at the final matrix (8 bytes per distinct token of a text) plus one
    batch; ``bm25s.BM25.index`` tokenises and scores in Python loops, ~100x slower at 1M texts.
    """
    n = len(folded_texts)
    latin: dict[str, int] = {}
    batch_keys: list[np.ndarray] = []
    lengths = np.zeros(n, dtype=np.int64)
    for begin in range(0, n, batch):  # pass 1: vocabulary, document frequencies, lengths
        docs, keys, counts = _batch_tokens(folded_texts[begin : begin + batch], latin)
        lengths[begin : begin + len(counts)] = counts
        _, pair_keys, _ = _pair_counts(docs, keys, len(counts))
        batch_keys.append(np.unique(pair_keys, return_counts=True))
    all_keys = np.unique(np.concatenate([k for k, _ in batch_keys])) if batch_keys else np.zeros(0, np.int64)
    df = np.zeros(len(all_keys), dtype=np.int64)
    for keys, counts in batch_keys:
        df[np.searchsorted(all_keys, keys)] += counts
    del batch_keys
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5)).astype(np.float32)
    avg_len = float(lengths.mean()) if n else 1.0
    indptr = np.zeros(len(all_keys) + 1, dtype=np.int64)
    indptr[1:] = np.cumsum(df)
    data = np.empty(int(indptr[-1]), dtype=np.float32)
    indices = np.empty(int(indptr[-1]), dtype=np.int32)
    cursor = indptr[:-1].copy()
    latin_seen = dict(latin)
    for begin in range(0, n, batch):  # pass 2: scores into their column slots, rows in order
        docs, keys, counts = _batch_tokens(folded_texts[begin : begin + batch], latin_seen)
        docs, keys, tf = _pair_counts(docs, keys, len(counts))
        cols = np.searchsorted(all_keys, keys)  # ascending: pairs come sorted by key, then doc
        norm = k1 * ((1 - b) + b * counts[docs] / avg_len)
        starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]])
        sizes = np.diff(np.append(starts, len(cols)))
        slots = cursor[cols] + (np.arange(len(cols)) - np.repeat(starts, sizes))
        data[slots] = idf[cols] * (tf / (norm + tf))
        indices[slots] = docs + begin
        cursor[cols[starts]] += sizes
    latin_list = [""] * len(latin)
    for token, i in latin.items():
        latin_list[i] = token
    vocab = {_token_text(int(key), latin_list): col for col, key in enumerate(all_keys.tolist())}
    if "" not in vocab:
        vocab[""] = len(vocab)  # bm25s's empty token: no postings
    return {"data": data, "indices": indices, "indptr": indptr, "num_docs": n}, vocab


def bm25_idf(n: int, df: int) -> float:
    """BM25's (Lucene) inverse document frequency of a token held by ``df`` of ``n`` texts."""
    return math.log(1 + (n - df + 0.5) / (df + 0.5))


class BM25Stats:
    """The corpus statistics of a built BM25 index: its tokens (in column order), their document
    frequencies and the number of texts. Enough to weigh a query the way ``BM25Index`` does
    without the score matrix: a server whose passages are scored elsewhere (the Milvus
    backend's sparse vectors) keeps only this.

    Example::

        stats = BM25Stats.from_dict(index.statistics().to_dict())
        stats.query_weights(fold("自贸区哪一天挂牌"))     # -> {column: count}
        stats.idf(["自贸"])                                # as BM25Index.idf
    """

    def __init__(self, tokens: list[str], df: list[int], size: int):
        self.size = size
        self.df = df
        self.columns = {token: col for col, token in enumerate(tokens)}
        self.tokens = tokens

    def to_dict(self) -> dict:
        return {"size": self.size, "tokens": self.tokens, "df": self.df}

    @classmethod
    def from_dict(cls, data: dict) -> "BM25Stats":
        return cls(list(data["tokens"]), [int(d) for d in data["df"]], int(data["size"]))

    def document_frequency(self, token: str) -> int:
        col = self.columns.get(token)
        return 0 if col is None else self.df[col]

    def idf(self, tokens: list[str]) -> dict[str, float]:
        return {token: bm25_idf(self.size, self.document_frequency(token)) for token in set(tokens)}

    def query_weights(self, folded_query: str) -> dict[int, float]:
        """``{column: times the token occurs}`` for the query's tokens the corpus holds: the inner
        product with a text's ``BM25Index.text_weights`` row is its BM25 score."""
        weights: dict[int, float] = {}
        for token in query_tokens(folded_query):
            col = self.columns.get(token)
            if col is not None:
                weights[col] = weights.get(col, 0.0) + 1.0
        return weights


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
        model = bm25s.BM25(k1=self.k1, b=self.b)
        model.scores, model.vocab_dict = build_scores(folded_texts, self.k1, self.b)
        model.unique_token_ids_set = set(model.vocab_dict.values())
        model.nonoccurrence_array = None  # the Lucene variant has none
        self._bm25 = model

    def memory_bytes(self) -> int:
        """Bytes of the score matrix (the vocabulary dict adds ~100 bytes a distinct token)."""
        if self._bm25 is None:
            return 0
        scores = self._bm25.scores
        return int(scores["data"].nbytes + scores["indices"].nbytes + scores["indptr"].nbytes)

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

    def document_frequency(self, token: str) -> int:
        """How many texts hold ``token`` (0 for a token the corpus lacks)."""
        indptr = self._bm25.scores["indptr"] if self._bm25 is not None else None
        i = self._bm25.vocab_dict.get(token) if self._bm25 is not None else None
        if indptr is None or i is None or i + 1 >= len(indptr):
            return 0
        return int(indptr[i + 1] - indptr[i])

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
            weights[token] = bm25_idf(n, df)
        return weights

    def statistics(self) -> BM25Stats:
        """The tokens in column order, their document frequencies and the number of texts."""
        if self._bm25 is None:
            return BM25Stats([], [], self.size)
        by_column = sorted(self._bm25.vocab_dict.items(), key=lambda item: item[1])
        indptr = self._bm25.scores["indptr"]
        df = np.diff(indptr).tolist()
        return BM25Stats([t for t, _ in by_column], [df[c] if c < len(df) else 0 for _, c in by_column], self.size)

    def text_weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's ``(columns, weights)``: its row of the score matrix (``idf * tf`` saturation),
        so that a query's ``BM25Stats.query_weights`` times it is the text's BM25 score."""
        if self._bm25 is None:
            return [(np.zeros(0, np.int64), np.zeros(0, np.float32)) for _ in range(self.size)]
        scores = self._bm25.scores
        indptr, rows, data = scores["indptr"], scores["indices"], scores["data"]
        cols = np.repeat(np.arange(len(indptr) - 1, dtype=np.int64), np.diff(indptr))
        order = np.argsort(rows, kind="stable")  # by text; columns stay ascending within one
        rows, cols, data = rows[order], cols[order], data[order]
        bounds = np.searchsorted(rows, np.arange(self.size + 1))
        return [(cols[bounds[i]:bounds[i + 1]], data[bounds[i]:bounds[i + 1]]) for i in range(self.size)]

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


class ChunkBM25:
    """BM25 over an index's chunks: built from their folded texts the first time it is needed
    after a change (``invalidate``), its positions mapped back to the chunks' vector ids.

    On disk (one generation folder): ``bm25/`` (the ``BM25Index``) and ``bm25_ids.npy``.
    """

    def __init__(self, bm25: BM25Index | None = None, ids: np.ndarray | None = None):
        self.bm25 = bm25
        self.ids: np.ndarray = ids if ids is not None else np.zeros(0, dtype=np.int64)

    def invalidate(self) -> None:
        """The chunks changed: rebuild before the next use."""
        self.bm25 = None

    def ready(self, folded: dict[int, str]) -> BM25Index:
        """The BM25 index over ``folded`` (vector id -> folded text), built now if stale."""
        if self.bm25 is None:
            ids = np.fromiter(sorted(folded), dtype=np.int64, count=len(folded))
            bm25 = BM25Index()
            bm25.build([folded[int(i)] for i in ids])
            self.bm25, self.ids = bm25, ids
        return self.bm25

    def search(self, folded: dict[int, str], folded_query: str, k: int) -> list[tuple[int, float]]:
        """``(vector id, score)`` of the best ``k`` chunks with a positive score."""
        bm25 = self.ready(folded)
        return [(int(self.ids[pos]), score) for pos, score in bm25.search(folded_query, k)]

    def save(self, folder: Path) -> None:
        """Write the (ready) index into a generation folder."""
        self.bm25.save(folder / "bm25")
        np.save(folder / "bm25_ids.npy", self.ids)

    @classmethod
    def load(cls, folder: Path) -> "ChunkBM25":
        return cls(BM25Index.load(folder / "bm25"), np.load(folder / "bm25_ids.npy"))
