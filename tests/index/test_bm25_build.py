"""The numpy BM25 builder gives the scores ``bm25s`` itself computes, on real news text."""

import bm25s
import numpy as np

from newsqa.index.bm25 import BM25Index, build_scores
from newsqa.script import fold
from newsqa.text import bigram_tokens, query_tokens

TEXTS = [
    "2013年9月29日上海自貿區掛牌。",
    "浦東開發開放始於1990年4月18日，GDP增長6.5%。",
    "a",  # no CJK, one latin token
    "。！",  # no tokens at all: the empty token
    "上海",
    "河北自貿試驗區吸引外資 iPhone 15 pro 上海上海上海",
    "蘇州工業園區設立於1994年2月，是中國和新加坡兩國政府的合作項目。",
]


def _reference(folded):
    model = bm25s.BM25(k1=1.2, b=0.75)
    model.index([bigram_tokens(t) or [""] for t in folded], show_progress=False)
    return model


def test_numpy_build_matches_bm25s_scores_for_every_query():
    folded = [fold(t) for t in TEXTS] * 3  # repeated texts: df > 1
    ref = _reference(folded)
    ours = BM25Index()
    ours.build(folded)
    assert set(ours._bm25.vocab_dict) == set(ref.vocab_dict)
    for query in ["上海自贸区哪一天挂牌", "浦东gdp增长6.5%", "苏州 新加坡", "a", "iphone 15", "完全无关"]:
        tokens = query_tokens(fold(query))
        got = ours._bm25.get_scores_from_ids(ours._bm25.get_tokens_ids(tokens))
        want = ref.get_scores_from_ids(ref.get_tokens_ids(tokens))
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    assert ours.idf(["上海"]) == BM25Index.idf.__get__(_wrap(ref, len(folded)))(["上海"])


def _wrap(model, size):
    index = BM25Index()
    index._bm25, index.size = model, size
    return index


def test_small_batches_give_the_same_matrix():
    folded = [fold(t) for t in TEXTS] * 5
    one, vocab_one = build_scores(folded, 1.2, 0.75)
    many, vocab_many = build_scores(folded, 1.2, 0.75, batch=4)
    assert set(vocab_one) == set(vocab_many)

    def column(scores, vocab, token):
        col = vocab[token]
        if col + 1 >= len(scores["indptr"]):
            return [], []
        lo, hi = scores["indptr"][col], scores["indptr"][col + 1]
        return scores["indices"][lo:hi].tolist(), scores["data"][lo:hi].tolist()

    for token in vocab_one:  # same postings, docs in order, same scores (column order may differ)
        assert column(one, vocab_one, token) == column(many, vocab_many, token)
